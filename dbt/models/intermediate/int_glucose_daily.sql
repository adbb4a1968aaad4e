-- Daily CGM summary (readings of kind 'cgm'): mean, SD, CV and time in the consensus ranges
-- (Battelino et al. 2019: 70–180 mg/dL in range, < 70 and < 54 below, > 180 and > 250 above).
select
    subject_id,
    local_date,
    count(*) as glucose_readings,
    avg(glucose_mgdl) as glucose_mean_mgdl,
    stddev_samp(glucose_mgdl) as glucose_sd_mgdl,
    100 * stddev_samp(glucose_mgdl) / nullif(avg(glucose_mgdl), 0) as glucose_cv_pct,
    100 * avg(case when glucose_mgdl between 70 and 180 then 1 else 0 end) as tir_70_180_pct,
    100 * avg(case when glucose_mgdl < 70 then 1 else 0 end) as tbr_70_pct,
    100 * avg(case when glucose_mgdl < 54 then 1 else 0 end) as tbr_54_pct,
    100 * avg(case when glucose_mgdl > 180 then 1 else 0 end) as tar_180_pct,
    100 * avg(case when glucose_mgdl > 250 then 1 else 0 end) as tar_250_pct
from {{ ref('stg_silver__glucose_readings') }}
where reading_kind = 'cgm'
group by subject_id, local_date
