"""The 排名 sheet of 汇总.xlsx: every ranked table a row (名次 counted within each kind of table,
ties sharing a rank), its links, the totals row and the grade colours; it hands the grade
counts, 执行率 bands and red list to the sheets after it.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

from perf_xlsx.bulk.summary_format import (
    Batch,
    Formats,
    batch_title,
    forget_row,
    grade_labels,
    header,
    new_sheet,
    write_blank,
    write_number,
    write_string,
)
from perf_xlsx.bulk.summary_index import (
    C_BUDGET,
    C_DIFF,
    C_ENTERED,
    C_ERR,
    C_EXEC,
    C_FILE,
    C_FUNDS,
    C_GRADE,
    C_IND,
    C_KIND,
    C_LINK,
    C_NAME,
    C_RANK,
    C_RATE,
    C_REASON,
    C_SCORE,
    C_UNIT,
    C_WARN,
    C_YEAR,
    KIND_LABEL,
    NUM_TOLERANCE,
    OPEN,
    RANK_COLUMNS,
    RANK_HEAD_ROW,
    RATE_BUCKETS,
    UNRATED,
    link_target,
)
from perf_xlsx.bulk.summary_layout import height
from perf_xlsx.bulk.summary_links import SheetLinks
from perf_xlsx.bulk.summary_rows import Cell, RowWriter, num_cell

if TYPE_CHECKING:
    from xlsxwriter import Workbook
    from xlsxwriter.worksheet import Worksheet

    from perf_xlsx.rules import Profile


def ranking_sheet(wb: Workbook, f: Formats, b: Batch, profile: Profile, stamp: str
             ) -> tuple[Counter[str], Counter[str], list[int]]:
    """排名; returns the grade counts and 执行率 bands of the ranked tables, and the red list."""
    index, extras = b.index, b.extras
    columns = list(RANK_COLUMNS)
    extra_links = [(label, m) for label, m in (("整改反馈单", extras.feedback), ("自评报告", extras.reports)) if m]
    columns += [(label, 12) for label, _ in extra_links]
    ws = new_sheet(wb, "排名", columns)
    year = f"{b.year}年度" if b.year else ""
    heading = "　".join(s for s in (batch_title(b), year, "预算绩效自评评分排名") if s)
    write_string(ws, 0, 0, heading, f.title)
    ws.set_row(0, 22)
    kinds = Counter(index.kind[k] for k in b.order)
    by_kind = "，".join(f"{label} {kinds[i]}" for i, label in enumerate(KIND_LABEL.values()) if kinds[i])
    notes = [f"规则：{profile.name} {profile.title}", f"生成时间：{stamp}",
             f"已评分 {b.report.count('scored')} 个文件、{len(b.order)} 张表" + (f"（{by_kind}，名次按类型分别排列）"
                                                                         if len(kinds) > 1 else ""),
             f"已跳过 {b.report.count('skipped')}，失败 {b.report.count('failed')}"]
    if b.other_years:
        notes.append(f"另有 {'、'.join(str(y) for y in b.other_years)} 年度的表（年度已标色）")
    superseded = index.projects - len(b.order)
    if superseded:
        notes.append(f"重复提交 {superseded} 张未计入（见「重复提交」）")
    write_string(ws, 1, 0, "；".join(notes), f.note)
    # Excel's limit for a header is 255 characters, codes included: a long --title is cut.
    ws.set_header("&L" + heading[:120].replace("&", "&&") + "&R生成时间：" + stamp)
    header(ws, RANK_HEAD_ROW, columns, f)
    links = SheetLinks(ws, wb)
    writer = RowWriter(ws)
    labels_of = grade_labels(profile, index.grades)
    grades: Counter[str] = Counter()
    rates: Counter[str] = Counter()
    red: list[int] = []
    paths = [o.path for o in b.report.outcomes] if extra_links else []
    sums = [0.0, 0.0]  # 预算, 执行
    rated = [0.0, 0.0]  # 预算, 执行 of the tables with both (the totals row's 执行率)
    counts = [0, 0]
    scores: list[float] = []
    rank = shown = 0
    kind = -1
    last = math.nan
    row = RANK_HEAD_ROW
    for k in b.order:
        row += 1
        (yr, unit, name, kind_label, budget, executed, rate, fscore, iscore, score, entered, diff, grade, errors,
         warnings, file, target, reason, n_lines, _share, _cell, _sheet_name) = index.record(k)
        if index.kind[k] != kind:  # 名次 count within each kind
            rank, shown, kind, last = 0, 0, index.kind[k], math.nan
        if index.graded[k]:
            rank += 1
            if score != last:  # ties share a rank: 1, 2, 2, 4
                shown, last = rank, score
        doubt = k in b.implausible
        warnings += 1 if doubt else 0
        money = f.doubt if doubt else f.num
        cells: list[Cell] = [
            (C_RANK, shown if index.graded[k] else "—", f.center),
            num_cell(C_YEAR, yr, f.odd if yr and b.year and yr != b.year else f.center, f.center),
            (C_UNIT, unit, f.wrap), (C_NAME, name, f.wrap), (C_KIND, kind_label, f.center),
            num_cell(C_BUDGET, budget, money, f.text), num_cell(C_EXEC, executed, money, f.text),
            num_cell(C_RATE, rate, f.pct, f.text), num_cell(C_FUNDS, fscore, f.num, f.text),
            num_cell(C_IND, iscore, f.num, f.text), num_cell(C_SCORE, score, f.num, f.text),
            num_cell(C_ENTERED, entered, f.num, f.text), num_cell(C_DIFF, diff, f.num, f.text),
            (C_GRADE, grade, f.center), (C_ERR, errors, f.bad if errors else f.int_), (C_WARN, warnings, f.int_),
            (C_FILE, file, f.wrap)]
        link = links.cell(row, C_LINK, target, OPEN if target else "", f.link, f.center)
        if link is not None:
            cells.append(link)
        cells.append((C_REASON, reason or None, f.wrap))
        for c, (_, mapping) in enumerate(extra_links, start=len(RANK_COLUMNS)):
            rel = mapping.get(paths[index.file[k]])
            link = links.cell(row, c, link_target(rel) if rel else "", "打开" if rel else "", f.link, f.center)
            if link is not None:
                cells.append(link)
        writer.put(row, cells, height(n_lines) if n_lines > 1 else None)
        grades[grade] += 1
        if rate is not None:
            rates[next(label for low, label in RATE_BUCKETS if rate >= low)] += 1
        for i, v in enumerate((budget, executed)):
            if v is not None:
                sums[i] += v
        if budget is not None and executed is not None and budget > 0:
            rated[0] += budget
            rated[1] += executed
        counts[0] += errors
        counts[1] += warnings
        if index.graded[k] and score is not None:
            scores.append(score)
        if index.red[k] and index.graded[k]:
            red.append(k)
        forget_row(ws, row - 1)
    if b.order:
        ws.autofilter(RANK_HEAD_ROW, 0, row, len(columns) - 1)
        _totals(ws, f, row + 1, len(b.order), sums, rated, counts, scores)
        _grade_formats(ws, f, RANK_HEAD_ROW + 1, row, labels_of)
    else:
        write_string(ws, RANK_HEAD_ROW + 1, 0, "无：没有评分的表", f.note)
    ws.activate()
    return grades, rates, red


def _totals(ws: Worksheet, f: Formats, row: int, n: int, sums: list[float], rated: list[float],
            counts: list[int], scores: list[float]) -> None:
    """The totals row: sums of money and counts, the overall 执行率 (Σ执行 ÷ Σ预算 of the tables
    with both), the mean 总分 of the graded tables. Values, not formulas: a filter must not
    change what the signed page says."""
    for c in range(len(RANK_COLUMNS)):
        write_blank(ws, row, c, None, f.total_text)
    write_string(ws, row, C_UNIT, "合计", f.total_text)
    write_string(ws, row, C_NAME, f"{n} 张表", f.total_text)
    write_number(ws, row, C_BUDGET, round(sums[0], 2), f.total_num)
    write_number(ws, row, C_EXEC, round(sums[1], 2), f.total_num)
    if rated[0] > 0:
        write_number(ws, row, C_RATE, rated[1] / rated[0], f.total_pct)
    if scores:
        write_number(ws, row, C_SCORE, round(sum(scores) / len(scores), 2), f.total_avg)
    write_number(ws, row, C_ERR, counts[0], f.total_int)
    write_number(ws, row, C_WARN, counts[1], f.total_int)


def _grade_formats(ws: Worksheet, f: Formats, first: int, last: int, labels: list[str]) -> None:
    """Best grade green, worst red, those between amber; 差异 red where the unit scored itself
    higher than the tool, blue where lower."""
    graded = [g for g in labels if g != UNRATED]
    for i, g in enumerate(graded):
        fmt = f.good if i == 0 else f.poor if i == len(graded) - 1 else f.fair
        ws.conditional_format(first, C_GRADE, last, C_GRADE, {"type": "cell", "criteria": "==",
                                                               "value": '"' + g.replace('"', '""') + '"',
                                                               "format": fmt})
    ws.conditional_format(first, C_DIFF, last, C_DIFF, {"type": "cell", "criteria": ">", "value": NUM_TOLERANCE,
                                                         "format": f.over})
    ws.conditional_format(first, C_DIFF, last, C_DIFF, {"type": "cell", "criteria": "<", "value": -NUM_TOLERANCE,
                                                         "format": f.under})


__all__ = ["ranking_sheet"]
