"""Checks of a 部门整体 table's 年度主要任务 block: its 合计 is the sum of the tasks (F9), and the
tasks' money agrees with the funds block (scoring-rules.md §1.3 point 2)."""

from __future__ import annotations

from typing import Iterator, Optional

from perf_xlsx.judge.checks.base import E, W, finding
from perf_xlsx.judge.checks.formulas import cause_findings, explained, formula_misses
from perf_xlsx.judge.numbers import cell_money, fmt, money_tolerance
from perf_xlsx.model import CellValue, Finding, ProjectScore, TaskRow
from perf_xlsx.rules import Profile
from perf_xlsx.values import blank_amount

# Task column -> (its name, the funds column it is held against, that column's name).
_COLUMNS = (("budget", "预算数", "full_year", "全年预算数"), ("executed", "执行数", "executed", "全年执行数"))


def _usable(cell: Optional[CellValue]) -> bool:
    return cell is not None and not cell.blank and not cell.error and not (cell.formula and not cell.cached)


def tasks(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    listed = [t for t in p.tasks if not t.total]
    if not listed:
        return
    total = next((t for t in p.tasks if t.total), None)
    tol = money_tolerance(profile, p.money_unit)
    for col, name, funds_col, funds_name in _COLUMNS:
        values = []
        for t in listed:
            cell: Optional[CellValue] = getattr(t, col)
            if not _usable(cell):
                continue
            assert cell is not None
            value = cell_money(cell, p.money_unit)
            if value is None:
                if not blank_amount(cell.value):
                    yield finding(E, "funds.not_number", f"年度主要任务「{t.name}」（{name}）「{cell.text}」不是数字",
                                  p.sheet, cell.ref, None, cell.text)
                continue
            values.append(value)
        if not values:
            continue
        summed = round(sum(values), 6)
        shown = summed
        if total is not None:
            cell = getattr(total, col)
            entered = cell_money(cell, p.money_unit) if _usable(cell) else None
            if cell is not None and not (cell.formula and not cell.cached) and (
                    entered is None or abs(entered - summed) > tol):
                parts = [c for c in (getattr(t, col) for t in listed) if c is not None]
                misses = formula_misses(cell, parts, lambda c: cell_money(c, p.money_unit))
                if explained(misses, entered, summed, tol):
                    labels = {c.ref: f"年度主要任务「{t.name}」（{name}）" for t in listed
                              for c in (getattr(t, col),) if c is not None}
                    yield from cause_findings(misses, cell, p.sheet, f"年度主要任务合计（{name}）", labels, entered)
                    yield from _against_funds(ps, total, listed, col, name, funds_col, funds_name, shown, tol)
                    continue
                what = fmt(entered) if entered is not None else ("空白" if cell.blank else f"「{cell.text}」")
                yield finding(E, "funds.task_total_mismatch",
                              f"年度主要任务合计（{name}）{what} ≠ 各项任务之和 {fmt(summed)}（{len(values)} 项）",
                              p.sheet, cell.ref, summed, entered)
        yield from _against_funds(ps, total, listed, col, name, funds_col, funds_name, shown, tol)


def _spending(ps: ProjectScore, column: str) -> Optional[float]:
    """The table's 项目支出 amount in ``column``: tasks are often the projects, not the whole
    budget (对应项目预算)."""
    p = ps.project
    row = next((r for r in p.funds if r.group == "expenditure" and "项目支出" in r.label), None)
    return cell_money(getattr(row, column), p.money_unit) if row is not None else None


def _against_funds(ps: ProjectScore, total: Optional[TaskRow], listed: list[TaskRow], col: str, name: str,
                   funds_col: str, funds_name: str, summed: float, tol: float) -> Iterator[Finding]:
    p = ps.project
    funds = ps.funds.budget if funds_col == "full_year" else ps.funds.executed
    if funds is None:
        return
    project_part = _spending(ps, funds_col)
    if abs(summed - funds) <= tol or (project_part is not None and abs(summed - project_part) <= tol):
        return
    at = getattr(total, col) if total is not None else None
    if at is None:
        at = next((getattr(t, col) for t in reversed(listed) if getattr(t, col) is not None), None)
    also = f"，也不等于其中项目支出 {fmt(project_part)}" if project_part is not None else ""
    yield finding(W, "funds.tasks_differ",
                  f"年度主要任务{name}合计 {fmt(summed)} 与资金表{funds_name} {fmt(funds)} 不一致{also}，请核实任务是否列全",
                  p.sheet, at.ref if at is not None else (listed[0].name_cell or p.name_cell), funds, summed)
