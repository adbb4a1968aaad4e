"""The analyzers by name, and running them into the documented JSON shape (``docs/insights.md``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from biolake.insights.analyzers.anomalies import Anomalies
from biolake.insights.analyzers.glucose import GlucoseExercise, GlucoseMeals, GlucoseSleep
from biolake.insights.analyzers.intensity_recovery import IntensityRecovery
from biolake.insights.analyzers.nutrition import Nutrition
from biolake.insights.analyzers.progressive_overload import ProgressiveOverload
from biolake.insights.analyzers.readiness_trend import ReadinessTrend
from biolake.insights.analyzers.recovery_windows import RecoveryWindows
from biolake.insights.analyzers.sleep_architecture import SleepArchitecture
from biolake.insights.analyzers.sleep_readiness import SleepReadiness
from biolake.insights.analyzers.temperature import Temperature
from biolake.insights.analyzers.training_load import TrainingLoad
from biolake.insights.analyzers.workout_type import WorkoutType
from biolake.insights.base import SCHEMA, Analyzer
from biolake.insights.data import InsightError, LakeData

ANALYZERS: dict[str, Analyzer] = {
    a.name: a
    for a in (
        SleepReadiness(),
        WorkoutType(),
        ReadinessTrend(),
        Anomalies(),
        IntensityRecovery(),
        TrainingLoad(),
        ProgressiveOverload(),
        RecoveryWindows(),
        Temperature(),
        SleepArchitecture(),
        Nutrition(),
        GlucoseSleep(),
        GlucoseExercise(),
        GlucoseMeals(),
    )
}


def select(names: list[str] | None) -> list[Analyzer]:
    """The analyzers named (all when none), in the registry's order; unknown names are an error."""
    if not names:
        return list(ANALYZERS.values())
    unknown = [n for n in names if n not in ANALYZERS]
    if unknown:
        raise InsightError(f"unknown insight {', '.join(unknown)} (known: {', '.join(ANALYZERS)})")
    return [ANALYZERS[n] for n in ANALYZERS if n in names]


def run_insights(data: LakeData, names: list[str] | None = None) -> dict[str, Any]:
    """Run the selected analyzers over ``data``: the JSON document of ``docs/insights.md``."""
    results = []
    for analyzer in select(names):
        result = analyzer.analyze(analyzer.load(data))
        results.append(result.to_dict(analyzer.narrate(result)))
    return {
        "schema": SCHEMA,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "subject_id": data.subject,
        "from": data.start.isoformat() if data.start else None,
        "to": data.end.isoformat() if data.end else None,
        "results": results,
    }
