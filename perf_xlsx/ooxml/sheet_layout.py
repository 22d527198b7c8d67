"""Edits to a worksheet outside its cells: the dimension, column widths and hidden columns, the
comments' legacy drawing, and the tab selection. Each takes the sheet's text and namespace
prefix and returns the edited text; everything else stays byte-identical."""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

from perf_xlsx.a1 import col_letter, parse_range
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import (
    OPEN_TAG,
    Found,
    attrs_of,
    decode_part,
    encode_part,
    find_element,
    ns_prefix,
    remove_attr,
    set_attr,
    tag_end,
)
from perf_xlsx.ooxml.names import NS_R

# The elements that follow legacyDrawing in the schema's order.
_LEGACY_FOLLOWERS = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                     "tableParts", "extLst")

_SHEET_VIEW_TAG = re.compile(rf"<(?:[\w.-]+:)?sheetView\b{OPEN_TAG}/?>", re.S)


def widen_dimension(text: str, p: str, last_row: int, last_col: int) -> str:
    """The <dimension> grown to take in (last_row, last_col)."""
    m = find_element(text, p + "dimension")
    if m is None:
        return text
    tag = m.group(0)
    ref = attrs_of(tag).get("ref", "")
    try:
        r1, c1, r2, c2 = parse_range(ref)
    except ValueError:
        return text
    new = f"{col_letter(c1)}{r1}:{col_letter(max(c2, last_col))}{max(r2, last_row)}"
    if new == ref:
        return text
    return text[: m.start()] + set_attr(tag, "ref", new) + text[m.end():]


def hidden_columns(text: str, p: str) -> list[tuple[int, int]]:
    """(min, max) of every <col> range that hides its columns (hidden, or width 0)."""
    data_at = text.find(f"<{p}sheetData")
    m = find_element(text[:data_at if data_at >= 0 else len(text)], p + "cols")
    if m is None or m.body is None:
        return []
    out = []
    for cm in re.finditer(rf"<{re.escape(p)}col\b{OPEN_TAG}", m.body):
        a = attrs_of(cm.group(0))
        try:
            lo, hi = int(a.get("min", "0")), int(a.get("max", "0"))
            zero = float(a.get("width", "1")) == 0
        except ValueError:
            continue
        if a.get("hidden") in ("1", "true") or zero:
            out.append((lo, hi))
    return out


def set_column_width(text: str, p: str, col: int, width: float) -> str:
    """``col`` given a width unless a <col> already sets one for it; a wide <col> range
    covering it (LibreOffice writes one up to column 1025) is split around it."""
    new_col = f'<{p}col min="{col}" max="{col}" width="{width}" customWidth="1"/>'
    data_at = text.index(f"<{p}sheetData")
    m = find_element(text[:data_at], p + "cols")
    if m is None:
        return text[:data_at] + f"<{p}cols>{new_col}</{p}cols>" + text[data_at:]
    if m.body is None:
        opening = m.group(0)[:-2].rstrip() + ">"
        return text[: m.start()] + opening + new_col + f"</{p}cols>" + text[m.end():]
    body = m.body
    body_start = m.start() + m.group(0).index(">") + 1
    pat = re.compile(rf"<{re.escape(p)}col\b{OPEN_TAG}(?:/>|>\s*</{re.escape(p)}col\s*>)", re.S)
    insert_at = body_start + len(body)
    for cm in pat.finditer(body):
        a = attrs_of(cm.group(0))
        try:
            lo, hi = int(a.get("min", "0")), int(a.get("max", "0"))
        except ValueError:
            continue
        if lo <= col <= hi:
            if a.get("customWidth") in ("1", "true") or lo == hi:
                return text
            tag = cm.group(0)
            pieces = []
            if lo < col:
                pieces.append(set_attr(tag, "max", str(col - 1)))
            pieces.append(new_col)
            if col < hi:
                pieces.append(set_attr(tag, "min", str(col + 1)))
            s, e = body_start + cm.start(), body_start + cm.end()
            return text[:s] + "".join(pieces) + text[e:]
        if lo > col:
            insert_at = body_start + cm.start()
            break
    return text[:insert_at] + new_col + text[insert_at:]


# The last answer of after_sheet_data: the drawing, page setup and print edits of one sheet ask
# it of the same text several times in a row. Held by identity (the text is kept alive here,
# so its id cannot be reused), so an edited text is always looked at afresh.
_AFTER: tuple[Optional[str], str, int] = (None, "", 0)


def after_sheet_data(text: str, p: str) -> int:
    """Just past ``</sheetData>`` (or ``<sheetData/>``): the leftmost match of either form.
    Candidates are found by str.find and only tried there; a regex search would step
    through all the rows in between."""
    global _AFTER
    last_text, last_p, last_at = _AFTER
    if last_text is text and last_p == p:
        return last_at
    at = _after_sheet_data(text, p)
    _AFTER = (text, p, at)
    return at


def _after_sheet_data(text: str, p: str) -> int:
    close_pat = re.compile(rf"</{re.escape(p)}sheetData\s*>")
    empty_pat = re.compile(rf"<{re.escape(p)}sheetData\b{OPEN_TAG}/>", re.S)
    close = None
    at = text.find(f"</{p}sheetData")
    while at >= 0 and close is None:
        close = close_pat.match(text, at)
        at = text.find(f"</{p}sheetData", at + 1)
    stop = close.start() if close is not None else len(text)
    at = text.find(f"<{p}sheetData")
    while 0 <= at < stop:
        empty = empty_pat.match(text, at)
        if empty is not None:
            return empty.end()
        at = text.find(f"<{p}sheetData", at + 1)
    if close is None:
        raise PartError("工作表缺少 sheetData")
    return close.end()


def legacy_drawing_rid(text: str, p: str) -> Optional[str]:
    """The relationship id of the sheet's <legacyDrawing> (its comments' VML), if any."""
    m = re.compile(rf"<{re.escape(p)}legacyDrawing\b({OPEN_TAG})/?>", re.S).search(text, after_sheet_data(text, p))
    if m is None:
        return None
    for k, v in attrs_of(m.group(1)).items():
        if k.endswith(":id"):
            return v
    return None


def add_legacy_drawing(text: str, p: str, rid: str) -> str:
    """A <legacyDrawing> (the comments' VML) at its place in the schema's element order."""
    r, declare = ns_prefix(text, NS_R, "r")
    el = f'<{p}legacyDrawing{declare} {r}:id="{rid}"/>'
    base = after_sheet_data(text, p)
    # The first of the elements that follow legacyDrawing; Excel wraps oleObjects/controls
    # in mc:AlternateContent, which follows it too. One alternation finds the earliest.
    m = re.compile(rf"<(?:{re.escape(p)}(?:{'|'.join(_LEGACY_FOLLOWERS)})|[\w.-]+:AlternateContent)\b"
                   ).search(text, base)
    at = m.start() if m is not None else text.rindex(f"</{p}worksheet", base)
    return text[:at] + el + text[at:]


def untab_text(text: str) -> str:
    """Clear tabSelected: with the new first sheet active, a selected original would make
    Excel open with the sheets grouped (edits then hit every grouped sheet)."""
    # LibreOffice writes tabSelected on every sheetView, so "is it there" is no shortcut.
    # Only the tags around each occurrence are tried (a "<" cannot occur inside a tag of
    # well-formed XML, so the nearest one before it starts the tag), not the whole sheet.
    pieces: list[str] = []
    pos = 0
    at = text.find("tabSelected")
    while at >= 0:
        start = text.rfind("<", pos, at)
        m = _SHEET_VIEW_TAG.match(text, start) if start >= 0 else None
        if m is None or m.end() <= at:
            at = text.find("tabSelected", at + 1)
            continue
        tag = m.group(0)
        if attrs_of(tag).get("tabSelected") in ("1", "true"):
            pieces.append(text[pos:start])
            pieces.append(remove_attr(tag, "tabSelected"))
            pos = m.end()
        at = text.find("tabSelected", m.end())
    if not pieces:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


def untab(data: bytes) -> bytes:
    """untab_text on a whole part, for a sheet the writer does not otherwise edit."""
    if b"tabSelected" not in data:
        return data
    text, codec = decode_part(data)
    return encode_part(untab_text(text), codec)


# The elements that follow pageSetup in the schema's order.
_PAGE_SETUP_FOLLOWERS = ("headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
                         "smartTags", "drawing", "legacyDrawing") + _LEGACY_FOLLOWERS


class PageSetup(NamedTuple):
    """How a sheet says it is to be printed (outside its print area, a defined name)."""

    fit_to_page: bool  # sheetPr/pageSetUpPr fitToPage: the fitToWidth/fitToHeight apply
    scale: Optional[str]  # pageSetup scale, as written (a percentage); None when unset
    breaks: bool  # manual page breaks (rowBreaks/colBreaks)

    @property
    def chosen(self) -> bool:
        """Whether the sheet's author set how its pages break: fit to pages, a scale other than
        100% or manual breaks. Orientation and paper alone are not: openpyxl and many templates
        write them on every sheet, and a table still prints a column short at 100%."""
        return self.fit_to_page or self.breaks or (self.scale is not None and self.scale.strip() != "100")


def _after_cells(text: str, p: str) -> int:
    """Where the page elements can start: past sheetData and past customSheetViews, whose
    views hold pageSetup elements of their own."""
    base = after_sheet_data(text, p)
    views = find_element(text, p + "customSheetViews", base)
    return views.end() if views is not None else base


def _sheet_pr(text: str, p: str) -> Optional[Found]:
    data_at = text.find(f"<{p}sheetData")
    return find_element(text[:data_at if data_at >= 0 else len(text)], p + "sheetPr")


def page_setup(text: str, p: str) -> PageSetup:
    """The sheet's own page setup."""
    fit = False
    pr = _sheet_pr(text, p)
    if pr is not None and pr.body:
        fit_m = find_element(pr.body, p + "pageSetUpPr")
        if fit_m is not None:
            fit = attrs_of(fit_m.group(0)).get("fitToPage") in ("1", "true")
    base = _after_cells(text, p)
    setup = find_element(text, p + "pageSetup", base)
    scale = attrs_of(setup.group(0)[:tag_end(setup.group(0))]).get("scale") if setup is not None else None
    breaks = any(find_element(text, p + name, base) is not None for name in ("rowBreaks", "colBreaks"))
    return PageSetup(fit, scale, breaks)


def fit_to_width(text: str, p: str, paper: str = "9") -> str:
    """The sheet set to print landscape, one page wide and as many tall as it takes (on
    ``paper``, an ECMA paperSize, where the sheet names none; 9 is A4). Everything else of
    its page setup (margins, headers, a printer-settings part) stays."""
    pr = _sheet_pr(text, p)
    fit_tag = f'<{p}pageSetUpPr fitToPage="1"/>'
    if pr is None:
        root = re.search(rf"<{re.escape(p)}worksheet\b", text)
        if root is None:
            raise PartError("工作表缺少 worksheet 根元素")
        at = tag_end(text, root.start())
        text = text[:at] + f"<{p}sheetPr>{fit_tag}</{p}sheetPr>" + text[at:]
    else:
        whole = pr.group(0)
        inner = find_element(pr.body or "", p + "pageSetUpPr")
        if inner is not None:
            body_at = pr.start() + tag_end(whole)
            s, e = body_at + inner.start(), body_at + inner.end()
            text = text[:s] + _set_fit(inner.group(0)) + text[e:]
        elif pr.body is None:
            text = text[:pr.start()] + whole[:-2].rstrip() + ">" + fit_tag + f"</{p}sheetPr>" + text[pr.end():]
        else:
            # pageSetUpPr is the last child of sheetPr (after tabColor and outlinePr).
            cut = pr.start() + whole.rindex("</")
            text = text[:cut] + fit_tag + text[cut:]
    base = _after_cells(text, p)
    setup = find_element(text, p + "pageSetup", base)
    if setup is not None:
        whole = setup.group(0)
        end = tag_end(whole)
        tag = whole[:end]
        for name, value in (("orientation", "landscape"), ("fitToWidth", "1"), ("fitToHeight", "0")):
            tag = set_attr(tag, name, value)
        if "paperSize" not in attrs_of(tag) and "paperHeight" not in attrs_of(tag):
            tag = set_attr(tag, "paperSize", paper)
        return text[:setup.start()] + tag + whole[end:] + text[setup.end():]
    new = f'<{p}pageSetup paperSize="{paper}" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    margins = find_element(text, p + "pageMargins", base)
    if margins is not None:
        at = margins.end()
    else:
        m = re.compile(rf"<(?:{re.escape(p)}(?:{'|'.join(_PAGE_SETUP_FOLLOWERS)})|[\w.-]+:AlternateContent)\b"
                       ).search(text, base)
        at = m.start() if m is not None else text.rindex(f"</{p}worksheet", base)
    return text[:at] + new + text[at:]


def _set_fit(element: str) -> str:
    """A pageSetUpPr element with fitToPage on (self-closing or not)."""
    end = tag_end(element)
    return set_attr(element[:end], "fitToPage", "1") + element[end:]
