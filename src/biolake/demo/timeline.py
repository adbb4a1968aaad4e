"""The demo's calendar and clocks: the date range, the home zone, the trip, and fast UTC → local formatting.

Instants are whole seconds since the Unix epoch (UTC). The subject lives in :data:`HOME_ZONE` and takes
one trip to :data:`TRIP_ZONE`: an overnight flight out (the phone and watch switch to the destination
zone one hour after take-off) and a day flight back (switch one hour after take-off). Every export
writes an instant in the zone in force at that instant.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

HOME_ZONE = "America/New_York"
TRIP_ZONE = "Europe/Berlin"
DEFAULT_END = date(2026, 11, 14)  # any --days >= 14 then includes the US fall-back change of 2026-11-01
TRIP_BEFORE_END = 35  # the first subject's trip leaves this many days before the end date
TRIP_NIGHTS = 7
TRIP_STAGGER = 28  # each further subject travels this many days earlier
OUTBOUND_LOCAL_H = 18  # leaves home at 18:00, lands 08:00 the next morning (7 h flight)
RETURN_LOCAL_H = 11  # leaves at 11:00 local, lands about 13:00 home time
DAY_S = 86_400


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_to_utc(day: date, minutes: float, zone: str) -> int:
    """The instant of wall time ``minutes`` after local midnight of ``day`` in ``zone`` (a time in a
    spring-forward gap is read with the offset before the jump, as zoneinfo's ``fold=0``)."""
    whole = int(minutes)
    wall = datetime(day.year, day.month, day.day, tzinfo=_zone(zone)) + timedelta(
        minutes=whole, seconds=round((minutes - whole) * 60)
    )
    return int(wall.timestamp())


@dataclass(frozen=True)
class Trip:
    """Out on ``depart`` (evening flight), back on ``back`` (morning flight)."""

    depart: date
    back: date
    zone: str = TRIP_ZONE

    def switch_out(self, home: str) -> int:
        return local_to_utc(self.depart, (OUTBOUND_LOCAL_H + 1) * 60, home)

    def switch_back(self) -> int:
        return local_to_utc(self.back, (RETURN_LOCAL_H + 1) * 60, self.zone)


class Timeline:
    """The days ``start``..``end`` (inclusive) of one subject, and the zone in force at any instant."""

    def __init__(self, start: date, end: date, home: str = HOME_ZONE, trip: Trip | None = None) -> None:
        self.start, self.end, self.home, self.trip = start, end, home, trip
        self.days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        self.t0 = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp()) - 2 * DAY_S
        self.t1 = int(datetime(end.year, end.month, end.day, tzinfo=UTC).timestamp()) + 3 * DAY_S
        # (first instant, zone) of each stay, in order
        self.stays: list[tuple[int, str]] = [(self.t0, home)]
        if trip is not None:
            self.stays += [(trip.switch_out(home), trip.zone), (trip.switch_back(), home)]
        self._starts = [s for s, _ in self.stays]
        self._offsets = [self._offset_slow(self.t0 + h * 3600) for h in range((self.t1 - self.t0) // 3600)]

    def zone_at(self, t: int) -> str:
        return self.stays[bisect_right(self._starts, t) - 1][1]

    def day_zone(self, day: date) -> str:
        """The zone a day's planned events are scheduled in: the trip zone from the morning after the
        outbound flight to the day before the flight back."""
        if self.trip is not None and self.trip.depart < day < self.trip.back:
            return self.trip.zone
        return self.home

    def on_trip(self, day: date) -> bool:
        return self.trip is not None and self.trip.depart < day < self.trip.back

    def travel_day(self, day: date) -> bool:
        return self.trip is not None and day in (self.trip.depart, self.trip.back)

    def _offset_slow(self, t: int) -> int:
        off = datetime.fromtimestamp(t, _zone(self.zone_at(t))).utcoffset()
        assert off is not None
        return int(off.total_seconds())

    def offset(self, t: int) -> int:
        """Seconds east of UTC in force at ``t`` (zone changes happen on whole UTC hours)."""
        return self._offsets[(t - self.t0) // 3600]

    def local(self, t: int) -> int:
        """Local wall time at ``t`` as seconds since 1970-01-01 00:00 local."""
        return t + self._offsets[(t - self.t0) // 3600]

    def segments(self) -> list[tuple[int, int, str]]:
        """(first instant, last instant + 1, zone) of each stay within the range."""
        lo = int(datetime.combine(self.start, datetime.min.time(), _zone(self.home)).timestamp())
        hi = int(
            datetime.combine(self.end + timedelta(days=1), datetime.min.time(), _zone(self.home)).timestamp()
        )
        bounds = [max(lo, s) for s in self._starts if s < hi] + [hi]
        return [(bounds[i], bounds[i + 1], self.stays[i][1]) for i in range(len(bounds) - 1)]

    # --- formatting: string building only, no datetime objects per call

    def _parts(self, t: int) -> tuple[str, int, int, int, int]:
        h = (t - self.t0) // 3600
        off = self._offsets[h] if 0 <= h < len(self._offsets) else self._offset_slow(t)
        day, sec = divmod(t + off, DAY_S)
        hour, rest = divmod(sec, 3600)
        return _day_text(day), hour, rest // 60, rest % 60, off

    def hk(self, t: int) -> str:
        """Apple Health: ``2026-03-01 07:25:41 -0500``."""
        d, h, m, s, off = self._parts(t)
        return f"{d} {h:02d}:{m:02d}:{s:02d} {_off_compact(off)}"

    def iso(self, t: int) -> str:
        """Oura: ``2026-03-01T07:25:41-05:00``."""
        d, h, m, s, off = self._parts(t)
        return f"{d}T{h:02d}:{m:02d}:{s:02d}{_off_colon(off)}"

    def wall(self, t: int) -> str:
        """Dexcom: ``2026-03-01T07:25:41`` (local, no offset)."""
        d, h, m, s, _ = self._parts(t)
        return f"{d}T{h:02d}:{m:02d}:{s:02d}"

    def peloton(self, t: int) -> str:
        """Peloton: ``2026-03-01 07:25 (-05)``."""
        d, h, m, _, off = self._parts(t)
        return f"{d} {h:02d}:{m:02d} ({_off_compact(off)[:3]})"

    def date_text(self, t: int) -> str:
        return self._parts(t)[0]

    def clock_12h(self, t: int) -> str:
        """MyFitnessPal: ``07:32 AM``."""
        _, h, m, _, _ = self._parts(t)
        return f"{(h % 12) or 12:02d}:{m:02d} {'AM' if h < 12 else 'PM'}"


@cache
def _day_text(day_number: int) -> str:
    return (date(1970, 1, 1) + timedelta(days=day_number)).isoformat()


@cache
def _off_compact(off: int) -> str:
    sign = "-" if off < 0 else "+"
    h, m = divmod(abs(off) // 60, 60)
    return f"{sign}{h:02d}{m:02d}"


@cache
def _off_colon(off: int) -> str:
    c = _off_compact(off)
    return f"{c[:3]}:{c[3:]}"


def timeline_for(subject_index: int, days: int, end: date, home: str = HOME_ZONE) -> Timeline:
    """The calendar of subject ``subject_index`` (0-based): ``days`` days ending on ``end``, with the trip
    if it fits inside the range."""
    start = end - timedelta(days=days - 1)
    depart = end - timedelta(days=TRIP_BEFORE_END + TRIP_STAGGER * subject_index)
    back = depart + timedelta(days=TRIP_NIGHTS + 1)
    trip = Trip(depart, back) if start < depart and back < end else None
    return Timeline(start, end, home, trip)
