"""What a part's bytes alone decide, remembered across the workbooks one process reads and
writes: the workbooks of a batch come from one template, and its workbook, styles, content types
and relationships parts repeat byte for byte from file to file (and the scored copies' styles
parts, with the same few formats added, mostly do too).

Keyed by the bytes themselves, never by a digest: a hit is an equal part (a dict lookup hashes
the key once and compares it with memcmp), so no crafted input can be taken for another. Each
table is small and starts afresh when full, so a long batch of unrelated files cannot grow it
without end, and only parts up to its size limit are kept. Imports nothing from the package, so
that the reader and the writer share it.
"""

from __future__ import annotations

from typing import Callable, Generic, Optional, TypeVar

T = TypeVar("T")

MAX_BYTES = 128 * 1024  # larger parts are not template boilerplate; they are worked out each time
MAX_ENTRIES = 16


class ByContent(Generic[T]):
    """A pure function of a part's bytes, remembered for the parts that repeat. The value is
    shared between callers: it must be immutable, or copied by the caller before changing."""

    def __init__(self, compute: Callable[[bytes], T], max_entries: int = MAX_ENTRIES,
                 max_bytes: int = MAX_BYTES) -> None:
        self._compute = compute
        self._max = max_entries
        self._max_bytes = max_bytes
        self._table: dict[bytes, T] = {}

    def __contains__(self, data: object) -> bool:
        return data in self._table

    def __call__(self, data: bytes) -> T:
        if len(data) > self._max_bytes:
            return self._compute(data)
        got: Optional[T] = self._table.get(data)
        if got is None:
            got = self._compute(data)
            if len(self._table) >= self._max:
                self._table.clear()
            self._table[data] = got
        return got

    def clear(self) -> None:
        self._table.clear()
