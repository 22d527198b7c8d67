"""Every .xlsx perf_xlsx writes is a valid ISO/IEC 29500 transitional package.

tests/ooxml_schema.py validates each XML part against the schemas in tests/ooxml-schemas/ and
checks the package (content types, relationships) and the workbook's consistency. The tests
here first prove that the validator can fail (a known-good xlsxwriter file, corrupted one part
at a time), then that third-party writers pass, then run the tool's outputs through it: the
scored copy of every sample workbook, the blank and example templates, and a batch's 汇总.xlsx
and scored copies. No LibreOffice is needed.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Callable, Optional

import pytest
from click.testing import CliRunner
from ooxml_schema import check_package, format_problems, mce_preprocess, validate_package

from perf_xlsx.cli.commands import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "sample_workbooks").glob("*.xlsx"))
TEMPLATE = ROOT / "templates" / "项目支出绩效自评表.xlsx"

NS_DECL_MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
NS_DECL_X14AC = 'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
NS_DECL_X15 = 'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"'


# --- a known-good package and a way to corrupt it -------------------------------------------


@pytest.fixture(scope="module")
def good_xlsx() -> bytes:
    """A small xlsxwriter workbook that uses most part types: shared strings (one with
    xml:space="preserve"), styles, theme, a comment (comments + VML), merged cells, a data
    validation, an external hyperlink, a defined name, custom properties and a chart (drawing
    + chart parts) on a second sheet."""
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"in_memory": True})
    ws = wb.add_worksheet("数据")
    ws.write("A1", "  前后有空格  ")
    ws.write("B1", 3.5)
    ws.write_formula("C1", "=B1*2")
    ws.write_comment("A1", "批注")
    ws.merge_range("A3:C3", "合并", wb.add_format({"bold": True}))
    ws.data_validation("D1", {"validate": "list", "source": ["是", "否"]})
    ws.set_column("A:B", 20)
    ws.write_url("E1", "https://example.com")
    chart_sheet = wb.add_worksheet("图")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "=数据!$B$1:$B$1"})
    chart_sheet.insert_chart("A1", chart)
    wb.define_name("单价", "=数据!$B$1")
    wb.set_custom_property("来源", "test")
    wb.close()
    return out.getvalue()


def mutate(data: bytes, part: str, edit: Optional[Callable[[str], str]],
           add: Optional[dict[str, str]] = None) -> bytes:
    """A copy of the package with ``part`` edited as text (removed when ``edit`` is None)
    and the parts of ``add`` added. Fails if the edit changes nothing."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        assert part in src.namelist(), part
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == part:
                if edit is None:
                    continue
                text = body.decode("utf-8")
                edited = edit(text)
                assert edited != text, f"the edit of {part} changed nothing"
                body = edited.encode("utf-8")
            dst.writestr(info.filename, body)
        for name, text in (add or {}).items():
            dst.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def sub(pattern: str, replacement: str) -> Callable[[str], str]:
    """An edit: replace the first match of a regular expression (DOTALL)."""
    return lambda text: re.sub(pattern, replacement, text, count=1, flags=re.S)


def move_before(what: str, anchor: str) -> Callable[[str], str]:
    """An edit: cut the first match of ``what`` and insert it before the first ``anchor``."""

    def edit(text: str) -> str:
        m = re.search(what, text, flags=re.S)
        assert m is not None, what
        text = text[: m.start()] + text[m.end():]
        at = text.index(anchor)
        return text[:at] + m.group(0) + text[at:]

    return edit


def swap_rows(text: str) -> str:
    rows = re.findall(r"<row .*?</row>", text, flags=re.S)
    assert len(rows) >= 2
    return text.replace(rows[0] + rows[1], rows[1] + rows[0])


def assert_reported(problems: list[str], part: str, *needles: str) -> None:
    hits = [p for p in problems if p.startswith(part) and all(n in p for n in needles)]
    assert hits, f"expected a problem in {part} mentioning {needles}; got:\n" + \
        format_problems(problems)


# --- (a) the validator fails on real faults ---------------------------------------------------


def test_known_good_package_is_clean_and_fully_checked(good_xlsx: bytes) -> None:
    report = check_package(good_xlsx)
    assert report.problems == [], format_problems(report.problems)
    with zipfile.ZipFile(io.BytesIO(good_xlsx)) as zf:  # the one schema erratum allowed for
        assert b'<t xml:space="preserve">' in zf.read("xl/sharedStrings.xml")
    expected = {
        "[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml",
        "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/styles.xml",
        "xl/sharedStrings.xml", "xl/comments1.xml", "xl/theme/theme1.xml",
        "xl/drawings/drawing1.xml", "xl/charts/chart1.xml", "docProps/core.xml",
        "docProps/app.xml", "docProps/custom.xml", "xl/worksheets/_rels/sheet1.xml.rels",
    }
    assert expected <= set(report.validated)
    assert report.skipped == {"xl/drawings/vmlDrawing1.vml": "VML (not strict XML)"}


WB, WB_RELS, CT = "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"
SHEET1 = "xl/worksheets/sheet1.xml"

# (id, part edited, edit, part the problem is reported for, words the problem must contain)
FAULTS: list[tuple[str, str, Callable[[str], str], str, tuple[str, ...]]] = [
    # The four faults the harness exists to catch.
    ("element out of order", WB, move_before(r"<sheets>.*?</sheets>", "<workbookPr"),
     WB, ("This element is not expected",)),
    ("unknown attribute", SHEET1, sub(r"<sheetData>", '<sheetData bogus="1">'),
     SHEET1, ("bogus", "not allowed")),
    ("missing relationship target", WB_RELS,
     sub(r'Target="worksheets/sheet2.xml"', 'Target="worksheets/sheet9.xml"'),
     WB_RELS, ("worksheets/sheet9.xml", "not in the package")),
    ("worksheet without content type", CT,
     lambda t: re.sub(r'<Default Extension="xml"[^>]*/>', "",
                      re.sub(r'<Override PartName="/xl/worksheets/sheet1.xml"[^>]*/>', "", t)),
     SHEET1, ("no content type",)),
    # More schema faults.
    ("bad enumeration value", SHEET1, sub(r'<c r="A1" t="s">', '<c r="A1" t="text">'),
     SHEET1, ("'text'",)),
    ("unknown element", "xl/styles.xml", sub(r"<fonts", "<fontz/><fonts"),
     "xl/styles.xml", ("fontz",)),
    ("bad W3CDTF date in core properties", "docProps/core.xml",
     sub(r"(<dcterms:created[^>]*>)[^<]*", r"\1yesterday"),
     "docProps/core.xml", ("created", "yesterday")),
    ("theme out of order", "xl/theme/theme1.xml",
     move_before(r"<a:fontScheme.*?</a:fontScheme>", "<a:clrScheme"),
     "xl/theme/theme1.xml", ("not expected",)),
    ("chart with an unknown element", "xl/charts/chart1.xml",
     sub(r"<c:plotArea>", "<c:plotArea><c:bogus/>"), "xl/charts/chart1.xml", ("bogus",)),
    ("drawing with an unknown attribute", "xl/drawings/drawing1.xml",
     sub(r"<xdr:twoCellAnchor", '<xdr:twoCellAnchor bogus="1"'),
     "xl/drawings/drawing1.xml", ("bogus", "not allowed")),
    ("custom property without pid", "docProps/custom.xml", sub(r' pid="[^"]*"', ""),
     "docProps/custom.xml", ("pid",)),
    ("app.xml unknown element", "docProps/app.xml", sub(r"<Application>", "<Bogus/><Application>"),
     "docProps/app.xml", ("Bogus",)),
    ("not well-formed", "xl/styles.xml", lambda t: t[: len(t) // 2],
     "xl/styles.xml", ("not well-formed",)),
    ("xml:space on an element other than t", SHEET1,
     sub(r"<v>3.5</v>", '<v xml:space="preserve">3.5</v>'), SHEET1, ("xml:space", "not allowed")),
    ("xml:space with a value XML does not allow", "xl/sharedStrings.xml",
     sub(r'xml:space="preserve"', 'xml:space="keep"'),
     "xl/sharedStrings.xml", ("xml:space='keep'",)),
    # Package faults.
    ("Override of a missing part", CT,
     sub(r"</Types>", '<Override PartName="/xl/nothing.xml" ContentType="application/'
                      'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
     CT, ("/xl/nothing.xml", "names no part")),
    ("worksheet Override missing", CT,
     sub(r'<Override PartName="/xl/worksheets/sheet2.xml"[^>]*/>', ""),
     WB_RELS, ("worksheet relationship", "application/xml")),
    ("content types schema", CT, sub(r"<Default ", '<Default Bogus="1" '), CT, ("Bogus",)),
    ("relationships schema", WB_RELS, sub(r"<Relationship ", "<Relationship Bogus=\"1\" "),
     WB_RELS, ("Bogus",)),
    ("duplicate relationship Id", WB_RELS, sub(r'Id="rId2"', 'Id="rId1"'),
     WB_RELS, ("Id used twice",)),
    ("sheet r:id without relationship", WB, sub(r'r:id="rId2"', 'r:id="rId9"'),
     WB, ("rId9", "not a sheet")),
    ("sheet relationship to a theme", WB, sub(r'r:id="rId2"', 'r:id="rId3"'),
     WB, ("theme relationship, not a sheet",)),
    ("r:id of a worksheet element without relationship", SHEET1,
     sub(r'<legacyDrawing r:id="rId2"', '<legacyDrawing r:id="rId7"'),
     SHEET1, ("legacyDrawing", "names no relationship")),
    # Workbook consistency (Excel repairs these).
    ("duplicate sheet name", WB, sub(r'name="图"', 'name="数据"'), WB, ("same name",)),
    ("sheet name with a colon", WB, sub(r'name="图"', 'name="图:1"'), WB, ("contains one of",)),
    ("rows out of order", SHEET1, swap_rows, SHEET1, ("row 1 after row 3",)),
    ("cells out of order", SHEET1, sub(r'(<c r="A1".*?</c>)(<c r="B1".*?</c>)', r"\2\1"),
     SHEET1, ("ascending column order",)),
    ("cell outside its row", SHEET1, sub(r'<c r="B1"', '<c r="B2"'), SHEET1, ("inside row 1",)),
    ("overlapping merged ranges", SHEET1,
     sub(r'<mergeCell ref="A3:C3"/>', '<mergeCell ref="A3:C3"/><mergeCell ref="B2:B4"/>'),
     SHEET1, ("overlaps A3:C3",)),
    ("overlapping column ranges", SHEET1,
     sub(r"</cols>", '<col min="2" max="3" width="5" customWidth="1"/></cols>'),
     SHEET1, ("<col min=2 max=3>",)),
    ("style index out of range", SHEET1, sub(r'<c r="B1"', '<c r="B1" s="99"'),
     SHEET1, ("s=99",)),
    ("shared string index out of range", SHEET1,
     sub(r'(<c r="A1" t="s"><v>)0<', r"\g<1>99<"), SHEET1, ("shared string '99'",)),
    ("duplicate comment", "xl/comments1.xml",
     lambda t: re.sub(r"(<comment .*?</comment>)", r"\1\1", t, count=1, flags=re.S),
     "xl/comments1.xml", ("second comment",)),
]


@pytest.mark.parametrize(("part", "edit", "reported", "needles"), [f[1:] for f in FAULTS],
                         ids=[f[0] for f in FAULTS])
def test_fault_is_reported(good_xlsx: bytes, part: str, edit: Callable[[str], str],
                           reported: str, needles: tuple[str, ...]) -> None:
    assert_reported(validate_package(mutate(good_xlsx, part, edit)), reported, *needles)


def test_missing_part_is_reported(good_xlsx: bytes) -> None:
    problems = validate_package(mutate(good_xlsx, "xl/worksheets/sheet2.xml", None))
    assert_reported(problems, "xl/_rels/workbook.xml.rels", "sheet2.xml", "not in the package")
    assert_reported(problems, "[Content_Types].xml", "/xl/worksheets/sheet2.xml", "names no part")


def test_part_without_any_content_type_is_reported(good_xlsx: bytes) -> None:
    data = mutate(good_xlsx, "[Content_Types].xml", sub(r"</Types>", "</Types>\n"),
                  add={"xl/extra.bin": "x"})
    assert_reported(validate_package(data), "xl/extra.bin", "no content type")


def test_not_a_zip() -> None:
    assert validate_package(b"PK\x03\x04 not really")[0].startswith("not a zip package")


# --- markup compatibility ---------------------------------------------------------------------


def _with_x14ac(text: str, ignorable: bool) -> str:
    mc = f' {NS_DECL_MC} mc:Ignorable="x14ac"' if ignorable else ""
    text = text.replace("<worksheet ", f"<worksheet {NS_DECL_X14AC}{mc} ", 1)
    return text.replace('<sheetFormatPr defaultRowHeight="15"/>',
                        '<sheetFormatPr defaultRowHeight="15" x14ac:dyDescent="0.25"/>', 1)


def test_ignorable_extension_attribute_is_dropped(good_xlsx: bytes) -> None:
    data = mutate(good_xlsx, "xl/worksheets/sheet1.xml", lambda t: _with_x14ac(t, True))
    assert validate_package(data) == []


def test_extension_attribute_not_declared_ignorable_is_reported(good_xlsx: bytes) -> None:
    data = mutate(good_xlsx, "xl/worksheets/sheet1.xml", lambda t: _with_x14ac(t, False))
    assert_reported(validate_package(data), "xl/worksheets/sheet1.xml", "dyDescent",
                    "not allowed")


def _alternate_content(fallback: str) -> Callable[[str], str]:
    """workbook.xml as Excel 2016 writes it: an ignorable xr:revisionPtr element and xr2:uid
    attribute, and an mc:AlternateContent whose Choice requires x15 (for x15ac:absPath)."""
    block = (f'<mc:AlternateContent {NS_DECL_MC}><mc:Choice Requires="x15">'
             '<x15ac:absPath xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/'
             '2010/11/ac" url="C:\\"/></mc:Choice>'
             f"<mc:Fallback>{fallback}</mc:Fallback></mc:AlternateContent>"
             '<xr:revisionPtr revIDLastSave="0" documentId="8_{0}"/>')
    xr = ('xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
          'xmlns:xr2="http://schemas.microsoft.com/office/spreadsheetml/2015/revision2"')

    def edit(text: str) -> str:
        text = text.replace("<workbook ", f'<workbook {NS_DECL_MC} {NS_DECL_X15} {xr} '
                                          'mc:Ignorable="x15 xr xr2" ', 1)
        text = text.replace("<workbookView ", '<workbookView xr2:uid="{0}" ', 1)
        return text.replace("<bookViews>", block + "<bookViews>", 1)

    return edit


def test_alternate_content_resolves_to_fallback(good_xlsx: bytes) -> None:
    # The x15 Choice is not understood here, so the (empty or valid) Fallback is validated;
    # the xr element and attribute are ignorable and dropped.
    assert validate_package(mutate(good_xlsx, "xl/workbook.xml", _alternate_content(""))) == []
    bad = mutate(good_xlsx, "xl/workbook.xml", _alternate_content("<calcPr/>"))
    assert_reported(validate_package(bad), "xl/workbook.xml", "calcPr", "not expected")


def test_must_understand_unknown_namespace_is_reported(good_xlsx: bytes) -> None:
    data = mutate(good_xlsx, "xl/worksheets/sheet1.xml", sub(
        r"<worksheet ", f'<worksheet {NS_DECL_MC} {NS_DECL_X14AC} mc:MustUnderstand="x14ac" '))
    assert_reported(validate_package(data), "xl/worksheets/sheet1.xml", "MustUnderstand")


def test_mce_process_content_keeps_children() -> None:
    from lxml import etree

    root = etree.fromstring(
        f'<a xmlns="urn:a" {NS_DECL_MC} xmlns:v="urn:v" mc:Ignorable="v" '
        'mc:ProcessContent="v:wrap"><v:wrap><b/></v:wrap><v:drop><c/></v:drop>'
        '<d v:attr="1"/></a>')
    assert mce_preprocess(root, frozenset({"urn:a"})) == []
    assert [etree.QName(e).localname for e in root] == ["b", "d"]
    assert dict(root[1].attrib) == {} and dict(root.attrib) == {}


# --- (b) third-party writers validate clean ----------------------------------------------------


def test_xlsxwriter_output_is_valid(good_xlsx: bytes) -> None:
    assert validate_package(good_xlsx) == []


def test_openpyxl_output_is_valid() -> None:
    import datetime

    import openpyxl
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["A1"] = "  前后有空格  "
    ws["B1"] = 3.5
    ws["C1"] = "=B1*2"
    ws["D1"] = datetime.datetime(2024, 1, 2)
    ws["A1"].comment = Comment("批注", "me")
    ws.merge_cells("A3:C3")
    ws.column_dimensions["A"].width = 20
    ws["E1"].hyperlink = "https://example.com"
    dv = DataValidation(type="list", formula1='"是,否"')
    ws.add_data_validation(dv)
    dv.add("F1")
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=1))
    ws.add_chart(chart, "H2")
    wb.create_sheet("二")
    out = io.BytesIO()
    wb.save(out)
    report = check_package(out.getvalue())
    assert report.problems == [], format_problems(report.problems)
    assert {"xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/charts/chart1.xml",
            "xl/drawings/drawing1.xml"} <= set(report.validated)


# --- (c) what perf_xlsx writes validates ------------------------------------------------------


def assert_valid_output(path: Path) -> None:
    """Strict: no problem at all, and every part but VML actually validated."""
    report = check_package(path)
    assert report.problems == [], f"{path.name}:\n" + format_problems(report.problems)
    not_checked = {p: r for p, r in report.skipped.items() if not r.startswith("VML")}
    assert not_checked == {}, f"{path.name}: parts not validated: {not_checked}"
    assert any(p.startswith("xl/worksheets/") for p in report.validated)


def test_samples_are_present() -> None:
    assert len(SAMPLES) >= 10


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_input_is_valid(sample: Path) -> None:
    # The scored copy keeps the input's parts byte for byte: a fault found here is the input's.
    assert_valid_output(sample)


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_scored_copy_is_valid(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / f"{sample.stem}.scored.xlsx"
    result = CliRunner().invoke(cli, ["score", str(sample), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    assert out.exists(), result.output
    assert_valid_output(out)


@pytest.mark.parametrize("args", [[], ["--projects", "3", "--year", "2024"], ["--example"]],
                         ids=["blank", "three-projects", "example"])
def test_template_is_valid(args: list[str], tmp_path: Path) -> None:
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(cli, ["template", *args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert_valid_output(out)


def test_shipped_template_is_valid() -> None:
    assert_valid_output(TEMPLATE)


def test_batch_outputs_are_valid(tmp_path: Path) -> None:
    out = tmp_path / "结果"
    result = CliRunner().invoke(cli, ["batch", str(ROOT / "sample_workbooks"), "-o", str(out)])
    assert result.exit_code in (0, 1), result.output
    scored = sorted(out.glob("*.scored.xlsx"))
    assert [p.name for p in scored] == sorted(f"{p.stem}.scored.xlsx" for p in SAMPLES)
    problems = {p.name: validate_package(p) for p in [out / "汇总.xlsx", *scored]}
    bad = {name: found for name, found in problems.items() if found}
    assert bad == {}, "\n".join(f"{name}:\n{format_problems(found, 10)}"
                                for name, found in bad.items())
    summary = check_package(out / "汇总.xlsx")
    assert {"xl/charts/chart1.xml", "xl/drawings/drawing1.xml"} <= set(summary.validated)
