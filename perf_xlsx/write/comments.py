"""The comments beside the cells the scored copy marks: a comments part, its VML drawing and
the sheet's relationships, each merged into the one the sheet already has or made new."""

from __future__ import annotations

import posixpath
import re

from perf_xlsx.a1 import col_letter, parse_ref
from perf_xlsx.ooxml.comments import (
    comment_xml,
    comments_part,
    vml_append,
    vml_idmaps,
    vml_max_shape,
    vml_part,
    vml_shape,
)
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import (
    OPEN_TAG,
    attrs_of,
    decode_part,
    encode_part,
    insert_into,
    root_prefix,
)
from perf_xlsx.ooxml.names import CT_COMMENTS, CT_VML, REL_COMMENTS, REL_VML
from perf_xlsx.ooxml.package import unused_part
from perf_xlsx.ooxml.rels import add_rels, new_rel_id, relative, rels_name, rels_xml, resolve
from perf_xlsx.ooxml.sheet_edit import SheetEditor
from perf_xlsx.ooxml.text import wrapped_lines, xml_unescape
from perf_xlsx.write.context import Build, SheetInfo

AUTHOR = "perf_xlsx"
#: How the first line of the tool's own comment begins (annotate: "【警告】…", or "自评 8，核定 7.5").
TOOL_NOTE = re.compile(r"^(?:【(?:错误|警告|提示)】|自评 \S+，核定 \S+$)")
_COMMENT = re.compile(rf"<(?:[\w.-]+:)?comment\b({OPEN_TAG})(?:/>|>(.*?)</(?:[\w.-]+:)?comment\s*>)", re.S)
_T = re.compile(r"<(?:[\w.-]+:)?t\b[^>]*>([^<]*)</(?:[\w.-]+:)?t\s*>")
_SHAPE = re.compile(r"<((?:[\w.-]+:)?)shape\b[^>]*>(.*?)</\1shape\s*>", re.S)


def _authors(text: str) -> list[str]:
    return [xml_unescape(a).strip() for a in re.findall(r"<(?:[\w.-]+:)?author\b[^>]*?(?:/>|>([^<]*)<)", text)]


def remove_tool_comments(b: Build, sheet: SheetInfo, editor: SheetEditor) -> set[tuple[int, int]]:
    """The comments a previous scoring put on a user's sheet (a scored copy sent back): its
    author (or none) and its words, both (a unit's note, or the tool's text rewritten by the
    unit, stays). Removed from the comments part and the VML drawing, into ``b.out``, so this
    scoring's notes take their place; the (row, col) of each."""
    pkg = b.pkg
    rels = pkg.rels(sheet.part)
    part = next((pkg.find(resolve(sheet.part, r.target)) for r in rels
                 if r.type == REL_COMMENTS and not r.external), None)
    if not part:
        return set()
    text, codec = decode_part(pkg.parts[part])
    authors = _authors(text)
    # LibreOffice saves every comment without its author (" "): blank counts as ours too.
    ours = {str(i) for i, a in enumerate(authors) if a in (AUTHOR, "")}
    removed: set[tuple[int, int]] = set()

    def drop(m: re.Match[str]) -> str:
        a = attrs_of(m.group(1))
        words = xml_unescape("".join(_T.findall(m.group(2) or ""))).strip()
        if a.get("authorId") not in ours or not TOOL_NOTE.match(words):
            return m.group(0)
        try:
            removed.add(parse_ref(a.get("ref", "").split(":")[0]))
        except ValueError:
            return m.group(0)
        return ""

    out = _COMMENT.sub(drop, text) if ours else text
    if not removed:
        return set()
    b.out[part] = encode_part(out, codec)
    vml_rid = editor.legacy_drawing_rid()
    vml = next((pkg.find(resolve(sheet.part, r.target)) for r in rels
                if r.id == vml_rid and not r.external), None) if vml_rid else None
    if vml:
        def drop_shape(m: re.Match[str]) -> str:
            row = re.search(r"<(?:[\w.-]+:)?Row>\s*(\d+)\s*<", m.group(2))
            col = re.search(r"<(?:[\w.-]+:)?Column>\s*(\d+)\s*<", m.group(2))
            if row and col and (int(row.group(1)) + 1, int(col.group(1)) + 1) in removed:
                return ""
            return m.group(0)

        # latin-1 keeps the drawing's bytes whatever its encoding (as vml_append does).
        b.out[vml] = _SHAPE.sub(drop_shape, pkg.parts[vml].decode("latin-1")).encode("latin-1")
    return removed


def add_comments(b: Build, sheet: SheetInfo, editor: SheetEditor, texts: dict[tuple[int, int], str],
                 idmaps: list[int]) -> None:
    """A comment with ``texts[(row, col)]`` on each cell that has none yet. ``idmaps`` holds
    the VML idmap blocks taken so far in this build (filled on first use)."""
    pkg = b.pkg
    rels_part = pkg.find(rels_name(sheet.part))
    rels = pkg.rels(sheet.part)
    rel_ids = {r.id for r in rels}
    old_comments = next((pkg.find(resolve(sheet.part, r.target)) for r in rels
                         if r.type == REL_COMMENTS and not r.external), None)
    # A sheet without relationships has no drawing of its own to look for.
    vml_rid = editor.legacy_drawing_rid() if rels else None
    old_vml = next((pkg.find(resolve(sheet.part, r.target)) for r in rels
                    if r.id == vml_rid and not r.external), None) if vml_rid else None
    existing_refs: set[str] = set()
    author_id = 0
    prefix = ""
    # A previous scoring's comments may have been taken out already (remove_tool_comments).
    current = {name: b.out.get(name) or pkg.parts[name] for name in (old_comments, old_vml) if name}
    have_author = False
    if old_comments:
        text, codec = decode_part(current[old_comments])
        prefix = root_prefix(text, "comments")
        existing_refs = set(re.findall(r'<(?:[\w.-]+:)?comment\b[^>]*\bref="([^"]+)"', text))
        authors = _authors(text)
        have_author = AUTHOR in authors
        author_id = authors.index(AUTHOR) if have_author else len(authors)
    new_comments: list[str] = []
    shapes: list[str] = []
    idmap = _next_idmap(b, idmaps) if old_vml is None else 0
    # Shape ids live in the 1024-wide block the drawing's idmap reserves.
    next_shape = (vml_max_shape(current[old_vml]) if old_vml else idmap * 1024) + 1
    for (row, col), note in sorted(texts.items()):
        ref = f"{col_letter(col)}{row}"
        if ref in existing_refs:
            b.notes.append(f"工作表「{sheet.name}」{ref} 已有批注，工具的说明未加批注（见下方问题清单）")
            continue
        new_comments.append(comment_xml(ref, author_id, note, prefix))
        shapes.append(vml_shape(next_shape, row, col, wrapped_lines(note, 36)))
        next_shape += 1
    if not new_comments:
        return
    new_rels: list[tuple[str, str, str]] = []
    folder = posixpath.dirname(b.wb_part)
    if old_comments:
        text, codec = decode_part(current[old_comments])
        p = prefix
        if not have_author:
            text = insert_into(text, p + "authors", f"<{p}author>{AUTHOR}</{p}author>") or text
        out = insert_into(text, p + "commentList", "".join(new_comments))
        if out is None:
            raise PartError("批注部件结构异常")
        b.out[old_comments] = encode_part(out, codec)
    else:
        part = unused_part(b.names, folder + "/comments{n}.xml")
        b.out[part] = comments_part(AUTHOR, new_comments)
        b.ct.add_override(part, CT_COMMENTS)
        new_rels.append((new_rel_id(rel_ids), REL_COMMENTS, relative(sheet.part, part)))
    if old_vml:
        b.out[old_vml] = vml_append(current[old_vml], shapes)
    else:
        part = unused_part(b.names, folder + "/drawings/vmlDrawing{n}.vml")
        b.out[part] = vml_part(idmap, shapes)
        if b.ct.type_of(part) is None:
            b.ct.ensure_default("vml", CT_VML)
        rid = new_rel_id(rel_ids)
        new_rels.append((rid, REL_VML, relative(sheet.part, part)))
        editor.add_legacy_drawing(rid)
    if new_rels:
        if rels_part:
            text, codec = decode_part(pkg.parts[rels_part])
            b.out[rels_part] = encode_part(add_rels(text, new_rels), codec)
        else:
            b.out[rels_name(sheet.part)] = rels_xml(new_rels).encode("utf-8")


def _next_idmap(b: Build, used: list[int]) -> int:
    """A VML idmap block no drawing of the package uses yet."""
    if not used:
        for name in b.pkg.parts:
            if name.lower().endswith(".vml"):
                used.extend(vml_idmaps(b.pkg.parts[name]))
        used.append(0)
    n = max(used) + 1
    used.append(n)
    return n
