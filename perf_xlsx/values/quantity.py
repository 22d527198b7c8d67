"""A 年度指标值 or 实际完成值 cell as a Quantity: number, unit, operator, date, grade and markers."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from perf_xlsx.model import Quantity
from perf_xlsx.values.blanks import is_not_applicable_text
from perf_xlsx.values.dates import DATE_RE, DEADLINE_RE, day_of
from perf_xlsx.values.grades import parse_grade
from perf_xlsx.values.numbers import (
    FORBIDDEN_RE,
    RUN,
    RUN_RE,
    finite_float,
    is_numeric,
    run_decimal,
    to_decimal,
)
from perf_xlsx.values.operators import SYMBOL_OPS, find_op, replace_cn_numerals
from perf_xlsx.values.text import CACHE_SIZE, CACHED_LEN, clean_text, compact, has_foreign_digits
from perf_xlsx.values.units import Unit, take_unit, unit_from_hint

# "100m2" typed for 100 m²: the 2 is an exponent, not a second number.
_SQUARE_RE = re.compile(r"(?<=[0-9])(k?m)([23])(?![0-9])")
_RANGE_RE = re.compile(rf"(?<![0-9.,])({RUN})(%|[A-Za-z\u4e00-\u9fff]{{1,4}}?)?"
                       rf"(?:-|~|至|—{{1,2}}|–)([+-]?)({RUN})")
_PLACEHOLDER_LABEL_RE = re.compile(r"^指标[0-9]+:?$")
_PLACEHOLDER_RE = re.compile(r"\*\*|\.\.\.|[Xx×]{2,}")


class _Parts(NamedTuple):
    value: Decimal | None
    unit: Unit | None
    rest: str  # text after the number and its unit
    found: bool  # some number was written, even if it could not be read


def _read_number(text: str) -> _Parts:
    """The single number in ``text`` and the unit after it; value None if absent or ambiguous."""
    runs = list(RUN_RE.finditer(text))
    if not runs:
        return _Parts(None, None, "", False)
    values = []
    for m in runs:
        d = run_decimal(m.group(0))
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
    unit = take_unit(after)
    rest = after[unit.length:] if unit else after
    return _Parts(values[0], unit, rest, True)


def _apply_unit(d: Decimal, unit: Unit | None, hint: Unit | None
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
    if type(value) is str and len(value) <= CACHED_LEN and (
            unit_hint is None or type(unit_hint) is str and len(unit_hint) <= CACHED_LEN):
        return _text_quantity(value, unit_hint, year)
    if type(value) is float and value and (unit_hint is None or type(unit_hint) is str and len(unit_hint) <= CACHED_LEN):
        # Numbers recur too (targets of 100, 95 …). Not zeros: 0.0 and -0.0 are one key but
        # not one Quantity.
        return _number_quantity(value, percent_format, unit_hint, year)
    return _parse_quantity(value, percent_format, unit_hint, year)


@lru_cache(maxsize=CACHE_SIZE)
def _number_quantity(value: float, percent_format: bool, unit_hint: str | None, year: int | None) -> Quantity:
    return _parse_quantity(value, percent_format, unit_hint, year)


@lru_cache(maxsize=CACHE_SIZE)
def _text_quantity(value: str, unit_hint: str | None, year: int | None) -> Quantity:
    return _parse_quantity(value, False, unit_hint, year)


_NOTHING = Quantity(raw="")  # an empty cell's: one object (a Quantity cannot change)


def _parse_quantity(value: object, percent_format: bool, unit_hint: str | None,
                    year: int | None = None) -> Quantity:
    hint = unit_from_hint(unit_hint)
    if value is None:
        return _NOTHING
    if isinstance(value, (datetime, date)):
        day = value.date() if isinstance(value, datetime) else value
        return Quantity(raw=clean_text(value), family="date", when=day.toordinal())
    if isinstance(value, time):
        return Quantity(raw=clean_text(value), family="date")
    num: float | None = None
    unit: str | None = None
    family: str | None = None
    if is_numeric(value):
        raw = clean_text(value)
        d = to_decimal(value)
        if d is None:
            return Quantity(raw=raw)
        if percent_format:
            d, unit, family = d * 100, "%", "percent"
        else:
            d, unit, family = _apply_unit(d, None, hint)
        num = finite_float(d)
        if num is None:
            return Quantity(raw=raw)
        return Quantity(raw=raw, value=num, unit=unit, family=family)

    raw = clean_text(value)
    if not raw:
        return Quantity(raw=raw)
    text = compact(raw)
    text = _SQUARE_RE.sub(lambda m: m.group(1) + ("²" if m.group(2) == "2" else "³"), text)
    grade, standard = parse_grade(raw)
    not_applicable = is_not_applicable_text(text)
    placeholder = bool(_PLACEHOLDER_RE.search(text) or _PLACEHOLDER_LABEL_RE.match(text))
    direction = "正向" if "正向" in text else "反向" if "反向" in text else None
    text = replace_cn_numerals(text)

    # A deadline is not a quantity: its year must not be read as a number.
    dates: list[bool] = []  # one entry per date: is it a deadline (…前)?

    days: list[int | None] = []

    def cut_date(m: re.Match[str]) -> str:
        dates.append(bool(DEADLINE_RE.match(m.string, m.end())))
        days.append(day_of(m.group(0), year))
        return "\x00"

    text = DATE_RE.sub(cut_date, text)
    is_date = bool(dates)
    deadline = any(dates)

    is_range = False
    range_unit: Unit | None = None
    range_m = _RANGE_RE.search(text)
    if range_m:
        is_range = True
        after = text[range_m.end():]
        range_unit = take_unit(after)
        if range_unit is None and range_m.group(2):
            range_unit = take_unit(range_m.group(2))
        text = text[:range_m.start()] + "\x00" + after

    bad = has_foreign_digits(text) or bool(FORBIDDEN_RE.search(text))
    parts = _read_number(text) if not bad else _Parts(None, None, "", True)
    signal = parts.found or placeholder or is_range or is_date or bool(SYMBOL_OPS & set(text))

    op: str | None = None
    strict = False
    if signal:
        op, strict = find_op(text)
        if op is None and parts.unit is not None and parts.rest.startswith("内"):
            op = "le"  # "3个工作日内"

    num = unit = family = None
    if is_range:
        if range_unit is not None and not range_unit.multiplier_only:
            unit, family = range_unit.label, range_unit.family
        elif hint is not None:
            unit, family = hint.label, hint.family
    elif parts.value is not None and not placeholder and not bad:
        d, unit, family = _apply_unit(parts.value, parts.unit, hint)
        num = finite_float(d)
        if num is None:
            unit = family = None
    elif parts.unit is not None and placeholder and not parts.unit.multiplier_only:
        unit, family = parts.unit.label, parts.unit.family
    elif placeholder:
        # "(≥**人)": the unit still says what kind of number is expected.
        marker = _PLACEHOLDER_RE.search(text)
        u = take_unit(text[marker.end():].lstrip("*.Xx×")) if marker else None
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
