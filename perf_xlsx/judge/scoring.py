"""Scores per scoring-rules.md §2: pure functions over the model and a rules profile."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, Optional, Sequence

from perf_xlsx.model import (
    CellValue,
    FundsRow,
    FundsScore,
    Grade,
    Indicator,
    IndicatorScore,
    Kind,
    Project,
    ProjectScore,
    Quantity,
    TableKind,
)
from perf_xlsx.rules import Profile
from perf_xlsx.values import (
    explicitly_not_applicable,
    normalize_label,
    op_from_nature,
    parse_money,
    parse_number,
    parse_points,
    parse_quantity,
    written_money_unit,
)

MONEY_COLUMNS = ("initial", "full_year", "executed")


# Places at which the noise of float arithmetic is cut: 10 × 875.5 / 1000 is 8.754999999999999
# as a float, 2.48 / 3.1 is 0.7999999999999999. Sheet values carry a few decimals and the
# noise sits near the 16th significant digit, so ten places keep every real digit and drop it.
NOISE_PLACES = 10


def settled_decimal(x: float) -> Decimal:
    """The exact decimal a computed float stands for (float noise cut at NOISE_PLACES places)."""
    return Decimal(f"{float(x):.{NOISE_PLACES}f}")


def settled(x: float) -> float:
    """A computed rate or ratio as the number it stands for, to compare with a threshold.

    Every comparison of a quotient with a profile threshold (130% over-achievement, an
    execution-rate band, cap or explanation limit) goes through this, so that a value that
    is exactly on the threshold as written (2.48 / 3.1 = 80%) counts as on it.
    """
    return float(settled_decimal(x))


def round2(x: float) -> float:
    """Round half up to two decimals (四舍五入) on the value the float stands for (§2.12):
    8.755 computed as 8.754999999999999 still gives 8.76; Python's round() would not."""
    xf = float(x)
    got = _ROUND2.get(xf)
    if got is None:
        got = _round2_text(f"{xf:.{NOISE_PLACES}f}")
        # 0.0 and -0.0 are one key but round to different signs; everything else equal as a
        # float has the same text. Bounded so odd files cannot grow it without end.
        if xf and len(_ROUND2) < 8192:
            _ROUND2[xf] = got
    return got


_ROUND2: dict[float, float] = {}


_CENT = Decimal("0.01")


@lru_cache(maxsize=4096)
def _round2_text(text: str) -> float:
    # Keyed by the float's settled text, which is what the Decimal is built from (and which
    # tells 0.0 from -0.0, unlike the float as a key); weights and scores repeat across rows
    # and files.
    return float(Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP))


def fmt(x: Optional[float]) -> str:
    """A number as a person would write it in an explanation: no trailing zeros."""
    if x is None:
        return "—"
    xf = float(x)  # what round2 rounds
    got = _FMT.get(xf)
    if got is None:
        text = f"{round2(xf):.2f}".rstrip("0").rstrip(".")
        got = text if text not in ("-0", "") else "0"
        # 0.0 and -0.0, one key, both print "0"; the same weights and scores recur in every
        # workbook. Bounded as _ROUND2 is.
        if len(_FMT) < 8192:
            _FMT[xf] = got
    return got


_FMT: dict[float, str] = {}


def fmt_value(x: float) -> str:
    """A target or actual value in an explanation: as typed, not rounded to 2 decimals like a
    score (0.0005 万元 or a 0.125 ratio must not print as 0 or 0.13 in "目标 ÷ 实际 × 分值")."""
    text = f"{settled(x):.6f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


UNIT_IN_WAN = {"元": 0.0001, "千元": 0.1, "万元": 1.0, "亿元": 10000.0}


def money_tolerance(profile: Profile, unit: str) -> float:
    """The money tolerance in 万元: the profile gives it in the sheet's own unit (0.01 = 一分 in 元)."""
    return float(profile.tolerance.money) * UNIT_IN_WAN.get(unit, 1.0)


def cell_points(cell: Optional[CellValue]) -> Optional[float]:
    """A 分值 or 得分 cell ("10", 10, "10分")."""
    if cell is None or cell.blank or cell.error:
        return None
    return parse_points(cell.value)


def cell_number(cell: Optional[CellValue]) -> Optional[float]:
    if cell is None or cell.blank or cell.error:
        return None
    return parse_number(cell.value, percent_format=cell.percent_format)


def cell_money(cell: Optional[CellValue], unit: str) -> Optional[float]:
    if cell is None or cell.blank or cell.error:
        return None
    return parse_money(cell.value, unit)


def cell_quantity(cell: Optional[CellValue], unit_hint: Optional[str] = None,
                  year: Optional[int] = None) -> Quantity:
    if cell is None or cell.error:
        return Quantity(raw=cell.error if cell is not None and cell.error else "")
    return parse_quantity(cell.value, percent_format=cell.percent_format, unit_hint=unit_hint,
                          year=year)


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
    base = dict(budget=budget, executed=executed, initial=initial, weight=weight,
                score_entered=score_entered, score_cell=score_cell, parts=parts)
    if budget is None or executed is None:
        return FundsScore(rate=None, score=None, how="全年预算数或全年执行数缺失，无法计算执行率", **base)
    if budget < 0 or executed < 0:
        return FundsScore(rate=None, score=None, how="金额为负数，无法计分", **base)
    if budget == 0:
        exclude = executed == 0 and profile.funds.zero_budget == "exclude_and_rescale"
        return FundsScore(rate=None, score=None if exclude else 0.0, excluded=exclude,
                          how="全年预算数为 0，无法计算执行率", **base)
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
    return FundsScore(rate=rate, score=score, how=how, **base)


# --- indicators --------------------------------------------------------------------------

SAME_WORDS = ("同上", "与指标值一致", "同指标值")


def _is_date_target(target: Quantity) -> bool:
    return target.family == "date" and not target.is_range and not target.placeholder


def indicator_kind(ind: Indicator, target: Quantity, profile: Profile) -> Kind:
    if _is_date_target(target):
        # A date is an objective target whatever 指标性质 says: a deadline (…前, 不晚于, or a bare
        # date) is met on or before its day (scoring-rules.md §2.3 DATE: LE on dates).
        return Kind.GE if target.op == "ge" else Kind.LE
    nature = op_from_nature(ind.nature.value) if ind.nature is not None and not ind.nature.blank else None
    if nature == "qual" or target.value is None or target.is_range:
        return Kind.QUAL
    op = target.op or nature
    if op == "ge":
        return Kind.GE
    if op == "le":
        return Kind.LE
    if op == "eq":
        return Kind.EQ
    return Kind.EQ if profile.indicators.bare_number == "eq" else Kind.GE


def _band(profile: Profile, grade: Grade, weight: float) -> tuple[float, float]:
    lo, hi = profile.qualitative.bands[grade]
    return round2(weight * lo), round2(weight * hi)


def _same_text(a: Quantity, b: Quantity) -> bool:
    return bool(a.raw) and a.raw.replace(" ", "") == b.raw.replace(" ", "")


# A target that asks for something not to happen (无违规违纪, 无安全事故, 零事故, 杜绝…, 不发生…).
_ABSENCE_TARGET_RE = re.compile(r"^(?:无|零|杜绝|没有|不发生|未发生)|不发生|未发生|零发生|零事故")
# Answers saying that nothing happened.
_NONE_ANSWERS = {"无", "没有", "未发生", "无发生", "零", "0"}


def _says_none(actual: Quantity) -> bool:
    """Does the 实际完成值 say, in words, that nothing happened (无, 没有, 未发生)?"""
    return normalize_label(actual.raw).rstrip("。.") in _NONE_ANSWERS


def _none_happened(target: Quantity, actual: Quantity) -> bool:
    """无 (or 0起) answering a target that nothing should happen: the target is met (§2.3: other
    texts in a qualitative row are ACHIEVED, with the 非标准定性表述 warning)."""
    if not _ABSENCE_TARGET_RE.search(normalize_label(target.raw)):
        return False
    return _says_none(actual) or (actual.value == 0 and actual.op is None)


def _something_happened(target: Quantity, actual: Quantity) -> bool:
    """A count above 0 (1起, 2次) answering a target that nothing should happen (无安全事故):
    the one thing the target ruled out did happen, so it is not met."""
    return (bool(_ABSENCE_TARGET_RE.search(normalize_label(target.raw)))
            and actual.value is not None and actual.value > 0 and actual.op is None)


def _none_as_zero(target: Quantity, actual: Quantity) -> Optional[Quantity]:
    """无 answering a zero target (≤0起, 0起, =0) as the number 0 in the target's unit, else None.

    无 is how people write "none happened" against a ceiling or count of 0 (§2.5 zero target:
    B = 0 meets it); left as text it would be an incomparable number-against-words row."""
    if target.value != 0 or target.op not in (None, "le", "eq") or target.strict \
            or actual.value is not None or not _says_none(actual):
        return None
    return replace(actual, value=0.0, unit=target.unit, family=target.family, not_applicable=False)


def _qualitative(ind: Indicator, target: Quantity, actual: Quantity, w: float,
                 entered: Optional[float], profile: Profile, base: dict) -> dict[str, Any]:
    grade = actual.grade
    if grade is None and (_same_text(target, actual) or actual.raw in SAME_WORDS
                          or _none_happened(target, actual)):
        grade = Grade.ACHIEVED
    if grade is None and _something_happened(target, actual):
        grade = Grade.NOT
    if grade is None and target.value is not None and actual.value is not None:
        grade = None  # quantitative comparison happened elsewhere; unreachable for QUAL kind
    if grade is None:
        issue = "actual_blank" if not actual.raw else "incomparable"
        return dict(score=0.0 if issue == "actual_blank" else None, issue=issue,
                              how="缺少实际完成值，记 0 分" if issue == "actual_blank"
                              else "实际完成值无法判断完成等级，沿用填报得分", **base)
    return _graded(grade, w, entered, profile, base, f"定性「{grade.label}」")


def _graded(grade: Grade, w: float, entered: Optional[float], profile: Profile, base: dict,
            why: str, band: Optional[tuple[float, float]] = None) -> dict[str, Any]:
    """A score inside the band of ``grade`` (§2.7), or inside ``band`` when given: the entered
    one if it fits, else clamped."""
    lo, hi = band or _band(profile, grade, w)
    if entered is None:
        share = profile.qualitative.default_share[grade]
        score = round2(w * share)
        how = f"{why}，得分栏空白，按 {fmt(share * 100)}% × {fmt(w)} = {fmt(score)}"
    else:
        upper = hi if grade is Grade.ACHIEVED else round2(hi - 0.01)
        score = round2(min(max(entered, lo), upper))
        if score == round2(entered):
            how = f"{why}，区间 {fmt(lo)}–{fmt(hi)}，填报 {fmt(entered)} 在区间内"
        else:
            how = f"{why}，区间 {fmt(lo)}–{fmt(hi)}，填报 {fmt(entered)} 超出区间，按 {fmt(score)} 计"
    return dict(score=score, grade=grade, band=(lo, hi), how=how, **base)


def _dated(ind: Indicator, target: Quantity, actual: Quantity, w: float, entered: Optional[float],
           kind: Kind, profile: Profile, base: dict) -> dict[str, Any]:
    """A date target (时效指标): met or missed by the day written in 实际完成值 (check I7)."""
    if not actual.raw:
        return dict(score=0.0, issue="actual_blank", how="缺少实际完成值，记 0 分", **base)
    if actual.grade is Grade.NOT or (actual.when is None and actual.grade is not None):
        # "按时完成" or "截至12月底未完成": the words say how it went, whatever date they carry.
        return _qualitative(ind, target, actual, w, entered, profile, base)
    if target.when is None or actual.when is None:
        return dict(score=None, issue="incomparable",
                    how="指标值或实际完成值不能确定到某一天（如未写年份、表头也无年度），无法比较，沿用填报得分",
                    **base)
    late = actual.when > target.when if kind is Kind.LE else actual.when < target.when
    if not late:
        word = "不晚于" if kind is Kind.LE else "不早于"
        return dict(score=w, how=f"实际 {actual.raw} {word}指标值 {target.raw}，得满分 {fmt(w)}", **base)
    # No formula scores a date (a ratio of days means nothing). 10号 leaves a late delivery to
    # the evaluator's judgement, so by default any entered score below full marks stands (the I7
    # warning says the date was missed) and only full marks for it is wrong; a profile may ask
    # for the 未达成 band instead.
    word = "晚于" if kind is Kind.LE else "早于"
    why = f"实际 {actual.raw} {word}指标值 {target.raw}，未按期完成"
    if profile.indicators.late_deadline != "below_full":
        return _graded(Grade.NOT, w, entered, profile, base, f"{why}，按「{Grade.NOT.label}」")
    if entered is not None and 0 <= entered < w:
        return dict(score=round2(entered), grade=Grade.NOT, band=(0.0, round2(w)),
                    how=f"{why}，填报 {fmt(entered)} 低于满分 {fmt(w)}，认可", **base)
    # Blank, or full marks for a missed date: delivered late is delivered in part, so the tool
    # takes the 部分达成 share rather than inventing a deduction (4.99 of 5) of its own.
    share = profile.qualitative.default_share[Grade.PARTIAL]
    score = round2(w * share)
    said = "得分栏空白" if entered is None else f"填报 {fmt(entered)}（应低于满分）"
    return dict(score=score, grade=Grade.NOT, band=(0.0, round2(w)),
                how=f"{why}，{said}，按 {fmt(share * 100)}% × {fmt(w)} = {fmt(score)} 计", **base)


def score_indicator(ind: Indicator, profile: Profile, *, year: Optional[int] = None) -> IndicatorScore:
    """One indicator row; ``year`` (the project's) dates targets such as 12月底前."""
    # The scorers below return the fields, so that the (frozen) result is built once.
    result = _score_indicator(ind, profile, year=year)
    if result.get("issue") == "no_weight":
        # The completion of a row without 分值 still tells whether its target was met.
        result["completion"] = _score_indicator(ind, profile, weight=1.0, year=year)["score"]
    elif result["score"] is not None and result["weight"]:
        result["completion"] = result["score"] / result["weight"]
    return IndicatorScore(**result)


def _marked_not_applicable(ind: Indicator, target: Quantity, actual: Quantity, w: Optional[float],
                           entered: Optional[float]) -> bool:
    """Is the row marked 不适用 (§2.9), so that it is left out of the score and the total rescaled?

    不适用/不涉及/N/A say so outright. 无 and a dash are ambiguous: "安全事故 无 / 无" is an answer
    (none happened, target met), while a row of dashes with no score is an unused row. A row the
    unit gave 分值 and 得分 was assessed, so its 无 or dash is read as an answer, not dropped.
    """
    if not target.not_applicable or not (actual.not_applicable or not actual.raw):
        return False
    cells = (ind.target, ind.actual)
    if any(c is not None and explicitly_not_applicable(c.value) for c in cells):
        return True
    scored = w is not None and w > 0 and entered is not None and entered > 0
    return not scored


def _score_indicator(ind: Indicator, profile: Profile, weight: Optional[float] = None,
                     year: Optional[int] = None) -> dict[str, Any]:
    unit_hint = ind.unit_text or None
    target = cell_quantity(ind.target, unit_hint, year)
    actual = cell_quantity(ind.actual, unit_hint, year)
    w = cell_points(ind.weight) if weight is None else weight
    entered = cell_points(ind.score) if weight is None else None
    kind = indicator_kind(ind, target, profile)
    base = dict(indicator=ind, kind=kind, target=target, actual=actual, weight=w, score_entered=entered)
    if (w is not None and w == 0) or _marked_not_applicable(ind, target, actual, w, entered):
        return dict(score=None, applicable=False, how="不适用，不计分", **base)
    if w is None:
        return dict(score=None, issue="no_weight", how="分值空白，无法计分", **base)
    if w < 0:
        # A negative 分值 is a typing error (checks: indicator.weight_negative), not a row whose
        # "full marks" are -10: nothing is scored for it.
        return dict(score=None, issue="weight_negative", how="分值为负数，无法计分", **base)
    if any(c is not None and c.formula and not c.cached for c in (ind.target, ind.actual)):
        # A formula never calculated is not a blank: its value is unknown, so keep the entry.
        return dict(score=None, issue="uncalculated", how="指标值或完成值是未计算的公式，沿用填报得分",
                              **base)
    if not target.raw and not actual.raw:
        # Nothing says what was planned or done: an entered score has no ground (§2.11: a blank
        # 实际完成值 scores 0); checks report both blanks.
        return dict(score=0.0, issue="actual_blank", how="年度指标值和实际完成值均未填写，记 0 分", **base)
    if not target.raw:
        return dict(score=None, issue="target_blank", how="年度指标值空白，沿用填报得分", **base)
    zero = _none_as_zero(target, actual)
    if zero is not None and kind is not Kind.QUAL:
        actual = zero
        base = {**base, "actual": actual}
    if _is_date_target(target):
        return _dated(ind, target, actual, w, entered, kind, profile, base)
    if kind is Kind.QUAL or actual.value is None:
        if kind is not Kind.QUAL and not actual.raw:
            return dict(score=0.0, issue="actual_blank", how="缺少实际完成值，记 0 分", **base)
        if kind is not Kind.QUAL and actual.grade is None:
            return dict(score=None, issue="incomparable",
                                  how="实际完成值不是数字，无法与指标值比较，沿用填报得分", **base)
        return _qualitative(ind, target, actual, w, entered, profile, base)
    typed = (_typed_unit(ind.target, target, unit_hint), _typed_unit(ind.actual, actual, unit_hint))
    return _quantitative(target, actual, w, kind, profile, base, typed)


def _typed_unit(cell: Optional[CellValue], q: Quantity, unit_hint: Optional[str]) -> Optional[str]:
    """The unit the cell itself shows: a 度量单位 column states the row's unit, not what was typed."""
    if unit_hint is None or q.unit is None:
        return q.unit
    return cell_quantity(cell).unit


def _compatible(target: Quantity, actual: Quantity) -> bool:
    if target.family is None or actual.family is None:
        return True
    return target.family == actual.family


# How much nearer (as a ratio) the fraction reading must bring a number to its counterpart
# than the typed reading does before it is taken: "far more plausible", not merely closer.
_FRACTION_MARGIN = math.log(10)


def _fraction_meant(x: Optional[float], other: Optional[float]) -> bool:
    """Is a bare ``x`` beside the percentage ``other`` a fraction (x × 100 %)?

    Real actuals lie near their targets, so the reading whose ratio to the other side is
    nearer 1 is the plausible one: 0.95 beside 90% is 95% (ratio 1.06, not 0.01), while 1
    beside ≤5% stays 1% (ratio 0.2 beats 20) and 1.2 beside ≥3% is a toss-up, kept as typed.
    Above 1.5 nobody writes a fraction.
    """
    if x is None or other is None or not (0 < x <= 1.5 and other > 0):
        return False
    return abs(math.log(x * 100 / other)) + _FRACTION_MARGIN <= abs(math.log(x / other))


def _percent_fractions(target: Quantity, actual: Quantity,
                       typed: Optional[tuple[Optional[str], Optional[str]]] = None
                       ) -> tuple[Quantity, Quantity]:
    """A bare 0.98 against a percent target is 98%, not 0.98% (and the mirror case).

    Percent cells lose their format in .xls files read by value, and people type fractions.
    ``typed`` holds the units the two cells show themselves (default: their parsed units); in
    split layouts a 度量单位 "%" supplies the unit of a cell holding a bare 0.95.
    """
    def as_percent(q: Quantity) -> Quantity:
        return replace(q, value=round(float(q.value or 0) * 100, 9), unit="%", family="percent",
                       percent_assumed=True)

    target_unit, actual_unit = typed if typed is not None else (target.unit, actual.unit)
    bare = (None, "")
    if target.family == "percent" and actual_unit in bare and _fraction_meant(actual.value, target.value):
        return target, as_percent(actual)
    if actual.family == "percent" and target_unit in bare and _fraction_meant(target.value, actual.value):
        return as_percent(target), actual
    return target, actual


def _shown_unit(target: Quantity, actual: Quantity, unit_hint: Optional[str]) -> tuple[str, float]:
    """The unit an explanation shows both values in, and its size in the values' unit.

    Money amounts are held in 万元; they are shown in the unit the target (else the actual, else
    the 度量单位 column) was typed in, so that "≤5元" reads 5 ÷ 6, not 0 ÷ 0. A per-unit price
    (元/户) is not an amount: it is held as typed, and a ratio needs no conversion anyway.
    """
    if "money" in (target.family, actual.family):
        written = written_money_unit(target.raw, actual.raw, unit_hint)
        if written is not None:
            return written
    return target.unit or actual.unit or "", 1.0


def _quantitative(target: Quantity, actual: Quantity, w: float, kind: Kind, profile: Profile,
                  base: dict, typed: Optional[tuple[Optional[str], Optional[str]]] = None
                  ) -> dict[str, Any]:
    if not _compatible(target, actual):
        return dict(score=None, issue="unit_mismatch",
                              how=f"单位不一致（{target.unit} 与 {actual.unit}），沿用填报得分", **base)
    target, actual = _percent_fractions(target, actual, typed)
    base = {**base, "target": target, "actual": actual}
    a = float(target.value)  # type: ignore[arg-type]
    b = float(actual.value)  # type: ignore[arg-type]
    # Settled: 80.6 / 62 is exactly the 130% threshold, not 1.2999999999999998.
    ratio = settled(b / a) if a > 0 else None
    unit, per = _shown_unit(target, actual, base["indicator"].unit_text)
    na, nb = fmt_value(a / per), fmt_value(b / per)  # the numbers the explanation shows
    ta, tb = f"{na}{unit}", f"{nb}{unit}"
    if kind is Kind.EQ and profile.indicators.equal_formula != "as_positive":
        if abs(b - a) <= 1e-9:
            score, how = w, f"实际 {tb} = 目标 {ta}，得满分 {fmt(w)}"
        elif profile.indicators.equal_formula == "exact" or min(a, b) <= 0:
            score, how = 0.0, f"实际 {tb} ≠ 目标 {ta}，得 0 分"
        else:
            score = round2(w * min(a, b) / max(a, b))
            small, large = (na, nb) if a <= b else (nb, na)
            how = f"较小值 {small} ÷ 较大值 {large} × {fmt(w)} = {fmt(score)}"
        return dict(score=score, how=how, ratio=ratio, **base)
    if kind is Kind.LE or (kind is Kind.EQ and a == 0):
        return _reverse(a, b, w, (na, nb), unit, profile, base)
    # GE, and EQ scored as positive (scoring-rules.md §2.6 as_positive)
    if a < 0:
        score = w if b >= a else 0.0
        how = f"目标为负数 {ta}：实际 {tb} {'达到' if b >= a else '未达到'}，得 {fmt(score)}"
        return dict(score=score, how=how, **base)
    if a == 0:
        return dict(score=w, how=f"目标为 0，实际 {tb}，得满分 {fmt(w)}", **base)
    if b < 0:
        return dict(score=0.0, how=f"实际 {tb} 为负数，记 0 分", ratio=ratio, **base)
    if b < a:
        score = round2(w * b / a)
        return dict(score=score, ratio=ratio,
                              how=f"实际 {nb} ÷ 目标 {na} × {fmt(w)} = {fmt(score)}", **base)
    threshold = float(profile.overachievement.explain_threshold)
    over = ratio if threshold and ratio is not None and ratio >= threshold else None
    score, how = w, f"实际 {tb} 达到目标 {ta}，得满分 {fmt(w)}"
    if over is not None:
        mode = profile.overachievement.deduction
        if mode == "proportional":
            score = round2(w * min(max(2 - over, 0.0), 1.0))
            how = f"实际为目标的 {fmt(over * 100)}%（≥{fmt(threshold * 100)}%），按偏离度调减为 {fmt(score)}"
        elif mode == "fixed":
            points = float(profile.overachievement.deduction_points)
            score = round2(max(w - points, 0.0))
            how = f"实际为目标的 {fmt(over * 100)}%（≥{fmt(threshold * 100)}%），扣 {fmt(points)} 分，得 {fmt(score)}"
    return dict(score=score, how=how, ratio=ratio, over_ratio=over, **base)


def _reverse(a: float, b: float, w: float, shown: tuple[str, str], unit: str, profile: Profile,
             base: dict) -> dict[str, Any]:
    na, nb = shown
    ta, tb = f"{na}{unit}", f"{nb}{unit}"
    if b <= a:
        how = f"实际 {tb} 不超过目标 {ta}，得满分 {fmt(w)}"
        threshold = float(profile.overachievement.explain_threshold)
        # §2.8's mirror case for a ceiling (≤): B ≤ A / threshold, e.g. a cost far below its
        # budget, also needs the deviation explained. Warn only: full marks, no deduction.
        # Compared as A / B ≥ threshold, so that a B written as exactly A / 1.3 is on it.
        if base["kind"] is Kind.LE and a > 0 and threshold and (b <= 0 or settled(a / b) >= threshold):
            over = settled(b / a)
            how += f"（实际仅为目标的 {fmt(over * 100)}%，远低于指标值）"
            return dict(score=w, how=how, ratio=over, over_ratio=over, **base)
        return dict(score=w, how=how, **base)
    if a <= 0:
        return dict(score=0.0, how=f"目标 {ta}，实际 {tb} 超出，得 0 分", **base)
    if profile.indicators.reverse_formula == "linear_deviation":
        score = round2(w * max(0.0, 1 - (b - a) / a))
        how = f"(1 − (实际 {nb} − 目标 {na}) ÷ {na}) × {fmt(w)} = {fmt(score)}"
    else:
        score = round2(w * a / b)
        how = f"目标 {na} ÷ 实际 {nb} × {fmt(w)} = {fmt(score)}"
    return dict(score=score, how=how, ratio=settled(b / a), **base)


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
