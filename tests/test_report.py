"""perf-xlsx report: the 自评报告 and 整改反馈单 drafts (issue 15).

Every report is made from a real workbook (a committed sample, or one the template writer builds
here) and read back from the .docx with python-docx; numbers are checked against the workbook
(read by openpyxl) and the JSON result; LibreOffice converts the drafts to PDF where the claim is
"opens and prints on A4".
"""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import docx
import openpyxl
import pytest
from click.testing import CliRunner

import perf_xlsx
from perf_xlsx.cli import cli
from perf_xlsx.draft import (
    DraftError,
    draft_feedback,
    draft_report,
    results_of,
    to_pdf,
    write_feedback_letters,
    write_report_drafts,
)
from perf_xlsx.draft.report import DEPARTMENT_HEADINGS, HEADINGS
from perf_xlsx.draft.styles import BODY, FILL, H1, TITLE, build_template
from perf_xlsx.rules import load_profile
from perf_xlsx.write.template import write_workbook
from perf_xlsx.write.template_data import FundsLine, example_data

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
SEED = SAMPLES / "01-示例-芙蓉区商务局2021.xlsx"
NATIONAL = load_profile("national_2020")


# --- helpers ---------------------------------------------------------------------------------


def _result(path: Path) -> dict[str, Any]:
    return perf_xlsx.evaluate(path).to_dict()


def _doc(blob: bytes) -> Any:
    return docx.Document(io.BytesIO(blob))


def _paragraphs(blob: bytes) -> list[tuple[str, str]]:
    """(style name, text) of every body paragraph, table cells included, in document order."""
    d = _doc(blob)
    out: list[tuple[str, str]] = []
    body = d.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = docx.text.paragraph.Paragraph(child, d)
            out.append((p.style.name, p.text))
        elif tag == "tbl":
            t = docx.table.Table(child, d)
            for row in t.rows:
                for cell in row.cells:
                    out.append(("cell", cell.text))
    return out


def _section(blob: bytes, heading: str) -> str:
    """The text of one of the seven sections (its heading up to the next one)."""
    paras = _paragraphs(blob)
    start = next(i for i, (s, t) in enumerate(paras) if s == H1 and t == heading)
    end = next((i for i in range(start + 1, len(paras)) if paras[i][0] == H1), len(paras))
    return "\n".join(t for _, t in paras[start:end])


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Heading enumerators: "1. 标题" at the start of a paragraph is the outline, not a figure.
_ENUMERATOR = re.compile(r"^\d+\.\s")


def _numbers_in(text: str) -> list[float]:
    return [float(m) for m in _NUMBER.findall(text)]


def _json_numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        yield float(value)
    elif isinstance(value, str):
        yield from _numbers_in(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _json_numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_numbers(v)


def _workbook_numbers(path: Path) -> set[float]:
    found: set[float] = set()
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb:
        found.update(_numbers_in(ws.title))
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, bool) or v is None:
                    continue
                if isinstance(v, (int, float)):
                    found.add(float(v))
                else:
                    found.update(_numbers_in(str(v)))
    return found


def _derived(result: dict[str, Any]) -> set[float]:
    """The figures a report may compute from the result: the unit's sums over its projects (per
    funds column and part of the 年度资金总额: the same row of each project, never two parts added
    together), its overall execution rate, each indicator's actual ÷ target, and the counts of
    indicators met and not met (JSON ``met``)."""
    out: set[float] = set()
    projects = result.get("projects", [])
    sums: dict[tuple[str, str, str, str], float] = {}
    for p in projects:
        for row in p["funds"]["rows"]:
            label = re.sub(r"^其中[：:]?\s*", "", str(row.get("label", ""))).strip()
            part = label if row["kind"] in ("component", "other", "detail") else ""
            for col in ("initial", "full_year", "executed"):
                if row.get(col) is not None:
                    key = (row["kind"], str(row.get("group")), part, col)
                    sums[key] = sums.get(key, 0.0) + row[col]
        inds = p.get("indicators", [])
        out.update({float(len(inds)), float(sum(1 for i in inds if i.get("met"))),
                    float(sum(1 for i in inds if i.get("met") is False))})
        for ind in inds:
            tv, av = ind.get("target_value"), ind.get("actual_value")
            if tv and av is not None:
                out.add(av / tv)
    out.update(sums.values())
    budget = sum(p["funds"]["budget"] or 0 for p in projects)
    executed = sum(p["funds"]["executed"] or 0 for p in projects)
    out.update({budget, executed})
    if budget:
        out.add(executed / budget)
    return out


def unexplained_numbers(text_lines: list[str], allowed: set[float]) -> list[str]:
    """Numbers in the report that are neither a workbook cell, a JSON figure nor a derived one
    (as written: 98.25 may stand for the fraction 0.9825 as a percentage)."""
    bad = []
    for line in text_lines:
        line = _ENUMERATOR.sub("", line)
        for token in _NUMBER.findall(line):
            t = float(token)
            if not any(abs(v - t) <= 0.0051 or abs(v * 100 - t) <= 0.0051 for v in allowed):
                bad.append(f"{token} in “{line[:60]}”")
    return bad


def _vague_workbook(path: Path, unit_info: tuple[tuple[str, str], ...] = ()) -> Path:
    """The seed example with its 效益 targets written as words (the seed report's own
    complaint: 绩效目标不够细化、量化), optionally with a filled 单位信息 sheet."""
    data = example_data()
    first = data.projects[0]
    vague = {"实际利用外商直接投资": "外资规模明显提升", "跨境电商交易额": "跨境电商有所增长"}
    lines = tuple(replace(i, target=vague[i.name], actual="达成预期指标") if i.name in vague else i
                  for i in first.indicators)
    data = replace(data, projects=(replace(first, indicators=lines), *data.projects[1:]), unit_info=unit_info)
    write_workbook(str(path), data, NATIONAL)
    return path


UNIT_INFO = (("staffing", "行政编制7个，事业编制12个"),
             ("headcount", "实有行政编制人员7人，事业编制人员11人，雇员2人，合计在职20人"),
             ("functions", "贯彻落实国内外贸易和招商引资的方针政策\n负责全区商业网点规划"),
             ("fund_rules", "制定内部控制管理手册，专项资金专款专用"),
             ("other", "本年度无其他需要说明的事项"))


# --- the report of the seed sample -------------------------------------------------------------


def test_seed_report_has_the_outline_and_the_budget_sentence() -> None:
    blob = draft_report(str(SEED), _result(SEED))
    paras = _paragraphs(blob)
    assert paras[0] == (TITLE, "2021年度长沙市芙蓉区商务局项目支出绩效自评报告")
    assert [t for s, t in paras if s == H1] == list(HEADINGS)  # the seven headings, in order
    two = _section(blob, HEADINGS[1])
    assert "项目支出年初预算为450.00万元，其中：招商节会200.00万元；农贸市场提质改造250.00万元" in two
    assert "招商节会：全年预算数200.00万元，全年执行数196.50万元，执行率98.25%，预算执行率得分9.83分（分值10分）" in two
    assert "合计：全年预算数450.00万元，全年执行数446.50万元，执行率99.22%" in two
    four = _section(blob, HEADINGS[3])
    assert "新引进项目个数：年度指标值≥50个，实际完成61个，完成年度指标值的122.00%" in four
    # the missed target, with the 偏差原因 the unit wrote
    assert "参加省市节会次数" in four and "受疫情影响，1场省级节会延期至下年度举办" in four
    assert "经按评分规则核定，招商节会总分98.16分（单位自评98.16分），等级为“优”" in four
    # the scored table as 附件, with 核定得分
    cells = [t for s, t in paras if s == "cell"]
    assert "核定得分" in cells and "98.16" in cells


def test_section_five_lists_the_unquantified_goals_the_checks_found(tmp_path: Path) -> None:
    path = _vague_workbook(tmp_path / "芙蓉区商务局.xlsx")
    result = _result(path)
    flagged = {f["cell"] for f in result["findings"] if f["code"] == "goal.not_quantified"}
    assert flagged  # the checks found them
    five = _section(draft_report(str(path), result), HEADINGS[4])
    assert "项目绩效目标不够细化、量化" in five
    assert "“实际利用外商直接投资”（外资规模明显提升）" in five and "“跨境电商交易额”（跨境电商有所增长）" in five
    six = _section(draft_report(str(path), result), HEADINGS[5])
    assert "细化、量化绩效指标" in six
    # The seed sample itself has quantified goals: no such problem is claimed for it.
    seed_five = _section(draft_report(str(SEED), _result(SEED)), HEADINGS[4])
    assert "不够细化、量化" not in seed_five
    assert "部分绩效指标未完成年度目标" in seed_five  # its one missed target is


@pytest.mark.parametrize("name", ["01-示例-芙蓉区商务局2021.xlsx", "03-稷山医保配套2020.xlsx",
                                  "04-中江水标尺2022.xlsx", "10-项目清单合计不符.xlsx",
                                  "11-部门整体-分项与主要任务.xlsx", "06-昌宁生猪养殖2022.xlsx",
                                  "12-部门整体-指标权重式.xlsx", "13-部门整体-评分表.xlsx"])
def test_every_number_in_the_report_is_a_cell_or_a_result_figure(name: str) -> None:
    path = SAMPLES / name
    result = _result(path)
    allowed = _workbook_numbers(path) | set(_json_numbers(result)) | _derived(result)
    lines = [t for _, t in _paragraphs(draft_report(str(path), result))]
    assert unexplained_numbers(lines, allowed) == []


def test_each_problem_found_is_stated_with_its_suggestion(tmp_path: Path) -> None:
    """Low execution, a score claimed above the rules and the 红灯 each appear only when found."""
    data = example_data()
    first = data.projects[0]
    funds = {**first.funds, "current_appropriation": FundsLine(200, 200, 150)}
    lines = tuple(replace(i, score=10) if i.name == "参加省市节会次数" else i for i in first.indicators)
    path = tmp_path / "偏高.xlsx"
    write_workbook(str(path), replace(data, projects=(replace(first, funds=funds, indicators=lines),
                                                      *data.projects[1:])), NATIONAL)
    result = _result(path)
    assert {"funds.output_exceeds_spending", "indicator.score_mismatch"} <= {f["code"] for f in result["findings"]}
    blob = draft_report(str(path), result)
    five, six = _section(blob, HEADINGS[4]), _section(blob, HEADINGS[5])
    assert "预算执行进度偏慢" in five and "执行率75.00%" in five
    assert "自评得分偏高" in five and "自评总分97.5分，核定总分95.83分" in five
    assert "指标完成情况与资金支出进度不匹配" in five and "实际成本 196.5 万元超过全年执行数 150 万元" in five
    assert "加快预算执行进度" in six and "提高绩效自评质量" in six and "做好资金支出与绩效目标的衔接" in six
    seed = draft_report(str(SEED), _result(SEED))
    for title in ("预算执行进度偏慢", "自评得分偏高", "不匹配", "填报存在差错"):
        assert title not in _section(seed, HEADINGS[4])
    allowed = _workbook_numbers(path) | set(_json_numbers(result)) | _derived(result)
    assert unexplained_numbers([t for _, t in _paragraphs(blob)], allowed) == []


def test_department_scoring_rows_are_told_by_their_rubric() -> None:
    path = SAMPLES / "13-部门整体-评分表.xlsx"
    blob = draft_report(str(path), _result(path))
    assert _paragraphs(blob)[0][1].endswith("部门整体支出绩效自评报告")
    four = _section(blob, DEPARTMENT_HEADINGS[3])
    assert "重点支出安排率：实际86%，按评分标准核定得4分（分值5分）。扣分原因：安排率86%，扣1分。" in four
    assert "资产管理规范性：评分标准须人工复核，单位自评10分（分值10分）。" in four
    assert "年度指标值未填写" not in four


def test_the_number_check_catches_a_number_from_nowhere() -> None:
    result = _result(SEED)
    allowed = _workbook_numbers(SEED) | set(_json_numbers(result)) | _derived(result)
    lines = [t for _, t in _paragraphs(draft_report(str(SEED), result))]
    assert unexplained_numbers([*lines, "全年执行数312.47万元"], allowed) == ["312.47 in “全年执行数312.47万元”"]
    assert unexplained_numbers(["1. 项目绩效目标不够细化、量化。"], allowed) == []  # an enumerator


def test_unit_info_sheet_fills_what_the_tables_cannot_know(tmp_path: Path) -> None:
    path = _vague_workbook(tmp_path / "单位.xlsx", UNIT_INFO)
    result = _result(path)
    # The 单位信息 sheet is neither a project table nor the 项目清单, and raises no finding.
    evaluation = perf_xlsx.evaluate(path)
    assert [p.sheet for p in evaluation.model.projects] == ["招商节会", "农贸市场提质改造"]
    assert evaluation.model.unit is not None and evaluation.model.unit.sheet == "项目清单"
    assert not [f for f in result["findings"] if f["sheet"] == "单位信息"]
    blob = draft_report(str(path), result)
    one = _section(blob, HEADINGS[0])
    assert "1. 编制情况：行政编制7个，事业编制12个。" in one
    assert "负责全区商业网点规划" in one and "【待填写：行政编制" not in one
    assert "【待填写：内设科室及下属单位】" in one  # 机构设置 was left blank
    assert "制定内部控制管理手册，专项资金专款专用" in _section(blob, HEADINGS[1])
    assert "本年度无其他需要说明的事项" in _section(blob, HEADINGS[6])
    # Its figures are cells of the workbook like any other.
    allowed = _workbook_numbers(path) | set(_json_numbers(result)) | _derived(result)
    assert unexplained_numbers([t for _, t in _paragraphs(blob)], allowed) == []


def test_gaps_are_red_fill_runs_and_section_seven_says_none_without_notes(tmp_path: Path) -> None:
    path = _vague_workbook(tmp_path / "单位.xlsx")
    blob = draft_report(str(path), _result(path))
    d = _doc(blob)
    fills = [r for p in d.paragraphs for r in p.runs if r.text.startswith("【待填写")]
    assert fills and all(r.style.name == FILL for r in fills)
    assert str(d.styles[FILL].font.color.rgb) == "FF0000"
    # Every 【待填写】 is such a run: none hides inside ordinary text.
    assert all(r.style.name == FILL for p in d.paragraphs for r in p.runs if "【待填写" in r.text)
    seven = _section(blob, HEADINGS[6])
    assert "本表为填报示例" in seven  # the example's own notes under its tables
    # Without notes (a blank template's own note is not the unit's), section 七 says 无.
    data = example_data()
    quiet = tmp_path / "无说明.xlsx"
    write_workbook(str(quiet), replace(data, projects=tuple(replace(p, notes=()) for p in data.projects)), NATIONAL)
    assert _section(draft_report(str(quiet), _result(quiet)), HEADINGS[6]).split("\n")[1] == "无。"


def _redated(src: Path, dst: Path, stamp: str) -> Path:
    """A copy of ``src`` whose docProps/core.xml says it was last saved at ``stamp``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            zout.writestr(info, data)
    return dst


def test_report_is_deterministic_and_dated_from_the_workbook(tmp_path: Path) -> None:
    result = _result(SEED)
    a = draft_report(str(SEED), result)
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(SEED, copy)
    assert draft_report(str(copy), result) == a  # same input, same bytes, wherever it lies
    saved = _redated(SEED, tmp_path / "saved.xlsx", "2022-03-15T08:30:05Z")
    c = draft_report(str(saved), _result(saved))
    with zipfile.ZipFile(io.BytesIO(c)) as z:
        assert {i.date_time for i in z.infolist()} == {(2022, 3, 15, 8, 30, 4)}  # zip times are even seconds
    props = _doc(c).core_properties
    stamps = {d.replace(tzinfo=None) for d in (props.created, props.modified, props.last_printed)}
    assert stamps == {datetime(2022, 3, 15, 8, 30, 5)}
    assert draft_report(str(saved), _result(saved)) == c


def test_stable_zip_dates_every_entry_and_keeps_the_contents() -> None:
    from perf_xlsx.draft.stable import stable_zip

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as z:  # dated now, as python-docx writes
        z.writestr("word/document.xml", "<w:document/>" * 50)
        z.writestr("[Content_Types].xml", "<Types/>")
        z.comment = b"perf-xlsx"
    when = datetime(2023, 6, 30, 17, 45, 59)
    once = stable_zip(raw.getvalue(), when)
    with zipfile.ZipFile(io.BytesIO(once)) as z:
        assert z.testzip() is None
        assert {i.date_time for i in z.infolist()} == {(2023, 6, 30, 17, 45, 58)}
        assert z.read("word/document.xml") == b"<w:document/>" * 50 and z.comment == b"perf-xlsx"
    assert stable_zip(once, when) == once and len(once) == len(raw.getvalue())
    with zipfile.ZipFile(io.BytesIO(stable_zip(raw.getvalue(), datetime(1970, 1, 1)))) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # zip dates start in 1980
    # Headers not where the directory says (bytes before the zip): rewritten entry by entry.
    with zipfile.ZipFile(io.BytesIO(stable_zip(b"#!prefix\n" + raw.getvalue(), when))) as z:
        assert {i.date_time for i in z.infolist()} == {(2023, 6, 30, 17, 45, 58)}
        assert z.read("[Content_Types].xml") == b"<Types/>"


def test_a_workbook_changed_after_scoring_is_refused(tmp_path: Path) -> None:
    result = _result(SEED)
    other = tmp_path / "other.xlsx"
    shutil.copyfile(SAMPLES / "03-稷山医保配套2020.xlsx", other)
    with pytest.raises(DraftError, match="sha256"):
        draft_report(str(other), result)


# --- the template ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind, name", [("report", "自评报告模板.docx"), ("feedback", "整改反馈单模板.docx")])
def test_committed_templates_match_a_fresh_build(kind: str, name: str) -> None:
    assert (ROOT / "templates" / name).read_bytes() == build_template(kind), \
        "run python tools/make_report_templates.py"


def test_a_restyled_template_changes_the_report(tmp_path: Path) -> None:
    template = docx.Document(str(ROOT / "templates" / "自评报告模板.docx"))
    template.styles[BODY].font.size = docx.shared.Pt(14)
    template.sections[0].left_margin = docx.shared.Mm(30)
    del template.styles.element[template.styles.element.index(template.styles[H1].element)]  # a style it lacks
    path = tmp_path / "本局模板.docx"
    template.save(str(path))
    out = _doc(draft_report(str(SEED), _result(SEED), template=str(path)))
    assert out.styles[BODY].font.size == docx.shared.Pt(14)
    assert abs(out.sections[0].left_margin.mm - 30) < 0.1  # stored in twips
    assert [p.text for p in out.paragraphs if p.style.name == H1] == list(HEADINGS)  # H1 added back
    # The template's own sample text is not carried into the report.
    assert not any("perf-xlsx report 的 Word 模板" in p.text for p in out.paragraphs)
    # A template that calls a paragraph style 待填写 (the drafts' character style) is refused by name.
    from docx.enum.style import WD_STYLE_TYPE

    from perf_xlsx.draft.render import TemplateError

    clash = docx.Document()
    clash.styles.add_style(FILL, WD_STYLE_TYPE.PARAGRAPH)
    clash.save(str(tmp_path / "冲突.docx"))
    with pytest.raises(TemplateError, match="样式「待填写」应为字符样式"):
        draft_report(str(SEED), _result(SEED), template=str(tmp_path / "冲突.docx"))


def test_phrases_file_rewords_problems_and_is_checked(tmp_path: Path) -> None:
    from perf_xlsx.draft.phrases import PhrasesError, load_phrases

    mine = tmp_path / "本局措辞.toml"
    mine.write_text('[problems.missed]\ntitle = "个别指标未达预期"\n[fixes]\n"funds.rate_mismatch" = "按公式重算"\n',
                    encoding="utf-8")
    five = _section(draft_report(str(SEED), _result(SEED), phrases=str(mine)), HEADINGS[4])
    assert "1. 个别指标未达预期。" in five and "部分绩效指标未完成年度目标" not in five
    table = load_phrases(str(mine))
    assert table.fix("funds.rate_mismatch") == "按公式重算"
    assert table.problems["goals_vague"].title == "项目绩效目标不够细化、量化"  # the rest as built in
    (tmp_path / "bad.toml").write_text('[problems.missed]\ntitel = "x"\n', encoding="utf-8")
    with pytest.raises(PhrasesError, match="未知的键 problems.missed.titel"):
        load_phrases(str(tmp_path / "bad.toml"))


# --- the 整改反馈单 --------------------------------------------------------------------------


def test_feedback_letter_lists_every_error_and_warning_by_sheet_and_row() -> None:
    path = SAMPLES / "10-项目清单合计不符.xlsx"
    result = _result(path)
    blob = draft_feedback([("10-项目清单合计不符.xlsx", result, str(path))], profile=NATIONAL)
    d = _doc(blob)
    text = "\n".join(p.text for p in d.paragraphs)
    assert d.paragraphs[1].text == "芙蓉区商务局："
    assert "【待填写：整改期限】" in text and "【待填写：联系人及电话】" in text
    assert "招商节会：单位自评99.83分，按评分规则核定99.83分，等级为“优”。" in text
    table = d.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    shown = [f for f in result["findings"] if f["severity"] in ("error", "warning")]
    assert len(rows) == len(shown) > 0
    sheet_order = openpyxl.load_workbook(path, read_only=True).sheetnames
    keys = [(sheet_order.index(r[1].split("!")[0]), int(re.sub(r"\D", "", r[1].split("!")[1]))) for r in rows]
    assert keys == sorted(keys)
    total = next(r for r in rows if r[1] == "项目清单!D7")
    assert total[2].startswith("项目清单合计不符（错误）") and total[3] == "450" and total[4] == "460"
    assert "求和公式" in total[5]


def test_feedback_without_problems_does_not_ask_for_a_resubmission(tmp_path: Path) -> None:
    clean = tmp_path / "无问题.xlsx"
    write_workbook(str(clean), example_data(), NATIONAL)
    result = _result(clean)
    assert not [f for f in result["findings"] if f["severity"] in ("error", "warning")]
    text = "\n".join(p.text for p in _doc(draft_feedback([("无问题.xlsx", result, str(clean))])).paragraphs)
    assert "未发现需要修改的问题。" in text and "无需重新报送" in text
    assert "请对照上述问题修改" not in text and "【待填写：整改期限】" not in text
    # One file with problems among the unit's files: the letter asks for the corrections.
    path = SAMPLES / "10-项目清单合计不符.xlsx"
    both = draft_feedback([("无问题.xlsx", result, str(clean)), ("10.xlsx", _result(path), str(path))])
    text = "\n".join(p.text for p in _doc(both).paragraphs)
    assert "请对照上述问题修改自评表" in text and "无需重新报送" not in text


def test_report_command_feedback_names_the_workbook_not_its_path(tmp_path: Path) -> None:
    out = tmp_path / "反馈.docx"
    got = CliRunner().invoke(cli, ["report", str(SAMPLES / "10-项目清单合计不符.xlsx"), "--feedback", "-o", str(out)])
    assert got.exit_code == 1 and out.is_file(), got.output  # 1: the workbook has errors, as `check`
    text = "\n".join(p.text for p in _doc(out.read_bytes()).paragraphs)
    assert "（一）10-项目清单合计不符.xlsx" in text
    assert str(SAMPLES) not in text and "sample_workbooks" not in text


def test_feedback_for_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("单位,预算\n", encoding="utf-8")
    result = _result(bad)
    text = "\n".join(p.text for p in _doc(draft_feedback([("坏文件.xlsx", result, str(bad))])).paragraphs)
    assert "该文件未能评分：" in text and "另存为 .xlsx" in text


# --- batch -----------------------------------------------------------------------------------


def _batch(tmp_path: Path) -> tuple[Path, Path, list[tuple[str, dict[str, Any]]]]:
    src = tmp_path / "收件"
    (src / "二科").mkdir(parents=True)
    shutil.copyfile(SEED, src / "商务局.xlsx")
    shutil.copyfile(SEED, src / "二科" / "商务局补报.xlsx")
    shutil.copyfile(SAMPLES / "03-稷山医保配套2020.xlsx", src / "稷山.xlsx")
    shutil.copyfile(SAMPLES / "05-永德营养改善2022.xlsx", src / "已删除.xlsx")
    _vague_workbook(src / "改后.xlsx")
    (src / "坏文件.xlsx").write_text("不是工作簿", encoding="utf-8")
    out = tmp_path / "评分结果"
    perf_xlsx.batch(src, out, jobs=1, recursive=True)
    lines = [json.loads(x) for x in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert list(results_of(str(out / "results.jsonl"))) == [(d["file"], d) for d in lines]
    return src, out, [(d["file"], d) for d in lines]


@pytest.mark.slow
def test_batch_report_drafts_and_feedback_letters(tmp_path: Path) -> None:
    src, out, results = _batch(tmp_path)
    # An input changed after the batch scored it: its draft fails, the others do not.
    _vague_workbook(src / "改后.xlsx", UNIT_INFO)
    (src / "已删除.xlsx").unlink()  # and one removed since
    reports = write_report_drafts(results, str(src), str(out), NATIONAL)
    assert set(reports) == {"商务局.xlsx", "二科/商务局补报.xlsx", "稷山.xlsx"}
    for rel, name in reports.items():
        scored = next(d["output"] for r, d in results if r == rel)
        assert name == scored.replace(".scored.xlsx", ".自评报告.docx")  # beside its scored copy
        assert [t for s, t in _paragraphs((out / name).read_bytes()) if s == H1] == list(HEADINGS)
    assert set(reports.failures) == {"改后.xlsx", "已删除.xlsx"}
    assert "无法读取文件" in reports.failures["已删除.xlsx"]["message"]
    failure = reports.failures["改后.xlsx"]
    assert failure["code"] == "report.draft_failed" and "评分之后被改动" in failure["message"]
    # Same input, same bytes.
    first = (out / reports["稷山.xlsx"]).read_bytes()
    write_report_drafts(results, str(src), str(out), NATIONAL)
    assert (out / reports["稷山.xlsx"]).read_bytes() == first

    letters = write_feedback_letters(results, str(src), str(out), NATIONAL)
    assert letters["商务局.xlsx"] == letters["二科/商务局补报.xlsx"] == "反馈/长沙市芙蓉区商务局.docx"
    assert letters["稷山.xlsx"] == "反馈/稷山县医疗保障局.docx"
    assert letters["坏文件.xlsx"] == "反馈/坏文件.docx"
    assert letters["已删除.xlsx"] == "反馈/永德县教育体育局.docx"  # its result still names the unit
    assert not letters.failures
    both = "\n".join(p.text for p in _doc((out / "反馈" / "长沙市芙蓉区商务局.docx").read_bytes()).paragraphs)
    assert "（一）二科/商务局补报.xlsx" in both and "（二）商务局.xlsx" in both
    assert sorted(p.name for p in (out / "反馈").iterdir()) == sorted({Path(v).name for v in letters.values()})


# --- PDF and the command line ------------------------------------------------------------------


@pytest.fixture(scope="session")
def writer(soffice: str) -> str:
    """soffice with its Writer component (Debian: libreoffice-writer-nogui), which .docx needs."""
    program = Path(shutil.which(soffice) or soffice).resolve().parent
    if not any(program.glob("libswlo.*")):
        import os

        message = "LibreOffice Writer is not installed (apt-get install libreoffice-writer-nogui)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return soffice


def test_report_and_letter_convert_to_a4_pdf(tmp_path: Path, writer: str) -> None:
    import pypdfium2

    report = tmp_path / "报告.docx"
    report.write_bytes(draft_report(str(SEED), _result(SEED)))
    letter = tmp_path / "反馈.docx"
    path = SAMPLES / "04-中江水标尺2022.xlsx"
    letter.write_bytes(draft_feedback([(path.name, _result(path), str(path))]))
    for docx_path, min_pages in ((report, 3), (letter, 1)):
        pdf = pypdfium2.PdfDocument(to_pdf(str(docx_path)))
        assert len(pdf) >= min_pages
        for page in pdf:
            w, h = page.get_size()
            assert abs(w - 595.3) < 1.5 and abs(h - 841.9) < 1.5  # A4, every page
        first = pdf[0].get_textpage().get_text_range()
        assert ("一、项目概况" if docx_path == report else "绩效自评整改反馈单") in first
    # The command's --pdf writes the PDF beside the .docx.
    src = tmp_path / "商务局.xlsx"
    shutil.copyfile(SEED, src)
    run = CliRunner().invoke(cli, ["report", str(src), "--pdf"])
    assert run.exit_code == 0, run.output
    assert (tmp_path / "商务局.自评报告.pdf").read_bytes().startswith(b"%PDF")


def test_to_pdf_without_libreoffice_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "报告.docx"
    target.write_bytes(draft_report(str(SEED), _result(SEED)))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DraftError, match="未安装 LibreOffice"):
        to_pdf(str(target))


def test_report_command(tmp_path: Path) -> None:
    src = tmp_path / "商务局.xlsx"
    shutil.copyfile(SEED, src)
    runner = CliRunner()
    run = runner.invoke(cli, ["report", str(src)])
    assert run.exit_code == 0, run.output
    out = tmp_path / "商务局.自评报告.docx"
    assert run.output.strip() == f"已写出：{out}"
    assert [t for s, t in _paragraphs(out.read_bytes()) if s == H1] == list(HEADINGS)
    again = runner.invoke(cli, ["report", str(src)])
    assert again.exit_code == 2 and "--force" in again.output  # a unit's edited draft is not replaced
    letter = runner.invoke(cli, ["report", str(src), "--feedback", "-o", str(tmp_path / "反馈" / "单.docx")])
    assert letter.exit_code == 0 and (tmp_path / "反馈" / "单.docx").exists()
    bad = runner.invoke(cli, ["report", str(src), "--template", str(src), "-o", str(tmp_path / "x.docx")])
    assert bad.exit_code == 2 and "模板不是可用的 Word 文档" in bad.output
    helped = runner.invoke(cli, ["report", "--help"])
    assert "perf-xlsx report 商务局.xlsx --pdf" in helped.output and "用法：" in helped.output


def test_report_of_a_legacy_xls(tmp_path: Path, soffice: str) -> None:
    import subprocess

    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    "xls", "--outdir", str(tmp_path), str(SEED)], check=True, capture_output=True, timeout=180)
    xls = tmp_path / (SEED.stem + ".xls")
    result = _result(xls)
    assert result["status"] == "scored"
    blob = draft_report(str(xls), result)
    assert [t for s, t in _paragraphs(blob) if s == H1] == list(HEADINGS)
    assert "项目支出年初预算为450.00万元，其中：招商节会200.00万元；农贸市场提质改造250.00万元" in _section(blob, HEADINGS[1])
    from perf_xlsx.draft.book import FALLBACK_TIME, workbook_time

    assert workbook_time(str(xls)) is None  # no docProps in an .xls: the fixed fallback date
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        assert {i.date_time for i in z.infolist()} == {FALLBACK_TIME.timetuple()[:6]}
