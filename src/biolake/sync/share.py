"""``--share``: copies of silver and gold meant for others (a clinician, a research cohort).

- subject ids become keyed pseudonyms: HMAC-SHA256(secret, subject id), first 32 hex digits (128 bits);
  the secret (32 random bytes) is made on first use in the lake's state folder (mode 0600), which a sync
  never uploads, so the same subject keeps the same pseudonym across shares and nobody without the
  secret can link it back by hashing candidate ids;
- free-text and identifying fields are dropped (notes, titles, food names, device and source names,
  JSON blobs, lineage hashes), and so are GPS routes and the subject profile;
- optionally every date and timestamp of a subject moves by a keyed offset in whole weeks (weekday and
  time of day are kept, so daily and weekly patterns survive; calendar numbers such as iso_week are
  dropped, as they would give the true dates away).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from biolake.lake.paths import LakePaths
from biolake.sync.plan import Item, TableSpec, gold_items, write_partitioned

SECRET_NAME = "share_secret"
DROPPED_TABLES = ("workout_routes", "subject_profile")
FREE_TEXT = {
    "note",
    "notes",
    "title",
    "instructor",
    "food",
    "device",
    "source_name",
    "source_version",
    "session_id",
    "route_file",
    "statistics_json",
    "events_json",
    "metadata_json",
    "_file_sha256",
    "_merged_from",
    "_field_sources",
}
CALENDAR_NUMBERS = {"year", "iso_year", "iso_week", "week", "month", "day_of_year"}


def share_secret(paths: LakePaths) -> bytes:
    """The lake's pseudonymisation secret, created (32 random bytes, mode 0600) on first use."""
    path = paths.state / SECRET_NAME
    if path.is_file():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(value.hex())
    return value


@dataclass(frozen=True)
class Pseudonymiser:
    """Keyed pseudonyms and date shifts for subject ids."""

    secret: bytes
    max_shift_weeks: int = 0  # 0: dates are not shifted

    def _mac(self, purpose: str, subject: str) -> bytes:
        return hmac.new(self.secret, f"{purpose}:{subject}".encode(), hashlib.sha256).digest()

    def pseudonym(self, subject: str) -> str:
        return self._mac("subject", subject).hex()[:32]

    def shift_days(self, subject: str) -> int:
        """A whole number of weeks in [-max, max] (never 0 when shifting), as days."""
        if self.max_shift_weeks <= 0:
            return 0
        n = int.from_bytes(self._mac("shift", subject)[:8], "big") % (2 * self.max_shift_weeks)
        weeks = n - self.max_shift_weeks
        return 7 * (weeks if weeks < 0 else weeks + 1)

    def table(self, table: pa.Table) -> pa.Table:
        """``table`` without free text, with pseudonymous subject ids and (if set) shifted dates."""
        import pyarrow.compute as pc

        drop = [c for c in table.column_names if c in FREE_TEXT]
        if self.max_shift_weeks > 0:
            drop += [c for c in table.column_names if c in CALENDAR_NUMBERS]
        table = table.drop_columns(drop)
        if "subject_id" not in table.column_names:
            return table
        subjects = table.column("subject_id").to_pylist()
        if self.max_shift_weeks > 0:
            days = [self.shift_days(str(s)) for s in subjects]
            for i, field in enumerate(table.schema):
                if pa.types.is_timestamp(field.type):
                    unit = field.type.unit
                    per_day = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}
                    offsets = pa.array([d * per_day[unit] for d in days], pa.duration(unit))
                    table = table.set_column(i, field, pc.add(table.column(i), offsets))
                elif pa.types.is_date32(field.type):
                    shifted = pc.add(table.column(i).cast(pa.int32()), pa.array(days, pa.int32()))
                    table = table.set_column(i, field, shifted.cast(pa.date32()))
        names = {s: self.pseudonym(str(s)) for s in set(subjects) if s is not None}
        ids = pa.array([names.get(s) for s in subjects], pa.string())
        return table.set_column(table.column_names.index("subject_id"), "subject_id", ids)


@dataclass
class ShareExport:
    """The share-mode plan maker: silver and/or gold, pseudonymised, written to the staging folder (the
    secret is read, or made, only when the sync has reached its bucket)."""

    layers: tuple[str, ...]
    max_shift_weeks: int = 0
    dry_run: bool = False  # a dry run makes no secret: without one, everything would move anyway
    pseudonymiser: Pseudonymiser = field(init=False)

    def __call__(self, paths: LakePaths, staging: Path) -> tuple[list[Item], list[TableSpec]]:
        made = (paths.state / SECRET_NAME).is_file() or not self.dry_run
        secret = share_secret(paths) if made else secrets.token_bytes(32)
        self.pseudonymiser = Pseudonymiser(secret, self.max_shift_weeks)
        items: list[Item] = []
        tables: list[TableSpec] = []
        if "silver" in self.layers:
            got, specs = self._silver(paths, staging)
            items += got
            tables += specs
        if "gold" in self.layers:
            got, specs = gold_items(paths, staging, self.pseudonymiser.table)
            items += got
            tables += specs
        return items, tables

    def _silver(self, paths: LakePaths, staging: Path) -> tuple[list[Item], list[TableSpec]]:
        from biolake.lake.catalog import memory_connection, parquet_glob

        items: list[Item] = []
        tables: list[TableSpec] = []
        if not paths.silver.is_dir():
            return items, tables
        con = memory_connection()
        try:
            for entity in sorted(p for p in paths.silver.iterdir() if p.is_dir()):
                base = entity.name.removesuffix("_by_source")
                if base in DROPPED_TABLES or next(entity.rglob("*.parquet"), None) is None:
                    continue
                # ordered, so the same rows give the same bytes and an unchanged share uploads nothing
                table = con.sql(f"SELECT * FROM {parquet_glob(entity)} ORDER BY ALL").to_arrow_table()
                table = self.pseudonymiser.table(
                    table.drop_columns([c for c in ("year",) if c in table.column_names])
                )
                got, spec = write_partitioned(table, staging, f"silver/{entity.name}", "silver")
                items += got
                tables.append(spec)
        finally:
            con.close()
        return items, tables
