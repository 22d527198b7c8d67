"""Checks of the table's total (I5), and of what the indicators claim against the spending."""

from __future__ import annotations

from typing import Iterator, Optional

from perf_xlsx.judge.checks.base import INFO, E, W, finding
from perf_xlsx.judge.checks.formulas import cause_findings, explained, formula_misses
from perf_xlsx.judge.numbers import beyond, cell_points, fmt, round2, settled
from perf_xlsx.judge.scoring import indicator_share
from perf_xlsx.model import Finding, ProjectScore, TableKind
from perf_xlsx.rules import Profile


def totals(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    entered_total = ps.score_entered
    tol = profile.tolerance.score
    # Also on a 部门整体 table: 汇总.xlsx's red list compares the same two figures for every table.
    yield from _claims_vs_spending(ps)
    # I5 is arithmetic on the sheet: its 总分 adds the 得分 typed in every row, so every typed
    # score is added here, also on a row the tool leaves out as 不适用 (§2.9 rescaling is the
    # tool's scoring, which weights.sum_mismatch and total.differs report).
    entered_parts = [r.score_entered for r in ps.indicators if r.score_entered is not None]
    funds_entered = ps.funds.score_entered or 0.0
    summed = round2(funds_entered + sum(entered_parts))
    if entered_total is None:
        if p.total_score is not None and not p.total_score.blank and not p.total_score.formula:
            yield finding(E, "total.mismatch", f"总分「{p.total_score.text}」不是数字", p.sheet, p.total_score.ref)
        elif p.total_score is not None and p.total_score.cached and (entered_parts or ps.funds.score_entered):
            yield from _formula_causes(ps, None, summed, tol)  # a blank or #VALUE! 总分 formula
        return
    if entered_parts or ps.funds.score_entered is not None:
        causes = _formula_causes(ps, entered_total, summed, tol) \
            if beyond(entered_total, summed, tol) and p.total_score is not None and p.total_score.formula else []
        yield from causes  # the part to change, not the formula that shows it
        if not causes and beyond(entered_total, summed, tol):
            # A department table's 合计 usually sums the rubric rows alone: no funds part to name.
            parts = f"（预算执行 {fmt(funds_entered)} + 指标 {fmt(summed - funds_entered)}）" \
                if p.kind is not TableKind.DEPARTMENT or ps.funds.score_entered is not None else f"（{len(entered_parts)} 行）"
            yield finding(E, "total.mismatch",
                          f"{'合计得分' if p.kind is TableKind.DEPARTMENT else '总分'} {fmt(entered_total)} ≠ "
                          f"各项得分之和 {fmt(summed)}{parts}",
                          p.sheet, p.total_score.ref if p.total_score else None, summed, entered_total)
    if ps.score is not None and beyond(entered_total, ps.score, tol):
        yield finding(INFO, "total.differs", f"自评总分 {fmt(entered_total)}，按规则核定为 {fmt(ps.score)}",
                      p.sheet, p.total_score.ref if p.total_score else None, ps.score, entered_total)


def _formula_causes(ps: ProjectScore, entered: Optional[float], summed: float, tol: float) -> list[Finding]:
    """The 得分 typed as text, or outside the 总分 formula's SUM range, that make it wrong."""
    p = ps.project
    total = p.total_score
    if total is None:
        return []
    funds = next((r for r in p.funds if r.kind == "total"), None)
    labels: dict[str, str] = {}
    if funds is not None and funds.score is not None:
        labels[funds.score.ref] = "预算执行率得分"
    for r in ps.indicators:
        if r.indicator.score is not None:
            labels[r.indicator.score.ref] = f"指标「{r.indicator.name}」得分"
    parts = ([funds.score] if funds is not None and funds.score is not None else []) + \
        [r.indicator.score for r in ps.indicators if r.indicator.score is not None]
    misses = formula_misses(total, parts, cell_points)
    if not explained(misses, entered, summed, tol):
        return []
    return cause_findings(misses, total, p.sheet, "总分", labels, entered)


def _claims_vs_spending(ps: ProjectScore) -> Iterator[Finding]:
    """The 一体化 system's "red" warning: indicators claim much more than the spending supports."""
    rate = ps.funds.rate
    # One definition (scoring.indicator_share), also carried in results.jsonl for 汇总.xlsx's
    # red list, so the finding and the list never disagree.
    share, basis = indicator_share(ps.indicators)
    if rate is None or share is None:
        return
    # Compared as bulk/summary_index.py compares it for the red list (RED_MARGIN), so the two agree; a gap
    # of exactly 5 points read through float noise is left to change in both places at once.
    if settled(share - min(rate, 1.0)) > 0.05:  # 汇总.xlsx's red list makes the same comparison
        p = ps.project
        total = next((r for r in p.funds if r.kind == "total"), None)
        yield finding(W, "funds.output_exceeds_spending",
                      f"预算执行率仅 {fmt(rate * 100)}%，但绩效指标{'得分率' if basis == 'score' else '平均完成率'}达 "
                      f"{fmt(share * 100)}%，指标完成情况与资金支出不匹配，请核实",
                      p.sheet, total.rate.ref if total and total.rate else p.name_cell, round2(rate), round2(share))
