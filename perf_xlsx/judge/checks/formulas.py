"""The cause of a wrong total formula: a part typed as text, or a part outside the SUM range.

A 合计 cell computed by a formula (=SUM(E8:E10), =E8+E9+E10) is wrong or blank for two common
reasons, neither of them in the formula cell: a part was typed as text ('200 ', '２００',
'200万元'), which SUM leaves out and + turns into #VALUE!; or a row was inserted outside the
range the SUM adds up. The findings name the part's cell and say what to change there; the
formula cell is named second, in the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

from perf_xlsx.a1 import col_index, parse_ref, ref
from perf_xlsx.judge.checks.base import E, finding
from perf_xlsx.judge.numbers import fmt
from perf_xlsx.model import CellValue, Finding

# One reference of a formula, with its sheet prefix if any: B7, $B$7, B7:B9, 'Sheet 1'!B7, E:E.
_REF = re.compile(
    r"(?<![A-Za-z0-9_.$])((?:'(?:[^']|'')+'|[A-Za-z0-9_.\u3400-\u9fff]+)!)?"
    r"(?:\$?([A-Z]{1,3})\$?([0-9]+)(?::\$?([A-Z]{1,3})\$?([0-9]+))?|\$?([A-Z]{1,3}):\$?([A-Z]{1,3}))"
    r"(?![A-Za-z0-9_(])")
_LAST_ROW = 1048576

Range = tuple[int, int, int, int]  # r1, c1, r2, c2


@dataclass(frozen=True)
class Miss:
    """A part the formula does not add: typed as text ("text") or outside its ranges ("outside")."""

    cell: CellValue
    amount: float
    why: str


def formula_ranges(formula: str) -> Optional[list[tuple[Range, int, int]]]:
    """The ranges a formula refers to on its own sheet, each with where it is written in the
    formula (start, end); None when it refers to another sheet or to nothing (its coverage is
    then unknown)."""
    out: list[tuple[Range, int, int]] = []
    pieces = formula.split('"')
    offset = 0
    for i, piece in enumerate(pieces):
        if i % 2 == 0:  # outside string literals
            for m in _REF.finditer(piece):
                if m.group(1):
                    return None
                if m.group(2):
                    r1, c1 = int(m.group(3)), col_index(m.group(2))
                    r2, c2 = (int(m.group(5)), col_index(m.group(4))) if m.group(4) else (r1, c1)
                else:
                    r1, r2 = 1, _LAST_ROW
                    c1, c2 = col_index(m.group(6)), col_index(m.group(7))
                rng = (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
                out.append((rng, offset + m.start(), offset + m.end()))
        offset += len(piece) + 1
    return out or None


def _inside(ranges: Sequence[tuple[Range, int, int]], row: int, col: int) -> bool:
    return any(r1 <= row <= r2 and c1 <= col <= c2 for (r1, c1, r2, c2), _, _ in ranges)


def formula_misses(total: CellValue, parts: Sequence[CellValue],
                   amount: Callable[[CellValue], Optional[float]]) -> list[Miss]:
    """The parts with an amount that the total's formula leaves out: text in its ranges (SUM
    skips text; + gives #VALUE!), and parts outside every range."""
    if not total.formula or not total.formula_text:
        return []
    ranges = formula_ranges(total.formula_text)
    if ranges is None:
        return []
    out = []
    for part in parts:
        if part.formula or part.error:
            continue
        value = amount(part)
        if value is None or value == 0:
            continue
        row, col = parse_ref(part.ref)
        if not _inside(ranges, row, col):
            out.append(Miss(part, value, "outside"))
        elif isinstance(part.value, str):
            out.append(Miss(part, value, "text"))
    return out


def explained(misses: Sequence[Miss], entered: Optional[float], summed: float, tolerance: float) -> bool:
    """Whether the parts left out account for the total as it stands: blank or an error value
    (a + formula over text), or short by exactly what they hold."""
    if not misses:
        return False
    if entered is None:
        return True
    return abs(entered + sum(m.amount for m in misses) - summed) <= tolerance + 1e-9


def fixed_formula(formula: str, row: int, col: int) -> str:
    """``formula`` with the range nearest to (row, col) in its column stretched to take it in, or
    the cell added to the SUM (or the sum) when no range of that column is there."""
    ranges = formula_ranges(formula) or []
    best: Optional[tuple[int, Range, int, int]] = None
    for rng, start, end in ranges:
        r1, c1, r2, c2 = rng
        if c1 <= col <= c2 and r2 - r1 < _LAST_ROW - 1:
            gap = r1 - row if row < r1 else row - r2
            if best is None or gap < best[0]:
                best = (gap, rng, start, end)
    cell = ref(row, col)
    if best is not None:
        _, (r1, c1, r2, c2), start, end = best
        new = f"{ref(min(r1, row), c1)}:{ref(max(r2, row), c2)}"
        return formula[:start] + new + formula[end:]
    if formula.upper().startswith("SUM(") and formula.endswith(")"):
        return f"{formula[:-1]},{cell})"
    return f"{formula}+{cell}"


def cause_findings(misses: Sequence[Miss], total: CellValue, sheet: str, what: str,
                   labels: Mapping[str, str], entered: Optional[float]) -> list[Finding]:
    """One finding per part left out, at the part's cell: what is wrong there and what to change;
    ``what`` names the total ("年度资金总额（全年预算数）", "总分"), ``labels`` each part (by A1)."""
    out = []
    formula = total.formula_text
    if entered is None:
        effect = f"{what}（{total.ref}）因此" + ("为错误值 " + total.error if total.error else "为空")
    else:
        effect = f"{what}（{total.ref}）因此为 {fmt(entered)}，少计 {fmt(sum(m.amount for m in misses))}"
    for m in misses:
        label = f"{labels.get(m.cell.ref, '')} {m.cell.ref}".strip()
        if m.why == "text":
            f = finding(E, "formula.part_is_text",
                             f"{label}「{m.cell.value}」写成了文本，不是数值：合计公式 ={formula}（{total.ref}）"
                             f"不计入文本，{effect}；请把 {m.cell.ref} 改为数字 {fmt(m.amount)}",
                             sheet, m.cell.ref, m.amount, m.cell.value)
        else:
            row, col = parse_ref(m.cell.ref)
            f = finding(E, "formula.part_outside_range",
                             f"{label} {fmt(m.amount)} 不在合计公式 ={formula}（{total.ref}）的求和范围内"
                             f"（范围外插入的行），{effect}；请把 {total.ref} 的公式改为 ={fixed_formula(formula, row, col)}",
                             sheet, m.cell.ref, m.amount, None)
        out.append(f)
    return out


def follows(cell: Optional[CellValue], broken: set[str], formulas: Mapping[str, CellValue], depth: int = 0) -> bool:
    """Whether a formula cell is computed, directly or through other formula cells of
    ``formulas`` (by A1), from one of the ``broken`` totals: its figure is wrong for the reason
    already reported at the part, and is right again once that part is."""
    if cell is None or not cell.formula or not cell.formula_text or not broken or depth > 6:
        return False
    ranges = formula_ranges(cell.formula_text) or []
    if any(_inside(ranges, *parse_ref(a1)) for a1 in broken):
        return True
    return any(other is not cell and _inside(ranges, *parse_ref(a1)) and follows(other, broken, formulas, depth + 1)
               for a1, other in formulas.items())
