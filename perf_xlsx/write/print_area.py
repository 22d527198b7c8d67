"""Print areas that would leave out a 核定得分 column: widened to take it in when they end just
left of it, else kept and named in 汇总."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from perf_xlsx.a1 import col_index, col_letter
from perf_xlsx.write.annotate import Placed
from perf_xlsx.write.context import TOOL_HEADER, Build

_AREA = re.compile(r"((?:'(?:[^']|'')+'|[^'!,]+)!)\$?([A-Z]{1,3})\$?(\d*)(?::\$?([A-Z]{1,3})\$?(\d*))?")


@dataclass
class _Area:
    text: str  # as written, kept when the area does not change
    prefix: str  # 'Sheet'!
    first_col: str
    top: str  # row numbers as written; both "" for whole columns ($A:$J)
    bottom: str
    last: int  # last column, possibly widened
    rows: tuple[int, int]

    def covers(self, col: int) -> bool:
        return col_index(self.first_col) <= col <= self.last

    def render(self) -> str:
        rows = (f"${self.top}", f"${self.bottom}") if self.top else ("", "")
        return f"{self.prefix}${self.first_col}{rows[0]}:${col_letter(self.last)}{rows[1]}"


def widen_print_area(text: str, spans: list[tuple[int, int, int]],
                     hidden: frozenset[int] = frozenset(),
                     results: Sequence[tuple[int, int]] = ()) -> tuple[str, list[int]]:
    """``text`` (a Print_Area formula: areas like 'Sheet'!$A$1:$J$26, comma-separated) with
    every area that ends one column left of a tool column (col, first row, last row), in rows
    it covers, widened to take the column in; also the tool columns that an area covering
    their rows still leaves out. Columns in ``hidden`` between an area and a tool column do
    not keep them apart. An area that takes in a table's last row but stops above its result
    line (``results``: table's last row, result line row) is lengthened to take the line in.
    Anything but a plain list of A1 areas is returned as it is."""
    found = list(_AREA.finditer(text))
    if not found or ",".join(m.group(0) for m in found) != text:
        return text, []
    areas = []
    for m in found:
        prefix, c1, r1, c2, r2 = m.groups()
        rows = (int(r1), int(r2 or r1)) if r1 else (1, 1 << 20)
        areas.append(_Area(m.group(0), prefix, c1, r1, r2 or r1, col_index(c2 or c1), rows))
    widened = {id(a): (a.last, a.bottom) for a in areas}
    missed: list[int] = []
    for col, t1, t2 in sorted(spans):
        touching = [a for a in areas if t1 <= a.rows[1] and t2 >= a.rows[0]]
        for a in touching:
            if a.last < col and all(c in hidden for c in range(a.last + 1, col)):
                a.last = col
        if touching and not any(a.covers(col) for a in touching) and col not in missed:
            missed.append(col)
    for last_row, line_row in results:
        for a in areas:
            if a.top and a.rows[0] <= last_row <= a.rows[1] < line_row:
                a.rows = (a.rows[0], line_row)
                a.bottom = str(line_row)
    return ",".join(a.text if (a.last, a.bottom) == widened[id(a)] else a.render() for a in areas), missed


def plan_print_areas(b: Build, placed: Placed) -> dict[int, str]:
    """The widened Print_Area text by original localSheetId. A sheet printed through a print
    area would print without its 核定得分 column: an area that ends just left of that column
    is widened to take it in; one that stops further left (the user left columns out on
    purpose) is kept, and a note says so. An area that stops between a table and its result
    line is lengthened to take the line in."""
    print_areas: dict[int, str] = {}
    parts = placed.spans.keys() | placed.results.keys()
    by_index = {s.index: s for s in b.sheets if s.part in parts}
    for el in b.wb_elements:
        if el.local != "definedName" or el.attrib.get("name", "").lower() != "_xlnm.print_area":
            continue
        local = el.attrib.get("localSheetId", "")
        sheet = by_index.get(int(local)) if local.isdigit() else None
        if sheet is None:
            continue
        spans = placed.spans.get(sheet.part, [])
        top = max((col for col, _, _ in spans), default=0)
        hidden = frozenset(c for lo, hi in b.editor(sheet).hidden_columns()
                           for c in range(lo, min(hi, top) + 1))
        text, missed = widen_print_area(el.text, spans, hidden, placed.results.get(sheet.part, ()))
        if text != el.text:
            print_areas[int(local)] = text
        for col in missed:
            b.notes.append(f"工作表「{sheet.name}」设置的打印区域不含 {col_letter(col)} 列（核定得分），"
                           "打印前请在 WPS/Excel 中调整打印区域")
    return print_areas


def fit_unset_pages(b: Build, placed: Placed) -> None:
    """Sheets the tool annotated whose author chose no page layout (no print area, no fit to
    pages, no scale, no page breaks) are set to print landscape, one page wide: at 100% the
    added 核定得分 column would print alone on a last page. Each is named in 汇总's 说明."""
    with_area = {int(el.attrib.get("localSheetId", "")) for el in b.wb_elements
                 if el.local == "definedName" and el.attrib.get("name", "").lower() == "_xlnm.print_area"
                 and el.attrib.get("localSheetId", "").isdigit()}
    parts = placed.spans.keys() | placed.results.keys()
    for sheet in b.sheets:
        if sheet.part not in parts or sheet.index in with_area:
            continue
        editor = b.editor(sheet)
        if editor.page_setup().chosen:
            continue
        editor.fit_to_width()
        b.out[sheet.part] = editor.to_bytes()
        b.print_notes.append(f"工作表「{sheet.name}」原未设置打印缩放，本副本已设为横向、缩放至一页宽（未选纸张的设为 A4），"
                             f"使{TOOL_HEADER}列和评分结果行与表格同页打印")
