"""Arithmetic and consistency checks (scoring-rules.md §3) and goal-quality warnings.

Each check is a small function over a scored project that yields findings; none raises on
bad data. Codes are stable identifiers, documented in docs/finding-codes.md.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Iterator, Optional

from perf_xlsx.judge.numbers import (
    cell_money,
    cell_number,
    cell_points,
    fmt,
    money_tolerance,
    round2,
    settled,
    settled_decimal,
)
from perf_xlsx.judge.scoring import MONEY_COLUMNS, column_value, indicator_share
from perf_xlsx.model import (
    CellValue,
    Finding,
    Grade,
    IndicatorScore,
    Kind,
    Project,
    ProjectScore,
    Quantity,
    Severity,
    TableKind,
    UnitEntry,
    UnitSheet,
)
from perf_xlsx.rules import Profile
from perf_xlsx.values import blank_amount, normalize_label

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
COLUMN_NAMES = {"initial": "年初预算数", "full_year": "全年预算数", "executed": "全年执行数"}
LEVEL2_VOCAB = {
    "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标",
    "可持续影响指标", "服务对象满意度指标", "满意度指标", "经济成本指标", "社会成本指标",
    "生态环境成本指标",
}


def _f(sev: Severity, code: str, msg: str, sheet: str, cell: Optional[str], expected: object = None,
       found: object = None) -> Finding:
    return Finding(sev, code, msg, sheet, cell or None, expected, found)


def check_project(ps: ProjectScore, profile: Profile) -> list[Finding]:
    checks = (
        _funds_totals, _funds_rate, _funds_score, _funds_misc, _funds_component_scored, _formulas, _weights,
        _groups, _subtotals, _rows, _total, _goals,
    )
    if ps.project.kind is TableKind.DEPARTMENT:
        # 部门整体 tables get the arithmetic of §3 only (scoring-rules.md §1.3, v1): funds sums,
        # 0 ≤ 自评得分 ≤ 分值, group, 小计 and 合计 sums. Their rows are judged by 评分标准 text the
        # tool does not evaluate, so no rule score, funds score or goal-quality check applies.
        checks = (_funds_totals, _funds_rate, _funds_misc, _formulas, _weights, _groups, _subtotals,
                  _department_rows, _total)
    out: list[Finding] = []
    for check in checks:
        out.extend(check(ps, profile))
    return out


# --- funds (F1–F9) ---------------------------------------------------------------------


def _funds_totals(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    total = next((r for r in p.funds if r.kind == "total"), None)
    if not p.funds:
        return
    tol = money_tolerance(profile, p.money_unit)
    for col in MONEY_COLUMNS:
        entered, summed, _ = column_value(p, col)
        cell: Optional[CellValue] = getattr(total, col) if total else None
        if summed is None or cell is None:
            continue
        name = COLUMN_NAMES[col]
        if cell.formula and not cell.cached:
            continue  # reported once by _formulas; the parts are used
        if entered is None:
            if cell.blank:
                yield _f(E, "funds.total_mismatch", f"年度资金总额（{name}）未填写，各项合计为 {fmt(summed)}",
                         p.sheet, cell.ref, summed, None)
            else:
                yield _f(E, "funds.not_number", f"年度资金总额（{name}）「{cell.text}」不是数字", p.sheet,
                         cell.ref, summed, cell.text)
            continue
        if abs(entered - summed) > tol:
            yield _f(E, "funds.total_mismatch",
                     f"年度资金总额（{name}）{fmt(entered)} ≠ 各项合计 {fmt(summed)}", p.sheet, cell.ref,
                     summed, entered)


def _decimals(x: float) -> int:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def _displayed(x: float, decimals: int) -> float:
    """x as Excel/WPS display it with that many decimals: half away from zero (98.25 -> 98.3),
    where Python's round() goes to even (98.2). The quotient's float noise (98.24999999999999)
    is cut first (scoring.settled_decimal, as round2 does), so it cannot decide the half."""
    return float(settled_decimal(x).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _rate_matches(cell: CellValue, rate: float, tol_points: float) -> tuple[bool, float]:
    """Whether an entered 执行率 agrees with the amounts.

    A rate written without a % sign may be a fraction (0.9825, 1) or percentage points (98.25,
    "20"): both readings are tried. A rate rounded for display ("99%" for 99.10%) is accepted.
    """
    points = cell_number(cell)
    if points is None:
        return True, 0.0
    computed = rate * 100
    explicit = cell.percent_format or (isinstance(cell.value, str) and "%" in cell.value.replace("％", "%"))
    candidates = [points] if explicit else [points, points * 100]
    for value in candidates:
        shown = _displayed(computed, min(_decimals(value), 2))
        if abs(value - computed) <= tol_points + 1e-9 or abs(value - shown) <= tol_points + 1e-9:
            return True, value
    return False, points


def _funds_rate(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    tol = profile.tolerance.rate_points
    for row in p.funds:
        if row.rate is None or row.rate.blank or row.rate.error:
            continue
        if row.kind == "total":
            rate = ps.funds.rate
        else:
            budget = cell_money(row.full_year, p.money_unit)
            spent = cell_money(row.executed, p.money_unit)
            rate = spent / budget if budget and spent is not None else None
        if cell_number(row.rate) is None:
            if row.kind == "total" and rate is not None:
                yield _f(E, "funds.rate_mismatch", f"执行率「{row.rate.text}」不是数字，应为 {fmt(rate * 100)}%",
                         p.sheet, row.rate.ref, round2(rate * 100), row.rate.text)
            continue
        if rate is None:
            continue
        ok, found = _rate_matches(row.rate, rate, tol)
        if not ok:
            yield _f(E, "funds.rate_mismatch",
                     f"执行率 {row.rate.text or fmt(found)} ≠ 全年执行数 ÷ 全年预算数 = {fmt(rate * 100)}%",
                     p.sheet, row.rate.ref, round2(rate * 100), round2(found))


def _funds_score(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    f, p = ps.funds, ps.project
    if f.score is None or f.score_entered is None:
        return
    if abs(f.score_entered - f.score) > profile.tolerance.score:
        yield _f(E, "funds.score_mismatch",
                 f"预算执行率得分 {fmt(f.score_entered)} ≠ 应得 {fmt(f.score)}（{f.how}）",
                 p.sheet, f.score_cell, f.score, f.score_entered)


def _funds_misc(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p, f = ps.project, ps.funds
    total = next((r for r in p.funds if r.kind == "total"), None)
    anchor = total.label_cell if total else p.name_cell
    if not p.funds:
        return
    for row in p.funds:
        for col in MONEY_COLUMNS:
            cell = getattr(row, col)
            if cell is None or cell.blank or (cell.formula and not cell.cached):
                continue
            if cell.error:
                yield _f(E, "funds.not_number", f"{row.label}（{COLUMN_NAMES[col]}）为错误值 {cell.error}",
                         p.sheet, cell.ref, None, cell.error)
                continue
            value = cell_money(cell, p.money_unit)
            if value is None:
                # 无/不适用/— in an unused 其中 row mean no money of that kind (§1.2: blank = 0).
                if not blank_amount(cell.value):
                    yield _f(E, "funds.not_number", f"{row.label}（{COLUMN_NAMES[col]}）「{cell.text}」不是数字",
                             p.sheet, cell.ref, None, cell.text)
            elif value < 0:
                yield _f(E, "funds.negative", f"{row.label}（{COLUMN_NAMES[col]}）为负数 {fmt(value)}",
                         p.sheet, cell.ref, None, value)
        budget = cell_money(row.full_year, p.money_unit)
        spent = cell_money(row.executed, p.money_unit)
        if row.kind == "total":
            budget, spent = f.budget, f.executed
        if budget is not None and spent is not None and spent > budget + money_tolerance(profile, p.money_unit):
            where = row.executed.ref if row.executed is not None else anchor
            yield _f(W, "funds.over_budget",
                     f"{row.label}：全年执行数 {fmt(spent)} 超过全年预算数 {fmt(budget)}", p.sheet, where,
                     budget, spent)
    if p.kind is TableKind.DEPARTMENT:
        return
    if f.budget is None or f.executed is None:
        yield _f(E, "funds.missing", "全年预算数或全年执行数缺失，无法计算预算执行率", p.sheet, anchor)
    elif f.budget == 0:
        yield _f(E, "funds.zero_budget",
                 "全年预算数为 0" + ("，但有执行数" if f.executed else "") + "，无法计算执行率", p.sheet,
                 total.full_year.ref if total and total.full_year else anchor, None, 0)
    if total is not None and total.weight is not None and not total.weight.blank:
        w = cell_points(total.weight)
        if w is not None and abs(w - profile.funds_weight) > 1e-9:
            yield _f(W, "funds.weight_profile",
                     f"预算执行率分值 {fmt(w)} 与规则（{profile.title}）的 {fmt(profile.funds_weight)} 分不同",
                     p.sheet, total.weight.ref, profile.funds_weight, w)
    elif total is not None:
        yield _f(INFO, "funds.weight_missing",
                 f"预算执行率分值未填写，按规则 {fmt(profile.funds_weight)} 分计", p.sheet,
                 total.weight.ref if total.weight else anchor, profile.funds_weight, None)
    if f.initial is not None and f.budget is not None and abs(f.initial - f.budget) > money_tolerance(profile, p.money_unit):
        yield _f(INFO, "funds.budget_adjusted",
                 f"年初预算数 {fmt(f.initial)} 与全年预算数 {fmt(f.budget)} 不同（年中预算调整），执行率按全年预算数计算",
                 p.sheet, total.full_year.ref if total and total.full_year else anchor, f.initial, f.budget)
    below = profile.funds.explain_below_rate
    if below and f.rate is not None and settled(f.rate) < below:  # 4.05 / 4.5 is 90%, not below it
        yield _f(W, "funds.low_rate_unexplained",
                 f"预算执行率 {fmt(f.rate * 100)}% 低于 {fmt(below * 100)}%，须说明原因", p.sheet,
                 total.rate.ref if total and total.rate else anchor, below, round2(f.rate))


def _formulas(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    cells: list[CellValue] = []
    for row in p.funds:
        cells.extend(c for c in (row.initial, row.full_year, row.executed, row.rate, row.score) if c)
    for ind in p.indicators:
        cells.extend(c for c in (ind.target, ind.actual, ind.score, ind.weight) if c)
    cells.extend(c for c in (p.total_score, p.total_weight) if c)
    stale = [c for c in cells if c.formula and not c.cached]
    if stale:
        refs = "、".join(c.ref for c in stale[:8]) + ("等" if len(stale) > 8 else "")
        yield _f(W, "read.formula_not_cached",
                 f"{len(stale)} 个公式单元格没有计算结果（{refs}），已按各项数值重新计算；"
                 "请在 Excel/WPS 中打开并保存后再提交", p.sheet, stale[0].ref, None, len(stale))
    errors = [c for c in cells if c.error]
    for c in errors:
        yield _f(E, "read.error_value", f"单元格为错误值 {c.error}", p.sheet, c.ref, None, c.error)


def _funds_component_scored(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """Double counting (real-world irregularity 4): a 其中 row repeating the 分值/得分 that only
    the 年度资金总额 row carries."""
    p = ps.project
    if not any(r.kind == "total" for r in p.funds):
        return
    for row in p.funds:
        if row.kind == "total":
            continue
        filled: list[tuple[str, CellValue, float]] = []
        for name, cell in (("分值", row.weight), ("得分", row.score)):
            value = cell_points(cell)
            if cell is not None and value:  # a 0 or a dash adds nothing twice
                filled.append((name, cell, value))
        if filled:
            what = "、".join(f"{name} {fmt(v)}" for name, _, v in filled)
            yield _f(W, "funds.component_scored",
                     f"「{row.label}」行也填写了{what}：预算执行率只在年度资金总额行计分，此处重复计分，请删除",
                     p.sheet, filled[0][1].ref, None, filled[0][2])


def _subtotals(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """F9: a 小计 row of the indicator table equals the sum of the rows it closes."""
    p = ps.project
    tol = profile.tolerance.score
    by_row = {ind.row: ind for ind in p.indicators}
    for sub in p.subtotals:
        rows = [by_row[r] for r in sub.rows if r in by_row]
        for name, cell, parts in (("分值", sub.weight, [cell_points(i.weight) for i in rows]),
                                  ("得分", sub.score, [cell_points(i.score) for i in rows])):
            if cell is None or cell.blank or cell.error or (cell.formula and not cell.cached):
                continue
            entered = cell_points(cell)
            filled = [v for v in parts if v is not None]
            if not filled:
                continue
            summed = round2(sum(filled))
            if entered is None:
                yield _f(E, "indicator.subtotal_mismatch", f"{sub.label}（{name}）「{cell.text}」不是数字，"
                         f"所含 {len(filled)} 项指标{name}之和为 {fmt(summed)}", p.sheet, cell.ref, summed, cell.text)
            elif abs(entered - summed) > tol:
                yield _f(E, "indicator.subtotal_mismatch",
                         f"{sub.label}（{name}）{fmt(entered)} ≠ 所含 {len(filled)} 项指标{name}之和 {fmt(summed)}"
                         f"（第 {'、'.join(str(i.row) for i in rows)} 行）", p.sheet, cell.ref, summed, entered)


# --- weights (W1–W5) -------------------------------------------------------------------


def _weights(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    if not ps.indicators:
        return  # project.no_indicators says it; a weight sum of the funds row alone means nothing
    department = p.kind is TableKind.DEPARTMENT
    rows = [r for r in ps.indicators if r.applicable or r.weight == 0]
    weights = [r.weight for r in ps.indicators if r.weight is not None]
    if department and not weights:
        return  # a rubric table with 得分 but no 分值: nothing to add up, and nothing is scored
    if ps.indicators and not weights:
        yield _f(E, "weights.missing",
                 "各指标均未填写分值，无法按规则评分" + ("" if p.has_weight_column else "（表中没有“分值”栏）"),
                 p.sheet, p.name_cell)
        return
    for r in rows:
        if r.weight is None and r.applicable and not department:
            ind = r.indicator
            yield _f(E, "indicator.weight_missing", f"指标「{ind.name}」未填写分值，未计分", p.sheet,
                     ind.weight.ref if ind.weight is not None else ind.name_cell)
    for r in ps.indicators:
        if r.weight is not None and r.weight < 0:
            ind = r.indicator
            yield _f(E, "indicator.weight_negative", f"指标「{ind.name}」分值 {fmt(r.weight)} 为负数，分值合计随之失真",
                     p.sheet, ind.weight.ref if ind.weight is not None else ind.name_cell, None, r.weight)
    # The sheet's own sum: the funds row's 分值 is in it even when a zero budget takes the row out
    # of the score (zero_budget = "exclude_and_rescale"); that is the tool's scoring, which
    # _rescaled reports, not a sum the unit got wrong.
    funds_w = ps.funds.weight or 0.0
    total_w = round2(funds_w + sum(w for w in weights))
    declared = cell_points(p.total_weight)
    cell = p.total_weight.ref if p.total_weight is not None else (p.total_label_cell or p.name_cell)
    expected_total = float(profile.weights.total)
    if declared is not None and abs(declared - total_w) > 1e-9:
        yield _f(E, "weights.sum_mismatch",
                 f"分值合计：预算执行率 {fmt(funds_w)} + 各指标 {fmt(total_w - funds_w)} = {fmt(total_w)}，"
                 f"与总分行分值 {fmt(declared)} 不符", p.sheet, cell, total_w, declared)
    elif abs(total_w - expected_total) > 1e-9 and not department:
        # The 100-point total is the project table's rule; a department table's 分值 are checked
        # against its own 合计 row only.
        rescale = profile.not_applicable.rescale_to_100
        yield _f(W if rescale else E, "weights.sum_mismatch",
                 f"分值合计 {fmt(total_w)}，不为 {fmt(expected_total)}"
                 + ("，总分已按百分制折算" if rescale else ""), p.sheet, cell, expected_total, total_w)
    elif not department:
        yield from _rescaled(ps, profile, expected_total, cell)


def _rescaled(ps: ProjectScore, profile: Profile, expected_total: float, cell: Optional[str]) -> Iterator[Finding]:
    """§2.9: the sheet's 分值 add up, but rows left out of the score (不适用 indicators, a funds row
    with a zero budget) leave fewer applicable points, so the total is rescaled (or, without
    rescaling, falls short). The same warning as a sum that is not 100: 分值合计不为100."""
    p = ps.project
    if ps.raw is None or ps.score is None or abs(ps.total_weight - expected_total) <= 1e-9:
        return
    if any(r.weight is None for r in ps.indicators if r.applicable):
        return  # no scale without every weight (scoring does not rescale); indicator.weight_missing says why
    left_out = [r.weight for r in ps.indicators if not r.applicable and r.weight]
    parts = []
    if ps.funds.excluded and ps.funds.weight:
        parts.append(f"预算执行率 {fmt(ps.funds.weight)} 分（全年预算数为 0）")
    if left_out:
        parts.append(f"{len(left_out)} 项不适用指标共 {fmt(sum(left_out))} 分")
    if not parts:
        return
    if profile.not_applicable.rescale_to_100 and ps.total_weight > 0:
        result = f"总分 {fmt(ps.raw)} 已按百分制折算为 {fmt(round2(ps.raw * 100 / ps.total_weight))}"
    else:
        result = f"总分按原始合计 {fmt(ps.raw)} 计，未折算"
    yield _f(W, "weights.sum_mismatch",
             f"分值合计不为 {fmt(expected_total)}：{'、'.join(parts)}不计分，适用分值合计 {fmt(ps.total_weight)}，{result}",
             p.sheet, cell, expected_total, ps.total_weight)


def _group_sums(ps: ProjectScore) -> dict[str, float]:
    sums: dict[str, float] = {}
    for r in ps.indicators:
        if r.weight is not None:
            key = r.indicator.level1
            sums[key] = round2(sums.get(key, 0.0) + r.weight)
    return sums


def _groups(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    sums = _group_sums(ps)
    for g in p.groups:
        if g.declared_weight is not None and g.name in sums and abs(sums[g.name] - g.declared_weight) > 1e-9:
            yield _f(E, "weights.group_mismatch",
                     f"{g.name}各指标分值合计 {fmt(sums[g.name])} ≠ 标注的 {fmt(g.declared_weight)} 分",
                     p.sheet, g.cell, g.declared_weight, sums[g.name])
    if p.kind is TableKind.DEPARTMENT:
        return  # the 产出/效益/满意度 split and the 二级 vocabulary are the project table's (§1.1)
    enforce = profile.weights.enforce
    if enforce != "off" and sums:
        cells = {g.name: g.cell for g in p.groups}
        for key, expected in profile.weights.expected.items():
            names = key.split("+")
            got = round2(sum(sums.get(n, 0.0) for n in names))
            if abs(got - expected) > 1e-9 and any(n in sums for n in names):
                label = "与".join(names)
                yield _f(E if enforce == "error" else W, "weights.profile_mismatch",
                         f"{label}分值合计 {fmt(got)}，规则（{profile.title}）为 {fmt(expected)} 分"
                         + ("（特殊情况可调整，请确认）" if enforce != "error" else ""),
                         p.sheet, next((cells[n] for n in names if n in cells), p.name_cell), expected, got)
    unknown: dict[str, str] = {}
    for r in ps.indicators:
        name = normalize_label(r.indicator.level2).rstrip("等")
        if not name:
            continue
        if name not in LEVEL2_VOCAB and name + "指标" not in LEVEL2_VOCAB:
            unknown.setdefault(r.indicator.level2, r.indicator.level2_cell)
    for name, cell in unknown.items():
        yield _f(W, "weights.level2_unknown", f"二级指标「{name}」不在标准名称中（数量/质量/时效/成本、经济/社会/生态/可持续影响、满意度）",
                 p.sheet, cell, None, name)


# --- indicator rows (I1–I7, explanations) ----------------------------------------------


def _rows(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    for r in ps.indicators:
        yield from _row(ps.project, r, ps, profile)


def _department_rows(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """I1 on a department table's rows: the entered score is a number within 0–分值 (the rubric
    itself is not evaluated)."""
    tol = profile.tolerance.score
    for r in ps.indicators:
        if r.applicable:
            yield from _score_unparsed(ps.project, r, _row_label(r))
            out = _out_of_range(ps.project, r, _row_label(r), tol)
            if out is not None:
                yield out


def _row_label(r: IndicatorScore) -> str:
    ind = r.indicator
    # A row without a name is named by its row, not by a bare number that reads like a name.
    return f"指标「{ind.name or ind.level2}」" if ind.name or ind.level2 else f"第 {ind.row} 行的指标"


def _score_unparsed(p: Project, r: IndicatorScore, label: str) -> Iterator[Finding]:
    ind = r.indicator
    if ind.score is not None and not ind.score.blank and not ind.score.error and r.score_entered is None:
        yield _f(E, "indicator.unparsed", f"{label}得分「{ind.score.text}」不是数字", p.sheet, ind.score.ref,
                 r.score, ind.score.text)


def _out_of_range(p: Project, r: IndicatorScore, label: str, tol: float) -> Optional[Finding]:
    """I1: 0 ≤ 得分 ≤ 分值."""
    if r.weight is not None and r.weight >= 0 and r.score_entered is not None and (
            r.score_entered < -tol or r.score_entered > r.weight + tol):
        return _f(E, "indicator.score_out_of_range",
                  f"{label}得分 {fmt(r.score_entered)} 超出 0–{fmt(r.weight)} 分", p.sheet,
                  r.indicator.score.ref if r.indicator.score is not None else None, r.weight, r.score_entered)
    return None


def _row(p: Project, r: IndicatorScore, ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    ind = r.indicator
    label = _row_label(r)
    tol = profile.tolerance.score
    score_ref = ind.score.ref if ind.score is not None else None
    if not r.applicable:
        return
    yield from _score_unparsed(p, r, label)
    if r.issue == "actual_blank" and not r.target.raw:
        yield _f(E, "indicator.target_missing", f"{label}未填写年度指标值", p.sheet, ind.target.ref)
    if r.issue == "target_blank":
        yield _f(E, "indicator.target_missing", f"{label}未填写年度指标值", p.sheet, ind.target.ref)
    elif r.issue == "actual_blank":
        yield _f(E, "indicator.actual_missing", f"{label}未填写实际完成值，记 0 分", p.sheet, ind.actual.ref)
    elif r.issue == "incomparable":
        # §2.11: a numeric target with an actual that is no number and no grade is an error;
        # a target that is no number (qualitative, a date not pinned to a day) is treated as
        # qualitative, and an answer that cannot be graded against it is a warning.
        numeric = r.target.value is not None and r.target.family != "date"
        yield _f(E if numeric else W, "indicator.unparsed",
                 f"{label}实际完成值「{r.actual.raw}」无法与指标值「{r.target.raw}」比较，沿用填报得分",
                 p.sheet, ind.actual.ref, None, r.actual.raw)
    elif r.issue == "unit_mismatch":
        yield _f(E, "indicator.unit_mismatch",
                 f"{label}单位不一致：指标值「{r.target.raw}」，实际完成值「{r.actual.raw}」", p.sheet,
                 ind.actual.ref, r.target.unit, r.actual.unit)
    out_of_range = _out_of_range(p, r, label, tol)
    if out_of_range is not None:
        yield out_of_range
    elif r.band is not None and r.score_entered is not None and r.grade is not None:
        lo, hi = r.band
        inside = lo - 1e-9 <= r.score_entered and (
            r.score_entered <= hi + 1e-9 if r.grade is Grade.ACHIEVED else r.score_entered < hi - 1e-9)
        if not inside and r.target.family == "date":
            yield _f(E, "indicator.score_mismatch",
                     f"{label}未按期完成（实际 {r.actual.raw}，指标值 {r.target.raw}），得分应低于满分 "
                     f"{fmt(hi)}，填报 {fmt(r.score_entered)}", p.sheet, score_ref, list(r.band), r.score_entered)
        elif not inside:
            yield _f(E, "indicator.score_mismatch",
                     f"{label}定性「{r.grade.label}」得分应在 {fmt(r.band[0])}–{fmt(r.band[1])} 分之间，"
                     f"填报 {fmt(r.score_entered)}", p.sheet, score_ref, list(r.band), r.score_entered)
    elif r.score is not None and r.score_entered is not None and abs(r.score - r.score_entered) > tol:
        yield _f(E, "indicator.score_mismatch",
                 f"{label}得分 {fmt(r.score_entered)} ≠ 应得 {fmt(r.score)}（{r.how}）", p.sheet, score_ref,
                 r.score, r.score_entered)
    if r.score is not None and r.score_entered is None and ps.project.has_score_column and r.issue is None \
            and (ind.score is None or ind.score.blank):
        yield _f(INFO, "indicator.score_blank", f"{label}得分未填写，工具按 {fmt(r.score)} 分计（{r.how}）",
                 p.sheet, score_ref, r.score, None)
    # A late date is graded 未达成 by the tool, not by words the unit wrote (I7 says so).
    if r.grade is not None and not r.actual.grade_standard and r.actual.raw and (
            r.actual.grade is not None or r.kind is Kind.QUAL):
        yield _f(W, "indicator.nonstandard_grade",
                 f"{label}实际完成值「{r.actual.raw}」不是标准定性表述，按「{r.grade.label}」计",
                 p.sheet, ind.actual.ref, r.grade.label, r.actual.raw)
    for q, cell in ((r.target, ind.target), (r.actual, ind.actual)):
        if q.percent_assumed:
            yield _f(W, "indicator.percent_assumed",
                     f"{label}「{q.raw}」未写 %，按 {fmt(q.value)}% 计（另一栏为百分数），请核实",
                     p.sheet, cell.ref, q.value, q.raw)
    direction, where = _direction_word(r)
    if direction and r.target.op and (
            (direction == "正向" and r.target.op == "le") or (direction == "反向" and r.target.op == "ge")):
        yield _f(W, "indicator.direction_conflict",
                 f"{label}写明「{direction}」，但符号与之相反（{r.target.raw}）", p.sheet, where)
    if r.kind is Kind.GE and r.target.value == 0:
        yield _f(W, "indicator.zero_target", f"{label}指标值为 0，指标无约束力", p.sheet, ind.target.ref)
    yield from _explanation(p, r, profile, label)
    yield from _cost_and_dates(p, r, ps, label)


def _direction_word(r: IndicatorScore) -> tuple[Optional[str], Optional[str]]:
    """正向/反向 as the row states it, and the cell that says it: in the target itself, in a
    指标性质 column (split layouts), or in the indicator's name ("…（正向）")."""
    ind = r.indicator
    if r.target.direction:
        return r.target.direction, ind.target.ref
    for text, ref in ((ind.nature.text if ind.nature is not None else "", ind.nature.ref if ind.nature else None),
                      (ind.name, ind.name_cell or None)):
        said = {w for w in ("正向", "反向") if w in (text or "")}
        if len(said) == 1:
            return said.pop(), ref or ind.target.ref
    return None, None


def _shown(q: Quantity) -> str:
    """A value as the sheet shows it: a cell with a % format holds 0.7 and shows 70%."""
    if q.unit == "%" and q.value is not None and "%" not in q.raw and "％" not in q.raw:
        return f"{fmt(q.value)}%"
    return q.raw


def _target_text(r: IndicatorScore) -> str:
    """The target as the form shows it: split layouts spread it over 指标性质 / 指标值 / 度量单位."""
    ind = r.indicator
    nature = ind.nature.text if ind.nature is not None and not ind.nature.blank else ""
    unit = ind.unit_text or ""
    if not nature and not unit:
        return r.target.raw
    if nature in ("正向", "反向", "定性", "正向指标", "反向指标", "定性指标"):
        nature = ""
    return f"{nature}{r.target.raw}{unit if unit and not r.target.raw.endswith(unit) else ''}"


def _below_target(r: IndicatorScore) -> bool:
    if r.kind is Kind.QUAL:
        return r.grade in (Grade.PARTIAL, Grade.NOT)
    return r.score is not None and r.weight is not None and r.score < r.weight and r.issue is None


def _explanation(p: Project, r: IndicatorScore, profile: Profile, label: str) -> Iterator[Finding]:
    ind = r.indicator
    if ind.reason is None:
        return  # the form has no 偏差原因 column
    empty = ind.reason.blank or normalize_label(ind.reason.value) in ("无", "/", "—", "-")
    if not empty:
        return
    below_mode = profile.explanations.below_target
    over_mode = profile.explanations.over_target
    if _below_target(r) and below_mode != "off" and r.over_ratio is None:
        yield _f(E if below_mode == "error" else W, "indicator.missing_explanation",
                 f"{label}未完成指标值（{_target_text(r)} / 实际 {_shown(r.actual)}），偏差原因分析及改进措施空白",
                 p.sheet, ind.reason.ref)
    elif r.over_ratio is not None and over_mode != "off":
        # On a ≤ row over_ratio marks the mirror case (§2.8): the actual far below the ceiling.
        far = "远低于指标值（上限）" if r.kind is Kind.LE else "超额较多"
        yield _f(E if over_mode == "error" else W, "indicator.missing_explanation",
                 f"{label}实际完成值为指标值的 {fmt(r.over_ratio * 100)}%，{far}，未说明原因", p.sheet,
                 ind.reason.ref, None, round2(r.over_ratio))


def _cost_and_dates(p: Project, r: IndicatorScore, ps: ProjectScore, label: str) -> Iterator[Finding]:
    ind = r.indicator
    if "成本" in ind.level2 and r.actual.family == "money" and r.actual.value is not None:
        spent = ps.funds.executed
        if spent is not None and r.actual.value > spent + 0.01:
            yield _f(W, "indicator.cost_exceeds_execution",
                     f"{label}实际成本 {fmt(r.actual.value)} 万元超过全年执行数 {fmt(spent)} 万元",
                     p.sheet, ind.actual.ref, spent, r.actual.value)
    if r.target.when is not None and r.actual.when is not None and r.actual.when > r.target.when \
            and r.target.op != "ge":
        yield _f(W, "indicator.deadline_missed", f"{label}实际完成时间晚于指标要求（{r.target.raw}）",
                 p.sheet, ind.actual.ref, r.target.raw, r.actual.raw)


# --- total (I5) ------------------------------------------------------------------------


def _total(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    entered_total = ps.score_entered
    tol = profile.tolerance.score
    if p.kind is not TableKind.DEPARTMENT:  # a heuristic on the project table's scores, not arithmetic
        yield from _claims_vs_spending(ps)
    # I5 is arithmetic on the sheet: its 总分 adds the 得分 typed in every row, so every typed
    # score is added here, also on a row the tool leaves out as 不适用 (§2.9 rescaling is the
    # tool's scoring, which weights.sum_mismatch and total.differs report).
    entered_parts = [r.score_entered for r in ps.indicators if r.score_entered is not None]
    if entered_total is None:
        if p.total_score is not None and not p.total_score.blank and not p.total_score.formula:
            yield _f(E, "total.mismatch", f"总分「{p.total_score.text}」不是数字", p.sheet, p.total_score.ref)
        return
    funds_entered = ps.funds.score_entered or 0.0
    if entered_parts or ps.funds.score_entered is not None:
        summed = round2(funds_entered + sum(entered_parts))
        if abs(summed - entered_total) > tol:
            # A department table's 合计 usually sums the rubric rows alone: no funds part to name.
            parts = f"（预算执行 {fmt(funds_entered)} + 指标 {fmt(summed - funds_entered)}）" \
                if p.kind is not TableKind.DEPARTMENT or ps.funds.score_entered is not None else f"（{len(entered_parts)} 行）"
            yield _f(E, "total.mismatch",
                     f"{'合计得分' if p.kind is TableKind.DEPARTMENT else '总分'} {fmt(entered_total)} ≠ "
                     f"各项得分之和 {fmt(summed)}{parts}",
                     p.sheet, p.total_score.ref if p.total_score else None, summed, entered_total)
    if ps.score is not None and abs(ps.score - entered_total) > tol:
        yield _f(INFO, "total.differs", f"自评总分 {fmt(entered_total)}，按规则核定为 {fmt(ps.score)}",
                 p.sheet, p.total_score.ref if p.total_score else None, ps.score, entered_total)


def _claims_vs_spending(ps: ProjectScore) -> Iterator[Finding]:
    """The 一体化 system's "red" warning: indicators claim much more than the spending supports."""
    rate = ps.funds.rate
    # One definition (scoring.indicator_share), also carried in results.jsonl for 汇总.xlsx's
    # red list, so the finding and the list never disagree.
    share, basis = indicator_share(ps.indicators)
    if rate is None or share is None:
        return
    # Compared as summary.py compares it for the red list (RED_MARGIN), so the two agree; a gap
    # of exactly 5 points read through float noise is left to change in both places at once.
    if settled(share - min(rate, 1.0)) > 0.05:  # 汇总.xlsx's red list makes the same comparison
        p = ps.project
        total = next((r for r in p.funds if r.kind == "total"), None)
        yield _f(W, "funds.output_exceeds_spending",
                 f"预算执行率仅 {fmt(rate * 100)}%，但绩效指标{'得分率' if basis == 'score' else '平均完成率'}达 "
                 f"{fmt(share * 100)}%，指标完成情况与资金支出不匹配，请核实",
                 p.sheet, total.rate.ref if total and total.rate else p.name_cell, round2(rate), round2(share))


# --- goal quality ----------------------------------------------------------------------

PLACEHOLDER_RE = re.compile(r"\*\*|……|^指标\d+[:：]?$|^\(?≥?\*")


def _goals(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    rows = [r for r in ps.indicators if r.applicable]
    if not rows:
        yield _f(E, "project.no_indicators", "未填写任何绩效指标", p.sheet, p.name_cell)
        return
    vague = []
    for r in rows:
        ind = r.indicator
        if r.target.placeholder or (ind.name and PLACEHOLDER_RE.search(ind.name)):
            yield _f(W, "goal.placeholder", f"指标「{ind.name}」仍是模板占位文字，未按实际填写",
                     p.sheet, ind.name_cell if ind.name and PLACEHOLDER_RE.search(ind.name) else ind.target.ref)
        if r.target.raw and r.kind is Kind.QUAL and not r.target.not_applicable:
            vague.append(r)
            # The template allows qualitative rows (§2.3, §2.7): one alone is a note pointing at
            # the cell; the warning is the project-level one below (real-world #7, goals.vague_share).
            yield _f(INFO, "goal.not_quantified", f"指标「{ind.name}」的指标值「{r.target.raw}」未量化，无法客观考核",
                     p.sheet, ind.target.ref, None, r.target.raw)
        if r.actual.op is not None and r.actual.value is not None:
            yield _f(W, "goal.actual_copied",
                     f"指标「{ind.name}」实际完成值「{r.actual.raw}」带比较符号，像是照抄指标值，应填写实际完成的数值",
                     p.sheet, ind.actual.ref, None, r.actual.raw)
        if "数量" in ind.level2 and r.target.family == "percent" and r.target.value == 100:
            yield _f(W, "goal.single_percent",
                     f"数量指标「{ind.name}」以「{r.target.raw}」表示，应写明具体数量", p.sheet, ind.target.ref)
    share = profile.goals.vague_share
    if rows and len(vague) / len(rows) > share:
        yield _f(W, "goal.not_quantified",
                 f"绩效目标不够细化、量化：{len(rows)} 项指标中 {len(vague)} 项指标值无法量化", p.sheet,
                 p.name_cell, None, len(vague))
    level1 = {r.indicator.level1 for r in rows}
    for name, code in (("产出指标", "goal.no_output"), ("效益指标", "goal.no_benefit")):
        if name not in level1:
            yield _f(W, code, f"没有{name}", p.sheet, p.name_cell)
    if profile.goals.require_satisfaction and "满意度指标" not in level1:
        yield _f(W, "goal.no_satisfaction", "没有满意度指标", p.sheet, p.name_cell)
    if not p.goal_expected:
        yield _f(W, "goal.expected_missing", "年度总体目标（预期目标）未填写", p.sheet, p.goal_cells[0] or p.name_cell)
    if not p.goal_actual:
        yield _f(W, "goal.actual_missing", "年度总体目标（实际完成情况）未填写", p.sheet, p.goal_cells[1] or p.name_cell)


# --- unit sheet ------------------------------------------------------------------------


# Numbering and budget codes written before a project's name in real lists and sheets:
# "219-池州市…", "2190101 农村…" (spaces are gone after normalize_label), "1.", "(一)", "一、".
# A "." followed by a digit is a decimal ("1.5万亩…"), not numbering.
_NAME_PREFIX_RE = re.compile(r"^(?:\([0-9一二三四五六七八九十]+\)|[0-9]+(?:[-—–_、/]|[.．](?![0-9]))"
                             r"|[一二三四五六七八九十]+[、.．]|[0-9]{6,}(?![0-9年]))+")
# Punctuation people type differently from one table to the next (brackets are already one style).
_NAME_PUNCT_RE = re.compile(r"[()\"'“”‘’《》〈〉<>「」『』·•・,，、.．\-—–_/]")


def _loose_name(text: str) -> str:
    """A project name with its numbering, punctuation and a trailing 项目 dropped, for matching a
    list row to a sheet when the two spell the name slightly differently."""
    name = _NAME_PUNCT_RE.sub("", _NAME_PREFIX_RE.sub("", normalize_label(text)))
    if name.endswith("项目") and len(name) > 2:
        name = name[:-2]
    return name


def _contains(a: str, b: str) -> bool:
    # One character ("站") is contained in too many names to say anything.
    return min(len(a), len(b)) >= 2 and (a in b or b in a)


def _match_projects(entries: list[UnitEntry], scores: list[ProjectScore]) -> dict[int, ProjectScore]:
    """List row index -> its project sheet, one to one.

    Exact (normalised) names pair first, then names equal once numbering and punctuation are
    dropped, and only then a name contained in the other, and only when neither side has
    another candidate left: matching by containment first let 「农村道路建设」 claim the sheet
    「农村道路建设（二期）」 and left the real 农村道路建设 sheet unlisted. The project name is
    tried before the sheet name (sheet names are cut at 31 characters)."""
    exact = [normalize_label(e.name) for e in entries]
    loose = [_loose_name(e.name) for e in entries]
    # Per sheet: its project name and sheet name, exact and loose.
    sheet_exact = [(normalize_label(s.project.name), normalize_label(s.project.sheet)) for s in scores]
    sheet_loose = [(_loose_name(s.project.name), _loose_name(s.project.sheet)) for s in scores]
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for mine, theirs in ((exact, sheet_exact), (loose, sheet_loose)):
        for which in (0, 1):  # project name, then sheet name
            for i, key in enumerate(mine):
                if i in pairs or not key:
                    continue
                # Equal names are strong evidence: duplicates pair off in order.
                j = next((j for j, keys in enumerate(theirs) if j not in taken and keys[which] == key), None)
                if j is not None:
                    pairs[i] = j
                    taken.add(j)
    while True:
        cands = {i: [j for j, keys in enumerate(sheet_loose)
                     if j not in taken and any(k and _contains(key, k) for k in keys)]
                 for i, key in enumerate(loose) if i not in pairs and key}
        claimed: dict[int, int] = {}
        for js in cands.values():
            for j in js:
                claimed[j] = claimed.get(j, 0) + 1
        # Disjoint by construction (each sheet has one claimant), so all pair at once; each
        # pairing can make another row unambiguous, hence the loop.
        sure = {i: js[0] for i, js in cands.items() if len(js) == 1 and claimed[js[0]] == 1}
        if not sure:
            break
        pairs.update(sure)
        taken.update(sure.values())
    return {i: scores[j] for i, j in pairs.items()}


def check_unit(unit: UnitSheet, scores: Iterable[ProjectScore], profile: Profile) -> list[Finding]:
    out: list[Finding] = []
    scores = [s for s in scores if s.project.kind is TableKind.PROJECT]
    # Each sheet's amounts are read in its own unit (the project sheets' are already in 万元).
    # A list that names no unit is taken to share the project sheets' unit when they agree, and
    # the standard table's 万元 otherwise.
    sheet_units = {s.project.money_unit for s in scores}
    default_unit = sheet_units.pop() if len(sheet_units) == 1 else "万元"
    units = {col: unit.unit_of(col, default_unit) for col in MONEY_COLUMNS}
    tols = {col: money_tolerance(profile, units[col]) for col in MONEY_COLUMNS}
    cells = [c for e in (*unit.entries, *([unit.total] if unit.total else []))
             for c in (e.initial, e.full_year, e.executed) if c is not None]
    stale = [c for c in cells if c.formula and not c.cached]
    if stale:
        out.append(Finding(W, "read.formula_not_cached",
                           f"项目清单有 {len(stale)} 个公式没有计算结果，相关金额未能核对；"
                           "请在 Excel/WPS 中打开并保存后再提交", unit.sheet, stale[0].ref, None, len(stale)))
    for col in MONEY_COLUMNS:
        values = [cell_money(getattr(e, col), units[col]) for e in unit.entries]
        filled = [v for v in values if v is not None]
        cell = getattr(unit.total, col) if unit.total else None
        if not filled or cell is None or (cell.formula and not cell.cached):
            continue
        summed = round(sum(filled), 6)
        total = cell_money(cell, units[col])
        parts = " + ".join(fmt(v) for v in filled)
        if total is None or abs(total - summed) > tols[col]:
            out.append(Finding(E, "unit.total_mismatch",
                               f"项目清单合计（{COLUMN_NAMES[col]}）{fmt(total) if total is not None else '空白'}"
                               f" ≠ 各项目之和 {parts} = {fmt(summed)}",
                               unit.sheet, cell.ref, summed, total))
    readable = [e for e in unit.entries if normalize_label(e.name)]
    found = _match_projects(readable, scores)
    matched: set[int] = set()
    for i, entry in enumerate(readable):
        ps = found.get(i)
        if ps is None:
            out.append(Finding(W, "unit.project_missing",
                               f"项目清单中的「{entry.name}」没有对应的项目自评表", unit.sheet, entry.name_cell))
            continue
        matched.add(id(ps))
        sheet_values = {"initial": ps.funds.initial, "full_year": ps.funds.budget, "executed": ps.funds.executed}
        for col in MONEY_COLUMNS:
            cell = getattr(entry, col)
            listed = cell_money(cell, units[col])
            if listed is None or sheet_values[col] is None or cell is None:
                continue
            # The coarser of the two sheets' precisions: 万元 to two decimals against exact 元.
            tol = max(tols[col], money_tolerance(profile, ps.project.money_unit))
            if abs(listed - sheet_values[col]) > tol:
                out.append(Finding(E, "unit.project_mismatch",
                                   f"项目清单「{entry.name}」{COLUMN_NAMES[col]} {fmt(listed)} ≠ 项目表「{ps.project.sheet}」的 "
                                   f"{fmt(sheet_values[col])}", unit.sheet, cell.ref, sheet_values[col], listed))
    # A list row whose name cannot be read (a 项目名称 formula never calculated) may be any
    # project: "not listed" cannot be claimed then (read.formula_not_cached says why).
    names_known = len(readable) == len(unit.entries)
    for ps in scores:
        if id(ps) not in matched and unit.entries and names_known:
            out.append(Finding(W, "unit.project_missing",
                               f"项目自评表「{ps.project.name}」未列入项目清单（{unit.sheet}）", ps.project.sheet,
                               ps.project.name_cell))
    return out
