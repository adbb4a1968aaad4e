-- One row per subject per calendar day D (the wake day): the sleep score and total sleep of the night ending
-- on the morning of D, and what the subject's own history expected from the factors of the day before
-- (D − 1): an additive model of mean differences by factor bin. Definitions and thresholds: the .yml.
{%- set window = var('sleep_prediction_window_days', 90) %}
{%- set min_nights = var('sleep_prediction_min_nights', 14) %}
{%- set min_bin = var('sleep_prediction_min_bin_nights', 5) %}
{%- set factors = ['load', 'steps', 'late_workout', 'caffeine', 'regularity'] %}
{%- set hist = "partition by subject_id order by date_day rows between " ~ window ~ " preceding and 1 preceding" %}
with workouts as (
    select subject_id, local_date, output_kj, late_workout from {{ ref('int_workouts_daily') }}
),
caffeine as (
    select
        subject_id,
        local_date,
        count(caffeine_mg) as caffeine_entries,
        sum(case when time_known and hour(local_ts) >= 14 then caffeine_mg end) as caffeine_after_14h_mg
    from {{ ref('stg_silver__nutrition_entries') }}
    group by subject_id, local_date
),
days as (
    select
        d.subject_id,
        d.date_day,
        d.sleep_score,
        sa.total_sleep_min / 60.0 as total_sleep_hours,
        coalesce(w.output_kj, 0) as output_kj,
        d.steps,
        coalesce(w.late_workout, 0) as late_workout,
        c.caffeine_entries,
        c.caffeine_after_14h_mg,
        sa.bedtime_sd_7d_min
    from {{ ref('daily_summary') }} d
    left join {{ ref('sleep_architecture') }} sa on sa.subject_id = d.subject_id and sa.date_day = d.date_day
    left join workouts w on w.subject_id = d.subject_id and w.local_date = d.date_day
    left join caffeine c on c.subject_id = d.subject_id and c.local_date = d.date_day
),
-- the bins of each night's factors, all taken from the day before (the previous calendar day)
binned as (
    select
        subject_id,
        date_day,
        sleep_score,
        total_sleep_hours,
        case
            when lag(output_kj) over w is null then null
            when lag(output_kj) over w = 0 then 'rest'
            when lag(output_kj) over w < 500 then 'moderate'
            else 'hard'
        end as load_bin,
        case
            when lag(steps) over w is null then null
            when lag(steps) over w < 7500 then 'under_7500'
            when lag(steps) over w < 10000 then '7500_10000'
            else 'over_10000'
        end as steps_bin,
        case lag(late_workout) over w when 1 then 'yes' when 0 then 'no' end as late_workout_bin,
        case
            when lag(caffeine_after_14h_mg) over w > 0 then 'after_14h'
            when lag(caffeine_entries) over w > 0 then 'none_after_14h'
        end as caffeine_bin,
        case
            when lag(bedtime_sd_7d_min) over w is null then null
            when lag(bedtime_sd_7d_min) over w < 30 then 'regular'
            when lag(bedtime_sd_7d_min) over w < 60 then 'variable'
            else 'irregular'
        end as regularity_bin
    from days
    window w as (partition by subject_id order by date_day)
),
baseline as (
    select
        *,
        count(sleep_score) over ({{ hist }}) as score_nights,
        avg(sleep_score) over ({{ hist }}) as score_mean,
        count(total_sleep_hours) over ({{ hist }}) as hours_nights,
        avg(total_sleep_hours) over ({{ hist }}) as hours_mean
    from binned
),
long as (
    {%- for f in factors %}
    select subject_id, date_day, '{{ f }}' as factor, {{ f }}_bin as bin, sleep_score, total_sleep_hours
    from binned
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),
-- for each night and factor: the nights of the window whose factor fell in the same bin
bin_history as (
    select
        l.subject_id,
        l.date_day,
        l.factor,
        count(h.sleep_score) as score_nights,
        avg(h.sleep_score) as score_mean,
        count(h.total_sleep_hours) as hours_nights,
        avg(h.total_sleep_hours) as hours_mean
    from long l
    inner join long h
        on h.subject_id = l.subject_id
        and h.factor = l.factor
        and h.bin = l.bin
        and h.date_day >= l.date_day - {{ window }}
        and h.date_day < l.date_day
    group by l.subject_id, l.date_day, l.factor
),
effects as (
    select
        b.subject_id,
        b.date_day,
        {%- for f in factors %}
        coalesce(max(case when h.factor = '{{ f }}' and h.score_nights >= {{ min_bin }}
            then h.score_mean - b.score_mean end), 0) as effect_{{ f }}_score,
        coalesce(max(case when h.factor = '{{ f }}' and h.hours_nights >= {{ min_bin }}
            then h.hours_mean - b.hours_mean end), 0) as effect_{{ f }}_hours{{ ',' if not loop.last }}
        {%- endfor %}
    from baseline b
    left join bin_history h on h.subject_id = b.subject_id and h.date_day = b.date_day
    group by b.subject_id, b.date_day
),
expected as (
    select
        b.subject_id,
        b.date_day,
        b.sleep_score,
        b.total_sleep_hours,
        {%- for f in factors %}
        b.{{ f }}_bin,
        {%- endfor %}
        b.score_nights as baseline_nights,
        case when b.score_nights >= {{ min_nights }} then b.score_mean end as baseline_sleep_score,
        case when b.score_nights >= {{ min_nights }} then
            b.score_mean {% for f in factors %}+ e.effect_{{ f }}_score {% endfor %}
        end as raw_expected_score,
        case when b.hours_nights >= {{ min_nights }} then b.hours_mean end as baseline_total_sleep_hours,
        case when b.hours_nights >= {{ min_nights }} then
            b.hours_mean {% for f in factors %}+ e.effect_{{ f }}_hours {% endfor %}
        end as raw_expected_hours,
        {%- for f in factors %}
        case when b.score_nights >= {{ min_nights }} then e.effect_{{ f }}_score end as effect_{{ f }}_score,
        case when b.hours_nights >= {{ min_nights }} then e.effect_{{ f }}_hours end as effect_{{ f }}_hours
        {{- ',' if not loop.last }}
        {%- endfor %}
    from baseline b
    inner join effects e on e.subject_id = b.subject_id and e.date_day = b.date_day
)
select
    * exclude (raw_expected_score, raw_expected_hours),
    case
        when raw_expected_score > 100 then 100.0
        when raw_expected_score < 0 then 0.0
        else raw_expected_score
    end as expected_sleep_score,
    case when raw_expected_hours < 0 then 0.0 else raw_expected_hours end as expected_total_sleep_hours,
    sleep_score - case
        when raw_expected_score > 100 then 100.0
        when raw_expected_score < 0 then 0.0
        else raw_expected_score
    end as sleep_score_residual,
    total_sleep_hours - case when raw_expected_hours < 0 then 0.0 else raw_expected_hours end
        as total_sleep_hours_residual
from expected
