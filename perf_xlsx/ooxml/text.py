"""Text as cells and XML hold it: escaping, cleaning to legal characters, Excel's cell limits,
number spelling, and how wide text is on screen."""

from __future__ import annotations

import html
import math
import re
from typing import Optional

MAX_CELL_TEXT = 32767
TRUNCATED_MARK = "…（已截断）"

# Characters XML 1.0 does not allow at all (C0 except TAB/LF/CR, lone surrogates, U+FFFE/F).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Excel decodes _xHHHH_ in cell text; a literal one must have its underscore escaped.
_X_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")
NEEDS_CLEANING = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def xml_text(s: str) -> str:
    if "&" not in s and "<" not in s and ">" not in s:
        return s
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')


def xml_unescape(s: str) -> str:
    """Text content as the document means it (the predefined entities and character references)."""
    if "&" not in s:
        return s
    return html.unescape(s)


def xml_attr(s: str) -> str:
    if _ATTR_SPECIAL.search(s) is None:  # the usual case: link targets, ids, numbers
        return s
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
            .replace("\t", "&#9;"))


def clean_xml(s: str) -> str:
    return _ILLEGAL_XML.sub("", s)


_ATTR_OR_ILLEGAL = re.compile('[&<>"\n\r\t\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
#: What clean_attr would change: text without it goes into an attribute as it is (cut to length).
NEEDS_ESCAPE = _ATTR_OR_ILLEGAL


def clean_attr(s: str, limit: Optional[int] = None) -> str:
    """xml_attr(clean_xml(s)[:limit]), with one scan when there is nothing to change."""
    if _ATTR_OR_ILLEGAL.search(s) is None:
        return s[:limit]
    return xml_attr(clean_xml(s)[:limit])


def cell_string(value: object, limit: int = MAX_CELL_TEXT) -> str:
    """Text safe to store in a cell: legal XML characters, Excel's own length limit, and
    ``_xHHHH_`` sequences kept literal."""
    text = str(value)
    if len(text) <= limit and NEEDS_CLEANING.search(text) is None:
        return text
    text = clean_xml(text).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limit:
        text = text[: limit - len(TRUNCATED_MARK)] + TRUNCATED_MARK
    return _X_ESCAPE.sub("_x005F_", text)


def t_element(text: str, prefix: str = "") -> str:
    """A ``<t>`` element; whitespace-preserving when the text needs it."""
    keep = text != text.strip() or "\n" in text or "\t" in text
    space = ' xml:space="preserve"' if keep else ""
    return f"<{prefix}t{space}>{xml_text(text)}</{prefix}t>"


def number_text(x: float) -> Optional[str]:
    """The ``<v>`` text of a number, or None for values a cell cannot hold (NaN, inf)."""
    f = float(x)
    if not math.isfinite(f):
        return None
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def display_width(text: str) -> int:
    """Columns the text takes in a cell, CJK counting double: a CJK character is 3 bytes in
    UTF-8 and ASCII 1, so (bytes - chars) / 2 + chars is a C-speed estimate."""
    if text.isascii():
        return len(text)
    return len(text) + (len(text.encode("utf-8", "replace")) - len(text)) // 2


def wrapped_lines(text: str, width_chars: float) -> int:
    """Lines a wrapped cell of ``width_chars`` needs (CJK counts double), for row heights:
    Excel never auto-fits merged cells, so heights are set explicitly."""
    usable = max(width_chars - 1, 1)
    if "\n" not in text:  # the usual case, without the generator
        return max(1, math.ceil(display_width(text) / usable))
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in text.split("\n"))
