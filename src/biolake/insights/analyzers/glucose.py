"""Glucose insights where CGM data exists, on the glucose marts of :mod:`biolake.glucose` (docs/glucose.md):

- ``glucose_sleep``: hours asleep against the mean CGM glucose of the night's 00:00–06:00 (Spearman); no
  mart holds an overnight window, so this one averages silver CGM readings (``reading_kind = 'cgm'``, as
  the library reads them);
- ``glucose_exercise``: the day's mean glucose (gold ``glucose_daily``) on training days against rest days
  (Mann-Whitney, rank-biserial r), and against the day's TSS;
- ``glucose_meals``: per logged meal with a known time (gold ``meal_glucose_response``), carbohydrate
  against the glucose rise: peak within 2 h on the 5-minute trace − mean of the 30 min before (Spearman
  and the OLS slope in mg/dL per g)."""

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
                WHERE subject_id = $subject AND reading_kind = 'cgm' AND hour(local_ts) < 6
                  AND glucose_mgdl IS NOT NULL
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
    min_n = 14

    def load(self, data: LakeData) -> pd.DataFrame:
        inside = "d.date_day >= $start::DATE" if data.start is not None else "true"
        return data.frame(
            f"""
            SELECT d.date_day, d.tss, g.mean_mgdl AS glucose_mean_mgdl, g.tir_70_180_pct,
                   {inside} AS in_range
            FROM gold.daily_summary d
            LEFT JOIN gold.glucose_daily g ON g.subject_id = d.subject_id AND g.local_date = d.date_day
            WHERE {data.where("d.date_day").replace("subject_id", "d.subject_id")}
            ORDER BY d.date_day
            """
        )

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
            SELECT local_date AS date_day, meal_local, carbs_g, peak_rise_mgdl AS rise_mgdl,
                   time_to_peak_min AS minutes_to_peak
            FROM gold.meal_glucose_response
            WHERE {data.where("local_date")} AND carbs_g IS NOT NULL AND peak_rise_mgdl IS NOT NULL
            ORDER BY meal_local
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
