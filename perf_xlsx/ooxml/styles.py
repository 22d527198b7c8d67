"""styles.xml: fonts, fills, borders and cell formats appended so that every existing index
keeps its meaning, and the minimal stylesheet for a package that has none."""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

from perf_xlsx.memo import ByContent
from perf_xlsx.ooxml.markup import (
    OPEN_TAG,
    Found,
    decode_part,
    encode_part,
    find_element,
    insert_into,
    root_prefix,
    set_attr,
)
from perf_xlsx.ooxml.names import NS_MAIN

_STYLE_SECTIONS = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
                   "dxfs", "tableStyles", "colors", "extLst")
_CHILD = {"fonts": "font", "fills": "fill", "borders": "border", "cellXfs": "xf", "cellStyleXfs": "xf"}

MINIMAL_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{NS_MAIN}">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


class Styles:
    """Appends fonts, fills, borders and cell formats to styles.xml; existing indexes stay."""

    def __init__(self, data: bytes) -> None:
        # The sections are found once per distinct part (memo): a template's workbooks share it.
        base = _BASE(data)
        self.text, self.codec, self.p = base.text, base.codec, base.p
        self.existing: dict[str, int] = dict(base.existing)
        self.added: dict[str, list[str]] = {k: list(v) for k, v in base.added.items()}
        self.xfs: list[str] = list(base.xfs)
        self._found: dict[str, Optional[Found]] = dict(base.found)
        self._clones: dict[tuple[int, Optional[int], Optional[int]], int] = {}

    def _children(self, body: str, child: str) -> list[str]:
        return _children(body, child, self.p)

    def add(self, section: str, xml: str) -> int:
        """Append an element (written without prefix; the document's prefix is applied)."""
        if self.p:
            xml = re.sub(r"<(/?)(?=[A-Za-z])", rf"<\1{self.p}", xml)
        self.added[section].append(xml)
        return self.existing[section] + len(self.added[section]) - 1

    def fills(self) -> list[str]:
        """The fill elements the part holds (the added ones not included)."""
        m = self._found.get("fills")
        return self._children(m.body or "", "fill") if m else []

    def xf_count(self) -> int:
        return self.existing["cellXfs"] + len(self.added["cellXfs"])

    def clone_xf(self, index: int, fill_id: Optional[int] = None, num_fmt_id: Optional[int] = None) -> int:
        """A new cell format equal to ``index`` but with another fill / number format."""
        key = (index, fill_id, num_fmt_id)
        if key in self._clones:
            return self._clones[key]
        if 0 <= index < len(self.xfs):
            source = self.xfs[index]
        elif self.existing["cellXfs"] == 0 and index == 0:
            source = self.added["cellXfs"][0]
        else:  # a style index past the table: Excel shows it as the default format
            source = self.xfs[0] if self.xfs else '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        end = source.index(">") + 1
        tag, rest = source[:end], source[end:]
        if fill_id is not None:
            tag = set_attr(set_attr(tag, "fillId", str(fill_id)), "applyFill", "1")
        if num_fmt_id is not None:
            tag = set_attr(set_attr(tag, "numFmtId", str(num_fmt_id)), "applyNumberFormat", "1")
        self.added["cellXfs"].append(tag + rest)
        new = self.existing["cellXfs"] + len(self.added["cellXfs"]) - 1
        self._clones[key] = new
        return new

    def to_bytes(self) -> bytes:
        text = self._splice_sections()
        if text is not None:
            return encode_part(text, self.codec)
        text = self.text
        for section in _CHILD:
            items = self.added[section]
            if not items:
                continue
            total = self.existing[section] + len(items)
            name = self.p + section
            m = find_element(text, name)
            if m is None:
                block = f'<{name} count="{total}">{"".join(items)}</{name}>'
                text = self._insert_section(text, section, block)
                continue
            out = insert_into(text, name, "".join(items))
            assert out is not None
            text = out
            m = find_element(text, name)
            assert m is not None
            opening_end = m.start() + m.group(0).index(">") + 1
            opening = set_attr(text[m.start():opening_end], "count", str(total))
            text = text[: m.start()] + opening + text[opening_end:]
        return encode_part(text, self.codec)

    def _splice_sections(self) -> Optional[str]:
        """What to_bytes's section-by-section edits give, in one pass over the text, when every
        section that grows is present and none lies inside another (anything else goes the
        long way). Each edit is the one insert_into and the count update make."""
        edits: list[tuple[Found, str, str, int]] = []
        for section in _CHILD:
            items = self.added[section]
            if not items:
                continue
            m = self._found[section]
            if m is None:
                return None
            edits.append((m, self.p + section, "".join(items), self.existing[section] + len(items)))
        edits.sort(key=lambda e: e[0].start())
        if any(a[0].end() > b[0].start() for a, b in zip(edits, edits[1:])):
            return None
        pieces: list[str] = []
        pos = 0
        for m, name, snippet, total in edits:
            whole = m.group(0)
            if whole.endswith("/>") and m.body is None:
                new = f"{whole[:-2].rstrip()}>{snippet}</{name}>"
            else:
                cut = whole.rindex("</")
                new = whole[:cut] + snippet + whole[cut:]
            opening_end = new.index(">") + 1
            pieces += (self.text[pos:m.start()], set_attr(new[:opening_end], "count", str(total)),
                       new[opening_end:])
            pos = m.end()
        pieces.append(self.text[pos:])
        return "".join(pieces)

    def _insert_section(self, text: str, section: str, block: str) -> str:
        order = _STYLE_SECTIONS
        for later in order[order.index(section) + 1:]:
            m = re.search(rf"<{re.escape(self.p + later)}\b", text)
            if m:
                return text[: m.start()] + block + text[m.start():]
        cut = text.rindex(f"</{self.p}styleSheet")
        return text[:cut] + block + text[cut:]


def _children(body: str, child: str, prefix: str) -> list[str]:
    """The ``child`` elements of a section, as ``<{p}child ...(?:/>|>.*?</child>)`` would
    find them: the opening tag by regex and the end tag by a search from there, because a
    lazy ``.*?`` steps through the element body a character at a time."""
    p = re.escape(prefix)
    open_pat = re.compile(rf"<{p}{child}\b{OPEN_TAG}(/?)>", re.S)
    close_pat = re.compile(rf"</{p}{child}\s*>")
    items: list[str] = []
    pos = 0
    while True:
        m = open_pat.search(body, pos)
        if m is None:
            return items
        if m.group(1):
            items.append(m.group(0))
            pos = m.end()
            continue
        close = close_pat.search(body, m.end())
        if close is None:  # no match starting here: the scan goes on from the next character
            pos = m.start() + 1
            continue
        items.append(body[m.start():close.end()])
        pos = close.end()


class _Base(NamedTuple):
    """A styles part as found: its text, the sections that grow and their elements, and what
    must be added before anything else (fills 0 and 1, an empty section's default)."""

    text: str
    codec: str
    p: str
    existing: dict[str, int]
    added: dict[str, tuple[str, ...]]
    xfs: tuple[str, ...]
    found: dict[str, Optional[Found]]


def _base(data: bytes) -> _Base:
    text, codec = decode_part(data)
    p = root_prefix(text, "styleSheet")
    existing: dict[str, int] = {}
    added: dict[str, list[str]] = {k: [] for k in _CHILD}
    xfs: list[str] = []
    found: dict[str, Optional[Found]] = {}
    for section, child in _CHILD.items():
        m = found[section] = find_element(text, p + section)
        items = _children(m.body or "", child, p) if m else []
        existing[section] = len(items)
        if section == "cellXfs":
            xfs = items
    # Excel treats fills 0 and 1 as none/gray125 whatever is written there: pad so an added
    # fill never lands on a reserved index.
    pads = ['<fill><patternFill patternType="none"/></fill>',
            '<fill><patternFill patternType="gray125"/></fill>']
    for pad in pads[existing["fills"]:]:
        added["fills"].append(pad)
    if existing["fonts"] == 0:
        added["fonts"].append('<font><sz val="11"/><name val="宋体"/></font>')
    if existing["borders"] == 0:
        added["borders"].append("<border><left/><right/><top/><bottom/><diagonal/></border>")
    if existing["cellStyleXfs"] == 0:
        added["cellStyleXfs"].append('<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>')
    if existing["cellXfs"] == 0:
        default = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        added["cellXfs"].append(default)
    return _Base(text, codec, p, existing, {k: tuple(v) for k, v in added.items()}, tuple(xfs), found)


_BASE = ByContent(_base)
