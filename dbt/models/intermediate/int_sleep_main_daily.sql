-- The night's main sleep per subject and day (local_date = the morning it ends): Oura's own periods
-- first, else Apple Health's sessions (cross-source duplicates are already folded in silver).
select *
from {{ ref('stg_silver__sleep_sessions') }}
where is_main
qualify row_number() over (
    partition by subject_id, local_date
    order by case _source when 'oura' then 0 else 1 end, total_sleep_s desc nulls last, start_utc
) = 1
