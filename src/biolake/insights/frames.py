"""Small frame helpers shared by the analyzers."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    """A column as float (NULL → NaN)."""
    import pandas as pd

    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def inside(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows inside the requested range (``in_range``), when the frame has padding rows."""
    if "in_range" not in frame.columns:
        return frame
    return frame[frame["in_range"].astype(bool)]


def days(frame: pd.DataFrame, column: str = "date_day") -> list[str]:
    """ISO dates of a date column, for chart data."""
    import pandas as pd

    return [d.isoformat() for d in pd.to_datetime(frame[column]).dt.date]


def floats(series: pd.Series) -> list[float | None]:
    """Chart values: floats rounded to 4 significant decimals, None for missing."""
    import math

    return [
        None if v is None or (isinstance(v, float) and math.isnan(v)) else round(float(v), 4) for v in series
    ]
