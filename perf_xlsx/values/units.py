"""Units written after a number (万元, 人次, %, 元/户, 万 as a multiplier) and amounts of money in 万元."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from perf_xlsx.values.blanks import is_not_applicable_text
from perf_xlsx.values.numbers import (
    FORBIDDEN_RE,
    RUN,
    RUN_RE,
    finite_float,
    is_numeric,
    run_decimal,
    to_decimal,
)
from perf_xlsx.values.text import BRACKETS, clean_text, compact, has_foreign_digits

# Factors to the canonical unit of the family: 万元 for money, 万美元 for US dollars.
MONEY_UNITS = {"千万元": Decimal(1000), "百万元": Decimal(100), "亿元": Decimal(10000),
               "万元": Decimal(1), "千元": Decimal("0.1"), "元": Decimal("0.0001")}
_USD_UNITS = {"千万美元": Decimal(1000), "百万美元": Decimal(100), "亿美元": Decimal(10000),
              "万美元": Decimal(1), "千美元": Decimal("0.1"), "美元": Decimal("0.0001")}
# 万/亿 written in front of another unit (1.5万人) or alone (658.62亿) scale the number.
MULTIPLIERS = {"千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6, "亿": Decimal(10) ** 8,
               "万": Decimal(10) ** 4, "千": Decimal(1000)}
COUNT_UNITS = (
    "个", "次", "人次", "户次", "人", "名", "位", "家", "户", "项", "场", "场次", "份", "台", "台套",
    "套", "件", "天", "日", "个月", "月", "年", "周", "小时", "分钟", "秒", "个工作日", "工作日",
    "公里", "千米", "米", "厘米", "毫米", "延米", "平方米", "平方公里", "平方千米", "立方米", "立方",
    "方", "㎡", "㎥", "m²", "m³", "亩", "公顷", "吨", "千克", "公斤", "斤", "克", "册", "本", "篇",
    "期", "批", "所", "座", "处", "头", "只", "匹", "羽", "条", "张", "间", "栋", "幢", "辆", "艘",
    "架", "株", "棵", "根", "盏", "块", "宗", "笔", "例", "起", "村", "课时", "学时", "人天", "人日",
    "床", "眼", "口", "孔", "部", "类", "种", "支", "队", "班", "届", "轮", "倍", "度", "千瓦",
    "千瓦时", "兆瓦", "分", "岁", "趟", "单", "封", "页", "套次", "期次", "‰",
)
_COUNT_UNITS_SORTED = tuple(sorted(COUNT_UNITS, key=len, reverse=True))
_LATIN_UNIT_RE = re.compile(r"[A-Za-z]+[²³]?")
# Characters that end an unknown CJK unit word: operator tails, particles, punctuation.
_UNIT_STOP = set("以及之前内左右的和或与并且上下")


class Unit(NamedTuple):
    label: str | None  # canonical or as written; None for a bare multiplier
    family: str | None
    factor: Decimal  # multiply the typed number by this to get the canonical value
    length: int  # characters consumed
    multiplier_only: bool = False  # 万/亿 with nothing after


def _longest(text: str, words: tuple[str, ...]) -> str | None:
    """The first of ``words`` that ``text`` starts with (the word lists are longest first)."""
    entry = _WORD_RES.get(id(words))
    if entry is None or entry[0] is not words:
        # An alternation tries its words in order, so it finds the same word as a loop over
        # them, in one call instead of one startswith per unit (about 130 for counts).
        entry = _WORD_RES[id(words)] = (words, re.compile("|".join(map(re.escape, words))))
    m = entry[1].match(text)
    return m.group(0) if m else None


# id(words) -> (words, their alternation); the tuple is held so that its id is never reused.
_WORD_RES: dict[int, tuple[tuple[str, ...], re.Pattern[str]]] = {}
_MONEY_SORTED = tuple(sorted(MONEY_UNITS, key=len, reverse=True))
_USD_SORTED = tuple(sorted(_USD_UNITS, key=len, reverse=True))
_MULT_SORTED = tuple(sorted(MULTIPLIERS, key=len, reverse=True))


def _count_unit(text: str) -> str | None:
    known = _longest(text, _COUNT_UNITS_SORTED)
    if known:
        return known
    m = _LATIN_UNIT_RE.match(text)
    if m:
        return m.group(0)
    word = ""
    for ch in text:
        if not ("\u4e00" <= ch <= "\u9fff") or ch in _UNIT_STOP or len(word) == 2:
            break
        word += ch
    return word or None


def _compound_tail(text: str) -> str:
    """``/户``, ``/人/年`` ... following a unit; "" when there is none."""
    tail = ""
    while text.startswith("/"):
        nxt = _count_unit(text[1:]) or _longest(text[1:], _MONEY_SORTED)
        if not nxt:
            break
        tail += "/" + nxt
        text = text[1 + len(nxt):]
    return tail


def take_unit(text: str) -> Unit | None:
    """The unit at the start of ``text`` (the text right after a number), if any."""
    if text.startswith("%"):
        return Unit("%", "percent", Decimal(1), 1)
    usd = _longest(text, _USD_SORTED)
    if usd:
        return Unit("万美元", "usd", _USD_UNITS[usd], len(usd))
    money = _longest(text, _MONEY_SORTED)
    if money:
        tail = _compound_tail(text[len(money):])
        if tail:
            # Per-household or per-person money: a rate, not an amount; keep it as typed.
            return Unit(money + tail, "other", Decimal(1), len(money) + len(tail))
        return Unit("万元", "money", MONEY_UNITS[money], len(money))
    factor = Decimal(1)
    used = 0
    mult = _longest(text, _MULT_SORTED)
    count = _count_unit(text)
    # A known unit beginning with 千/万 (千米, 千克) wins over reading 千 as a multiplier.
    if mult and not (count and count in COUNT_UNITS and len(count) > len(mult)):
        factor = MULTIPLIERS[mult]
        used = len(mult)
        count = _count_unit(text[used:])
    if not count:
        if used:
            return Unit(None, None, factor, used, multiplier_only=True)
        return None
    tail = _compound_tail(text[used + len(count):])
    family = "other" if tail or count == "‰" else "count"
    return Unit(count + tail, family, factor, used + len(count) + len(tail))


_WORD_UNIT_RE = re.compile(r"[A-Za-z\u4e00-\u9fff/]+")


def unit_from_hint(hint: str | None) -> Unit | None:
    """The 度量单位 column of split layouts, e.g. ``%``, ``人次``, ``（万元）``."""
    if hint is None:
        return None
    text = compact(clean_text(hint)).translate(BRACKETS).strip("()")
    if not text or is_not_applicable_text(text) or RUN_RE.search(text):
        return None
    unit = take_unit(text)
    if unit is not None and unit.length == len(text):
        return unit
    if len(text) <= 6 and _WORD_UNIT_RE.fullmatch(text):
        return Unit(text, "other" if "/" in text else "count", Decimal(1), len(text))
    return None


_MONEY_UNIT_RE = re.compile("|".join(_MONEY_SORTED))


@lru_cache(maxsize=64)
@lru_cache(maxsize=256)  # asked for every amount read; a batch knows a handful of units
def _sheet_unit_factor(sheet_unit: str) -> Decimal:
    unit_text = compact(clean_text(sheet_unit))
    m_unit = _MONEY_UNIT_RE.search(unit_text)
    if not m_unit or "美元" in unit_text:
        raise ValueError(f"unknown money unit: {sheet_unit!r}")
    return MONEY_UNITS[m_unit.group(0)]


def written_money_unit(*texts: object) -> tuple[str, float] | None:
    """The money unit the first of ``texts`` that names one was typed in (元, 千元, 万元, 亿元 …),
    and how many 万元 one of it is.

    Amounts are held in 万元 so that 2亿元 and 19500万元 compare; an explanation shows them back
    in the unit the person wrote, where 5元 held as 0.0005 万元 would print as 0.
    """
    for text in texts:
        if text is None:
            continue
        squeezed = compact(clean_text(text))
        if "美元" in squeezed:
            continue
        m = _MONEY_UNIT_RE.search(squeezed)
        if m:
            return m.group(0), float(MONEY_UNITS[m.group(0)])
    return None


_MONEY_TEXT_RE = re.compile(rf"^([+-]?)({RUN})(.*)$")
# After the amount's unit: 整 (as on a cheque) and a closing full stop.
_MONEY_TAIL_RE = re.compile(r"(?<=[元万亿千百\d])整?[。.]?$")
# The unit in brackets at the end: 200（万元）, 200(元).
_BRACKETED_UNIT_RE = re.compile(r"(?<=\d)[（(](千万元|百万元|亿元|万元|千元|元|千万|百万|亿|万)[）)]$")


def parse_money(value: object, sheet_unit: str = "万元") -> float | None:
    """An amount in 万元. Numbers are in ``sheet_unit``; text may carry its own unit.

    ``sheet_unit`` is one of 元/千元/万元/百万元/亿元 (surrounding text such as ``单位：万元`` is
    tolerated); anything else is a programming error and raises ValueError.
    """
    default = _sheet_unit_factor(sheet_unit)
    if type(value) is float and default == 1:
        # What the Decimal path below gives in 万元 sheets: d * 1 is d, and float(d) the value.
        return value if math.isfinite(value) else None
    if is_numeric(value):
        d = to_decimal(value)
        return finite_float(d * default if d is not None else None)
    if not isinstance(value, str):
        return None
    text = compact(clean_text(value))
    # A currency sign or name says nothing about the magnitude; the unit (typed or the sheet's) does.
    text = text.lstrip("¥")
    if text.startswith("人民币"):
        text = text[3:]
    # 200万元整 / 200万元。 / 200（万元）: the amount and its unit, dressed.
    text = _MONEY_TAIL_RE.sub("", text)
    text = _BRACKETED_UNIT_RE.sub(r"\1", text)
    if not text or has_foreign_digits(text) or FORBIDDEN_RE.search(text):
        return None
    m = _MONEY_TEXT_RE.match(text)
    if not m:
        return None
    d = run_decimal(m.group(2))
    if d is None:
        return None
    rest = m.group(3)
    if rest:
        if rest in MONEY_UNITS:
            factor = MONEY_UNITS[rest]
        elif rest in MULTIPLIERS:
            # "200万" in an amount column is 200万元.
            factor = MULTIPLIERS[rest] * MONEY_UNITS["元"]
        else:
            return None
    else:
        factor = default
    d *= factor
    return finite_float(-d if m.group(1) == "-" else d)
