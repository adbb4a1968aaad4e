-- One row per subject per calendar day (int_calendar_spine): the day's training stress (TSS summed over
-- int_workouts_stress; 0 on days without workouts) and the Performance Management Chart (Coggan's
-- impulse-response model as GoldenCheetah and TrainingPeaks compute it):
--   CTL_d = CTL_(d-1) * e^(-1/42) + TSS_d * (1 - e^(-1/42))     chronic training load, "fitness"
--   ATL_d = ATL_(d-1) * e^(-1/7)  + TSS_d * (1 - e^(-1/7))      acute training load, "fatigue"
--   TSB_d = CTL_(d-1) - ATL_(d-1)                                stress balance, the form on the morning of d
--   ramp_rate_d = CTL_d - CTL_(d-7)                              CTL change over 7 days
-- CTL and ATL start at 0 the day before the subject's first day. The recursion runs one step per day in a
-- recursive CTE (a closed form k^t * sum(TSS_i * k^-i) overflows a double after some years).
with daily as (
    select
        d.subject_id,
        d.date_day,
        row_number() over (partition by d.subject_id order by d.date_day) as day_index,
        coalesce(sum(w.tss), 0) as tss,
        count(w.tss) as workouts,
        coalesce(sum(w.duration_min), 0) as workout_min,
        coalesce(sum(w.tss) filter (where w.tss_method = 'power'), 0) as tss_power,
        coalesce(sum(w.tss) filter (where w.tss_method = 'heart_rate'), 0) as tss_heart_rate,
        coalesce(sum(w.tss) filter (where w.tss_method in ('intensity', 'activity_type')), 0) as tss_estimated,
        string_agg(distinct w.tss_method, ',' order by w.tss_method) as tss_methods
    from {{ ref('int_calendar_spine') }} d
    left join {{ ref('int_workouts_stress') }} w on w.subject_id = d.subject_id and w.local_date = d.date_day
    group by d.subject_id, d.date_day
),
pmc as (
    select *
    from (
        with recursive walk (subject_id, day_index, ctl, atl) as (
            select subject_id, day_index, tss * (1 - exp(-1.0 / 42)), tss * (1 - exp(-1.0 / 7))
            from daily
            where day_index = 1
            union all
            select
                d.subject_id,
                d.day_index,
                p.ctl * exp(-1.0 / 42) + d.tss * (1 - exp(-1.0 / 42)),
                p.atl * exp(-1.0 / 7) + d.tss * (1 - exp(-1.0 / 7))
            from walk p
            join daily d on d.subject_id = p.subject_id and d.day_index = p.day_index + 1
        )
        select subject_id, day_index, ctl, atl from walk
    ) as w
)
select
    d.subject_id,
    d.date_day,
    d.tss,
    d.workouts,
    d.workout_min,
    d.tss_power,
    d.tss_heart_rate,
    d.tss_estimated,
    d.tss_methods,
    p.ctl,
    p.atl,
    coalesce(lag(p.ctl) over s - lag(p.atl) over s, 0) as tsb,
    p.ctl - coalesce(lag(p.ctl, 7) over s, 0) as ramp_rate
from daily d
join pmc p on p.subject_id = d.subject_id and p.day_index = d.day_index
window s as (partition by d.subject_id order by d.date_day)
