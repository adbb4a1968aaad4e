"""Hatch build hook: compile the optional C parser ``biolake.sources.apple_health._fastparse``.

A wheel gets the compiled module (and a platform tag); an editable install gets it built in place next
to its source. biolake falls back to its pure-Python parser when the module is missing, so a machine
without a C compiler still installs, with a warning. Environment:

- ``BIOLAKE_REQUIRE_EXTENSION=1``: a failed compile is an error (CI sets it);
- ``BIOLAKE_NO_EXTENSION=1``: do not compile (a pure-Python install).

The C source needs only Python's headers: expat itself is reached through pyexpat at run time.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

MODULE = "biolake.sources.apple_health._fastparse"
SOURCE = "src/biolake/sources/apple_health/_fastparse.c"


def compile_extension(root: Path, out_dir: Path) -> Path:
    """Compile the extension with setuptools' ``build_ext`` into ``out_dir``; the built file's path."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    flags = [] if sys.platform == "win32" else ["-O2", "-std=c11"]
    ext = Extension(MODULE, [str(root / SOURCE)], extra_compile_args=flags)
    cmd = build_ext(Distribution({"name": "biolake", "ext_modules": [ext]}))
    cmd.build_lib = str(out_dir / "lib")
    cmd.build_temp = str(out_dir / "temp")
    cmd.ensure_finalized()
    cmd.run()
    return Path(cmd.get_ext_fullpath(MODULE))


class CustomBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds the compiled parser to wheels (standard and editable)."""

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("BIOLAKE_NO_EXTENSION") == "1":
            return
        root = Path(self.root)
        self._tmp = Path(tempfile.mkdtemp(prefix="biolake-build-"))
        try:
            built = compile_extension(root, self._tmp)
        except Exception as exc:  # no compiler or headers: install the pure-Python parser only
            if os.environ.get("BIOLAKE_REQUIRE_EXTENSION") == "1":
                raise
            self.app.display_warning(f"biolake: C parser not built ({exc}); using the pure-Python parser")
            return
        package_dir = Path(SOURCE).parent
        if version == "editable":  # the source tree is what gets imported: put it beside the .c file
            shutil.copy2(built, root / package_dir / built.name)
        else:
            inside = Path(*package_dir.parts[1:]) / built.name  # biolake/sources/apple_health/…
            build_data["force_include"][str(built)] = inside.as_posix()
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
