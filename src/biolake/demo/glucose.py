"""The demo's continuous glucose: a 5-minute "true" trace and what a Dexcom G7 made of it.

The true trace is a sum of documented terms (``docs/demo.md``): the subject's baseline with a slow
wander, a circadian profile with a dawn rise (04:00–10:00 local, peak 07:00), one gamma-shaped response
per meal whose peak (after 45–60 min) is proportional to the meal's carbohydrate, a dip while riding, a
rise while ill, and nocturnal lows. Sensors then add a per-sensor bias and correlated noise, live for
10 days (occasionally failing early), need a 30-minute warm-up after a 0–90-minute change, and lose
signal now and then. Compression artefacts give the rare reading below 40 mg/dL (written ``Low``).
"""

from __future__ import annotations

import math
import random
import string
from bisect import bisect_right
from dataclasses import dataclass

from biolake.demo.model import Day, Profile
from biolake.demo.timeline import DAY_S, Timeline, local_to_utc

STEP = 300
MEAL_WINDOW = 60  # steps (5 h) a meal response is followed for
SENSOR_DAYS = 10
WARMUP_S = 30 * 60
EARLY_FAILURE_P = 0.05
SIGNAL_LOSSES_PER_SENSOR = 1.5
ILLNESS_MGDL = 10.0
RIDE_MGDL = -10.0


def dawn_profile(dawn: float) -> list[float]:
    """mg/dL added at each 5-minute slot of the local day: -4 from 00:00 to 04:00, a raised-cosine dawn
    rise from 04:00 to 10:00 peaking at 07:00 (``dawn`` mg/dL above the night level)."""
    out = []
    for slot in range(DAY_S // STEP):
        h = slot * STEP / 3600
        if h < 4:
            out.append(-4.0)
        elif h < 10:
            bump = 0.5 * (1 - math.cos(2 * math.pi * (h - 4) / 6))
            out.append(dawn * bump - 4 * max(0.0, (7 - h) / 3))
        else:
            out.append(0.0)
    return out


def meal_shape(peak_min: float) -> list[float]:
    """A unit-peak gamma-like response sampled every 5 minutes: (τ/τp)²·e^(2(1−τ/τp))."""
    return [(k * 5 / peak_min) ** 2 * math.exp(2 * (1 - k * 5 / peak_min)) for k in range(MEAL_WINDOW)]


@dataclass(frozen=True)
class Sensor:
    """One sensor's session: its transmitter ID, when it was inserted, and its readings as
    (instant, value text: a number, ``Low`` or ``High``, seconds since insertion, rate in mg/dL/min)."""

    transmitter: str
    inserted: int
    readings: list[tuple[int, str, int, float | None]]


def _noise(rng: random.Random, sd: float) -> float:
    """A cheap zero-mean bell-shaped draw (sum of three uniforms) with standard deviation ``sd``."""
    return (rng.random() + rng.random() + rng.random() - 1.5) * 2 * sd


class TrueGlucose:
    """The true glucose every 5 minutes from ``t0``."""

    def __init__(self, profile: Profile, tl: Timeline, days: list[Day], rng: random.Random) -> None:
        self.t0 = tl.t0
        n = (tl.t1 - self.t0) // STEP
        dawn = dawn_profile(profile.dawn_mgdl)
        values = [0.0] * n
        wander = 0.0
        base = profile.glucose_base
        for i in range(n):
            t = self.t0 + i * STEP
            wander = 0.995 * wander + _noise(rng, 0.35)
            values[i] = base + wander + dawn[(tl.local(t) % DAY_S) // STEP]
        for day in days:
            for meal in day.meals:
                gain = profile.carb_gain * meal.carbs * rng.gauss(1.0, 0.12)
                self._add(values, meal.t, [gain * x for x in meal_shape(meal.peak_min)])
            for ride in day.rides:
                if ride.discipline == "Cycling":
                    k = ride.minutes // 5 + 12
                    self._add(
                        values, ride.start, [RIDE_MGDL * min(1.0, j / 3, (k - j) / 12) for j in range(k)]
                    )
            if day.illness:
                midnight = local_to_utc(day.date, 0, day.zone)
                self._add(values, midnight, [ILLNESS_MGDL * day.illness] * (DAY_S // STEP))
            if day.hypo:
                center, nadir = day.hypo
                depth = max(0.0, base - 4 - nadir)
                shape = [min(1.0, j / 8, (20 - j) / 8) for j in range(21)]  # 40 min down, 20 hold, 40 up
                self._add(values, center - 10 * STEP, [-depth * s for s in shape])
        self.values = values

    def _add(self, values: list[float], t: int, curve: list[float]) -> None:
        i0 = (t - self.t0) // STEP
        for k, v in enumerate(curve):
            if 0 <= i0 + k < len(values):
                values[i0 + k] += v


def _transmitter(rng: random.Random) -> str:
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))


def sensors(
    profile: Profile, tl: Timeline, days: list[Day], rng: random.Random, first: int, last: int
) -> list[Sensor]:
    """The sensors worn between instants ``first`` and ``last`` with the EGVs each recorded in that span."""
    truth = TrueGlucose(profile, tl, days, rng)
    values, t0 = truth.values, truth.t0
    low_starts = [d.compression_low for d in days if d.compression_low is not None]
    low_ends = [t + int(rng.uniform(15, 30) * 60) for t in low_starts]
    out: list[Sensor] = []
    start = first - int(rng.uniform(0, SENSOR_DAYS - 1) * DAY_S)
    while start < last:
        life = SENSOR_DAYS * DAY_S + int(rng.uniform(0, 12) * 3600)
        if rng.random() < EARLY_FAILURE_P:
            life = int(rng.uniform(3, 9) * DAY_S)
        end = start + life
        losses = sorted(
            (s, s + int(rng.uniform(15, 120) * 60))
            for s in (
                start + int(rng.uniform(WARMUP_S, life))
                for _ in range(_poisson(rng, SIGNAL_LOSSES_PER_SENSOR))
            )
        )
        losses.append((end, end))
        bias = rng.gauss(0, 3)
        sensor = Sensor(_transmitter(rng), start, [])
        readings = sensor.readings
        noise, prev = 0.0, None
        t = start + WARMUP_S
        j = 0
        while t < end:
            noise = 0.8 * noise + _noise(rng, 2.0)
            while t >= losses[j][1]:
                j += 1
            if first <= t < last and t < losses[j][0]:
                x = (t - t0) / STEP
                i = int(x)
                value = values[i] + (values[i + 1] - values[i]) * (x - i) + bias + noise
                k = bisect_right(low_starts, t) - 1
                if k >= 0 and t < low_ends[k]:
                    value = rng.uniform(30, 39)
                rounded = round(value)
                text = "Low" if rounded < 40 else "High" if rounded > 400 else str(rounded)
                readings.append((t, text, t - start, None if prev is None else round((value - prev) / 5, 1)))
                prev = value
            else:
                prev = None
            t += STEP
        if readings:
            out.append(sensor)
        start = end + int(rng.uniform(0, 90) * 60)
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p < limit:
            return k
        k += 1
