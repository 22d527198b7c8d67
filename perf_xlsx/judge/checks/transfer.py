"""Checks of what transfer tables (and county tables giving money by source level) carry beyond a
project table: the 资金管理情况 block, the funds-by-source block (结余 = 到位 − 支出, 合计 = Σ levels)
and money issued but not arrived (issue 12 §2, §3)."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from perf_xlsx.judge.checks.base import E, W, column_name, finding
from perf_xlsx.judge.numbers import cell_money, fmt, money_tolerance, round2
from perf_xlsx.model import CellValue, Finding, ManagementRow, ProjectScore
from perf_xlsx.rules import Profile
from perf_xlsx.values import normalize_label

# A cell that answers "no problem": 无, 暂无, 无问题, 不存在问题, 未发现问题, 没有问题, a dash.
_NO_PROBLEM_RE = re.compile(r"^(?:无|暂无|没有|均无|未发现|不存在|无明显|未发现明显)(?:任何|明显)?(?:问题|违规|违纪|情况)?[。.]?$"
                            r"|不存在(?:任何|明显)?问题|未发现(?:任何|明显)?问题|无(?:任何|明显)?问题|没有(?:任何|明显)?问题"
                            r"|^[/—\-－]+$")
# Words saying a problem exists, and words that deny it within the same clause (不存在…问题,
# 未发现挤占挪用, 无滞留, 杜绝截留).
_PROBLEM_WORDS = ("问题", "滞留", "挤占", "挪用", "截留", "违规", "不及时", "未到位", "不规范", "不到位", "偏低", "滞后")
_DENIALS = ("不存在", "未存在", "未发现", "没有", "未出现", "无", "杜绝", "严禁", "防止", "避免")
_CLAUSES = re.compile(r"[，,。；;、]")


def says_no_problem(text: str) -> bool:
    t = normalize_label(text)
    return bool(t) and bool(_NO_PROBLEM_RE.search(t))


def says_problem(text: str, column: bool) -> bool:
    """Whether ``text`` names a problem: in a 存在问题 column (``column``) any answer other than
    "no problem"; in a 情况说明, a clause naming a failing (存在…问题, 滞留, 挤占挪用, 下达不及时 …)
    that no 不存在 / 未发现 / 无 … denies."""
    t = normalize_label(text)
    if not t:
        return False
    if column:
        return not says_no_problem(t)
    for clause in _CLAUSES.split(t):
        if any(w in clause for w in _PROBLEM_WORDS) and not any(d in clause for d in _DENIALS):
            return True
    return False


def _problem(row: ManagementRow) -> Optional[tuple[str, str]]:
    """(the text naming a problem, its cell) of a row, else None."""
    if row.problems and says_problem(row.problems, True):
        return row.problems, row.problems_cell
    if row.status and says_problem(row.status, False):
        return row.status, row.status_cell
    return None


def management(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """A 资金管理情况 row naming a problem while the block's summary (总体情况 / 综合评价), or the
    row's own 情况说明, says there is none."""
    p = ps.project
    rows = p.management
    if not rows:
        return
    summaries = [r for r in rows if r.summary and (says_no_problem(r.status) or says_no_problem(r.problems))]
    for r in rows:
        if r.summary:
            continue
        found = _problem(r)
        if found is None:
            continue
        text, cell = found
        if r.status and cell != r.status_cell and says_no_problem(r.status):
            yield finding(W, "funds.management_contradiction",
                          f"资金管理情况「{r.item}」的情况说明写「{r.status}」，存在问题栏却写「{text}」，前后矛盾，请核实",
                          p.sheet, cell, None, text)
        elif summaries:
            s = summaries[0]
            said = s.status if says_no_problem(s.status) else s.problems
            yield finding(W, "funds.management_contradiction",
                          f"资金管理情况「{r.item}」写明存在问题（「{text}」），而「{s.item}」写「{said}」，前后矛盾，请核实",
                          p.sheet, cell, None, text)


# --- funds by source level -------------------------------------------------------------------

_SOURCE_COLUMNS = (("planned", "计划数"), ("arrived", "到位数"), ("spent", "支出数"), ("balance", "结余"))


def sources(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """结余 = 到位 − 支出 on each row of a funds-by-source block, and its 合计 = Σ levels (for the
    计划 / 到位 / 支出 columns only when the block is not also the table's funds, which
    funds.total_mismatch checks)."""
    p = ps.project
    if not p.sources:
        return
    unit = p.money_unit
    tol = money_tolerance(profile, unit)
    for s in p.sources:
        arrived, spent, balance = (cell_money(s.arrived, unit), cell_money(s.spent, unit), cell_money(s.balance, unit))
        if arrived is None or spent is None or balance is None or s.balance is None:
            continue
        expected = round2(arrived - spent)
        if abs(balance - expected) > tol:
            yield finding(E, "funds.balance_mismatch",
                          f"{s.label}：结余 {fmt(balance)} ≠ 到位 {fmt(arrived)} − 支出 {fmt(spent)} = {fmt(expected)}",
                          p.sheet, s.balance.ref, expected, balance)
    total = next((s for s in p.sources if s.level == "total"), None)
    levels = [s for s in p.sources if s.level != "total"]
    if total is None or not levels:
        return
    columns = _SOURCE_COLUMNS if p.funds_header_row else _SOURCE_COLUMNS[3:]
    for key, name in columns:
        cell: Optional[CellValue] = getattr(total, key)
        entered = cell_money(cell, unit)
        parts = [v for v in (cell_money(getattr(s, key), unit) for s in levels) if v is not None]
        if cell is None or entered is None or not parts:
            continue
        summed = round2(sum(parts))
        if abs(entered - summed) > tol:
            yield finding(E, "funds.sources_total_mismatch",
                          f"资金来源{total.label}（{name}）{fmt(entered)} ≠ 各级之和 {fmt(summed)}",
                          p.sheet, cell.ref, summed, entered)


_LOCAL_LEVELS = ("省级", "市级", "县级", "省", "市", "县", "区级", "州级")


def local_parts(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """地方资金 = the 省级 / 市级 / 县级 rows listed under it (read as its details), column by column."""
    p = ps.project
    rows = list(p.funds)
    at = next((i for i, r in enumerate(rows) if r.kind == "component" and "地方" in r.label), None)
    if at is None:
        return
    local = rows[at]
    details = []
    for r in rows[at + 1:]:
        if r.kind != "detail" or not r.label.replace("其中", "").lstrip(":： ").startswith(_LOCAL_LEVELS):
            break
        details.append(r)
    if not details:
        return
    tol = money_tolerance(profile, p.money_unit)
    for col in ("initial", "full_year", "executed"):
        cell: Optional[CellValue] = getattr(local, col)
        entered = cell_money(cell, p.money_unit)
        parts = [v for v in (cell_money(getattr(r, col), p.money_unit) for r in details) if v is not None]
        if cell is None or entered is None or not parts:
            continue
        summed = round2(sum(parts))
        if abs(entered - summed) > tol:
            names = "、".join(r.label.replace("其中", "").lstrip(":： ") for r in details)
            yield finding(E, "funds.local_mismatch",
                          f"{local.label}（{column_name(p, col)}）{fmt(entered)} ≠ 其下{names}之和 {fmt(summed)}",
                          p.sheet, cell.ref, summed, entered)


def not_arrived(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """Money issued (下达) but not arrived (到位) on an allocation-basis table."""
    p = ps.project
    if p.funds_basis != "allocation":
        return
    total = next((r for r in p.funds if r.kind == "total"), None)
    if total is None:
        return
    issued, arrived = cell_money(total.initial, p.money_unit), ps.funds.budget
    if issued is None or arrived is None:
        return
    gap = round2(issued - arrived)
    if gap > money_tolerance(profile, p.money_unit):
        where = total.full_year.ref if total.full_year is not None else total.label_cell
        yield finding(W, "funds.not_arrived",
                      f"资金下达 {fmt(issued)} 万元，到位 {fmt(arrived)} 万元，尚有 {fmt(gap)} 万元未到位（执行率按到位数计算）",
                      p.sheet, where, issued, arrived)

