"""Checks of the funds block (scoring-rules.md §3, F1–F8): sums, execution rate, its score, amounts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator, Optional

from perf_xlsx.judge.breakdowns import MONEY_COLUMNS, Breakdown, breakdowns, total_row
from perf_xlsx.judge.checks.base import COLUMN_NAMES, INFO, E, W, column_name, finding
from perf_xlsx.judge.checks.formulas import cause_findings, explained, follows, formula_misses
from perf_xlsx.judge.numbers import (
    beyond,
    cell_money,
    cell_number,
    cell_points,
    fmt,
    money_tolerance,
    round2,
    settled,
    settled_decimal,
)
from perf_xlsx.judge.scoring import funds_points
from perf_xlsx.model import CellValue, Finding, Project, ProjectScore
from perf_xlsx.rules import Profile
from perf_xlsx.values import blank_amount


def funds_totals(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """F1 / F9: the 年度资金总额 equals each breakdown's sum, column by column. Where a 部门整体
    table's breakdowns agree with each other and not with the total, the total is wrong
    (funds.total_mismatch at its cell); where one breakdown alone disagrees, that breakdown is
    (funds.breakdown_mismatch at its cells)."""
    p = ps.project
    total = total_row(p)
    if not p.funds:
        return
    tol = money_tolerance(profile, p.money_unit)
    parts = breakdowns(p)
    for col in MONEY_COLUMNS:
        cell: Optional[CellValue] = getattr(total, col) if total else None
        sums = [(b, s) for b, s in ((b, b.sum(col, p.money_unit)) for b in parts) if s is not None]
        if not sums or cell is None:
            if len(sums) > 1 and cell is None:
                yield from _breakdowns_apart(p.sheet, col, sums, tol)
            continue
        if cell.formula and not cell.cached:
            continue  # reported once by _formulas; the parts are used
        name = column_name(p, col)
        entered = cell_money(cell, p.money_unit)
        agreed = all(abs(s - sums[0][1]) <= tol for _, s in sums)
        summed = sums[0][1]
        causes = _formula_causes(p, cell, entered, [(b, s) for b, s in sums], col, tol)
        if causes:
            yield from causes  # the part to change, not the formula that shows it
            continue
        if entered is None:
            if not cell.blank:
                yield finding(E, "funds.not_number", f"年度资金总额（{name}）「{cell.text}」不是数字", p.sheet,
                              cell.ref, summed if agreed else None, cell.text)
            elif agreed:
                # Not a wrong figure: a missing one (the parts are used for the score).
                yield finding(W, "funds.total_blank",
                              f"年度资金总额（{name}）未填写，{_sums_text(sums, '为')}，请填写",
                              p.sheet, cell.ref, summed, None)
            else:
                yield from _breakdowns_apart(p.sheet, col, sums, tol)
            continue
        off = [(b, s) for b, s in sums if abs(entered - s) > tol]
        if not off:
            continue
        if len(off) == len(sums) and agreed:
            yield finding(E, "funds.total_mismatch", f"年度资金总额（{name}）{fmt(entered)} ≠ {_sums_text(sums)}",
                          p.sheet, cell.ref, summed, entered)
            continue
        for b, s in off:
            yield finding(E, "funds.breakdown_mismatch",
                          f"{b.name}各项合计（{name}）{fmt(s)} ≠ 年度资金总额 {fmt(entered)}"
                          + ("" if len(off) == len(sums) else "（另一分项与总额相符）"),
                          p.sheet, b.span(col), entered, s)


def _formula_causes(p: Project, cell: CellValue, entered: Optional[float], sums: list[tuple[Breakdown, float]],
                    col: str, tol: float) -> list[Finding]:
    """A total formula that is wrong, blank or an error value because of its parts: one typed as
    text, or one outside the SUM range; found at the part's cell (formula.part_is_text,
    formula.part_outside_range). Empty when the total is no formula or its parts do not explain it."""
    if not cell.formula:
        return []
    name, unit = column_name(p, col), p.money_unit
    for b, s in sums:
        labels = {c.ref: f"「{r.label}」（{name}）" for r in b.rows for c in (getattr(r, col),) if c is not None}
        misses = formula_misses(cell, [c for c in (getattr(r, col) for r in b.rows) if c is not None],
                                lambda c: cell_money(c, unit))
        if explained(misses, entered, s, tol):
            return cause_findings(misses, cell, p.sheet, f"年度资金总额（{name}）", labels, entered)
    return []


def broken_totals(ps: ProjectScore, profile: Profile) -> set[str]:
    """The 年度资金总额 formula cells that funds_totals explains by a part (typed as text, or
    outside the SUM range)."""
    p = ps.project
    total = total_row(p)
    if total is None:
        return set()
    tol = money_tolerance(profile, p.money_unit)
    parts = breakdowns(p)
    out = set()
    for col in MONEY_COLUMNS:
        cell = getattr(total, col)
        if cell is None or not cell.formula or not cell.cached:
            continue
        sums = [(b, s) for b, s in ((b, b.sum(col, p.money_unit)) for b in parts) if s is not None]
        if sums and _formula_causes(p, cell, cell_money(cell, p.money_unit), sums, col, tol):
            out.add(cell.ref)
    return out


def funds_formulas(p: Project) -> dict[str, CellValue]:
    """The formula cells of the funds block, by A1."""
    return {c.ref: c for r in p.funds for c in (r.initial, r.full_year, r.executed, r.rate, r.score)
            if c is not None and c.formula}


def _text_parts(p: Project, cell: CellValue, col: str) -> bool:
    """Whether a total formula's error value comes from parts typed as text."""
    parts = [c for b in breakdowns(p) for c in (getattr(r, col) for r in b.rows) if c is not None]
    return any(m.why == "text" for m in formula_misses(cell, parts, lambda c: cell_money(c, p.money_unit)))


def _sums_text(sums: list[tuple[Breakdown, float]], verb: str = "") -> str:
    """"各项合计 200" for one breakdown (a project table's 其中 rows); for several, each by name."""
    if len(sums) == 1:
        b, s = sums[0]
        return f"{'' if not b.key else b.name}各项合计{verb} {fmt(s)}"
    return " = ".join(f"{b.name}合计 {fmt(s)}" for b, s in sums)


def _breakdowns_apart(sheet: str, col: str, sums: list[tuple[Breakdown, float]], tol: float) -> Iterator[Finding]:
    """Two breakdowns with no total to hold them against must agree with each other."""
    first, value = sums[0]
    for b, s in sums[1:]:
        if abs(s - value) > tol:
            yield finding(E, "funds.breakdown_mismatch",
                          f"{b.name}各项合计（{COLUMN_NAMES[col]}）{fmt(s)} ≠ {first.name}各项合计 {fmt(value)}",
                          sheet, b.span(col), value, s)


def _decimals(x: float) -> int:
    text = f"{x:.6f}".rstrip("0").rstrip(".")
    return len(text.split(".")[1]) if "." in text else 0


def _displayed(x: float, decimals: int) -> float:
    """x as Excel/WPS display it with that many decimals: half away from zero (98.25 -> 98.3),
    where Python's round() goes to even (98.2). The quotient's float noise (98.24999999999999)
    is cut first (numbers.settled_decimal, as round2 does), so it cannot decide the half."""
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


def funds_rate(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    tol = profile.tolerance.rate_points
    formulas = funds_formulas(p)
    broken = broken_totals(ps, profile) if formulas else set()
    for row in p.funds:
        if row.rate is None or row.rate.blank or row.rate.error:
            continue
        if follows(row.rate, broken, formulas):
            continue  # computed from a total whose wrong part is reported (formula.*)
        if row.kind == "total":
            rate = ps.funds.rate
        else:
            budget = cell_money(row.full_year, p.money_unit)
            spent = cell_money(row.executed, p.money_unit)
            rate = spent / budget if budget and spent is not None else None
        if cell_number(row.rate) is None:
            if row.kind == "total" and rate is not None:
                yield finding(E, "funds.rate_mismatch", f"执行率「{row.rate.text}」不是数字，应为 {fmt(rate * 100)}%",
                              p.sheet, row.rate.ref, round2(rate * 100), row.rate.text)
            continue
        if rate is None:
            continue
        ok, found = _rate_matches(row.rate, rate, tol)
        if not ok:
            yield finding(E, "funds.rate_mismatch",
                          f"执行率 {row.rate.text or fmt(found)} ≠ {column_name(p, 'executed')} ÷ {column_name(p, 'full_year')} = "
                          f"{fmt(rate * 100)}%",
                          p.sheet, row.rate.ref, round2(rate * 100), round2(found))


def funds_score(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    f, p = ps.funds, ps.project
    if f.score is None or f.score_entered is None:
        return
    tol = profile.tolerance.score
    if not beyond(f.score_entered, f.score, 0):
        return
    total = total_row(p)
    formulas = funds_formulas(p)
    if total is not None and formulas and follows(total.score, broken_totals(ps, profile), formulas):
        return  # computed from a total whose wrong part is reported (formula.*)
    shown = _shown_rate_score(ps, profile)
    if shown is not None and not beyond(f.score_entered, shown[1], 0):
        # The unit multiplied the 执行率 it sees on the sheet (10.8%), not the exact one (10.77%).
        yield finding(INFO, "funds.score_from_shown_rate",
                      f"预算执行率得分 {fmt(f.score_entered)} 按表中显示的执行率 {shown[0]} 计算；"
                      f"按金额计算应得 {fmt(f.score)}（{f.how}），差异来自执行率的显示位数，予以认可",
                      p.sheet, f.score_cell, f.score, f.score_entered)
    elif beyond(f.score_entered, f.score, tol):
        yield finding(E, "funds.score_mismatch",
                      f"预算执行率得分 {fmt(f.score_entered)} ≠ 应得 {fmt(f.score)}（{f.how}）",
                      p.sheet, f.score_cell, f.score, f.score_entered)


def _shown_rate_score(ps: ProjectScore, profile: Profile) -> Optional[tuple[str, float]]:
    """The funds score from the 执行率 as the sheet shows it (10.8% where the amounts give
    10.77...%): the entered rate, when it agrees with the amounts (rounded for display) but is
    not the exact rate. None when there is no such rate."""
    f = ps.funds
    total = total_row(ps.project)
    if total is None or total.rate is None or f.rate is None or f.weight is None:
        return None
    cell = total.rate
    if cell.blank or cell.error or cell_number(cell) is None:
        return None
    ok, points = _rate_matches(cell, f.rate, profile.tolerance.rate_points)
    if not ok or not beyond(points, f.rate * 100, 0):
        return None
    score, _ = funds_points(points / 100, f.weight, profile)
    return (cell.text if "%" in cell.text.replace("％", "%") else f"{fmt(points)}%"), score


def funds_misc(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
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
                if row.kind == "total" and _text_parts(p, cell, col):
                    continue  # funds_totals names the part typed as text (formula.part_is_text)
                yield finding(E, "funds.not_number", f"{row.label}（{COLUMN_NAMES[col]}）为错误值 {cell.error}",
                              p.sheet, cell.ref, None, cell.error)
                continue
            value = cell_money(cell, p.money_unit)
            if value is None:
                # 无/不适用/— in an unused 其中 row mean no money of that kind (§1.2: blank = 0).
                if not blank_amount(cell.value):
                    yield finding(E, "funds.not_number", f"{row.label}（{COLUMN_NAMES[col]}）「{cell.text}」不是数字",
                                  p.sheet, cell.ref, None, cell.text)
            elif value < 0:
                yield finding(E, "funds.negative", f"{row.label}（{COLUMN_NAMES[col]}）为负数 {fmt(value)}",
                              p.sheet, cell.ref, None, value)
        budget = cell_money(row.full_year, p.money_unit)
        spent = cell_money(row.executed, p.money_unit)
        if row.kind == "total":
            budget, spent = f.budget, f.executed
        if budget is not None and spent is not None and spent > budget + money_tolerance(profile, p.money_unit):
            where = row.executed.ref if row.executed is not None else anchor
            yield finding(W, "funds.over_budget",
                          f"{row.label}：{column_name(p, 'executed')} {fmt(spent)} 超过{column_name(p, 'full_year')} {fmt(budget)}",
                          p.sheet, where,
                          budget, spent)
    if f.weight is None:
        return  # the funds are not scored (a 部门整体 form without a 分值 column): nothing below applies
    if f.budget is None or f.executed is None:
        yield finding(E, "funds.missing", "全年预算数或全年执行数缺失，无法计算预算执行率", p.sheet, anchor)
    elif f.budget == 0:
        yield finding(E, "funds.zero_budget",
                      "全年预算数为 0" + ("，但有执行数" if f.executed else "") + "，无法计算执行率", p.sheet,
                      total.full_year.ref if total and total.full_year else anchor, None, 0)
    if total is not None and total.weight is not None and not total.weight.blank:
        w = cell_points(total.weight)
        if w is not None and abs(w - profile.funds_weight) > 1e-9:
            yield finding(W, "funds.weight_profile",
                          f"预算执行率分值 {fmt(w)} 与规则（{profile.title}）的 {fmt(profile.funds_weight)} 分不同",
                          p.sheet, total.weight.ref, profile.funds_weight, w)
    elif total is not None:
        yield finding(INFO, "funds.weight_missing",
                      f"预算执行率分值未填写，按规则 {fmt(profile.funds_weight)} 分计", p.sheet,
                      total.weight.ref if total.weight else anchor, profile.funds_weight, None)
    if p.funds_basis == "budget" and f.initial is not None and f.budget is not None \
            and abs(f.initial - f.budget) > money_tolerance(profile, p.money_unit):
        yield finding(INFO, "funds.budget_adjusted",
                      f"年初预算数 {fmt(f.initial)} 与全年预算数 {fmt(f.budget)} 不同（年中预算调整），执行率按全年预算数计算",
                      p.sheet, total.full_year.ref if total and total.full_year else anchor, f.initial, f.budget)
    below = profile.funds.explain_below_rate
    if below and f.rate is not None and settled(f.rate) < below:  # 4.05 / 4.5 is 90%, not below it
        yield finding(W, "funds.low_rate_unexplained",
                      f"预算执行率 {fmt(f.rate * 100)}% 低于 {fmt(below * 100)}%，须说明原因", p.sheet,
                      total.rate.ref if total and total.rate else anchor, below, round2(f.rate))


def funds_component_scored(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
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
            yield finding(W, "funds.component_scored",
                          f"「{row.label}」行也填写了{what}：预算执行率只在年度资金总额行计分，此处重复计分，请删除",
                          p.sheet, filled[0][1].ref, None, filled[0][2])
