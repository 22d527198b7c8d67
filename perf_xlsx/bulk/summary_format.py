"""What every sheet of 汇总.xlsx shares: the cell formats, the page setup and header row, the
writing of one typed value, and what write_summary works out once before any sheet (:class:`Batch`).

Cells are written through xlsxwriter's undecorated methods (``_write_string`` …): the public
ones first check for "A1" strings in place of row and column, a tenth of the writer's time in a
sheet of 70,000 cells; with another xlsxwriter that lacks them the public ones are used. The
long lists write their rows whole (summary_rows).
"""

from __future__ import annotations

from array import array
from collections import Counter
from typing import TYPE_CHECKING, Any, Optional, Sequence

from xlsxwriter.worksheet import Worksheet

from perf_xlsx.bulk.extras import Submission, SummaryExtras
from perf_xlsx.bulk.plausible import Implausible, implausible_amounts
from perf_xlsx.bulk.report import BatchReport
from perf_xlsx.bulk.summary_index import SummaryIndex, grade_labels
from perf_xlsx.bulk.summary_layout import height, text

if TYPE_CHECKING:
    from xlsxwriter import Workbook
    from xlsxwriter.format import Format

_FAST = all(hasattr(Worksheet, m) for m in ("_write_string", "_write_number", "_write_blank"))
write_string = Worksheet._write_string if _FAST else Worksheet.write_string
write_number = Worksheet._write_number if _FAST else Worksheet.write_number
write_blank = Worksheet._write_blank if _FAST else Worksheet.write_blank


class Formats:
    """Every cell format of the summary, made once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        cell = dict(base, border=1)

        def fmt(**kw: Any) -> Format:
            return wb.add_format(dict(cell, **kw))

        self.title = wb.add_format(dict(base, bold=True, font_size=14))
        self.note = wb.add_format(dict(base))
        self.head = fmt(bold=True, bg_color="#D9E1F2", align="center", text_wrap=True)
        self.text = fmt()
        self.wrap = fmt(text_wrap=True)
        self.center = fmt(align="center")
        self.int_ = fmt(num_format="0")
        self.bad = fmt(num_format="0", font_color="#C00000")
        self.num = fmt(num_format="#,##0.00")
        self.pct = fmt(num_format="0.00%")
        self.odd = fmt(align="center", bg_color="#FCE4D6")  # a year other than the batch's
        self.doubt = fmt(num_format="#,##0.00", bg_color="#FFEB9C")  # implausible amount
        self.link = fmt(font_color="#0563C1", underline=1, text_wrap=True)
        total = dict(cell, bold=True, top=6)
        self.total_text = wb.add_format(total)
        self.total_num = wb.add_format(dict(total, num_format="#,##0.00"))
        self.total_int = wb.add_format(dict(total, num_format="0"))
        self.total_pct = wb.add_format(dict(total, num_format="0.00%"))
        self.total_avg = wb.add_format(dict(total, num_format='"平均 "0.00'))
        self.good = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.fair = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.poor = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.over = wb.add_format({"font_color": "#C00000", "bold": True})  # 自评高于核定
        self.under = wb.add_format({"font_color": "#2F5597"})


def new_sheet(wb: Workbook, name: str, columns: Sequence[tuple[str, float]]) -> Worksheet:
    ws = wb.add_worksheet(name)
    for c, (_, w) in enumerate(columns):
        ws.set_column(c, c, w)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.set_default_row(15)
    return ws


def header(ws: Worksheet, row: int, columns: Sequence[tuple[str, float]], f: Formats) -> None:
    """The header row: repeated on every printed page, frozen on screen."""
    ws.set_row(row, height(max(h.count("\n") + 1 for h, _ in columns)))
    for c, (h, _) in enumerate(columns):
        write_string(ws, row, c, h, f.head)
    ws.repeat_rows(row)
    ws.freeze_panes(row + 1, 0)


def list_sheet(wb: Workbook, name: str, columns: Sequence[tuple[str, float]], title: str, f: Formats) -> Worksheet:
    """A sheet of one row per item: its title on the first row, the header on the second."""
    ws = new_sheet(wb, name, columns)
    write_string(ws, 0, 0, title, f.title)
    ws.set_row(0, 22)
    header(ws, 1, columns, f)
    return ws


def end_list(ws: Worksheet, last_row: int, columns: int, empty: str, f: Formats) -> None:
    """A list sheet's filter over its rows, or the sentence that says it has none."""
    if last_row > 1:
        ws.autofilter(1, 0, last_row, columns - 1)
    else:
        write_string(ws, 2, 0, empty, f.text)


def put_num(ws: Worksheet, row: int, col: int, value: Any, fmt: Format, blank: Format) -> None:
    if value is None or (isinstance(value, float) and value != value):
        write_blank(ws, row, col, None, blank)
    elif isinstance(value, (int, float)):
        write_number(ws, row, col, value, fmt)
    else:
        write_string(ws, row, col, str(value), blank)


def put_text(ws: Worksheet, row: int, col: int, value: str, fmt: Format) -> None:
    """Text, or a blank cell in the same format (its border) when there is none."""
    if value:
        write_string(ws, row, col, value, fmt)
    else:
        write_blank(ws, row, col, None, fmt)


def forget_row(ws: Worksheet, row: int) -> None:
    """Drop what xlsxwriter keeps of a row that is already on disk. Even in constant_memory mode
    it keeps every set_row height until the file closes (for drawings, which these sheets do
    not have), about 130 bytes a row; a row is written out when the next one starts."""
    ws.row_info.pop(row, None)
    ws.row_sizes.pop(row, None)


class Batch:
    """What write_summary works out once, before any sheet is written."""

    def __init__(self, report: BatchReport, index: SummaryIndex, extras: SummaryExtras) -> None:
        self.report, self.index, self.extras = report, index, extras
        self._where: Optional[dict[str, int]] = None
        # Per project 1 if ranked, 0 if a newer submission supersedes it; the ranking as an
        # array: a byte and 8 bytes a project, not a list of objects (issue 16).
        self.included = bytearray([1]) * index.projects
        for d in extras.duplicates:
            for s in d.others:
                k = self.project(s)
                if k >= 0:
                    self.included[k] = 0
        self.order = array("l", index.ranking(self.included))
        years = Counter(index.year[k] for k in self.order if index.year[k])
        self.year = years.most_common(1)[0][0] if years else None
        self.other_years = sorted(y for y in years if y != self.year)
        self.implausible = {f.k: f for f in implausible_amounts(index.budget, index.executed, index.rate,
                                                                index.kind, self.included)}
        self.by_file: dict[int, list[Implausible]] = {}
        for imp in self.implausible.values():
            self.by_file.setdefault(index.file[imp.k], []).append(imp)

    def file(self, s: Submission) -> int:
        """The submission's file: its place in report.outcomes (-1: not there)."""
        if s.file >= 0:
            return s.file
        if self._where is None:  # submissions made without their place (tests): by path
            self._where = {o.path: i for i, o in enumerate(self.report.outcomes)}
        return self._where.get(s.path, -1)

    def project(self, s: Submission) -> int:
        """The submitted table's position in the summary index (-1: not there)."""
        fi, index = self.file(s), self.index
        k = index.first[fi] + s.project if fi >= 0 and index.first[fi] >= 0 else -1
        return k if 0 <= k < index.projects and index.file[k] == fi and index.pos[k] == s.project else -1


def batch_title(b: Batch) -> str:
    """单位/财政局: --title, else the unit of the batch's first table (in scan order)."""
    if b.extras.title:
        return text(b.extras.title)
    index = b.index
    first = min(range(index.projects), key=lambda k: (index.file[k], index.pos[k]), default=None)
    return str(index.record(first)[1]) if first is not None else ""


__all__ = ["Batch", "Formats", "batch_title", "end_list", "forget_row", "grade_labels", "header", "list_sheet", "new_sheet", "put_num",
           "put_text", "write_blank", "write_number", "write_string"]
