"""The score of one row of a 部门整体 table: by target and actual, by its 评分标准, or left to a person.

A row that carries a 年度指标值 and a 实际完成值 is scored as on a project table (judge.indicators).
A row judged by a 评分标准 is scored by that rule when it is one of the machine-readable shapes of
scoring-rules.md §5.3 (judge.rubric) and the row carries the figure it needs: the row's 实际完成值,
or for a 预算执行率 row the rate of the table's funds block. Every other row is "manual": its
entered score is kept (its arithmetic still checked) and a person must judge it.
"""

from __future__ import annotations

from typing import Optional

from perf_xlsx.judge.indicators import entered_points, indicator_kind, score_indicator
from perf_xlsx.judge.numbers import cell_points, cell_quantity, fmt
from perf_xlsx.judge.rubric import figure_for, parse_rubric
from perf_xlsx.model import FundsScore, Indicator, IndicatorScore, Project
from perf_xlsx.rules import Profile
from perf_xlsx.values import normalize_label

PATTERNS_TEXT = "分档计分、每超过 / 低于 1 个百分点扣分、执行率 × 分值"


def score_department_row(ind: Indicator, project: Project, funds: FundsScore, profile: Profile) -> IndicatorScore:
    rule = ind.rule
    if rule is not None and not rule.blank:
        return _by_rubric(ind, project, funds, profile)
    if project.has_value_columns:
        return score_indicator(ind, profile, year=project.year)
    return _manual(ind, project, profile, "表中没有指标值、完成值或评分标准")


def _base(ind: Indicator, project: Project, profile: Profile) -> dict:
    unit_hint = ind.unit_text or None
    target = cell_quantity(ind.target, unit_hint, project.year)
    actual = cell_quantity(ind.actual, unit_hint, project.year)
    weight = cell_points(ind.weight)
    return dict(indicator=ind, kind=indicator_kind(ind, target, profile), target=target, actual=actual,
                weight=weight, score_entered=entered_points(ind, weight))


def _manual(ind: Indicator, project: Project, profile: Profile, why: str) -> IndicatorScore:
    base = _base(ind, project, profile)
    if base["weight"] == 0:
        return IndicatorScore(score=None, applicable=False, how="分值为 0，不计分", rubric="manual", **base)
    return IndicatorScore(score=None, issue="manual", rubric="manual",
                          how=f"{why}，须人工复核，得分按填报", **base)


def _figure(ind: Indicator, base: dict, funds: FundsScore) -> tuple[Optional[float], bool, str]:
    """(the row's figure, whether it is a percentage, where it came from)."""
    actual = base["actual"]
    if actual.value is not None and not actual.is_range:
        return float(actual.value), actual.family == "percent", ""
    name = normalize_label(ind.name)
    if "执行率" in name and funds.rate is not None and ind.actual.blank:
        return funds.rate * 100, True, f"（执行率取资金表 {fmt(funds.rate * 100)}%）"
    return None, False, ""


def _by_rubric(ind: Indicator, project: Project, funds: FundsScore, profile: Profile) -> IndicatorScore:
    assert ind.rule is not None
    base = _base(ind, project, profile)
    weight = base["weight"]
    rubric = parse_rubric(ind.rule.text)
    if weight == 0:
        return IndicatorScore(score=None, applicable=False, how="分值为 0，不计分", rubric="manual", **base)
    if rubric is None:
        return _manual(ind, project, profile, f"评分标准不是可自动评判的常见规则（{PATTERNS_TEXT}）")
    if weight is None:
        return _manual(ind, project, profile, "分值空白，评分标准无从折算")
    value, is_percent, source = _figure(ind, base, funds)
    if value is None:
        what = f"实际完成值「{base['actual'].raw}」不是数字" if base["actual"].raw else "该行没有评分所需的数值（实际完成值）"
        return _manual(ind, project, profile, what)
    figure = figure_for(rubric, value, is_percent)
    if figure is None:
        return _manual(ind, project, profile, f"数值「{base['actual'].raw or fmt(value)}」与评分标准的单位对不上")
    score, how = rubric.score(figure, weight)
    if score is None:
        return _manual(ind, project, profile, how)
    return IndicatorScore(score=score, how=how + source, rubric=rubric.pattern,
                          completion=score / weight if weight else None, **base)
