"""Parsing of what people type into cells: labels, amounts, indicator values, grades.

Pure functions on Python values; nothing here knows about sheets or spreadsheet libraries.
The grammar is deliberately strict (scoring-rules.md §2.3, hostile-input.md C4/C9/A18): a
value that cannot be read unambiguously comes back as "no number" so that the caller can
report it, instead of being guessed and silently scored.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from numbers import Real
from typing import NamedTuple

from perf_xlsx.model import Grade, Quantity

__all__ = [
    "blank_amount",
    "clean_text",
    "explicitly_not_applicable",
    "normalize_label",
    "op_from_nature",
    "parse_grade",
    "parse_money",
    "parse_number",
    "parse_points",
    "parse_quantity",
    "split_weight_suffix",
]

# --- text cleaning ---------------------------------------------------------------------

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
        return _clean_cached(value) if len(value) <= _CACHED_LEN else _clean_str(value)
    if value is None:
        return ""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime) and value.time() == time(0, 0) and value.tzinfo is None:
        text = value.date().isoformat()
    else:
        text = str(value)
    return _clean_str(text)


# The same few hundred label and value texts recur in every workbook of a batch; the string
# functions below are pure, so their results are cached per text (never per file). Long texts
# are left out so a hostile file cannot fill memory through the caches.
_CACHED_LEN = 256
_CACHE_SIZE = 4096


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


_clean_cached = lru_cache(maxsize=_CACHE_SIZE)(_clean_str)


# --- labels ----------------------------------------------------------------------------

# Traditional -> simplified for characters that occur in template labels and common indicator
# wording. A hand-written table instead of OpenCC keeps the package dependency-free; only
# one-to-one mappings are listed, so applying it to simplified text is a no-op.
_T2S_PAIRS = (
    "項项稱称績绩標标產产滿满實实際际預预執执數数資资總总額额單单評评計计劃划財财撥拨"
    "結结轉转達达與与後后調调設设質质時时經经濟济會会態态續续響响務务對对據据門门體体"
    "級级區区縣县鄉乡鎮镇辦办規规範范應应當当權权準准則则環环負负責责聯联繫系係系電电"
    "話话說说進进問问題题內内補补貼贴專专費费開开發发業业農农獲获養养衛卫醫医療疗護护"
    "險险災灾難难給给統统籌筹營营國国築筑備备線线條条億亿萬万價价減减蓋盖銷销購购買买"
    "採采維维運运長长現现狀状況况積积極极優优較较顯显節节約约歷历圍围間间關关幹干為为"
    "於于並并從从將将無无個个這这裡里來来們们點点種种類类學学習习訓训練练檢检測测驗验"
    "監监審审報报彙汇匯汇層层綜综處处戶户場场證证齊齐歸归檔档帳账賬账餘余兌兑確确眾众"
    "訴诉綠绿廢废氣气車车輛辆橋桥漁渔糧粮儲储貧贫圖图書书館馆藝艺術术競竞賽赛動动勞劳"
    "傷伤殘残兒儿婦妇齡龄擔担稅税貸贷擴扩創创織织組组機机構构員员導导領领簽签訂订頒颁"
    "佈布佔占讓让議议論论認认識识錢钱銀银職职紀纪錄录覽览觀观勵励獎奖傳传遞递輸输郵邮"
    "樣样簡简複复雜杂網网絡络訊讯異异隊队戰战勢势衝冲擊击壓压寫写錯错誤误舉举參参決决"
    "償偿還还債债歲岁頁页號号碼码雙双邊边貨货幣币兩两幾几廳厅嚴严華华東东廣广龍龙紅红"
    "淨净鳥鸟魚鱼雞鸡豬猪獸兽蟲虫藥药灣湾願愿輕轻別别"
)
_T2S = str.maketrans(dict(zip(_T2S_PAIRS[0::2], _T2S_PAIRS[1::2])))

_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")",
                           "〖": "(", "〗": ")"})
_WS_RE = re.compile(r"\s+")
_COLON_RE = re.compile("[:：∶]")


def normalize_label(text: object) -> str:
    """Key for matching a label: no whitespace or colons, one bracket style, simplified, 当年."""
    if type(text) is str and len(text) <= _CACHED_LEN:
        return _normalize_cached(text)
    return _normalize(clean_text(text))


# One translation and one removal do what the steps named above do in turn: no key of one
# table is an output of the other, and no key or output of either is a space or a colon.
_T2S_BRACKETS = {**_T2S, **_BRACKETS}
_SPACE_OR_COLON_RE = re.compile(r"[\s:：∶]+")


def _normalize(cleaned: str) -> str:
    out = unicodedata.normalize("NFKC", cleaned).translate(_T2S_BRACKETS)
    out = _SPACE_OR_COLON_RE.sub("", out)
    if out.startswith("其中"):
        out = out[2:]
    if out.startswith("本年"):
        out = "当年" + out[2:]
    return out


@lru_cache(maxsize=_CACHE_SIZE)
def _normalize_cached(text: str) -> str:
    return _normalize(clean_text(text))


_WEIGHT_SUFFIX_RE = re.compile(r"^(.*?)\(?(?:分值|权重)?([0-9]+(?:\.[0-9]+)?)分\)?$")


def split_weight_suffix(label: object) -> tuple[str, float | None]:
    """``产出指标(50分)`` -> (``产出指标``, 50.0); without a suffix the weight is None."""
    name = normalize_label(label)
    m = _WEIGHT_SUFFIX_RE.match(name)
    if not m:
        return name, None
    weight = _finite_float(Decimal(m.group(2)))
    if weight is None:
        return name, None
    return m.group(1), weight


# --- compact value text ------------------------------------------------------------------

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


def _compact(raw: str) -> str:
    """clean_text output -> NFKC, no whitespace, one spelling per comparator and percent."""
    if len(raw) <= _CACHED_LEN:
        return _compact_cached(raw)
    return _compact_text(raw)


def _compact_text(raw: str) -> str:
    text = _WS_RE.sub("", _nfkc(raw))
    # In ASCII text only the ASCII rewrites can apply (in the same order).
    for old, new in _ASCII_SYMBOLS if text.isascii() else _SYMBOLS:
        text = text.replace(old, new)
    return text


_compact_cached = lru_cache(maxsize=_CACHE_SIZE)(_compact_text)


# A decimal digit (\d: Unicode category Nd, what float() accepts) other than 0-9.
_FOREIGN_DIGIT_RE = re.compile(r"[^\D0-9]")


def _has_foreign_digits(text: str) -> bool:
    # NFKC leaves Arabic-Indic, Devanagari ... digits alone; float() would accept them.
    return _FOREIGN_DIGIT_RE.search(text) is not None


# --- numbers -----------------------------------------------------------------------------

_RUN = r"[0-9](?:[0-9.,]*[0-9])?"
_RUN_RE = re.compile(_RUN)
_VALID_RUN_RE = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")
# Forms float() or a careless regex would read but people do not type: 1_000, 1e3, nan, inf.
# (nan/inf/Infinity hold no digit, so the grammar rejects them without a special case.)
_FORBIDDEN_RE = re.compile(r"[0-9]_|_[0-9]|[0-9][eE][+-]?[0-9]")
_PLAIN_NUMBER_RE = re.compile(rf"^([+-]?)({_RUN})(%?)$")


def _run_decimal(run: str) -> Decimal | None:
    if not _VALID_RUN_RE.match(run):
        return None
    return Decimal(run.replace(",", ""))


def _is_numeric(value: object) -> bool:
    kind = type(value)
    if kind is float or kind is int:
        return True  # what cells hold; the ABC check below costs several times more
    if kind is str or value is None:
        return False
    return isinstance(value, (Real, Decimal)) and not isinstance(value, bool)


def _to_decimal(value: object) -> Decimal | None:
    """A numeric cell value as an exact Decimal (floats via their shortest repr), finite only."""
    try:
        if isinstance(value, Decimal):
            d = value
        elif isinstance(value, int):
            d = Decimal(value)
        else:
            d = Decimal(repr(float(value)))  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError, InvalidOperation):
        return None
    return d if d.is_finite() else None


def _finite_float(d: Decimal | None) -> float | None:
    if d is None:
        return None
    try:
        f = float(d)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def parse_number(value: object, *, percent_format: bool = False) -> float | None:
    """A plain number (amount, 分值, 得分): numeric cells, or text such as ``1,000.5``/``12.5%``.

    ``percent_format`` means the cell displays a stored fraction as a percentage, so the
    stored 0.95 is 95 percentage points. Text never gets that treatment: what was typed is
    what is meant. Anything else, including nan/inf, gives None.
    """
    if type(value) is float and not percent_format:
        # What the Decimal path below gives: repr is exact and float() of it gives the value back.
        return value if math.isfinite(value) else None
    if _is_numeric(value):
        d = _to_decimal(value)
        if d is not None and percent_format:
            d *= 100
        return _finite_float(d)
    if not isinstance(value, str):
        return None
    text = _compact(clean_text(value))
    if not text or _has_foreign_digits(text) or _FORBIDDEN_RE.search(text):
        return None
    m = _PLAIN_NUMBER_RE.match(text)
    if not m:
        return None
    d = _run_decimal(m.group(2))
    if d is None:
        return None
    return _finite_float(-d if m.group(1) == "-" else d)


# --- units -------------------------------------------------------------------------------

# Factors to the canonical unit of the family: 万元 for money, 万美元 for US dollars.
_MONEY_UNITS = {"千万元": Decimal(1000), "百万元": Decimal(100), "亿元": Decimal(10000),
                "万元": Decimal(1), "千元": Decimal("0.1"), "元": Decimal("0.0001")}
_USD_UNITS = {"千万美元": Decimal(1000), "百万美元": Decimal(100), "亿美元": Decimal(10000),
              "万美元": Decimal(1), "千美元": Decimal("0.1"), "美元": Decimal("0.0001")}
# 万/亿 written in front of another unit (1.5万人) or alone (658.62亿) scale the number.
_MULTIPLIERS = {"千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6, "亿": Decimal(10) ** 8,
                "万": Decimal(10) ** 4, "千": Decimal(1000)}
_COUNT_UNITS = (
    "个", "次", "人次", "户次", "人", "名", "位", "家", "户", "项", "场", "场次", "份", "台", "台套",
    "套", "件", "天", "日", "个月", "月", "年", "周", "小时", "分钟", "秒", "个工作日", "工作日",
    "公里", "千米", "米", "厘米", "毫米", "延米", "平方米", "平方公里", "平方千米", "立方米", "立方",
    "方", "㎡", "㎥", "m²", "m³", "亩", "公顷", "吨", "千克", "公斤", "斤", "克", "册", "本", "篇",
    "期", "批", "所", "座", "处", "头", "只", "匹", "羽", "条", "张", "间", "栋", "幢", "辆", "艘",
    "架", "株", "棵", "根", "盏", "块", "宗", "笔", "例", "起", "村", "课时", "学时", "人天", "人日",
    "床", "眼", "口", "孔", "部", "类", "种", "支", "队", "班", "届", "轮", "倍", "度", "千瓦",
    "千瓦时", "兆瓦", "分", "岁", "趟", "单", "封", "页", "套次", "期次", "‰",
)
_COUNT_UNITS_SORTED = tuple(sorted(_COUNT_UNITS, key=len, reverse=True))
_LATIN_UNIT_RE = re.compile(r"[A-Za-z]+[²³]?")
# "100m2" typed for 100 m²: the 2 is an exponent, not a second number.
_SQUARE_RE = re.compile(r"(?<=[0-9])(k?m)([23])(?![0-9])")
# Characters that end an unknown CJK unit word: operator tails, particles, punctuation.
_UNIT_STOP = set("以及之前内左右的和或与并且上下")


class _Unit(NamedTuple):
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
_MONEY_SORTED = tuple(sorted(_MONEY_UNITS, key=len, reverse=True))
_USD_SORTED = tuple(sorted(_USD_UNITS, key=len, reverse=True))
_MULT_SORTED = tuple(sorted(_MULTIPLIERS, key=len, reverse=True))


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


def _take_unit(text: str) -> _Unit | None:
    """The unit at the start of ``text`` (the text right after a number), if any."""
    if text.startswith("%"):
        return _Unit("%", "percent", Decimal(1), 1)
    usd = _longest(text, _USD_SORTED)
    if usd:
        return _Unit("万美元", "usd", _USD_UNITS[usd], len(usd))
    money = _longest(text, _MONEY_SORTED)
    if money:
        tail = _compound_tail(text[len(money):])
        if tail:
            # Per-household or per-person money: a rate, not an amount; keep it as typed.
            return _Unit(money + tail, "other", Decimal(1), len(money) + len(tail))
        return _Unit("万元", "money", _MONEY_UNITS[money], len(money))
    factor = Decimal(1)
    used = 0
    mult = _longest(text, _MULT_SORTED)
    count = _count_unit(text)
    # A known unit beginning with 千/万 (千米, 千克) wins over reading 千 as a multiplier.
    if mult and not (count and count in _COUNT_UNITS and len(count) > len(mult)):
        factor = _MULTIPLIERS[mult]
        used = len(mult)
        count = _count_unit(text[used:])
    if not count:
        if used:
            return _Unit(None, None, factor, used, multiplier_only=True)
        return None
    tail = _compound_tail(text[used + len(count):])
    family = "other" if tail or count == "‰" else "count"
    return _Unit(count + tail, family, factor, used + len(count) + len(tail))


_WORD_UNIT_RE = re.compile(r"[A-Za-z\u4e00-\u9fff/]+")


def _unit_from_hint(hint: str | None) -> _Unit | None:
    """The 度量单位 column of split layouts, e.g. ``%``, ``人次``, ``（万元）``."""
    if hint is None:
        return None
    text = _compact(clean_text(hint)).translate(_BRACKETS).strip("()")
    if not text or _is_not_applicable_text(text) or _RUN_RE.search(text):
        return None
    unit = _take_unit(text)
    if unit is not None and unit.length == len(text):
        return unit
    if len(text) <= 6 and _WORD_UNIT_RE.fullmatch(text):
        return _Unit(text, "other" if "/" in text else "count", Decimal(1), len(text))
    return None


def parse_points(value: object) -> float | None:
    """A 分值 / 得分 cell: a number, also written with its unit ("10分", "9.83 分")."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("分") and not text.endswith(("百分", "万分", "千分")):
            value = text[:-1]
    return parse_number(value)


_MONEY_UNIT_RE = re.compile("|".join(_MONEY_SORTED))


@lru_cache(maxsize=64)
def _sheet_unit_factor(sheet_unit: str) -> Decimal:
    unit_text = _compact(clean_text(sheet_unit))
    m_unit = _MONEY_UNIT_RE.search(unit_text)
    if not m_unit or "美元" in unit_text:
        raise ValueError(f"unknown money unit: {sheet_unit!r}")
    return _MONEY_UNITS[m_unit.group(0)]


def written_money_unit(*texts: object) -> tuple[str, float] | None:
    """The money unit the first of ``texts`` that names one was typed in (元, 千元, 万元, 亿元 …),
    and how many 万元 one of it is.

    Amounts are held in 万元 so that 2亿元 and 19500万元 compare; an explanation shows them back
    in the unit the person wrote, where 5元 held as 0.0005 万元 would print as 0.
    """
    for text in texts:
        if text is None:
            continue
        compact = _compact(clean_text(text))
        if "美元" in compact:
            continue
        m = _MONEY_UNIT_RE.search(compact)
        if m:
            return m.group(0), float(_MONEY_UNITS[m.group(0)])
    return None


_MONEY_TEXT_RE = re.compile(rf"^([+-]?)({_RUN})(.*)$")


def parse_money(value: object, sheet_unit: str = "万元") -> float | None:
    """An amount in 万元. Numbers are in ``sheet_unit``; text may carry its own unit.

    ``sheet_unit`` is one of 元/千元/万元/百万元/亿元 (surrounding text such as ``单位：万元`` is
    tolerated); anything else is a programming error and raises ValueError.
    """
    default = _sheet_unit_factor(sheet_unit)
    if type(value) is float and default == 1:
        # What the Decimal path below gives in 万元 sheets: d * 1 is d, and float(d) the value.
        return value if math.isfinite(value) else None
    if _is_numeric(value):
        d = _to_decimal(value)
        return _finite_float(d * default if d is not None else None)
    if not isinstance(value, str):
        return None
    text = _compact(clean_text(value))
    # A currency sign says nothing about the magnitude; the unit (typed or the sheet's) does.
    text = text.lstrip("¥")
    if not text or _has_foreign_digits(text) or _FORBIDDEN_RE.search(text):
        return None
    m = _MONEY_TEXT_RE.match(text)
    if not m:
        return None
    d = _run_decimal(m.group(2))
    if d is None:
        return None
    rest = m.group(3)
    if rest:
        if rest in _MONEY_UNITS:
            factor = _MONEY_UNITS[rest]
        elif rest in _MULTIPLIERS:
            # "200万" in an amount column is 200万元.
            factor = _MULTIPLIERS[rest] * _MONEY_UNITS["元"]
        else:
            return None
    else:
        factor = default
    d *= factor
    return _finite_float(-d if m.group(1) == "-" else d)


# --- grades ------------------------------------------------------------------------------

_OFFICIAL: dict[str, Grade] = {}
for _a in ("预期", "年度"):
    for _b in ("指标", "目标"):
        _OFFICIAL[f"达成{_a}{_b}"] = Grade.ACHIEVED
    _OFFICIAL[f"部分达成{_a}指标并具有一定效果"] = Grade.PARTIAL
    _OFFICIAL[f"部分达成{_a}指标"] = Grade.PARTIAL
    for _v in ("未达成", "未完成"):
        _OFFICIAL[f"{_v}{_a}指标且效果较差"] = Grade.NOT

_LOOSE: dict[str, Grade] = {}
for _w in ("已完成 完成 全部完成 全面完成 圆满完成 是 达到 已达到 达标 已达标 效果明显 明显 显著 "
           "显著提升 效果显著 有效 良好 良 优 优秀 好 合格 满意 非常满意 符合 符合规定 符合要求 "
           "按时完成 按期完成 及时 提升 有所提升 提高 有所提高 较好 已实现 实现 已达成 达成").split():
    _LOOSE[_w] = Grade.ACHIEVED
for _w in ("基本达到 基本完成 基本达标 基本达成 基本实现 基本符合 基本满意 部分完成 部分达到 "
           "部分达成 部分实现 一般 效果一般").split():
    _LOOSE[_w] = Grade.PARTIAL
for _w in "未完成 未达到 未达成 未实现 未达标 否 没有 较差 差 不合格 不达标 不满意 不符合".split():
    _LOOSE[_w] = Grade.NOT

# 未/没有 in front of the verb negates however long the sentence is.
_NEGATED_RE = re.compile(r"(?:未|没有|没|尚未|不能|无法)(?:能|有|全部|完全)?(?:完成|达到|达成|实现|达标)"
                         r"|不合格|不达标|不符合|不满意|效果较差|效果差")
_PARTIAL_WORDS = ("部分达成", "部分完成", "部分达到", "部分实现", "基本达成", "基本完成", "基本达到",
                  "基本实现", "基本达标", "基本符合", "基本满意")
_ACHIEVED_WORDS = ("达成", "完成", "达到", "实现", "达标", "明显", "显著", "提升", "提高", "改善",
                   "符合", "满意", "良好", "有效")
# Any of these in a longer phrase may turn a positive word around ("不断提升", "无明显改善").
_NEGATION_CHARS = set("不未没无否差非")
_TRAILING_PUNCT = "。.!！;；,，、~"


def parse_grade(text: object) -> tuple[Grade | None, bool]:
    """Qualitative grade written in 实际完成值, and whether the wording is the official one.

    Exact phrases are looked up first. In a longer phrase only a negated verb (未完成…) is read
    everywhere; positive and partial words are read only when the phrase holds no digits and
    no negating character, so "完成率50%" or "无明显改善" are not taken as achieved.
    """
    key = normalize_label(text).rstrip(_TRAILING_PUNCT)
    if not key or key == "无":
        return None, False
    if key in _OFFICIAL:
        return _OFFICIAL[key], True
    if key in _LOOSE:
        return _LOOSE[key], False
    if _NEGATED_RE.search(key):
        return Grade.NOT, False
    if any(ch.isdigit() for ch in key):
        return None, False
    if any(w in key for w in _PARTIAL_WORDS):
        return Grade.PARTIAL, False
    if not (_NEGATION_CHARS & set(key)) and any(w in key for w in _ACHIEVED_WORDS):
        return Grade.ACHIEVED, False
    return None, False


# --- 指标性质 ------------------------------------------------------------------------------

_NATURE: dict[str, str] = {}
for _w in "≥ > ≥/> 正向 正向指标 大于等于 大于 不低于 不少于 不小于 越大越好".split():
    _NATURE[_w] = "ge"
for _w in "≤ < ≤/< 反向 反向指标 小于等于 小于 不高于 不超过 不大于 越小越好".split():
    _NATURE[_w] = "le"
for _w in "= 等于 等于指标".split():
    _NATURE[_w] = "eq"
for _w in "定性 定性指标".split():
    _NATURE[_w] = "qual"


def op_from_nature(text: object) -> str | None:
    """指标性质 column: ``≥``/正向 -> "ge", ``≤``/反向 -> "le", ``=`` -> "eq", 定性 -> "qual"."""
    key = _compact(clean_text(text)).translate(_BRACKETS).strip("()")
    return _NATURE.get(key)


# --- quantities --------------------------------------------------------------------------

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
_SYMBOL_OPS = set("≥≤<>=")

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}
_CN_NUM = "[零一二两三四五六七八九十]{1,3}"
_CN_PERCENT_RE = re.compile(rf"百分之({_CN_NUM}|{_RUN})")
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


def _replace_cn_numerals(text: str) -> str:
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
    if not m or m.group(2) not in _COUNT_UNITS:
        return text
    n = _cn_number(m.group(1))
    if n is None:
        return text
    return f"{prefix}{n}{m.group(2)}{suffix}"


_YEAR = r"(?<![0-9.,])(?:19|20)[0-9]{2}"
_DAY_RE = re.compile(r"^((?:19|20)[0-9]{2})(?:年|[.\-/])([0-9]{1,2})(?:月|[.\-/])?"
                     r"(?:([0-9]{1,2})|(上旬|中旬))?")
# Without a year only the 月 form is a date (12.31 could be a number); the caller gives the year.
_MONTH_DAY_RE = re.compile(r"^()([0-9]{1,2})月(?:([0-9]{1,2})|(上旬|中旬))?")
_YEAR_END_RE = re.compile(r"^((?:19|20)[0-9]{2})?年(?:底|末|内|度)?$")
_TEN_DAYS = {"上旬": 10, "中旬": 20}
# A quarter or half year as a deadline (第四季度, 2021年一季度, 上半年): its last month.
_PERIOD_RE = re.compile(r"^(?:((?:19|20)[0-9]{2})年)?(?:第?([一二三四1-4])季度|([上下])半年)")
_QUARTER_END = {"一": 3, "二": 6, "三": 9, "四": 12, "1": 3, "2": 6, "3": 9, "4": 12}


def _day_of(text: str, year: int | None = None) -> int | None:
    """The day a written date stands for, as an ordinal; None when it names no single day.

    A date that names a span (a month, 下旬, a whole year, 年底/年内) stands for its last day, so
    that a deadline is met by anything inside the span and an actual counts as done only once
    the span is over. ``year`` is the evaluation year, for dates written without one.
    """
    period = _PERIOD_RE.match(text)
    if period is not None:
        y = int(period.group(1)) if period.group(1) else year
        if y is None:
            return None
        month = _QUARTER_END[period.group(2)] if period.group(2) else (6 if period.group(3) == "上" else 12)
        return (date(y + (month == 12), month % 12 + 1, 1)).toordinal() - 1
    m = _DAY_RE.match(text) or _MONTH_DAY_RE.match(text)
    if m is None:
        m_year = _YEAR_END_RE.match(text)
        if m_year is None or text == "年":
            return None
        y = int(m_year.group(1)) if m_year.group(1) else year
        return date(y, 12, 31).toordinal() if y is not None else None
    y = int(m.group(1)) if m.group(1) else year
    month = int(m.group(2))
    if y is None or not 1 <= month <= 12:
        return None
    try:
        if m.group(3):
            return date(y, month, int(m.group(3))).toordinal()
        if m.group(4):
            return date(y, month, _TEN_DAYS[m.group(4)]).toordinal()
        following = date(y + (month == 12), month % 12 + 1, 1)
        return following.toordinal() - 1
    except ValueError:
        return None


_DATE_RE = re.compile(
    "|".join((
        # First: "2021年第四季度" must not be read as the year 2021 alone.
        rf"(?:{_YEAR}年)?(?:第?[一二三四1-4]季度|[上下]半年)(?:末|底|内)?",
        rf"{_YEAR}年[0-9]{{1,2}}月[0-9]{{1,2}}[日号]",
        rf"{_YEAR}([.\-/])[0-9]{{1,2}}\1[0-9]{{1,2}}(?![0-9])",
        rf"{_YEAR}年[0-9]{{1,2}}月(?:底|末|份|上旬|中旬|下旬)?",
        rf"{_YEAR}[\-/][0-9]{{1,2}}(?![0-9.,])",
        rf"{_YEAR}年(?:底|末|内|度)?",
        r"(?<![0-9.,])[0-9]{1,2}月[0-9]{1,2}[日号]",
        r"(?<![0-9.,])[0-9]{1,2}月(?:底|末|份|上旬|中旬|下旬)",
        r"(?<![0-9.,])[0-9]{1,2}月(?=前|之前|以前)",
        r"年底|年末|年内|月底|月末|季度末|半年内",
    ))
)
_DEADLINE_RE = re.compile(r"前|之前|以前")
_RANGE_RE = re.compile(rf"(?<![0-9.,])({_RUN})(%|[A-Za-z\u4e00-\u9fff]{{1,4}}?)?"
                       rf"(?:-|~|至|—{{1,2}}|–)([+-]?)({_RUN})")
# Words that say "this row does not apply". Only the explicit ones say it for sure: 无 and a
# dash or slash are also how people answer "none happened" (安全事故 无 / 无) or fill a cell
# they have nothing for, so whether they mark a row 不适用 depends on the row (scoring decides).
_NA_EXPLICIT = {"不适用", "不涉及", "无此项", "此项不适用", "本项不适用", "本项目不适用", "n/a", "na"}
_NA_WORDS = _NA_EXPLICIT | {"无", "/", "／"}
_NA_DASH_RE = re.compile(r"^[-—–/\\]+$")
_PLACEHOLDER_LABEL_RE = re.compile(r"^指标[0-9]+:?$")
_PLACEHOLDER_RE = re.compile(r"\*\*|\.\.\.|[Xx×]{2,}")


def _is_not_applicable_text(text: str) -> bool:
    return text.lower() in _NA_WORDS or bool(_NA_DASH_RE.match(text))


def explicitly_not_applicable(value: object) -> bool:
    """Does a cell say 不适用 in so many words (不适用, 不涉及, 无此项, N/A)? 无 and dashes do not:
    they are ambiguous (see _NA_EXPLICIT)."""
    text = _compact(clean_text(value)).rstrip(_TRAILING_PUNCT)
    return text.lower() in _NA_EXPLICIT


def blank_amount(value: object) -> bool:
    """Is an amount cell written as "nothing here" (—, /, 无, 不适用 …) rather than a number?

    Such a cell in the funds block means no money of that kind, the same as a blank
    (scoring-rules.md §1.2: sub-row amounts, blank = 0), not a number typed wrongly.
    """
    if not isinstance(value, str):
        return False
    return _is_not_applicable_text(_compact(clean_text(value)).rstrip(_TRAILING_PUNCT))


def _find_op(text: str) -> tuple[str | None, bool]:
    m = _OP_RE.search(text)
    if m:
        return _OP_LOOKUP[m.group(0)]
    # 控制在…以内 is caught above by 以内; "控制在…内"/"控制在5%" still state an upper bound.
    if "控制在" in text:
        return "le", False
    return None, False


class _Parts(NamedTuple):
    value: Decimal | None
    unit: _Unit | None
    rest: str  # text after the number and its unit
    found: bool  # some number was written, even if it could not be read


def _read_number(text: str) -> _Parts:
    """The single number in ``text`` and the unit after it; value None if absent or ambiguous."""
    runs = list(_RUN_RE.finditer(text))
    if not runs:
        return _Parts(None, None, "", False)
    values = []
    for m in runs:
        d = _run_decimal(m.group(0))
        if d is None or (m.start() > 0 and text[m.start() - 1] == "."):
            return _Parts(None, None, "", True)
        i = m.start()
        # A minus sign, not a dash between two numbers (ranges are removed before this).
        if i > 0 and text[i - 1] == "-" and (i < 2 or not text[i - 2].isdigit()):
            d = -d
        values.append(d)
    # Two different numbers ("3个,5次", "7×24小时"): which one is the target is a guess.
    if len(set(values)) > 1:
        return _Parts(None, None, "", True)
    first = runs[0]
    after = text[first.end():]
    unit = _take_unit(after)
    rest = after[unit.length:] if unit else after
    return _Parts(values[0], unit, rest, True)


def _apply_unit(d: Decimal, unit: _Unit | None, hint: _Unit | None
                ) -> tuple[Decimal, str | None, str | None]:
    if unit is not None and not unit.multiplier_only:
        return d * unit.factor, unit.label, unit.family
    if unit is not None:  # bare 万/亿
        if hint is not None and hint.family in ("money", "usd"):
            # "200万" in a 元 or 万元 column means 200万元 either way.
            canon = "万元" if hint.family == "money" else "万美元"
            return d * unit.factor / Decimal(10000), canon, hint.family
        if hint is not None and not hint.multiplier_only:
            return d * unit.factor, hint.label, hint.family
        return d * unit.factor, None, None
    if hint is not None:
        return d * hint.factor, hint.label, hint.family
    return d, None, None


def parse_quantity(value: object, *, percent_format: bool = False,
                   unit_hint: str | None = None, year: int | None = None) -> Quantity:
    """A 年度指标值 or 实际完成值 cell as a Quantity (see model.Quantity and scoring-rules §2.3).

    ``unit_hint`` is the 度量单位 column of split layouts; it applies when the cell itself
    names no unit. ``year`` is the evaluation year: it dates 12月底前 / 11月30日 / 年底前, which
    otherwise carry no day (``when``).
    """
    # Text is the costly case and reads the same whatever the cell's format (percent_format
    # only applies to numbers); a Quantity is frozen, so sharing one between cells is safe.
    if type(value) is str and len(value) <= _CACHED_LEN and (
            unit_hint is None or type(unit_hint) is str and len(unit_hint) <= _CACHED_LEN):
        return _text_quantity(value, unit_hint, year)
    return _parse_quantity(value, percent_format, unit_hint, year)


@lru_cache(maxsize=_CACHE_SIZE)
def _text_quantity(value: str, unit_hint: str | None, year: int | None) -> Quantity:
    return _parse_quantity(value, False, unit_hint, year)


def _parse_quantity(value: object, percent_format: bool, unit_hint: str | None,
                    year: int | None = None) -> Quantity:
    hint = _unit_from_hint(unit_hint)
    if value is None:
        return Quantity(raw="")
    if isinstance(value, (datetime, date)):
        day = value.date() if isinstance(value, datetime) else value
        return Quantity(raw=clean_text(value), family="date", when=day.toordinal())
    if isinstance(value, time):
        return Quantity(raw=clean_text(value), family="date")
    if _is_numeric(value):
        raw = clean_text(value)
        d = _to_decimal(value)
        if d is None:
            return Quantity(raw=raw)
        if percent_format:
            d, unit, family = d * 100, "%", "percent"
        else:
            d, unit, family = _apply_unit(d, None, hint)
        num = _finite_float(d)
        if num is None:
            return Quantity(raw=raw)
        return Quantity(raw=raw, value=num, unit=unit, family=family)

    raw = clean_text(value)
    if not raw:
        return Quantity(raw=raw)
    text = _compact(raw)
    text = _SQUARE_RE.sub(lambda m: m.group(1) + ("²" if m.group(2) == "2" else "³"), text)
    grade, standard = parse_grade(raw)
    not_applicable = _is_not_applicable_text(text)
    placeholder = bool(_PLACEHOLDER_RE.search(text) or _PLACEHOLDER_LABEL_RE.match(text))
    direction = "正向" if "正向" in text else "反向" if "反向" in text else None
    text = _replace_cn_numerals(text)

    # A deadline is not a quantity: its year must not be read as a number.
    dates: list[bool] = []  # one entry per date: is it a deadline (…前)?

    days: list[int | None] = []

    def cut_date(m: re.Match[str]) -> str:
        dates.append(bool(_DEADLINE_RE.match(m.string, m.end())))
        days.append(_day_of(m.group(0), year))
        return "\x00"

    text = _DATE_RE.sub(cut_date, text)
    is_date = bool(dates)
    deadline = any(dates)

    is_range = False
    range_unit: _Unit | None = None
    range_m = _RANGE_RE.search(text)
    if range_m:
        is_range = True
        after = text[range_m.end():]
        range_unit = _take_unit(after)
        if range_unit is None and range_m.group(2):
            range_unit = _take_unit(range_m.group(2))
        text = text[:range_m.start()] + "\x00" + after

    bad = _has_foreign_digits(text) or bool(_FORBIDDEN_RE.search(text))
    parts = _read_number(text) if not bad else _Parts(None, None, "", True)
    signal = parts.found or placeholder or is_range or is_date or bool(_SYMBOL_OPS & set(text))

    op: str | None = None
    strict = False
    if signal:
        op, strict = _find_op(text)
        if op is None and parts.unit is not None and parts.rest.startswith("内"):
            op = "le"  # "3个工作日内"

    num: float | None = None
    unit: str | None = None
    family: str | None = None
    if is_range:
        if range_unit is not None and not range_unit.multiplier_only:
            unit, family = range_unit.label, range_unit.family
        elif hint is not None:
            unit, family = hint.label, hint.family
    elif parts.value is not None and not placeholder and not bad:
        d, unit, family = _apply_unit(parts.value, parts.unit, hint)
        num = _finite_float(d)
        if num is None:
            unit = family = None
    elif parts.unit is not None and placeholder and not parts.unit.multiplier_only:
        unit, family = parts.unit.label, parts.unit.family
    elif placeholder:
        # "(≥**人)": the unit still says what kind of number is expected.
        marker = _PLACEHOLDER_RE.search(text)
        u = _take_unit(text[marker.end():].lstrip("*.Xx×")) if marker else None
        if u is not None and not u.multiplier_only:
            unit, family = u.label, u.family
    if is_date and num is None and not is_range:
        family = "date"
        unit = None
    if op is None and deadline and signal:
        # A deadline with nothing but the date is met on or before its day (LE on dates). With
        # a count or amount beside it ("年底前完成3场", "6月底前举办3场") the number is what is
        # scored: 完成/举办/达到 N 场 asks for at least N, and the date alone cannot be checked
        # against an actual that gives no date.
        op = "ge" if num is not None and family != "date" else "le"
    if op is None and direction is not None:
        op = "ge" if direction == "正向" else "le"

    when = days[0] if family == "date" and len(days) == 1 else None
    return Quantity(raw=raw, value=num, unit=unit, family=family, op=op, strict=strict,
                    direction=direction, grade=grade, grade_standard=standard, is_range=is_range,
                    not_applicable=not_applicable, placeholder=placeholder, when=when)
