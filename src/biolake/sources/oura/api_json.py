"""Oura API v2 JSON as saved from the API, in three shapes:

* a page ``{"data": [...], "next_token": ...}`` (or a list of pages);
* a plain list of records;
* an object keyed by endpoint (``{"daily_sleep": [...], "sleep": {"data": [...]}, ...}``), each value
  a list of records, a page or a list of pages; this is what ``biolake pull oura`` writes. Keys are API
  endpoint names or membership-export file stems (``dailysleep``, ``sleepmodel``); keys starting with
  ``_`` are metadata, and endpoints biolake does not read (``tag``, ``session``, ``daily_stress``, …)
  are skipped. A record whose fields contradict its key is an error.

A page does not say its endpoint, so a record's kind comes from its fields (:func:`records.kind_of`);
in a page or list, a record of no kind biolake reads is an error naming it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import IO

from biolake.sources._csv import fail
from biolake.sources.base import BronzeSink, ParseContext
from biolake.sources.oura.records import KindBatches, endpoint_kind, kind_of, text

JSON_START = (b"{", b"[")


def parse_json(stream: IO[bytes], ctx: ParseContext, sink: BronzeSink) -> None:
    """Read a whole JSON file into one bronze table per record kind."""
    raw = stream.read()
    sink.progress(len(raw))
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise fail(ctx, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise fail(ctx, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    batches = KindBatches(sink)
    index = 0
    for where, expected, record in _records(doc, ctx):
        index += 1
        kind = kind_of(record) or expected
        if kind is None:
            if where.startswith("skip:"):
                continue
            keys = ", ".join(sorted(record)[:8])
            raise fail(ctx, f"record {index} ({where}) is not an Oura record biolake reads (fields: {keys})")
        if expected is not None and kind != expected:
            raise fail(ctx, f"record {index} under '{where}' looks like a {kind} record, not {expected}")
        batches.add(kind, index, {k: text(v) for k, v in record.items()})
    batches.flush()
    if not batches.counts:
        raise fail(ctx, "no Oura records found (expected API v2 pages, lists or endpoint-keyed records)")


def _records(doc: object, ctx: ParseContext) -> Iterator[tuple[str, str | None, Mapping[str, object]]]:
    """(where, kind named by the file or None, record) for every record of the document."""
    if isinstance(doc, Mapping) and not _is_page(doc):
        for key, value in doc.items():
            if key.startswith("_"):
                continue
            kind = endpoint_kind(key)
            if kind is None and not isinstance(value, list | Mapping):
                continue
            where = key if kind is not None else f"skip:{key}"
            for record in _items(value, key, ctx):
                yield where, kind, record
        return
    for record in _items(doc, "top level", ctx):
        yield "top level", None, record


def _is_page(doc: Mapping[str, object]) -> bool:
    return "data" in doc and isinstance(doc["data"], list)


def _items(value: object, where: str, ctx: ParseContext) -> Iterator[Mapping[str, object]]:
    """The records of a page, a list of pages or a list of records."""
    if isinstance(value, Mapping) and _is_page(value):
        value = value["data"]
    if not isinstance(value, list):
        raise fail(ctx, f"'{where}' is not a list of records or an API page")
    for item in value:
        if isinstance(item, Mapping) and _is_page(item):
            yield from _items(item, where, ctx)
        elif isinstance(item, Mapping):
            yield item
        else:
            raise fail(ctx, f"'{where}' holds {type(item).__name__} values, not records")
