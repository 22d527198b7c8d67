"""The machine-readable 评分标准 of scoring-rules.md §5.3: recognised in the rule's words, evaluated on a figure.

A 部门整体 scoring table gives each row its rule in words. Three shapes recur and can be
evaluated when the row carries the figure they need (a rate, in percentage points):

* **steps** — "≥90% 计5分；80%（含）-90% 计4分；……低于60%不得分", "=0 计3分；(0,10%] 计2分；……大于30%不得分":
  the first clause whose interval holds the figure gives the points. A range written without
  saying which end it includes follows the scale's direction: where more is better each band
  includes its lower end (80%–90% is [80, 90)), where less is better its upper end ((0, 10]);
* **deduction** — "≤100% 计6分，每超过一个百分点扣1分，扣完为止" (also 每低于…, 以100%为标准, 最多扣N分):
  the full points less the step per percentage point beyond the base, never below 0;
* **proportional** — "执行率 × 10", "按预算执行率 × 分值计分": the rate × the points, at most the points.

Anything else — a rule in words, a second condition the shape does not cover, a figure on a
bound the text leaves open — is not evaluated (``parse_rubric`` returns None, ``Rubric.score``
gives no score): the row stays with a person ("人工复核"), never silently passed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Optional

from perf_xlsx.judge.numbers import fmt, round2

_NUM = r"(\d+(?:\.\d+)?)"
_CN_DIGIT = "[一两二三四五六七八九十半]"
_CN = {"一": 1.0, "两": 2.0, "二": 2.0, "三": 3.0, "四": 4.0, "五": 5.0, "六": 6.0, "七": 7.0, "八": 8.0, "九": 9.0,
       "十": 10.0, "半": 0.5}
# Spellings unified after NFKC. 至 / 到 / ~ are range dashes only between numbers (到位率 is a word).
_SIGNS = (("≧", "≥"), ("⩾", "≥"), (">=", "≥"), ("=>", "≥"), ("≦", "≤"), ("⩽", "≤"), ("<=", "≤"), ("=<", "≤"),
          ("—", "-"), ("–", "-"), ("―", "-"), ("－", "-"), ("个百分点", "%"), ("百分点", "%"), ("×", "*"), ("╳", "*"))
_RANGE_WORD_RE = re.compile(r"(\d%?)(?:至|到|~|〜|～)(?=\d)")


def normalize_rule(text: str) -> str:
    """NFKC, no whitespace, one spelling per sign; brackets kept as written ((0,10%] is a bound)."""
    out = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    for old, new in _SIGNS:
        out = out.replace(old, new)
    return _RANGE_WORD_RE.sub(r"\1-", out)


@dataclass(frozen=True)
class Bound:
    value: float
    inclusive: bool
    explicit: bool  # the text says which side the bound is on: a sign, a bracket or (含)


@dataclass(frozen=True)
class Step:
    """One clause of a step rule: the figure's interval and the points it gives."""

    low: Optional[Bound]
    high: Optional[Bound]
    points: float
    text: str

    def holds(self, x: float) -> bool:
        for bound, below in ((self.low, True), (self.high, False)):
            if bound is None:
                continue
            if abs(x - bound.value) <= 1e-9:
                if not bound.inclusive:
                    return False
            elif (x < bound.value) == below:
                return False
        return True

    def on_open_bound(self, x: float) -> bool:
        """Whether ``x`` sits on a bound whose side the text does not state."""
        return any(b is not None and not b.explicit and abs(x - b.value) <= 1e-9 for b in (self.low, self.high))


@dataclass(frozen=True)
class Rubric:
    """A recognised rule. ``pattern`` is "steps", "deduction" or "proportional"."""

    pattern: str
    text: str
    percent: bool  # its figures are percentages
    steps: tuple[Step, ...] = ()
    otherwise: Optional[float] = None  # steps: the points when no clause holds (其他不得分)
    full: Optional[float] = None  # deduction / proportional: the points at full marks (None: the row's 分值)
    base: float = 100.0  # deduction: the figure beyond which points are taken off …
    above: bool = True  # … above it (每超过) or below it (每低于)
    per: float = 1.0  # deduction: the points taken off …
    unit: float = 1.0  # … per this many percentage points
    most: Optional[float] = None  # deduction: at most this many points off (最多扣 N 分)

    def score(self, figure: float, weight: float) -> tuple[Optional[float], str]:
        """The points for ``figure`` (percentage points when ``percent``) out of ``weight``,
        and how they were found; (None, why) when the rule cannot decide."""
        shown = f"{fmt(figure)}{'%' if self.percent else ''}"
        if self.pattern == "proportional":
            full = weight if self.full is None else min(self.full, weight)
            share = figure / 100 if self.percent else figure
            s = round2(min(max(share, 0.0), 1.0) * full)
            return s, f"按评分标准：{shown} × {fmt(full)} = {fmt(s)}"
        if self.pattern == "deduction":
            full = weight if self.full is None else min(self.full, weight)
            beyond = figure - self.base if self.above else self.base - figure
            side = "超过" if self.above else "低于"
            if beyond <= 1e-9:
                return round2(full), f"按评分标准：{shown} 未{side} {fmt(self.base)}%，得 {fmt(full)}"
            off = self.per * beyond / self.unit
            if self.most is not None:
                off = min(off, self.most)
            s = round2(max(full - off, 0.0))
            return s, f"按评分标准：{shown} {side} {fmt(self.base)}% {fmt(beyond)} 个百分点，扣 {fmt(off)} 分，得 {fmt(s)}"
        held = [s for s in self.steps if s.holds(figure)]
        if not held:
            if self.otherwise is not None:
                s = round2(min(self.otherwise, weight))
                return s, f"按评分标准：{shown} 不在所列各档，得 {fmt(s)}"
            return None, f"{shown} 不在评分标准所列各档"
        first = held[0]
        others = [h for h in held[1:] if h.points != first.points]
        # The first clause that holds decides, unless the text leaves that open: the figure on
        # a bound whose side is not said, or inside two bands that overlap.
        if others and first.on_open_bound(figure):
            return None, f"{shown} 恰在两档交界，评分标准未写明含不含，无法判断"
        if any(not h.on_open_bound(figure) for h in others):
            return None, f"{shown} 同时落在评分标准的两档（{first.text}；{others[0].text}），无法判断"
        s = round2(min(first.points, weight))
        return s, f"按评分标准「{first.text}」：{shown}，得 {fmt(s)}"


# --- parsing -----------------------------------------------------------------------------

_POINTS_RE = re.compile(rf"(?:计|得|给|记|赋)?{_NUM}分$")
_ZERO_RE = re.compile(r"(?:不得分|不计分|不给分|(?<![\d.])(?:得|计|记)?0分)$")
_FULL_RE = re.compile(r"(?:得|计|给|记)?满分$")
_REMARKS = ("扣完为止", "扣完即止", "为止", "扣完", "扣分扣完为止", "最低0分", "最低为0分", "最低得0分")
_DEDUCT_RE = re.compile(
    rf"每(?P<dir>超过|超出|超|高于|高出|高|增加|增长|多于|多|低于|低|少于|少|下降|降低|减少|不足|差)"
    rf"(?:(?P<base>{_NUM})%)?(?P<unit>{_NUM}|{_CN_DIGIT})?个?%的?(?:扣|减)(?P<per>{_NUM}|{_CN_DIGIT})分")
_UP_WORDS = ("超过", "超出", "超", "高于", "高出", "高", "增加", "增长", "多于", "多")
_MOST_RE = re.compile(rf"(?:最多|最高|累计最多|最多累计|扣分不超过|扣分最多)扣?{_NUM}分")
_BASE_RE = re.compile(rf"以{_NUM}%为(?:标准|基准|限|上限|下限|基数)")
_PROPORTION_RE = re.compile(rf"(?:率|比例|完成度)\)?[*xX]\(?(?:{_NUM}分?|该项分值|本项分值|分值|权重|指标分值)")
_OTHERWISE_RE = re.compile(r"^(?:其他|其余|否则|其它)(?:情况)?(?:的)?(?:不得分|不计分|得0分|计0分|0分)$")
_NAMED_MARK_RE = re.compile(rf"\((不)?(?:含|包含|包括){_NUM}%?\)")
_BARE_MARK_RE = re.compile(r"\((不)?(?:含|包含|包括)\)")
# Where the condition starts after its subject (预算调整率=0, 执行率在80%-90%之间).
_CONDITION_START_RE = re.compile(r"[\d≥≤<>=(\[]|大于|小于|低于|高于|超过|超出|不足|不低于|不高于|不超过|不少于|不大于|"
                                 r"不小于|达到|未达到|未达|等于|在\d")


def _number(text: Optional[str]) -> Optional[float]:
    if not text:
        return None
    return _CN[text] if text in _CN else float(text)


def _clauses(text: str) -> list[str]:
    """The clauses of a rule: split at ；。，、 and line breaks, but not inside brackets ((0,10%]
    is one bound); a clause of points alone ("计3分") joins the condition before it."""
    out: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(depth - 1, 0)
        if ch in ";。,、\n" and depth == 0:
            out.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    out.append("".join(cur))
    joined: list[str] = []
    for clause in (c.strip(":") for c in out):
        if not clause:
            continue
        if joined and (_POINTS_RE.fullmatch(clause) or _ZERO_RE.fullmatch(clause)) \
                and _points(joined[-1])[0] is None and not _points(joined[-1])[2]:
            joined[-1] += clause
        else:
            joined.append(clause)
    return joined


def _points(clause: str) -> tuple[Optional[float], str, bool]:
    """(points, the condition before them, whether they are 满分 — the row's full points)."""
    for regex, value in ((_ZERO_RE, 0.0), (_FULL_RE, None)):
        m = regex.search(clause)
        if m:
            return value, clause[:m.start()], value is None
    m = _POINTS_RE.search(clause)
    if m:
        return float(m.group(1)), clause[:m.start()], False
    return None, clause, False


def _interval(cond: str) -> Optional[tuple[Optional[Bound], Optional[Bound], bool]]:
    """(low, high, in percent) of one condition, or None when it is not an interval of one figure."""
    named: dict[float, bool] = {}

    def take(m: re.Match[str]) -> str:
        named[float(m.group(2))] = m.group(1) is None
        return ""

    c = _NAMED_MARK_RE.sub(take, cond)
    c = _BARE_MARK_RE.sub(lambda m: "{x}" if m.group(1) else "{i}", c)
    start = _CONDITION_START_RE.search(c)
    if start is None:
        return None
    c = c[start.start():].rstrip(":的时者则")
    percent = "%" in c

    def bound(value: str, inclusive: bool, explicit: bool, mark: Optional[str] = None) -> Bound:
        v = float(value)
        if v in named:
            return Bound(v, named[v], True)
        if mark:
            return Bound(v, mark == "{i}", True)
        return Bound(v, inclusive, explicit)

    m = re.fullmatch(rf"([(\[]){_NUM}%?,{_NUM}%?([)\]])", c)
    if m:
        return bound(m.group(2), m.group(1) == "[", True), bound(m.group(3), m.group(4) == "]", True), percent
    m = re.fullmatch(rf"{_NUM}%?(≤|<)[^\d]*?(≤|<){_NUM}%?", c)
    if m:
        return bound(m.group(1), m.group(2) == "≤", True), bound(m.group(4), m.group(3) == "≤", True), percent
    m = re.fullmatch(rf"在?{_NUM}%?(\{{[ix]\}})?-{_NUM}%?(\{{[ix]\}})?(?:之间|区间|以内)?", c)
    if m:
        return bound(m.group(1), True, False, m.group(2)), bound(m.group(3), True, False, m.group(4)), percent
    one_sided = (
        (rf"(?:≥|大于等于|大于或等于|不低于|不少于|不小于|达到|达){_NUM}%?(\{{i\}})?(?:及以上|以上)?", True, True),
        (rf"{_NUM}%?(\{{i\}})?(?:及以上|以上)", True, True),
        (rf"(?:>|大于|超过|超出|高于){_NUM}%?()", True, False),
        (rf"{_NUM}%?(\{{x\}})以上", True, False),
        (rf"(?:≤|小于等于|小于或等于|不高于|不超过|不大于){_NUM}%?(\{{i\}})?(?:及以下|以下|以内)?", False, True),
        (rf"{_NUM}%?(\{{i\}})?(?:及以下|以下|以内|之内)", False, True),
        (rf"(?:<|小于|低于|不足|未达到|未达){_NUM}%?()", False, False),
    )
    for pattern, lower, inclusive in one_sided:
        m = re.fullmatch(pattern, c)
        if m:
            b = bound(m.group(1), inclusive, True)
            return (b, None, percent) if lower else (None, b, percent)
    m = re.fullmatch(rf"(?:=|等于|为)?{_NUM}%?", c)
    if m:
        v = float(m.group(1))
        return Bound(v, True, True), Bound(v, True, True), percent
    return None


def _directed(steps: list[Step]) -> list[Step]:
    """Open range ends settled by the scale's direction: where higher bands give more points
    a band includes its lower end ([80, 90)), where they give fewer its upper end ((0, 10])."""
    ranged = [s for s in steps if s.low is not None and s.high is not None and s.low.value < s.high.value]
    if len(ranged) < 2:
        return steps
    ordered = sorted(ranged, key=lambda s: s.low.value)  # type: ignore[union-attr]
    pairs = list(zip(ordered, ordered[1:]))
    if all(a.points < b.points for a, b in pairs):
        up = True
    elif all(a.points > b.points for a, b in pairs):
        up = False
    else:
        return steps
    out = []
    for s in steps:
        low, high = s.low, s.high
        if s in ranged:
            if low is not None and not low.explicit:
                low = Bound(low.value, up, True)
            if high is not None and not high.explicit:
                high = Bound(high.value, not up, True)
        out.append(replace(s, low=low, high=high))
    return out


def _deduction(text: str, clauses: list[str]) -> Optional[Rubric]:
    m = _DEDUCT_RE.search(text)
    if m is None:
        return None
    above = m.group("dir") in _UP_WORDS
    per, unit = _number(m.group("per")), _number(m.group("unit")) or 1.0
    if not per or unit <= 0:
        return None
    base = float(m.group("base")) if m.group("base") else None
    given = _BASE_RE.search(text)
    if base is None and given:
        base = float(given.group(1))
    full: Optional[float] = None
    conditions = 0
    for clause in clauses:
        if _DEDUCT_RE.search(clause) or _MOST_RE.search(clause) or _BASE_RE.fullmatch(clause) or clause in _REMARKS:
            continue
        points, cond, is_full = _points(clause)
        interval = _interval(cond) if cond and (points is not None or is_full) else None
        if interval is None:
            if re.search(r"\d", clause):
                return None  # a condition the deduction shape does not cover
            continue
        conditions += 1
        low, high, _ = interval
        edge = high if above else low
        if edge is None or conditions > 1:
            return None  # a second band (低于60%不得分) the deduction alone would ignore
        base = edge.value if base is None else base
        full = points
    if base is None:
        return None
    most = _MOST_RE.search(text)
    return Rubric("deduction", text, True, full=full, base=base, above=above, per=per, unit=unit,
                  most=float(most.group(1)) if most else None)


def _proportional(text: str, clauses: list[str]) -> Optional[Rubric]:
    m = _PROPORTION_RE.search(text)
    if m is None:
        return None
    for clause in clauses:
        if not _PROPORTION_RE.search(clause) and re.search(r"\d", clause) and clause not in _REMARKS:
            return None  # a floor or band besides the proportion (低于60%不得分)
    full = float(m.group(1)) if m.group(1) else None
    return Rubric("proportional", text, True, full=full)


def parse_rubric(text: str) -> Optional[Rubric]:
    """The rule ``text`` as a Rubric, or None when it is none of the §5.3 shapes."""
    norm = normalize_rule(text)
    clauses = _clauses(norm)
    found = _deduction(norm, clauses) or _proportional(norm, clauses)
    if found is not None or not re.search(r"\d", norm):
        return found
    steps: list[Step] = []
    otherwise = None
    percent = False
    for clause in clauses:
        if _OTHERWISE_RE.match(clause):
            otherwise = 0.0
            continue
        if clause in _REMARKS:
            continue
        points, cond, is_full = _points(clause)
        interval = _interval(cond) if points is not None else None
        if interval is None:
            return None  # a clause in words (完成计30分, 全部完成得满分): a person judges the row
        low, high, pct = interval
        percent = percent or pct
        steps.append(Step(low, high, points, clause))  # type: ignore[arg-type]
    if len(steps) < 2 and not (steps and otherwise is not None):
        return None  # one condition alone is no scale
    return Rubric("steps", text, percent, steps=tuple(_directed(steps)), otherwise=otherwise)


def figure_for(rubric: Rubric, value: float, is_percent: bool) -> Optional[float]:
    """A row's figure in the rule's terms, or None when the two cannot be put side by side:
    a bare fraction (0.92) beside a rule in % is 92%; a bare 1 could be 1% or 100%."""
    if rubric.percent and not is_percent:
        if value == 1:
            return None
        return value * 100 if 0 < value < 1 else value
    if not rubric.percent and is_percent:
        return None
    return value
