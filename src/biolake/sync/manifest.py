"""Content hashes of every synced file: what the mirror holds, key by key.

The remote copy (``<prefix>/_biolake/manifest.json``) is the truth about the mirror; the lake's state
folder keeps a copy of it and a journal with one line per upload as it finishes, so an interrupted sync
resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_KEY = "_biolake/manifest.json"
VERSION = 1
CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One object of the mirror: its content hash, size, layer, and where it lives in a lake (None for
    gold exports, which the catalog holds as tables)."""

    sha256: str
    size: int
    layer: str
    lake_path: str | None = None


@dataclass
class Manifest:
    """Key (relative to the prefix) → Entry, plus the gold tables' shapes for a restore."""

    entries: dict[str, Entry] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        body = {
            "version": VERSION,
            "entries": {k: asdict(v) for k, v in sorted(self.entries.items())},
            "tables": self.tables,
        }
        return json.dumps(body, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        body = json.loads(data)
        if not isinstance(body, dict) or body.get("version") != VERSION:
            raise ValueError("not a biolake sync manifest (version 1)")
        entries = {k: Entry(**v) for k, v in body.get("entries", {}).items()}
        return cls(entries=entries, tables=dict(body.get("tables", {})))


def local_manifest_path(state: Path, destination: str) -> Path:
    """The local manifest of one destination (``s3://bucket/prefix``) in the lake's state folder."""
    name = hashlib.sha256(destination.encode()).hexdigest()[:16]
    return state / "sync" / f"{name}.json"


def save_local(path: Path, manifest: Manifest) -> None:
    """Write ``manifest`` atomically (temporary name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(manifest.to_json())
    tmp.replace(path)


class Journal:
    """Uploads of a sync in progress, one JSON line each (appended and flushed as each upload lands)."""

    def __init__(self, manifest_path: Path) -> None:
        self.path = manifest_path.with_suffix(".journal")

    def read(self) -> dict[str, Entry]:
        """Entries a previous, interrupted sync recorded (a torn last line is ignored)."""
        entries: dict[str, Entry] = {}
        if not self.path.is_file():
            return entries
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                body = json.loads(line)
                key = body.pop("key")
                entries[key] = Entry(**body)
            except (ValueError, TypeError, KeyError):
                continue
        return entries

    def append(self, key: str, entry: Entry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": key, **asdict(entry)}) + "\n")

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
