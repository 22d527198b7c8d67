"""The one place that builds ``perf_xlsx.result/1`` dicts (interfaces.md §2): from a
WorkbookResult, for a workbook that yielded no result (its worker failed, died or hung), and as
results.jsonl encodes them.

Batch lines, ``perf-xlsx score --json`` and the Python API's frames all come from here, so the
keys, their order and the encoding cannot drift apart between them.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from perf_xlsx.judge.breakdowns import MONEY_COLUMNS, breakdowns
from perf_xlsx.judge.numbers import cell_money, fmt, fmt_value
from perf_xlsx.judge.scoring import indicator_share, target_met
from perf_xlsx.model import CellValue, Project, ProjectScore, Quantity, WorkbookResult
from perf_xlsx.values.numbers import is_numeric

SCHEMA = "perf_xlsx.result/1"


def _num(x: Optional[float]) -> Optional[float]:
    return None if x is None else float(x)


def _group(key: str) -> str:
    """A breakdown's key as the JSON says it: "parts" for a project table's 其中 rows."""
    return key or "parts"


def shown_text(cell: Optional[CellValue], q: Quantity) -> str:
    """A 年度指标值 or 实际完成值 as the unit typed and sees it: a number its cell formats as a
    percentage (85% typed, 0.85 stored) as "85%", any other cell as read (``Quantity.raw``,
    where the stored 0.85 would show as 0.85)."""
    if cell is not None and cell.percent_format and q.unit == "%" and q.value is not None \
            and is_numeric(cell.value):
        return fmt_value(q.value) + "%"
    return q.raw


def _money_cells(row: Any) -> dict[str, str]:
    return {k: getattr(row, k).ref for k in MONEY_COLUMNS if getattr(row, k) is not None}


def _funds_rows(p: Project) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """funds.rows, and funds.breakdowns: each breakdown of the 年度资金总额 (``key`` parts /
    income / expenditure, its name as written, the cell of that name, ``rows`` = the indices of
    its rows in funds.rows, and its sums in 万元)."""
    rows = []
    for row in p.funds:
        rows.append({
            "label": row.label, "kind": row.kind,
            "initial": cell_money(row.initial, p.money_unit),
            "full_year": cell_money(row.full_year, p.money_unit),
            "executed": cell_money(row.executed, p.money_unit),
            "cells": _money_cells(row),
            "group": None if row.kind == "total" else _group(row.group),
        })
    index = {id(row): i for i, row in enumerate(p.funds)}
    groups = []
    for b in breakdowns(p):
        groups.append({"key": _group(b.key), "name": b.name, "cell": b.cell or None,
                       "rows": [index[id(r)] for r in b.rows],
                       **{c: b.sum(c, p.money_unit) for c in MONEY_COLUMNS}})
    return rows, groups


def _tasks(p: Project) -> list[dict[str, Any]]:
    """tasks: the 年度主要任务 rows of a 部门整体 table (``kind`` task, or total for its 合计 row)."""
    return [{"row": t.row, "kind": "total" if t.total else "task", "name": t.name, "content": t.content,
             "budget": cell_money(t.budget, p.money_unit), "executed": cell_money(t.executed, p.money_unit),
             "cells": {"name": t.name_cell, **{k: c.ref for k, c in (("budget", t.budget), ("executed", t.executed))
                                               if c is not None}}}
            for t in p.tasks]


def _sources(p: Project) -> list[dict[str, Any]]:
    """funds.sources: a funds block by source level (中央 / 省级 / 市级 / 县级 / 其他 / 合计) with its
    计划 / 到位 / 支出 / 结余 in 万元."""
    keys = ("planned", "arrived", "spent", "balance")
    return [{"row": s.row, "label": s.label, "level": s.level,
             **{k: cell_money(getattr(s, k), p.money_unit) for k in keys},
             "cells": {"label": s.label_cell, **{k: getattr(s, k).ref for k in keys if getattr(s, k) is not None}}}
            for s in p.sources]


def _management(p: Project) -> list[dict[str, Any]]:
    """management: the 资金管理情况 rows of a transfer table, as text."""
    return [{"row": m.row, "item": m.item, "status": m.status, "problems": m.problems, "summary": m.summary,
             "cells": {k: v for k, v in (("item", m.item_cell), ("status", m.status_cell),
                                         ("problems", m.problems_cell)) if v}}
            for m in p.management]


def _project_dict(ps: ProjectScore) -> dict[str, Any]:
    p = ps.project
    f = ps.funds
    rows, groups = _funds_rows(p)
    share, basis = indicator_share(ps.indicators)
    indicators = []
    for r in ps.indicators:
        ind = r.indicator
        score, how = r.score, r.how
        if score is None and r.applicable and r.score_entered is not None and ps.raw is not None:
            # The tool could not score the row itself and counts the entered score (clamped to
            # 0–分值) in its total: that adopted figure is the row's score, so that total.raw is
            # the funds score plus the indicator scores, as the contract says.
            score = r.counted
            how = f"{how}；总分中按填报得分 {fmt(score)} 计"
        cells = {"target": ind.target.ref, "actual": ind.actual.ref}
        if ind.weight is not None:
            cells["weight"] = ind.weight.ref
        if ind.score is not None:
            cells["score"] = ind.score.ref
        if ind.reason is not None:
            cells["reason"] = ind.reason.ref
        indicators.append({
            "row": ind.row, "level1": ind.level1, "level2": ind.level2, "name": ind.name,
            "target": r.target.raw, "actual": r.actual.raw, "kind": r.kind._value_,
            "target_value": _num(r.target.value), "actual_value": _num(r.actual.value),
            # Beyond perf_xlsx.result/1: target/actual as the cell shows them (a percentage
            # cell's stored 0.85 as "85%"); "target"/"actual" stay the stored text.
            "target_text": shown_text(ind.target, r.target), "actual_text": shown_text(ind.actual, r.actual),
            "unit": r.target.unit or r.actual.unit,
            "weight": _num(r.weight), "score_entered": _num(r.score_entered), "score": _num(score),
            "applicable": r.applicable, "how": how, "cells": cells,
            # Beyond perf_xlsx.result/1: the §5.3 pattern a 评分标准 was evaluated by, "manual"
            # for a row left to a person, null for a row scored by target and actual.
            "rubric": r.rubric,
            # Beyond perf_xlsx.result/1: score ÷ 分值 (0–1; for a row without 分值, the share of
            # the target reached), and whether the target was met (null when not judged).
            "completion": _num(r.completion), "met": target_met(r),
        })
    return {
        "sheet": p.sheet, "name": p.name, "department": p.department, "implementer": p.implementer,
        "year": p.year, "kind": p.kind, "money_unit": p.money_unit,
        "funds": {
            "rows": rows, "budget": _num(f.budget), "executed": _num(f.executed), "rate": _num(f.rate),
            "weight": _num(f.weight), "score": _num(f.score), "score_entered": _num(f.score_entered),
            "score_cell": f.score_cell, "breakdowns": groups,
            # Beyond perf_xlsx.result/1: what the money columns are ("budget": 全年预算数 / 全年执行数;
            # "allocation": 下达数 as initial, 到位数 as full_year, 支出数 as executed, rate = 支出 ÷ 到位),
            # each column key's header as written, and a block by source level (计划/到位/支出/结余).
            "basis": p.funds_basis, "columns": dict(p.funds_headers), "sources": _sources(p),
        },
        "tasks": _tasks(p),
        # Beyond perf_xlsx.result/1: a transfer table's 资金管理情况 rows, as text.
        "management": _management(p),
        "indicators": indicators,
        # Beyond perf_xlsx.result/1: what the 一体化 red warning compares with the rate.
        "indicator_share": _num(share), "indicator_share_basis": basis or None,
        "total": {"weight": _num(ps.total_weight), "raw": _num(ps.raw), "score": _num(ps.score),
                  "score_entered": _num(ps.score_entered), "grade": ps.grade or None},
        # Beyond perf_xlsx.result/1: why the table has no graded total (rows a person must judge,
        # no 分值), null when it has one; what 汇总 shows in place of a grade.
        "ungraded": ps.ungraded or None,
    }


def result_to_dict(result: WorkbookResult, *, output: Optional[str] = None) -> dict[str, Any]:
    """The JSON result of one workbook. ``output``, the file name of its scored copy, is the
    batch's one key beyond perf_xlsx.result/1 (results.jsonl says where each copy is)."""
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "file": result.file,
        "sha256": result.sha256,
        "status": result.status,
        "error": result.error,
        "profile": result.profile,
        "projects": [_project_dict(ps) for ps in result.scores],
        "findings": [f.to_dict() for f in result.findings],
    }
    if output is not None:
        data["output"] = output
    return data


def failed_result(file: str, sha256: Optional[str], profile: str, code: str, message: str) -> dict[str, Any]:
    """The result of a workbook that yielded none (its worker raised, died or hung): still an
    input, so a contract-exact ``failed`` line with nothing read."""
    return {"schema": SCHEMA, "file": file, "sha256": sha256, "status": "failed",
            "error": {"code": code, "message": message}, "profile": profile, "projects": [], "findings": []}


def mark_failed(data: dict[str, Any], code: str, message: str) -> dict[str, Any]:
    """``data`` (a result_to_dict result) turned ``failed``, keeping what was read and scored for
    whoever fixes the cause (a scored copy that could not be written); the keys keep their order."""
    data["status"] = "failed"
    data["error"] = {"code": code, "message": message}
    return data


def encode_line(data: dict[str, Any]) -> bytes:
    """One JSON Lines record as results.jsonl (and skipped.jsonl) store it: UTF-8, Chinese as
    is, no newline."""
    return _ENCODER.encode(data).encode("utf-8")


# json.dumps(data, ensure_ascii=False) gives the same text; one encoder for every line, and no
# check for circular references: a result is a tree of fresh dicts and lists.
_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False)
