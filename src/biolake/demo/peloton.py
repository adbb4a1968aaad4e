"""Peloton workouts CSV for the demo (the members page's download, imperial account).

The header is the imperial one, exactly. Timestamps are ``2026-03-01 06:12 (-05)`` in the zone in force
(``(+02)`` on the trip); resistance is ``41%``; strength and stretching classes leave the output columns
blank; the heart-rate column is blank because no strap is paired (the watch's heart rate is in Apple
Health). Total Output is kJ = average watts × seconds / 1000.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from biolake.demo.apple_health import _mph
from biolake.demo.model import Day, Ride
from biolake.demo.timeline import Timeline

HEADER = (
    "Workout Timestamp",
    "Live/On-Demand",
    "Instructor Name",
    "Length (minutes)",
    "Fitness Discipline",
    "Type",
    "Title",
    "Class Timestamp",
    "Total Output",
    "Avg. Watts",
    "Avg. Resistance",
    "Avg. Cadence (RPM)",
    "Avg. Speed (mph)",
    "Distance (mi)",
    "Calories Burned",
    "Avg. Heartrate",
    "Avg. Incline",
    "Avg. Pace (min/mi)",
)


def row(ride: Ride, tl: Timeline, rng: random.Random) -> list[str]:
    """One CSV row for ``ride``."""
    cycling = ride.discipline == "Cycling"
    mph = _mph(ride.watts)
    return [
        tl.peloton(ride.start),
        "Live" if ride.live else "On Demand",
        ride.instructor,
        str(ride.minutes),
        ride.discipline,
        ride.class_type,
        ride.title,
        tl.peloton(ride.aired),
        f"{round(ride.kj)}" if cycling else "",
        f"{round(ride.watts)}" if cycling else "",
        f"{round(25 + 40 * ride.intensity + rng.uniform(-3, 3))}%" if cycling else "",
        f"{round(rng.uniform(76, 92))}" if cycling else "",
        f"{mph:.2f}" if cycling else "",
        f"{mph * ride.minutes / 60:.2f}" if cycling else "",
        f"{round(ride.kcal)}",
        "",
        "",
        "",
    ]


def write_peloton(path: Path, tl: Timeline, days: list[Day], rng: random.Random) -> int:
    """Write the workouts CSV (oldest first); return the number of workouts."""
    n = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(HEADER)
        for day in days:
            for ride in day.rides:
                out.writerow(row(ride, tl, rng))
                n += 1
    return n
