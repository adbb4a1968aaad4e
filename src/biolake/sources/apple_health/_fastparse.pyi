"""Type stub of the C extension ``_fastparse.c`` (compiled parse of export chunks)."""

from collections.abc import Sequence

# (validity bitmap or None, int32 offsets, UTF-8 data, null count): one Arrow string column.
Column = tuple[bytes | None, bytes, bytes, int]
# (rows, int64 ids or None, columns): one bronze table.
Table = tuple[int, bytes | None, list[Column]]

class XMLError(ValueError): ...

def configure(layouts: Sequence[tuple[str, bool, Sequence[str]]]) -> None: ...
def parse(data: bytes, index: int) -> tuple[list[Table], list[tuple[str, list[tuple[str, str]]]]]: ...
