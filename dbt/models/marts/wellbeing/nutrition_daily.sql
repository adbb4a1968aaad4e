-- One row per subject per calendar day: intake (energy, macros in g and % of energy, fibre, sugar, sodium,
-- meals logged) and energy balance = intake − expenditure. Definitions and citations: nutrition_daily.yml.
with intake as (
    select
        subject_id,
        local_date,
        count(*) as entries,
        count(distinct coalesce(meal, 'unspecified')) as meals_logged,
        sum(energy_kcal) as energy_kcal,
        sum(protein_g) as protein_g,
        sum(carbs_g) as carbs_g,
        sum(fat_g) as fat_g,
        sum(saturated_fat_g) as saturated_fat_g,
        sum(fiber_g) as fiber_g,
        sum(sugar_g) as sugar_g,
        sum(sodium_mg) as sodium_mg,
        sum(caffeine_mg) as caffeine_mg,
        sum(water_ml) as water_ml
    from {{ ref('stg_silver__nutrition_entries') }}
    group by subject_id, local_date
),
activity as (
    select
        subject_id,
        local_date,
        max(total_energy_kcal) as total_energy_kcal,
        max(active_energy_kcal) as active_energy_kcal
    from {{ ref('stg_silver__activity_daily') }}
    group by subject_id, local_date
),
body as (
    select
        subject_id,
        local_date,
        max(case when metric = 'weight_kg' then value end) as weight_kg,
        max(case when metric = 'height_m' then value end) as height_m
    from (
        select
            subject_id, local_date, metric, value,
            row_number() over (
                partition by subject_id, local_date, metric order by start_utc desc, _source, source_name
            ) as nth_from_last
        from {{ ref('stg_silver__body_measurements') }}
        where metric in ('weight_kg', 'height_m') and value is not null
    ) as b
    where nth_from_last = 1
    group by subject_id, local_date
),
profile as (
    select subject_id, max(date_of_birth) as date_of_birth, max(lower(biological_sex)) as biological_sex
    from {{ ref('stg_silver__subject_profile') }}
    group by subject_id
),
days as (
    select
        sp.subject_id,
        sp.date_day,
        i.entries,
        i.meals_logged,
        i.energy_kcal,
        i.protein_g,
        i.carbs_g,
        i.fat_g,
        i.saturated_fat_g,
        i.fiber_g,
        i.sugar_g,
        i.sodium_mg,
        i.caffeine_mg,
        i.water_ml,
        a.total_energy_kcal,
        a.active_energy_kcal,
        -- the last weight and height known on the day (carried forward)
        last_value(b.weight_kg ignore nulls) over (
            partition by sp.subject_id order by sp.date_day rows between unbounded preceding and current row
        ) as weight_kg,
        last_value(b.height_m ignore nulls) over (
            partition by sp.subject_id order by sp.date_day rows between unbounded preceding and current row
        ) as height_m,
        year(sp.date_day) - year(p.date_of_birth)
            - case
                when month(sp.date_day) < month(p.date_of_birth)
                    or (month(sp.date_day) = month(p.date_of_birth) and day(sp.date_day) < day(p.date_of_birth))
                    then 1
                else 0
            end as age_years,
        p.biological_sex
    from {{ ref('int_calendar_spine') }} sp
    left join intake i on i.subject_id = sp.subject_id and i.local_date = sp.date_day
    left join activity a on a.subject_id = sp.subject_id and a.local_date = sp.date_day
    left join body b on b.subject_id = sp.subject_id and b.local_date = sp.date_day
    left join profile p on p.subject_id = sp.subject_id
),
energy as (
    select
        *,
        4 * protein_g + 4 * carbs_g + 9 * fat_g as macro_energy_kcal,
        -- Mifflin–St Jeor (1990) resting energy expenditure, kcal/day
        case biological_sex
            when 'male' then 10 * weight_kg + 6.25 * (100 * height_m) - 5 * age_years + 5
            when 'female' then 10 * weight_kg + 6.25 * (100 * height_m) - 5 * age_years - 161
        end as bmr_mifflin_kcal
    from days
)
select
    subject_id,
    date_day,
    coalesce(entries, 0) as entries,
    coalesce(meals_logged, 0) as meals_logged,
    energy_kcal,
    protein_g,
    carbs_g,
    fat_g,
    macro_energy_kcal,
    100.0 * 4 * protein_g / nullif(macro_energy_kcal, 0) as protein_pct_energy,
    100.0 * 4 * carbs_g / nullif(macro_energy_kcal, 0) as carbs_pct_energy,
    100.0 * 9 * fat_g / nullif(macro_energy_kcal, 0) as fat_pct_energy,
    saturated_fat_g,
    fiber_g,
    sugar_g,
    sodium_mg,
    caffeine_mg,
    water_ml,
    total_energy_kcal,
    active_energy_kcal,
    weight_kg,
    height_m,
    age_years,
    biological_sex,
    bmr_mifflin_kcal,
    coalesce(total_energy_kcal, active_energy_kcal + bmr_mifflin_kcal) as expenditure_kcal,
    case
        when total_energy_kcal is not null then 'total_energy'
        when active_energy_kcal + bmr_mifflin_kcal is not null then 'active_plus_mifflin_bmr'
    end as expenditure_method,
    energy_kcal - coalesce(total_energy_kcal, active_energy_kcal + bmr_mifflin_kcal) as energy_balance_kcal
from energy
