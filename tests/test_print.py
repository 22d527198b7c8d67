"""The scored copy on paper: rendered to PDF by headless LibreOffice and read back with
pdftotext (poppler-utils), page by page.

What a finance bureau prints: each project sheet with its 核定得分 column on the same page as
the table (not alone on a last page), the result line under the table (核定总分 / 等级 /
错误, 警告) printed with the table, landscape and one page wide where the unit's sheet had no
page layout of its own, and 评分明细 with nothing clipped. Percentages appear as typed (85%,
not 0.85) in 评分明细 and in the JSON. The inputs are the sample workbooks and builder tables,
one of them stripped of its page setup.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from builders import LAYOUT_VARIANTS, make_workbook, seed_spec, soffice_convert
from loaded import load_workbook
from ooxml_schema import format_problems, validate_package

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import ProjectScore, Severity, WorkbookResult
from perf_xlsx.ooxml.sheet_layout import fit_to_width, page_setup
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import load_profile
from perf_xlsx.write.scored import write_scored

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample_workbooks").glob("*.xlsx"))
PROFILE = load_profile("national_2020")
SUMMARY, DETAIL = "汇总", "评分明细"
LINE_POINTS = 13.5  # the 10-point font 评分明细 is drawn in: one wrapped line


# --- text measures, written here independently of the writer ---------------------------------


def text_width(text: str) -> int:
    """Columns a text takes: East Asian wide and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def lines_needed(text: str, column_width: float) -> int:
    """Lines a wrapped cell needs: each paragraph's width over the column's (less one
    character of cell padding), rounded up."""
    usable = max(column_width - 1, 1)
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- rendering ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def poppler() -> str:
    """pdftotext's folder; skipped where poppler-utils is missing, except under CI."""
    exe = shutil.which("pdftotext")
    if exe is None or shutil.which("pdfinfo") is None:
        message = "pdftotext/pdfinfo (poppler-utils) are not on PATH"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must install poppler-utils", pytrace=False)
        pytest.skip(message)
    return str(Path(exe).parent)


@dataclass
class Rendered:
    """One scored copy and its PDF: every page's text (layout and raw) and size."""
    name: str
    input: Path
    output: Path
    result: WorkbookResult
    layout: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    sizes: list[tuple[float, float]] = field(default_factory=list)

    def ours(self, i: int) -> bool:
        """Whether page ``i`` belongs to 汇总 (its title row repeats) or 评分明细 (its header)."""
        return "评分汇总" in self.layout[i] or "计分说明" in self.layout[i]

    def project_pages(self) -> list[int]:
        return [i for i in range(len(self.layout)) if not self.ours(i)]

    def detail_pages(self) -> list[int]:
        return [i for i in range(len(self.layout)) if "计分说明" in self.layout[i]]


def _pdf_pages(bindir: str, pdf: Path) -> tuple[list[str], list[str], list[tuple[float, float]]]:
    info = subprocess.run([f"{bindir}/pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    layout, raw = [], []
    for n in range(1, len(sizes) + 1):
        for mode, out in (("-layout", layout), ("-raw", raw)):
            out.append(subprocess.run([f"{bindir}/pdftotext", "-f", str(n), "-l", str(n), mode, str(pdf), "-"],
                                      capture_output=True, text=True, check=True).stdout)
    return layout, raw, sizes


def _strip_page_setup(path: Path) -> None:
    """The workbook's sheets without any page layout: no fit to page, orientation, paper or
    scale (a table as many units send it)."""
    wb = load_workbook(path)
    for ws in wb.worksheets:
        if ws.sheet_properties.pageSetUpPr is not None:
            ws.sheet_properties.pageSetUpPr.fitToPage = None
        ws.page_setup.orientation = None
        ws.page_setup.paperSize = None
        ws.page_setup.fitToWidth = None
        ws.page_setup.fitToHeight = None
        ws.page_setup.scale = None
    wb.save(path)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, soffice: str, poppler: str) -> dict[str, Rendered]:
    work = tmp_path_factory.mktemp("print")
    inputs: dict[str, Path] = {}
    # A builder table with no page setup at all: the copy must set one.
    path, _, _ = make_workbook(work / "no_setup.xlsx", [seed_spec("招商节会")], layout=LAYOUT_VARIANTS["plain"])
    _strip_page_setup(path)
    inputs["no_setup"] = path
    # Percentages typed into percent-formatted cells (stored 0.85, shown 85.00%).
    path, _, _ = make_workbook(work / "percent.xlsx", [seed_spec("招商节会")],
                               layout=LAYOUT_VARIANTS["percent_cells"])
    inputs["percent"] = path
    for sample in SAMPLES:
        copy = work / sample.name
        shutil.copyfile(sample, copy)
        inputs[sample.stem] = copy
    out: dict[str, Rendered] = {}
    for name, src in inputs.items():
        result = evaluate_file(str(src), PROFILE)
        assert result.status == "scored", (name, result.error)
        target = work / "scored" / f"{name}.xlsx"
        target.parent.mkdir(exist_ok=True)
        write_scored(str(src), result, str(target), PROFILE)
        out[name] = Rendered(name, src, target, result)
    pdfs = soffice_convert(soffice, [r.output for r in out.values()], work / "pdf", "pdf")
    for r in out.values():
        r.layout, r.raw, r.sizes = _pdf_pages(poppler, pdfs[r.output])
    return out


NAMES = ["no_setup", "percent"] + [s.stem for s in SAMPLES]


def _input_text(r: Rendered, sheet: str, ref: str) -> str:
    wb = load_workbook(r.input, read_only=False)
    value = wb[sheet][ref].value
    return "" if value is None else str(value).strip()


def _header_texts(r: Rendered, ps: ProjectScore) -> list[str]:
    """The indicator table's header row as the input has it: its first two texts that sit on
    that row alone (a label merged down the rows below, 绩效指标, prints lower down)."""
    wb = load_workbook(r.input)
    ws = wb[ps.project.sheet]
    row = ps.project.indicator_header_row
    tall = {(m.min_row, m.min_col) for m in ws.merged_cells.ranges if m.max_row > m.min_row}
    texts = [str(c.value).strip().split("\n")[0].strip() for c in ws[row]
             if c.value is not None and str(c.value).strip() and (c.row, c.column) not in tall]
    return texts[:2]  # first lines: a header written on two lines prints on two


def _result_line(r: Rendered, ps: ProjectScore) -> str:
    in_sheet = [f for f in r.result.findings if f.sheet == ps.project.sheet]
    errors = sum(1 for f in in_sheet if f.severity is Severity.ERROR)
    warnings = sum(1 for f in in_sheet if f.severity is Severity.WARNING)
    score = f"{ps.score:.2f}".rstrip("0").rstrip(".") if ps.score is not None else "未核定"
    grade = ps.grade or "未定级" + (f"（{ps.ungraded.split('，')[0]}）" if ps.ungraded else "")
    return squeeze(f"核定总分{score}等级{grade}错误{errors}，警告{warnings}")


# --- 1. the 核定得分 column and the result line print with the table ---------------------------


@pytest.mark.parametrize("name", NAMES)
def test_tool_column_and_result_line_print_with_the_table(rendered: dict[str, Rendered], name: str) -> None:
    r = rendered[name]
    pages = r.project_pages()
    assert pages, f"{name}: no page of the project sheets was printed"
    for ps in r.result.scores:
        if not ps.project.indicator_header_row:
            continue
        first, second = _header_texts(r, ps)
        # Pages where the indicator table's header row is printed: its first column header
        # and the next one on one line.
        header_pages = [i for i in pages if any(first in line and second in line and line.index(first) <
                                                line.index(second) for line in r.layout[i].splitlines())]
        assert header_pages, f"{name}: the header row ({first} {second}) of {ps.project.sheet} is not printed"
        for i in header_pages:
            assert "核定得分" in r.layout[i], f"{name}: page {i + 1} prints the table without its 核定得分 column"
        # The result line: printed, on a page that also prints the table's total row.
        line = _result_line(r, ps)
        found = [i for i in pages if line in squeeze(r.layout[i])]
        assert found, f"{name}: the result line {line} is not printed"
        label = _input_text(r, ps.project.sheet, ps.project.total_label_cell) if ps.project.total_label_cell else ""
        for i in found:
            if label:
                assert squeeze(label) in squeeze(r.layout[i]), f"{name}: the result line is alone on page {i + 1}"
            if ps.score is not None:
                assert f"{ps.score:.2f}" in r.layout[i], f"{name}: page {i + 1} lacks the tool's total"
        # No page of the project holds the 核定得分 column alone: every page that prints the
        # column prints some of the table's first column too (its header or its total label).
        for i in pages:
            if "核定得分" in r.layout[i]:
                assert first in r.layout[i] or (label and squeeze(label) in squeeze(r.layout[i])), (name, i)


def test_sheet_without_page_setup_prints_landscape_one_page_wide(rendered: dict[str, Rendered]) -> None:
    r = rendered["no_setup"]
    wb_in = load_workbook(r.input)
    assert not wb_in["招商节会"].sheet_properties.pageSetUpPr or \
        not wb_in["招商节会"].sheet_properties.pageSetUpPr.fitToPage
    wb = load_workbook(r.output)
    ws = wb["招商节会"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (int(ws.page_setup.fitToWidth), int(ws.page_setup.fitToHeight)) == (1, 0)
    assert str(ws.page_setup.paperSize) == "9"
    pages = r.project_pages()
    assert pages
    for i in pages:
        width, height = r.sizes[i]
        assert width > height, f"page {i + 1} of the project sheet is portrait"
    # 汇总 says so, in its 说明.
    notes = [str(c.value) for row in wb[SUMMARY].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("招商节会" in n and "横向" in n and "一页宽" in n for n in notes), notes
    assert any("原未设置打印缩放" in squeeze(r.layout[i]) for i in range(len(r.layout)) if r.ours(i))


@pytest.mark.parametrize("name", [s.stem for s in SAMPLES])
def test_sheet_with_its_own_page_setup_keeps_it(rendered: dict[str, Rendered], name: str) -> None:
    """A layout the unit chose (fit to pages here, in every sample) is not replaced: the
    copy's page setup of each original sheet is the input's, and 汇总 notes nothing."""
    r = rendered[name]
    wb_in, wb_out = load_workbook(r.input), load_workbook(r.output)
    for ws in wb_in.worksheets:
        pi, po = ws.page_setup, wb_out[ws.title].page_setup
        fit_in = ws.sheet_properties.pageSetUpPr.fitToPage if ws.sheet_properties.pageSetUpPr else None
        if not fit_in and ws.print_area is None:
            continue  # no layout of its own (a sheet without a table keeps it too: not tested here)
        assert (pi.orientation, pi.paperSize, pi.fitToWidth, pi.fitToHeight, pi.scale) == \
            (po.orientation, po.paperSize, po.fitToWidth, po.fitToHeight, po.scale), ws.title
    assert not any("原未设置打印缩放" in squeeze(page) for page in r.layout), name


# --- 2. 评分明细 on paper --------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_detail_rows_are_tall_enough_for_their_text(rendered: dict[str, Rendered], name: str) -> None:
    r = rendered[name]
    wb = load_workbook(r.output)
    ws = wb[DETAIL]
    widths = {letter: dim.width for letter, dim in ws.column_dimensions.items()}
    assert ws.print_title_rows == "$1:$1"
    assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ws.page_setup.fitToWidth) == 1
    checked = 0
    for row in ws.iter_rows(min_row=1):
        for cell in row:
            if not isinstance(cell.value, str):
                continue
            assert cell.alignment.wrap_text, f"{name}: {cell.coordinate} does not wrap"
            need = lines_needed(cell.value, widths[cell.column_letter])
            height = ws.row_dimensions[cell.row].height
            assert height is not None and height >= LINE_POINTS * need, \
                f"{name}: {cell.coordinate} «{cell.value}» needs {need} lines, row is {height} pt"
            checked += 1
    assert checked


@pytest.mark.parametrize("name", NAMES)
def test_detail_text_is_all_on_paper(rendered: dict[str, Rendered], name: str) -> None:
    """Every text of 评分明细 is in the PDF: LibreOffice leaves out the lines of a wrapped cell
    that do not fit its row, so a clipped 二级 name or 计分说明 would be missing."""
    r = rendered[name]
    pages = r.detail_pages()
    assert pages
    printed = "".join(squeeze(r.raw[i]) for i in pages)
    wb = load_workbook(r.output)
    missing = [f"{c.coordinate} «{c.value}»" for row in wb[DETAIL].iter_rows(min_row=2) for c in row
               if isinstance(c.value, str) and squeeze(c.value) not in printed]
    assert not missing, f"{name}: clipped or not printed: {missing[:5]}"


# --- 3. percentages as typed ------------------------------------------------------------------


def _detail_rows(path: Path) -> list[dict[str, Any]]:
    ws = load_workbook(path)[DETAIL]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_percent_cells_show_as_typed_in_detail_and_json(rendered: dict[str, Rendered]) -> None:
    r = rendered["percent"]
    ws = load_workbook(r.input)["招商节会"]
    rows = {row["三级指标"]: row for row in _detail_rows(r.output)}
    data = result_to_dict(r.result)
    indicators = {i["name"]: i for i in data["projects"][0]["indicators"]}
    percent_cells = 0
    for ps in r.result.scores:
        for s in ps.indicators:
            ind = s.indicator
            for key, cell, shown in (("target", ind.target, "年度指标值"), ("actual", ind.actual, "实际完成值")):
                source = ws[cell.ref]
                if not isinstance(source.value, (int, float)) or "%" not in source.number_format:
                    assert indicators[ind.name][f"{key}_text"] == indicators[ind.name][key]
                    continue
                percent_cells += 1
                typed = f"{source.value * 100:.6f}".rstrip("0").rstrip(".") + "%"
                assert rows[ind.name][shown] == typed, (ind.name, key)
                assert indicators[ind.name][f"{key}_text"] == typed
                assert indicators[ind.name][key] == f"{source.value:g}"  # the stored text, as before
    assert percent_cells >= 3
    # The seed's 签约项目履约率 (≥80%, 85%) and 节会活动按计划完成率 (100%, 100%).
    assert rows["签约项目履约率"]["实际完成值"] == "85%"
    assert rows["节会活动按计划完成率"]["年度指标值"] == "100%"
    assert indicators["签约项目履约率"]["actual_text"] == "85%"
    assert indicators["签约项目履约率"]["actual"] == "0.85"
    assert indicators["签约项目履约率"]["actual_value"] == pytest.approx(85.0)


@pytest.mark.parametrize("name", NAMES)
def test_json_has_the_shown_text_of_every_indicator(rendered: dict[str, Rendered], name: str) -> None:
    r = rendered[name]
    data = result_to_dict(r.result)
    for project in data["projects"]:
        for ind in project["indicators"]:
            assert isinstance(ind["target_text"], str) and isinstance(ind["actual_text"], str)
            for key in ("target", "actual"):
                if ind[f"{key}_text"] != ind[key]:
                    assert ind[f"{key}_text"].endswith("%") and ind["unit"] == "%", ind


# --- the page-setup edit itself, on the XML forms it meets (no LibreOffice) -------------------


_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
_DATA = '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>'


@pytest.mark.parametrize("xml", [
    _HEAD + _DATA + "</worksheet>",
    _HEAD + "<sheetPr/>" + _DATA + '<pageMargins left="1" right="1" top="1" bottom="1" header="0" footer="0"/>'
    "</worksheet>",
    _HEAD + '<sheetPr><tabColor rgb="FFFF0000"/><outlinePr summaryBelow="1"/></sheetPr>' + _DATA +
    '<headerFooter><oddFooter>x</oddFooter></headerFooter></worksheet>',
    _HEAD + '<sheetPr><pageSetUpPr fitToPage="0"/></sheetPr>' + _DATA +
    '<pageSetup orientation="portrait" paperSize="8"/><ignoredErrors><ignoredError sqref="A1" '
    'numberStoredAsText="1"/></ignoredErrors></worksheet>',
    # A custom view's own pageSetup is not the sheet's.
    _HEAD + _DATA + '<customSheetViews><customSheetView guid="{00000000-0000-0000-0000-000000000001}">'
    '<pageSetup orientation="portrait"/></customSheetView></customSheetViews></worksheet>',
    _HEAD.replace("<worksheet xmlns=", "<x:worksheet xmlns:x=") + _DATA.replace("<", "<x:").replace("<x:/", "</x:")
    + "</x:worksheet>",
])
def test_fit_to_width_edits_any_sheet_form(xml: str) -> None:
    p = "x:" if xml.startswith("<x:") else ""
    assert not page_setup(xml, p).chosen
    out = fit_to_width(xml, p)
    assert page_setup(out, p).chosen and page_setup(out, p).fit_to_page
    setups = re.findall(rf"<{p}pageSetup\b[^>]*>", out)
    sheet_setup = setups[0] if "customSheetView" not in out else \
        re.findall(rf"<{p}pageSetup\b[^>]*>", out.split("</customSheetViews>")[1])[0]
    assert 'orientation="landscape"' in sheet_setup and 'fitToWidth="1"' in sheet_setup
    assert 'fitToHeight="0"' in sheet_setup
    assert 'paperSize="8"' in sheet_setup if 'paperSize="8"' in xml else 'paperSize="9"' in sheet_setup
    assert out.count(f"<{p}sheetPr") == 1
    if "customSheetView" in xml:
        assert '<pageSetup orientation="portrait"/></customSheetView>' in out  # untouched
    # Valid against the worksheet schema, in the element order it demands.
    validate_worksheet(out)


def validate_worksheet(xml: str) -> None:
    """``xml`` as the one sheet of a minimal package, through the schema validator."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                    '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                    'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument'
                    '.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                    '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        zf.writestr("_rels/.rels",
                    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml",
                    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                    'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels",
                    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", xml)
    problems = validate_package(buf.getvalue())
    assert not problems, format_problems(problems)


# --- the copy's package, and a print area that stops at the table -----------------------------


@pytest.mark.parametrize("name", ["no_setup", "percent"])
def test_scored_copies_stay_schema_valid(rendered: dict[str, Rendered], name: str) -> None:
    problems = validate_package(rendered[name].output)
    assert not problems, format_problems(problems)


def test_print_area_ending_at_the_total_row_takes_in_the_result_line(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "area.xlsx", [seed_spec("招商节会")], layout=LAYOUT_VARIANTS["plain"])
    smap = maps[0]
    _strip_page_setup(path)  # the print area is the sheet's only page layout
    wb = load_workbook(path)
    wb[smap.title].print_area = f"A1:J{smap.total_row}"
    wb.save(path)
    result = evaluate_file(str(path), PROFILE)
    out = tmp_path / "area.scored.xlsx"
    write_scored(str(path), result, str(out), PROFILE)
    ws = load_workbook(out)[smap.title]
    line_row = next(r for r in range(smap.total_row + 1, smap.total_row + 10)
                    if isinstance(ws.cell(r, smap.first_col).value, str)
                    and ws.cell(r, smap.first_col).value.startswith("核定总分"))
    # The area took in the 核定得分 column K and the result line; a print area is a layout the
    # unit chose, so no orientation or fit was forced on the sheet.
    assert ws.print_area == f"'{smap.title}'!$A$1:$K${line_row}"
    assert ws.page_setup.orientation is None and ws.page_setup.fitToWidth is None
    assert not (ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    problems = validate_package(out)
    assert not problems, format_problems(problems)


def test_result_line_skips_taken_hidden_and_spacer_rows(tmp_path: Path) -> None:
    """Below the table: a sign-off line, a hidden row, a 4-point spacer and a row merged into
    the notes above it are all passed over; the line goes on the first row that can show it."""
    path, maps, _ = make_workbook(tmp_path / "below.xlsx", [seed_spec("招商节会")], layout=LAYOUT_VARIANTS["plain"])
    smap = maps[0]
    t = smap.total_row
    wb = load_workbook(path)
    ws = wb[smap.title]
    ws.cell(t + 1, 1, "填表人：张三")
    ws.row_dimensions[t + 2].hidden = True
    ws.row_dimensions[t + 3].height = 4
    ws.cell(t + 4, 1, "备注：")
    ws.merge_cells(start_row=t + 4, start_column=1, end_row=t + 5, end_column=6)
    wb.save(path)
    result = evaluate_file(str(path), PROFILE)
    out = tmp_path / "below.scored.xlsx"
    write_scored(str(path), result, str(out), PROFILE)
    ws = load_workbook(out)[smap.title]
    lines = [r for r in range(t + 1, t + 12) if str(ws.cell(r, smap.first_col).value or "").startswith("核定总分")]
    assert lines == [t + 6]
    assert ws.cell(t + 1, 1).value == "填表人：张三" and ws.cell(t + 4, 1).value == "备注："
