"""Checks on real workbooks: what a finance officer types, read back through the whole reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import make_workbook, seed_spec
from loaded import load_workbook

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import WorkbookResult
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")


def _findings(tmp_path: Path, spec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [(f.code, f.cell, f.found) for f in _evaluate(tmp_path, spec).findings]


def _evaluate(tmp_path: Path, spec: dict[str, Any]) -> WorkbookResult:
    path, _, _ = make_workbook(tmp_path / "t.xlsx", [spec])
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.error
    return result


@pytest.mark.parametrize("executed, shown, accepted", [
    (196.5, "98.3%", True),   # 98.25% shown with one decimal, rounded half up as Excel does
    (192.5, "96.3%", True),   # 96.25%
    (195, "98%", True),       # 97.5%
    (193.5, "96.8%", True),   # 96.75%
    (196.5, "98.25%", True),
    (196.5, "98.2%", False),  # rounded the wrong way
    (196.5, "98%", True),     # 98.25 shown without decimals
    (196.5, "99%", False),
])
def test_entered_rate_rounded_for_display(tmp_path: Path, executed: float, shown: str, accepted: bool) -> None:
    spec = seed_spec("招商节会")
    rate = executed / 200
    score = round(rate * 10 + 1e-9, 2)
    spec["funds"]["total"].update(executed=executed, rate=shown, score=score)
    spec["funds"]["current_appropriation"].update(executed=executed)
    spec["total_score_published"] = 90 + score
    codes = [code for code, _, _ in _findings(tmp_path, spec)]
    assert ("funds.rate_mismatch" not in codes) is accepted, codes


def test_negative_weight_is_an_error_at_its_cell(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    spec["indicators"][4].update(weight=-5, score=-5)
    result = _evaluate(tmp_path, spec)
    assert result.scores[0].indicators[4].score is None  # not "full marks of -5"
    found = [(f.code, f.cell, f.found) for f in result.findings]
    negative = [(cell, value) for code, cell, value in found if code == "indicator.weight_negative"]
    assert len(negative) == 1 and negative[0][1] == -5
    # The range check would only say "超出 0–-5 分": the negative weight is the problem.
    assert not [c for c, _, _ in found if c == "indicator.score_out_of_range"]
    assert "weights.sum_mismatch" in [c for c, _, _ in found]  # 90 - 10 no longer adds up


def test_no_weights_anywhere_gives_no_total_or_grade(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    for ind in spec["indicators"]:
        ind.update(weight=None, score=12)  # 9 × 12 = 108 points with nothing to be out of
    result = _evaluate(tmp_path, spec)
    (ps,) = result.scores
    assert (ps.raw, ps.score, ps.grade) == (None, None, "")
    assert "weights.missing" in [f.code for f in result.findings]


def test_total_raw_is_the_funds_score_plus_the_indicator_scores(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    spec["indicators"][2].update(actual="两千多份", score=8)  # not comparable: the entered 8 is adopted
    spec["indicators"][3].update(weight=None, score=6)  # no 分值: the entered 6 is counted as it is
    path, _, _ = make_workbook(tmp_path / "t.xlsx", [spec])
    (project,) = result_to_dict(evaluate_file(str(path), NATIONAL))["projects"]
    scores = [i["score"] for i in project["indicators"]]
    assert scores[2] == 8 and scores[3] == 6
    assert "按填报得分 8 计" in project["indicators"][2]["how"]
    assert project["total"]["raw"] == pytest.approx(project["funds"]["score"] + sum(s or 0 for s in scores))


def test_claims_ahead_of_spending_say_their_basis(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    spec["funds"]["total"].update(executed=100, rate="50%", score=5)
    spec["funds"]["current_appropriation"].update(executed=100)
    weighted = _evaluate(tmp_path, spec)
    (msg,) = [f.message for f in weighted.findings if f.code == "funds.output_exceeds_spending"]
    assert "绩效指标得分率达 100%" in msg
    for ind in spec["indicators"]:
        ind["weight"] = None
    spec["total_weight"] = None
    bare = _evaluate(tmp_path, spec)
    (msg,) = [f.message for f in bare.findings if f.code == "funds.output_exceeds_spending"]
    assert "绩效指标平均完成率达 100%" in msg  # no 分值: no score share to speak of


def test_list_names_never_calculated_do_not_make_projects_unlisted(tmp_path: Path) -> None:
    """The template's 项目清单 names its projects by formula (=项目1!C3); filled by a program
    and never opened in Excel/WPS, those names have no values: the list cannot say a project
    is missing from it."""
    from builders import unit_sheet_from_specs

    specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    path, maps, unit = make_workbook(tmp_path / "t.xlsx", specs, unit_sheet=unit_sheet_from_specs(specs))
    assert unit is not None
    wb = load_workbook(path)
    ws = wb[unit.title]
    for cells, m in zip(unit.row_cells, maps):
        ws[cells["name"]] = f"='{m.title}'!{m.name_cell}"
    wb.save(path)
    codes = [f.code for f in evaluate_file(str(path), NATIONAL).findings]
    assert "unit.project_missing" not in codes



@pytest.mark.parametrize("mark", ["无", "不适用", "不涉及"])
def test_unused_fund_rows_written_as_none_read_as_blank(tmp_path: Path, mark: str) -> None:
    from builders import _fund

    spec = seed_spec("招商节会")
    spec["funds"]["carry_over"] = _fund("上年结转资金", mark, mark, mark)
    spec["funds"]["other"] = _fund("其他资金", mark, mark, mark)
    result = _evaluate(tmp_path, spec)
    codes = [f.code for f in result.findings]
    assert "funds.not_number" not in codes and "funds.total_mismatch" not in codes, codes
    assert result.scores[0].funds.budget == 200
    # Any other word is still not a number.
    spec["funds"]["other"] = _fund("其他资金", "待定", mark, mark)
    assert [f.cell for f in _evaluate(tmp_path, spec).findings if f.code == "funds.not_number"] == ["E10"]


def test_one_qualitative_target_is_a_note_and_a_vague_project_a_warning(tmp_path: Path) -> None:
    # The seed table has one qualitative target (效果明显) among nine: allowed by the template.
    spec = seed_spec("招商节会")
    found = [(f.severity.value, f.cell) for f in _evaluate(tmp_path, spec).findings
             if f.code == "goal.not_quantified"]
    assert found and {sev for sev, _ in found} == {"info"}
    # Every target vague (real-world #7): the project-level warning stays.
    for ind in spec["indicators"]:
        ind.update(target="效果明显", actual="达成预期指标", score=ind["weight"])
    found = [(f.severity.value, f.cell) for f in _evaluate(tmp_path, spec).findings
             if f.code == "goal.not_quantified"]
    assert [sev for sev, _ in found].count("warning") == 1 and "info" in {sev for sev, _ in found}


def test_claims_exactly_five_points_ahead_are_not_red(tmp_path: Path) -> None:
    """"More than 5 points ahead": 100% of the points at 95% spent is on the line, not past it
    (1.0 - 0.95 is 0.050000000000000044 in floating point)."""
    spec = seed_spec("招商节会")
    spec["funds"]["total"].update(executed=190, rate="95%", score=9.5)
    spec["funds"]["current_appropriation"].update(executed=190)
    spec["total_score_published"] = 99.5
    assert "funds.output_exceeds_spending" not in [c for c, _, _ in _findings(tmp_path, spec)]
    spec["funds"]["total"].update(executed=189.98, rate="94.99%", score=9.5)
    spec["funds"]["current_appropriation"].update(executed=189.98)
    assert "funds.output_exceeds_spending" in [c for c, _, _ in _findings(tmp_path, spec)]


def test_row_with_only_a_score_scores_nothing(tmp_path: Path) -> None:
    """Target and actual both blank, 得分 10 typed: nothing says what was planned or done."""
    spec = seed_spec("招商节会")
    spec["indicators"][1].update(target=None, actual=None)
    result = _evaluate(tmp_path, spec)
    row = result.scores[0].indicators[1]
    assert row.score == 0
    codes = {f.code for f in result.findings if f.cell and f.cell[1:] == str(row.indicator.row)}
    assert {"indicator.target_missing", "indicator.actual_missing", "indicator.score_mismatch"} <= codes


def test_full_marks_for_a_missed_deadline(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    spec["indicators"][4].update(name="节会完成时间", target="2021年10月31日前", actual="2021年12月15日",
                                 note="场地原因延期")
    result = _evaluate(tmp_path, spec)
    row = result.scores[0].indicators[4]
    assert row.score == 3.5  # 70% of 5: delivered, late; not a deduction made up by the tool
    (msg,) = [f.message for f in result.findings if f.code == "indicator.score_mismatch"]
    assert "未按期完成" in msg and "得分应低于满分 5，填报 5" in msg and "定性" not in msg


def test_direction_word_outside_the_target_cell(tmp_path: Path) -> None:
    """正向 in the 指标性质 column (split layout) or in the indicator's name, with a ≤ target."""
    from builders import LAYOUT_VARIANTS

    spec = seed_spec("招商节会")
    spec["indicators"][0].update(operator="正向", target_value="≤3", unit="场")
    path, maps, _ = make_workbook(tmp_path / "split.xlsx", [spec], layout=LAYOUT_VARIANTS["split_target"])
    found = [(f.code, f.cell) for f in evaluate_file(str(path), NATIONAL).findings if f.code == "indicator.direction_conflict"]
    assert len(found) == 1
    spec = seed_spec("招商节会")
    spec["indicators"][0].update(name="举办招商节会场次（正向）", target="≤3场")
    path, maps, _ = make_workbook(tmp_path / "name.xlsx", [spec])
    found = [(f.code, f.cell) for f in evaluate_file(str(path), NATIONAL).findings if f.code == "indicator.direction_conflict"]
    assert found == [("indicator.direction_conflict", maps[0].indicator_cells[0]["name"])]


def test_percent_cell_is_quoted_as_a_percent(tmp_path: Path) -> None:
    """A % formatted cell holds 0.7; the message quotes what the sheet shows, 70%."""
    spec = seed_spec("招商节会")
    spec["indicators"][3].update(score=8.75)
    path, maps, _ = make_workbook(tmp_path / "p.xlsx", [spec])
    wb = load_workbook(path)
    cell = wb[maps[0].title][maps[0].indicator_cells[3]["actual"]]
    cell.value, cell.number_format = 0.7, "0%"
    wb.save(path)
    msgs = [f.message for f in evaluate_file(str(path), NATIONAL).findings if f.code == "indicator.missing_explanation"]
    assert any("实际 70%" in m for m in msgs), msgs


@pytest.mark.parametrize("blank", [("full_year",), ("initial", "full_year", "executed")])
def test_blank_fund_total_with_filled_parts_is_its_own_warning(tmp_path: Path, blank: tuple[str, ...]) -> None:
    spec = seed_spec("招商节会")
    spec["funds"]["total"].update({col: None for col in blank})
    spec["funds"]["carry_over"].update(initial=20, full_year=20, executed=20)
    spec["funds"]["current_appropriation"].update(initial=180, full_year=180, executed=176.5)
    path, sheets, _ = make_workbook(tmp_path / "t.xlsx", [spec])
    result = evaluate_file(str(path), NATIONAL)
    found = [f for f in result.findings if f.code.startswith("funds.total_")]
    cells = sheets[0].funds["total"]
    expected = {"initial": 200.0, "full_year": 200.0, "executed": 196.5}
    assert [(f.code, f.severity.value, f.cell, f.expected, f.found) for f in found] == [
        ("funds.total_blank", "warning", cells[col], expected[col], None) for col in blank], found
    assert result.scores[0].funds.score == 9.83  # scored from the parts
