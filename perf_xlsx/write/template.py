"""The standard 项目支出绩效自评表 workbook: blank template or the filled seed example.

One workbook holds a 填报说明 sheet written from the active rules profile (so the help text
and the checker can never disagree), a 项目清单 unit sheet and one national-layout project
sheet per project (财预〔2020〕10号 附件1, scoring-rules.md §1.1).

Every formula is written with its cached value: the checker, pandas and other readers that
do not recalculate see the same figures a spreadsheet program shows. Totals sit below their
blocks and their SUM ranges start at the header row, so rows inserted anywhere inside a
block are picked up by Excel/WPS/LibreOffice.

What is written comes from template_data (structure, data, the seed example) and
template_help (the 填报说明 text); this module lays the sheets out and writes them.
"""

from __future__ import annotations

import math
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from perf_xlsx.a1 import quote_sheet
from perf_xlsx.a1 import ref as a1
from perf_xlsx.fileutil import atomic_write
from perf_xlsx.judge.numbers import round2
from perf_xlsx.judge.scoring import funds_points
from perf_xlsx.read.unit_info import FIELDS as UNIT_INFO_FIELDS
from perf_xlsx.read.unit_info import UNIT_INFO_SHEET
from perf_xlsx.rules import Profile
from perf_xlsx.write.template_data import (
    BLANK_ROWS,
    DEFAULT_BLANK_ROWS,
    GRADES,
    FundsLine,
    IndicatorLine,
    Number,
    ProjectData,
    WorkbookData,
    blank_data,
    example_data,
    fit_to_profile,
    indicator_structure,
    int_if_whole,
)
from perf_xlsx.write.template_help import help_lines

__all__ = ["DEFAULT_FILENAME", "DEFAULT_NOTE", "UNIT_INFO_NOTE", "write_template", "write_workbook"]

DEFAULT_FILENAME = "项目支出绩效自评表.xlsx"
#: The note under a blank project table: the template's own words, not the unit's (the report
#: draft does not quote it as the unit's 其他需要说明的问题).
DEFAULT_NOTE = "说明：浅黄色单元格为填报项，灰色单元格为自动计算；填报口径和评分规则见「填报说明」工作表。"
HELP_SHEET = "填报说明"
UNIT_SHEET = "项目清单"
# A fixed creation time keeps the output byte-for-byte reproducible (the committed template
# is compared with a fresh one in the tests).
CREATED = datetime(2020, 1, 1)

# --- cell positions on a project sheet (1-based rows, columns A=1 …) -----------------------

NCOLS = 10  # A..J
COL_WIDTHS = (10, 12, 20, 30, 13, 13, 11, 9, 10, 26)
R_TITLE, R_YEAR, R_UNIT, R_NAME, R_DEPT = 1, 2, 3, 4, 5
R_FUNDS_HEAD = 6
R_FUNDS_TOTAL = 7
FUNDS_PARTS = ("current_appropriation", "carry_over", "other")
FUNDS_LABELS = {"total": "年度资金总额", "current_appropriation": "其中：当年财政拨款",
                "carry_over": "上年结转资金", "other": "其他资金"}
R_GOAL_HEAD = R_FUNDS_TOTAL + len(FUNDS_PARTS) + 1  # 11
R_GOAL_TEXT = R_GOAL_HEAD + 1
R_IND_HEAD = R_GOAL_TEXT + 1  # 13
# funds block columns
C_INITIAL, C_FULL, C_EXEC, C_FW, C_RATE, C_FS = 5, 6, 7, 8, 9, 10
# indicator block columns
C_L1, C_L2, C_NAME, C_TARGET, C_ACTUAL, C_W, C_S, C_REASON = 2, 3, 4, 5, 6, 7, 8, 9

# --- computing the cached values -----------------------------------------------------------


def _sum(values: list[Optional[Number]]) -> Optional[float]:
    filled = [float(v) for v in values if v is not None]
    return round(sum(filled), 6) if filled else None


def _rate(budget: Optional[float], spent: Optional[float]) -> Optional[float]:
    if not budget or spent is None:
        return None
    return spent / budget


def _funds_score(rate: Optional[float], weight: float, profile: Profile) -> Optional[float]:
    """What the sheet's funds-score formula gives (see _funds_score_formula)."""
    if rate is None:
        return None
    return funds_points(rate, weight, profile)[0]


def _num_text(x: Number) -> str:
    # Full precision: the formula must step at exactly the profile's thresholds.
    return f"{x:.15g}"


def _funds_score_formula(rate: str, weight: str, profile: Profile) -> str:
    if profile.funds.scoring == "intervals":
        expr = "0"
        for minimum, share in reversed(profile.funds.intervals):
            expr = f"IF({rate}>={_num_text(minimum)},{_num_text(share)},{expr})"
        return f'=IF({rate}="","",ROUND({weight}*{expr},2))'
    capped = f"MIN({rate},1)" if profile.funds.cap_at_weight else rate
    return f'=IF({rate}="","",ROUND({capped}*{weight},2))'



# --- writing -------------------------------------------------------------------------------

def _text_units(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _height(text: str, width: float, line: float = 15.0, minimum: float = 15.0) -> float:
    """Row height (points) for wrapped text: neither Excel nor WPS grows rows on open."""
    usable = max(width - 2, 4)
    lines = sum(max(1, math.ceil(_text_units(part) / usable)) for part in text.split("\n"))
    return max(minimum, lines * line)


class _Formats:
    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "border": 1, "text_wrap": True}
        inp = dict(base, font_name="仿宋", bg_color="#FFF2CC")
        calc = dict(base, bg_color="#E7E6E6")
        self.title = wb.add_format({"font_name": "宋体", "font_size": 18, "bold": True, "align": "center",
                                    "valign": "vcenter"})
        self.subtitle = wb.add_format({"font_name": "宋体", "font_size": 12, "align": "center", "valign": "vcenter"})
        self.unit = wb.add_format({"font_name": "宋体", "font_size": 11, "align": "right", "valign": "vcenter"})
        self.label = wb.add_format(dict(base, align="center"))
        self.label_bold = wb.add_format(dict(base, align="center", bold=True))
        self.label_left = wb.add_format(dict(base, align="left"))
        self.input_text = wb.add_format(dict(inp, align="left"))
        self.input_center = wb.add_format(dict(inp, align="center"))
        self.input_money = wb.add_format(dict(inp, align="right", num_format="#,##0.00"))
        self.input_number = wb.add_format(dict(inp, align="center", num_format="General"))
        self.calc_money = wb.add_format(dict(calc, align="right", num_format="#,##0.00"))
        self.calc_pct = wb.add_format(dict(calc, align="center", num_format="0.00%"))
        self.calc_score = wb.add_format(dict(calc, align="center", num_format="0.00"))
        self.calc_number = wb.add_format(dict(calc, align="center", num_format="General"))
        self.calc_text = wb.add_format(dict(calc, align="left"))
        self.note = wb.add_format({"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True})
        self.help_title = wb.add_format({"font_name": "宋体", "font_size": 16, "bold": True, "align": "center",
                                         "valign": "vcenter"})
        self.help_topic = wb.add_format({"font_name": "宋体", "font_size": 11, "bold": True, "valign": "top",
                                         "border": 1, "text_wrap": True})
        self.help_text = wb.add_format({"font_name": "宋体", "font_size": 11, "valign": "top", "border": 1,
                                        "text_wrap": True})


class _Sheet:
    """1-based wrapper around an xlsxwriter worksheet."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    def put(self, row: int, col: int, value: Any, fmt_: Any) -> None:
        if value is None or value == "":
            self.ws.write_blank(row - 1, col - 1, None, fmt_)
        else:
            self.ws.write(row - 1, col - 1, value, fmt_)

    def merge(self, r1: int, c1: int, r2: int, c2: int, value: Any, fmt_: Any) -> None:
        if (r1, c1) == (r2, c2):
            self.put(r1, c1, value, fmt_)
        else:
            self.ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, "" if value is None else value, fmt_)

    def formula(self, row: int, col: int, formula: str, fmt_: Any, value: Any) -> None:
        cached: Any = "" if value is None else value
        self.ws.write_formula(row - 1, col - 1, formula, fmt_, cached)

    def validate(self, r1: int, c1: int, r2: int, c2: int, options: dict[str, Any]) -> None:
        self.ws.data_validation(r1 - 1, c1 - 1, r2 - 1, c2 - 1, options)


MONEY_TIP = {"validate": "decimal", "criteria": ">=", "value": 0,
             "input_title": "金额（万元）", "input_message": "填写数字，单位万元；不适用的留空（按 0 计），不要填“—”。",
             "error_title": "金额应为数字", "error_message": "请填写不小于 0 的数字（单位万元），不适用的留空。"}


@dataclass
class _Written:
    """A project's 年度资金总额 as the 项目清单 shows it."""

    sheet: str
    name: str
    initial: Optional[float]
    full_year: Optional[float]
    executed: Optional[float]


def _totals(p: ProjectData) -> _Written:
    lines = [p.funds.get(k, FundsLine()) for k in FUNDS_PARTS]
    return _Written(sheet=p.sheet, name=p.name, initial=_sum([v.initial for v in lines]),
                    full_year=_sum([v.full_year for v in lines]), executed=_sum([v.executed for v in lines]))


def _write_project(wb: Any, f: _Formats, p: ProjectData, year: int, profile: Profile,
                   example: bool) -> None:
    ws = wb.add_worksheet(p.sheet)
    s = _Sheet(ws)
    for i, width in enumerate(COL_WIDTHS):
        ws.set_column(i, i, width)

    s.merge(R_TITLE, 1, R_TITLE, NCOLS, "项目支出绩效自评表", f.title)
    ws.set_row(R_TITLE - 1, 30)
    s.merge(R_YEAR, 1, R_YEAR, NCOLS, f"（{year}年度）", f.subtitle)
    ws.set_row(R_YEAR - 1, 20)
    s.merge(R_UNIT, 8, R_UNIT, NCOLS, "单位：万元", f.unit)

    s.merge(R_NAME, 1, R_NAME, 2, "项目名称", f.label)
    s.merge(R_NAME, 3, R_NAME, NCOLS, p.name, f.input_text)
    s.merge(R_DEPT, 1, R_DEPT, 2, "主管部门", f.label)
    s.merge(R_DEPT, 3, R_DEPT, 6, p.department, f.input_text)
    s.merge(R_DEPT, 7, R_DEPT, 8, "实施单位", f.label)
    s.merge(R_DEPT, 9, R_DEPT, NCOLS, p.implementer, f.input_text)
    for r in (R_NAME, R_DEPT):
        ws.set_row(r - 1, 22)

    # --- funds -----------------------------------------------------------------------------
    last_part = R_FUNDS_TOTAL + len(FUNDS_PARTS)
    s.merge(R_FUNDS_HEAD, 1, last_part, 2, "项目资金（万元）", f.label)
    s.merge(R_FUNDS_HEAD, 3, R_FUNDS_HEAD, 4, None, f.label)
    for col, text in ((C_INITIAL, "年初预算数"), (C_FULL, "全年预算数"), (C_EXEC, "全年执行数"),
                      (C_FW, "分值"), (C_RATE, "执行率"), (C_FS, "得分")):
        s.put(R_FUNDS_HEAD, col, text, f.label)
    ws.set_row(R_FUNDS_HEAD - 1, 22)
    parts = {k: p.funds.get(k, FundsLine()) for k in FUNDS_PARTS}
    first_part = R_FUNDS_TOTAL + 1
    col_values: dict[int, list[Optional[Number]]] = {C_INITIAL: [], C_FULL: [], C_EXEC: []}
    for i, key in enumerate(FUNDS_PARTS):
        r = first_part + i
        line = parts[key]
        s.merge(r, 3, r, 4, FUNDS_LABELS[key], f.label_left)
        for col, value in ((C_INITIAL, line.initial), (C_FULL, line.full_year), (C_EXEC, line.executed)):
            s.put(r, col, value, f.input_money)
            col_values[col].append(value)
        s.put(r, C_FW, "—", f.calc_number)
        rate_f = f'=IF(OR(N({a1(r, C_FULL)})=0,{a1(r, C_EXEC)}=""),"",{a1(r, C_EXEC)}/{a1(r, C_FULL)})'
        s.formula(r, C_RATE, rate_f, f.calc_pct, _rate(_f(line.full_year), _f(line.executed)))
        s.put(r, C_FS, "—", f.calc_number)
    s.validate(first_part, C_INITIAL, last_part, C_EXEC, MONEY_TIP)
    totals: dict[int, Optional[float]] = {}
    r = R_FUNDS_TOTAL
    s.merge(r, 3, r, 4, FUNDS_LABELS["total"], f.label_left)
    for col in (C_INITIAL, C_FULL, C_EXEC):
        rng = f"{a1(first_part, col)}:{a1(last_part, col)}"
        totals[col] = _sum(col_values[col])
        # Blank (not 0) until something is entered, so a blank form reads as "not filled in".
        s.formula(r, col, f'=IF(COUNT({rng})=0,"",SUM({rng}))', f.calc_money, totals[col])
    weight = profile.funds_weight
    s.put(r, C_FW, int_if_whole(weight), f.calc_number)
    rate = _rate(totals[C_FULL], totals[C_EXEC])
    s.formula(r, C_RATE, f'=IF(OR(N({a1(r, C_FULL)})=0,{a1(r, C_EXEC)}=""),"",{a1(r, C_EXEC)}/{a1(r, C_FULL)})',
              f.calc_pct, rate)
    funds_score = _funds_score(rate, weight, profile)
    s.formula(r, C_FS, _funds_score_formula(a1(r, C_RATE), a1(r, C_FW), profile), f.calc_score, funds_score)
    for rr in range(R_FUNDS_TOTAL, last_part + 1):
        ws.set_row(rr - 1, 20)

    # --- 年度总体目标 ----------------------------------------------------------------------------
    s.merge(R_GOAL_HEAD, 1, R_GOAL_TEXT, 2, "年度总体目标", f.label)
    s.merge(R_GOAL_HEAD, 3, R_GOAL_HEAD, 6, "预期目标", f.label)
    s.merge(R_GOAL_HEAD, 7, R_GOAL_HEAD, NCOLS, "实际完成情况", f.label)
    s.merge(R_GOAL_TEXT, 3, R_GOAL_TEXT, 6, p.goal_expected, f.input_text)
    s.merge(R_GOAL_TEXT, 7, R_GOAL_TEXT, NCOLS, p.goal_actual, f.input_text)
    left_w = sum(COL_WIDTHS[2:6])
    right_w = sum(COL_WIDTHS[6:])
    ws.set_row(R_GOAL_TEXT - 1, max(48.0, _height(p.goal_expected, left_w), _height(p.goal_actual, right_w)))

    # --- 绩效指标 ------------------------------------------------------------------------------
    h = R_IND_HEAD
    for col, text in ((C_L1, "一级指标"), (C_L2, "二级指标"), (C_NAME, "三级指标"), (C_TARGET, "年度指标值"),
                      (C_ACTUAL, "实际完成值"), (C_W, "分值"), (C_S, "得分")):
        s.put(h, col, text, f.label)
    s.merge(h, C_REASON, h, NCOLS, "偏差原因分析及改进措施", f.label)
    ws.set_row(h - 1, 24)

    by_group: dict[tuple[str, str], list[IndicatorLine]] = {}
    for given in p.indicators:
        by_group.setdefault((given.level1, given.level2), []).append(given)
    structure = indicator_structure(profile)
    known = {(l1, l2) for l1, l2s in structure for l2 in l2s}
    extra = [k for k in by_group if k not in known]
    if extra:  # names outside the standard structure still get their own rows
        raise ValueError(f"示例指标的一级/二级名称不在标准结构中：{extra}")
    row = h + 1
    ind_weights: list[float] = []
    ind_scores: list[float] = []
    level1_names = [l1 for l1, _ in structure]
    for l1, level2s in structure:
        l1_start = row
        for l2 in level2s:
            lines = by_group.get((l1, l2), [])
            blank = BLANK_ROWS.get(l2, DEFAULT_BLANK_ROWS)
            # The example shows a filled form: its groups have just the rows they use (empty
            # groups keep one row so the standard structure stays visible).
            count = max(len(lines), 1) if example else max(len(lines), blank)
            l2_start = row
            for i in range(count):
                ind = lines[i] if i < len(lines) else None
                ws.set_row(row - 1, max(18.0, _height(ind.name, COL_WIDTHS[C_NAME - 1]) if ind else 18.0,
                                        _height(ind.reason, COL_WIDTHS[8] + COL_WIDTHS[9]) if ind else 18.0))
                s.put(row, C_NAME, ind.name if ind else None, f.input_text)
                s.put(row, C_TARGET, ind.target if ind else None, f.input_center)
                s.put(row, C_ACTUAL, ind.actual if ind else None, f.input_center)
                s.put(row, C_W, ind.weight if ind else None, f.input_number)
                s.put(row, C_S, ind.score if ind else None, f.input_number)
                s.merge(row, C_REASON, row, NCOLS, ind.reason if ind and ind.reason else None, f.input_text)
                if ind is not None:
                    ind_weights.append(float(ind.weight))
                    if ind.score is not None:
                        ind_scores.append(float(ind.score))
                row += 1
            s.merge(l2_start, C_L2, row - 1, C_L2, l2, f.label)
        s.merge(l1_start, C_L1, row - 1, C_L1, l1, f.label)
    last_ind = row - 1
    s.merge(h, 1, last_ind, 1, "绩效指标", f.label)

    first = h + 1
    s.validate(first, C_L1, last_ind, C_L1, {
        "validate": "list", "source": level1_names, "error_type": "warning",
        "input_title": "一级指标", "input_message": "从下拉列表选择一级指标。",
        "error_title": "一级指标名称", "error_message": "不是标准的一级指标名称，确定要使用吗？"})
    s.validate(first, C_L2, last_ind, C_L2, {
        "validate": "list", "source": [n for _, l2s in structure for n in l2s], "error_type": "warning",
        "input_title": "二级指标", "input_message": "从下拉列表选择二级指标；不适用的二级指标留空。",
        "error_title": "二级指标名称", "error_message": "不是标准的二级指标名称，确定要使用吗？"})
    s.validate(first, C_TARGET, last_ind, C_TARGET, {
        "validate": "any", "input_title": "年度指标值（照抄批复目标）",
        "input_message": "符号+数值+单位，如 ≥4场、≥95%、≤200万元、=1个；定性指标写预期效果。自评时不得修改。"})
    s.validate(first, C_ACTUAL, last_ind, C_ACTUAL, {
        "validate": "list", "source": list(GRADES), "show_error": False,
        "input_title": "实际完成值",
        "input_message": "定量指标填写实际数值和单位（如 5场、98.5%），不带 ≥ ≤；定性指标从下拉列表选择完成等级。"})
    s.validate(first, C_W, last_ind, C_W, {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "分值", "input_message": "本指标的分值（权重），数字。",
        "error_title": "分值应为数字", "error_message": "请填写不小于 0 的数字。"})
    s.validate(first, C_S, last_ind, C_S, {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "得分", "input_message": "按“填报说明”的规则自评得分，不超过本行分值，保留两位小数。",
        "error_title": "得分应为数字", "error_message": "请填写不小于 0 的数字，且不超过本行分值。"})
    s.validate(first, C_REASON, last_ind, C_REASON, {
        "validate": "any", "input_title": "偏差原因分析及改进措施",
        "input_message": "未完成指标值或超额较多时必须填写：原因及改进措施。"})

    # --- 总分 --------------------------------------------------------------------------------
    t = last_ind + 1
    s.merge(t, 1, t, C_W - 1, "总分", f.label_bold)
    # Ranges start at the header row (text, ignored by SUM) so a row inserted above the first
    # indicator row is still inside them.
    w_rng = f"{a1(h, C_W)}:{a1(last_ind, C_W)}"
    s_rng = f"{a1(h, C_S)}:{a1(last_ind, C_S)}"
    total_weight = int_if_whole(round2(weight + sum(ind_weights)))
    s.formula(t, C_W, f"=SUM({a1(R_FUNDS_TOTAL, C_FW)},{w_rng})", f.calc_number, total_weight)
    total_score = round2((funds_score or 0.0) + sum(ind_scores))
    s.formula(t, C_S, f"=SUM({a1(R_FUNDS_TOTAL, C_FS)},{s_rng})", f.calc_score, total_score)
    s.merge(t, C_REASON, t, NCOLS, None, f.label)
    ws.set_row(t - 1, 24)

    # --- below the table -------------------------------------------------------------------
    r = t + 2
    s.merge(r, 1, r, 3, "填表人：", f.note)
    s.merge(r, 4, r, 6, "联系电话：", f.note)
    s.merge(r, 7, r, NCOLS, "填报日期：", f.note)
    notes = p.notes or (DEFAULT_NOTE,)
    for text in notes:
        r += 1
        s.merge(r, 1, r, NCOLS, text, f.note)
        ws.set_row(r - 1, _height(text, sum(COL_WIDTHS), line=14.0))

    # --- view and print ------------------------------------------------------------------------
    ws.freeze_panes(h, 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(h - 1)
    ws.print_area(0, 0, r - 1, NCOLS - 1)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def _f(x: Optional[Number]) -> Optional[float]:
    return None if x is None else float(x)


def _write_unit(wb: Any, f: _Formats, data: WorkbookData, written: list[_Written]) -> None:
    ws = wb.add_worksheet(UNIT_SHEET)
    s = _Sheet(ws)
    widths = (6, 36, 14, 14, 14, 11)
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    s.merge(1, 1, 1, 6, f"项目支出绩效自评项目清单（{data.year}年度）", f.title)
    ws.set_row(0, 30)
    # 单位名称 and 年度 on rows of their own: a blank name must not read as the next label.
    s.put(2, 1, "单位名称", f.label)
    s.merge(2, 2, 2, 6, data.unit_name, f.input_text)
    s.put(3, 1, "年度", f.label)
    s.put(3, 2, data.year, f.input_center)
    s.merge(3, 3, 3, 6, "单位：万元", f.unit)
    for r in (2, 3):
        ws.set_row(r - 1, 20)
    head = 4
    for col, text in enumerate(("序号", "项目名称", "年初预算数", "全年预算数", "全年执行数", "执行率"), 1):
        s.put(head, col, text, f.label)
    ws.set_row(head - 1, 22)
    row = head + 1
    for n, w in enumerate(written, 1):
        q = quote_sheet(w.sheet)
        name_ref = f"{q}!{a1(R_NAME, 3)}"
        # Falls back to the sheet name, as the checker does for a project without a name.
        s.formula(row, 2, f'=IF({name_ref}="","{w.sheet}",{name_ref})', f.calc_text, w.name or w.sheet)
        s.put(row, 1, n, f.label)
        for col, src, value in ((3, C_INITIAL, w.initial), (4, C_FULL, w.full_year), (5, C_EXEC, w.executed)):
            s.formula(row, col, f"={q}!{a1(R_FUNDS_TOTAL, src)}", f.calc_money, value)
        s.formula(row, 6, f'=IF(OR(N({a1(row, 4)})=0,{a1(row, 5)}=""),"",{a1(row, 5)}/{a1(row, 4)})', f.calc_pct,
                  _rate(w.full_year, w.executed))
        ws.set_row(row - 1, 20)
        row += 1
    last = row - 1
    t = row
    s.merge(t, 1, t, 2, "合计", f.label_bold)
    sums = {}
    for col, key in ((3, "initial"), (4, "full_year"), (5, "executed")):
        rng = f"{a1(head, col)}:{a1(last, col)}"
        sums[key] = _sum([getattr(w, key) for w in written])
        s.formula(t, col, f'=IF(COUNT({rng})=0,"",SUM({rng}))', f.calc_money, sums[key])
    s.formula(t, 6, f'=IF(OR(N({a1(t, 4)})=0,{a1(t, 5)}=""),"",{a1(t, 5)}/{a1(t, 4)})', f.calc_pct,
              _rate(sums["full_year"], sums["executed"]))
    ws.set_row(t - 1, 22)
    note = "说明：本表自动汇总各项目表的年度资金总额，项目名称、金额请在各项目表填写；增加项目时复制项目表并在本表照前一行增加一行。"
    s.merge(t + 2, 1, t + 2, 6, note, f.note)
    ws.set_row(t + 1, _height(note, sum(widths), line=14.0))
    s.validate(3, 2, 3, 2, {"validate": "integer", "criteria": "between", "minimum": 2000, "maximum": 2100,
                            "input_title": "年度", "input_message": "自评年度，如 2021。"})
    ws.freeze_panes(head, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(head - 1)


def _write_help(wb: Any, f: _Formats, profile: Profile) -> None:
    ws = wb.add_worksheet(HELP_SHEET)
    widths = (14, 110)
    ws.set_column(0, 0, widths[0])
    ws.set_column(1, 1, widths[1])
    ws.merge_range(0, 0, 0, 1, "填报说明", f.help_title)
    ws.set_row(0, 30)
    row = 1
    lines = help_lines(profile)
    # Topics span their rows so each section reads as one block.
    i = 0
    while i < len(lines):
        topic = lines[i][0]
        j = i + 1
        while j < len(lines) and not lines[j][0]:
            j += 1
        if j - i > 1:
            ws.merge_range(row + i, 0, row + j - 1, 0, topic, f.help_topic)
        else:
            ws.write(row + i, 0, topic, f.help_topic)
        for k in range(i, j):
            ws.write(row + k, 1, lines[k][1], f.help_text)
            ws.set_row(row + k, _height(lines[k][1], widths[1], line=15.0, minimum=18.0))
        i = j
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


def _write_unit_info(wb: Any, f: _Formats, data: WorkbookData) -> None:
    """The 单位信息 sheet: what the report draft (perf-xlsx report) cannot read from the tables.

    Not scored and not checked; its fields are read.unit_info's, in that order."""
    ws = wb.add_worksheet(UNIT_INFO_SHEET)
    s = _Sheet(ws)
    widths = (24, 72, 44)
    for i, width in enumerate(widths):
        ws.set_column(i, i, width)
    s.merge(1, 1, 1, 3, "单位信息（用于生成绩效自评报告）", f.title)
    ws.set_row(0, 30)
    s.merge(2, 1, 2, 3, UNIT_INFO_NOTE, f.note)
    ws.set_row(1, _height(UNIT_INFO_NOTE, sum(widths), line=14.0))
    for col, text in enumerate(("填报项", "内容", "用于报告的部分及填写说明"), 1):
        s.put(3, col, text, f.label)
    ws.set_row(2, 22)
    row = 4
    for info in UNIT_INFO_FIELDS:
        hint = f"{info.section}：{info.hint}"
        s.put(row, 1, info.label, f.label)
        given = dict(data.unit_info)
        value = given.get(info.key) or (data.unit_name if info.key == "unit_name" else None)
        s.put(row, 2, value, f.input_text)
        s.put(row, 3, hint, f.help_text)
        short = info.key in ("unit_name", "staffing", "headcount", "contact")
        ws.set_row(row - 1, max(22.0 if short else 60.0, _height(hint, widths[2]),
                                _height(str(value or ""), widths[1])))
        row += 1
    ws.freeze_panes(3, 0)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)


UNIT_INFO_NOTE = ("说明：本表供 perf-xlsx report 生成《项目支出绩效自评报告》初稿时使用，不参与评分。"
                  "自评表中没有的内容（编制、人数、职能、管理制度、组织实施等）在此填写；"
                  "不填的部分在报告中以红色【待填写：…】标出，由单位在 Word 中补写。")


def write_workbook(path: str, data: WorkbookData, profile: Profile) -> None:
    """Write ``data`` as a standard 自评表 workbook at ``path`` (atomically)."""
    import xlsxwriter  # imported here: `perf-xlsx check` never needs it

    def write(tmp: str) -> None:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_formulas": False, "strings_to_urls": False,
                                       "strings_to_numbers": False})
        wb.set_properties({
            "title": "项目支出绩效自评表", "subject": f"{data.year}年度项目支出绩效自评",
            "author": "perf-xlsx", "comments": f"评分规则：{profile.name}", "created": CREATED,
        })
        f = _Formats(wb)
        _write_help(wb, f, profile)
        # The unit sheet comes before the projects but shows their totals as cached values.
        _write_unit(wb, f, data, [_totals(p) for p in data.projects])
        for p in data.projects:
            _write_project(wb, f, p, data.year, profile, data.example)
        if not data.example or data.unit_info:
            # Last, after the projects: optional, and only the report draft reads it. The
            # example (a fixed sample with golden results) has none unless given one.
            _write_unit_info(wb, f, data)
        # The example opens on its first project; a blank template on its instructions.
        wb.worksheets()[2 if data.example else 0].activate()
        wb.close()
        _mark_empty_string_results(tmp)

    atomic_write(path, write)


_EMPTY_RESULT = re.compile(rb'(<c r="[A-Z]+[0-9]+"(?: s="[0-9]+")?)(><f>[^<]*</f><v></v></c>)')


def _mark_empty_string_results(path: str) -> None:
    """Type formulas whose cached result is "" as strings (t="str"), as Excel and LibreOffice do.

    xlsxwriter writes such a result as an untyped empty <v/>, which is exactly what a formula
    without any cached value looks like (openpyxl); readers, ours included, cannot tell them
    apart, so the template's blank-until-filled cells would be reported as uncalculated.
    """
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename.startswith("xl/worksheets/sheet"):
                data = _EMPTY_RESULT.sub(rb'\1 t="str"\2', data)
            zout.writestr(info, data)


def write_template(path: str, *, year: int, projects: int = 1, example: bool = False,
                   profile: Profile) -> None:
    """Write the standard template (blank: ``projects`` project sheets for ``year``).

    With ``example=True`` the workbook is the filled seed example (芙蓉区商务局, 2021, two
    projects), fitted to ``profile`` (weights and scores); ``year`` and ``projects`` are then
    ignored because the figures are 2021's.
    Raises ValueError (Chinese message) for a year outside 2000–2100 or projects outside 1–50.
    """
    if example:
        data = fit_to_profile(example_data(), profile)
    else:
        if not 2000 <= year <= 2100:
            raise ValueError(f"年度应在 2000–2100 之间：{year}")
        if not 1 <= projects <= 50:
            raise ValueError(f"项目数应在 1–50 之间：{projects}")
        data = blank_data(year, projects)
    write_workbook(path, data, profile)
