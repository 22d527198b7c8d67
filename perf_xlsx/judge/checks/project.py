"""The checks a table gets, in order (all of §3, for 项目支出 and 部门整体 tables alike), and the
formula and error-value cells of the whole table."""

from __future__ import annotations

from typing import Callable, Iterator

from perf_xlsx.judge.checks.base import E, W, finding
from perf_xlsx.judge.checks.formulas import follows
from perf_xlsx.judge.checks.funds import (
    broken_totals,
    funds_component_scored,
    funds_formulas,
    funds_misc,
    funds_rate,
    funds_score,
    funds_totals,
)
from perf_xlsx.judge.checks.goals import goal_quality
from perf_xlsx.judge.checks.rows import indicator_rows, rubric_manual
from perf_xlsx.judge.checks.tasks import tasks
from perf_xlsx.judge.checks.total import totals
from perf_xlsx.judge.checks.transfer import local_parts, management, not_arrived, sources
from perf_xlsx.judge.checks.weights import group_weights, subtotals, weight_sums
from perf_xlsx.model import CellValue, Finding, ProjectScore
from perf_xlsx.rules import Profile

Check = Callable[[ProjectScore, Profile], Iterator[Finding]]


def check_project(ps: ProjectScore, profile: Profile) -> list[Finding]:
    """Every finding about one table, check family by family. A 部门整体 table gets the same
    checks as a project table (scoring-rules.md §1.3, as revised): what differs follows from what
    the table carries — breakdowns, tasks, 评分标准 rows — not from its kind."""
    checks: tuple[Check, ...] = (
        funds_totals, funds_rate, funds_score, funds_misc, funds_component_scored, local_parts, sources, not_arrived, tasks,
        management, _formulas, weight_sums,
        group_weights, subtotals, indicator_rows, rubric_manual, totals, goal_quality,
    )
    out: list[Finding] = []
    for check in checks:
        out.extend(check(ps, profile))
    return out


def _formulas(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    cells: list[CellValue] = []  # list comprehensions below: faster than generators into extend
    for row in p.funds:
        cells.extend([c for c in (row.initial, row.full_year, row.executed, row.rate, row.score) if c])
    for ind in p.indicators:
        cells.extend([c for c in (ind.target, ind.actual, ind.score, ind.weight, ind.coefficient) if c])
    for task in p.tasks:
        cells.extend([c for c in (task.budget, task.executed) if c])
    cells.extend([c for c in (p.total_score, p.total_weight) if c])
    stale = [c for c in cells if c.formula and not c.cached]
    if stale:
        refs = "、".join(c.ref for c in stale[:8]) + ("等" if len(stale) > 8 else "")
        yield finding(W, "read.formula_not_cached",
                      f"{len(stale)} 个公式单元格没有计算结果（{refs}），已按各项数值重新计算；"
                      "请在 Excel/WPS 中打开并保存后再提交", p.sheet, stale[0].ref, None, len(stale))
    formulas = funds_formulas(p)
    broken = broken_totals(ps, profile) if any(c.error for c in formulas.values()) else set()
    # A total's error value explained by a part typed as text, and what is computed from it,
    # are reported once, at that part (formula.part_is_text).
    errors = [c for c in cells if c.error and c.ref not in broken and not follows(c, broken, formulas)]
    for c in errors:
        yield finding(E, "read.error_value", f"单元格为错误值 {c.error}", p.sheet, c.ref, None, c.error)
