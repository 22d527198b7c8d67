"""Checks of the 分值 structure (W1–W5) and of the 小计 rows of the indicator table (F9)."""

from __future__ import annotations

from typing import Iterator, Optional

from perf_xlsx.judge.checks.base import E, W, finding
from perf_xlsx.judge.checks.formulas import cause_findings, explained, formula_misses
from perf_xlsx.judge.numbers import cell_points, fmt, round2
from perf_xlsx.model import Finding, ProjectScore
from perf_xlsx.rules import Profile
from perf_xlsx.values import normalize_label

LEVEL2_VOCAB = {
    "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标", "生态效益指标",
    "可持续影响指标", "服务对象满意度指标", "满意度指标", "经济成本指标", "社会成本指标",
    "生态环境成本指标",
}


def subtotals(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    """F9: a 小计 row of the indicator table equals the sum of the rows it closes."""
    p = ps.project
    tol = profile.tolerance.score
    by_row = {ind.row: ind for ind in p.indicators}
    for sub in p.subtotals:
        rows = [by_row[r] for r in sub.rows if r in by_row]
        for name, cell, parts in (("分值", sub.weight, [cell_points(i.weight) for i in rows]),
                                  ("得分", sub.score, [cell_points(i.score) for i in rows])):
            if cell is None or cell.blank or cell.error or (cell.formula and not cell.cached):
                continue
            entered = cell_points(cell)
            filled = [v for v in parts if v is not None]
            if not filled:
                continue
            summed = round2(sum(filled))
            if cell.formula and (entered is None or abs(entered - summed) > tol):
                cells = [c for c in ((i.weight if name == "分值" else i.score) for i in rows) if c is not None]
                misses = formula_misses(cell, cells, cell_points)
                if explained(misses, entered, summed, tol):
                    labels = {c.ref: f"指标「{i.name}」{name}" for i in rows
                              for c in ((i.weight if name == "分值" else i.score),) if c is not None}
                    yield from cause_findings(misses, cell, p.sheet, f"{sub.label}（{name}）", labels, entered)
                    continue
            if entered is None:
                yield finding(E, "indicator.subtotal_mismatch", f"{sub.label}（{name}）「{cell.text}」不是数字，"
                              f"所含 {len(filled)} 项指标{name}之和为 {fmt(summed)}", p.sheet, cell.ref, summed, cell.text)
            elif abs(entered - summed) > tol:
                yield finding(E, "indicator.subtotal_mismatch",
                              f"{sub.label}（{name}）{fmt(entered)} ≠ 所含 {len(filled)} 项指标{name}之和 {fmt(summed)}"
                              f"（第 {'、'.join(str(i.row) for i in rows)} 行）", p.sheet, cell.ref, summed, entered)


def rubric_table(ps: ProjectScore) -> bool:
    """Whether the table's rows are judged by words (评分标准, or nothing the tool can read) rather
    than by target and actual: a 部门整体 scoring table."""
    p = ps.project
    return p.kind.judges_rubrics and (p.has_rule_column or not p.has_value_columns)


def weight_sums(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    if not ps.indicators:
        return  # project.no_indicators says it; a weight sum of the funds row alone means nothing
    # A table left partly to a person has no graded total: its 分值 are checked against its own
    # 合计 row only, not against the 100 points of a graded table.
    ungraded = p.kind.judges_rubrics and ps.raw is None
    rubric = rubric_table(ps)
    rows = [r for r in ps.indicators if r.applicable or r.weight == 0]
    weights = [r.weight for r in ps.indicators if r.weight is not None]
    if rubric and not weights:
        return  # a rubric table with 得分 but no 分值: nothing to add up, and nothing is scored
    if ps.indicators and not weights:
        if not p.kind.weights_required and not p.has_weight_column:
            return  # a 转移支付 goal sheet without a 分值 column is not scored (read.transfer_table says so)
        yield finding(E, "weights.missing",
                      "各指标均未填写分值，无法按规则评分" + ("" if p.has_weight_column else "（表中没有“分值”栏）"),
                      p.sheet, p.name_cell)
        return
    for r in rows:
        if r.weight is None and r.applicable and not rubric:
            ind = r.indicator
            yield finding(E, "indicator.weight_missing", f"指标「{ind.name}」未填写分值，未计分", p.sheet,
                          ind.weight.ref if ind.weight is not None else ind.name_cell)
    for r in ps.indicators:
        if r.weight is not None and r.weight < 0:
            ind = r.indicator
            yield finding(E, "indicator.weight_negative", f"指标「{ind.name}」分值 {fmt(r.weight)} 为负数，分值合计随之失真",
                          p.sheet, ind.weight.ref if ind.weight is not None else ind.name_cell, None, r.weight)
    # The sheet's own sum: the funds row's 分值 is in it even when a zero budget takes the row out
    # of the score (zero_budget = "exclude_and_rescale"); that is the tool's scoring, which
    # _rescaled reports, not a sum the unit got wrong.
    funds_w = ps.funds.weight or 0.0
    total_w = round2(funds_w + sum(w for w in weights))
    declared = cell_points(p.total_weight)
    cell = p.total_weight.ref if p.total_weight is not None else (p.total_label_cell or p.name_cell)
    expected_total = float(profile.weights.total)
    causes = _total_weight_causes(ps, declared, total_w) if declared is not None \
        and abs(declared - total_w) > 1e-9 else []
    if causes:
        yield from causes  # the 分值 to change, not the formula that shows it
    elif declared is not None and abs(declared - total_w) > 1e-9:
        yield finding(E, "weights.sum_mismatch",
                      f"分值合计：预算执行率 {fmt(funds_w)} + 各指标 {fmt(total_w - funds_w)} = {fmt(total_w)}，"
                      f"与总分行分值 {fmt(declared)} 不符", p.sheet, cell, total_w, declared)
    elif abs(total_w - expected_total) > 1e-9 and not ungraded:
        rescale = profile.not_applicable.rescale_to_100
        over = total_w > expected_total
        yield finding(W if rescale and not over else E, "weights.sum_mismatch",
                      f"分值合计 {fmt(total_w)}，不为 {fmt(expected_total)}"
                      + ("，超过满分，总分不定等级" if over else "，总分已按百分制折算" if rescale else ""),
                      p.sheet, cell, expected_total, total_w)
    elif not ungraded:
        yield from _rescaled(ps, profile, expected_total, cell)


def _total_weight_causes(ps: ProjectScore, declared: Optional[float], summed: float) -> list[Finding]:
    """A 分值合计 formula short because a 分值 is typed as text or outside its SUM range."""
    p = ps.project
    cell = p.total_weight
    if cell is None or not cell.formula:
        return []
    funds = next((r for r in p.funds if r.kind == "total"), None)
    labels: dict[str, str] = {}
    parts = []
    if funds is not None and funds.weight is not None:
        labels[funds.weight.ref] = "预算执行率分值"
        parts.append(funds.weight)
    for r in ps.indicators:
        if r.indicator.weight is not None:
            labels[r.indicator.weight.ref] = f"指标「{r.indicator.name}」分值"
            parts.append(r.indicator.weight)
    misses = formula_misses(cell, parts, cell_points)
    if not explained(misses, declared, summed, 0.0):
        return []
    return cause_findings(misses, cell, p.sheet, "分值合计", labels, declared)


def _rescaled(ps: ProjectScore, profile: Profile, expected_total: float, cell: Optional[str]) -> Iterator[Finding]:
    """§2.9: the sheet's 分值 add up, but rows left out of the score (不适用 indicators, a funds row
    with a zero budget) leave fewer applicable points, so the total is rescaled (or, without
    rescaling, falls short). The same warning as a sum that is not 100: 分值合计不为100."""
    p = ps.project
    if ps.raw is None or ps.score is None or abs(ps.total_weight - expected_total) <= 1e-9:
        return
    if any(r.weight is None for r in ps.indicators if r.applicable):
        return  # no scale without every weight (scoring does not rescale); indicator.weight_missing says why
    left_out = [r.weight for r in ps.indicators if not r.applicable and r.weight]
    parts = []
    if ps.funds.excluded and ps.funds.weight:
        parts.append(f"预算执行率 {fmt(ps.funds.weight)} 分（全年预算数为 0）")
    if left_out:
        parts.append(f"{len(left_out)} 项不适用指标共 {fmt(sum(left_out))} 分")
    if not parts:
        return
    if profile.not_applicable.rescale_to_100 and ps.total_weight > 0:
        result = f"总分 {fmt(ps.raw)} 已按百分制折算为 {fmt(round2(ps.raw * 100 / ps.total_weight))}"
    else:
        result = f"总分按原始合计 {fmt(ps.raw)} 计，未折算"
    yield finding(W, "weights.sum_mismatch",
                  f"分值合计不为 {fmt(expected_total)}：{'、'.join(parts)}不计分，适用分值合计 {fmt(ps.total_weight)}，{result}",
                  p.sheet, cell, expected_total, ps.total_weight)


def _group_sums(ps: ProjectScore) -> dict[str, float]:
    sums: dict[str, float] = {}
    for r in ps.indicators:
        if r.weight is not None:
            key = r.indicator.level1
            sums[key] = round2(sums.get(key, 0.0) + r.weight)
    return sums


def group_weights(ps: ProjectScore, profile: Profile) -> Iterator[Finding]:
    p = ps.project
    sums = _group_sums(ps)
    for g in p.groups:
        if g.declared_weight is not None and g.name in sums and abs(sums[g.name] - g.declared_weight) > 1e-9:
            yield finding(E, "weights.group_mismatch",
                          f"{g.name}各指标分值合计 {fmt(sums[g.name])} ≠ 标注的 {fmt(g.declared_weight)} 分",
                          p.sheet, g.cell, g.declared_weight, sums[g.name])
    own = [g for g in p.groups if department_role(g.name, profile) is not None] if p.kind.judges_rubrics else []
    enforce = profile.weights.enforce
    # The 产出/效益/满意度 split is the project table's (§2.1): a 部门整体 table on its own
    # framework (履职效能, 管理效率 …; 投入, 过程 …) has its own split.
    if enforce != "off" and sums and not own:
        cells = {g.name: g.cell for g in p.groups}
        for key, expected in profile.weights.expected.items():
            names = key.split("+")
            got = round2(sum(sums.get(n, 0.0) for n in names))
            if abs(got - expected) > 1e-9 and any(n in sums for n in names):
                label = "与".join(names)
                yield finding(E if enforce == "error" else W, "weights.profile_mismatch",
                              f"{label}分值合计 {fmt(got)}，规则（{profile.title}）为 {fmt(expected)} 分"
                              + ("（特殊情况可调整，请确认）" if enforce != "error" else ""),
                              p.sheet, next((cells[n] for n in names if n in cells), p.name_cell), expected, got)
    vocab = LEVEL2_VOCAB  # not copied unless a 部门整体 table adds the profile's names
    extra = ""
    if p.kind.judges_rubrics:
        vocab = LEVEL2_VOCAB | {_stem(n) for n in profile.department.level2}
        extra = "，及规则所列部门整体指标名称"
    unknown: dict[str, str] = {}
    for r in ps.indicators:
        name = normalize_label(r.indicator.level2).rstrip("等")
        if not name:
            continue
        if name not in vocab and name + "指标" not in vocab and _stem(name) not in vocab:
            unknown.setdefault(r.indicator.level2, r.indicator.level2_cell)
    for name, cell in unknown.items():
        yield finding(W, "weights.level2_unknown",
                      f"二级指标「{name}」不在标准名称中（数量/质量/时效/成本、经济/社会/生态/可持续影响、满意度{extra}）",
                      p.sheet, cell, None, name)


def _stem(name: str) -> str:
    """A 一级 / 二级 name without its trailing 指标 (履职效能指标 is 履职效能)."""
    name = normalize_label(name)
    return name[:-2] if name.endswith("指标") and len(name) > 2 else name


def department_role(level1: str, profile: Profile) -> Optional[str]:
    """The project 一级 a 部门整体 一级 stands for ("产出指标", …, "" for none), or None when the
    name is not one of the profile's department 一级 names."""
    stem = _stem(level1)
    for name, role in profile.department.level1.items():
        if _stem(name) == stem:
            return role
    return None
