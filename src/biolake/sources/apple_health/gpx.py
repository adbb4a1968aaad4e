"""GPX workout routes from an Apple Health ``export.zip`` (``workout-routes/route_….gpx``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import IO

import pyarrow as pa

POINT_FIELDS = ("time", "lat", "lon", "ele", "speed", "course", "hAcc", "vAcc")
SCHEMA = pa.schema([("route_file", pa.string())] + [(f, pa.string()) for f in POINT_FIELDS])


def route_name(path: str) -> str:
    """The key linking a route file to its workout: ``/workout-routes/<file name>``."""
    return "/workout-routes/" + path.rsplit("/", 1)[-1]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_gpx(stream: IO[bytes], route_file: str) -> pa.Table:
    """Every track point of one GPX file, values as written (ParseError from ElementTree if broken)."""
    rows: list[tuple[str | None, ...]] = []
    for _, pt in ET.iterparse(stream, events=("end",)):
        if _local(pt.tag) != "trkpt":
            continue
        values: dict[str, str | None] = {"lat": pt.get("lat"), "lon": pt.get("lon")}
        for child in pt.iter():
            name = _local(child.tag)
            if name in POINT_FIELDS and child.text is not None:
                values[name] = child.text.strip()
        rows.append((route_file, *(values.get(f) for f in POINT_FIELDS)))
        pt.clear()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in SCHEMA.names]
    return pa.Table.from_arrays([pa.array(c, pa.string()) for c in columns], schema=SCHEMA)
