"""How a target is worded around its number: comparison words (不低于, ≤, 以内) and Chinese numerals
that stand for numbers (百分之九十五, 不少于三场)."""

from __future__ import annotations

import re

from perf_xlsx.values.numbers import RUN
from perf_xlsx.values.units import COUNT_UNITS

# (token, op, strict). Matched leftmost, longest first, so 不低于 wins over 低于 inside it.
_OP_TOKENS = (
    [(t, "ge", False) for t in ("≥", "不低于", "不少于", "不小于", "大于等于", "大于或等于", "达到",
                                "至少", "及以上", "以上", "不早于")]
    + [(t, "ge", True) for t in (">", "大于", "超过", "高于", "多于")]
    + [(t, "le", False) for t in ("≤", "不高于", "不超过", "不多于", "不大于", "小于等于",
                                  "小于或等于", "以内", "及以下", "以下", "之内", "不晚于", "最多")]
    + [(t, "le", True) for t in ("<", "小于", "低于", "少于", "不足")]
    + [(t, "eq", False) for t in ("=", "等于")]
)
_OP_LOOKUP = {t: (op, strict) for t, op, strict in _OP_TOKENS}
_OP_RE = re.compile("|".join(re.escape(t) for t in sorted(_OP_LOOKUP, key=len, reverse=True)))
SYMBOL_OPS = set("≥≤<>=")

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_NUM = "[零一二两三四五六七八九十]{1,3}"
_CN_PERCENT_RE = re.compile(rf"百分之({_CN_NUM}|{RUN})")
_OP_PREFIX_RE = re.compile(r"^(?:≥|≤|>|<|=|不低于|不少于|不小于|大于等于|大于|至少|达到|超过|高于|"
                           r"不高于|不超过|不多于|小于等于|小于|低于|少于|等于)")
_OP_SUFFIX_RE = re.compile(r"(?:及以上|以上|及以下|以下|以内|之内|内)$")


def _cn_number(text: str) -> int | None:
    """一 … 九十九 (and 两, 零); None for anything more complex."""
    if len(text) == 1:
        if text == "十":
            return 10
        return _CN_DIGITS.get(text)
    if "十" not in text:
        return None
    tens, _, ones = text.partition("十")
    if tens and tens not in _CN_DIGITS or tens == "两" or tens == "零":
        return None
    if ones and (ones not in _CN_DIGITS or ones == "两"):
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


_CN_COUNT_RE = re.compile(rf"({_CN_NUM})(.+)")


_ASCII_DIGIT_RE = re.compile("[0-9]")


def replace_cn_numerals(text: str) -> str:
    """``百分之九十五`` -> ``95%``; a whole cell like ``两个``/``不少于三场`` -> ``2个``/``不少于3场``."""
    def percent(m: re.Match[str]) -> str:
        n = _cn_number(m.group(1))
        if n is not None:
            return f"{n}%"
        return m.group(1) + "%" if m.group(1)[0].isdigit() else m.group(0)

    text = _CN_PERCENT_RE.sub(percent, text)
    if _ASCII_DIGIT_RE.search(text):
        return text
    prefix_m = _OP_PREFIX_RE.match(text)
    prefix = prefix_m.group(0) if prefix_m else ""
    body = text[len(prefix):]
    suffix_m = _OP_SUFFIX_RE.search(body)
    suffix = suffix_m.group(0) if suffix_m else ""
    body = body[: len(body) - len(suffix)]
    # Only "numeral + known count unit" as the whole cell: 一般, 一定效果 must stay words.
    m = _CN_COUNT_RE.fullmatch(body)
    if not m or m.group(2) not in COUNT_UNITS:
        return text
    n = _cn_number(m.group(1))
    if n is None:
        return text
    return f"{prefix}{n}{m.group(2)}{suffix}"


def find_op(text: str) -> tuple[str | None, bool]:
    m = _OP_RE.search(text)
    if m:
        return _OP_LOOKUP[m.group(0)]
    # 控制在…以内 is caught above by 以内; "控制在…内"/"控制在5%" still state an upper bound.
    if "控制在" in text:
        return "le", False
    return None, False
