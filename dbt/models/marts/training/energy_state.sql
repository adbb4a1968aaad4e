-- One row per subject per calendar day: an overall energy state (fresh / neutral / fatigued / depleted), the
-- worst of these components (a missing input imposes nothing):
--   form (TSB, training_load_daily) by the TrainingPeaks Performance Management Chart bands: > +5 fresh,
--     -10..+5 neutral, -30..-10 fatigued (the productive "optimal training" zone), < -30 depleted
--     (overreaching); tsb_zone keeps TrainingPeaks' names (> +25 transition, +5..+25 fresh, -10..+5 neutral,
--     -30..-10 optimal_training, < -30 high_risk).
--   readiness (Oura): >= 85 fresh ("optimal"), 70-84 neutral ("good"), 60-69 fatigued ("pay attention"),
--     < 60 depleted.
--   sleep: less than 6 h asleep the night before is fatigued (more than an hour short of the >= 7 h the
--     AASM/SRS consensus recommends, Watson et al. 2015); more imposes nothing.
--   energy balance, only on days with logged intake and a total energy expenditure:
--     intake_kcal - total_energy_kcal < -1000 is depleted, -1000..-500 fatigued (a heuristic: logs miss
--     snacks, so small deficits are not trusted).
-- Because sleep and energy balance can only lower the state, "fresh" needs a fresh form and, when
-- known, a readiness of 85 or more.
with parts as (
    select
        t.subject_id,
        t.date_day,
        t.tsb,
        w.readiness_score,
        w.sleep_hours,
        ds.intake_kcal,
        ds.total_energy_kcal,
        case when ds.intake_kcal > 0 and ds.total_energy_kcal > 0 then ds.intake_kcal - ds.total_energy_kcal end
            as energy_balance_kcal
    from {{ ref('training_load_daily') }} t
    left join {{ ref('int_training_wellness_daily') }} w on w.subject_id = t.subject_id and w.date_day = t.date_day
    left join {{ ref('daily_summary') }} ds on ds.subject_id = t.subject_id and ds.date_day = t.date_day
),
levels as (
    select
        *,
        case when tsb > 5 then 0 when tsb >= -10 then 1 when tsb >= -30 then 2 else 3 end as form_level,
        case
            when readiness_score >= 85 then 0
            when readiness_score >= 70 then 1
            when readiness_score >= 60 then 2
            when readiness_score < 60 then 3
        end as readiness_level,
        case when sleep_hours < 6 then 2 end as sleep_level,
        case when energy_balance_kcal < -1000 then 3 when energy_balance_kcal < -500 then 2 end as energy_level
    from parts
),
combined as (
    select
        *,
        greatest(
            form_level, coalesce(readiness_level, 0), coalesce(sleep_level, 0), coalesce(energy_level, 0)
        ) as state_level
    from levels
)
select
    subject_id,
    date_day,
    case state_level when 0 then 'fresh' when 1 then 'neutral' when 2 then 'fatigued' else 'depleted' end
        as energy_state,
    state_level,
    tsb,
    case
        when tsb > 25 then 'transition'
        when tsb > 5 then 'fresh'
        when tsb >= -10 then 'neutral'
        when tsb >= -30 then 'optimal_training'
        else 'high_risk'
    end as tsb_zone,
    readiness_score,
    sleep_hours,
    intake_kcal,
    total_energy_kcal,
    energy_balance_kcal,
    nullif(concat_ws(', ',
        case when state_level > 0 and form_level = state_level then 'form' end,
        case when state_level > 0 and readiness_level = state_level then 'readiness' end,
        case when state_level > 0 and sleep_level = state_level then 'sleep' end,
        case when state_level > 0 and energy_level = state_level then 'energy balance' end
    ), '') as limiting_factors
from combined
