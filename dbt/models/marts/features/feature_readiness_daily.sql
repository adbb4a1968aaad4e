-- The readiness ML feature table: one row per subject per calendar day D with only what is known on the
-- morning of D (the cutoff is documented column by column in feature_readiness_daily.yml):
--   * the night that ends on the morning of D (night_*): sleep, night HRV and heart rate, skin temperature;
--   * days up to D − 1 (lag1_*, lag2_*, *_prev7d): daily values, rolling means over D−7 … D−1, the PMC of D − 1.
-- Labels, not features: readiness_today (Oura's readiness of D) and readiness_next_day (of D + 1).
{%- set prev7 = "partition by subject_id order by date_day rows between 7 preceding and 1 preceding" %}
{%- set prev28 = "partition by subject_id order by date_day rows between 28 preceding and 1 preceding" %}
{%- set s = "partition by subject_id order by date_day" %}
with workouts as (
    select subject_id, local_date, output_kj, late_workout from {{ ref('int_workouts_daily') }}
),
-- the calendar plus the day after the last one with data: the row a forecast for tomorrow reads (its
-- prior-days features are complete; its night and labels are NULL until that night has happened)
spine as (
    select subject_id, date_day from {{ ref('daily_summary') }}
    union all
    select subject_id, cast(max(date_day) + interval 1 day as date) from {{ ref('daily_summary') }}
    group by subject_id
),
days as (
    select
        sp.subject_id,
        sp.date_day,
        d.readiness_score,
        -- the night ending on the morning of the day
        d.sleep_score,
        sa.total_sleep_min / 60.0 as sleep_hours,
        sa.efficiency_pct as sleep_efficiency_pct,
        sa.deep_min,
        sa.rem_min,
        sa.latency_min,
        sa.awake_min,
        sa.bedtime_clock_min,
        sa.midpoint_clock_min,
        sa.bedtime_sd_7d_min,
        sa.midpoint_sd_7d_min,
        sl.avg_hrv_ms as night_hrv_ms,
        sl.lowest_hr_bpm as night_lowest_hr_bpm,
        sl.avg_hr_bpm as night_avg_hr_bpm,
        sl.avg_breath_rpm as night_breath_rpm,
        sl.temperature_deviation_c as night_temperature_deviation_c,
        -- the day itself (used only through lags)
        d.steps,
        d.active_energy_kcal,
        d.workout_min,
        coalesce(w.output_kj, 0) as output_kj,
        coalesce(w.late_workout, 0) as late_workout,
        d.resting_hr_bpm,
        d.hrv_sdnn_ms,
        d.intake_kcal,
        d.glucose_mean_mgdl,
        d.weight_kg,
        t.tss,
        t.ctl,
        t.atl
    from spine sp
    left join {{ ref('daily_summary') }} d on d.subject_id = sp.subject_id and d.date_day = sp.date_day
    left join {{ ref('sleep_architecture') }} sa on sa.subject_id = sp.subject_id and sa.date_day = sp.date_day
    left join {{ ref('int_sleep_main_daily') }} sl on sl.subject_id = sp.subject_id and sl.local_date = sp.date_day
    left join workouts w on w.subject_id = sp.subject_id and w.local_date = sp.date_day
    left join {{ ref('training_load_daily') }} t on t.subject_id = sp.subject_id and t.date_day = sp.date_day
)
select
    subject_id,
    date_day,
    -- labels
    readiness_score as readiness_today,
    lead(readiness_score) over ({{ s }}) as readiness_next_day,
    -- calendar (known in advance)
    isodow(date_day) as day_of_week,
    isodow(date_day) in (6, 7) as is_weekend,
    -- the night ending on the morning of D
    sleep_score as night_sleep_score,
    sleep_hours as night_sleep_hours,
    sleep_efficiency_pct as night_efficiency_pct,
    deep_min as night_deep_min,
    rem_min as night_rem_min,
    latency_min as night_latency_min,
    awake_min as night_awake_min,
    bedtime_clock_min as night_bedtime_clock_min,
    midpoint_clock_min as night_midpoint_clock_min,
    bedtime_sd_7d_min as night_bedtime_sd_7d_min,
    midpoint_sd_7d_min as night_midpoint_sd_7d_min,
    night_hrv_ms,
    night_lowest_hr_bpm,
    night_avg_hr_bpm,
    night_breath_rpm,
    night_temperature_deviation_c,
    -- change of the night from the preceding nights (D−7 … D−1, D−28 … D−1)
    night_hrv_ms - avg(night_hrv_ms) over ({{ prev7 }}) as night_hrv_vs_prev7d_ms,
    night_hrv_ms - avg(night_hrv_ms) over ({{ prev28 }}) as night_hrv_vs_prev28d_ms,
    (night_hrv_ms - avg(night_hrv_ms) over ({{ prev28 }})) / nullif(stddev_samp(night_hrv_ms) over ({{ prev28 }}), 0)
        as night_hrv_z_prev28d,
    night_lowest_hr_bpm - avg(night_lowest_hr_bpm) over ({{ prev7 }}) as night_lowest_hr_vs_prev7d_bpm,
    night_lowest_hr_bpm - avg(night_lowest_hr_bpm) over ({{ prev28 }}) as night_lowest_hr_vs_prev28d_bpm,
    sleep_hours - avg(sleep_hours) over ({{ prev7 }}) as night_sleep_hours_vs_prev7d,
    -- days before D
    lag(readiness_score, 1) over ({{ s }}) as readiness_lag1,
    lag(readiness_score, 2) over ({{ s }}) as readiness_lag2,
    avg(readiness_score) over ({{ prev7 }}) as readiness_prev7d,
    lag(sleep_score, 1) over ({{ s }}) as sleep_score_lag1,
    avg(sleep_score) over ({{ prev7 }}) as sleep_score_prev7d,
    avg(sleep_hours) over ({{ prev7 }}) as sleep_hours_prev7d,
    lag(steps, 1) over ({{ s }}) as steps_lag1,
    avg(steps) over ({{ prev7 }}) as steps_prev7d,
    lag(active_energy_kcal, 1) over ({{ s }}) as active_energy_kcal_lag1,
    lag(workout_min, 1) over ({{ s }}) as workout_min_lag1,
    lag(output_kj, 1) over ({{ s }}) as output_kj_lag1,
    lag(output_kj, 2) over ({{ s }}) as output_kj_lag2,
    sum(output_kj) over ({{ prev7 }}) as output_kj_prev7d,
    lag(late_workout, 1) over ({{ s }}) as late_workout_lag1,
    lag(resting_hr_bpm, 1) over ({{ s }}) as resting_hr_lag1,
    lag(hrv_sdnn_ms, 1) over ({{ s }}) as hrv_sdnn_lag1,
    lag(intake_kcal, 1) over ({{ s }}) as intake_kcal_lag1,
    lag(glucose_mean_mgdl, 1) over ({{ s }}) as glucose_mean_lag1,
    last_value(weight_kg ignore nulls) over (
        partition by subject_id order by date_day rows between unbounded preceding and 1 preceding
    ) as weight_kg_last_known,
    -- the Performance Management Chart at the end of D − 1 (training_load_daily)
    lag(tss, 1) over ({{ s }}) as tss_lag1,
    lag(ctl, 1) over ({{ s }}) as ctl_lag1,
    lag(atl, 1) over ({{ s }}) as atl_lag1,
    lag(ctl, 1) over ({{ s }}) - lag(atl, 1) over ({{ s }}) as tsb_morning
from days
