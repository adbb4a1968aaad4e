"""Oura API v2 responses for the demo: one page per endpoint, ``{"data": [...], "next_token": null}``.

Endpoints written (shapes from the official OpenAPI document): ``daily_readiness``, ``daily_sleep``,
``daily_activity``, ``sleep``, ``daily_spo2`` and ``workout``. On a day the ring was not worn,
readiness and sleep are returned with ``score: null`` (contributors and temperatures null) and the other
endpoints have no record for that day. Timestamps carry the offset in force (the trip shows as +02:00).
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from biolake.demo.model import Day, Night, Profile
from biolake.demo.timeline import DAY_S, Timeline, local_to_utc

ENDPOINTS = ("daily_readiness", "daily_sleep", "daily_activity", "sleep", "daily_spo2", "workout")
NAMESPACE = uuid.UUID("6f0d3b6e-1c1e-4d43-9a55-2f4b1d0b0a11")
PHASE = {"deep": "1", "light": "2", "rem": "3", "awake": "4"}
READINESS_KEYS = (
    "activity_balance",
    "body_temperature",
    "hrv_balance",
    "previous_day_activity",
    "previous_night",
    "recovery_index",
    "resting_heart_rate",
    "sleep_balance",
    "sleep_regularity",
)
SLEEP_KEYS = ("deep_sleep", "efficiency", "latency", "rem_sleep", "restfulness", "timing", "total_sleep")


class Writer:
    """Builds the records of every endpoint from the simulated days."""

    def __init__(self, profile: Profile, tl: Timeline, days: list[Day], rng: random.Random) -> None:
        self.p, self.tl, self.days, self.rng = profile, tl, days, rng
        # Patterns of per-minute METs while awake and sitting/pottering, stitched to build a day.
        self.idle = [[round(rng.uniform(1.0, 1.9), 1) for _ in range(60)] for _ in range(12)]

    def _id(self, endpoint: str, key: object) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.p.subject_id}/{endpoint}/{key}"))

    def _midnight(self, day: Day, hour: int = 0) -> str:
        return self.tl.iso(local_to_utc(day.date, hour * 60, day.zone))

    def _temps(self, i: int) -> tuple[float, float]:
        day = self.days[i]
        recent = [d.temp_dev for d in self.days[max(0, i - 2) : i + 1]]
        base = [d.temp_dev for d in self.days[max(0, i - 14) : i + 1]]
        return round(day.temp_dev, 2), round(sum(recent) / len(recent) - sum(base) / len(base), 2)

    def readiness(self, i: int, day: Day) -> dict[str, Any]:
        temp, trend = self._temps(i) if day.ring else (None, None)
        return {
            "id": self._id("daily_readiness", day.date),
            "contributors": {k: day.readiness_contrib[k] if day.ring else None for k in READINESS_KEYS},
            "day": day.date.isoformat(),
            "score": day.readiness if day.ring else None,
            "temperature_deviation": temp,
            "temperature_trend_deviation": trend,
            "timestamp": self._midnight(day),
        }

    def daily_sleep(self, day: Day) -> dict[str, Any]:
        return {
            "id": self._id("daily_sleep", day.date),
            "contributors": {k: day.sleep_contrib[k] if day.ring else None for k in SLEEP_KEYS},
            "day": day.date.isoformat(),
            "score": day.sleep_score if day.ring else None,
            "timestamp": self._midnight(day),
        }

    def activity(self, i: int, day: Day) -> dict[str, Any]:
        rng = self.rng
        met = self._met(day)
        counts = Counter(met)
        spent = dict.fromkeys("12345", (0, 0.0))
        for value, n in counts.items():
            c = _met_class(value)
            spent[c] = (spent[c][0] + n, spent[c][1] + value * n)
        resting, sedentary, low, medium, high = (spent[c] for c in "12345")
        steps = int(day.steps * rng.uniform(0.95, 1.05))
        active = int(day.active_kcal * rng.uniform(0.9, 1.1))
        week = self.days[max(0, i - 6) : i + 1]
        trained = sum(1 for d in week if d.rides)
        return {
            "id": self._id("daily_activity", day.date),
            "class_5_min": "".join(_met_class(m) for m in met[2::5]),
            "score": day.activity_score,
            "active_calories": active,
            "average_met_minutes": round(sum(v for _, v in spent.values()) / len(met), 4),
            "contributors": {
                "meet_daily_targets": max(1, min(100, 40 + 10 * sum(1 for d in week if d.active_kcal > 450))),
                "move_every_hour": max(1, 100 - 5 * rng.randint(0, 4)),
                "recovery_time": max(1, min(100, 60 + 10 * (7 - trained))),
                "stay_active": max(1, min(100, 100 - sedentary[0] // 12)),
                "training_frequency": max(1, min(100, 40 + 15 * trained)),
                "training_volume": max(1, min(100, 30 + int(sum(d.load_kj for d in week) / 40))),
            },
            "day": day.date.isoformat(),
            "equivalent_walking_distance": int(steps * 0.78 + active * 6),
            "high_activity_met_minutes": int(high[1]),
            "high_activity_time": high[0] * 60,
            "inactivity_alerts": rng.randint(0, 3),
            "low_activity_met_minutes": int(low[1]),
            "low_activity_time": low[0] * 60,
            "medium_activity_met_minutes": int(medium[1]),
            "medium_activity_time": medium[0] * 60,
            "met": {"interval": 60.0, "items": met, "timestamp": self._midnight(day, 4)},
            "meters_to_target": max(0, 9000 - int(steps * 0.78)),
            "non_wear_time": 0,
            "resting_time": resting[0] * 60,
            "sedentary_met_minutes": int(sedentary[1]),
            "sedentary_time": sedentary[0] * 60,
            "steps": steps,
            "target_calories": 550,
            "target_meters": 9000,
            "timestamp": self._midnight(day, 4),
            "total_calories": active + int(self.p.weight_lb * 0.4536 * 22),
        }

    def _met(self, day: Day) -> list[float]:
        """Per-minute METs from 04:00 local: asleep 0.9, awake stitched idle patterns, workouts higher."""
        start = local_to_utc(day.date, 4 * 60, day.zone)
        n = DAY_S // 60
        met: list[float] = []
        for _ in range(n // 60):
            met += self.idle[self.rng.randrange(len(self.idle))]
        spans = [(day.night.bedtime, day.night.wake, 0.9)]
        spans += [(r.start, r.end, round(1.5 + 12 * r.intensity, 1) if r.kj else 3.5) for r in day.rides]
        if day.walk:
            spans.append((day.walk[0], day.walk[1], 3.8))
        for s, e, value in spans:
            a, b = max(0, (s - start) // 60), min(n, (e - start) // 60)
            if a < b:
                met[a:b] = [value] * (b - a)
        return met

    def sleep(self, night: Night, day: Day, period: int, ready: dict[str, Any] | None) -> dict[str, Any]:
        rng, iso = self.rng, self.tl.iso
        slots = (night.wake - night.bedtime) // 300
        phases, k = [], 0
        for j in range(slots):
            mid = night.bedtime + j * 300 + 150
            while k < len(night.stages) and night.stages[k][2] <= mid:
                k += 1
            inside = k < len(night.stages) and night.stages[k][1] <= mid
            phases.append(PHASE[night.stages[k][0]] if inside else "4")
        r = rng.random
        hr = [None if r() < 0.04 else float(round(night.avg_hr + (r() + r() - 1) * 6)) for _ in range(slots)]
        hrv = [
            None if r() < 0.06 else float(round(max(8.0, night.avg_hrv + (r() + r() - 1) * 20)))
            for _ in range(slots)
        ]
        asleep = night.asleep_s
        record: dict[str, Any] = {
            "id": self._id("sleep", night.bedtime),
            "average_breath": round(night.avg_breath, 3),
            "average_heart_rate": round(night.avg_hr, 3),
            "average_hrv": int(night.avg_hrv),
            "awake_time": night.in_bed_s - asleep,
            "bedtime_end": iso(night.wake),
            "bedtime_start": iso(night.bedtime),
            "day": day.date.isoformat(),
            "deep_sleep_duration": night.total("deep"),
            "efficiency": round(100 * asleep / night.in_bed_s),
            "heart_rate": {"interval": 300.0, "items": hr, "timestamp": iso(night.bedtime)},
            "hrv": {"interval": 300.0, "items": hrv, "timestamp": iso(night.bedtime)},
            "latency": night.latency_s,
            "light_sleep_duration": night.total("light"),
            "low_battery_alert": False,
            "lowest_heart_rate": int(night.lowest_hr),
            "movement_30_sec": None,
            "period": period,
            "readiness": None,
            "readiness_score_delta": None,
            "rem_sleep_duration": night.total("rem"),
            "restless_periods": sum(1 for s in night.stages if s[0] == "awake") * 3 + rng.randint(0, 6),
            "sleep_phase_5_min": "".join(phases),
            "sleep_score_delta": None,
            "sleep_algorithm_version": "v2",
            "time_in_bed": night.in_bed_s,
            "total_sleep_duration": asleep,
            "type": night.kind,
        }
        if ready is not None:
            record["readiness"] = {
                "contributors": ready["contributors"],
                "score": ready["score"],
                "temperature_deviation": ready["temperature_deviation"],
                "temperature_trend_deviation": ready["temperature_trend_deviation"],
            }
        return record

    def spo2(self, day: Day) -> dict[str, Any]:
        return {
            "id": self._id("daily_spo2", day.date),
            "breathing_disturbance_index": self.rng.randint(0, 8),
            "day": day.date.isoformat(),
            "spo2_percentage": {"average": round(self.rng.uniform(95.2, 98.4), 3)},
        }

    def workouts(self, day: Day) -> Iterator[dict[str, Any]]:
        rng, iso = self.rng, self.tl.iso
        found = [
            (r.start, r.end, "cycling", r.kcal, r.intensity) for r in day.rides if r.kj and rng.random() < 0.8
        ]
        if day.walk and rng.random() < 0.6:
            found.append((day.walk[0], day.walk[1], "walking", (day.walk[1] - day.walk[0]) / 60 * 4.5, 0.4))
        for s, e, activity, kcal, intensity in found:
            start = s + rng.randint(-120, 120)
            yield {
                "id": self._id("workout", start),
                "activity": activity,
                "calories": round(kcal * rng.uniform(0.8, 1.1), 3),
                "day": day.date.isoformat(),
                "distance": None if activity == "cycling" else round((e - s) / 3600 * 5400, 1),
                "end_datetime": iso(e + rng.randint(-120, 120)),
                "intensity": "hard" if intensity >= 0.78 else "moderate" if intensity >= 0.62 else "easy",
                "label": None,
                "source": "autodetected",
                "start_datetime": iso(start),
            }


def _met_class(met: float) -> str:
    """Oura's 5-minute activity class: 0 non-wear, 1 rest, 2 inactive, 3 low, 4 medium, 5 high."""
    return "1" if met < 1.05 else "2" if met < 1.5 else "3" if met < 3 else "4" if met < 6 else "5"


def write_oura(
    folder: Path, profile: Profile, tl: Timeline, days: list[Day], rng: random.Random
) -> dict[str, int]:
    """Write one ``<endpoint>.json`` page per endpoint into ``folder``; return records per endpoint."""
    w = Writer(profile, tl, days, rng)
    pages: dict[str, list[dict[str, Any]]] = {e: [] for e in ENDPOINTS}
    for i, day in enumerate(days):
        ready = w.readiness(i, day)
        pages["daily_readiness"].append(ready)
        pages["daily_sleep"].append(w.daily_sleep(day))
        if not day.ring:
            continue
        pages["daily_activity"].append(w.activity(i, day))
        pages["sleep"].append(w.sleep(day.night, day, 0, ready))
        if day.nap is not None:
            pages["sleep"].append(w.sleep(day.nap, day, 1, None))
        pages["daily_spo2"].append(w.spo2(day))
        pages["workout"].extend(w.workouts(day))
    folder.mkdir(parents=True, exist_ok=True)
    for endpoint, data in pages.items():
        text = json.dumps({"data": data, "next_token": None}, separators=(",", ":"))
        (folder / f"{endpoint}.json").write_text(text + "\n", encoding="utf-8")
    return {e: len(d) for e, d in pages.items()}
