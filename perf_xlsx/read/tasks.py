"""The 年度主要任务 block of a 部门整体 table: its header, each task with its budget and spending, its 合计.

Central and provincial 部门整体支出绩效自评表 list the year's main tasks (任务名称 | 主要内容 |
预算数 / 对应项目预算 | 执行数) above or below the funds block; the checks add them up and hold
their sum against the funds (scoring-rules.md §1.3 point 2).
"""

from __future__ import annotations

from typing import Optional

from perf_xlsx.a1 import ref
from perf_xlsx.model import TaskRow
from perf_xlsx.read.labels import Pred, SheetContext, row_map_between
from perf_xlsx.values import clean_text

# A header cell that names the tasks' column. 年度主要任务 is also the block's own label (in the
# column left of the table): the rightmost name header left of the amounts is the column.
TASK_NAME_HEADERS = ("任务名称", "主要任务", "重点任务", "重点工作任务", "工作任务", "年度主要任务", "年度重点工作任务",
                     "任务")
TASK_COLUMNS: list[tuple[str, Pred]] = [
    ("content", lambda t: t.startswith(("主要内容", "工作内容", "任务内容", "主要工作内容"))),
    ("executed", lambda t: any(k in t for k in ("执行数", "实际支出", "支出数", "执行金额", "实际投入", "完成金额"))),
    ("budget", lambda t: any(k in t for k in ("预算数", "预算金额", "项目预算", "批复金额", "预算资金", "安排资金",
                                              "金额"))),
]
# Rows that start another block end the task list.
_OTHER_BLOCKS = ("年度预算", "年度资金", "资金情况", "项目资金", "部门预算", "年度总体目标", "年度目标", "绩效指标", "一级指标",
                 "三级指标", "预期目标", "部门整体支出", "年度部门")
TOTAL_WORDS = ("合计", "小计", "总计", "合计数")


def _is_name_header(text: str) -> bool:
    return text.startswith("任务名称") or text in TASK_NAME_HEADERS


def task_header(ctx: SheetContext, row: int) -> Optional[tuple[int, dict[str, int]]]:
    """(name column, {content/budget/executed: column}) when ``row`` is a 年度主要任务 header: a
    task-name header with a budget or spending column to its right; else None."""
    names = [c for c, t in ctx.labels(row) if _is_name_header(t)]
    if not names:
        return None
    cols = row_map_between(ctx, row, TASK_COLUMNS, min(names) + 1, ctx.sheet.max_col + 1)
    money = [c for k, c in cols.items() if k in ("budget", "executed")]
    if not money:
        return None
    before = [c for c in names if c < min(money)]
    if not before:
        return None
    return max(before), cols


def find_task_header(ctx: SheetContext, rows: range) -> Optional[int]:
    for r in ctx.label_rows(rows):
        if task_header(ctx, r) is not None:
            return r
    return None


def _name_at(ctx: SheetContext, row: int, col: int) -> tuple[str, str]:
    """The text and cell shown at (row, col) when the cell anchors in this row."""
    anchor = ctx.sheet.anchor(row, col)
    if anchor[0] != row:
        return "", ref(row, col)
    return ctx.text(*anchor), ref(*anchor)


def read_tasks(ctx: SheetContext, header: int, rows: range) -> tuple[TaskRow, ...]:
    """The tasks under ``header`` down to their 合计 row, a blank row or the next block."""
    got = task_header(ctx, header)
    if got is None:
        return ()
    name_col, cols = got
    out: list[TaskRow] = []
    for r in range(header + 1, rows.stop):
        labels = ctx.labels(r)
        if any(t.startswith(_OTHER_BLOCKS) for c, t in labels if c <= name_col) or task_header(ctx, r) is not None:
            break
        name, name_ref = _name_at(ctx, r, name_col)
        content = ""
        if "content" in cols:
            content = _name_at(ctx, r, cols["content"])[0]
        budget = ctx.cell(r, cols["budget"]) if "budget" in cols else None
        executed = ctx.cell(r, cols["executed"]) if "executed" in cols else None
        amounts = [c for c in (budget, executed) if c is not None and not c.blank]
        if not name and not content and not amounts:
            if out:
                break
            continue
        if not name:
            # A 合计 label merged across the name and content columns anchors left of them.
            left = [t for c, t in labels if c < name_col]
            if left and left[-1].startswith(TOTAL_WORDS):
                name, name_ref = left[-1], ref(r, next(c for c, t in labels if t == left[-1]))
        total = clean_text(name).replace(" ", "").startswith(TOTAL_WORDS)
        out.append(TaskRow(row=r, name=clean_text(name) or clean_text(content), name_cell=name_ref,
                           content=clean_text(content), budget=budget, executed=executed, total=total))
        if total:
            break
    return tuple(out)
