"""The scored workbook (perf_xlsx.write.scored) on real files built with tests/builders.py.

Every output is read back with openpyxl (and pandas / python-calamine / LibreOffice where the
acceptance asks for it). The original sheets are compared cell by cell with the input: the
only differences allowed are the ones the writer documents — the 核定得分 column right of
each project table and a red/yellow fill (plus a comment) on the cells it marks.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import re
import shutil
import stat
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import (
    LAYOUT_VARIANTS,
    Layout,
    SheetMap,
    libreoffice_resave,
    make_workbook,
    seed_spec,
    soffice_convert,
    spec_from_case,
    unit_sheet_from_specs,
)
from loaded import load_workbook
from openpyxl.comments import Comment
from openpyxl.worksheet.datavalidation import DataValidation

from perf_xlsx import ooxml as xp
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import Severity, WorkbookResult
from perf_xlsx.read.grid import read_grid
from perf_xlsx.rules import load_profile
from perf_xlsx.write import scored as writer
from perf_xlsx.write.output_tag import OUTPUT_PROPERTY
from perf_xlsx.write.print_area import widen_print_area
from perf_xlsx.write.scored import (
    WriteError,
    is_scored_output,
    render_scored,
    write_scored,
)

PROFILE = load_profile("national_2020")
RED, YELLOW, BLUE = "FFFFC7CE", "FFFFEB9C", "FFDDEBF7"
ERROR_VALUES = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!"}
PAYLOADS = ["=1+1", '=HYPERLINK("http://x.example","点击")', "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "＝1+1"]
CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"


# --------------------------------------------------------------------------------------------
# Inputs and outputs, built once per module
# --------------------------------------------------------------------------------------------


class Case:
    """One input workbook, its evaluation, where the builder put things, and the output."""
    def __init__(self, name: str, path: Path, maps: list[SheetMap]) -> None:
        self.name = name
        self.input = path
        self.maps = {m.title: m for m in maps}
        self.result: WorkbookResult = evaluate_file(str(path), PROFILE)
        assert self.result.status == "scored", self.result.error
        self.output = path.with_name(path.stem + ".scored.xlsx")
        self.input_sha = _sha(path)
        write_scored(str(path), self.result, str(self.output), PROFILE)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _seeds() -> list[dict[str, Any]]:
    return [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]


def _add_sheet_settings(path: Path) -> None:
    """Things the writer must carry: a data validation, print titles/area, header/footer,
    frozen panes and a hidden extra sheet."""
    wb = load_workbook(path)
    ws = wb["招商节会"]
    dv = DataValidation(type="list", formula1='"达成预期指标,部分达成预期指标,未达成预期指标"', allow_blank=True)
    dv.add("F14:F22")
    ws.add_data_validation(dv)
    ws.print_title_rows = "13:13"
    ws.print_area = "A1:J26"
    ws.oddFooter.center.text = "第 &P 页"
    ws.freeze_panes = "A14"
    wb["农贸市场提质改造"].print_title_rows = "12:12"
    notes = wb.create_sheet("备注")
    notes["A1"] = "内部备注"
    notes.sheet_state = "hidden"
    wb.save(path)


def _prefix_main_namespace(src: Path, dst: Path) -> None:
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info.filename)
            if info.filename.startswith("xl/") and info.filename.endswith(".xml") and "theme" not in info.filename:
                text = re.sub(r"<(/?)(?![?!])([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", data.decode())
                data = text.replace(f'xmlns="{main}"', f'xmlns:x="{main}"').encode()
            zo.writestr(info, data)


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    d = tmp_path_factory.mktemp("writer")
    out: dict[str, Case] = {}

    def build(name: str, specs: list[dict[str, Any]], layout: Layout, unit: bool = False) -> tuple[Path, list[SheetMap]]:
        unit_sheet = unit_sheet_from_specs(specs) if unit else None
        path, maps, _ = make_workbook(d / f"{name}.xlsx", specs, unit_sheet=unit_sheet, layout=layout)
        return path, maps

    path, maps = build("seed_formulas", _seeds(), LAYOUT_VARIANTS["formulas"], unit=True)
    out["seed_formulas"] = Case("seed_formulas", path, maps)
    path, maps = build("seed_settings", _seeds(), LAYOUT_VARIANTS["plain"], unit=True)
    _add_sheet_settings(path)
    out["seed_settings"] = Case("seed_settings", path, maps)
    for name, case, layout in (("split", "007", "split_target"), ("offset", "001", "offset"),
                               ("everything", "016", "everything"), ("percent", "011", "percent_cells")):
        path, maps = build(name, [spec_from_case(case)], LAYOUT_VARIANTS[layout])
        out[name] = Case(name, path, maps)
    # Entries that disagree with the tool: an indicator score, the total, and the funds score.
    spec = seed_spec("招商节会")
    spec["indicators"][0]["score"] = 8
    spec["indicators"][2]["actual"] = "1500份"  # 1500 of 2000 -> 7.5, entered 10
    spec["funds"]["total"]["score"] = 10
    spec["total_score_published"] = 95
    path, maps = build("mismatch", [spec], LAYOUT_VARIANTS["plain"])
    out["mismatch"] = Case("mismatch", path, maps)
    # The same workbook with every spreadsheetml element prefixed (<x:row>…), as some
    # generators write it: edits must keep the document's prefix.
    prefixed = d / "prefixed.xlsx"
    _prefix_main_namespace(out["seed_formulas"].input, prefixed)
    out["prefixed"] = Case("prefixed", prefixed, list(out["seed_formulas"].maps.values()))
    # Not compared cell by cell (they change on purpose), but opened everywhere else.
    out["kept"] = Case("kept", *_build_kept(d))
    out["macro"] = Case("macro", *_build_macro(d))
    return out


@pytest.fixture(scope="module")
def lo_case(cases: dict[str, Case], soffice: str, tmp_path_factory: pytest.TempPathFactory) -> Case:
    """The formulas workbook opened and saved by LibreOffice (shared strings, cached values,
    LibreOffice's own styles and attributes)."""
    d = tmp_path_factory.mktemp("lo_input")
    src = cases["seed_formulas"]
    path = libreoffice_resave(src.input, d)
    path = path.rename(d / "lo_seed.xlsx")
    return Case("lo_seed", path, list(src.maps.values()))


def _all_cases(cases: dict[str, Case]) -> list[Case]:
    return list(cases.values())


# --------------------------------------------------------------------------------------------
# What the writer is documented to change
# --------------------------------------------------------------------------------------------


def _anchor(ws: Any, ref: str) -> tuple[int, int]:
    cell = ws[ref]
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return rng.min_row, rng.min_col
    return cell.row, cell.column


def _rc(ref: str) -> tuple[int, int]:
    cell = openpyxl.utils.cell.coordinate_from_string(ref)
    return cell[1], openpyxl.utils.column_index_from_string(cell[0])


class ResultLine(str):
    """The expected text of a project's result line (a tool cell outside the 核定得分 column)."""


def _plain(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def expected_result_line(case: Case, ws_in: Any, ps: Any) -> tuple[tuple[int, int], ResultLine]:
    """Where and what the result line under a project's table is: the first row below the
    total row with no value and no merge in the input, in the table's first column."""
    smap = case.maps[ps.project.sheet]
    merged = {r for rng in ws_in.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)}
    row = smap.total_row + 1
    while row in merged or any(c.value is not None for c in ws_in[row]):
        row += 1
    in_sheet = [f for f in case.result.findings if f.sheet == ps.project.sheet]
    errors = sum(1 for f in in_sheet if f.severity is Severity.ERROR)
    warnings_ = sum(1 for f in in_sheet if f.severity is Severity.WARNING)
    score = _plain(ps.score) if ps.score is not None else "未核定"
    grade = ps.grade or "未定级" + (f"（{ps.ungraded.split('，')[0]}）" if ps.ungraded else "")
    text = f"核定总分 {score}　等级 {grade}　错误 {errors}，警告 {warnings_}"
    return (row, smap.first_col), ResultLine(text)


def expected_changes(case: Case, wb_in: Any) -> tuple[dict[str, dict[tuple[int, int], Any]],
                                                      dict[str, dict[tuple[int, int], str]]]:
    """(tool cells -> value, marked cells -> fill colour) per sheet, from the rules in
    writer's docstring, computed here independently of the writer's code. The tool cells are
    the 核定得分 column and the result line under each table (a ResultLine)."""
    tool: dict[str, dict[tuple[int, int], Any]] = {}
    marks: dict[str, dict[tuple[int, int], str]] = {}
    res = case.result
    for ps in res.scores:
        p, smap = ps.project, case.maps[ps.project.sheet]
        col = smap.last_col + 1
        cells = tool.setdefault(p.sheet, {})
        cells[(p.funds_header_row, col)] = "核定得分"
        cells[(smap.indicator_header_row, col)] = "核定得分"
        cells[(_rc(smap.funds["total"]["score"])[0], col)] = ps.funds.score
        for r in ps.indicators:
            cells[(r.indicator.row, col)] = r.counted if r.applicable else "不适用"
        if ps.score is not None:  # no verified total (e.g. 分值 above 100): the row stays blank
            cells[(smap.total_row, col)] = ps.score
        at, line = expected_result_line(case, wb_in[p.sheet], ps)
        cells[at] = line
    levels: dict[tuple[str, tuple[int, int]], str] = {}
    for f in res.findings:
        if f.severity is Severity.INFO or not f.sheet or not f.cell:
            continue
        key = (f.sheet, _anchor(wb_in[f.sheet], f.cell.split(":")[0]))
        if f.severity is Severity.ERROR or levels.get(key) != RED:
            levels[key] = RED if f.severity is Severity.ERROR else YELLOW
    for ps in res.scores:
        checks = [(r.indicator.score.ref, r.score_entered, r.counted) for r in ps.indicators
                  if r.applicable and r.indicator.score is not None]
        checks.append((ps.funds.score_cell, ps.funds.score_entered, ps.funds.score))
        if ps.project.total_score is not None:
            checks.append((ps.project.total_score.ref, ps.score_entered, ps.score))
        for ref, entered, computed in checks:
            if ref and entered is not None and computed is not None and abs(entered - computed) > 0.005:
                key = (ps.project.sheet, _anchor(wb_in[ps.project.sheet], ref))
                levels.setdefault(key, YELLOW)
    for (sheet, rc), colour in levels.items():
        marks.setdefault(sheet, {})[rc] = colour
    return tool, marks


# --------------------------------------------------------------------------------------------
# 3. The original sheets, intact
# --------------------------------------------------------------------------------------------


def _load(path: Path, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any "invalid content" warning fails the test
        return load_workbook(path, **kw)


def _style(cell: Any) -> tuple[Any, ...]:
    # copy() unwraps openpyxl's StyleProxy, whose == never matches another proxy.
    return (cell.number_format, copy.copy(cell.font), copy.copy(cell.border), copy.copy(cell.alignment),
            copy.copy(cell.protection))


def _fill_rgb(cell: Any) -> str | None:
    fill = cell.fill
    return fill.fgColor.rgb if fill is not None and fill.fill_type == "solid" else None


def _sheet_settings(ws: Any) -> dict[str, Any]:
    return {
        "merges": sorted(str(r) for r in ws.merged_cells.ranges),
        "validations": sorted((str(v.sqref), v.type, v.formula1) for v in ws.data_validations.dataValidation),
        "page_setup": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth,
                       ws.page_setup.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage
                       if ws.sheet_properties.pageSetUpPr else None),
        "margins": ws.page_margins,
        "print_options": ws.print_options,
        "print_titles": ws.print_title_rows,
        "print_area": ws.print_area,
        "footer": ws.oddFooter.center.text,
        "freeze": ws.freeze_panes,
        "state": ws.sheet_state,
        "row_heights": {r: d.height for r, d in ws.row_dimensions.items() if d.height is not None},
        "conditional": [str(r.sqref) for r in ws.conditional_formatting],
    }


def _with_tool_column(area: str, tool_col: int) -> str:
    """The print area the scored copy should have: an area ending just left of the 核定得分
    column takes it in, so the printed, stamped sheet shows the tool's scores."""
    sheet, _, cells = area.rpartition("!")
    first, _, last = cells.partition(":")
    m = re.fullmatch(r"\$?([A-Z]+)(\$?\d*)", last)
    assert m, area
    if openpyxl.utils.column_index_from_string(m.group(1)) == tool_col - 1:
        last = f"${openpyxl.utils.get_column_letter(tool_col)}{m.group(2)}"
    return f"{sheet}!{first}:{last}"


def assert_originals_intact(case: Case) -> None:
    wb_in, wb_out = _load(case.input), _load(case.output)
    tool, marks = expected_changes(case, wb_in)
    assert wb_out.sheetnames[2:] == wb_in.sheetnames
    for name in wb_in.sheetnames:
        wi, wo = wb_in[name], wb_out[name]
        sheet_tool, sheet_marks = tool.get(name, {}), marks.get(name, {})
        tool_cols = {c for (_, c), v in sheet_tool.items() if not isinstance(v, ResultLine)}
        want = _sheet_settings(wi)
        if want["print_area"] and tool_cols:
            want["print_area"] = _with_tool_column(want["print_area"], min(tool_cols))
        assert _sheet_settings(wo) == want, name
        widths_in = {k: d.width for k, d in wi.column_dimensions.items()}
        widths_out = {k: d.width for k, d in wo.column_dimensions.items()
                      if openpyxl.utils.column_index_from_string(k) not in tool_cols}
        assert widths_out == widths_in, name
        for col in tool_cols:
            assert wo.column_dimensions[openpyxl.utils.get_column_letter(col)].width == pytest.approx(11)
        max_row = max(wi.max_row, wo.max_row)
        max_col = max(wi.max_column, wo.max_column)
        seen_tool: set[tuple[int, int]] = set()
        for r in range(1, max_row + 1):
            for c in range(1, max_col + 1):
                ci, co = wi.cell(r, c), wo.cell(r, c)
                where = f"{name}!{co.coordinate}"
                if (r, c) in sheet_tool:
                    seen_tool.add((r, c))
                    assert ci.value is None, where
                    want = sheet_tool[(r, c)]
                    if isinstance(want, ResultLine):
                        assert co.value == want and co.font.b, where
                        assert _fill_rgb(co) is None and co.comment is None, where
                        continue
                    if isinstance(want, str):
                        assert co.value == want, where
                    else:
                        assert co.data_type == "n" and co.value == pytest.approx(want, abs=1e-9), where
                    assert _fill_rgb(co) == BLUE, where
                    continue
                assert (ci.data_type, ci.value) == (co.data_type, co.value), where
                assert _style(ci) == _style(co), where
                if (r, c) in sheet_marks:
                    assert _fill_rgb(co) == sheet_marks[(r, c)], where
                    assert co.comment is not None and co.comment.author == "perf_xlsx", where
                else:
                    assert copy.copy(ci.fill) == copy.copy(co.fill), where
                    assert (ci.comment is None) == (co.comment is None), where
        assert seen_tool == set(sheet_tool), name


CASE_NAMES = ["seed_formulas", "seed_settings", "split", "offset", "everything", "percent", "mismatch",
              "prefixed"]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_original_sheets_are_intact_except_documented_cells(cases: dict[str, Case], name: str) -> None:
    assert_originals_intact(cases[name])


def test_libreoffice_saved_input_is_intact(lo_case: Case) -> None:
    assert_originals_intact(lo_case)
    # Parts the writer had no reason to touch are byte-identical (shared strings, core props).
    with zipfile.ZipFile(lo_case.input) as zi, zipfile.ZipFile(lo_case.output) as zo:
        for name in ("xl/sharedStrings.xml", "docProps/core.xml", "docProps/app.xml"):
            assert zi.read(name) == zo.read(name), name


def test_mismatch_case_marks_exactly_the_disagreeing_cells(cases: dict[str, Case]) -> None:
    """Hand-written expectation (not derived from the findings) for the mismatch workbook."""
    case = cases["mismatch"]
    smap = case.maps["招商节会"]
    wb = _load(case.output)
    ws = wb["招商节会"]
    score0 = smap.indicator_cells[0]["score"]
    score2 = smap.indicator_cells[2]["score"]
    for ref in (score0, score2, smap.funds["total"]["score"], smap.total_score_cell):
        assert _fill_rgb(ws[ref]) == RED, ref
        assert "核定" in ws[ref].comment.text, ref
    assert "自评 8，核定 10" in ws[score0].comment.text
    assert "自评 10，核定 7.5" in ws[score2].comment.text
    tool_col = openpyxl.utils.get_column_letter(smap.last_col + 1)
    assert ws[f"{tool_col}{smap.indicator_rows[0]}"].value == 10
    assert ws[f"{tool_col}{smap.indicator_rows[2]}"].value == 7.5
    ps = case.result.scores[0]
    assert ws[f"{tool_col}{smap.total_row}"].value == pytest.approx(ps.score)
    # The unit's own entries are still there.
    assert ws[score0].value == 8 and ws[smap.total_score_cell].value == 95


def test_print_titles_and_validations_follow_their_sheet(cases: dict[str, Case]) -> None:
    wb = _load(cases["seed_settings"].output)
    assert wb["招商节会"].print_title_rows == "$13:$13"
    assert wb["农贸市场提质改造"].print_title_rows == "$12:$12"
    # The area ended at J, just left of the 核定得分 column K: it now takes K in.
    assert wb["招商节会"].print_area == "'招商节会'!$A$1:$K$26"
    assert wb["汇总"].print_title_rows == "$1:$1"
    assert wb["评分明细"].print_title_rows == "$1:$1"
    assert wb["备注"].sheet_state == "hidden"
    assert len(wb["招商节会"].data_validations.dataValidation) == 1


@pytest.mark.parametrize("area, spans, want, missed", [
    ("'表'!$A$1:$J$26", [(11, 6, 25)], "'表'!$A$1:$K$26", []),
    ("Sheet1!$A:$J", [(11, 6, 25)], "Sheet1!$A:$K", []),
    ("'表'!$A$1:$L$26", [(11, 6, 25)], "'表'!$A$1:$L$26", []),  # already in
    ("'表'!$A$1:$H$26", [(11, 6, 25)], "'表'!$A$1:$H$26", [11]),  # I:J left out on purpose
    ("'表'!$A$30:$J$40", [(11, 6, 25)], "'表'!$A$30:$J$40", []),  # rows apart: not its business
    ("S!$A$1:$J$10,S!$A$12:$J$40", [(11, 13, 25)], "S!$A$1:$J$10,S!$A$12:$K$40", []),
    ("'a,b'!$B$2:$J$30", [(11, 6, 25)], "'a,b'!$B$2:$K$30", []),
    ("S!$A$1:$J$20,S!$A$21:$M$40", [(11, 6, 25), (14, 21, 40)], "S!$A$1:$K$20,S!$A$21:$N$40", []),
    ("OFFSET(S!$A$1,0,0,20,10)", [(11, 6, 25)], "OFFSET(S!$A$1,0,0,20,10)", []),
])
def test_print_area_takes_in_the_tool_column(area: str, spans: list[tuple[int, int, int]], want: str,
                                             missed: list[int]) -> None:
    assert widen_print_area(area, spans) == (want, missed)


@pytest.mark.parametrize("area, results, want", [
    ("'表'!$A$1:$J$25", [(25, 26)], "'表'!$A$1:$K$26"),  # ends at the total row: takes the line in
    ("'表'!$A$1:$J$27", [(25, 29)], "'表'!$A$1:$K$29"),  # ends on the sign-off lines above it
    ("'表'!$A$1:$J$30", [(25, 26)], "'表'!$A$1:$K$30"),  # already in
    ("'表'!$A$1:$J$20", [(25, 26)], "'表'!$A$1:$K$20"),  # stops inside the table: left as the user cut it
    ("Sheet1!$A:$J", [(25, 26)], "Sheet1!$A:$K"),  # whole columns hold every row
    ("S!$A$1:$J$10,S!$A$12:$J$25", [(25, 27)], "S!$A$1:$K$10,S!$A$12:$K$27"),
])
def test_print_area_takes_in_the_result_line(area: str, results: list[tuple[int, int]], want: str) -> None:
    assert widen_print_area(area, [(11, 6, 25)], results=results) == (want, [])


def test_tool_column_skips_a_hidden_column(tmp_path: Path) -> None:
    """A hidden (or zero-width) column right of the table would hide the tool's scores: they go
    to the next visible column, and a print area ending at the table takes it in."""
    path, maps, _ = make_workbook(tmp_path / "hidden.xlsx", [seed_spec("招商节会")])
    edge = maps[0].last_col
    hidden, tool = (openpyxl.utils.get_column_letter(edge + k) for k in (1, 2))
    wb = load_workbook(path)
    ws = wb["招商节会"]
    ws.column_dimensions[hidden].hidden = True
    ws.print_area = f"A1:{openpyxl.utils.get_column_letter(edge)}40"
    wb.save(path)
    result = evaluate_file(str(path), PROFILE)
    out = tmp_path / "hidden_scored.xlsx"
    write_scored(str(path), result, str(out), PROFILE)
    ws = _load(out)["招商节会"]
    column = {c.value for c in ws[tool]}
    assert "核定得分" in column and result.scores[0].score in column
    assert not any(c.value is not None for c in ws[hidden]) and ws.column_dimensions[hidden].hidden
    assert not ws.column_dimensions[tool].hidden
    assert ws.print_area == f"'招商节会'!$A$1:${tool}$40"


def test_hidden_columns_include_zero_width_ones() -> None:
    sheet = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cols>'
             b'<col min="1" max="3" width="9"/><col min="4" max="5" width="0" customWidth="1"/>'
             b'<col min="7" max="7" width="9" hidden="1"/></cols><sheetData/></worksheet>')
    assert xp.SheetEditor(sheet).hidden_columns() == [(4, 5), (7, 7)]


def test_print_area_left_short_is_kept_and_said(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "area.xlsx", [seed_spec("招商节会")])
    wb = load_workbook(path)
    wb["招商节会"].print_area = "A1:H30"
    wb.save(path)
    result = evaluate_file(str(path), PROFILE)
    out = tmp_path / "area_scored.xlsx"
    write_scored(str(path), result, str(out), PROFILE)
    wb = _load(out)
    assert wb["招商节会"].print_area == "'招商节会'!$A$1:$H$30"
    tool_col = openpyxl.utils.get_column_letter(maps[0].last_col + 1)
    assert _find(wb["汇总"], f"工作表「招商节会」设置的打印区域不含 {tool_col} 列（核定得分），"
                             "打印前请在 WPS/Excel 中调整打印区域")


# --------------------------------------------------------------------------------------------
# 1./2. 汇总 and 评分明细
# --------------------------------------------------------------------------------------------


def _find(ws: Any, value: Any) -> Any:
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not found on {ws.title}")


def test_summary_first_and_active_with_scores_and_findings(cases: dict[str, Case]) -> None:
    case = cases["mismatch"]
    wb = _load(case.output)
    assert wb.sheetnames[:2] == ["汇总", "评分明细"]
    assert wb.active.title == "汇总"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["汇总"]
    ws = wb["汇总"]
    head = _find(ws, "总分（核定）")
    ps = case.result.scores[0]
    row = head.row + 1
    values = {ws.cell(head.row, c).value: ws.cell(row, c).value for c in range(1, 15)}
    assert values["项目名称"] == ps.project.name
    assert values["全年预算数"] == pytest.approx(ps.funds.budget)
    assert values["执行率"] == pytest.approx(ps.funds.rate)
    assert values["总分（核定）"] == pytest.approx(ps.score)
    assert values["总分（自评）"] == 95
    assert values["等级"] == ps.grade
    assert values["错误"] == case.result.errors
    assert ws.cell(row, 6).number_format == "0.00%"
    assert ws.cell(row, 9).number_format == "0.00"
    assert ws.cell(row, 9).alignment.horizontal == "right"
    assert _find(ws, "评分规则").offset(0, 2).value == f"{PROFILE.name}（{PROFILE.title}）"
    # Findings: errors first, each cell a link that jumps to the cell.
    list_head = _find(ws, "级别")
    levels, links = [], []
    r = list_head.row + 1
    while ws.cell(r, 2).value in ("错误", "警告", "提示"):
        levels.append(ws.cell(r, 2).value)
        cell = ws.cell(r, 4)
        if cell.value:
            links.append((ws.cell(r, 3).value, cell.value, cell.hyperlink.location if cell.hyperlink else None))
        r += 1
    assert len(levels) == len(case.result.findings)
    assert levels == sorted(levels, key=["错误", "警告", "提示"].index)
    assert links and all(loc == f"'{sheet}'!{ref}" for sheet, ref, loc in links)
    for sheet, ref, _ in links:
        wb[sheet][ref]  # the target exists
    for c in ws[f"A{head.row}":f"N{head.row}"][0]:
        assert c.font.name == "宋体"


def test_summary_says_plainly_when_there_is_nothing(cases: dict[str, Case], tmp_path: Path) -> None:
    case = cases["seed_formulas"]
    clean = copy.copy(case.result)
    clean.findings = []
    out = tmp_path / "clean.xlsx"
    write_scored(str(case.input), clean, str(out), PROFILE)
    ws = _load(out)["汇总"]
    assert _find(ws, "未发现问题")
    assert _find(ws, "二、问题清单（错误 0，警告 0，提示 0）")


def test_summary_unit_sheet_check(cases: dict[str, Case]) -> None:
    ws = _load(cases["seed_settings"].output)["汇总"]
    assert _find(ws, "单位汇总表核对").offset(0, 3).value == "工作表「项目清单」与各项目表一致"
    case = cases["seed_formulas"]
    unit_findings = [f for f in case.result.findings if f.code.startswith("unit.")]
    text = _find(_load(case.output)["汇总"], "单位汇总表核对").offset(0, 3).value
    if unit_findings:
        assert text.startswith(f"工作表「项目清单」有 {len(unit_findings)} 处不一致：")
        assert all(f.message in text for f in unit_findings)
    ws = _load(cases["split"].output)["汇总"]
    assert _find(ws, "单位汇总表核对").offset(0, 3).value.startswith("未找到单位项目清单")


def test_detail_one_row_per_indicator_plus_funds(cases: dict[str, Case]) -> None:
    case = cases["everything"]
    ws = _load(case.output)["评分明细"]
    heads = [c.value for c in ws[1]]
    assert heads[:7] == ["工作表", "项目名称", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值"]
    col = {h: i + 1 for i, h in enumerate(heads)}
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    ps = case.result.scores[0]
    assert len(rows) == 1 + len(ps.indicators)
    funds = rows[0]
    assert funds[col["三级指标"] - 1] == "预算执行率"
    assert funds[col["核定得分"] - 1] == pytest.approx(ps.funds.score)
    assert funds[col["计分说明"] - 1] == ps.funds.how
    for values, r in zip(rows[1:], ps.indicators):
        assert values[col["三级指标"] - 1] == r.indicator.name
        assert values[col["年度指标值"] - 1] == (r.target.raw or None)
        assert values[col["实际完成值"] - 1] == (r.actual.raw or None)
        assert values[col["类型"] - 1] == r.kind.label
        assert values[col["计分说明"] - 1] == r.how
        if r.applicable:
            assert values[col["核定得分"] - 1] == pytest.approx(r.counted)
    assert ws.auto_filter.ref == f"A1:R{len(rows) + 1}"
    assert ws.freeze_panes == "A2"
    assert ws.cell(2, col["完成比例"]).number_format == "0.00%"
    assert ws.cell(2, col["核定得分"]).number_format == "0.00"


def test_new_sheets_are_print_ready(cases: dict[str, Case]) -> None:
    wb = _load(cases["seed_formulas"].output)
    for name in ("汇总", "评分明细"):
        ws = wb[name]
        assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"


# --------------------------------------------------------------------------------------------
# 4. Readable everywhere; formula injection
# --------------------------------------------------------------------------------------------


def _tool_parts(path: Path) -> dict[str, bytes]:
    """The worksheet parts of 汇总 and 评分明细, found through workbook.xml and its rels."""
    with zipfile.ZipFile(path) as zf:
        wb = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        out = {}
        for name in ("汇总", "评分明细"):
            rid = re.search(rf'<sheet name="{name}"[^>]*?r:id="([^"]+)"', wb).group(1)
            target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels).group(1)
            out[name] = zf.read("xl/" + target.lstrip("/").removeprefix("xl/"))
        return out


def _formula_count(data: bytes) -> int:
    return len(re.findall(rb"<(?:\w+:)?f[\s>/]", data))


def test_formula_payloads_stay_text(tmp_path: Path) -> None:
    specs = []
    for i, payload in enumerate(PAYLOADS):
        spec = seed_spec("招商节会")
        spec["project_name"] = payload
        for j, ind in enumerate(spec["indicators"]):
            ind["name"] = PAYLOADS[(i + j) % len(PAYLOADS)]
        specs.append(spec)
    path, maps, _ = make_workbook(tmp_path / "injection.xlsx", specs, layout=LAYOUT_VARIANTS["formulas"])
    result = evaluate_file(str(path), PROFILE)
    out = tmp_path / "injection.scored.xlsx"
    write_scored(str(path), result, str(out), PROFILE)
    for name, data in _tool_parts(out).items():
        assert _formula_count(data) == 0, name
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(out) as zo:
        for m in maps:
            part = f"xl/worksheets/sheet{maps.index(m) + 1}.xml"
            # The original formulas are all still there and the writer added none.
            assert _formula_count(zo.read(part)) == _formula_count(zi.read(part)), part
    wb = _load(out)
    detail = wb["评分明细"]
    names = {c.value for c in detail["B"][1:]} | {c.value for c in detail["E"][1:]}
    for payload in PAYLOADS:
        assert payload.strip() in names, payload
    for ws in wb.worksheets[2:]:
        for row in ws.iter_rows(min_col=11, max_col=12):  # the added 核定得分 column
            for cell in row:
                assert cell.data_type != "f", cell.coordinate
    summary_names = [c.value for c in _load(out)["汇总"]["C"]]
    assert "=1+1" in summary_names and '=HYPERLINK("http://x.example","点击")' in summary_names


def test_control_characters_and_escapes_in_text(cases: dict[str, Case], tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    case = cases["offset"]
    ps = case.result.scores[0]
    # Text as the model may hold it: a control character the reader let through, a literal
    # "_x0041_" (which Excel would show as "A" unless escaped) and an over-long name.
    project = dataclasses.replace(ps.project, name="某局\x07名称\x1f_x0041_")
    first = dataclasses.replace(ps.indicators[0].indicator, name="很长" * 20000)
    rows = (dataclasses.replace(ps.indicators[0], indicator=first),) + ps.indicators[1:]
    result = copy.copy(case.result)
    result.scores = [dataclasses.replace(ps, project=project, indicators=rows)]
    out = tmp_path / "text.xlsx"
    write_scored(str(case.input), result, str(out), PROFILE)
    book = CalamineWorkbook.from_path(str(out))
    detail = book.get_sheet_by_name("评分明细").to_python()
    long = detail[2][4]
    assert len(long) == 32767 and long.endswith("（已截断）")
    # The literal "_x0041_" is written escaped (_x005F_x0041_); older python-calamine releases
    # (the last for Python 3.9) do not undo that escape, so the text is checked with our reader.
    sheets = {sheet.name: sheet for sheet in read_grid(str(out)).sheets}
    assert sheets["评分明细"].cells[(2, 2)].value == "某局名称_x0041_"
    assert any(cell.value == "某局名称_x0041_" for cell in sheets["汇总"].cells.values())
    _load(out)
    _check_package(out)


def test_scores_read_as_numbers_by_pandas_and_calamine(cases: dict[str, Case]) -> None:
    import pandas as pd
    from python_calamine import CalamineWorkbook

    case = cases["seed_formulas"]
    counted = [x for ps in case.result.scores for x in
               [ps.funds.score] + [r.counted for r in ps.indicators]]
    totals = [ps.score for ps in case.result.scores]
    wb = _load(case.output)
    header_row = _find(wb["汇总"], "总分（核定）").row
    for engine in ("openpyxl", "calamine"):
        detail = pd.read_excel(case.output, sheet_name="评分明细", engine=engine)
        assert detail["核定得分"].dtype.kind == "f", engine
        assert detail["核定得分"].tolist() == pytest.approx(counted)
        assert detail["分值"].notna().all()
        summary = pd.read_excel(case.output, sheet_name="汇总", engine=engine, header=header_row - 1,
                                nrows=len(totals))
        for column in ("总分（核定）", "资金得分", "指标得分", "执行率", "全年预算数"):
            assert summary[column].dtype.kind in "fi", (engine, column)  # numbers, not text
            assert summary[column].notna().all(), (engine, column)
        assert summary["总分（核定）"].tolist() == pytest.approx(totals)
    book = CalamineWorkbook.from_path(str(case.output))
    rows = book.get_sheet_by_name("评分明细").to_python()
    i = rows[0].index("核定得分")
    assert all(isinstance(r[i], float) for r in rows[1:])
    rows = book.get_sheet_by_name("汇总").to_python()
    j = rows[header_row - 1].index("总分（核定）")
    assert [r[j] for r in rows[header_row:header_row + len(totals)]] == pytest.approx(totals)


# --------------------------------------------------------------------------------------------
# Package integrity, determinism, the output tag
# --------------------------------------------------------------------------------------------


def _check_package(path: Path) -> None:
    from defusedxml import ElementTree as SafeET

    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert len(names) == len(set(names)), "duplicate zip entries"
        assert zf.testzip() is None
        types = SafeET.fromstring(zf.read("[Content_Types].xml"))
        defaults = {e.get("Extension").lower() for e in types if e.tag == CT_NS + "Default"}
        overrides = {e.get("PartName").lower(): e.get("ContentType") for e in types if e.tag == CT_NS + "Override"}
        for name in names:
            if name == "[Content_Types].xml":
                continue
            assert "/" + name.lower() in overrides or name.rsplit(".", 1)[-1].lower() in defaults, name
        assert overrides["/xl/workbook.xml"].endswith("sheet.main+xml")
        assert not any("vbaproject" in n.lower() or "externallink" in n.lower() for n in names)
        for name in names:
            if name.endswith((".xml", ".rels")):
                SafeET.fromstring(zf.read(name), forbid_dtd=True)  # well-formed
        wb = zf.read("xl/workbook.xml").decode()
        sheet_names = re.findall(r'<(?:\w+:)?sheet name="([^"]+)"', wb)
        assert sheet_names[:2] in (["汇总", "评分明细"], ["汇总(2)", "评分明细"])
        assert len(sheet_names) == len(set(sheet_names))
        assert all(len(n) <= 31 for n in sheet_names)


def test_package_is_clean(cases: dict[str, Case]) -> None:
    for case in _all_cases(cases):
        _check_package(case.output)
        _load(case.output)


def test_output_is_deterministic(cases: dict[str, Case], tmp_path: Path) -> None:
    case = cases["seed_settings"]
    again = tmp_path / "again.xlsx"
    write_scored(str(case.input), case.result, str(again), PROFILE)
    assert again.read_bytes() == case.output.read_bytes()
    assert render_scored(str(case.input), case.result, PROFILE) == case.output.read_bytes()


def test_is_scored_output(cases: dict[str, Case], tmp_path: Path) -> None:
    for case in _all_cases(cases):
        assert is_scored_output(str(case.output))
        assert not is_scored_output(str(case.input))
    renamed = tmp_path / "项目自评表（最终版）.xlsx"
    shutil.copy(cases["offset"].output, renamed)
    assert is_scored_output(str(renamed))
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    assert not is_scored_output(str(junk))
    assert not is_scored_output(str(tmp_path / "missing.xlsx"))
    with zipfile.ZipFile(cases["offset"].output) as zf:
        assert OUTPUT_PROPERTY.encode() in zf.read("docProps/custom.xml")


def _build_kept(d: Path) -> tuple[Path, list[SheetMap]]:
    """A workbook that already has comments (one on a cell the tool marks) and custom properties."""
    from openpyxl.packaging.custom import StringProperty

    spec = seed_spec("招商节会")
    spec["indicators"][0]["score"] = 8
    path, maps, _ = make_workbook(d / "kept.xlsx", [spec])
    wb = load_workbook(path)
    ws = wb["招商节会"]
    ws[maps[0].indicator_cells[0]["score"]].comment = Comment("单位自己的批注", "填表人")
    ws["A1"].comment = Comment("标题批注", "填表人")
    wb.custom_doc_props.append(StringProperty(name="来源", value="财政局"))
    wb.save(path)
    return path, maps


def test_existing_custom_properties_and_comments_are_kept(cases: dict[str, Case]) -> None:
    case = cases["kept"]
    smap = case.maps["招商节会"]
    wb = _load(case.output)
    ws = wb["招商节会"]
    score = smap.indicator_cells[0]["score"]
    assert ws[score].comment.text == "单位自己的批注"
    assert _fill_rgb(ws[score]) == RED
    assert ws["A1"].comment.text == "标题批注"
    ours = [c for row in ws.iter_rows() for c in row if c.comment and c.comment.author == "perf_xlsx"]
    assert ours and all(_fill_rgb(c) in (RED, YELLOW) for c in ours)
    assert {p.name for p in wb.custom_doc_props.props} == {"来源", OUTPUT_PROPERTY}
    assert _find(wb["汇总"], f"工作表「招商节会」{score} 已有批注，工具的说明未加批注（见下方问题清单）")


def _inject_macro_and_link(src: Path, dst: Path) -> None:
    """A macro project and a link to another workbook, added the way Excel stores them."""
    with zipfile.ZipFile(src) as zi:
        parts = {n: zi.read(n) for n in zi.namelist()}
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace("spreadsheetml.sheet.main+xml", "PLACEHOLDER")
    ct = ct.replace("application/vnd.openxmlformats-officedocument.PLACEHOLDER",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    ct = ct.replace("</Types>",
                    '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                    '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    parts["[Content_Types].xml"] = ct.encode()
    parts["xl/vbaProject.bin"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    parts["xl/externalLinks/externalLink1.xml"] = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        b'<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b'<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row>'
        b"</sheetData></sheetDataSet></externalBook></externalLink>")
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/externalLinkPath" Target="file:///\\\\attacker.example\\share\\budget.xlsx" '
        b'TargetMode="External"/></Relationships>')
    rels = parts["xl/_rels/workbook.xml.rels"].decode().replace(
        "</Relationships>",
        '<Relationship Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin" Id="rIdVba"/>'
        '<Relationship Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'externalLink" Target="externalLinks/externalLink1.xml" Id="rIdExt"/></Relationships>')
    parts["xl/_rels/workbook.xml.rels"] = rels.encode()
    wb = parts["xl/workbook.xml"].decode()
    wb = wb.replace("<definedNames />", "<definedNames/>").replace(
        "<definedNames/>", '<definedNames><definedName name="外部">[1]Sheet1!$A$1</definedName></definedNames>')
    wb = wb.replace("</sheets>", '</sheets><externalReferences><externalReference r:id="rIdExt"/>'
                                 "</externalReferences>")
    parts["xl/workbook.xml"] = wb.encode()
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    # A note cell pointing into the other workbook, with its cached value.
    sheet = re.sub(r'<c r="A25"[^>]*?(/>|>.*?</c>)', '<c r="A25"><f>[1]Sheet1!A1</f><v>42</v></c>', sheet, count=1)
    assert "[1]Sheet1!A1" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for name, data in parts.items():
            zo.writestr(name, data)


def _build_macro(d: Path) -> tuple[Path, list[SheetMap]]:
    src, maps, _ = make_workbook(d / "macro_base.xlsx", [seed_spec("招商节会")])
    path = d / "macro.xlsm"
    _inject_macro_and_link(src, path)
    return path, maps


def test_macros_and_external_links_are_dropped_and_named(cases: dict[str, Case]) -> None:
    out = cases["macro"].output
    _check_package(out)
    with zipfile.ZipFile(out) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    assert b"attacker.example" not in blob and b"[1]" not in blob
    for marker in (b"vnd.ms-office.vbaProject", b"relationships/vbaProject", b"macroEnabled",
                   b"externalReference", b"relationships/externalLink"):
        assert marker not in blob, marker
    wb = _load(out)
    assert wb["招商节会"]["A25"].value == 42
    notes = [c.value for c in wb["汇总"]["A"] if isinstance(c.value, str)]
    assert any(n.startswith("宏（VBA 工程 vbaProject.bin）") for n in notes)
    assert any(n.startswith("外部链接（指向 budget.xlsx）") for n in notes)
    assert any("1 个引用其他工作簿的公式已改为其原有数值" in n for n in notes)
    assert any("名称定义已移除" in n for n in notes)


def test_sheet_name_clash_gets_a_unique_name(tmp_path: Path) -> None:
    path, _, _ = make_workbook(tmp_path / "clash.xlsx", [seed_spec("招商节会")])
    wb = load_workbook(path)
    wb.create_sheet("汇总")["A1"] = "单位自己的汇总"
    wb.save(path)
    result = evaluate_file(str(path), PROFILE)
    out = tmp_path / "clash.scored.xlsx"
    write_scored(str(path), result, str(out), PROFILE)
    wb = _load(out)
    assert wb.sheetnames[:2] == ["汇总(2)", "评分明细"]
    assert wb["汇总"]["A1"].value == "单位自己的汇总"
    _check_package(out)


def test_overlong_sheet_name_is_reported_not_renamed(tmp_path: Path) -> None:
    path, _, _ = make_workbook(tmp_path / "long.xlsx", [seed_spec("招商节会")])
    wb = load_workbook(path)
    long_name = "说明" * 20
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about the length, and writes it anyway
        wb.create_sheet(long_name)
        wb.save(path)
    result = evaluate_file(str(path), PROFILE)
    out = tmp_path / "long.scored.xlsx"
    write_scored(str(path), result, str(out), PROFILE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(out)
    assert long_name in wb.sheetnames
    assert any(isinstance(c.value, str) and c.value.startswith(f"工作表名「{long_name}」超过 31 个字符")
               for c in wb["汇总"]["A"])


# --------------------------------------------------------------------------------------------
# 6. Safe writing
# --------------------------------------------------------------------------------------------


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_input_never_changes_and_output_has_normal_permissions(cases: dict[str, Case]) -> None:
    for case in _all_cases(cases):
        assert _sha(case.input) == case.input_sha, case.name
    mask = os.umask(0o022)
    os.umask(mask)
    mode = stat.S_IMODE(cases["offset"].output.stat().st_mode)
    assert mode == 0o666 & ~mask


def test_refuses_to_write_onto_the_input(cases: dict[str, Case], tmp_path: Path) -> None:
    case = cases["offset"]
    with pytest.raises(WriteError, match="输入文件本身"):
        write_scored(str(case.input), case.result, str(case.input), PROFILE)
    link = tmp_path / "link.xlsx"
    link.symlink_to(case.input)
    with pytest.raises(WriteError, match="输入文件本身"):
        write_scored(str(case.input), case.result, str(link), PROFILE)
    assert _sha(case.input) == case.input_sha


def test_missing_or_unwritable_folder(cases: dict[str, Case], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    case = cases["offset"]
    with pytest.raises(WriteError, match="目标文件夹 .* 不存在"):
        write_scored(str(case.input), case.result, str(tmp_path / "no" / "out.xlsx"), PROFILE)
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:  # root ignores permission bits: make the temp file creation fail
        import tempfile

        def denied(*_a: Any, **_k: Any) -> Any:
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(tempfile, "mkstemp", denied)
    else:
        locked.chmod(0o555)
    try:
        with pytest.raises(WriteError, match="文件被占用（可能正在 Excel/WPS 中打开）或没有写权限"):
            write_scored(str(case.input), case.result, str(locked / "out.xlsx"), PROFILE)
    finally:
        locked.chmod(0o755)
    assert _listing(locked) == []
    assert _sha(case.input) == case.input_sha


def test_failure_inside_the_write_leaves_nothing(cases: dict[str, Case], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    case = cases["offset"]
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "result.xlsx"
    write_scored(str(case.input), case.result, str(target), PROFILE)
    good = target.read_bytes()

    def half_then_fail(path: str, data: bytes, durable: bool = True) -> None:
        with open(path, "wb") as fh:
            fh.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer, "_write_file", half_then_fail)
    with pytest.raises(WriteError, match="磁盘空间不足"):
        write_scored(str(case.input), case.result, str(target), PROFILE)
    assert _listing(folder) == ["result.xlsx"]  # no temp file left behind
    assert target.read_bytes() == good  # the previous complete output survives
    new_target = folder / "new.xlsx"
    with pytest.raises(WriteError):
        write_scored(str(case.input), case.result, str(new_target), PROFILE)
    assert _listing(folder) == ["result.xlsx"]
    assert _sha(case.input) == case.input_sha


def test_internal_error_becomes_write_error(cases: dict[str, Case], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    case = cases["offset"]

    def broken(*_a: Any, **_k: Any) -> Any:
        raise KeyError("boom")

    monkeypatch.setattr(writer, "build_detail", broken)
    with pytest.raises(WriteError, match="无法生成评分工作簿"):
        write_scored(str(case.input), case.result, str(tmp_path / "x.xlsx"), PROFILE)
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("doc", [
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><x n="&b;"/>',
    b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>',
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
])
def test_lookup_parser_refuses_any_dtd(doc: bytes) -> None:
    """The writer's own expat lookups must stay as strict as defusedxml(forbid_dtd=True)."""
    from defusedxml import DTDForbidden

    with pytest.raises(DTDForbidden):
        xp.xml_elements(doc)
    assert not xp.well_formed(doc)


def test_lookup_parser_matches_elementtree() -> None:
    from xml.etree.ElementTree import ParseError

    from defusedxml import ElementTree as SafeET

    doc = ('<w:workbook xmlns:w="urn:m" xmlns:r="urn:r"><w:sheets><w:sheet name="甲&amp;乙" r:id="rId1"/>'
           '</w:sheets><w:definedNames><w:definedName name="a" localSheetId="0">\'甲\'!$A$1</w:definedName>'
           '<w:definedName name="b">x<w:y/>z</w:definedName></w:definedNames></w:workbook>').encode()
    ours = xp.xml_elements(doc, text_of=frozenset({"definedName"}))
    tree = list(SafeET.fromstring(doc, forbid_dtd=True).iter())
    assert [(e.local, e.attrib, e.text) for e in ours] == \
        [(t.tag.rsplit("}", 1)[-1], {k.lstrip("{"): v for k, v in t.attrib.items()},
          (t.text or "") if t.tag.endswith("definedName") else "") for t in tree]
    assert [e.depth for e in ours] == [0, 1, 2, 1, 2, 2, 3]
    with pytest.raises(ParseError):
        xp.xml_elements(b"<a><b></a>")
    with pytest.raises(ParseError):
        xp.xml_elements(b"<a>&undefined;</a>")


@pytest.mark.parametrize("target", ["sheet", "styles"])
def test_malformed_edited_part_is_refused(cases: dict[str, Case], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """The well-formedness net over the user's edited parts: a splice that broke one must
    stop the write, not produce a file Excel offers to repair."""
    case = cases["mismatch"]
    if target == "sheet":
        real_cell = xp.SheetEditor._cell_xml

        def broken_cell(self: xp.SheetEditor, ref: str, edit: xp.Edit, old: Any) -> str:
            return real_cell(self, ref, edit, old) + "<oops>"

        monkeypatch.setattr(xp.SheetEditor, "_cell_xml", broken_cell)
    else:
        real_styles = xp.Styles.to_bytes
        monkeypatch.setattr(xp.Styles, "to_bytes", lambda self: real_styles(self).replace(b"</fonts>", b"", 1))
    with pytest.raises(WriteError, match="不是合法 XML"):
        write_scored(str(case.input), case.result, str(tmp_path / "x.xlsx"), PROFILE)
    assert _listing(tmp_path) == []


def test_cli_score_writes_output_and_reports_errors(cases: dict[str, Case], tmp_path: Path) -> None:
    from click.testing import CliRunner

    from perf_xlsx.cli.commands import cli

    case = cases["mismatch"]
    out = tmp_path / "cli.xlsx"
    run = CliRunner().invoke(cli, ["score", str(case.input), "-o", str(out)])
    assert run.exit_code == 1, run.output  # the workbook has errors; the write succeeded
    assert f"已写出：{out}" in run.output
    assert is_scored_output(str(out))
    run = CliRunner().invoke(cli, ["score", str(case.input), "-o", str(tmp_path / "missing" / "x.xlsx")])
    assert run.exit_code == 2
    assert "错误：无法写入" in run.output
    assert "Traceback" not in run.output


# --------------------------------------------------------------------------------------------
# LibreOffice: opens, recalculates, prints
# --------------------------------------------------------------------------------------------


def _force_recalc(src: Path, dst: Path) -> None:
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            data = zi.read(info.filename)
            if info.filename == "xl/workbook.xml":
                text = data.decode()
                if "<calcPr" in text:
                    text = re.sub(r"<calcPr\b", '<calcPr fullCalcOnLoad="1"', text.replace('fullCalcOnLoad="1"', ""))
                else:
                    text = text.replace("</workbook>", '<calcPr fullCalcOnLoad="1"/></workbook>')
                data = text.encode()
            zo.writestr(info.filename, data)


@pytest.fixture(scope="module")
def lo_outputs(cases: dict[str, Case], lo_case: Case, soffice: str,
               tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Case, Path, Path]]:
    """Each output recalculated by LibreOffice (xlsx) and printed (pdf), two soffice calls."""
    d = tmp_path_factory.mktemp("lo_out")
    chosen = [cases[n] for n in ("seed_formulas", "seed_settings", "everything", "mismatch", "kept", "macro",
                                 "prefixed")]
    chosen.append(lo_case)
    copies = []
    for case in chosen:
        copy_path = d / f"{case.name}.xlsx"
        _force_recalc(case.output, copy_path)
        copies.append(copy_path)
    xlsx = soffice_convert(soffice, copies, d / "xlsx", "xlsx:Calc MS Excel 2007 XML")
    pdf = soffice_convert(soffice, [c.output for c in chosen[:2]] + [lo_case.output], d / "pdf", "pdf")
    out = {}
    for case, copy_path in zip(chosen, copies):
        pdf_path = pdf.get(case.output, Path())
        out[case.name] = (case, xlsx[copy_path], pdf_path)
    return out


LO_NAMES = ["seed_formulas", "seed_settings", "everything", "mismatch", "kept", "macro", "prefixed", "lo_seed"]


@pytest.mark.parametrize("name", LO_NAMES)
def test_libreoffice_recalculates_to_the_tools_values(lo_outputs: dict[str, tuple[Case, Path, Path]],
                                                      name: str) -> None:
    case, recalculated, _ = lo_outputs[name]
    values = _load(recalculated, data_only=True)
    formulas = _load(case.output)
    for ws in values.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                assert not (isinstance(v, str) and (v in ERROR_VALUES or v.startswith("Err:"))), \
                    f"{ws.title}!{cell.coordinate} = {v}"
    # The tool's own figures survive LibreOffice unchanged.
    for sheet in ("汇总", "评分明细"):
        orig, lo = formulas[sheet], values[sheet]
        for row in orig.iter_rows():
            for cell in row:
                if isinstance(cell.value, (int, float)):
                    assert lo[cell.coordinate].value == pytest.approx(cell.value, abs=1e-9), cell.coordinate
    # Original formulas, recalculated, agree with what the tool computed for the same cells
    # (the seed tables are filled consistently, so entered and computed figures coincide).
    for ps in case.result.scores:
        if name not in ("seed_formulas", "lo_seed", "seed_settings", "prefixed"):
            break
        ws_f, ws_v = formulas[ps.project.sheet], values[ps.project.sheet]
        total = next(r for r in ps.project.funds if r.kind == "total")
        checks = [(total.full_year, ps.funds.budget), (total.executed, ps.funds.executed),
                  (total.rate, ps.funds.rate), (total.score, ps.funds.score), (ps.project.total_score, ps.score)]
        for cell, want in checks:
            assert cell is not None and want is not None
            if not str(ws_f[cell.ref].value).startswith("="):
                assert name == "seed_settings"  # the plain layout types the figures in
                continue
            got = ws_v[cell.ref].value
            assert got == pytest.approx(want, abs=1e-9), (ps.project.sheet, cell.ref, got, want)
        smap = case.maps[ps.project.sheet]
        tool_col = openpyxl.utils.get_column_letter(smap.last_col + 1)
        assert ws_v[f"{tool_col}{smap.total_row}"].value == pytest.approx(ps.score)
    if case.result.model is not None and case.result.model.unit is not None and name != "mismatch":
        unit = case.result.model.unit
        ws_v = values[unit.sheet]
        budget = sum(ps.funds.budget for ps in case.result.scores)
        assert ws_v[unit.total.full_year.ref].value == pytest.approx(budget)
        assert _find(values["汇总"], "合计").offset(0, 3).value == pytest.approx(budget)


def test_summary_prints_on_a4_landscape(lo_outputs: dict[str, tuple[Case, Path, Path]]) -> None:
    import pypdfium2 as pdfium
    for name in ("seed_formulas", "seed_settings", "lo_seed"):
        _, _, pdf_path = lo_outputs[name]
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            page = pdf[0]
            width, height = page.get_size()
            assert width <= 842 + 1 and width > height, (name, width, height)
            assert abs(width - 842) < 2 and abs(height - 595) < 2  # A4 landscape
            text = page.get_textpage().get_text_range()
            # The whole width of the project table is on the first page: first and last column.
            for word in ("评分汇总", "序号", "总分（核定）", "警告"):
                assert word in text.replace("\r", "").replace("\n", ""), (name, word)
        finally:
            pdf.close()


def test_printed_project_sheets_show_the_tool_column(lo_outputs: dict[str, tuple[Case, Path, Path]]) -> None:
    """seed_settings has a print area (A1:J26 on 招商节会) and the template-like sheets print
    their used range: on every printed page with an indicator table, 核定得分 is there too."""
    import pypdfium2 as pdfium

    for name in ("seed_formulas", "seed_settings"):
        _, _, pdf_path = lo_outputs[name]
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            pages = [pdf[i].get_textpage().get_text_range().replace("\r", "").replace("\n", "")
                     for i in range(len(pdf))]
        finally:
            pdf.close()
        tables = [t for t in pages if "偏差原因" in t and "三级指标" in t]
        assert len(tables) >= 2, name
        assert all("核定得分" in t for t in tables), name


# --- fast paths of the text surgery: each must give what the plain form it replaced gives ----


def test_sheet_builder_rows_and_tails_match_the_cell_calls() -> None:
    import math

    numbers: list[Any] = [0, 7, -3, 10**15, 2.0, -0.0, 1e15, 1e16, 0.1 + 0.2, 1e-300, math.inf, -math.inf,
                          math.nan, None, True]
    for v in numbers:
        text = xp.number_text(v) if v is not None else None
        want = ' s="3"/>' if text is None else f' s="3"><v>{text}</v></c>'
        assert xp.number_tail(v, 3) == want, v
    texts: list[Any] = ["", None, "a&b<c>", " lead", "tab\t", "x_x0041_y", "bad\x01char", "长文本" * 20, 12, "=SUM(A1)"]
    by_cell, by_row = xp.SheetBuilder(), xp.SheetBuilder()
    for row in (1, 2, 2500):  # 2500: past the cached row openings
        tails = []
        for col, value in enumerate(texts, 2):
            by_cell.text(row, col, value, 5)
            tails.append(xp.text_tail(value, 5))
        by_cell.number(row, len(texts) + 2, 1.5, 6)
        tails.append(xp.number_tail(1.5, 6))
        by_row.put_row(row, tails, first_col=2)
    assert by_row.to_bytes() == by_cell.to_bytes()
    assert b"<f>" not in by_row.to_bytes() and b"_x005F_x0041_" in by_row.to_bytes()


def test_styles_children_and_one_pass_splice_match_the_plain_forms() -> None:
    import random

    from perf_xlsx.ooxml.markup import OPEN_TAG

    class Bare(xp.Styles):
        def __init__(self, prefix: str) -> None:  # only what _children needs
            self.p = prefix

    rng = random.Random(11)
    pieces = ["<xf", "<xf ", "<x:xf ", "<xfa", "/", ">", '"', "'", "a", " ", "</xf>", "</x:xf>", "/>", "</xf >",
              'a="/>"', "b='>'", "</xf", "<alignment/>"]
    for _ in range(3000):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        for p in ("", "x:"):
            pat = re.compile(rf"<{re.escape(p)}xf\b{OPEN_TAG}(?:/>|>.*?</{re.escape(p)}xf\s*>)", re.S)
            assert Bare(p)._children(body, "xf") == [m.group(0) for m in pat.finditer(body)], (p, body)
    for text in [xp.MINIMAL_STYLES,
                 xp.MINIMAL_STYLES.replace('<fills count="2">', '<fonts count="0"/><fills count="2">'),
                 xp.MINIMAL_STYLES.replace("<cellStyles", "<cellXfs/><cellStyles"),
                 xp.MINIMAL_STYLES.replace("<borders", "<fonts><borders/></fonts><borders")]:
        st = xp.Styles(text.encode())
        st.add("fonts", "<font><b/></font>")
        st.add("cellXfs", '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0"/>')
        st.clone_xf(0, fill_id=2)
        fast = st.to_bytes()
        st._splice_sections = lambda: None  # type: ignore[method-assign]
        assert fast == st.to_bytes(), text


def test_sheet_editor_fast_paths_match_the_plain_forms() -> None:
    import posixpath
    import random

    from perf_xlsx.a1 import col_index
    from perf_xlsx.ooxml.sheet_layout import after_sheet_data

    rng = random.Random(5)

    def plain_right_edge(ed: xp.SheetEditor, first: int, last: int) -> int:
        edge = 0
        for num in range(first, last + 1):
            span = ed.index.rows.get(num)
            if span is not None and span.close_tag:
                for attrs in ed.patterns.valued.findall(ed.text, span.start, span.end):
                    ref = re.search(r'\br="([A-Z]{1,3})\d+"', attrs)
                    if ref is not None:
                        edge = max(edge, col_index(ref.group(1)))
        return max([edge] + [c2 for r1, _c1, r2, c2 in ed.merges if r1 <= last and r2 >= first])

    def plain_after_data(text: str) -> int:
        m = re.compile(rf"</sheetData\s*>|<sheetData\b{xp.OPEN_TAG}/>", re.S).search(text)
        assert m is not None
        return m.end()

    for _ in range(400):
        nums = sorted(rng.sample(range(1, 20), rng.randint(1, 8)))
        if rng.random() < 0.3:
            rng.shuffle(nums)
        rows = []
        for r in nums:
            cells = "".join(rng.choice([f'<c r="{c}{r}"/>', f'<c r="{c}{r}" s="2"><v>1</v></c>',
                                        f'<c s="1" r="{c}{r}"><f>A1</f></c>', f'<c r="{c}{r}"><v></v></c>'])
                            for c in rng.sample(["A", "B", "D", "AA", "Z"], rng.randint(0, 4)))
            rows.append(f'<row r="{r}">{cells}</row>' + rng.choice(["", "", "\n", '<c r="ZZ1"><v>1</v></c>']))
        merges = '<mergeCells><mergeCell ref="B2:C4"/><mergeCell ref="C3:E3"/><mergeCell ref="A1:A30000"/></mergeCells>'
        text = f'<worksheet xmlns="{xp.NS_MAIN}"><sheetData>{"".join(rows)}</sheetData>{merges}</worksheet>'
        ed = xp.SheetEditor(text.encode())
        for first, last in ((1, 20), (3, 9), (5, 5)):
            assert ed.right_edge(first, last) == plain_right_edge(ed, first, last), text
        assert after_sheet_data(ed.text, ed.p) == plain_after_data(ed.text)
        # Overlapping merges: the later one holds the cell; the whole-column one comes last.
        assert [ed.anchor(3, c) for c in range(1, 7)] == [(1, 1), (2, 2), (3, 3), (3, 3), (3, 3), (3, 6)]
        assert ed.anchor(200, 1) == (1, 1) and ed.anchor(200, 2) == (200, 2)
    for source, target in [("xl/worksheets/sheet1.xml", "xl/comments1.xml"), ("xl/workbook.xml", "xl/a/b.xml"),
                           ("a.xml", "b/c.xml"), ("xl/x/y.xml", "xl/x/y.xml"), ("xl/../w.xml", "xl/c.xml"),
                           ("/xl/w.xml", "xl/c.xml"), ("xl//w.xml", "xl/c.xml")]:
        assert xp.relative(source, target) == posixpath.relpath(target, posixpath.dirname(source) or ".")
    for value in ["plain", 'q"&<>\n\t', "bad\x00\x1fchar", "转到 表!A1" * 40]:
        assert xp.clean_attr(value, 255) == xp.xml_attr(xp.clean_xml(value)[:255])
        assert xp.attrs_of(f'<c a="{value}" b=\'x\' a2="">') == {
            m.group(1): (m.group(2) if m.group(2) is not None else m.group(3) or "")
            for m in re.finditer(r'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')', f'<c a="{value}" b=\'x\' a2="">')}


def test_detail_sheet_shows_parsed_values_unrounded(tmp_path: Path) -> None:
    """评分明细's 指标值 / 实际值 are the parsed numbers: a cost target of 75元 under a 万元 table is
    0.0075 万元, shown as such (General), not rounded to 0.01 by a two-decimal format beside
    the typed 75元."""
    src = Path(__file__).resolve().parent.parent / "sample_workbooks" / "03-稷山医保配套2020.xlsx"
    result = evaluate_file(str(src), PROFILE)
    out = tmp_path / "copy.xlsx"
    write_scored(str(src), result, str(out), PROFILE)
    ws = load_workbook(out)["评分明细"]
    heads = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[heads.index("三级指标")].value
               and "配套资金每人每年" in str(r[heads.index("三级指标")].value))
    typed, parsed = row[heads.index("年度指标值")], row[heads.index("指标值")]
    assert typed.value == "75元"
    assert parsed.value == pytest.approx(0.0075) and parsed.number_format == "General"
    assert row[heads.index("分值")].number_format == "0.00"  # scores keep two decimals
