"""Scoring and checks on in-memory models (no disk): the worked vectors of scoring-rules.md §2.14."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Optional

import pytest
from builders import make_workbook, seed_spec

from perf_xlsx.judge.checks import check_project
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.judge.indicators import score_indicator
from perf_xlsx.judge.numbers import round2
from perf_xlsx.judge.scoring import column_value, score_project
from perf_xlsx.model import CellValue, FundsRow, Grade, Indicator, Project
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")


def cv(ref: str, value: Any = None, **kw: Any) -> CellValue:
    return CellValue(ref=ref, value=value, **kw)


def indicator(target: Any, actual: Any, weight: Optional[float] = 10, score: Any = None,
              reason: Any = None, level1: str = "产出指标", level2: str = "数量指标", row: int = 14) -> Indicator:
    return Indicator(row=row, level1=level1, level2=level2, name="指标", target=cv(f"E{row}", target),
                     actual=cv(f"F{row}", actual), weight=cv(f"G{row}", weight), score=cv(f"H{row}", score),
                     reason=cv(f"I{row}", reason), name_cell=f"D{row}", level2_cell=f"C{row}")


def project(budget: Any, executed: Any, indicators: tuple[Indicator, ...] = (), *, parts: bool = True,
            total_score: Any = None, total_weight: Any = 100, funds_score: Any = None) -> Project:
    total = FundsRow(label="年度资金总额", kind="total", full_year=cv("F7", None if parts else budget),
                     executed=cv("G7", None if parts else executed), weight=cv("H7", 10),
                     rate=cv("I7"), score=cv("J7", funds_score), label_cell="C7", row=7)
    rows = [total]
    if parts:
        rows.append(FundsRow(label="其中：当年财政拨款", kind="current_appropriation", full_year=cv("F8", budget),
                             executed=cv("G8", executed), label_cell="C8", row=8))
    return Project(sheet="项目", name="测试项目", name_cell="C4", funds=tuple(rows), indicators=indicators,
                   total_weight=cv("G30", total_weight), total_score=cv("H30", total_score),
                   goal_expected="目标", goal_actual="完成")


def codes(p: Project, profile: Any = NATIONAL) -> list[str]:
    return [f.code for f in check_project(score_project(p, profile), profile)]


def test_sub_budgets_sum_to_total() -> None:
    p = Project(sheet="s", name="n", name_cell="C4", funds=(
        FundsRow(label="年度资金总额", kind="total", full_year=cv("F7", 450.0), label_cell="C7"),
        FundsRow(label="其中：当年财政拨款", kind="current_appropriation", full_year=cv("F8", 200.0)),
        FundsRow(label="其他资金", kind="other", full_year=cv("F10", 250.0)),
    ))
    entered, summed, used = column_value(p, "full_year")
    assert (entered, summed, used) == (450.0, 450.0, 450.0)
    assert "funds.total_mismatch" not in codes(p)


def test_total_that_does_not_add_up_is_named_by_cell() -> None:
    p = Project(sheet="s", name="n", name_cell="C4", funds=(
        FundsRow(label="年度资金总额", kind="total", full_year=cv("F7", 460.0), label_cell="C7"),
        FundsRow(label="其中：当年财政拨款", kind="current_appropriation", full_year=cv("F8", 200.0)),
        FundsRow(label="其他资金", kind="other", full_year=cv("F10", 250.0)),
    ))
    found = [f for f in check_project(score_project(p, NATIONAL), NATIONAL) if f.code == "funds.total_mismatch"]
    assert [(f.cell, f.expected, f.found) for f in found] == [("F7", 450.0, 460.0)]


def test_execution_rate_and_score() -> None:
    f = score_project(project(450, 430), NATIONAL).funds
    assert round2(f.rate * 100) == 95.56
    assert f.score == 9.56


def test_over_execution_is_capped_and_warned() -> None:
    p = project(100, 105)
    assert score_project(p, NATIONAL).funds.score == 10
    assert "funds.over_budget" in codes(p)


@pytest.mark.parametrize(
    ("target", "actual", "weight", "profile", "expected"),
    [
        ("≥95%", "98%", 10, "national_2020", 10),
        ("≥95%", "90%", 10, "national_2020", 9.47),
        ("≤200万元", "210万元", 10, "national_2020", 9.52),
        ("≤200万元", "210万元", 10, "provincial_strict", 9.50),
        ("≤90万元", 89.974, 10, "national_2020", 10),
        ("≤2亿元", "19500万元", 10, "national_2020", 10),
        ("=1个", 1, 10, "national_2020", 10),
        ("=1个", 0, 10, "national_2020", 0),
        ("≤0起", 1, 10, "national_2020", 0),
        ("≤0起", 0, 10, "national_2020", 10),
        ("≥9.5%", "25.6%", 10, "national_2020", 10),
        ("≥9.5%", "25.6%", 10, "provincial_strict", 8),
        ("≥50个", "50", 8, "national_2020", 8),
        ("8755", "8676", 15, "national_2020", 14.86),
        ("≧735人次", "735", 10, "national_2020", 10),
        ("═100%", "98%", 10, "national_2020", 9.8),
        ("不低于90%", "0.855", 10, "national_2020", 9.5),  # a bare fraction against a percent target
        ("≥95%", 0.98, 10, "national_2020", 10),
        ("≥1%", "0.5", 10, "national_2020", 5),  # a target of 1% keeps 0.5 as 0.5%
        ("≥100百分比", "100", 8, "national_2020", 8),
        ("≤5%", "4%", 22.5, "national_2020", 22.5),
        ("≥3场", "-1", 10, "national_2020", 0),
        ("≥0个", "0", 10, "national_2020", 10),
        ("<=5300元/户", "5830元/户", 10, "national_2020", 9.09),
    ],
)
def test_indicator_vectors(target: str, actual: Any, weight: float, profile: str, expected: float) -> None:
    result = score_indicator(indicator(target, actual, weight), load_profile(profile))
    assert result.score == pytest.approx(expected)


def test_fraction_read_as_percent_is_reported() -> None:
    row = indicator("≥95%", "0.98", 10, score=10)
    found = [f for f in check_project(score_project(project(100, 100, (row,)), NATIONAL), NATIONAL)
             if f.code == "indicator.percent_assumed"]
    assert [(f.cell, f.expected) for f in found] == [("F14", 98.0)]


def test_percent_formatted_fraction_is_a_percentage() -> None:
    ind = Indicator(row=14, level1="产出指标", level2="质量指标", name="合格率", target=cv("E14", "≥95%"),
                    actual=cv("F14", 0.98, percent_format=True), weight=cv("G14", 10), score=cv("H14"),
                    reason=cv("I14"))
    assert score_indicator(ind, NATIONAL).score == 10


def test_qualitative_band_validation() -> None:
    ok = indicator("效果明显", "部分达成预期指标并具有一定效果", 10, score=7)
    bad = indicator("效果明显", "部分达成预期指标并具有一定效果", 10, score=8, reason="部分未完成")
    assert score_indicator(ok, NATIONAL).score == 7
    assert "indicator.score_mismatch" not in codes(project(100, 100, (ok,)))
    found = [f for f in check_project(score_project(project(100, 100, (bad,)), NATIONAL), NATIONAL)
             if f.code == "indicator.score_mismatch"]
    assert found and found[0].cell == "H14"


def test_qualitative_blank_score_gets_default_share() -> None:
    row = indicator("效果明显", "部分达成预期指标并具有一定效果", 10, reason="原因")
    assert score_indicator(row, NATIONAL).score == 7
    strict = load_profile("provincial_strict")
    assert score_indicator(row, strict).score == 6.5


def test_overachievement_without_reason_is_a_warning() -> None:
    row = indicator("≥9.5%", "25.6%", 10, score=10)
    found = [f for f in check_project(score_project(project(100, 100, (row,)), NATIONAL), NATIONAL)
             if f.code == "indicator.missing_explanation"]
    assert [(f.severity.value, f.cell) for f in found] == [("warning", "I14")]


def test_below_target_without_reason_is_an_error() -> None:
    row = indicator("≥95%", "90%", 10, score=9.47)
    found = [f for f in check_project(score_project(project(100, 100, (row,)), NATIONAL), NATIONAL)
             if f.code == "indicator.missing_explanation"]
    assert [(f.severity.value, f.cell) for f in found] == [("error", "I14")]


@pytest.mark.parametrize(("score", "grade"), [(89.995, "优"), (89.994, "良"), (80, "良"), (79.99, "中"),
                                              (60, "中"), (59.99, "差"), (0, "差")])
def test_grades(score: float, grade: str) -> None:
    assert NATIONAL.grade_for(round2(score)) == grade


def test_round_half_up() -> None:
    assert round2(2.675) == 2.68
    assert round2(0.125) == 0.13
    assert round2(89.995) == 90.0


def test_round_half_up_on_the_value_not_the_float_noise() -> None:
    # 10 × 875.5 / 1000 is 8.755 exactly, computed as 8.754999999999999; §2.12 gives 8.76.
    assert round2(10 * 875.5 / 1000) == 8.76
    assert round2(15 * 67.6 / 80) == 12.68
    assert round2(8.7549999) == 8.75 and round2(-0.0) == 0.0
    ps = score_project(project(1000, 875.5, (indicator("≥80%", "67.6%", 15, reason="履约不足"),)), NATIONAL)
    assert ps.funds.score == 8.76 and ps.indicators[0].score == 12.68


def test_not_applicable_rows_rescale_to_100() -> None:
    rows = (
        indicator("≥10个", "10个", 45, score=45, row=14),
        indicator("≥90%", "95%", 40, score=40, level1="效益指标", level2="社会效益指标", row=15),
        indicator("不适用", "不适用", 5, level1="满意度指标", level2="服务对象满意度指标", row=16),
    )
    ps = score_project(project(100, 100, rows, total_weight=None), NATIONAL)
    assert ps.total_weight == 95 and ps.raw == 95 and ps.score == 100


def test_weights_summing_to_110_against_100() -> None:
    rows = (indicator("≥10个", "10个", 70, score=70, row=14),
            indicator("≥90%", "95%", 30, score=30, level1="效益指标", level2="社会效益指标", row=15))
    found = [f for f in check_project(score_project(project(100, 100, rows, total_score=100, funds_score=10), NATIONAL),
                                                NATIONAL)
             if f.code in ("weights.sum_mismatch", "total.mismatch")]
    assert {(f.code, f.cell) for f in found} == {("weights.sum_mismatch", "G30"), ("total.mismatch", "H30")}


def test_total_cap_for_low_execution() -> None:
    strict = load_profile("provincial_strict")
    rows = (indicator("≥10个", "10个", 90, score=90),)
    ps = score_project(project(100, 65, rows), strict)
    assert ps.raw == 96.5 and ps.score == 79 and ps.cap == 79
    assert score_project(project(100, 45, rows), strict).score == 59


def test_zero_budget() -> None:
    p = project(0, 0, (indicator("≥1个", "1个", 90, score=90),))
    assert "funds.zero_budget" in codes(p)
    assert score_project(p, NATIONAL).funds.score == 0


def test_missing_actual_scores_zero() -> None:
    row = indicator("≥1个", None, 10, score=10)
    result = score_indicator(row, NATIONAL)
    assert result.score == 0 and result.issue == "actual_blank"


def test_unit_families_that_differ_are_not_scored() -> None:
    row = indicator("≥50个", "90%", 10, score=10)
    result = score_indicator(row, NATIONAL)
    assert result.score is None and result.issue == "unit_mismatch"
    assert "indicator.unit_mismatch" in codes(project(100, 100, (row,)))


def test_entered_rate_forms() -> None:
    def rate_codes(value: Any, **kw: Any) -> list[str]:
        p = project(50, 10)
        total = p.funds[0]
        from dataclasses import replace

        p = replace(p, funds=(replace(total, rate=cv("I7", value, **kw)),) + p.funds[1:])
        return [c for c in codes(p) if c == "funds.rate_mismatch"]

    assert rate_codes("20") == []          # percent without a sign
    assert rate_codes(0.2) == []           # fraction
    assert rate_codes(0.2, percent_format=True) == []
    assert rate_codes("20%") == []
    assert rate_codes("100%") == ["funds.rate_mismatch"]
    assert rate_codes("0") == ["funds.rate_mismatch"]


def test_deadline_missed_is_warned() -> None:
    late = indicator("2021年12月31日前", "2022年1月15日", 10, score=10, level2="时效指标")
    on_time = indicator("2021年12月底前", "2021.11.30", 10, score=10, level2="时效指标", row=15)
    found = [f.cell for f in check_project(score_project(project(100, 100, (late, on_time)), NATIONAL), NATIONAL)
             if f.code == "indicator.deadline_missed"]
    assert found == ["F14"]


# --- dates (时效指标, check I7) -------------------------------------------------------------


def _variant(tmp_path: Any, name: str, overrides: str) -> Any:
    """national_2020 with a few keys changed, as a user's rules file would (TOML text)."""
    rules = tmp_path / f"{name}.toml"
    rules.write_text(f'name = "{name}"\nbase = "national_2020"\n{overrides}', encoding="utf-8")
    return load_profile(str(rules))


def dated(target: Any, actual: Any, score: Any = 10, reason: Any = None, row: int = 14) -> Indicator:
    return indicator(target, actual, 10, score=score, reason=reason, level2="时效指标", row=row)


@pytest.mark.parametrize(("target", "actual", "entered", "expected", "kind"), [
    ("2022年12月31日前", "2022年11月30日", 10, 10, "le"),
    ("2022年6月30日前", "2022年6月30日", 10, 10, "le"),  # the deadline day itself meets it
    ("12月底前", "2022年11月30日", 10, 10, "le"),  # the project year dates the target
    ("年底前", "2022.12.31", 10, 10, "le"),
    ("2022年12月", "2022年12月", 10, 10, "le"),  # a month as target: by its last day
    ("2022年12月31日前", "11月30日", 10, 10, "le"),
    ("不晚于2022年12月31日", datetime.datetime(2022, 11, 30), 10, 10, "le"),
    ("2022年12月31日前", "按时完成", 10, 10, "le"),  # words, not a date: graded as written
    # missed: any entered score below full marks stands (late_deadline = "below_full"); full
    # marks or a blank score take the 部分达成 share (70%: delivered, but late)
    ("2022年10月底前", "2022年12月15日", 5, 5, "le"),
    ("2022年10月底前", "2022年12月15日", 8, 8, "le"),
    ("2022年10月底前", "2022年12月15日", 10, 7, "le"),
    ("2022年10月底前", "2022年12月15日", None, 7, "le"),
    ("12月底前", "2023年1月15日", 4, 4, "le"),
    ("不早于2022年3月1日", "2022年4月1日", 10, 10, "ge"),
])
def test_date_targets_are_compared(target: str, actual: Any, entered: Any, expected: float, kind: str) -> None:
    result = score_indicator(dated(target, actual, entered), NATIONAL, year=2022)
    assert (result.score, result.kind.value, result.issue) == (pytest.approx(expected), kind, None)


def test_date_without_a_year_is_not_guessed() -> None:
    result = score_indicator(dated("12月底前", "2022年11月30日"), NATIONAL)
    assert result.score is None and result.issue == "incomparable"


def _dated_codes(*rows: Indicator, year: Optional[int] = 2022) -> list[tuple[str, Optional[str]]]:
    from dataclasses import replace

    p = replace(project(100, 100, rows), year=year)
    return [(f.code, f.cell) for f in check_project(score_project(p, NATIONAL), NATIONAL)]


def test_met_deadline_is_neither_an_error_nor_unquantified() -> None:
    found = _dated_codes(dated("2022年12月31日前", "2022年11月30日"),
                         dated("6月30日前", "2022年6月30日", row=15))
    bad = {"indicator.unparsed", "goal.not_quantified", "indicator.deadline_missed", "indicator.score_mismatch",
           "indicator.missing_explanation", "indicator.nonstandard_grade"}
    assert [c for c in found if c[0] in bad] == []


def test_missed_deadline_is_scored_and_warned_not_called_incomparable() -> None:
    found = _dated_codes(dated("2022年10月底前", "2022年12月15日", score=8, reason="施工延误"),
                         dated("10月底前", "2022年12月15日", score=10, row=15))
    assert ("indicator.deadline_missed", "F14") in found and ("indicator.deadline_missed", "F15") in found
    assert ("indicator.score_mismatch", "H14") not in found  # 8 of 10 for a late delivery stands
    assert ("indicator.score_mismatch", "H15") in found  # full marks for a missed deadline do not
    assert ("indicator.missing_explanation", "I15") in found
    assert not [c for c in found if c[0] in ("indicator.unparsed", "goal.not_quantified",
                                             "indicator.nonstandard_grade")]


def test_late_deadline_band_is_a_profile_choice(tmp_path: Any) -> None:
    strict = _variant(tmp_path, "late_strict", '[indicators]\nlate_deadline = "not_achieved"\n')
    row = dated("2022年10月底前", "2022年12月15日", 8)
    assert score_indicator(row, strict, year=2022).score == pytest.approx(5.99)  # 未达成: 0–60%
    assert score_indicator(row, NATIONAL, year=2022).score == pytest.approx(8)


def test_deadline_in_a_workbook(tmp_path: Any) -> None:
    from builders import make_workbook, seed_spec

    from perf_xlsx.judge.evaluate import evaluate_file

    spec = seed_spec("招商节会")  # 2021, every target met, 总分 99.83
    timely = spec["indicators"][4]
    timely.update(name="节会活动完成时间", target="12月底前", actual="2021年11月30日")
    path, maps, _ = make_workbook(tmp_path / "met.xlsx", [spec])
    result = evaluate_file(str(path), NATIONAL)
    (ps,) = result.scores
    assert ps.score == 99.83 and ps.indicators[4].score == 5
    cell = maps[0].indicator_cells[4]
    assert [f.code for f in result.findings if f.cell in (cell["target"], cell["actual"], cell["score"])] == []

    timely.update(target="2021年10月底前", actual="2021年12月15日", score=2, deviation_note="场馆改期")
    spec["total_score_published"] = 96.83
    path, maps, _ = make_workbook(tmp_path / "late.xlsx", [spec])
    result = evaluate_file(str(path), NATIONAL)
    (ps,) = result.scores
    assert ps.score == 96.83 and ps.indicators[4].score == 2
    assert [(f.code, f.cell) for f in result.findings if f.severity.value == "error"] == []
    assert ("indicator.deadline_missed", cell["actual"]) in [(f.code, f.cell) for f in result.findings]


# --- fractions typed against a percent target ------------------------------------------------


def split_row(nature: str, target: Any, unit: str, actual: Any, score: Any = 10, row: int = 14,
              **kw: Any) -> Indicator:
    return Indicator(row=row, level1="效益指标", level2="社会效益指标", name="就业率",
                     target=cv(f"F{row}", target), actual=cv(f"H{row}", actual, **kw),
                     weight=cv(f"I{row}", 10), score=cv(f"J{row}", score), reason=cv(f"K{row}"),
                     nature=cv(f"E{row}", nature), unit_text=unit)


@pytest.mark.parametrize(("nature", "target", "unit", "actual", "pct_format", "expected", "assumed"), [
    # 度量单位 "%" names the column's unit, not what was typed: 0.95 there is a fraction
    ("正向", "90", "%", 0.95, False, 10, True),
    ("≥", 90, "%", "0.92", False, 10, True),
    ("≥", "90", "%", 0.855, False, 9.5, True),
    ("≤", "5", "%", 0.03, False, 10, True),
    ("≥", "0.9", "%", 95, False, 10, True),  # the target typed as a fraction
    ("≥", "90", "%", 0.95, True, 10, False),  # the cell shows 95%: a percentage already
    ("≥", "90", "%", "95%", False, 10, False),
    ("≥", "90", "%", 92, False, 10, False),
    # both readings far from the target, or the typed one nearer: kept as typed
    ("≥", "1", "%", 0.5, False, 5, False),
    ("≤", "5", "%", 1, False, 10, False),
    ("≥", "0.9", "%", 0.95, False, 10, False),
])
def test_fraction_under_a_percent_unit_column(nature: str, target: Any, unit: str, actual: Any, pct_format: bool,
                                              expected: float, assumed: bool) -> None:
    result = score_indicator(split_row(nature, target, unit, actual, percent_format=pct_format), NATIONAL)
    assert result.score == pytest.approx(expected)
    assert (result.actual.percent_assumed or result.target.percent_assumed) is assumed


@pytest.mark.parametrize(("target", "actual", "expected"), [
    ("≥95%", "0.96", 10),
    ("≥50%", "1.2", 10),  # 120%
    ("≥3%", "0.02", 6.67),  # 2%
    ("≥3%", "1.2", 4),  # 1.2% is as plausible as 120%: what was typed stands
    ("≤5%", "1", 10),  # 1%, not 100%
    ("≥10%", "1", 1),
])
def test_fraction_reading_needs_to_be_far_more_plausible(target: str, actual: str, expected: float) -> None:
    assert score_indicator(indicator(target, actual, 10), NATIONAL).score == pytest.approx(expected)


def test_split_fraction_in_a_workbook(tmp_path: Any) -> None:
    from builders import Layout, make_workbook, seed_spec

    from perf_xlsx.judge.evaluate import evaluate_file

    spec = seed_spec("招商节会")  # every target met, 总分 99.83
    rate, satisfaction = spec["indicators"][3], spec["indicators"][8]
    rate.update(operator="正向", target_value="80", unit="%", actual=0.85)
    satisfaction.update(operator="≥", target_value="90", unit="%", actual=0.95)
    path, maps, _ = make_workbook(tmp_path / "split.xlsx", [spec], layout=Layout(split_target=True))
    result = evaluate_file(str(path), NATIONAL)
    (ps,) = result.scores
    assert ps.score == 99.83 and ps.grade == "优"
    assert [(r.actual.value, r.score) for r in (ps.indicators[3], ps.indicators[8])] == [(85, 10), (95, 10)]
    assert [f.code for f in result.findings if f.severity.value == "error"] == []
    cells = {maps[0].indicator_cells[i]["actual"] for i in (3, 8)}
    assert {f.cell for f in result.findings if f.code == "indicator.percent_assumed"} == cells


# --- thresholds met exactly (a quotient's float noise must not move it across) ----------------

STRICT = load_profile("provincial_strict")


@pytest.mark.parametrize(("target", "actual"), [("≥62%", "80.6%"), ("≥36%", "46.8%"), ("≥9万元", "11.7万元"),
                                                ("≥50%", "65%")])
def test_over_achievement_of_exactly_130_percent_is_caught(target: str, actual: str) -> None:
    # 80.6 / 62 is 1.2999999999999998 as a float; §2.8 asks for B ≥ 130% of A.
    assert score_indicator(indicator(target, actual, 20), NATIONAL).over_ratio == pytest.approx(1.3)
    assert score_indicator(indicator(target, actual, 20), STRICT).score == 18  # fixed 2-point deduction
    found = [f for f in check_project(score_project(project(100, 100, (indicator(target, actual, 20),)), NATIONAL),
                                      NATIONAL) if f.code == "indicator.missing_explanation"]
    assert [(f.severity.value, f.cell) for f in found] == [("warning", "I14")]


def test_over_achievement_just_below_130_percent_is_not() -> None:
    assert score_indicator(indicator("≥62%", "80.59%", 20), STRICT).score == 20


@pytest.mark.parametrize(("budget", "executed", "capped"), [(3.1, 2.48, False), (345, 276, False),
                                                            (3.1, 2.47, True)])
def test_total_cap_applies_below_the_rate_not_at_it(budget: float, executed: float, capped: bool) -> None:
    ps = score_project(project(budget, executed, (indicator("≥10个", "10个", 90, score=90),)), STRICT)
    assert ps.funds.rate is not None and (ps.cap == 89) is capped
    assert (ps.grade == "良") is capped


@pytest.mark.parametrize(("budget", "executed", "warned"), [(4.5, 4.05, False), (590, 531, False),
                                                            (4.5, 4.04, True)])
def test_sichuan_explanation_limit_is_below_90_not_at_it(budget: float, executed: float, warned: bool) -> None:
    sichuan = load_profile("sichuan_2023")
    p = project(budget, executed, (indicator("≥10个", "10个", 90, score=90),))
    assert ("funds.low_rate_unexplained" in codes(p, sichuan)) is warned


def test_interval_band_minimum_is_inside_the_band(tmp_path: Any) -> None:
    intervals = _variant(tmp_path, "iv", '[funds]\nscoring = "intervals"\n'
                         'intervals = [[1.0, 1.0], [0.9, 0.9], [0.8, 0.8], [0.6, 0.6], [0.0, 0.0]]\n')
    assert score_project(project(4.5, 4.05), intervals).funds.score == 9  # 90%, not the 80% band
    assert score_project(project(4.5, 4.04), intervals).funds.score == 8



# --- explanations show the numbers as typed ---------------------------------------------------


@pytest.mark.parametrize(("target", "actual", "weight", "profile", "how"), [
    # money is held in 万元 (5元 = 0.0005): the explanation shows it back in 元
    ("≤5元", "6元", 20, NATIONAL, "目标 5 ÷ 实际 6 × 20 = 16.67"),
    ("≤5元", "6元", 20, STRICT, "(1 − (实际 6 − 目标 5) ÷ 5) × 20 = 16"),
    ("≤200元", "250元", 10, NATIONAL, "目标 200 ÷ 实际 250 × 10 = 8"),
    ("≥500元", "450元", 30, NATIONAL, "实际 450 ÷ 目标 500 × 30 = 27"),
    ("≤0.02万元", "250元", 10, NATIONAL, "目标 0.02 ÷ 实际 0.025 × 10 = 8"),  # in the target's unit
    # a per-household price is a rate, not an amount: held and shown as typed
    ("≤5300元/户", "5830元/户", 20, NATIONAL, "目标 5300 ÷ 实际 5830 × 20 = 18.18"),
    # values are not rounded to 2 decimals like scores
    ("≥0.125吨", "0.1吨", 10, NATIONAL, "实际 0.1 ÷ 目标 0.125 × 10 = 8"),
])
def test_explanation_arithmetic_reads_true(target: str, actual: str, weight: float, profile: Any, how: str) -> None:
    result = score_indicator(indicator(target, actual, weight), profile)
    assert result.how == how


def test_explanation_in_the_unit_column_money_unit() -> None:
    result = score_indicator(split_row("≤", "200", "元", 250), NATIONAL)
    assert result.target.family == "money" and result.how == "目标 200 ÷ 实际 250 × 10 = 8"


# --- rows left out of the score (§2.9) -------------------------------------------------------


def _weight_findings(p: Project, profile: Any = NATIONAL) -> list[tuple[str, str]]:
    return [(f.severity.value, f.message) for f in check_project(score_project(p, profile), profile)
            if f.code == "weights.sum_mismatch"]


def test_not_applicable_rows_rescaled_say_so() -> None:
    rows = (
        indicator("≥10个", "10个", 45, score=45, row=14),
        indicator("≥90%", "95%", 35, score=35, level1="效益指标", level2="社会效益指标", row=15),
        indicator("不适用", "不适用", 5, level1="效益指标", level2="经济效益指标", row=16),
        indicator("不适用", "不适用", 5, level1="满意度指标", level2="服务对象满意度指标", row=17),
    )
    p = project(100, 99, rows)  # 10 + 45 + 35 + 5 + 5 = 100, as the 总分 row says
    ps = score_project(p, NATIONAL)
    assert (ps.total_weight, ps.raw, ps.score) == (90, 89.9, 99.89)
    assert _weight_findings(p) == [("warning", "分值合计不为 100：2 项不适用指标共 10 分不计分，适用分值合计 90，"
                                               "总分 89.9 已按百分制折算为 99.89")]


def test_not_applicable_rows_without_rescaling_say_the_total_falls_short(tmp_path: Any) -> None:
    plain = _variant(tmp_path, "nr", '[not_applicable]\nrescale_to_100 = false\n')
    rows = (indicator("≥10个", "10个", 80, score=80, row=14),
            indicator("不适用", "不适用", 10, level1="效益指标", level2="经济效益指标", row=15))
    assert score_project(project(100, 100, rows), plain).score == 90
    assert _weight_findings(project(100, 100, rows), plain) == [
        ("warning", "分值合计不为 100：1 项不适用指标共 10 分不计分，适用分值合计 90，总分按原始合计 90 计，未折算")]


def test_zero_budget_excluded_is_not_a_sum_error(tmp_path: Any) -> None:
    exclude = _variant(tmp_path, "z", '[funds]\nzero_budget = "exclude_and_rescale"\n')
    p = project(0, 0, (indicator("≥1个", "1个", 90, score=88),))  # the sheet's 10 + 90 = 100 is right
    ps = score_project(p, exclude)
    assert ps.funds.excluded and ps.total_weight == 90 and ps.score == 100
    assert _weight_findings(p, exclude) == [
        ("warning", "分值合计不为 100：预算执行率 10 分（全年预算数为 0）不计分，适用分值合计 90，总分 90 已按百分制折算为 100")]
    assert _weight_findings(p) == []  # national: the row scores 0 and stays in the 100


# --- §2.8 mirror case: a ≤ row far below its ceiling ------------------------------------------


def _explanations(row: Indicator, profile: Any = NATIONAL) -> list[tuple[str, Optional[str], str]]:
    return [(f.severity.value, f.cell, f.message)
            for f in check_project(score_project(project(100, 100, (row,)), profile), profile)
            if f.code == "indicator.missing_explanation"]


@pytest.mark.parametrize("profile", [NATIONAL, STRICT])
def test_reverse_far_below_the_ceiling_is_warned_not_deducted(profile: Any) -> None:
    row = indicator("≤100万元", "50万元", 20, level2="成本指标")
    result = score_indicator(row, profile)
    assert (result.score, result.over_ratio) == (20, 0.5)  # warn only: no deduction (§2.8)
    assert _explanations(row, profile) == [
        ("warning", "I14", "指标「指标」实际完成值为指标值的 50%，远低于指标值（上限），未说明原因")]
    assert _explanations(indicator("≤100万元", "50万元", 20, reason="集中采购节约")) == []


@pytest.mark.parametrize(("target", "actual", "warned"), [
    ("≤13个", "10个", True),  # 10 = 13 / 1.3 exactly
    ("≤13个", "10.01个", False),
    ("≤10次", "0次", True),  # B ≤ A / 1.3 holds for 0 too
    ("≤10次", "8次", False),
    ("≤0起", "0起", False),  # a zero ceiling has no "far below"
])
def test_reverse_mirror_threshold(target: str, actual: str, warned: bool) -> None:
    assert bool(_explanations(indicator(target, actual, 10))) is warned


def _sheet_total_codes(rows: tuple[Indicator, ...], total: float) -> tuple[Any, list[str]]:
    p = project(100, 100, rows, total_score=total, funds_score=10)
    ps = score_project(p, NATIONAL)
    return ps, [f.code for f in check_project(ps, NATIONAL)]


@pytest.mark.parametrize("answer", ["无", "—", "/"])
def test_scored_none_answer_is_met_not_dropped_as_not_applicable(answer: str) -> None:
    # 安全事故 | 无 | 无 | 10 | 10: no accidents, target met; the unit scored the row.
    rows = (indicator("≥10个", "10个", 80, score=80, row=14),
            indicator(answer, answer, 10, score=10, level1="效益指标", level2="社会效益指标", row=15))
    ps, found = _sheet_total_codes(rows, 100)
    row = ps.indicators[1]
    assert row.applicable and row.score == 10 and row.grade is Grade.ACHIEVED
    assert (ps.total_weight, ps.score) == (100, 100)
    assert "total.mismatch" not in found and "weights.sum_mismatch" not in found
    # The same row left unscored is an unused row, as before: 不适用, and the total rescaled.
    unused = (rows[0], indicator(answer, answer, 10, level1="效益指标", level2="社会效益指标", row=15))
    ps = score_project(project(100, 100, unused), NATIONAL)
    assert not ps.indicators[1].applicable and ps.total_weight == 90


@pytest.mark.parametrize("marker", ["不适用", "不涉及", "无此项", "N/A"])
def test_explicit_not_applicable_stays_so_even_when_scored(marker: str) -> None:
    rows = (indicator("≥10个", "10个", 80, score=80, row=14),
            indicator(marker, "无", 10, score=10, level1="效益指标", level2="社会效益指标", row=15))
    ps, found = _sheet_total_codes(rows, 100)
    assert not ps.indicators[1].applicable and ps.total_weight == 90
    # The sheet's 总分 adds the typed 10 of that row: I5 adds what the sheet adds.
    assert "total.mismatch" not in found and "weights.sum_mismatch" in found


def test_total_mismatch_adds_typed_scores_of_left_out_rows() -> None:
    rows = (indicator("≥10个", "10个", 80, score=80, row=14),
            indicator("不适用", "不适用", 10, score=10, level1="效益指标", level2="社会效益指标", row=15))
    _, found = _sheet_total_codes(rows, 90)  # 10 + 80 + 10 = 100, not 90
    assert "total.mismatch" in found


@pytest.mark.parametrize(("target", "actual"), [("无违规违纪", "无"), ("无", "0起"), ("杜绝安全事故", "未发生")])
def test_none_happened_meets_a_target_that_nothing_happen(target: str, actual: str) -> None:
    result = score_indicator(indicator(target, actual, 10, score=10), NATIONAL)
    assert (result.grade, result.score, result.issue) == (Grade.ACHIEVED, 10, None)


def test_quarter_deadline_is_compared_with_the_date_done() -> None:
    result = score_indicator(indicator("第四季度", "2021年11月", 10, score=10, level2="时效指标"), NATIONAL,
                             year=2021)
    assert (result.score, result.issue) == (10, None)


def test_incomparable_severity_follows_the_missing_values_table() -> None:
    from dataclasses import replace

    cases = [
        ("效果明显", "95%", "warning"),      # §2.11: target unparseable, actual numeric -> qualitative, warning
        ("无", "若干", "warning"),
        ("第四季度", "按计划推进", "warning"),  # a date target treated as qualitative (§2.3 DATE)
        ("≥10个", "若干", "error"),           # §2.11: numeric target, text actual -> error
        ("1起", "无", "error"),  # only a zero target reads 无 as 0 (see test_none_answers_a_zero_target)
    ]
    got = []
    for target, actual, _ in cases:
        p = replace(project(100, 100, (indicator(target, actual, 90, score=90, level2="质量指标"),)), year=2021)
        ps = score_project(p, NATIONAL)
        got.append([f.severity.value for f in check_project(ps, NATIONAL) if f.code == "indicator.unparsed"])
    assert got == [[severity] for _, _, severity in cases]


@pytest.mark.parametrize(("target", "actual"), [("≤0起", "无"), ("0起", "无"), ("=0", "无"), ("≤0次", "没有")])
def test_none_answers_a_zero_target(target: str, actual: str) -> None:
    # 无 against a zero ceiling or equality is the count 0 (§2.5), not text to compare with a number.
    result = score_indicator(indicator(target, actual, 10, score=10), NATIONAL)
    assert (result.score, result.issue, result.actual.value) == (10, None, 0)
    ps = score_project(project(100, 100, (indicator(target, actual, 90, score=90),)), NATIONAL)
    assert not [f for f in check_project(ps, NATIONAL) if f.code == "indicator.unparsed"]


@pytest.mark.parametrize(("target", "actual", "entered", "expected"), [
    ("无安全事故", "1起", 10, 5.99),  # full marks claimed for a miss: clamped into the 未达成 band
    ("无安全事故", "1起", None, 3),
    ("无", "2起", 3, 3),
    ("杜绝安全事故", "2次", 5, 5),
])
def test_something_happening_misses_a_nothing_should_happen_target(target: str, actual: str, entered: Any,
                                                                   expected: float) -> None:
    result = score_indicator(indicator(target, actual, 10, score=entered), NATIONAL)
    assert (result.grade, result.score, result.issue) == (Grade.NOT, expected, None)


@pytest.mark.parametrize("target", ["年底前完成3场", "6月底前举办3场", "2021年12月底前完成3场"])
def test_deadline_with_a_count_is_a_count_target(target: str) -> None:
    # The number scored is the count (at least 3), not the date: 4场 is full marks, 2场 is 2 ÷ 3.
    met = score_indicator(indicator(target, "4场", 10, score=10), NATIONAL, year=2021)
    short = score_indicator(indicator(target, "2场", 10, score=10), NATIONAL, year=2021)
    assert (met.kind.value, met.score, met.issue) == ("ge", 10, None)
    assert short.score == round2(10 * 2 / 3)


def _score_built(tmp_path: Path, spec: dict[str, Any]) -> tuple[Any, list[tuple[str, str]]]:
    path, _, _ = make_workbook(tmp_path / "t.xlsx", [spec])
    result = evaluate_file(str(path), load_profile("national_2020"))
    assert result.status == "scored", result.error
    return result, [(f.severity.value, f.code) for f in result.findings]


@pytest.mark.parametrize("total_weight", [110, None])
def test_weights_above_100_give_no_grade(tmp_path: Path, total_weight: Any) -> None:
    """10 for the funds + 100 for the indicators (one row 10 points too many): the table's points
    add up to 110, so its total (109.83) is no 100-point score and gets no grade; the JSON still
    shows the raw total and the weights."""
    spec = seed_spec("招商节会")
    spec["indicators"][6].update(weight=25, score=25)
    spec["total_weight"] = total_weight
    spec["total_score_published"] = 109.83
    result, found = _score_built(tmp_path, spec)
    (ps,) = result.scores
    assert (ps.raw, ps.score, ps.grade) == (109.83, None, "")
    assert "分值合计 110 分，超过满分 100 分" in ps.ungraded and "不定等级" in ps.ungraded
    total = result_to_dict(result)["projects"][0]["total"]
    assert (total["weight"], total["raw"], total["score"], total["grade"]) == (110, 109.83, None, None)
    assert ("error", "weights.sum_mismatch") in found
    assert "total.differs" not in [c for _, c in found]


def test_weights_of_100_still_graded_and_none_still_ungraded(tmp_path: Path) -> None:
    result, _ = _score_built(tmp_path, seed_spec("招商节会"))
    assert (result.scores[0].score, result.scores[0].grade, result.scores[0].ungraded) == (99.83, "优", "")
    spec = seed_spec("招商节会")
    for ind in spec["indicators"]:
        ind.update(weight=None, score=12)
    spec["funds"]["total"].update(weight=None)
    result, _ = _score_built(tmp_path, spec)
    assert result.scores[0].score is None and result.scores[0].ungraded == "各指标均未填写分值，无法评分"
