-- One row per subject per calendar day: the key daily_summary metrics with their 7- and 30-day rolling
-- means over calendar days (the spine: a day without a value is not replaced by an older one) and the
-- day's difference from the 30-day mean. Definitions: dashboard_30day.yml.
{%- set metrics = [
    'readiness_score', 'sleep_score', 'sleep_hours', 'sleep_hrv_ms', 'resting_hr_bpm',
    'temperature_deviation_c', 'steps', 'active_energy_kcal', 'workout_min', 'workout_output_kj',
    'weight_kg', 'intake_kcal', 'glucose_mean_mgdl', 'tir_70_180_pct'
] %}
{%- set w7 = "partition by subject_id order by date_day rows between 6 preceding and current row" %}
{%- set w30 = "partition by subject_id order by date_day rows between 29 preceding and current row" %}
select
    subject_id,
    date_day,
    {%- for m in metrics %}
    {{ m }},
    avg({{ m }}) over ({{ w7 }}) as {{ m }}_7d,
    avg({{ m }}) over ({{ w30 }}) as {{ m }}_30d,
    {{ m }} - avg({{ m }}) over ({{ w30 }}) as {{ m }}_vs_30d,
    {%- endfor %}
    count(readiness_score) over ({{ w30 }}) as readiness_days_30d,
    count(sleep_hours) over ({{ w30 }}) as sleep_days_30d
from {{ ref('daily_summary') }}
