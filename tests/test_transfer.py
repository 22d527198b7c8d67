"""转移支付（区域）绩效目标自评表 (issue 12 part 2) and funds blocks by source level (part 3), built
as real .xlsx files by tests/transfer_builders.py: central + local parts of 年度资金总额, with and
without 分值 / 得分, 全年预算数 or 下达数 / 到位数 / 支出数 columns, the 资金管理情况 block, and a block of
中央 / 省级 / 市级 / 县级 / 其它 rows × 计划 / 到位 / 支出 / 结余 columns."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import pytest
from loaded import load_workbook
from transfer_builders import (
    TransferLayout,
    TransferMap,
    make_transfer_workbook,
    scored_transfer_spec,
    sources_spec,
    transfer_spec,
)

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import Finding, ProjectScore, TableKind, WorkbookResult
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")
ALLOCATION = TransferLayout(funds_columns="allocation")
SCORED = TransferLayout(funds_columns="allocation", funds_scored=True, indicators_scored=True)
SOURCES = TransferLayout(funds_columns="sources")


def _run(tmp_path: Path, spec: dict[str, Any], layout: Optional[TransferLayout] = None, name: str = "t"
         ) -> tuple[WorkbookResult, ProjectScore, TransferMap]:
    path, m = make_transfer_workbook(tmp_path / f"{name}.xlsx", spec, layout)
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.error
    (ps,) = result.scores
    return result, ps, m


def _codes(result: WorkbookResult) -> list[str]:
    return sorted(f.code for f in result.findings)


def _one(result: WorkbookResult, code: str) -> Finding:
    (found,) = [f for f in result.findings if f.code == code]
    return found


def _project_json(result: WorkbookResult) -> dict[str, Any]:
    (p,) = result_to_dict(result)["projects"]
    return p


# --- central + local parts, no 分值 ------------------------------------------------------------


def test_unscored_transfer_table_is_read_checked_and_not_graded(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, transfer_spec())
    p = ps.project
    assert p.kind is TableKind.TRANSFER
    assert p.name == "农田建设补助资金" and p.name_cell == m.name_cell
    assert p.department == "某县农业农村局" and p.implementer.startswith("某县农业农村局")
    # 中央补助 1600 + 地方资金 400 + 其他资金 = 2000: the 省级 / 县级 rows under 地方资金 are its
    # details, not further parts, so the total holds and nothing is counted twice.
    kinds = {r.label: r.kind for r in p.funds}
    assert kinds["其中：中央补助"] == "component" and kinds["地方资金"] == "component"
    assert kinds["其中：省级资金"] == "detail" and kinds["县级资金"] == "detail"
    assert ps.funds.budget == 2000 and ps.funds.executed == 1880 and ps.funds.rate == pytest.approx(0.94)
    assert ps.funds.weight is None and ps.funds.score is None
    # No score, no grade, one note for the table — and no error for the missing 分值 / 得分.
    assert ps.score is None and ps.grade == "" and "不评分、不定等级" in ps.ungraded
    assert result.errors == 0
    assert not [c for c in _codes(result) if c.startswith(("weights.", "funds.total", "funds.breakdown"))]
    note = _one(result, "read.transfer_table")
    assert "没有分值、得分" in note.message and "全年预算数（A）" in note.message
    # Each indicator's completion and whether it was met.
    data = _project_json(result)
    assert data["kind"] == "transfer" and data["total"]["grade"] is None and data["ungraded"]
    rows = {i["name"]: (i["completion"], i["met"], i["score"]) for i in data["indicators"]}
    assert rows["新建高标准农田面积"] == (pytest.approx(0.95), False, None)
    assert rows["项目区农户满意度"] == (1.0, True, None)
    assert all(i["met"] is not None for i in data["indicators"])
    assert data["funds"]["basis"] == "budget"
    assert data["funds"]["columns"] == {"full_year": "全年预算数（A）", "executed": "全年执行数（B）",
                                        "rate": "预算执行率（B/A）"}


def test_parts_that_do_not_add_up_are_the_total_mismatch(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec["funds"][2]["full_year"] = 450  # 地方资金: 1600 + 450 = 2050 ≠ 2000
    result, ps, m = _run(tmp_path, spec)
    found = _one(result, "funds.total_mismatch")
    assert found.cell == m.funds["年度资金总额"]["full_year"]
    assert found.expected == 2050 and found.found == 2000


def test_local_funds_must_equal_the_levels_under_them(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec["funds"][4]["full_year"] = 170  # 县级: 250 + 170 = 420 ≠ 地方资金 400
    result, ps, m = _run(tmp_path, spec)
    found = _one(result, "funds.local_mismatch")
    assert found.cell == m.funds["地方资金"]["full_year"] and found.expected == 420 and found.found == 400
    assert "省级资金、县级资金" in found.message
    assert "funds.total_mismatch" not in _codes(result)  # 1600 + 400 still make the total


@pytest.mark.parametrize("title", ["2023年度中央对地方转移支付区域绩效自评表", "专项资金区域绩效目标自评表",
                                   "省级转移支付绩效目标自评表"])
def test_title_variants_are_transfer_tables(tmp_path: Path, title: str) -> None:
    spec = transfer_spec()
    spec["title"] = title
    _, ps, _ = _run(tmp_path, spec)
    assert ps.project.kind is TableKind.TRANSFER


def test_older_form_with_a_special_fund_name_and_an_initial_budget(tmp_path: Path) -> None:
    """中央对地方专项转移支付区域绩效目标自评表: 专项名称, and the budget in a 年初预算数（A） column."""
    spec = transfer_spec()
    spec.update(title="中央对地方专项转移支付区域绩效目标自评表", name_label="专项名称", budget_header="年初预算数（A）")
    result, ps, m = _run(tmp_path, spec)
    assert ps.project.kind is TableKind.TRANSFER and ps.project.name == "农田建设补助资金"
    assert ps.funds.budget == 2000 and ps.funds.rate == pytest.approx(0.94)
    assert result.errors == 0


def test_a_project_table_of_transfer_money_stays_a_project_table(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec.update(title="2023年度中央转移支付项目支出绩效自评表", name_label="项目名称")
    result, ps, _ = _run(tmp_path, spec)
    assert ps.project.kind is TableKind.PROJECT
    # Its 省级 / 县级 rows under 地方资金 are details there too: the total holds.
    assert ps.funds.budget == 2000 and "funds.total_mismatch" not in _codes(result)


def test_a_project_table_is_not_a_transfer_table(tmp_path: Path) -> None:
    from builders import make_workbook, seed_spec

    path, _, _ = make_workbook(tmp_path / "p.xlsx", [seed_spec("招商节会")])
    result = evaluate_file(str(path), NATIONAL)
    assert [ps.project.kind for ps in result.scores] == [TableKind.PROJECT]
    assert "read.transfer_table" not in _codes(result)


# --- 下达数 / 到位数 / 支出数 ----------------------------------------------------------------------


def test_allocation_columns_are_mapped_and_the_rate_is_spent_over_arrived(tmp_path: Path) -> None:
    spec = transfer_spec()
    for fund, issued in zip(spec["funds"], (2100, 1700, 400, 250, 150, None)):
        fund["initial"] = issued
    result, ps, m = _run(tmp_path, spec, ALLOCATION)
    p = ps.project
    assert p.funds_basis == "allocation"
    assert dict(p.funds_headers) == {"initial": "下达数", "full_year": "到位数", "executed": "支出数", "rate": "执行率"}
    assert ps.funds.budget == 2000 and ps.funds.executed == 1880 and ps.funds.initial == 2100
    gap = _one(result, "funds.not_arrived")
    assert gap.cell == m.funds["年度资金总额"]["full_year"] and gap.expected == 2100 and gap.found == 2000
    # Not a 年初预算数 against a 全年预算数: no "年中预算调整" note on this basis.
    assert "funds.budget_adjusted" not in _codes(result)
    data = _project_json(result)
    assert data["funds"]["basis"] == "allocation" and data["funds"]["columns"]["full_year"] == "到位数"


def test_grouped_allocation_header_reads_the_columns_under_it(tmp_path: Path) -> None:
    spec = transfer_spec()
    for fund, issued in zip(spec["funds"], (2100, 1700, 400, 250, 150, None)):
        fund["initial"] = issued
    result, ps, m = _run(tmp_path, spec, TransferLayout(funds_columns="allocation", grouped_header=True))
    assert ps.project.funds_header_row == m.funds_header_row
    assert dict(ps.project.funds_headers)["full_year"] == "到位数"
    assert ps.funds.budget == 2000 and ps.funds.initial == 2100 and ps.funds.rate == pytest.approx(0.94)
    assert result.errors == 0


def test_allocation_mismatch_names_the_sheet_s_column(tmp_path: Path) -> None:
    spec = transfer_spec()
    for fund, issued in zip(spec["funds"], (2000, 1600, 400, 250, 150, None)):
        fund["initial"] = issued
    spec["funds"][1]["executed"] = 1500  # 1500 + 360 = 1860 ≠ 1880
    spec["funds"][0]["rate"] = "90%"  # the parts are used: 1860 ÷ 2000 = 93%
    result, _, m = _run(tmp_path, spec, ALLOCATION)
    found = _one(result, "funds.total_mismatch")
    assert found.cell == m.funds["年度资金总额"]["executed"] and "（支出数）" in found.message
    rate = [f for f in result.findings if f.code == "funds.rate_mismatch" and f.cell == m.funds["年度资金总额"]["rate"]]
    assert len(rate) == 1 and "≠ 支出数 ÷ 到位数 = 93%" in rate[0].message


@pytest.mark.parametrize("rate, basis, budget", [("94%", "allocation", 2000), ("89.52%", "budget", 2100)])
def test_budget_and_arrival_side_by_side_follow_the_sheet_s_rate(tmp_path: Path, rate: str, basis: str,
                                                                 budget: float) -> None:
    """全年预算数 | 资金到位 | 资金支出 | 执行率: the rate is 支出 ÷ 到位 unless the sheet's own 执行率 is
    支出 ÷ 预算 (1880 ÷ 2100 = 89.52%)."""
    spec = transfer_spec()
    for fund in spec["funds"]:
        fund.update(arrived=fund["full_year"], rate=None)
    spec["funds"][0].update(full_year=2100, rate=rate)
    spec["funds"][1]["full_year"] = 1700
    result, ps, m = _run(tmp_path, spec, TransferLayout(funds_columns="budget_arrival"))
    assert ps.project.funds_basis == basis and ps.funds.budget == budget
    assert "funds.rate_mismatch" not in _codes(result)
    columns = _project_json(result)["funds"]["columns"]
    assert columns["executed"] == "资金支出"
    assert columns["full_year"] == ("资金到位" if basis == "allocation" else "全年预算数")


# --- with 分值 / 得分: scored as a project ------------------------------------------------------


def test_scored_transfer_table_is_graded_like_a_project(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, scored_transfer_spec(), SCORED)
    assert ps.project.kind is TableKind.TRANSFER
    # 760 ÷ 800 (支出 ÷ 到位) = 95% × 10 = 9.5; indicators 90 of 90.
    assert ps.funds.rate == pytest.approx(0.95) and ps.funds.score == 9.5
    assert ps.score == 99.5 and ps.grade == "优" and not ps.ungraded
    assert result.errors == 0
    # 中央财政资金 600 + 地方财政资金 180 + 彩票公益金 20 = 800: the parts hold the total.
    assert "funds.total_mismatch" not in _codes(result)
    assert "有分值" in _one(result, "read.transfer_table").message
    data = _project_json(result)
    assert data["total"]["grade"] == "优" and data["kind"] == "transfer"
    assert all(i["met"] is True for i in data["indicators"])


def test_scored_transfer_table_checks_entered_scores(tmp_path: Path) -> None:
    spec = scored_transfer_spec()
    spec["indicators"][0]["actual"] = "9900人"  # 9900 / 11000 × 20 = 18, entered 20
    result, ps, m = _run(tmp_path, spec, SCORED)
    found = _one(result, "indicator.score_mismatch")
    assert found.cell == m.indicators[0]["score"] and found.expected == 18
    assert _project_json(result)["indicators"][0]["met"] is False


def test_a_blank_weight_column_is_still_reported(tmp_path: Path) -> None:
    """A form that has 分值 / 得分 columns left blank is not a goal sheet without them."""
    result, ps, m = _run(tmp_path, transfer_spec(), TransferLayout(indicators_scored=True))
    assert _one(result, "weights.missing").severity.value == "error"
    assert ps.grade == "" and "未填写分值" in ps.ungraded


# --- 资金管理情况 -------------------------------------------------------------------------------


def test_management_block_is_carried_as_text(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, transfer_spec())
    rows = ps.project.management
    assert [r.item for r in rows] == ["分配科学性", "下达及时性", "拨付合规性", "使用规范性", "执行准确性"]
    assert rows[4].problems == "加快结算审计，年内完成拨付" and rows[4].problems_cell == m.management["执行准确性"]["problems"]
    assert "funds.management_contradiction" not in _codes(result)
    data = _project_json(result)
    assert data["management"][0] == {"row": rows[0].row, "item": "分配科学性", "status": "按项目清单和建设任务因素法分配",
                                      "problems": "无", "summary": False,
                                      "cells": {"item": m.management["分配科学性"]["item"],
                                                "status": m.management["分配科学性"]["status"],
                                                "problems": m.management["分配科学性"]["problems"]}}


def test_a_problem_beside_a_no_problem_statement_is_a_warning(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec["management"][3] = {"item": "使用规范性", "status": "资金使用规范，不存在问题", "problems": "个别乡镇报账资料不全"}
    result, _, m = _run(tmp_path, spec)
    found = _one(result, "funds.management_contradiction")
    assert found.severity.value == "warning" and found.cell == m.management["使用规范性"]["problems"]
    assert "个别乡镇报账资料不全" in found.message


def test_a_problem_against_the_block_summary_is_a_warning(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec["management"][1] = {"item": "下达及时性", "status": "存在省级资金下达滞后问题", "problems": None}
    spec["management"][4]["problems"] = None
    spec["management"].append({"item": "总体情况", "status": "资金管理规范，无问题", "problems": "无"})
    result, ps, m = _run(tmp_path, spec)
    found = _one(result, "funds.management_contradiction")
    assert found.cell == m.management["下达及时性"]["status"] and "总体情况" in found.message
    assert [r.summary for r in ps.project.management][-1] is True


def test_management_without_a_header_row_is_read_from_the_block_label(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, transfer_spec(), TransferLayout(management_header=False))
    rows = ps.project.management
    assert [r.item for r in rows][:2] == ["分配科学性", "下达及时性"]
    # Without a header the first text right of the item is its 情况说明, a second its 存在问题.
    assert rows[0].status == "按项目清单和建设任务因素法分配" and rows[0].status_cell == m.management["分配科学性"]["status"]
    assert rows[4].problems == "加快结算审计，年内完成拨付" and rows[4].problems_cell == m.management["执行准确性"]["problems"]


def test_problems_header_worded_otherwise(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec["problems_header"] = "存在的问题及整改措施"
    spec["management"][3] = {"item": "使用规范性", "status": "资金使用规范，不存在问题", "problems": "个别乡镇报账资料不全"}
    result, ps, m = _run(tmp_path, spec)
    assert _one(result, "funds.management_contradiction").cell == m.management["使用规范性"]["problems"]


def test_an_indicator_group_named_like_the_block_is_no_block(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec["indicators"][3].update(level1="产出指标", level2="资金管理", name="资金分配科学性", target="科学合理",
                                 actual="达成预期指标")
    result, ps, _ = _run(tmp_path, spec, TransferLayout(management=False))
    assert ps.project.management == ()
    assert "funds.management_contradiction" not in _codes(result)


def test_no_problem_words_are_not_problems(tmp_path: Path) -> None:
    spec = transfer_spec()
    spec["management"][0]["problems"] = "未发现问题"
    spec["management"][1]["problems"] = "/"
    spec["management"][2]["status"] = "按进度拨付，不存在截留挪用问题"
    spec["management"].append({"item": "总体情况", "status": "无问题", "problems": None})
    spec["management"][4]["problems"] = None
    result, _, _ = _run(tmp_path, spec)
    assert "funds.management_contradiction" not in _codes(result)


# --- funds by source level ---------------------------------------------------------------------


def test_sources_block_is_read_as_the_funds(tmp_path: Path) -> None:
    result, ps, m = _run(tmp_path, sources_spec(), SOURCES)
    p = ps.project
    assert [(s.label, s.level) for s in p.sources] == [
        ("中央", "central"), ("省级", "provincial"), ("市级", "municipal"), ("县级", "county"), ("其它", "other"),
        ("合计", "total")]
    # No silent zero: the 合计 row is the table's 年度资金总额, 到位 the base of the rate.
    assert ps.funds.budget == 2000 and ps.funds.executed == 1880 and ps.funds.rate == pytest.approx(0.94)
    assert p.funds_basis == "allocation"
    assert result.errors == 0 and "read.no_funds" not in _codes(result)
    data = _project_json(result)
    assert data["funds"]["sources"][0] == {"row": p.sources[0].row, "label": "中央", "level": "central",
                                           "planned": 1600.0, "arrived": 1600.0, "spent": 1520.0, "balance": 80.0,
                                           "cells": {"label": m.funds["中央"]["label"],
                                                     "planned": m.funds["中央"]["initial"],
                                                     "arrived": m.funds["中央"]["full_year"],
                                                     "spent": m.funds["中央"]["executed"],
                                                     "balance": m.funds["中央"]["balance"]}}
    assert data["funds"]["columns"]["balance"] == "结余"


def test_balance_must_be_arrived_minus_spent(tmp_path: Path) -> None:
    spec = sources_spec()
    spec["funds"][1]["balance"] = 30  # 省级: 250 − 230 = 20
    result, _, m = _run(tmp_path, spec, SOURCES)
    found = _one(result, "funds.balance_mismatch")
    assert found.cell == m.funds["省级"]["balance"] and found.expected == 20 and found.found == 30
    # The 合计 (120 = 2000 − 1880) is right in itself, but no longer the sum of the levels' 结余.
    total = _one(result, "funds.sources_total_mismatch")
    assert total.cell == m.funds["合计"]["balance"] and total.expected == 130 and total.found == 120


def test_sources_total_must_be_the_sum_of_levels(tmp_path: Path) -> None:
    spec = sources_spec()
    spec["funds"][5].update(executed=1900, balance=100)  # 合计: 支出 ≠ 1520 + 230 + 130, 结余 ≠ 80 + 20 + 20
    result, _, m = _run(tmp_path, spec, SOURCES)
    # The block is the table's funds: its 支出 total is funds.total_mismatch; its 结余 total is checked
    # here (and 2000 − 1900 = 100 is the row's own 结余, so no balance_mismatch).
    assert _one(result, "funds.total_mismatch").cell == m.funds["合计"]["executed"]
    found = _one(result, "funds.sources_total_mismatch")
    assert found.cell == m.funds["合计"]["balance"] and found.expected == 120 and found.found == 100
    assert "funds.balance_mismatch" not in _codes(result)


def test_a_project_table_with_a_sources_block_is_read_too(tmp_path: Path) -> None:
    spec = sources_spec()
    spec.update(title="2023年度项目支出绩效自评表", name_label="项目名称")
    spec["funds"][3]["balance"] = 25  # 县级: 150 − 130 = 20
    result, ps, m = _run(tmp_path, spec, SOURCES)
    assert ps.project.kind is TableKind.PROJECT and ps.project.name == "农田建设补助资金"
    assert ps.funds.budget == 2000 and ps.funds.rate == pytest.approx(0.94)
    assert "read.no_funds" not in _codes(result) and "read.funds_unread" not in _codes(result)
    assert _one(result, "funds.balance_mismatch").cell == m.funds["县级"]["balance"]


def test_levels_written_across_are_read_the_same_way(tmp_path: Path) -> None:
    spec = sources_spec()
    spec["funds"][0]["balance"] = 70  # 中央: 1600 − 1520 = 80
    result, ps, m = _run(tmp_path, spec, TransferLayout(funds_columns="sources_across"))
    p = ps.project
    assert [(s.label, s.level) for s in p.sources][:2] == [("中央", "central"), ("省级", "provincial")]
    assert ps.funds.budget == 2000 and ps.funds.executed == 1880 and p.funds_basis == "allocation"
    found = _one(result, "funds.balance_mismatch")
    assert found.cell == m.funds["中央"]["balance"] and found.expected == 80
    assert _one(result, "funds.sources_total_mismatch").cell == m.funds["合计"]["balance"]
    assert "read.no_funds" not in _codes(result)


def test_a_sources_header_without_levels_is_named_once(tmp_path: Path) -> None:
    spec = sources_spec()
    for fund, label in zip(spec["funds"], ("甲", "乙", "丙", "丁", "戊", "己")):
        fund["label"] = label
    result, ps, m = _run(tmp_path, spec, SOURCES)
    found = _one(result, "read.sources_unread")
    assert found.severity.value == "warning" and "计划数" in found.message
    assert not ps.project.sources
    # And the table's funds are not a silent zero: no funds block was read, which is said too.
    assert ps.funds.budget is None and "read.no_funds" in _codes(result)


# --- outputs -----------------------------------------------------------------------------------


def test_scored_copy_of_a_transfer_table_opens_and_says_why_it_is_not_graded(tmp_path: Path, soffice: str) -> None:
    from builders import soffice_convert
    from ooxml_schema import format_problems, validate_package

    from perf_xlsx.write.scored import write_scored

    outputs = []
    for name, spec, layout in (("plain", transfer_spec(), None), ("scored", scored_transfer_spec(), SCORED),
                               ("sources", sources_spec(), SOURCES)):
        result, ps, m = _run(tmp_path, spec, layout, name)
        out = tmp_path / f"{name}.scored.xlsx"
        write_scored(str(tmp_path / f"{name}.xlsx"), result, str(out), NATIONAL)
        assert validate_package(out) == [], format_problems(validate_package(out))
        outputs.append(out)
        summary = load_workbook(out)["汇总"]
        texts = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str)]
        assert summary["A1"].value == "转移支付区域绩效自评 评分汇总"
        if ps.ungraded:
            assert any("不评分、不定等级" in t for t in texts)
            # Each row shows its completion in the tool's column, not a score of 0.
            ws = load_workbook(out)[m.title]
            shown = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)
                     and c.value.startswith("完成 ")]
            assert shown == ["完成 95%"] + ["完成 100%"] * 6
        # The input is untouched: its sheet reads back as built.
        assert load_workbook(tmp_path / f"{name}.xlsx")[m.title][m.name_cell].value == spec["name"]
    converted = soffice_convert(soffice, outputs, tmp_path / "lo", "xlsx:Calc MS Excel 2007 XML")
    for out in outputs:
        assert converted[out].exists()
        assert "转移支付区域绩效自评表" in load_workbook(converted[out]).sheetnames


def test_batch_results_say_transfer(tmp_path: Path) -> None:
    import json

    import perf_xlsx

    inbox = tmp_path / "inbox"
    make_transfer_workbook(inbox / "转移支付.xlsx", transfer_spec())
    make_transfer_workbook(inbox / "转移支付-评分.xlsx", scored_transfer_spec(), SCORED)
    report = perf_xlsx.batch(inbox, tmp_path / "out", jobs=1)
    assert report.count("scored") == 2
    lines = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    kinds = {d["file"]: (d["projects"][0]["kind"], d["projects"][0]["total"]["grade"]) for d in lines}
    assert kinds == {"转移支付.xlsx": ("transfer", None), "转移支付-评分.xlsx": ("transfer", "优")}


def test_check_output_counts_met_targets_and_names_the_allocation_columns(tmp_path: Path) -> None:
    from perf_xlsx.cli.render import render_check

    plain, _, _ = _run(tmp_path, transfer_spec(), name="plain")
    text = render_check(plain, NATIONAL)
    assert "指标 7 项（达成 6，未达成 1）  总分 —" in text and "预算 2000 万元  执行 1880 万元" in text
    scored, _, _ = _run(tmp_path, scored_transfer_spec(), SCORED, name="scored")
    assert "到位 800 万元  支出 760 万元  执行率 95%" in render_check(scored, NATIONAL)
