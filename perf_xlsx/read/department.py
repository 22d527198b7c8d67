"""部门整体 tables: telling one from a project table by its title, the unit it is about, the columns
of its indicator or rubric rows, and the note that says what was read and how it is judged
(scoring-rules.md §1.3). Its funds block: read.dept_funds; its 年度主要任务: read.tasks."""

from __future__ import annotations

import re
from typing import Optional

from perf_xlsx.model import FundsGroup, FundsRow, Indicator, TaskRow
from perf_xlsx.read.indicators import find_indicator_header, name_column
from perf_xlsx.read.labels import (
    PROJECT_LABELS,
    SheetContext,
    after_colon,
    first_labelled_value,
)

# A department table's title: 部门整体…自评表 / 评价表 / 评分表 in one cell. Goal text, a project
# name or a 完成情况 sentence may say 部门整体 too ("提升部门整体支出绩效水平"); only the title
# tells the kind of table (scoring-rules.md §1.3).
_DEPARTMENT_TITLE_RE = re.compile(r"部门整体[^。；;，,]*?(?:自评表|评价表|评分表|自评报告|考核表)")


def is_department_table(ctx: SheetContext) -> bool:
    """Whether the sheet's title makes it a 部门整体 table: a cell of rows 1-12 that names such a
    table, or the sheet's heading (its first line, one cell) naming 部门整体. A 项目支出 title
    never does: a project table may belong to a 部门整体 set or name the 部门整体 in its text."""
    rows = ctx.label_rows(range(1, min(ctx.sheet.max_row, 12) + 1))
    for i, r in enumerate(rows):
        labels = ctx.labels(r)
        for _, t in labels:
            if "项目支出" in t and ("自评" in t or "评价" in t):
                return False  # the table says it is a project table
            if _DEPARTMENT_TITLE_RE.search(t):
                return True
        # The heading: the first line holds one cell alone (a label row has its value beside it).
        if i == 0 and len(labels) == 1 and "部门整体" in labels[0][1] and not after_colon(
                ctx.text(r, labels[0][0])) and not labels[0][1].startswith(PROJECT_LABELS):
            return True
    return False


def find_rubric_header(ctx: SheetContext, rows: range) -> Optional[int]:
    """The header of a department table's indicator or rubric rows (部门整体: Hunan's 一级指标 |
    二级指标 | 三级指标 | 评分标准 | 分值 | 自评得分, or 考核指标 | 评分标准 | 分值 | 得分)."""
    return find_indicator_header(ctx, rows, scored=True)


def rubric_columns(ctx: SheetContext, header: int, cols: dict[str, int]) -> Optional[dict[str, int]]:
    """The columns of a department table's indicator rows, or None when they carry nothing to
    judge: neither a 分值 / 得分 (or 权重 / 得分系数) to add up nor a target or actual to score.

    A scoring table's 评分标准 (``rule``) is a rule in words, neither a target nor a value."""
    if not {"weight", "score", "coefficient", "target", "actual"} & set(cols):
        return None
    if "name" not in cols:
        # A table without a 三级 column names its rows in another (考核指标), else in its
        # finest level column: read_indicators needs a name column to tell rows apart.
        name = name_column(ctx, header, cols) or cols.get("level2") or cols.get("level1")
        if name is None:
            return None
        cols["name"] = name
    return cols


DEPARTMENT_NAME_LABELS = ("部门(单位)名称", "部门名称", "单位名称", "预算单位名称", "预算单位")


def department_name(ctx: SheetContext, rows: range) -> tuple[str, str]:
    """The unit a 部门整体 table is about (部门（单位）名称 / 单位名称) and its cell; ("", "") when the
    table does not say."""
    stops = ("单位负责人", "联系电话", "主管部门", "实施单位", "填报") + DEPARTMENT_NAME_LABELS
    return first_labelled_value(ctx, DEPARTMENT_NAME_LABELS, rows, stops, 14)


def _funds_part(funds_header: Optional[int], funds: tuple[FundsRow, ...], groups: tuple[FundsGroup, ...],
                weight_column: bool) -> str:
    if not funds:
        return "资金表未能读取，资金未核对" if funds_header else "未找到资金表，资金未核对"
    counts = []
    for g in groups:
        n = sum(1 for r in funds if r.group == g.key and r.kind != "detail")
        counts.append(f"{g.name} {n} 项")
    plain = sum(1 for r in funds if not r.group and r.kind not in ("total", "detail"))
    if plain:
        counts.insert(0, f"其中各项 {plain} 项")
    text = "资金表已读取" + (f"（{'、'.join(counts)}，各自与年度资金总额核对）" if counts else "")
    if not weight_column:
        text += "；资金表没有分值栏，预算执行率只计算、不单独计分"
    return text


def _rows_part(indicators: tuple[Indicator, ...], cols: dict[str, bool], rubric_rows: int) -> str:
    n = len(indicators)
    if not n:
        return "未找到绩效指标（评分表）各行，未评分"
    parts = []
    if n - rubric_rows:
        how = "按项目支出表的规则评分（年度指标值与实际完成值比较，合计为总分并定等级）"
        if not cols["score"]:
            how += "；表中没有得分栏" + ("（得分系数 × 权重为自评得分）" if cols["coefficient"] else "，核定得分由工具按权重 × 完成比例计算")
        parts.append(f"绩效指标 {n - rubric_rows} 行{how}")
    if rubric_rows:
        parts.append(f"评分表 {rubric_rows} 行按评分标准评判：常见的机读规则（分档计分、每超过 / 低于 1 个百分点扣分、"
                     "执行率 × 分值）在该行有所需数值时由工具核定，其余须人工复核，有人工复核行时不核定总分、不定等级")
    return "；".join(parts)


def department_note(funds_header: Optional[int], funds: tuple[FundsRow, ...], groups: tuple[FundsGroup, ...],
                    weight_column: bool, tasks: tuple[TaskRow, ...], indicators: tuple[Indicator, ...],
                    cols: dict[str, bool]) -> str:
    """What was read on a department table and how it is judged, from what was read: the note
    must not claim a funds check without a funds block, nor a task check without tasks."""
    parts = [_funds_part(funds_header, funds, groups, weight_column)]
    listed = [t for t in tasks if not t.total]
    if listed:
        parts.append(f"年度主要任务 {len(listed)} 项（核对合计，并与资金总额比较）")
    rubric_rows = sum(1 for i in indicators if (i.rule is not None and not i.rule.blank) or not cols["values"])
    parts.append(_rows_part(indicators, cols, rubric_rows))
    return "部门整体支出绩效自评表：" + "；".join(parts)
