"""One input workbook, opened once: its bytes read once, its zip directory parsed once, each
part inflated at most once under the one set of safety limits (read.zipbook), its sha256, and
the ooxml Package the writer builds the scored copy from, over the same bytes and parts.

A batch worker, ``perf-xlsx score`` and the API hold an input in an :func:`opened` block while
they check, read and write it; inside it :func:`open_book` (the reader), the own-output check
and the writer find the source by its path instead of opening the file again. Outside such a
block every step opens the file itself, as a single call must.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Iterator, Optional

from perf_xlsx.read.zipbook import ZipBook, load_book

if TYPE_CHECKING:
    from perf_xlsx.ooxml.package import Package

__all__ = ["SourceFile", "current_source", "open_book", "opened"]


class SourceFile:
    """The input at ``path``, opened on first use (``book``) and kept open for every step."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._blob: Optional[bytes] = None
        self._book: Optional[ZipBook] = None
        self._package: Optional[Package] = None

    @property
    def book(self) -> ZipBook:
        """The checked zip (GridError as read.zipbook.load_book raises it; a failure is not
        remembered, so every step that asks sees the same error a fresh open would give)."""
        if self._book is None:
            self._blob, self._book = load_book(self.path)
        return self._book

    def try_book(self) -> Optional[ZipBook]:
        """The book, or None when the file cannot be opened as a checked .xlsx."""
        try:
            return self.book
        except Exception:  # noqa: BLE001 - the caller falls back to its own reading
            return None

    @property
    def head(self) -> bytes:
        """The file's first 512 bytes as read (what read.sniff looks at)."""
        self.book  # noqa: B018 - reads the bytes
        assert self._blob is not None
        return self._blob[:512]

    @property
    def sha256(self) -> str:
        """The sha256 of the file's bytes as read (hex)."""
        self.book  # noqa: B018 - reads the bytes
        assert self._blob is not None
        return hashlib.sha256(self._blob).hexdigest()

    def package(self) -> Package:
        """The ooxml Package of the same bytes: the zip directory as parsed, the parts the reader
        inflated reused. The limits were checked once, by load_book (stricter than Package's)."""
        if self._package is None:
            # Imported here: `check` never writes, and the writer's package layer (all of
            # perf_xlsx.ooxml) would otherwise load on every command's start-up.
            from perf_xlsx.ooxml.package import Package

            book = self.book
            assert self._blob is not None
            self._package = Package(self._blob, zf=book.zf, inflated=book.parts)
        return self._package

    def close(self) -> None:
        if self._book is not None:
            self._book.zf.close()
        self._blob = self._book = self._package = None


_CURRENT: ContextVar[Optional[SourceFile]] = ContextVar("perf_xlsx_source", default=None)


@contextmanager
def opened(path: str) -> Iterator[SourceFile]:
    """Hold the input at ``path`` open for the block (lazily: nothing is read until a step asks)."""
    source = SourceFile(path)
    token = _CURRENT.set(source)
    try:
        yield source
    finally:
        _CURRENT.reset(token)
        source.close()


def current_source(path: str) -> Optional[SourceFile]:
    """The source an enclosing :func:`opened` block holds for ``path``, if any."""
    source = _CURRENT.get()
    return source if source is not None and source.path == path else None


@contextmanager
def open_book(path: str) -> Iterator[ZipBook]:
    """The workbook file at ``path`` as a ZipBook: the open source's, else read now (load_book)."""
    source = current_source(path)
    if source is not None:
        yield source.book
        return
    _, book = load_book(path)
    with book.zf:
        yield book
