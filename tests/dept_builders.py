"""Build real .xlsx files of 部门整体支出绩效自评表 layouts for the tests and the samples.

Three families of published forms (scoring-rules.md §1.3, issue 12), each from a spec dict:

* ``"national"`` — the central-style form: 部门（单位）名称, optionally 年度主要任务 (任务名称 | 主要内容 |
  预算数 | 执行数 | 合计), the funds block 年度预算申请 (年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 |
  得分) with 年度资金总额 and its breakdowns 按收入性质分 / 按支出性质分 (stacked one below the other,
  side by side, or listed without their names), 年度总体目标, and the 绩效指标 block of a project table;
* ``"chongqing"`` — 部门整体绩效目标自评表: 单位名称, 资金情况（万元） with 年初预算资金总额 | 实际投入资金额
  (optionally 执行率 | 执行率权重 | 执行率得分), 年度目标（年初）, and indicators with 指标权重 and a separate
  计量单位, no 分值 / 得分 (optionally an 得分系数 column);
* ``"rubric"`` — a scoring sheet (一级 | 二级 | 三级 | 评分标准 | 分值 | [实际完成值] | 自评得分 | 扣分原因),
  optionally below a 资金情况 block.

Every builder returns a :class:`DeptMap` of where it wrote things, so tests name cells without
hard-coding them. ``None`` in a spec is a blank cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import openpyxl
from builders import StyleIds
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

BREAKDOWN_STYLES = ("stacked", "side_by_side", "unnamed", "merged")
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name="宋体", size=10)
_TITLE = Font(name="宋体", size=16, bold=True)
_WRAP = Alignment(horizontal="center", vertical="center", wrap_text=True)
MONEY = ("initial", "full_year", "executed")


@dataclass(frozen=True)
class DeptLayout:
    """What varies between published forms of one style."""

    # stacked (each name on a row of its own above its parts) | side_by_side | unnamed (the parts
    # alone) | merged (each name merged down the block's label column beside its parts)
    breakdowns: str = "stacked"
    tasks: Optional[str] = "above"  # above | below the funds block, or None (national style)
    funds_label: str = "年度预算申请（万元）"
    funds_weight: Optional[str] = "分值"  # the funds block's weight header (None: no such column)
    funds_score: Optional[str] = "得分"  # its score header (None: no such column)
    full_year_header: str = "全年预算数"  # national: 全年（调整）预算数 on some forms
    funds_rate: bool = True  # chongqing: an 执行率 column
    coefficient: bool = False  # chongqing: a 得分系数 column
    actual_column: bool = True  # rubric: a 实际完成值 column beside the 评分标准
    start_col: int = 1
    side_money_headers: bool = True  # side_by_side: the name row repeats the money headers

    def __post_init__(self) -> None:
        if self.breakdowns not in BREAKDOWN_STYLES:
            raise ValueError(f"breakdowns must be one of {BREAKDOWN_STYLES}")


@dataclass
class DeptMap:
    """Where a department sheet's parts were written (A1 references on sheet ``title``)."""

    title: str
    name_cell: str = ""
    #: funds row label as written -> {"label", "initial", "full_year", "executed", "weight", "rate", "score"} -> A1
    funds: dict[str, dict[str, str]] = field(default_factory=dict)
    breakdown_cells: dict[str, str] = field(default_factory=dict)  # "income"/"expenditure" -> name cell
    #: per task (合计 last, when written): "name", "budget", "executed" -> A1
    tasks: list[dict[str, str]] = field(default_factory=list)
    goal_cells: tuple[str, str] = ("", "")
    #: per indicator: "name", "target", "actual", "weight", "score", "reason", "rule", "unit", "coefficient"
    indicators: list[dict[str, str]] = field(default_factory=list)
    indicator_rows: list[int] = field(default_factory=list)
    level1_cells: dict[str, str] = field(default_factory=dict)
    total_weight_cell: str = ""
    total_score_cell: str = ""


class _Sheet:
    def __init__(self, ws: Worksheet, start_col: int) -> None:
        self.ws = ws
        self.col0 = start_col - 1
        self.boxes: list[tuple[int, int, int, int]] = []
        self.styles = StyleIds(ws)

    def ref(self, row: int, col: int) -> str:
        return f"{get_column_letter(self.col0 + col)}{row}"

    def put(self, row: int, col: int, value: Any, font: Font = _FONT) -> str:
        cell = self.ws.cell(row=row, column=self.col0 + col)
        if value is not None:
            cell.value = value
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # "=0 计3分" is text, not a formula
        self.styles.set(cell, font=font, alignment=_WRAP)
        return cell.coordinate

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.ws.merge_cells(start_row=r1, start_column=self.col0 + c1, end_row=r2, end_column=self.col0 + c2)

    def box(self, r1: int, c1: int, r2: int, c2: int) -> None:
        self.boxes.append((r1, c1, r2, c2))

    def finish(self, widths: list[int]) -> None:
        for r1, c1, r2, c2 in self.boxes:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self.styles.set(self.ws.cell(row=r, column=self.col0 + c), border=_BORDER)
        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(self.col0 + i)].width = w
        self.ws.page_setup.orientation = "landscape"
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0


def _fund(label: str, initial: Any, full_year: Any, executed: Any, weight: Any = None, rate: Any = None,
          score: Any = None) -> dict[str, Any]:
    return {"label": label, "initial": initial, "full_year": full_year, "executed": executed, "weight": weight,
            "rate": rate, "score": score}


# --- the national style ------------------------------------------------------------------------

_NATIONAL_WIDTH = 9  # A: block labels, B: row labels, C–I: values


def _title(s: _Sheet, title: str, year: Optional[int], width: int) -> int:
    s.put(1, 1, title, _TITLE)
    s.merge(1, 1, 1, width)
    s.ws.row_dimensions[1].height = 30
    s.put(2, 1, f"（{year}年度）" if year else "（    年度）")
    s.merge(2, 1, 2, width)
    s.put(3, width, "单位：万元")
    return 4


def _tasks_block(s: _Sheet, spec: dict[str, Any], row: int, m: DeptMap) -> int:
    tasks = spec.get("tasks") or []
    top = row
    s.put(row, 1, "年度主要任务")
    s.put(row, 2, "任务名称")
    s.put(row, 3, "主要内容")
    s.merge(row, 3, row, 5)
    s.put(row, 6, spec.get("task_budget_header", "预算数"))
    s.put(row, 7, "执行数")
    s.put(row, 8, "完成情况")
    s.merge(row, 8, row, _NATIONAL_WIDTH)
    row += 1
    for t in tasks:
        cells = {"name": s.put(row, 2, t["name"])}
        s.put(row, 3, t.get("content"))
        s.merge(row, 3, row, 5)
        cells["budget"] = s.put(row, 6, t.get("budget"))
        cells["executed"] = s.put(row, 7, t.get("executed"))
        s.put(row, 8, t.get("status", "已完成"))
        s.merge(row, 8, row, _NATIONAL_WIDTH)
        m.tasks.append(cells)
        row += 1
    total = spec.get("task_total", "sum")
    if total is not None:
        if total == "sum":
            total = {k: round(sum(t.get(k) or 0 for t in tasks), 6) for k in ("budget", "executed")}
        cells = {"name": s.put(row, 2, "合计")}
        s.merge(row, 3, row, 5)
        cells["budget"] = s.put(row, 6, total.get("budget"))
        cells["executed"] = s.put(row, 7, total.get("executed"))
        s.merge(row, 8, row, _NATIONAL_WIDTH)
        m.tasks.append(cells)
        row += 1
    s.merge(top, 1, row - 1, 1)
    s.box(top, 1, row - 1, _NATIONAL_WIDTH)
    return row


def _money_row(s: _Sheet, row: int, label_col: int, fund: dict[str, Any], cols: dict[str, int]) -> dict[str, str]:
    cells = {"label": s.put(row, label_col, fund["label"])}
    for key, col in cols.items():
        cells[key] = s.put(row, col, fund.get(key))
    return cells


def _funds_block(s: _Sheet, spec: dict[str, Any], layout: DeptLayout, row: int, m: DeptMap) -> int:
    funds = spec["funds"]
    top = row
    s.put(row, 1, layout.funds_label)
    heads = [("initial", "年初预算数"), ("full_year", layout.full_year_header), ("executed", "全年执行数"),
             ("weight", layout.funds_weight), ("rate", "执行率"), ("score", layout.funds_score)]
    cols: dict[str, int] = {}
    col = 3
    for key, text in heads:
        if text is None:
            continue
        s.put(row, col, text)
        cols[key] = col
        col += 1
    row += 1
    m.funds[funds["total"]["label"]] = _money_row(s, row, 2, funds["total"], cols)
    row += 1
    money = {k: cols[k] for k in MONEY}
    income, spend = funds.get("income") or [], funds.get("expenditure") or []
    if layout.breakdowns == "side_by_side":
        names = [("income", "按收入性质分", 2), ("expenditure", "按支出性质分", 6)]
        for key, text, c in names:
            m.breakdown_cells[key] = s.put(row, c, text)
            if layout.side_money_headers:
                for i, head in enumerate(("年初预算数", "全年预算数", "全年执行数")):
                    s.put(row, c + 1 + i, head)
        row += 1
        for i in range(max(len(income), len(spend))):
            if i < len(income):
                m.funds[income[i]["label"]] = _money_row(s, row, 2, income[i], money)
            if i < len(spend):
                m.funds[spend[i]["label"]] = _money_row(s, row, 6, spend[i],
                                                        {k: 7 + j for j, k in enumerate(MONEY)})
            row += 1
    elif layout.breakdowns == "merged":
        s.merge(top, 1, row - 1, 1)  # the block label over the header and the total only
        for key, text, rows in (("income", "按收入性质分", income), ("expenditure", "按支出性质分", spend)):
            if rows:
                m.breakdown_cells[key] = s.put(row, 1, text)
                s.merge(row, 1, row + len(rows) - 1, 1)
                for fund in rows:
                    m.funds[fund["label"]] = _money_row(s, row, 2, fund, money)
                    row += 1
        s.box(top, 1, row - 1, _NATIONAL_WIDTH)
        return row
    else:
        for key, text, rows in (("income", "按收入性质分", income), ("expenditure", "按支出性质分", spend)):
            if not rows:
                continue
            if layout.breakdowns == "stacked":
                m.breakdown_cells[key] = s.put(row, 2, text)
                row += 1
            for fund in rows:
                m.funds[fund["label"]] = _money_row(s, row, 2, fund, money)
                row += 1
    for fund in funds.get("parts") or []:
        m.funds[fund["label"]] = _money_row(s, row, 2, fund, money)
        row += 1
    s.merge(top, 1, row - 1, 1)
    s.box(top, 1, row - 1, _NATIONAL_WIDTH)
    return row


def _goal(s: _Sheet, spec: dict[str, Any], row: int, width: int, m: DeptMap) -> int:
    mid = width // 2 + 1
    s.put(row, 1, "年度总体目标")
    s.merge(row, 1, row + 1, 1)
    s.put(row, 2, "预期目标")
    s.merge(row, 2, row, mid)
    s.put(row, mid + 1, "实际完成情况")
    s.merge(row, mid + 1, row, width)
    expected = s.put(row + 1, 2, spec.get("goal_expected"))
    s.merge(row + 1, 2, row + 1, mid)
    actual = s.put(row + 1, mid + 1, spec.get("goal_actual"))
    s.merge(row + 1, mid + 1, row + 1, width)
    s.ws.row_dimensions[row + 1].height = 45
    m.goal_cells = (expected, actual)
    s.box(row, 1, row + 1, width)
    return row + 2


def _merge_levels(s: _Sheet, rows: list[int], values: list[Any], col: int, m: Optional[DeptMap]) -> None:
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            if values[start] is not None:
                s.merge(rows[start], col, rows[i - 1], col)
                if m is not None:
                    m.level1_cells.setdefault(str(values[start]), s.ref(rows[start], col))
            start = i


def _indicator_block(s: _Sheet, spec: dict[str, Any], row: int, columns: list[tuple[str, str]], m: DeptMap,
                     block_label: Optional[str] = "绩效指标", total_label: str = "总分") -> int:
    """The indicator (or rubric) rows under a header of ``columns`` (key, header text), from
    column 2 when ``block_label`` stands in column 1, else from column 1."""
    first = 2 if block_label else 1
    col_of = {key: first + i for i, (key, _) in enumerate(columns)}
    h = row
    if block_label:
        s.put(h, 1, block_label)
    for key, text in columns:
        s.put(h, col_of[key], text)
    row += 1
    inds = spec.get("indicators") or []
    for ind in inds:
        cells = {}
        for key in col_of:
            cells[key] = s.put(row, col_of[key], ind.get(key))
        m.indicators.append(cells)
        m.indicator_rows.append(row)
        row += 1
    rows = m.indicator_rows[-len(inds):] if inds else []
    if "level1" in col_of:
        _merge_levels(s, rows, [i.get("level1") for i in inds], col_of["level1"], m)
    if "level2" in col_of:
        _merge_levels(s, rows, [(i.get("level1"), i.get("level2")) for i in inds], col_of["level2"], None)
    last = max(col_of.values())
    t = row
    s.put(t, first, total_label)
    weight_col = col_of.get("weight")
    score_col = col_of.get("score")
    label_end = min(c for c in (weight_col, score_col, col_of.get("unit")) if c is not None) - 1
    s.merge(t, first, t, label_end)
    if weight_col is not None:
        m.total_weight_cell = s.put(t, weight_col, spec.get("total_weight"))
    if score_col is not None:
        m.total_score_cell = s.put(t, score_col, spec.get("total_score"))
    if block_label:
        s.merge(h, 1, t - 1, 1)
    s.box(h, 1, t, last)
    return t + 1


NATIONAL_INDICATOR_COLUMNS = [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("target", "年度指标值"),
                              ("actual", "实际完成值"), ("weight", "分值"), ("score", "得分"),
                              ("reason", "偏差原因分析及改进措施")]


def add_national_sheet(wb: openpyxl.Workbook, spec: dict[str, Any], layout: Optional[DeptLayout] = None,
                       title: Optional[str] = None) -> DeptMap:
    """The central-style 部门整体支出绩效自评表 (see the module docstring)."""
    layout = layout or DeptLayout()
    ws = wb.create_sheet(title=title or spec.get("sheet", "部门整体"))
    s = _Sheet(ws, layout.start_col)
    m = DeptMap(title=ws.title)
    row = _title(s, spec.get("title", "部门整体支出绩效自评表"), spec.get("year"), _NATIONAL_WIDTH)
    s.put(row, 1, "部门（单位）名称")
    s.merge(row, 1, row, 2)
    m.name_cell = s.put(row, 3, spec.get("unit_name"))
    s.merge(row, 3, row, _NATIONAL_WIDTH)
    s.box(row, 1, row, _NATIONAL_WIDTH)
    row += 1
    if layout.tasks == "above" and spec.get("tasks"):
        row = _tasks_block(s, spec, row, m)
    row = _funds_block(s, spec, layout, row, m)
    if layout.tasks == "below" and spec.get("tasks"):
        row = _tasks_block(s, spec, row, m)
    row = _goal(s, spec, row, _NATIONAL_WIDTH, m)
    row = _indicator_block(s, spec, row, spec.get("indicator_columns", NATIONAL_INDICATOR_COLUMNS), m)
    s.finish([12, 16, 12, 22, 12, 12, 10, 10, 22])
    return m


# --- the Chongqing style -----------------------------------------------------------------------


def add_chongqing_sheet(wb: openpyxl.Workbook, spec: dict[str, Any], layout: Optional[DeptLayout] = None,
                        title: Optional[str] = None) -> DeptMap:
    """部门整体绩效目标自评表 with 指标权重 and 计量单位 columns (see the module docstring)."""
    layout = layout or DeptLayout(funds_weight=None, funds_score=None, tasks=None)
    ws = wb.create_sheet(title=title or spec.get("sheet", "部门整体绩效目标自评表"))
    s = _Sheet(ws, layout.start_col)
    m = DeptMap(title=ws.title)
    width = 10 if layout.coefficient else 9
    s.put(1, 1, spec.get("title", f"{spec.get('year', '')}年度部门整体绩效目标自评表"), _TITLE)
    s.merge(1, 1, 1, width)
    s.put(2, 1, "单位名称")
    m.name_cell = s.put(2, 2, spec.get("unit_name"))
    s.merge(2, 2, 2, 5)
    s.put(2, 6, "单位负责人及电话")
    s.put(2, 7, spec.get("head", "王某 023-00000000"))
    s.merge(2, 7, 2, width)
    s.box(2, 1, 2, width)
    row = 3
    funds = spec["funds"]
    top = row
    s.put(row, 1, "资金情况（万元）")
    heads = [("initial", "年初预算资金总额"), ("executed", "实际投入资金额")]
    if layout.funds_rate:
        heads.append(("rate", "执行率"))
    if layout.funds_weight:
        heads.append(("weight", layout.funds_weight))
    if layout.funds_score:
        heads.append(("score", layout.funds_score))
    cols = {key: 3 + i for i, (key, _) in enumerate(heads)}
    for key, text in heads:
        s.put(row, cols[key], text)
    s.put(row, 3 + len(heads), "产生差异的原因")
    s.merge(row, 3 + len(heads), row, width)
    row += 1
    for fund in [funds["total"], *(funds.get("parts") or [])]:
        m.funds[fund["label"]] = _money_row(s, row, 2, fund, cols)
        s.merge(row, 3 + len(heads), row, width)
        row += 1
    s.merge(top, 1, row - 1, 1)
    s.box(top, 1, row - 1, width)
    for label, key in (("年度目标（年初）", "goal_expected"), ("年度总体目标完成情况", "goal_actual")):
        s.put(row, 1, label)
        cell = s.put(row, 2, spec.get(key))
        s.merge(row, 2, row, width)
        m.goal_cells = (cell, m.goal_cells[1]) if key == "goal_expected" else (m.goal_cells[0], cell)
        s.box(row, 1, row, width)
        row += 1
    columns = [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("weight", "指标权重"),
               ("unit", "计量单位"), ("target", "指标值"), ("actual", "全年实际完成值")]
    if layout.coefficient:
        columns.append(("coefficient", "得分系数"))
    columns.append(("reason", "产生差异的原因及改进措施"))
    row = _indicator_block(s, spec, row, columns, m, total_label="合计")
    s.finish([12, 14, 14, 22, 10, 10, 10, 12, 12, 20])
    return m


# --- the rubric style --------------------------------------------------------------------------


def add_rubric_sheet(wb: openpyxl.Workbook, spec: dict[str, Any], layout: Optional[DeptLayout] = None,
                     title: Optional[str] = None) -> DeptMap:
    """A 部门整体 scoring sheet with a 评分标准 per row (see the module docstring); with
    ``spec["funds"]`` a 资金情况 block above it."""
    layout = layout or DeptLayout(funds_weight=None, funds_score=None, tasks=None)
    ws = wb.create_sheet(title=title or spec.get("sheet", "部门整体评分表"))
    s = _Sheet(ws, layout.start_col)
    m = DeptMap(title=ws.title)
    columns = [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("rule", "评分标准"),
               ("weight", "分值")]
    if layout.actual_column:
        columns.append(("actual", "实际完成值"))
    columns += [("score", "自评得分"), ("reason", "扣分原因和其他说明")]
    width = len(columns)
    s.put(1, 1, spec.get("title", f"{spec.get('year', '')}年度部门整体支出绩效自评表"), _TITLE)
    s.merge(1, 1, 1, width)
    s.put(2, 1, f"单位名称：{spec.get('unit_name', '')}")
    s.merge(2, 1, 2, width)
    m.name_cell = s.ref(2, 1)
    row = 3
    funds = spec.get("funds")
    if funds:
        top = row
        s.put(row, 1, "资金情况（万元）")
        cols = {"initial": 3, "full_year": 4, "executed": 5}
        for key, text in (("initial", "年初预算数"), ("full_year", "全年预算数"), ("executed", "全年执行数")):
            s.put(row, cols[key], text)
        row += 1
        for fund in [funds["total"], *(funds.get("parts") or [])]:
            m.funds[fund["label"]] = _money_row(s, row, 2, fund, cols)
            row += 1
        s.merge(top, 1, row - 1, 1)
        s.box(top, 1, row - 1, width)
    _indicator_block(s, spec, row, columns, m, block_label=None, total_label="合计")
    s.finish([14, 14, 18, 40, 8, 12, 10, 22][:width])
    return m


BUILDERS = {"national": add_national_sheet, "chongqing": add_chongqing_sheet, "rubric": add_rubric_sheet}


def make_department_workbook(path: str | Path, spec: dict[str, Any], style: str = "national",
                             layout: Optional[DeptLayout] = None, projects: Optional[list[dict[str, Any]]] = None
                             ) -> tuple[Path, DeptMap]:
    """A workbook with one department sheet of ``style`` (and project sheets for ``projects``
    specs of tests/builders.py, after it)."""
    import builders

    path = Path(path)
    wb = openpyxl.Workbook()
    default = wb.active
    m = BUILDERS[style](wb, spec, layout)
    for p in projects or []:
        builders.add_project_sheet(wb, p)
    if default is not None:
        wb.remove(default)
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path, m


# --- specs -------------------------------------------------------------------------------------


def national_spec() -> dict[str, Any]:
    """A clean national-style table of a county agriculture bureau, 2023: every sum right, every
    target met or explained. Funds 1 350 budgeted, 1 296 spent (96% → 9.6 of 10); indicators
    90 points; the breakdowns: 一般公共预算 1 180 + 政府性基金 120 + 单位资金 50 = 1 350, and 基本支出
    860 + 项目支出 490; the three tasks are the 项目支出 (490 / 470)."""
    out, eff, sat = "履职效能（50分）", "社会效应（10分）", "服务对象满意度（10分）"
    return {
        "unit_name": "某县农业农村局",
        "year": 2023,
        "tasks": [
            {"name": "高标准农田建设", "content": "新建高标准农田 1.2 万亩", "budget": 300, "executed": 288},
            {"name": "农产品质量安全监管", "content": "开展例行监测与专项整治", "budget": 110, "executed": 104},
            {"name": "农技推广服务", "content": "培训新型职业农民", "budget": 80, "executed": 78},
        ],
        "funds": {
            "total": _fund("年度资金总额", 1300, 1350, 1296, 10, "96%", 9.6),
            "income": [_fund("其中：一般公共预算", 1130, 1180, 1130), _fund("政府性基金预算", 120, 120, 118),
                       _fund("单位资金", 50, 50, 48)],
            "expenditure": [_fund("其中：基本支出", 840, 860, 826), _fund("项目支出", 460, 490, 470)],
        },
        "goal_expected": "保障机关正常运转，完成高标准农田建设、农产品质量安全监管和农技推广三项重点工作。",
        "goal_actual": "机关运转正常；新建高标准农田 1.2 万亩，监测合格率 98.6%，培训农民 1 500 人次。",
        "indicators": [
            {"level1": out, "level2": "重点工作任务完成", "name": "新建高标准农田面积", "target": "≥12000亩",
             "actual": "12000亩", "weight": 20, "score": 20},
            {"level1": out, "level2": "重点工作任务完成", "name": "农产品例行监测合格率", "target": "≥98%",
             "actual": "98.6%", "weight": 15, "score": 15},
            {"level1": out, "level2": "重点工作任务完成", "name": "培训新型职业农民", "target": "≥1500人次",
             "actual": "1500人次", "weight": 15, "score": 15},
            {"level1": "管理效率（20分）", "level2": "预算执行", "name": "“三公”经费控制率", "target": "≤100%",
             "actual": "92%", "weight": 10, "score": 10},
            {"level1": "管理效率（20分）", "level2": "绩效管理", "name": "绩效自评覆盖率", "target": "=100%",
             "actual": "100%", "weight": 10, "score": 10},
            {"level1": eff, "level2": "社会效益", "name": "粮食综合生产能力", "target": "稳步提升",
             "actual": "达成预期指标", "weight": 10, "score": 10},
            {"level1": sat, "level2": "服务对象满意度", "name": "农户满意度", "target": "≥90%", "actual": "94%",
             "weight": 10, "score": 10},
        ],
        "total_weight": 100,
        "total_score": 99.6,
    }


def chongqing_spec() -> dict[str, Any]:
    """A Chongqing-style 部门整体绩效目标自评表 of a district commerce commission, 2022: 指标权重 summing
    to 100, no 分值 / 得分; one target far exceeded (explained), one not met (explained)."""
    return {
        "unit_name": "某区商务委员会",
        "year": 2022,
        "funds": {
            "total": _fund("合计", 2400, None, 2310),
            "parts": [_fund("其中：财政拨款", 2200, None, 2120), _fund("其他资金", 200, None, 190)],
        },
        "goal_expected": "稳外贸、促消费，推动商贸流通企业发展。",
        "goal_actual": "社会消费品零售总额增长 11.2%，新增限上企业 42 家。",
        "indicators": [
            {"level1": "产出指标", "level2": "数量指标", "name": "新增限额以上商贸企业", "weight": 30, "unit": "家",
             "target": "≥40", "actual": "42"},
            {"level1": "产出指标", "level2": "质量指标", "name": "外贸进出口增长率", "weight": 30, "unit": "%",
             "target": "≥8", "actual": "6", "reason": "受外需收缩影响，下半年订单减少；已组织企业参加境外展会拓展市场"},
            {"level1": "效益指标", "level2": "经济效益指标", "name": "社会消费品零售总额增速", "weight": 30,
             "unit": "%", "target": "≥7", "actual": "11.2",
             "reason": "促消费活动带动超出预期，下年目标将结合基数上调"},
            {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "企业满意度", "weight": 10, "unit": "%",
             "target": "≥90", "actual": "93"},
        ],
        "total_weight": 100,
    }


def rubric_spec() -> dict[str, Any]:
    """A Hunan-style 部门整体 scoring sheet (投入 / 过程 / 产出 / 效果) whose rows mix the §5.3 rules
    (steps, per-point deductions, rate × points) with rules in words; the figures the rules
    need are in the 实际完成值 column where the unit gave them."""
    return {
        "unit_name": "某市某局",
        "year": 2022,
        "funds": {
            "total": _fund("合计", 800, 820, 779),
            "parts": [_fund("其中：财政拨款", 760, 780, 741), _fund("其他资金", 40, 40, 38)],
        },
        "indicators": [
            {"level1": "投入（15分）", "level2": "预算配置", "name": "重点支出安排率",
             "rule": "≥90%计5分；80%（含）-90%计4分；70%（含）-80%计3分；60%（含）-70%计2分；低于60%不得分",
             "weight": 5, "actual": "86%", "score": 4, "reason": "安排率86%，扣1分"},
            {"level1": "投入（15分）", "level2": "预算配置", "name": "预算调整率",
             "rule": "=0计5分；(0,10%]计4分；(10%,20%]计3分；(20%,30%]计1分；大于30%不得分",
             "weight": 5, "actual": "4.5%", "score": 4, "reason": "年中追加预算，调整率4.5%"},
            {"level1": "投入（15分）", "level2": "预算执行", "name": "预算执行率", "rule": "预算执行率×5",
             "weight": 5, "actual": None, "score": 4.75, "reason": "执行率95%"},
            {"level1": "过程（35分）", "level2": "预算管理", "name": "“三公经费”控制率",
             "rule": "≤100%计5分，每超过一个百分点扣1分，扣完为止", "weight": 5, "actual": "98%", "score": 5},
            {"level1": "过程（35分）", "level2": "资产管理", "name": "资产管理规范性",
             "rule": "资产管理制度健全、账实相符计10分，发现一处问题扣2分", "weight": 10, "actual": None, "score": 10},
            {"level1": "过程（35分）", "level2": "财务管理", "name": "资金使用合规性",
             "rule": "无违规使用资金计20分，有违规不得分", "weight": 20, "actual": None, "score": 20},
            {"level1": "产出（30分）", "level2": "职责履行", "name": "重点工作完成率",
             "rule": "≥95%计30分；90%-95%计25分；80%-90%计20分；低于80%不得分", "weight": 30, "actual": "96%",
             "score": 30},
            {"level1": "效果（20分）", "level2": "履职效益", "name": "社会公众满意度",
             "rule": "满意度≥90%计20分，每低1个百分点扣1分", "weight": 20, "actual": "88%", "score": 18,
             "reason": "满意度88%"},
        ],
        "total_weight": 100,
        "total_score": 95.75,
    }
