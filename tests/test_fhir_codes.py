"""The FHIR code table: the codes the issue, the R4 vital-signs profile and the HL7 CGM / Physical Activity
IGs name (written out here from those sources, not read back from codes.py), and docs/fhir.md in sync."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from biolake.fhir.codes import CGM_TEMPORARY, KINDS, LOCAL, LOINC, table_rows

ROOT = Path(__file__).parents[1]

# kind -> (primary code, UCUM unit code); from the issue, FHIR R4 vital signs, HL7 CGM IG 1.0.0,
# HL7 Physical Activity IG 1.0, LOINC 93832-4 (HL7 PHR IG sleep codes), LOINC 94122-9.
REFERENCE = {
    "heart_rate": ("8867-4", "/min"),
    "resting_heart_rate": ("40443-4", "/min"),
    "hrv_sdnn": ("80404-7", "ms"),
    "steps_daily": ("41950-7", "/d"),
    "body_weight": ("29463-7", "kg"),
    "body_fat": ("41982-0", "%"),
    "bmi": ("39156-5", "kg/m2"),
    "spo2": ("2708-6", "%"),
    "respiratory_rate": ("9279-1", "/min"),
    "vo2_max": ("94122-9", "mL/min/kg"),
    "sleep_duration": ("93832-4", "h"),
    "glucose": ("99504-3", "mg/dL"),
    "cgm_mean_glucose": ("97507-8", "mg/dL"),
    "cgm_gmi": ("97506-0", "%"),
    "cgm_cv": ("104638-2", "%"),
    "cgm_days_of_wear": ("104636-6", "d"),
    "cgm_sensor_active": ("104637-4", "%"),
    "temperature_deviation": ("temperature-deviation", "K"),
}
PANELS = {
    "blood_pressure": ("85354-9", {"systolic": ("8480-6", "mm[Hg]"), "diastolic": ("8462-4", "mm[Hg]")}),
    "cgm_times_in_ranges": (
        "106793-3",
        {
            "very_low": ("104642-4", "%"),
            "low": ("104641-6", "%"),
            "target": ("97510-2", "%"),
            "high": ("104640-8", "%"),
            "very_high": ("104639-0", "%"),
        },
    ),
    "workout": (
        "73985-4",
        {
            "duration": ("55411-3", "min"),
            "energy": ("55424-6", "kcal"),
            "distance": ("workout-distance", "km"),
            "avg_hr": ("55425-3", "/min"),
            "max_hr": ("55426-1", "/min"),
        },
    ),
}
CATEGORIES = {
    "heart_rate": "vital-signs",
    "respiratory_rate": "vital-signs",
    "spo2": "vital-signs",
    "body_weight": "vital-signs",
    "bmi": "vital-signs",
    "blood_pressure": "vital-signs",
    "steps_daily": "activity",
    "workout": "activity",
    "glucose": "laboratory",
    "cgm_gmi": "laboratory",
}


@pytest.mark.parametrize("key", sorted(REFERENCE))
def test_single_valued_kinds_have_the_reference_code_and_unit(key: str) -> None:
    code, ucum = REFERENCE[key]
    kind = KINDS[key]
    assert kind.code.code == code
    assert kind.unit is not None and kind.unit.ucum == ucum
    assert kind.code.system == (LOCAL if key == "temperature_deviation" else LOINC)


@pytest.mark.parametrize("key", sorted(PANELS))
def test_panels_have_the_reference_components(key: str) -> None:
    code, components = PANELS[key]
    kind = KINDS[key]
    assert kind.code.code == code and kind.unit is None
    assert {c.key: (c.coding.code, c.unit.ucum) for c in kind.components} == components


def test_spo2_also_carries_the_pulse_oximetry_code_and_cgm_summary_its_ig_code() -> None:
    assert [c.code for c in KINDS["spo2"].codings] == ["2708-6", "59408-5"]
    assert (KINDS["cgm_summary"].code.system, KINDS["cgm_summary"].code.code) == (
        CGM_TEMPORARY,
        "cgm-summary",
    )


@pytest.mark.parametrize("key", sorted(CATEGORIES))
def test_categories(key: str) -> None:
    assert KINDS[key].category == CATEGORIES[key]


def test_every_kind_is_covered_by_the_reference_tables() -> None:
    assert set(KINDS) == set(REFERENCE) | set(PANELS) | {"cgm_summary"}


def test_the_docs_table_is_generated_from_codes_py() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import fhir_docs
    finally:
        sys.path.pop(0)
    doc = (ROOT / "docs" / "fhir.md").read_text(encoding="utf-8")
    assert doc.endswith(fhir_docs.MARK + "\n" + fhir_docs.table()), "run: python scripts/fhir_docs.py"
    assert len(table_rows()) == doc.split(fhir_docs.MARK, 1)[1].count("\n| ") - 1
