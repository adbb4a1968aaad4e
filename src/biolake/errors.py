"""The biolake exception family: the CLI turns any ``BiolakeError`` into one line and exit code 1."""

from __future__ import annotations

from pathlib import Path


class BiolakeError(Exception):
    """Root of every error biolake expects and explains (anything else is a bug)."""


class ConfigError(BiolakeError):
    """Settings that are missing, malformed or contradictory."""


class LakeError(BiolakeError):
    """The lake directory cannot be used (not writable, locked, damaged)."""


class LockTimeout(LakeError):
    """Another biolake run holds the lake's lock."""


class QueryError(BiolakeError):
    """A query that is not allowed or fails to run."""


class FileError(BiolakeError):
    """A problem with one input file; the message names the file."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ParseError(FileError):
    """An input file that cannot be parsed as the format it claims to be."""


class UnknownFormat(FileError):
    """An input file no source recognises."""


class SchemaError(BiolakeError):
    """Rows that do not fit the silver contract."""


class BuildError(BiolakeError):
    """A transformation (dbt) or data-quality gate failed."""


class SyncError(BiolakeError):
    """Mirroring the lake to or from remote storage failed."""
