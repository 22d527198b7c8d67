"""The Word styles the drafts use, by name, and the default template that defines them.

A bureau restyles its reports in Word: it opens templates/自评报告模板.docx, changes the styles
named here (font, size, spacing, the page set-up and the footer), saves it and passes it with
``--template``. The code only ever asks for a style by name; a template that lacks one of them
gets this module's definition added, so an ordinary letterhead .docx works as a template too.

The default look follows the 公文 conventions (GB/T 9704): A4, margins 37 / 35 / 28 / 26 mm,
title 方正小标宋简体 二号, headings 黑体 / 楷体_GB2312 / 仿宋_GB2312 bold 三号, body
仿宋_GB2312 三号 at a fixed 28.95 pt line pitch (22 lines a page), page numbers "— 1 —" at the
foot. Those fonts are rarely on Linux: the font table names each one's usual Windows family as
its alternate (w:altName), and fontconfig's Chinese fallback (WenQuanYi, Noto CJK) renders the
rest, so a PDF made by LibreOffice never shows empty boxes.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from perf_xlsx.draft.stable import stable_zip

__all__ = ["STYLES", "StyleSpec", "TemplateError", "build_template", "ensure_styles", "TITLE", "BODY", "H1", "H2", "H3",
           "TABLE_TEXT", "TABLE_HEAD", "TABLE_NUMBER", "SIGN", "PLAIN", "FILL", "TABLE_STYLE", "PAGE_NUMBER"]

TITLE = "公文标题"
BODY = "公文正文"
PLAIN = "正文不缩进"  # salutations, the 附件 line, table captions
H1 = "一级标题"
H2 = "二级标题"
H3 = "三级标题"
TABLE_TEXT = "表格文字"
TABLE_HEAD = "表格表头"
TABLE_NUMBER = "表格数字"  # figures in a table, centred
SIGN = "落款"
PAGE_NUMBER = "页码"
FILL = "待填写"  # character style: what the unit still has to write, in red
TABLE_STYLE = "自评表格"

SERIF_ASCII = "Times New Roman"
# A fixed time keeps the committed templates byte-for-byte reproducible.
_TEMPLATE_TIME = datetime(2020, 1, 1)
LINE_PITCH = 28.95  # points: 22 lines on a 公文 page


@dataclass(frozen=True)
class StyleSpec:
    name: str
    kind: str  # "paragraph" | "character"
    east_asia: str = "仿宋_GB2312"
    size: float = 16.0  # points (三号)
    bold: bool = False
    align: str = "justify"  # left | center | right | justify
    first_line: float = 0.0  # indent in points (2 characters of 三号 = 32 pt)
    line: Optional[float] = LINE_PITCH  # exact line pitch in points; None: single
    outline: Optional[int] = None  # outline level (0 = 一级) so headings show in the navigation pane
    keep_next: bool = False
    color: Optional[str] = None  # hex RGB
    space_before: float = 0.0
    space_after: float = 0.0


STYLES: tuple[StyleSpec, ...] = (
    StyleSpec(TITLE, "paragraph", east_asia="方正小标宋简体", size=22, align="center", line=None,
              space_before=12, space_after=24, keep_next=True),
    StyleSpec(BODY, "paragraph", first_line=32),
    StyleSpec(PLAIN, "paragraph"),
    StyleSpec(H1, "paragraph", east_asia="黑体", first_line=32, outline=0, keep_next=True),
    StyleSpec(H2, "paragraph", east_asia="楷体_GB2312", first_line=32, outline=1, keep_next=True),
    StyleSpec(H3, "paragraph", bold=True, first_line=32, outline=2, keep_next=True),
    StyleSpec(TABLE_TEXT, "paragraph", size=10.5, align="left", line=None),
    StyleSpec(TABLE_HEAD, "paragraph", east_asia="黑体", size=10.5, align="center", line=None),
    StyleSpec(TABLE_NUMBER, "paragraph", size=10.5, align="center", line=None),
    StyleSpec(SIGN, "paragraph", align="right"),
    StyleSpec(PAGE_NUMBER, "paragraph", east_asia="宋体", size=14, align="center", line=None),
    StyleSpec(FILL, "character", color="FF0000"),
)

#: Each 公文 font and the family Word substitutes on a machine without it (w:altName).
ALT_NAMES = {"方正小标宋简体": "宋体", "仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "黑体": "SimHei",
             "宋体": "SimSun"}


def _docx() -> Any:
    import docx  # imported on use: only the report commands need python-docx

    return docx


def _set_fonts(rpr_owner: Any, east_asia: str) -> None:
    from docx.oxml.ns import qn

    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), SERIF_ASCII)
    fonts.set(qn("w:eastAsia"), east_asia)
    # Theme fonts would override the names above in Word.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _add_style(doc: Any, spec: StyleSpec) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    kind = WD_STYLE_TYPE.PARAGRAPH if spec.kind == "paragraph" else WD_STYLE_TYPE.CHARACTER
    style = doc.styles.add_style(spec.name, kind)
    style.hidden = False
    style.quick_style = True
    font = style.font
    if spec.kind == "paragraph":
        style.base_style = None
        font.size = Pt(spec.size)
        font.bold = spec.bold
        _set_fonts(style.element, spec.east_asia)
        pf = style.paragraph_format
        pf.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                        "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[spec.align]
        pf.first_line_indent = Pt(spec.first_line) if spec.first_line else None
        pf.space_before = Pt(spec.space_before)
        pf.space_after = Pt(spec.space_after)
        if spec.line is not None:
            pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            pf.line_spacing = Pt(spec.line)
        else:
            pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
        pf.keep_with_next = spec.keep_next or None
        pf.widow_control = True
        if spec.outline is not None:
            ppr = style.element.get_or_add_pPr()
            level = OxmlElement("w:outlineLvl")
            level.set(qn("w:val"), str(spec.outline))
            ppr.insert_element_before(level, "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
        if spec.name == BODY:
            style.next_paragraph_style = style
    if spec.color:
        font.color.rgb = RGBColor.from_string(spec.color)


def _add_table_style(doc: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    style = doc.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
    style.hidden = False
    borders = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                      for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    tblpr = parse_xml(f'<w:tblPr {nsdecls("w")}><w:tblBorders>{borders}</w:tblBorders>'
                      '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
                      "</w:tblPr>")
    style.element.append(tblpr)


class TemplateError(ValueError):
    """A --template file that is not a usable Word document (Chinese message)."""


_KIND_NAMES = {"paragraph": "段落样式", "character": "字符样式", "table": "表格样式"}


def ensure_styles(doc: Any) -> None:
    """Add every style the drafts use that ``doc`` (a template) does not define; TemplateError
    when the template gives one of their names to a style of another type."""
    from docx.enum.style import WD_STYLE_TYPE

    have = {s.name: s.type for s in doc.styles}
    wanted = [(spec.name, spec.kind, spec) for spec in STYLES] + [(TABLE_STYLE, "table", None)]
    for name, kind, spec in wanted:
        wd = {"paragraph": WD_STYLE_TYPE.PARAGRAPH, "character": WD_STYLE_TYPE.CHARACTER,
              "table": WD_STYLE_TYPE.TABLE}[kind]
        if name not in have:
            if spec is None:
                _add_table_style(doc)
            else:
                _add_style(doc, spec)
        elif have[name] != wd:
            raise TemplateError(f"模板中的样式「{name}」应为{_KIND_NAMES[kind]}，请在 Word 中改正或改用其他名称")


def _page_setup(doc: Any) -> None:
    from docx.shared import Mm

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(20)


def add_page_number(paragraph: Any) -> None:
    """"— N —" with a PAGE field, as 公文 number their pages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.add_run("— ")
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            t = OxmlElement("w:t")
            t.text = text
            run._r.append(t)
    paragraph.add_run(" —")


def _alt_names(font_table: bytes) -> bytes:
    """The font table with a w:font entry (and its w:altName) for each 公文 font."""
    text = font_table.decode("utf-8")
    entries = "".join(f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                      '<w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>'
                      for name, alt in ALT_NAMES.items() if f'w:name="{name}"' not in text)
    return re.sub(r"</w:fonts>\s*$", entries + "</w:fonts>", text).encode("utf-8")


def build_template(kind: str = "report") -> bytes:
    """The default template (``kind`` "report" or "feedback"): python-docx's blank document with
    this module's styles, A4 公文 margins and the page number in the footer. Deterministic."""
    docx = _docx()
    doc = docx.Document()
    pkg = doc.part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype.endswith("/thumbnail"):  # python-docx's own picture of a blank page
            del pkg.rels[rid]
    ensure_styles(doc)
    normal = doc.styles["Normal"]
    _set_fonts(normal.element, "仿宋_GB2312")
    _page_setup(doc)
    footer = doc.sections[0].footer
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    para.style = doc.styles[PAGE_NUMBER]
    add_page_number(para)
    for part in pkg.iter_parts():
        if str(part.partname) == "/word/fontTable.xml":
            part._blob = _alt_names(part.blob)
    props = doc.core_properties
    props.author = "perf-xlsx"
    props.created = props.modified = props.last_printed = _TEMPLATE_TIME
    props.last_modified_by = "perf-xlsx"
    props.revision = 1
    props.title = "项目支出绩效自评报告（模板）" if kind == "report" else "绩效自评整改反馈单（模板）"
    props.comments = "样式：" + "、".join(s.name for s in STYLES) + f"、{TABLE_STYLE}（表格）。可在 Word 中修改样式后用 --template 使用。"
    # The body of a template is not used (the draft replaces it); say what the template is for.
    doc.add_paragraph(props.title, style=TITLE)
    doc.add_paragraph("本文件是 perf-xlsx report 的 Word 模板。修改下列样式即可改变生成的报告的外观，"
                      "正文内容不会被使用：", style=BODY)
    for spec in STYLES:
        if spec.kind == "paragraph":
            doc.add_paragraph(f"样式「{spec.name}」示例", style=spec.name)
    example = doc.add_paragraph("字符样式「待填写」示例：", style=BODY)
    example.add_run("【待填写：报告日期】", style=FILL)
    out = io.BytesIO()
    doc.save(out)
    return stable_zip(out.getvalue(), _TEMPLATE_TIME)
