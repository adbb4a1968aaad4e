"""Naive forecasts of a daily metric for day T from its own values before T: the bars a model must clear.

* ``yesterday``: the value of T − 1 (persistence); when T − 1 is missing, the last value before it.
* ``mean_7d``: the mean of the values of T − 7 … T − 1.
* ``same_weekday``: the mean of the values of T − 7, T − 14, T − 21 and T − 28 (weekly training plans
  make the weekday informative).
* ``long_run_mean``: the mean of every value before T (climatology, the reference of skill scores in
  forecast verification: Wilks, *Statistical Methods in the Atmospheric Sciences*, ch. 9). On a target
  that is pure noise it is the best possible forecast, so a model cannot claim skill over noise by
  beating only the short-window baselines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

BASELINES = ("yesterday", "mean_7d", "same_weekday", "long_run_mean")


def baseline_forecasts(y: pd.Series) -> pd.DataFrame:
    """Every baseline's forecast for every day of ``y`` (a series on a contiguous daily calendar)."""
    import pandas as pd

    before = y.shift(1)
    same_weekday = pd.concat([y.shift(k) for k in (7, 14, 21, 28)], axis=1).mean(axis=1, skipna=True)
    return pd.DataFrame(
        {
            "yesterday": before.ffill(),
            "mean_7d": before.rolling(7, min_periods=1).mean(),
            "same_weekday": same_weekday,
            "long_run_mean": before.expanding(min_periods=1).mean(),
        },
        index=y.index,
    )
