"""Glucose insights where CGM data exists (silver glucose_readings, nutrition_entries; gold.daily_summary):

- ``glucose_sleep``: hours asleep against the mean glucose of the night's 00:00–06:00 (Spearman);
- ``glucose_exercise``: daily mean glucose on training days against rest days (Mann-Whitney, rank-biserial r);
- ``glucose_meals``: per logged meal with a known time, carbohydrate against the glucose rise (maximum in the
  2 h after the meal − mean of the 20 min before; Spearman and the OLS slope in mg/dL per g).

Kept small on purpose: they read silver and daily_summary until the glucose marts take over."""

from __future__ import annotations

from typing import TYPE_CHECKING

from biolake.insights.base import BaseAnalyzer, Chart, Result, verdict_of
from biolake.insights.data import LakeData
from biolake.insights.frames import floats, inside, numeric
from biolake.insights.narrate import association, stats_text
from biolake.insights.stats import correlation, mann_whitney, ols_slope

if TYPE_CHECKING:
    import pandas as pd


class GlucoseSleep(BaseAnalyzer):
    name = "glucose_sleep"
    title = "Sleep and overnight glucose"
    min_n = 14

    def load(self, data: LakeData) -> pd.DataFrame:
        return data.frame(
            f"""
            WITH night AS (
                SELECT local_date AS date_day, avg(glucose_mgdl) AS overnight_glucose_mgdl,
                       count(*) AS readings
                FROM glucose_readings
                WHERE subject_id = $subject AND hour(local_ts) < 6 AND glucose_mgdl IS NOT NULL
                GROUP BY local_date HAVING count(*) >= 36
            )
            SELECT d.date_day, d.sleep_hours, d.sleep_score, n.overnight_glucose_mgdl
            FROM gold.daily_summary d JOIN night n USING (date_day)
            WHERE {data.where("d.date_day").replace("subject_id", "d.subject_id")}
            ORDER BY d.date_day
            """
        )

    def analyze(self, frame: pd.DataFrame) -> Result:
        hours, glucose = numeric(frame, "sleep_hours"), numeric(frame, "overnight_glucose_mgdl")
        n = int((hours.notna() & glucose.notna()).sum())
        if n < self.min_n:
            return self.thin(n, "nights with sleep and at least 3 h of CGM readings")
        main = correlation(hours, glucose, "spearman", "hours asleep vs overnight mean glucose")
        findings = [
            main,
            correlation(
                numeric(frame, "sleep_score"), glucose, "spearman", "sleep score vs overnight mean glucose"
            ),
        ]
        return Result(self.name, self.title, verdict_of(main, 0.1), n, findings)

    def describe(self, result: Result) -> str:
        return association(result.findings[0], "hours asleep", "overnight glucose (00:00–06:00)", "Nights")


class GlucoseExercise(BaseAnalyzer):
    name = "glucose_exercise"
    title = "Exercise and glucose"
    columns = ("tss", "glucose_mean_mgdl", "tir_70_180_pct")
    min_n = 14

    def analyze(self, frame: pd.DataFrame) -> Result:
        f = inside(frame)
        glucose, tss = numeric(f, "glucose_mean_mgdl"), numeric(f, "tss")
        n = int(glucose.notna().sum())
        if n < self.min_n:
            return self.thin(n, "days with CGM data")
        trained = tss > 0
        main = mann_whitney(glucose[trained], glucose[~trained], "mean glucose, training days vs rest days")
        findings = [main, correlation(tss, glucose, "spearman", "day's TSS vs mean glucose")]
        summary = {
            "training_day_median_mgdl": round(float(glucose[trained].median()), 1) if trained.any() else None,
            "rest_day_median_mgdl": round(float(glucose[~trained].median()), 1) if (~trained).any() else None,
        }
        return Result(self.name, self.title, verdict_of(main, 0.1), n, findings, summary)

    def describe(self, result: Result) -> str:
        s = result.summary
        main = result.findings[0]
        head = (
            "Mean glucose differed between training and rest days"
            if result.verdict == "signal"
            else "No clear difference in mean glucose between training and rest days"
        )
        return (
            f"{head}: median {s['training_day_median_mgdl']} vs {s['rest_day_median_mgdl']} mg/dL "
            f"({stats_text(main)}). "
            "Training days differ from rest days in other ways too (meals, sleep), so this is an association."
        )


class GlucoseMeals(BaseAnalyzer):
    name = "glucose_meals"
    title = "Meal carbohydrate and glucose response"
    min_n = 20

    def load(self, data: LakeData) -> pd.DataFrame:
        return data.frame(
            f"""
            WITH meals AS (
                SELECT ts_utc, local_date AS date_day, sum(carbs_g) AS carbs_g
                FROM nutrition_entries
                WHERE {data.where("local_date")} AND time_known AND carbs_g IS NOT NULL
                GROUP BY ts_utc, local_date
            ),
            g AS (
                SELECT ts_utc, glucose_mgdl FROM glucose_readings
                WHERE subject_id = $subject AND glucose_mgdl IS NOT NULL
            )
            SELECT m.date_day, m.ts_utc, m.carbs_g,
                   max(g.glucose_mgdl) FILTER (WHERE g.ts_utc > m.ts_utc)
                     - avg(g.glucose_mgdl) FILTER (WHERE g.ts_utc <= m.ts_utc) AS rise_mgdl,
                   date_diff('minute', m.ts_utc,
                             arg_max(g.ts_utc, g.glucose_mgdl) FILTER (WHERE g.ts_utc > m.ts_utc))
                     AS minutes_to_peak,
                   count(*) FILTER (WHERE g.ts_utc <= m.ts_utc) AS readings_before,
                   count(*) FILTER (WHERE g.ts_utc > m.ts_utc) AS readings_after
            FROM meals m
            JOIN g ON g.ts_utc BETWEEN m.ts_utc - INTERVAL 20 MINUTE AND m.ts_utc + INTERVAL 2 HOUR
            GROUP BY m.date_day, m.ts_utc, m.carbs_g
            HAVING readings_before >= 2 AND readings_after >= 18
            ORDER BY m.ts_utc
            """
        )

    def analyze(self, frame: pd.DataFrame) -> Result:
        carbs, rise = numeric(frame, "carbs_g"), numeric(frame, "rise_mgdl")
        n = int((carbs.notna() & rise.notna()).sum())
        if n < self.min_n:
            return self.thin(n, "timed meals with CGM readings around them")
        main = correlation(carbs, rise, "spearman", "meal carbohydrate vs glucose rise")
        slope = ols_slope(carbs, rise, "glucose rise per gram of carbohydrate", "mg/dL per g")
        summary = {
            "median_rise_mgdl": round(float(rise.median()), 1),
            "median_minutes_to_peak": round(float(numeric(frame, "minutes_to_peak").median()), 0),
        }
        chart = Chart(
            "scatter", "carbohydrate (g)", "glucose rise (mg/dL)", floats(carbs), {"rise": floats(rise)}
        )
        return Result(self.name, self.title, verdict_of(main, 0.1), n, [main, slope], summary, chart)

    def describe(self, result: Result) -> str:
        main, slope = result.findings
        s = result.summary
        return (
            association(main, "carbohydrate", "glucose rises after the meal", "Meals")
            + f" Each gram went with {stats_text(slope)}; median rise {s['median_rise_mgdl']} mg/dL, "
            f"peak after a median {s['median_minutes_to_peak']:.0f} min."
        )
