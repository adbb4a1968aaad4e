-- One row per subject per calendar day: markers of non-functional overreaching as they stand on the
-- morning of the day (loads up to yesterday, the night just ended), and a risk level with its reasons.
--   acwr_rolling    acute:chronic workload ratio, mean daily TSS of d-7..d-1 over mean of d-28..d-1 (coupled
--                   rolling averages; Gabbett 2016, Br J Sports Med 50:273: sweet spot 0.8-1.3, danger
--                   zone > 1.5); NULL before 28 days of history or when the chronic load is 0.
--   acwr_ewma       yesterday's ATL / CTL (the exponentially weighted variant, Williams et al. 2017, Br J
--                   Sports Med 51:209), for reference, also from day 29 on; the flag uses acwr_rolling.
--   tsb             form (training_load_daily): < -30 is the overreaching / high-risk zone of the
--                   TrainingPeaks and GoldenCheetah Performance Management Chart.
--   hrv             7-day mean of ln(HRV) below the 60-day mean - 1 SD (Plews et al. 2012, 2013; Buchheit
--                   2014): hrv_status low; above mean + 1 SD is high, else normal.
--   resting HR      the night's resting HR > 28-day baseline + 5 bpm, or its 7-day mean > baseline + 1 SD.
-- risk_level: high when a load marker (ACWR > 1.5 or TSB < -30) coincides with a physiological one (HRV
-- low or resting HR elevated), or three markers are flagged; moderate when one or two are flagged or the
-- ACWR is above the sweet spot (> 1.3); low otherwise.
with load as (
    select
        subject_id,
        date_day,
        tss,
        ctl,
        atl,
        tsb,
        avg(tss) over acute as acute_load_7d,
        avg(tss) over chronic as chronic_load_28d,
        count(*) over chronic as chronic_days,
        lag(atl) over s as atl_yesterday,
        lag(ctl) over s as ctl_yesterday
    from {{ ref('training_load_daily') }}
    window
        s as (partition by subject_id order by date_day),
        acute as (partition by subject_id order by date_day rows between 7 preceding and 1 preceding),
        chronic as (partition by subject_id order by date_day rows between 28 preceding and 1 preceding)
),
markers as (
    select
        l.subject_id,
        l.date_day,
        l.tss,
        l.ctl,
        l.atl,
        l.tsb,
        l.acute_load_7d,
        case when l.chronic_days = 28 then l.chronic_load_28d end as chronic_load_28d,
        case when l.chronic_days = 28 and l.chronic_load_28d > 0 then l.acute_load_7d / l.chronic_load_28d end
            as acwr_rolling,
        case when l.chronic_days = 28 and l.ctl_yesterday > 0 then l.atl_yesterday / l.ctl_yesterday end
            as acwr_ewma,
        w.hrv_ms,
        w.ln_hrv_7d_mean,
        w.ln_hrv_base60_mean,
        w.ln_hrv_base60_sd,
        w.resting_hr_bpm,
        w.resting_hr_7d_mean,
        w.resting_hr_base28_mean,
        w.resting_hr_base28_sd,
        case
            when w.ln_hrv_7d_mean is null or w.ln_hrv_base60_sd is null then null
            when w.ln_hrv_7d_mean < w.ln_hrv_base60_mean - w.ln_hrv_base60_sd then 'low'
            when w.ln_hrv_7d_mean > w.ln_hrv_base60_mean + w.ln_hrv_base60_sd then 'high'
            else 'normal'
        end as hrv_status
    from load l
    left join {{ ref('int_training_wellness_daily') }} w on w.subject_id = l.subject_id and w.date_day = l.date_day
),
flags as (
    select
        *,
        coalesce(acwr_rolling > 1.5, false) as flag_acwr,
        coalesce(tsb < -30, false) as flag_tsb,
        coalesce(hrv_status = 'low', false) as flag_hrv,
        coalesce(
            resting_hr_bpm > resting_hr_base28_mean + 5
            or resting_hr_7d_mean > resting_hr_base28_mean + resting_hr_base28_sd,
            false
        ) as flag_resting_hr
    from markers
),
scored as (
    select
        *,
        cast(flag_acwr as integer) + cast(flag_tsb as integer) + cast(flag_hrv as integer)
            + cast(flag_resting_hr as integer) as n_flags
    from flags
)
select
    subject_id,
    date_day,
    tss,
    ctl,
    atl,
    tsb,
    acute_load_7d,
    chronic_load_28d,
    acwr_rolling,
    acwr_ewma,
    hrv_ms,
    hrv_status,
    ln_hrv_7d_mean,
    ln_hrv_base60_mean,
    ln_hrv_base60_sd,
    resting_hr_bpm,
    resting_hr_7d_mean,
    resting_hr_base28_mean,
    resting_hr_base28_sd,
    flag_acwr,
    flag_tsb,
    flag_hrv,
    flag_resting_hr,
    n_flags,
    case
        when n_flags >= 3 or ((flag_acwr or flag_tsb) and (flag_hrv or flag_resting_hr)) then 'high'
        when n_flags >= 1 or acwr_rolling > 1.3 then 'moderate'
        else 'low'
    end as risk_level,
    nullif(concat_ws('; ',
        case when flag_acwr then 'ACWR ' || cast(round(acwr_rolling, 2) as varchar) || ' > 1.5'
            when acwr_rolling > 1.3 then 'ACWR ' || cast(round(acwr_rolling, 2) as varchar) || ' above 1.3'
        end,
        case when flag_tsb then 'TSB ' || cast(round(tsb, 1) as varchar) || ' < -30' end,
        case when flag_hrv then 'HRV 7-day ln mean below 60-day baseline - 1 SD' end,
        case when flag_resting_hr then 'resting HR above baseline' end
    ), '') as risk_reasons
from scored
