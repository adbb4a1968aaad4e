"""Versioned model artifacts: ``<lake>/models/forecast/<target>/v0001/`` holds ``model.pkl`` (the fitted
model) and ``card.json`` (the model card: data range, n, features, metrics, baseline comparison, feature
importance, training time, seed). A version is written to a temporary folder and renamed into place, so
a failed or interrupted training leaves no half-written version behind."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from biolake.errors import BiolakeError
from biolake.lake.paths import LakePaths
from biolake.ml.models import FittedModel

MODEL_FILE = "model.pkl"
CARD_FILE = "card.json"
VERSION_RE = re.compile(r"^v(\d{4,})$")


class ModelNotFound(BiolakeError):
    """No trained model (or not the version asked for)."""


@dataclass(frozen=True)
class Version:
    """One saved model version."""

    target: str
    number: int
    path: Path

    @property
    def name(self) -> str:
        return f"v{self.number:04d}"

    def card(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / CARD_FILE).read_text(encoding="utf-8"))
        return data

    def model(self) -> FittedModel:
        with (self.path / MODEL_FILE).open("rb") as fh:
            model = pickle.load(fh)  # the lake's own artifact, written by save()
        if not isinstance(model, FittedModel):
            raise ModelNotFound(f"{self.path / MODEL_FILE}: not a biolake model")
        return model


def target_dir(paths: LakePaths, target: str) -> Path:
    return paths.models / "forecast" / target


def versions(paths: LakePaths, target: str) -> list[Version]:
    """Saved versions of ``target``, oldest first."""
    folder = target_dir(paths, target)
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        match = VERSION_RE.match(child.name)
        if match and (child / CARD_FILE).is_file() and (child / MODEL_FILE).is_file():
            found.append(Version(target, int(match.group(1)), child))
    return sorted(found, key=lambda v: v.number)


def latest(paths: LakePaths, target: str) -> Version:
    found = versions(paths, target)
    if not found:
        raise ModelNotFound(
            f"no trained model for target '{target}': run 'biolake ml train --target {target}'"
        )
    return found[-1]


def save(paths: LakePaths, target: str, model: FittedModel, card: dict[str, Any]) -> Version:
    """Write the next version of ``target`` (card gets its ``version``) and return it."""
    folder = target_dir(paths, target)
    folder.mkdir(parents=True, exist_ok=True)
    existing = versions(paths, target)
    number = existing[-1].number + 1 if existing else 1
    final = folder / f"v{number:04d}"
    tmp = folder / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        with (tmp / MODEL_FILE).open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        card = {"version": final.name, **card}
        (tmp / CARD_FILE).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Version(target, number, final)


def history(paths: LakePaths, target: str, top: int = 5) -> list[dict[str, Any]]:
    """One row per version, oldest first: backtest metrics and the importance share of the latest
    version's ``top`` features (``imp:<feature>``), so drift across versions shows side by side."""
    found = versions(paths, target)
    if not found:
        raise ModelNotFound(
            f"no trained model for target '{target}': run 'biolake ml train --target {target}'"
        )
    cards = [(v, v.card()) for v in found]
    leaders = [i["feature"] for i in cards[-1][1].get("importance", [])[:top]]
    rows = []
    for v, card in cards:
        bt = card.get("backtest", {})
        shares = {i["feature"]: i["share"] for i in card.get("importance", [])}
        ci = bt.get("skill_ci") or [None, None]
        rows.append(
            {
                "version": v.name,
                "trained_at": card.get("trained_at"),
                "model": card.get("model", {}).get("family"),
                "n": card.get("data", {}).get("n"),
                "last_day": card.get("data", {}).get("last_day"),
                "mae": bt.get("mae"),
                "baseline_mae": bt.get("baseline_mae"),
                "skill": bt.get("skill"),
                "skill_lo": ci[0],
                "skill_hi": ci[1],
                "coverage": bt.get("interval_coverage"),
                **{f"imp:{f}": shares.get(f, 0.0) for f in leaders},
            }
        )
    return rows
