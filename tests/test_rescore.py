"""A scored copy sent back and scored again (issue 12 §3 "Own outputs and returns", writer
side): the new copy replaces what the previous scoring added — its 汇总 and 评分明细, the
核定得分 column and the result line of each table — and so looks as a first scoring of the
same content would: one of each, the sheets under their plain names, every name valid."""

from __future__ import annotations

import re
import zipfile
from copy import copy as copy_of
from pathlib import Path
from typing import Any

import openpyxl
from builders import make_workbook, seed_spec, soffice_convert
from click.testing import CliRunner
from dept_builders import chongqing_spec, make_department_workbook
from ooxml_schema import format_problems, validate_package
from openpyxl.styles import PatternFill

from perf_xlsx.api import evaluate
from perf_xlsx.cli.commands import cli
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import WorkbookResult
from perf_xlsx.rules import load_profile
from perf_xlsx.write.context import DETAIL_SHEET, SUMMARY_SHEET, TOOL_HEADER
from perf_xlsx.write.look import RED, YELLOW
from perf_xlsx.write.scored import write_scored

NATIONAL = load_profile("national_2020")
RESULT_LINE = re.compile(r"^核定总分 ")
TOOL_SHEETS = (SUMMARY_SHEET, DETAIL_SHEET)


def _score(path: Path, out: Path) -> WorkbookResult:
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.reason
    write_scored(str(path), result, str(out), NATIONAL)
    return result


def _tool_cells(copy: Path) -> dict[str, list[tuple[str, str]]]:
    """By user sheet: where the copy has a 核定得分 header or a result line, and what it says."""
    wb = openpyxl.load_workbook(copy)
    out: dict[str, list[tuple[str, str]]] = {}
    for ws in wb.worksheets:
        if ws.title in TOOL_SHEETS:
            continue
        out[ws.title] = [(c.coordinate, c.value) for row in ws.iter_rows() for c in row
                         if isinstance(c.value, str) and (c.value == TOOL_HEADER or RESULT_LINE.match(c.value))]
    return out


def _marks(copy: Path) -> dict[str, dict[str, tuple[Any, Any]]]:
    """By user sheet: the cells with a comment or the tool's red or yellow fill, with both."""
    wb = openpyxl.load_workbook(copy)
    out: dict[str, dict[str, tuple[Any, Any]]] = {}
    for ws in wb.worksheets:
        if ws.title in TOOL_SHEETS:
            continue
        out[ws.title] = {c.coordinate: (c.comment.text if c.comment else None, c.fill.fgColor.rgb)
                         for row in ws.iter_rows() for c in row
                         if c.comment or c.fill.fgColor.rgb in (RED, YELLOW)}
    return out


def _tool_columns(cells: list[tuple[str, str]]) -> set[str]:
    return {re.sub(r"\d", "", ref) for ref, text in cells if text == TOOL_HEADER}


def _scores(result: WorkbookResult) -> list[tuple[str, Any, Any, Any]]:
    return [(ps.project.sheet, ps.score, ps.grade, ps.funds.score) for ps in result.scores]


def _assert_names_valid(copy: Path) -> None:
    """Every defined name's scope is a sheet of the copy, and every sheet it refers to is one."""
    with zipfile.ZipFile(copy) as zf:
        text = zf.read("xl/workbook.xml").decode("utf-8")
    sheets = re.findall(r'<(?:\w+:)?sheet\b[^>]*\bname="([^"]+)"', text)
    names = re.findall(r"<(?:\w+:)?definedName\b([^>]*)>([^<]*)<", text)
    for attrs, body in names:
        scope = re.search(r'localSheetId="(\d+)"', attrs)
        assert scope is None or int(scope.group(1)) < len(sheets), (attrs, body, sheets)
        for quoted, plain in re.findall(r"'((?:[^']|'')+)'!|([^\s'!=(),:$]+)!", body):
            name = quoted.replace("''", "'") if quoted else plain
            assert name in sheets, (attrs, body, sheets)
        assert "#REF!" not in body, body


def _assert_like_first_scoring(copy: Path, fresh: Path) -> None:
    """``copy`` (a re-scored copy) has the sheets and tool cells ``fresh`` (a first scoring of
    the same content) has: one 汇总, one 评分明细, one 核定得分 column and result line a table."""
    names = openpyxl.load_workbook(copy).sheetnames
    assert names == openpyxl.load_workbook(fresh).sheetnames
    assert names[:2] == [SUMMARY_SHEET, DETAIL_SHEET] and not any("(" in n for n in names)
    cells, first = _tool_cells(copy), _tool_cells(fresh)
    assert cells == first
    # The comments and fills on the unit's cells are this scoring's, not the last one's.
    assert _marks(copy) == _marks(fresh)
    for sheet, found in cells.items():
        assert len(_tool_columns(found)) <= 1, (sheet, found)
        assert len([t for _, t in found if RESULT_LINE.match(t)]) <= 1, (sheet, found)


def _summary_notes(copy: Path) -> list[str]:
    ws = openpyxl.load_workbook(copy)[SUMMARY_SHEET]
    return [str(row[0]) for row in ws.iter_rows(values_only=True) if row[0]]


def test_corrected_copy_is_scored_again_as_a_first_scoring(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会"), seed_spec("农贸市场提质改造")])
    first = _score(path, tmp_path / "项目.scored.xlsx")
    m = maps[1]
    cell, value = m.funds["current_appropriation"]["executed"], first.scores[1].funds.executed * 0.5
    # The unit corrects a figure in its scored copy and sends it back.
    wb = openpyxl.load_workbook(tmp_path / "项目.scored.xlsx")
    wb[m.title][cell] = value
    wb.save(tmp_path / "返回.xlsx")
    back = _score(tmp_path / "返回.xlsx", tmp_path / "返回.scored.xlsx")
    # The same correction made in the original and scored once: what the copy must look like.
    wb = openpyxl.load_workbook(path)
    wb[m.title][cell] = value
    wb.save(tmp_path / "改.xlsx")
    fresh = _score(tmp_path / "改.xlsx", tmp_path / "改.scored.xlsx")
    assert back.scores[1].funds.score != first.scores[1].funds.score  # the change counts
    assert _scores(back) == _scores(fresh)
    out = tmp_path / "返回.scored.xlsx"
    _assert_like_first_scoring(out, tmp_path / "改.scored.xlsx")
    # The line under the table tells this scoring's result, not the last one's.
    lines = [t for _, t in _tool_cells(out)[m.title] if RESULT_LINE.match(t)]
    assert lines == [t for _, t in _tool_cells(tmp_path / "改.scored.xlsx")[m.title] if RESULT_LINE.match(t)]
    assert lines != [t for _, t in _tool_cells(tmp_path / "项目.scored.xlsx")[m.title] if RESULT_LINE.match(t)]
    _assert_names_valid(out)
    added = set(validate_package(out)) - set(validate_package(tmp_path / "返回.xlsx"))
    assert not added, format_problems(sorted(added))
    notes = _summary_notes(out)
    assert len([n for n in notes if "上次评分加入的工作表「汇总」「评分明细」" in n]) == 1
    # A first scoring says nothing of the kind.
    assert not [n for n in _summary_notes(tmp_path / "改.scored.xlsx") if "上次评分" in n]


def test_a_finding_fixed_in_the_copy_leaves_no_mark(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    first = _score(path, tmp_path / "a.xlsx")
    reason = m.indicator_cells[0]["reason"]
    # The first scoring warns that the over-achievement has no reason, on the reason cell.
    assert any(f.cell == reason for f in first.findings)
    assert reason in _marks(tmp_path / "a.xlsx")[m.title]
    for source, target in ((tmp_path / "a.xlsx", tmp_path / "b.xlsx"), (path, tmp_path / "改.xlsx")):
        wb = openpyxl.load_workbook(source)
        wb[m.title][reason] = "招商需要，增加一场"
        wb.save(target)
    back = _score(tmp_path / "b.xlsx", tmp_path / "c.xlsx")
    _score(tmp_path / "改.xlsx", tmp_path / "改.scored.xlsx")
    assert not any(f.cell == reason for f in back.findings)
    marks = _marks(tmp_path / "c.xlsx")[m.title]
    assert reason not in marks
    _assert_like_first_scoring(tmp_path / "c.xlsx", tmp_path / "改.scored.xlsx")
    # The cell has its own format back (fill included), as in the unit's original.
    ws, own = openpyxl.load_workbook(tmp_path / "c.xlsx")[m.title], openpyxl.load_workbook(path)[m.title]
    for part in ("fill", "font", "border", "alignment", "number_format"):
        # (openpyxl's style proxies do not compare equal to one another: their reprs do)
        assert repr(getattr(ws[reason], part)) == repr(getattr(own[reason], part)), part
    assert not [n for n in _summary_notes(tmp_path / "c.xlsx") if "已有批注" in n]
    assert [n for n in _summary_notes(tmp_path / "c.xlsx") if "上次评分" in n][0].endswith(
        "单元格批注已删除，由本次评分的结果替换；上次标色的单元格已恢复原有格式。")
    # Its comment was the sheet's only one: the comments part and drawing are left empty, valid.
    added = set(validate_package(tmp_path / "c.xlsx")) - set(validate_package(tmp_path / "b.xlsx"))
    assert not added, format_problems(sorted(added))


def test_a_mark_whose_own_format_cannot_be_told_stays_and_is_said(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    reason = m.indicator_cells[0]["reason"]
    # Another cell with the reason cell's format but a fill of its own: which of the two the
    # marked cell had cannot be told from the copy.
    wb = openpyxl.load_workbook(path)
    ws = wb[m.title]
    other = ws.cell(m.total_row + 30, 1)
    other.font, other.border = copy_of(ws[reason].font), copy_of(ws[reason].border)
    other.alignment, other.number_format = copy_of(ws[reason].alignment), ws[reason].number_format
    other.fill = PatternFill("solid", fgColor="FF00B0F0")
    wb.save(path)
    _score(path, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    wb[m.title][reason] = "招商需要，增加一场"
    wb.save(tmp_path / "b.xlsx")
    _score(tmp_path / "b.xlsx", tmp_path / "c.xlsx")
    cell = openpyxl.load_workbook(tmp_path / "c.xlsx")[m.title][reason]
    assert cell.comment is None and cell.fill.fgColor.rgb == YELLOW
    note = [n for n in _summary_notes(tmp_path / "c.xlsx") if "上次评分" in n][0]
    assert note.endswith("上次标色的单元格，能判定原有格式的已恢复，其余仍为上次的颜色。")


def test_untouched_copy_scores_as_the_original_and_settles(tmp_path: Path) -> None:
    path, _, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会")])
    _score(path, tmp_path / "a.xlsx")
    _score(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    _score(tmp_path / "b.xlsx", tmp_path / "c.xlsx")
    original = evaluate(str(path)).to_dict()["projects"]
    assert evaluate(str(tmp_path / "a.xlsx")).to_dict()["projects"] == original
    assert evaluate(str(tmp_path / "b.xlsx")).to_dict()["projects"] == original
    # However often it goes round, the copy has the first copy's sheets and tool cells.
    for copy in ("b.xlsx", "c.xlsx"):
        _assert_like_first_scoring(tmp_path / copy, tmp_path / "a.xlsx")
        _assert_names_valid(tmp_path / copy)
        assert not validate_package(tmp_path / copy)


def test_formulas_and_names_pointing_into_the_old_sheets(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    _score(path, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    ws = wb[m.title]
    ws.cell(m.total_row + 40, 1, f"='{SUMMARY_SHEET}'!A1")  # a unit's link into the old 汇总
    ws.print_area = f"A1:J{m.total_row}"
    # The unit deleted 评分明细: the sheets after 汇总 move up one, and so do their names' scopes.
    del wb[DETAIL_SHEET]
    wb.create_sheet("备注").print_area = "A1:B2"
    wb.save(tmp_path / "b.xlsx")
    _score(tmp_path / "b.xlsx", tmp_path / "c.xlsx")
    out = tmp_path / "c.xlsx"
    _assert_names_valid(out)
    back = openpyxl.load_workbook(out)
    assert back.sheetnames == [SUMMARY_SHEET, DETAIL_SHEET, m.title, "备注"]
    assert back[m.title].print_area.startswith(f"'{m.title}'!$A$1:")
    assert back["备注"].print_area == "'备注'!$A$1:$B$2"
    # The formula went (openpyxl saved it without a value, so nothing is left of it).
    assert back[m.title].cell(m.total_row + 40, 1).value is None
    assert any("引用上次评分加入的工作表的公式已改为其原有数值" in n for n in _summary_notes(out))
    added = set(validate_package(out)) - set(validate_package(tmp_path / "b.xlsx"))
    assert not added, format_problems(sorted(added))


def test_renamed_old_sheets_are_told_by_their_content(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会")])
    _score(path, tmp_path / "a.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "a.xlsx")
    wb[SUMMARY_SHEET].title = "上次结果"
    wb[DETAIL_SHEET].title = "明细"
    wb.save(tmp_path / "b.xlsx")
    _score(tmp_path / "b.xlsx", tmp_path / "c.xlsx")
    _assert_like_first_scoring(tmp_path / "c.xlsx", tmp_path / "a.xlsx")
    assert len([n for n in _summary_notes(tmp_path / "c.xlsx")
                if "本文件是本工具评分后的副本：上次评分加入的工作表「上次结果」「明细」、" in n]) == 1


def test_a_unit_s_own_sheet_called_summary_stays(tmp_path: Path) -> None:
    path, _, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会")])
    wb = openpyxl.load_workbook(path)
    own = wb.create_sheet(SUMMARY_SHEET)
    own["A1"] = "本单位自己的汇总说明"
    wb.save(path)
    _score(path, tmp_path / "a.xlsx")
    _score(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    for copy in ("a.xlsx", "b.xlsx"):
        wb = openpyxl.load_workbook(tmp_path / copy)
        # The tool's 汇总 takes the next free name; the unit's keeps its own, and its text.
        assert wb.sheetnames.count(SUMMARY_SHEET) == 1 and wb.sheetnames.count(DETAIL_SHEET) == 1
        assert wb.sheetnames[0] == f"{SUMMARY_SHEET}(2)"
        assert wb[SUMMARY_SHEET]["A1"].value == "本单位自己的汇总说明"
        _assert_names_valid(tmp_path / copy)
    assert openpyxl.load_workbook(tmp_path / "b.xlsx").sheetnames == \
        openpyxl.load_workbook(tmp_path / "a.xlsx").sheetnames
    assert _tool_cells(tmp_path / "b.xlsx") == _tool_cells(tmp_path / "a.xlsx")


def test_copy_saved_by_libreoffice_is_scored_again(tmp_path: Path, soffice: str) -> None:
    path, _, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会"), seed_spec("农贸市场提质改造")])
    first = _score(path, tmp_path / "a.xlsx")
    lo = soffice_convert(soffice, [tmp_path / "a.xlsx"], tmp_path / "lo", "xlsx")[tmp_path / "a.xlsx"]
    back = _score(lo, tmp_path / "b.xlsx")
    assert _scores(back) == _scores(first)
    out = tmp_path / "b.xlsx"
    names = openpyxl.load_workbook(out).sheetnames
    assert names[:2] == [SUMMARY_SHEET, DETAIL_SHEET] and len(names) == 4
    assert _tool_cells(out) == _tool_cells(tmp_path / "a.xlsx")
    # LibreOffice rewrote the comments and their drawing: the tool's are still told and replaced.
    assert _marks(out) == _marks(tmp_path / "a.xlsx")
    assert not [n for n in _summary_notes(out) if "已有批注" in n]
    _assert_names_valid(out)
    added = set(validate_package(out)) - set(validate_package(lo))
    assert not added, format_problems(sorted(added))
    # And LibreOffice opens the re-scored copy.
    again = soffice_convert(soffice, [out], tmp_path / "lo2", "xlsx")[out]
    assert openpyxl.load_workbook(again).sheetnames == names
    # Sent back as .ods: the copy holds values only (read.legacy), the old additions left out.
    ods = soffice_convert(soffice, [tmp_path / "a.xlsx"], tmp_path / "ods", "ods")[tmp_path / "a.xlsx"]
    result = CliRunner().invoke(cli, ["score", str(ods), "-o", str(tmp_path / "c.xlsx")])
    assert result.exit_code == 0, result.output
    names = openpyxl.load_workbook(tmp_path / "c.xlsx").sheetnames
    assert names[:2] == [SUMMARY_SHEET, DETAIL_SHEET] and len(names) == 4
    assert _tool_cells(tmp_path / "c.xlsx") == _tool_cells(tmp_path / "a.xlsx")
    _assert_names_valid(tmp_path / "c.xlsx")


def test_department_copy_scored_again(tmp_path: Path) -> None:
    path, _ = make_department_workbook(tmp_path / "部门.xlsx", chongqing_spec(), style="chongqing")
    first = _score(path, tmp_path / "a.xlsx")
    back = _score(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    assert _scores(back) == _scores(first)
    _assert_like_first_scoring(tmp_path / "b.xlsx", tmp_path / "a.xlsx")
    _assert_names_valid(tmp_path / "b.xlsx")
    added = set(validate_package(tmp_path / "b.xlsx")) - set(validate_package(tmp_path / "a.xlsx"))
    assert not added, format_problems(sorted(added))
