"""CGM readings as sorted numpy arrays, grouped by subject (or any other label), read from the lake.

Every metric of :mod:`biolake.glucose` works on a :class:`Readings`: the values of all groups in one array,
sorted by (group, local time), so a metric is a handful of vectorized operations over all subjects at
once instead of a loop over them. Times are the local wall time (silver ``local_ts``) as int64
microseconds, as iglu uses naive local times. Readings at the same local time are averaged into one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import duckdb

    from biolake.config import Settings
    from biolake.lake.paths import LakePaths

US_PER_MIN = 60_000_000
US_PER_DAY = 86_400_000_000
MGDL_PER_MMOL = 18.0182  # glucose, 180.16 g/mol

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Readings:
    """Glucose readings of several groups, sorted by (group, time), one reading per group and time."""

    labels: list[str]  # group g is labels[g]
    group: IntArray  # group index of each reading (non-decreasing)
    time_us: IntArray  # local wall time, microseconds since 1970-01-01 00:00 (naive)
    glucose: FloatArray  # mg/dL
    censored: BoolArray  # a 'Low'/'High' reading kept at the sensor limit

    @property
    def n_groups(self) -> int:
        return len(self.labels)

    @property
    def bounds(self) -> IntArray:
        """Start of each group's readings and, last, their total count (length n_groups + 1)."""
        return np.searchsorted(self.group, np.arange(self.n_groups + 1)).astype(np.int64)

    def counts(self) -> IntArray:
        return np.diff(self.bounds)

    def median_interval_min(self) -> FloatArray:
        """Each group's median interval between consecutive readings, minutes (NaN with < 2 readings).

        One integer sort of (group, interval) keys; intervals over 2^36 µs (≈ 19 h) count as that."""
        n = self.n_groups
        same = np.diff(self.group) == 0
        g = self.group[1:][same]
        cap = np.int64(2**36)
        keys = np.sort(g * cap + np.minimum(np.diff(self.time_us)[same], cap - 1))
        d = (keys % cap).astype(np.float64)
        k = np.bincount(g, minlength=n)
        start = np.r_[0, np.cumsum(k)[:-1]]
        out = np.full(n, np.nan)
        has = k > 0
        lo = start[has] + (k[has] - 1) // 2
        hi = start[has] + k[has] // 2
        out[has] = (d[lo] + d[hi]) / 2 / US_PER_MIN
        return out

    def day(self) -> IntArray:
        """Local calendar day of each reading (days since 1970-01-01)."""
        return self.time_us // US_PER_DAY

    def select(self, keep: BoolArray) -> Readings:
        """The readings where ``keep`` holds; every group is kept, even when left empty."""
        return Readings(
            self.labels, self.group[keep], self.time_us[keep], self.glucose[keep], self.censored[keep]
        )


def from_arrays(
    ids: Sequence[Any] | npt.NDArray[Any],
    times: Sequence[Any] | npt.NDArray[Any],
    glucose: Sequence[float] | FloatArray,
    censored: Sequence[bool] | BoolArray | None = None,
) -> Readings:
    """Readings from parallel arrays (any order; NaN glucose dropped; same id and time averaged).

    ``times`` are naive local times: datetime64 values, datetimes or ISO strings."""
    ids_arr = np.asarray(ids).astype(str)
    t = np.asarray(times, dtype="datetime64[us]").astype(np.int64)
    gl = np.asarray(glucose, dtype=np.float64)
    cens = np.zeros(len(gl), dtype=bool) if censored is None else np.asarray(censored, dtype=bool)
    ok = ~np.isnan(gl)
    labels, group = np.unique(ids_arr, return_inverse=True)
    return _collapse([str(x) for x in labels], group[ok].astype(np.int64), t[ok], gl[ok], cens[ok])


def collapse_times(r: Readings) -> Readings:
    """The same readings with those sharing a group and a local time averaged into one."""
    return _collapse(r.labels, r.group, r.time_us, r.glucose, r.censored)


def _collapse(labels: list[str], group: IntArray, t: IntArray, gl: FloatArray, cens: BoolArray) -> Readings:
    """Sort by (group, time) and average readings that share a group and a time."""
    order = np.lexsort((t, group))
    group, t, gl, cens = group[order], t[order], gl[order], cens[order]
    if len(t):
        new = np.r_[True, (np.diff(group) != 0) | (np.diff(t) != 0)]
        if not new.all():
            key = np.cumsum(new) - 1
            n = np.bincount(key).astype(np.float64)
            gl = np.bincount(key, weights=gl) / n
            cens = np.bincount(key, weights=cens.astype(np.float64)) > 0
            group, t = group[new], t[new]
    return Readings(labels, group, t, gl, cens)


def _where(subject: str | None, start: date | None, end: date | None) -> tuple[str, list[Any]]:
    clauses: list[str] = ["reading_kind = 'cgm'", "glucose_mgdl IS NOT NULL"]
    params: list[Any] = []
    if subject is not None:
        clauses.append("subject_id = ?")
        params.append(subject)
    if start is not None:
        clauses.append("local_date >= ?")
        params.append(start)
    if end is not None:
        clauses.append("local_date <= ?")
        params.append(end)
    return " AND ".join(clauses), params


def from_connection(
    con: duckdb.DuckDBPyConnection,
    relation: str = "glucose_readings",
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Readings:
    """CGM readings (reading_kind 'cgm') of ``relation`` from an open DuckDB connection.

    ``start``/``end`` are inclusive local dates. Readings of one subject at the same instant (two
    devices or sources) are averaged into one; distinct instants at the same local time (the repeated
    hour when clocks go back) stay two readings, and the grid averages them."""
    where, params = _where(subject, start, end)
    rows = f"SELECT * FROM {relation} WHERE {where} AND local_ts IS NOT NULL AND ts_utc IS NOT NULL"
    found = [
        str(row[0]) for row in con.execute(f"SELECT DISTINCT subject_id FROM ({rows})", params).fetchall()
    ]
    labels = sorted(found) if found or subject is None else [subject]
    # subjects as integer codes (their rank), so no string column crosses into Python
    codes = "SELECT * FROM (VALUES " + ", ".join(f"(?, {i})" for i in range(len(labels))) + ") AS c(id, code)"
    sql = f"""
        SELECT c.code AS g, epoch_us(r.local_ts) AS t, epoch_us(r.ts_utc) AS u, r.glucose_mgdl AS gl,
               coalesce(r.censored, '') <> '' AS cens
        FROM ({rows}) AS r JOIN ({codes}) AS c ON r.subject_id = c.id"""
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return Readings(labels, empty, empty.copy(), np.zeros(0), np.zeros(0, dtype=bool))
    cols = con.execute(sql, [*params, *labels]).fetchnumpy()
    group = np.asarray(cols["g"], dtype=np.int64)
    t = np.asarray(cols["t"], dtype=np.int64)
    u = np.asarray(cols["u"], dtype=np.int64)
    gl = np.asarray(cols["gl"], dtype=np.float64)
    cens = np.asarray(cols["cens"], dtype=bool)
    del cols
    if len(t) > 1:
        dg, dt, du = np.diff(group), np.diff(t), np.diff(u)
        if not ((dg > 0) | ((dg == 0) & ((dt > 0) | ((dt == 0) & (du >= 0))))).all():  # else sorted already
            order = np.lexsort((u, t, group))
            group, t, u, gl, cens = group[order], t[order], u[order], gl[order], cens[order]
        new = np.r_[True, (np.diff(group) != 0) | (np.diff(u) != 0)]
        if not new.all():  # the same instant from two sources or devices: one reading, their mean
            key = np.cumsum(new) - 1
            gl = np.bincount(key, weights=gl) / np.bincount(key)
            cens = np.bincount(key, weights=cens.astype(np.float64)) > 0
            group, t = group[new], t[new]
    return Readings(labels, group.astype(np.int64), t, gl, cens)


def load(
    source: Settings | LakePaths,
    subject: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Readings:
    """CGM readings from a lake (silver ``glucose_readings``); see :func:`from_connection`."""
    from biolake.lake.catalog import open_catalog

    con = open_catalog(lake_paths(source))
    try:
        return from_connection(con, subject=subject, start=start, end=end)
    finally:
        con.close()


def cgm_days(source: Settings | LakePaths, subject: str) -> tuple[date, date] | None:
    """The first and last local dates with a CGM reading of ``subject`` (None when there is none)."""
    from biolake.lake.catalog import open_catalog

    where, params = _where(subject, None, None)
    con = open_catalog(lake_paths(source))
    try:
        row = con.execute(
            f"SELECT min(local_date), max(local_date) FROM glucose_readings WHERE {where}", params
        )
        first, last = row.fetchone() or (None, None)
    finally:
        con.close()
    return None if first is None else (first, last)


def lake_paths(source: Settings | LakePaths) -> LakePaths:
    """The lake of ``source`` (Settings or LakePaths)."""
    from biolake.lake.paths import LakePaths

    return source if isinstance(source, LakePaths) else LakePaths.at(source.lake)
