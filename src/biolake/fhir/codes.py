"""THE table of every Observation biolake exports: code, display, UCUM unit, category and where the value
comes from. ``docs/fhir.md`` is generated from it (``scripts/fhir_docs.py``) and a test checks every
exported coding and unit against it.

Sources of the codes:
- LOINC (https://loinc.org) long common names; the R4 vital-signs profile codes
  (http://hl7.org/fhir/R4/observation-vitalsigns.html) for heart rate, respiratory rate, SpO2, weight, BMI
  and the blood-pressure panel.
- HL7 Continuous Glucose Monitoring IG 1.0.0 (http://hl7.org/fhir/uv/cgm): sensor readings 99504-3, summary
  codes 97507-8, 106793-3 (+ 104642-4, 104641-6, 97510-2, 104640-8, 104639-0), 97506-0, 104638-2,
  104636-6, 104637-4 and the grouping code ``cgm-summary``.
- HL7 Physical Activity IG 1.0 (http://hl7.org/fhir/us/physical-activity): exercise activity 73985-4,
  duration 55411-3, calories 55424-6, mean/max heart rate 55425-3/55426-1, daily steps 41950-7, resting
  heart rate 40443-4.
- HL7 Personal Health Record IG (sleep observation codes): sleep duration 93832-4.
- UCUM (https://ucum.org): units by their case-sensitive codes.
Where no standard code exists (a wearable's temperature deviation from the wearer's baseline, a workout's
distance whatever the sport), a local code in :data:`LOCAL` is used and the doc says so.
"""

from __future__ import annotations

from dataclasses import dataclass

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CGM_TEMPORARY = "http://hl7.org/fhir/uv/cgm/CodeSystem/cgm-summary-codes-temporary"
LOCAL = "urn:biolake:code"

CATEGORY_DISPLAY = {
    "vital-signs": "Vital Signs",
    "activity": "Activity",
    "laboratory": "Laboratory",
    "exam": "Exam",
}


@dataclass(frozen=True)
class Coding:
    """One coding: system, code and display."""

    system: str
    code: str
    display: str

    def as_fhir(self) -> dict[str, str]:
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True)
class Unit:
    """A UCUM unit: the human label and the UCUM code."""

    label: str
    ucum: str

    def quantity(self, value: float) -> dict[str, object]:
        return {"value": value, "unit": self.label, "system": UCUM, "code": self.ucum}


@dataclass(frozen=True)
class Component:
    """One component of a panel Observation (blood pressure, a workout, times in ranges)."""

    key: str
    coding: Coding
    unit: Unit


@dataclass(frozen=True)
class Kind:
    """One kind of Observation: how it is coded and where its value comes from.

    ``codings``: the first is the primary code; more are equivalent codings sent alongside.
    ``unit``: the valueQuantity's unit (None for panels and coded values).
    ``source``: the lake rows it is built from (raw granularity / daily granularity).
    """

    key: str
    codings: tuple[Coding, ...]
    unit: Unit | None
    category: str | None
    source: str
    components: tuple[Component, ...] = ()

    @property
    def code(self) -> Coding:
        return self.codings[0]


def _loinc(code: str, display: str) -> Coding:
    return Coding(LOINC, code, display)


PER_MIN = Unit("beats/minute", "/min")
PERCENT = Unit("%", "%")
MG_DL = Unit("mg/dL", "mg/dL")
MM_HG = Unit("mmHg", "mm[Hg]")

_KINDS = (
    Kind(
        "heart_rate",
        (_loinc("8867-4", "Heart rate"),),
        PER_MIN,
        "vital-signs",
        "raw: silver measurements `heart_rate` (one per sample)",
    ),
    Kind(
        "resting_heart_rate",
        (_loinc("40443-4", "Heart rate --resting"),),
        PER_MIN,
        "activity",
        "raw: silver measurements `resting_heart_rate`; daily: gold daily_summary.resting_hr_bpm",
    ),
    Kind(
        "hrv_sdnn",
        (_loinc("80404-7", "R-R interval.standard deviation (Heart rate variability)"),),
        Unit("ms", "ms"),
        None,
        "raw: silver measurements `hrv_sdnn_ms`; daily: gold daily_summary.hrv_sdnn_ms",
    ),
    Kind(
        "steps_daily",
        (_loinc("41950-7", "Number of steps in 24 hour Measured"),),
        Unit("steps/day", "/d"),
        "activity",
        "gold daily_summary.steps (one per local day, both granularities)",
    ),
    Kind(
        "body_weight",
        (_loinc("29463-7", "Body weight"),),
        Unit("kg", "kg"),
        "vital-signs",
        "raw: silver body_measurements `weight_kg`; daily: gold body_daily.weight_kg",
    ),
    Kind(
        "body_fat",
        (_loinc("41982-0", "Percentage of body fat Measured"),),
        PERCENT,
        "exam",
        "raw: silver body_measurements `body_fat_pct`; daily: gold body_daily.body_fat_pct",
    ),
    Kind(
        "bmi",
        (_loinc("39156-5", "Body mass index (BMI) [Ratio]"),),
        Unit("kg/m2", "kg/m2"),
        "vital-signs",
        "raw: silver body_measurements `bmi`; daily: gold body_daily.bmi",
    ),
    Kind(
        "spo2",
        (
            _loinc("2708-6", "Oxygen saturation in Arterial blood"),
            _loinc("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry"),
        ),
        PERCENT,
        "vital-signs",
        "raw: silver measurements `spo2_pct`; daily: gold daily_summary.spo2_pct",
    ),
    Kind(
        "respiratory_rate",
        (_loinc("9279-1", "Respiratory rate"),),
        Unit("breaths/minute", "/min"),
        "vital-signs",
        "raw: silver measurements `respiratory_rate`; daily: int_vitals_daily.respiratory_rate_rpm",
    ),
    Kind(
        "vo2_max",
        (
            _loinc(
                "94122-9", "Oxygen consumption (VO2)/Body weight [Volume Rate Content] --peak during exercise"
            ),
        ),
        Unit("mL/kg/min", "mL/min/kg"),
        "activity",
        "raw: silver measurements `vo2max_ml_kg_min`; daily: int_vitals_daily.vo2max_ml_kg_min",
    ),
    Kind(
        "temperature_deviation",
        (Coding(LOCAL, "temperature-deviation", "Body temperature deviation from personal baseline"),),
        Unit("°C", "K"),
        None,
        "raw: silver measurements `temperature_deviation_c`; "
        "daily: gold daily_summary.temperature_deviation_c",
    ),
    Kind(
        "sleep_duration",
        (_loinc("93832-4", "Sleep duration"),),
        Unit("h", "h"),
        None,
        "int_sleep_main_daily.total_sleep_s / 3600: the night's main sleep, start to end "
        "(both granularities)",
    ),
    Kind(
        "glucose",
        (_loinc("99504-3", "Glucose [Mass/volume] in Interstitial fluid"),),
        MG_DL,
        "laboratory",
        "raw only: silver glucose_readings.glucose_mgdl (every CGM reading)",
    ),
    Kind(
        "blood_pressure",
        (_loinc("85354-9", "Blood pressure panel with all children optional"),),
        None,
        "vital-signs",
        "silver measurements `bp_systolic_mmhg` + `bp_diastolic_mmhg` taken at the same time "
        "(both granularities)",
        (
            Component("systolic", _loinc("8480-6", "Systolic blood pressure"), MM_HG),
            Component("diastolic", _loinc("8462-4", "Diastolic blood pressure"), MM_HG),
        ),
    ),
    Kind(
        "workout",
        (_loinc("73985-4", "Exercise activity"),),
        None,
        "activity",
        "int_workouts_deduped (one per workout, both granularities); value: the activity type as text",
        (
            Component("duration", _loinc("55411-3", "Exercise duration"), Unit("min", "min")),
            Component(
                "energy",
                _loinc("55424-6", "Calories burned in unspecified time Pedometer"),
                Unit("kcal", "kcal"),
            ),
            Component("distance", Coding(LOCAL, "workout-distance", "Workout distance"), Unit("km", "km")),
            Component("avg_hr", _loinc("55425-3", "Heart rate unspecified time mean by Pedometer"), PER_MIN),
            Component(
                "max_hr", _loinc("55426-1", "Heart rate unspecified time maximum by Pedometer"), PER_MIN
            ),
        ),
    ),
    Kind(
        "cgm_mean_glucose",
        (_loinc("97507-8", "Average glucose [Mass/volume] in Interstitial fluid during Reporting Period"),),
        MG_DL,
        "laboratory",
        "CGM summary of the export window: mean of the readings",
    ),
    Kind(
        "cgm_times_in_ranges",
        (_loinc("106793-3", "Continuous glucose monitoring time in ranges panel"),),
        None,
        "laboratory",
        "CGM summary of the export window: share of readings in each range (they sum to 100 %)",
        (
            Component(
                "very_low",
                _loinc(
                    "104642-4",
                    "Time below range, very low in Reporting Period Interstitial fluid by calculation",
                ),
                PERCENT,
            ),
            Component(
                "low",
                _loinc(
                    "104641-6", "Time below range, low in Reporting Period Interstitial fluid by calculation"
                ),
                PERCENT,
            ),
            Component(
                "target",
                _loinc(
                    "97510-2",
                    "Glucose measurements in range out of Total glucose measurements during reporting period",
                ),
                PERCENT,
            ),
            Component(
                "high",
                _loinc(
                    "104640-8", "Time above range, high in Reporting Period Interstitial fluid by calculation"
                ),
                PERCENT,
            ),
            Component(
                "very_high",
                _loinc(
                    "104639-0",
                    "Time above range, very high in Reporting Period Interstitial fluid by calculation",
                ),
                PERCENT,
            ),
        ),
    ),
    Kind(
        "cgm_gmi",
        (_loinc("97506-0", "Glucose management indicator"),),
        PERCENT,
        "laboratory",
        "CGM summary of the export window: GMI = 3.31 + 0.02392 × mean glucose (mg/dL)",
    ),
    Kind(
        "cgm_cv",
        (_loinc("104638-2", "Coefficient of variation of glucose by Continuous glucose monitoring"),),
        PERCENT,
        "laboratory",
        "CGM summary of the export window: 100 × sample SD / mean",
    ),
    Kind(
        "cgm_days_of_wear",
        (_loinc("104636-6", "Continuous glucose monitoring duration of use"),),
        Unit("days", "d"),
        "laboratory",
        "CGM summary of the export window: local days with CGM readings (rows of gold glucose_daily)",
    ),
    Kind(
        "cgm_sensor_active",
        (_loinc("104637-4", "Continuous glucose monitoring sensor wear time active"),),
        PERCENT,
        "laboratory",
        "CGM summary of the export window: iglu's active_percent (readings / readings expected at the "
        "median interval, gaps counted)",
    ),
    Kind(
        "cgm_summary",
        (Coding(CGM_TEMPORARY, "cgm-summary", "CGM Summary Report"),),
        None,
        "laboratory",
        "CGM summary of the export window: groups the summary observations (hasMember)",
    ),
)

KINDS: dict[str, Kind] = {k.key: k for k in _KINDS}


def kind(key: str) -> Kind:
    """The Observation kind called ``key``."""
    return KINDS[key]


def category(code: str) -> list[dict[str, object]]:
    """Observation.category for one observation-category code."""
    return [{"coding": [{"system": CATEGORY, "code": code, "display": CATEGORY_DISPLAY[code]}]}]


def table_rows() -> list[dict[str, str]]:
    """One row per coding (components indented under their panel): what docs/fhir.md lists."""
    rows: list[dict[str, str]] = []
    for k in _KINDS:
        for i, c in enumerate(k.codings):
            rows.append(
                {
                    "kind": k.key if i == 0 else f"{k.key} (also)",
                    "code": c.code,
                    "system": c.system,
                    "display": c.display,
                    "unit": k.unit.label if k.unit else "",
                    "ucum": k.unit.ucum if k.unit else "",
                    "category": k.category or "",
                    "source": k.source if i == 0 else "",
                }
            )
        for comp in k.components:
            rows.append(
                {
                    "kind": f"{k.key}.{comp.key}",
                    "code": comp.coding.code,
                    "system": comp.coding.system,
                    "display": comp.coding.display,
                    "unit": comp.unit.label,
                    "ucum": comp.unit.ucum,
                    "category": "",
                    "source": "component",
                }
            )
    return rows
