-- Daily vitals from measurement samples: resting heart rate, HRV (SDNN, Apple Watch), SpO2, respiratory
-- rate, VO2 max, temperature deviation (Oura).
select
    subject_id,
    local_date,
    avg(value) filter (where metric = 'resting_heart_rate') as resting_hr_bpm,
    avg(value) filter (where metric = 'hrv_sdnn_ms') as hrv_sdnn_ms,
    avg(value) filter (where metric = 'spo2_pct') as spo2_pct,
    avg(value) filter (where metric = 'respiratory_rate') as respiratory_rate_rpm,
    max(value) filter (where metric = 'vo2max_ml_kg_min') as vo2max_ml_kg_min,
    avg(value) filter (where metric = 'temperature_deviation_c') as temperature_deviation_c,
    sum(value) filter (where metric = 'steps') as steps_samples
from {{ ref('stg_silver__measurements') }}
where metric in (
    'resting_heart_rate', 'hrv_sdnn_ms', 'spo2_pct', 'respiratory_rate', 'vo2max_ml_kg_min',
    'temperature_deviation_c', 'steps'
)
group by subject_id, local_date
