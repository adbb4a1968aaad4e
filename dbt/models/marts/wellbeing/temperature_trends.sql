-- One row per subject per calendar day: Oura's nightly skin-temperature deviation, its 3- and 7-day rolling
-- means, an illness signal for runs of elevated temperature, and the day's resting-HR and HRV change from
-- the subject's trailing baseline. Definitions and thresholds: temperature_trends.yml.
{%- set threshold = var('temperature_elevated_c', 0.5) %}
{%- set baseline_days = var('wellbeing_baseline_days', 28) %}
{%- set baseline_min = var('wellbeing_baseline_min_days', 7) %}
{%- set w3 = "partition by subject_id order by date_day rows between 2 preceding and current row" %}
{%- set w7 = "partition by subject_id order by date_day rows between 6 preceding and current row" %}
{%- set base = "partition by subject_id order by date_day rows between " ~ baseline_days ~ " preceding and 1 preceding" %}
{%- set s = "partition by subject_id order by date_day" %}
with days as (
    select
        subject_id,
        date_day,
        temperature_deviation_c,
        temperature_deviation_c >= {{ threshold }} as temperature_elevated,
        resting_hr_bpm,
        sleep_hrv_ms
    from {{ ref('daily_summary') }}
),
windows as (
    select
        *,
        avg(temperature_deviation_c) over ({{ w3 }}) as temperature_deviation_3d_c,
        avg(temperature_deviation_c) over ({{ w7 }}) as temperature_deviation_7d_c,
        lag(temperature_elevated) over ({{ s }}) as elevated_previous_day,
        lead(temperature_elevated) over ({{ s }}) as elevated_next_day,
        case when count(resting_hr_bpm) over ({{ base }}) >= {{ baseline_min }}
            then avg(resting_hr_bpm) over ({{ base }}) end as resting_hr_baseline_bpm,
        case when count(sleep_hrv_ms) over ({{ base }}) >= {{ baseline_min }}
            then avg(sleep_hrv_ms) over ({{ base }}) end as hrv_baseline_ms
    from days
)
select
    subject_id,
    date_day,
    temperature_deviation_c,
    temperature_deviation_3d_c,
    temperature_deviation_7d_c,
    coalesce(temperature_elevated, false) as temperature_elevated,
    -- known on the morning of the day: this night and the one before both elevated
    coalesce(temperature_elevated and elevated_previous_day, false) as illness_alert,
    -- in hindsight: the day belongs to a run of at least two consecutive elevated nights
    coalesce(temperature_elevated and (elevated_previous_day or elevated_next_day), false) as illness_signal,
    resting_hr_bpm,
    resting_hr_baseline_bpm,
    resting_hr_bpm - resting_hr_baseline_bpm as resting_hr_change_bpm,
    sleep_hrv_ms,
    hrv_baseline_ms,
    sleep_hrv_ms - hrv_baseline_ms as hrv_change_ms,
    100.0 * (sleep_hrv_ms - hrv_baseline_ms) / nullif(hrv_baseline_ms, 0) as hrv_change_pct
from windows
