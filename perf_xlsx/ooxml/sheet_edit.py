"""Targeted edits to an existing worksheet: cells restyled or written, rows created in order,
formulas dropped; everything not edited stays byte-identical."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from perf_xlsx.a1 import col_index, col_letter
from perf_xlsx.ooxml import sheet_layout
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import (
    OPEN_TAG,
    Found,
    attrs_of,
    decode_part,
    encode_part,
    find_element,
    root_prefix,
    set_attr,
)
from perf_xlsx.ooxml.sheet_scan import (
    LETTERS,
    R_ATTR,
    SCAN_ROWS,
    CellSpan,
    MergeAnchors,
    RowIndex,
    RowSpan,
    index_rows,
    read_merges,
    right_edge,
    row_cells,
    sheet_patterns,
)
from perf_xlsx.ooxml.text import xml_unescape


@dataclass
class Edit:
    """What to do with one cell: restyle it (keeping its content), or write a new cell."""

    restyle: Optional[Callable[[int], int]] = None
    new_cell: Optional[Callable[[str, str], str]] = None  # (ref, prefix) -> <c> element ("": none)


def drop_formulas(text: str, p: str, dangling: re.Pattern[str]) -> tuple[str, int]:
    """``text`` without the formulas whose text ``dangling`` finds (a reference into another
    workbook, ``[1]Sheet!A1``, or into a sheet the output does not carry; the cached value
    stays), and how many were dropped. A dropped shared-formula master takes its followers."""
    esc = re.escape(p)
    f_pat = re.compile(rf"<{esc}f\b({OPEN_TAG})(?:/>|>([^<]*)</{esc}f\s*>)", re.S)
    masters: set[str] = set()
    count = 0

    def drop(m: re.Match[str]) -> str:
        nonlocal count
        if dangling.search(xml_unescape(m.group(2) or "")):
            a = attrs_of(m.group(1))
            if a.get("t") == "shared" and "si" in a:
                masters.add(a["si"])
            count += 1
            return ""
        return m.group(0)

    out = f_pat.sub(drop, text)
    if masters:
        def drop_shared(m: re.Match[str]) -> str:
            nonlocal count
            a = attrs_of(m.group(1))
            if a.get("t") == "shared" and a.get("si") in masters:
                count += 1
                return ""
            return m.group(0)

        out = f_pat.sub(drop_shared, out)
    return out, count


def _no_cell(ref: str, prefix: str) -> str:
    return ""


class SheetEditor:
    """A worksheet part being edited: its text, the index of its rows and its merges.

    Rows are located once; a row's cells are only parsed when asked for, so a sheet of
    thousands of rows costs little when the tool touches twenty of them. Cell edits are
    applied once (apply); the edits outside the cells (sheet_layout) may follow.
    """

    def __init__(self, data: bytes) -> None:
        self.text, self.codec = decode_part(data)
        self.p = root_prefix(self.text, "worksheet")
        self.patterns = sheet_patterns(self.p)
        self.index = RowIndex({}, [], True, None)
        self.merges: list[tuple[int, int, int, int]] = []
        self._anchors: Optional[MergeAnchors] = None  # built on the first anchor() call
        self._hidden: Optional[tuple[str, list[tuple[int, int]]]] = None  # (for text, hidden_columns)
        self._scan()

    # reading ------------------------------------------------------------------------------

    def _sheet_data(self) -> Found:
        m = find_element(self.text, self.p + "sheetData")
        if m is None:
            raise PartError("工作表缺少 sheetData")
        return m

    def _scan(self) -> None:
        m = self._sheet_data()
        self.index = index_rows(self.text, m, self.patterns)
        self.merges = read_merges(self.text, self.p, m.end())
        self._anchors = None

    def cells(self, row: RowSpan) -> list[CellSpan]:
        return row_cells(self.text, row, self.patterns)

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        """The top-left cell of the merge holding (row, col), or the cell itself."""
        if self._anchors is None:
            self._anchors = MergeAnchors(self.merges)
        return self._anchors.anchor(row, col)

    def cell(self, row: int, col: int) -> Optional[CellSpan]:
        span = self.index.rows.get(row)
        if span is None:
            return None
        return next((c for c in row_cells(self.text, span, self.patterns) if c.col == col), None)

    def row_is_free(self, row: int) -> bool:
        """Whether a row can take a new line of text: no value and no merge in it, not hidden,
        and not a narrow spacer (a custom height under 11 points clips a line of text)."""
        span = self.index.rows.get(row)
        if span is not None:
            a = attrs_of(span.open_tag)
            if a.get("hidden") in ("1", "true"):
                return False
            try:
                if a.get("customHeight") in ("1", "true") and float(a.get("ht", "15")) < 11:
                    return False
            except ValueError:
                return False
        elif self.index.tail is not None and row > SCAN_ROWS:
            return False
        return self.right_edge(row, row) == 0

    def right_edge(self, first_row: int, last_row: int) -> int:
        """Last column holding a value or a merge within rows first_row..last_row."""
        return right_edge(self.text, self.index, self.merges, self.patterns.valued, first_row, last_row)

    # writing ------------------------------------------------------------------------------

    def apply(self, edits: dict[tuple[int, int], Edit]) -> None:
        """Apply cell edits (once); rows and cells are created in order when missing."""
        if not edits:
            return
        by_row: dict[int, dict[int, Edit]] = {}
        for (r, c), e in edits.items():
            by_row.setdefault(r, {})[c] = e
        m = self._sheet_data()
        if m.body is None:  # <sheetData/>
            rows = "".join(self._new_row(r, by_row[r]) for r in sorted(by_row))
            opening = m.group(0)[:-2].rstrip() + ">"
            self.text = self.text[: m.start()] + opening + rows + f"</{self.p}sheetData>" + self.text[m.end():]
            self._reset()
            return
        pieces: list[str] = []
        pos = m.start() + m.group(0).index(">") + 1
        close = m.start() + m.group(0).rindex("</")
        pieces.append(self.text[:pos])
        new_rows = sorted(r for r in by_row if r not in self.index.rows)
        done: set[int] = set()
        for row in self.index.order:
            while new_rows and new_rows[0] < row.num:
                pieces.append(self.text[pos:row.start])
                pos = row.start
                num = new_rows.pop(0)
                pieces.append(self._new_row(num, by_row[num]))
            if row.num in by_row and row.num not in done:
                done.add(row.num)
                pieces.append(self.text[pos:row.start])
                pieces.append(self._edit_row(row, by_row[row.num]))
                pos = row.end
        # New rows after the last indexed one go before the unindexed tail, keeping row order.
        insert_at = self.index.tail if self.index.tail is not None else close
        pieces.append(self.text[pos:insert_at])
        pieces.extend(self._new_row(num, by_row[num]) for num in new_rows)
        pieces.append(self.text[insert_at:])
        self.text = "".join(pieces)
        self._reset()

    def clear_cells(self, keys: Iterable[tuple[int, int]]) -> int:
        """Remove the cells at ``keys`` (value, style and all; absent ones are skipped), then
        index the rows afresh: the edits that follow look for free rows and columns. The
        number removed."""
        gone = [(r, c) for r, c in keys if self.cell(r, c) is not None]
        # A new_cell that writes nothing leaves no cell.
        self.apply_now({key: Edit(new_cell=_no_cell) for key in gone})
        return len(gone)

    def apply_now(self, edits: dict[tuple[int, int], Edit]) -> None:
        """apply, with the rows indexed afresh after it: for edits that come before others."""
        if edits:
            self.apply(edits)
            self._scan()

    def _reset(self) -> None:
        # Offsets are stale after an edit; the later edits (dimension, cols, drawing) search
        # the text afresh and need no row index.
        self.index = self.index._replace(rows={}, order=[])

    def _cell_xml(self, ref: str, edit: Edit, old: Optional[CellSpan]) -> str:
        if edit.new_cell is not None:
            return edit.new_cell(ref, self.p)
        assert edit.restyle is not None
        if old is None:
            return f'<{self.p}c r="{ref}" s="{edit.restyle(0)}"/>'
        tag_end = old.text.index(">") + 1
        tag = old.text[:tag_end]
        new_tag = set_attr(tag, "s", str(edit.restyle(old.style)))
        if R_ATTR.search(tag) is None:
            new_tag = set_attr(new_tag, "r", ref)
        return new_tag + old.text[tag_end:]

    def _locate(self, row: RowSpan, col: int, ref: str) -> Optional[CellSpan]:
        """The cell at ``col`` (``ref``) found by its r attribute with plain string search (the
        common case; the full row parse is the fallback)."""
        at = self.text.find(f' r="{ref}"', row.start, row.end)
        if at < 0:
            return None
        start = self.text.rfind("<", row.start, at)
        opener = f"<{self.p}c"
        if start < 0 or not self.text.startswith(opener, start) or \
                not self.text[start + len(opener)].isspace():
            return None
        tag_end = self.text.find(">", at) + 1
        if self.text[tag_end - 2] == "/":
            end = tag_end
        else:
            close = self.text.find(self.patterns.cell_close, tag_end, row.end)
            if close < 0:
                return None
            end = close + len(self.patterns.cell_close)
        return CellSpan(col, start, end, self.text[start:end])

    def _last_col(self, row: RowSpan) -> Optional[int]:
        """Column of the row's last cell, 0 for an empty row, None when it can't be told cheaply."""
        if not row.close_tag:
            return 0
        at = self.text.rfind(f"<{self.p}c", row.start, row.end)
        if at < 0 or at < row.start + len(row.open_tag):
            return 0
        ref = R_ATTR.search(self.text, at, self.text.find(">", at) + 1)
        letters = LETTERS.match(ref.group(1)) if ref else None
        return col_index(letters.group(0)) if letters else None

    def _edit_row_fast(self, row: RowSpan, edits: dict[int, Edit]) -> Optional[list[str]]:
        """The row's inner pieces when every edit is a located cell or lands after the last cell."""
        found: list[tuple[CellSpan, int, str]] = []
        appended: list[tuple[int, str]] = []
        last: Optional[int] = -1
        for col in sorted(edits):
            ref = f"{col_letter(col)}{row.num}"
            cell = self._locate(row, col, ref)
            if cell is not None:
                found.append((cell, col, ref))
                continue
            if last == -1:
                last = self._last_col(row)
            if last is None or col <= last:
                return None
            appended.append((col, ref))
        if row.close_tag:
            pos, inner_end = row.start + len(row.open_tag), row.end - len(row.close_tag)
        else:
            pos = inner_end = row.end
        if len(found) > 1:
            found.sort(key=lambda fc: fc[0].start)
        parts: list[str] = []
        for cell, col, ref in found:
            parts.append(self.text[pos:cell.start])
            parts.append(self._cell_xml(ref, edits[col], cell))
            pos = cell.end
        parts.append(self.text[pos:inner_end])
        for col, ref in appended:
            parts.append(self._cell_xml(ref, edits[col], None))
        return parts

    def _edit_row(self, row: RowSpan, edits: dict[int, Edit]) -> str:
        open_tag = row.open_tag
        if row.close_tag:
            close = row.close_tag
            pos, inner_end = row.start + len(row.open_tag), row.end - len(row.close_tag)
        else:
            open_tag = open_tag[:-2].rstrip() + ">"
            close = f"</{self.p}row>"
            pos = inner_end = row.end
        # LibreOffice writes no spans: skip parsing the row's attributes then.
        spans = attrs_of(open_tag).get("spans") if "spans" in open_tag else None
        if spans:
            lo, _, hi = spans.partition(":")
            if lo.isdigit() and hi.isdigit():
                new_lo, new_hi = min(int(lo), min(edits)), max(int(hi), max(edits))
                open_tag = set_attr(open_tag, "spans", f"{new_lo}:{new_hi}")
        fast = self._edit_row_fast(row, edits)
        if fast is not None:
            return open_tag + "".join(fast) + close
        parts: list[str] = []
        pending = sorted(edits)
        for cell in row_cells(self.text, row, self.patterns):
            while pending and pending[0] < cell.col:
                col = pending.pop(0)
                parts.append(self.text[pos:cell.start])
                pos = cell.start
                parts.append(self._cell_xml(f"{col_letter(col)}{row.num}", edits[col], None))
            if pending and pending[0] == cell.col:
                col = pending.pop(0)
                parts.append(self.text[pos:cell.start])
                parts.append(self._cell_xml(f"{col_letter(col)}{row.num}", edits[col], cell))
                pos = cell.end
        parts.append(self.text[pos:inner_end])
        for col in pending:
            parts.append(self._cell_xml(f"{col_letter(col)}{row.num}", edits[col], None))
        return open_tag + "".join(parts) + close

    def _new_row(self, num: int, edits: dict[int, Edit]) -> str:
        cells = "".join(self._cell_xml(f"{col_letter(c)}{num}", edits[c], None) for c in sorted(edits))
        return f'<{self.p}row r="{num}">{cells}</{self.p}row>'

    # outside the cells ------------------------------------------------------------------

    def widen_dimension(self, last_row: int, last_col: int) -> None:
        self.text = sheet_layout.widen_dimension(self.text, self.p, last_row, last_col)

    def hidden_columns(self) -> list[tuple[int, int]]:
        # Asked by the tool column, the result line and the print area: the answer stands as
        # long as the text before sheetData (where <cols> is) does, whatever the cell edits.
        data_at = self.text.find(f"<{self.p}sheetData")
        head = self.text if data_at < 0 else self.text[:data_at]
        if self._hidden is None or self._hidden[0] != head:
            self._hidden = (head, sheet_layout.hidden_columns(head, self.p))
        return list(self._hidden[1])

    def set_column_width(self, col: int, width: float) -> None:
        self.text = sheet_layout.set_column_width(self.text, self.p, col, width)

    def page_setup(self) -> sheet_layout.PageSetup:
        return sheet_layout.page_setup(self.text, self.p)

    def fit_to_width(self) -> None:
        self.text = sheet_layout.fit_to_width(self.text, self.p)

    def untab(self) -> None:
        self.text = sheet_layout.untab_text(self.text)

    def legacy_drawing_rid(self) -> Optional[str]:
        return sheet_layout.legacy_drawing_rid(self.text, self.p)

    def add_legacy_drawing(self, rid: str) -> None:
        self.text = sheet_layout.add_legacy_drawing(self.text, self.p, rid)

    def strip_formulas(self, dangling: re.Pattern[str]) -> int:
        """drop_formulas on this sheet; the rows are indexed afresh when any went."""
        text, count = drop_formulas(self.text, self.p, dangling)
        if count:
            self.text = text
            self._scan()
        return count

    def to_bytes(self) -> bytes:
        return encode_part(self.text, self.codec)
