"""Rarer inputs whose scored copy needs more than a splice (issue 11, "Also"): a calcChain
beside formulas the copy drops, an Excel 4.0 macro sheet with an Auto_Open name, columns
hidden through XFD, and a package without a styles part. Each output must parse
namespace-strict, validate against the OOXML schemas, load in openpyxl, and say in 汇总 what it changed."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from builders import make_workbook, seed_spec, soffice_convert
from ooxml_schema import format_problems, validate_package
from test_namespaces import _namespace_problems

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.rules import load_profile
from perf_xlsx.write.scored import write_scored

PROFILE = load_profile("national_2020")
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CALC_CHAIN_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _write(parts: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _edit(parts: dict[str, bytes], name: str, old: str, new: str) -> None:
    text = parts[name].decode()
    assert old in text, (name, old)
    parts[name] = text.replace(old, new, 1).encode()


def _add_part(parts: dict[str, bytes], name: str, data: str, ctype: str, rel_id: str, rel_type: str,
              target: str) -> None:
    parts[name] = data.encode()
    _edit(parts, "[Content_Types].xml", "</Types>", f'<Override PartName="/{name}" ContentType="{ctype}"/></Types>')
    _edit(parts, "xl/_rels/workbook.xml.rels", "</Relationships>",
          f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{target}"/></Relationships>')


def _set_formula(parts: dict[str, bytes], ref: str, formula: str, cached: int) -> None:
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', f'<c r="{ref}"><f>{formula}</f><v>{cached}</v></c>',
                       sheet, count=1)
    assert n == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()


def _score(path: Path, out: Path) -> tuple[dict[str, bytes], list[str]]:
    result = evaluate_file(str(path), PROFILE)
    assert result.status == "scored", result.error
    write_scored(str(path), result, str(out), PROFILE)
    assert _namespace_problems(out) == []
    problems = validate_package(out)
    assert not problems, format_problems(problems)
    wb = openpyxl.load_workbook(out)
    notes = [c.value for c in wb["汇总"]["A"] if isinstance(c.value, str)]
    return _parts(out), notes


def _calc_chain(parts: dict[str, bytes]) -> None:
    _add_part(parts, "xl/calcChain.xml",
              '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<c r="A25" i="1"/></calcChain>', CALC_CHAIN_CT, "rIdCalc", NS_R + "/calcChain", "calcChain.xml")


def _assert_no_calc_chain(out: dict[str, bytes]) -> None:
    assert "xl/calcChain.xml" not in out
    assert b"calcChain" not in out["[Content_Types].xml"]
    assert b"calcChain" not in out["xl/_rels/workbook.xml.rels"]


def _add_macro_sheet(parts: dict[str, bytes]) -> None:
    """An Excel 4.0 macro sheet part (its A1 calls HALT()), related as rIdMacro and not yet listed
    in workbook.xml (tests/test_outputs_open.py builds it too)."""
    _add_part(parts, "xl/macrosheets/sheet1.xml",
              '<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1">'
              '<c r="A1"><f>HALT()</f></c></row></sheetData></xm:macrosheet>',
              "application/vnd.ms-excel.macrosheet+xml", "rIdMacro",
              "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet", "macrosheets/sheet1.xml")


def _external_link_with_calc_chain(parts: dict[str, bytes]) -> None:
    """A calcChain, a link to another workbook (budget.xlsx) and a formula into it at A25
    (cached 42): what the copy must drop together (tests/test_outputs_open.py builds it too)."""
    _calc_chain(parts)
    _add_part(parts, "xl/externalLinks/externalLink1.xml",
              '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
              f'xmlns:r="{NS_R}"><externalBook r:id="rId1"/></externalLink>',
              "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml",
              "rIdExt", NS_R + "/externalLink", "externalLinks/externalLink1.xml")
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{NS_R}/externalLinkPath" Target="budget.xlsx" '
        'TargetMode="External"/></Relationships>').encode()
    _edit(parts, "xl/workbook.xml", "</sheets>",
          '</sheets><externalReferences><externalReference r:id="rIdExt"/></externalReferences>')
    _set_formula(parts, "A25", "[1]Sheet1!A1", 42)


def test_calc_chain_is_dropped_with_an_external_formula(tmp_path: Path) -> None:
    src, _, _ = make_workbook(tmp_path / "base.xlsx", [seed_spec("招商节会")])
    parts = _parts(src)
    _external_link_with_calc_chain(parts)
    out, notes = _score(_write(parts, tmp_path / "calc.xlsx"), tmp_path / "calc.scored.xlsx")
    _assert_no_calc_chain(out)
    assert b"[1]" not in out["xl/worksheets/sheet1.xml"]
    assert openpyxl.load_workbook(tmp_path / "calc.scored.xlsx")["招商节会"]["A25"].value == 42
    assert any("1 个引用其他工作簿的公式已改为其原有数值" in n for n in notes)


def test_calc_chain_is_kept_when_no_formula_goes(tmp_path: Path) -> None:
    src, _, _ = make_workbook(tmp_path / "base.xlsx", [seed_spec("招商节会")])
    parts = _parts(src)
    _calc_chain(parts)
    _set_formula(parts, "A25", "1+1", 2)
    out, _ = _score(_write(parts, tmp_path / "calc.xlsx"), tmp_path / "calc.scored.xlsx")
    assert out["xl/calcChain.xml"] == parts["xl/calcChain.xml"]


@pytest.mark.parametrize("sheet_name", ["Macro1", "宏 表"])
def test_macro_sheet_goes_with_its_names_formulas_and_calc_chain(tmp_path: Path, sheet_name: str) -> None:
    src, _, _ = make_workbook(tmp_path / "base.xlsx", [seed_spec("招商节会")])
    parts = _parts(src)
    _calc_chain(parts)
    _add_macro_sheet(parts)
    ref = f"'{sheet_name}'" if " " in sheet_name else sheet_name.upper()  # Excel ignores the case
    _edit(parts, "xl/workbook.xml", "</sheets>",
          f'<sheet name="{sheet_name}" sheetId="9" r:id="rIdMacro"/></sheets>')
    text = parts["xl/workbook.xml"].decode()
    names = (f'<definedName name="Auto_Open">{ref}!$A$1</definedName>'
             '<definedName name="保留的名称">招商节会!$A$1</definedName>')
    text = re.sub(r"<definedNames\s*/>", f"<definedNames>{names}</definedNames>", text) \
        if re.search(r"<definedNames\s*/>", text) else text.replace("</sheets>", f"</sheets><definedNames>{names}</definedNames>")
    parts["xl/workbook.xml"] = text.encode()
    _set_formula(parts, "A25", f"{ref}!A1", 7)
    out, notes = _score(_write(parts, tmp_path / "macro.xlsm"), tmp_path / "macro.scored.xlsx")
    assert "xl/macrosheets/sheet1.xml" not in out
    _assert_no_calc_chain(out)
    workbook = out["xl/workbook.xml"].decode()
    assert "Auto_Open" not in workbook and "保留的名称" in workbook
    assert sheet_name not in workbook
    wb = openpyxl.load_workbook(tmp_path / "macro.scored.xlsx")
    assert wb["招商节会"]["A25"].value == 7  # the cached value stays, the formula goes
    assert any(n.startswith(f"宏表「{sheet_name}」") for n in notes)
    assert any("1 个引用宏表的公式已改为其原有数值" in n for n in notes)
    assert any("名称定义已移除" in n for n in notes)


def _hide_columns_from(parts: dict[str, bytes], first: int) -> None:
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    col = f'<col min="{first}" max="16384" width="9" hidden="1" customWidth="1"/>'
    if "<cols>" in sheet:
        sheet = sheet.replace("</cols>", col + "</cols>", 1)
    else:
        sheet = sheet.replace("<sheetData", f"<cols>{col}</cols><sheetData", 1)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()


def test_columns_hidden_through_xfd_leave_the_scores_to_the_detail_sheet(tmp_path: Path, soffice: str) -> None:
    src, maps, _ = make_workbook(tmp_path / "base.xlsx", [seed_spec("招商节会")])
    parts = _parts(src)
    _hide_columns_from(parts, maps[0].last_col + 1)
    out_path = tmp_path / "hidden.scored.xlsx"
    out, notes = _score(_write(parts, tmp_path / "hidden.xlsx"), out_path)
    refs = re.findall(r'<c r="([A-Z]+)\d+"', out["xl/worksheets/sheet1.xml"].decode())
    assert max(len(r) for r in refs) <= 3 and "XFE" not in refs
    assert any("核定得分未加在该表上，只列在「评分明细」中" in n for n in notes)
    wb = openpyxl.load_workbook(out_path)
    assert any(c.value is not None for c in wb["评分明细"]["A"])
    soffice_convert(soffice, [out_path], tmp_path / "pdf", "pdf")


def test_content_in_the_last_column(tmp_path: Path) -> None:
    src, _, _ = make_workbook(tmp_path / "base.xlsx", [seed_spec("招商节会")])
    wb = openpyxl.load_workbook(src)
    wb.worksheets[0].cell(row=7, column=16384, value="备注")
    wb.save(src)
    out, notes = _score(src, tmp_path / "xfd.scored.xlsx")
    assert "XFE" not in out["xl/worksheets/sheet1.xml"].decode()
    assert any("只列在「评分明细」中" in n for n in notes)


def test_a_package_without_styles_gets_the_conventional_name(tmp_path: Path) -> None:
    src, _, _ = make_workbook(tmp_path / "base.xlsx", [seed_spec("招商节会")])
    parts = _parts(src)
    del parts["xl/styles.xml"]
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = re.sub(r'<Relationship[^>]*relationships/styles"[^>]*/>', "", rels).encode()
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = re.sub(r'<Override PartName="/xl/styles.xml"[^>]*/>', "", ct).encode()
    # Cells keep their s="…" indexes; without a styles part they show in the default format.
    out, _ = _score(_write(parts, tmp_path / "nostyles.xlsx"), tmp_path / "nostyles.scored.xlsx")
    assert "xl/styles.xml" in out and "xl/styles1.xml" not in out
    assert b'/xl/styles.xml"' in out["[Content_Types].xml"]
