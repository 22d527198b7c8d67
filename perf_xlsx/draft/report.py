"""The 项目支出绩效自评报告 draft: the standard outline (一 … 七) written from one workbook.

Every sentence is built from the JSON result (figures, findings) and the workbook (goal texts,
偏差原因, notes, the 单位信息 sheet); the wording of problems and suggestions comes from the
phrase table (phrases.toml), and only for problems a check found. What neither source can know
stands as a red 【待填写：…】 for the unit to write — never as boilerplate.

Numbers are written as the result has them: money in 万元 with two decimals, rates as
percentages with two decimals, scores as computed. The only figures derived here are sums and
ratios of figures in the result (the unit's total budget, a completion ratio).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional, Union

from perf_xlsx.codes import CODES
from perf_xlsx.draft.book import Book
from perf_xlsx.draft.doc import Doc, PageBreak, Para, Run, Table, fill, para
from perf_xlsx.draft.phrases import Phrases, Problem
from perf_xlsx.draft.styles import BODY, H1, H2, H3, PLAIN, SIGN, TITLE
from perf_xlsx.judge.numbers import fmt, round2

__all__ = ["DEPARTMENT_HEADINGS", "HEADINGS", "TRANSFER_HEADINGS", "build_report", "headings", "money", "pct",
           "unit_name", "report_year", "ungraded_sentence"]

#: The seven sections of the standard outline, in order.
HEADINGS = ("一、项目概况", "二、项目资金使用及管理情况", "三、项目组织实施情况", "四、项目绩效情况",
            "五、主要经验做法、存在的问题及原因分析", "六、有关建议", "七、其他需要说明的问题")
#: The same outline for a 部门整体 table: the unit's whole spending, not a project.
DEPARTMENT_HEADINGS = ("一、部门（单位）概况", "二、部门整体支出使用及管理情况", "三、部门整体支出组织实施情况",
                       "四、部门整体支出绩效情况", *HEADINGS[4:])
#: ... and for a 转移支付 table: a fund passed down to the region.
TRANSFER_HEADINGS = ("一、转移支付资金概况", "二、转移支付资金使用及管理情况", "三、转移支付资金组织实施情况",
                     "四、转移支付资金绩效情况", *HEADINGS[4:])


def _kind(projects: list[dict[str, Any]]) -> str:
    """project, department or transfer: what the workbook's tables are (mixed: project)."""
    kinds = {p.get("kind", "project") for p in projects}
    return kinds.pop() if len(kinds) == 1 and kinds <= {"department", "transfer"} else "project"


def headings(result: dict[str, Any]) -> tuple[str, ...]:
    """The seven section headings of the report of ``result``, in order."""
    kind = _kind(result.get("projects", []))
    return DEPARTMENT_HEADINGS if kind == "department" else TRANSFER_HEADINGS if kind == "transfer" else HEADINGS

Part = Union[str, Run]


def money(x: float) -> str:
    """万元 with two decimals, as reports write money (450.00)."""
    return f"{round2(float(x)):.2f}"


def pct(rate: float) -> str:
    """A fraction as a percentage with two decimals (0.9825 → 98.25%)."""
    return f"{round2(float(rate) * 100):.2f}%"


def pts(x: float) -> str:
    return fmt(x)


def unit_name(result: dict[str, Any], book: Optional[Book]) -> str:
    """The reporting unit: 单位信息, else the 项目清单's 单位名称, else the tables' 主管部门 / 实施单位."""
    if book is not None:
        if book.unit_info is not None and book.unit_info.get("unit_name"):
            return book.unit_info.get("unit_name")
        if book.model.unit is not None and book.model.unit.unit_name:
            return _uncoded(book.model.unit.unit_name)
    for key in ("department", "implementer"):
        for p in result.get("projects", []):
            if p.get(key):
                return _uncoded(str(p[key]))
    return ""


def _uncoded(name: str) -> str:
    """A unit's name without the budget code some tables print before it (219-池州市… → 池州市…)."""
    return re.sub(r"^\d{2,}\s*[-－—_.、]\s*(?=\D)", "", name.strip()) or name


def report_year(result: dict[str, Any], book: Optional[Book]) -> Optional[int]:
    for p in result.get("projects", []):
        if p.get("year"):
            return int(p["year"])
    if book is not None and book.model.unit is not None:
        return book.model.unit.year
    return None


_GROUP_LABELS = {"decision": "决策指标", "process": "过程指标", "output": "产出指标", "benefit": "效益指标",
                 "satisfaction": "满意度指标"}


def _group(level1: str) -> str:
    """Where an indicator's 一级指标 belongs in section 四."""
    if "满意" in level1:
        return "satisfaction"
    if "效益" in level1 or "效果" in level1 or "效应" in level1:
        return "benefit"
    if "决策" in level1 or "投入" in level1:
        return "decision"
    if "过程" in level1 or "管理" in level1:
        return "process"
    return "output"


@dataclass
class _Ctx:
    result: dict[str, Any]
    book: Book
    phrases: Phrases
    unit: str

    @property
    def projects(self) -> list[dict[str, Any]]:
        return list(self.result.get("projects", []))

    def info(self, key: str) -> str:
        return self.book.unit_info.get(key) if self.book.unit_info is not None else ""

    @property
    def several(self) -> bool:
        return len(self.projects) > 1

    @property
    def kind(self) -> str:
        return _kind(self.projects)

    def label(self, p: dict[str, Any]) -> str:
        """A project's name, with its sheet when another project of the workbook has the same name."""
        name = str(p.get("name") or p.get("sheet") or "")
        twins = sum(1 for q in self.projects if str(q.get("name") or q.get("sheet") or "") == name)
        return f"{name}（工作表「{p.get('sheet')}」）" if twins > 1 else name

    @property
    def h(self) -> tuple[str, ...]:
        return headings(self.result)

    def subject(self) -> str:
        """What the budget sentences are about: 项目支出 (several projects), 部门整体支出, the
        named fund of a 转移支付 table, or the one project (项目 added once, not twice)."""
        if self.kind == "department":
            return "部门整体支出"
        if self.several:
            return "项目支出" if self.kind == "project" else "资金"
        return project_noun(self.projects[0], self.kind)


def project_noun(p: dict[str, Any], kind: str = "project") -> str:
    """A project's name as the subject of a sentence: 招商节会项目, 委托业务项目 (not 项目项目)."""
    name = str(p.get("name") or p.get("sheet") or "")
    # 项目 after 专项资金 or 工作经费 reads as a slip; those names stand alone.
    if kind != "project" or p.get("kind", "project") != "project" or name.endswith(("项目", "资金", "经费", "工程")):
        return name
    return name + "项目"


def _q(name: Any) -> str:
    """A name in “…”, its own double quotes turned single (“‘三公’经费控制率”)."""
    return "“" + str(name).replace("“", "‘").replace("”", "’") + "”"


def shown(ind: dict[str, Any], key: str) -> str:
    """An indicator's target or actual as the table shows it (85%, not the stored 0.85)."""
    return str(ind.get(f"{key}_text") or ind.get(key) or "")


_TAIL_PAREN = re.compile(r"[（(][^（）()]*[）)]\s*$")
_DEFAULT_COLUMNS = {"initial": "年初预算数", "full_year": "全年预算数", "executed": "全年执行数"}


def column_label(p: dict[str, Any], key: str) -> str:
    """A funds column as the table names it (全年预算数（A） → 全年预算数; 到位数; 支出数). A table
    without a 全年预算数 column states its budget in the 年初预算数 column, which then names it."""
    columns = p.get("funds", {}).get("columns") or {}
    if key == "full_year" and "full_year" not in columns and "initial" in columns:
        key = "initial"
    label = re.sub(r"\s+", "", str(columns.get(key) or ""))  # 全年\n预算数 as typed in a header
    while _TAIL_PAREN.search(label):
        label = _TAIL_PAREN.sub("", label)
    return label.strip() or _DEFAULT_COLUMNS[key]


def _has_column(p: dict[str, Any], key: str) -> bool:
    columns = p.get("funds", {}).get("columns")
    return columns is None or key in columns


def _allocation(p: dict[str, Any]) -> bool:
    """A table whose money columns are 下达 / 到位 / 支出 (not 年初 / 全年预算 / 执行)."""
    return p.get("funds", {}).get("basis") == "allocation"


def _end(text: str) -> str:
    """A quoted cell text closed as a sentence: trailing commas dropped, a 。 added if none."""
    text = text.rstrip(" ,，;；、")
    return text if not text or text.endswith(("。", "！", "？", ".", "）", ")")) else text + "。"


def _lines(style: str, text: str) -> list[Para]:
    """A text cell as paragraphs: one per line the unit typed."""
    return [para(style, line.strip()) for line in text.split("\n") if line.strip()]


def _info_or_fill(c: _Ctx, key: str, what: str) -> list[Para]:
    text = c.info(key)
    return _lines(BODY, text) if text else [para(BODY, fill(what))]


def _total_row(p: dict[str, Any]) -> dict[str, Any]:
    return next((r for r in p.get("funds", {}).get("rows", []) if r.get("kind") == "total"), {})


def _sum(values: list[Optional[float]]) -> Optional[float]:
    known = [v for v in values if v is not None]
    return sum(known) if known and len(known) == len(values) else None


# --- 一、项目概况 ----------------------------------------------------------------------------


def _section_one(c: _Ctx, doc: Doc) -> None:
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
        for x in _lines(BODY, c.info("work_plan")):
            doc.add(x)
    for i, p in enumerate(c.projects):
        expected, _ = c.book.goal(i)
        name = c.label(p)
        budget = p.get("funds", {}).get("budget")
        head = f"{name}：{column_label(p, 'full_year')}{money(budget)}万元。" if budget is not None else f"{name}："
        doc.add(para(BODY, head, "预期目标：", _end(expected) if expected else fill("年度绩效目标（预期目标）")))
        groups: dict[str, list[str]] = {}
        for ind in p.get("indicators", []):
            groups.setdefault(ind.get("level1") or "其他指标", []).append(_q(ind.get("name") or "未命名"))
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
    value = _num(_total_row(p).get("initial"))
    if not value:
        parts = [_num(b.get("initial")) for b in p.get("funds", {}).get("breakdowns", [])]
        known = next((x for x in parts if x), None)
        if known is not None:
            return known
    return value


def _label_of(c: _Ctx, key: str) -> str:
    """A funds column's name for the sentences about the whole unit: the tables' own when they
    agree, else the national one."""
    labels = {column_label(p, key) for p in c.projects}
    return labels.pop() if len(labels) == 1 else _DEFAULT_COLUMNS[key]


def _sources(c: _Ctx) -> Optional[str]:
    """资金来源 (全年预算数 of each part of the 年度资金总额), one list per breakdown of it."""
    groups: dict[str, dict[tuple[str, str], list[float]]] = {}
    labels: dict[tuple[str, str], str] = {}
    names: dict[str, str] = {}
    for p in c.projects:
        for b in p.get("funds", {}).get("breakdowns", []):
            names.setdefault(str(b.get("key") or ""), str(b.get("name") or ""))
        for row in p.get("funds", {}).get("rows", []):
            value = _num(row.get("full_year"))
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


def _section_two(c: _Ctx, doc: Doc) -> None:
    doc.add(para(H1, c.h[1]))
    sub = _SUB_TWO[c.kind]
    doc.add(para(H2, sub[0]))
    names = [c.label(p) for p in c.projects]
    subject = c.subject()
    allocation = all(_allocation(p) for p in c.projects)
    li, lf, le = _label_of(c, "initial"), _label_of(c, "full_year"), _label_of(c, "executed")
    initial = [_initial(p) for p in c.projects]
    full = [_num(p.get("funds", {}).get("budget")) for p in c.projects]
    total_initial, total_full = _sum(initial), _sum(full)
    # A table with one budget column (年初预算资金总额 only) has no 全年 figure of its own.
    one_column = all(not _has_column(p, "full_year") for p in c.projects)
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
        elif all(_has_column(p, "initial") for p in c.projects) and not one_column:
            text += "（自评表未填写年初预算数）"
        doc.add(para(BODY, text + "。"))
    else:
        doc.add(para(BODY, "预算安排：", fill("自评表未填写预算数，请补充年初预算和全年预算"), "。"))
    sources = _sources(c)
    if sources:
        doc.add(para(BODY, sources))

    doc.add(para(H2, sub[1]))
    executed = [_num(p.get("funds", {}).get("executed")) for p in c.projects]
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
    total_exec = _sum(executed)
    if c.several and total_full is not None and total_exec is not None:
        text = f"合计：{lf}{money(total_full)}万元，{le}{money(total_exec)}万元"
        if total_full > 0:
            text += f"，执行率{pct(total_exec / total_full)}"
        doc.add(para(BODY, text + "。"))
    for x in _info_or_fill(c, "fund_use", "资金申报、审核、拨付和使用的程序与情况"):
        doc.add(x)
    doc.add(para(H2, sub[2]))
    for x in _info_or_fill(c, "fund_rules", "资金管理制度、办法的制订及执行情况"):
        doc.add(x)


# --- 三、项目组织实施情况 ----------------------------------------------------------------------


def _section_three(c: _Ctx, doc: Doc) -> None:
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
            if _num(t.get("budget")) is not None:
                bits.append(f"预算{money(t['budget'])}万元")
            if _num(t.get("executed")) is not None:
                bits.append(f"执行{money(t['executed'])}万元")
            doc.add(para(BODY, f"{t['name']}：{'，'.join(b for b in bits if b)}。"))
    for x in _info_or_fill(c, "organization", {"department": "重点工作任务的组织实施情况",
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
            text = f"{m['item']}：{_end(status) if status else ''}"
            if problems and problems not in ("无", "/", "-", "—"):
                text += f"存在问题和改进措施：{_end(problems)}"
            doc.add(para(BODY, text))
    for x in _info_or_fill(c, "management", "管理制度建设、日常检查监督管理等情况"):
        doc.add(x)


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
            return [text + "。扣分原因：", _end(reason) if reason else fill("扣分原因")]
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
        return [text + "。未完成年度指标值，偏差原因：", _end(reason) if reason else fill("偏差原因分析及改进措施")]
    return [text + "。"]


def missed(ind: dict[str, Any]) -> bool:
    """Whether an indicator fell short of its target: scored below its 分值, or (a table without
    分值) judged not met."""
    if not ind.get("applicable", True) or ind.get("rubric") is not None:
        return False
    if not shown(ind, "target") or not shown(ind, "actual"):
        return False  # a row left blank is incomplete (its own finding), not a target missed
    score, weight = _num(ind.get("score")), _num(ind.get("weight"))
    if score is not None and weight:
        return score < weight - 0.005
    return ind.get("met") is False


def _indicators_of(c: _Ctx, groups: tuple[str, ...]) -> list[tuple[int, dict[str, Any], list[dict[str, Any]]]]:
    out = []
    for i, p in enumerate(c.projects):
        rows = [ind for ind in p.get("indicators", []) if _group(ind.get("level1") or "") in groups]
        if rows:
            out.append((i, p, rows))
    return out


def _indicator_paras(c: _Ctx, doc: Doc, groups: tuple[str, ...], lead: Optional[dict[int, Para]] = None) -> bool:
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
        present = {_group(x.get("level1") or "") for x in rows}
        current = ""
        for ind in sorted(rows, key=lambda x: order[_group(x.get("level1") or "")]):
            group = _group(ind.get("level1") or "")
            if len(present) > 1 and group != current:
                doc.add(para(BODY, f"{_GROUP_LABELS[group]}完成情况："))
                current = group
            doc.add(para(BODY, *indicator_sentence(ind, c.book.reason(i, int(ind.get("row") or 0)))))
    return any(rows for _, _, rows in found)


def _stated(message: str) -> str:
    """A finding's message as a statement of fact for the unit's own report: the checker's
    request to the filer (“，请核实”, “（请核对各指标分值）”) dropped."""
    text = re.sub(r"[（(]请[^（）()]*[）)]", "", message).rstrip("。 ")
    text = re.sub(r"[，；,;]\s*请[^，；。]*$", "", text)
    return text.replace("「", "“").replace("」", "”")  # a report quotes as 公文 do


def ungraded_sentence(p: dict[str, Any]) -> str:
    """The sentence of a table whose total the rules do not give."""
    name = p.get("name") or p.get("sheet")
    entered = _num(p.get("total", {}).get("score_entered"))
    weighted = any(_num(i.get("weight")) for i in p.get("indicators", [])) or _num(p.get("funds", {}).get("weight"))
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
    reason = _stated(p.get("ungraded") or "自评表数据不全，无法核定总分")
    reason = re.sub(r"(\d+) 行评分标准", r"\1项指标的评分标准", reason)  # rows are the checker's word
    claimed = f"单位自评总分{pts(entered)}分；" if entered is not None else ""
    if "未核定" in reason or "不定等级" in reason:
        return f"{name}：{claimed}{reason}。"
    return f"{name}：{claimed}未核定总分，原因是{reason}。"


def _section_four(c: _Ctx, doc: Doc) -> None:
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
        for x in _lines(BODY, c.info("decision")):
            doc.add(x)
    else:
        for i, p in enumerate(c.projects):
            expected, _ = c.book.goal(i)
            if expected:
                doc.add(para(BODY, f"{project_noun(p, c.kind)}年度总体目标：{_end(expected)}"))
        doc.add(para(BODY, fill({"department": "部门预算编制、重点支出安排和绩效目标设定过程",
                                 "transfer": "资金分配依据、绩效目标分解下达过程"}.get(
                                     c.kind, "项目立项依据、决策程序和绩效目标设定过程"))))
    _indicator_paras(c, doc, ("decision",))
    doc.add(para(H2, "（二）财政支出过程情况。"))
    for x in _info_or_fill(c, "process", "资金到位、实施进度与过程管理情况"):
        doc.add(x)
    _indicator_paras(c, doc, ("process",))
    doc.add(para(H2, "（三）财政支出产出情况。"))
    lead = {}
    for i, p in enumerate(c.projects):
        _, actual = c.book.goal(i)
        if actual:
            lead[i] = para(BODY, f"{c.label(p)}年度总体目标完成情况：{_end(actual)}")
    if not _indicator_paras(c, doc, ("output",), lead):
        doc.add(para(BODY, "自评表未设置产出指标。"))
    doc.add(para(H2, "（四）财政支出效益情况。"))
    if not _indicator_paras(c, doc, ("benefit", "satisfaction")):
        doc.add(para(BODY, "自评表未设置效益指标和满意度指标。"))


# --- 五、六：问题与建议 -------------------------------------------------------------------------


def _where(c: _Ctx) -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:
    """(sheet, cell) → (project, indicator) for every cell of every indicator."""
    index: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    for p in c.projects:
        for ind in p.get("indicators", []):
            for ref in (ind.get("cells") or {}).values():
                index.setdefault((p.get("sheet", ""), ref), (p, ind))
    return index


def _num(x: Any) -> Optional[float]:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _above(found: Any, expected: Any) -> bool:
    """Whether an entered figure is higher than the one the rules give."""
    a, b = _num(found), _num(expected)
    return a is not None and b is not None and a > b + 0.005


_GOAL_CODES = ("goal.placeholder", "goal.single_percent", "goal.no_output", "goal.no_benefit",
               "goal.no_satisfaction", "goal.expected_missing", "goal.actual_missing", "goal.actual_copied")
# The 红灯 (indicators scored far above the spending) and a cost above what was spent.
_MISMATCH_CODES = ("funds.output_exceeds_spending", "indicator.cost_exceeds_execution")
_SCORE_CODES = ("funds.score_mismatch", "indicator.score_mismatch", "indicator.score_out_of_range")


def problems(c: _Ctx) -> list[tuple[Problem, list[str]]]:
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
            vague.setdefault(p.get("sheet", ""), []).append(f"{_q(ind.get('name'))}（{shown(ind, 'target') or '未填写'}）")
        elif f.get("severity") == "warning":
            vague_note[f.get("sheet") or ""] = _stated(f.get("message", ""))
    for sheet in dict.fromkeys([*vague, *vague_note]):
        line = f"{pre(sheet)}{'、'.join(vague.get(sheet, []))}"
        if vague_note.get(sheet):
            line += f"（{vague_note[sheet]}）" if vague.get(sheet) else vague_note[sheet]
        found.setdefault("goals_vague", []).append(line)

    for f in findings:
        if f.get("code") in _GOAL_CODES and f.get("severity") in ("error", "warning"):
            found.setdefault("goals_incomplete", []).append(f"{pre(f.get('sheet'))}{_stated(f.get('message', ''))}")

    for i, p in enumerate(c.projects):
        for ind in p.get("indicators", []):
            score, weight = _num(ind.get("score")), _num(ind.get("weight"))
            reason = c.book.reason(i, int(ind.get("row") or 0))
            who = f"{pre(p.get('sheet')).rstrip('：')}{_q(ind.get('name'))}"
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
            found.setdefault("unexplained", []).append(f"{pre(f.get('sheet'))}{_stated(f.get('message', ''))}")

    low_sheets = {f.get("sheet") for f in findings if f.get("code") == "funds.low_rate_unexplained"}
    for p in c.projects:
        fu = p.get("funds", {})
        rate = _num(fu.get("rate"))
        if rate is None or not (rate < c.phrases.low_rate or p.get("sheet") in low_sheets):
            continue
        found.setdefault("low_rate", []).append(
            f"{names.get(p.get('sheet'))}：{column_label(p, 'full_year')}{money(fu['budget'])}万元，"
            f"{column_label(p, 'executed')}{money(fu['executed'])}万元，"
            f"执行率{pct(rate)}")

    over_rows = [f for f in findings if f.get("code") in _SCORE_CODES and _above(f.get("found"), f.get("expected"))]
    for p in c.projects:
        total = p.get("total", {})
        score, entered = _num(total.get("score")), _num(total.get("score_entered"))
        rows = [f for f in over_rows if f.get("sheet") == p.get("sheet")]
        if score is not None and entered is not None and entered > score + 0.005:
            found.setdefault("overclaimed", []).append(
                f"{names.get(p.get('sheet'))}：自评总分{pts(entered)}分，核定总分{pts(score)}分")
        for f in rows:
            found.setdefault("overclaimed", []).append(f"{pre(p.get('sheet'))}{_stated(f.get('message', ''))}")

    for f in findings:
        if f.get("code") in _MISMATCH_CODES:
            found.setdefault("mismatch", []).append(f"{pre(f.get('sheet'))}{_stated(f.get('message', ''))}")

    used = {id(f) for f in over_rows}
    covered = {"goal.not_quantified", "indicator.missing_explanation", "funds.low_rate_unexplained",
               *_MISMATCH_CODES, *_GOAL_CODES}
    errors = [f for f in findings if f.get("severity") == "error" and id(f) not in used and f.get("code") not in covered]
    for f in errors[:8]:
        title = CODES[f["code"]].title if f.get("code") in CODES else ""
        place = pre(f.get("sheet")) if f.get("sheet") in names else f"{f.get('sheet') or '工作簿'}："
        message = _stated(f.get("message", ""))
        # A message that opens with the code's own title needs no title before it.
        said = message if not title or re.sub(r"\s", "", message).startswith(re.sub(r"\s", "", title)) \
            else f"{title}——{message}"
        found.setdefault("data_errors", []).append(f"{place}{said}")
    if len(errors) > 8:
        found["data_errors"].append("其余差错见整改反馈单")
    return [(problem, found[key]) for key, problem in c.phrases.problems.items() if key in found]


def _section_five(c: _Ctx, doc: Doc, found: list[tuple[Problem, list[str]]]) -> None:
    doc.add(para(H1, c.h[4]))
    doc.add(para(H2, "（一）主要经验做法。"))
    for x in _info_or_fill(c, "experience", "主要经验做法"):
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
        for x in _lines(BODY, c.info("problems")):
            doc.add(x)
    if n == 0:
        doc.add(para(BODY, "经核对，自评表未发现问题。", fill("工具无法从表中发现的问题及原因（没有的删去本句）")))


def _section_six(c: _Ctx, doc: Doc, found: list[tuple[Problem, list[str]]]) -> None:
    doc.add(para(H1, c.h[5]))
    n = 0
    for problem, _ in found:
        n += 1
        doc.add(para(H3, f"{n}. {problem.suggestion_title}。"))
        doc.add(para(BODY, problem.suggestion))
    if c.info("suggestions"):
        for x in _lines(BODY, c.info("suggestions")):
            doc.add(x)
    elif n == 0:
        doc.add(para(BODY, fill("有关建议")))


def _section_seven(c: _Ctx, doc: Doc) -> None:
    doc.add(para(H1, c.h[6]))
    wrote = False
    if c.info("other"):
        for x in _lines(BODY, c.info("other")):
            doc.add(x)
        wrote = True
    for sheet, text in c.book.notes:
        if any(word in text for word in c.phrases.form_notes):
            continue  # the form's own instructions (本表由实施单位填报…), not the unit's note
        doc.add(para(BODY, f"{sheet}表注：{text}"))
        wrote = True
    if not wrote:
        doc.add(para(BODY, "无。"))


# --- 附件：核定的自评表 ----------------------------------------------------------------------


def _v(x: Any) -> str:
    n = _num(x)
    return pts(n) if n is not None else ("" if x is None else str(x))


def _m(x: Any) -> str:
    n = _num(x)
    return money(n) if n is not None else ""


def _unscored(p: dict[str, Any]) -> bool:
    """A table without any 分值 (a 转移支付 goal table): nothing to score, targets met or not."""
    return p.get("kind") == "transfer" and not _num(p.get("funds", {}).get("weight")) and not any(
        _num(i.get("weight")) for i in p.get("indicators", []))


def _met(ind: dict[str, Any]) -> str:
    met = ind.get("met")
    return "" if met is None or not ind.get("applicable", True) else ("达成" if met else "未达成")


def attachment_tables(result: dict[str, Any]) -> list[tuple[str, Table, Table]]:
    """Per project: its caption, the funds table and the indicator table with 核定得分 (a table
    without 分值: with each target's completion and whether it was met instead)."""
    out = []
    for p in result.get("projects", []):
        f = p.get("funds", {})
        total = _total_row(p)
        money_cells = ("年度资金总额", _m(total.get("initial")), _m(f.get("budget")), _m(f.get("executed")),
                       pct(f["rate"]) if _num(f.get("rate")) is not None else "")
        money_head = ("资金（万元）", column_label(p, "initial"), column_label(p, "full_year"),
                      column_label(p, "executed"), "执行率")
        rows: list[tuple[str, ...]] = []
        if _unscored(p):
            funds = Table(header=money_head, rows=(money_cells,), widths=(30, 28, 28, 28, 26),
                          centered=frozenset(range(1, 5)))
            for ind in p.get("indicators", []):
                done = _num(ind.get("completion"))
                rows.append((ind.get("level1") or "", ind.get("level2") or "", ind.get("name") or "",
                             shown(ind, "target"), shown(ind, "actual"), pct(done) if done is not None else "",
                             _met(ind)))
            indicators = Table(header=("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "完成比例", "是否达成"),
                               rows=tuple(rows), widths=(18, 20, 32, 22, 22, 16, 18), centered=frozenset({3, 4, 5, 6}))
        else:
            funds = Table(header=(*money_head, "分值", "自评得分", "核定得分"),
                          rows=((*money_cells, _v(f.get("weight")), _v(f.get("score_entered")), _v(f.get("score"))),),
                          widths=(26, 18, 18, 18, 16, 14, 18, 18), centered=frozenset(range(1, 8)))
            for ind in p.get("indicators", []):
                rows.append((ind.get("level1") or "", ind.get("level2") or "", ind.get("name") or "",
                             shown(ind, "target"), shown(ind, "actual"), _v(ind.get("weight")),
                             _v(ind.get("score_entered")),
                             _v(ind.get("score")) if ind.get("applicable", True) else "不适用"))
            t = p.get("total", {})
            rows.append(("总分", "", "", "", "", _v(t.get("weight")), _v(t.get("score_entered")), _v(t.get("score"))))
            # The reason a table is not graded is told in section 四; the cell only says so.
            rows.append(("等级", "", "", "", "", "", "", t.get("grade") or "未定级"))
            indicators = Table(header=("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分",
                                       "核定得分"),
                               rows=tuple(rows), widths=(18, 20, 30, 20, 20, 12, 14, 14),
                               bold_rows=frozenset({len(rows) - 2, len(rows) - 1}), centered=frozenset({3, 4, 5, 6, 7}))
        if not _has_column(p, "initial") or not _has_column(p, "full_year"):
            funds = _without_column(funds, 1)  # a column the table does not have, not a blank one
        out.append((f"{p.get('name') or p.get('sheet')}（工作表「{p.get('sheet')}」）", funds, indicators))
    return out


def _without_column(t: Table, index: int) -> Table:
    """``t`` without column ``index``, its width given to the first column."""
    def drop(row: tuple[str, ...]) -> tuple[str, ...]:
        return row[:index] + row[index + 1:]

    widths = [w for i, w in enumerate(t.widths) if i != index]
    widths[0] += t.widths[index]
    return Table(header=drop(t.header), rows=tuple(drop(r) for r in t.rows), widths=tuple(widths),
                 bold_rows=t.bold_rows, centered=frozenset(c - (c > index) for c in t.centered if c != index))


def _rules_title(result: dict[str, Any]) -> str:
    """The rules' title as a reader knows them (全国通用（财预〔2020〕10号）), not their file name."""
    name = str(result.get("profile") or "")
    from perf_xlsx.rules import RulesError, load_profile

    try:
        return load_profile(name).title or name
    except (RulesError, OSError):  # a rules file no longer at hand: its name will do
        return name


def _attachment(c: _Ctx, doc: Doc) -> None:
    doc.add(PageBreak())
    doc.add(para(PLAIN, "附件"))
    kind = {"department": "部门整体支出", "transfer": "转移支付"}.get(c.kind, "项目支出" if all(
        p.get("kind", "project") == "project" for p in c.projects) else "")
    doc.add(para(TITLE, f"{kind}绩效自评表（核定）"))
    if not all(_unscored(p) for p in c.projects):
        doc.add(para(PLAIN, f"“核定得分”为按“{_rules_title(c.result)}”评分规则重新计算的得分。"))
    else:
        doc.add(para(PLAIN, "自评表不设分值；“完成比例”为实际完成值与年度指标值之比。"))
    for caption, funds, indicators in attachment_tables(c.result):
        doc.add(para(PLAIN, caption))
        doc.add(funds)
        doc.add(para(PLAIN, ""))
        doc.add(indicators)
        doc.add(para(PLAIN, ""))


# --- the whole report ------------------------------------------------------------------------


def report_title(result: dict[str, Any], book: Optional[Book]) -> str:
    year = report_year(result, book)
    kinds = {p.get("kind", "project") for p in result.get("projects", [])}
    projects = result.get("projects", [])
    if kinds <= {"project"}:
        what = "项目支出绩效自评报告"
    elif kinds == {"department"}:
        what = "部门整体支出绩效自评报告"
    elif kinds == {"transfer"}:
        # One fund names itself (城乡医疗救助补助资金绩效自评报告); several are 转移支付资金.
        single = str(projects[0].get("name") or "") if len(projects) == 1 else ""
        what = f"{single or '转移支付资金'}绩效自评报告"
    else:
        what = "绩效自评报告"
    return f"{year or ''}{'年度' if year else ''}{unit_name(result, book)}{what}"


def build_report(result: dict[str, Any], book: Book, phrases: Phrases) -> Doc:
    """The report of one scored workbook (its JSON result and the workbook read as ``book``)."""
    c = _Ctx(result=result, book=book, phrases=phrases, unit=unit_name(result, book))
    title = report_title(result, book)
    doc = Doc(title=title, subject="绩效自评报告（初稿）")
    doc.add(para(TITLE, title))
    _section_one(c, doc)
    _section_two(c, doc)
    _section_three(c, doc)
    _section_four(c, doc)
    found = problems(c)
    _section_five(c, doc, found)
    _section_six(c, doc, found)
    _section_seven(c, doc)
    doc.add(para(PLAIN, ""))
    doc.add(para(SIGN, c.unit or fill("单位名称")))
    doc.add(para(SIGN, fill("报告日期")))
    if c.info("contact"):
        doc.add(para(PLAIN, f"（联系人：{c.info('contact')}）"))
    _attachment(c, doc)
    return doc
