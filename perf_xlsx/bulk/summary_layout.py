"""How much room a text needs in 汇总.xlsx: line counts of wrapped cells, so that row heights are
set to what the text needs and nothing prints over the row below.

Excel and LibreOffice do not grow a row when a file says its height, and xlsxwriter cannot
measure glyphs, so the estimate is made here: a column of width W (Excel's unit, the width of a
digit) holds about W − 1 narrow characters or half as many CJK ones. Latin text breaks at spaces
and may need a line more; the texts here are mostly CJK, which breaks anywhere, and
tests/test_summary.py checks the estimate against LibreOffice's printed page. Run in the
workers (digest), so the parent only copies the numbers; imported by every worker, so it
imports nothing of the package but what it needs when a text needs it.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Callable, Optional

POINTS_PER_LINE = 14.0  # 10-point text, with the leading of the CJK fonts LibreOffice falls back to
ROW_PADDING = 3.0
SINGLE_ROW = 15.0  # every data row: one line and its padding
MAX_CELL_TEXT = 32_767  # Excel's limit per cell
MAX_ROW_HEIGHT = 409.0  # Excel's limit; longer texts are cut in the cell anyway

# Runs of wide characters: a Chinese text is a few long runs, so summing run lengths touches
# far fewer match objects than counting the characters one match each.
# Compiled on first use: compiling these ranges takes milliseconds, and an unchanged rerun (which
# imports this module with the summary's index) writes no summary.
_WIDE_RUNS = ("[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
              "\U00020000-\U0003fffd]+")
_wide_runs: Optional[Callable[[str], list[str]]] = None
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def text(value: object) -> str:
    """A user's text as a cell can hold it: XML-legal characters, Excel's length limit. The
    ``_xHHHH_`` escaping and markup escaping are xlsxwriter's."""
    s = str(value)
    if _ILLEGAL.search(s) is not None:
        from perf_xlsx.ooxml.text import clean_xml  # rare: the ooxml package costs an import

        s = clean_xml(s)
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    return s[:MAX_CELL_TEXT]


def display_width(s: str) -> int:
    """Width in narrow characters: CJK and full-width forms count 2."""
    global _wide_runs
    if s.isascii():
        return len(s)
    if _wide_runs is None:
        _wide_runs = re.compile(_WIDE_RUNS).findall
    return len(s) + sum(map(len, _wide_runs(s)))


# The same texts come back again and again (a file's name on each of its findings, the usual
# messages in every file); bounded, so a worker's memory does not grow with what it digests.
@lru_cache(maxsize=4096)
def lines(s: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` needs for ``s`` (explicit line breaks kept)."""
    room = max(1.0, width - 1.0)
    if "\n" not in s:
        return max(1, math.ceil(display_width(s) / room))
    return sum(max(1, math.ceil(display_width(part) / room)) for part in s.split("\n"))


def height(n_lines: int) -> float:
    """Row height in points for ``n_lines`` lines of 10-point text."""
    return min(MAX_ROW_HEIGHT, max(SINGLE_ROW, n_lines * POINTS_PER_LINE + ROW_PADDING))


def fits(s: str, width: float) -> bool:
    """Whether every line of a header fits its column without a break of its own."""
    return all(display_width(part) <= width - 1 for part in s.split("\n"))


__all__ = ["MAX_CELL_TEXT", "display_width", "fits", "height", "lines", "text"]
