-- One row per subject per calendar day: the day's body composition (the last measurement of the day of
-- each metric), a 7-day rolling weight mean and BMI. Definitions: body_daily.yml.
with ranked as (
    select
        subject_id,
        local_date,
        metric,
        value,
        row_number() over (
            partition by subject_id, local_date, metric order by start_utc desc, _source, source_name
        ) as nth_from_last
    from {{ ref('stg_silver__body_measurements') }}
    where metric in ('weight_kg', 'body_fat_pct', 'lean_body_mass_kg', 'bmi', 'height_m')
      and value is not null
),
last_of_day as (
    select
        subject_id,
        local_date,
        max(case when metric = 'weight_kg' then value end) as weight_kg,
        max(case when metric = 'body_fat_pct' then value end) as body_fat_pct,
        max(case when metric = 'lean_body_mass_kg' then value end) as lean_mass_measured_kg,
        max(case when metric = 'bmi' then value end) as bmi_measured,
        max(case when metric = 'height_m' then value end) as height_m
    from ranked
    where nth_from_last = 1
    group by subject_id, local_date
),
days as (
    select
        sp.subject_id,
        sp.date_day,
        b.weight_kg,
        b.body_fat_pct,
        b.lean_mass_measured_kg,
        b.bmi_measured,
        -- height: the last measured on or before the day, else the subject's first measurement
        coalesce(
            last_value(b.height_m ignore nulls) over (
                partition by sp.subject_id order by sp.date_day rows between unbounded preceding and current row
            ),
            first_value(b.height_m ignore nulls) over (
                partition by sp.subject_id order by sp.date_day
                rows between unbounded preceding and unbounded following
            )
        ) as height_m,
        avg(b.weight_kg) over (
            partition by sp.subject_id order by sp.date_day rows between 6 preceding and current row
        ) as weight_7d_mean_kg,
        count(b.weight_kg) over (
            partition by sp.subject_id order by sp.date_day rows between 6 preceding and current row
        ) as weigh_ins_7d
    from {{ ref('int_calendar_spine') }} sp
    left join last_of_day b on b.subject_id = sp.subject_id and b.local_date = sp.date_day
)
select
    subject_id,
    date_day,
    weight_kg,
    weight_7d_mean_kg,
    weigh_ins_7d,
    weight_7d_mean_kg - lag(weight_7d_mean_kg, 7) over (partition by subject_id order by date_day)
        as weight_7d_mean_change_kg,
    body_fat_pct,
    coalesce(lean_mass_measured_kg, weight_kg * (1 - body_fat_pct / 100.0)) as lean_mass_kg,
    case
        when lean_mass_measured_kg is not null then 'measured'
        when weight_kg is not null and body_fat_pct is not null then 'weight_and_body_fat'
    end as lean_mass_source,
    height_m,
    coalesce(bmi_measured, weight_kg / (height_m * height_m)) as bmi
from days
