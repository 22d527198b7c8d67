"""Build real .xlsx files of the national 项目支出绩效自评表 layout for the tests.

The reader under test finds everything by label text, so the workbooks written here look like
real filled tables (财预〔2020〕10号 附件1): merged title, 项目名称 / 主管部门 / 实施单位, the
项目资金 block, 年度总体目标, the 绩效指标 block with vertically merged 一级/二级 cells, 总分,
and fill-in lines below. :class:`Layout` adds the variations met in published tables (junk rows
above, table starting in column B, colons / line breaks / suffixes / traditional characters in
labels, the Sichuan split of 年度指标值, 元 instead of 万元, percent cells, formulas, ...).

Every builder returns a map of where it wrote things (:class:`SheetMap`, :class:`UnitMap`) so a
test can assert cell references without hard-coding them.

A *spec* is a dict with the keys of the real-case JSON files in ``tests/data/real-cases``
(``project_name``, ``department``, ``implementer``, ``year``, ``funds``, ``goal_expected``,
``goal_actual``, ``indicators``, ``total_score_published``; optional ``total_weight``,
``money_unit``). ``None`` means a blank cell.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

CASES_DIR = Path(__file__).resolve().parent / "data" / "real-cases"

FUND_ROWS = ("total", "current_appropriation", "carry_over", "other")
FUND_COLS = ("initial", "full_year", "executed", "weight", "rate", "score")
LABEL_STYLES = ("plain", "colons", "linebreaks", "suffixes", "traditional")

FONT_NAME = "宋体"
PERCENT_FORMAT = "0.00%"


# --------------------------------------------------------------------------------------------
# Layout and maps
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Variations of the national layout; the defaults give the plain national table."""

    rows_above: int = 0
    start_col: int = 1
    blank_rows_in_table: bool = False
    label_style: str = "plain"
    split_target: bool = False
    weights_in_level1: bool = True
    money_unit: str = "万元"
    percent_cells: bool = False
    formulas: bool = False
    notes_below: bool = True
    unit_line: bool = True
    extra_indicator_rows: int = 0

    def __post_init__(self) -> None:
        if self.label_style not in LABEL_STYLES:
            raise ValueError(f"label_style must be one of {LABEL_STYLES}: {self.label_style!r}")
        if self.start_col < 1 or self.rows_above < 0 or self.extra_indicator_rows < 0:
            raise ValueError("start_col >= 1, rows_above >= 0, extra_indicator_rows >= 0")


#: Named layout variants used by the builder tests; handy for parametrising reader tests.
LAYOUT_VARIANTS: dict[str, Layout] = {
    "plain": Layout(),
    "colons": Layout(label_style="colons"),
    "linebreaks": Layout(label_style="linebreaks"),
    "suffixes": Layout(label_style="suffixes"),
    "traditional": Layout(label_style="traditional"),
    "split_target": Layout(split_target=True),
    "offset": Layout(start_col=2, rows_above=3),
    "formulas": Layout(formulas=True),
    "percent_cells": Layout(percent_cells=True),
    "extra_rows": Layout(extra_indicator_rows=1, blank_rows_in_table=True),
    "bare": Layout(
        weights_in_level1=False, notes_below=False, unit_line=False, money_unit="元"
    ),
    "everything": Layout(
        rows_above=2,
        start_col=2,
        blank_rows_in_table=True,
        label_style="colons",
        split_target=True,
        percent_cells=True,
        formulas=True,
        extra_indicator_rows=2,
    ),
}


@dataclass
class SheetMap:
    """Where :func:`add_project_sheet` wrote things (A1 references on sheet ``title``)."""

    title: str
    name_cell: str = ""
    department_cell: str = ""
    implementer_cell: str = ""
    year_cell: str = ""
    unit_cell: str | None = None
    money_unit: str = "万元"
    #: row kind ("total", "current_appropriation", "carry_over", "other") -> column key
    #: ("initial", "full_year", "executed", "weight", "rate", "score") -> "E7"
    funds: dict[str, dict[str, str]] = field(default_factory=dict)
    #: row kind -> the cell holding the row label
    funds_labels: dict[str, str] = field(default_factory=dict)
    goal_expected_cell: str = ""
    goal_actual_cell: str = ""
    indicator_header_row: int = 0
    #: sheet row of each spec indicator, in spec order
    indicator_rows: list[int] = field(default_factory=list)
    #: per indicator: "level1", "level2", "name", "target", "actual", "weight", "score",
    #: "reason" (and "operator", "unit" when the target is split) -> A1 ref. "level1" and
    #: "level2" name the top-left cell of the merged group (the cell holding the text);
    #: with split_target "target" is the 指标值 cell.
    indicator_cells: list[dict[str, str]] = field(default_factory=list)
    #: rows inside the indicator block that belong to no spec indicator (extra/blank rows)
    blank_indicator_rows: list[int] = field(default_factory=list)
    total_row: int = 0
    total_weight_cell: str = ""
    total_score_cell: str = ""
    first_col: int = 1
    last_col: int = 1
    last_row: int = 1


@dataclass
class UnitMap:
    """Where the unit-level sheet (项目清单) was written."""

    title: str
    unit_name_cell: str = ""
    year_cell: str = ""
    header_row: int = 0
    #: per project row: "name", "initial", "full_year", "executed", "rate" -> A1 ref
    row_cells: list[dict[str, str]] = field(default_factory=list)
    total_row: int = 0
    #: "initial", "full_year", "executed", "rate" -> A1 ref of the 合计 row
    total_cells: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Specs
# --------------------------------------------------------------------------------------------


def case_paths() -> list[Path]:
    """The real-case JSON files, sorted by name."""
    return sorted(CASES_DIR.glob("*.json"))


def spec_from_case(path_or_dict: str | Path | dict[str, Any]) -> dict[str, Any]:
    """A real-case JSON (path, or a case-id prefix such as ``"004"``, or a dict) -> spec.

    The spec has the same keys as the JSON; a deep copy is returned, so callers may mutate it.
    """
    if isinstance(path_or_dict, dict):
        return copy.deepcopy(path_or_dict)
    path = Path(path_or_dict)
    if not path.exists():
        matches = [p for p in case_paths() if p.name.startswith(str(path_or_dict))]
        if len(matches) != 1:
            raise FileNotFoundError(f"no real case {path_or_dict!r} (matches: {matches})")
        path = matches[0]
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return data


def _fund(label: str, initial: Any, full_year: Any, executed: Any, weight: Any = None,
          rate: Any = None, score: Any = None) -> dict[str, Any]:
    return {"label": label, "initial": initial, "full_year": full_year, "executed": executed,
            "weight": weight, "rate": rate, "score": score}


def _ind(level1: str, level2: str, name: str, target: str, actual: str, weight: float,
         score: float, note: str | None = None) -> dict[str, Any]:
    return {"level1": level1, "level2": level2, "name": name, "target": target, "actual": actual,
            "weight": weight, "score": score, "deviation_note": note}


def seed_spec(name: str) -> dict[str, Any]:
    """One of the two clean projects of the seed report (芙蓉区商务局, 2021).

    ``"招商节会"``: 全年预算 200, executed 196.5 (98.25% -> 9.83 of 10), indicators 90/90,
    总分 99.83. ``"农贸市场提质改造"``: 250 / 250 (100% -> 10), indicators 90/90, 总分 100.
    Every target is met, so every entered score is the correct one; weights 10 + 50/30/10.
    """
    out, ben, sat = "产出指标", "效益指标", "满意度指标"
    base: dict[str, Any] = {
        "title": "项目支出绩效自评表 (2021年度)",
        "year": 2021,
        "region": "湖南省长沙市芙蓉区",
        "kind": "project",
        "department": "芙蓉区商务局",
        "total_weight": 100,
        "grade_published": "优",
    }
    if name == "招商节会":
        spec = dict(base)
        spec.update({
            "project_name": "招商节会",
            "implementer": "芙蓉区招商促进中心",
            "funds": {
                "total": _fund("年度资金总额", 200, 200, 196.5, 10, "98.25%", 9.83),
                "current_appropriation": _fund("其中：当年财政拨款", 200, 200, 196.5),
                "carry_over": _fund("上年结转资金", None, None, None),
                "other": _fund("其他资金", None, None, None),
            },
            "goal_expected": "按照区招商引资工作领导小组统一铺排，举办招商节会，参加省市节会，"
                             "印制招商资料，开展招商宣传，提升区域经济发展水平。",
            "goal_actual": "举办招商节会4场，参加省市节会6次，新引进项目61个，"
                           "累计全口径税收1.16亿元。",
            "indicators": [
                _ind(out, "数量指标", "举办招商节会场次", "≥3场", "4场", 10, 10),
                _ind(out, "数量指标", "参加省市节会次数", "≥5次", "6次", 10, 10),
                _ind(out, "数量指标", "印制招商资料", "≥2000份", "2000份", 10, 10),
                _ind(out, "质量指标", "签约项目履约率", "≥80%", "85%", 10, 10),
                _ind(out, "时效指标", "节会活动按计划完成率", "100%", "100%", 5, 5),
                _ind(out, "成本指标", "节会支出总额", "≤200万元", "196.5万元", 5, 5),
                _ind(ben, "经济效益指标", "新引进项目数", "≥50个", "61个", 15, 15),
                _ind(ben, "社会效益指标", "区域招商影响力", "效果明显", "达成预期指标", 15, 15),
                _ind(sat, "服务对象满意度指标", "客商满意度", "≥90%", "95%", 10, 10),
            ],
            "total_score_published": 99.83,
        })
        return spec
    if name == "农贸市场提质改造":
        spec = dict(base)
        spec.update({
            "project_name": "农贸市场提质改造",
            "implementer": "芙蓉区商务局",
            "funds": {
                "total": _fund("年度资金总额", 250, 250, 250, 10, "100%", 10),
                "current_appropriation": _fund("其中：当年财政拨款", 250, 250, 250),
                "carry_over": _fund("上年结转资金", None, None, None),
                "other": _fund("其他资金", None, None, None),
            },
            "goal_expected": "对辖区内5个农贸市场实施提质改造补助，改善市场环境卫生和经营秩序。",
            "goal_actual": "完成5个农贸市场提质改造并通过验收，市场环境明显改善。",
            "indicators": [
                _ind(out, "数量指标", "提质改造农贸市场数量", "≥5个", "5个", 15, 15),
                _ind(out, "质量指标", "改造项目验收合格率", "100%", "100%", 15, 15),
                _ind(out, "时效指标", "改造按期完成率", "≥95%", "100%", 10, 10),
                _ind(out, "成本指标", "单个市场补助标准", "≤50万元", "50万元", 10, 10),
                _ind(ben, "社会效益指标", "市场环境卫生改善", "显著改善", "达成预期指标", 15, 15),
                _ind(ben, "可持续影响指标", "长效管理机制建立", "建立", "达成预期指标", 15, 15),
                _ind(sat, "服务对象满意度指标", "市场经营户满意度", "≥90%", "93%", 5, 5),
                _ind(sat, "服务对象满意度指标", "周边居民满意度", "≥90%", "92%", 5, 5),
            ],
            "total_score_published": 100,
        })
        return spec
    raise KeyError(f"unknown seed project {name!r} (招商节会 | 农贸市场提质改造)")


def unit_sheet_from_specs(specs: list[dict[str, Any]], *, title: str = "项目清单",
                          unit_name: str | None = None,
                          total: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``unit_sheet`` dict listing ``specs`` with their 年度资金总额 amounts."""
    rows = []
    for spec in specs:
        tot = (spec.get("funds") or {}).get("total") or {}
        rows.append({"name": spec.get("project_name"), "initial": tot.get("initial"),
                     "full_year": tot.get("full_year"), "executed": tot.get("executed")})
    first = specs[0] if specs else {}
    return {"title": title, "unit_name": unit_name or first.get("department"),
            "year": first.get("year"), "rows": rows, "total": total}


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------

_LABELS: dict[str, str] = {
    "title": "项目支出绩效自评表",
    "name": "项目名称",
    "department": "主管部门",
    "implementer": "实施单位",
    "funds": "项目资金（{unit}）",
    "initial": "年初预算数",
    "full_year": "全年预算数",
    "executed": "全年执行数",
    "weight": "分值",
    "rate": "执行率",
    "score": "得分",
    "total": "年度资金总额",
    "current_appropriation": "其中：当年财政拨款",
    "carry_over": "上年结转资金",
    "other": "其他资金",
    "goal": "年度总体目标",
    "goal_expected": "预期目标",
    "goal_actual": "实际完成情况",
    "indicators": "绩效指标",
    "level1": "一级指标",
    "level2": "二级指标",
    "level3": "三级指标",
    "target": "年度指标值",
    "operator": "指标性质",
    "target_value": "指标值",
    "unit": "度量单位",
    "actual": "实际完成值",
    "ind_weight": "分值",
    "ind_score": "得分",
    "reason": "偏差原因分析及改进措施",
    "total_row": "总分",
}

_LINEBREAKS: dict[str, str] = {
    "name": "项目\n名称",
    "department": "主管\n部门",
    "implementer": "实施\n单位",
    "funds": "项目资金\n（{unit}）",
    "initial": "年初\n预算数",
    "full_year": "全年\n预算数",
    "executed": "全年\n执行数",
    "goal": "年度总体\n目标",
    "goal_actual": "实际完成\n情况",
    "indicators": "绩效\n指标",
    "level1": "一级\n指标",
    "level2": "二级\n指标",
    "level3": "三级\n指标",
    "target": "年度\n指标值",
    "operator": "指标\n性质",
    "unit": "度量\n单位",
    "actual": "实际\n完成值",
    "reason": "偏差原因分析\n及改进措施",
}

_SUFFIXES: dict[str, str] = {
    "full_year": "全年预算数（A）",
    "executed": "全年执行数（B）",
    "rate": "执行率（B/A）",
    "current_appropriation": "其中：本年财政拨款",
    "target": "年度指标值（A）",
    "actual": "实际完成值（B）",
}

_COLON_KEYS = ("name", "department", "implementer", "total", "carry_over", "other", "goal")

_TRAD = str.maketrans({
    "项": "項", "称": "稱", "绩": "績", "标": "標", "产": "產", "满": "滿", "实": "實",
    "际": "際", "门": "門", "单": "單", "资": "資", "万": "萬", "预": "預", "数": "數",
    "执": "執", "总": "總", "额": "額", "当": "當", "财": "財", "拨": "撥", "结": "結",
    "转": "轉", "体": "體", "级": "級", "进": "進", "质": "質", "时": "時", "经": "經",
    "济": "濟", "会": "會", "态": "態", "续": "續", "响": "響", "务": "務", "对": "對",
    "评": "評", "联": "聯", "系": "繫", "话": "話", "备": "備", "注": "註", "补": "補",
    "县": "縣", "计": "計", "号": "號", "说": "說", "负": "負", "责": "責", "电": "電",
    "员": "員", "报": "報", "况": "況", "无": "無", "审": "審", "核": "核", "签": "簽",
    "长": "長", "盖": "蓋", "复": "復", "规": "規", "检": "檢", "查": "查",
})


def _traditional(text: str) -> str:
    return text.translate(_TRAD)


def _colon(text: str, mark: str = "：") -> str:
    return text if text.endswith((":", "：")) else text + mark


def _label(key: str, layout: Layout, unit: str = "万元") -> str:
    style = layout.label_style
    text = _LABELS[key]
    if style == "linebreaks":
        text = _LINEBREAKS.get(key, text)
    elif style == "suffixes":
        text = _SUFFIXES.get(key, text)
    elif style == "colons" and key in _COLON_KEYS:
        text = _colon(text, ":" if key in FUND_ROWS else "：")
    text = text.replace("{unit}", unit)
    if style == "traditional":
        text = _traditional(text)
    return text


def _spec_text(text: str, layout: Layout, *, colon: bool = False) -> str:
    """A label taken from the spec, adapted to the label style (traditional, colons)."""
    if layout.label_style == "traditional":
        text = _traditional(text)
    if colon and layout.label_style == "colons":
        text = _colon(text, ":")
    return text


_LEVEL1_WEIGHT = re.compile(r"\s*[（(]\s*\d+(?:\.\d+)?\s*分\s*[)）]\s*$")


def _level1_text(text: str | None, layout: Layout) -> str | None:
    if text is None:
        return None
    if not layout.weights_in_level1:
        text = _LEVEL1_WEIGHT.sub("", text)
    return _spec_text(text, layout)


def _fund_label(kind: str, row: dict[str, Any] | None, layout: Layout) -> str:
    label = (row or {}).get("label")
    if not label:
        return _label(kind, layout)
    # transcriptions such as "年度资金总额 (全年预算数(A) / ...)" describe the columns too
    label = re.split(r"\s+[(（]", str(label), maxsplit=1)[0].strip()
    return _spec_text(label, layout, colon=kind in _COLON_KEYS)


# --------------------------------------------------------------------------------------------
# Cell writing helpers
# --------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = Font(name=FONT_NAME, size=10)
_FONT_BOLD = Font(name=FONT_NAME, size=10, bold=True)
_FONT_TITLE = Font(name=FONT_NAME, size=18, bold=True)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")

_PERCENT_TEXT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[%％]\s*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPLIT_TARGET = re.compile(
    r"^\s*(?P<op>≥|≤|≧|≦|>=|<=|＞＝|＜＝|=|＝|═|﹦|>|<|＞|＜)?\s*"
    r"(?P<num>[-+]?\d+(?:\.\d+)?)\s*(?P<unit>\S*)\s*$"
)
_DASH = "—"


def _is_dash(value: Any) -> bool:
    return isinstance(value, str) and value.strip() in {"—", "-", "--", "——", "/"}


class StyleIds:
    """Sets a cell's font, alignment or border as openpyxl's style descriptors do (the style's
    index in the workbook's list of them, into the cell's style array), finding each style's
    index once per sheet: openpyxl hashes the whole style object on every assignment (~30 µs
    for a Border), and a style the builders hold as a constant keeps its index in a workbook."""

    _FIELDS = {"font": ("_fonts", "fontId"), "alignment": ("_alignments", "alignmentId"),
               "border": ("_borders", "borderId")}

    def __init__(self, ws: Worksheet) -> None:
        self.wb = ws.parent
        self.ids: dict[tuple[str, int], int] = {}

    def set(self, cell: Any, **styles: Any) -> None:
        for name, value in styles.items():
            collection, key = self._FIELDS[name]
            idx = self.ids.get((name, id(value)))
            if idx is None:
                idx = self.ids[(name, id(value))] = getattr(self.wb, collection).add(value)
            if not cell._style:
                cell._style = StyleArray()
            setattr(cell._style, key, idx)


class _Writer:
    """Writes cells relative to the layout origin and remembers merges and borders."""

    def __init__(self, ws: Worksheet, layout: Layout) -> None:
        self.ws = ws
        self.layout = layout
        self.col0 = layout.start_col - 1
        self.merges: list[tuple[int, int, int, int]] = []
        self.styles = StyleIds(ws)

    def col(self, c: int) -> int:
        return self.col0 + c

    def ref(self, row: int, c: int) -> str:
        return f"{get_column_letter(self.col(c))}{row}"

    def put(self, row: int, c: int, value: Any, *, font: Font = _FONT,
            align: Alignment = _CENTER, number_format: str | None = None,
            percent: bool = False) -> str:
        cell = self.ws.cell(row=row, column=self.col(c))
        if value is not None:
            m = _PERCENT_TEXT.match(value) if isinstance(value, str) else None
            if percent and m and self.layout.percent_cells:
                cell.value = round(float(m.group(1)) / 100, 10)
                cell.number_format = PERCENT_FORMAT
            else:
                cell.value = value
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"  # text such as "=1个", not a formula
        if number_format:
            cell.number_format = number_format
        self.styles.set(cell, font=font, alignment=align)
        return cell.coordinate

    def formula(self, row: int, c: int, formula: str,
                number_format: str | None = None) -> str:
        cell = self.ws.cell(row=row, column=self.col(c), value=formula)
        self.styles.set(cell, font=_FONT, alignment=_CENTER)
        if number_format:
            cell.number_format = number_format
        return cell.coordinate

    def merge(self, r1: int, c1: int, r2: int, c2: int) -> None:
        if (r1, c1) != (r2, c2):
            self.merges.append((r1, c1, r2, c2))

    def finish(self, bordered: list[tuple[int, int, int, int]]) -> None:
        for r1, c1, r2, c2 in self.merges:
            self.ws.merge_cells(start_row=r1, start_column=self.col(c1),
                                end_row=r2, end_column=self.col(c2))
        for r1, c1, r2, c2 in bordered:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    self.styles.set(self.ws.cell(row=r, column=self.col(c)), border=_BORDER)


def _safe_title(wb: openpyxl.Workbook, name: str) -> str:
    title = re.sub(r"[\[\]:*?/\\]", "", name).strip().strip("'")[:31] or "Sheet"
    existing = set(wb.sheetnames)
    candidate, n = title, 2
    while candidate in existing:
        suffix = f"({n})"
        candidate = title[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def _money_unit(spec: dict[str, Any], layout: Layout) -> str:
    """The spec's ``money_unit`` ("元 (the table header says ...)") wins over the layout's."""
    given = spec.get("money_unit")
    if isinstance(given, str) and given.strip():
        return given.split()[0]
    return layout.money_unit


def _dash_keys(row: dict[str, Any]) -> set[str]:
    """Which blank cells of a funds sub-row were printed as "—" in the source.

    Explicit: ``row["dash"] = ["weight", "score"]``. From the transcription: ``printed`` /
    ``printed_extra`` such as "—", "— / —", "— — — — —": n dashes fill the first n blank cells
    in the order 分值, 得分, 执行率, 全年执行数, 全年预算数, 年初预算数.
    """
    if isinstance(row.get("dash"), (list, tuple)):
        return set(row["dash"])
    printed = " ".join(str(row.get(k) or "") for k in ("printed", "printed_extra"))
    n = printed.count(_DASH)
    order = ("weight", "score", "rate", "executed", "full_year", "initial")
    blanks = [k for k in order if row.get(k) is None]
    return set(blanks[:n])


def _reason_text(ind: dict[str, Any]) -> str | None:
    """The 偏差原因 cell: ``reason`` if given, else ``deviation_note`` when it is Chinese text
    (English notes in the JSON are the transcriber's remarks, not cell content)."""
    if "reason" in ind:
        return ind["reason"]
    note = ind.get("deviation_note")
    if isinstance(note, str) and _CJK.search(note):
        return note
    return None


_REMARK = re.compile(r"\s*\((?=[^)]*[A-Za-z]{2,} [A-Za-z])[\x20-\x7e]*\)\s*$")


def _cell_text(value: Any) -> Any:
    """Drop a transcriber's English remark such as "公众满…(text cut off in source excerpt)"."""
    if isinstance(value, str):
        return _REMARK.sub("", value)
    return value


def _split_target(ind: dict[str, Any]) -> tuple[Any, Any, Any]:
    """(指标性质, 指标值, 度量单位) from the spec's keys, else from the target text."""
    if any(k in ind for k in ("operator", "target_value", "unit")):
        return ind.get("operator"), ind.get("target_value"), ind.get("unit")
    target = ind.get("target")
    if target is None:
        return None, None, None
    if not isinstance(target, str):
        return None, target, None
    m = _SPLIT_TARGET.match(target)
    if not m:
        return None, target, None
    return m.group("op"), m.group("num"), m.group("unit") or None


def _groups(values: list[Any]) -> list[tuple[int, int]]:
    """(first, last) index ranges of consecutive equal values."""
    out: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((start, i - 1))
            start = i
    return out


# --------------------------------------------------------------------------------------------
# The project sheet
# --------------------------------------------------------------------------------------------


def add_project_sheet(wb: openpyxl.Workbook, spec: dict[str, Any], *,
                      title: str | None = None,
                      layout: Layout | None = None) -> SheetMap:
    """Write one 项目支出绩效自评表 for ``spec`` on a new sheet of ``wb``."""
    layout = layout or Layout()
    ws = wb.create_sheet(title=title or _safe_title(wb, str(spec.get("project_name") or "项目")))
    w = _Writer(ws, layout)
    unit = _money_unit(spec, layout)
    split = layout.split_target
    width = 11 if split else 10
    smap = SheetMap(title=ws.title, money_unit=unit, first_col=w.col(1), last_col=w.col(width))
    bordered: list[tuple[int, int, int, int]] = []

    # indicator block columns (relative)
    c_l1, c_l2, c_name = 2, 3, 4
    if split:
        c_op, c_tv, c_unit, c_act, c_w, c_s, c_reason = 5, 6, 7, 8, 9, 10, 11
    else:
        c_tv, c_act, c_w, c_s, c_reason = 5, 6, 7, 8, 9
        c_op = c_unit = 0

    # --- above the table ------------------------------------------------------------------
    row = 1
    for i in range(layout.rows_above):
        if i == 0:
            w.put(row, 1, _spec_text("附件1", layout), align=_LEFT)
        row += 1
    w.put(row, 1, _label("title", layout), font=_FONT_TITLE)
    w.merge(row, 1, row, width)
    ws.row_dimensions[row].height = 36
    row += 1
    year = spec.get("year")
    smap.year_cell = w.put(row, 1, f"（{year}年度）" if year else "（    年度）")
    w.merge(row, 1, row, width)
    row += 1
    if layout.unit_line:
        smap.unit_cell = w.put(row, width, _spec_text(f"单位：{unit}", layout), align=_RIGHT)
        row += 1
    top = row

    # --- header ---------------------------------------------------------------------------
    w.put(row, 1, _label("name", layout))
    w.merge(row, 1, row, 2)
    smap.name_cell = w.put(row, 3, spec.get("project_name"), align=_LEFT)
    w.merge(row, 3, row, width)
    row += 1
    w.put(row, 1, _label("department", layout))
    w.merge(row, 1, row, 2)
    smap.department_cell = w.put(row, 3, spec.get("department"), align=_LEFT)
    w.merge(row, 3, row, width - 4)
    w.put(row, width - 3, _label("implementer", layout))
    w.merge(row, width - 3, row, width - 2)
    smap.implementer_cell = w.put(row, width - 1, spec.get("implementer"), align=_LEFT)
    w.merge(row, width - 1, row, width)
    row += 1

    # --- funds block ----------------------------------------------------------------------
    funds = spec.get("funds") or {}
    vcol = {k: width - 5 + i for i, k in enumerate(FUND_COLS)}
    f_head = row
    w.put(row, 1, _label("funds", layout, unit))
    w.merge(row, 1, row + len(FUND_ROWS), 2)
    w.merge(row, 3, row, width - 6)
    for key in FUND_COLS:
        w.put(row, vcol[key], _label(key, layout))
    ws.row_dimensions[row].height = 30
    row += 1
    fund_rows = {kind: f_head + 1 + i for i, kind in enumerate(FUND_ROWS)}
    sub_first, sub_last = fund_rows["current_appropriation"], fund_rows["other"]
    for kind in FUND_ROWS:
        r = fund_rows[kind]
        spec_row = funds.get(kind)
        smap.funds_labels[kind] = w.put(r, 3, _fund_label(kind, spec_row, layout), align=_LEFT)
        w.merge(r, 3, r, width - 6)
        spec_row = spec_row or {}
        dashes = _dash_keys(spec_row) if kind != "total" else set()
        cells: dict[str, str] = {}
        for key in FUND_COLS:
            value = spec_row.get(key)
            if value is None and key in dashes:
                value = _DASH
            cells[key] = w.put(r, vcol[key], value, percent=key == "rate")
        if layout.formulas:
            ref = {k: w.ref(r, vcol[k]) for k in FUND_COLS}
            if kind == "total":
                for key in ("initial", "full_year", "executed"):
                    # a SUM only where some sub-row has an amount (016 has no sub-rows at all)
                    if any(isinstance((funds.get(k) or {}).get(key), (int, float))
                           for k in FUND_ROWS[1:]):
                        c = vcol[key]
                        w.formula(r, c, f"=SUM({w.ref(sub_first, c)}:{w.ref(sub_last, c)})")
            rate = spec_row.get("rate")
            if kind == "total" or (rate is not None and not _is_dash(rate)):
                w.formula(r, vcol["rate"],
                          f"=IF({ref['full_year']}=0,0,{ref['executed']}/{ref['full_year']})",
                          PERCENT_FORMAT)
            if kind == "total" and spec_row.get("weight") is not None:
                w.formula(r, vcol["score"],
                          f"=ROUND(MIN({ref['rate']},1)*{ref['weight']},2)")
        smap.funds[kind] = cells
    row = sub_last + 1
    bordered.append((top, 1, row - 1, width))

    if layout.blank_rows_in_table:
        row += 1  # an empty, unbordered row between the funds and the goal blocks

    # --- 年度总体目标 ------------------------------------------------------------------------
    g = row
    mid = 3 + (width - 2) // 2 - 1
    w.put(g, 1, _label("goal", layout))
    w.merge(g, 1, g + 1, 2)
    w.put(g, 3, _label("goal_expected", layout))
    w.merge(g, 3, g, mid)
    w.put(g, mid + 1, _label("goal_actual", layout))
    w.merge(g, mid + 1, g, width)
    smap.goal_expected_cell = w.put(g + 1, 3, spec.get("goal_expected"), align=_LEFT)
    w.merge(g + 1, 3, g + 1, mid)
    smap.goal_actual_cell = w.put(g + 1, mid + 1, spec.get("goal_actual"), align=_LEFT)
    w.merge(g + 1, mid + 1, g + 1, width)
    ws.row_dimensions[g + 1].height = 60
    row = g + 2
    goal_top = g

    # --- 绩效指标 ----------------------------------------------------------------------------
    h = row
    smap.indicator_header_row = h
    w.put(h, 1, _label("indicators", layout))
    w.put(h, c_l1, _label("level1", layout))
    w.put(h, c_l2, _label("level2", layout))
    w.put(h, c_name, _label("level3", layout))
    if split:
        w.put(h, c_op, _label("operator", layout))
        w.put(h, c_tv, _label("target_value", layout))
        w.put(h, c_unit, _label("unit", layout))
    else:
        w.put(h, c_tv, _label("target", layout))
    w.put(h, c_act, _label("actual", layout))
    w.put(h, c_w, _label("ind_weight", layout))
    w.put(h, c_s, _label("ind_score", layout))
    w.put(h, c_reason, _label("reason", layout))
    w.merge(h, c_reason, h, width)
    ws.row_dimensions[h].height = 30
    row = h + 1

    indicators: list[dict[str, Any]] = list(spec.get("indicators") or [])
    l1 = [_level1_text(ind.get("level1"), layout) for ind in indicators]
    l2 = [_spec_text(ind["level2"], layout) if ind.get("level2") else None for ind in indicators]

    # Where the blank rows go: extra rows after the first indicator (inside its 一级/二级
    # groups, covered by the merges); the blank_rows_in_table row at the first 一级 boundary.
    extra_after = 0 if indicators else -1
    boundary = next((i for i in range(1, len(indicators)) if l1[i] != l1[i - 1]),
                    1 if len(indicators) > 1 else -1)
    empty_rows: list[int] = []  # blank rows outside every group
    rows_of: list[int] = []
    spans: list[int] = []  # last sheet row belonging to indicator i (includes extra rows)
    for i, ind in enumerate(indicators):
        if layout.blank_rows_in_table and i == boundary:
            empty_rows.append(row)
            smap.blank_indicator_rows.append(row)
            row += 1
        r = row
        rows_of.append(r)
        cells: dict[str, str] = {}
        cells["level1"] = w.put(r, c_l1, l1[i])
        cells["level2"] = w.put(r, c_l2, l2[i])
        cells["name"] = w.put(r, c_name, _cell_text(ind.get("name")), align=_LEFT)
        if split:
            op, tv, un = _split_target(ind)
            cells["operator"] = w.put(r, c_op, op)
            cells["target"] = w.put(r, c_tv, tv, percent=True)
            cells["unit"] = w.put(r, c_unit, un)
        else:
            cells["target"] = w.put(r, c_tv, ind.get("target"), percent=True)
        cells["actual"] = w.put(r, c_act, ind.get("actual"), percent=True)
        cells["weight"] = w.put(r, c_w, ind.get("weight"))
        cells["score"] = w.put(r, c_s, ind.get("score"))
        cells["reason"] = w.put(r, c_reason, _reason_text(ind), align=_LEFT)
        w.merge(r, c_reason, r, width)
        smap.indicator_cells.append(cells)
        row += 1
        if i == extra_after:
            for _ in range(layout.extra_indicator_rows):
                w.merge(row, c_reason, row, width)
                smap.blank_indicator_rows.append(row)
                row += 1
        spans.append(row - 1)
    smap.indicator_rows = rows_of
    last_ind_row = row - 1

    def merge_groups(labels: list[Any], col: int, key: str) -> None:
        for a, b in _groups(labels):
            r1, r2 = rows_of[a], spans[b]
            w.merge(r1, col, r2, col)
            for i in range(a, b + 1):  # every member points at the cell holding the text
                smap.indicator_cells[i][key] = w.ref(r1, col)

    if indicators:
        merge_groups(l1, c_l1, "level1")
        merge_groups(list(zip(l1, l2)), c_l2, "level2")
    w.merge(h, 1, last_ind_row, 1)

    # --- 总分 --------------------------------------------------------------------------------
    t = last_ind_row + 1
    smap.total_row = t
    w.put(t, 1, _label("total_row", layout))
    w.merge(t, 1, t, c_w - 1)
    total_weight = spec.get("total_weight", 100)
    smap.total_weight_cell = w.put(t, c_w, total_weight)
    has_scores = (funds.get("total") or {}).get("score") is not None or any(
        ind.get("score") is not None for ind in indicators)
    if layout.formulas and has_scores:
        first_s, last_s = w.ref(h + 1, c_s), w.ref(last_ind_row, c_s)
        smap.total_score_cell = w.formula(
            t, c_s, f"=SUM({smap.funds['total']['score']},{first_s}:{last_s})")
    else:
        smap.total_score_cell = w.put(t, c_s, spec.get("total_score_published"))
    w.put(t, c_reason, None)
    w.merge(t, c_reason, t, width)
    bordered.append((goal_top, 1, t, width))
    row = t + 1
    if layout.label_style == "linebreaks":  # room for the two-line labels
        for r in (top, top + 1, *fund_rows.values(), g):
            ws.row_dimensions[r].height = max(ws.row_dimensions[r].height or 0, 28)

    # --- below the table ------------------------------------------------------------------
    if layout.notes_below:
        row += 1
        w.put(row, 1, _spec_text("填表人：李明", layout), align=_LEFT)
        w.merge(row, 1, row, 3)
        w.put(row, 5, _spec_text("联系电话：0731-84000000", layout), align=_LEFT)
        w.merge(row, 5, row, 7)
        w.put(row, 8, _spec_text("填报日期：", layout) + f"{(year or 2021) + 1}年3月15日",
              align=_LEFT)
        w.merge(row, 8, row, width)
        row += 1
        w.put(row, 1, _spec_text(
            "备注：1.偏差原因分析需说明未完成原因及改进措施；2.本表由实施单位填报，"
            "主管部门审核。", layout), align=_LEFT)
        w.merge(row, 1, row, width)
        ws.row_dimensions[row].height = 30
        row += 1
    smap.last_row = row - 1

    # borders everywhere in the table, except the stray empty rows
    boxes: list[tuple[int, int, int, int]] = []
    for r1, c1, r2, c2 in bordered:
        start = r1
        for e in sorted(x for x in empty_rows if r1 <= x <= r2):
            if start <= e - 1:
                boxes.append((start, c1, e - 1, c2))
            boxes.append((e, 1, e, 1))  # the merged 绩效指标 column keeps its border
            start = e + 1
        if start <= r2:
            boxes.append((start, c1, r2, c2))
    w.finish(boxes)

    # column widths and page set-up
    widths = [8, 12, 14, 26, 12, 12, 8, 8, 14, 14] if not split else \
        [8, 12, 14, 26, 8, 10, 8, 12, 8, 8, 24]
    for i, cw in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(w.col(i))].width = cw
    if layout.start_col > 1:
        ws.column_dimensions["A"].width = 3
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    return smap


# --------------------------------------------------------------------------------------------
# Unit sheet and workbook
# --------------------------------------------------------------------------------------------


def _add_unit_sheet(wb: openpyxl.Workbook, unit: dict[str, Any], layout: Layout) -> UnitMap:
    ws = wb.create_sheet(title=_safe_title(wb, str(unit.get("title") or "项目清单")), index=0)
    w = _Writer(ws, layout)
    umap = UnitMap(title=ws.title)
    width = 6
    row = 1
    for _ in range(layout.rows_above):
        row += 1
    w.put(row, 1, _spec_text("项目支出绩效自评项目清单", layout), font=_FONT_TITLE)
    w.merge(row, 1, row, width)
    row += 1
    umap.unit_name_cell = w.put(
        row, 1, _spec_text("单位名称：", layout) + str(unit.get("unit_name") or ""), align=_LEFT)
    w.merge(row, 1, row, 4)
    year = unit.get("year")
    umap.year_cell = w.put(row, 5, _spec_text("年度：", layout) + (f"{year}年" if year else ""),
                           align=_LEFT)
    w.merge(row, 5, row, width)
    row += 1
    if layout.unit_line:
        w.put(row, width, _spec_text(f"单位：{layout.money_unit}", layout), align=_RIGHT)
        row += 1
    head = row
    umap.header_row = head
    for i, key in enumerate(("序号", "项目名称", "initial", "full_year", "executed", "rate"), 1):
        text = _label(key, layout) if key in _LABELS else _spec_text(key, layout)
        w.put(head, i, text, font=_FONT_BOLD)
    row += 1
    cols = {"initial": 3, "full_year": 4, "executed": 5, "rate": 6}
    first = row
    for n, item in enumerate(unit.get("rows") or [], 1):
        w.put(row, 1, n)
        cells = {"name": w.put(row, 2, item.get("name"), align=_LEFT)}
        for key in ("initial", "full_year", "executed"):
            cells[key] = w.put(row, cols[key], item.get(key))
        rate = item.get("rate")
        if rate is None and isinstance(item.get("full_year"), (int, float)) and \
                isinstance(item.get("executed"), (int, float)) and item["full_year"]:
            rate = round(item["executed"] / item["full_year"], 6)
            cells["rate"] = w.put(row, 6, rate, number_format=PERCENT_FORMAT)
        else:
            cells["rate"] = w.put(row, 6, rate, percent=True)
        umap.row_cells.append(cells)
        row += 1
    last = row - 1
    t = row
    umap.total_row = t
    w.put(t, 1, _spec_text("合计", layout))
    w.merge(t, 1, t, 2)
    total = unit.get("total")
    for key in ("initial", "full_year", "executed"):
        c = cols[key]
        if total is not None:
            umap.total_cells[key] = w.put(t, c, total.get(key))
        elif layout.formulas and last >= first:
            umap.total_cells[key] = w.formula(t, c, f"=SUM({w.ref(first, c)}:{w.ref(last, c)})")
        else:
            values = [it.get(key) for it in unit.get("rows") or []]
            nums = [v for v in values if isinstance(v, (int, float))]
            umap.total_cells[key] = w.put(t, c, round(sum(nums), 6) if nums else None)
    tot_rate = (total or {}).get("rate")
    if tot_rate is not None:
        umap.total_cells["rate"] = w.put(t, 6, tot_rate, percent=True)
    else:
        fy, ex = umap.total_cells["full_year"], umap.total_cells["executed"]
        if layout.formulas:
            umap.total_cells["rate"] = w.formula(t, 6, f"=IF({fy}=0,0,{ex}/{fy})", PERCENT_FORMAT)
        else:
            fyv, exv = ws[fy].value, ws[ex].value
            ok = isinstance(fyv, (int, float)) and isinstance(exv, (int, float)) and fyv
            umap.total_cells["rate"] = w.put(t, 6, round(exv / fyv, 6) if ok else None,
                                             number_format=PERCENT_FORMAT)
    w.finish([(head, 1, t, width)])
    for i, cw in enumerate([6, 36, 12, 12, 12, 10], start=1):
        ws.column_dimensions[get_column_letter(w.col(i))].width = cw
    return umap


def make_workbook(path: str | Path, projects: list[dict[str, Any]], *,
                  unit_sheet: dict[str, Any] | None = None,
                  layout: Layout | None = None,
                  ) -> tuple[Path, list[SheetMap], UnitMap | None]:
    """Write a workbook with one sheet per project spec (and an optional unit sheet first).

    ``unit_sheet``: ``{"title": "项目清单", "unit_name": ..., "year": ..., "rows": [{"name",
    "initial", "full_year", "executed"[, "rate"]}], "total": {...} | None}``; with ``total``
    None the 合计 row is computed from the rows (SUM formulas when ``layout.formulas``).
    """
    layout = layout or Layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Many tests build the same workbook (the seed project, a layout variant): openpyxl takes
    # ~50 ms a build, so a build is remembered by what it was asked for, within the process.
    key = repr((projects, unit_sheet, layout))
    built = _BUILT.get(key)
    if built is None:
        wb = openpyxl.Workbook()
        default = wb.active
        maps = [add_project_sheet(wb, spec, layout=layout) for spec in projects]
        umap = _add_unit_sheet(wb, unit_sheet, layout) if unit_sheet is not None else None
        if default is not None and len(wb.worksheets) > 1:
            wb.remove(default)
        wb.active = 0
        buffer = io.BytesIO()
        wb.save(buffer)
        built = _BUILT[key] = (buffer.getvalue(), maps, umap)
    data, maps, umap = built
    path.write_bytes(data)
    return path, copy.deepcopy(maps), copy.deepcopy(umap)


_BUILT: dict[str, tuple[bytes, list[SheetMap], UnitMap | None]] = {}


# --------------------------------------------------------------------------------------------
# LibreOffice
# --------------------------------------------------------------------------------------------


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_resave(path: Path, outdir: Path, *, timeout: float = 180) -> Path:
    """Open ``path`` in headless LibreOffice and save it as .xlsx into ``outdir``.

    LibreOffice recalculates formulas and stores their cached values, as files saved by a
    spreadsheet program do. Each call uses its own throw-away profile directory, so parallel
    calls do not clash. Returns the new file; raises RuntimeError if the conversion failed.
    """
    exe = soffice_path()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not on PATH")
    path = Path(path).resolve()
    outdir = Path(outdir).resolve()
    if outdir / (path.stem + ".xlsx") == path:
        raise ValueError(f"libreoffice_resave would overwrite its input {path}")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.gettempdir()) / f"perf_xlsx_lo_{os.getpid()}_{uuid.uuid4().hex}"
    work = Path(tempfile.mkdtemp(prefix="lo_out_", dir=outdir))
    try:
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work), str(path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        produced = work / (path.stem + ".xlsx")
        if proc.returncode != 0 or not produced.exists() or produced.stat().st_size == 0:
            raise RuntimeError(
                f"LibreOffice conversion of {path} failed (exit {proc.returncode}):\n"
                f"{proc.stdout}\n{proc.stderr}")
        target = outdir / produced.name
        os.replace(produced, target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(profile, ignore_errors=True)


def soffice_convert(exe: str, files: list[Path], outdir: Path, target: str) -> dict[Path, Path]:
    """Convert several files in one LibreOffice call (own throw-away profile)."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = outdir.parent / f"lo-profile-{uuid.uuid4().hex}"
    ext = target.split(":")[0]
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", target, "--outdir", str(outdir), *map(str, files)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    out = {f: outdir / f"{f.stem}.{ext}" for f in files}
    missing = [str(f) for f, o in out.items() if not o.exists()]
    # LibreOffice exits 0 even when it could not load a file: check every output exists.
    assert not missing and "Error:" not in proc.stdout + proc.stderr, (missing, proc.stdout, proc.stderr)
    return out
