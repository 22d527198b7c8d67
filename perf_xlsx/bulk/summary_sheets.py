"""The sheets of 汇总.xlsx after 排名: 等级分布 (with its chart and the red list), 问题统计,
问题清单, 重复提交, 未处理文件 and 未提交. Each takes the workbook, the formats and what
write_summary worked out (:class:`~perf_xlsx.bulk.summary_format.Batch`), and streams its rows.
"""

from __future__ import annotations

import itertools
import marshal
from collections import Counter
from typing import TYPE_CHECKING, Any, Iterator

from perf_xlsx.a1 import quote_sheet
from perf_xlsx.bulk.extras import SummaryExtras
from perf_xlsx.bulk.plausible import PLAUSIBLE_CODE
from perf_xlsx.bulk.report import BatchReport
from perf_xlsx.bulk.summary_format import (
    Batch,
    Formats,
    end_list,
    forget_row,
    header,
    list_sheet,
    new_sheet,
    put_num,
    write_number,
    write_string,
)
from perf_xlsx.bulk.summary_index import (
    CODE_COLUMNS,
    F_EXPECTED,
    F_FILE,
    F_FOUND,
    F_LEVEL,
    F_MSG,
    F_PLACE,
    F_SHEET,
    F_TITLE,
    F_UNIT,
    FINDING_COLUMNS,
    FINDING_WRAPPED,
    OPEN,
    RATE_BUCKETS,
    RED_COLUMNS,
    SEVERITY_LABEL,
    SEVERITY_RANK,
    STATUS_LABEL,
    shown_cell,
    wrapped_lines,
)
from perf_xlsx.bulk.summary_layout import height, lines, text
from perf_xlsx.bulk.summary_links import SheetLinks
from perf_xlsx.bulk.summary_rows import Cell, RowWriter, num_cell
from perf_xlsx.codes import CODES
from perf_xlsx.model import Severity

if TYPE_CHECKING:
    from xlsxwriter import Workbook

# A file's path is on one row of a sheet: counted without the cache of ``lines``, which it would
# only fill (up to its bound, about 0.8 MB, a row a file) with texts never asked for again.
_path_lines = lines.__wrapped__


def _distribution(wb: Workbook, f: Formats, b: Batch, labels: list[str], grades: Counter[str],
                  rates: Counter[str], red: list[int]) -> None:
    # The chart sits beside the two count tables (D2:J15); the red list starts below it.
    ws = new_sheet(wb, "等级分布", RED_COLUMNS)
    write_string(ws, 0, 0, "等级分布", f.title)
    ws.set_row(0, 22)
    write_string(ws, 1, 0, "等级", f.head)
    write_string(ws, 1, 1, "项目数", f.head)
    counts = [grades.get(g, 0) for g in labels]
    for i, (g, n) in enumerate(zip(labels, counts), start=2):
        write_string(ws, i, 0, g, f.text)
        write_number(ws, i, 1, n, f.int_)
    top = 2 + len(labels) + 1
    write_string(ws, top, 0, "执行率区间", f.head)
    write_string(ws, top, 1, "项目数", f.head)
    for j, (_, label) in enumerate(RATE_BUCKETS, start=top + 1):
        write_string(ws, j, 0, label, f.text)
        write_number(ws, j, 1, rates.get(label, 0), f.int_)
    chart = wb.add_chart({"type": "column"})
    # An explicit fill: without one LibreOffice draws no bars for a chart that relies on a
    # theme; cached values (categories_data / values_data) because constant_memory keeps no cells.
    chart.add_series({"name": "项目数", "categories": f"='等级分布'!$A$3:$A${2 + len(labels)}",
                      "values": f"='等级分布'!$B$3:$B${2 + len(labels)}", "categories_data": labels,
                      "values_data": counts, "fill": {"color": "#4472C4"}, "border": {"color": "#2F5597"},
                      "data_labels": {"value": True}, "gap": 80})
    chart.set_title({"name": "等级分布", "name_font": {"name": "宋体", "size": 12}})
    chart.set_legend({"none": True})
    chart.set_x_axis({"num_font": {"name": "宋体", "size": 10}})
    chart.set_y_axis({"num_font": {"name": "宋体", "size": 10}, "min": 0, "major_gridlines": {"visible": True}})
    ws.insert_chart(1, 3, chart, {"x_scale": 1.1, "y_scale": 1.0})
    start = max(top + len(RATE_BUCKETS) + 2, 16)  # never under the chart, however few grades
    write_string(ws, start, 0, "指标得分率比预算执行率高出 5 个百分点以上的项目（红灯）", f.note)
    header(ws, start + 1, RED_COLUMNS, f)
    row = start + 1
    for k in red:
        row += 1
        rec = b.index.record(k)
        unit, name, rate, score, file, share = rec[1], rec[2], rec[6], rec[9], rec[15], rec[19]
        n = max(_path_lines(file, 26), lines(unit, 16), lines(name, 28))
        if n > 1:
            ws.set_row(row, height(n))
        write_string(ws, row, 0, file, f.wrap)
        write_string(ws, row, 1, unit, f.wrap)
        write_string(ws, row, 2, name, f.wrap)
        put_num(ws, row, 3, rate, f.pct, f.text)
        put_num(ws, row, 4, share, f.pct, f.text)
        put_num(ws, row, 5, score, f.num, f.text)
        forget_row(ws, row - 1)
    if red:
        ws.autofilter(start + 1, 0, row, len(RED_COLUMNS) - 1)
    else:
        write_string(ws, start + 2, 0, "无", f.text)


def _code_counts(b: Batch) -> list[tuple[str, str, int, int]]:
    counts = Counter(b.index.codes)
    files = Counter(b.index.code_files)
    if b.implausible:
        key = (PLAUSIBLE_CODE, Severity.WARNING.value)
        counts[key] += len(b.implausible)
        files[key] += len(b.by_file)
    order = sorted(counts.items(), key=lambda kv: (SEVERITY_RANK.get(kv[0][1], 3), -kv[1], kv[0][0]))
    return [(code, sev, n, files[(code, sev)]) for (code, sev), n in order]


def _codes(wb: Workbook, f: Formats, b: Batch) -> None:
    ws = list_sheet(wb, "问题统计", CODE_COLUMNS, "问题统计（每种问题一行；“涉及文件数”为出现该问题的文件个数）", f)
    row = 1
    for code, sev, n, files in _code_counts(b):
        row += 1
        known = CODES.get(code)
        title = known.title if known else code
        k = max(lines(title, 30), lines(code, 28))
        if k > 1:
            ws.set_row(row, height(k))
        write_string(ws, row, 0, code, f.wrap)
        write_string(ws, row, 1, title, f.wrap)
        write_string(ws, row, 2, SEVERITY_LABEL.get(sev, sev), f.center)
        write_number(ws, row, 3, n, f.int_)
        write_number(ws, row, 4, files, f.int_)
    end_list(ws, row, len(CODE_COLUMNS), "无：没有发现问题", f)


def _plausible_rows(b: Batch, fi: int) -> Iterator[tuple[Any, ...]]:
    """问题清单 rows of the batch-level amount warnings of one file, as digest renders rows."""
    title = CODES[PLAUSIBLE_CODE].title
    for imp in b.by_file.get(fi, ()):
        rec = b.index.record(imp.k)
        unit, target, cell, sheet = rec[1], rec[16], shown_cell(rec[20]), rec[21]
        link = target.split("#")[0] + "#" + quote_sheet(sheet) + "!" + cell.split(":")[0] if target and cell \
            else target
        message = imp.message()
        values = {F_FILE: rec[15], F_UNIT: unit, F_SHEET: sheet, F_TITLE: title, F_MSG: message}
        yield (unit, sheet, cell, link, SEVERITY_LABEL[Severity.WARNING.value], PLAUSIBLE_CODE, title, message,
               imp.expected, imp.amount, wrapped_lines(values, FINDING_WRAPPED))


def _findings(wb: Workbook, f: Formats, b: Batch) -> None:
    ws = list_sheet(wb, "问题清单", FINDING_COLUMNS, "问题清单（每条问题一行；点击“单元格”打开评分结果中的该单元格）", f)
    index = b.index
    links = SheetLinks(ws, wb)
    writer = RowWriter(ws)
    row = 1
    for fi in range(len(b.report.outcomes)):
        at = index.findings_at[fi]
        extra = list(_plausible_rows(b, fi)) if fi in b.by_file else []
        if at < 0 and not extra:
            continue
        file, rows = marshal.loads(index.read(at, index.findings_len[fi])) if at >= 0 else (
            str(index.record(b.by_file[fi][0].k)[15]), [])
        for unit, sheet, cell, target, level, _code, title, message, expected, found, n_lines in extra + rows:
            row += 1
            cells: list[Cell] = [(F_FILE, file, f.wrap), (F_UNIT, unit or None, f.wrap),
                                 (F_SHEET, sheet or None, f.wrap)]
            place = links.cell(row, F_PLACE, target, cell, f.link, f.center)
            if place is not None:
                cells.append(place)
            cells += [(F_LEVEL, level, f.center if level != "错误" else f.bad), (F_TITLE, title, f.wrap),
                      (F_MSG, message, f.wrap), num_cell(F_EXPECTED, expected, f.num, f.wrap),
                      num_cell(F_FOUND, found, f.num, f.wrap)]
            writer.put(row, cells, height(n_lines) if n_lines > 1 else None)
            forget_row(ws, row - 1)
    end_list(ws, row, len(FINDING_COLUMNS), "无：没有发现问题", f)


def _duplicates(wb: Workbook, f: Formats, b: Batch) -> None:
    columns = [("单位", 18), ("项目", 24), ("年度", 6), ("原因", 18), ("文件", 26), ("评分\n结果", 6),
               ("提交时间", 17), ("处理", 22), ("总分\n（核定）", 9)]
    ws = list_sheet(wb, "重复提交", columns, "重复提交（同一单位、项目、年度提交多次，或文件内容完全相同）：只有“保留”的一份计入排名", f)
    index = b.index
    links = SheetLinks(ws, wb)
    writer = RowWriter(ws)
    row = 1
    for d in b.extras.duplicates:
        for s, kept in itertools.chain(((d.kept, True),), ((o, False) for o in d.others)):
            row += 1
            k = b.project(s)
            rec = index.record(k) if k >= 0 else None
            cells = [text(d.unit), text(d.project), text(d.reason), text(s.path)]
            n = max(lines(cells[0], 18), lines(cells[1], 24), lines(cells[2], 18), _path_lines(cells[3], 26))
            target = rec[16] if rec else ""
            place = links.cell(row, 5, target, OPEN if target else "", f.link, f.center)
            writer.put(row, [(0, cells[0], f.wrap), (1, cells[1], f.wrap), num_cell(2, d.year, f.center, f.center),
                             (3, cells[2], f.wrap), (4, cells[3], f.wrap), *([place] if place else []),
                             (6, text(s.time), f.center),
                             (7, "保留，计入排名" if kept else "未计入排名（已有较新提交）", f.wrap),
                             num_cell(8, rec[9] if rec else None, f.num, f.text)],
                       height(n) if n > 1 else None)
            forget_row(ws, row - 1)  # a row a file of a batch of resubmissions: none kept
    end_list(ws, row, len(columns), "无", f)


def _unprocessed(wb: Workbook, f: Formats, report: BatchReport) -> None:
    columns = [("文件", 40), ("状态", 8), ("原因", 80)]
    ws = list_sheet(wb, "未处理文件", columns, "未处理文件（跳过、无法读取或评分结果未能写出的文件）", f)
    row = 1
    for o in report.outcomes:
        if o.status != "scored" or o.reason:
            row += 1
            path, reason = text(o.path), text(o.reason)
            n = max(_path_lines(path, 40), lines(reason, 80))
            if n > 1:
                ws.set_row(row, height(n))
            write_string(ws, row, 0, path, f.wrap)
            write_string(ws, row, 1, STATUS_LABEL.get(o.status, o.status), f.center)
            write_string(ws, row, 2, reason, f.wrap)
            forget_row(ws, row - 1)
    end_list(ws, row, len(columns), "无：所有文件均已评分", f)


def _roster(wb: Workbook, f: Formats, extras: SummaryExtras) -> None:
    roster = extras.roster
    assert roster is not None
    columns = [("类别", 10), ("单位", 26), ("项目", 30), ("说明", 40), ("文件", 30)]
    ws = list_sheet(wb, "未提交", columns, f"未提交：名单{roster.counts()}", f)
    rows: list[tuple[str, str, str, str, str]] = []
    rows += [("未交", u, "", "名单中的单位没有提交", "") for u in roster.missing]
    rows += [("缺项目", u, p, "名单中的项目没有找到", "") for u, p in roster.missing_projects]
    rows += [("名称相近", m.roster_name, "", f"提交的单位名称为“{m.submitted_name}”，与名单不完全一致", m.path)
             for m in roster.near_misses]
    rows += [("名单外", u, "", "提交的单位不在名单中", p) for u, p in roster.unknown_units]
    row = 1
    for cells in rows:
        row += 1
        values = [text(c) for c in cells]
        n = max(lines(v, w) for v, (_, w) in zip(values, columns))
        if n > 1:
            ws.set_row(row, height(n))
        for c, v in enumerate(values):
            write_string(ws, row, c, v, f.center if c == 0 else f.wrap)
        forget_row(ws, row - 1)
    end_list(ws, row, len(columns), "无：名单中的单位均已提交", f)



def other_sheets(wb: Workbook, f: Formats, b: Batch, labels: list[str], grades: Counter[str],
                 rates: Counter[str], red: list[int]) -> None:
    """Every sheet after 排名, in their order."""
    _distribution(wb, f, b, labels, grades, rates, red)
    _codes(wb, f, b)
    _findings(wb, f, b)
    _duplicates(wb, f, b)
    _unprocessed(wb, f, b.report)
    if b.extras.roster is not None:
        _roster(wb, f, b.extras)


__all__ = ["other_sheets"]
