"""A1 references and sheet names as formulas write them: the one set of helpers that the
reader, the checks and every writer share."""

from __future__ import annotations

import re

MAX_ROW = 1048576
MAX_COLUMN = 16384  # XFD

_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_LETTERS: dict[int, str] = {}  # every column asked for, at most MAX_COLUMN short strings


def col_letter(col: int) -> str:
    """1 -> "A", 28 -> "AB"; memoised, since new sheets ask for the same columns thousands of times."""
    letters = _LETTERS.get(col)
    if letters is not None:
        return letters
    letters = ""
    n = col
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    if type(col) is int and 0 < col <= MAX_COLUMN:
        _LETTERS[col] = letters
    return letters


_INDEXES: dict[str, int] = {}


def col_index(letters: str) -> int:
    """"A" -> 1, "AB" -> 28 (upper-case letters); memoised for the at most 3 letters a valid
    column has, since the sheet editor converts the same few letters hundreds of times."""
    n = _INDEXES.get(letters)
    if n is not None:
        return n
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    if len(letters) <= 3:
        _INDEXES[letters] = n
    return n


def ref(row: int, col: int) -> str:
    letters = _LETTERS.get(col)  # col_letter's memo, looked up without the call
    return f"{col_letter(col) if letters is None else letters}{row}"


_PLACES: dict[str, tuple[int, int]] = {}  # parse_ref's answers: findings sort by their cells


def parse_ref(a1: str) -> tuple[int, int]:
    """(row, col) of "B7", "$B$7" or "b7"; ValueError for anything else."""
    got = _PLACES.get(a1)
    if got is not None:
        return got
    m = _REF.match(a1.replace("$", "").upper())
    if not m:
        raise ValueError(a1)
    got = int(m.group(2)), col_index(m.group(1))
    if len(_PLACES) < 65536 and len(a1) <= 16:
        _PLACES[a1] = got
    return got


def parse_range(a1: str) -> tuple[int, int, int, int]:
    """(first row, first col, last row, last col) of "A1:C3" (either corner first) or "B2"."""
    first, _, last = a1.partition(":")
    r1, c1 = parse_ref(first)
    r2, c2 = parse_ref(last or first)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def quote_sheet(name: str) -> str:
    """A sheet name as a formula or defined name refers to it: always quoted, ' doubled.
    Quoting a name that needs none is valid in Excel, WPS and LibreOffice alike."""
    return "'" + name.replace("'", "''") + "'"
