"""Scores per scoring-rules.md §2: the funds row, the table's total and grade (indicator rows:
judge.indicators). Pure functions over the model and a rules profile."""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

from perf_xlsx.judge.indicators import indicator_kind, score_indicator
from perf_xlsx.judge.numbers import cell_money, cell_points, cell_quantity, fmt, round2, settled
from perf_xlsx.model import FundsRow, FundsScore, IndicatorScore, Project, ProjectScore, TableKind
from perf_xlsx.rules import Profile

MONEY_COLUMNS = ("initial", "full_year", "executed")


# --- funds -------------------------------------------------------------------------------


def funds_columns(project: Project) -> tuple[Optional[FundsRow], list[FundsRow]]:
    total = next((r for r in project.funds if r.kind == "total"), None)
    parts = [r for r in project.funds if r.kind != "total"]
    return total, parts


def column_value(project: Project, column: str) -> tuple[Optional[float], Optional[float], Optional[float]]:
    """(entered total, sum of the 其中 rows, value the tool uses) for one money column.

    The parts win when they are filled: a total is a claim to check, and real tables print a
    total row of 0 beside filled parts or carry formulas that were never calculated.
    """
    total, parts = funds_columns(project)
    entered = cell_money(getattr(total, column), project.money_unit) if total else None
    values = [cell_money(getattr(r, column), project.money_unit) for r in parts]
    filled = [v for v in values if v is not None]
    summed = round(sum(filled), 6) if filled else None
    used = summed if summed is not None else entered
    return entered, summed, used


def funds_points(rate: float, weight: float, profile: Profile) -> tuple[float, Optional[float]]:
    """The funds score for an execution rate, and the interval minimum it fell in (intervals mode)."""
    rate = settled(rate)  # 4.05 / 4.5 is the 90% band's minimum, not just below it
    if profile.funds.scoring == "intervals":
        for minimum, share in profile.funds.intervals:
            if rate >= minimum:
                return round2(weight * float(share)), float(minimum)
        return 0.0, None
    capped = min(rate, 1.0) if profile.funds.cap_at_weight else rate
    return round2(weight * capped), None


def score_funds(project: Project, profile: Profile) -> FundsScore:
    total, _ = funds_columns(project)
    cols = {c: column_value(project, c) for c in MONEY_COLUMNS}
    budget = cols["full_year"][2]
    executed = cols["executed"][2]
    initial = cols["initial"][2]
    if budget is None and project.kind is TableKind.DEPARTMENT:
        budget = initial  # department tables often have only 年初预算资金总额 / 实际投入资金额
    weight = cell_points(total.weight) if total else None
    if weight is None:
        weight = profile.funds_weight
    score_entered = cell_points(total.score) if total else None
    score_cell = total.score.ref if total and total.score else None
    parts = {c: cols[c][1] for c in MONEY_COLUMNS}

    def scored(rate: Optional[float], score: Optional[float], how: str, excluded: bool = False) -> FundsScore:
        return FundsScore(budget=budget, executed=executed, initial=initial, rate=rate, weight=weight,
                          score=score, score_entered=score_entered, score_cell=score_cell, how=how,
                          parts=parts, excluded=excluded)

    if budget is None or executed is None:
        return scored(None, None, "全年预算数或全年执行数缺失，无法计算执行率")
    if budget < 0 or executed < 0:
        return scored(None, None, "金额为负数，无法计分")
    if budget == 0:
        exclude = executed == 0 and profile.funds.zero_budget == "exclude_and_rescale"
        return scored(None, None if exclude else 0.0, "全年预算数为 0，无法计算执行率", exclude)
    # Settled once here, so that every threshold the rate meets (interval bands, total caps,
    # the explanation limit, the spending check) sees 2.48 / 3.1 as the 80% it is.
    rate = settled(executed / budget)
    score, step = funds_points(rate, weight, profile)
    if profile.funds.scoring == "intervals":
        band = f"落在 ≥{fmt(step * 100)}% 档" if step is not None else "低于最低档"
        how = f"执行率 {fmt(rate * 100)}% {band}，得 {fmt(score)}"
    else:
        how = f"执行 {fmt(executed)} ÷ 预算 {fmt(budget)} = {fmt(rate * 100)}%，× {fmt(weight)} = {fmt(score)}"
        if rate > 1 and profile.funds.cap_at_weight:
            how = f"执行 {fmt(executed)} ÷ 预算 {fmt(budget)} = {fmt(rate * 100)}%（超过 100% 按 100% 计），得 {fmt(score)}"
    return scored(rate, score, how)


# --- totals ------------------------------------------------------------------------------


def indicator_share(rows: Sequence[IndicatorScore]) -> tuple[Optional[float], str]:
    """How much of its indicators a table claims, 0–1, and on what basis: the share of the
    points (rows with a 分值), or where no row has one, the mean completion of the rows the
    tool could judge (a table of bare scores still says "every output 100% done").
    (None, "") when neither can be told. The 一体化 "red" warning compares this with 执行率."""
    weighted = [r for r in rows if r.applicable and r.weight and r.weight > 0]
    if weighted:
        return sum(r.counted for r in weighted) / sum(r.weight or 0.0 for r in weighted), "score"
    judged = [r.completion for r in rows if r.applicable and r.completion is not None]
    if judged:
        return sum(judged) / len(judged), "completion"
    return None, ""


def _department_score(project: Project, profile: Profile) -> ProjectScore:
    """A 部门整体 table is checked, not scored (scoring-rules.md §1.3, v1): its rows are judged by
    评分标准 text the tool does not evaluate, and the 10号 funds formula is the project table's
    rule. Every row keeps its entered score, no score is the tool's, and the total is the entered
    one (自评), never a 核定 figure or a grade."""
    funds = score_funds(project, profile)
    total, _ = funds_columns(project)
    funds = replace(funds, weight=cell_points(total.weight) if total else None, score=None,
                    how="部门整体支出：资金不按预算执行率计分")
    rows = []
    for ind in project.indicators:
        unit_hint = ind.unit_text or None
        target = cell_quantity(ind.target, unit_hint, project.year)
        rows.append(IndicatorScore(
            indicator=ind, kind=indicator_kind(ind, target, profile), target=target,
            actual=cell_quantity(ind.actual, unit_hint, project.year), weight=cell_points(ind.weight),
            score=None, score_entered=cell_points(ind.score), issue="manual",
            how="部门整体支出：按评分标准人工复核，工具不核定"))
    weight = round2(sum(r.weight or 0.0 for r in rows) + (funds.weight or 0.0))
    return ProjectScore(project=project, funds=funds, indicators=tuple(rows), total_weight=weight,
                        raw=None, score=None, score_entered=cell_points(project.total_score), grade="")


def score_project(project: Project, profile: Profile) -> ProjectScore:
    if project.kind is TableKind.DEPARTMENT:
        return _department_score(project, profile)
    funds = score_funds(project, profile)
    rows = tuple(score_indicator(ind, profile, year=project.year) for ind in project.indicators)
    scorable = any(r.applicable and (r.score is not None or r.score_entered is not None) for r in rows)
    # With no 分值 anywhere (no row weight, no "（N分）" on a 一级 label) nothing says what a
    # point is out of: entered scores summed would be a total the rules never gave
    # (weights.missing says so); there is no 总分 and no 等级.
    scorable = scorable and (any(r.weight is not None for r in rows if r.applicable)
                             or any(g.declared_weight for g in project.groups))
    total_entered = cell_points(project.total_score)
    weight = sum(r.weight or 0.0 for r in rows if r.applicable)
    if not funds.excluded:
        weight += funds.weight or 0.0
    if not scorable:
        return ProjectScore(project=project, funds=funds, indicators=rows, total_weight=weight,
                            raw=None, score=None, score_entered=total_entered, grade="")
    raw = round2((funds.score or 0.0) + sum(r.counted for r in rows))
    score = raw
    # Rescaling needs every counted row's 分值: with rows of unknown weight the sum is not a scale.
    weights_known = all(r.weight is not None for r in rows if r.applicable)
    if weights_known and weight > 0 and abs(weight - 100) > 1e-9 \
            and profile.not_applicable.rescale_to_100:
        score = round2(raw * 100 / weight)
    cap = None
    if funds.rate is not None:
        for below, limit in sorted(profile.funds.total_caps, key=lambda c: c[0]):
            if settled(funds.rate) < below:  # a rate of exactly 80% is not below 80%
                cap = float(limit)
                break
    if cap is not None and score > cap:
        score = cap
    else:
        cap = None
    return ProjectScore(project=project, funds=funds, indicators=rows, total_weight=weight,
                        raw=raw, score=score, score_entered=total_entered,
                        grade=profile.grade_for(score), cap=cap)
