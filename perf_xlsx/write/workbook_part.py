"""workbook.xml and its relationships for the scored copy: the new sheets put in front, the
dropped ones gone, sheet-scoped and dangling defined names fixed, the new sheets' names added,
and the first sheet active."""

from __future__ import annotations

import posixpath
import re

from perf_xlsx.a1 import quote_sheet
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import (
    OPEN_TAG,
    attrs_of,
    decode_part,
    encode_part,
    find_element,
    insert_into,
    ns_prefix,
    root_prefix,
    set_attr,
    tag_end,
)
from perf_xlsx.ooxml.names import CT_WORKSHEET, NS_R, REL_WORKSHEET
from perf_xlsx.ooxml.package import unused_part
from perf_xlsx.ooxml.rels import add_rels, new_rel_id, relative, rels_name, rels_xml, remove_rels
from perf_xlsx.ooxml.text import xml_attr, xml_text, xml_unescape
from perf_xlsx.write.context import Build, NewSheet
from perf_xlsx.write.strip import Stripped


def add_sheets(b: Build, stripped: Stripped, sheets: list[NewSheet], extra_rels: tuple[tuple[str, str, str], ...],
               print_areas: dict[int, str]) -> None:
    """The new sheets' parts, overrides and relationships (plus ``extra_rels``, whose ids are
    assigned here), and the patched workbook.xml, all into ``b.out``."""
    folder = posixpath.dirname(b.wb_part)
    parts = [unused_part(b.names, folder + "/worksheets/sheet{n}.xml") for _ in sheets]
    for part, sheet in zip(parts, sheets):
        b.out[part] = sheet.data
    for part in parts:
        b.ct.add_override(part, CT_WORKSHEET)

    rel_ids = {r.id for r in b.wb_rels}
    rids = [new_rel_id(rel_ids) for _ in sheets]
    new_rels = [(rid, REL_WORKSHEET, relative(b.wb_part, part)) for rid, part in zip(rids, parts)]
    for _, rtype, target in extra_rels:
        new_rels.append((new_rel_id(rel_ids), rtype, target))
    rels_part = b.pkg.find(rels_name(b.wb_part))
    if rels_part:
        text, codec = decode_part(b.pkg.parts[rels_part])
        text = remove_rels(text, set(stripped.drop_rel_ids))
        b.out[rels_part] = encode_part(add_rels(text, new_rels), codec)
    else:
        b.out[rels_name(b.wb_part)] = rels_xml(new_rels).encode("utf-8")
    b.out[b.wb_part] = _patch_workbook(b, stripped, list(zip(sheets, rids)), print_areas)


def _patch_workbook(b: Build, stripped: Stripped, added: list[tuple[NewSheet, str]],
                    print_areas: dict[int, str]) -> bytes:
    text, codec = decode_part(b.pkg.parts[b.wb_part])
    wp = root_prefix(text, "workbook")
    sheets_m = find_element(text, wp + "sheets")
    if sheets_m is None:
        raise PartError("workbook.xml 缺少工作表列表")
    sheet_pat = re.compile(rf"<{re.escape(wp)}sheet\b{OPEN_TAG}(?:/>|>.*?</{re.escape(wp)}sheet\s*>)", re.S)
    body = sheets_m.body or ""
    tags = list(sheet_pat.finditer(body))
    ids = [int(v) for m in tags for k, v in attrs_of(m.group(0)).items() if k == "sheetId" and v.isdigit()]
    next_id = max(ids, default=0) + 1
    # The kept <sheet> elements may each declare the prefix themselves (openpyxl with lxml
    # does): only a root-wide binding can be reused, else the new elements declare it too.
    r, declare = ns_prefix(text, NS_R, "r")
    new_els = "".join(f'<{wp}sheet name="{xml_attr(sheet.name)}" sheetId="{next_id + i}"{declare} {r}:id="{rid}"/>'
                      for i, (sheet, rid) in enumerate(added))
    kept = "".join(m.group(0) for i, m in enumerate(tags) if i not in stripped.sheets_dropped)
    opening = sheets_m.group(0)[: sheets_m.group(0).index(">") + 1]
    if sheets_m.body is None:
        opening = opening[:-2].rstrip() + ">"
    text = text[: sheets_m.start()] + opening + new_els + kept + f"</{wp}sheets>" + text[sheets_m.end():]
    text = _fix_names(text, wp, stripped, len(tags), len(added), print_areas)
    ours = _our_names(wp, added)
    if stripped.external_dropped:
        ext = find_element(text, wp + "externalReferences")
        if ext is not None:
            text = text[: ext.start()] + text[ext.end():]
    out = insert_into(text, wp + "definedNames", ours, at_start=True)
    if out is None:
        at = text.index(f"</{wp}sheets>") + len(f"</{wp}sheets>")
        fg = re.match(rf"\s*<{re.escape(wp)}functionGroups\b{OPEN_TAG}(?:/>|>.*?</{re.escape(wp)}functionGroups\s*>)",
                      text[at:], re.S)
        if fg:
            at += fg.end()
        out = text[:at] + f"<{wp}definedNames>{ours}</{wp}definedNames>" + text[at:]
    text = out
    view_pat = re.compile(rf"<{re.escape(wp)}workbookView\b{OPEN_TAG}/?>", re.S)

    def fix_view(m: re.Match[str]) -> str:
        tag = set_attr(m.group(0), "activeTab", "0")
        return set_attr(tag, "firstSheet", "0") if "firstSheet" in attrs_of(tag) else tag

    text = view_pat.sub(fix_view, text)
    return encode_part(text, codec)


def _fix_names(text: str, wp: str, stripped: Stripped, count: int, shift: int, print_areas: dict[int, str]) -> str:
    """Sheet-scoped names follow their sheet (``shift`` sheets were put in front of the
    ``count`` original ones); names that would dangle go (the ones strip counted for 汇总);
    a widened print area is written."""
    index_map: dict[int, int] = {}
    new_index = shift
    for i in range(count):
        if i in stripped.sheets_dropped:
            continue
        index_map[i] = new_index
        new_index += 1
    dn_pat = re.compile(rf"<{re.escape(wp)}definedName\b({OPEN_TAG})(?:/>|>(.*?)</{re.escape(wp)}definedName\s*>)",
                        re.S)
    dangling = stripped.dangling

    def fix_name(m: re.Match[str]) -> str:
        a = attrs_of(m.group(1))
        if dangling is not None and dangling.search(xml_unescape(m.group(2) or "")):
            return ""
        local = a.get("localSheetId")
        if local is None or not local.isdigit():
            return m.group(0)
        if int(local) not in index_map:
            return ""
        whole = m.group(0)
        end = tag_end(whole)
        body = whole[end:]
        if a.get("name", "").lower() == "_xlnm.print_area" and int(local) in print_areas \
                and m.group(2) is not None:
            body = xml_text(print_areas[int(local)]) + f"</{wp}definedName>"
        return set_attr(whole[:end], "localSheetId", str(index_map[int(local)])) + body

    return dn_pat.sub(fix_name, text)


def _our_names(wp: str, added: list[tuple[NewSheet, str]]) -> str:
    """The new sheets' filter ranges, then their print titles."""
    filters = "".join(f'<{wp}definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                      f"{xml_text(quote_sheet(sheet.name))}!{sheet.filter_ref}</{wp}definedName>"
                      for i, (sheet, _) in enumerate(added) if sheet.filter_ref)
    titles = "".join(f'<{wp}definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                     f"{xml_text(quote_sheet(sheet.name))}!{sheet.title_rows}</{wp}definedName>"
                     for i, (sheet, _) in enumerate(added))
    return filters + titles
