"""The text of a workbook's strings, as the grid scan needs it: a part's XML as text (a DTD or
entity refused), escapes decoded, rich-text runs joined, and the shared-strings table, each
distinct short string of a template cleaned once."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from perf_xlsx.read.errors import GridError
from perf_xlsx.read.zipbook import ZipBook
from perf_xlsx.values import clean_text

# Worksheet and shared-string parts are scanned with regular expressions: they are the bulk of
# a file and expat with Python callbacks costs ~10x more per cell. No entity is ever expanded
# (only the five XML escapes and character references are decoded) and a part with a DTD is
# refused, so the scan is as safe as defusedxml on these parts.
TAG_PREFIX = r"(?:[A-Za-z_][\w.\-]*:)?"  # optional namespace prefix (x:c, Strict files)
_P = TAG_PREFIX


def tag_res(template: str, flags: int = 0) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A tag pattern with ``{P}`` as the optional namespace prefix, and without it.

    The prefix group at every "<" makes a scan several times slower; a part whose text never
    holds ":name" (the tag name after a prefix) cannot contain a prefixed tag, so the plain
    pattern finds exactly the same matches there.
    """
    return re.compile(template.replace("{P}", _P), flags), re.compile(template.replace("{P}", ""), flags)


_T_RES = tag_res(r"<{P}t(?:\s[^>]*)?>(.*?)</{P}t>", re.S)
_RPH_RE = re.compile(rf"<{_P}rPh\b.*?</{_P}rPh>", re.S)
# Group 1: a plain-text string (one <t>, no markup or escapes inside), the common case;
# group 2: any other <si> body, read by rich_text.
_SIMPLE_SI = r"""si><t(?: xml:space="preserve")?>([^<&]*)</t></si>"""
_SI_RES = (
    re.compile(rf"<(?:{_SIMPLE_SI}|{_P}si>(.*?)</{_P}si>|{_P}si\s*/>)", re.S),
    # [^<]*(?:<(?!/si>)[^<]*)* is (.*?) before the first </si>, without a step per character.
    re.compile(rf"<si(?:{_SIMPLE_SI[2:]}|>([^<]*(?:<(?!/si>)[^<]*)*)</si>|\s*/>)", re.S),
)
_CDATA_RE = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def xml_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    else:
        # What "utf-8-sig" does (a BOM dropped, then UTF-8), without that codec's Python wrapper.
        text = (data[3:] if data.startswith(b"\xef\xbb\xbf") else data).decode("utf-8")
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise GridError("read.hostile_xml", "文件内含不安全的 XML 结构（DTD/实体），已拒绝读取")
    return text


def unescape(text: str) -> str:
    if "&" not in text:
        return text
    return html.unescape(text)


def rich_text(body: str) -> str:
    """Text of an <si> or <is>: plain <t> or rich-text runs, without phonetic (<rPh>) runs."""
    # The rich strings of a template (a title with its year in another font) recur in every
    # file made from it: their text is remembered per body, short bodies only.
    if len(body) <= 4096:
        return _rich_text_cached(body)
    return _read_rich_text(body)


def _read_rich_text(body: str) -> str:
    if "rPh" in body:
        body = _RPH_RE.sub("", body)
    pieces = _T_RES[":t" not in body].findall(body)
    joined = "".join(pieces)
    if "&" not in joined and "<![CDATA[" not in joined:
        return joined  # nothing to decode in any piece (the runs of LibreOffice's rich text)
    parts = []
    for m in _T_RES[":t" not in body].finditer(body):
        piece = m.group(1)
        if "<![CDATA[" in piece:
            piece = _CDATA_RE.sub(lambda c: c.group(1).replace("&", "&amp;").replace("<", "&lt;"), piece)
        parts.append(unescape(piece))
    return "".join(parts)


_rich_text_cached = lru_cache(maxsize=1024)(_read_rich_text)


def shared_strings(book: ZipBook, wb_rels: dict[str, str], wb_part: str) -> list[str]:
    part = next((p for p in wb_rels.values() if p.lower().endswith("sharedstrings.xml")), None)
    if part is None or part not in book.names:
        return []
    text = xml_text(book.read(part))
    si_re = _SI_RES[1] if ":si" not in text else _SI_RES[0]
    # Cleaned once here rather than at every cell that uses the string. findall gives "" for a
    # group that did not take part: a plain string is never empty (its group 1 is then "");
    # "" in both groups is an empty plain string, an empty <si></si> or <si/>, all "" here.
    # A template's strings recur from file to file: short ones are looked up whole (a plain
    # one in _PLAIN_SI, by its text alone; another in _si_known), long ones read each time.
    plain_known = _PLAIN_SI
    return [(plain_known.get(plain) or _si_plain(plain)) if not other
            else _si_known(plain, other) if len(plain) + len(other) <= 512 else _si_text(plain, other)
            for plain, other in si_re.findall(text)]


_PLAIN_SI: dict[str, str] = {}  # plain <si> text -> its clean text, for texts up to 512 characters


def _si_plain(plain: str) -> str:
    """_si_text(plain, ""), remembered in _PLAIN_SI (bounded as _si_known is)."""
    got = clean_text(plain)
    if len(plain) <= 512 and len(_PLAIN_SI) < 4096:
        _PLAIN_SI[plain] = got
    return got


def _si_text(plain: str, other: str) -> str:
    """The text of one <si> as the findall of _SI_RES gives it (plain text, or another body)."""
    return clean_text(plain if plain or not other else rich_text(other))


_si_known = lru_cache(maxsize=4096)(_si_text)


__all__ = ["TAG_PREFIX", "rich_text", "shared_strings", "tag_res", "unescape", "xml_text"]
