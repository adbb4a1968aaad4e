"""biolake export fhir on the shared demo lake: every resource validates (R4B), every coding and unit is
in the documented table, re-export is byte-identical, the lake is only read, bad input is one error line."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from biolake.fhir import FhirError
from biolake.fhir.export import ExportOptions, ExportResult, export_fhir
from conftest import RunCli, assert_one_error_line, query, settings_for, snapshot
from fhir_support import bundle_resources, check_against_table, ndjson_resources, validate

TWO_WEEKS = (date(2026, 10, 5), date(2026, 10, 18))  # holds the trip abroad (+02:00) and its return


def _export(lake: Path, out: Path, **options: Any) -> ExportResult:
    return export_fhir(settings_for(lake), ExportOptions(out=out, **options))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def raw_bundle(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExportResult]:
    out = tmp_path_factory.mktemp("fhir") / "raw.json"
    result = _export(demo_lake, out, start=TWO_WEEKS[0], end=TWO_WEEKS[1], granularity="raw")
    return out, result


@pytest.fixture(scope="module")
def daily_ndjson(demo_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ExportResult]:
    out = tmp_path_factory.mktemp("fhir") / "year"
    return out, _export(demo_lake, out, ndjson=True)


def test_raw_export_validates_and_matches_the_code_table(raw_bundle: tuple[Path, ExportResult]) -> None:
    from fhir.resources.R4B.bundle import Bundle

    path, result = raw_bundle
    bundle = Bundle.model_validate_json(path.read_text(encoding="utf-8"))
    assert bundle.type == "collection"
    resources = bundle_resources(path)
    assert len(resources) == result.resources
    for resource in resources:
        check_against_table(resource)
    counts = Counter(r["code"]["coding"][0]["code"] for r in resources if r["resourceType"] == "Observation")
    # every CGM reading of the two weeks (≈ 288 a day) and every heart-rate sample are there
    assert counts["99504-3"] > 13 * 280 and counts["8867-4"] > 2000
    for code in ("80404-7", "9279-1", "2708-6", "40443-4", "41950-7", "93832-4", "73985-4", "29463-7"):
        assert counts[code] > 0, code
    for code in ("97507-8", "106793-3", "97506-0", "104638-2", "104637-4", "104636-6", "cgm-summary"):
        assert counts[code] == 1, code
    assert [r["resourceType"] for r in resources].count("Patient") == 1


def test_raw_export_keeps_local_time_and_offset(raw_bundle: tuple[Path, ExportResult]) -> None:
    glucose = [
        r
        for r in bundle_resources(raw_bundle[0])
        if r.get("code", {}).get("text", "").startswith("Glucose [")
    ]
    offsets = {r["effectiveDateTime"][-6:] for r in glucose}
    assert offsets == {"-04:00", "+02:00"}  # New York (EDT) and Berlin (CEST) on the trip
    times = [r["effectiveDateTime"] for r in glucose]
    assert len(set(times)) == len(times)


def test_ids_are_unique_and_references_resolve(raw_bundle: tuple[Path, ExportResult]) -> None:
    doc = json.loads(raw_bundle[0].read_text(encoding="utf-8"))
    full_urls = [e["fullUrl"] for e in doc["entry"]]
    assert len(set(full_urls)) == len(full_urls)
    for e in doc["entry"]:
        resource = e["resource"]
        assert e["fullUrl"] == f"urn:uuid:{resource['id']}"
        assert resource["identifier"] == [{"system": "urn:ietf:rfc:3986", "value": e["fullUrl"]}]
        refs = [resource.get("subject", {}).get("reference")] + [
            m["reference"] for m in resource.get("hasMember", [])
        ]
        for ref in filter(None, refs):
            assert ref in set(full_urls), ref


def test_re_export_is_byte_identical(
    demo_lake: Path, raw_bundle: tuple[Path, ExportResult], tmp_path: Path
) -> None:
    again = tmp_path / "again.json"
    _export(demo_lake, again, start=TWO_WEEKS[0], end=TWO_WEEKS[1], granularity="raw")
    assert again.read_bytes() == raw_bundle[0].read_bytes()


def test_daily_year_ndjson_validates(daily_ndjson: tuple[Path, ExportResult]) -> None:
    out, result = daily_ndjson
    assert sorted(p.name for p in out.iterdir()) == ["Observation.ndjson", "Patient.ndjson"]
    resources = list(ndjson_resources(out))
    assert len(resources) == result.resources
    for resource in resources:
        validate(resource)
        check_against_table(resource)
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    assert set(patient) == {"resourceType", "id", "identifier"}  # pseudonymous: no name configured
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    assert len(observations) == len(resources) - 1
    assert all(r["subject"]["reference"] == f"Patient/{patient['id']}" for r in observations)
    steps = [r for r in resources if r.get("code", {}).get("coding", [{}])[0].get("code") == "41950-7"]
    assert len(steps) == 365 and steps[0]["effectiveDateTime"] == "2025-11-15"
    assert "8867-4" not in result.counts and "99504-3" not in result.counts  # raw-only kinds


def test_daily_values_are_gold_values(demo_lake: Path, daily_ndjson: tuple[Path, ExportResult]) -> None:
    resources = {
        (r["code"]["coding"][0]["code"], r.get("effectiveDateTime")): r
        for r in ndjson_resources(daily_ndjson[0])
        if r["resourceType"] == "Observation"
    }
    ((hrv, rhr, steps),) = query(
        demo_lake,
        "SELECT hrv_sdnn_ms, resting_hr_bpm, steps FROM gold.daily_summary WHERE date_day = '2026-06-01'",
    )
    assert resources[("80404-7", "2026-06-01")]["valueQuantity"]["value"] == pytest.approx(hrv, abs=1e-4)
    assert resources[("40443-4", "2026-06-01")]["valueQuantity"]["value"] == pytest.approx(rhr, abs=1e-4)
    assert resources[("41950-7", "2026-06-01")]["valueQuantity"]["value"] == pytest.approx(steps, abs=1e-4)


def test_transaction_bundle_uses_conditional_create(demo_lake: Path, tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    out = tmp_path / "tx.json"
    _export(demo_lake, out, start=date(2026, 11, 1), end=date(2026, 11, 3), bundle="transaction")
    Bundle.model_validate_json(out.read_text(encoding="utf-8"))
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "transaction"
    for e in doc["entry"]:
        rid = e["fullUrl"].removeprefix("urn:uuid:")
        assert "id" not in e["resource"]
        assert e["request"] == {
            "method": "POST",
            "url": e["resource"]["resourceType"],
            "ifNoneExist": f"identifier=urn:ietf:rfc:3986|urn:uuid:{rid}",
        }


def test_configured_name_and_salt(demo_lake: Path, tmp_path: Path) -> None:
    from dataclasses import replace

    sections = {"fhir": {"name": "Ada Lovelace", "pseudonym_salt": "s3cret"}}
    config = replace(settings_for(demo_lake), sections=sections)  # type: ignore[type-var]
    out = tmp_path / "named"
    export_fhir(config, ExportOptions(start=date(2026, 11, 1), end=date(2026, 11, 1), ndjson=True, out=out))  # type: ignore[arg-type]
    patient = json.loads((out / "Patient.ndjson").read_text(encoding="utf-8"))
    assert patient["name"] == [{"text": "Ada Lovelace"}]
    plain = tmp_path / "plain"
    _export(demo_lake, plain, start=date(2026, 11, 1), end=date(2026, 11, 1), ndjson=True)
    assert json.loads((plain / "Patient.ndjson").read_text(encoding="utf-8"))["id"] != patient["id"]


def test_library_errors(demo_lake: Path, tmp_path: Path) -> None:
    with pytest.raises(FhirError, match="unknown subject 'nobody'"):
        _export(demo_lake, tmp_path / "x.json", subject="nobody")
    with pytest.raises(FhirError, match="no data to export"):
        _export(demo_lake, tmp_path / "x.json", start=date(2031, 1, 1), end=date(2031, 1, 31))
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--subject", "nobody"], ["unknown subject", "nobody"]),
        (["--from", "2031-01-01", "--to", "2031-01-31"], ["no data", "2031-01-01"]),
        (["--from", "2026-02-30"], ["--from", "2026-02-30"]),
        (["--from", "2026-03-01", "--to", "2026-02-01"], ["after"]),
        (["--out", "/proc/biolake/x.json"], ["--out", "/proc/biolake/x.json"]),
        (["--post", "http://127.0.0.1:9/fhir", "--from", "2026-11-01"], ["cannot reach", "127.0.0.1:9"]),
        (["--post", "ftp://example.org/fhir"], ["--post", "ftp://"]),
    ],
)
def test_bad_input_is_one_error_line_and_the_lake_is_untouched(
    demo_lake: Path, args: list[str], words: list[str]
) -> None:
    before = snapshot(demo_lake)
    proc = RunCli(demo_lake)("export", "fhir", *args)
    assert_one_error_line(proc, *words)
    assert snapshot(demo_lake) == before


def test_cli_export_writes_the_default_file_in_exports(demo_lake_copy: Path) -> None:
    proc = RunCli(demo_lake_copy)(
        "--format",
        "json",
        "export",
        "fhir",
        "--from",
        "2026-11-10",
        "--to",
        "2026-11-14",
        "--granularity",
        "raw",
    )
    assert proc.returncode == 0, proc.stderr
    rows = {r["code"]: r["resources"] for r in json.loads(proc.stdout)}
    assert rows["Patient"] == 1 and rows["99504-3"] > 1000
    (written,) = (demo_lake_copy / "exports" / "fhir").iterdir()
    assert written.name == "me_20261110-20261114_raw.collection.json"
    assert len(bundle_resources(written)) == sum(rows.values())
