"""Checks of the 项目清单 (unit sheet) against its own total and against the project sheets."""

from __future__ import annotations

import re
from functools import partial
from typing import Iterable, Optional

from perf_xlsx.judge.checks.base import COLUMN_NAMES, E, W
from perf_xlsx.judge.checks.formulas import cause_findings, explained, formula_misses
from perf_xlsx.judge.numbers import cell_money, fmt, money_tolerance
from perf_xlsx.judge.scoring import MONEY_COLUMNS
from perf_xlsx.model import CellValue, Finding, ProjectScore, UnitEntry, UnitSheet
from perf_xlsx.rules import Profile
from perf_xlsx.values import normalize_label

# Numbering and budget codes written before a project's name in real lists and sheets:
# "219-池州市…", "2190101 农村…" (spaces are gone after normalize_label), "1.", "(一)", "一、".
# A "." followed by a digit is a decimal ("1.5万亩…"), not numbering.
_NAME_PREFIX_RE = re.compile(r"^(?:\([0-9一二三四五六七八九十]+\)|[0-9]+(?:[-—–_、/]|[.．](?![0-9]))"
                             r"|[一二三四五六七八九十]+[、.．]|[0-9]{6,}(?![0-9年]))+")
# Punctuation people type differently from one table to the next (brackets are already one style).
_NAME_PUNCT_RE = re.compile(r"[()\"'“”‘’《》〈〉<>「」『』·•・,，、.．\-—–_/]")


def _money(cell: CellValue, unit: str) -> Optional[float]:
    return cell_money(cell, unit)


def _loose_name(text: str) -> str:
    """A project name with its numbering, punctuation and a trailing 项目 dropped, for matching a
    list row to a sheet when the two spell the name slightly differently."""
    name = _NAME_PUNCT_RE.sub("", _NAME_PREFIX_RE.sub("", normalize_label(text)))
    if name.endswith("项目") and len(name) > 2:
        name = name[:-2]
    return name


def _contains(a: str, b: str) -> bool:
    # One character ("站") is contained in too many names to say anything.
    return min(len(a), len(b)) >= 2 and (a in b or b in a)


def _match_projects(entries: list[UnitEntry], scores: list[ProjectScore]) -> dict[int, ProjectScore]:
    """List row index -> its project sheet, one to one.

    Exact (normalised) names pair first, then names equal once numbering and punctuation are
    dropped, and only then a name contained in the other, and only when neither side has
    another candidate left: matching by containment first let 「农村道路建设」 claim the sheet
    「农村道路建设（二期）」 and left the real 农村道路建设 sheet unlisted. The project name is
    tried before the sheet name (sheet names are cut at 31 characters)."""
    exact = [normalize_label(e.name) for e in entries]
    loose = [_loose_name(e.name) for e in entries]
    # Per sheet: its project name and sheet name, exact and loose.
    sheet_exact = [(normalize_label(s.project.name), normalize_label(s.project.sheet)) for s in scores]
    sheet_loose = [(_loose_name(s.project.name), _loose_name(s.project.sheet)) for s in scores]
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for mine, theirs in ((exact, sheet_exact), (loose, sheet_loose)):
        for which in (0, 1):  # project name, then sheet name
            for i, key in enumerate(mine):
                if i in pairs or not key:
                    continue
                # Equal names are strong evidence: duplicates pair off in order.
                j = next((j for j, keys in enumerate(theirs) if j not in taken and keys[which] == key), None)
                if j is not None:
                    pairs[i] = j
                    taken.add(j)
    while True:
        cands = {i: [j for j, keys in enumerate(sheet_loose)
                     if j not in taken and any(k and _contains(key, k) for k in keys)]
                 for i, key in enumerate(loose) if i not in pairs and key}
        claimed: dict[int, int] = {}
        for js in cands.values():
            for j in js:
                claimed[j] = claimed.get(j, 0) + 1
        # Disjoint by construction (each sheet has one claimant), so all pair at once; each
        # pairing can make another row unambiguous, hence the loop.
        sure = {i: js[0] for i, js in cands.items() if len(js) == 1 and claimed[js[0]] == 1}
        if not sure:
            break
        pairs.update(sure)
        taken.update(sure.values())
    return {i: scores[j] for i, j in pairs.items()}


def check_unit(unit: UnitSheet, scores: Iterable[ProjectScore], profile: Profile) -> list[Finding]:
    out: list[Finding] = []
    scores = [s for s in scores if s.project.kind.listed_in_unit]
    # Each sheet's amounts are read in its own unit (the project sheets' are already in 万元).
    # A list that names no unit is taken to share the project sheets' unit when they agree, and
    # the standard table's 万元 otherwise.
    sheet_units = {s.project.money_unit for s in scores}
    default_unit = sheet_units.pop() if len(sheet_units) == 1 else "万元"
    units = {col: unit.unit_of(col, default_unit) for col in MONEY_COLUMNS}
    tols = {col: money_tolerance(profile, units[col]) for col in MONEY_COLUMNS}
    cells = [c for e in (*unit.entries, *([unit.total] if unit.total else []))
             for c in (e.initial, e.full_year, e.executed) if c is not None]
    stale = [c for c in cells if c.formula and not c.cached]
    if stale:
        out.append(Finding(W, "read.formula_not_cached",
                           f"项目清单有 {len(stale)} 个公式没有计算结果，相关金额未能核对；"
                           "请在 Excel/WPS 中打开并保存后再提交", unit.sheet, stale[0].ref, None, len(stale)))
    for col in MONEY_COLUMNS:
        values = [cell_money(getattr(e, col), units[col]) for e in unit.entries]
        filled = [v for v in values if v is not None]
        cell = getattr(unit.total, col) if unit.total else None
        if not filled or cell is None or (cell.formula and not cell.cached):
            continue
        summed = round(sum(filled), 6)
        total = cell_money(cell, units[col])
        parts = " + ".join(fmt(v) for v in filled)
        if total is None or abs(total - summed) > tols[col]:
            parts_cells = [c for c in (getattr(e, col) for e in unit.entries) if c is not None]
            misses = formula_misses(cell, parts_cells, partial(_money, unit=units[col]))
            if explained(misses, total, summed, tols[col]):
                # The project row to change, not the 合计 formula that shows it.
                labels = {c.ref: f"项目清单「{e.name}」（{COLUMN_NAMES[col]}）" for e in unit.entries
                          for c in (getattr(e, col),) if c is not None}
                out.extend(cause_findings(misses, cell, unit.sheet, f"项目清单合计（{COLUMN_NAMES[col]}）", labels,
                                          total))
                continue
            out.append(Finding(E, "unit.total_mismatch",
                               f"项目清单合计（{COLUMN_NAMES[col]}）{fmt(total) if total is not None else '空白'}"
                               f" ≠ 各项目之和 {parts} = {fmt(summed)}",
                               unit.sheet, cell.ref, summed, total))
    readable = [e for e in unit.entries if normalize_label(e.name)]
    found = _match_projects(readable, scores)
    matched: set[int] = set()
    for i, entry in enumerate(readable):
        ps = found.get(i)
        if ps is None:
            out.append(Finding(W, "unit.project_missing",
                               f"项目清单中的「{entry.name}」没有对应的项目自评表", unit.sheet, entry.name_cell))
            continue
        matched.add(id(ps))
        sheet_values = {"initial": ps.funds.initial, "full_year": ps.funds.budget, "executed": ps.funds.executed}
        for col in MONEY_COLUMNS:
            cell = getattr(entry, col)
            listed = cell_money(cell, units[col])
            on_sheet = sheet_values[col]
            if listed is None or on_sheet is None or cell is None:
                continue
            # The coarser of the two sheets' precisions: 万元 to two decimals against exact 元.
            tol = max(tols[col], money_tolerance(profile, ps.project.money_unit))
            if abs(listed - on_sheet) > tol:
                out.append(Finding(E, "unit.project_mismatch",
                                   f"项目清单「{entry.name}」{COLUMN_NAMES[col]} {fmt(listed)} ≠ 项目表「{ps.project.sheet}」的 "
                                   f"{fmt(on_sheet)}", unit.sheet, cell.ref, on_sheet, listed))
    # A list row whose name cannot be read (a 项目名称 formula never calculated) may be any
    # project: "not listed" cannot be claimed then (read.formula_not_cached says why).
    names_known = len(readable) == len(unit.entries)
    for ps in scores:
        if id(ps) not in matched and unit.entries and names_known:
            out.append(Finding(W, "unit.project_missing",
                               f"项目自评表「{ps.project.name}」未列入项目清单（{unit.sheet}）", ps.project.sheet,
                               ps.project.name_cell))
    return out
