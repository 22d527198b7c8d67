"""What the report's sections share: the outlines' headings, how figures are written, the
reporting unit and year, the drafting context, and the readers of one project's dict.

Nothing here writes a paragraph of its own; the section modules (report_overview,
report_results, report_problems, report_attachment) do, and report.py puts them in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from perf_xlsx.draft.book import Book
from perf_xlsx.draft.doc import Para, fill, para
from perf_xlsx.draft.phrases import Phrases
from perf_xlsx.draft.styles import BODY
from perf_xlsx.judge.numbers import fmt, round2

#: The seven sections of the standard outline, in order.
HEADINGS = ("一、项目概况", "二、项目资金使用及管理情况", "三、项目组织实施情况", "四、项目绩效情况",
            "五、主要经验做法、存在的问题及原因分析", "六、有关建议", "七、其他需要说明的问题")
#: The same outline for a 部门整体 table: the unit's whole spending, not a project.
DEPARTMENT_HEADINGS = ("一、部门（单位）概况", "二、部门整体支出使用及管理情况", "三、部门整体支出组织实施情况",
                       "四、部门整体支出绩效情况", *HEADINGS[4:])
#: ... and for a 转移支付 table: a fund passed down to the region.
TRANSFER_HEADINGS = ("一、转移支付资金概况", "二、转移支付资金使用及管理情况", "三、转移支付资金组织实施情况",
                     "四、转移支付资金绩效情况", *HEADINGS[4:])


def kind_of(projects: list[dict[str, Any]]) -> str:
    """project, department or transfer: what the workbook's tables are (mixed: project)."""
    kinds = {p.get("kind", "project") for p in projects}
    return kinds.pop() if len(kinds) == 1 and kinds <= {"department", "transfer"} else "project"


def headings(result: dict[str, Any]) -> tuple[str, ...]:
    """The seven section headings of the report of ``result``, in order."""
    kind = kind_of(result.get("projects", []))
    return DEPARTMENT_HEADINGS if kind == "department" else TRANSFER_HEADINGS if kind == "transfer" else HEADINGS


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


GROUP_LABELS = {"decision": "决策指标", "process": "过程指标", "output": "产出指标", "benefit": "效益指标",
                 "satisfaction": "满意度指标"}


def group_of(level1: str) -> str:
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
class Ctx:
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
        return kind_of(self.projects)

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


def quoted(name: Any) -> str:
    """A name in “…”, its own double quotes turned single (“‘三公’经费控制率”)."""
    return "“" + str(name).replace("“", "‘").replace("”", "’") + "”"


def shown(ind: dict[str, Any], key: str) -> str:
    """An indicator's target or actual as the table shows it (85%, not the stored 0.85)."""
    return str(ind.get(f"{key}_text") or ind.get(key) or "")


_TAIL_PAREN = re.compile(r"[（(][^（）()]*[）)]\s*$")
DEFAULT_COLUMNS = {"initial": "年初预算数", "full_year": "全年预算数", "executed": "全年执行数"}


def column_label(p: dict[str, Any], key: str) -> str:
    """A funds column as the table names it (全年预算数（A） → 全年预算数; 到位数; 支出数). A table
    without a 全年预算数 column states its budget in the 年初预算数 column, which then names it."""
    columns = p.get("funds", {}).get("columns") or {}
    if key == "full_year" and "full_year" not in columns and "initial" in columns:
        key = "initial"
    label = re.sub(r"\s+", "", str(columns.get(key) or ""))  # 全年\n预算数 as typed in a header
    while _TAIL_PAREN.search(label):
        label = _TAIL_PAREN.sub("", label)
    return label.strip() or DEFAULT_COLUMNS[key]


def has_column(p: dict[str, Any], key: str) -> bool:
    columns = p.get("funds", {}).get("columns")
    return columns is None or key in columns


def by_allocation(p: dict[str, Any]) -> bool:
    """A table whose money columns are 下达 / 到位 / 支出 (not 年初 / 全年预算 / 执行)."""
    return p.get("funds", {}).get("basis") == "allocation"


def as_sentence(text: str) -> str:
    """A quoted cell text closed as a sentence: trailing commas dropped, a 。 added if none."""
    text = text.rstrip(" ,，;；、")
    return text if not text or text.endswith(("。", "！", "？", ".", "）", ")")) else text + "。"


def lines_of(style: str, text: str) -> list[Para]:
    """A text cell as paragraphs: one per line the unit typed."""
    return [para(style, line.strip()) for line in text.split("\n") if line.strip()]


def info_or_fill(c: Ctx, key: str, what: str) -> list[Para]:
    text = c.info(key)
    return lines_of(BODY, text) if text else [para(BODY, fill(what))]


def total_row(p: dict[str, Any]) -> dict[str, Any]:
    return next((r for r in p.get("funds", {}).get("rows", []) if r.get("kind") == "total"), {})


def sum_known(values: list[Optional[float]]) -> Optional[float]:
    """The sum of ``values`` when every one is known: a total with a gap would understate."""
    known = [v for v in values if v is not None]
    return sum(known) if known and len(known) == len(values) else None


def num(x: Any) -> Optional[float]:
    """A number of the result, or None (text, a blank; True is not 1)."""
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def stated(message: str) -> str:
    """A finding's message as a statement of fact for the unit's own report: the checker's
    request to the filer (“，请核实”, “（请核对各指标分值）”) dropped."""
    text = re.sub(r"[（(]请[^（）()]*[）)]", "", message).rstrip("。 ")
    text = re.sub(r"[，；,;]\s*请[^，；。]*$", "", text)
    return text.replace("「", "“").replace("」", "”")  # a report quotes as 公文 do
