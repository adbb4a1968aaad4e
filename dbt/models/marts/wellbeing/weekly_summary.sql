-- One row per subject per ISO week (Monday–Sunday) with at least one day on the calendar spine: means and
-- sums of daily_summary and the change from the previous ISO week. Definitions: weekly_summary.yml.
{%- set means = [
    'readiness_score', 'sleep_score', 'sleep_hours', 'sleep_efficiency_pct', 'sleep_hrv_ms',
    'resting_hr_bpm', 'temperature_deviation_c', 'steps', 'active_energy_kcal', 'weight_kg', 'intake_kcal',
    'glucose_mean_mgdl', 'tir_70_180_pct'
] %}
{%- set sums = ['steps', 'active_energy_kcal', 'workouts', 'workout_min', 'workout_output_kj', 'workout_distance_km'] %}
{%- set changed = [] %}
{%- for m in means %}{% do changed.append(m ~ '_mean') %}{% endfor %}
{%- for m in sums %}{% do changed.append(m ~ '_sum') %}{% endfor %}
with weeks as (
    select
        subject_id,
        cast(date_trunc('week', date_day) as date) as week_start,
        min(isoyear(date_day)) as iso_year,
        min(week(date_day)) as iso_week,
        count(*) as days,
        count(readiness_score) as readiness_days,
        count(sleep_hours) as sleep_days,
        {%- for m in means %}
        avg({{ m }}) as {{ m }}_mean,
        {%- endfor %}
        {%- for m in sums %}
        sum({{ m }}) as {{ m }}_sum{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('daily_summary') }}
    group by subject_id, cast(date_trunc('week', date_day) as date)
),
with_previous as (
    select
        w.*,
        {%- for c in changed %}
        p.{{ c }} as prev_{{ c }}{{ ',' if not loop.last }}
        {%- endfor %}
    from weeks w
    left join weeks p on p.subject_id = w.subject_id and p.week_start = w.week_start - 7
)
select
    subject_id,
    week_start,
    iso_year,
    iso_week,
    days,
    readiness_days,
    sleep_days,
    {%- for c in changed %}
    {{ c }},
    {{ c }} - prev_{{ c }} as {{ c }}_wow_change,
    100.0 * ({{ c }} - prev_{{ c }}) / nullif(abs(prev_{{ c }}), 0) as {{ c }}_wow_pct{{ ',' if not loop.last }}
    {%- endfor %}
from with_previous
