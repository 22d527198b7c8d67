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

__all__ = ["HEADINGS", "build_report", "money", "pct", "unit_name", "report_year"]

#: The seven sections of the standard outline, in order.
HEADINGS = ("一、项目概况", "二、项目资金使用及管理情况", "三、项目组织实施情况", "四、项目绩效情况",
            "五、主要经验做法、存在的问题及原因分析", "六、有关建议", "七、其他需要说明的问题")

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
            return book.model.unit.unit_name
    for key in ("department", "implementer"):
        for p in result.get("projects", []):
            if p.get(key):
                return str(p[key])
    return ""


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
    doc.add(para(H1, HEADINGS[0]))
    doc.add(para(H2, "（一）项目单位基本情况。"))
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
    doc.add(para(H2, "（二）项目年度预算绩效目标、绩效指标设定情况。"))
    if c.info("work_plan"):
        for x in _lines(BODY, c.info("work_plan")):
            doc.add(x)
    for i, p in enumerate(c.projects):
        expected, _ = c.book.goal(i)
        name = p.get("name") or p.get("sheet")
        budget = p.get("funds", {}).get("budget")
        head = f"{name}：全年预算数{money(budget)}万元。" if budget is not None else f"{name}："
        doc.add(para(BODY, head, "预期目标：", _end(expected) if expected else fill("项目预期目标")))
        groups: dict[str, list[str]] = {}
        for ind in p.get("indicators", []):
            groups.setdefault(ind.get("level1") or "其他指标", []).append(f"“{ind.get('name') or '未命名'}”")
        if groups:
            listed = "；".join(f"{level1}：{'、'.join(names)}" for level1, names in groups.items())
            doc.add(para(BODY, f"绩效指标设定情况：{listed}。各指标的年度指标值和分值见附件。"))
        else:
            doc.add(para(BODY, "绩效指标设定情况：自评表未填写绩效指标。"))


# --- 二、项目资金使用及管理情况 ------------------------------------------------------------------


def _section_two(c: _Ctx, doc: Doc) -> None:
    doc.add(para(H1, HEADINGS[1]))
    doc.add(para(H2, "（一）项目资金（包括财政资金、自筹资金等）安排落实、总投入等情况分析。"))
    names = [p.get("name") or p.get("sheet") for p in c.projects]
    initial = [_total_row(p).get("initial") for p in c.projects]
    total_initial = _sum(initial)
    if total_initial is not None:
        if c.several:
            parts = "；".join(f"{n}{money(v)}万元" for n, v in zip(names, initial) if v is not None)
            doc.add(para(BODY, f"我单位项目支出年初预算为{money(total_initial)}万元，其中：{parts}。"))
        else:
            doc.add(para(BODY, f"我单位{names[0]}项目年初预算为{money(total_initial)}万元。"))
    full = [p.get("funds", {}).get("budget") for p in c.projects]
    total_full = _sum(full)
    if total_initial is None and total_full is not None:
        # The table gives no 年初预算数 (or not for every project): state the 全年预算数 instead.
        if c.several:
            parts = "；".join(f"{n}{money(v)}万元" for n, v in zip(names, full) if v is not None)
            doc.add(para(BODY, f"我单位项目支出全年预算数为{money(total_full)}万元，其中：{parts}。"))
        else:
            doc.add(para(BODY, f"我单位{names[0]}项目全年预算数为{money(total_full)}万元（自评表未填写年初预算数）。"))
    elif total_initial is None:
        doc.add(para(BODY, "项目预算：", fill("自评表未填写预算数，请补充年初预算和全年预算"), "。"))
    adjusted = [(n, a, b) for n, a, b in zip(names, initial, full) if a is not None and b is not None
                and abs(a - b) > 0.005]
    if total_full is not None and total_initial is not None:
        text = f"全年预算数为{money(total_full)}万元"
        if adjusted:
            text += "，其中年中预算调整：" + "；".join(f"{n}由{money(a)}万元调整为{money(b)}万元" for n, a, b in adjusted)
        doc.add(para(BODY, text + "。"))
    sources: dict[str, list[Optional[float]]] = {}
    labels: dict[str, str] = {}
    for p in c.projects:
        for row in p.get("funds", {}).get("rows", []):
            if row.get("kind") in ("total", "detail") or row.get("full_year") is None:
                continue
            key = row.get("kind", "")
            labels.setdefault(key, re.sub(r"^其中[：:]?\s*", "", str(row.get("label", ""))))
            sources.setdefault(key, []).append(row.get("full_year"))
    shares = [f"{labels[k]}{money(sum(v for v in vals if v is not None))}万元" for k, vals in sources.items()
              if any(v for v in vals)]
    if shares:
        doc.add(para(BODY, f"资金来源（全年预算数）：{'，'.join(shares)}。"))

    doc.add(para(H2, "（二）项目资金（主要是指财政资金）实际使用情况分析。"))
    executed = [p.get("funds", {}).get("executed") for p in c.projects]
    for p, name in zip(c.projects, names):
        f = p.get("funds", {})
        bits = []
        if f.get("budget") is not None:
            bits.append(f"全年预算数{money(f['budget'])}万元")
        if f.get("executed") is not None:
            bits.append(f"全年执行数{money(f['executed'])}万元")
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
        text = f"合计：全年预算数{money(total_full)}万元，全年执行数{money(total_exec)}万元"
        if total_full > 0:
            text += f"，执行率{pct(total_exec / total_full)}"
        doc.add(para(BODY, text + "。"))
    for x in _info_or_fill(c, "fund_use", "资金申报、审核、拨付和使用的程序与情况"):
        doc.add(x)
    doc.add(para(H2, "（三）项目资金管理情况（包括管理制度、办法的制订及执行情况）分析。"))
    for x in _info_or_fill(c, "fund_rules", "资金管理制度、办法的制订及执行情况"):
        doc.add(x)


# --- 三、项目组织实施情况 ----------------------------------------------------------------------


def _section_three(c: _Ctx, doc: Doc) -> None:
    doc.add(para(H1, HEADINGS[2]))
    doc.add(para(H2, "（一）项目组织情况（包括项目招投标情况、调整情况、完成验收等）分析。"))
    for x in _info_or_fill(c, "organization", "项目招投标、调整、完成验收等情况"):
        doc.add(x)
    doc.add(para(H2, "（二）项目管理情况（包括项目管理制度建设、日常检查监督管理等情况）分析。"))
    for x in _info_or_fill(c, "management", "项目管理制度建设、日常检查监督管理等情况"):
        doc.add(x)


# --- 四、项目绩效情况 -------------------------------------------------------------------------


def indicator_sentence(ind: dict[str, Any], reason: str) -> list[Part]:
    """One indicator in words: target, actual, completion, score, and why it was missed."""
    name = ind.get("name") or "（未命名指标）"
    target = ind.get("target") or "未填写"
    actual = ind.get("actual") or "未填写"
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
        lead = f"{name}：实际{actual}，" if ind.get("actual") else f"{name}："
        text = f"{lead}按评分标准核定得{pts(score)}分{of}"
        if weight and score < weight - 0.005:
            return [text + "。扣分原因：", _end(reason) if reason else fill("扣分原因")]
        return [text + "。"]
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
    if score is not None and weight and score < weight - 0.005:
        return [text + "。未完成年度指标值，偏差原因：", _end(reason) if reason else fill("偏差原因分析及改进措施")]
    return [text + "。"]


def _indicators_of(c: _Ctx, groups: tuple[str, ...]) -> list[tuple[int, dict[str, Any], list[dict[str, Any]]]]:
    out = []
    for i, p in enumerate(c.projects):
        rows = [ind for ind in p.get("indicators", []) if _group(ind.get("level1") or "") in groups]
        if rows:
            out.append((i, p, rows))
    return out


def _indicator_paras(c: _Ctx, doc: Doc, groups: tuple[str, ...]) -> bool:
    found = _indicators_of(c, groups)
    for n, (i, p, rows) in enumerate(found, 1):
        if c.several:
            doc.add(para(H3, f"{n}. {p.get('name') or p.get('sheet')}"))
        order = {g: n for n, g in enumerate(groups)}
        present = {_group(x.get("level1") or "") for x in rows}
        current = ""
        for ind in sorted(rows, key=lambda x: order[_group(x.get("level1") or "")]):
            group = _group(ind.get("level1") or "")
            if len(present) > 1 and group != current:
                doc.add(para(BODY, f"{_GROUP_LABELS[group]}完成情况："))
                current = group
            doc.add(para(BODY, *indicator_sentence(ind, c.book.reason(i, int(ind.get("row") or 0)))))
    return bool(found)


def _section_four(c: _Ctx, doc: Doc) -> None:
    doc.add(para(H1, HEADINGS[3]))
    for p in c.projects:
        name = p.get("name") or p.get("sheet")
        total = p.get("total", {})
        score, entered, grade = total.get("score"), total.get("score_entered"), total.get("grade")
        if score is None:
            reason = p.get("ungraded") or "自评表数据不全，无法核定总分"
            doc.add(para(BODY, f"{name}：未核定总分（{reason}）。"))
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
                doc.add(para(BODY, f"{p.get('name') or p.get('sheet')}项目年度总体目标：{_end(expected)}"))
        doc.add(para(BODY, fill("项目立项依据、决策程序和绩效目标设定过程")))
    _indicator_paras(c, doc, ("decision",))
    doc.add(para(H2, "（二）财政支出过程情况。"))
    for x in _info_or_fill(c, "process", "资金到位、实施进度与过程管理情况"):
        doc.add(x)
    _indicator_paras(c, doc, ("process",))
    doc.add(para(H2, "（三）财政支出产出情况。"))
    for i, p in enumerate(c.projects):
        _, actual = c.book.goal(i)
        if actual:
            doc.add(para(BODY, f"{p.get('name') or p.get('sheet')}年度总体目标完成情况：{_end(actual)}"))
    if not _indicator_paras(c, doc, ("output",)):
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
    names = {p.get("sheet"): p.get("name") or p.get("sheet") for p in c.projects}
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
            vague.setdefault(p.get("sheet", ""), []).append(f"“{ind.get('name')}”（{ind.get('target') or '未填写'}）")
        elif f.get("severity") == "warning":
            vague_note[f.get("sheet") or ""] = f.get("message", "")
    for sheet in dict.fromkeys([*vague, *vague_note]):
        line = f"{pre(sheet)}{'、'.join(vague.get(sheet, []))}"
        if vague_note.get(sheet):
            line += f"（{vague_note[sheet]}）" if vague.get(sheet) else vague_note[sheet]
        found.setdefault("goals_vague", []).append(line)

    for f in findings:
        if f.get("code") in _GOAL_CODES and f.get("severity") in ("error", "warning"):
            found.setdefault("goals_incomplete", []).append(f"{pre(f.get('sheet'))}{f.get('message')}")

    for i, p in enumerate(c.projects):
        for ind in p.get("indicators", []):
            score, weight = _num(ind.get("score")), _num(ind.get("weight"))
            if not ind.get("applicable", True) or score is None or not weight or score >= weight - 0.005:
                continue
            reason = c.book.reason(i, int(ind.get("row") or 0))
            if ind.get("rubric"):
                found.setdefault("missed", []).append(
                    f"{pre(p.get('sheet')).rstrip('：')}“{ind.get('name')}”：按评分标准得{pts(score)}分（分值{pts(weight)}分）；"
                    f"扣分原因：{reason or '未说明'}")
                continue
            found.setdefault("missed", []).append(
                f"{pre(p.get('sheet')).rstrip('：')}“{ind.get('name')}”：年度指标值{ind.get('target') or '未填写'}，"
                f"实际完成{ind.get('actual') or '未填写'}，得{pts(score)}分（分值{pts(weight)}分）；"
                f"偏差原因：{reason or '未说明'}")

    for f in findings:
        if f.get("code") == "indicator.missing_explanation":
            found.setdefault("unexplained", []).append(f"{pre(f.get('sheet'))}{f.get('message')}")

    low_sheets = {f.get("sheet") for f in findings if f.get("code") == "funds.low_rate_unexplained"}
    for p in c.projects:
        fu = p.get("funds", {})
        rate = _num(fu.get("rate"))
        if rate is None or not (rate < c.phrases.low_rate or p.get("sheet") in low_sheets):
            continue
        found.setdefault("low_rate", []).append(
            f"{names.get(p.get('sheet'))}：全年预算数{money(fu['budget'])}万元，全年执行数{money(fu['executed'])}万元，"
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
            found.setdefault("overclaimed", []).append(f"{pre(p.get('sheet'))}{f.get('message')}")

    for f in findings:
        if f.get("code") in _MISMATCH_CODES:
            found.setdefault("mismatch", []).append(f"{pre(f.get('sheet'))}{f.get('message')}")

    used = {id(f) for f in over_rows}
    covered = {"goal.not_quantified", "indicator.missing_explanation", "funds.low_rate_unexplained",
               *_MISMATCH_CODES, *_GOAL_CODES}
    errors = [f for f in findings if f.get("severity") == "error" and id(f) not in used and f.get("code") not in covered]
    for f in errors[:8]:
        title = CODES[f["code"]].title if f.get("code") in CODES else ""
        place = pre(f.get("sheet")) if f.get("sheet") in names else f"{f.get('sheet') or '工作簿'}："
        found.setdefault("data_errors", []).append(f"{place}{title}——{f.get('message')}")
    if len(errors) > 8:
        found["data_errors"].append("其余差错见整改反馈单")
    return [(problem, found[key]) for key, problem in c.phrases.problems.items() if key in found]


def _section_five(c: _Ctx, doc: Doc, found: list[tuple[Problem, list[str]]]) -> None:
    doc.add(para(H1, HEADINGS[4]))
    doc.add(para(H2, "（一）主要经验做法。"))
    for x in _info_or_fill(c, "experience", "主要经验做法"):
        doc.add(x)
    doc.add(para(H2, "（二）存在的问题及原因分析。"))
    n = 0
    for problem, lines in found:
        n += 1
        doc.add(para(H3, f"{n}. {problem.title}。"))
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
    doc.add(para(H1, HEADINGS[5]))
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
    doc.add(para(H1, HEADINGS[6]))
    wrote = False
    if c.info("other"):
        for x in _lines(BODY, c.info("other")):
            doc.add(x)
        wrote = True
    for sheet, text in c.book.notes:
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


def attachment_tables(result: dict[str, Any]) -> list[tuple[str, Table, Table]]:
    """Per project: its caption, the funds table and the indicator table with 核定得分."""
    out = []
    for p in result.get("projects", []):
        f = p.get("funds", {})
        total = _total_row(p)
        funds = Table(
            header=("资金（万元）", "年初预算数", "全年预算数", "全年执行数", "执行率", "分值", "自评得分", "核定得分"),
            rows=(("年度资金总额", _m(total.get("initial")), _m(f.get("budget")), _m(f.get("executed")),
                   pct(f["rate"]) if _num(f.get("rate")) is not None else "", _v(f.get("weight")),
                   _v(f.get("score_entered")), _v(f.get("score"))),),
            widths=(26, 18, 18, 18, 16, 14, 18, 18), centered=frozenset(range(1, 8)))
        rows = []
        for ind in p.get("indicators", []):
            rows.append((ind.get("level1") or "", ind.get("level2") or "", ind.get("name") or "",
                         ind.get("target") or "", ind.get("actual") or "", _v(ind.get("weight")),
                         _v(ind.get("score_entered")), _v(ind.get("score")) if ind.get("applicable", True) else "不适用"))
        t = p.get("total", {})
        rows.append(("总分", "", "", "", "", _v(t.get("weight")), _v(t.get("score_entered")), _v(t.get("score"))))
        rows.append(("等级", "", "", "", "", "", "", t.get("grade") or (p.get("ungraded") or "未定级")))
        indicators = Table(header=("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "自评得分", "核定得分"),
                           rows=tuple(rows), widths=(18, 20, 30, 20, 20, 12, 14, 14),
                           bold_rows=frozenset({len(rows) - 2, len(rows) - 1}), centered=frozenset({3, 4, 5, 6, 7}))
        out.append((f"{p.get('name') or p.get('sheet')}（工作表「{p.get('sheet')}」）", funds, indicators))
    return out


def _attachment(c: _Ctx, doc: Doc) -> None:
    doc.add(PageBreak())
    doc.add(para(PLAIN, "附件"))
    kind = "项目支出" if all(p.get("kind", "project") == "project" for p in c.projects) else ""
    doc.add(para(TITLE, f"{kind}绩效自评表（核定）"))
    doc.add(para(PLAIN, "“核定得分”为按评分规则（", str(c.result.get("profile", "")), "）重新计算的得分。"))
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
    what = "项目支出绩效自评报告" if kinds <= {"project"} else ("部门整体支出绩效自评报告" if kinds == {"department"}
                                                          else "绩效自评报告")
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
