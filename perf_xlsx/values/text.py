"""Cell text as people see it: display text of a cell value, and the compact form value parsers read.

Excel's ``_xHHHH_`` escapes are undone and invisible characters dropped (hostile-input.md A18);
the compact form is NFKC without whitespace, with one spelling per comparator and percent sign.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, time
from functools import lru_cache

# The same few hundred label and value texts recur in every workbook of a batch; the string
# functions below are pure, so their results are cached per text (never per file). Long texts
# are left out so a hostile file cannot fill memory through the caches.
CACHED_LEN = 256
CACHE_SIZE = 4096

# openpyxl hands back Excel's `_xHHHH_` escapes literally while other engines unescape them;
# undoing them here makes label matching independent of the engine (hostile-input.md A18).
_XESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# C0 (except \t \n), DEL and C1: invisible, and illegal in XML when written back out.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Invisible characters that survive copy-paste from web pages and Word.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")


def _unescape_excel(text: str) -> str:
    if "_x" not in text:
        return text  # the common case; the scan below costs a Python step per character
    out = _XESCAPE_RE.sub(lambda m: chr(int(m.group(1), 16)), text)
    if any("\ud800" <= ch <= "\udfff" for ch in out):
        # Escaped UTF-16 surrogate pairs must be joined; a lone half is not text and is dropped.
        out = out.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return out


def clean_text(value: object) -> str:
    """Display text of a cell value: Excel escapes undone, invisible characters removed, stripped.

    ``None`` gives ``""``; a float holding an integer prints without ``.0``; a datetime at
    midnight prints as its date. Carriage returns become line feeds (they are line breaks
    typed in Excel, not noise).
    """
    if type(value) is str:
        return _clean_cached(value) if len(value) <= CACHED_LEN else _clean_str(value)
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime) and value.time() == time(0, 0) and value.tzinfo is None:
        text = value.date().isoformat()
    else:
        text = str(value)
    return _clean_str(text)


def _clean_str(text: str) -> str:
    text = _unescape_excel(text)
    # isprintable() is False for every character the substitutions below act on (C0/C1
    # controls, CR, and the invisible format characters, all categories Cc/Cf), so printable
    # text skips them.
    if not text.isprintable():
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _CONTROL_RE.sub("", text)
        text = _INVISIBLE_RE.sub("", text)
    return text.strip()


_clean_cached = lru_cache(maxsize=CACHE_SIZE)(_clean_str)


# --- compact value text ------------------------------------------------------------------

# One bracket style for every kind people type (labels, units, 指标性质).
BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")",
                          "〖": "(", "〗": ")"})
# Punctuation a cell may end with that changes nothing about what it says.
TRAILING_PUNCT = "。.!！;；,，、~"
_WS_RE = re.compile(r"\s+")

# NFKC would turn these into "m2", "°C" ... and the digit would then be read as a number.
_NFKC_PROTECT = "㎡㎥²³℃"
_NFKC_PROTECT_RE = re.compile(f"([{_NFKC_PROTECT}])")

# Order matters: the multi-character forms must be rewritten before their parts.
_SYMBOLS = (
    ("≧", "≥"), ("⩾", "≥"), ("≦", "≤"), ("⩽", "≤"), ("═", "="), ("﹦", "="), ("＝", "="),
    ("％", "%"), ("−", "-"), ("〜", "~"), (">=", "≥"), ("<=", "≤"), ("=>", "≥"), ("=<", "≤"),
    ("个百分点", "%"), ("百分点", "%"), ("百分比", "%"),
)


_ASCII_SYMBOLS = tuple((old, new) for old, new in _SYMBOLS if old.isascii())


def _nfkc(text: str) -> str:
    if _NFKC_PROTECT_RE.search(text) is None:
        return unicodedata.normalize("NFKC", text)
    parts = _NFKC_PROTECT_RE.split(text)
    return "".join(p if p in _NFKC_PROTECT and p else unicodedata.normalize("NFKC", p)
                    for p in parts)


def compact(raw: str) -> str:
    """clean_text output -> NFKC, no whitespace, one spelling per comparator and percent."""
    if len(raw) <= CACHED_LEN:
        return _compact_cached(raw)
    return _compact_text(raw)


def _compact_text(raw: str) -> str:
    text = _WS_RE.sub("", _nfkc(raw))
    # In ASCII text only the ASCII rewrites can apply (in the same order).
    for old, new in _ASCII_SYMBOLS if text.isascii() else _SYMBOLS:
        text = text.replace(old, new)
    return text


_compact_cached = lru_cache(maxsize=CACHE_SIZE)(_compact_text)


# A decimal digit (\d: Unicode category Nd, what float() accepts) other than 0-9.
_FOREIGN_DIGIT_RE = re.compile(r"[^\D0-9]")


def has_foreign_digits(text: str) -> bool:
    # NFKC leaves Arabic-Indic, Devanagari ... digits alone; float() would accept them.
    return _FOREIGN_DIGIT_RE.search(text) is not None
