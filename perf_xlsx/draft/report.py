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

from typing import Any, Optional

from perf_xlsx.draft.book import Book
from perf_xlsx.draft.doc import Doc, fill, para
from perf_xlsx.draft.phrases import Phrases
from perf_xlsx.draft.report_attachment import attachment, attachment_tables
from perf_xlsx.draft.report_base import (
    DEPARTMENT_HEADINGS,
    HEADINGS,
    TRANSFER_HEADINGS,
    Ctx,
    column_label,
    headings,
    money,
    pct,
    project_noun,
    report_year,
    shown,
    unit_name,
)
from perf_xlsx.draft.report_overview import section_one, section_three, section_two
from perf_xlsx.draft.report_problems import problems, section_five, section_seven, section_six
from perf_xlsx.draft.report_results import (
    indicator_sentence,
    missed,
    section_four,
    ungraded_sentence,
)
from perf_xlsx.draft.styles import PLAIN, SIGN, TITLE

__all__ = ["DEPARTMENT_HEADINGS", "HEADINGS", "TRANSFER_HEADINGS", "attachment_tables", "build_report",
           "column_label", "headings", "indicator_sentence", "missed", "money", "pct", "problems", "project_noun",
           "report_title", "report_year", "shown", "unit_name", "ungraded_sentence"]


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
    c = Ctx(result=result, book=book, phrases=phrases, unit=unit_name(result, book))
    title = report_title(result, book)
    doc = Doc(title=title, subject="绩效自评报告（初稿）")
    doc.add(para(TITLE, title))
    section_one(c, doc)
    section_two(c, doc)
    section_three(c, doc)
    section_four(c, doc)
    found = problems(c)
    section_five(c, doc, found)
    section_six(c, doc, found)
    section_seven(c, doc)
    doc.add(para(PLAIN, ""))
    doc.add(para(SIGN, c.unit or fill("单位名称")))
    doc.add(para(SIGN, fill("报告日期")))
    if c.info("contact"):
        doc.add(para(PLAIN, f"（联系人：{c.info('contact')}）"))
    attachment(c, doc)
    return doc
