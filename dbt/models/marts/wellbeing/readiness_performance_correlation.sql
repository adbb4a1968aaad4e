-- One row per subject per pair of daily metrics (metric_x on day d, metric_y on day d + lag_days): Pearson's
-- r over the days where both are present, n, t and a two-sided p-value. Definitions: the .yml.
{%- set default_pairs = [
    ['readiness_score', 'workout_output_kj', 0],
    ['readiness_score', 'workout_avg_power_w', 0],
    ['readiness_score', 'workout_avg_hr_bpm', 0],
    ['sleep_score', 'readiness_score', 0],
    ['sleep_score', 'readiness_score', 1],
    ['sleep_hours', 'readiness_score', 1],
    ['sleep_hrv_ms', 'readiness_score', 0],
    ['temperature_deviation_c', 'readiness_score', 0],
    ['training_output_kj', 'readiness_score', 1],
    ['training_output_kj', 'readiness_score', 2],
    ['training_output_kj', 'sleep_hrv_ms', 1],
    ['training_output_kj', 'sleep_lowest_hr_bpm', 1],
    ['training_output_kj', 'sleep_score', 1],
    ['steps', 'sleep_score', 1],
    ['readiness_score', 'readiness_score', 1]
] %}
{%- set pairs = var('readiness_correlation_pairs', default_pairs) %}
with workouts as (
    select
        subject_id,
        local_date,
        sum(output_kj) as workout_output_kj,
        sum(avg_power_w * duration_s) / nullif(sum(case when avg_power_w is not null then duration_s end), 0)
            as workout_avg_power_w,
        sum(avg_hr_bpm * duration_s) / nullif(sum(case when avg_hr_bpm is not null then duration_s end), 0)
            as workout_avg_hr_bpm
    from {{ ref('stg_silver__workouts') }}
    where duration_s > 0
    group by subject_id, local_date
),
daily as (
    select
        d.subject_id,
        d.date_day,
        d.readiness_score,
        d.sleep_score,
        d.sleep_hours,
        d.sleep_hrv_ms,
        d.sleep_lowest_hr_bpm,
        d.resting_hr_bpm,
        d.temperature_deviation_c,
        d.steps,
        w.workout_output_kj,
        w.workout_avg_power_w,
        w.workout_avg_hr_bpm,
        coalesce(w.workout_output_kj, 0) as training_output_kj
    from {{ ref('daily_summary') }} d
    left join workouts w on w.subject_id = d.subject_id and w.local_date = d.date_day
),
pairs as (
    {%- for x, y, lag in pairs %}
    select
        x.subject_id,
        '{{ x }}' as metric_x,
        '{{ y }}' as metric_y,
        {{ lag }} as lag_days,
        cast(x.{{ x }} as double) as x,
        cast(y.{{ y }} as double) as y
    from daily x
    inner join daily y on y.subject_id = x.subject_id and y.date_day = x.date_day + {{ lag }}
    where x.{{ x }} is not null and y.{{ y }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),
centred as (
    select
        *,
        x - avg(x) over (partition by subject_id, metric_x, metric_y, lag_days) as dx,
        y - avg(y) over (partition by subject_id, metric_x, metric_y, lag_days) as dy
    from pairs
),
sums as (
    select
        subject_id,
        metric_x,
        metric_y,
        lag_days,
        count(*) as n,
        avg(x) as mean_x,
        avg(y) as mean_y,
        sum(dx * dy) as sxy,
        sum(dx * dx) as sxx,
        sum(dy * dy) as syy
    from centred
    group by subject_id, metric_x, metric_y, lag_days
),
r as (
    select
        subject_id,
        metric_x,
        metric_y,
        lag_days,
        n,
        mean_x,
        mean_y,
        sxy / nullif(sxx, 0) as slope,
        case when n >= 3 and sxx > 0 and syy > 0 then sxy / sqrt(sxx * syy) end as r
    from sums
),
t as (
    select
        *,
        case
            when r is null then null
            when r * r >= 1 then null
            else r * sqrt((n - 2) / (1 - r * r))
        end as t_stat
    from r
),
z as (
    select *, abs(t_stat) / sqrt(2.0) as z, 1 / (1 + 0.3275911 * abs(t_stat) / sqrt(2.0)) as k
    from t
)
select
    subject_id,
    metric_x,
    metric_y,
    lag_days,
    n,
    r,
    t_stat,
    -- two-sided p = erfc(|t| / sqrt 2) (normal approximation of Student's t, n > 30); erfc by Abramowitz &
    -- Stegun 7.1.26 (absolute error < 1.5e-7)
    case
        when n <= 30 then null
        when r is not null and r * r >= 1 then 0.0
        else (
            0.254829592 * k - 0.284496736 * k * k + 1.421413741 * k * k * k
            - 1.453152027 * k * k * k * k + 1.061405429 * k * k * k * k * k
        ) * exp(-z * z)
    end as p_value,
    slope,
    mean_x,
    mean_y
from z
