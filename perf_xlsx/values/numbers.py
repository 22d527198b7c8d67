"""Plain numbers as typed (amounts, 分值, 得分): a strict grammar, exact decimals, finite floats.

A value that cannot be read unambiguously (1_000, 1e3, nan, digits of other scripts, two
different numbers) comes back as "no number" so that the caller can report it
(scoring-rules.md §2.3, hostile-input.md C4/C9).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from numbers import Real

from perf_xlsx.values.text import clean_text, compact, has_foreign_digits

RUN = r"[0-9](?:[0-9.,]*[0-9])?"
RUN_RE = re.compile(RUN)
_VALID_RUN_RE = re.compile(r"^(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?$")
# Forms float() or a careless regex would read but people do not type: 1_000, 1e3, nan, inf.
# (nan/inf/Infinity hold no digit, so the grammar rejects them without a special case.)
FORBIDDEN_RE = re.compile(r"[0-9]_|_[0-9]|[0-9][eE][+-]?[0-9]")
_PLAIN_NUMBER_RE = re.compile(rf"^([+-]?)({RUN})(%?)$")


def run_decimal(run: str) -> Decimal | None:
    if not _VALID_RUN_RE.match(run):
        return None
    return Decimal(run.replace(",", ""))


def is_numeric(value: object) -> bool:
    kind = type(value)
    if kind is float or kind is int:
        return True  # what cells hold; the ABC check below costs several times more
    if kind is str or value is None:
        return False
    return isinstance(value, (Real, Decimal)) and not isinstance(value, bool)


def to_decimal(value: object) -> Decimal | None:
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


def finite_float(d: Decimal | None) -> float | None:
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
    if is_numeric(value):
        d = to_decimal(value)
        if d is not None and percent_format:
            d *= 100
        return finite_float(d)
    if not isinstance(value, str):
        return None
    text = compact(clean_text(value))
    if not text or has_foreign_digits(text) or FORBIDDEN_RE.search(text):
        return None
    m = _PLAIN_NUMBER_RE.match(text)
    if not m:
        return None
    d = run_decimal(m.group(2))
    if d is None:
        return None
    return finite_float(-d if m.group(1) == "-" else d)


def parse_points(value: object) -> float | None:
    """A 分值 / 得分 cell: a number, also written with its unit ("10分", "9.83 分")."""
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("分") and not text.endswith(("百分", "万分", "千分")):
            value = text[:-1]
    return parse_number(value)
