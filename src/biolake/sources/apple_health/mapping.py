"""Apple Health bronze → silver, in DuckDB SQL.

Records are routed by type: sleep analysis → ``sleep_stages``; blood glucose → ``glucose_readings``;
the main dietary types → ``nutrition_entries`` (one row per food entry: the nutrients an app wrote with
the same source and time); body types → ``body_measurements``; everything else, quantity or category,
→ ``measurements`` under a canonical metric name in canonical units. Types not in :data:`METRICS` keep
a snake_case name and the unit as exported.
"""

from __future__ import annotations

from biolake.sources.base import SilverMapping

# HealthKit type (without the HKQuantityTypeIdentifier / HKCategoryTypeIdentifier prefix)
#   -> (metric, route, unit to convert to (HealthKit spelling), unit label stored in silver)
METRICS: dict[str, tuple[str, str, str, str]] = {
    "HeartRate": ("heart_rate", "measurement", "count/min", "bpm"),
    "RestingHeartRate": ("resting_heart_rate", "measurement", "count/min", "bpm"),
    "WalkingHeartRateAverage": ("walking_heart_rate_avg", "measurement", "count/min", "bpm"),
    "HeartRateRecoveryOneMinute": ("heart_rate_recovery_1min", "measurement", "count/min", "bpm"),
    "HeartRateVariabilitySDNN": ("hrv_sdnn_ms", "measurement", "ms", "ms"),
    "StepCount": ("steps", "measurement", "count", "count"),
    "FlightsClimbed": ("flights_climbed", "measurement", "count", "count"),
    "DistanceWalkingRunning": ("distance_walking_running_km", "measurement", "km", "km"),
    "DistanceCycling": ("distance_cycling_km", "measurement", "km", "km"),
    "DistanceSwimming": ("distance_swimming_km", "measurement", "km", "km"),
    "DistanceWheelchair": ("distance_wheelchair_km", "measurement", "km", "km"),
    "ActiveEnergyBurned": ("active_energy_kcal", "measurement", "kcal", "kcal"),
    "BasalEnergyBurned": ("basal_energy_kcal", "measurement", "kcal", "kcal"),
    "AppleExerciseTime": ("exercise_time_min", "measurement", "min", "min"),
    "AppleStandTime": ("stand_time_min", "measurement", "min", "min"),
    "AppleMoveTime": ("move_time_min", "measurement", "min", "min"),
    "TimeInDaylight": ("time_in_daylight_min", "measurement", "min", "min"),
    "OxygenSaturation": ("spo2_pct", "measurement", "%", "%"),
    "RespiratoryRate": ("respiratory_rate", "measurement", "count/min", "breaths/min"),
    "VO2Max": ("vo2max_ml_kg_min", "measurement", "mL/min·kg", "mL/kg/min"),
    "BodyTemperature": ("body_temperature_c", "measurement", "degC", "degC"),
    "BasalBodyTemperature": ("basal_body_temperature_c", "measurement", "degC", "degC"),
    "AppleSleepingWristTemperature": ("wrist_temperature_c", "measurement", "degC", "degC"),
    "BloodPressureSystolic": ("bp_systolic_mmhg", "measurement", "mmHg", "mmHg"),
    "BloodPressureDiastolic": ("bp_diastolic_mmhg", "measurement", "mmHg", "mmHg"),
    "WalkingSpeed": ("walking_speed_kmh", "measurement", "km/hr", "km/h"),
    "RunningSpeed": ("running_speed_kmh", "measurement", "km/hr", "km/h"),
    "WalkingStepLength": ("walking_step_length_cm", "measurement", "cm", "cm"),
    "RunningPower": ("running_power_w", "measurement", "W", "W"),
    "CyclingPower": ("cycling_power_w", "measurement", "W", "W"),
    "CyclingCadence": ("cycling_cadence_rpm", "measurement", "count/min", "rpm"),
    "SixMinuteWalkTestDistance": ("six_minute_walk_m", "measurement", "m", "m"),
    "EnvironmentalAudioExposure": ("environmental_audio_db", "measurement", "dBASPL", "dB"),
    "HeadphoneAudioExposure": ("headphone_audio_db", "measurement", "dBASPL", "dB"),
    "BodyMass": ("weight_kg", "body", "kg", "kg"),
    "BodyMassIndex": ("bmi", "body", "count", "kg/m2"),
    "BodyFatPercentage": ("body_fat_pct", "body", "%", "%"),
    "LeanBodyMass": ("lean_body_mass_kg", "body", "kg", "kg"),
    "Height": ("height_m", "body", "m", "m"),
    "WaistCircumference": ("waist_cm", "body", "cm", "cm"),
    "BloodGlucose": ("glucose_mgdl", "glucose", "mg/dL", "mg/dL"),
    "SleepAnalysis": ("sleep", "sleep", "", ""),
    "DietaryEnergyConsumed": ("energy_kcal", "nutrition", "kcal", "kcal"),
    "DietaryProtein": ("protein_g", "nutrition", "g", "g"),
    "DietaryCarbohydrates": ("carbs_g", "nutrition", "g", "g"),
    "DietaryFatTotal": ("fat_g", "nutrition", "g", "g"),
    "DietaryFatSaturated": ("saturated_fat_g", "nutrition", "g", "g"),
    "DietaryFiber": ("fiber_g", "nutrition", "g", "g"),
    "DietarySugar": ("sugar_g", "nutrition", "g", "g"),
    "DietarySodium": ("sodium_mg", "nutrition", "mg", "mg"),
    "DietaryCholesterol": ("cholesterol_mg", "nutrition", "mg", "mg"),
    "DietaryCaffeine": ("caffeine_mg", "nutrition", "mg", "mg"),
    "DietaryWater": ("water_ml", "nutrition", "mL", "mL"),
}

# (from unit, to unit) -> (factor, offset): value_to = value_from * factor + offset.
# HealthKit writes percentages as fractions (0.97), stored as percent (97).
CONVERSIONS: dict[tuple[str, str], tuple[float, float]] = {
    ("lb", "kg"): (0.45359237, 0.0),
    ("g", "kg"): (0.001, 0.0),
    ("oz", "kg"): (0.028349523125, 0.0),
    ("st", "kg"): (6.35029318, 0.0),
    ("Cal", "kcal"): (1.0, 0.0),
    ("cal", "kcal"): (0.001, 0.0),
    ("kJ", "kcal"): (1 / 4.184, 0.0),
    ("mi", "km"): (1.609344, 0.0),
    ("m", "km"): (0.001, 0.0),
    ("cm", "km"): (0.00001, 0.0),
    ("ft", "km"): (0.0003048, 0.0),
    ("yd", "km"): (0.0009144, 0.0),
    ("cm", "m"): (0.01, 0.0),
    ("mm", "m"): (0.001, 0.0),
    ("in", "m"): (0.0254, 0.0),
    ("ft", "m"): (0.3048, 0.0),
    ("yd", "m"): (0.9144, 0.0),
    ("km", "m"): (1000.0, 0.0),
    ("mi", "m"): (1609.344, 0.0),
    ("in", "cm"): (2.54, 0.0),
    ("m", "cm"): (100.0, 0.0),
    ("mm", "cm"): (0.1, 0.0),
    ("ft", "cm"): (30.48, 0.0),
    ("s", "min"): (1 / 60, 0.0),
    ("hr", "min"): (60.0, 0.0),
    ("s", "ms"): (1000.0, 0.0),
    ("%", "%"): (100.0, 0.0),
    ("degF", "degC"): (5 / 9, -32 * 5 / 9),
    ("mi/hr", "km/hr"): (1.609344, 0.0),
    ("m/s", "km/hr"): (3.6, 0.0),
    ("mg", "g"): (0.001, 0.0),
    ("g", "mg"): (1000.0, 0.0),
    ("L", "mL"): (1000.0, 0.0),
    ("fl_oz_us", "mL"): (29.5735295625, 0.0),
    ("cup_us", "mL"): (236.5882365, 0.0),
    ("mL/(kg·min)", "mL/min·kg"): (1.0, 0.0),
}
for _unit in {m[2] for m in METRICS.values()} | {"hr", "s"}:
    CONVERSIONS.setdefault((_unit, _unit), (1.0, 0.0))


def _values(rows: list[tuple[object, ...]]) -> str:
    def lit(v: object) -> str:
        return "'" + str(v).replace("'", "''") + "'" if isinstance(v, str) else repr(float(v))  # type: ignore[arg-type]

    return ", ".join("(" + ", ".join(lit(v) for v in row) + ")" for row in rows)


METRIC_TABLE = (
    f"(SELECT * FROM (VALUES {_values([(k, *v) for k, v in METRICS.items()])}) "
    "AS t(short, metric, route, target_unit, label))"
)
CONVERSION_TABLE = (
    f"(SELECT * FROM (VALUES {_values([(a, b, f, o) for (a, b), (f, o) in CONVERSIONS.items()])}) "
    "AS t(from_unit, to_unit, factor, shift))"
)


def convert(value: str, unit: str, target: str) -> str:
    """SQL converting ``value`` (text) in ``unit`` to ``target``; NULL when no conversion is known."""
    whens = " ".join(
        f"WHEN '{a}' THEN TRY_CAST({value} AS DOUBLE) * {f!r} + {o!r}"
        for (a, b), (f, o) in CONVERSIONS.items()
        if b == target
    )
    return f"(CASE {unit} {whens} END)"


def utc(col: str) -> str:
    """HealthKit's ``2016-11-14 07:25:41 -0700`` as an instant."""
    return f"try_strptime({col}, '%Y-%m-%d %H:%M:%S %z')"


def local(col: str) -> str:
    """The same text's local wall time (the offset it was written with)."""
    return f"try_strptime(left({col}, 19), '%Y-%m-%d %H:%M:%S')"


DEVICE = "nullif(rtrim(regexp_replace(device, '^<<HKDevice: 0x[0-9a-fA-F]+>, ', ''), '>'), '')"
SNAKE = "lower(regexp_replace(short, '([a-z0-9])([A-Z])', '\\1_\\2', 'g'))"


def _type_names(routes: set[str]) -> str:
    """SQL list of every ``type`` spelling whose short name is in METRICS on one of ``routes``."""
    shorts = [short for short, m in METRICS.items() if m[1] in routes]
    names = [p + s for s in shorts for p in ("", "HKQuantityTypeIdentifier", "HKCategoryTypeIdentifier")]
    return "(" + ", ".join(f"'{n}'" for n in names) + ")"


def _routed(route: str) -> str:
    """Records with their metric, route, target unit and conversion, for the rows of ``route``.

    The caller still filters on ``route``; the ``type`` test before the join only spares the parsing
    of rows that cannot be on it (``measurement`` is every type not routed elsewhere, NULL included)."""
    if route == "measurement":
        prefilter = f"type IS NULL OR type NOT IN {_type_names({m[1] for m in METRICS.values()} - {route})}"
    else:
        prefilter = f"type IN {_type_names({route})}"
    return f"""
    SELECT r.*, coalesce(m.metric, {SNAKE}) AS metric, coalesce(m.route, 'measurement') AS route,
        m.target_unit, m.label, c.factor, c.shift, TRY_CAST(r.value AS DOUBLE) AS num
    FROM (
        SELECT *, regexp_replace(type, '^HK(Quantity|Category)TypeIdentifier', '') AS short,
            starts_with(type, 'HKCategoryTypeIdentifier') AS is_category,
            {utc("startDate")} AS start_utc, {utc("endDate")} AS end_utc,
            {local("startDate")} AS start_local, {local("endDate")} AS end_local
        FROM {{bronze}} WHERE {prefilter}
    ) AS r
    LEFT JOIN {METRIC_TABLE} AS m USING (short)
    LEFT JOIN {CONVERSION_TABLE} AS c ON c.from_unit = r.unit AND c.to_unit = m.target_unit
"""


def _quantity_sql(route: str) -> str:
    return f"""
    SELECT getvariable('subject') AS subject_id, metric,
        CASE WHEN is_category THEN NULL WHEN target_unit IS NULL THEN num ELSE num * factor + shift END AS value,
        CASE WHEN is_category THEN NULL ELSE coalesce(label, unit) END AS unit,
        CASE WHEN is_category THEN regexp_replace(value, '^HKCategoryValue(' || short || ')?', '') END AS category,
        start_utc, end_utc, start_local, end_local, CAST(start_local AS DATE) AS local_date,
        sourceName AS source_name, sourceVersion AS source_version, {DEVICE} AS device, type AS source_type,
        CASE
            WHEN NOT is_category AND num IS NULL THEN 'value is not a number: ' || coalesce(value, '(missing)')
            WHEN NOT is_category AND target_unit IS NOT NULL AND factor IS NULL
                THEN 'unit ' || coalesce(unit, '(none)') || ' cannot be converted to ' || target_unit
        END AS _problem
    FROM ({_routed(route)}) WHERE route = '{route}'
    """


SLEEP_STAGES = {
    "InBed": "in_bed",
    "0": "in_bed",
    "Asleep": "asleep",
    "AsleepUnspecified": "asleep",
    "1": "asleep",
    "AsleepCore": "light",
    "AsleepDeep": "deep",
    "AsleepREM": "rem",
    "Awake": "awake",
    "2": "awake",
}
_STAGE_CASE = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SLEEP_STAGES.items())

SLEEP_SQL = f"""
    SELECT getvariable('subject') AS subject_id,
        {utc("startDate")} AS start_utc, {utc("endDate")} AS end_utc,
        {local("startDate")} AS start_local, {local("endDate")} AS end_local,
        CAST({local("endDate")} AS DATE) AS local_date,
        CASE regexp_replace(value, '^HKCategoryValueSleepAnalysis', '') {_STAGE_CASE} END AS stage,
        value AS stage_raw,
        epoch({utc("endDate")}) - epoch({utc("startDate")}) AS duration_s,
        sourceName AS source_name, {DEVICE} AS device,
        CASE WHEN stage IS NULL THEN 'unknown sleep stage: ' || coalesce(value, '(missing)') END AS _problem
    FROM {{bronze}} WHERE type = 'HKCategoryTypeIdentifierSleepAnalysis'
"""

# A session is a run of one app's sleep intervals with gaps of at most an hour between them.
SESSION_GAP = "INTERVAL 1 HOUR"
_ASLEEP = "stage IN ('asleep', 'light', 'deep', 'rem')"
SLEEP_SESSIONS_SQL = f"""
    WITH s AS (SELECT * FROM ({SLEEP_SQL}) WHERE stage IS NOT NULL AND end_utc >= start_utc),
    o AS (
        SELECT *, max(end_utc) OVER (PARTITION BY source_name ORDER BY start_utc, end_utc
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
        FROM s
    ),
    g AS (
        SELECT *, sum(CASE WHEN prev_end IS NULL OR start_utc > prev_end + {SESSION_GAP} THEN 1 ELSE 0 END)
            OVER (PARTITION BY source_name ORDER BY start_utc, end_utc ROWS UNBOUNDED PRECEDING) AS session
        FROM o
    ),
    t AS (
        SELECT any_value(subject_id) AS subject_id, source_name, any_value(device) AS device,
            min(start_utc) AS start_utc, max(end_utc) AS end_utc,
            arg_min(start_local, start_utc) AS start_local, arg_max(end_local, end_utc) AS end_local,
            sum(duration_s) FILTER (WHERE stage = 'in_bed') AS in_bed_s,
            sum(duration_s) FILTER (WHERE {_ASLEEP}) AS total_sleep_s,
            sum(duration_s) FILTER (WHERE stage = 'awake') AS awake_s,
            sum(duration_s) FILTER (WHERE stage = 'light') AS light_s,
            sum(duration_s) FILTER (WHERE stage = 'deep') AS deep_s,
            sum(duration_s) FILTER (WHERE stage = 'rem') AS rem_s,
            min(start_utc) FILTER (WHERE {_ASLEEP}) AS asleep_at
        FROM g GROUP BY source_name, session
    )
    SELECT subject_id, start_utc, end_utc, start_local, end_local, CAST(end_local AS DATE) AS local_date,
        'sleep' AS session_type,
        row_number() OVER (PARTITION BY source_name, CAST(end_local AS DATE)
                           ORDER BY total_sleep_s DESC NULLS LAST, start_utc) = 1 AS is_main,
        coalesce(in_bed_s, epoch(end_utc) - epoch(start_utc)) AS time_in_bed_s,
        total_sleep_s, awake_s, light_s, deep_s, rem_s,
        least(100, 100 * total_sleep_s / nullif(coalesce(in_bed_s, epoch(end_utc) - epoch(start_utc)), 0))
            AS efficiency_pct,
        epoch(asleep_at) - epoch(start_utc) AS latency_s,
        source_name, device
    FROM t
"""

GLUCOSE_SQL = f"""
    SELECT getvariable('subject') AS subject_id,
        {utc("startDate")} AS ts_utc, {local("startDate")} AS local_ts,
        CAST({local("startDate")} AS DATE) AS local_date,
        CASE
            WHEN unit = 'mg/dL' THEN TRY_CAST(value AS DOUBLE)
            WHEN unit LIKE 'mmol<%>/L'
                THEN TRY_CAST(value AS DOUBLE) * TRY_CAST(regexp_extract(unit, 'mmol<([0-9.]+)>/L', 1) AS DOUBLE) / 10
            WHEN unit = 'mmol/L' THEN TRY_CAST(value AS DOUBLE) * 18.0
        END AS glucose_mgdl,
        CASE WHEN regexp_matches(sourceName, '(?i)dexcom|libre|eversense|guardian|\\bcgm\\b')
            THEN 'cgm' ELSE 'unknown' END AS reading_kind,
        coalesce(regexp_extract({DEVICE}, 'name:([^,]+)', 1), sourceName) AS device,
        sourceName AS source_name,
        CASE WHEN glucose_mgdl IS NULL
            THEN 'glucose ' || coalesce(value, '(missing)') || ' ' || coalesce(unit, '') || ' is not readable' END
            AS _problem
    FROM {{bronze}} WHERE type = 'HKQuantityTypeIdentifierBloodGlucose'
"""

_NUTRIENTS = [m[0] for m in METRICS.values() if m[1] == "nutrition"]
NUTRITION_SQL = f"""
    WITH d AS (
        SELECT record_id, sourceName, start_utc, start_local, metric, num * factor + shift AS amount
        FROM ({_routed("nutrition")}) WHERE route = 'nutrition'
    ),
    meta AS (
        SELECT record_id,
            max(value) FILTER (WHERE key IN ('HKFoodMeal', 'meal', 'Meal')) AS meal,
            max(value) FILTER (WHERE key IN ('HKFoodType', 'food', 'Food')) AS food
        FROM {{bronze:record_metadata}} WHERE record_id IN (SELECT record_id FROM d)
        GROUP BY record_id
    )
    SELECT getvariable('subject') AS subject_id,
        start_utc AS ts_utc, start_local AS local_ts, CAST(start_local AS DATE) AS local_date, meal, food,
        {", ".join(f"sum(amount) FILTER (WHERE metric = '{n}') AS {n}" for n in _NUTRIENTS)},
        sourceName AS source_name
    FROM d LEFT JOIN meta USING (record_id)
    GROUP BY sourceName, start_utc, start_local, meal, food
"""

WORKOUT_ACTIVITY = {
    "TraditionalStrengthTraining": "strength_training",
    "FunctionalStrengthTraining": "strength_training",
    "HighIntensityIntervalTraining": "hiit",
    "MixedCardio": "cardio",
    "MixedMetabolicCardioTraining": "cardio",
}
_ACTIVITY_CASE = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in WORKOUT_ACTIVITY.items())

WORKOUTS_SQL = f"""
    WITH st AS (
        SELECT workout_id,
            sum({convert("sum", "unit", "kcal")}) FILTER (WHERE type = 'HKQuantityTypeIdentifierActiveEnergyBurned')
                AS energy_kcal,
            sum({convert("sum", "unit", "km")}) FILTER (WHERE type LIKE 'HKQuantityTypeIdentifierDistance%')
                AS distance_km,
            max(TRY_CAST(average AS DOUBLE)) FILTER (WHERE type = 'HKQuantityTypeIdentifierHeartRate') AS avg_hr,
            min(TRY_CAST(minimum AS DOUBLE)) FILTER (WHERE type = 'HKQuantityTypeIdentifierHeartRate') AS min_hr,
            max(TRY_CAST(maximum AS DOUBLE)) FILTER (WHERE type = 'HKQuantityTypeIdentifierHeartRate') AS max_hr,
            to_json(list(struct_pack(type := type, sum := sum, average := average, minimum := minimum,
                                     maximum := maximum, unit := unit))) AS statistics_json
        FROM {{bronze:workout_statistics}} GROUP BY workout_id
    ),
    ev AS (
        SELECT workout_id, to_json(list(struct_pack(type := type, date := date, duration := duration,
                                                    duration_unit := durationUnit))) AS events_json
        FROM {{bronze:workout_events}} GROUP BY workout_id
    ),
    md AS (
        SELECT workout_id, to_json(map_from_entries(list((key, value)))) AS metadata_json,
            max(value) FILTER (WHERE key = 'HKIndoorWorkout') AS indoor
        FROM {{bronze:workout_metadata}} GROUP BY workout_id
    ),
    rt AS (
        SELECT workout_id, min('/workout-routes/' || regexp_extract(path, '[^/]+$')) AS path
        FROM {{bronze:workout_route_refs}} WHERE path IS NOT NULL GROUP BY workout_id
    ),
    rp AS (SELECT DISTINCT workout_id FROM {{bronze:workout_route_points}}),
    w AS (SELECT *, regexp_replace(workoutActivityType, '^HKWorkoutActivityType', '') AS short FROM {{bronze}})
    SELECT getvariable('subject') AS subject_id,
        {utc("startDate")} AS start_utc, {utc("endDate")} AS end_utc,
        {local("startDate")} AS start_local, {local("endDate")} AS end_local,
        CAST({local("startDate")} AS DATE) AS local_date,
        CASE short {_ACTIVITY_CASE} ELSE {SNAKE} END AS activity_type,
        workoutActivityType AS activity_type_raw,
        coalesce({convert("duration", "durationUnit", "min")} * 60,
                 epoch({utc("endDate")}) - epoch({utc("startDate")})) AS duration_s,
        coalesce({convert("totalDistance", "totalDistanceUnit", "km")}, st.distance_km) AS distance_km,
        coalesce({convert("totalEnergyBurned", "totalEnergyBurnedUnit", "kcal")}, st.energy_kcal) AS energy_kcal,
        st.avg_hr AS avg_hr_bpm, st.min_hr AS min_hr_bpm, st.max_hr AS max_hr_bpm,
        md.indoor = '1' AS indoor,
        sourceName AS source_name, sourceVersion AS source_version, {DEVICE} AS device,
        coalesce(rt.path, CASE WHEN rp.workout_id IS NOT NULL THEN 'inline:' || startDate END) AS route_file,
        st.statistics_json, ev.events_json, md.metadata_json
    FROM w
    LEFT JOIN st USING (workout_id) LEFT JOIN ev USING (workout_id) LEFT JOIN md USING (workout_id)
    LEFT JOIN rt USING (workout_id) LEFT JOIN rp USING (workout_id)
"""

ACTIVITY_SQL = f"""
    SELECT getvariable('subject') AS subject_id, TRY_CAST(dateComponents AS DATE) AS local_date,
        {convert("activeEnergyBurned", "coalesce(activeEnergyBurnedUnit, 'kcal')", "kcal")} AS active_energy_kcal,
        {convert("activeEnergyBurnedGoal", "coalesce(activeEnergyBurnedUnit, 'kcal')", "kcal")}
            AS active_energy_goal_kcal,
        TRY_CAST(appleMoveTime AS DOUBLE) AS move_time_min,
        TRY_CAST(appleMoveTimeGoal AS DOUBLE) AS move_time_goal_min,
        TRY_CAST(appleExerciseTime AS DOUBLE) AS exercise_time_min,
        TRY_CAST(appleExerciseTimeGoal AS DOUBLE) AS exercise_time_goal_min,
        TRY_CAST(appleStandHours AS DOUBLE) AS stand_hours,
        TRY_CAST(appleStandHoursGoal AS DOUBLE) AS stand_hours_goal,
        'Apple Health' AS source_name
    FROM {{bronze}}
"""

_POINT_COLUMNS = """
        TRY_CAST(lat AS DOUBLE) AS lat, TRY_CAST(lon AS DOUBLE) AS lon, TRY_CAST(ele AS DOUBLE) AS elevation_m,
        TRY_CAST(speed AS DOUBLE) AS speed_mps, TRY_CAST(course AS DOUBLE) AS course_deg,
        TRY_CAST(hAcc AS DOUBLE) AS h_acc_m, TRY_CAST(vAcc AS DOUBLE) AS v_acc_m"""

GPX_SQL = f"""
    SELECT getvariable('subject') AS subject_id, route_file, TRY_CAST(time AS TIMESTAMPTZ) AS ts_utc,
        {_POINT_COLUMNS}
    FROM {{bronze}}
"""

INLINE_ROUTE_SQL = f"""
    SELECT getvariable('subject') AS subject_id, 'inline:' || w.startDate AS route_file,
        {utc("p.date")} AS ts_utc,
        {
    _POINT_COLUMNS.replace("lat AS", "latitude AS")
    .replace("lon AS", "longitude AS")
    .replace("ele AS", "altitude AS")
    .replace("hAcc AS", "horizontalAccuracy AS")
    .replace("vAcc AS", "verticalAccuracy AS")
}
    FROM {{bronze}} AS p JOIN {{bronze:workouts}} AS w USING (workout_id)
"""


def _characteristic(col: str, prefix: str) -> str:
    stripped = f"regexp_replace({col}, '^{prefix}', '')"
    return f"nullif(lower(regexp_replace({stripped}, '([a-z])([A-Z])', '\\1_\\2', 'g')), 'not_set')"


PROFILE_SQL = f"""
    SELECT getvariable('subject') AS subject_id, TRY_CAST(DateOfBirth AS DATE) AS date_of_birth,
        {_characteristic("BiologicalSex", "HKBiologicalSex")} AS biological_sex,
        nullif(replace(replace(regexp_replace(BloodType, '^HKBloodType', ''), 'Positive', '+'), 'Negative', '-'),
               'NotSet') AS blood_type,
        {_characteristic("FitzpatrickSkinType", "HKFitzpatrickSkinType")} AS skin_type,
        {_characteristic("WheelchairUse", "HKWheelchairUse")} AS wheelchair_use,
        CardioFitnessMedicationsUse AS cardio_fitness_medications_use,
        {utc("export_date")} AS as_of
    FROM {{bronze}}
"""


def _mapping(bronze: str, silver: str, sql: str) -> SilverMapping:
    """A mapping whose rows also carry the export's date (``ExportDate``) as ``_exported_at``."""
    exported = f"(SELECT max({utc('export_date')}) FROM {{bronze:me}})"
    return SilverMapping(bronze, silver, f"SELECT *, {exported} AS _exported_at FROM ({sql})")


MAPPINGS: tuple[SilverMapping, ...] = (
    _mapping("records", "measurements", _quantity_sql("measurement")),
    _mapping("records", "body_measurements", _quantity_sql("body")),
    _mapping("records", "sleep_stages", SLEEP_SQL),
    _mapping("records", "sleep_sessions", SLEEP_SESSIONS_SQL),
    _mapping("records", "glucose_readings", GLUCOSE_SQL),
    _mapping("records", "nutrition_entries", NUTRITION_SQL),
    _mapping("workouts", "workouts", WORKOUTS_SQL),
    _mapping("activity_summaries", "activity_daily", ACTIVITY_SQL),
    _mapping("gpx_points", "workout_routes", GPX_SQL),
    _mapping("workout_route_points", "workout_routes", INLINE_ROUTE_SQL),
    _mapping("me", "subject_profile", PROFILE_SQL),
)
