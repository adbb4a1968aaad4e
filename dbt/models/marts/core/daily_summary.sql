-- One row per subject per calendar day: every source's view of the day joined on the calendar spine, and
-- the day's training stress and Performance Management Chart (training_load_daily).
with scores as (
    select
        subject_id,
        local_date,
        max(score) filter (where score_type = 'readiness') as readiness_score,
        max(score) filter (where score_type = 'sleep') as sleep_score,
        max(score) filter (where score_type = 'activity') as activity_score,
        max(temperature_deviation_c) filter (where score_type = 'readiness') as temperature_deviation_c
    from {{ ref('stg_silver__daily_scores') }}
    group by subject_id, local_date
),
activity as (
    select
        subject_id,
        local_date,
        max(steps) as steps,
        max(active_energy_kcal) as active_energy_kcal,
        max(total_energy_kcal) as total_energy_kcal,
        max(exercise_time_min) as exercise_time_min
    from {{ ref('stg_silver__activity_daily') }}
    group by subject_id, local_date
),
workouts as (
    select
        subject_id,
        local_date,
        count(*) as workouts,
        sum(duration_s) / 60 as workout_min,
        sum(energy_kcal) as workout_energy_kcal,
        sum(output_kj) as workout_output_kj,
        sum(distance_km) as workout_distance_km
    from {{ ref('int_workouts_deduped') }}
    group by subject_id, local_date
),
body as (
    select subject_id, local_date, avg(value) as weight_kg
    from {{ ref('stg_silver__body_measurements') }}
    where metric = 'weight_kg'
    group by subject_id, local_date
),
nutrition as (
    select
        subject_id,
        local_date,
        sum(energy_kcal) as intake_kcal,
        sum(carbs_g) as carbs_g,
        sum(protein_g) as protein_g,
        sum(fat_g) as fat_g
    from {{ ref('stg_silver__nutrition_entries') }}
    group by subject_id, local_date
)
select
    d.subject_id,
    d.date_day,
    s.readiness_score,
    s.sleep_score,
    s.activity_score,
    sl.total_sleep_s / 3600 as sleep_hours,
    sl.time_in_bed_s / 3600 as time_in_bed_hours,
    sl.efficiency_pct as sleep_efficiency_pct,
    sl.deep_s / 60 as deep_sleep_min,
    sl.rem_s / 60 as rem_sleep_min,
    sl.avg_hrv_ms as sleep_hrv_ms,
    sl.lowest_hr_bpm as sleep_lowest_hr_bpm,
    coalesce(v.resting_hr_bpm, sl.lowest_hr_bpm) as resting_hr_bpm,
    v.hrv_sdnn_ms,
    v.spo2_pct,
    coalesce(s.temperature_deviation_c, sl.temperature_deviation_c, v.temperature_deviation_c)
        as temperature_deviation_c,
    coalesce(a.steps, v.steps_samples) as steps,
    a.active_energy_kcal,
    a.total_energy_kcal,
    a.exercise_time_min,
    coalesce(w.workouts, 0) as workouts,
    coalesce(w.workout_min, 0) as workout_min,
    w.workout_energy_kcal,
    w.workout_output_kj,
    w.workout_distance_km,
    t.tss,
    t.ctl,
    t.atl,
    t.tsb,
    b.weight_kg,
    n.intake_kcal,
    n.carbs_g,
    n.protein_g,
    n.fat_g,
    g.glucose_readings,
    g.glucose_mean_mgdl,
    g.glucose_cv_pct,
    g.tir_70_180_pct,
    g.tbr_70_pct
from {{ ref('int_calendar_spine') }} d
left join scores s on s.subject_id = d.subject_id and s.local_date = d.date_day
left join {{ ref('int_sleep_main_daily') }} sl on sl.subject_id = d.subject_id and sl.local_date = d.date_day
left join {{ ref('int_vitals_daily') }} v on v.subject_id = d.subject_id and v.local_date = d.date_day
left join activity a on a.subject_id = d.subject_id and a.local_date = d.date_day
left join workouts w on w.subject_id = d.subject_id and w.local_date = d.date_day
left join body b on b.subject_id = d.subject_id and b.local_date = d.date_day
left join nutrition n on n.subject_id = d.subject_id and n.local_date = d.date_day
left join {{ ref('int_glucose_daily') }} g on g.subject_id = d.subject_id and g.local_date = d.date_day
left join {{ ref('training_load_daily') }} t on t.subject_id = d.subject_id and t.date_day = d.date_day
