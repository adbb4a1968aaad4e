"""Wall-clock times without an offset → UTC instants, in DuckDB SQL, with a documented DST policy.

Exports such as Dexcom Clarity, LibreView and research ``id,time,gl`` files write local wall time with
no offset. We read them in the subject's zone (``--tz`` or the configured ``timezone``):

* **Spring-forward gap** (e.g. 02:30 on the night clocks jump 02:00→03:00): the time does not exist;
  it is read with the offset in force before the jump, i.e. moved forward (02:30 EST = 03:30 EDT).
  This is what the reading device's clock shows if it had not yet switched, and what Python's
  ``zoneinfo`` does with ``fold=0``.
* **Fall-back repeat** (01:00–01:59 happens twice): a time is the *first* occurrence (daylight time)
  until the file's own row order shows the clock going back within that local day; from that row on,
  repeated times are the *second* occurrence (standard time). Devices log in time order, so the jump
  back in the file is the moment the clock was turned back.

The policy works for any zone whose transitions are at most three hours apart from the previous one.
"""

from __future__ import annotations


def localize_sql(inner: str, tz: str = "getvariable('tz')") -> str:
    """Wrap ``inner`` (a query with ``local_ts TIMESTAMP``, ``subject_id`` and ``row_idx`` columns) so it
    also returns ``ts_utc TIMESTAMPTZ`` and ``local_date DATE`` under the policy above. ``tz`` is a SQL
    expression giving the IANA zone name."""
    return f"""
    WITH _raw AS ({inner}),
    _cand AS (
        SELECT *,
            timezone({tz}, local_ts) AS _late,
            timezone({tz}, local_ts - INTERVAL 3 HOUR) + INTERVAL 3 HOUR AS _early
        FROM _raw
    ),
    _amb AS (
        SELECT *,
            (local_ts IS NOT NULL AND _early <> _late
             AND CAST(timezone({tz}, _early) AS TIMESTAMP) = local_ts) AS _ambiguous
        FROM _cand
    ),
    _jump AS (
        SELECT *,
            coalesce(_ambiguous AND lag(local_ts) OVER (
                PARTITION BY subject_id, _ambiguous, CAST(local_ts AS DATE) ORDER BY row_idx
            ) > local_ts, false) AS _went_back
        FROM _amb
    ),
    _fold AS (
        SELECT *,
            bool_or(_went_back) OVER (
                PARTITION BY subject_id, _ambiguous, CAST(local_ts AS DATE) ORDER BY row_idx
                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
            ) AS _second
        FROM _jump
    )
    SELECT * EXCLUDE (_late, _early, _ambiguous, _went_back, _second),
        CASE WHEN _ambiguous AND NOT _second THEN _early ELSE _late END AS ts_utc,
        CAST(local_ts AS DATE) AS local_date
    FROM _fold
    """
