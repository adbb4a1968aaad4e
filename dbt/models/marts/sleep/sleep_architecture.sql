-- One row per subject per calendar day (the spine): the main sleep of the night that ends on the morning
-- of date_day (the wake day), its architecture, and sleep-timing regularity over the trailing nights.
-- Definitions and citations: sleep_architecture.yml.
{%- set w7 = "partition by subject_id order by date_day rows between 6 preceding and current row" %}
{%- set w28 = "partition by subject_id order by date_day rows between 27 preceding and current row" %}
with main as (
    select * from {{ ref('int_sleep_main_daily') }}
),
-- Sources other than Oura (Apple Health): stage totals, in-bed period and sleep onset from the stage
-- records that overlap the main session (the stage records of that watch/phone, any in_bed record).
stage_totals as (
    select
        m.subject_id,
        m.local_date,
        sum(case when st.stage = 'light' then st.duration_s end) as light_s,
        sum(case when st.stage = 'deep' then st.duration_s end) as deep_s,
        sum(case when st.stage = 'rem' then st.duration_s end) as rem_s,
        sum(case when st.stage in ('light', 'deep', 'rem', 'asleep') then st.duration_s end) as asleep_s,
        min(case when st.stage in ('light', 'deep', 'rem', 'asleep') then st.start_utc end) as onset_utc,
        min(st.start_utc) as in_bed_start_utc,
        max(st.end_utc) as in_bed_end_utc
    from main m
    inner join {{ ref('stg_silver__sleep_stages') }} st
        on st.subject_id = m.subject_id
        and st._source = m._source
        and st.start_utc < m.end_utc
        and st.end_utc > m.start_utc
        and (st.stage = 'in_bed' or st.source_name = m.source_name)
    where m._source <> 'oura'
    group by m.subject_id, m.local_date
),
night as (
    select
        m.subject_id,
        m.local_date,
        m._source as sleep_source,
        m.start_local + coalesce(s.in_bed_start_utc - m.start_utc, interval 0 second) as bedtime_local,
        m.end_local + coalesce(s.in_bed_end_utc - m.end_utc, interval 0 second) as wake_time_local,
        coalesce(epoch(s.in_bed_end_utc) - epoch(s.in_bed_start_utc), m.time_in_bed_s) as time_in_bed_s,
        coalesce(s.asleep_s, m.total_sleep_s, m.deep_s + m.light_s + m.rem_s) as total_sleep_s,
        coalesce(s.deep_s, m.deep_s) as deep_s,
        coalesce(s.rem_s, m.rem_s) as rem_s,
        coalesce(s.light_s, m.light_s) as light_s,
        coalesce(epoch(s.onset_utc) - epoch(s.in_bed_start_utc), m.latency_s) as latency_s,
        m.efficiency_pct as source_efficiency_pct
    from main m
    left join stage_totals s on s.subject_id = m.subject_id and s.local_date = m.local_date
),
timing as (
    select
        *,
        bedtime_local + to_seconds(coalesce(latency_s, 0)) as sleep_onset_local,
        -- clock times as minutes after 12:00 of the evening before the wake day (23:30 = 690, 00:30 = 750),
        -- so nights either side of midnight average and spread correctly
        (epoch(bedtime_local) - epoch(cast(local_date as timestamp) - interval 12 hour)) / 60.0
            as bedtime_clock_min,
        (
            (epoch(bedtime_local) + coalesce(latency_s, 0) + epoch(wake_time_local)) / 2.0
            - epoch(cast(local_date as timestamp) - interval 12 hour)
        ) / 60.0 as midpoint_clock_min
    from night
),
days as (
    select
        sp.subject_id,
        sp.date_day,
        isodow(sp.date_day) in (6, 7) as is_free_day_night,
        t.sleep_source,
        t.bedtime_local,
        t.sleep_onset_local,
        t.wake_time_local,
        t.time_in_bed_s / 60.0 as time_in_bed_min,
        t.total_sleep_s / 60.0 as total_sleep_min,
        t.deep_s / 60.0 as deep_min,
        t.rem_s / 60.0 as rem_min,
        t.light_s / 60.0 as light_min,
        -- (DuckDB's greatest/least skip NULLs, Athena's do not: clip with CASE)
        case when t.time_in_bed_s < t.total_sleep_s then 0 else t.time_in_bed_s - t.total_sleep_s end / 60.0
            as awake_min,
        t.latency_s / 60.0 as latency_min,
        case
            when t.time_in_bed_s - t.total_sleep_s < coalesce(t.latency_s, 0) then 0
            else t.time_in_bed_s - t.total_sleep_s - coalesce(t.latency_s, 0)
        end / 60.0 as waso_min,
        coalesce(100.0 * t.total_sleep_s / nullif(t.time_in_bed_s, 0), t.source_efficiency_pct)
            as efficiency_pct,
        100.0 * t.deep_s / nullif(t.total_sleep_s, 0) as deep_pct,
        100.0 * t.rem_s / nullif(t.total_sleep_s, 0) as rem_pct,
        100.0 * t.light_s / nullif(t.total_sleep_s, 0) as light_pct,
        t.bedtime_clock_min,
        t.midpoint_clock_min
    from {{ ref('int_calendar_spine') }} sp
    left join timing t on t.subject_id = sp.subject_id and t.local_date = sp.date_day
),
rolling as (
    select
        days.*,
        count(midpoint_clock_min) over ({{ w7 }}) as nights_7d,
        count(midpoint_clock_min) over ({{ w28 }}) as nights_28d,
        stddev_samp(midpoint_clock_min) over ({{ w7 }}) as sd_midpoint_7d,
        stddev_samp(midpoint_clock_min) over ({{ w28 }}) as sd_midpoint_28d,
        stddev_samp(bedtime_clock_min) over ({{ w7 }}) as sd_bedtime_7d,
        stddev_samp(bedtime_clock_min) over ({{ w28 }}) as sd_bedtime_28d,
        avg(case when is_free_day_night then midpoint_clock_min end) over ({{ w28 }}) as msf_28d,
        avg(case when not is_free_day_night then midpoint_clock_min end) over ({{ w28 }}) as msw_28d,
        count(case when is_free_day_night then midpoint_clock_min end) over ({{ w28 }}) as free_nights_28d,
        count(case when not is_free_day_night then midpoint_clock_min end) over ({{ w28 }}) as work_nights_28d
    from days
),
regularity as (
    select
        * exclude (
            sd_midpoint_7d, sd_midpoint_28d, sd_bedtime_7d, sd_bedtime_28d, msf_28d, msw_28d,
            free_nights_28d, work_nights_28d
        ),
        case when nights_7d >= 4 then sd_midpoint_7d end as midpoint_sd_7d_min,
        case when nights_28d >= 14 then sd_midpoint_28d end as midpoint_sd_28d_min,
        case when nights_7d >= 4 then sd_bedtime_7d end as bedtime_sd_7d_min,
        case when nights_28d >= 14 then sd_bedtime_28d end as bedtime_sd_28d_min,
        case when free_nights_28d >= 2 and work_nights_28d >= 5 then msf_28d - msw_28d end
            as social_jetlag_28d_min
    from rolling
)
select
    *,
    -- 100 = the same timing every night; 0 = a mean SD of midpoint and bedtime of 120 min or more
    case
        when (midpoint_sd_7d_min + bedtime_sd_7d_min) / 2 > 120 then 0.0
        else 100.0 * (1 - (midpoint_sd_7d_min + bedtime_sd_7d_min) / 2 / 120.0)
    end as regularity_score_7d,
    case
        when (midpoint_sd_28d_min + bedtime_sd_28d_min) / 2 > 120 then 0.0
        else 100.0 * (1 - (midpoint_sd_28d_min + bedtime_sd_28d_min) / 2 / 120.0)
    end as regularity_score_28d,
    abs(social_jetlag_28d_min) as social_jetlag_abs_28d_min
from regularity
