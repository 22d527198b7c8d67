"""Numbers as the judge computes and shows them: float noise settled, 四舍五入 to two places,
formatted for messages; and cells read as points, numbers, money and quantities."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, wraps
from typing import Callable, Optional, TypeVar

from perf_xlsx.model import CellValue, Quantity
from perf_xlsx.rules import Profile
from perf_xlsx.values import parse_money, parse_number, parse_points, parse_quantity

# Places at which the noise of float arithmetic is cut: 10 × 875.5 / 1000 is 8.754999999999999
# as a float, 2.48 / 3.1 is 0.7999999999999999. Sheet values carry a few decimals and the
# noise sits near the 16th significant digit, so ten places keep every real digit and drop it.
NOISE_PLACES = 10

_T = TypeVar("_T")


def settled_decimal(x: float) -> Decimal:
    """The exact decimal a computed float stands for (float noise cut at NOISE_PLACES places)."""
    return Decimal(f"{float(x):.{NOISE_PLACES}f}")


def _remembered(zeros: bool = False) -> Callable[[Callable[[float], _T]], Callable[[float], _T]]:
    """compute(float(x)), remembered per value: checks and messages ask about the same rates,
    weights and scores again and again. 0.0 and -0.0 are one key, so zeros are remembered only
    where both give the same (``zeros``); bounded so that odd files cannot grow it without end."""
    def wrap(compute: Callable[[float], _T]) -> Callable[[float], _T]:
        cache: dict[float, _T] = {}
        get = cache.get

        @wraps(compute)
        def remembered(x: float) -> _T:
            xf = float(x)
            got = get(xf)
            if got is None:
                got = compute(xf)
                if (xf or zeros) and len(cache) < 8192:
                    cache[xf] = got
            return got

        return remembered

    return wrap


@_remembered()
def settled(x: float) -> float:
    """A computed rate or ratio as the number it stands for, to compare with a threshold.

    Every comparison of a quotient with a profile threshold (130% over-achievement, an
    execution-rate band, cap or explanation limit) goes through this, so that a value that
    is exactly on the threshold as written (2.48 / 3.1 = 80%) counts as on it.
    """
    # float() of the settled text is the float the Decimal of settled_decimal converts to:
    # both round the same exact decimal to the nearest float.
    return float(f"{x:.{NOISE_PLACES}f}")


@_remembered()
def round2(x: float) -> float:
    """Round half up to two decimals (四舍五入) on the value the float stands for (§2.12):
    8.755 computed as 8.754999999999999 still gives 8.76; Python's round() would not."""
    return _round2_text(f"{x:.{NOISE_PLACES}f}")


_CENT = Decimal("0.01")


@lru_cache(maxsize=4096)
def _round2_text(text: str) -> float:
    # Keyed by the float's settled text, which is what the Decimal is built from (and which
    # tells 0.0 from -0.0, unlike the float as a key); weights and scores repeat across rows
    # and files.
    return float(Decimal(text).quantize(_CENT, rounding=ROUND_HALF_UP))


def fmt(x: Optional[float]) -> str:
    """A number as a person would write it in an explanation: no trailing zeros."""
    return "—" if x is None else _fmt(x)


@_remembered(zeros=True)  # 0.0 and -0.0 both print "0"
def _fmt(x: float) -> str:
    text = f"{round2(x):.2f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


@_remembered(zeros=True)
def fmt_value(x: float) -> str:
    """A target or actual value in an explanation: as typed, not rounded to 2 decimals like a
    score (0.0005 万元 or a 0.125 ratio must not print as 0 or 0.13 in "目标 ÷ 实际 × 分值")."""
    text = f"{settled(x):.6f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


UNIT_IN_WAN = {"元": 0.0001, "千元": 0.1, "万元": 1.0, "亿元": 10000.0}


def money_tolerance(profile: Profile, unit: str) -> float:
    """The money tolerance in 万元: the profile gives it in the sheet's own unit (0.01 = 一分 in 元)."""
    return float(profile.tolerance.money) * UNIT_IN_WAN.get(unit, 1.0)


def cell_points(cell: Optional[CellValue]) -> Optional[float]:
    """A 分值 or 得分 cell ("10", 10, "10分")."""
    if cell is None or cell.blank or cell.error:
        return None
    return parse_points(cell.value)


def cell_number(cell: Optional[CellValue]) -> Optional[float]:
    if cell is None or cell.blank or cell.error:
        return None
    return parse_number(cell.value, percent_format=cell.percent_format)


def cell_money(cell: Optional[CellValue], unit: str) -> Optional[float]:
    if cell is None or cell.blank or cell.error:
        return None
    return parse_money(cell.value, unit)


def cell_quantity(cell: Optional[CellValue], unit_hint: Optional[str] = None,
                  year: Optional[int] = None) -> Quantity:
    if cell is None or cell.error:
        return Quantity(raw=cell.error if cell is not None and cell.error else "")
    return parse_quantity(cell.value, percent_format=cell.percent_format, unit_hint=unit_hint,
                          year=year)


def beyond(entered: float, computed: float, tolerance: float) -> bool:
    """Whether an entered figure is further than the tolerance from the computed one, the
    tolerance inclusive and the difference settled first: 2.16 − 2.15 is 0.010000000000000231 as a
    float, which is the 0.01 it stands for, within a tolerance of 0.01."""
    tol = float(tolerance)
    if float(entered) == float(computed):
        return 0.0 > tol  # the settled difference is 0, which the tests below would compare so
    diff = float(f"{abs(float(entered) - float(computed)):.{NOISE_PLACES}f}")  # settled, as a float
    # Rounding to the nearest float keeps order: a settled difference above (below) the
    # tolerance as floats is above (below) it as decimals too. Only a tie needs the decimals.
    if diff != tol:
        return diff > tol
    return settled_decimal(abs(float(entered) - float(computed))) > Decimal(str(tolerance))
