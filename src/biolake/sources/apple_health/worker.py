"""A parsing worker process: ``python -m biolake.sources.apple_health.worker``.

It reads one JSON request per line on stdin — a byte range of a file holding whole top-level elements,
and where to write each bronze table — parses it, and answers one JSON line on stdout: the rows written
per table, or the error. It imports only the reader, so it starts fast and stays small.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from biolake.sources.apple_health.reader import Chunk, ChunkError, parse_chunk_to_parquet


def handle(request: dict[str, Any]) -> dict[str, Any]:
    """Parse the chunk a request names; the answer to send back."""
    path = Path(request["path"])
    with path.open("rb") as fh:
        fh.seek(request["offset"])
        data = fh.read(request["length"])
    if request.get("delete"):
        path.unlink(missing_ok=True)
    chunk = Chunk(request["index"], data, request["first_line"], tuple(request.get("meta", ())))
    try:
        targets = {name: Path(p) for name, p in request["targets"].items()}
        return {"counts": parse_chunk_to_parquet(chunk, targets)}
    except ChunkError as exc:
        return {"error": exc.message, "line": exc.line}


def main() -> None:
    for line in sys.stdin:
        answer = handle(json.loads(line))
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
