"""Shared helpers of the glucose tests: the iglu 5-subject lake and readings built from minutes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from biolake.glucose.readings import Readings, from_arrays

IGLU = Path(__file__).parent / "fixtures" / "iglu"
IGLU_DATA = IGLU / "iglu_python_tests_example_data_5_subject.csv"
# the file's times are naive EST wall-clock times: a zone without DST keeps them as they are
IGLU_TZ = "Etc/GMT+5"
T0 = np.datetime64("2024-03-01T00:00", "m")


def readings(
    minutes: Sequence[float], glucose: Sequence[float], ids: Sequence[str] | None = None
) -> Readings:
    """Readings of subject ``a`` (or ``ids``) at ``minutes`` after 2024-03-01 00:00."""
    times = T0 + np.array([round(m * 60) for m in minutes], dtype="timedelta64[s]")
    return from_arrays(list(ids) if ids is not None else ["a"] * len(glucose), times, glucose)


def iglu_lake(root: Path) -> Path:
    """A lake holding the iglu 5-subject data, ingested through the generic id,time,gl source."""
    from biolake.config import load_settings
    from biolake.lake.ingest import ingest

    lake = root / "iglu-lake"
    settings = load_settings(lake=lake, environ={}, cwd=root).with_overrides(timezone=IGLU_TZ)
    results = ingest(settings, [IGLU_DATA])
    assert [r.status for r in results] == ["imported"], [(r.file, r.error) for r in results]
    return lake
