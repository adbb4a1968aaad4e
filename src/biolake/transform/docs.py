"""``biolake docs``: dbt's documentation site for the lake, as one self-contained HTML file."""

from __future__ import annotations

import shutil
from pathlib import Path

from biolake.config import Settings
from biolake.errors import BuildError, LakeError
from biolake.lake import catalog
from biolake.lake.lock import lake_lock
from biolake.lake.paths import LakePaths
from biolake.transform.build import run_worker
from biolake.transform.project import prepare


def generate_docs(settings: Settings) -> Path:
    """Generate the docs (``dbt docs generate --static``) into ``<lake>/docs/index.html``; return it."""
    paths = LakePaths.at(settings.lake)
    if not paths.exists():
        raise LakeError(f"no lake at {paths.root}: run 'biolake init' or 'biolake ingest' first")
    with lake_lock(paths.lock, settings.lock_timeout):
        catalog.refresh_catalog(paths)
        place = prepare(paths, settings)
        result = run_worker(["docs", "generate", "--static", "--log-level", "none", *place.args()], None)
    page = place.target_path / "static_index.html"
    if not result.success or not page.is_file():
        raise BuildError(f"dbt docs generate failed: {result.error or 'no page written'}")
    out = paths.root / "docs" / "index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page, out)
    return out
