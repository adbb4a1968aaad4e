-- One row per workout actually done: silver `workouts` folds Apple Health copies into the app's row,
-- but the same ride can still arrive from apps that do not write to Apple Health (Oura's autodetected
-- workouts, MyFitnessPal's exercise diary) and the same walk from the watch and Oura. Among rows of a
-- subject that describe the same activity the richest is kept: power (Peloton) > heart rate (Apple
-- Health, or Peloton with the watch's heart rate folded in) > an intensity label (Oura) > the rest, then
-- the longest, then the earliest. Two rows are the same activity when their intervals overlap by at least
-- 50 % of the shorter (silver's cross-source rule), or when one of them has only a date (MyFitnessPal)
-- and both have the same local_date and activity_type. MyFitnessPal's 'calorie_adjustment' rows and
-- rows without a positive duration are not workouts.
with w as (
    select
        subject_id, start_utc, end_utc, start_local, end_local, local_date, activity_type, activity_type_raw,
        duration_s, distance_km, energy_kcal, avg_hr_bpm, max_hr_bpm, output_kj, avg_power_w, intensity,
        title, class_type, source_name, _source,
        _source = 'myfitnesspal' as date_only,
        case
            when avg_power_w is not null then 0
            when avg_hr_bpm is not null then 1
            when intensity is not null then 2
            else 3
        end as richness
    from {{ ref('stg_silver__workouts') }}
    where coalesce(activity_type, '') <> 'calorie_adjustment'
      and duration_s > 0
      and local_date is not null
),
ranked as (
    select
        *,
        row_number() over (
            partition by subject_id
            order by richness, duration_s desc, start_utc, _source, source_name, activity_type_raw
        ) as preference
    from w
),
superseded as (
    select distinct a.subject_id, a._source, a.source_name, a.activity_type_raw, a.start_utc
    from ranked a
    join ranked b
        on b.subject_id = a.subject_id
        and b.preference < a.preference
        and b.local_date between a.local_date - 1 and a.local_date + 1
        and (
            (
                (a.date_only or b.date_only)
                and b.local_date = a.local_date
                and coalesce(b.activity_type, '') = coalesce(a.activity_type, '')
            )
            or (
                not a.date_only and not b.date_only
                and least(a.end_utc, b.end_utc) > greatest(a.start_utc, b.start_utc)
                and date_diff('second', greatest(a.start_utc, b.start_utc), least(a.end_utc, b.end_utc))
                    >= 0.5 * least(
                        date_diff('second', a.start_utc, a.end_utc), date_diff('second', b.start_utc, b.end_utc)
                    )
            )
        )
)
select
    r.subject_id, r.start_utc, r.end_utc, r.start_local, r.end_local, r.local_date, r.activity_type,
    r.activity_type_raw, r.duration_s, r.distance_km, r.energy_kcal, r.avg_hr_bpm, r.max_hr_bpm, r.output_kj,
    r.avg_power_w, r.intensity, r.title, r.class_type, r.source_name, r._source, r.date_only, r.richness
from ranked r
where not exists (
    select 1
    from superseded s
    where s.subject_id = r.subject_id
      and s._source = r._source
      and s.source_name is not distinct from r.source_name
      and s.activity_type_raw is not distinct from r.activity_type_raw
      and s.start_utc = r.start_utc
)
