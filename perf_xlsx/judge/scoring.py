"""Scores per scoring-rules.md §2: the funds row, the table's total and grade (indicator rows:
judge.indicators). Pure functions over the model and a rules profile."""

from __future__ import annotations

from typing import Optional, Sequence

from perf_xlsx.judge.breakdowns import MONEY_COLUMNS, column_value, total_row
from perf_xlsx.judge.department import score_department_row
from perf_xlsx.judge.indicators import score_indicator
from perf_xlsx.judge.numbers import cell_points, fmt, round2, settled
from perf_xlsx.model import FundsScore, Grade, IndicatorScore, Project, ProjectScore
from perf_xlsx.rules import Profile

__all__ = ["MONEY_COLUMNS", "column_value", "funds_points", "indicator_share", "score_funds", "score_project",
           "target_met", "weights_over_total"]


# --- funds -------------------------------------------------------------------------------


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
    total = total_row(project)
    cols = {c: column_value(project, c) for c in MONEY_COLUMNS}
    budget = cols["full_year"][2]
    executed = cols["executed"][2]
    initial = cols["initial"][2]
    if budget is None and cols["full_year"][0] is None and not project.kind.funds_weight_implied:
        # 部门整体 forms often have only 年初预算资金总额 / 实际投入资金额 (Chongqing's 资金情况).
        budget = initial
    weight = cell_points(total.weight) if total else None
    if weight is None and (project.kind.funds_weight_implied or (total is not None and project.funds_weight_column)):
        weight = profile.funds_weight
    score_entered = cell_points(total.score) if total else None
    score_cell = total.score.ref if total and total.score else None
    parts = {c: cols[c][1] for c in MONEY_COLUMNS}

    def scored(rate: Optional[float], score: Optional[float], how: str, excluded: bool = False) -> FundsScore:
        return FundsScore(budget=budget, executed=executed, initial=initial, rate=rate, weight=weight,
                          score=score, score_entered=score_entered, score_cell=score_cell, how=how,
                          parts=parts, excluded=excluded)

    unweighted = "；资金表没有分值栏，预算执行率不单独计分" if weight is None else ""
    if budget is None or executed is None:
        return scored(None, None, "全年预算数或全年执行数缺失，无法计算执行率" + unweighted)
    if budget < 0 or executed < 0:
        return scored(None, None, "金额为负数，无法计分")
    if budget == 0:
        exclude = executed == 0 and profile.funds.zero_budget == "exclude_and_rescale"
        return scored(None, None if exclude or weight is None else 0.0, "全年预算数为 0，无法计算执行率" + unweighted,
                      exclude)
    # Settled once here, so that every threshold the rate meets (interval bands, total caps,
    # the explanation limit, the spending check) sees 2.48 / 3.1 as the 80% it is.
    rate = settled(executed / budget)
    if weight is None:
        return scored(rate, None, f"执行 {fmt(executed)} ÷ 预算 {fmt(budget)} = {fmt(rate * 100)}%{unweighted}")
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


def target_met(r: IndicatorScore) -> Optional[bool]:
    """Whether a row's target was met: its completion (score ÷ 分值, or for a row without 分值 the
    score it would get out of 1) is full, or it is over-achieved (a profile may deduct for that,
    the target is still met); a qualitative row by its grade. None when the row is not
    applicable or cannot be judged."""
    if not r.applicable or r.completion is None:
        return None
    if r.grade is not None:
        return r.grade is Grade.ACHIEVED
    return r.completion >= 1 - 1e-9 or r.over_ratio is not None


def weights_over_total(project: Project, funds: FundsScore, rows: Sequence[IndicatorScore],
                       profile: Profile) -> Optional[float]:
    """The sheet's 分值 sum (the funds row and every row with a 分值, 不适用 ones too, as
    weights.sum_mismatch adds them) when it is more than the profile's total (100), else None."""
    total = round2((funds.weight or 0.0) + sum(r.weight for r in rows if r.weight is not None))
    return total if total > float(profile.weights.total) + 1e-9 else None


def score_project(project: Project, profile: Profile) -> ProjectScore:
    """A table's funds score, each row's score, and the total and grade (§2.13, §2.9, §4).

    The rows of a 部门整体 table are judged by what they carry (judge.department): a target and
    an actual as on a project table, or a 评分标准 the tool evaluates (§5.3) or leaves to a
    person. A table with rows left to a person gets no graded total: the rest of its score would
    pass for a verified one."""
    funds = score_funds(project, profile)
    if project.kind.judges_rubrics:
        rows = tuple(score_department_row(ind, project, funds, profile) for ind in project.indicators)
    else:
        rows = tuple(score_indicator(ind, profile, year=project.year) for ind in project.indicators)
    scorable = any(r.applicable and (r.score is not None or r.score_entered is not None) for r in rows)
    # With no row's 分值 nothing says what each row's point is out of, so no row's score can be
    # verified: entered scores summed would be a total the rules never gave (weights.missing says
    # so); there is no 总分 and no 等级. A "（N分）" on a 一级 label alone does not change that.
    weighted = any(r.weight is not None for r in rows if r.applicable)
    total_entered = cell_points(project.total_score)
    weight = sum(r.weight or 0.0 for r in rows if r.applicable)
    if not funds.excluded:
        weight += funds.weight or 0.0
    manual = [r for r in rows if r.applicable and r.issue == "manual"]
    why = ""
    if not rows:
        why = "未读到绩效指标（评分表）各行"
    elif not weighted and not project.kind.weights_required and not project.has_weight_column:
        # A 转移支付 goal sheet without 分值 / 得分: checked and each row's completion given, no score.
        why = f"{project.kind.label}没有分值、得分，只核对算术与目标质量、给出各指标完成比例，不评分、不定等级"
    elif not scorable or not weighted:
        why = "各指标均未填写分值，无法评分" if not weighted else "各指标既无得分也无法核定"
    elif manual:
        why = f"{len(manual)} 行评分标准须人工复核，未核定总分、不定等级"
    if why:
        return ProjectScore(project=project, funds=funds, indicators=rows, total_weight=weight,
                            raw=None, score=None, score_entered=total_entered, grade="", ungraded=why)
    raw = round2((funds.score or 0.0) + sum(r.counted for r in rows))
    over = weights_over_total(project, funds, rows, profile)
    if over is not None:
        # More points than the table is out of: a total graded on it could pass 100, and scaling
        # it down would hide the wrong 分值. The numbers stay (raw, the weights); no 总分, no 等级.
        return ProjectScore(project=project, funds=funds, indicators=rows, total_weight=weight,
                            raw=raw, score=None, score_entered=total_entered, grade="",
                            ungraded=f"分值合计 {fmt(over)} 分，超过满分 {fmt(profile.weights.total)} 分，"
                                     f"总分无法按百分制核定，不定等级（请核对各指标分值）")
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
