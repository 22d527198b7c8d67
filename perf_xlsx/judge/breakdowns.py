"""The breakdowns of a table's 年度资金总额 and the amounts the tool uses for each money column.

A project table's total has one breakdown, its 其中 rows (当年财政拨款 + 上年结转 + 其他资金); a
部门整体 table may have two, 按收入性质分 and 按支出性质分, each adding up to the total on its own
(scoring-rules.md §1.3, F1/F9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from perf_xlsx.a1 import parse_ref, ref
from perf_xlsx.judge.numbers import cell_money
from perf_xlsx.model import FUNDS_GROUP_NAMES, CellValue, FundsRow, Project

MONEY_COLUMNS = ("initial", "full_year", "executed")
# Two sums this close are the same figure (float noise of the additions, not a difference).
_SAME = 1e-6


@dataclass(frozen=True)
class Breakdown:
    """One breakdown: its key ("" for the 其中 parts, "income", "expenditure"), its name as the
    sheet writes it, the cell of that name ("" when none) and its rows."""

    key: str
    name: str
    cell: str
    rows: tuple[FundsRow, ...]
    # sum()'s answers: the scorer, the checks and the result ask for the same columns.
    _sums: dict[tuple[str, str], Optional[float]] = field(default_factory=dict, compare=False, repr=False)

    def sum(self, column: str, unit: str) -> Optional[float]:
        """The sum of the rows' amounts in ``column`` (万元); None when none is filled."""
        key = (column, unit)
        if key in self._sums:
            return self._sums[key]
        values = [cell_money(getattr(r, column), unit) for r in self.rows]
        filled = [v for v in values if v is not None]
        got = self._sums[key] = round(sum(filled), 6) if filled else None
        return got

    def span(self, column: str) -> str:
        """The A1 range of the rows' cells in ``column`` (one cell for a single row)."""
        cells: list[CellValue] = [c for c in (getattr(r, column) for r in self.rows) if c is not None]
        if not cells:
            return self.cell
        first, last = parse_ref(cells[0].ref), parse_ref(cells[-1].ref)
        if first == last:
            return cells[0].ref
        top = min(first[0], last[0]), min(first[1], last[1])
        bottom = max(first[0], last[0]), max(first[1], last[1])
        return f"{ref(*top)}:{ref(*bottom)}"


def total_row(project: Project) -> Optional[FundsRow]:
    return next((r for r in project.funds if r.kind == "total"), None)


def breakdowns(project: Project) -> list[Breakdown]:
    """The table's breakdowns that have rows, the 其中 parts first, then in the order the
    sheet names them. Rows of kind "detail" (parts of a part) are in none."""
    # The scorer, the checks and the result each ask several times about the same table: the
    # last table's answer is kept (its Breakdowns are frozen; the list is copied).
    global _last
    last = _last  # one read: another thread may replace it, never change it
    if last is not None and last[0] is project:
        return list(last[1])
    out = _breakdowns(project)
    _last = (project, tuple(out))
    return out


_last: Optional[tuple[Project, tuple[Breakdown, ...]]] = None


def _breakdowns(project: Project) -> list[Breakdown]:
    named = {g.key: g for g in project.funds_groups}
    keys: list[str] = []
    for r in project.funds:
        if r.kind not in ("total", "detail") and r.group not in keys:
            keys.append(r.group)
    keys.sort(key=lambda k: (k != "", list(named).index(k) if k in named else len(named)))
    out = []
    for key in keys:
        group = named.get(key)
        rows = tuple(r for r in project.funds if r.group == key and r.kind not in ("total", "detail"))
        out.append(Breakdown(key=key, name=group.name if group else FUNDS_GROUP_NAMES.get(key, key),
                             cell=group.cell if group else "", rows=rows))
    return out


def column_value(project: Project, column: str) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """(entered total, sum of the breakdowns, value the tool uses) for one money column.

    The parts win when they are filled and agree: a total is a claim to check, and real tables
    print a total row of 0 beside filled parts or carry formulas that were never calculated.
    Two breakdowns that disagree leave the sum unknown (None): the entered total is used where
    there is one, else the first breakdown's sum.
    """
    total = total_row(project)
    entered = cell_money(getattr(total, column), project.money_unit) if total else None
    sums = [s for s in (b.sum(column, project.money_unit) for b in breakdowns(project)) if s is not None]
    if not sums:
        return entered, None, entered
    if all(abs(s - sums[0]) <= _SAME for s in sums):
        return entered, sums[0], sums[0]
    return entered, None, entered if entered is not None else sums[0]
