"""The report drafts of every kind of table (issue 15 review): 部门整体 and 转移支付 tables told in
their own terms, funds in the table's own columns and parts, percentages as typed, and the
number check over every sample and the builders' edge cases."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from builders import make_workbook, seed_spec
from dept_builders import make_department_workbook, rubric_spec
from test_report import (
    SAMPLES,
    SEED,
    _derived,
    _json_numbers,
    _paragraphs,
    _result,
    _section,
    _workbook_numbers,
    unexplained_numbers,
)
from transfer_builders import make_transfer_workbook, transfer_spec

from perf_xlsx.draft import (
    draft_feedback,
    draft_report,
    write_feedback_letters,
    write_report_drafts,
)
from perf_xlsx.draft.report import DEPARTMENT_HEADINGS, HEADINGS, TRANSFER_HEADINGS
from perf_xlsx.draft.styles import H1


def _text(path: Path) -> tuple[str, dict[str, Any], bytes]:
    result = _result(path)
    blob = draft_report(str(path), result)
    return "\n".join(t for _, t in _paragraphs(blob)), result, blob


def _check_numbers(path: Path) -> None:
    result = _result(path)
    allowed = _workbook_numbers(path) | set(_json_numbers(result)) | _derived(result)
    lines = [t for _, t in _paragraphs(draft_report(str(path), result))]
    assert unexplained_numbers(lines, allowed) == []


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.xlsx")))
def test_every_sample_report_has_only_traceable_numbers(name: str) -> None:
    _check_numbers(SAMPLES / name)


def test_headings_follow_the_kind_of_table() -> None:
    for name, expected in (("01-示例-芙蓉区商务局2021.xlsx", HEADINGS), ("11-部门整体-分项与主要任务.xlsx", DEPARTMENT_HEADINGS),
                           ("13-部门整体-评分表.xlsx", DEPARTMENT_HEADINGS),
                           ("14-转移支付-中央与地方资金.xlsx", TRANSFER_HEADINGS)):
        blob = draft_report(str(SAMPLES / name), _result(SAMPLES / name))
        assert [t for s, t in _paragraphs(blob) if s == H1] == list(expected), name
    text, _, _ = _text(SAMPLES / "11-部门整体-分项与主要任务.xlsx")
    assert "项目概况" not in text and "我单位部门整体支出年初预算为1300.00万元" in text
    assert "某县农业农村局项目" not in text


def test_funds_parts_are_stated_part_by_part() -> None:
    """Each part of the 年度资金总额 with its own amount: not every 其中 row summed under the first
    one's label (中央补助 2000 = 中央 1600 + 地方 400)."""
    text, _, _ = _text(SAMPLES / "14-转移支付-中央与地方资金.xlsx")
    assert "资金来源（全年预算数）：中央补助1600.00万元，地方资金400.00万元。" in text
    text, _, _ = _text(SAMPLES / "16-资金来源表-结余.xlsx")
    assert "资金来源（到位数）：中央1600.00万元，省级250.00万元，县级150.00万元。" in text
    text, _, _ = _text(SAMPLES / "11-部门整体-分项与主要任务.xlsx")
    assert ("资金构成（全年预算数）：按收入性质分：一般公共预算1180.00万元，政府性基金预算120.00万元，单位资金50.00万元；"
            "按支出性质分：基本支出860.00万元，项目支出510.00万元。") in text
    assert "2720.00" not in text


def test_an_allocation_table_is_told_in_its_own_columns() -> None:
    """下达 820 / 到位 800 is money not yet arrived, not a 年中预算调整 from 820 to 800."""
    text, _, blob = _text(SAMPLES / "15-转移支付-有分值-下达到位支出.xlsx")
    assert "下达数为820.00万元；到位数为800.00万元" in text
    assert "城乡医疗救助补助资金：到位数800.00万元，支出数760.00万元，执行率95.00%" in text
    assert "预算调整" not in text and "年初预算" not in text
    cells = [t for s, t in _paragraphs(blob) if s == "cell"]
    assert {"下达数", "到位数", "支出数"} <= set(cells)


def test_a_transfer_table_without_scores_states_no_score_and_its_missed_target() -> None:
    text, _, blob = _text(SAMPLES / "14-转移支付-中央与地方资金.xlsx")
    four = _section(blob, TRANSFER_HEADINGS[3])
    assert "自评表不设分值，不评分、不定等级；共有绩效指标7项，达成6项，未达成1项。" in four
    assert "只核对" not in text and "核定总分" not in four and "（自评表未填写年初预算数）" not in text
    assert "新建高标准农田面积：年度指标值≥20000亩，实际完成19000亩，完成年度指标值的95.00%。未完成年度指标值" in four
    five = _section(blob, TRANSFER_HEADINGS[4])
    assert "部分绩效指标未完成年度目标" in five and "“新建高标准农田面积”：年度指标值≥20000亩，实际完成19000亩；" in five
    # The 资金管理情况 block the unit filled goes into section 三.
    assert "下达及时性：收到资金后 30 日内下达到项目乡镇。" in _section(blob, TRANSFER_HEADINGS[2])


def test_a_rubric_sheet_loses_points_rather_than_missing_targets() -> None:
    text, _, blob = _text(SAMPLES / "13-部门整体-评分表.xlsx")
    four, five = _section(blob, DEPARTMENT_HEADINGS[3]), _section(blob, DEPARTMENT_HEADINGS[4])
    assert "某市某局：单位自评总分95.75分；2项指标的评分标准须人工复核，未核定总分、不定等级。" in four
    assert "部分评分项目未得满分" in five and "未完成年度目标" not in five
    assert "“重点支出安排率”：按评分标准得4分（分值5分）；扣分原因：安排率86%，扣1分。" in five


def test_names_ending_in_项目_and_nested_quotes_read_right() -> None:
    text, _, _ = _text(SAMPLES / "02-池州棠溪-委托业务2022.xlsx")
    assert "项目项目" not in text and "我单位委托业务项目年初预算为" in text
    assert "“对推动基建项目‘四项制度’健全和落实的持续性影响”" in text
    # A total row left at 0 beside a breakdown of 90 is not a budget raised from 0.
    assert "由0.00万元调整为" not in text
    text, _, _ = _text(SAMPLES / "11-部门整体-分项与主要任务.xlsx")
    assert "“‘三公’经费控制率”" in text and "““" not in text
    text, _, _ = _text(SAMPLES / "05-永德营养改善2022.xlsx")
    assert "我单位义务教育营养改善计划专项资金全年预算数为38.77万元" in text and "资金项目" not in text


def test_ungraded_and_checker_requests_are_stated_plainly() -> None:
    text, _, _ = _text(SAMPLES / "04-中江水标尺2022.xlsx")
    assert "单位自评总分100分；分值合计 110 分，超过满分 100 分，总分无法按百分制核定，不定等级。" in text
    assert "（请" not in text and "））" not in text
    text, _, _ = _text(SAMPLES / "06-昌宁生猪养殖2022.xlsx")
    assert "指标完成情况与资金支出不匹配。" in text and "请核实" not in text


def test_column_labels_typed_with_line_breaks_are_joined() -> None:
    text, _, _ = _text(SAMPLES / "07-衡山储备粮2020.xlsx")
    assert "县级储备粮：全年预算数194.90万元，全年执行数194.90万元" in text


def test_percentages_are_written_as_typed(tmp_path: Path) -> None:
    """A percentage cell stored as 0.85 with a % format reads 85% in the report, as on the table."""
    cell = next(i["cells"]["actual"] for i in _result(SEED)["projects"][0]["indicators"]
                if i["name"] == "签约项目履约率")
    wb = openpyxl.load_workbook(SEED)
    wb["招商节会"][cell].value = 0.85
    wb["招商节会"][cell].number_format = "0%"
    path = tmp_path / "百分比.xlsx"
    wb.save(path)
    text, _, blob = _text(path)
    assert "签约项目履约率：年度指标值≥80%，实际完成85%，达到年度指标值" in text and "0.85" not in text
    assert "85%" in [t for s, t in _paragraphs(blob) if s == "cell"]
    _check_numbers(path)


# --- the builders' edge cases ----------------------------------------------------------------


def _seed(name: str, **change: Any) -> dict[str, Any]:
    spec = copy.deepcopy(seed_spec(name))
    spec.update(change)
    return spec


def _edge_cases(tmp: Path) -> dict[str, Path]:
    no_initial = _seed("招商节会")
    for row in no_initial["funds"].values():
        row["initial"] = None
    no_actuals = _seed("农贸市场提质改造")
    for ind in no_actuals["indicators"]:
        ind["actual"] = None
    over = _seed("招商节会")
    over["indicators"][0]["weight"] = 30
    zero = _seed("农贸市场提质改造")
    zero["funds"]["total"].update(initial=0, full_year=0, executed=0, rate=None, score=None)
    zero["funds"]["current_appropriation"].update(initial=0, full_year=0, executed=0)
    cases = {
        "无年初预算数": make_workbook(tmp / "无年初预算数.xlsx", [no_initial])[0],
        "无实际完成值": make_workbook(tmp / "无实际完成值.xlsx", [no_actuals])[0],
        "分值超过100": make_workbook(tmp / "分值超过100.xlsx", [over])[0],
        "零预算": make_workbook(tmp / "零预算.xlsx", [zero])[0],
        "多个项目": make_workbook(tmp / "多个项目.xlsx", [_seed("招商节会"), _seed("农贸市场提质改造"), over])[0],
        "评分表": Path(make_department_workbook(tmp / "评分表.xlsx", rubric_spec(), style="rubric")[0]),
        "转移支付": Path(make_transfer_workbook(tmp / "转移支付.xlsx", transfer_spec())[0]),
    }
    return cases


def test_builder_edge_cases_draft_with_traceable_numbers(tmp_path: Path) -> None:
    for name, path in _edge_cases(tmp_path).items():
        text, result, blob = _text(path)
        assert [t for s, t in _paragraphs(blob) if s == H1][4:] == list(HEADINGS[4:]), name
        _check_numbers(path)
        if name == "无年初预算数":
            assert "全年预算数为200.00万元（自评表未填写年初预算数）" in text
        if name == "无实际完成值":
            # Blank actuals are incomplete rows, not targets missed.
            assert "未完成年度指标值" not in text and "部分绩效指标未完成年度目标" not in text
        if name == "分值超过100":
            assert "等级为" not in _section(blob, HEADINGS[3]).split("\n")[1]
        if name == "多个项目":
            # Two projects of one name are told apart by their sheets.
            five = _section(blob, HEADINGS[4])
            assert five.count("招商节会（工作表「") >= 2 and "\n招商节会：" not in five
        if name == "零预算":
            assert "全年预算数为 0——" not in text  # no title repeating its own message
            assert "执行率" not in _section(blob, HEADINGS[1]).split("（三）")[0].split("（二）")[1] \
                or "0.00万元" in text
        draft_feedback([(path.name, result, str(path))])


def test_a_failed_file_in_batch_drafting_is_a_finding(tmp_path: Path) -> None:
    good = tmp_path / "好.xlsx"
    good.write_bytes(SEED.read_bytes())
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    results = [("好.xlsx", _result(good)), ("坏.xlsx", _result(bad))]
    out = tmp_path / "out"
    out.mkdir()
    run = write_report_drafts(results, str(tmp_path), str(out))
    assert set(run) == {"好.xlsx"} and not run.failures  # an unscored file is not drafted
    letters = write_feedback_letters(results, str(tmp_path), str(out))
    assert set(letters) == {"好.xlsx", "坏.xlsx"} and not letters.failures
    # A scored file changed after scoring: its draft fails as a finding, the batch goes on.
    good.write_bytes(SAMPLES.joinpath("03-稷山医保配套2020.xlsx").read_bytes())
    run = write_report_drafts(results, str(tmp_path), str(out))
    assert run.failures["好.xlsx"]["code"] == "report.draft_failed"


# --- the 整改反馈单 -----------------------------------------------------------------------------


def _letter(name: str) -> tuple[str, list[list[str]]]:
    path = SAMPLES / name
    blob = draft_feedback([(name, _result(path), str(path))])
    d = docx.Document(io.BytesIO(blob))
    rows = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
    return "\n".join(p.text for p in d.paragraphs), rows


def test_feedback_states_ungraded_tables_plainly() -> None:
    text, _ = _letter("14-转移支付-中央与地方资金.xlsx")
    assert "农田建设补助资金：自评表不设分值，不评分、不定等级；共有绩效指标7项，达成6项，未达成1项。" in text
    assert "只核对" not in text
    text, _ = _letter("13-部门整体-评分表.xlsx")
    assert "某市某局：单位自评总分95.75分；2项指标的评分标准须人工复核，未核定总分、不定等级。" in text


def test_feedback_values_carry_their_units_and_fixes() -> None:
    _, rows = _letter("14-转移支付-中央与地方资金.xlsx")
    row = next(r for r in rows if r[2].startswith("指标完成与资金支出不匹配"))
    assert (row[3], row[4]) == ("94%", "99%")
    _, rows = _letter("02-池州棠溪-委托业务2022.xlsx")
    row = next(r for r in rows if r[2].startswith("执行率计算有误"))
    assert (row[3], row[4]) == ("100%", "0%")
    row = next(r for r in rows if r[2].startswith("指标未量化"))
    assert row[4] == "6项"
    _, rows = _letter("13-部门整体-评分表.xlsx")
    row = next(r for r in rows if r[2].startswith("评分标准须人工复核"))
    assert row[4] == "2行" and "人工复核" in row[5] and row[5] != "请按问题说明核对并修改。"
    _, rows = _letter("16-资金来源表-结余.xlsx")
    assert all(r[5] != "请按问题说明核对并修改。" for r in rows[1:])


def test_the_attachment_names_the_kind_of_table_and_the_rules_by_title() -> None:
    blob = draft_report(str(SAMPLES / "11-部门整体-分项与主要任务.xlsx"), _result(SAMPLES / "11-部门整体-分项与主要任务.xlsx"))
    paras = [t for _, t in _paragraphs(blob)]
    assert "部门整体支出绩效自评表（核定）" in paras
    assert "“核定得分”为按“全国通用（财预〔2020〕10号）”评分规则重新计算的得分。" in paras


def test_a_forms_printed_instructions_are_not_the_units_notes(tmp_path: Path) -> None:
    """备注：1.偏差原因分析需说明未完成原因及改进措施；2.本表由实施单位填报… is the form's, not
    something the unit has to explain: section 七 says 无; a bureau's phrases file decides."""
    blob = draft_report(str(SAMPLES / "03-稷山医保配套2020.xlsx"), _result(SAMPLES / "03-稷山医保配套2020.xlsx"))
    seven = _section(blob, HEADINGS[6])
    assert seven.split("\n")[1] == "无。" and "本表由" not in seven
    own = tmp_path / "措辞.toml"
    own.write_text('[report]\nform_notes = ["不会出现的文字"]\n', encoding="utf-8")
    blob = draft_report(str(SAMPLES / "03-稷山医保配套2020.xlsx"), _result(SAMPLES / "03-稷山医保配套2020.xlsx"),
                        phrases=str(own))
    assert "本表由实施单位填报" in _section(blob, HEADINGS[6])
    # The seed example's own note is the unit's and stays.
    assert "本表为填报示例" in _section(draft_report(str(SEED), _result(SEED)), HEADINGS[6])


@pytest.mark.parametrize("name, absent", [
    ("06-昌宁生猪养殖2022.xlsx", ("预期目标：二级指标", "年度总体目标完成情况：分值")),
    ("13-部门整体-评分表.xlsx", ("年度总体目标完成情况：86%",))])
def test_a_header_read_as_the_goal_is_not_quoted(name: str, absent: tuple[str, ...]) -> None:
    """Where the unit left the goal blank (06) or the table has no goal block (13), the report
    asks for the goal rather than quote the indicator header or an indicator's value."""
    text, _, _ = _text(SAMPLES / name)
    for words in absent:
        assert words not in text
    assert "【待填写：年度绩效目标（预期目标）】" in text
    # A goal the unit wrote is quoted as before.
    assert "招商节会项目年度总体目标：按照区招商引资工作领导小组" in _text(SEED)[0]


def test_a_two_row_goal_block_is_quoted() -> None:
    """12 puts 年度目标（年初） and 年度总体目标完成情况 in column A, each text right of its label:
    the report quotes both (it once asked for them, the reader having taken the labels)."""
    path = SAMPLES / "12-部门整体-指标权重式.xlsx"
    ws = openpyxl.load_workbook(path).active
    expected, actual = ws["B7"].value, ws["B8"].value
    text, _, _ = _text(path)
    assert f"年度总体目标：{expected}" in text and f"年度总体目标完成情况：{actual}" in text
    assert "【待填写：年度绩效目标（预期目标）】" not in text


def test_words_are_quoted_figures_are_not_and_codes_leave_the_unit_name() -> None:
    text, _, _ = _text(SAMPLES / "07-衡山储备粮2020.xlsx")
    assert "政策性挂账利息补贴保障率：年度指标值100%，实际完成“无”。" in text
    assert "粮食储备设备维护及安全性：年度指标值“高”，实际完成“高”。" in text
    text, _, blob = _text(SAMPLES / "02-池州棠溪-委托业务2022.xlsx")
    assert "经费支出合规性：年度指标值“严格执行相关制度规定”，实际完成“达成预期指标”，得8分（分值8分）。" in text
    assert _paragraphs(blob)[0][1] == "2022年度池州市贵池区棠溪镇人民政府项目支出绩效自评报告"


def test_each_projects_goal_completion_opens_its_own_part() -> None:
    """With several projects, a project's 年度总体目标完成情况 stands under its own heading, not
    all of them above the first project's indicators."""
    blob = draft_report(str(SEED), _result(SEED))
    three = _section(blob, HEADINGS[3]).split("（三）财政支出产出情况。")[1].split("（四）")[0].split("\n")
    first, second = three.index("1. 招商节会"), three.index("2. 农贸市场提质改造")
    assert three[first + 1].startswith("招商节会年度总体目标完成情况：")
    assert three[second + 1].startswith("农贸市场提质改造年度总体目标完成情况：")


def test_titles_name_the_kind_of_table() -> None:
    text, _, blob = _text(SAMPLES / "15-转移支付-有分值-下达到位支出.xlsx")
    assert _paragraphs(blob)[0][1] == "2023年度某县医疗保障局城乡医疗救助补助资金绩效自评报告"
    assert "1. 绩效目标不够细化、量化。" in _section(blob, TRANSFER_HEADINGS[4])
    seed_five = _section(draft_report(str(SEED), _result(SEED)), HEADINGS[4])
    assert "项目绩效目标" not in _section(blob, TRANSFER_HEADINGS[4]) and "部分绩效指标未完成年度目标" in seed_five


def test_the_attachment_of_a_table_without_scores_shows_targets_met_not_scores() -> None:
    blob = draft_report(str(SAMPLES / "14-转移支付-中央与地方资金.xlsx"), _result(SAMPLES / "14-转移支付-中央与地方资金.xlsx"))
    d = docx.Document(io.BytesIO(blob))
    funds, indicators = d.tables
    # The table has no 年初预算数 column: the attachment neither.
    assert [c.text for c in funds.rows[0].cells] == ["资金（万元）", "全年预算数", "全年执行数", "执行率"]
    assert [c.text for c in indicators.rows[0].cells][-2:] == ["完成比例", "是否达成"]
    first = [c.text for c in indicators.rows[1].cells]
    assert first[2:] == ["新建高标准农田面积", "≥20000亩", "19000亩", "95.00%", "未达成"]
    texts = [r[0].text for r in (row.cells for row in indicators.rows)]
    assert "总分" not in texts and "核定得分" not in "\n".join(p.text for p in d.paragraphs)


def test_the_letter_counts_only_what_it_found_and_the_report_quotes_as_公文() -> None:
    text, _ = _letter("13-部门整体-评分表.xlsx")
    assert "发现警告1处，请逐项核实，确有问题的予以修改：" in text and "错误0处" not in text
    text, _ = _letter("02-池州棠溪-委托业务2022.xlsx")
    assert "发现错误7处、警告1处，请逐项修改（警告项请核实，确无问题的可不修改）：" in text
    five = _section(draft_report(str(SAMPLES / "04-中江水标尺2022.xlsx"), _result(SAMPLES / "04-中江水标尺2022.xlsx")),
                    HEADINGS[4])
    assert "指标“安装坡面水标尺”实际完成值“≥266米”" in five and "「" not in five
