"""Whole rows of a 汇总.xlsx sheet written in one step, the XML xlsxwriter writes for them.

A constant_memory sheet keeps each cell written as a tuple until the next row starts, then
writes the row out cell by cell through its generic XML writer; for the 15,000 rows of a large
问题清单 that was most of 汇总's time. :class:`RowWriter` renders a row's cells itself (the common
cell: text that needs no escape, a number, a blank, each with its format; a text that needs
escaping by xlsxwriter's own cell writer) and its ``<row>`` tag as xlsxwriter rendered it for the
same height, and writes it at once.
A row it cannot take as it is goes through xlsxwriter cell by cell. tests/test_summary_split.py
writes the same rows both ways and compares the bytes.
"""

from __future__ import annotations

import io
import re
from math import isfinite
from typing import TYPE_CHECKING, Any, Optional, Sequence

from xlsxwriter import worksheet as _xw_worksheet
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from perf_xlsx.bulk.summary_format import write_blank, write_number, write_string

if TYPE_CHECKING:
    from xlsxwriter.format import Format

#: One cell of a row: (column, value, format); a str is text, None a blank, else a number.
Cell = tuple[int, Any, "Format"]

# xlsxwriter's private pieces used here (3.x); without one, every row goes cell by cell.
_STRING_CELL: Any = getattr(_xw_worksheet, "CellStringTuple", None)
_FAST_ROWS = _STRING_CELL is not None and all(hasattr(Worksheet, m) for m in (
    "_write_cell", "_write_row", "_write_single_row", "_check_dimensions"))
_GENERAL_WRITE: Any = Worksheet._write_cell if _FAST_ROWS else None  # xlsxwriter's cell writer
# What makes xlsxwriter change a text or add xml:space: markup characters, its _xHHHH_ escapes
# and the control characters it escapes that way, the non-characters, white space at an end.
_SPECIAL = re.compile(r"[&<>]|_x[0-9a-fA-F]{4}_|[\x00-\x08\x0b-\x1f\ufffe\uffff]|^\s|\s$")
_COLUMN_NAMES = [xl_col_to_name(c) for c in range(32)]
# Short texts remembered as plain or not (a file, unit, sheet or title is on many rows), at most
# _MEMO of them: the memory stays bounded whatever the batch.
_MEMO, _MEMO_TEXT = 4096, 200


def num_cell(col: int, value: Any, fmt: Format, blank: Format) -> Cell:
    """summary_format.put_num's cell: a number, else a blank or the value's text in ``blank``."""
    if value is None or (isinstance(value, float) and value != value):
        return col, None, blank
    if isinstance(value, (int, float)):
        return col, value, fmt
    return col, str(value), blank


class RowWriter:
    """Rows of one constant_memory sheet, each written whole (see the module docstring)."""

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.fast = _FAST_ROWS and ws.constant_memory
        self.plain: dict[str, bool] = {}
        # height: the <row> tag after r="…", and the row size set_row records
        self.starts: dict[Optional[float], tuple[str, Optional[list[Any]]]] = {}

    def put(self, row: int, cells: Sequence[Cell], height: Optional[float] = None) -> None:
        """The cells of ``row`` (columns increasing; a str is text, None a blank with its format,
        else a number), its height as ws.set_row(row, height) sets it: the same XML as set_row
        and write_string / write_blank / write_number cell by cell. Nothing else may be written to
        the row afterwards: a row written whole is on disk."""
        ws = self.ws
        body = None
        if self.fast and row > ws.previous_row and cells:
            # The previous row goes out first, as xlsxwriter writes it when this row's first cell
            # comes: a format's number in styles.xml is the order of first use.
            previous = ws.previous_row
            if ws.table or previous in ws.row_info or previous in ws.comments:
                ws._write_single_row(row)
            else:
                ws.previous_row = row
            body = self._cells(row, cells)
        if body is None:
            if height is not None:
                ws.set_row(row, height)
            for col, value, fmt in cells:
                if value is None:
                    write_blank(ws, row, col, None, fmt)
                elif type(value) is str:
                    write_string(ws, row, col, value, fmt)
                else:
                    write_number(ws, row, col, value, fmt)
            return
        ws._check_dimensions(row, cells[0][0])
        ws._check_dimensions(row, cells[-1][0])
        known = self.starts.get(height)
        if known is None:
            known = self.starts[height] = self._start(row, height)
        start, sizes = known
        if sizes is not None:
            ws.row_sizes[row] = list(sizes)  # as set_row keeps them, to place images
        ws.fh.write(f'<row r="{row + 1}"{start}{body}</row>')

    def _start(self, row: int, height: Optional[float]) -> tuple[str, Optional[list[Any]]]:
        """The <row> tag xlsxwriter writes for a row of this height, after its r attribute, and
        the row size set_row records."""
        ws = self.ws
        info = sizes = None
        if height is not None:
            ws.set_row(row, height)
            info = ws.row_info.pop(row)  # the row is written here: its next flush must not write it
            sizes = list(ws.row_sizes.get(row, ()))
        tag = self._captured(ws._write_row, row, None, info)
        head = f'<row r="{row + 1}"'
        assert tag.startswith(head), tag
        return tag[len(head):], sizes

    def _captured(self, write: Any, *args: Any) -> str:
        """What ``write(*args)`` writes to the sheet's file, captured instead."""
        ws = self.ws
        fh, ws.fh = ws.fh, io.StringIO()
        try:
            write(*args)
            return str(ws.fh.getvalue())
        finally:
            ws.fh = fh

    def _cells(self, row: int, cells: Sequence[Cell]) -> Optional[str]:
        """The row's cells as XML, or None when one of them must go through xlsxwriter: no
        format, a text long enough to be cut, a number that is not finite, columns not increasing,
        outside the sheet."""
        ws = self.ws
        if row >= ws.xls_rowmax:
            return None
        out: list[str] = []
        r = str(row + 1)
        half = ws.xls_strmax // 2
        plain = self.plain
        last = -1
        for col, value, fmt in cells:
            if fmt is None or col <= last:
                return None
            last = col
            name = _COLUMN_NAMES[col] if col < len(_COLUMN_NAMES) else xl_col_to_name(col)
            head = f'<c r="{name}{r}" s="{fmt._get_xf_index()}"'
            kind = type(value)
            if value is None:
                out.append(head + "/>")
            elif kind is str:
                if len(value) > half:
                    return None
                known = plain.get(value)
                if known is None:
                    known = _SPECIAL.search(value) is None
                    if len(value) <= _MEMO_TEXT:
                        if len(plain) >= _MEMO:
                            plain.clear()
                        plain[value] = known
                if known:
                    out.append(f'{head} t="inlineStr"><is><t>{value}</t></is></c>')
                else:  # escapes and xml:space: xlsxwriter's own writer
                    out.append(self._captured(_GENERAL_WRITE, ws, row, col, _STRING_CELL(value, fmt)))
            elif (kind is int or kind is float) and isfinite(value):
                out.append(f"{head}><v>{value:.16G}</v></c>")
            else:
                return None
        return "".join(out) if last < ws.xls_colmax else None


__all__ = ["Cell", "RowWriter", "num_cell"]
