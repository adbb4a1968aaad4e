"""Oura Ring: API v2 JSON, the membership-site CSV export and the legacy "trends" CSV.

Formats are told apart by content (never file names):

* **API v2 JSON** (:mod:`.api_json`): a page ``{"data": [...], "next_token": ...}``, a list of pages,
  a plain list of records, or an object keyed by endpoint name
  (``{"daily_sleep": [...], "sleep": [...], "_pull": {...}}``, as ``biolake pull oura`` writes it;
  keys starting with ``_`` are metadata). Kinds read: daily_readiness, daily_sleep, daily_activity,
  sleep (periods), daily_spo2, workout, heartrate. A record's kind comes from its fields (contributor
  names, ``bedtime_start``, ``spo2_percentage``, ``activity`` + ``start_datetime``, ``bpm``). A zip of
  such files is imported member by member, like any zip.
* **Membership export CSV** (:mod:`.csv_export`): ``dailysleep.csv``, ``sleepmodel.csv``, …,
  ``;``-delimited with nested objects as JSON text; same bronze tables as the API.
* **Trends CSV** (:mod:`.trends`): one Title Case row per date; bronze table ``trends``.

Silver (:mod:`.mapping`, :mod:`.trends`):

* ``daily_scores``: one row per (day, readiness | sleep | activity) with every contributor as
  ``<contributor>_score``; readiness also carries the temperature deviations. NULL scores (ring not
  worn) stay NULL.
* ``sleep_sessions`` from sleep periods: times from ``bedtime_start``/``bedtime_end`` with their own
  offsets (local times are the wall clock the offset gives, as for Apple Health); ``local_date`` is
  Oura's ``day``; ``session_id`` the Oura id. Periods of type ``deleted`` (deleted by the user) go to
  quarantine with reason 'deleted in Oura'. ``is_main``: per day (within one file), the long_sleep
  period, else the longest period; ``rest`` (rejected by the user) and deleted periods are never main.
  Trends rows give the day's main sleep, without id or type.
* ``sleep_stages`` from ``sleep_phase_5_min`` (1 deep, 2 light, 3 rem, 4 awake; 5-minute steps from
  ``bedtime_start``) as run-length intervals, the last one ending at ``bedtime_end``; none for deleted
  or rest periods.
* ``activity_daily``: steps, active/total energy, active-energy goal (``target_calories``),
  high/medium/low/sedentary minutes, ``equivalent_walking_distance`` as distance_km.
* ``measurements``: ``spo2_pct`` and ``breathing_disturbance_index`` (daily_spo2),
  ``temperature_deviation_c`` / ``temperature_trend_deviation_c`` (readiness), each over the local day in
  the subject's zone; ``heart_rate`` samples (heartrate; the API writes UTC, so local times use the
  subject's zone).
* ``workouts``: activity in Apple Health's vocabulary where they overlap (``activity_type_raw`` keeps
  Oura's), calories, distance (m → km), intensity, label as title.

A value that is not a number sends its row to quarantine with the reason; negative durations too.
"""

from __future__ import annotations

from typing import IO, ClassVar

from biolake.sources._csv import fail
from biolake.sources.base import SNIFF_BYTES, BronzeSink, ParseContext, SilverMapping
from biolake.sources.oura import trends
from biolake.sources.oura.api_json import parse_json
from biolake.sources.oura.csv_export import is_membership_csv, parse_csv
from biolake.sources.oura.mapping import MAPPINGS

JSON_MARKERS = (
    b'"next_token"',
    b'"contributors"',
    b'"bedtime_start"',
    b'"spo2_percentage"',
    b'"start_datetime"',
    b'"bpm"',
    b'"daily_readiness"',
    b'"daily_sleep"',
    b'"daily_activity"',
)


def _is_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


class Oura:
    """Oura Ring exports and API downloads."""

    name: ClassVar[str] = "oura"
    description: ClassVar[str] = "Oura API v2 JSON, membership-site CSV export, legacy trends CSV"
    silver: ClassVar[tuple[SilverMapping, ...]] = MAPPINGS + trends.MAPPINGS

    def sniff(self, head: bytes, name: str) -> bool:
        if _is_json(head):
            return any(marker in head for marker in JSON_MARKERS)
        return is_membership_csv(head) or trends.is_trends_csv(head)

    def parse(self, stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
        head = stream.read(SNIFF_BYTES)
        stream.seek(0)
        if _is_json(head):
            parse_json(stream, ctx, sink)
        elif trends.is_trends_csv(head):
            trends.parse_trends(stream, head, ctx, sink)
        elif is_membership_csv(head):
            parse_csv(stream, head, ctx, sink)
        else:
            raise fail(ctx, "not an Oura export (API JSON, membership CSV or trends CSV)")


SOURCE = Oura()
