"""Temperature deviation trend and illness flags: the Theil-Sen slope of the nightly temperature deviation
over the last 14 days (°C per week), the days gold.temperature_trends flags (illness_alert / illness_signal:
raised temperature with resting HR or HRV off baseline), and readiness on flagged days against the others
(Mann-Whitney, rank-biserial r)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.analyzers.readiness_trend import per_week
from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.data import LakeData
from biolake.insights.frames import days, floats, inside, numeric
from biolake.insights.narrate import stats_text
from biolake.insights.stats import mann_whitney, theil_sen

if TYPE_CHECKING:
    import pandas as pd

RECENT_DAYS = 14


class Temperature(BaseAnalyzer):
    name = "temperature"
    title = "Temperature deviation and illness flags"
    min_n = 7

    def load(self, data: LakeData) -> pd.DataFrame:
        inside_sql = "t.date_day >= $start::DATE" if data.start else "true"
        return data.frame(
            f"""
            SELECT t.date_day, t.temperature_deviation_c, t.temperature_deviation_3d_c, t.illness_alert,
                   t.illness_signal, d.readiness_score, {inside_sql} AS in_range
            FROM gold.temperature_trends t
            LEFT JOIN gold.daily_summary d ON d.subject_id = t.subject_id AND d.date_day = t.date_day
            WHERE {data.where("t.date_day").replace("subject_id", "t.subject_id")}
            ORDER BY t.date_day
            """
        )

    def analyze(self, frame: pd.DataFrame) -> Result:
        import pandas as pd

        f = inside(frame)
        recent = f.tail(RECENT_DAYS)
        dev = numeric(recent, "temperature_deviation_c")
        n = int(dev.notna().sum())
        if n < self.min_n:
            return self.thin(n, f"nights with a temperature deviation in the last {RECENT_DAYS} days")
        t = (pd.to_datetime(recent["date_day"]) - pd.to_datetime(recent["date_day"]).min()).dt.days.astype(
            float
        )
        main = per_week(
            theil_sen(dev, t, f"temperature deviation slope over the last {RECENT_DAYS} days"), "°C/week"
        )
        flag = f["illness_alert"].fillna(False).astype(bool) | f["illness_signal"].fillna(False).astype(bool)
        ready = numeric(f, "readiness_score")
        findings = [main, mann_whitney(ready[flag], ready[~flag], "readiness on flagged days vs other days")]
        flagged_days = [str(d)[:10] for d in f.loc[flag, "date_day"]]
        summary = {
            "flagged_days": flagged_days,
            "flag_latest": bool(flag.iloc[-1]),
            "latest_deviation_c": None
            if pd.isna(f["temperature_deviation_c"].iloc[-1])
            else round(float(f["temperature_deviation_c"].iloc[-1]), 2),
        }
        chart = Chart(
            "line",
            "day",
            "temperature deviation (°C)",
            days(f),
            {
                "deviation": floats(numeric(f, "temperature_deviation_c")),
                "deviation_3d": floats(numeric(f, "temperature_deviation_3d_c")),
            },
        )
        return Result(self.name, self.title, verdict_of(main), n, findings, summary, chart)

    def describe(self, result: Result) -> str:
        main, ready = result.findings
        s = result.summary
        trend = (
            f"Temperature deviation has been {'rising' if (main.effect or 0) > 0 else 'falling'}"
            if result.verdict == "signal"
            else "No clear temperature trend"
        )
        text = (
            f"{trend} over the last {RECENT_DAYS} days ({stats_text(main)}); "
            f"latest deviation {s['latest_deviation_c']} °C."
        )
        if s["flag_latest"]:
            text += (
                " The latest day carries an illness flag: raised temperature with resting HR or HRV "
                "off baseline."
            )
        text += f" {len(s['flagged_days'])} flagged day(s) in the range"
        if ready.effect is not None:
            text += f"; readiness on them vs other days: {stats_text(ready)}"
        return text + ". Flags are signals to watch, not a diagnosis."
