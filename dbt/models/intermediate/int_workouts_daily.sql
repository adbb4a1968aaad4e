-- Per subject and day, from one row per activity actually done (int_workouts_deduped): the day's cycling
-- output and whether a workout ended late (at or after 20:00, or after midnight).
select
    subject_id,
    local_date,
    sum(output_kj) as output_kj,
    max(case when hour(end_local) >= 20 or cast(end_local as date) > local_date then 1 else 0 end)
        as late_workout
from {{ ref('int_workouts_deduped') }}
group by subject_id, local_date
