-- One row per subject per calendar day: what to train today, from what is known that morning (the night's
-- readiness and HRV, today's form TSB, overtraining_risk). Rules, first match wins:
--   rest      risk_level high; or readiness < 60; or temperature deviation >= +0.5 C (possible illness,
--             Oura's body-temperature contributor); or HRV low and resting HR elevated together.
--   easy      risk_level moderate; or readiness < 70 (Oura: below 70 "pay attention"); or HRV low.
--   hard      readiness >= 85 (Oura "optimal"; without a readiness score: HRV status high) and TSB >= -10
--             (TrainingPeaks neutral or fresh form) and risk_level low.
--   moderate  otherwise.
-- recommendation_reasons names the inputs that decided it.
with inputs as (
    select
        r.subject_id,
        r.date_day,
        w.readiness_score,
        w.temperature_deviation_c,
        r.tsb,
        r.ctl,
        r.hrv_status,
        r.flag_resting_hr,
        r.risk_level,
        r.risk_reasons
    from {{ ref('overtraining_risk') }} r
    left join {{ ref('int_training_wellness_daily') }} w on w.subject_id = r.subject_id and w.date_day = r.date_day
),
decided as (
    select
        *,
        case
            when risk_level = 'high'
                or readiness_score < 60
                or temperature_deviation_c >= 0.5
                or (hrv_status = 'low' and flag_resting_hr) then 'rest'
            when risk_level = 'moderate' or readiness_score < 70 or hrv_status = 'low' then 'easy'
            when (readiness_score >= 85 or (readiness_score is null and hrv_status = 'high'))
                and tsb >= -10 and risk_level = 'low' then 'hard'
            else 'moderate'
        end as recommendation
    from inputs
)
select
    subject_id,
    date_day,
    recommendation,
    case recommendation when 'rest' then 0 when 'easy' then 1 when 'moderate' then 2 else 3 end
        as recommendation_level,
    readiness_score,
    temperature_deviation_c,
    tsb,
    ctl,
    hrv_status,
    flag_resting_hr,
    risk_level,
    nullif(concat_ws('; ',
        case when risk_level <> 'low' then 'overtraining risk ' || risk_level || coalesce(' (' || risk_reasons || ')', '') end,
        case
            when readiness_score < 60 then 'readiness ' || cast(cast(round(readiness_score) as integer) as varchar) || ' < 60'
            when readiness_score < 70 then 'readiness ' || cast(cast(round(readiness_score) as integer) as varchar) || ' < 70'
            when readiness_score >= 85 then 'readiness ' || cast(cast(round(readiness_score) as integer) as varchar) || ' >= 85'
        end,
        case when temperature_deviation_c >= 0.5
            then 'temperature +' || cast(round(temperature_deviation_c, 2) as varchar) || ' C' end,
        case when hrv_status in ('low', 'high') then 'HRV ' || hrv_status end,
        case when flag_resting_hr then 'resting HR elevated' end,
        case when recommendation in ('hard', 'moderate') and tsb >= -10
            then 'TSB ' || cast(round(tsb, 1) as varchar) || ' >= -10' end
    ), '') as recommendation_reasons
from decided
