"""The 汇总 sheet in front of the scored copy: the workbook's facts, each project's scores, the
unit sheet check, every finding with a link to its cell, what the copy does not carry, and a
legend of the marks."""

from __future__ import annotations

from typing import Any, Optional

from perf_xlsx.judge.numbers import round2
from perf_xlsx.model import SEVERITY_LABELS, Severity
from perf_xlsx.ooxml.sheet_build import (
    SheetBuilder,
    blank_tail,
    line_counter,
    number_tail,
    text_tail,
)
from perf_xlsx.ooxml.text import wrapped_lines
from perf_xlsx.version import __version__
from perf_xlsx.write.context import (
    DETAIL_SHEET,
    SEVERITY_RANK,
    TOOL_HEADER,
    Build,
    NewSheet,
    link_to,
)
from perf_xlsx.write.look import Look

WIDTHS = (6, 14, 26, 12, 12, 10, 10, 10, 13, 13, 10, 8, 7, 7)
PROJECT_HEADS = ("序号", "工作表", "项目名称", "全年预算数", "全年执行数", "执行率", "资金得分",
                 "指标得分", "总分（核定）", "总分（自评）", "自评−核定", "等级", "错误", "警告")
TITLE_ROWS = "$1:$1"
FOOTER = "&C第 &P 页，共 &N 页"
TAB_COLOR = "FF2F75B5"
RESULT_LINE_LEGEND = "核定总分、等级、错误与警告数"


def build_summary(b: Build, look: Look, name: str, dropped_sheets: frozenset[int]) -> NewSheet:
    """汇总, the selected first sheet. ``b.notes`` must be complete: its section three lists
    them."""
    st, sb, res = look, SheetBuilder(), b.result
    widths = list(WIDTHS)
    for i, w in enumerate(widths, 1):
        sb.widths[i] = w
    last = len(widths)
    unit = b.model.unit
    projects = [ps.project for ps in res.scores]
    unit_name = (unit.unit_name if unit and unit.unit_name else "") or \
        next((p.department for p in projects if p.department), "")
    year = (unit.year if unit and unit.year else None) or next((p.year for p in projects if p.year), None)

    # Named after the tables it sums up (项目支出 / 部门整体), or plainly when the kinds are mixed.
    labels = {p.kind.label.removesuffix("表") for p in projects} if projects else {"项目支出绩效自评"}
    sb.text(1, 1, f"{labels.pop() if len(labels) == 1 else '绩效自评'} 评分汇总", st.title)
    sb.merge(1, 1, 1, last)
    sb.height(1, 24)
    info = [("单位", unit_name or "（未写明）"), ("年度", f"{year} 年" if year else "（未写明）"),
            ("评分规则", f"{b.profile.name}（{b.profile.title}）"),
            ("源文件", b.input_name), ("源文件 SHA-256", res.sha256 or "—")]
    row = 2
    for label, value in info:
        sb.text(row, 1, label, st.label)
        sb.merge(row, 1, row, 2)
        sb.text(row, 3, value, st.plain)
        sb.merge(row, 3, row, last)
        row += 1

    row += 1
    sb.text(row, 1, "一、项目得分（金额单位：万元；总分（核定）为工具按评分规则核定的分数）", st.section)
    row += 1
    sb.put_row(row, _header_tails(PROJECT_HEADS, st.header))
    sb.height(row, 30)
    row += 1
    name_lines, sheet_lines = line_counter(widths[2]), line_counter(widths[1])
    number, s_num = number_tail, st.num
    for n, ps in enumerate(res.scores, 1):
        p, f = ps.project, ps.funds
        target = link_to(b, dropped_sheets, p.sheet, "A1")
        if target:
            sb.link(row, 2, target, f"转到工作表 {p.sheet}")
        # No indicator total where rows are left to a person: it would pass for a verified one.
        ind_score = round2(sum(r.counted for r in ps.indicators)) \
            if ps.indicators and ps.raw is not None else None
        diff = round2(ps.score_entered - ps.score) if ps.score is not None and ps.score_entered is not None else None
        in_sheet = [x for x in res.findings if x.sheet == p.sheet]
        sb.put_row(row, [
            number(n, st.int_), text_tail(p.sheet, st.link), text_tail(p.name or "（未写明）", st.text),
            number(f.budget, s_num), number(f.executed, s_num), number(f.rate, st.pct),
            number(f.score, s_num), number(ind_score, s_num), number(ps.score, s_num),
            number(ps.score_entered, s_num), number(diff, s_num),
            text_tail(ps.grade or ("未定级" if ps.ungraded else "—"), st.center),
            number(sum(1 for x in in_sheet if x.severity is Severity.ERROR), st.int_),
            number(sum(1 for x in in_sheet if x.severity is Severity.WARNING), st.int_),
        ])
        sb.height(row, 13.5 * max(name_lines(p.name or ""), sheet_lines(p.sheet)) + 4)
        row += 1
    # Plain values, no formulas: a viewer that never recalculates shows the same figures,
    # and the tool-written parts hold no <f> at all (hostile-input.md B).
    sb.text(row, 1, "合计", st.header)
    sb.merge(row, 1, row, 3, st.header)
    budgets = [ps.funds.budget for ps in res.scores if ps.funds.budget is not None]
    spent = [ps.funds.executed for ps in res.scores if ps.funds.executed is not None]
    total_budget = round(sum(budgets), 6) if budgets else None
    total_spent = round(sum(spent), 6) if spent else None
    sb.number(row, 4, total_budget, st.num)
    sb.number(row, 5, total_spent, st.num)
    if total_budget and total_spent is not None:
        sb.number(row, 6, total_spent / total_budget, st.pct)
    else:
        sb.text(row, 6, "—", st.center)
    project_sheets = {ps.project.sheet for ps in res.scores}
    sb.number(row, 13, sum(1 for x in res.findings if x.severity is Severity.ERROR
                           and x.sheet in project_sheets), st.int_)
    sb.number(row, 14, sum(1 for x in res.findings if x.severity is Severity.WARNING
                           and x.sheet in project_sheets), st.int_)
    for c in range(7, 13):
        sb.blank(row, c, st.text)
    row += 1
    sb.text(row, 1, "单位汇总表核对", st.header)
    sb.merge(row, 1, row, 3, st.header)
    unit_findings = [x for x in res.findings if x.code.startswith("unit.")]
    if unit is None:
        check = "未找到单位项目清单（汇总）表，未核对"
    elif not unit_findings:
        check = f"工作表「{unit.sheet}」与各项目表一致"
    else:
        check = f"工作表「{unit.sheet}」有 {len(unit_findings)} 处不一致：" + "；".join(x.message for x in unit_findings)
    sb.text(row, 4, check, st.text)
    sb.merge(row, 4, row, last, st.text)
    sb.height(row, 13.5 * wrapped_lines(check, sum(widths[3:])) + 4)
    row += 1
    for ps in res.scores:
        if ps.score is None and ps.ungraded:  # why the 等级 column says 未定级
            why = f"{ps.project.kind.label}「{ps.project.sheet}」：{ps.ungraded}"
            sb.text(row, 1, "未定级", st.header)
            sb.merge(row, 1, row, 3, st.header)
            sb.text(row, 4, why, st.text)
            sb.merge(row, 4, row, last, st.text)
            sb.height(row, 13.5 * wrapped_lines(why, sum(widths[3:])) + 4)
            row += 1
    row += 1

    errors = sum(1 for x in res.findings if x.severity is Severity.ERROR)
    warnings = sum(1 for x in res.findings if x.severity is Severity.WARNING)
    infos = len(res.findings) - errors - warnings
    sb.text(row, 1, f"二、问题清单（错误 {errors}，警告 {warnings}，提示 {infos}）", st.section)
    row += 1
    if not res.findings:
        sb.text(row, 1, "未发现问题", st.ok)
        sb.merge(row, 1, row, last, st.ok)
        row += 1
    else:
        row = _finding_rows(b, look, dropped_sheets, sb, row, widths)
    row += 1
    sb.text(row, 1, "三、未带入输出的内容", st.section)
    row += 1
    for note in b.notes or ["无：原工作簿的全部内容均已保留"]:
        sb.text(row, 1, note, st.plain)
        sb.merge(row, 1, row, last)
        sb.height(row, 13.5 * wrapped_lines(note, sum(widths)) + 4)
        row += 1
    row += 1
    sb.text(row, 1, "四、说明", st.section)
    row += 1
    legend = [
        f"本工作簿由 perf_xlsx {__version__} 生成：原有工作表的内容、公式和格式均未改动，只作如下标注——",
        f"1. 各项目表的表格右侧新增“{TOOL_HEADER}”列（浅蓝色），为工具按所选评分规则核定的资金得分、各指标得分和总分；",
        "2. 有错误的单元格标为红色；有警告的，以及自评数与核定数不一致但本身未判为错误的（如总分随指标得分变动），"
        "标为黄色；原因写在单元格批注中；",
        f"3. “{DETAIL_SHEET}”工作表列出每个指标的计分过程；问题清单中的单元格可点击跳转；",
        f"4. 各项目表的表格下方新增一行评分结果（{RESULT_LINE_LEGEND}）",
    ]
    notes = list(b.print_notes)
    if b.replaced:
        restored = {None: "", True: "；上次标色的单元格已恢复原有格式",
                    False: "；上次标色的单元格，能判定原有格式的已恢复，其余仍为上次的颜色"}[b.marks_restored]
        notes.append(f"本文件是本工具评分后的副本：上次评分加入的{'、'.join(b.replaced)}已删除，"
                     f"由本次评分的结果替换{restored}")
    legend += [f"{n}. {note}" for n, note in enumerate(notes, len(legend))]
    # Items end in "；", the last in "。", as the first three do.
    legend[1:] = [line.rstrip("；。") + "；" for line in legend[1:-1]] + [legend[-1].rstrip("；。") + "。"]
    for line in legend:
        sb.text(row, 1, line, st.plain)
        sb.merge(row, 1, row, last)
        sb.height(row, 13.5 * wrapped_lines(line, sum(widths)) + 4)
        row += 1
    data = sb.to_bytes(selected=True, footer=FOOTER, tab_color=TAB_COLOR)
    return NewSheet(name, data, TITLE_ROWS)


def _finding_rows(b: Build, look: Look, dropped_sheets: frozenset[int], sb: SheetBuilder, row: int,
                  widths: list[int]) -> int:
    st = look
    # 序号 级别 工作表 单元格 | 说明 E:J | 应为 K:L | 实为 M:N
    # The merged areas' other cells carry the header format too (their borders are drawn).
    sb.put_row(row, _header_tails(FINDING_HEADS, st.header))
    sb.merges += (f"E{row}:J{row}", f"K{row}:L{row}", f"M{row}:N{row}")
    row += 1
    ordered = sorted(b.result.findings, key=lambda f: SEVERITY_RANK[f.severity])
    text_lines = line_counter(sum(widths[4:10]))
    sheet_lines = line_counter(widths[2])
    text, number = text_tail, number_tail
    # Members of the merged areas: borders are drawn from every member cell.
    fill = blank_tail(st.text)
    levels = {Severity.ERROR: st.err, Severity.WARNING: st.warn}
    for n, f in enumerate(ordered, 1):
        target = link_to(b, dropped_sheets, f.sheet, f.cell) if f.sheet else None
        if f.cell:
            cell = text(f.cell, st.link if target else st.center)
            if target:
                sb.link(row, 4, target, f"转到 {f.sheet}!{f.cell}")
        else:
            cell = blank_tail(st.center)
        sb.put_row(row, [
            number(n, st.int_), text(SEVERITY_LABELS[f.severity], levels.get(f.severity, st.center)),
            text(f.sheet or "（整个文件）", st.text), cell,
            text(f.message, st.text), fill, fill, fill, fill, fill,
            _value(look, f.expected), fill, _value(look, f.found), fill,
        ])
        sb.merges += (f"E{row}:J{row}", f"K{row}:L{row}", f"M{row}:N{row}")
        lines = max(text_lines(f.message), sheet_lines(str(f.sheet or "")))
        sb.height(row, 13.5 * lines + 4)
        row += 1
    return row


# 序号 级别 工作表 单元格 | 说明 E:J | 应为 K:L | 实为 M:N: None for a merged area's other cells.
FINDING_HEADS = ("序号", "级别", "工作表", "单元格", "说明", None, None, None, None, None, "应为", None, "实为", None)
_HEADERS: dict[tuple[tuple[Optional[str], ...], int], list[str]] = {}


def _header_tails(heads: tuple[Optional[str], ...], style: int) -> list[str]:
    """A header row's cells (None: a blank of the same format), the same in every copy but for
    the format index: rendered once per index."""
    got = _HEADERS.get((heads, style))
    if got is None:
        if len(_HEADERS) >= 64:
            _HEADERS.clear()
        got = _HEADERS[(heads, style)] = [blank_tail(style) if h is None else text_tail(h, style) for h in heads]
    return got


def _value(look: Look, value: Any) -> str:
    """An expected or found value as a cell tail: yes/no, whole number, number or text."""
    if isinstance(value, bool):
        return text_tail("是" if value else "否", look.center)
    if isinstance(value, int):
        return number_tail(value, look.int_)
    if isinstance(value, float):
        return number_tail(value, look.num)
    if value is None:
        return blank_tail(look.text)
    return text_tail(value, look.text)
