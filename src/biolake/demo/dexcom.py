"""Dexcom Clarity CSV (G7, 14 columns, every field quoted, ragged preamble rows) for the demo.

The preamble holds FirstName, LastName, the Device row and the alert settings; then one ``EGV`` row per
reading, in time order, with the rate of change, the transmitter time (seconds since the sensor was
inserted) and the sensor's transmitter ID. Values beyond the sensor range are written ``Low`` / ``High``.
Timestamps are the phone's local wall time without an offset: the phone follows the trip's zone, so
one file is written per time-zone stay (as if exported for that date range), each to be ingested with
its own zone; a fall-back hour appears twice, in time order.
"""

from __future__ import annotations

from pathlib import Path

from biolake.demo.glucose import Sensor
from biolake.demo.model import Profile
from biolake.demo.timeline import Timeline

HEADER = (
    '"Index","Timestamp (YYYY-MM-DDThh:mm:ss)","Event Type","Event Subtype","Patient Info","Device Info",'
    '"Source Device ID","Glucose Value (mg/dL)","Insulin Value (u)","Carb Value (grams)",'
    '"Duration (hh:mm:ss)",'
    '"Glucose Rate of Change (mg/dL/min)","Transmitter Time (Long Integer)","Transmitter ID"'
)
DEVICE_ID = "iOS G7"
ALERTS = (
    ("Fall", "", "", "-3"),
    ("High", "250", "00:00:00", None),
    ("Low", "70", "00:00:00", None),
    ("Signal Loss", "", "00:20:00", None),
    ("Rise", "", "", "3"),
    ("Urgent Low", "55", None, None),
    ("Urgent Low Soon", "55", None, None),
)


def _quoted(fields: list[str]) -> str:
    return ",".join(f'"{f}"' for f in fields) + "\n"


def preamble(profile: Profile) -> list[str]:
    rows = [
        ["FirstName", "", profile.first_name],
        ["LastName", "", profile.last_name],
        ["Device", "", "", "Dexcom G7 Mobile App", DEVICE_ID],
    ]
    for subtype, value, duration, rate in ALERTS:
        row = ["Alert", subtype, "", "", DEVICE_ID, value]
        if duration is not None or rate is not None:
            row += ["", "", duration or ""]
        if rate is not None:
            row.append(rate)
        rows.append(row)
    return [_quoted([str(i + 1), "", *r]) for i, r in enumerate(rows)]


def write_dexcom(
    path: Path, profile: Profile, tl: Timeline, sensors: list[Sensor], window: tuple[int, int]
) -> int:
    """Write the readings taken between the instants ``window`` to ``path``; return how many."""
    lo, hi = window
    lines = preamble(profile)
    index = len(lines)
    wall = tl.wall
    for sensor in sensors:
        tx = sensor.transmitter
        for t, text, since, rate in sensor.readings:
            if lo <= t < hi:
                index += 1
                r = "" if rate is None else f"{rate:.1f}"
                lines.append(
                    f'"{index}","{wall(t)}","EGV","","","","{DEVICE_ID}","{text}","","","","{r}","{since}","{tx}"\n'
                )
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\n")
        fh.writelines(lines)
    return index - len(preamble(profile))
