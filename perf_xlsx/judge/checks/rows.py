"""Checks of each indicator row (I1–I7): its score, blanks, units, grades, and the 偏差原因 it owes."""

from __future__ import annotations

from typing import Iterator, Optional

from perf_xlsx.judge.checks.base import INFO, E, W, finding
from perf_xlsx.judge.numbers import beyond, cell_number, fmt, round2
from perf_xlsx.model import Finding, Grade, IndicatorScore, Kind, Project, ProjectScore, Quantity
from perf_xlsx.rules import Profile
from perf_xlsx.values import normalize_label

# The members as module constants: before Python 3.12 each Kind.X / Grade.X reads through
# EnumType.__getattr__'s slow path, several times for every indicator row.
_ACHIEVED, _NOT, _PARTIAL, _GE, _LE, _QUAL = Grade.ACHIEVED, Grade.NOT, Grade.PARTIAL, Kind.GE, Kind.LE, Kind.QUAL


def indicator_rows(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    for r in ps.indicators:
        if r.issue == "manual":
            yield from _manual_row(ps.project, r, profile)
        else:
            yield from _row(ps.project, r, ps, profile)


def _manual_row(p: Project, r: IndicatorScore, profile: Profile) -> Iterator[Finding]:
    """I1 on a row a person must judge (its 评分标准 not evaluated): the entered score is a number
    within 0–分值, and a deduction says why."""
    if not r.applicable:
        return
    label = _row_label(r)
    yield from _score_unparsed(p, r, label)
    out = _out_of_range(p, r, label, profile.tolerance.score)
    if out is not None:
        yield out
    yield from _deduction_explained(p, r, label)


def rubric_manual(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """The rows left to a person, counted and listed once per table: never silently passed."""
    manual = [r for r in ps.indicators if r.applicable and r.issue == "manual"]
    if not manual:
        return
    names = "、".join(f"「{r.indicator.name or r.indicator.level2 or r.indicator.row}」" for r in manual[:8])
    more = f"等 {len(manual)} 行" if len(manual) > 8 else f"共 {len(manual)} 行"
    first = manual[0].indicator
    cell = first.entered_cell.ref if first.entered_cell is not None else (first.name_cell or f"A{first.row}")
    yield finding(W, "indicator.rubric_manual",
                  f"{names}{more}须人工复核：评分标准不是可自动评判的常见规则，或该行没有评分所需的数值，"
                  f"工具未核定其得分（按填报得分计）；本表{'不核定总分、不定等级' if ps.score is None else '总分仅供参考'}",
                  ps.project.sheet, cell, None, len(manual))


def _row_label(r: IndicatorScore) -> str:
    ind = r.indicator
    # A row without a name is named by its row, not by a bare number that reads like a name.
    return f"指标「{ind.name or ind.level2}」" if ind.name or ind.level2 else f"第 {ind.row} 行的指标"


def _score_unparsed(p: Project, r: IndicatorScore, label: str) -> Iterator[Finding]:
    ind = r.indicator
    cell = ind.entered_cell
    if cell is None or cell.blank or cell.error or r.score_entered is not None:
        return
    if cell is ind.score:
        yield finding(E, "indicator.unparsed", f"{label}得分「{cell.text}」不是数字", p.sheet, cell.ref,
                      r.score, cell.text)
    elif cell_number(cell) is None:  # a coefficient without a 权重 is weights' finding
        yield finding(E, "indicator.unparsed", f"{label}得分系数「{cell.text}」不是数字", p.sheet, cell.ref,
                      r.score, cell.text)


def _out_of_range(p: Project, r: IndicatorScore, label: str, tol: float) -> Optional[Finding]:
    """I1: 0 ≤ 得分 ≤ 分值."""
    if r.weight is not None and r.weight >= 0 and r.score_entered is not None and (
            r.score_entered < -tol or r.score_entered > r.weight + tol):
        cell = r.indicator.entered_cell
        return finding(E, "indicator.score_out_of_range",
                       f"{label}得分 {fmt(r.score_entered)} 超出 0–{fmt(r.weight)} 分", p.sheet,
                       cell.ref if cell is not None else None, r.weight, r.score_entered)
    return None


def _deduction_explained(p: Project, r: IndicatorScore, label: str) -> Iterator[Finding]:
    """A row judged by its 评分标准 that lost points owes the reason in its 扣分原因 / 说明 column."""
    ind = r.indicator
    if ind.reason is None or r.weight is None or r.score_entered is None:
        return
    given = r.score if r.score is not None else r.score_entered
    if given >= r.weight - 1e-9:
        return
    if ind.reason.blank or normalize_label(ind.reason.value) in ("无", "/", "—", "-"):
        yield finding(W, "indicator.missing_explanation",
                      f"{label}得分 {fmt(given)}，低于分值 {fmt(r.weight)}，扣分原因空白", p.sheet, ind.reason.ref,
                      None, given)


def _row(p: Project, r: IndicatorScore, ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    ind = r.indicator
    label = _row_label(r)
    tol = profile.tolerance.score
    score_ref = ind.entered_cell.ref if ind.entered_cell is not None else None
    if not r.applicable:
        return
    # The sub-checks below run only where they can find something (a generator costs as
    # much as the test): _score_unparsed needs a score it could not read.
    if r.score_entered is None:
        yield from _score_unparsed(p, r, label)
    if r.issue == "actual_blank" and not r.target.raw:
        yield finding(E, "indicator.target_missing", f"{label}未填写年度指标值", p.sheet, ind.target.ref)
    if r.issue == "target_blank":
        yield finding(E, "indicator.target_missing", f"{label}未填写年度指标值", p.sheet, ind.target.ref)
    elif r.issue == "actual_blank":
        yield finding(E, "indicator.actual_missing", f"{label}未填写实际完成值，记 0 分", p.sheet, ind.actual.ref)
    elif r.issue == "incomparable":
        # §2.11: a numeric target with an actual that is no number and no grade is an error;
        # a target that is no number (qualitative, a date not pinned to a day) is treated as
        # qualitative, and an answer that cannot be graded against it is a warning.
        numeric = r.target.value is not None and r.target.family != "date"
        yield finding(E if numeric else W, "indicator.unparsed",
                      f"{label}实际完成值「{r.actual.raw}」无法与指标值「{r.target.raw}」比较，沿用填报得分",
                      p.sheet, ind.actual.ref, None, r.actual.raw)
    elif r.issue == "unit_mismatch":
        yield finding(E, "indicator.unit_mismatch",
                      f"{label}单位不一致：指标值「{r.target.raw}」，实际完成值「{r.actual.raw}」", p.sheet,
                      ind.actual.ref, r.target.unit, r.actual.unit)
    out_of_range = _out_of_range(p, r, label, tol)
    if out_of_range is not None:
        yield out_of_range
    elif r.band is not None and r.score_entered is not None and r.grade is not None:
        lo, hi = r.band
        inside = lo - 1e-9 <= r.score_entered and (
            r.score_entered <= hi + 1e-9 if r.grade is _ACHIEVED else r.score_entered < hi - 1e-9)
        if not inside and r.target.family == "date":
            yield finding(E, "indicator.score_mismatch",
                          f"{label}未按期完成（实际 {r.actual.raw}，指标值 {r.target.raw}），得分应低于满分 "
                          f"{fmt(hi)}，填报 {fmt(r.score_entered)}", p.sheet, score_ref, list(r.band), r.score_entered)
        elif not inside:
            yield finding(E, "indicator.score_mismatch",
                          f"{label}定性「{r.grade.label}」得分应在 {fmt(r.band[0])}–{fmt(r.band[1])} 分之间，"
                          f"填报 {fmt(r.score_entered)}", p.sheet, score_ref, list(r.band), r.score_entered)
    elif r.score is not None and r.score_entered is not None and beyond(r.score_entered, r.score, tol):
        yield finding(E, "indicator.score_mismatch",
                      f"{label}得分 {fmt(r.score_entered)} ≠ 应得 {fmt(r.score)}（{r.how}）", p.sheet, score_ref,
                      r.score, r.score_entered)
    if r.score is not None and r.score_entered is None and ps.project.has_score_column and r.issue is None \
            and (ind.entered_cell is None or ind.entered_cell.blank):
        yield finding(INFO, "indicator.score_blank", f"{label}得分未填写，工具按 {fmt(r.score)} 分计（{r.how}）",
                      p.sheet, score_ref, r.score, None)
    # A late date is graded 未达成 by the tool, not by words the unit wrote (I7 says so).
    if r.grade is not None and not r.actual.grade_standard and r.actual.raw and (
            r.actual.grade is not None or r.kind is _QUAL):
        yield finding(W, "indicator.nonstandard_grade",
                      f"{label}实际完成值「{r.actual.raw}」不是标准定性表述，按「{r.grade.label}」计",
                      p.sheet, ind.actual.ref, r.grade.label, r.actual.raw)
    for q, cell in ((r.target, ind.target), (r.actual, ind.actual)):
        if q.percent_assumed:
            yield finding(W, "indicator.percent_assumed",
                          f"{label}「{q.raw}」未写 %，按 {fmt(q.value)}% 计（另一栏为百分数），请核实",
                          p.sheet, cell.ref, q.value, q.raw)
    direction, where = _direction_word(r)
    if direction and r.target.op and (
            (direction == "正向" and r.target.op == "le") or (direction == "反向" and r.target.op == "ge")):
        yield finding(W, "indicator.direction_conflict",
                      f"{label}写明「{direction}」，但符号与之相反（{r.target.raw}）", p.sheet, where)
    if r.kind is _GE and r.target.value == 0:
        yield finding(W, "indicator.zero_target", f"{label}指标值为 0，指标无约束力", p.sheet, ind.target.ref)
    if r.rubric is not None:
        yield from _deduction_explained(p, r, label)
    elif ind.reason is not None:  # _explanation needs a 偏差原因 column
        yield from _explanation(p, r, profile, label)
    if "成本" in ind.level2 or r.target.when is not None:  # what _cost_and_dates asks first
        yield from _cost_and_dates(p, r, ps, label)


def _direction_word(r: IndicatorScore) -> tuple[Optional[str], Optional[str]]:
    """正向/反向 as the row states it, and the cell that says it: in the target itself, in a
    指标性质 column (split layouts), or in the indicator's name ("…（正向）")."""
    ind = r.indicator
    if r.target.direction:
        return r.target.direction, ind.target.ref
    for text, ref in ((ind.nature.text if ind.nature is not None else "", ind.nature.ref if ind.nature else None),
                      (ind.name, ind.name_cell or None)):
        forward, reverse = "正向" in (text or ""), "反向" in (text or "")
        if forward != reverse:  # one of the two words, not both
            return "正向" if forward else "反向", ref or ind.target.ref
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
    if r.kind is _QUAL:
        return r.grade in (_PARTIAL, _NOT)
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
        yield finding(E if below_mode == "error" else W, "indicator.missing_explanation",
                      f"{label}未完成指标值（{_target_text(r)} / 实际 {_shown(r.actual)}），偏差原因分析及改进措施空白",
                      p.sheet, ind.reason.ref)
    elif r.over_ratio is not None and over_mode != "off":
        # On a ≤ row over_ratio marks the mirror case (§2.8): the actual far below the ceiling.
        far = "远低于指标值（上限）" if r.kind is _LE else "超额较多"
        yield finding(E if over_mode == "error" else W, "indicator.missing_explanation",
                      f"{label}实际完成值为指标值的 {fmt(r.over_ratio * 100)}%，{far}，未说明原因", p.sheet,
                      ind.reason.ref, None, round2(r.over_ratio))


def _cost_and_dates(p: Project, r: IndicatorScore, ps: ProjectScore, label: str) -> Iterator[Finding]:
    ind = r.indicator
    if "成本" in ind.level2 and r.actual.family == "money" and r.actual.value is not None:
        spent = ps.funds.executed
        if spent is not None and r.actual.value > spent + 0.01:
            yield finding(W, "indicator.cost_exceeds_execution",
                          f"{label}实际成本 {fmt(r.actual.value)} 万元超过全年执行数 {fmt(spent)} 万元",
                          p.sheet, ind.actual.ref, spent, r.actual.value)
    if r.target.when is not None and r.actual.when is not None and r.actual.when > r.target.when \
            and r.target.op != "ge":
        yield finding(W, "indicator.deadline_missed", f"{label}实际完成时间晚于指标要求（{r.target.raw}）",
                      p.sheet, ind.actual.ref, r.target.raw, r.actual.raw)
