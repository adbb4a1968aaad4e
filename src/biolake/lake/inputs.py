"""What the user pointed ``ingest`` at, expanded into single inputs: files, folders and zip archives."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from biolake.errors import FileError
from biolake.lake.paths import CATALOG_NAME
from biolake.sources.base import SNIFF_BYTES, Source, all_sources

ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Input:
    """One export to import: a file, a zip archive read whole by one source, or one zip member."""

    display: str  # how messages name it: "data/export.zip" or "data/cgm.zip!dexcom.csv"
    name: str  # base name, a hint for sniffing only
    open: Callable[[], IO[bytes]]
    source_hint: Source | None = None  # a source that claims the whole zip
    path: Path | None = None  # the file itself, when the input is a whole regular file


@dataclass(frozen=True)
class BadInput:
    """A path that cannot be imported at all, with the reason."""

    display: str
    error: FileError


def _skip(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _zip_claimant(names: list[str]) -> Source | None:
    """The source that reads this zip whole, e.g. Apple Health for a zip holding ``export.xml``."""
    basenames = {PurePosixPath(n).name for n in names}
    for source in all_sources():
        member = getattr(source, "zip_member", None)
        if member and member in basenames:
            return source
    return None


def _zip_inputs(path: Path) -> Iterator[Input | BadInput]:
    display = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir() and not _skip(i.filename)]
    except (zipfile.BadZipFile, OSError) as exc:
        yield BadInput(display, FileError(display, f"not a readable zip archive ({exc})"))
        return
    claimant = _zip_claimant(names)
    if claimant is not None:
        yield Input(display, path.name, lambda: path.open("rb"), source_hint=claimant, path=path)
        return
    members: list[Input] = []
    for name in names:
        member_display = f"{display}!{name}"

        def opener(name: str = name) -> IO[bytes]:
            return zipfile.ZipFile(path).open(name)  # the archive closes with its member

        members.append(Input(member_display, PurePosixPath(name).name, opener))
    if not members:
        yield BadInput(display, FileError(display, "zip archive is empty"))
        return
    recognised = [m for m in members if _recognised(m)]
    if not recognised:
        yield BadInput(
            display,
            FileError(display, "zip archive has no export.xml and no other export biolake recognises"),
        )
        return
    yield from members


def _recognised(item: Input) -> bool:
    with item.open() as fh:
        head = fh.read(SNIFF_BYTES)
    return any(s.sniff(head, item.name) for s in all_sources())


def is_zip(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == ZIP_MAGIC


def is_lake(folder: Path) -> bool:
    """Whether ``folder`` is a biolake lake (its files are never inputs)."""
    return (folder / CATALOG_NAME).is_file() or (folder / "bronze" / "files").is_dir()


def _walk(folder: Path) -> list[Path]:
    """Files under ``folder``, sorted, skipping hidden entries and any lake inside it."""
    found: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if _skip(entry.name):
            continue
        if entry.is_dir():
            if not is_lake(entry):
                found.extend(_walk(entry))
        elif entry.is_file():
            found.append(entry)
    return found


def expand(paths: list[Path]) -> list[Input | BadInput]:
    """Every input under ``paths``: folders recursively (hidden files and lakes skipped), zips opened."""
    out: list[Input | BadInput] = []
    for path in paths:
        if path.is_dir() and is_lake(path):
            out.append(BadInput(str(path), FileError(path, "this is a biolake lake, not an export")))
        elif path.is_dir():
            for file in _walk(path):
                out.extend(_file_inputs(file))
        elif path.is_file():
            out.extend(_file_inputs(path))
        else:
            out.append(BadInput(str(path), FileError(path, "no such file or folder")))
    return out


def _file_inputs(path: Path) -> Iterator[Input | BadInput]:
    try:
        zipped = is_zip(path)
    except OSError as exc:
        yield BadInput(str(path), FileError(path, f"cannot read: {exc.strerror}"))
        return
    if zipped:
        yield from _zip_inputs(path)
    else:
        yield Input(str(path), path.name, lambda: path.open("rb"), path=path)
