"""The 整改反馈单: the finance bureau's letter to one unit, listing what to correct.

One letter per unit, covering each workbook it sent: the verified total and grade against the
self-score, then every error and warning as a table row (工作表!单元格, 问题, 应为, 实为, 修改意见),
ordered by sheet (as in the workbook) and row. Deadline, contact and the bureau's name are left
as 【待填写】: only the bureau knows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from perf_xlsx.codes import CODES
from perf_xlsx.draft.book import Book
from perf_xlsx.draft.doc import Doc, Table, fill, para
from perf_xlsx.draft.phrases import Phrases
from perf_xlsx.draft.report import ungraded_sentence
from perf_xlsx.draft.styles import BODY, H2, PLAIN, SIGN, TITLE
from perf_xlsx.judge.numbers import fmt
from perf_xlsx.model import SEVERITY_LABELS, Severity

__all__ = ["FeedbackItem", "build_feedback", "feedback_rows"]

_CHINESE_NUMBERS = "一二三四五六七八九十"
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)")


@dataclass
class FeedbackItem:
    """One workbook of the unit: its path as the batch names it, its result, the workbook read."""

    rel: str
    result: dict[str, Any]
    book: Optional[Book] = None


# Codes whose 应为 / 实为 are not plain amounts: a rate in percent (100 for 100%), a fraction
# (0.94 for 94%), or a count of what the message names (6 项指标).
_PERCENT = frozenset({"funds.rate_mismatch"})
_FRACTION = frozenset({"funds.output_exceeds_spending", "indicator.missing_explanation"})
_COUNTED = {"goal.not_quantified": "项", "indicator.rubric_manual": "行", "read.formula_not_cached": "个"}


def _value(x: Any, code: str = "") -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "是" if x else "否"
    if isinstance(x, (int, float)):
        if code in _PERCENT:
            return fmt(float(x)) + "%"
        if code in _FRACTION:
            return fmt(float(x) * 100) + "%"
        if code in _COUNTED:
            return f"{fmt(float(x))}{_COUNTED[code]}"
        return fmt(float(x))
    return str(x)


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _order(item: FeedbackItem) -> Any:
    sheets = [s.name for s in item.book.grid.sheets] if item.book is not None else []
    sheets += [p.get("sheet") for p in item.result.get("projects", []) if p.get("sheet") not in sheets]

    def key(f: dict[str, Any]) -> tuple[int, int, int]:
        sheet = f.get("sheet")
        s = sheets.index(sheet) + 1 if sheet in sheets else (0 if not sheet else len(sheets) + 1)
        m = _CELL.match(f.get("cell") or "")
        return (s, int(m.group(2)) if m else 0, _col(m.group(1)) if m else 0)

    return key


def feedback_rows(item: FeedbackItem, phrases: Phrases) -> list[tuple[str, ...]]:
    """The table rows of one workbook: errors and warnings, by sheet and row."""
    shown = [f for f in item.result.get("findings", []) if f.get("severity") in ("error", "warning")]
    rows = []
    for f in sorted(shown, key=_order(item)):  # sorted is stable: same place, checker's order
        code = f.get("code", "")
        title = CODES[code].title if code in CODES else code
        place = f"{f['sheet']}!{f['cell']}" if f.get("sheet") and f.get("cell") else (f.get("sheet") or "—")
        severity = SEVERITY_LABELS[Severity(f["severity"])]
        rows.append((place, f"{title}（{severity}）\n{f.get('message', '')}", _value(f.get("expected"), code),
                     _value(f.get("found"), code), phrases.fix(code)))
    return [(str(n), *r) for n, r in enumerate(rows, 1)]


def _project_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for p in result.get("projects", []):
        name = p.get("name") or p.get("sheet")
        t = p.get("total", {})
        if t.get("score") is None:
            lines.append(ungraded_sentence(p))
            continue
        text = f"{name}：单位自评{fmt(t['score_entered'])}分，" if t.get("score_entered") is not None else f"{name}："
        text += f"按评分规则核定{fmt(t['score'])}分"
        text += f"，等级为“{t['grade']}”。" if t.get("grade") else "。"
        lines.append(text)
    return lines


def build_feedback(unit: str, items: list[FeedbackItem], phrases: Phrases, rules_title: str = "") -> Doc:
    title = f"{unit}绩效自评整改反馈单"
    doc = Doc(title=title, subject="整改反馈单")
    doc.add(para(TITLE, "绩效自评整改反馈单"))
    doc.add(para(PLAIN, f"{unit}："))
    rules = f"（评分规则：{rules_title}）" if rules_title else ""
    doc.add(para(BODY, f"你单位报送的绩效自评表经核对{rules}，情况如下："))
    to_fix = False  # any file to correct (or resend): the closing line asks for a resubmission
    for n, item in enumerate(items):
        number = _CHINESE_NUMBERS[n] if n < len(_CHINESE_NUMBERS) else str(n + 1)
        doc.add(para(H2, f"（{number}）{item.rel}"))
        result = item.result
        if result.get("status") != "scored":
            message = (result.get("error") or {}).get("message", "")
            doc.add(para(BODY, f"该文件未能评分：{message.rstrip('。')}。请修改后重新报送。"))
            to_fix = True
            continue
        for line in _project_lines(result):
            doc.add(para(BODY, line))
        rows = feedback_rows(item, phrases)
        errors = sum(1 for f in result.get("findings", []) if f.get("severity") == "error")
        warnings = sum(1 for f in result.get("findings", []) if f.get("severity") == "warning")
        if not rows:
            doc.add(para(BODY, "未发现需要修改的问题。"))
            continue
        to_fix = True
        found = "、".join(x for x in (f"错误{errors}处" if errors else "", f"警告{warnings}处" if warnings else "") if x)
        if errors and warnings:
            ask = "请逐项修改（警告项请核实，确无问题的可不修改）"
        elif errors:
            ask = "请逐项修改"
        else:
            ask = "请逐项核实，确有问题的予以修改"
        doc.add(para(BODY, f"发现{found}，{ask}："))
        doc.add(Table(header=("序号", "工作表!单元格", "问题", "应为", "实为", "修改意见"), rows=tuple(rows),
                      widths=(10, 26, 46, 18, 18, 38), centered=frozenset({0, 3, 4})))
    if to_fix:
        doc.add(para(BODY, "请对照上述问题修改自评表，于", fill("整改期限"), "前重新报送。"))
    else:
        doc.add(para(BODY, "经核对，上述自评表未发现需要修改的问题，无需重新报送。"))
    doc.add(para(BODY, "联系人及电话：", fill("联系人及电话")))
    doc.add(para(PLAIN, ""))
    doc.add(para(SIGN, fill("财政局（科室）名称")))
    doc.add(para(SIGN, fill("日期")))
    return doc
