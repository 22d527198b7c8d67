"""Cell comments: the comments part and its entries, and the legacy VML drawing that shows
them (new, or appended to the sheet's own)."""

from __future__ import annotations

import re

from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import bound_prefix
from perf_xlsx.ooxml.names import NS_MAIN
from perf_xlsx.ooxml.text import cell_string, t_element, xml_text

_VML_NAMESPACES = (("v", "urn:schemas-microsoft-com:vml"), ("o", "urn:schemas-microsoft-com:office:office"),
                   ("x", "urn:schemas-microsoft-com:office:excel"))

VML_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)


def comment_xml(ref: str, author_id: int, text: str, prefix: str = "") -> str:
    p = prefix
    body = cell_string(text, limit=8000)
    return (f'<{p}comment ref="{ref}" authorId="{author_id}"><{p}text><{p}r><{p}rPr><{p}sz val="9"/>'
            f'<{p}rFont val="宋体"/><{p}charset val="134"/></{p}rPr>{t_element(body, p)}</{p}r></{p}text></{p}comment>')


def comments_part(author: str, comments: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<comments xmlns="{NS_MAIN}"><authors><author>{xml_text(author)}</author></authors>'
            f'<commentList>{"".join(comments)}</commentList></comments>').encode()


def vml_shape(shape_id: int, row: int, col: int, lines: int) -> str:
    """A hidden note box anchored beside cell (row, col), both 1-based."""
    r0, c0 = row - 1, col - 1
    height = min(max(lines, 3), 12)
    return (
        f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" '
        'style="position:absolute;margin-left:80pt;margin-top:2pt;width:216pt;height:'
        f'{height * 12 + 8}pt;z-index:{shape_id % 1024 or 1};visibility:hidden" '
        'fillcolor="#ffffe1" o:insetmode="auto">'
        '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/>'
        '<v:path o:connecttype="none"/><v:textbox style="mso-direction-alt:auto">'
        '<div style="text-align:left"></div></v:textbox>'
        '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
        f"<x:Anchor>{c0 + 1}, 15, {r0}, 2, {c0 + 4}, 15, {r0 + height}, 4</x:Anchor>"
        f"<x:AutoFill>False</x:AutoFill><x:Row>{r0}</x:Row><x:Column>{c0}</x:Column>"
        "</x:ClientData></v:shape>"
    )


def vml_part(idmap: int, shapes: list[str]) -> bytes:
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel">'
            f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{idmap}"/></o:shapelayout>'
            f'{VML_SHAPETYPE}{"".join(shapes)}</xml>').encode("ascii")


def vml_idmaps(data: bytes) -> list[int]:
    text = data.decode("latin-1")
    out: list[int] = []
    # Any prefix: a drawing written by ElementTree names the office namespace ns0:, not o:.
    for m in re.finditer(r'<(?:[\w.-]+:)?idmap\b[^>]*\bdata="([^"]*)"', text):
        out.extend(int(x) for x in re.findall(r"\d+", m.group(1)))
    return out


def vml_append(data: bytes, shapes: list[str]) -> bytes:
    """Append shapes to an existing VML drawing; latin-1 keeps its bytes whatever its encoding.

    The shapes are written with the usual v:/o:/x: prefixes. A drawing that binds those
    namespaces to other prefixes (openpyxl without lxml writes ns0:/ns1:/ns2:) gets the
    declarations on each appended element, which would otherwise hold unbound prefixes."""
    text = data.decode("latin-1")
    pieces = list(shapes)
    if "_x0000_t202" not in text:
        pieces.insert(0, VML_SHAPETYPE)
    declare = "".join(f' xmlns:{p}="{uri}"' for p, uri in _VML_NAMESPACES if bound_prefix(text, uri) != p)
    if declare:
        pieces = [re.sub(r"^(<[\w:.-]+)", lambda m: m.group(1) + declare, piece, count=1) for piece in pieces]
    extra = "".join(pieces)
    cut = text.rfind("</xml>")
    if cut < 0:
        raise PartError("批注绘图部件（VML）结构异常")
    return (text[:cut] + extra + text[cut:]).encode("latin-1")


def vml_max_shape(data: bytes) -> int:
    ids = [int(x) for x in re.findall(r"_x0000_s(\d+)", data.decode("latin-1"))]
    return max(ids, default=0)
