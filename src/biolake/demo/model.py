"""The latent physiology of one demo subject, simulated day by day from ``random.Random``.

Every export writer reads the same :class:`Day` list, so the sources agree with each other the way real
devices worn by one person do. The effects planted here (and their sizes) are listed in ``docs/demo.md``;
the constants below are the single place they are set. Loads are Peloton cycling output in kJ; "night
*d*" is the sleep that ends on the morning of day *d* (Oura's ``day`` of that sleep).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from biolake.demo.foods import MENU, Food
from biolake.demo.timeline import DAY_S, OUTBOUND_LOCAL_H, Timeline, local_to_utc

# --- planted effects (documented in docs/demo.md) ---------------------------------------------------------
HRV_PER_KJ_LAG1 = -0.010  # ms of night HRV per kJ ridden the day before
HRV_PER_KJ_LAG2 = -0.005  # ... and two days before
HRV_ILLNESS = -18.0  # ms at full illness severity
HRV_PER_SLEEP_H = 1.5  # ms per hour of sleep above 7.2 h
RHR_PER_KJ_LAG1 = 0.004  # bpm per kJ the day before
RHR_PER_KJ_LAG2 = 0.002
RHR_ILLNESS = 7.0
READINESS_BASE = 30.0
READINESS_PER_SLEEP_SCORE = 0.55  # the night that ends on the readiness day (Oura's same `day`)
READINESS_PER_PREV_SLEEP_SCORE = 0.35  # the night before that (sleep balance), per point above 80
READINESS_PER_HRV_MS = 0.6  # per ms above the subject's baseline
READINESS_PER_RHR_BPM = -1.2  # per bpm above baseline
READINESS_PER_FEVER_C = -15.0  # per °C of temperature deviation above 0.25
READINESS_PER_KJ_LAG1 = -0.005
HYPO_NIGHT_P = 0.025  # nightly chance of a nocturnal low
HYPO_NIGHT_P_HARD_DAY = 0.06  # added after a day with more than HARD_DAY_KJ ridden
HARD_DAY_KJ = 600.0
COMPRESSION_LOW_P = 0.006  # nightly chance of a compression artefact (sensor reads 'Low')
RING_OFF_P = 0.02  # chance a day's ring data is missing (charging, forgotten)
MFP_DAY_LOGGED_P = 0.88  # chance a day is logged in MyFitnessPal at all (0.4 on the trip)
RECOVERY_READINESS = 55  # below this, a planned ride becomes a 20-minute recovery ride

CLASS_LENGTHS = (20, 30, 45, 60, 75, 90)
# weekday (Mon=0) -> (class type, minutes, intensity factor) of the planned ride, None for a rest day
WEEK_PLAN: dict[int, tuple[str, int, float] | None] = {
    0: None,
    1: ("Intervals", 45, 0.82),
    2: ("Endurance", 45, 0.68),
    3: ("Power Zone", 45, 0.76),
    4: None,
    5: ("Endurance", 75, 0.66),
    6: ("Climb", 45, 0.78),
}
BLOCK = (0.9, 1.0, 1.1, 0.6)  # four-week mesocycle: three build weeks (volume ×), then a deload week
ILLNESS_SHAPE = (0.5, 1.0, 0.9, 0.7, 0.45, 0.25, 0.1)


@dataclass(frozen=True)
class Profile:
    """Constants of one subject."""

    index: int
    subject_id: str
    first_name: str
    last_name: str
    base_rhr: float
    base_hrv: float
    ftp: float
    weight_lb: float
    glucose_base: float
    carb_gain: float  # peak mg/dL rise per g of carbohydrate
    dawn_mgdl: float
    bedtime_min: float  # usual lights-out, minutes after midnight (may exceed 1440 - 60 = 23:00)
    sleep_need_h: float
    steps: float


@dataclass(frozen=True)
class Night:
    """One sleep period. ``stages`` are (light|deep|rem|awake, start, end) covering sleep onset to wake."""

    bedtime: int
    wake: int
    latency_s: int
    stages: tuple[tuple[str, int, int], ...]
    avg_hr: float
    lowest_hr: float
    avg_hrv: float
    avg_breath: float
    kind: str = "long_sleep"  # Oura's type: long_sleep | sleep | late_nap

    def total(self, stage: str) -> int:
        return sum(e - s for k, s, e in self.stages if k == stage)

    @property
    def asleep_s(self) -> int:
        return self.total("light") + self.total("deep") + self.total("rem")

    @property
    def in_bed_s(self) -> int:
        return self.wake - self.bedtime


@dataclass(frozen=True)
class Ride:
    """One Peloton class (cycling, strength or stretching)."""

    start: int
    minutes: int
    discipline: str  # Cycling | Strength | Stretching
    class_type: str
    title: str
    instructor: str
    live: bool
    aired: int  # when the class was first broadcast
    intensity: float  # fraction of FTP (cycling)
    watts: float
    kcal: float
    avg_hr: float
    max_hr: float
    min_hr: float

    @property
    def end(self) -> int:
        return self.start + self.minutes * 60

    @property
    def kj(self) -> float:
        return self.watts * self.minutes * 60 / 1000 if self.discipline == "Cycling" else 0.0


@dataclass(frozen=True)
class Meal:
    """A meal as eaten: when, which MyFitnessPal meal, the food entries and whether it was logged."""

    t: int
    name: str
    foods: tuple[tuple[Food, float], ...]  # (food, servings)
    logged: bool
    peak_min: float  # minutes from the first bite to the glucose peak

    def total(self, nutrient: str) -> float:
        return float(sum(getattr(f, nutrient) * n for f, n in self.foods))

    @property
    def carbs(self) -> float:
        return self.total("carbs")


@dataclass
class Day:
    """Everything that happened on one local date."""

    date: date
    zone: str
    trip: bool
    travel: bool
    illness: float  # 0..1
    temp_dev: float  # °C, the night ending this morning
    night: Night
    ring: bool  # the ring was worn: Oura has data for this day
    sleep_score: int
    sleep_contrib: dict[str, int]
    hrv: float
    rhr: float
    readiness: int
    readiness_contrib: dict[str, int]
    rides: list[Ride] = field(default_factory=list)
    walk: tuple[int, int] | None = None
    steps: int = 0
    active_kcal: float = 0.0
    activity_score: int = 0
    meals: list[Meal] = field(default_factory=list)
    mfp_logged: bool = False
    weigh_in: tuple[int, float] | None = None
    nap: Night | None = None
    hypo: tuple[int, float] | None = None  # (lowest point, nadir mg/dL) the night after this day
    compression_low: int | None = None  # start of a 'Low' artefact the night after this day

    @property
    def load_kj(self) -> float:
        return sum(r.kj for r in self.rides)


FIRST_NAMES = ("Jane", "Sam", "Alex", "Maria", "Omar", "Priya", "Tom", "Lena")
INSTRUCTORS = ("Alex Rivera", "Sam Okafor", "Jordan Lee", "Priya Nair", "Chris Haddad", "Dana Kim")
TITLES = {
    "Intervals": ("{m} min HIIT & Hills Ride", "{m} min Tabata Ride", "{m} min Intervals Ride, Pyramid"),
    "Endurance": ("{m} min Endurance Ride", "{m} min 90s Ride", "{m} min Power Zone Endurance Ride"),
    "Power Zone": ("{m} min Power Zone Ride", "{m} min Power Zone Max Ride, Zones 5 & 6"),
    "Climb": ("{m} min Climb Ride", "{m} min Climb Ride: Hills, Hills, Hills"),
    "Low Impact": ("{m} min Low Impact Ride", "{m} min Recovery Ride"),
}


def clip(x: float, lo: float = 1, hi: float = 100) -> int:
    """``x`` rounded into [lo, hi] (Oura's scores and contributors are integers 1–100)."""
    return round(min(hi, max(lo, x)))


def make_profile(index: int, subject_id: str, rng: random.Random) -> Profile:
    return Profile(
        index=index,
        subject_id=subject_id,
        first_name=FIRST_NAMES[index % len(FIRST_NAMES)],
        last_name=f"Demo{index + 1:02d}",
        base_rhr=rng.uniform(50, 60),
        base_hrv=rng.uniform(42, 68),
        ftp=rng.uniform(180, 250),
        weight_lb=rng.uniform(140, 190),
        glucose_base=rng.uniform(86, 96),
        carb_gain=rng.uniform(0.65, 0.85),
        dawn_mgdl=rng.uniform(12, 18),
        bedtime_min=rng.uniform(22 * 60 + 30, 23 * 60 + 20),
        sleep_need_h=rng.uniform(7.3, 7.9),
        steps=rng.uniform(7000, 9500),
    )


class Simulation:
    """Simulates the days of one subject; :meth:`run` returns them in order."""

    def __init__(self, profile: Profile, timeline: Timeline, rng: random.Random) -> None:
        self.p, self.tl, self.rng = profile, timeline, rng
        n = len(timeline.days)
        self.illness = self._illness(n)
        self.fever = [0.0] * n
        self.ring_off = self._ring_off(n)
        self.days: list[Day] = []
        self.hrv_noise = 0.0
        self.first_monday = timeline.start - timedelta(days=timeline.start.weekday())

    # --- schedules decided up front

    def _illness(self, n: int) -> list[float]:
        sev = [0.0] * n
        self.fever_peak: dict[int, float] = {}
        count = int(n / 365 * 2.5 + self.rng.random())
        starts: list[int] = []
        for _ in range(count * 20):
            if len(starts) == count:
                break
            s = self.rng.randrange(0, max(1, n - 3))
            if all(abs(s - o) > 30 for o in starts) and not any(
                self.tl.on_trip(self.tl.days[min(n - 1, s + k)])
                or self.tl.travel_day(self.tl.days[min(n - 1, s + k)])
                for k in range(len(ILLNESS_SHAPE))
            ):
                starts.append(s)
        for s in starts:
            peak = self.rng.uniform(0.7, 1.0)
            fever = self.rng.uniform(0.5, 1.2)
            length = self.rng.randint(4, len(ILLNESS_SHAPE))
            for k in range(length):
                if s + k < n:
                    sev[s + k] = peak * ILLNESS_SHAPE[k]
                    self.fever_peak[s + k] = fever * ILLNESS_SHAPE[k]
        return sev

    def _ring_off(self, n: int) -> set[int]:
        off = {i for i in range(n) if self.rng.random() < RING_OFF_P}
        for _ in range(max(1, n // 120)):  # a two-to-three-day gap now and then (charger left at work)
            s = self.rng.randrange(n)
            off.update(range(s, min(n, s + self.rng.randint(2, 3))))
        if self.tl.trip is not None:  # the charger stayed at home: two days without the ring abroad
            first = (self.tl.trip.depart - self.tl.start).days + 4
            off.update(i for i in (first, first + 1) if i < n)
        return off

    # --- one day

    def run(self) -> list[Day]:
        for i, d in enumerate(self.tl.days):
            self.days.append(self._day(i, d))
        return self.days

    def _load(self, i: int) -> float:
        return self.days[i].load_kj if 0 <= i < len(self.days) else 0.0

    def _day(self, i: int, d: date) -> Day:
        rng, p = self.rng, self.p
        ill = self.illness[i]
        l1, l2 = self._load(i - 1), self._load(i - 2)
        night, quality = self._night(i, d, ill, l1, l2)
        temp = rng.gauss(0, 0.1) + self.fever_peak.get(i, 0.0)
        hrv, rhr = night.avg_hrv, night.lowest_hr
        sleep_contrib = self._sleep_contrib(night, d, ill)
        weights = (0.35, 0.15, 0.1, 0.1, 0.1, 0.1, 0.1)
        keys = ("total_sleep", "efficiency", "deep_sleep", "rem_sleep", "restfulness", "latency", "timing")
        sleep_score = clip(sum(w * sleep_contrib[k] for w, k in zip(weights, keys, strict=True)) + quality)
        readiness = clip(
            READINESS_BASE
            + READINESS_PER_SLEEP_SCORE * sleep_score
            + READINESS_PER_PREV_SLEEP_SCORE * ((self.days[-1].sleep_score if self.days else 80) - 80)
            + READINESS_PER_HRV_MS * (hrv - p.base_hrv)
            + READINESS_PER_RHR_BPM * (rhr - p.base_rhr)
            + READINESS_PER_FEVER_C * max(0.0, temp - 0.25)
            + READINESS_PER_KJ_LAG1 * l1
            + rng.gauss(0, 2.5)
        )
        recent = [x.night.asleep_s / 3600 for x in self.days[-13:]] + [night.asleep_s / 3600]
        recent_hrv = [x.hrv for x in self.days[-2:]] + [hrv]
        readiness_contrib = {
            "activity_balance": clip(
                92 - 0.01 * max(0.0, sum(self._load(i - k) for k in range(1, 8)) - 2500)
            ),
            "body_temperature": clip(100 - 80 * max(0.0, abs(temp) - 0.15)),
            "hrv_balance": clip(82 + 1.5 * (sum(recent_hrv) / len(recent_hrv) - p.base_hrv)),
            "previous_day_activity": clip(96 - 0.05 * max(0.0, l1 - 300)),
            "previous_night": clip(1.05 * sleep_score - 4),
            "recovery_index": clip(92 - 25 * ill - 0.01 * l1 + rng.gauss(0, 5)),
            "resting_heart_rate": clip(97 - 6 * max(0.0, rhr - p.base_rhr - 1)),
            "sleep_balance": clip(100 - 14 * max(0.0, p.sleep_need_h - sum(recent) / len(recent))),
            "sleep_regularity": clip(rng.gauss(86, 5)),
        }
        ring = i not in self.ring_off
        day = Day(
            date=d,
            zone=self.tl.day_zone(d),
            trip=self.tl.on_trip(d),
            travel=self.tl.travel_day(d),
            illness=ill,
            temp_dev=temp,
            night=night,
            ring=ring,
            sleep_score=sleep_score,
            sleep_contrib=sleep_contrib,
            hrv=hrv,
            rhr=rhr,
            readiness=readiness,
            readiness_contrib=readiness_contrib,
        )
        self._training(i, day)
        self._activity(day)
        self._meals(day)
        self._extras(i, day)
        return day

    def _night(self, i: int, d: date, ill: float, l1: float, l2: float) -> tuple[Night, float]:
        """The sleep ending on the morning of ``d``, and a score adjustment for how it felt."""
        rng, p, tl = self.rng, self.p, self.tl
        prev = d - timedelta(days=1)
        zone = tl.day_zone(prev) if i else tl.day_zone(d)
        weekend = prev.weekday() >= 4  # Friday and Saturday nights
        jetlag = 0.0
        if tl.trip is not None and d == tl.trip.depart + timedelta(days=1):  # asleep on the plane
            bed = local_to_utc(tl.trip.depart, (OUTBOUND_LOCAL_H + 2.5) * 60, tl.home)
            hours, jetlag = rng.uniform(3.6, 4.4), 1.0
        else:
            start_min = p.bedtime_min + (40 if weekend else 0) + rng.gauss(0, 25) - 1440
            hours = p.sleep_need_h + 0.3 + rng.gauss(0, 0.6) + 0.9 * ill + (0.4 if weekend else 0)
            if tl.trip is not None:
                since_out = (d - tl.trip.depart).days
                since_back = (d - tl.trip.back).days
                if 2 <= since_out <= 4:
                    jetlag = (0.8, 0.5, 0.2)[since_out - 2]
                elif 1 <= since_back <= 2:
                    jetlag = (0.5, 0.2)[since_back - 1]
            hours -= 1.2 * jetlag
            bed = local_to_utc(d, start_min, zone)
        hours = min(10.5, max(4.5 if jetlag < 1 else 3.0, hours))
        wake = bed + int(hours * 3600) // 30 * 30
        latency = int(max(120, rng.gauss(14 + 15 * jetlag, 6) * 60)) // 30 * 30
        deep_frac = min(
            0.3, max(0.06, rng.gauss(0.17, 0.025) + 0.02 * (l1 > 500) - 0.04 * ill - 0.05 * jetlag)
        )
        rem_frac = min(0.32, max(0.08, rng.gauss(0.22, 0.03) - 0.03 * ill))
        stages = self._hypnogram(bed + latency, wake - int(rng.uniform(2, 8) * 60), deep_frac, rem_frac, ill)
        asleep_h = sum(e - s for k, s, e in stages if k != "awake") / 3600
        self.hrv_noise = 0.3 * self.hrv_noise + rng.gauss(0, 4.5)
        hrv = max(
            12.0,
            p.base_hrv
            + HRV_PER_KJ_LAG1 * l1
            + HRV_PER_KJ_LAG2 * l2
            + HRV_ILLNESS * ill
            + HRV_PER_SLEEP_H * (asleep_h - 7.2)
            - 6 * jetlag
            + self.hrv_noise,
        )
        lowest = p.base_rhr + RHR_PER_KJ_LAG1 * l1 + RHR_PER_KJ_LAG2 * l2 + RHR_ILLNESS * ill + 2 * jetlag
        lowest = round(lowest + rng.gauss(0, 1.2))
        night = Night(
            bedtime=bed,
            wake=wake,
            latency_s=latency,
            stages=stages,
            avg_hr=lowest + rng.uniform(3, 6),
            lowest_hr=lowest,
            avg_hrv=round(hrv),
            avg_breath=rng.gauss(14.2, 0.4) + 1.5 * ill,
        )
        return night, rng.gauss(0, 2.0) - 12 * jetlag

    def _hypnogram(
        self, onset: int, end: int, deep_frac: float, rem_frac: float, ill: float
    ) -> tuple[tuple[str, int, int], ...]:
        """Sleep cycles of ~90 min: light, deep (front-loaded), light, REM (growing), a brief awakening."""
        rng = self.rng
        span = end - onset
        cycles = max(2, round(span / 5400))
        wd = [math.exp(-0.7 * c) for c in range(cycles)]
        wr = [1 + 0.5 * c for c in range(cycles)]
        out: list[tuple[str, int, int]] = []
        t = onset
        for c in range(cycles):
            length = span / cycles
            wake_s = rng.uniform(120, 900) if rng.random() < 0.6 + 0.3 * ill and c < cycles - 1 else 0.0
            deep = span * deep_frac * wd[c] / sum(wd)
            rem = span * rem_frac * wr[c] / sum(wr)
            light = max(300.0, length - deep - rem - wake_s)
            for kind, secs in (
                ("light", light * 0.6),
                ("deep", deep),
                ("light", light * 0.4),
                ("rem", rem),
                ("awake", wake_s),
            ):
                s = int(secs) // 30 * 30
                if s >= 60:
                    out.append((kind, t, t + s))
                    t += s
        if out and out[-1][2] != end:  # close the last stage at the final wake-up
            kind, s, _ = out[-1]
            out[-1] = (kind, s, max(s + 30, end))
        return tuple(out)

    def _sleep_contrib(self, night: Night, d: date, ill: float) -> dict[str, int]:
        rng = self.rng
        asleep = night.asleep_s
        hours = asleep / 3600
        eff = 100 * asleep / max(1, night.in_bed_s)
        mid_local = (self.tl.local((night.bedtime + night.wake) // 2) % DAY_S) / 3600
        wakes = sum(1 for k, _, _ in night.stages if k == "awake")
        return {
            "total_sleep": clip(100 - 22 * max(0.0, 8.5 - hours)),
            "efficiency": clip(100 - 4 * max(0.0, 95 - eff)),
            "deep_sleep": clip(100 - 400 * max(0.0, 0.22 - night.total("deep") / max(1, asleep))),
            "rem_sleep": clip(100 - 400 * max(0.0, 0.25 - night.total("rem") / max(1, asleep))),
            "restfulness": clip(90 - 4 * wakes - 12 * ill + rng.gauss(0, 5)),
            "latency": clip(100 - 3 * abs(night.latency_s / 60 - 12)),
            "timing": clip(100 - 18 * max(0.0, abs(((mid_local + 12) % 24) - 15.5) - 0.5)),
        }

    # --- training

    def _training(self, i: int, day: Day) -> None:
        rng, tl = self.rng, self.tl
        d = day.date
        week = (d - self.first_monday).days // 7
        volume = BLOCK[week % len(BLOCK)]
        plan = WEEK_PLAN[d.weekday()]
        if day.trip:
            k = (d - tl.trip.depart).days if tl.trip else 0
            plan = ("Low Impact", 30, 0.6) if k in (2, 5) else None  # the hotel bike
        if day.travel or day.illness > 0.15 or rng.random() < 0.07:
            plan = None
        if plan is None and d.weekday() == 4 and not day.travel and day.illness < 0.15 and rng.random() < 0.3:
            plan = ("Low Impact", 20, 0.55)
        if plan is None:
            return
        kind, minutes, intensity = plan
        if volume < 1:  # deload: shorter, easier
            kind, intensity = (
                ("Endurance", min(intensity, 0.66)) if kind != "Low Impact" else (kind, intensity)
            )
        if day.readiness < RECOVERY_READINESS:
            kind, minutes, intensity, volume = "Low Impact", 20, 0.55, 1.0
        minutes = min(CLASS_LENGTHS, key=lambda m: abs(m - minutes * volume * rng.uniform(0.9, 1.15)))
        morning = d.weekday() < 5 and not day.trip
        start_min = (6 * 60 + 10 if morning else 8 * 60 + 40) + rng.gauss(0, 20)
        start = local_to_utc(d, start_min, day.zone) // 60 * 60 + rng.randint(0, 50)
        day.rides.append(self._cycling(start, kind, minutes, intensity * rng.gauss(1.0, 0.04)))
        end = day.rides[-1].end
        if d.weekday() == 2 and rng.random() < 0.3:
            day.rides.append(
                self._other(end + 180, "Strength", "Upper Body", 20, "20 min Upper Body Strength")
            )
        elif d.weekday() >= 5 and rng.random() < 0.4:
            day.rides.append(
                self._other(end + 120, "Stretching", "Stretching", 10, "10 min Post-Ride Stretch")
            )

    def _class_meta(self, start: int) -> tuple[str, bool, int]:
        rng = self.rng
        live = rng.random() < 0.08
        aired = start // 60 * 60 if live else start - rng.randint(3, 500) * DAY_S
        return INSTRUCTORS[rng.randrange(len(INSTRUCTORS))], live, aired

    def _cycling(self, start: int, kind: str, minutes: int, intensity: float) -> Ride:
        rng, p = self.rng, self.p
        instructor, live, aired = self._class_meta(start)
        title = rng.choice(TITLES[kind]).format(m=minutes)
        watts = p.ftp * intensity
        kj = watts * minutes * 60 / 1000
        avg_hr = 80 + 90 * intensity + rng.gauss(0, 3) + (self.p.base_rhr - 55) * 0.5
        return Ride(
            start=start,
            minutes=minutes,
            discipline="Cycling",
            class_type=kind,
            title=title,
            instructor=instructor,
            live=live,
            aired=aired,
            intensity=intensity,
            watts=watts,
            kcal=kj * 1.08 + rng.uniform(5, 25),
            avg_hr=avg_hr,
            max_hr=avg_hr + rng.uniform(14, 26),
            min_hr=rng.uniform(82, 98),
        )

    def _other(self, start: int, discipline: str, kind: str, minutes: int, title: str) -> Ride:
        rng = self.rng
        instructor, live, aired = self._class_meta(start)
        avg_hr = rng.uniform(92, 112) if discipline == "Strength" else rng.uniform(78, 90)
        return Ride(
            start=start,
            minutes=minutes,
            discipline=discipline,
            class_type=kind,
            title=title,
            instructor=instructor,
            live=live,
            aired=aired,
            intensity=0.0,
            watts=0.0,
            kcal=minutes * (6.5 if discipline == "Strength" else 2.8),
            avg_hr=avg_hr,
            max_hr=avg_hr + rng.uniform(15, 30),
            min_hr=rng.uniform(70, 85),
        )

    # --- steps, walks, meals, weight, nocturnal lows

    def _activity(self, day: Day) -> None:
        rng, p = self.rng, self.p
        steps = p.steps + rng.gauss(0, 1800) + (1500 if day.date.weekday() >= 5 else 0)
        steps += 6000 if day.trip else 0
        steps -= 4500 * day.illness
        steps = 5200 + rng.gauss(0, 600) if day.travel else steps
        day.steps = int(max(800, steps))
        if not day.travel and day.illness < 0.3 and (day.steps > 11000 or rng.random() < 0.2):
            start = local_to_utc(day.date, 18 * 60 + rng.gauss(0, 30), day.zone)
            day.walk = (start, start + int(rng.uniform(25, 50) * 60))
        ride_kcal = sum(r.kcal for r in day.rides)
        day.active_kcal = max(60.0, 0.032 * day.steps + ride_kcal + rng.gauss(40, 30))
        target = 550
        day.activity_score = clip(
            55 + 40 * min(1.0, day.active_kcal / target) - 25 * day.illness + rng.gauss(0, 4)
        )

    def _meals(self, day: Day) -> None:
        rng = self.rng
        weekend = day.date.weekday() >= 5
        times = {
            "Breakfast": (9 * 60 if weekend else 7 * 60 + 15) + rng.gauss(0, 20),
            "Lunch": 12 * 60 + 35 + rng.gauss(0, 25),
            "Dinner": 19 * 60 + rng.gauss(0, 30),
        }
        snacks = []
        if rng.random() < 0.6 - 0.4 * day.illness:
            snacks.append(15 * 60 + 45 + rng.gauss(0, 30))
        if rng.random() < 0.25:
            snacks.append(21 * 60 + 15 + rng.gauss(0, 20))
        day.mfp_logged = rng.random() < (0.4 if day.trip else MFP_DAY_LOGGED_P)
        plan = [*times.items(), *(("Snacks", m) for m in snacks)]
        for name, minute in sorted(plan, key=lambda x: x[1]):
            mains, sides = MENU[name]
            foods = [(mains[rng.randrange(len(mains))], round(rng.choice((0.75, 1.0, 1.0, 1.25, 1.5)), 2))]
            for _ in range(rng.choice((0, 1, 1, 2)) if name != "Snacks" else rng.choice((0, 0, 1))):
                side = sides[rng.randrange(len(sides))]
                if side not in [f for f, _ in foods]:
                    foods.append((side, 1.0))
            logged = day.mfp_logged and rng.random() < (0.85 if name == "Snacks" else 0.97)
            t = local_to_utc(day.date, minute, day.zone) // 60 * 60
            day.meals.append(Meal(t, name, tuple(foods), logged, rng.uniform(45, 60)))

    def _extras(self, i: int, day: Day) -> None:
        rng, p = self.rng, self.p
        if day.date.weekday() in (0, 2, 4) and not day.trip and not day.travel and rng.random() < 0.7:
            trend = 3.0 * math.sin(2 * math.pi * i / 365) - 0.004 * i
            lb = round(p.weight_lb + trend + rng.gauss(0, 0.6), 1)
            day.weigh_in = (day.night.wake + int(rng.uniform(5, 25) * 60), lb)
        if day.date.weekday() >= 5 and rng.random() < 0.12 and not day.travel:
            start = local_to_utc(day.date, 15 * 60 + rng.gauss(0, 40), day.zone)
            length = int(rng.uniform(20, 45) * 60) // 30 * 30
            day.nap = Night(
                bedtime=start,
                wake=start + length,
                latency_s=300,
                stages=(("light", start + 300, start + length - 120),),
                avg_hr=day.rhr + 8,
                lowest_hr=day.rhr + 4,
                avg_hrv=round(day.hrv * 0.9),
                avg_breath=day.night.avg_breath,
                kind="late_nap",
            )
        p_hypo = HYPO_NIGHT_P + (HYPO_NIGHT_P_HARD_DAY if day.load_kj > HARD_DAY_KJ else 0.0)
        if rng.random() < p_hypo:
            t = local_to_utc(day.date, 24 * 60 + rng.uniform(60, 270), day.zone)
            day.hypo = (t, rng.uniform(47, 67))
        if rng.random() < COMPRESSION_LOW_P:
            day.compression_low = local_to_utc(day.date, 24 * 60 + rng.uniform(90, 300), day.zone)


def simulate(profile: Profile, timeline: Timeline, rng: random.Random) -> list[Day]:
    """The subject's days, in order."""
    return Simulation(profile, timeline, rng).run()
