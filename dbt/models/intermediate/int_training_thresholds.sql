-- Per-subject physiology the training-stress formulas need: FTP, maximal, resting and lactate-threshold
-- heart rate and the TRIMP weighting for the subject's sex. A value set in biolake.toml [training]
-- (dbt vars ftp_w, max_hr_bpm, resting_hr_bpm, lthr_bpm) wins; otherwise it is estimated from the subject's
-- last 365 days of data (`*_source` says which):
--   max HR   : 98th percentile of workout max_hr_bpm (>= 10 workouts; drops strap/optical spikes), else
--              the age-predicted 208 - 0.7 * age (Tanaka, Monahan & Seals 2001, JACC 37:153), else the
--              98th percentile of fewer workouts.
--   resting  : the low of daily resting HR: 5th percentile of daily resting HR (Apple Health, else the
--              main sleep's lowest HR).
--   LTHR     : resting + 0.85 * (max - resting) (Karvonen heart-rate reserve; 85 % HRR is the default
--              LTHR of Elevate's HRSS, close to the ~0.89 * max HR rule of thumb).
--   TRIMP    : Banister's weighting y = 0.64 e^(1.92 x) for men, 0.86 e^(1.67 x) for women (Banister
--              1991; Morton, Fitz-Clarke & Banister 1990); men's when the sex is unknown.
-- FTP is not estimated from whole-workout averages (a class average is submaximal and would inflate TSS):
-- only the configured value here; int_workouts_stress also uses FTP test rides.
{%- set ftp = var('ftp_w', none) -%}
{%- set max_hr = var('max_hr_bpm', none) -%}
{%- set rest_hr = var('resting_hr_bpm', none) -%}
{%- set lthr = var('lthr_bpm', none) %}
with subjects as (
    select subject_id, max(date_day) as last_day
    from {{ ref('int_calendar_spine') }}
    group by subject_id
),
workout_max as (
    select
        w.subject_id,
        quantile_cont(w.max_hr_bpm, 0.98) as p98_max_hr_bpm,
        count(*) as n_workouts
    from {{ ref('int_workouts_deduped') }} w
    join subjects s on s.subject_id = w.subject_id
    where w.max_hr_bpm between 100 and 230
      and w.local_date > s.last_day - 365
    group by w.subject_id
),
daily_rest as (
    select d.subject_id, coalesce(v.resting_hr_bpm, sl.lowest_hr_bpm) as rest_hr_bpm
    from {{ ref('int_calendar_spine') }} d
    join subjects s on s.subject_id = d.subject_id
    left join {{ ref('int_vitals_daily') }} v on v.subject_id = d.subject_id and v.local_date = d.date_day
    left join {{ ref('int_sleep_main_daily') }} sl on sl.subject_id = d.subject_id and sl.local_date = d.date_day
    where d.date_day > s.last_day - 365
),
rest as (
    select subject_id, quantile_cont(rest_hr_bpm, 0.05) as p05_rest_hr_bpm
    from daily_rest
    where rest_hr_bpm between 25 and 120
    group by subject_id
),
profile as (
    select
        subject_id,
        date_of_birth,
        case
            when lower(biological_sex) in ('female', 'f') then 'female'
            when lower(biological_sex) in ('male', 'm') then 'male'
        end as biological_sex
    from {{ ref('stg_silver__subject_profile') }}
    qualify row_number() over (
        partition by subject_id
        order by (biological_sex is not null and date_of_birth is not null) desc, as_of desc nulls last
    ) = 1
),
base as (
    select
        s.subject_id,
        p.biological_sex,
        floor(date_diff('day', p.date_of_birth, s.last_day) / 365.25) as age_years,
        m.p98_max_hr_bpm,
        coalesce(m.n_workouts, 0) as n_max_hr_workouts,
        r.p05_rest_hr_bpm
    from subjects s
    left join profile p on p.subject_id = s.subject_id
    left join workout_max m on m.subject_id = s.subject_id
    left join rest r on r.subject_id = s.subject_id
),
hr as (
    select
        *,
        {% if max_hr is not none -%}
        cast({{ max_hr }} as double) as max_hr_bpm,
        'config' as max_hr_source,
        {%- else -%}
        case
            when n_max_hr_workouts >= 10 then p98_max_hr_bpm
            when age_years between 10 and 100 then 208 - 0.7 * age_years
            else p98_max_hr_bpm
        end as max_hr_bpm,
        case
            when n_max_hr_workouts >= 10 then 'workout_p98'
            when age_years between 10 and 100 then 'age_tanaka'
            when p98_max_hr_bpm is not null then 'workout_p98'
        end as max_hr_source,
        {%- endif %}
        {% if rest_hr is not none -%}
        cast({{ rest_hr }} as double) as resting_hr_bpm,
        'config' as resting_hr_source
        {%- else -%}
        p05_rest_hr_bpm as resting_hr_bpm,
        case when p05_rest_hr_bpm is not null then 'daily_p05' end as resting_hr_source
        {%- endif %}
    from base
)
select
    subject_id,
    biological_sex,
    age_years,
    {% if ftp is not none -%}
    cast({{ ftp }} as double) as ftp_w,
    'config' as ftp_source,
    {%- else -%}
    cast(null as double) as ftp_w,
    cast(null as varchar) as ftp_source,
    {%- endif %}
    max_hr_bpm,
    max_hr_source,
    resting_hr_bpm,
    resting_hr_source,
    {% if lthr is not none -%}
    cast({{ lthr }} as double) as lthr_bpm,
    'config' as lthr_source,
    {%- else -%}
    case when max_hr_bpm > resting_hr_bpm then resting_hr_bpm + 0.85 * (max_hr_bpm - resting_hr_bpm) end
        as lthr_bpm,
    case when max_hr_bpm > resting_hr_bpm then 'hrr_85pct' end as lthr_source,
    {%- endif %}
    cast(case when biological_sex = 'female' then 0.86 else 0.64 end as double) as trimp_a,
    cast(case when biological_sex = 'female' then 1.67 else 1.92 end as double) as trimp_b
from hr
