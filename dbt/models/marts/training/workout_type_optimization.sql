-- One row per subject and activity_type: how much of it the subject does (count, mean TSS, duration,
-- output, power, intensity factor) and how the next morning changes after a day with it compared with
-- after a rest day (no workout): readiness(d+1) - readiness(d) and HRV(d+1) - HRV(d), HRV as in
-- int_training_wellness_daily. A day with two activity types counts for both. *_vs_rest > 0 means the
-- subject wakes up better after that type than after resting; recovery_rank 1 is the type the subject
-- recovers from best (by the readiness difference, then HRV).
with workouts as (
    select
        subject_id,
        activity_type,
        count(*) as workouts,
        count(distinct local_date) as workout_days,
        avg(tss) as mean_tss,
        avg(duration_min) as mean_duration_min,
        avg(output_kj) as mean_output_kj,
        avg(avg_power_w) as mean_power_w,
        avg(intensity_factor) as mean_intensity_factor
    from {{ ref('int_workouts_stress') }}
    group by subject_id, activity_type
),
changes as (
    select
        w.subject_id,
        w.date_day,
        lead(w.readiness_score) over s - w.readiness_score as readiness_change,
        lead(w.hrv_ms) over s - w.hrv_ms as hrv_change_ms,
        t.workouts = 0 as rest_day
    from {{ ref('int_training_wellness_daily') }} w
    join {{ ref('training_load_daily') }} t on t.subject_id = w.subject_id and t.date_day = w.date_day
    window s as (partition by w.subject_id order by w.date_day)
),
type_days as (
    select distinct subject_id, activity_type, local_date
    from {{ ref('int_workouts_stress') }}
),
after_type as (
    select
        d.subject_id,
        d.activity_type,
        avg(c.readiness_change) as next_day_readiness_change,
        avg(c.hrv_change_ms) as next_day_hrv_change_ms,
        count(c.readiness_change) as readiness_change_days,
        count(c.hrv_change_ms) as hrv_change_days
    from type_days d
    join changes c on c.subject_id = d.subject_id and c.date_day = d.local_date
    group by d.subject_id, d.activity_type
),
after_rest as (
    select
        subject_id,
        count(*) as rest_days,
        avg(readiness_change) as rest_next_day_readiness_change,
        avg(hrv_change_ms) as rest_next_day_hrv_change_ms
    from changes
    where rest_day
    group by subject_id
),
compared as (
    select
        w.subject_id,
        w.activity_type,
        w.workouts,
        w.workout_days,
        w.mean_tss,
        w.mean_duration_min,
        w.mean_output_kj,
        w.mean_power_w,
        w.mean_intensity_factor,
        a.readiness_change_days,
        a.next_day_readiness_change,
        a.hrv_change_days,
        a.next_day_hrv_change_ms,
        coalesce(r.rest_days, 0) as rest_days,
        r.rest_next_day_readiness_change,
        r.rest_next_day_hrv_change_ms,
        a.next_day_readiness_change - r.rest_next_day_readiness_change as readiness_change_vs_rest,
        a.next_day_hrv_change_ms - r.rest_next_day_hrv_change_ms as hrv_change_vs_rest_ms
    from workouts w
    left join after_type a on a.subject_id = w.subject_id and a.activity_type is not distinct from w.activity_type
    left join after_rest r on r.subject_id = w.subject_id
)
select
    *,
    rank() over (
        partition by subject_id
        order by readiness_change_vs_rest desc nulls last, hrv_change_vs_rest_ms desc nulls last
    ) as recovery_rank
from compared
