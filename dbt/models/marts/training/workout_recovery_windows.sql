-- One row per subject, intensity band and recovery marker: how many days HRV, resting HR and readiness take
-- to return to baseline after a training day.
--   event     a calendar day with workouts, banded by its hardest workout's intensity_band
--             (int_workouts_stress: IF < 0.75 recovery, 0.75-0.85 endurance, 0.85-0.95 tempo, >= 0.95
--             threshold_plus; Allen & Coggan's IF guide); days without workouts form the band 'rest' as the
--             reference.
--   baseline  the marker's mean and SD over the 28 days before the event (d-28..d-1, >= 14 values;
--             int_training_wellness_daily).
--   back      the first morning d+j (j = 1..7; morning d+1 follows the night after the workout) on which the
--             marker is within 1 SD on the side that means recovered: HRV >= mean - SD, resting HR <= mean
--             + SD, readiness >= mean - SD. days_to_baseline = j (1 = back the next morning); NULL when not
--             back within 7 days (counted in events_not_back_7d). Mornings without a value are skipped.
--   next_morning_z  (marker on morning d+1 - baseline mean) / SD, sign as measured.
-- Later workouts inside the window are not excluded: the windows describe the subject's training as done.
with day_band as (
    select
        subject_id,
        local_date as date_day,
        max(intensity_factor) as max_intensity_factor,
        sum(tss) as day_tss
    from {{ ref('int_workouts_stress') }}
    group by subject_id, local_date
),
events as (
    select
        t.subject_id,
        t.date_day,
        t.tss as day_tss,
        case
            when b.max_intensity_factor is null then 'rest'
            when b.max_intensity_factor < 0.75 then 'recovery'
            when b.max_intensity_factor < 0.85 then 'endurance'
            when b.max_intensity_factor < 0.95 then 'tempo'
            else 'threshold_plus'
        end as intensity_band
    from {{ ref('training_load_daily') }} t
    left join day_band b on b.subject_id = t.subject_id and b.date_day = t.date_day
),
metrics as (
    select subject_id, date_day, 'hrv' as metric, hrv_ms as value, hrv_base28_mean as base_mean,
        hrv_base28_sd as base_sd, 1 as good_direction
    from {{ ref('int_training_wellness_daily') }}
    union all
    select subject_id, date_day, 'resting_hr', resting_hr_bpm, resting_hr_base28_mean, resting_hr_base28_sd, -1
    from {{ ref('int_training_wellness_daily') }}
    union all
    select subject_id, date_day, 'readiness', readiness_score, readiness_base28_mean, readiness_base28_sd, 1
    from {{ ref('int_training_wellness_daily') }}
),
windows as (
    select
        e.subject_id,
        e.date_day,
        e.intensity_band,
        e.day_tss,
        b.metric,
        b.base_mean,
        b.base_sd,
        date_diff('day', e.date_day, m.date_day) as j,
        m.value,
        (m.value - b.base_mean) * b.good_direction >= -b.base_sd as back
    from events e
    join metrics b on b.subject_id = e.subject_id and b.date_day = e.date_day
    join metrics m
        on m.subject_id = e.subject_id
        and m.metric = b.metric
        and m.date_day between e.date_day + 1 and e.date_day + 7
    where b.base_mean is not null and b.base_sd > 0 and m.value is not null
),
per_event as (
    select
        subject_id,
        date_day,
        intensity_band,
        metric,
        max(day_tss) as day_tss,
        min(j) filter (where back) as days_to_baseline,
        max((value - base_mean) / base_sd) filter (where j = 1) as next_morning_z
    from windows
    group by subject_id, date_day, intensity_band, metric
)
select
    subject_id,
    intensity_band,
    case intensity_band
        when 'rest' then 0 when 'recovery' then 1 when 'endurance' then 2 when 'tempo' then 3 else 4
    end as band_order,
    metric,
    count(*) as events,
    avg(day_tss) as mean_day_tss,
    count(days_to_baseline) as events_back_7d,
    count(*) - count(days_to_baseline) as events_not_back_7d,
    avg(days_to_baseline) as mean_days_to_baseline,
    quantile_cont(days_to_baseline, 0.5) as median_days_to_baseline,
    avg(case when days_to_baseline = 1 then 1.0 else 0.0 end) as share_back_day1,
    avg(case when days_to_baseline <= 2 then 1.0 else 0.0 end) as share_back_day2,
    avg(next_morning_z) as mean_next_morning_z
from per_event
group by subject_id, intensity_band, metric
