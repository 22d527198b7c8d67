"""The 项目清单 (unit sheet): a unit's list of its projects with their money, and the unit it is in."""

from __future__ import annotations

import re
from typing import Optional

from perf_xlsx.a1 import ref
from perf_xlsx.model import UnitEntry, UnitSheet
from perf_xlsx.read.labels import (
    FUNDS_COLUMNS,
    NOTE_PREFIXES,
    SheetContext,
    find_labels,
    row_map,
    value_right_of,
)
from perf_xlsx.read.project import title_and_year
from perf_xlsx.values import clean_text, normalize_label

UNIT_SHEET_LABELS = ("年度", "单位名称", "预算单位", "填报单位", "编制单位", "填报日期", "单位")

# --- unit sheet ------------------------------------------------------------------------


def read_unit_sheet(ctx: SheetContext) -> Optional[UnitSheet]:
    sheet = ctx.sheet
    for r in ctx.label_rows(range(1, min(sheet.max_row, 40) + 1)):
        cols = row_map(ctx, r, FUNDS_COLUMNS)
        if sum(k in cols for k in ("initial", "full_year", "executed")) < 2:
            continue
        name_col = next((c for c in range(1, sheet.max_col + 1)
                         if ctx.norm(r, c).startswith(("项目名称", "项目"))), None)
        if name_col is None:
            continue
        return _unit_rows(ctx, r, name_col, cols)
    return None


def _unit_rows(ctx: SheetContext, header: int, name_col: int, cols: dict[str, int]) -> UnitSheet:
    sheet = ctx.sheet
    entries: list[UnitEntry] = []
    total = None
    for r in range(header + 1, sheet.max_row + 1):
        name = ctx.text(r, name_col)
        n = normalize_label(name)
        if not n:
            # 合计 is often written in the 序号 column, merged with the name column.
            n = next((ctx.norm(r, c) for c in range(1, name_col) if ctx.norm(r, c)), "")
            name = n
        money = {k: ctx.cell(r, c) for k, c in cols.items() if k in ("initial", "full_year", "executed")}
        name_cell = ctx.cell(r, name_col)
        uncalculated = any(v is not None and v.formula and not v.cached for v in (*money.values(), name_cell))
        if not n and not uncalculated and all(v is None or v.blank for v in money.values()):
            if entries:
                break
            continue
        entry = UnitEntry(name=clean_text(name), name_cell=ref(r, name_col), row=r, **money)
        if n.startswith(("合计", "总计")):
            total = entry
            break
        if n.startswith(NOTE_PREFIXES):
            break
        entries.append(entry)
    unit_name = ""
    year = None
    for r, c in find_labels(ctx, lambda t: t.startswith(("单位名称", "预算单位", "填报单位", "编制单位")),
                            range(1, header + 1)):
        unit_name, _ = value_right_of(ctx, r, c, UNIT_SHEET_LABELS)
        break
    year, _ = title_and_year(ctx, range(1, header + 1))
    if year is None:
        for r, c in find_labels(ctx, lambda t: t.startswith("年度"), range(1, header + 1)):
            m = re.search(r"(19|20)\d{2}", value_right_of(ctx, r, c, UNIT_SHEET_LABELS)[0])
            year = int(m.group(0)) if m else None
            break
    money_unit, column_units = _unit_sheet_money_units(ctx, header, cols)
    return UnitSheet(sheet=sheet.name, unit_name=unit_name, year=year, entries=tuple(entries), total=total,
                     money_unit=money_unit, column_units=column_units)


# 单位：元 / 金额单位：万元 in normalised text (colons and spaces gone). The unit must end the
# phrase: "预算单位：元宝山区财政局" normalises to "预算单位元宝山区…", which is a unit name, not 元.
_LIST_UNIT_RE = re.compile(r"单位\(?(亿元|千元|万元|元)(?=$|[);,，；。.、/])")
# A heading that carries its unit in brackets: 预算数（元）, 金额（万元）, 执行数（单位：元）.
_BRACKET_UNIT_RE = re.compile(r"\((?:金额|资金)?(?:单位)?(亿元|千元|万元|元)\)")


def _unit_sheet_money_units(ctx: SheetContext, header: int, cols: dict[str, int]
                            ) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The list's own money unit and the units named in its money column headers.

    The list is often filled from a different system than the project sheets (元 there, 万元
    here, or the other way round), so its amounts are read in the unit it states itself,
    never in a project sheet's.
    """
    money_cols = {k: c for k, c in cols.items() if k in ("initial", "full_year", "executed")}
    column_units: list[tuple[str, str]] = []
    for key, c in money_cols.items():
        m = _BRACKET_UNIT_RE.search(ctx.norm(header, c))
        if m:
            column_units.append((key, m.group(1)))
    sheet_unit = ""
    for r, c, t in ctx.labels_in(range(1, header + 1)):
        if r == header and c in money_cols.values():
            continue  # a column's own unit, taken above
        m = _LIST_UNIT_RE.search(t) or (_BRACKET_UNIT_RE.search(t) if r < header else None)
        if m:
            sheet_unit = m.group(1)
            break
    return sheet_unit, tuple(column_units)
