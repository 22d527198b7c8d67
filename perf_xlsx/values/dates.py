"""Dates and deadlines written in target and actual cells (2022年12月31日前, 第四季度, 年底), as days."""

from __future__ import annotations

import re
from datetime import date

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


def day_of(text: str, year: int | None = None) -> int | None:
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


DATE_RE = re.compile(
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
DEADLINE_RE = re.compile(r"前|之前|以前")
