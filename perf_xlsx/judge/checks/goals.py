"""Goal-quality warnings: placeholders, unquantified targets, missing 产出/效益/满意度 indicators."""

from __future__ import annotations

import re
from typing import Iterator

from perf_xlsx.judge.checks.base import INFO, E, W, finding
from perf_xlsx.judge.checks.weights import department_role, rubric_table
from perf_xlsx.model import Finding, Kind, ProjectScore
from perf_xlsx.rules import Profile

PLACEHOLDER_RE = re.compile(r"\*\*|……|^指标\d+[:：]?$|^\(?≥?\*")


def _placeholder_name(name: str) -> bool:
    """PLACEHOLDER_RE.search(name), searched only in a name that could match: every match
    holds a "*" or "……" or starts with 指标, and most names have none of these."""
    return ("*" in name or "……" in name or name.startswith("指标")) and PLACEHOLDER_RE.search(name) is not None


def goal_quality(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    if rubric_table(ps):
        return  # a scoring table's rows are rules, not targets: there is no goal to judge
    rows = [r for r in ps.indicators if r.applicable]
    if not rows:
        yield finding(E, "project.no_indicators", "未填写任何绩效指标", p.sheet, p.name_cell)
        return
    vague = []
    for r in rows:
        ind = r.indicator
        if r.target.placeholder or (ind.name and _placeholder_name(ind.name)):
            yield finding(W, "goal.placeholder", f"指标「{ind.name}」仍是模板占位文字，未按实际填写",
                          p.sheet, ind.name_cell if ind.name and _placeholder_name(ind.name) else ind.target.ref)
        if r.target.raw and r.kind is Kind.QUAL and not r.target.not_applicable:
            vague.append(r)
            # The template allows qualitative rows (§2.3, §2.7): one alone is a note pointing at
            # the cell; the warning is the project-level one below (real-world #7, goals.vague_share).
            yield finding(INFO, "goal.not_quantified", f"指标「{ind.name}」的指标值「{r.target.raw}」未量化，无法客观考核",
                          p.sheet, ind.target.ref, None, r.target.raw)
        if r.actual.op is not None and r.actual.value is not None:
            yield finding(W, "goal.actual_copied",
                          f"指标「{ind.name}」实际完成值「{r.actual.raw}」带比较符号，像是照抄指标值，应填写实际完成的数值",
                          p.sheet, ind.actual.ref, None, r.actual.raw)
        if "数量" in ind.level2 and r.target.family == "percent" and r.target.value == 100:
            yield finding(W, "goal.single_percent",
                          f"数量指标「{ind.name}」以「{r.target.raw}」表示，应写明具体数量", p.sheet, ind.target.ref)
    share = profile.goals.vague_share
    if rows and len(vague) / len(rows) > share:
        yield finding(W, "goal.not_quantified",
                      f"绩效目标不够细化、量化：{len(rows)} 项指标中 {len(vague)} 项指标值无法量化", p.sheet,
                      p.name_cell, None, len(vague))
    level1 = {r.indicator.level1 for r in rows}
    if p.kind.judges_rubrics:
        # 部门整体 一级 names stand for the project table's (履职效能 for 产出, 社会效应 for 效益 …).
        level1 |= {role for role in (department_role(n, profile) for n in level1) if role}
    for name, code in (("产出指标", "goal.no_output"), ("效益指标", "goal.no_benefit")):
        if name not in level1:
            yield finding(W, code, f"没有{name}", p.sheet, p.name_cell)
    if profile.goals.require_satisfaction and "满意度指标" not in level1:
        yield finding(W, "goal.no_satisfaction", "没有满意度指标", p.sheet, p.name_cell)
    if not p.goal_expected:
        yield finding(W, "goal.expected_missing", "年度总体目标（预期目标）未填写", p.sheet, p.goal_cells[0] or p.name_cell)
    if not p.goal_actual:
        yield finding(W, "goal.actual_missing", "年度总体目标（实际完成情况）未填写", p.sheet, p.goal_cells[1] or p.name_cell)
