"""The look of what the scored copy adds: fonts, fills, borders and cell formats appended to
the workbook's styles part (found, or a new minimal one), and their indexes by purpose."""

from __future__ import annotations

import posixpath
from typing import NamedTuple

from perf_xlsx.ooxml.names import REL_STYLES
from perf_xlsx.ooxml.package import unused_part
from perf_xlsx.ooxml.rels import relative, resolve
from perf_xlsx.ooxml.styles import MINIMAL_STYLES, Styles
from perf_xlsx.write.context import Build

FONT = "宋体"
RED, YELLOW, BLUE, GREY, GREEN = "FFFFC7CE", "FFFFEB9C", "FFDDEBF7", "FFD9D9D9", "FFC6EFCE"
NUMFMT_INT, NUMFMT_2DP, NUMFMT_PCT = 1, 2, 10  # built-in: "0", "0.00", "0.00%"


class StylePart(NamedTuple):
    """The styles part the copy appends to."""

    styles: Styles
    part: str
    new: bool  # the input had none: the part, its override and its relationship are new
    new_rels: tuple[tuple[str, str, str], ...]  # (id to assign, type, target) for workbook.xml.rels


class Look(NamedTuple):
    """Cell format indexes for everything the writer draws itself, and the two fills that
    mark the user's cells. (Tuples: built once per copy, read per cell.)"""

    text: int
    text_nowrap: int
    center: int
    header: int
    num: int
    general: int  # numbers as they are (0.0075, not 0.01): parsed 年度指标值 / 实际完成值
    pct: int
    int_: int
    title: int
    section: int
    label: int
    plain: int
    link: int
    err: int
    warn: int
    ok: int
    tool_head: int
    tool_num: int
    tool_text: int
    result: int  # the result line under a project table
    fill_red: int
    fill_yellow: int


def load_styles(b: Build) -> StylePart:
    """The workbook's styles part, or a new one where it has none."""
    rel = next((r for r in b.wb_rels if r.type == REL_STYLES and not r.external), None)
    part = b.pkg.find(resolve(b.wb_part, rel.target)) if rel else None
    if part is not None:
        return StylePart(Styles(b.pkg.parts[part]), part, False, ())
    folder = posixpath.dirname(b.wb_part)
    # openpyxl looks for the conventional name only, whatever the relationship says.
    part = folder + "/styles.xml" if b.pkg.find(folder + "/styles.xml") is None and \
        folder + "/styles.xml" not in b.names else unused_part(b.names, folder + "/styles{n}.xml")
    b.names.add(part)
    return StylePart(Styles(MINIMAL_STYLES.encode("utf-8")), part, True,
                     (("", REL_STYLES, relative(b.wb_part, part)),))


# By what the look's elements and indexes depend on (the part's prefix, the counts it holds and
# what Styles added before the look): the same for every workbook of a template.
_LOOKS: dict[tuple[str, tuple[int, ...], tuple[int, ...]], tuple[Look, dict[str, tuple[str, ...]]]] = {}
_LOOKS_MAX = 64


def define_look(s: Styles) -> Look:
    """Append the copy's fonts, fills, borders and formats to ``s``; their indexes."""
    key = (s.p, tuple(s.existing.values()), tuple(map(len, s.added.values())))
    got = _LOOKS.get(key)
    if got is not None:
        look, items = got
        for section, added in items.items():
            s.added[section].extend(added)
        return look
    before = {section: len(added) for section, added in s.added.items()}
    look = _define_look(s)
    if len(_LOOKS) >= _LOOKS_MAX:
        _LOOKS.clear()
    _LOOKS[key] = (look, {section: tuple(added[before[section]:]) for section, added in s.added.items()})
    return look


def _define_look(s: Styles) -> Look:

    def font(size: int, bold: bool = False, color: str = "", underline: bool = False) -> int:
        b = "<b/>" if bold else ""
        u = "<u/>" if underline else ""
        c = f'<color rgb="{color}"/>' if color else ""
        return s.add("fonts", f'<font>{b}{u}<sz val="{size}"/>{c}<name val="{FONT}"/>'
                              '<family val="3"/><charset val="134"/></font>')

    def fill(rgb: str) -> int:
        return s.add("fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                              '<bgColor indexed="64"/></patternFill></fill>')

    f_normal, f_bold = font(10), font(10, bold=True)
    f_title, f_section = font(14, bold=True), font(11, bold=True)
    f_link = font(10, color="FF0563C1", underline=True)
    f_result = font(11, bold=True, color="FF1F4E79")
    fill_red, fill_yellow, fill_blue = fill(RED), fill(YELLOW), fill(BLUE)
    fill_grey, fill_green = fill(GREY), fill(GREEN)
    thin = s.add("borders", '<border><left style="thin"><color auto="1"/></left><right style="thin">'
                            '<color auto="1"/></right><top style="thin"><color auto="1"/></top>'
                            '<bottom style="thin"><color auto="1"/></bottom><diagonal/></border>')
    no_border = s.add("borders", "<border><left/><right/><top/><bottom/><diagonal/></border>")

    def xf(fnt: int, fll: int = 0, brd: int = -1, numfmt: int = 0, h: str = "left",
           wrap: bool = True) -> int:
        border = thin if brd < 0 else brd
        w = ' wrapText="1"' if wrap else ""
        return s.add("cellXfs",
                     f'<xf numFmtId="{numfmt}" fontId="{fnt}" fillId="{fll}" borderId="{border}" xfId="0" '
                     'applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">'
                     f'<alignment horizontal="{h}" vertical="center"{w}/></xf>')

    return Look(
        text=xf(f_normal), text_nowrap=xf(f_normal, wrap=False), center=xf(f_normal, h="center"),
        header=xf(f_bold, fill_grey, h="center"),
        num=xf(f_normal, numfmt=NUMFMT_2DP, h="right", wrap=False),
        general=xf(f_normal, h="right", wrap=False),
        pct=xf(f_normal, numfmt=NUMFMT_PCT, h="right", wrap=False),
        int_=xf(f_normal, numfmt=NUMFMT_INT, h="right", wrap=False),
        title=xf(f_title, brd=no_border, h="center", wrap=False),
        section=xf(f_section, brd=no_border, wrap=False),
        label=xf(f_bold, brd=no_border, wrap=False),
        plain=xf(f_normal, brd=no_border),
        link=xf(f_link),
        err=xf(f_normal, fill_red, h="center"), warn=xf(f_normal, fill_yellow, h="center"),
        ok=xf(f_bold, fill_green),
        tool_head=xf(f_bold, fill_blue, h="center"),
        tool_num=xf(f_normal, fill_blue, numfmt=NUMFMT_2DP, h="center", wrap=False),
        tool_text=xf(f_normal, fill_blue, h="center"),
        # Unwrapped, unbordered: the one line runs on over the empty cells to its right.
        result=xf(f_result, brd=no_border, wrap=False),
        fill_red=fill_red, fill_yellow=fill_yellow,
    )
