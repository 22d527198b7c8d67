"""Build real .xlsx files of 转移支付（区域）绩效目标自评表 layouts for the tests and the samples.

One family of published forms, from a spec dict, with what varies in a :class:`TransferLayout`:

* the heading: title, 转移支付（项目）名称, 中央主管部门 / 地方主管部门, 资金使用单位;
* the funds block 资金投入情况（万元）: columns 全年预算数（A） | 全年执行数（B） | 预算执行率（B/A）
  (``funds_columns="budget"``) or 下达数 | 到位数 | 支出数 | 执行率 (``"allocation"``), optionally
  分值 / 得分; rows 年度资金总额 then its parts (中央补助, 地方资金, 省级 / 市级 / 县级资金, 彩票公益金,
  其他资金); or (``"sources"``) a block by source level (中央 / 省级 / 市级 / 县级 / 其它 / 合计 as rows,
  计划 / 到位 / 支出 / 结余 as columns);
* the 资金管理情况 block (分配科学性 … with 情况说明 and 存在问题和改进措施), optional;
* 总体目标 (预期目标 / 实际完成情况) and the 绩效指标 block of a project table, with or without
  分值 / 得分.

Every builder returns a :class:`TransferMap` of where it wrote things. ``None`` is a blank cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import openpyxl
from dept_builders import _TITLE, _goal, _merge_levels, _Sheet

WIDTH = 9  # A: block labels, B: row labels, C–I: values
MANAGEMENT_ITEMS = ("分配科学性", "下达及时性", "拨付合规性", "使用规范性", "执行准确性", "预算绩效管理情况",
                    "支出责任履行情况")


@dataclass(frozen=True)
class TransferLayout:
    # budget | allocation | budget_arrival (全年预算数 | 资金到位 | 资金支出) | sources (levels as rows) |
    # sources_across (levels as columns, 计划 / 到位 / 支出 / 结余 as rows)
    funds_columns: str = "budget"
    funds_scored: bool = False  # 分值 / 得分 columns in the funds block
    grouped_header: bool = False  # allocation: 资金到位 / 资金支出 group headers above the columns
    indicators_scored: bool = False  # 分值 / 得分 columns in the indicator block
    management: bool = True
    management_header: bool = True  # a 项目 | 情况说明 | 存在问题和改进措施 row above the items
    title: str = "中央对地方转移支付区域绩效自评表"


@dataclass
class TransferMap:
    title: str
    name_cell: str = ""
    #: funds row label -> {"label", "initial", "full_year", "executed", "rate", "weight", "score", "balance"} -> A1
    funds: dict[str, dict[str, str]] = field(default_factory=dict)
    funds_header_row: int = 0
    #: management item -> {"item", "status", "problems"} -> A1
    management: dict[str, dict[str, str]] = field(default_factory=dict)
    goal_cells: tuple[str, str] = ("", "")
    indicators: list[dict[str, str]] = field(default_factory=list)
    total_score_cell: str = ""


def _fund(label: str, *values: Any, **named: Any) -> dict[str, Any]:
    keys = ("full_year", "executed", "rate")
    out: dict[str, Any] = {"label": label, **dict(zip(keys, values))}
    out.update(named)
    return out


def _heading(s: _Sheet, spec: dict[str, Any], layout: TransferLayout, m: TransferMap) -> int:
    s.put(1, 1, spec.get("title", layout.title), _TITLE)
    s.merge(1, 1, 1, WIDTH)
    s.put(2, 1, f"（{spec.get('year', '')}年度）")
    s.merge(2, 1, 2, WIDTH)
    s.put(3, WIDTH, "单位：万元")
    s.put(4, 1, spec.get("name_label", "转移支付（项目）名称"))
    s.merge(4, 1, 4, 2)
    m.name_cell = s.put(4, 3, spec.get("name"))
    s.merge(4, 3, 4, WIDTH)
    s.put(5, 1, "中央主管部门")
    s.merge(5, 1, 5, 2)
    s.put(5, 3, spec.get("central_department", "农业农村部"))
    s.merge(5, 3, 5, 5)
    s.put(5, 6, "地方主管部门")
    s.put(5, 7, spec.get("department"))
    s.merge(5, 7, 5, WIDTH)
    s.put(6, 1, "资金使用单位")
    s.merge(6, 1, 6, 2)
    s.put(6, 3, spec.get("implementer"))
    s.merge(6, 3, 6, WIDTH)
    s.box(4, 1, 6, WIDTH)
    return 7


def _funds_transposed(s: _Sheet, spec: dict[str, Any], row: int, m: TransferMap) -> int:
    """资金来源 | 中央 | 省级 | … | 合计 across, 计划数 / 到位数 / 支出数 / 结余 down."""
    top = row
    s.put(row, 1, "资金投入情况（万元）")
    s.put(row, 2, "资金来源")
    funds = spec["funds"]
    for i, fund in enumerate(funds):
        m.funds[fund["label"]] = {"label": s.put(row, 3 + i, fund["label"])}
    m.funds_header_row = row
    for key, text in (("initial", "计划数"), ("full_year", "到位数"), ("executed", "支出数"), ("balance", "结余")):
        row += 1
        s.put(row, 2, text)
        for i, fund in enumerate(funds):
            m.funds[fund["label"]][key] = s.put(row, 3 + i, fund.get(key))
    row += 1
    s.merge(top, 1, row - 1, 1)
    s.box(top, 1, row - 1, WIDTH)
    return row


def _funds(s: _Sheet, spec: dict[str, Any], layout: TransferLayout, row: int, m: TransferMap) -> int:
    if layout.funds_columns == "sources_across":
        return _funds_transposed(s, spec, row, m)
    top = row
    s.put(row, 1, "资金投入情况（万元）")
    if layout.funds_columns == "sources":
        heads = [("initial", "计划数"), ("full_year", "到位数"), ("executed", "支出数"), ("balance", "结余")]
    elif layout.funds_columns == "allocation":
        heads = [("initial", "下达数"), ("full_year", "到位数"), ("executed", "支出数")]
    elif layout.funds_columns == "budget_arrival":
        heads = [("full_year", "全年预算数"), ("arrived", "资金到位"), ("executed", "资金支出")]
    else:
        heads = [("full_year", spec.get("budget_header", "全年预算数（A）")), ("executed", "全年执行数（B）")]
    if layout.funds_scored:
        heads.append(("weight", "分值"))
    if layout.funds_columns != "sources":
        heads.append(("rate", "预算执行率（B/A）" if layout.funds_columns == "budget" else "执行率"))
    if layout.funds_scored:
        heads.append(("score", "得分"))
    s.put(row, 2, "资金来源" if layout.funds_columns == "sources" else None)
    if layout.grouped_header:
        # 资金到位 over 下达数 | 到位数, 资金支出 over 支出数 | 执行率, one row above the columns.
        s.put(row, 3, "资金到位")
        s.merge(row, 3, row, 4)
        s.put(row, 5, "资金支出")
        s.merge(row, 5, row, 6)
        s.merge(row, 2, row + 1, 2)
        row += 1
    cols = {key: 3 + i for i, (key, _) in enumerate(heads)}
    for key, text in heads:
        s.put(row, cols[key], text)
    m.funds_header_row = row
    row += 1
    for fund in spec["funds"]:
        cells = {"label": s.put(row, 2, fund["label"])}
        for key, col in cols.items():
            cells[key] = s.put(row, col, fund.get(key))
        m.funds[fund["label"]] = cells
        row += 1
    s.merge(top, 1, row - 1, 1)
    s.box(top, 1, row - 1, WIDTH)
    return row


def _management(s: _Sheet, spec: dict[str, Any], row: int, m: TransferMap, header: bool = True) -> int:
    """With ``header`` a row 项目 | 情况说明 | 存在问题和改进措施 above the items; without, the items
    start beside the block label and each row is item | 情况说明 | 存在问题."""
    top = row
    s.put(row, 1, "资金管理情况")
    if header:
        s.put(row, 2, "项目")
        s.put(row, 3, "情况说明")
        s.merge(row, 3, row, 6)
        s.put(row, 7, spec.get("problems_header", "存在问题和改进措施"))
        s.merge(row, 7, row, WIDTH)
        row += 1
    for item in spec.get("management") or []:
        cells = {"item": s.put(row, 2, item["item"]), "status": s.put(row, 3, item.get("status"))}
        s.merge(row, 3, row, 6)
        cells["problems"] = s.put(row, 7, item.get("problems"))
        s.merge(row, 7, row, WIDTH)
        m.management[item["item"]] = cells
        row += 1
    s.merge(top, 1, row - 1, 1)
    s.box(top, 1, row - 1, WIDTH)
    return row


def _indicators(s: _Sheet, spec: dict[str, Any], layout: TransferLayout, row: int, m: TransferMap) -> int:
    columns = [("level1", "一级指标"), ("level2", "二级指标"), ("name", "三级指标"), ("target", "指标值"),
               ("actual", "全年实际完成值")]
    if layout.indicators_scored:
        columns += [("weight", "分值"), ("score", "得分")]
    columns.append(("reason", "未完成原因和改进措施"))
    col_of = {key: 2 + i for i, (key, _) in enumerate(columns)}
    h = row
    s.put(h, 1, "绩效指标")
    for key, text in columns:
        s.put(h, col_of[key], text)
    row += 1
    inds = spec.get("indicators") or []
    rows = []
    for ind in inds:
        cells = {key: s.put(row, col, ind.get(key)) for key, col in col_of.items()}
        m.indicators.append(cells)
        rows.append(row)
        row += 1
    _merge_levels(s, rows, [i.get("level1") for i in inds], col_of["level1"], None)
    _merge_levels(s, rows, [(i.get("level1"), i.get("level2")) for i in inds], col_of["level2"], None)
    if layout.indicators_scored:
        s.put(row, 2, "总分")
        s.merge(row, 2, row, col_of["weight"] - 1)
        s.put(row, col_of["weight"], spec.get("total_weight"))
        m.total_score_cell = s.put(row, col_of["score"], spec.get("total_score"))
        row += 1
    s.merge(h, 1, row - 1, 1)
    s.box(h, 1, row - 1, max(col_of.values()))
    return row


def add_transfer_sheet(wb: openpyxl.Workbook, spec: dict[str, Any], layout: Optional[TransferLayout] = None,
                       title: Optional[str] = None) -> TransferMap:
    layout = layout or TransferLayout()
    ws = wb.create_sheet(title=title or spec.get("sheet", "转移支付区域绩效自评表"))
    s = _Sheet(ws, 1)
    m = TransferMap(title=ws.title)
    row = _heading(s, spec, layout, m)
    row = _funds(s, spec, layout, row, m)
    if layout.management and spec.get("management"):
        row = _management(s, spec, row, m, layout.management_header)
    row = _goal(s, spec, row, WIDTH, m)  # type: ignore[arg-type]
    _indicators(s, spec, layout, row, m)
    s.finish([12, 18, 14, 20, 12, 14, 10, 10, 22])
    return m


def make_transfer_workbook(path: str | Path, spec: dict[str, Any], layout: Optional[TransferLayout] = None
                           ) -> tuple[Path, TransferMap]:
    path = Path(path)
    wb = openpyxl.Workbook()
    default = wb.active
    m = add_transfer_sheet(wb, spec, layout)
    if default is not None:
        wb.remove(default)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path, m


# --- specs -------------------------------------------------------------------------------------

_OUT, _EFF, _SAT = "产出指标", "效益指标", "满意度指标"


def transfer_spec() -> dict[str, Any]:
    """A county's 2023 self-evaluation of a central farmland-construction transfer, without 分值:
    中央补助 1 600 + 地方资金 400 (省级 250 + 县级 150) + 其他资金 0 = 2 000 budgeted, 1 880 spent
    (94%); one output target missed and explained, every other target met."""
    return {
        "name": "农田建设补助资金",
        "year": 2023,
        "department": "某县农业农村局",
        "implementer": "某县农业农村局、各乡镇人民政府",
        "funds": [
            _fund("年度资金总额", 2000, 1880, "94%"),
            _fund("其中：中央补助", 1600, 1520, "95%"),
            _fund("地方资金", 400, 360, "90%"),
            _fund("其中：省级资金", 250, 230, "92%"),
            _fund("县级资金", 150, 130, "86.67%"),
            _fund("其他资金", None, None, None),
        ],
        "management": [
            {"item": "分配科学性", "status": "按项目清单和建设任务因素法分配", "problems": "无"},
            {"item": "下达及时性", "status": "收到资金后 30 日内下达到项目乡镇", "problems": "无"},
            {"item": "拨付合规性", "status": "按工程进度和监理签认拨付", "problems": "无"},
            {"item": "使用规范性", "status": "专款专用，未发现挤占挪用", "problems": "无"},
            {"item": "执行准确性", "status": "执行率 94%，个别标段结算未完成", "problems": "加快结算审计，年内完成拨付"},
        ],
        "goal_expected": "新建高标准农田 2 万亩，改善灌溉排水条件，项目区粮食产能稳步提升。",
        "goal_actual": "建成高标准农田 1.9 万亩，新增灌溉面积 1.2 万亩；剩余 0.1 万亩因征地调整顺延。",
        "indicators": [
            {"level1": _OUT, "level2": "数量指标", "name": "新建高标准农田面积", "target": "≥20000亩",
             "actual": "19000亩", "reason": "一个标段征地调整，0.1 万亩顺延至次年一季度完工"},
            {"level1": _OUT, "level2": "数量指标", "name": "新增高效节水灌溉面积", "target": "≥12000亩",
             "actual": "12000亩"},
            {"level1": _OUT, "level2": "质量指标", "name": "工程验收合格率", "target": "100%", "actual": "100%"},
            {"level1": _OUT, "level2": "时效指标", "name": "资金下达及时率", "target": "≥95%", "actual": "100%"},
            {"level1": _EFF, "level2": "经济效益指标", "name": "项目区亩均粮食产能提升", "target": "≥50公斤",
             "actual": "55公斤"},
            {"level1": _EFF, "level2": "可持续影响指标", "name": "工程设施使用年限", "target": "≥15年", "actual": "15年"},
            {"level1": _SAT, "level2": "服务对象满意度指标", "name": "项目区农户满意度", "target": "≥90%",
             "actual": "93%"},
        ],
    }


def scored_transfer_spec() -> dict[str, Any]:
    """The same kind of table from a county that scores it: 分值 / 得分 in the funds block (10) and
    the indicators (90), 下达数 / 到位数 / 支出数 columns, a lottery-fund part."""
    spec = transfer_spec()
    spec.update(name="城乡医疗救助补助资金", department="某县医疗保障局", implementer="某县医疗保障局",
                central_department="国家医疗保障局")
    spec["funds"] = [
        _fund("年度资金总额", initial=820, full_year=800, executed=760, weight=10, rate="95%", score=9.5),
        _fund("其中：中央财政资金", initial=600, full_year=600, executed=575),
        _fund("地方财政资金", initial=200, full_year=180, executed=168),
        _fund("彩票公益金", initial=20, full_year=20, executed=17),
        _fund("其他资金", initial=None, full_year=None, executed=None),
    ]
    spec["management"] = [
        {"item": "分配科学性", "status": "按救助对象人数和标准测算分配", "problems": "无"},
        {"item": "下达及时性", "status": "省级资金下达较晚，11 月到位", "problems": "地方资金 20 万元未到位"},
        {"item": "使用规范性", "status": "专款专用", "problems": "无"},
    ]
    spec["goal_expected"] = "资助困难群众参加基本医疗保险，对符合条件的救助对象实施门诊和住院救助。"
    spec["goal_actual"] = "资助参保 1.1 万人，住院救助 3 200 人次，政策范围内住院费用救助比例 72%。"
    spec["indicators"] = [
        {"level1": _OUT, "level2": "数量指标", "name": "资助参保人数", "target": "≥11000人", "actual": "11200人",
         "weight": 20, "score": 20},
        {"level1": _OUT, "level2": "数量指标", "name": "住院救助人次", "target": "≥3000人次", "actual": "3200人次",
         "weight": 15, "score": 15},
        {"level1": _OUT, "level2": "质量指标", "name": "政策范围内住院费用救助比例", "target": "≥70%", "actual": "72%",
         "weight": 15, "score": 15},
        {"level1": _EFF, "level2": "社会效益指标", "name": "困难群众重特大疾病负担减轻", "target": "有效减轻",
         "actual": "达成预期指标", "weight": 20, "score": 20},
        {"level1": _EFF, "level2": "可持续影响指标", "name": "医疗救助政策知晓率", "target": "≥85%", "actual": "88%",
         "weight": 10, "score": 10},
        {"level1": _SAT, "level2": "服务对象满意度指标", "name": "救助对象满意度", "target": "≥90%", "actual": "92%",
         "weight": 10, "score": 10},
    ]
    spec["total_weight"] = 100
    spec["total_score"] = 99.5
    return spec


def sources_spec() -> dict[str, Any]:
    """A table whose funds are given by source level (计划 / 到位 / 支出 / 结余), 合计 last."""
    spec = transfer_spec()
    spec["funds"] = [
        {"label": "中央", "initial": 1600, "full_year": 1600, "executed": 1520, "balance": 80},
        {"label": "省级", "initial": 250, "full_year": 250, "executed": 230, "balance": 20},
        {"label": "市级", "initial": None, "full_year": None, "executed": None, "balance": None},
        {"label": "县级", "initial": 150, "full_year": 150, "executed": 130, "balance": 20},
        {"label": "其它", "initial": None, "full_year": None, "executed": None, "balance": None},
        {"label": "合计", "initial": 2000, "full_year": 2000, "executed": 1880, "balance": 120},
    ]
    return spec
