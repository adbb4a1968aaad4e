-- One row per subject per calendar day, from the subject's first to last day with any data: rolling
-- windows over it count days, not rows.
with days as (
    select subject_id, local_date from {{ ref('stg_silver__daily_scores') }}
    union all select subject_id, local_date from {{ ref('stg_silver__sleep_sessions') }}
    union all select subject_id, local_date from {{ ref('stg_silver__activity_daily') }}
    union all select subject_id, local_date from {{ ref('stg_silver__workouts') }}
    union all select subject_id, local_date from {{ ref('stg_silver__nutrition_entries') }}
    union all select subject_id, local_date from {{ ref('stg_silver__body_measurements') }}
    union all select subject_id, local_date from {{ ref('stg_silver__glucose_readings') }}
    union all select subject_id, local_date from {{ ref('stg_silver__measurements') }}
),
bounds as (
    select subject_id, min(local_date) as first_day, max(local_date) as last_day
    from days
    where local_date is not null
    group by subject_id
)
select
    subject_id,
    cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date_day
from bounds
