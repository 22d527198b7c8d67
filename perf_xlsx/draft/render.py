"""A Doc into .docx bytes through a Word template, reproducibly.

The template gives the styles (by name, styles.py), the page set-up and the footer; its body is
dropped. Same Doc, same template and same time → same bytes: the core properties carry the
given time (the input workbook's own date), and the zip entries are rewritten with that time
too, because python-docx stamps each entry with the clock.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any, Union
from xml.sax.saxutils import escape

from perf_xlsx.draft.doc import Doc, PageBreak, Para, Table
from perf_xlsx.draft.stable import stable_zip
from perf_xlsx.draft.styles import (
    FILL,
    STYLES,
    TABLE_HEAD,
    TABLE_NUMBER,
    TABLE_STYLE,
    TABLE_TEXT,
    TemplateError,
    build_template,
    ensure_styles,
)

__all__ = ["TemplateError", "render", "stable_zip"]

TemplateSource = Union[str, bytes, None]


_DEFAULTS: dict[str, bytes] = {}


def _open_template(template: TemplateSource, kind: str) -> Any:
    import docx

    if template is None:
        blob = _DEFAULTS.get(kind)
        if blob is None:
            blob = _DEFAULTS[kind] = build_template(kind)
        return docx.Document(io.BytesIO(blob))
    try:
        return docx.Document(io.BytesIO(template) if isinstance(template, bytes) else template)
    except Exception as exc:  # python-docx raises several types for a file that is not a .docx
        raise TemplateError(f"模板不是可用的 Word 文档（.docx）：{template if isinstance(template, str) else ''}"
                            f"（{type(exc).__name__}）") from None


def _clear_body(doc: Any) -> None:
    from docx.oxml.ns import qn

    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
# Characters XML 1.0 cannot carry (cell text is cleaned when read; messages are the tool's own,
# but a draft must never fail on one stray character).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class _Ids(dict[str, str]):
    """Style name → style id of the drafts' styles, each of its own type (a template may name a
    paragraph style and a character style alike)."""

    def __init__(self, doc: Any) -> None:
        from docx.enum.style import WD_STYLE_TYPE

        types = {spec.name: (WD_STYLE_TYPE.PARAGRAPH if spec.kind == "paragraph" else WD_STYLE_TYPE.CHARACTER)
                 for spec in STYLES}
        types[TABLE_STYLE] = WD_STYLE_TYPE.TABLE
        super().__init__((s.name, s.style_id) for s in doc.styles if types.get(s.name) == s.type)


def _text(text: str) -> str:
    return escape(_NOT_XML.sub("", text), {'"': "&quot;"})


def _runs(text: str, rpr: str) -> str:
    """A run per line: line breaks typed in a cell become <w:br/>."""
    out = []
    for i, line in enumerate(text.split("\n")):
        br = "<w:br/>" if i else ""
        out.append(f'<w:r>{rpr}{br}<w:t xml:space="preserve">{_text(line)}</w:t></w:r>')
    return "".join(out)


def _para_xml(block: Para, ids: _Ids) -> str:
    runs = []
    for run in block.runs:
        props = (f'<w:rStyle w:val="{_text(ids[FILL])}"/>' if run.fill else "") + ("<w:b/>" if run.bold else "")
        runs.append(_runs(run.text, f"<w:rPr>{props}</w:rPr>" if props else ""))
    return f'<w:p><w:pPr><w:pStyle w:val="{_text(ids[block.style])}"/></w:pPr>{"".join(runs)}</w:p>'


def _twips(mm: float) -> int:
    return round(mm * 1440 / 25.4)


def _table_xml(block: Table, ids: _Ids, borders: bool) -> str:
    """A table in the template's 自评表格 style (borders written on the table only when that
    style has none), columns fixed to ``widths``, the header row repeated on each page."""
    grid = "".join(f'<w:gridCol w:w="{_twips(w)}"/>' for w in block.widths)
    rows = []
    head, text, number = (_text(ids[name]) for name in (TABLE_HEAD, TABLE_TEXT, TABLE_NUMBER))
    for r, values in enumerate((block.header, *block.rows)):
        rpr = "<w:rPr><w:b/></w:rPr>" if r - 1 in block.bold_rows else ""
        cells = "".join(f'<w:tc><w:tcPr><w:tcW w:w="{_twips(w)}" w:type="dxa"/></w:tcPr>'
                        f'<w:p><w:pPr><w:pStyle w:val="{head if r == 0 else number if c in block.centered else text}"/>'
                        f'</w:pPr>{_runs(v, rpr)}</w:p></w:tc>'
                        for c, (v, w) in enumerate(zip(values, block.widths)))
        repeat = '<w:trPr><w:tblHeader/></w:trPr>' if r == 0 else ""
        rows.append(f"<w:tr>{repeat}{cells}</w:tr>")
    tbl_pr = (f'<w:tblPr><w:tblStyle w:val="{_text(ids[TABLE_STYLE])}"/><w:tblW w:w="0" w:type="auto"/>'
              f'<w:jc w:val="center"/>{"<w:tblBorders>" + _BORDERS + "</w:tblBorders>" if borders else ""}'
              '<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" '
              'w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>')
    return f"<w:tbl>{tbl_pr}<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"


def _body_xml(content: Doc, ids: _Ids, borders: bool) -> str:
    """The document body, written as WordprocessingML text and parsed once (python-docx's
    element-by-element API took most of a draft's time)."""
    parts = []
    for block in content.blocks:
        if isinstance(block, Para):
            parts.append(_para_xml(block, ids))
        elif isinstance(block, Table):
            parts.append(_table_xml(block, ids, borders))
        elif isinstance(block, PageBreak):
            parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
    return "".join(parts)


def render(content: Doc, *, when: datetime, template: TemplateSource = None, kind: str = "report",
           author: str = "perf-xlsx") -> bytes:
    """``content`` as .docx bytes; ``template`` is a path or bytes (None: the built-in one)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    doc = _open_template(template, kind)
    ensure_styles(doc)
    _clear_body(doc)
    ids = _Ids(doc)
    table_style = doc.styles.element.get_by_id(ids[TABLE_STYLE])
    borders = not table_style.xpath("./w:tblPr/w:tblBorders")
    body = doc.element.body
    wrapper = parse_xml(f"<w:body {nsdecls('w')}>{_body_xml(content, ids, borders)}</w:body>")
    sect = body.sectPr
    for child in list(wrapper):
        if sect is not None:
            sect.addprevious(child)
        else:
            body.append(child)
    props = doc.core_properties
    props.title = content.title
    props.subject = content.subject
    props.author = author
    props.last_modified_by = author
    props.comments = "由 perf-xlsx 根据自评表生成的初稿，红色【待填写】处由单位补写。"
    props.keywords = ""
    props.created = props.modified = props.last_printed = when.replace(tzinfo=None)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return stable_zip(out.getvalue(), when)
