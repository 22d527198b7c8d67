"""Finding and splicing XML as text: a part's encoding, namespace prefixes, elements and their
attributes located by regex and string search, and edits that keep every other byte.

Re-serialising with ElementTree would rename namespace prefixes (``ns0:``) and break
``mc:Ignorable`` lists, which Excel rejects; so the writer edits the original text here and
only ever *parses* untrusted XML with expat (:mod:`perf_xlsx.ooxml.parse`).
"""

from __future__ import annotations

import re
from typing import Optional

from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.text import xml_attr


def decode_part(data: bytes) -> tuple[str, str]:
    """(text, codec) so that ``text.encode(codec)`` gives back the same bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        raise PartError("工作簿中的 XML 部件不是 UTF-8 编码，无法改写") from None


def encode_part(text: str, codec: str) -> bytes:
    return text.encode(codec)


# The attributes of an opening tag, quote-aware (a value may hold ">"): runs of plain
# characters, quoted values, and a "/" not closing the tag. It stops exactly where the old
# lazy form ``(?:[^>"']|"[^"]*"|'[^']*')*?`` did when followed by ``/>``, ``/?>`` or
# ``(?:/>|>...)`` (so a bare ``>`` must be written ``/?>``), but matches whole runs instead
# of trying one character at a time (2x faster over styles.xml). Unambiguous, so linear.
OPEN_TAG = r"""[^>"'/]*(?:(?:"[^"]*"|'[^']*'|/(?!>))[^>"'/]*)*"""


def root_prefix(text: str, local: str) -> str:
    """The namespace prefix (with colon) the root element ``local`` uses, '' for default."""
    m = re.search(rf"<((?:[\w.-]+:)?){local}\b", text)
    return m.group(1) if m else ""


_XMLNS = re.compile(r"""\sxmlns:([\w.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROOT_OPEN = re.compile(rf"<[A-Za-z_][\w.:-]*{OPEN_TAG}/?>", re.S)


def root_tag(text: str) -> str:
    """The root element's opening tag (the XML declaration, comments and PIs are skipped:
    none of them starts with a name character)."""
    m = _ROOT_OPEN.search(text)
    return m.group(0) if m else ""


def bound_prefix(text: str, uri: str) -> Optional[str]:
    """A prefix that means ``uri`` everywhere in the part: declared on the root element and
    never re-bound below it. A declaration on some inner element (openpyxl with lxml writes
    ``<sheet xmlns:r=… r:id=…>``) is in scope only inside that element, so it does not count."""
    for prefix, dq, sq in _XMLNS.findall(root_tag(text)):
        if (dq or sq) != uri:
            continue
        needle = f"xmlns:{prefix}"
        at = text.find(needle)
        while at >= 0:
            m = _XMLNS.match(text, at - 1) if at else None
            if m is not None and m.group(1) == prefix and (m.group(2) or m.group(3)) != uri:
                break
            at = text.find(needle, at + len(needle))
        else:
            return prefix
    return None


def ns_prefix(text: str, uri: str, preferred: str) -> tuple[str, str]:
    """(prefix, declaration) for an element inserted anywhere in ``text`` that uses ``uri``:
    the root's prefix when it is bound for the whole part, else ``preferred`` together with
    the `` xmlns:preferred="uri"`` the inserted element must carry itself."""
    prefix = bound_prefix(text, uri)
    if prefix is not None:
        return prefix, ""
    return preferred, f' xmlns:{preferred}="{uri}"'


class Found:
    """Where an element is: the interface of a regex match (start, end, group 0) plus the body."""

    __slots__ = ("_text", "_start", "_end", "_body")

    def __init__(self, text: str, start: int, end: int, body: Optional[tuple[int, int]]) -> None:
        self._text, self._start, self._end, self._body = text, start, end, body

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, which: int = 0) -> str:
        return self._text[self._start:self._end]

    @property
    def body(self) -> Optional[str]:
        """The element's content; None for a self-closing element."""
        if self._body is None:
            return None
        return self._text[self._body[0]:self._body[1]]


_OPEN_CACHE: dict[str, re.Pattern[str]] = {}
_ANY_OPEN_TAG = re.compile(rf"<[\w.:-]+{OPEN_TAG}/?>", re.S)


def tag_end(text: str, start: int = 0) -> int:
    """Index just past the opening tag that starts at ``start`` (quote-aware: an attribute
    value may hold a ">")."""
    m = _ANY_OPEN_TAG.match(text, start)
    return m.end() if m else text.index(">", start) + 1


def find_element(text: str, name: str, start: int = 0) -> Optional[Found]:
    """The first ``<name ...>...</name>`` or ``<name .../>`` (name includes any prefix).

    The opening tag is found with a regex and the closing one with str.find: a lazy ``.*?``
    over a whole sheetData costs far more than the edit itself.
    """
    pat = _OPEN_CACHE.get(name)
    if pat is None:
        pat = _OPEN_CACHE[name] = re.compile(rf"<{re.escape(name)}(?=[\s/>]){OPEN_TAG}/?>", re.S)
    m = pat.search(text, start)
    if m is None:
        return None
    if m.group(0).endswith("/>"):
        return Found(text, m.start(), m.end(), None)
    close = f"</{name}>"
    at = text.find(close, m.end())
    if at >= 0:
        return Found(text, m.start(), at + len(close), (m.end(), at))
    loose = re.compile(rf"</{re.escape(name)}\s*>").search(text, m.end())
    if loose is None:
        return None
    return Found(text, m.start(), loose.end(), (m.end(), loose.start()))


_ATTR = re.compile(r'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


# By tag text: a sheet's <col>, <sheetView> and <pageSetup> tags are asked about several times
# per copy and come out the same in every workbook of a template. Short tags only, and the
# table starts afresh when full.
_ATTRS: dict[str, dict[str, str]] = {}
_ATTRS_MAX_TAG = 1024
_ATTRS_MAX_ENTRIES = 4096


def attrs_of(open_tag: str) -> dict[str, str]:
    got = _ATTRS.get(open_tag)
    if got is None:
        # findall gives "" for the quote form that did not match, so "a or b" is the value either way.
        got = {name: dq or sq for name, dq, sq in _ATTR.findall(open_tag)}
        if len(open_tag) > _ATTRS_MAX_TAG:
            return got
        if len(_ATTRS) >= _ATTRS_MAX_ENTRIES:
            _ATTRS.clear()
        _ATTRS[open_tag] = got
    return dict(got)  # a copy: the caller may change it


_SET_ATTR: dict[str, re.Pattern[str]] = {}  # by attribute name: the writer sets only a handful


# By (tag, name, value): cell formats cloned with a fill, counts and page setups are set on the
# same tags in workbook after workbook of a template. Short tags only; starts afresh when full.
_SET: dict[tuple[str, str, str], str] = {}
_SET_MAX_TAG = 1024
_SET_MAX_ENTRIES = 4096


def set_attr(tag: str, name: str, value: str) -> str:
    """Set an attribute inside an opening tag string (``<x a="1">`` or ``<x/>``)."""
    key = (tag, name, value)
    got = _SET.get(key)
    if got is None:
        got = _set_attr(tag, name, value)
        if len(tag) <= _SET_MAX_TAG:
            if len(_SET) >= _SET_MAX_ENTRIES:
                _SET.clear()
            _SET[key] = got
    return got


def _set_attr(tag: str, name: str, value: str) -> str:
    pat = _SET_ATTR.get(name)
    if pat is None:
        pat = _SET_ATTR[name] = re.compile(rf'(\s{re.escape(name)}\s*=\s*)("[^"]*"|\'[^\']*\')')
    m = pat.search(tag)
    if m is not None:  # the first one replaced, as sub(count=1) would
        return f'{tag[:m.start(2)]}"{xml_attr(value)}"{tag[m.end(2):]}'
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} {name}="{xml_attr(value)}"{tag[end:]}'


def remove_attr(tag: str, name: str) -> str:
    return re.sub(rf'\s{re.escape(name)}\s*=\s*("[^"]*"|\'[^\']*\')', "", tag, count=1)


def insert_into(text: str, name: str, snippet: str, at_start: bool = False) -> Optional[str]:
    """Insert ``snippet`` as first/last child of the first element ``name``; a self-closing
    element is opened up. None when the element is absent."""
    m = find_element(text, name)
    if m is None:
        return None
    whole = m.group(0)
    if whole.endswith("/>") and m.body is None:
        opening = whole[:-2].rstrip() + ">"
        new = f"{opening}{snippet}</{name}>"
    elif at_start:
        close = tag_end(whole)
        new = whole[:close] + snippet + whole[close:]
    else:
        cut = whole.rindex("</")
        new = whole[:cut] + snippet + whole[cut:]
    return text[: m.start()] + new + text[m.end():]
