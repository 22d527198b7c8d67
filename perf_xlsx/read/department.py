"""部门整体 tables: telling one from a project table by its title, its rubric rows, and the note
that says what was checked on it (scoring-rules.md §1.3)."""

from __future__ import annotations

import re
from typing import Optional

from perf_xlsx.model import FundsRow, Indicator, Level1Group, Subtotal
from perf_xlsx.read.indicators import find_indicator_header, name_column
from perf_xlsx.read.labels import PROJECT_LABELS, SheetContext, after_colon

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
    """The columns of a department table's rows, or None when they carry nothing to add up.

    Only arithmetic is checked there (scoring-rules.md §1.3: 0 ≤ 自评得分 ≤ 分值, group and 合计
    sums), so rows with neither a 分值 nor a 得分 column are not read. The 评分标准 column maps to
    no key: it is a rule in words, neither a target nor a value of the row."""
    if "weight" not in cols and "score" not in cols:
        return None
    if "name" not in cols:
        # A table without a 三级 column names its rows in another (考核指标), else in its
        # finest level column: read_indicators needs a name column to tell rows apart.
        name = name_column(ctx, header, cols) or cols.get("level2") or cols.get("level1")
        if name is None:
            return None
        cols["name"] = name
    return cols


def department_note(funds_header: Optional[int], funds: tuple[FundsRow, ...], indicators: tuple[Indicator, ...],
                    groups: tuple[Level1Group, ...], subtotals: tuple[Subtotal, ...], total_label: str,
                    has_weight: bool, has_score: bool) -> str:
    """What was and was not checked on a department table, from what was read: the note must
    not claim a funds check without a funds block, nor rubric checks without rubric rows."""
    parts = []
    if funds:
        parts.append("已核对资金合计")
    elif funds_header:
        parts.append("资金表未能读取，资金未核对")
    else:
        parts.append("未找到资金表，资金未核对")
    if indicators:
        checked = []
        if has_weight and has_score:
            checked.append("各行自评得分在 0 至分值之间")
        if has_weight and any(g.declared_weight is not None for g in groups):
            checked.append("各一级指标分值之和与标注的分数相符")
        if subtotals:
            checked.append("小计行等于所含各行之和")
        if total_label and (has_weight or has_score):
            what = "分值、得分" if has_weight and has_score else ("分值" if has_weight else "得分")
            checked.append(f"合计行{what}等于各行之和")
        if checked:
            parts.append(f"评分表 {len(indicators)} 行已核对：" + "，".join(checked))
        else:
            parts.append(f"评分表 {len(indicators)} 行已读取，但没有可核对的加总（无得分栏、分数标注或合计行）")
    else:
        parts.append("未找到带分值/得分栏的评分表（指标表），各行未核对")
    parts.append("各行得分未按评分标准或指标完成情况核定，请人工复核")
    return "部门整体支出绩效自评表：" + "；".join(parts)
