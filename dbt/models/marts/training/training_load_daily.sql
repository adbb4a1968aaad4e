-- One row per subject per calendar day (int_calendar_spine): the day's training stress (TSS summed over
-- int_workouts_stress; 0 on days without workouts) and the Performance Management Chart (Coggan's
-- impulse-response model as GoldenCheetah and TrainingPeaks compute it):
--   CTL_d = CTL_(d-1) * e^(-1/42) + TSS_d * (1 - e^(-1/42))     chronic training load, "fitness"
--   ATL_d = ATL_(d-1) * e^(-1/7)  + TSS_d * (1 - e^(-1/7))      acute training load, "fatigue"
--   TSB_d = CTL_(d-1) - ATL_(d-1)                                stress balance, the form on the morning of d
--   ramp_rate_d = CTL_d - CTL_(d-7)                              CTL change over 7 days
-- CTL and ATL start at 0 the day before the subject's first day. The recursion runs one step per day, as
-- list_reduce over the days' TSS (a closed form k^t * sum(TSS_i * k^-i) overflows a double after some
-- years): a recursive CTE carries the values from one block of 64 days to the next (one step per day was
-- one query step per day, slow over years), and each day reduces its block's days up to itself from the
-- block's starting values; the same operations in the same order, so the same doubles as a day-by-day walk.
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
blocks as (
    select subject_id, (day_index - 1) // 64 as block, list(tss order by day_index) as tss
    from daily
    group by subject_id, block
),
block_start as (  -- CTL and ATL on the day before each block's first day
    with recursive walk (subject_id, block, ctl, atl) as (
        select subject_id, 0, 0.0::double, 0.0::double
        from blocks
        where block = 0
        union all
        select
            b.subject_id,
            w.block + 1,
            list_reduce(b.tss, lambda v, t: v * exp(-1.0 / 42) + t * (1 - exp(-1.0 / 42)), w.ctl),
            list_reduce(b.tss, lambda v, t: v * exp(-1.0 / 7) + t * (1 - exp(-1.0 / 7)), w.atl)
        from walk w
        join blocks b on b.subject_id = w.subject_id and b.block = w.block
    )
    select subject_id, block, ctl, atl from walk
),
pmc as (
    select
        d.subject_id,
        d.day_index,
        list_reduce(
            b.tss[1:(d.day_index - 1) % 64 + 1],
            lambda v, t: v * exp(-1.0 / 42) + t * (1 - exp(-1.0 / 42)),
            bs.ctl
        ) as ctl,
        list_reduce(
            b.tss[1:(d.day_index - 1) % 64 + 1],
            lambda v, t: v * exp(-1.0 / 7) + t * (1 - exp(-1.0 / 7)),
            bs.atl
        ) as atl
    from daily d
    join blocks b on b.subject_id = d.subject_id and b.block = (d.day_index - 1) // 64
    join block_start bs on bs.subject_id = d.subject_id and bs.block = b.block
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
