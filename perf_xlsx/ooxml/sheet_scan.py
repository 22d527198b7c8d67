"""Locating rows, cells and merged ranges in a worksheet's text, so that an edit of twenty
cells costs little in a sheet of thousands of rows: rows are indexed once, a row's cells are
parsed only when asked for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple, Optional

from perf_xlsx.a1 import col_index, parse_range
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import Found, find_element

# The r attribute of a row or cell tag, and the column letters at the start of a cell's.
R_ATTR = re.compile(r"""\sr\s*=\s*["']([^"']*)["']""")
LETTERS = re.compile(r"[A-Z]{1,3}")
_VALUED_REF = re.compile(r'\br="([A-Z]{1,3})\d+"')
_LEADING_REF = re.compile(r'>r="([A-Z]{1,3})\d+"')
# "ref" first and the word boundary before it checked behind (as \bref would): a pattern that
# opens with a literal is scanned for it at C speed, one that opens with \b tries every position.
_MERGE_REF = re.compile(r'ref(?<!\wref)\s*=\s*"(?:([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"|([^"]+)")')
_S_ATTR = re.compile(r"""\ss\s*=\s*["'](\d+)["']""")
_VALUE = re.compile(r"<(?:[\w.-]+:)?(?:is|f)\b|<(?:[\w.-]+:)?v\s*>[^<]")

SCAN_ROWS = 10000  # rows indexed for editing: twice the reader's window (grid.MAX_ROWS)


@dataclass
class CellSpan:
    col: int
    start: int
    end: int
    text: str

    @property
    def has_value(self) -> bool:
        return _VALUE.search(self.text) is not None

    @property
    def style(self) -> int:
        m = _S_ATTR.search(self.text, 0, self.text.index(">") + 1)
        return int(m.group(1)) if m else 0


@dataclass
class RowSpan:
    num: int
    start: int
    end: int
    open_tag: str
    close_tag: str  # "" for a self-closing row
    _cells: Optional[list[CellSpan]] = None  # filled by row_cells on first use


class SheetPatterns(NamedTuple):
    """The row and cell patterns for one namespace prefix."""

    row_open: re.Pattern[str]
    cell_open: re.Pattern[str]
    row_close: str
    cell_close: str
    # A cell that holds something: its first child is a formula, a non-empty value or an
    # inline string (children come in the order f, v, is). Group 1 is the tag's attributes.
    valued: re.Pattern[str]


_PATTERNS: dict[str, SheetPatterns] = {}


def sheet_patterns(p: str) -> SheetPatterns:
    """The patterns for prefix ``p`` ('' or 'x:'), compiled once per prefix."""
    got = _PATTERNS.get(p)
    if got is None:
        esc = re.escape(p)
        got = _PATTERNS[p] = SheetPatterns(
            # Row and cell attributes are numbers, references and enums: never a ">" inside,
            # so the plain [^>]* scan is safe here and much faster than a quote-aware one.
            row_open=re.compile(rf"<{esc}row(?=[\s/>])[^>]*>"),
            cell_open=re.compile(rf"<{esc}c(?=[\s/>])[^>]*>"),
            row_close=f"</{p}row>",
            cell_close=f"</{p}c>",
            # The tag's attributes are captured whole and its r= read afterwards: a lazy scan
            # for r= inside the pattern tried every character of every cell tag (twice the
            # time). (?=(...))\1 is an atomic group: on an empty <c .../> the match fails at
            # once instead of backing off one attribute character at a time (it could never
            # succeed that way).
            valued=re.compile(rf"<{esc}c\s(?=([^>]*))\1(?<!/)>\s*<{esc}(?:f\b|is\b|v>[^<])"),
        )
    return got


class RowIndex(NamedTuple):
    """Where the rows of a sheetData are."""

    rows: dict[int, RowSpan]  # by row number; the first of duplicates
    order: list[RowSpan]  # as written
    # Rows strictly ascending with nothing but whitespace between them (what every writer
    # produces): then rows a..b are one stretch of text, which right_edge scans at once.
    in_order: bool
    tail: Optional[int]  # offset of the first row past SCAN_ROWS, left unindexed


def index_rows(text: str, data: Found, pats: SheetPatterns) -> RowIndex:
    """The rows of the sheetData element ``data`` found in ``text``."""
    rows: dict[int, RowSpan] = {}
    order: list[RowSpan] = []
    tail: Optional[int] = None
    in_order = True
    if data.body is not None:
        pos = data.start() + data.group(0).index(">") + 1
        stop = data.start() + data.group(0).rindex("</")
        last = 0
        row_open, row_close = pats.row_open, pats.row_close
        search, find, r_attr, close_len = row_open.search, text.find, R_ATTR.search, len(row_close)
        while True:
            rm = search(text, pos, stop)
            if rm is None:
                break
            open_tag = rm.group(0)
            start, end = rm.span()
            if open_tag.endswith("/>"):
                close = ""
            else:
                at = find(row_close, end, stop)
                if at < 0:
                    raise PartError("工作表行结构异常")
                end, close = at + close_len, row_close
            r = r_attr(open_tag)
            num = int(r.group(1)) if r and r.group(1).isdigit() else last + 1
            if num <= last or (start != pos and not text[pos:start].isspace()):
                in_order = False
            last = num
            if num > SCAN_ROWS:
                # Formatting-only rows down to 1,048,576 are common; the tool never edits
                # below the reader's window, so the rest stays one untouched tail.
                tail = start
                break
            row = RowSpan(num, start, end, open_tag, close)
            order.append(row)
            if num not in rows:
                rows[num] = row
            pos = end
    return RowIndex(rows, order, in_order, tail)


def read_merges(text: str, p: str, start: int) -> list[tuple[int, int, int, int]]:
    """(r1, c1, r2, c2) of every merged range in the mergeCells at or after ``start``."""
    merges: list[tuple[int, int, int, int]] = []
    mm = find_element(text, p + "mergeCells", start)
    if mm is None or not mm.body:
        return merges
    # Templates merge dozens of ranges, all written "A1:B2": those are read by the pattern
    # itself, anything else (the last group) as grid.parse_range does.
    for l1, n1, l2, n2, rng in _MERGE_REF.findall(mm.body):
        if l1:
            r1, c1, r2, c2 = int(n1), col_index(l1), int(n2), col_index(l2)
            if r1 <= r2 and c1 <= c2:
                merges.append((r1, c1, r2, c2))
            else:
                merges.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
            continue
        try:
            merges.append(parse_range(rng))
        except ValueError:
            continue
    return merges


def row_cells(text: str, row: RowSpan, pats: SheetPatterns) -> list[CellSpan]:
    """The cells of ``row``, parsed on first use and remembered on the row."""
    if row._cells is None:
        row._cells = []
        if row.close_tag:
            pos, stop = row.start + len(row.open_tag), row.end - len(row.close_tag)
            cell_open, cell_close = pats.cell_open, pats.cell_close
            col = 0
            while True:
                cm = cell_open.search(text, pos, stop)
                if cm is None:
                    break
                tag = cm.group(0)
                if tag.endswith("/>"):
                    end = cm.end()
                else:
                    at = text.find(cell_close, cm.end(), stop)
                    if at < 0:
                        raise PartError("工作表单元格结构异常")
                    end = at + len(cell_close)
                ref = R_ATTR.search(tag)
                letters = LETTERS.match(ref.group(1)) if ref else None
                col = col_index(letters.group(0)) if letters else col + 1
                row._cells.append(CellSpan(col, cm.start(), end, text[cm.start():end]))
                pos = end
    return row._cells


def right_edge(text: str, index: RowIndex, merges: list[tuple[int, int, int, int]], valued: re.Pattern[str],
               first_row: int, last_row: int) -> int:
    """Last column holding a value or a merge within rows first_row..last_row."""
    found: list[str] = []
    if index.in_order:
        spans = [span for span in index.order if first_row <= span.num <= last_row]
        if spans:
            found = valued.findall(text, spans[0].start, spans[-1].end)
    else:
        for num in range(first_row, last_row + 1):
            span = index.rows.get(num)
            if span is not None and span.close_tag:
                found += valued.findall(text, span.start, span.end)
    # The first r= of each tag's attributes. Every writer puts r first: then one findall of
    # ">r=" over the tags joined by ">" (which cannot occur in them) reads them all, and finds
    # one per tag exactly when each starts with its reference.
    letters_found = _LEADING_REF.findall(">" + ">".join(found))
    if len(letters_found) == len(found):
        letters = set(letters_found)
    else:
        letters = set()
        search = _VALUED_REF.search
        for attrs in found:
            ref = search(attrs)
            if ref is not None:
                letters.add(ref.group(1))
    edge = max(map(col_index, letters), default=0)
    for r1, _c1, r2, c2 in merges:
        if r1 <= last_row and r2 >= first_row:
            edge = max(edge, c2)
    return edge


class MergeAnchors:
    """The top-left cell of the merge holding a cell. Indexed by row: the tool asks for many
    cells, a sheet can hold thousands of merges. Where merges overlap the last one listed holds
    the cell."""

    def __init__(self, merges: list[tuple[int, int, int, int]]) -> None:
        self._by_row: dict[int, list[tuple[int, int, int]]] = {}
        self._big: list[tuple[int, int, int, int]] = []  # whole-column merges: not indexed
        self._cells: dict[int, dict[int, tuple[int, int]]] = {}
        for r1, c1, r2, c2 in merges:
            if (r2 - r1 + 1) * (c2 - c1 + 1) > 20000:
                self._big.append((r1, c1, r2, c2))
                continue
            for r in range(r1, r2 + 1):
                self._by_row.setdefault(r, []).append((c1, c2, r1))

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """The top-left cell of the merge holding (row, col), or the cell itself."""
        in_row = self._by_row.get(row)
        if in_row is not None:
            if len(in_row) <= 16:
                for c1, c2, r1 in reversed(in_row):
                    if c1 <= col <= c2:
                        return r1, c1
            else:  # a row crowded with merges: its cells are looked up, not scanned
                cells = self._cells.get(row)
                if cells is None:
                    cells = self._cells[row] = {c: (r1, c1) for c1, c2, r1 in in_row
                                                for c in range(c1, c2 + 1)}
                hit = cells.get(col)
                if hit is not None:
                    return hit
        for r1, c1, r2, c2 in self._big:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return r1, c1
        return row, col
