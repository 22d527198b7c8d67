"""The scored copy is namespace-correct whatever namespace style the input was written in.

One workbook (two project sheets, an existing comment, a hyperlink, a custom document property)
is written in every style the tool meets: Excel's (declarations on the root), openpyxl without
and with lxml (``<sheet xmlns:r=… r:id=…>``), a prefixed SpreadsheetML (``x:workbook``), both at
once, WPS-like extra namespaces with ``mc:Ignorable``, and LibreOffice's own save. Each is scored
and batch-scored; every output part must parse with a strict namespace-aware parser, every
element of a namespaced part must be in a namespace, the package must validate against the
OOXML schemas (tests/ooxml_schema.py), and the copy must load in openpyxl and
python-calamine and convert in LibreOffice. The reader must also get the same result from each.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xml_styles
from builders import libreoffice_resave, make_workbook, soffice_convert, spec_from_case
from click.testing import CliRunner
from ooxml_schema import format_problems, validate_package

from perf_xlsx import ooxml as xp
from perf_xlsx.cli.commands import cli
from perf_xlsx.write import workbook_part

TESTS = Path(__file__).resolve().parent


def build_rich(path: Path) -> Path:
    """Two project sheets; the first carries a comment, a hyperlink (an r:id in the sheet), and
    the workbook a custom property: every part the writer splices exists beforehand."""
    from openpyxl.comments import Comment
    from openpyxl.packaging.custom import StringProperty

    specs = [spec_from_case("001"), spec_from_case("004")]
    base = path.with_name(path.stem + ".base.xlsx")
    make_workbook(base, specs)
    wb = openpyxl.load_workbook(base)
    ws = wb.worksheets[0]
    ws["A1"].comment = Comment("填表人的批注", "张三")
    ws["A2"].hyperlink = "https://example.invalid/budget"
    wb.custom_doc_props.append(StringProperty(name="报送批次", value="第一批"))
    wb.save(path)
    base.unlink()
    return path


def _openpyxl_in_subprocess(path: Path, lxml: bool) -> Path:
    """openpyxl chooses its XML writer at import time (OPENPYXL_LXML), so each choice gets a
    fresh interpreter."""
    env = {**os.environ, "OPENPYXL_LXML": "True" if lxml else "False"}
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "import test_namespaces as t; t.build_rich(Path(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(TESTS), str(path)], check=True, env=env,
                   capture_output=True, timeout=120)
    return path


def _lxml_available() -> bool:
    try:
        import lxml  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("ns_inputs")
    out: dict[str, Path] = {}
    out["openpyxl_et"] = _openpyxl_in_subprocess(d / "openpyxl_et.xlsx", lxml=False)
    if _lxml_available():
        out["openpyxl_lxml"] = _openpyxl_in_subprocess(d / "openpyxl_lxml.xlsx", lxml=True)
        wb_xml = zipfile.ZipFile(out["openpyxl_lxml"]).read("xl/workbook.xml").decode()
        assert "<sheet xmlns:r=" in wb_xml  # the style this suite exists for
    elif os.environ.get("CI"):
        pytest.fail("lxml is missing: the test extra installs it", pytrace=False)
    for style in xml_styles.STYLES:
        out[style] = xml_styles.restyle_package(out["openpyxl_et"], d / f"{style}.xlsx", style)
    return out


def _namespace_problems(path: Path) -> list[str]:
    """Parts that a namespace-aware parser refuses, or that hold an element in no namespace
    inside a namespaced document (an element inserted without the document's prefix)."""
    from xml.parsers import expat

    problems = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            # VML too: not strict OOXML, but Excel still parses it as namespaced XML.
            if not name.endswith((".xml", ".rels", ".vml")):
                continue
            names: list[str] = []
            parser = expat.ParserCreate(namespace_separator=" ")
            parser.StartElementHandler = lambda tag, _attrs, seen=names: seen.append(tag)
            try:
                parser.Parse(zf.read(name), True)
            except expat.ExpatError as exc:
                problems.append(f"{name}: {exc}")
                continue
            if names and " " in names[0]:
                bare = sorted({n for n in names if " " not in n})
                if bare:
                    problems.append(f"{name}: elements in no namespace {bare[:5]}")
    return problems


def _check_output(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    assert _namespace_problems(path) == []
    problems = validate_package(path)
    assert not problems, format_problems(problems)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["汇总", "评分明细"]
    assert len(wb.sheetnames) == 4
    book = CalamineWorkbook.from_path(str(path))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()
    with zipfile.ZipFile(path) as zf:
        custom = zf.read("docProps/custom.xml").decode()
    assert "报送批次" in custom and "perf_xlsx_output" in custom  # the user's property kept
    with zipfile.ZipFile(path) as zf:
        # Each VML drawing reserves its own block of shape ids (idmap), whatever prefix the
        # input's drawing gives the office namespace (openpyxl without lxml writes ns0:).
        idmaps = [m for n in zf.namelist() if n.endswith(".vml")
                  for m in re.findall(r'idmap\b[^>]*\bdata="(\d+)"', zf.read(n).decode("latin-1"))]
    assert idmaps and len(set(idmaps)) == len(idmaps), idmaps


def _score(path: Path, out: Path) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["score", str(path), "-o", str(out), "--json", "-"])
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_restyled_inputs_mean_the_same(inputs: dict[str, Path]) -> None:
    """The restyling itself only moves prefixes and declarations (else the tests below would
    prove nothing about real files)."""
    from xml.etree import ElementTree as ET

    def meaning(data: bytes) -> list[tuple[str, list[tuple[str, str]], str]]:
        return [(e.tag, sorted(e.attrib.items()), (e.text or "")) for e in ET.fromstring(data).iter()]

    with zipfile.ZipFile(inputs["openpyxl_et"]) as base:
        for style in ("excel", "lxml", "prefixed", "prefixed_lxml"):
            with zipfile.ZipFile(inputs[style]) as zf:
                for name in base.namelist():
                    if name.endswith((".xml", ".rels")):
                        assert meaning(zf.read(name)) == meaning(base.read(name)), (style, name)
    wb = zipfile.ZipFile(inputs["prefixed_lxml"]).read("xl/workbook.xml").decode()
    assert "<x:sheet xmlns:r=" in wb


@pytest.mark.parametrize("style", ["openpyxl_et", "openpyxl_lxml", *xml_styles.STYLES])
def test_scored_copy_is_namespace_correct(inputs: dict[str, Path], style: str, tmp_path: Path) -> None:
    if style not in inputs:
        pytest.skip("lxml is not installed")
    out = tmp_path / f"{style}.scored.xlsx"
    data = _score(inputs[style], out)
    assert data["status"] == "scored"
    _check_output(out)
    reference = _score(inputs["openpyxl_et"], tmp_path / "reference.xlsx")
    for d in (data, reference):
        d.pop("file")
        d.pop("sha256")
    assert data == reference  # the reader is not confused by prefixes either


def test_batch_scores_every_style(inputs: dict[str, Path], tmp_path: Path) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for style, path in inputs.items():
        (inbox / f"{style}.xlsx").write_bytes(path.read_bytes())
    outdir = tmp_path / "评分结果"
    result = CliRunner().invoke(cli, ["batch", str(inbox), "-o", str(outdir), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    lines = [json.loads(line) for line in (outdir / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(inputs)
    for line in lines:
        assert line["status"] == "scored", line.get("error")
        _check_output(outdir / line["output"])


def test_libreoffice_opens_every_style(inputs: dict[str, Path], soffice: str, tmp_path: Path) -> None:
    lo_input = libreoffice_resave(inputs["openpyxl_et"], tmp_path / "lo")
    styled = {**inputs, "libreoffice": lo_input}
    outputs = []
    for style, path in styled.items():
        out = tmp_path / f"{style}.scored.xlsx"
        assert _score(path, out)["status"] == "scored"
        if style == "libreoffice":
            _check_output(out)
        outputs.append(out)
    pdfs = soffice_convert(soffice, outputs, tmp_path / "pdf", "pdf")
    for out, pdf in pdfs.items():
        assert pdf.stat().st_size > 1000, out


def test_a_spliced_part_that_does_not_parse_is_a_failure(inputs: dict[str, Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard behind the splicing: had the writer reused a prefix declared only on a kept
    <sheet> (the bug of issue 11), the file fails with a Chinese reason, and is never written
    or reported as scored."""
    monkeypatch.setattr(workbook_part, "ns_prefix", lambda text, uri, preferred: ("r", ""))
    out = tmp_path / "broken.scored.xlsx"
    result = CliRunner().invoke(cli, ["score", str(inputs["lxml"]), "-o", str(out)])
    assert result.exit_code == 2
    assert "无法生成评分工作簿" in result.output and "不是合法 XML" in result.output
    assert not out.exists()

    from perf_xlsx.bulk.work import process_one
    from perf_xlsx.rules import load_profile

    outcome = process_one(str(inputs["lxml"]), "lxml.xlsx", str(out), load_profile("national_2020"))
    assert outcome["status"] == "failed"
    line = json.loads(outcome["line"])
    assert line["status"] == "failed" and line["error"]["code"] == "batch.write_failed"
    assert "不是合法 XML" in line["error"]["message"]
    assert not out.exists()


@pytest.mark.parametrize("style", ["excel", "lxml", "prefixed", "prefixed_lxml", "wps"])
def test_splice_helpers_keep_each_part_namespace_correct(style: str) -> None:
    """Each splicing helper on its own, on parts written in each style: what it inserts parses
    and lands in the namespace of the part."""
    from xml.etree import ElementTree as ET

    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="t" Target="a.xml"/></Relationships>')
    rels = xml_styles.restyle_xml(rels, style)
    text, _ = xp.decode_part(rels)
    out = xp.add_rels(text, [("rId9", "t2", "b.xml")]).encode()
    ids = [e.get("Id") for e in ET.fromstring(out) if e.tag == f"{{{xp.NS_PKG_REL}}}Relationship"]
    assert ids == ["rId1", "rId9"]

    ct = (b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          b'<Default Extension="xml" ContentType="application/xml"/></Types>')
    types = xp.ContentTypes(xml_styles.restyle_xml(ct, style))
    types.add_override("xl/a.xml", "x/y")
    types.ensure_default("vml", xp.CT_VML)
    root = ET.fromstring(types.to_bytes())
    assert {e.tag.split("}")[1] for e in root} == {"Default", "Override"}
    assert all(e.tag.startswith(f"{{{xp.NS_CT}}}") for e in root)

    custom = (b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="a"><vt:lpwstr>1'
              b"</vt:lpwstr></property></Properties>")
    props = xp.custom_props_set(xml_styles.restyle_xml(custom, style), "perf_xlsx_output", "0.1")
    values = [e.text for e in ET.fromstring(props).iter(f"{{{xp.NS_VT}}}lpwstr")]
    assert values == ["1", "0.1"]
