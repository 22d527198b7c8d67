"""A Doc into .docx bytes through a Word template, reproducibly.

The template gives the styles (by name, styles.py), the page set-up and the footer; its body is
dropped. Same Doc, same template and same time → same bytes: the core properties carry the
given time (the input workbook's own date), and the zip entries are rewritten with that time
too, because python-docx stamps each entry with the clock.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any, Union

from perf_xlsx.draft.doc import Doc, PageBreak, Para, Table
from perf_xlsx.draft.stable import stable_zip
from perf_xlsx.draft.styles import (
    FILL,
    TABLE_HEAD,
    TABLE_STYLE,
    TABLE_TEXT,
    build_template,
    ensure_styles,
)

__all__ = ["TemplateError", "render", "stable_zip"]

TemplateSource = Union[str, bytes, None]


class TemplateError(ValueError):
    """A --template file that is not a usable Word document (Chinese message)."""


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


def _cell_borders(table: Any) -> None:
    """Borders set on the table itself, for a template whose table style has none."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    # In the schema's order: tblBorders comes before shd, tblLayout, tblCellMar and tblLook.
    table._tbl.tblPr.insert_element_before(parse_xml(f'<w:tblBorders {nsdecls("w")}>{borders}</w:tblBorders>'),
                                           "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                           "w:tblDescription", "w:tblPrChange")


class _Ids(dict[str, str]):
    """Style name → style id, looked up once: python-docx's by-name lookup scans every style
    for the default on each call (most of a draft's time)."""

    def __init__(self, doc: Any) -> None:
        super().__init__((s.name, s.style_id) for s in doc.styles)


def _styled(paragraph: Any, style_id: str) -> Any:
    paragraph._p.get_or_add_pPr().style = style_id
    return paragraph


def _add_table(doc: Any, block: Table, ids: _Ids) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = doc.styles[TABLE_STYLE]
    if not table.style.element.xpath("./w:tblPr/w:tblBorders"):
        _cell_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # The header row repeats on every page of a long table.
    tr_pr = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    for r, values in enumerate((block.header, *block.rows)):
        cells = table.rows[r].cells
        for c, value in enumerate(values):
            cell = cells[c]
            cell.width = Mm(block.widths[c])
            p = _styled(cell.paragraphs[0], ids[TABLE_HEAD if r == 0 else TABLE_TEXT])
            lines = value.split("\n")
            for i, line in enumerate(lines):
                run = p.add_run(line)
                if r - 1 in block.bold_rows:
                    run.bold = True
                if i < len(lines) - 1:
                    run.add_break()
    for c, width in enumerate(block.widths):
        table.columns[c].width = Mm(width)


def render(content: Doc, *, when: datetime, template: TemplateSource = None, kind: str = "report",
           author: str = "perf-xlsx") -> bytes:
    """``content`` as .docx bytes; ``template`` is a path or bytes (None: the built-in one)."""
    from docx.enum.text import WD_BREAK

    doc = _open_template(template, kind)
    ensure_styles(doc)
    _clear_body(doc)
    ids = _Ids(doc)
    for block in content.blocks:
        if isinstance(block, Para):
            p = _styled(doc.add_paragraph(), ids[block.style])
            for run in block.runs:
                r = p.add_run(run.text)
                if run.fill:
                    r._r.get_or_add_rPr().style = ids[FILL]
                if run.bold:
                    r.bold = True
        elif isinstance(block, Table):
            _add_table(doc, block, ids)
        elif isinstance(block, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
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
