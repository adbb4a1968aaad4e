"""Reading rendered PDFs in tests: words with their boxes (pdftotext -bbox) and page pixels (pdftoppm)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


@dataclass(frozen=True)
class Word:
    page: int  # 1-based
    text: str
    x0: float  # points from the left of the page
    y0: float  # points from the top of the page
    y1: float


def render_report(lake: Path, out: Path, kind: str, *args: str) -> tuple[dict[str, Any], Path]:
    """``biolake --format json report <kind> --pdf --out <out> <args>`` through the real CLI: the row it
    prints and the PDF."""
    from conftest import RunCli

    proc = RunCli(lake)("--format", "json", "report", kind, "--pdf", "--out", out, *args)
    assert proc.returncode == 0, proc.stderr
    meta: dict[str, Any] = json.loads(proc.stdout)[0]
    return meta, Path(meta["pdf"])


def pdf_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_words(pdf: Path) -> list[Word]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words: list[Word] = []
    for page, chunk in enumerate(out.split("<page ")[1:], start=1):
        for m in WORD.finditer(chunk):
            words.append(
                Word(page, html.unescape(m.group(5)), float(m.group(1)), float(m.group(2)), float(m.group(4)))
            )
    return words


def find(words: list[Word], text: str) -> Word:
    """The first word of the first occurrence of the words of ``text``, in a row."""
    parts = text.split()
    for i in range(len(words) - len(parts) + 1):
        if [w.text for w in words[i : i + len(parts)]] == parts:
            return words[i]
    raise AssertionError(f"{text!r} not in the PDF")


def card_value(words: list[Word], label: str) -> str:
    """The value printed under a card's (upper-case) label: the next word below, left-aligned with it."""
    head = find(words, label)
    below = [w for w in words if w.page == head.page and w.y0 > head.y1 and abs(w.x0 - head.x0) < 2]
    assert below, label
    return min(below, key=lambda w: w.y0).text


def page_pixels(pdf: Path, page: int, dpi: int, tmp: Path) -> np.ndarray:
    """Page ``page`` rendered as an RGB array (height, width, 3)."""
    stem = tmp / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", str(pdf), str(stem)],
        check=True,
    )
    raw = (stem.with_suffix(".ppm")).read_bytes()
    magic, width, height, maxval, data = raw.split(maxsplit=4)
    assert magic == b"P6" and maxval == b"255"
    return np.frombuffer(data, dtype=np.uint8).reshape(int(height), int(width), 3)


def coloured_share(pixels: np.ndarray, y0_pt: float, y1_pt: float, dpi: int) -> float:
    """Share of clearly coloured (not white, grey or black) pixels between two heights in points: text
    and axes are grey, the plotted data are coloured."""
    band = pixels[int(y0_pt * dpi / 72) : int(y1_pt * dpi / 72)].astype(int)
    chroma = band.max(axis=2) - band.min(axis=2)
    return float((chroma > 60).mean())
