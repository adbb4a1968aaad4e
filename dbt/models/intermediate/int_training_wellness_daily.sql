-- One row per subject per calendar day: the recovery markers training models compare with their baselines,
-- and those baselines. All markers are the morning's (night d = the sleep ending on the morning of d).
--   hrv_ms          the main sleep's average HRV (Oura rMSSD) when the subject has >= 14 such nights,
--                   else Apple Health's daily SDNN (the two scales are never mixed within a subject).
--   resting_hr_bpm  the main sleep's lowest HR when the subject has >= 14 such nights, else Apple Health's
--                   resting HR (same rule, so a subject's series keeps one definition).
--   readiness_score Oura's readiness; temperature_deviation_c from the readiness (else the night).
-- Baselines use only earlier days (rows of the gap-free spine, so rows = days):
--   *_base28_mean / _sd    days d-28..d-1 (>= 14 values), for return-to-baseline after a workout.
--   ln_hrv_7d_mean         mean of ln(HRV) over d-6..d (>= 4 values), the rolling average of Plews et al.
--                          2012/2013 (Int J Sports Physiol Perform) and Buchheit 2014 (Front Physiol).
--   ln_hrv_base60_mean/_sd days d-60..d-1 (>= 30 values).
--   resting_hr_7d_mean     d-6..d (>= 4 values).
with readiness as (
    select
        subject_id,
        local_date,
        max(score) as readiness_score,
        max(temperature_deviation_c) as temperature_deviation_c
    from {{ ref('stg_silver__daily_scores') }}
    where score_type = 'readiness'
    group by subject_id, local_date
),
joined as (
    select
        d.subject_id,
        d.date_day,
        r.readiness_score,
        coalesce(r.temperature_deviation_c, sl.temperature_deviation_c) as temperature_deviation_c,
        sl.total_sleep_s / 3600.0 as sleep_hours,
        case when sl.avg_hrv_ms > 0 then sl.avg_hrv_ms end as sleep_hrv_ms,
        case when v.hrv_sdnn_ms > 0 then v.hrv_sdnn_ms end as sdnn_ms,
        sl.lowest_hr_bpm as sleep_lowest_hr_bpm,
        v.resting_hr_bpm as apple_resting_hr_bpm
    from {{ ref('int_calendar_spine') }} d
    left join readiness r on r.subject_id = d.subject_id and r.local_date = d.date_day
    left join {{ ref('int_sleep_main_daily') }} sl on sl.subject_id = d.subject_id and sl.local_date = d.date_day
    left join {{ ref('int_vitals_daily') }} v on v.subject_id = d.subject_id and v.local_date = d.date_day
),
choice as (
    select
        subject_id,
        count(sleep_hrv_ms) >= 14 as use_sleep_hrv,
        count(sleep_lowest_hr_bpm) >= 14 as use_sleep_hr
    from joined
    group by subject_id
),
markers as (
    select
        j.subject_id,
        j.date_day,
        j.readiness_score,
        j.temperature_deviation_c,
        j.sleep_hours,
        case when c.use_sleep_hrv then j.sleep_hrv_ms else j.sdnn_ms end as hrv_ms,
        case
            when c.use_sleep_hrv and j.sleep_hrv_ms is not null then 'sleep_rmssd'
            when not c.use_sleep_hrv and j.sdnn_ms is not null then 'apple_sdnn'
        end as hrv_source,
        case when c.use_sleep_hr then j.sleep_lowest_hr_bpm else j.apple_resting_hr_bpm end as resting_hr_bpm
    from joined j
    join choice c on c.subject_id = j.subject_id
),
rolling as (
    select
        *,
        ln(hrv_ms) as ln_hrv,
        avg(hrv_ms) over b28 as hrv_base28_mean,
        stddev_samp(hrv_ms) over b28 as hrv_base28_sd,
        count(hrv_ms) over b28 as hrv_base28_n,
        avg(resting_hr_bpm) over b28 as resting_hr_base28_mean,
        stddev_samp(resting_hr_bpm) over b28 as resting_hr_base28_sd,
        count(resting_hr_bpm) over b28 as resting_hr_base28_n,
        avg(readiness_score) over b28 as readiness_base28_mean,
        stddev_samp(readiness_score) over b28 as readiness_base28_sd,
        count(readiness_score) over b28 as readiness_base28_n,
        avg(ln(hrv_ms)) over w7 as ln_hrv_7d_mean,
        count(hrv_ms) over w7 as ln_hrv_7d_n,
        avg(ln(hrv_ms)) over b60 as ln_hrv_base60_mean,
        stddev_samp(ln(hrv_ms)) over b60 as ln_hrv_base60_sd,
        count(hrv_ms) over b60 as ln_hrv_base60_n,
        avg(resting_hr_bpm) over w7 as resting_hr_7d_mean,
        count(resting_hr_bpm) over w7 as resting_hr_7d_n
    from markers
    window
        b28 as (partition by subject_id order by date_day rows between 28 preceding and 1 preceding),
        b60 as (partition by subject_id order by date_day rows between 60 preceding and 1 preceding),
        w7 as (partition by subject_id order by date_day rows between 6 preceding and current row)
)
select
    subject_id,
    date_day,
    readiness_score,
    temperature_deviation_c,
    sleep_hours,
    hrv_ms,
    hrv_source,
    ln_hrv,
    resting_hr_bpm,
    case when hrv_base28_n >= 14 then hrv_base28_mean end as hrv_base28_mean,
    case when hrv_base28_n >= 14 then hrv_base28_sd end as hrv_base28_sd,
    case when resting_hr_base28_n >= 14 then resting_hr_base28_mean end as resting_hr_base28_mean,
    case when resting_hr_base28_n >= 14 then resting_hr_base28_sd end as resting_hr_base28_sd,
    case when readiness_base28_n >= 14 then readiness_base28_mean end as readiness_base28_mean,
    case when readiness_base28_n >= 14 then readiness_base28_sd end as readiness_base28_sd,
    case when ln_hrv_7d_n >= 4 then ln_hrv_7d_mean end as ln_hrv_7d_mean,
    case when ln_hrv_base60_n >= 30 then ln_hrv_base60_mean end as ln_hrv_base60_mean,
    case when ln_hrv_base60_n >= 30 then ln_hrv_base60_sd end as ln_hrv_base60_sd,
    case when resting_hr_7d_n >= 4 then resting_hr_7d_mean end as resting_hr_7d_mean
from rolling
