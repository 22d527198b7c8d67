"""Sections 五 to 七 of the report: the problems the checks found (with their evidence and the
phrase table's wording), the suggestions that go with them, and the unit's other notes."""

from __future__ import annotations

import re
from typing import Any

from perf_xlsx.codes import CODES
from perf_xlsx.draft.doc import Doc, fill, para
from perf_xlsx.draft.phrases import Problem
from perf_xlsx.draft.report_base import (
    Ctx,
    column_label,
    info_or_fill,
    lines_of,
    money,
    num,
    pct,
    pts,
    quoted,
    shown,
    stated,
)
from perf_xlsx.draft.report_results import missed
from perf_xlsx.draft.styles import BODY, H1, H2, H3

# --- 五、六：问题与建议 -------------------------------------------------------------------------


def _where(c: Ctx) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:
    """(sheet, cell) → (project, indicator) for every cell of every indicator."""
    index: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for p in c.projects:
        for ind in p.get("indicators", []):
            for ref in (ind.get("cells") or {}).values():
                index.setdefault((p.get("sheet", ""), ref), (p, ind))
    return index


def _above(found: Any, expected: Any) -> bool:
    """Whether an entered figure is higher than the one the rules give."""
    a, b = num(found), num(expected)
    return a is not None and b is not None and a > b + 0.005


_GOAL_CODES = ("goal.placeholder", "goal.single_percent", "goal.no_output", "goal.no_benefit",
               "goal.no_satisfaction", "goal.expected_missing", "goal.actual_missing", "goal.actual_copied")
# The 红灯 (indicators scored far above the spending) and a cost above what was spent.
_MISMATCH_CODES = ("funds.output_exceeds_spending", "indicator.cost_exceeds_execution")
_SCORE_CODES = ("funds.score_mismatch", "indicator.score_mismatch", "indicator.score_out_of_range")


def problems(c: Ctx) -> list[tuple[Problem, list[str]]]:
    """The problems the checks found, each with its lines of evidence, in the phrase table's order."""
    findings = c.result.get("findings", [])
    where = _where(c)
    names = {p.get("sheet"): c.label(p) for p in c.projects}
    found: dict[str, list[str]] = {}

    def pre(sheet: Any) -> str:
        """"项目名：" before a line, when the unit has more than one project to tell apart."""
        if not c.several:
            return ""
        return f"{names.get(sheet, sheet or '工作簿')}："

    vague: dict[str, list[str]] = {}
    vague_note: dict[str, str] = {}
    for f in findings:
        if f.get("code") != "goal.not_quantified":
            continue
        hit = where.get((f.get("sheet") or "", f.get("cell") or ""))
        if hit is not None:
            p, ind = hit
            vague.setdefault(p.get("sheet", ""), []).append(f"{quoted(ind.get('name'))}（{shown(ind, 'target') or '未填写'}）")
        elif f.get("severity") == "warning":
            vague_note[f.get("sheet") or ""] = stated(f.get("message", ""))
    for sheet in dict.fromkeys([*vague, *vague_note]):
        line = f"{pre(sheet)}{'、'.join(vague.get(sheet, []))}"
        if vague_note.get(sheet):
            line += f"（{vague_note[sheet]}）" if vague.get(sheet) else vague_note[sheet]
        found.setdefault("goals_vague", []).append(line)

    for f in findings:
        if f.get("code") in _GOAL_CODES and f.get("severity") in ("error", "warning"):
            found.setdefault("goals_incomplete", []).append(f"{pre(f.get('sheet'))}{stated(f.get('message', ''))}")

    for i, p in enumerate(c.projects):
        for ind in p.get("indicators", []):
            score, weight = num(ind.get("score")), num(ind.get("weight"))
            reason = c.book.reason(i, int(ind.get("row") or 0))
            who = f"{pre(p.get('sheet')).rstrip('：')}{quoted(ind.get('name'))}"
            if ind.get("rubric") and ind.get("applicable", True) and score is not None and weight \
                    and score < weight - 0.005:
                # A 评分标准 row is not a target missed: it lost points against its rubric.
                found.setdefault("deducted", []).append(
                    f"{who}：按评分标准得{pts(score)}分（分值{pts(weight)}分）；扣分原因：{reason or '未说明'}")
                continue
            if not missed(ind):
                continue
            got = f"，得{pts(score)}分（分值{pts(weight)}分）" if score is not None and weight else ""
            found.setdefault("missed", []).append(
                f"{who}：年度指标值{shown(ind, 'target') or '未填写'}，实际完成{shown(ind, 'actual') or '未填写'}"
                f"{got}；偏差原因：{reason or '未说明'}")

    for f in findings:
        if f.get("code") == "indicator.missing_explanation":
            found.setdefault("unexplained", []).append(f"{pre(f.get('sheet'))}{stated(f.get('message', ''))}")

    low_sheets = {f.get("sheet") for f in findings if f.get("code") == "funds.low_rate_unexplained"}
    for p in c.projects:
        fu = p.get("funds", {})
        rate = num(fu.get("rate"))
        if rate is None or not (rate < c.phrases.low_rate or p.get("sheet") in low_sheets):
            continue
        found.setdefault("low_rate", []).append(
            f"{names.get(p.get('sheet'))}：{column_label(p, 'full_year')}{money(fu['budget'])}万元，"
            f"{column_label(p, 'executed')}{money(fu['executed'])}万元，"
            f"执行率{pct(rate)}")

    over_rows = [f for f in findings if f.get("code") in _SCORE_CODES and _above(f.get("found"), f.get("expected"))]
    for p in c.projects:
        total = p.get("total", {})
        score, entered = num(total.get("score")), num(total.get("score_entered"))
        rows = [f for f in over_rows if f.get("sheet") == p.get("sheet")]
        if score is not None and entered is not None and entered > score + 0.005:
            found.setdefault("overclaimed", []).append(
                f"{names.get(p.get('sheet'))}：自评总分{pts(entered)}分，核定总分{pts(score)}分")
        for f in rows:
            found.setdefault("overclaimed", []).append(f"{pre(p.get('sheet'))}{stated(f.get('message', ''))}")

    for f in findings:
        if f.get("code") in _MISMATCH_CODES:
            found.setdefault("mismatch", []).append(f"{pre(f.get('sheet'))}{stated(f.get('message', ''))}")

    used = {id(f) for f in over_rows}
    covered = {"goal.not_quantified", "indicator.missing_explanation", "funds.low_rate_unexplained",
               *_MISMATCH_CODES, *_GOAL_CODES}
    errors = [f for f in findings if f.get("severity") == "error" and id(f) not in used and f.get("code") not in covered]
    for f in errors[:8]:
        title = CODES[f["code"]].title if f.get("code") in CODES else ""
        place = pre(f.get("sheet")) if f.get("sheet") in names else f"{f.get('sheet') or '工作簿'}："
        message = stated(f.get("message", ""))
        # A message that opens with the code's own title needs no title before it.
        said = message if not title or re.sub(r"\s", "", message).startswith(re.sub(r"\s", "", title)) \
            else f"{title}——{message}"
        found.setdefault("data_errors", []).append(f"{place}{said}")
    if len(errors) > 8:
        found["data_errors"].append("其余差错见整改反馈单")
    return [(problem, found[key]) for key, problem in c.phrases.problems.items() if key in found]


def section_five(c: Ctx, doc: Doc, found: list[tuple[Problem, list[str]]]) -> None:
    doc.add(para(H1, c.h[4]))
    doc.add(para(H2, "（一）主要经验做法。"))
    for x in info_or_fill(c, "experience", "主要经验做法"):
        doc.add(x)
    doc.add(para(H2, "（二）存在的问题及原因分析。"))
    n = 0
    for problem, lines in found:
        n += 1
        # 项目绩效目标… of the phrase table: a 部门整体 or 转移支付 table has no 项目 to speak of.
        title = problem.title if c.kind == "project" else re.sub(r"^项目", "", problem.title)
        doc.add(para(H3, f"{n}. {title}。"))
        doc.add(para(BODY, problem.lead))
        for line in lines:
            doc.add(para(BODY, line if line.endswith("。") else line + "。"))
    if c.info("problems"):
        n += 1
        doc.add(para(H3, f"{n}. 其他问题。"))
        for x in lines_of(BODY, c.info("problems")):
            doc.add(x)
    if n == 0:
        doc.add(para(BODY, "经核对，自评表未发现问题。", fill("工具无法从表中发现的问题及原因（没有的删去本句）")))


def section_six(c: Ctx, doc: Doc, found: list[tuple[Problem, list[str]]]) -> None:
    doc.add(para(H1, c.h[5]))
    n = 0
    for problem, _ in found:
        n += 1
        doc.add(para(H3, f"{n}. {problem.suggestion_title}。"))
        doc.add(para(BODY, problem.suggestion))
    if c.info("suggestions"):
        for x in lines_of(BODY, c.info("suggestions")):
            doc.add(x)
    elif n == 0:
        doc.add(para(BODY, fill("有关建议")))


def section_seven(c: Ctx, doc: Doc) -> None:
    doc.add(para(H1, c.h[6]))
    wrote = False
    if c.info("other"):
        for x in lines_of(BODY, c.info("other")):
            doc.add(x)
        wrote = True
    for sheet, text in c.book.notes:
        if any(word in text for word in c.phrases.form_notes):
            continue  # the form's own instructions (本表由实施单位填报…), not the unit's note
        doc.add(para(BODY, f"{sheet}表注：{text}"))
        wrote = True
    if not wrote:
        doc.add(para(BODY, "无。"))
