"""The score of one indicator row (scoring-rules.md §2.3–2.11): its kind, then a quantitative,
qualitative or date comparison of 实际完成值 with 年度指标值."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from typing import Any, Optional

from perf_xlsx.judge.numbers import (
    cell_number,
    cell_points,
    cell_quantity,
    fmt,
    fmt_value,
    round2,
    settled,
)
from perf_xlsx.model import (
    CellValue,
    Grade,
    Indicator,
    IndicatorScore,
    Kind,
    Quantity,
    indicator_score_from,
)
from perf_xlsx.rules import Profile
from perf_xlsx.values import (
    explicitly_not_applicable,
    normalize_label,
    op_from_nature,
    written_money_unit,
)

# --- indicators --------------------------------------------------------------------------

SAME_WORDS = ("同上", "与指标值一致", "同指标值")

# The members as module constants: before Python 3.12 each Kind.X / Grade.X reads through
# EnumType.__getattr__'s slow path, several times for every indicator row.
_ACHIEVED, _NOT, _PARTIAL, _EQ, _GE, _LE, _QUAL = Grade.ACHIEVED, Grade.NOT, Grade.PARTIAL, Kind.EQ, Kind.GE, Kind.LE, Kind.QUAL


def _is_date_target(target: Quantity) -> bool:
    return target.family == "date" and not target.is_range and not target.placeholder


def indicator_kind(ind: Indicator, target: Quantity, profile: Profile) -> Kind:
    if _is_date_target(target):
        # A date is an objective target whatever 指标性质 says: a deadline (…前, 不晚于, or a bare
        # date) is met on or before its day (scoring-rules.md §2.3 DATE: LE on dates).
        return _GE if target.op == "ge" else _LE
    nature = op_from_nature(ind.nature.value) if ind.nature is not None and not ind.nature.blank else None
    if nature == "qual" or target.value is None or target.is_range:
        return _QUAL
    op = target.op or nature
    if op == "ge":
        return _GE
    if op == "le":
        return _LE
    if op == "eq":
        return _EQ
    return _EQ if profile.indicators.bare_number == "eq" else _GE


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
        grade = _ACHIEVED
    if grade is None and _something_happened(target, actual):
        grade = _NOT
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
        upper = hi if grade is _ACHIEVED else round2(hi - 0.01)
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
    if actual.grade is _NOT or (actual.when is None and actual.grade is not None):
        # "按时完成" or "截至12月底未完成": the words say how it went, whatever date they carry.
        return _qualitative(ind, target, actual, w, entered, profile, base)
    if target.when is None or actual.when is None:
        return dict(score=None, issue="incomparable",
                    how="指标值或实际完成值不能确定到某一天（如未写年份、表头也无年度），无法比较，沿用填报得分",
                    **base)
    late = actual.when > target.when if kind is _LE else actual.when < target.when
    if not late:
        word = "不晚于" if kind is _LE else "不早于"
        return dict(score=w, how=f"实际 {actual.raw} {word}指标值 {target.raw}，得满分 {fmt(w)}", **base)
    # No formula scores a date (a ratio of days means nothing). 10号 leaves a late delivery to
    # the evaluator's judgement, so by default any entered score below full marks stands (the I7
    # warning says the date was missed) and only full marks for it is wrong; a profile may ask
    # for the 未达成 band instead.
    word = "晚于" if kind is _LE else "早于"
    why = f"实际 {actual.raw} {word}指标值 {target.raw}，未按期完成"
    if profile.indicators.late_deadline != "below_full":
        return _graded(_NOT, w, entered, profile, base, f"{why}，按「{_NOT.label}」")
    if entered is not None and 0 <= entered < w:
        return dict(score=round2(entered), grade=_NOT, band=(0.0, round2(w)),
                    how=f"{why}，填报 {fmt(entered)} 低于满分 {fmt(w)}，认可", **base)
    # Blank, or full marks for a missed date: delivered late is delivered in part, so the tool
    # takes the 部分达成 share rather than inventing a deduction (4.99 of 5) of its own.
    share = profile.qualitative.default_share[_PARTIAL]
    score = round2(w * share)
    said = "得分栏空白" if entered is None else f"填报 {fmt(entered)}（应低于满分）"
    return dict(score=score, grade=_NOT, band=(0.0, round2(w)),
                how=f"{why}，{said}，按 {fmt(share * 100)}% × {fmt(w)} = {fmt(score)} 计", **base)


def entered_points(ind: Indicator, weight: Optional[float]) -> Optional[float]:
    """The score the unit gave the row: its 得分, or where the form has a 得分系数 column
    instead (Chongqing), the coefficient × 权重. A coefficient is a share (0.8), or a
    percentage only when written or formatted as one (80%); a bare 80 is not guessed to be 80%."""
    if ind.score is not None:
        return cell_points(ind.score)
    cell = ind.coefficient
    if cell is None or weight is None:
        return None
    share = cell_number(cell)
    if share is None:
        return None
    if cell.percent_format or (isinstance(cell.value, str) and ("%" in cell.value or "％" in cell.value)):
        share /= 100
    return round2(weight * share)


def score_indicator(ind: Indicator, profile: Profile, *, year: Optional[int] = None) -> IndicatorScore:
    """One indicator row; ``year`` (the project's) dates targets such as 12月底前."""
    # The scorers below return the fields, so that the (frozen) result is built once.
    result = _score_indicator(ind, profile, year=year)
    if result.get("issue") == "no_weight":
        # The completion of a row without 分值 still tells whether its target was met.
        result["completion"] = _score_indicator(ind, profile, weight=1.0, year=year)["score"]
    elif result["score"] is not None and result["weight"]:
        result["completion"] = result["score"] / result["weight"]
    return indicator_score_from(result)


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
    entered = entered_points(ind, w) if weight is None else None
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
    t_cell, a_cell = ind.target, ind.actual
    if (t_cell is not None and t_cell.formula and not t_cell.cached) or \
            (a_cell is not None and a_cell.formula and not a_cell.cached):
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
    if zero is not None and kind is not _QUAL:
        actual = zero
        base = {**base, "actual": actual}
    if _is_date_target(target):
        return _dated(ind, target, actual, w, entered, kind, profile, base)
    if kind is _QUAL or actual.value is None:
        if kind is not _QUAL and not actual.raw:
            return dict(score=0.0, issue="actual_blank", how="缺少实际完成值，记 0 分", **base)
        if kind is not _QUAL and actual.grade is None:
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
    if kind is _EQ and profile.indicators.equal_formula != "as_positive":
        if abs(b - a) <= 1e-9:
            score, how = w, f"实际 {tb} = 目标 {ta}，得满分 {fmt(w)}"
        elif profile.indicators.equal_formula == "exact" or min(a, b) <= 0:
            score, how = 0.0, f"实际 {tb} ≠ 目标 {ta}，得 0 分"
        else:
            score = round2(w * min(a, b) / max(a, b))
            small, large = (na, nb) if a <= b else (nb, na)
            how = f"较小值 {small} ÷ 较大值 {large} × {fmt(w)} = {fmt(score)}"
        return dict(score=score, how=how, ratio=ratio, **base)
    if kind is _LE or (kind is _EQ and a == 0):
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
        if base["kind"] is _LE and a > 0 and threshold and (b <= 0 or settled(a / b) >= threshold):
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
