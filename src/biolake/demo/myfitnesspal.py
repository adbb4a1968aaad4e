"""MyFitnessPal export zip for the demo (imperial account): nutrition, exercise and measurements.

``Nutrition-Summary-<start>-to-<end>.csv`` uses the shape with a ``Time`` column (``07:32 AM``) and one row
per food entry, so meal times are known; ``Exercise-Summary`` lists the Peloton classes MyFitnessPal
imported and the Apple Health step adjustment (its name in literal quotes, as MyFitnessPal writes it);
``Measurement-Summary`` holds weight in pounds (the unit is not in the file). Times are local wall time
with no offset: one zip is written per time-zone stay, to be ingested with that stay's zone.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

from biolake.demo.model import Day
from biolake.demo.timeline import Timeline

NUTRITION = [
    "Date",
    "Meal",
    "Time",
    "Calories",
    "Fat (g)",
    "Saturated Fat",
    "Polyunsaturated Fat",
    "Monounsaturated Fat",
    "Trans Fat",
    "Cholesterol",
    "Sodium (mg)",
    "Potassium",
    "Carbohydrates (g)",
    "Fiber",
    "Sugar",
    "Protein (g)",
    "Vitamin A",
    "Vitamin C",
    "Calcium",
    "Iron",
    "Note",
]
EXERCISE = [
    "Date",
    "Exercise",
    "Type",
    "Exercise Calories",
    "Exercise Minutes",
    "Sets",
    "Reps Per Set",
    "Pounds",
    "Steps",
    "Note",
]
MEASUREMENT = ("Date", "Weight")
MEAL_ORDER = {"Breakfast": 0, "Lunch": 1, "Dinner": 2, "Snacks": 3}


def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode()


def _g(x: float) -> str:
    return f"{x:.1f}"


def nutrition_rows(days: list[Day], tl: Timeline, window: tuple[int, int]) -> list[list[str]]:
    rows = [NUTRITION]
    lo, hi = window
    entries = [
        (tl.date_text(m.t), MEAL_ORDER[m.name], m)
        for d in days
        for m in d.meals
        if m.logged and lo <= m.t < hi
    ]
    for when, _, meal in sorted(entries, key=lambda e: (e[0], e[1], e[2].t)):
        for food, n in meal.foods:
            unsat = max(0.0, food.fat - food.saturated) * n
            rows.append(
                [
                    when,
                    meal.name,
                    tl.clock_12h(meal.t),
                    _g(food.kcal * n),
                    _g(food.fat * n),
                    _g(food.saturated * n),
                    _g(unsat * 0.3),
                    _g(unsat * 0.6),
                    "0.0",
                    _g(food.cholesterol * n),
                    _g(food.sodium * n),
                    _g(food.potassium * n),
                    _g(food.carbs * n),
                    _g(food.fiber * n),
                    _g(food.sugar * n),
                    _g(food.protein * n),
                    _g(food.vitamin_a * n),
                    _g(food.vitamin_c * n),
                    _g(food.calcium * n),
                    _g(food.iron * n),
                    "",
                ]
            )
    return rows


def exercise_rows(days: list[Day], window: tuple[int, int]) -> list[list[str]]:
    rows = [EXERCISE]
    for day in days:
        if not day.mfp_logged or not window[0] <= day.night.wake < window[1]:
            continue
        when = day.date.isoformat()
        for ride in day.rides:
            if ride.discipline == "Cycling":
                rows.append(
                    [
                        when,
                        "Peloton Cycling",
                        "Cardio",
                        str(round(ride.kcal)),
                        str(ride.minutes),
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
            elif ride.discipline == "Strength":
                rows.append([when, "Dumbbell Shoulder Press", "Strength", "0", "", "3", "10", "25", "", ""])
        if day.steps > 8000:
            adjustment = round((day.steps - 8000) * 0.04)
            rows.append(
                [
                    when,
                    '"Apple Health calorie adjustment"',
                    "Cardio",
                    str(adjustment),
                    "0",
                    "",
                    "",
                    "",
                    str(day.steps),
                    "",
                ]
            )
    return rows


def measurement_rows(days: list[Day], tl: Timeline, window: tuple[int, int]) -> list[list[str]]:
    rows = [list(MEASUREMENT)]
    weights = [d.weigh_in for d in days if d.weigh_in is not None and window[0] <= d.weigh_in[0] < window[1]]
    rows += [[tl.date_text(t), f"{lb:.1f}"] for t, lb in weights]
    return rows


def write_myfitnesspal(
    folder: Path, tl: Timeline, days: list[Day], window: tuple[int, int]
) -> tuple[Path | None, dict[str, int]]:
    """Write ``File-Export-<start>-to-<end>.zip`` with what was logged between the instants ``window``
    into ``folder``; return it (None if nothing was logged) and the row counts."""
    start, end = tl.date_text(window[0]), tl.date_text(window[1] - 1)
    span = f"{start}-to-{end}"
    members = {
        f"Nutrition-Summary-{span}.csv": nutrition_rows(days, tl, window),
        f"Exercise-Summary-{span}.csv": exercise_rows(days, window),
        f"Measurement-Summary-{span}.csv": measurement_rows(days, tl, window),
    }
    members = {
        name: rows for name, rows in members.items() if len(rows) > 1
    }  # MyFitnessPal omits empty reports
    last = date.fromisoformat(end)
    if not members:
        return None, {}
    path = folder / f"File-Export-{span}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, rows in members.items():
            info = zipfile.ZipInfo(name, date_time=(last.year, last.month, last.day, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, _csv(rows))
    counts = {name.split("-Summary")[0].lower(): len(rows) - 1 for name, rows in members.items()}
    return path, counts
