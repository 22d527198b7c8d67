"""The one exception of the read layer: a file that is not a readable workbook, with a stable code."""

from __future__ import annotations


class GridError(Exception):
    """The file is not a readable workbook; ``code`` is stable, the message Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
