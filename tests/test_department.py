"""部门整体支出绩效自评表, scored (issue 12 part 1): every published layout built as a real .xlsx.

National style (breakdowns stacked, side by side or unnamed; 年度主要任务 above or below the
funds), the Chongqing weight-only forms (指标权重 + 计量单位; 执行率权重 / 执行率得分 + 得分系数), and
rubric sheets whose 评分标准 follow the §5.3 patterns or are left to a person. The builders are
tests/dept_builders.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest
from builders import seed_spec, unit_sheet_from_specs
from dept_builders import (
    DeptLayout,
    DeptMap,
    chongqing_spec,
    make_department_workbook,
    national_spec,
    rubric_spec,
)
from loaded import load_workbook

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.judge.rubric import figure_for, parse_rubric
from perf_xlsx.model import Finding, ProjectScore, TableKind, WorkbookResult
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")


def _run(tmp_path: Path, spec: dict[str, Any], style: str = "national", layout: Optional[DeptLayout] = None,
         projects: Optional[list[dict[str, Any]]] = None) -> tuple[WorkbookResult, ProjectScore, DeptMap]:
    path, m = make_department_workbook(tmp_path / f"{style}.xlsx", spec, style, layout, projects)
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.error
    ps = next(ps for ps in result.scores if ps.project.kind is TableKind.DEPARTMENT)
    return result, ps, m


def _problems(result: WorkbookResult) -> list[tuple[str, Optional[str]]]:
    return sorted((f.code, f.cell) for f in result.findings if f.severity.value != "info")


def _one(result: WorkbookResult, code: str) -> Finding:
    (found,) = [f for f in result.findings if f.code == code]
    return found


# --- national style --------------------------------------------------------------------------------

LAYOUTS = {
    "stacked": DeptLayout(),
    "side_by_side": DeptLayout(breakdowns="side_by_side", tasks="below"),
    "unnamed": DeptLayout(breakdowns="unnamed"),
    "merged": DeptLayout(breakdowns="merged", tasks="below"),
    "offset": DeptLayout(start_col=2, tasks="below"),
    "headers": DeptLayout(full_year_header="全年（调整）预算数", funds_score="自评得分", funds_label="资金情况（万元）"),
}


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_clean_national_table_is_scored_and_graded(tmp_path: Path, name: str) -> None:
    result, ps, m = _run(tmp_path, national_spec(), layout=LAYOUTS[name])
    assert _problems(result) == [], result.findings
    p = ps.project
    assert (p.name, p.name_cell) == ("某县农业农村局", m.name_cell)
    # 10 + 90: the funds row is scored as a project's (1296 / 1350 = 96% → 9.6), the rows by
    # target and actual; the total is graded.
    assert (ps.funds.weight, ps.funds.rate, ps.funds.score) == (10, 0.96, 9.6)
    assert [r.score for r in ps.indicators] == [20, 15, 15, 10, 10, 10, 10]
    assert (ps.total_weight, ps.raw, ps.score, ps.grade, ps.ungraded) == (100, 99.6, 99.6, "优", "")
    assert [t.name for t in p.tasks] == ["高标准农田建设", "农产品质量安全监管", "农技推广服务", "合计"]
    groups = {r.label: r.group for r in p.funds}
    assert groups["其中：一般公共预算"] == ("" if name == "unnamed" else "income")
    assert groups["项目支出"] == groups["其中：基本支出"] == "expenditure"


@pytest.mark.parametrize("label", ["年度总金额", "部门预算执行情况", "整体支出规模", "年度资金总额："])
def test_the_total_row_goes_by_several_names(tmp_path: Path, label: str) -> None:
    spec = national_spec()
    spec["funds"]["total"]["label"] = label
    result, ps, _ = _run(tmp_path, spec)
    assert _problems(result) == [] and ps.project.funds[0].kind == "total"
    assert (ps.funds.budget, ps.funds.score) == (1350, 9.6)


def test_department_json_carries_kind_tasks_breakdowns_and_rubric(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, national_spec(), layout=LAYOUTS["side_by_side"])
    (project,) = result_to_dict(result)["projects"]
    assert project["kind"] == "department"
    funds = project["funds"]
    by_key = {b["key"]: b for b in funds["breakdowns"]}
    assert set(by_key) == {"income", "expenditure"}
    assert by_key["expenditure"]["cell"] == m.breakdown_cells["expenditure"]
    assert [funds["rows"][i]["label"] for i in by_key["expenditure"]["rows"]] == ["其中：基本支出", "项目支出"]
    assert (by_key["income"]["full_year"], by_key["expenditure"]["executed"]) == (1350, 1296)
    assert [(t["kind"], t["name"], t["budget"]) for t in project["tasks"]][-1] == ("total", "合计", 490)
    assert project["tasks"][0]["cells"]["budget"] == m.tasks[0]["budget"]
    assert {i["rubric"] for i in project["indicators"]} == {None}
    assert (project["total"]["grade"], project["ungraded"]) == ("优", None)


def test_project_json_has_its_parts_as_one_breakdown(tmp_path: Path) -> None:
    import builders

    path, _, _ = builders.make_workbook(tmp_path / "p.xlsx", [seed_spec("招商节会")])
    (project,) = result_to_dict(evaluate_file(str(path), NATIONAL))["projects"]
    assert project["kind"] == "project" and project["tasks"] == []
    (parts,) = project["funds"]["breakdowns"]
    assert (parts["key"], parts["full_year"], len(parts["rows"])) == ("parts", 200, 3)


@pytest.mark.parametrize("name", ["stacked", "side_by_side", "merged"])
def test_a_breakdown_that_does_not_add_up_is_named_at_its_cells(tmp_path: Path, name: str) -> None:
    spec = national_spec()
    spec["funds"]["expenditure"][1]["full_year"] = 510  # 项目支出: 860 + 510 = 1370, not 1350
    result, ps, m = _run(tmp_path, spec, layout=LAYOUTS[name])
    found = _one(result, "funds.breakdown_mismatch")
    first, last = m.funds["其中：基本支出"]["full_year"], m.funds["项目支出"]["full_year"]
    assert found.cell == f"{first}:{last}"
    assert "按支出性质分" in found.message and (found.expected, found.found) == (1350, 1370)
    assert "funds.total_mismatch" not in {f.code for f in result.findings}
    # The income breakdown agrees with the total: the total, and the rate, stand.
    assert (ps.funds.budget, ps.funds.score) == (1350, 9.6)


def test_a_total_both_breakdowns_contradict_is_the_total_mismatch(tmp_path: Path) -> None:
    spec = national_spec()
    spec["funds"]["total"]["executed"] = 1269  # digits swapped: both breakdowns say 1296
    result, ps, m = _run(tmp_path, spec)
    found = _one(result, "funds.total_mismatch")
    assert found.cell == m.funds["年度资金总额"]["executed"]
    assert "按收入性质分合计 1296 = 按支出性质分合计 1296" in found.message
    assert "funds.breakdown_mismatch" not in {f.code for f in result.findings}
    assert ps.funds.executed == 1296  # the parts win, as on a project table


def test_unread_side_breakdown_is_reported_not_dropped(tmp_path: Path) -> None:
    spec = national_spec()
    layout = DeptLayout(breakdowns="side_by_side", side_money_headers=False, funds_weight=None, funds_score=None)
    result, ps, m = _run(tmp_path, spec, layout=layout)
    found = _one(result, "read.breakdown_unread")
    assert found.cell == m.breakdown_cells["expenditure"] and "按支出性质分" in found.message
    assert {r.group for r in ps.project.funds if r.kind != "total"} == {"income"}


def test_task_total_and_tasks_against_the_funds(tmp_path: Path) -> None:
    spec = national_spec()
    spec["task_total"] = {"budget": 500, "executed": 470}  # 300 + 110 + 80 = 490
    result, ps, m = _run(tmp_path, spec)
    found = _one(result, "funds.task_total_mismatch")
    assert (found.cell, found.expected, found.found) == (m.tasks[-1]["budget"], 490, 500)
    # The tasks add up to the 项目支出 (490 / 470): no warning against the funds.
    assert "funds.tasks_differ" not in {f.code for f in result.findings}

    spec = national_spec()
    spec["tasks"][2]["executed"] = 60  # 288 + 104 + 60 = 452 (合计 too): neither 1296 nor the 470 of 项目支出
    result, ps, m = _run(tmp_path / "b", spec, layout=LAYOUTS["side_by_side"])
    assert "funds.task_total_mismatch" not in {f.code for f in result.findings}
    found = _one(result, "funds.tasks_differ")
    assert found.severity.value == "warning" and "也不等于其中项目支出 470" in found.message
    assert found.cell == m.tasks[-1]["executed"]


def test_tasks_equal_to_the_whole_budget_are_fine(tmp_path: Path) -> None:
    spec = national_spec()
    spec["tasks"] = [{"name": "机关运转", "content": "人员与公用经费", "budget": 860, "executed": 826},
                     {"name": "重点项目", "content": "三项重点工作", "budget": 490, "executed": 470}]
    result, _, _ = _run(tmp_path, spec)
    assert _problems(result) == []


def test_department_rows_are_scored_like_a_project_s(tmp_path: Path) -> None:
    spec = national_spec()
    row = spec["indicators"][1]
    row.update(actual="93.1%", score=15)  # 93.1 / 98 × 15 = 14.25; no reason given
    spec["funds"]["total"]["score"] = 10  # 96% is 9.6 of 10
    spec["total_score"] = 100
    result, ps, m = _run(tmp_path, spec)
    problems = _problems(result)
    assert ("indicator.score_mismatch", m.indicators[1]["score"]) in problems
    assert ("indicator.missing_explanation", m.indicators[1]["reason"]) in problems
    assert ("funds.score_mismatch", m.funds["年度资金总额"]["score"]) in problems
    assert ps.indicators[1].score == 14.25 and ps.score == round(9.6 + 90 - 0.75, 2) and ps.grade == "优"


def test_department_groups_take_no_profile_cap_but_project_groups_do(tmp_path: Path) -> None:
    # 履职效能 / 管理效率 / 社会效应 with 重点工作任务完成 / 预算执行 / 绩效管理: accepted as they are.
    result, _, _ = _run(tmp_path, national_spec())
    assert not [f for f in result.findings if f.code.startswith("weights.") or f.code.startswith("goal.no_")]
    # The same table on 产出 / 效益 / 满意度 is held to the profile's 50 / 30 / 10, and a 二级
    # outside both vocabularies is still reported.
    spec = national_spec()
    for ind in spec["indicators"]:
        ind["level1"] = {"履职效能": "产出指标", "管理效率": "产出指标", "社会效应": "效益指标"}.get(
            ind["level1"].split("（")[0], ind["level1"])
    spec["indicators"][0]["level2"] = "重点攻坚"
    result, _, m = _run(tmp_path / "b", spec)
    codes = {(f.code, f.cell) for f in result.findings}
    assert ("weights.profile_mismatch", m.level1_cells["产出指标"]) in codes  # 70 against 50
    assert ("weights.level2_unknown", m.indicators[0]["level2"]) in codes
    assert not [c for c, _ in codes if c == "weights.level2_unknown" and _ != m.indicators[0]["level2"]]


def test_department_table_is_not_required_in_the_project_list(tmp_path: Path) -> None:
    import builders

    spec = seed_spec("招商节会")
    path, _ = make_department_workbook(tmp_path / "wb.xlsx", national_spec(), "national", projects=[spec])
    wb = load_workbook(path)
    builders._add_unit_sheet(wb, unit_sheet_from_specs([spec]), builders.Layout())
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    assert [ps.project.kind for ps in result.scores] == [TableKind.DEPARTMENT, TableKind.PROJECT]
    assert not [f for f in result.findings if f.code.startswith("unit.")], result.findings


# --- Chongqing style ---------------------------------------------------------------------------------


def test_weight_only_layout_is_scored_by_the_tool(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, chongqing_spec(), "chongqing")
    # No 得分 column: no missing-score finding, the tool's score is weight × completion.
    assert not [f for f in result.findings if f.code in ("indicator.score_blank", "indicator.score_mismatch")]
    assert [r.score for r in ps.indicators] == [30, 22.5, 30, 10]
    assert [r.score_entered for r in ps.indicators] == [None] * 4
    # 计量单位 in its own column gives the unit: 6 against ≥8 (%) is 6%, not 6 of something.
    assert ps.indicators[1].actual.unit == "%"
    # The funds block has no 分值: its rate is computed (2310 / 2400, 年初预算资金总额) but not scored.
    assert (ps.funds.rate, ps.funds.weight, ps.funds.score) == (0.9625, None, None)
    assert (ps.total_weight, ps.score, ps.grade) == (100, 92.5, "优")
    assert not [f for f in result.findings if f.code.startswith(("weights.sum", "funds.weight"))]


def test_weight_only_layout_still_asks_for_explanations(tmp_path: Path) -> None:
    spec = chongqing_spec()
    spec["indicators"][1]["reason"] = None
    result, _, m = _run(tmp_path, spec, "chongqing")
    assert ("indicator.missing_explanation", m.indicators[1]["reason"]) in _problems(result)


def test_rate_weight_and_score_coefficient_columns(tmp_path: Path) -> None:
    spec = chongqing_spec()
    spec["funds"]["total"].update(rate="96.25%", weight=10, score=9.63)
    for ind, coefficient in zip(spec["indicators"], (1, 0.75, 1, "90%")):
        ind["coefficient"] = coefficient
    spec["indicators"][0]["weight"] = 20  # 20 + 30 + 30 + 10 + the funds' 10 = 100
    layout = DeptLayout(funds_weight="执行率权重", funds_score="执行率得分", tasks=None, coefficient=True)
    result, ps, m = _run(tmp_path, spec, "chongqing", layout)
    assert (ps.funds.weight, ps.funds.score, ps.funds.score_entered) == (10, 9.63, 9.63)
    # 得分系数 × 权重 is what the unit entered: 0.75 × 30 = 22.5 is right, 90% of 10 = 9 is not (10).
    assert [r.score_entered for r in ps.indicators] == [20, 22.5, 30, 9]
    found = _one(result, "indicator.score_mismatch")
    assert found.cell == m.indicators[3]["coefficient"] and (found.expected, found.found) == (10, 9)
    assert (ps.total_weight, ps.score) == (100, 92.13)


def test_unreadable_coefficient_is_named(tmp_path: Path) -> None:
    spec = chongqing_spec()
    for ind in spec["indicators"]:
        ind["coefficient"] = 1
    spec["indicators"][2]["coefficient"] = "满分"
    layout = DeptLayout(funds_weight=None, funds_score=None, tasks=None, coefficient=True)
    result, _, m = _run(tmp_path, spec, "chongqing", layout)
    assert ("indicator.unparsed", m.indicators[2]["coefficient"]) in _problems(result)


# --- rubric sheets ---------------------------------------------------------------------------------


def test_rubric_rows_are_evaluated_where_the_rule_and_figure_allow(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, rubric_spec(), "rubric")
    got = [(r.indicator.name, r.rubric, r.score) for r in ps.indicators]
    assert got == [("重点支出安排率", "steps", 4), ("预算调整率", "steps", 4), ("预算执行率", "proportional", 4.75),
                   ("“三公经费”控制率", "deduction", 5), ("资产管理规范性", "manual", None),
                   ("资金使用合规性", "manual", None), ("重点工作完成率", "steps", 30), ("社会公众满意度", "deduction", 18)]
    # The 预算执行率 row has no figure of its own: the funds block's 779 / 820 = 95% is used.
    assert "执行率取资金表 95%" in ps.indicators[2].how
    # Two rows are left to a person: counted and listed once, and the table is not graded.
    found = _one(result, "indicator.rubric_manual")
    assert found.severity.value == "warning" and found.found == 2
    assert "「资产管理规范性」、「资金使用合规性」" in found.message and found.cell == m.indicators[4]["score"]
    assert (ps.score, ps.grade) == (None, "") and "2 行" in ps.ungraded
    assert "2 行评分标准须人工复核" in result_to_dict(result)["projects"][0]["ungraded"]
    assert _problems(result) == [("indicator.rubric_manual", m.indicators[4]["score"])]
    rubrics = [i["rubric"] for i in result_to_dict(result)["projects"][0]["indicators"]]
    assert rubrics == ["steps", "steps", "proportional", "deduction", "manual", "manual", "steps", "deduction"]


def test_a_fully_evaluated_rubric_table_is_graded(tmp_path: Path) -> None:
    spec = rubric_spec()
    spec["indicators"] = [i for i in spec["indicators"] if i["name"] not in ("资产管理规范性", "资金使用合规性")]
    spec["indicators"][3]["weight"] = spec["indicators"][3]["score"] = 35  # 过程 is one row of 35 now
    spec["indicators"][3]["rule"] = "≤100%计35分，每超过一个百分点扣1分，扣完为止"
    result, ps, m = _run(tmp_path, spec, "rubric")
    assert _problems(result) == []
    assert (ps.total_weight, ps.raw, ps.score, ps.grade) == (100, 95.75, 95.75, "优")


def test_rubric_score_against_the_rule(tmp_path: Path) -> None:
    spec = rubric_spec()
    spec["indicators"][0]["score"] = 5  # 86% is the 4-point band
    spec["indicators"][3].update(actual="103.5%", score=5)  # 3.5 points over: 5 − 3.5 = 1.5
    spec["total_score"] = 95.75 + 1
    result, ps, m = _run(tmp_path, spec, "rubric")
    problems = _problems(result)
    assert ("indicator.score_mismatch", m.indicators[0]["score"]) in problems
    assert ("indicator.score_mismatch", m.indicators[3]["score"]) in problems
    found = [f for f in result.findings if f.code == "indicator.score_mismatch" and f.cell == m.indicators[3]["score"]]
    assert "超过 100% 3.5 个百分点" in found[0].message and found[0].expected == 1.5
    # A deduction with no reason written is asked for; the rows a person judges keep their checks.
    assert ("indicator.missing_explanation", m.indicators[3]["reason"]) in problems


def test_manual_rows_keep_the_arithmetic(tmp_path: Path) -> None:
    spec = rubric_spec()
    spec["indicators"][5]["score"] = 22  # 22 of 20, on a row the tool cannot judge
    result, ps, m = _run(tmp_path, spec, "rubric")
    assert ("indicator.score_out_of_range", m.indicators[5]["score"]) in _problems(result)
    assert ("total.mismatch", m.total_score_cell) in _problems(result)  # 合计 95.75, rows 97.75


def test_rubric_without_figures_is_all_manual(tmp_path: Path) -> None:
    spec = rubric_spec()
    for ind in spec["indicators"]:
        ind["actual"] = None
    result, ps, m = _run(tmp_path, spec, "rubric", DeptLayout(funds_weight=None, funds_score=None, tasks=None,
                                                               actual_column=False))
    # Only the 预算执行率 row finds its figure (in the funds block).
    assert [r.rubric for r in ps.indicators].count("manual") == 7
    assert _one(result, "indicator.rubric_manual").found == 7


# --- the §5.3 patterns ------------------------------------------------------------------------------

STEPS = "≥90%计5分；80%（含）-90%计4分；70%-80%计3分；60%-70%计2分；低于60%不得分"


@pytest.mark.parametrize("rule, figure, points", [
    (STEPS, 95, 5), (STEPS, 90, 5), (STEPS, 85.5, 4), (STEPS, 80, 4), (STEPS, 79.99, 3), (STEPS, 70, 3),
    (STEPS, 60, 2), (STEPS, 59.9, 0),
    # less is better: the upper end of a band is in it
    ("=0计3分；(0,10%]计2分；(10%,20%]计1分；(20%,30%]计0.5分；大于30%不得分", 0, 3),
    ("=0计3分；(0,10%]计2分；(10%,20%]计1分；(20%,30%]计0.5分；大于30%不得分", 10, 2),
    ("=0计3分；0-10%计2分；10%-20%计1分；20%-30%计0.5分；大于30%不得分", 20, 1),
    ("=0计3分；0-10%计2分；10%-20%计1分；20%-30%计0.5分；大于30%不得分", 30.5, 0),
    ("≥90% 得5分，80%–90% 得4分", 80, 4),
    ("资金到位率100%得5分，否则不得分", 99.5, 0),
    ("“三公经费”控制率≤100%计6分，每超过一个百分点扣1分，扣完为止", 101.5, 4.5),
    ("“三公经费”控制率≤100%计6分，每超过一个百分点扣1分，扣完为止", 112, 0),
    ("以100%为标准，每超1个百分点扣0.1分", 103, 9.7),
    ("满意度≥90%计10分，每低1个百分点扣0.5分，最多扣3分", 80, 7),
    ("执行率×10", 92.5, 9.25),
    ("按预算执行率×分值计分", 110, 10),
])
def test_rubric_patterns(rule: str, figure: float, points: float) -> None:
    rubric = parse_rubric(rule)
    assert rubric is not None, rule
    score, how = rubric.score(figure, 10)
    assert score == points, how


@pytest.mark.parametrize("rule", [
    "完成计30分", "全部完成得满分，部分完成酌情扣分", "资产管理制度健全、账实相符计10分，发现一处问题扣2分",
    "≥95%得10分；每低1个百分点扣1分；低于80%不得分",  # a deduction with a floor band: not one shape
    "执行率×20，低于60%不得分", "", "根据完成情况评分",
])
def test_rules_outside_the_patterns_are_left_to_a_person(rule: str) -> None:
    assert parse_rubric(rule) is None


def test_a_figure_the_rule_leaves_open_is_not_guessed() -> None:
    # A band's open end: 95 is the top of 90%–95% or the bottom of ≥95%, and the text says neither.
    rubric = parse_rubric("90%-95%计3分；≥95%计5分")
    assert rubric is not None
    assert rubric.score(95, 5)[0] is None and rubric.score(93, 5)[0] == 3
    # The first clause that holds decides where its own bound is stated (≥90% before 80%–90%).
    rubric = parse_rubric("≥90%计5分；80%-90%计4分")
    assert rubric is not None and rubric.score(90, 5)[0] == 5
    # Overlapping bands: 87 is in [80, 90) and in [85, 95).
    rubric = parse_rubric("70%-85%计3分；80%-90%计4分；85%-95%计5分")
    assert rubric is not None
    assert rubric.score(87, 5)[0] is None and rubric.score(90, 5)[0] == 5
    # Equal points on both sides of a bound: nothing to decide.
    rubric = parse_rubric("≥95%计5分；90%-95%计3分；80%-90%计3分；低于80%不得分")
    assert rubric is not None and rubric.score(90, 5)[0] == 3


def test_figures_are_read_in_the_rule_s_terms() -> None:
    rubric = parse_rubric(STEPS)
    assert rubric is not None
    assert figure_for(rubric, 0.86, False) == 86  # a bare fraction beside a rule in %
    assert figure_for(rubric, 86, False) == 86
    assert figure_for(rubric, 1, False) is None  # 1% or 100%: not guessed


# --- the outputs: scored copy, 汇总.xlsx ------------------------------------------------------------


def _tool_column(ws: Any) -> tuple[int, list[int]]:
    """(the 核定得分 column, the rows of its headers)."""
    heads = [(c.column, c.row) for row in ws.iter_rows() for c in row if c.value == "核定得分"]
    assert heads, "no 核定得分 column"
    assert len({col for col, _ in heads}) == 1
    return heads[0][0], [r for _, r in heads]


def test_scored_copy_of_a_department_table_shows_the_tool_s_scores(tmp_path: Path, soffice: str) -> None:
    import openpyxl
    from builders import soffice_convert
    from ooxml_schema import format_problems, validate_package

    from perf_xlsx.write.scored import write_scored

    national, ps, m = _run(tmp_path, national_spec(), "national")
    rubric, rps, rm = _run(tmp_path, rubric_spec(), "rubric")
    outputs = []
    for result, score, dmap, name in ((national, ps, m, "national"), (rubric, rps, rm, "rubric")):
        out = tmp_path / f"{name}.scored.xlsx"
        write_scored(str(tmp_path / f"{name}.xlsx"), result, str(out), NATIONAL)
        assert validate_package(out) == [], format_problems(validate_package(out))
        outputs.append(out)
        ws = load_workbook(out)[dmap.title]
        col, _ = _tool_column(ws)
        for r, row in zip(score.indicators, dmap.indicator_rows):
            shown = ws.cell(row, col).value
            if r.issue == "manual":
                assert shown == "人工复核", (r.indicator.name, shown)
            else:
                assert shown == r.counted, (r.indicator.name, shown, r.counted)
    # National: every row scored by the tool, the funds score and the graded total beside the table.
    assert ps.grade and all(r.issue != "manual" for r in ps.indicators)
    ws = load_workbook(outputs[0])[m.title]
    col, _ = _tool_column(ws)
    values = [c.value for c in ws[openpyxl.utils.get_column_letter(col)] if isinstance(c.value, (int, float))]
    assert ps.score in values and ps.funds.score in values
    # Rubric: the two rows left to a person say so, and the ungraded table shows no 核定 total.
    rws = load_workbook(outputs[1])[rm.title]
    rcol, _ = _tool_column(rws)
    assert [rws.cell(row, rcol).value for row in rm.indicator_rows].count("人工复核") == 2
    assert rps.score is None and rps.raw is None
    summary = load_workbook(outputs[1])["汇总"]
    texts = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
    assert "未定级" in texts and any("2 行评分标准须人工复核" in t for t in texts)
    assert summary["A1"].value == "部门整体支出绩效自评 评分汇总"
    # 评分明细: the tool's score on the rows it judged, none on the rows left to a person.
    detail = load_workbook(outputs[1])["评分明细"]
    head = [c.value for c in detail[1]]
    name_at, counted_at = head.index("三级指标"), head.index("核定得分")
    shown = {r[name_at]: r[counted_at] for r in detail.iter_rows(min_row=2, values_only=True) if r[name_at]}
    assert {r.indicator.name: shown[r.indicator.name] for r in rps.indicators} == {
        r.indicator.name: (None if r.issue == "manual" else r.counted) for r in rps.indicators}
    # LibreOffice opens both copies.
    converted = soffice_convert(soffice, outputs, tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    for out in outputs:
        assert converted[out].exists()
        assert m.title in load_workbook(converted[out]).sheetnames or \
            rm.title in load_workbook(converted[out]).sheetnames


def test_batch_summary_ranks_departments_apart_from_projects(tmp_path: Path) -> None:
    from builders import make_workbook

    import perf_xlsx

    inbox = tmp_path / "inbox"
    make_workbook(inbox / "项目.xlsx", [seed_spec("招商节会")])
    make_department_workbook(inbox / "部门.xlsx", national_spec(), "national")
    report = perf_xlsx.batch(inbox, tmp_path / "out", jobs=1)
    assert report.count("scored") == 2
    ws = load_workbook(tmp_path / "out" / "汇总.xlsx")["排名"]
    head = [c.value for c in ws[3]]
    assert head[:5] == ["名次", "年度", "单位", "项目", "类型"] and head[16:18] == ["文件", "评分\n结果"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[16]]
    kinds = [r[4] for r in rows]
    assert kinds == sorted(kinds, key=["项目", "部门整体"].index) and set(kinds) == {"项目", "部门整体"}
    # 名次 count within each kind: each kind's first scored table is 1.
    for kind in ("项目", "部门整体"):
        ranks = [r[0] for r in rows if r[4] == kind and isinstance(r[0], int)]
        assert ranks == list(range(1, len(ranks) + 1)), (kind, ranks)
    dept = next(r for r in rows if r[4] == "部门整体")
    assert dept[0] == 1 and dept[10] is not None and dept[13] in ("优", "良", "中", "差")
    assert ws.auto_filter.ref == f"A3:S{3 + len(rows)}"
