"""The reader on real .xlsx files: the six published tables in every layout variant."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from builders import (
    LAYOUT_VARIANTS,
    Layout,
    SheetMap,
    make_workbook,
    seed_spec,
    spec_from_case,
    unit_sheet_from_specs,
)
from loaded import load_workbook

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import TableKind, WorkbookResult
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")
CASES = sorted((Path(__file__).parent / "data" / "real-cases").glob("*.json"))


def _evaluate(tmp_path: Path, specs: list[dict[str, Any]], layout: Layout | None = None,
              unit_sheet: dict[str, Any] | None = None, name: str = "wb.xlsx"
              ) -> tuple[WorkbookResult, list[SheetMap], Any]:
    path, maps, unit_map = make_workbook(tmp_path / name, specs, unit_sheet=unit_sheet, layout=layout)
    return evaluate_file(str(path), NATIONAL), maps, unit_map


def _filled(spec: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("name", "target", "actual", "weight", "score")
    return [i for i in spec["indicators"] if any(i.get(k) is not None for k in keys)]


def _scores(result: WorkbookResult) -> list[Any]:
    out = []
    for ps in result.scores:
        out.append((ps.funds.budget, ps.funds.executed, ps.funds.score, ps.raw, ps.score, ps.grade,
                    [(r.target.value, r.actual.value, r.weight, r.score_entered, r.score) for r in ps.indicators]))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.stem[:3] for c in CASES])
@pytest.mark.parametrize("variant", sorted(LAYOUT_VARIANTS))
def test_every_indicator_is_read_in_every_layout(tmp_path: Path, case: Path, variant: str) -> None:
    spec = spec_from_case(case)
    result, maps, _ = _evaluate(tmp_path, [spec], LAYOUT_VARIANTS[variant])
    assert result.status == "scored", result.error
    (ps,) = result.scores
    filled = _filled(spec)
    assert len(ps.indicators) == len(filled)
    m = maps[0]
    spec_index = [i for i, ind in enumerate(spec["indicators"]) if ind in filled]
    for row, i in zip(ps.indicators, spec_index):
        ind = spec["indicators"][i]
        cells = m.indicator_cells[i]
        assert row.indicator.row == m.indicator_rows[i]
        assert row.indicator.actual.ref == cells["actual"]
        assert row.weight == (None if ind["weight"] is None else float(ind["weight"]))
        assert row.score_entered == (None if ind["score"] is None else float(ind["score"]))
        if not LAYOUT_VARIANTS[variant].split_target and not LAYOUT_VARIANTS[variant].percent_cells:
            assert row.target.raw == (ind["target"] or "")
    assert ps.project.name == spec["project_name"]
    assert ps.project.year == spec["year"]


@pytest.mark.parametrize("case", CASES, ids=[c.stem[:3] for c in CASES])
def test_shifted_tables_score_the_same(tmp_path: Path, case: Path) -> None:
    spec = spec_from_case(case)
    plain, _, _ = _evaluate(tmp_path, [spec], Layout(), name="plain.xlsx")
    for variant in ("offset", "extra_rows", "colons", "linebreaks", "suffixes", "traditional", "formulas"):
        other, _, _ = _evaluate(tmp_path, [spec], LAYOUT_VARIANTS[variant], name=f"{variant}.xlsx")
        assert _scores(other) == _scores(plain), variant


def _codes(result: WorkbookResult) -> set[tuple[str, str]]:
    return {(f.code, f.cell or "") for f in result.findings}


# What each published table gets wrong (its "observations"), as (code, where) pairs; where is a
# SheetMap lookup so the test holds in every layout.
def _expected(case: str, m: SheetMap) -> set[tuple[str, str]]:
    total = m.funds["total"]
    ind = m.indicator_cells
    if case.startswith("001"):
        return {("funds.total_mismatch", total["initial"]), ("funds.total_mismatch", total["full_year"]),
                ("funds.total_mismatch", total["executed"]), ("funds.rate_mismatch", total["rate"]),
                ("funds.score_mismatch", total["score"])}
    if case.startswith("004"):
        return {("funds.score_mismatch", total["score"]), ("indicator.score_mismatch", ind[0]["score"]),
                ("indicator.score_mismatch", ind[4]["score"]), ("indicator.score_mismatch", ind[5]["score"]),
                ("total.mismatch", m.total_score_cell)}
    if case.startswith("007"):
        return {("weights.sum_mismatch", m.total_weight_cell), ("total.mismatch", m.total_score_cell),
                ("goal.actual_copied", ind[0]["actual"]), ("goal.actual_copied", ind[3]["actual"])}
    if case.startswith("011"):
        return {("indicator.score_mismatch", ind[2]["score"]), ("indicator.score_mismatch", ind[5]["score"])}
    if case.startswith("016"):
        return {("funds.output_exceeds_spending", total["rate"])}
    if case.startswith("030"):
        return {("weights.missing", m.name_cell)}
    raise AssertionError(case)


NOT_EXPECTED = {
    "004": {"funds.rate_mismatch", "weights.sum_mismatch"},   # '99%' is 99.1% rounded; weights add up
    "011": {"total.mismatch", "weights.sum_mismatch", "funds.score_mismatch"},  # consistent arithmetic
    "016": {"funds.rate_mismatch", "funds.score_mismatch"},   # '20' is 20%, 4 = 20 × 20%
}


@pytest.mark.parametrize("case", CASES, ids=[c.stem[:3] for c in CASES])
@pytest.mark.parametrize("variant", ["plain", "offset", "everything", "bare"])
def test_published_errors_are_found_with_code_and_cell(tmp_path: Path, case: Path, variant: str) -> None:
    spec = spec_from_case(case)
    # Formulas would replace the published (wrong) totals with correct ones: keep what was printed.
    layout = replace(LAYOUT_VARIANTS[variant], formulas=False)
    result, maps, _ = _evaluate(tmp_path, [spec], layout)
    found = _codes(result)
    missing = _expected(case.stem, maps[0]) - found
    assert not missing, f"missing {missing}; found {sorted(found)}"
    for code in NOT_EXPECTED.get(case.stem[:3], set()):
        assert code not in {c for c, _ in found}, code


def test_money_in_yuan_is_converted(tmp_path: Path) -> None:
    spec = spec_from_case(next(c for c in CASES if c.stem.startswith("011")))
    result, _, _ = _evaluate(tmp_path, [spec])
    assert result.scores[0].project.money_unit == "元"
    assert result.scores[0].funds.budget == pytest.approx(38.766462)


def test_seed_two_projects_with_unit_sheet(tmp_path: Path) -> None:
    specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    result, _, _ = _evaluate(tmp_path, specs, unit_sheet=unit_sheet_from_specs(specs))
    assert [ps.funds.initial for ps in result.scores] == [200, 250]
    assert result.model is not None and result.model.unit is not None
    assert result.model.unit.total is not None
    assert not [f for f in result.findings if f.code.startswith("unit.") or f.severity.value == "error"]


def test_unit_total_460_is_reported_on_the_total_cell(tmp_path: Path) -> None:
    specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    unit = unit_sheet_from_specs(specs)
    unit["total"] = {"initial": 460, "full_year": 450, "executed": 446.5}
    result, _, unit_map = _evaluate(tmp_path, specs, unit_sheet=unit)
    found = [f for f in result.findings if f.code == "unit.total_mismatch"]
    assert [(f.sheet, f.cell, f.expected, f.found) for f in found] == [
        (unit_map.title, unit_map.total_cells["initial"], 450.0, 460.0)]
    assert "200 + 250 = 450" in found[0].message


# --- the unit list (项目清单) against the project sheets --------------------------------------


def _unit_findings(result: WorkbookResult) -> list[tuple[str, str | None, str]]:
    return [(f.code, f.cell, f.message) for f in result.findings
            if f.code.startswith("unit.") or f.severity.value == "error"]


def _in_yuan(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` written in 元: its money unit and its funds amounts ×10000."""
    spec = {**spec, "money_unit": "元"}
    spec["funds"] = {kind: {k: (v * 10000 if k in ("initial", "full_year", "executed")
                                and isinstance(v, (int, float)) else v) for k, v in row.items()}
                     for kind, row in spec["funds"].items()}
    return spec


def _unit_rows_in_yuan(unit: dict[str, Any]) -> dict[str, Any]:
    rows = [{k: (v * 10000 if isinstance(v, (int, float)) else v) for k, v in row.items()}
            for row in unit["rows"]]
    return {**unit, "rows": rows}


def test_unit_list_in_yuan_is_read_in_yuan_beside_projects_in_wan(tmp_path: Path) -> None:
    # The layout's 元 goes to the list's "单位：元" line; each project sheet says 万元 itself.
    specs = [{**seed_spec("招商节会"), "money_unit": "万元"}, {**seed_spec("农贸市场提质改造"), "money_unit": "万元"}]
    unit = _unit_rows_in_yuan(unit_sheet_from_specs(specs))
    result, _, _ = _evaluate(tmp_path, specs, layout=Layout(money_unit="元"), unit_sheet=unit)
    assert [ps.project.money_unit for ps in result.scores] == ["万元", "万元"]
    assert _unit_findings(result) == []
    assert result.model is not None and result.model.unit is not None
    assert result.model.unit.money_unit == "元"


def test_unit_list_in_wan_beside_a_first_project_sheet_in_yuan(tmp_path: Path) -> None:
    specs = [_in_yuan(seed_spec("招商节会")), seed_spec("农贸市场提质改造")]
    unit = unit_sheet_from_specs([seed_spec("招商节会"), seed_spec("农贸市场提质改造")])
    result, _, _ = _evaluate(tmp_path, specs, unit_sheet=unit)
    assert [ps.project.money_unit for ps in result.scores] == ["元", "万元"]
    assert [ps.funds.budget for ps in result.scores] == [200, 250]
    assert _unit_findings(result) == []


def test_unit_list_money_unit_in_its_column_headers(tmp_path: Path) -> None:
    specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
    unit = _unit_rows_in_yuan(unit_sheet_from_specs(specs))
    unit["total"] = {"initial": 4500000, "full_year": 4500000, "executed": 4465000}
    path, _, unit_map = make_workbook(tmp_path / "wb.xlsx", specs, unit_sheet=unit,
                                      layout=Layout(unit_line=False))
    assert unit_map is not None
    wb = load_workbook(path)
    ws = wb[unit_map.title]
    for col in "CDE":
        ws[f"{col}{unit_map.header_row}"] = f"{ws[f'{col}{unit_map.header_row}'].value}（元）"
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    assert _unit_findings(result) == []
    assert result.model is not None and result.model.unit is not None
    assert result.model.unit.unit_of("full_year") == "元"
    # A wrong total is still caught, and told in 万元.
    ws[unit_map.total_cells["initial"]] = 4600000
    wb.save(path)
    found = [(f.code, f.expected, f.found) for f in evaluate_file(str(path), NATIONAL).findings
             if f.code.startswith("unit.")]
    assert found == [("unit.total_mismatch", 450.0, 460.0)]


def _road(name: str, amount: float) -> dict[str, Any]:
    spec = seed_spec("招商节会")
    spec["project_name"] = name
    spec["funds"] = {kind: {**row, **({k: amount for k in ("initial", "full_year", "executed")}
                                      if kind in ("total", "current_appropriation") else {}),
                            "rate": None, "score": None}
                     for kind, row in spec["funds"].items()}
    # Scores left to the tool: the published ones belong to the seed's own amounts.
    spec["indicators"] = [{**ind, "score": None} for ind in spec["indicators"]]
    spec["total_score_published"] = None
    return spec


def test_unit_list_name_matches_its_own_sheet_not_a_longer_one(tmp_path: Path) -> None:
    # 「农村道路建设」 is contained in 「农村道路建设（二期）」, which comes first in the workbook.
    specs = [_road("农村道路建设（二期）", 300), _road("农村道路建设", 100)]
    unit = unit_sheet_from_specs([specs[1], specs[0]])
    result, _, _ = _evaluate(tmp_path, specs, unit_sheet=unit)
    assert _unit_findings(result) == []


def test_unit_list_names_written_differently_from_the_sheets(tmp_path: Path) -> None:
    specs = [_road("农村道路建设(二期)", 300), _road("农村道路建设", 100), _road("池州市污水管网改造", 50)]
    unit = unit_sheet_from_specs(specs)
    # Trailing space, a budget code before the name, full-width brackets, a dash for brackets.
    for row, name in zip(unit["rows"], ["219-农村道路建设（二期）项目", "农村道路建设 ", "219-池州市污水管网改造—"]):
        row["name"] = name
    result, _, _ = _evaluate(tmp_path, specs, unit_sheet=unit)
    assert _unit_findings(result) == []


def test_unit_list_row_matching_two_sheets_by_containment_claims_neither(tmp_path: Path) -> None:
    specs = [_road("道路建设一期工程", 100), _road("道路建设二期工程", 100)]
    unit = unit_sheet_from_specs([{**specs[0], "project_name": "道路建设"}])
    unit["total"] = {"initial": 100, "full_year": 100, "executed": 100}
    result, maps, unit_map = _evaluate(tmp_path, specs, unit_sheet=unit)
    found = sorted((f.code, f.sheet or "") for f in result.findings if f.code.startswith("unit."))
    assert found == sorted([("unit.project_missing", unit_map.title),
                            ("unit.project_missing", maps[0].title), ("unit.project_missing", maps[1].title)])


def test_two_projects_in_two_sheets_are_two_projects(tmp_path: Path) -> None:
    specs = [spec_from_case(c) for c in CASES[:3]]
    result, maps, _ = _evaluate(tmp_path, specs)
    assert [ps.project.sheet for ps in result.scores] == [m.title for m in maps]


def _department_workbook(path: Path, total_initial: float) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门整体"
    ws["A1"] = "2021年度部门整体绩效目标自评表"
    ws.merge_cells("A1:H1")
    ws["A2"], ws["B2"] = "单位名称", "重庆市大足区商务委员会"
    ws["A3"], ws["C3"], ws["D3"], ws["E3"] = "资金情况（万元）", "年初预算资金总额", "实际投入资金额", "产生差异的原因"
    ws.merge_cells("A3:A6")
    for row, (label, initial, spent) in enumerate(
            [("合计", total_initial, 1180.0), ("其中：财政拨款", 1000.0, 980.0), ("其他资金", 200.0, 200.0)], 4):
        ws.cell(row, 2, label)
        ws.cell(row, 3, initial)
        ws.cell(row, 4, spent)
    ws["A8"], ws["B8"] = "年度目标（年初）", "促进消费"
    ws["A10"], ws["B10"], ws["C10"], ws["D10"], ws["E10"], ws["F10"], ws["G10"], ws["H10"] = (
        "一级指标", "二级指标", "三级指标", "指标权重", "计量单位", "指标值", "全年实际完成值", "产生差异的原因及改进措施")
    ws["A11"], ws["B11"], ws["C11"], ws["D11"], ws["E11"], ws["F11"], ws["G11"] = (
        "产出指标", "数量指标", "社零总额增速", 20, "%", "9.5", "25.6")
    wb.save(path)
    return path


def test_department_table_is_recognised_and_its_funds_checked(tmp_path: Path) -> None:
    ok = evaluate_file(str(_department_workbook(tmp_path / "ok.xlsx", 1200.0)), NATIONAL)
    assert ok.status == "scored"
    (ps,) = ok.scores
    assert ps.project.kind is TableKind.DEPARTMENT
    codes = {f.code for f in ok.findings}
    assert "read.department_table" in codes and "funds.total_mismatch" not in codes
    bad = evaluate_file(str(_department_workbook(tmp_path / "bad.xlsx", 1250.0)), NATIONAL)
    found = [(f.code, f.cell) for f in bad.findings if f.code == "funds.total_mismatch"]
    assert found == [("funds.total_mismatch", "C4")]


# --- department-wide scoring tables (部门整体, scoring-rules.md §1.3): rows without the figure
# their 评分标准 needs are left to a person, with their arithmetic checked (more: test_department.py)

_RUBRIC_HEADS = {"l1": "一级指标", "l2": "二级指标", "name": "三级指标", "rule": "评分标准", "weight": "分值",
                 "score": "自评得分", "reason": "扣分原因和其他说明"}
# (一级, 二级, 三级, 评分标准, 分值, 自评得分); 一级 written on a group's first row only.
_RUBRIC_ROWS: list[tuple[Any, ...]] = [
    ("投入（15分）", "预算配置", "重点支出安排率", "≥90% 计5分；80-90%(含80) 计4分；低于60%不得分", 5, 5),
    (None, None, "预算调整率", "=0 计5分；(0,10%] 计4分；大于30%不得分", 5, 4),
    (None, "预算执行", "“三公经费”控制率", "≤100% 计5分，每超过一个百分点扣1分，扣完为止", 5, 5),
    ("过程（35分）", "预算管理", "资金使用合规性", "合规计35分", 35, 35),
    ("产出（30分）", "职责履行", "重点工作完成率", "完成计30分", 30, 28),
    ("效果（20分）", "履职效益", "社会效益", "明显计20分", 20, 18),
]
_RUBRIC_ORDERS = {
    "hunan": ("l1", "l2", "name", "rule", "weight", "score", "reason"),
    "rule_last": ("l1", "l2", "name", "weight", "score", "rule"),
    "no_rule_score_first": ("l1", "l2", "name", "score", "weight"),
}


def _col(order: tuple[str, ...], key: str) -> str:
    return "ABCDEFGH"[order.index(key)]


def _rubric_workbook(path: Path, order: tuple[str, ...], rows: list[tuple[Any, ...]], total: tuple[Any, Any],
                     funds: bool = False, merge_level1: bool = False) -> tuple[Path, int]:
    """A 部门整体 scoring table (Hunan pattern) in the given column order, optionally below a
    Chongqing-style funds block; returns the path and the sheet row of the first rubric row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "部门评分"
    ws.append(["2022年度部门整体支出绩效自评表"])
    ws.append(["单位名称：某市某局"])
    if funds:
        ws.append(["资金情况（万元）", None, "年初预算资金总额", "实际投入资金额", "产生差异的原因"])
        ws.append([None, "合计", 300, 280])
        ws.append([None, "其中：财政拨款", 260, 240])
        ws.append([None, "其他资金", 40, 40])
        ws.merge_cells("A3:A6")
    ws.append([_RUBRIC_HEADS[k] for k in order])
    first = ws.max_row + 1
    for l1, l2, name, rule, weight, score in rows:
        values = {"l1": l1, "l2": l2, "name": name, "rule": rule, "weight": weight, "score": score}
        ws.append([values.get(k) for k in order])
    ws.append([{"l1": "合计", "weight": total[0], "score": total[1]}.get(k) for k in order])
    if merge_level1:
        ws.merge_cells(f"A{first}:A{first + 2}")
    wb.save(path)
    return path, first


@pytest.mark.parametrize("funds", [False, True], ids=["no_funds", "funds_above"])
@pytest.mark.parametrize("order", list(_RUBRIC_ORDERS), ids=list(_RUBRIC_ORDERS))
def test_department_rubric_rows_get_the_arithmetic_checks(tmp_path: Path, order: str, funds: bool) -> None:
    cols = _RUBRIC_ORDERS[order]
    rows = list(_RUBRIC_ROWS)
    rows[0] = rows[0][:5] + (6,)  # 6 of 5
    rows[2] = rows[2][:4] + (4, 4)  # 投入 5 + 5 + 4 = 14 against its declared 15
    # 合计 分值 agrees with the rows (99); 合计 得分 is one short of their 6+4+4+35+28+18 = 95.
    path, first = _rubric_workbook(tmp_path / "dept.xlsx", cols, rows, (99, 94), funds=funds,
                                   merge_level1=order == "hunan")
    result = evaluate_file(str(path), NATIONAL)
    (ps,) = result.scores
    assert ps.project.kind is TableKind.DEPARTMENT and len(ps.indicators) == 6
    s, l1 = _col(cols, "score"), _col(cols, "l1")
    problems = sorted((f.code, f.cell) for f in result.findings if f.severity.value != "info")
    expected = [("indicator.score_out_of_range", f"{s}{first}"), ("weights.group_mismatch", f"{l1}{first}"),
                ("total.mismatch", f"{s}{first + 6}"), ("indicator.rubric_manual", f"{s}{first}")]
    if "reason" in cols:  # points taken off with the 扣分原因 blank (4 of 5, 28 of 30, 18 of 20)
        r = _col(cols, "reason")
        expected += [("indicator.missing_explanation", f"{r}{first + i}") for i in (1, 4, 5)]
    assert problems == sorted(expected), result.findings
    # No row carries the figure its rule needs: no tool score on any row, no 核定 total, no
    # grade (the reason says why); the 自评 total kept, every row listed for a person.
    assert all(r.score is None and r.rubric == "manual" for r in ps.indicators)
    assert (ps.score, ps.raw, ps.grade, ps.score_entered) == (None, None, "", 94)
    assert "6 行" in ps.ungraded
    assert ps.funds.score is None
    (note,) = [f.message for f in result.findings if f.code == "read.department_table"]
    assert "评分表 6 行" in note and "人工复核" in note
    assert ("资金表已读取" in note) is funds and ("未找到资金表" in note) is (not funds)


def test_clean_department_rubric_has_no_errors_but_its_rows_left_to_a_person(tmp_path: Path) -> None:
    path, _ = _rubric_workbook(tmp_path / "dept.xlsx", _RUBRIC_ORDERS["rule_last"], _RUBRIC_ROWS, (100, 95))
    result = evaluate_file(str(path), NATIONAL)
    assert [f.code for f in result.findings] == ["read.department_table", "indicator.rubric_manual"]
    (ps,) = result.scores
    assert ps.score_entered == 95 and ps.score is None and ps.total_weight == 100


def test_department_rubric_total_weight_and_subtotals(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["部门整体支出绩效自评表"], ["一级指标", "三级指标", "分值", "得分"],
                ["投入", "重点支出安排率", 10, 9], [None, "预算调整率", 10, 10], [None, "投入小计", 20, 18],
                ["产出", "重点工作完成率", 70, 70], ["合计", None, 100, 89]):
        ws.append(row)
    path = tmp_path / "dept.xlsx"
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    errors = sorted((f.code, f.cell) for f in result.findings if f.severity.value == "error")
    # 小计 得分 18 ≠ 9 + 10; 合计 分值 100 ≠ 10 + 10 + 70 (the 小计 is not a row of its own).
    assert errors == [("indicator.subtotal_mismatch", "D5"), ("weights.sum_mismatch", "C7")], result.findings


def test_department_rubric_without_level_columns_is_read(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["某局2022年部门整体绩效自评表"], ["考核指标", "分值", "自评得分", "评分标准"],
                ["预算执行率", 20, 22, "执行率×20"], ["重点任务完成", 80, 70, "每项未完成扣10分"],
                ["总分", 100, 92]):
        ws.append(row)
    path = tmp_path / "dept.xlsx"
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    (ps,) = result.scores
    assert [i.name for i in ps.project.indicators] == ["预算执行率", "重点任务完成"]
    errors = sorted((f.code, f.cell) for f in result.findings if f.severity.value == "error")
    assert errors == [("indicator.score_out_of_range", "C3")], result.findings


def test_department_indicator_rows_are_scored_like_a_project_s(tmp_path: Path) -> None:
    """Rows with 指标值 / 实际完成值 on a department table are rescored as on a project table,
    and their explanations asked for (issue 12: §1.3's arithmetic-only v1 is superseded)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["2021年度部门整体绩效目标自评表"],
                ["三级指标", "指标权重", "计量单位", "指标值", "全年实际完成值", "得分", "产生差异的原因及改进措施"],
                ["引进项目数", 20, "个", "≥10", 5, 20, None], ["外贸增长率", 20, "%", "≥9.5", 25.6, 20, None]):
        ws.append(row)
    path = tmp_path / "dept.xlsx"
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    (ps,) = result.scores
    # 5 of ≥10 is half the 20 points; 25.6 against ≥9.5 is met (and far over: explain it).
    assert [r.score for r in ps.indicators] == [10, 20] and (ps.raw, ps.score) == (30, 75)
    found = {(f.code, f.cell, f.severity.value) for f in result.findings}
    assert {("indicator.score_mismatch", "F3", "error"), ("indicator.missing_explanation", "G3", "error"),
            ("indicator.missing_explanation", "G4", "warning"), ("weights.sum_mismatch", "A1", "warning")} <= found


def test_department_scored_copy_shows_no_tool_score_for_rows_left_to_a_person(tmp_path: Path) -> None:
    """A rubric row the tool could not judge gets no 核定 figure in the scored copy: not on the
    sheet (a 核定得分 column, if one is written, holds no number on such a row) and not in 评分明细."""
    from perf_xlsx.write.scored import write_scored

    rows = list(_RUBRIC_ROWS)
    rows[0] = rows[0][:5] + (6,)
    path, first = _rubric_workbook(tmp_path / "dept.xlsx", _RUBRIC_ORDERS["hunan"], rows, (100, 96))
    result = evaluate_file(str(path), NATIONAL)
    assert all(r.issue == "manual" for r in result.scores[0].indicators)
    out = tmp_path / "dept.scored.xlsx"
    write_scored(str(path), result, str(out), NATIONAL)
    wb = load_workbook(out)
    ws = wb["部门评分"]
    tool_columns = [c.column for row in ws.iter_rows() for c in row if c.value == "核定得分"]
    for col in tool_columns:
        assert not any(isinstance(ws.cell(first + i, col).value, (int, float)) for i in range(len(rows)))
    assert "超出 0–5 分" in ws[f"F{first}"].comment.text
    detail = wb["评分明细"]
    head = [c.value for c in detail[1]]
    tool = head.index("核定得分")
    assert all(row[tool] is None for row in detail.iter_rows(min_row=2, values_only=True))


def test_values_the_user_should_know_about(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    path, maps, _ = make_workbook(tmp_path / "tricky.xlsx", [spec])
    wb = load_workbook(path)
    ws = wb[maps[0].title]
    m = maps[0]
    ws[m.funds["total"]["full_year"]] = "=SUM(1,1)/0"          # formula, no cached value
    ws[m.indicator_cells[1]["score"]] = "#DIV/0!"               # openpyxl stores it as an error cell
    ws.row_dimensions[m.indicator_rows[2]].hidden = True
    hidden = wb.create_sheet("旧版")
    hidden["A1"] = "备用"
    hidden.sheet_state = "veryHidden"
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    codes = {(f.code, f.cell) for f in result.findings}
    assert ("read.formula_not_cached", m.funds["total"]["full_year"]) in codes
    assert ("read.hidden_rows", f"A{m.indicator_rows[2]}") in codes
    assert ("read.error_value", m.indicator_cells[1]["score"]) in codes
    assert ("indicator.score_blank", m.indicator_cells[1]["score"]) not in codes
    # the total is recomputed from its parts, not taken as 0
    assert result.scores[0].funds.budget == 200


def test_label_and_value_in_one_cell(tmp_path: Path) -> None:
    spec = seed_spec("招商节会")
    path, maps, _ = make_workbook(tmp_path / "inline.xlsx", [spec])
    wb = load_workbook(path)
    ws = wb[maps[0].title]
    m = maps[0]
    label_row = int("".join(ch for ch in m.name_cell if ch.isdigit()))
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row == label_row:
            ws.unmerge_cells(str(rng))
    for row in ws.iter_rows(min_row=label_row, max_row=label_row):
        for cell in row:
            cell.value = None
    ws.cell(label_row, 1, "项目名称：招商引资专项（节会）")
    ws.merge_cells(start_row=label_row, start_column=1, end_row=label_row, end_column=m.last_col)
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    assert result.scores[0].project.name == "招商引资专项（节会）"


def test_indicator_header_named_otherwise_and_no_level1_column(tmp_path: Path) -> None:
    spec = spec_from_case(next(c for c in CASES if c.stem.startswith("004")))
    plain, _, _ = _evaluate(tmp_path, [spec], name="plain.xlsx")
    path, maps, _ = make_workbook(tmp_path / "renamed.xlsx", [spec])
    wb = load_workbook(path)
    ws = wb[maps[0].title]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "三级指标":
                cell.value = "指标名称"
            elif isinstance(cell.value, str) and cell.value.startswith(("一级指标", "产出指标", "效益指标", "满意度指标")):
                cell.value = None
    wb.save(path)
    result = evaluate_file(str(path), NATIONAL)
    assert _scores(result) == _scores(plain)
    assert {r.indicator.level1 for r in result.scores[0].indicators} == {"产出指标", "效益指标", "满意度指标"}
    assert not {"goal.no_output", "goal.no_benefit", "goal.no_satisfaction"} & {f.code for f in result.findings}


def test_several_tables_stacked_in_one_sheet(tmp_path: Path) -> None:
    """Disclosure workbooks often put every project's table one below the other in one sheet."""
    import openpyxl
    from openpyxl.cell.cell import MergedCell

    specs = [spec_from_case(c) for c in CASES[:3]]
    src, maps, _ = make_workbook(tmp_path / "src.xlsx", specs)
    wb = load_workbook(src)
    out = openpyxl.Workbook()
    ws = out.active
    ws.title = "全部项目"
    offset = 0
    offsets = []
    for m in maps:
        sheet = wb[m.title]
        offsets.append(offset)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None and not isinstance(cell, MergedCell):
                    ws.cell(cell.row + offset, cell.column, cell.value)
        for rng in sheet.merged_cells.ranges:
            ws.merge_cells(start_row=rng.min_row + offset, start_column=rng.min_col,
                           end_row=rng.max_row + offset, end_column=rng.max_col)
        offset += sheet.max_row + 2
    out.save(tmp_path / "stacked.xlsx")
    stacked = evaluate_file(str(tmp_path / "stacked.xlsx"), NATIONAL)
    separate = evaluate_file(str(src), NATIONAL)
    assert [ps.project.name for ps in stacked.scores] == [s["project_name"] for s in specs]
    assert _scores(stacked) == _scores(separate)
    first_rows = [ps.indicators[0].indicator.row for ps in stacked.scores]
    assert first_rows == [m.indicator_rows[0] + o for m, o in zip(maps, offsets)]


def test_cells_and_rows_without_r_attributes_read_the_same(tmp_path: Path) -> None:
    """Some generators omit r= on <c> (and on <row>); cells are then placed by position."""
    import re
    import zipfile

    spec = spec_from_case(next(c for c in CASES if c.stem.startswith("004")))
    plain, _, _ = _evaluate(tmp_path, [spec], name="plain.xlsx")
    src = tmp_path / "plain.xlsx"
    for name, pattern in (("no_cell_r.xlsx", rb'(<c) r="[A-Z]+[0-9]+"'), ("no_r.xlsx", rb'(<(?:c|row)) r="[A-Z]*[0-9]+"')):
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp_path / name, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename.startswith("xl/worksheets/sheet"):
                    data = re.sub(pattern, rb"\1", data)
                zout.writestr(info, data)
        result = evaluate_file(str(tmp_path / name), NATIONAL)
        assert _scores(result) == _scores(plain), name


# --- hand-built national tables: the shapes real exports take ---------------------------------

FUND_HEADS = ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分")
IND_HEADS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施")
STD_FUNDS = (("年度资金总额", (None, 100, 100, 10, "100%", 10)), ("其中：当年财政拨款", (None, 100, 100, None, None, None)),
             ("上年结转资金", (None,) * 6), ("其他资金", (None,) * 6))
OUT, BEN, SAT = "产出指标", "效益指标", "满意度指标"


# A correct 50 / 30 / 10 table: most reader tests change one thing around it.
CLEAN_ROWS = [(OUT, "数量指标", "数量", "≥10个", "10个", 50, 50, None),
              (BEN, "社会效益指标", "效益", "≥3项", "3项", 30, 30, None),
              (SAT, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)]


def _national(path: Path, rows: list[tuple[Any, ...]], *, funds: tuple[tuple[str, tuple[Any, ...]], ...] = STD_FUNDS,
              merge_levels: bool = True, total_label: str | None = "总分", total: tuple[Any, Any] = (100, None),
              before_total: tuple[Any, ...] = ()) -> dict[str, Any]:
    """The national layout in columns A–J: A the block labels, B–I the indicator columns (一级 …
    偏差原因), funds amounts in E–J. ``rows`` are (一级, 二级, 三级, 指标值, 完成值, 分值, 得分, 原因);
    equal consecutive 一级/二级 are merged when ``merge_levels``, else written only where given.
    ``before_total`` is a row of (column, value) pairs written between the indicators and 总分.
    Returns the rows used: "funds" (label -> row), "indicators" (list), "total"."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "项目支出绩效自评表"
    ws.merge_cells("A1:J1")
    ws["A2"] = "（2022年度）"
    ws.merge_cells("A2:J2")
    ws["A3"], ws["C3"] = "项目名称", "测试项目"
    ws["A4"], ws["C4"], ws["F4"], ws["G4"] = "主管部门", "某县财政局", "实施单位", "某县财政局"
    ws["A5"] = "项目资金（万元）"
    for j, head in enumerate(FUND_HEADS):
        ws.cell(5, 5 + j, head)
    out: dict[str, Any] = {"funds": {}, "indicators": []}
    r = 6
    for label, values in funds:
        ws.cell(r, 2, label)
        ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
        for j, v in enumerate(values):
            if v is not None:
                ws.cell(r, 5 + j, v)
        out["funds"][label] = r
        r += 1
    ws.merge_cells(start_row=5, start_column=1, end_row=r - 1, end_column=1)
    ws.cell(r, 1, "年度总体目标")
    ws.cell(r, 2, "预期目标")
    ws.cell(r, 6, "实际完成情况")
    ws.cell(r + 1, 2, "完成项目建设。")
    ws.cell(r + 1, 6, "已完成项目建设。")
    r += 2
    header = r
    ws.cell(r, 1, "绩效指标")
    for j, head in enumerate(IND_HEADS):
        ws.cell(r, 2 + j, head)
    r += 1
    starts: list[int] = [r, r]
    prev: list[Any] = [object(), object()]
    for values in rows:
        for j, v in enumerate(values):
            if j < 2 and merge_levels and v == prev[j]:
                continue
            if v is not None:
                ws.cell(r, 2 + j, v)
        for j in (0, 1):
            if values[j] != prev[j]:
                if merge_levels and r - 1 > starts[j]:
                    ws.merge_cells(start_row=starts[j], start_column=2 + j, end_row=r - 1, end_column=2 + j)
                starts[j], prev[j] = r, values[j]
        out["indicators"].append(r)
        r += 1
    for j in (0, 1):
        if merge_levels and r - 1 > starts[j]:
            ws.merge_cells(start_row=starts[j], start_column=2 + j, end_row=r - 1, end_column=2 + j)
    ws.merge_cells(start_row=header, start_column=1, end_row=r - 1, end_column=1)
    if before_total:
        for col, value in before_total:
            ws[f"{col}{r}"] = value
        out["before_total"] = r
        r += 1
    if total_label is not None:
        ws.cell(r, 1, total_label)
        if total[0] is not None:
            ws.cell(r, 7, total[0])
        if total[1] is not None:
            ws.cell(r, 8, total[1])
        out["total"] = r
        r += 1
    ws.cell(r + 1, 1, "填表人：张三")
    ws.cell(r + 1, 5, "联系电话：12345678")
    wb.save(path)
    return out


def _read(path: Path) -> tuple[WorkbookResult, Any, set[tuple[str, str]]]:
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.error
    (ps,) = result.scores
    return result, ps, _codes(result)


@pytest.mark.parametrize("odd_name", ["注册企业数量", "注射疫苗人次", "合计培训人次", "说明会场次", "负责人培训覆盖率",
                                      "日期准确率", "总计发放人数", "综合得分率", "备注信息录入率"])
def test_indicator_names_that_start_like_a_remark_or_total_are_indicators(tmp_path: Path, odd_name: str) -> None:
    # 一级/二级 merged from above: the first filled cell of the row is the 三级 name.
    m = _national(tmp_path / "t.xlsx", [
        (OUT, "数量指标", "新增市场主体", "≥100户", "120户", 20, 20, None),
        (OUT, "数量指标", odd_name, "≥50", "55", 30, 30, None),
        (BEN, "社会效益指标", "带动就业", "≥100人", "110人", 30, 30, None),
        (SAT, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)], total=(100, 95))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    assert [r.indicator.name for r in ps.indicators] == ["新增市场主体", odd_name, "带动就业", "满意度"]
    assert ps.total_weight == 100
    assert ps.project.total_score is not None and ps.project.total_score.ref == f"H{m['total']}"
    assert ("total.mismatch", f"H{m['total']}") in codes  # 95 entered, 100 summed
    assert not [f for f in result.findings if f.code.startswith("weights.")]


def test_remark_lines_below_the_table_still_end_it(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    m = _national(path, CLEAN_ROWS, total_label=None)
    wb = load_workbook(path)
    ws = wb.active
    r = m["indicators"][-1] + 1
    ws.cell(r, 4, "注：本表金额单位为万元")   # in the 三级 column, but a colon makes it a remark
    ws.cell(r + 1, 4, "注册企业数量")         # anything below is not read
    ws.cell(r + 1, 5, "≥5家")
    wb.save(path)
    _, ps, _ = _read(path)
    assert [r.indicator.name for r in ps.indicators] == ["数量", "效益", "满意度"]


@pytest.mark.parametrize("label", ["总得分", "自评总分", "自评得分", "得分合计", "总分", "合 计", "总分（100分）", "总 计"])
def test_total_row_labels(tmp_path: Path, label: str) -> None:
    m = _national(tmp_path / "t.xlsx", [
        (OUT, "数量指标", "数量", "≥100户", "120户", 50, 50, None),
        (BEN, "社会效益指标", "带动就业", "≥100人", "110人", 30, 30, None),
        (SAT, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)], total_label=label, total=(100, 95))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    assert len(ps.indicators) == 3
    assert ps.total_weight == 100
    assert ps.project.total_score is not None and ps.project.total_score.ref == f"H{m['total']}"
    assert ("total.mismatch", f"H{m['total']}") in codes
    assert "indicator.target_missing" not in {c for c, _ in codes}


def test_yunnan_other_notes_row_is_not_an_indicator(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    m = _national(path, CLEAN_ROWS,
                  before_total=(("A", "其他需要说明事项"), ("C", "无")), total=(100, 95))
    wb = load_workbook(path)
    r = m["before_total"]
    wb.active.merge_cells(f"C{r}:I{r}")
    wb.save(path)
    result, ps, codes = _read(path)
    assert [r.indicator.name for r in ps.indicators] == ["数量", "效益", "满意度"]
    assert ("total.mismatch", f"H{m['total']}") in codes
    assert "weights.level2_unknown" not in {c for c, _ in codes}


def test_level_cells_written_once_without_merges_carry_down(tmp_path: Path) -> None:
    m = _national(tmp_path / "t.xlsx", [
        ("产出指标(50分)", "数量指标", "数量A", "≥10个", "10个", 20, 20, None),
        (None, None, "数量B", "≥5个", "5个", 10, 10, None),
        (None, "质量指标", "合格率", "≥95%", "96%", 20, 20, None),
        ("效益指标(30分)", "社会效益指标", "效益A", "≥3项", "3项", 15, 15, None),
        (None, None, "效益B", "≥2项", "2项", 15, 15, None),
        ("满意度指标(10分)", "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)],
        merge_levels=False, total=(100, 100))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    rows = m["indicators"]
    got = [(r.indicator.level1, r.indicator.level2, r.indicator.level1_cell, r.indicator.level2_cell)
           for r in ps.indicators]
    assert got == [(OUT, "数量指标", f"B{rows[0]}", f"C{rows[0]}"), (OUT, "数量指标", f"B{rows[0]}", f"C{rows[0]}"),
                   (OUT, "质量指标", f"B{rows[0]}", f"C{rows[2]}"), (BEN, "社会效益指标", f"B{rows[3]}", f"C{rows[3]}"),
                   (BEN, "社会效益指标", f"B{rows[3]}", f"C{rows[3]}"),
                   (SAT, "服务对象满意度指标", f"B{rows[5]}", f"C{rows[5]}")]
    assert not [f for f in result.findings if f.code.startswith("weights.")]


def test_subtotal_rows_are_checked_not_scored(tmp_path: Path) -> None:
    # 一级 repeated on every row (no merges), 二级 blank on continuation rows, a 小计 per group;
    # the 效益 小计 is wrong (score 25 where its rows give 30).
    m = _national(tmp_path / "t.xlsx", [
        (OUT, "数量指标", "数量A", "≥10个", "10个", 25, 25, None),
        (OUT, None, "数量B", "≥5个", "5个", 25, 25, None),
        (OUT, "小计", None, None, None, 50, 50, None),
        (BEN, "社会效益指标", "效益", "≥3项", "3项", 30, 30, None),
        (BEN, "小计", None, None, None, 30, 25, None),
        (SAT, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None),
        (SAT, "小计", None, None, None, 10, 10, None)], merge_levels=False, total=(100, 100))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    rows = m["indicators"]
    assert [r.indicator.name for r in ps.indicators] == ["数量A", "数量B", "效益", "满意度"]
    assert ps.total_weight == 100 and ps.score == 100
    assert [(s.row, s.rows) for s in ps.project.subtotals] == [
        (rows[2], (rows[0], rows[1])), (rows[4], (rows[3],)), (rows[6], (rows[5],))]
    found = [(f.code, f.cell, f.expected, f.found) for f in result.findings if f.code == "indicator.subtotal_mismatch"]
    assert found == [("indicator.subtotal_mismatch", f"H{rows[4]}", 30.0, 25.0)]
    assert {c for c, _ in codes}.isdisjoint({"indicator.target_missing", "weights.level2_unknown", "weights.sum_mismatch",
                                            "total.mismatch", "weights.profile_mismatch"})


def test_subtotal_in_the_name_column_under_a_merged_level1(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    m = _national(path, [
        (OUT, "数量指标", "数量A", "≥10个", "10个", 20, 20, None),
        (OUT, "数量指标", "数量B", "≥5个", "5个", 20, 20, None),
        (OUT, "数量指标", "小计", None, None, 40, 40, None),
        (OUT, "质量指标", "合格率", "≥95%", "96%", 10, 10, None),
        (OUT, "合计", None, None, None, 60, 50, None),   # 一级 merged into it: the group's total, not 总分
        (BEN, "社会效益指标", "效益", "≥3项", "3项", 30, 30, None),
        (SAT, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)], total=(100, 100))
    wb = load_workbook(path)
    wb.save(path)
    result, ps, codes = _read(path)
    rows = m["indicators"]
    assert [r.indicator.name for r in ps.indicators] == ["数量A", "数量B", "合格率", "效益", "满意度"]
    assert [(s.row, s.rows) for s in ps.project.subtotals] == [
        (rows[2], (rows[0], rows[1])), (rows[4], (rows[0], rows[1], rows[3]))]
    found = {(f.cell, f.expected, f.found) for f in result.findings if f.code == "indicator.subtotal_mismatch"}
    assert found == {(f"G{rows[4]}", 50.0, 60.0)}
    assert ps.project.total_score is not None and ps.project.total_score.ref == f"H{m['total']}"


def test_funds_component_row_repeating_weight_and_score_is_reported(tmp_path: Path) -> None:
    funds = (("年度资金总额", (None, 100, 100, 10, "100%", 10)), ("其中：当年财政拨款", (None, 100, 100, 10, "100%", 10)),
             ("上年结转资金", (None, None, None, "—", None, "—")), ("其他资金", (None,) * 6))
    m = _national(tmp_path / "t.xlsx", CLEAN_ROWS, funds=funds, total=(100, 100))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    r = m["funds"]["其中：当年财政拨款"]
    found = [(f.code, f.cell, f.severity.value) for f in result.findings if f.code == "funds.component_scored"]
    assert found == [("funds.component_scored", f"H{r}", "warning")]
    assert ps.funds.score == 10


@pytest.mark.parametrize("label", ["项目资金总额", "项目总资金", "年度资金总额", "资金合计"])
def test_funds_total_row_synonyms_are_read(tmp_path: Path, label: str) -> None:
    funds = ((label, (None, 100, 90, 10, "90%", 9)), ("其中：财政拨款", (None, 100, 90, None, None, None)),
             ("上年结转资金", (None,) * 6), ("其他资金", (None,) * 6))
    _national(tmp_path / "t.xlsx", [
        (OUT, "数量指标", "数量", "≥10个", "10个", 50, 45, "部分未完成"),
        (BEN, "社会效益指标", "效益", "≥3项", "3项", 30, 30, None),
        (SAT, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)], funds=funds, total=(100, 94))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    assert [(r.label, r.kind) for r in ps.project.funds][0] == (label, "total")
    assert (ps.funds.budget, ps.funds.executed, ps.funds.score) == (100, 90, 9)
    assert "total.mismatch" not in {c for c, _ in codes}


def test_a_funds_header_whose_rows_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    funds = (("资金来源说明", (None, 100, 90, 10, "90%", 9)), ("其中：财政拨款", (None, 100, 90, None, None, None)))
    m = _national(tmp_path / "t.xlsx", CLEAN_ROWS, funds=funds, total=(100, 99))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    assert ps.project.funds == ()
    found = [(f.code, f.cell, f.severity.value) for f in result.findings if f.code == "read.funds_unread"]
    assert found == [("read.funds_unread", f"B{m['funds']['资金来源说明']}", "error")]


@pytest.mark.parametrize("implementer", ["元谋县农业农村局", "元宝山区财政局"])
def test_implementer_named_like_a_unit_is_not_the_money_unit(tmp_path: Path, implementer: str) -> None:
    """"实施单位：元谋县…" in one cell is a county name after 单位：, not amounts in 元."""

    path = tmp_path / "t.xlsx"
    _national(path, CLEAN_ROWS, total=(100, 100))
    wb = load_workbook(path)
    ws = wb["表"]
    ws["F4"], ws["G4"] = f"实施单位：{implementer}", None
    wb.save(path)
    result, ps, codes = _read(path)
    assert ps.project.money_unit == "万元"
    assert ps.funds.budget is not None and ps.funds.budget > 1


@pytest.mark.parametrize("line", ["填报单位：芙蓉区商务局    单位：元", "单位：元 填报日期：2022年3月15日", "单位：元。",
                                  "编制单位：芙蓉区商务局 金额单位：元"])
def test_money_unit_line_beside_other_fields(tmp_path: Path, line: str) -> None:
    """The unit stands beside other fields on one line: the amounts are in 元 (200万元 as 2,000,000)."""
    path = tmp_path / "t.xlsx"
    funds = (("年度资金总额", (2000000, 2000000, 1965000, 10, "98.25%", 9.83)),
             ("其中：财政拨款", (2000000, 2000000, 1965000, None, None, None)))
    _national(path, CLEAN_ROWS, funds=funds, total=(100, 99.83))
    wb = load_workbook(path)
    wb["表"]["A2"] = f"（2022年度）{line}"
    wb["表"]["A5"] = "项目资金"
    wb.save(path)
    result, ps, codes = _read(path)
    assert ps.project.money_unit == "元"
    assert ps.funds.budget == pytest.approx(200)


# --- regressions of the row-kind and level rules (robust4) ------------------------------------


@pytest.mark.parametrize("where", ["goal", "name", "actual"])
def test_department_word_in_a_project_table_is_not_a_department_table(tmp_path: Path, where: str) -> None:
    path = tmp_path / "t.xlsx"
    m = _national(path, CLEAN_ROWS, total=(100, 100))
    wb = load_workbook(path)
    ws = wb.active
    goal_row = m["funds"]["其他资金"] + 2
    if where == "goal":
        ws.cell(goal_row, 2, "完成项目建设，提升部门整体支出绩效水平。")
    elif where == "name":
        ws["C3"] = "部门整体运转保障经费"
    else:
        ws.cell(goal_row, 6, "已完成，部门整体运转良好。")
    wb.save(path)
    _, ps, codes = _read(path)
    assert ps.project.kind is TableKind.PROJECT
    assert ps.score == 100 and ps.grade
    assert "read.department_table" not in {c for c, _ in codes}


def test_department_title_as_the_sheet_heading_still_makes_a_department_table(tmp_path: Path) -> None:
    import openpyxl

    from perf_xlsx.read.reader import read_workbook

    path = tmp_path / "t.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["某局部门整体支出绩效情况"], ["一级指标", "三级指标", "分值", "得分"],
                ["投入", "预算执行率", 10, 9], ["合计", None, 10, 9]):
        ws.append(row)
    wb.save(path)
    (project,) = read_workbook(str(path)).projects
    assert project.kind == "department"


def test_total_row_under_a_level1_merged_down_into_it_is_the_total(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    m = _national(path, CLEAN_ROWS, total=(100, 95))
    wb = load_workbook(path)
    ws = wb.active
    t, last = m["total"], m["indicators"][-1]
    ws.cell(t, 1).value = None
    ws.cell(t, 3, "总分")                      # 总分 in the 二级 column …
    ws.merge_cells(f"B{last}:B{t}")            # … with the 满意度 一级 merged one row too far
    wb.save(path)
    result, ps, codes = _read(path)
    assert ps.project.subtotals == ()
    assert ps.project.total_score is not None and ps.project.total_score.ref == f"H{t}"
    assert ("total.mismatch", f"H{t}") in codes
    assert "indicator.subtotal_mismatch" not in {c for c, _ in codes}


def test_level1_written_in_a_middle_row_of_its_group(tmp_path: Path) -> None:
    # PDF copies: the 一级 stands in the middle row of its (unmerged) group.
    m = _national(tmp_path / "t.xlsx", [
        (None, "数量指标", "数量A", "≥10个", "10个", 20, 20, None),
        ("产出指标(50分)", "质量指标", "合格率", "≥95%", "96%", 20, 20, None),
        (None, "时效指标", "及时率", "100%", "100%", 10, 10, None),
        (None, "经济效益指标", "效益A", "≥3项", "3项", 15, 15, None),
        ("效益指标(30分)", "社会效益指标", "效益B", "≥2项", "2项", 15, 15, None),
        (None, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)],
        merge_levels=False, total=(100, 100))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    rows = m["indicators"]
    got = [(r.indicator.level1, r.indicator.level1_cell) for r in ps.indicators]
    assert got == [(OUT, f"B{rows[1]}"), (OUT, f"B{rows[1]}"), (OUT, f"B{rows[1]}"),
                   (BEN, f"B{rows[4]}"), (BEN, f"B{rows[4]}"), (SAT, f"B{rows[5]}")]
    assert [(g.name, g.declared_weight) for g in ps.project.groups][:2] == [(OUT, 50), (BEN, 30)]
    assert not [f for f in result.findings if f.code.startswith("weights.")]


def test_indicator_named_like_a_subtotal_with_its_own_values_is_an_indicator(tmp_path: Path) -> None:
    _national(tmp_path / "t.xlsx", [(OUT, "数量指标", "小计数量", "≥3个", "4个", 50, 50, None),
                                     (BEN, "社会效益指标", "效益", "≥3项", "3项", 30, 30, None),
                                     (SAT, "服务对象满意度指标", "满意度", "≥90%", "95%", 10, 10, None)],
              total=(100, 100))
    result, ps, codes = _read(tmp_path / "t.xlsx")
    assert [r.indicator.name for r in ps.indicators] == ["小计数量", "效益", "满意度"]
    assert ps.project.subtotals == ()
    assert ps.total_weight == 100 and ps.score == 100


def test_table_kind_reads_as_its_value() -> None:
    """results.jsonl, messages and comparisons with the old strings see project / department
    (format() of a str enum changed in Python 3.11; TableKind gives its value everywhere)."""
    import json

    for kind in TableKind:
        assert json.dumps({"kind": kind}) == f'{{"kind": "{kind.value}"}}'
        assert f"{kind}" == str(kind) == format(kind) == kind.value == kind


# --- a 年度资金总额 row written without its label (issue 12 §3) ------------------------------


def _without_total_label(tmp_path: Path, *, clear: tuple[str, ...] = ()) -> tuple[WorkbookResult, SheetMap]:
    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    wb = load_workbook(path)
    ws = wb[m.title]
    ws[m.funds_labels["total"]] = None
    for kind in clear:
        for cell in (m.funds_labels[kind], *m.funds[kind].values()):
            ws[cell] = None
    wb.save(path)
    return evaluate_file(str(path), NATIONAL), m


def test_unlabelled_first_funds_row_is_read_as_the_total(tmp_path: Path) -> None:
    result, m = _without_total_label(tmp_path)
    (ps,) = result.scores
    assert (ps.funds.initial, ps.funds.budget, ps.funds.executed) == (200, 200, 196.5)
    assert ps.funds.score == pytest.approx(9.83)
    assert ps.score == pytest.approx(99.83)
    found = [(f.code, f.cell, f.severity.value) for f in result.findings if f.code.startswith("read.funds")]
    assert found == [("read.funds_total_unlabelled", m.funds_labels["total"], "warning")]
    assert not [f for f in result.findings if f.code.startswith(("funds.", "total."))]


def test_unlabelled_first_funds_row_without_parts_below_stays_unread(tmp_path: Path) -> None:
    # Nothing under it says it is a total: the block is reported, not guessed.
    result, _ = _without_total_label(tmp_path, clear=("current_appropriation", "carry_over", "other"))
    codes = {f.code for f in result.findings}
    assert "read.funds_unread" in codes and "read.funds_total_unlabelled" not in codes
