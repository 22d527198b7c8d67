"""openpyxl as the reference reader: the tool's own cell grid against openpyxl's, workbook by
workbook, failing on any difference the tool does not document.

The tool reads .xlsx itself (``perf_xlsx.read.grid.read_grid``: the zip parts, regular
expressions and defusedxml; see that module for why). This test reads the same files with
openpyxl, ``load_workbook(data_only=True)`` for values and cached formula results and
``data_only=False`` for formula flags and number formats, and compares per worksheet: the
sheets (names, order, visibility), every cell that holds a value or a formula (value, cached
result, formula flag, percent format, dates), the merged ranges, the hidden rows, the read
window (``truncated``) and the 1904 date system.

Workbooks: every ``sample_workbooks/*.xlsx``; a generated set (``builders.make_workbook``: the
two seed projects with their 项目清单 in every ``LAYOUT_VARIANTS`` layout, and each real-case
spec); and every hostile-corpus file the tool reads (``hostile_corpus.EXPECTATIONS`` scored,
plus the tool's own renamed output), except the legacy .xls ones (read through calamine;
openpyxl cannot open them).

Documented differences (docs/python-api.md, "读取：与 openpyxl 的差异", lists the same):

1. **Read window.** The tool reads rows 1–5000 and columns A–BL (64) only
   (``MAX_ROWS`` × ``MAX_COLS``). Cells outside are not in its grid and the sheet is marked
   ``truncated`` (a ``read.window_truncated`` finding) when one of them holds content (styled
   empty cells and rows do not count); a merge that starts outside is
   dropped, one that runs past the edge is cut at it; hidden rows past row 5000 are not read.
2. **Text normalisation.** Every text (cell values, cached string results, sheet names) is
   ``perf_xlsx.values.clean_text`` of openpyxl's: Excel's ``_xHHHH_`` escapes decoded, control
   and invisible format characters removed, CR LF / CR as LF, surrounding blanks stripped.
3. **Over-long text.** A text over Excel's 32,767 characters is cut there (and the cell listed
   in ``Sheet.long_text``, a finding); openpyxl returns all of it.
4. **Error values.** openpyxl returns ``#DIV/0!`` etc. as the value; the tool has ``value``
   None and ``error`` "#DIV/0!".
5. **Numbers** are ``float`` in the tool (openpyxl gives ``int`` for integral values); equal as
   numbers.
6. **Empty text results.** A formula whose cached result is the empty text (``t="str"`` with
   an empty ``<v>``) is ``""`` and cached in the tool; openpyxl returns None, as for a formula
   never calculated (its ``<v>`` missing or untyped-empty, which the tool reads as not cached).
   Checked against the cell's XML.
7. **Files openpyxl does not read.** Strict Open XML (``strict.xlsx``): openpyxl finds no
   worksheet; the tool reads it. A cell style index past the styles part
   (``bad_style_index.xlsx``): openpyxl raises IndexError; the tool reads the cells (their
   refs in ``Sheet.bad_styles``, unformatted). Both are asserted, so that an openpyxl that
   learns to read them makes this test compare them in full.
8. **Used range to row 1,048,576** (``styled_rows.xlsx``: a styled empty row down to the last
   one): openpyxl's full load of it takes over a minute and 1.4 GB, so its window is compared
   with openpyxl's read-only reader bounded to the window (values, cached results, formula
   flags, formats; read-only openpyxl gives no merges or hidden rows, which are therefore not
   compared for that file).

``Worksheet._cells`` (openpyxl's own cell store) is read rather than ``iter_rows``: that walks
the whole used rectangle, 17 billion cells for a sheet with a cell in XFD1048576.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import openpyxl
import pytest
from builders import (
    LAYOUT_VARIANTS,
    case_paths,
    make_workbook,
    seed_spec,
    spec_from_case,
    unit_sheet_from_specs,
)
from hostile_corpus import EXPECTATIONS, SCORED, build_corpus
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from perf_xlsx.read.grid import MAX_COLS, MAX_ROWS, MAX_TEXT, Grid, Sheet, read_grid
from perf_xlsx.values import clean_text

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "python-api.md"
SAMPLES = sorted((ROOT / "sample_workbooks").glob("*.xlsx"))

#: Hostile-corpus files the tool reads: scored ones that are .xlsx packages, and the tool's own
#: output under another name (skipped by a batch, but a workbook all the same).
HOSTILE = sorted([name for name, e in EXPECTATIONS.items()
                  if e.status == SCORED and "read.legacy_format" not in e.codes] + ["上次评分结果.xlsx"])
#: Documented difference 7: openpyxl cannot read these; how it fails.
OPENPYXL_FAILS = {"strict.xlsx": "no worksheets", "bad_style_index.xlsx": "IndexError"}
#: Documented difference 8: compared through openpyxl's read-only reader, bounded to the window.
BOUNDED = {"styled_rows.xlsx"}

GENERATED = [f"layout-{name}" for name in LAYOUT_VARIANTS] + [f"case-{p.stem[:3]}" for p in case_paths()]


# --- the two readings ---------------------------------------------------------------------


@dataclass
class RefCell:
    value: Any  # data_only=True: the value or cached result (None: none)
    formula: bool
    number_format: str
    error: bool  # data_only value is an error (#DIV/0!, ...)


@dataclass
class RefSheet:
    title: str
    state: str
    cells: dict[tuple[int, int], RefCell] = field(default_factory=dict)
    merges: Optional[list[tuple[int, int, int, int]]] = None  # None: not known (bounded)
    hidden_rows: Optional[set[int]] = None
    last_row: int = 0  # the last row openpyxl saw anything in (cells or row formats)
    bounded: bool = False


def _load(path: Path, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "data validation extension not supported" and the like
        return openpyxl.load_workbook(path, **kwargs)


def reference(path: Path) -> tuple[list[RefSheet], bool]:
    """openpyxl's reading: the worksheets, and whether the 1904 date system is on."""
    values, formulas = _load(path, data_only=True), _load(path, data_only=False)
    sheets = []
    for ws_v, ws_f in zip(values.worksheets, formulas.worksheets):
        sheet = RefSheet(ws_f.title, ws_f.sheet_state)
        for key, cf in list(ws_f._cells.items()):
            cv = ws_v._cells.get(key)
            value = cv.value if cv is not None else None
            is_formula = cf.data_type == "f"
            if value is None and not is_formula:
                continue
            sheet.cells[key] = RefCell(value, is_formula, cf.number_format, cv is not None and cv.data_type == "e")
        sheet.merges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws_f.merged_cells.ranges]
        sheet.hidden_rows = {r for r, dim in ws_f.row_dimensions.items() if dim.hidden}
        sheet.last_row = max([k[0] for k in ws_f._cells] + list(ws_f.row_dimensions), default=0)
        sheets.append(sheet)
    return sheets, formulas.epoch == CALENDAR_MAC_1904


def bounded_reference(path: Path) -> tuple[list[RefSheet], bool]:
    """openpyxl's read-only reading of the window only (documented difference 8)."""
    values = _load(path, data_only=True, read_only=True)
    formulas = _load(path, data_only=False, read_only=True)
    try:
        sheets = []
        for ws_v, ws_f in zip(values.worksheets, formulas.worksheets):
            sheet = RefSheet(ws_f.title, ws_f.sheet_state, bounded=True)
            rows_v = ws_v.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS)
            for row_v, row_f in zip(rows_v, ws_f.iter_rows(max_row=MAX_ROWS, max_col=MAX_COLS)):
                for cv, cf in zip(row_v, row_f):
                    if cf.value is None and cv.value is None:
                        continue
                    is_formula = cf.data_type == "f"
                    if cv.value is None and not is_formula:
                        continue
                    sheet.cells[(cf.row, cf.column)] = RefCell(cv.value, is_formula, cf.number_format,
                                                               cv.data_type == "e")
            sheets.append(sheet)
        return sheets, formulas.epoch == CALENDAR_MAC_1904
    finally:
        values.close()
        formulas.close()


# --- the comparison -----------------------------------------------------------------------


def _percent(number_format: str) -> bool:
    """A format that shows a percentage: a % outside quoted text and escapes."""
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format or "")


def _sheet_parts(path: Path) -> dict[str, str]:
    """Worksheet name → its part, from workbook.xml and its rels (a trusted test file)."""
    with zipfile.ZipFile(path) as zf:
        rels = {el.get("Id"): el.get("Target", "") for el in ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))}
        out = {}
        for el in ET.fromstring(zf.read("xl/workbook.xml")).iter():
            if el.tag.rsplit("}", 1)[-1] == "sheet":
                rid = next(v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id")
                target = rels[rid]
                out[el.get("name", "")] = target.lstrip("/") if target.startswith("/") else \
                    posixpath.normpath(posixpath.join("xl", target))
        return out


def _cell_xml(path: Path, sheet: str, ref: str) -> str:
    with zipfile.ZipFile(path) as zf:
        text = zf.read(_sheet_parts(path)[sheet]).decode("utf-8")
    match = re.search(rf'<(?:\w+:)?c\b[^>]*\br="{ref}"[^>]*?(?:/>|>.*?</(?:\w+:)?c>)', text, re.S)
    assert match, f"{sheet}!{ref} not in the sheet XML"
    return match.group(0)


def _empty_text_result(xml: str) -> bool:
    """Documented difference 6: a formula cell typed str whose cached value is empty."""
    return bool(re.search(r'\bt="str"', xml) and re.search(r"<(?:\w+:)?f\b", xml)
                and re.search(r"<(?:\w+:)?v>\s*</(?:\w+:)?v>|<(?:\w+:)?v\s*/>", xml))


def compare_cell(mine: Any, ref: RefCell, where: str, sheet: Sheet, cell_xml: Any) -> list[str]:
    """The differences of one cell that no documented rule explains."""
    out = []
    if mine.formula != ref.formula:
        out.append(f"formula flag {mine.formula} ≠ openpyxl {ref.formula}")
    if mine.percent_format != _percent(ref.number_format):
        out.append(f"percent format {mine.percent_format} ≠ openpyxl {ref.number_format!r}")
    value = ref.value
    if ref.error:  # difference 4
        if (mine.value, mine.error) != (None, value):
            out.append(f"error {mine.value!r}/{mine.error!r} ≠ openpyxl {value!r}")
    elif value is None:  # a formula without a cached result, as openpyxl sees it
        if mine.value is None and not mine.cached:
            pass
        elif mine.value == "" and mine.cached and _empty_text_result(cell_xml()):  # difference 6
            pass
        else:
            out.append(f"uncached formula read as {mine.value!r} (cached={mine.cached})")
    elif mine.formula and not mine.cached:
        out.append(f"cached result {value!r} read as not cached")
    elif isinstance(value, str):  # differences 2 and 3
        expected = clean_text(value)
        if len(expected) > MAX_TEXT:
            expected = expected[:MAX_TEXT]
            if mine.ref not in sheet.long_text:
                out.append("over-long text not listed in long_text")
        if mine.value != expected:
            out.append(f"text {str(mine.value)[:60]!r} ≠ openpyxl {expected[:60]!r}")
    elif isinstance(value, bool):
        if mine.value is not value:
            out.append(f"boolean {mine.value!r} ≠ openpyxl {value!r}")
    elif isinstance(value, (int, float)):  # difference 5
        if type(mine.value) is not float or mine.value != float(value):
            out.append(f"number {mine.value!r} ≠ openpyxl {value!r}")
    elif isinstance(value, datetime.datetime):
        if mine.value != value:
            out.append(f"date {mine.value!r} ≠ openpyxl {value!r}")
    else:
        out.append(f"openpyxl value {value!r} ({type(value).__name__}) has no rule; tool {mine.value!r}")
    return [f"{where}: {d}" for d in out]


def differences(path: Path, grid: Grid, ref_sheets: list[RefSheet], date1904: bool) -> Iterator[str]:
    """Every difference between the tool's grid and openpyxl's reading not documented above."""
    names = [s.name for s in grid.sheets]
    ref_names = [clean_text(s.title) for s in ref_sheets]
    if names != ref_names:
        yield f"worksheets {names} ≠ openpyxl {ref_names}"
        return
    if grid.date1904 != date1904:
        yield f"date1904 {grid.date1904} ≠ openpyxl {date1904}"
    for sheet, ref in zip(grid.sheets, ref_sheets):
        if sheet.state != ref.state:
            yield f"{sheet.name}: state {sheet.state} ≠ openpyxl {ref.state}"
        inside = {k: c for k, c in ref.cells.items() if k[0] <= MAX_ROWS and k[1] <= MAX_COLS}
        for key in sorted(set(inside) | set(sheet.cells)):
            where = f"{sheet.name}!{get_column_letter(key[1])}{key[0]}"
            mine, theirs = sheet.cells.get(key), inside.get(key)
            if theirs is None:
                yield f"{where}: the tool reads {mine!r}; openpyxl has no value or formula there"
            elif mine is None:
                yield f"{where}: openpyxl reads {theirs!r}; the tool has no cell"
            else:
                yield from compare_cell(mine, theirs, where, sheet,
                                        lambda t=ref.title, r=mine.ref: _cell_xml(path, t, r))
        # difference 1: the window
        outside = any(r > MAX_ROWS or c > MAX_COLS for r, c in ref.cells)
        if ref.bounded:
            # The bounded file's rows past the window are styled and empty (styled_rows.xlsx):
            # no content there, so no used-range warning (issue 12 §3).
            if sheet.truncated:
                yield f"{sheet.name}: marked truncated, but past row {MAX_ROWS} are only styled empty rows"
            continue
        if sheet.truncated != outside:
            yield (f"{sheet.name}: truncated={sheet.truncated}, but openpyxl has cells outside the window: "
                   f"{outside} (rows past {MAX_ROWS}, formatting only or not: {ref.last_row > MAX_ROWS})")
        assert ref.merges is not None and ref.hidden_rows is not None
        windowed = [(r1, c1, min(r2, MAX_ROWS), min(c2, MAX_COLS))
                    for r1, c1, r2, c2 in ref.merges if r1 <= MAX_ROWS and c1 <= MAX_COLS]
        if sorted(sheet.merges) != sorted(windowed):
            only_tool = sorted(set(sheet.merges) - set(windowed))
            only_ref = sorted(set(windowed) - set(sheet.merges))
            yield f"{sheet.name}: merges only in the tool {only_tool}, only in openpyxl {only_ref}"
        hidden = {r for r in ref.hidden_rows if r <= MAX_ROWS}
        if sheet.hidden_rows != hidden:
            yield f"{sheet.name}: hidden rows {sorted(sheet.hidden_rows)} ≠ openpyxl {sorted(hidden)}"


def assert_same(path: Path) -> Grid:
    grid = read_grid(str(path))
    ref_sheets, date1904 = (bounded_reference if path.name in BOUNDED else reference)(path)
    assert sum(len(s.cells) for s in grid.sheets) > 0, "nothing read: the comparison would prove nothing"
    found = list(differences(path, grid, ref_sheets, date1904))
    assert not found, f"{path.name}: {len(found)} undocumented differences:\n" + "\n".join(found[:40])
    return grid


# --- the workbooks ------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_samples_read_as_openpyxl_reads_them(path: Path) -> None:
    assert_same(path)


def _generated(name: str, folder: Path) -> Path:
    kind, _, key = name.partition("-")
    path = folder / f"{name}.xlsx"
    if kind == "layout":
        specs = [seed_spec("招商节会"), seed_spec("农贸市场提质改造")]
        make_workbook(path, specs, unit_sheet=unit_sheet_from_specs(specs), layout=LAYOUT_VARIANTS[key])
    else:
        make_workbook(path, [spec_from_case(key)])
    return path


@pytest.mark.parametrize("name", GENERATED)
def test_generated_workbooks_read_as_openpyxl_reads_them(name: str, tmp_path: Path) -> None:
    assert_same(_generated(name, tmp_path))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, soffice: str) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    build_corpus(folder)
    return folder


@pytest.mark.parametrize("name", [n for n in HOSTILE if n not in OPENPYXL_FAILS])
def test_readable_hostile_workbooks_read_as_openpyxl_reads_them(name: str, corpus: Path) -> None:
    grid = assert_same(corpus / name)
    if name == "long_text.xlsx":  # difference 3 took place
        assert any(s.long_text for s in grid.sheets)
    if name == "corner_cell.xlsx":  # difference 1 took place
        assert any(s.truncated for s in grid.sheets)
    if name == "styled_rows.xlsx":  # styled empty rows past the window are no content
        assert not any(s.truncated for s in grid.sheets)


def test_files_openpyxl_cannot_read_are_read_by_the_tool(corpus: Path) -> None:
    strict = corpus / "strict.xlsx"
    assert _load(strict).worksheets == [], "openpyxl reads Strict OOXML now: compare it in full"
    assert read_grid(str(strict)).strict and sum(len(s.cells) for s in read_grid(str(strict)).sheets) > 100
    bad = corpus / "bad_style_index.xlsx"
    with pytest.raises(IndexError):  # if this stops raising, move the file to the compared ones
        _load(bad)
    grid = read_grid(str(bad))
    assert any(s.bad_styles for s in grid.sheets) and sum(len(s.cells) for s in grid.sheets) > 100
    assert set(OPENPYXL_FAILS) <= set(HOSTILE)


def test_the_documented_differences_are_the_ones_listed_here() -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## 读取：与 openpyxl 的差异"):]
    listed = re.findall(r"^(\d+)\. \*\*", section, re.M)
    here = re.findall(r"^(\d+)\. \*\*", __doc__ or "", re.M)
    assert listed == here == [str(n) for n in range(1, 9)]
    for name in (*OPENPYXL_FAILS, *BOUNDED):
        assert name in section and name in (__doc__ or "")


# --- the comparison catches what it should --------------------------------------------------


def _rewrite(src: Path, dst: Path, part: str, change: Any) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                new = change(data.decode("utf-8"))
                assert new != data.decode("utf-8")
                data = new.encode("utf-8")
            zout.writestr(info, data)
    return dst


def test_the_comparison_reports_a_misread_value() -> None:
    src = ROOT / "sample_workbooks" / "09-LibreOffice另存.xlsx"
    grid, (ref_sheets, date1904) = read_grid(str(src)), reference(src)
    assert list(differences(src, grid, ref_sheets, date1904)) == []
    sheet = max(grid.sheets, key=lambda s: len(s.cells))
    key, cell = next((k, c) for k, c in sheet.cells.items() if isinstance(c.value, float) and not c.formula)
    sheet.cells[key] = type(cell)(cell.ref, cell.value + 1, cell.formula, cell.cached, cell.error,
                                  not cell.percent_format)
    del sheet.merges[0]
    found = list(differences(src, grid, ref_sheets, date1904))
    assert len(found) == 3, found
    assert [f for f in found if f.startswith(f"{sheet.name}!{cell.ref}: number")]
    assert [f for f in found if f.startswith(f"{sheet.name}!{cell.ref}: percent format")]
    assert [f for f in found if "merges only in the tool [], only in openpyxl" in f]


def test_the_comparison_checks_empty_text_results_against_the_xml(tmp_path: Path) -> None:
    # sample 01 holds `IF(…,"",…)` formulas cached as an empty str: documented difference 6.
    src = ROOT / "sample_workbooks" / "01-示例-芙蓉区商务局2021.xlsx"
    grid = read_grid(str(src))
    ref_sheets, date1904 = reference(src)
    empties = [(s.name, c.ref) for s in grid.sheets for c in s.cells.values() if c.formula and c.value == ""]
    assert empties, "the sample no longer exercises difference 6"
    assert list(differences(src, grid, ref_sheets, date1904)) == []
    # the same cells with the cached value dropped (<v></v> removed) are formulas never calculated
    name, ref = empties[0]
    part = _sheet_parts(src)[name]
    edited = _rewrite(src, tmp_path / "uncached.xlsx", part,
                      lambda t: re.sub(rf'(<c r="{ref}"[^>]*>.*?)<v></v>', r"\1", t, count=1, flags=re.S))
    grid = assert_same(edited)
    sheet = next(s for s in grid.sheets if s.name == name)
    cell = next(c for c in sheet.cells.values() if c.ref == ref)
    assert cell.value is None and not cell.cached
