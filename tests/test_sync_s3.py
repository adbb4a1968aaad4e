"""``biolake sync`` against moto's S3 server on 127.0.0.1 (real HTTP, no patched clients): upload,
incremental no-op, a changed partition, pull-restore, SSE, throttling, an interrupted sync, and bad input."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from biolake.lake.paths import LakePaths
from biolake.sync.manifest import MANIFEST_KEY, Manifest, sha256_file
from biolake.sync.push import SyncOptions, push
from biolake.sync.s3 import Connection
from conftest import RunCli, assert_one_error_line, dexcom_csv, query, snapshot
from sync_support import BUCKET, Moto, Proxy, lake_copy, monkeypatch_module, moto, start_proxy

__all__ = ["lake_copy", "monkeypatch_module", "moto"]  # module-scoped fixtures from sync_support

pytestmark = pytest.mark.slow


def rows_by_layer(proc_stdout: str) -> dict[str, dict[str, int]]:
    return {r["layer"]: r for r in json.loads(proc_stdout)}


@pytest.fixture(scope="module")
def synced(moto: Moto, lake_copy: Path) -> dict[str, object]:
    """The demo lake synced once with the CLI (SSE AES256), and synced again with nothing changed."""
    cli = RunCli(lake_copy)
    args = (
        "--format",
        "json",
        "sync",
        f"s3://{BUCKET}/me",
        "--endpoint-url",
        moto.endpoint,
        "--sse",
        "AES256",
    )
    first = cli(*args)
    assert first.returncode == 0, first.stderr
    second = cli(*args)
    assert second.returncode == 0, second.stderr
    return {"first": rows_by_layer(first.stdout), "second": rows_by_layer(second.stdout)}


def manifest_of(moto: Moto, prefix: str) -> Manifest:
    body = moto.client("s3").get_object(Bucket=BUCKET, Key=f"{prefix}/{MANIFEST_KEY}")["Body"].read()
    return Manifest.from_json(body)


def test_upload_mirrors_every_layer(synced: dict[str, object], moto: Moto, lake_copy: Path) -> None:
    first = synced["first"]
    assert isinstance(first, dict)
    assert set(first) == {"bronze", "silver", "gold"}
    for row in first.values():
        assert row["moved"] == row["files"] > 0
    manifest = manifest_of(moto, "me")
    keys = moto.keys(BUCKET, "me/")
    assert keys == sorted([f"me/{k}" for k in manifest.entries] + [f"me/{MANIFEST_KEY}"])
    # every lake file of bronze and silver is in the mirror under a key whose object has the same bytes
    lake_files = {
        p.relative_to(lake_copy).as_posix()
        for d in ("bronze", "silver")
        for p in (lake_copy / d).rglob("*")
        if p.is_file()
    }
    mirrored = {e.lake_path: e for e in manifest.entries.values() if e.lake_path}
    assert lake_files <= set(mirrored)
    for rel in sorted(lake_files)[:5]:
        assert mirrored[rel].sha256 == sha256_file(lake_copy / rel)
    assert any(k.startswith("gold/daily_summary/subject_id=me/year=2026/") for k in manifest.entries)
    assert "silver/glucose_readings/year=2025/part-00000.parquet" in manifest.entries
    assert not any(k.startswith(("state/", "log/sync/")) for k in manifest.entries)


def test_second_sync_uploads_nothing(synced: dict[str, object], lake_copy: Path) -> None:
    second = synced["second"]
    assert isinstance(second, dict)
    for row in second.values():
        assert row["moved"] == 0 and row["unchanged"] == row["files"]
    log = query(lake_copy, "SELECT direction, files_moved, files_total FROM sync_log ORDER BY started_at")
    assert len(log) == 2 and log[1][1] == 0 and log[0][1] == log[0][2] > 0


def test_sse_header_sent(synced: dict[str, object], moto: Moto) -> None:
    s3 = moto.client("s3")
    for key in ("me/silver/glucose_readings/year=2025/part-00000.parquet", f"me/{MANIFEST_KEY}"):
        assert s3.head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "AES256"


def test_changed_partition_moves_alone(
    synced: dict[str, object], moto: Moto, lake_copy: Path, tmp_path: Path
) -> None:
    before = manifest_of(moto, "me")
    csv = dexcom_csv(tmp_path / "clarity.csv", datetime(2026, 11, 20, 8, 0), readings=24)
    cli = RunCli(lake_copy)
    assert cli("ingest", csv, "--source", "dexcom").returncode == 0
    proc = cli(
        "--format",
        "json",
        "sync",
        f"s3://{BUCKET}/me",
        "--endpoint-url",
        moto.endpoint,
        "--layers",
        "bronze,silver",
    )
    assert proc.returncode == 0, proc.stderr
    after = manifest_of(moto, "me")
    changed = {
        k for k, e in after.entries.items() if k not in before.entries or before.entries[k].sha256 != e.sha256
    }
    silver = {k for k in changed if k.startswith("silver/")}
    assert silver == {"silver/glucose_readings/year=2026/part-00000.parquet"}
    bronze = changed - silver
    assert any(k.startswith("bronze/files/") for k in bronze) and any(
        k.startswith("log/ingestion/") for k in bronze
    )
    assert all(k.startswith(("bronze/", "log/ingestion/")) for k in bronze)
    rows = rows_by_layer(proc.stdout)
    assert rows["silver"]["moved"] == 1 and rows["bronze"]["moved"] == len(bronze)


def test_pull_restores_the_lake(
    synced: dict[str, object], moto: Moto, lake_copy: Path, tmp_path: Path
) -> None:
    restored = tmp_path / "restored"
    proc = RunCli(restored)(
        "--format", "json", "sync", "--pull", f"s3://{BUCKET}/me", "--endpoint-url", moto.endpoint
    )
    assert proc.returncode == 0, proc.stderr
    manifest = manifest_of(moto, "me")
    for entry in manifest.entries.values():
        if entry.lake_path:
            assert sha256_file(restored / entry.lake_path) == entry.sha256
            assert sha256_file(lake_copy / entry.lake_path) == entry.sha256  # what the lake has
    for view in ("glucose_readings", "measurements", "workouts"):
        sql = f"SELECT * FROM {view} EXCEPT ALL SELECT * FROM {view}"
        assert query(restored, f"SELECT count(*) FROM {view}") == query(
            lake_copy, f"SELECT count(*) FROM {view}"
        )
        assert query(restored, sql) == []
    gold = "SELECT * FROM gold.daily_summary ORDER BY subject_id, date_day"
    assert query(restored, gold) == query(lake_copy, gold)
    tables = query(restored, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'gold'")
    assert tables == query(
        lake_copy, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'gold'"
    )


def test_pull_refuses_a_lake_with_other_data(
    synced: dict[str, object], moto: Moto, demo_lake: Path, tmp_path: Path
) -> None:
    import shutil

    other = tmp_path / "other"
    shutil.copytree(demo_lake, other)
    (other / "silver" / "glucose_readings" / "year=2026" / "part-extra.parquet").write_bytes(b"x")
    before = snapshot(other)
    proc = RunCli(other)("sync", "--pull", f"s3://{BUCKET}/me", "--endpoint-url", moto.endpoint)
    assert_one_error_line(proc, "not in the mirror")
    assert snapshot(other) == before


def test_throttling_is_retried(moto: Moto, lake_copy: Path) -> None:
    proxy = Proxy(moto.endpoint, slowdown=3)
    server = start_proxy(proxy)
    try:
        options = SyncOptions(layers=("gold",), connection=Connection(endpoint_url=proxy.endpoint))
        result = push(LakePaths.at(lake_copy), f"s3://{BUCKET}/throttled", options)
    finally:
        server.shutdown()
    assert proxy.throttled == 3
    assert len(result.uploaded) == len(result.plan.items) > 0
    assert len(moto.keys(BUCKET, "throttled/")) == len(result.plan.items) + 1


def test_interrupted_sync_resumes_without_duplicates(moto: Moto, lake_copy: Path) -> None:
    paths = LakePaths.at(lake_copy)
    proxy = Proxy(moto.endpoint, allow_puts=10)
    server = start_proxy(proxy)
    try:
        options = SyncOptions(layers=("silver",), connection=Connection(endpoint_url=proxy.endpoint))
        from biolake.errors import SyncError

        with pytest.raises(SyncError, match="denied"):
            push(paths, f"s3://{BUCKET}/resumed", options)
        assert sum(proxy.puts.values()) == 10
        assert moto.keys(BUCKET, "resumed/_biolake/") == []  # no manifest: the mirror is not complete
        proxy.allow_puts = None
        result = push(paths, f"s3://{BUCKET}/resumed", options)
    finally:
        server.shutdown()
    assert len(result.resumed) == 10
    assert len(result.uploaded) == len(result.plan.items) - 10
    assert max(proxy.puts.values()) == 1  # no object was sent twice
    keys = moto.keys(BUCKET, "resumed/")
    assert len(keys) == len(result.plan.items) + 1 == len(set(keys))


@pytest.mark.parametrize(
    ("problem", "words"),
    [
        ("unreachable", ("cannot reach",)),
        ("missing_bucket", ("bucket", "does not exist")),
        ("wrong_credentials", ("denied", "credentials")),
        ("bad_url", ("not an S3 URL",)),
        ("bad_sse", ("--sse",)),
        ("no_profile", ("--profile", "no such AWS profile")),
    ],
)
def test_bad_input_one_error_lake_untouched(
    problem: str, words: tuple[str, ...], moto: Moto, demo_lake: Path, tmp_path: Path
) -> None:
    import shutil

    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    before = snapshot(lake)
    endpoint, url, extra = moto.endpoint, f"s3://{BUCKET}/bad", []
    if problem == "unreachable":
        endpoint = "http://127.0.0.1:9"
    elif problem == "missing_bucket":
        url = "s3://no-such-bucket/x"
    elif problem == "bad_url":
        url = "/tmp/not-s3"
    elif problem == "bad_sse":
        extra = ["--sse", "rot13"]
    elif problem == "no_profile":
        extra = ["--profile", "nobody"]
    if problem == "wrong_credentials":
        moto.require_auth(True)
    try:
        proc = RunCli(lake)("sync", url, "--endpoint-url", endpoint, *extra)
    finally:
        if problem == "wrong_credentials":
            moto.require_auth(False)
    assert_one_error_line(proc, *words)
    assert snapshot(lake) == before


def test_sql_remote_reads_the_mirror(synced: dict[str, object], moto: Moto, lake_copy: Path) -> None:
    cli = RunCli(lake_copy)
    env: dict[str, str | None] = {"AWS_ENDPOINT_URL_S3": moto.endpoint}
    sql = "SELECT count(*) AS n, round(sum(glucose_mgdl)) AS s FROM glucose_readings WHERE year = 2025"
    proc = cli("--format", "json", "sql", "--remote", f"s3://{BUCKET}/me", sql, env=env)
    assert proc.returncode == 0, proc.stderr
    local = query(lake_copy, sql)[0]
    assert json.loads(proc.stdout) == [{"n": local[0], "s": local[1]}]
    gold = "SELECT date_day, readiness_score, tsb FROM gold.daily_summary ORDER BY date_day DESC LIMIT 3"
    proc = cli("--format", "json", "sql", "--remote", f"s3://{BUCKET}/me", gold, env=env)
    assert proc.returncode == 0, proc.stderr
    assert [list(r.values()) for r in json.loads(proc.stdout)] == [
        [d.isoformat(), r, t] for d, r, t in query(lake_copy, gold)
    ]
    proc = cli("sql", "--remote", f"s3://{BUCKET}/me", "DELETE FROM glucose_readings", env=env)
    assert_one_error_line(proc, "read-only")


def test_stale_objects_are_kept_unless_delete(moto: Moto, demo_lake: Path, tmp_path: Path) -> None:
    import shutil

    lake = tmp_path / "lake"
    shutil.copytree(demo_lake, lake)
    paths = LakePaths.at(lake)
    url = f"s3://{BUCKET}/stale"
    options = SyncOptions(
        layers=("silver",), connection=Connection(endpoint_url=moto.endpoint), sse="aws:kms"
    )
    first = push(paths, url, options)
    head = moto.client("s3").head_object(Bucket=BUCKET, Key=f"stale/{first.plan.items[0].key}")
    assert head["ServerSideEncryption"] == "aws:kms"
    shutil.rmtree(lake / "silver" / "glucose_readings" / "year=2025")  # a purged partition
    gone = "stale/silver/glucose_readings/year=2025/part-00000.parquet"
    kept = push(paths, url, options)
    assert kept.plan.stale == [gone.removeprefix("stale/")] and kept.deleted == []
    assert gone in moto.keys(BUCKET, "stale/")
    before = moto.keys(BUCKET, "stale/")
    options.dry_run, options.delete = True, True
    dry = push(paths, url, options)
    assert dry.deleted == kept.plan.stale and moto.keys(BUCKET, "stale/") == before
    options.dry_run = False
    deleted = push(paths, url, options)
    assert deleted.deleted == kept.plan.stale
    assert gone not in moto.keys(BUCKET, "stale/")
    assert gone.removeprefix("stale/") not in manifest_of(moto, "stale").entries
