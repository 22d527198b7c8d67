"""Sections 一 to 三 of the report: the unit and its goals, the money (budget, sources,
spending), and how the work was organised and managed."""

from __future__ import annotations

import re
from typing import Any, Optional

from perf_xlsx.draft.doc import Doc, fill, para
from perf_xlsx.draft.report_base import (
    DEFAULT_COLUMNS,
    Ctx,
    as_sentence,
    by_allocation,
    column_label,
    has_column,
    info_or_fill,
    lines_of,
    money,
    num,
    pct,
    pts,
    quoted,
    sum_known,
    total_row,
)
from perf_xlsx.draft.styles import BODY, H1, H2

# --- 一、项目概况 ----------------------------------------------------------------------------


def section_one(c: Ctx, doc: Doc) -> None:
    doc.add(para(H1, c.h[0]))
    doc.add(para(H2, {"department": "（一）部门（单位）基本情况。", "transfer": "（一）单位基本情况。"}.get(
        c.kind, "（一）项目单位基本情况。")))
    basics = (("staffing", "编制情况", "行政编制、事业编制个数"), ("headcount", "在职人数", "实有人员及合计在职人数"),
              ("structure", "机构设置", "内设科室及下属单位"), ("functions", "主要职能", "单位主要职能职责"))
    for n, (key, label, what) in enumerate(basics, 1):
        text = c.info(key)
        lines = [x.strip() for x in text.split("\n") if x.strip()]
        if len(lines) <= 1:
            doc.add(para(BODY, f"{n}. {label}：", lines[0] if lines else fill(what), "。" if lines and
                         not lines[0].endswith(("。", "；", ".")) else ""))
        else:
            doc.add(para(BODY, f"{n}. {label}："))
            for line in lines:
                doc.add(para(BODY, line))
    doc.add(para(H2, {"department": "（二）部门年度整体绩效目标、绩效指标设定情况。",
                      "transfer": "（二）转移支付资金年度绩效目标、绩效指标设定情况。"}.get(
        c.kind, "（二）项目年度预算绩效目标、绩效指标设定情况。")))
    if c.info("work_plan"):
        for x in lines_of(BODY, c.info("work_plan")):
            doc.add(x)
    for i, p in enumerate(c.projects):
        expected, _ = c.book.goal(i)
        name = c.label(p)
        budget = p.get("funds", {}).get("budget")
        head = f"{name}：{column_label(p, 'full_year')}{money(budget)}万元。" if budget is not None else f"{name}："
        doc.add(para(BODY, head, "预期目标：", as_sentence(expected) if expected else fill("年度绩效目标（预期目标）")))
        groups: dict[str, list[str]] = {}
        for ind in p.get("indicators", []):
            groups.setdefault(ind.get("level1") or "其他指标", []).append(quoted(ind.get("name") or "未命名"))
        if groups:
            listed = "；".join(f"{level1}：{'、'.join(names)}" for level1, names in groups.items())
            doc.add(para(BODY, f"绩效指标设定情况：{listed}。各指标的年度指标值和分值见附件。"))
        else:
            doc.add(para(BODY, "绩效指标设定情况：自评表未填写绩效指标。"))


# --- 二、项目资金使用及管理情况 ------------------------------------------------------------------


_SUB_TWO = {
    "project": ("（一）项目资金（包括财政资金、自筹资金等）安排落实、总投入等情况分析。",
                "（二）项目资金（主要是指财政资金）实际使用情况分析。",
                "（三）项目资金管理情况（包括管理制度、办法的制订及执行情况）分析。"),
    "department": ("（一）部门整体支出（包括财政拨款、单位资金等）安排落实、总投入等情况分析。",
                   "（二）部门整体支出实际使用情况分析。",
                   "（三）部门资金管理情况（包括管理制度、办法的制订及执行情况）分析。"),
    "transfer": ("（一）转移支付资金安排落实、总投入等情况分析。",
                 "（二）转移支付资金实际使用情况分析。",
                 "（三）转移支付资金管理情况（包括管理制度、办法的制订及执行情况）分析。"),
}


def _initial(p: dict[str, Any]) -> Optional[float]:
    """The 年初预算数 (or 下达数) of the 年度资金总额: its total row, unless that row is left at 0
    or blank while its breakdown adds up to an amount (the 0/0/0 total row of real tables)."""
    value = num(total_row(p).get("initial"))
    if not value:
        parts = [num(b.get("initial")) for b in p.get("funds", {}).get("breakdowns", [])]
        known = next((x for x in parts if x), None)
        if known is not None:
            return known
    return value


def _label_of(c: Ctx, key: str) -> str:
    """A funds column's name for the sentences about the whole unit: the tables' own when they
    agree, else the national one."""
    labels = {column_label(p, key) for p in c.projects}
    return labels.pop() if len(labels) == 1 else DEFAULT_COLUMNS[key]


def _sources(c: Ctx) -> Optional[str]:
    """资金来源 (全年预算数 of each part of the 年度资金总额), one list per breakdown of it."""
    groups: dict[str, dict[tuple[str, str], list[float]]] = {}
    labels: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    for p in c.projects:
        for b in p.get("funds", {}).get("breakdowns", []):
            names.setdefault(str(b.get("key") or ""), str(b.get("name") or ""))
        for row in p.get("funds", {}).get("rows", []):
            value = num(row.get("full_year"))
            if row.get("kind") in ("total", "detail") or value is None:
                continue
            label = re.sub(r"^其中[：:]?\s*", "", str(row.get("label", ""))).strip()
            # The national rows (当年/本年财政拨款 …) are the same part whatever their wording; any
            # other part is told by its label (中央补助, 地方资金, 一般公共预算 …).
            key = (str(row.get("kind")), "") if row.get("kind") not in ("component", "other") else ("", label)
            labels.setdefault(key, label)
            groups.setdefault(str(row.get("group") or ""), {}).setdefault(key, []).append(value)
    lists = []
    for group, parts in groups.items():
        shares = [f"{labels[k]}{money(sum(v))}万元" for k, v in parts.items() if any(v)]
        if shares:
            lists.append((names.get(group, ""), "，".join(shares)))
    if not lists:
        return None
    what = _label_of(c, "full_year")
    if len(lists) == 1:
        return f"资金来源（{what}）：{lists[0][1]}。"
    return f"资金构成（{what}）：" + "；".join(f"{n}：{t}" if n else t for n, t in lists) + "。"


def section_two(c: Ctx, doc: Doc) -> None:
    doc.add(para(H1, c.h[1]))
    sub = _SUB_TWO[c.kind]
    doc.add(para(H2, sub[0]))
    names = [c.label(p) for p in c.projects]
    subject = c.subject()
    allocation = all(by_allocation(p) for p in c.projects)
    li, lf, le = _label_of(c, "initial"), _label_of(c, "full_year"), _label_of(c, "executed")
    initial = [_initial(p) for p in c.projects]
    full = [num(p.get("funds", {}).get("budget")) for p in c.projects]
    total_initial, total_full = sum_known(initial), sum_known(full)
    # A table with one budget column (年初预算资金总额 only) has no 全年 figure of its own.
    one_column = all(not has_column(p, "full_year") for p in c.projects)
    if one_column:
        total_initial = None

    def listed(values: list[Optional[float]]) -> str:
        return "；".join(f"{n}{money(v)}万元" for n, v in zip(names, values) if v is not None)

    if allocation and total_initial is not None:
        text = f"{subject}{li}为{money(total_initial)}万元"
        if c.several:
            text += f"，其中：{listed(initial)}"
        if total_full is not None:
            text += f"；{lf}为{money(total_full)}万元" + (f"，其中：{listed(full)}" if c.several else "")
        doc.add(para(BODY, text + "。"))
    elif total_initial is not None:
        if c.several:
            doc.add(para(BODY, f"我单位{subject}年初预算为{money(total_initial)}万元，其中：{listed(initial)}。"))
        else:
            doc.add(para(BODY, f"我单位{subject}年初预算为{money(total_initial)}万元。"))
        adjusted = [(n, a, b) for n, a, b in zip(names, initial, full) if a is not None and b is not None
                    and abs(a - b) > 0.005]
        if total_full is not None and not adjusted:
            doc.add(para(BODY, f"全年预算数为{money(total_full)}万元，与年初预算一致。"))
        elif total_full is not None and c.several:
            doc.add(para(BODY, f"全年预算数为{money(total_full)}万元，其中年中预算调整："
                               + "；".join(f"{n}由{money(a)}万元调整为{money(b)}万元" for n, a, b in adjusted) + "。"))
        elif total_full is not None:
            doc.add(para(BODY, f"年中预算调整后，全年预算数为{money(total_full)}万元。"))
    elif total_full is not None:
        # The table gives no 年初预算数 (or not for every project): state the budget it has.
        text = f"{'' if c.kind == 'transfer' else '我单位'}{subject}{lf}为{money(total_full)}万元"
        if c.several:
            text += f"，其中：{listed(full)}"
        elif all(has_column(p, "initial") for p in c.projects) and not one_column:
            text += "（自评表未填写年初预算数）"
        doc.add(para(BODY, text + "。"))
    else:
        doc.add(para(BODY, "预算安排：", fill("自评表未填写预算数，请补充年初预算和全年预算"), "。"))
    sources = _sources(c)
    if sources:
        doc.add(para(BODY, sources))

    doc.add(para(H2, sub[1]))
    executed = [num(p.get("funds", {}).get("executed")) for p in c.projects]
    for p, name in zip(c.projects, names):
        f = p.get("funds", {})
        bits = []
        if f.get("budget") is not None:
            bits.append(f"{column_label(p, 'full_year')}{money(f['budget'])}万元")
        if f.get("executed") is not None:
            bits.append(f"{column_label(p, 'executed')}{money(f['executed'])}万元")
        if f.get("rate") is not None:
            bits.append(f"执行率{pct(f['rate'])}")
        if f.get("score") is not None and f.get("weight"):
            bits.append(f"预算执行率得分{pts(f['score'])}分（分值{pts(f['weight'])}分）")
        if bits:
            doc.add(para(BODY, f"{name}：{'，'.join(bits)}。"))
        else:
            doc.add(para(BODY, f"{name}：", fill("自评表未填写预算数和执行数"), "。"))
    total_exec = sum_known(executed)
    if c.several and total_full is not None and total_exec is not None:
        text = f"合计：{lf}{money(total_full)}万元，{le}{money(total_exec)}万元"
        if total_full > 0:
            text += f"，执行率{pct(total_exec / total_full)}"
        doc.add(para(BODY, text + "。"))
    for x in info_or_fill(c, "fund_use", "资金申报、审核、拨付和使用的程序与情况"):
        doc.add(x)
    doc.add(para(H2, sub[2]))
    for x in info_or_fill(c, "fund_rules", "资金管理制度、办法的制订及执行情况"):
        doc.add(x)


# --- 三、项目组织实施情况 ----------------------------------------------------------------------


def section_three(c: Ctx, doc: Doc) -> None:
    doc.add(para(H1, c.h[2]))
    heads = {"department": ("（一）重点工作任务组织实施情况分析。",
                            "（二）部门管理情况（包括管理制度建设、日常检查监督管理等情况）分析。"),
             "transfer": ("（一）资金分配下达与项目组织实施情况分析。",
                          "（二）资金和项目管理情况（包括管理制度建设、日常检查监督管理等情况）分析。")}.get(
        c.kind, ("（一）项目组织情况（包括项目招投标情况、调整情况、完成验收等）分析。",
                 "（二）项目管理情况（包括项目管理制度建设、日常检查监督管理等情况）分析。"))
    doc.add(para(H2, heads[0]))
    for p in c.projects:
        # A 部门整体 table's 主要任务 block: each task with its budget and spending.
        tasks = [t for t in p.get("tasks", []) if t.get("kind") == "task" and t.get("name")]
        for t in tasks:
            bits = [str(t.get("content") or "").strip()]
            if num(t.get("budget")) is not None:
                bits.append(f"预算{money(t['budget'])}万元")
            if num(t.get("executed")) is not None:
                bits.append(f"执行{money(t['executed'])}万元")
            doc.add(para(BODY, f"{t['name']}：{'，'.join(b for b in bits if b)}。"))
    for x in info_or_fill(c, "organization", {"department": "重点工作任务的组织实施情况",
                                                "transfer": "资金分配、下达和项目组织实施情况"}.get(
                                                    c.kind, "项目招投标、调整、完成验收等情况")):
        doc.add(x)
    doc.add(para(H2, heads[1]))
    for p in c.projects:
        # A 转移支付 table's 资金管理 block: what the unit wrote of each item, and its problems.
        for m in p.get("management", []):
            status, problems = str(m.get("status") or "").strip(), str(m.get("problems") or "").strip()
            if not m.get("item") or not (status or problems):
                continue
            text = f"{m['item']}：{as_sentence(status) if status else ''}"
            if problems and problems not in ("无", "/", "-", "—"):
                text += f"存在问题和改进措施：{as_sentence(problems)}"
            doc.add(para(BODY, text))
    for x in info_or_fill(c, "management", "管理制度建设、日常检查监督管理等情况"):
        doc.add(x)
