"""What this tool added to a scored copy, recognised in a workbook sent back as a submission.

A unit opens its scored copy, corrects a figure and sends the copy back: a new submission, to
be scored like any other. What the tool added is not the unit's data and must not be read as
such: the 汇总 and 评分明细 sheets (they would read as tables of their own), the 核定得分 column
right of each table (on a table without a 得分 column it would pass for the unit's scores) and
the result line under it. They are recognised by their content, which Excel, WPS and
LibreOffice keep on save, not by the document property that marks the copy (also kept, so it
cannot tell an edited copy from an untouched one).

The texts below are the writer's (perf_xlsx.write: context.TOOL_HEADER, annotate.MANUAL_REVIEW,
summary_sheet, detail_sheet); tests/test_returns.py checks they agree.
"""

from __future__ import annotations

import re
from typing import Optional

from perf_xlsx.read.grid import Sheet

__all__ = ["TOOL_HEADER", "remove_tool_cells", "strip_tool_cells", "tool_sheet"]

#: The header of the column the tool adds right of each table (write.context.TOOL_HEADER).
TOOL_HEADER = "核定得分"
#: Texts the tool writes in that column besides figures (write.annotate).
TOOL_COLUMN_TEXTS = frozenset((TOOL_HEADER, "不适用", "人工复核"))
#: 汇总's first line ends so ("项目支出绩效自评 评分汇总"); its info block and legend name the tool.
SUMMARY_TITLE_END = "评分汇总"
SUMMARY_LABELS = frozenset(("源文件 SHA-256", "源文件SHA-256", "评分规则"))
LEGEND_START = "本工作簿由 perf_xlsx"
#: Headers of 评分明细 (write.detail_sheet): the tool's and the unit's score side by side, and
#: where each row comes from, appear together in no 自评表.
DETAIL_HEADS = frozenset(("核定得分", "自评得分", "工作表"))
DETAIL_ANY = (frozenset(("计分说明", "评分说明", "位置")),)
#: The result line under a table ("核定总分 92.5　等级 优　错误 0，警告 1").
_RESULT_LINE = re.compile(r"^核定总分\s*\S+\s*等级\s*\S+\s*错误\s*\d+\s*[，,]\s*警告\s*\d+")


def tool_sheet(sheet: Sheet) -> Optional[str]:
    """"汇总" or "评分明细" when the sheet is one the tool put in a scored copy (whatever it is
    called now), else None. Looks at a few known places only, not at every cell."""
    cells = sheet.cells

    def text(row: int, col: int) -> str:
        cell = cells.get((row, col))
        return cell.value if cell is not None and isinstance(cell.value, str) else ""

    if text(1, 1).replace(" ", "").endswith(SUMMARY_TITLE_END) and any(
            text(r, c) in SUMMARY_LABELS for r in range(2, 11) for c in (1, 2)):
        return "汇总"
    for r in range(1, min(sheet.max_row, 5000) + 1):  # text(r, 1), inlined: every row of every sheet
        cell = cells.get((r, 1))
        if cell is not None and isinstance(cell.value, str) and cell.value.startswith(LEGEND_START):
            return "汇总"
    width = min(sheet.max_col, 64)
    for row in (1, 2, 3):
        heads = set()
        for c in range(1, width + 1):  # text(row, c), inlined as above
            cell = cells.get((row, c))
            heads.add(cell.value if cell is not None and isinstance(cell.value, str) else "")
        if DETAIL_HEADS <= heads and all(heads & options for options in DETAIL_ANY):
            return "评分明细"
    return None


def strip_tool_cells(sheet: Sheet) -> int:
    """remove_tool_cells, counted."""
    return len(remove_tool_cells(sheet))


def remove_tool_cells(sheet: Sheet) -> tuple[tuple[int, int], ...]:
    """Remove the 核定得分 columns and result lines the tool added to a user's sheet; the
    (row, column) of each cell removed, for the writer to clear in the next copy. A column is the tool's when it has the 核定得分 header, holds nothing but
    figures and the tool's own words from that header down to its last such cell, and has
    nothing right of it in those rows (the writer puts it right of every value): a table of the
    unit's own with a 核定得分 column among its columns is left as it is."""
    cells = sheet.cells
    lines: list[tuple[int, int]] = []
    heads: set[int] = set()
    for key, cell in cells.items():  # one pass: nearly every sheet has neither
        value = cell.value
        if value.__class__ is str and value[:2] == "核定":
            if value == TOOL_HEADER:
                heads.add(key[1])
            elif _RESULT_LINE.match(value):
                lines.append(key)
    for key in lines:
        del cells[key]
    removed = list(lines)
    head_cols = sorted(heads, reverse=True)
    # Right to left: a copy scored twice has two such columns side by side.
    for col in head_cols:
        column = sorted((r, cell) for (r, c), cell in cells.items() if c == col)
        first = next(r for r, cell in column if cell.value == TOOL_HEADER)
        span: list[int] = []
        for r, cell in column:
            if r < first:
                continue
            if not _tool_like(cell.value) or cell.formula:
                break
            span.append(r)
        if not span:
            continue
        top, bottom = span[0], span[-1]
        if any(top <= r <= bottom and c > col for (r, c) in cells):
            continue
        for r in span:
            del cells[(r, col)]
        removed.extend((r, col) for r in span)
    if removed:
        sheet.index_merges()
    return tuple(sorted(removed))


def _tool_like(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and value.strip() in TOOL_COLUMN_TEXTS
