"""New worksheets written from scratch as text: cell tails rendered once per value, rows
joined from cached openings, and the whole sheet (views, widths, merges, links, page setup).

The new sheets hold a few hundred cells each. A cell is ``<c r="B7"`` plus a tail (its style,
type and content) that does not depend on where it sits: the builders render tails and a row's
cells go out in one join, because per-cell method calls and lookups cost more than the
formatting itself.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from perf_xlsx.a1 import col_letter
from perf_xlsx.ooxml.names import NS_MAIN, NS_R
from perf_xlsx.ooxml.text import (
    MAX_CELL_TEXT,
    NEEDS_CLEANING,
    NEEDS_ESCAPE,
    cell_string,
    clean_attr,
    number_text,
    wrapped_lines,
    xml_text,
)

# Inline strings by cell text, shared across workbooks: headers, sheet and project names and
# the scorer's phrasings repeat on many rows and in every workbook of a template. Short texts
# only, and the cache starts afresh when full, so a long batch cannot grow it without end.
_INLINE: dict[str, str] = {}
_INLINE_MAX_TEXT = 200
_INLINE_MAX_ENTRIES = 8192


def inline_string(text: str) -> str:
    """``<is>`` for a cell text: cleaned, truncated and escaped as cell_string/t_element do."""
    got = _INLINE.get(text)
    if got is not None:
        return got
    clean = text
    if len(clean) > MAX_CELL_TEXT or NEEDS_CLEANING.search(clean) is not None:
        clean = cell_string(clean)
    # As t_element: text != text.strip() is exactly a space at either end.
    if "\n" in clean or "\t" in clean or clean[:1].isspace() or clean[-1:].isspace():
        t_open = '<t xml:space="preserve">'
    else:
        t_open = "<t>"
    if "&" in clean or "<" in clean or ">" in clean:
        clean = clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    got = f"<is>{t_open}{clean}</t></is>"
    if len(text) <= _INLINE_MAX_TEXT:
        if len(_INLINE) >= _INLINE_MAX_ENTRIES:
            _INLINE.clear()
        _INLINE[text] = got
    return got


def blank_tail(style: int) -> str:
    return f' s="{style}"/>'


def text_tail(value: object, style: int) -> str:
    """A text cell after its reference; None or "" is a blank cell of that style."""
    if value is None or value == "":
        return f' s="{style}"/>'
    text = value if type(value) is str else str(value)
    return f' s="{style}" t="inlineStr">{_INLINE.get(text) or inline_string(text)}</c>'


def number_tail(value: Optional[float], style: int) -> str:
    """A number cell after its reference; None, NaN and inf are a blank cell of that style."""
    if value is None:
        return f' s="{style}"/>'
    # number_text inlined for plain ints and floats, the cases the sheets hold.
    kind = type(value)
    if kind is float:
        if value.is_integer():  # False for inf and NaN
            v: Optional[str] = str(int(value)) if -1e15 < value < 1e15 else repr(value)
        elif value - value == 0.0:  # finite (inf - inf and NaN give NaN)
            v = repr(value)
        else:
            return f' s="{style}"/>'
        return f' s="{style}"><v>{v}</v></c>'
    if kind is int and -10**15 < value < 10**15:
        return f' s="{style}"><v>{value}</v></c>'
    v = number_text(value)
    if v is None:
        return f' s="{style}"/>'
    return f' s="{style}"><v>{v}</v></c>'


# Per (first column, cell count): per row number, the row's cell openings ``<c r="A7"`` with a
# slot after each for its tail. Row numbers and shapes are the same in every workbook, so each
# is built once; joining prepared pieces is several times faster than formatting the row.
_ROW_OPENINGS: dict[tuple[int, int], dict[int, list[str]]] = {}
_ROW_CACHE_LIMIT = 2000  # rows beyond it are rare (hundreds of findings) and built each time


def _row_openings(first_col: int, count: int, row: int) -> list[str]:
    by_row = _ROW_OPENINGS.get((first_col, count))
    if by_row is None:
        by_row = _ROW_OPENINGS[(first_col, count)] = {}
    got = by_row.get(row)
    if got is None:
        got = []
        for col in range(first_col, first_col + count):
            got += (f'<c r="{col_letter(col)}{row}"', "")
        if row <= _ROW_CACHE_LIMIT:
            by_row[row] = got
    return got


_LINES: dict[float, dict[str, int]] = {}


def line_counter(width_chars: float) -> Callable[[str], int]:
    """wrapped_lines for one width, remembering each short text's count: row heights ask
    about the same indicator names, units and phrasings in workbook after workbook."""
    cache = _LINES.get(width_chars)
    if cache is None:
        cache = _LINES[width_chars] = {}
    get = cache.get

    def lines(text: str) -> int:
        got = get(text)
        if got is None:
            got = wrapped_lines(text, width_chars)
            if len(text) <= _INLINE_MAX_TEXT:
                if len(cache) >= _INLINE_MAX_ENTRIES:
                    cache.clear()
                cache[text] = got
        return got

    return lines


# The columns the new sheets use, by number: a lookup without a call per cell.
_COLUMNS: dict[int, str] = {c: col_letter(c) for c in range(1, 65)}

# Row heights come from a few line counts: each one's attributes are formatted once.
_HEIGHTS: dict[float, str] = {}


def _height_attrs(points: float) -> str:
    got = _HEIGHTS.get(points)
    if got is None:
        got = f' ht="{points:g}" customHeight="1"'
        # Positive only: -0.0 is a key equal to 0.0 but written "-0".
        if points > 0 and len(_HEIGHTS) < _INLINE_MAX_ENTRIES:
            _HEIGHTS[points] = got
    return got


class SheetBuilder:
    """A new worksheet written from scratch: values and inline strings only, never a formula.

    Cells go in one at a time (text, number, blank) or a whole row at once (put_row); a row is
    written one way or the other, not both."""

    def __init__(self) -> None:
        self.cells: dict[int, dict[int, str]] = {}
        self.full: dict[int, str] = {}  # row -> its rendered cells, from put_row
        self._full_last = 1
        self.merges: list[str] = []
        self.links: list[tuple[str, str, str]] = []
        self.heights: dict[int, float] = {}
        self.widths: dict[int, float] = {}

    def _row(self, row: int) -> dict[int, str]:
        cells = self.cells.get(row)
        if cells is None:
            cells = self.cells[row] = {}
        return cells

    def text(self, row: int, col: int, value: object, style: int) -> None:
        letters = _COLUMNS.get(col) or col_letter(col)
        cells = self.cells.get(row) or self._row(row)
        cells[col] = f'<c r="{letters}{row}"{text_tail(value, style)}'

    def number(self, row: int, col: int, value: Optional[float], style: int) -> None:
        letters = _COLUMNS.get(col) or col_letter(col)
        cells = self.cells.get(row) or self._row(row)
        cells[col] = f'<c r="{letters}{row}"{number_tail(value, style)}'

    def blank(self, row: int, col: int, style: int) -> None:
        letters = _COLUMNS.get(col) or col_letter(col)
        cells = self.cells.get(row) or self._row(row)
        cells[col] = f'<c r="{letters}{row}" s="{style}"/>'

    def put_row(self, row: int, tails: Sequence[str], first_col: int = 1) -> None:
        """Every cell of a row, from ``first_col`` on without a gap, as text_tail/number_tail/
        blank_tail render them."""
        assert row not in self.cells and row not in self.full
        cached = _ROW_OPENINGS.get((first_col, len(tails)))
        parts = cached.get(row) if cached is not None else None
        parts = (parts or _row_openings(first_col, len(tails), row)).copy()
        parts[1::2] = tails
        self.full[row] = "".join(parts)
        self._full_last = max(self._full_last, first_col + len(tails) - 1)

    def merge(self, r1: int, c1: int, r2: int, c2: int, style: Optional[int] = None) -> None:
        if (r1, c1) == (r2, c2):
            return
        letters = _COLUMNS.get
        self.merges.append(f"{letters(c1) or col_letter(c1)}{r1}:{letters(c2) or col_letter(c2)}{r2}")
        if style is not None:  # borders of a merged area are drawn from every member cell
            for r in range(r1, r2 + 1):
                assert r not in self.full, "a put_row row takes no member cells afterwards"
                cells = self._row(r)
                for c in range(c1, c2 + 1):
                    if c not in cells:
                        cells[c] = f'<c r="{letters(c) or col_letter(c)}{r}" s="{style}"/>'

    def link(self, row: int, col: int, location: str, tooltip: str = "") -> None:
        self.links.append((f"{col_letter(col)}{row}", location, tooltip))

    def height(self, row: int, points: float) -> None:
        self.heights[row] = min(409.0, max(points, self.heights.get(row, 0.0)))

    def to_bytes(self, *, selected: bool = False, freeze_rows: int = 0,
                 autofilter: Optional[str] = None, landscape: bool = True,
                 footer: str = "", tab_color: Optional[str] = None) -> bytes:
        full = self.full
        rows = sorted(self.cells.keys() | full.keys()) if full else sorted(self.cells)
        max_col = max((max(r) for r in self.cells.values() if r), default=1)
        if full:
            max_col = max(max_col, self._full_last)
        dim = f"A1:{col_letter(max_col)}{rows[-1] if rows else 1}"
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
               f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">']
        color = f'<tabColor rgb="{tab_color}"/>' if tab_color else ""
        filt = ' filterMode="0"' if autofilter else ""
        out.append(f'<sheetPr{filt}>{color}<pageSetUpPr fitToPage="1"/></sheetPr>')
        out.append(f'<dimension ref="{dim}"/>')
        sel = ' tabSelected="1"' if selected else ""
        if freeze_rows:
            top = f"A{freeze_rows + 1}"
            out.append(f'<sheetViews><sheetView{sel} workbookViewId="0">'
                       f'<pane ySplit="{freeze_rows}" topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                       f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/></sheetView></sheetViews>')
        else:
            out.append(f'<sheetViews><sheetView{sel} workbookViewId="0">'
                       '<selection activeCell="A1" sqref="A1"/></sheetView></sheetViews>')
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        if self.widths:
            out.append("<cols>")
            for c in sorted(self.widths):
                out.append(f'<col min="{c}" max="{c}" width="{self.widths[c]}" customWidth="1"/>')
            out.append("</cols>")
        out.append("<sheetData>")
        heights = self.heights
        for r in rows:
            ht = _height_attrs(heights[r]) if r in heights else ""
            done = full.get(r)
            if done is not None:
                out.append(f'<row r="{r}"{ht}>{done}</row>')
                continue
            cells = self.cells[r]
            out.append(f'<row r="{r}"{ht}>')
            out.extend(map(cells.__getitem__, sorted(cells)))
            out.append("</row>")
        out.append("</sheetData>")
        if autofilter:
            out.append(f'<autoFilter ref="{autofilter}"/>')
        if self.merges:
            out.append(f'<mergeCells count="{len(self.merges)}">')
            out.extend(f'<mergeCell ref="{m}"/>' for m in self.merges)
            out.append("</mergeCells>")
        if self.links:
            out.append("<hyperlinks>")
            # One scan of all the targets and tips: with nothing to escape or drop (the usual
            # case), clean_attr is just the cut to its limit.
            plain = NEEDS_ESCAPE.search(" ".join(f"{loc} {tip}" for _, loc, tip in self.links)) is None
            for ref, loc, tip in self.links:
                if plain:
                    tooltip = f' tooltip="{tip[:255]}"' if tip else ""
                    out.append(f'<hyperlink ref="{ref}" location="{loc}"{tooltip}/>')
                    continue
                tooltip = f' tooltip="{clean_attr(tip, 255)}"' if tip else ""
                out.append(f'<hyperlink ref="{ref}" location="{clean_attr(loc)}"{tooltip}/>')
            out.append("</hyperlinks>")
        out.append('<printOptions horizontalCentered="1"/>')
        out.append('<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>')
        orientation = "landscape" if landscape else "portrait"
        out.append(f'<pageSetup paperSize="9" orientation="{orientation}" fitToWidth="1" fitToHeight="0"/>')
        if footer:
            out.append(f"<headerFooter><oddFooter>{xml_text(footer)}</oddFooter></headerFooter>")
        out.append("</worksheet>")
        return "".join(out).encode("utf-8")
