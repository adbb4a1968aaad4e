"""``--share``: keyed pseudonyms, free text dropped, dates shifted per subject; Laplace-noised aggregates
with a privacy budget; a shared sync against moto's S3 server."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from biolake.lake.paths import LakePaths
from biolake.sync.privacy import (
    Bounds,
    PrivacyBudgetExceeded,
    budget_state,
    laplace_noise,
    noisy_aggregates,
    spend,
)
from biolake.sync.share import FREE_TEXT, Pseudonymiser, share_secret
from conftest import RunCli, assert_one_error_line, query, snapshot
from sync_support import BUCKET, Moto, lake_copy, monkeypatch_module, moto

__all__ = ["lake_copy", "monkeypatch_module", "moto"]
SECRET = bytes(range(32))


def test_pseudonym_is_hmac_sha256_of_the_subject() -> None:
    reference = hmac.new(SECRET, b"subject:me", hashlib.sha256).hexdigest()[:32]
    assert Pseudonymiser(SECRET).pseudonym("me") == reference
    assert Pseudonymiser(bytes(32)).pseudonym("me") != reference  # another secret, another pseudonym
    assert Pseudonymiser(SECRET).pseudonym("p02") != reference


def test_shift_is_whole_weeks_within_the_bound() -> None:
    p = Pseudonymiser(SECRET, max_shift_weeks=26)
    shifts = {s: p.shift_days(s) for s in (f"p{i:03d}" for i in range(200))}
    assert all(d % 7 == 0 and d != 0 and abs(d) <= 26 * 7 for d in shifts.values())
    assert len(set(shifts.values())) > 20  # spread, not one offset for everyone
    assert Pseudonymiser(SECRET).shift_days("p001") == 0  # not shifting unless asked


def test_table_drops_free_text_and_shifts_each_subject() -> None:
    ts = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    table = pa.table(
        {
            "subject_id": ["me", "you", "me"],
            "ts_utc": pa.array([ts, ts, ts], pa.timestamp("us", tz="UTC")),
            "local_date": pa.array([date(2026, 3, 2)] * 3, pa.date32()),
            "glucose_mgdl": [100.0, 110.0, 120.0],
            "note": ["ate cake at Anna's", None, "x"],
            "device": ["Dexcom G7 SN123", "x", "y"],
            "source_name": ["Jane's iPhone", "x", "y"],
            "iso_week": [10, 10, 10],
        }
    )
    p = Pseudonymiser(SECRET, max_shift_weeks=10)
    out = p.table(table)
    assert set(out.column_names) == {"subject_id", "ts_utc", "local_date", "glucose_mgdl"}
    assert out.column("subject_id").to_pylist() == [p.pseudonym("me"), p.pseudonym("you"), p.pseudonym("me")]
    for row, subject in enumerate(["me", "you", "me"]):
        days = p.shift_days(subject)
        shifted = out.column("ts_utc")[row].as_py()
        assert (
            (shifted - ts).days == days and shifted.time() == ts.time() and shifted.weekday() == ts.weekday()
        )
        assert (out.column("local_date")[row].as_py() - date(2026, 3, 2)).days == days
    assert out.column("glucose_mgdl").to_pylist() == [100.0, 110.0, 120.0]


def test_secret_is_made_once_private_and_outside_synced_data(tmp_path: Path) -> None:
    paths = LakePaths.at(tmp_path / "lake")
    first = share_secret(paths)
    assert len(first) == 32 and share_secret(paths) == first
    path = paths.state / "share_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_laplace_noise_has_the_laplace_distribution() -> None:
    """Laplace(0, b): mean 0, variance 2b², P(|X| > b) = e^-1 (reference values of the distribution)."""
    rng = np.random.Generator(np.random.PCG64(7))
    draws = np.array(laplace_noise(3.0, 200_000, rng))
    assert abs(draws.mean()) < 0.05
    assert draws.var() == pytest.approx(2 * 3.0**2, rel=0.03)
    assert (np.abs(draws) > 3.0).mean() == pytest.approx(np.exp(-1), abs=0.01)


def test_noisy_aggregates_follow_the_mechanism(demo_lake: Path) -> None:
    paths = LakePaths.at(demo_lake)
    bounds = {"sleep_hours": Bounds(0, 14), "steps": Bounds(0, 40_000)}
    rng = np.random.Generator(np.random.PCG64(1))
    table = noisy_aggregates(paths, epsilon=1e9, period="month", bounds=bounds, rng=rng)
    rows = table.to_pylist()
    months = query(demo_lake, "SELECT count(DISTINCT date_trunc('month', date_day)) FROM gold.daily_summary")[
        0
    ][0]
    assert len(rows) == 2 * months
    truth = dict(
        query(
            demo_lake,
            "SELECT date_trunc('month', date_day)::DATE, avg(least(greatest(steps, 0), 40000)) "
            "FROM gold.daily_summary WHERE steps IS NOT NULL GROUP BY 1",
        )
    )
    for row in rows:
        releases = 2 * months * 2
        assert row["count_noise_scale"] == pytest.approx(releases / 1e9)
        if row["metric"] == "steps":
            assert row["sum_noise_scale"] == pytest.approx(40_000 * releases / 1e9)
            assert row["mean"] == pytest.approx(truth[row["period_start"]], rel=1e-6)
            assert row["subjects"] == 1
    noisy = noisy_aggregates(paths, epsilon=0.5, period="month", bounds=bounds, rng=rng).to_pylist()
    assert all(0 <= r["mean"] <= (14 if r["metric"] == "sleep_hours" else 40_000) for r in noisy)
    assert noisy[0]["count_noise_scale"] == pytest.approx(2 * months * 2 / 0.5)


def test_budget_is_tracked_and_refused_when_exhausted(tmp_path: Path) -> None:
    paths = LakePaths.at(tmp_path / "lake")
    assert spend(paths, "clinic", 0.6, 1.0, "test") == pytest.approx(0.4)
    with pytest.raises(PrivacyBudgetExceeded, match="exhausted"):
        spend(paths, "clinic", 0.6, 1.0, "test")
    assert budget_state(paths)["clinic"]["spent"] == pytest.approx(0.6)
    assert spend(paths, "cohort", 0.6, 1.0, "test") == pytest.approx(0.4)  # budgets are per export


@pytest.mark.slow
def test_shared_sync_holds_no_identifiers(moto: Moto, lake_copy: Path) -> None:
    cli = RunCli(lake_copy)
    url = f"s3://{BUCKET}/shared"
    proc = cli(
        "--format", "json", "sync", url, "--endpoint-url", moto.endpoint, "--share", "--shift-weeks", "8"
    )
    assert proc.returncode == 0, proc.stderr
    s3 = moto.client("s3")
    keys = moto.keys(BUCKET, "shared/")
    assert keys and not any("/bronze/" in k or "workout_routes" in k or "subject_profile" in k for k in keys)
    assert not any("subject_id=me" in k or "share_secret" in k for k in keys)
    pseudonym = Pseudonymiser(share_secret(LakePaths.at(lake_copy))).pseudonym("me")
    assert any(f"subject_id={pseudonym}" in k for k in keys)
    for key in [k for k in keys if k.endswith(".parquet")][:40]:
        table = pq.read_table(io.BytesIO(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()))
        assert not FREE_TEXT & set(table.column_names), key
        if "subject_id" in table.column_names:
            assert set(table.column("subject_id").to_pylist()) == {pseudonym}
    proc = RunCli(lake_copy.parent / "restored")("sync", "--pull", url, "--endpoint-url", moto.endpoint)
    assert_one_error_line(proc, "shared copy", "nothing to restore")
    again = cli(
        "--format", "json", "sync", url, "--endpoint-url", moto.endpoint, "--share", "--shift-weeks", "8"
    )
    assert all(r["moved"] == 0 for r in json.loads(again.stdout))  # same secret, same bytes


@pytest.mark.slow
def test_dp_share_spends_the_budget_then_refuses(moto: Moto, lake_copy: Path) -> None:
    cli = RunCli(lake_copy)
    url = f"s3://{BUCKET}/dp"
    args = (
        "sync",
        url,
        "--endpoint-url",
        moto.endpoint,
        "--share",
        "--epsilon",
        "0.6",
        "--export-name",
        "clinic",
    )
    assert cli(*args).returncode == 0
    keys = moto.keys(BUCKET, "dp/")
    assert any(k.startswith("dp/aggregates/daily_summary_month/") for k in keys)
    assert not any("/silver/" in k or "/gold/" in k for k in keys)  # only the noisy aggregates
    before = snapshot(lake_copy)
    proc = cli(*args)
    assert_one_error_line(proc, "budget", "exhausted")
    after = snapshot(lake_copy)
    assert before == after
    assert json.loads((lake_copy / "state" / "privacy_budget.json").read_text())["clinic"]["spent"] == 0.6
    assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
