-- Training stress of every workout (int_workouts_deduped), by the first method the data allows
-- (`tss_method`):
--   power          TSS = 100 * hours * IF^2, IF = average power / FTP (Coggan; Allen & Coggan, Training and
--                  Racing with a Power Meter). Silver has no power samples, so average power stands in for
--                  normalized power (it underestimates TSS of very variable rides). FTP = the configured
--                  ftp_w, else 95 % of the average power of the latest FTP test ride (title 'FTP Test',
--                  Peloton's own rule) at or before the workout.
--   heart_rate     hrTSS = 100 * TRIMP / TRIMP(1 h at LTHR), Banister TRIMP = minutes * x * a e^(b x),
--                  x = (avg HR - resting) / (max - resting) clamped to 0..1 (heart-rate reserve, Karvonen);
--                  a, b = 0.64, 1.92 (men) or 0.86, 1.67 (women); thresholds from int_training_thresholds.
--   intensity      Oura's label: TSS = 100 * hours * IF^2 with an assumed IF of 0.65 (easy), 0.80
--                  (moderate), 0.90 (hard): the middle of Allen & Coggan's recovery (< 0.75), endurance
--                  (0.75-0.85) and tempo (0.85-0.95) IF bands.
--   activity_type  duration x an assumed IF by activity: 0.55 yoga/flexibility/mind-and-body/pilates/barre/
--                  cooldown, 0.60 walking/hiking, 0.65 strength, 0.85 HIIT/bootcamp, 0.70 anything else.
-- intensity_factor is IF (power), the IF that gives the same TSS in the same time (sqrt(TSS / (100 h)),
-- heart rate) or the assumed IF; intensity_band buckets it by Allen & Coggan's IF guide: recovery < 0.75,
-- endurance 0.75-0.85, tempo 0.85-0.95, threshold_plus >= 0.95.
with w as (
    select
        w.*,
        case when w.title ilike '%ftp test%' and w.avg_power_w > 0 then 0.95 * w.avg_power_w end as ftp_test_w
    from {{ ref('int_workouts_deduped') }} w
),
with_ftp as (
    select
        w.*,
        t.max_hr_bpm as subject_max_hr_bpm,
        t.resting_hr_bpm as subject_resting_hr_bpm,
        t.lthr_bpm as subject_lthr_bpm,
        t.trimp_a,
        t.trimp_b,
        coalesce(
            t.ftp_w,
            last_value(w.ftp_test_w ignore nulls) over (
                partition by w.subject_id order by w.start_utc
                rows between unbounded preceding and current row
            )
        ) as ftp_w
    from w
    left join {{ ref('int_training_thresholds') }} t on t.subject_id = w.subject_id
),
inputs as (
    select
        *,
        duration_s / 3600.0 as hours,
        case when avg_power_w > 0 and ftp_w > 0 then avg_power_w / ftp_w end as power_if,
        case
            when avg_hr_bpm > 0 and subject_max_hr_bpm > subject_resting_hr_bpm
                then least(1.0, greatest(0.0,
                    (avg_hr_bpm - subject_resting_hr_bpm) / (subject_max_hr_bpm - subject_resting_hr_bpm)
                ))
        end as hr_reserve_fraction,
        case
            when subject_max_hr_bpm > subject_resting_hr_bpm and subject_lthr_bpm > subject_resting_hr_bpm
                then (subject_lthr_bpm - subject_resting_hr_bpm) / (subject_max_hr_bpm - subject_resting_hr_bpm)
        end as lthr_reserve_fraction,
        case lower(intensity) when 'easy' then 0.65 when 'moderate' then 0.80 when 'hard' then 0.90 end
            as label_if,
        case
            when activity_type in (
                'yoga', 'flexibility', 'mind_and_body', 'pilates', 'barre', 'cooldown', 'tai_chi'
            ) then 0.55
            when activity_type in ('walking', 'hiking') then 0.60
            when activity_type like '%strength%' then 0.65
            when activity_type in ('high_intensity_interval_training', 'bootcamp') then 0.85
            else 0.70
        end as type_if
    from with_ftp
),
scored as (
    select
        *,
        duration_s / 60.0 * hr_reserve_fraction * trimp_a * exp(trimp_b * hr_reserve_fraction) as trimp,
        60.0 * lthr_reserve_fraction * trimp_a * exp(trimp_b * lthr_reserve_fraction) as trimp_lthr_hour,
        case
            when power_if is not null then 'power'
            when hr_reserve_fraction is not null and lthr_reserve_fraction > 0 then 'heart_rate'
            when label_if is not null then 'intensity'
            else 'activity_type'
        end as tss_method
    from inputs
),
stress as (
    select
        *,
        case tss_method
            when 'power' then 100 * hours * power_if * power_if
            when 'heart_rate' then 100 * trimp / trimp_lthr_hour
            when 'intensity' then 100 * hours * label_if * label_if
            else 100 * hours * type_if * type_if
        end as tss
    from scored
),
final as (
    select
        *,
        case tss_method
            when 'power' then power_if
            when 'heart_rate' then sqrt(tss / (100 * hours))
            when 'intensity' then label_if
            else type_if
        end as intensity_factor
    from stress
)
select
    subject_id,
    _source,
    source_name,
    activity_type_raw,
    start_utc,
    start_local,
    local_date,
    activity_type,
    duration_s / 60.0 as duration_min,
    energy_kcal,
    output_kj,
    avg_power_w,
    avg_hr_bpm,
    max_hr_bpm,
    intensity,
    ftp_w,
    hr_reserve_fraction,
    trimp,
    tss_method,
    tss,
    intensity_factor,
    case
        when intensity_factor < 0.75 then 'recovery'
        when intensity_factor < 0.85 then 'endurance'
        when intensity_factor < 0.95 then 'tempo'
        else 'threshold_plus'
    end as intensity_band
from final
