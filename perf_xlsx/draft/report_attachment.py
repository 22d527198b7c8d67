"""The report's 附件: each table as verified (funds and indicators with the 核定得分), after a
page break."""

from __future__ import annotations

from typing import Any

from perf_xlsx.draft.doc import Doc, PageBreak, Table, para
from perf_xlsx.draft.report_base import (
    Ctx,
    column_label,
    has_column,
    money,
    num,
    pct,
    pts,
    shown,
    total_row,
)
from perf_xlsx.draft.styles import PLAIN, TITLE

# --- 附件：核定的自评表 ----------------------------------------------------------------------


def _v(x: Any) -> str:
    n = num(x)
    return pts(n) if n is not None else ("" if x is None else str(x))


def _m(x: Any) -> str:
    n = num(x)
    return money(n) if n is not None else ""


def _unscored(p: dict[str, Any]) -> bool:
    """A table without any 分值 (a 转移支付 goal table): nothing to score, targets met or not."""
    return p.get("kind") == "transfer" and not num(p.get("funds", {}).get("weight")) and not any(
        num(i.get("weight")) for i in p.get("indicators", []))


def _met(ind: dict[str, Any]) -> str:
    met = ind.get("met")
    return "" if met is None or not ind.get("applicable", True) else ("达成" if met else "未达成")


def attachment_tables(result: dict[str, Any]) -> list[tuple[str, Table, Table]]:
    """Per project: its caption, the funds table and the indicator table with 核定得分 (a table
    without 分值: with each target's completion and whether it was met instead)."""
    out = []
    for p in result.get("projects", []):
        f = p.get("funds", {})
        total = total_row(p)
        money_cells = ("年度资金总额", _m(total.get("initial")), _m(f.get("budget")), _m(f.get("executed")),
                       pct(f["rate"]) if num(f.get("rate")) is not None else "")
        money_head = ("资金（万元）", column_label(p, "initial"), column_label(p, "full_year"),
                      column_label(p, "executed"), "执行率")
        rows: list[tuple[str, ...]] = []
        if _unscored(p):
            funds = Table(header=money_head, rows=(money_cells,), widths=(30, 28, 28, 28, 26),
                          centered=frozenset(range(1, 5)))
            for ind in p.get("indicators", []):
                done = num(ind.get("completion"))
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
        if not has_column(p, "initial") or not has_column(p, "full_year"):
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


def attachment(c: Ctx, doc: Doc) -> None:
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
