"""Section 四 of the report: the verified total of each table, and every indicator in words
(target, actual, completion, score, and why a target was missed)."""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from perf_xlsx.draft.doc import Doc, Para, Run, fill, para
from perf_xlsx.draft.report_base import (
    GROUP_LABELS,
    Ctx,
    as_sentence,
    group_of,
    info_or_fill,
    lines_of,
    num,
    pct,
    project_noun,
    pts,
    shown,
    stated,
)
from perf_xlsx.draft.styles import BODY, H1, H2, H3

Part = Union[str, Run]


# --- 四、项目绩效情况 -------------------------------------------------------------------------


def indicator_sentence(ind: dict[str, Any], reason: str) -> list[Part]:
    """One indicator in words: target, actual, completion, score, and why it was missed."""
    name = ind.get("name") or "（未命名指标）"
    target = shown(ind, "target") or "未填写"
    actual = shown(ind, "actual") or "未填写"
    if not ind.get("applicable", True):
        return [f"{name}：年度指标值{target}，本年度不适用，不计分。"]
    score, weight = ind.get("score"), ind.get("weight")
    rubric = ind.get("rubric")
    if rubric is not None:
        # A row of a 部门整体 scoring table: judged by its 评分标准, not by a target.
        of = f"（分值{pts(weight)}分）" if weight else ""
        if rubric == "manual" or score is None:
            entered = ind.get("score_entered")
            claimed = f"，单位自评{pts(entered)}分" if entered is not None else ""
            return [f"{name}：评分标准须人工复核{claimed}{of}。"]
        lead = f"{name}：实际{actual}，" if shown(ind, "actual") else f"{name}："
        text = f"{lead}按评分标准核定得{pts(score)}分{of}"
        if weight and score < weight - 0.005:
            return [text + "。扣分原因：", as_sentence(reason) if reason else fill("扣分原因")]
        return [text + "。"]
    # Words, not figures, are quoted, so that the sentence reads (年度指标值“效果明显”, 实际完成“无”).
    if target != "未填写" and ind.get("target_value") is None:
        target = f"“{target}”"
    if actual != "未填写" and ind.get("actual_value") is None:
        actual = f"“{actual}”"
    text = f"{name}：年度指标值{target}，实际完成{actual}"
    kind, tv, av, unit = ind.get("kind"), ind.get("target_value"), ind.get("actual_value"), ind.get("unit")
    if tv is not None and av is not None and kind in ("ge", "eq"):
        if unit == "%" or tv <= 0:
            text += "，达到年度指标值" if av >= tv else "，未达到年度指标值"
        else:
            text += f"，完成年度指标值的{pct(av / tv)}"
    elif tv is not None and av is not None and kind == "le":
        text += "，未超过指标值" if av <= tv else "，超过指标值"
    if score is not None and weight:
        text += f"，得{pts(score)}分（分值{pts(weight)}分）"
    if missed(ind):
        return [text + "。未完成年度指标值，偏差原因：", as_sentence(reason) if reason else fill("偏差原因分析及改进措施")]
    return [text + "。"]


def missed(ind: dict[str, Any]) -> bool:
    """Whether an indicator fell short of its target: scored below its 分值, or (a table without
    分值) judged not met."""
    if not ind.get("applicable", True) or ind.get("rubric") is not None:
        return False
    if not shown(ind, "target") or not shown(ind, "actual"):
        return False  # a row left blank is incomplete (its own finding), not a target missed
    score, weight = num(ind.get("score")), num(ind.get("weight"))
    if score is not None and weight:
        return score < weight - 0.005
    return ind.get("met") is False


def _indicators_of(c: Ctx, groups: tuple[str, ...]) -> list[tuple[int, dict[str, Any], list[dict[str, Any]]]]:
    out = []
    for i, p in enumerate(c.projects):
        rows = [ind for ind in p.get("indicators", []) if group_of(ind.get("level1") or "") in groups]
        if rows:
            out.append((i, p, rows))
    return out


def _indicator_paras(c: Ctx, doc: Doc, groups: tuple[str, ...], lead: Optional[dict[int, Para]] = None) -> bool:
    """The indicators of ``groups``, project by project (under a heading of each when there are
    several); ``lead``: a paragraph to open a project's part with (its goal's completion)."""
    lead = lead or {}
    found = _indicators_of(c, groups)
    listed = {i for i, _, _ in found}
    # A project with a lead but no indicator of these groups still gets its part.
    found = sorted([*found, *((i, c.projects[i], []) for i in lead if i not in listed)], key=lambda x: x[0])
    for n, (i, p, rows) in enumerate(found, 1):
        if c.several:
            doc.add(para(H3, f"{n}. {c.label(p)}"))
        if i in lead:
            doc.add(lead[i])
        order = {g: n for n, g in enumerate(groups)}
        present = {group_of(x.get("level1") or "") for x in rows}
        current = ""
        for ind in sorted(rows, key=lambda x: order[group_of(x.get("level1") or "")]):
            group = group_of(ind.get("level1") or "")
            if len(present) > 1 and group != current:
                doc.add(para(BODY, f"{GROUP_LABELS[group]}完成情况："))
                current = group
            doc.add(para(BODY, *indicator_sentence(ind, c.book.reason(i, int(ind.get("row") or 0)))))
    return any(rows for _, _, rows in found)


def ungraded_sentence(p: dict[str, Any]) -> str:
    """The sentence of a table whose total the rules do not give."""
    name = p.get("name") or p.get("sheet")
    entered = num(p.get("total", {}).get("score_entered"))
    weighted = any(num(i.get("weight")) for i in p.get("indicators", [])) or num(p.get("funds", {}).get("weight"))
    if p.get("kind") == "transfer" and not weighted:
        # A 转移支付 table without 分值: no score to state; how many targets were met instead.
        judged = [i for i in p.get("indicators", []) if i.get("applicable", True) and i.get("met") is not None]
        met = sum(1 for i in judged if i.get("met"))
        text = f"{name}：自评表不设分值，不评分、不定等级"
        if judged:
            text += f"；共有绩效指标{len(p.get('indicators', []))}项，达成{met}项"
            if len(judged) > met:
                text += f"，未达成{len(judged) - met}项"
        return text + "。"
    reason = stated(p.get("ungraded") or "自评表数据不全，无法核定总分")
    reason = re.sub(r"(\d+) 行评分标准", r"\1项指标的评分标准", reason)  # rows are the checker's word
    claimed = f"单位自评总分{pts(entered)}分；" if entered is not None else ""
    if "未核定" in reason or "不定等级" in reason:
        return f"{name}：{claimed}{reason}。"
    return f"{name}：{claimed}未核定总分，原因是{reason}。"


def section_four(c: Ctx, doc: Doc) -> None:
    doc.add(para(H1, c.h[3]))
    for p in c.projects:
        name = c.label(p)
        total = p.get("total", {})
        score, entered, grade = total.get("score"), total.get("score_entered"), total.get("grade")
        if score is None:
            doc.add(para(BODY, ungraded_sentence(p)))
            continue
        text = f"经按评分规则核定，{name}总分{pts(score)}分"
        if entered is not None:
            text += f"（单位自评{pts(entered)}分）"
        text += f"，等级为“{grade}”。" if grade else "。"
        doc.add(para(BODY, text))
    doc.add(para(H2, "（一）财政支出决策情况。"))
    if c.info("decision"):
        for x in lines_of(BODY, c.info("decision")):
            doc.add(x)
    else:
        for i, p in enumerate(c.projects):
            expected, _ = c.book.goal(i)
            if expected:
                doc.add(para(BODY, f"{project_noun(p, c.kind)}年度总体目标：{as_sentence(expected)}"))
        doc.add(para(BODY, fill({"department": "部门预算编制、重点支出安排和绩效目标设定过程",
                                 "transfer": "资金分配依据、绩效目标分解下达过程"}.get(
                                     c.kind, "项目立项依据、决策程序和绩效目标设定过程"))))
    _indicator_paras(c, doc, ("decision",))
    doc.add(para(H2, "（二）财政支出过程情况。"))
    for x in info_or_fill(c, "process", "资金到位、实施进度与过程管理情况"):
        doc.add(x)
    _indicator_paras(c, doc, ("process",))
    doc.add(para(H2, "（三）财政支出产出情况。"))
    lead = {}
    for i, p in enumerate(c.projects):
        _, actual = c.book.goal(i)
        if actual:
            lead[i] = para(BODY, f"{c.label(p)}年度总体目标完成情况：{as_sentence(actual)}")
    if not _indicator_paras(c, doc, ("output",), lead):
        doc.add(para(BODY, "自评表未设置产出指标。"))
    doc.add(para(H2, "（四）财政支出效益情况。"))
    if not _indicator_paras(c, doc, ("benefit", "satisfaction")):
        doc.add(para(BODY, "自评表未设置效益指标和满意度指标。"))
