"""The optional 单位信息 sheet: what a unit says about itself for its 绩效自评报告.

The 自评表 holds money, indicators and scores; a narrative report also needs what no table
knows (编制, 人数, 职能, 管理制度, how the project was organised). The template carries a
「单位信息」 sheet with one row per field (填报项 | 内容 | 说明); this module declares those
fields (the template writer lays them out from the same list, so the two cannot drift) and
reads them back. The sheet is found by its name; a field by its label in any column, its
value in the cell right of the label (the 说明 column is never read as a value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

from perf_xlsx.a1 import ref
from perf_xlsx.read.grid import Grid, Sheet
from perf_xlsx.values import clean_text, normalize_label

__all__ = ["FIELDS", "UNIT_INFO_SHEET", "InfoField", "UnitInfo", "find_unit_info_sheet", "read_unit_info"]

UNIT_INFO_SHEET = "单位信息"
# Fields sit near the top; a sheet padded with thousands of rows is not read further.
_MAX_ROWS = 200
_MAX_COLS = 6


@dataclass(frozen=True)
class InfoField:
    """One row of the 单位信息 sheet: its key, its label, where the report uses it, a hint."""

    key: str
    label: str
    section: str  # the report section that shows it, as the sheet's 说明 column names it
    hint: str


#: In sheet order. Keys are what the report builder asks for; labels are what the sheet shows.
FIELDS: tuple[InfoField, ...] = (
    InfoField("unit_name", "单位名称", "报告标题、落款",
              "填写全称；空白时取项目清单或自评表上的单位名称"),
    InfoField("staffing", "编制情况", "一（一）单位基本情况",
              "行政编制、事业编制各多少个，如：行政编制7个，事业编制12个"),
    InfoField("headcount", "在职人数", "一（一）单位基本情况",
              "实有人数，如：实有行政编制人员7人，事业编制人员11人，雇员2人，合计在职20人"),
    InfoField("structure", "机构设置", "一（一）单位基本情况",
              "内设科室、下属单位"),
    InfoField("functions", "主要职能", "一（一）单位基本情况",
              "按“三定”方案填写主要职能职责，可在单元格内换行（Alt+Enter）分条"),
    InfoField("work_plan", "年度工作计划及项目内容", "一（二）绩效目标",
              "年度重点工作；各项目的性质、用途、主要内容和涉及范围"),
    InfoField("fund_use", "资金实际使用情况", "二（二）资金使用",
              "资金申报、审核、拨付和使用的程序与情况"),
    InfoField("fund_rules", "资金管理制度", "二（三）资金管理",
              "资金管理制度、办法的制订及执行情况"),
    InfoField("organization", "项目组织情况", "三（一）组织情况",
              "招投标、项目调整、完成验收等情况；没有的写明“未发生”"),
    InfoField("management", "项目管理制度", "三（二）管理情况",
              "项目管理制度建设、日常检查监督管理等情况"),
    InfoField("decision", "决策情况", "四（一）决策",
              "项目立项依据、决策程序、绩效目标的设定过程"),
    InfoField("process", "过程情况", "四（二）过程",
              "资金到位、实施进度与过程管理"),
    InfoField("experience", "主要经验做法", "五、经验与问题",
              "本单位的做法与经验（工具核对发现的问题会自动列出，不必重复）"),
    InfoField("problems", "其他问题及原因", "五、经验与问题",
              "工具无法从表中发现的问题及其原因"),
    InfoField("suggestions", "其他建议", "六、有关建议",
              "除工具按问题给出的建议之外的建议"),
    InfoField("other", "其他需要说明的问题", "七、其他",
              "没有的留空，报告写“无”"),
    InfoField("contact", "联系人及电话", "落款",
              "如：张三 0731-12345678"),
)

_BY_LABEL: Mapping[str, InfoField] = {normalize_label(f.label): f for f in FIELDS}


@dataclass(frozen=True)
class UnitInfo:
    """The filled fields of a workbook's 单位信息 sheet (blank fields are absent)."""

    sheet: str
    values: Mapping[str, str] = field(default_factory=dict)  # key -> text as written
    cells: Mapping[str, str] = field(default_factory=dict)  # key -> A1 reference of the value

    def get(self, key: str) -> str:
        return self.values.get(key, "")


def find_unit_info_sheet(grid: Grid) -> Optional[Sheet]:
    """The sheet named 单位信息 (spaces, brackets and traditional forms ignored)."""
    want = normalize_label(UNIT_INFO_SHEET)
    return next((s for s in grid.sheets if normalize_label(s.name) == want), None)


def read_unit_info(grid: Grid) -> Optional[UnitInfo]:
    """The 单位信息 sheet's fields, or None when the workbook has no such sheet."""
    sheet = find_unit_info_sheet(grid)
    if sheet is None:
        return None
    values: dict[str, str] = {}
    cells: dict[str, str] = {}
    for r in range(1, min(sheet.max_row, _MAX_ROWS) + 1):
        for c in range(1, min(sheet.max_col, _MAX_COLS) + 1):
            cell = sheet.cells.get((r, c))
            if cell is None or not isinstance(cell.value, str):
                continue
            info = _BY_LABEL.get(normalize_label(cell.value))
            if info is None or info.key in values:
                continue
            # The value is the cell right of the label (past the label's own merge).
            merge = sheet.merge_of(r, c)
            vc = (merge[3] if merge is not None else c) + 1
            value = sheet.get(r, vc)
            text = clean_text(value.value) if value is not None and value.error is None else ""
            if text:
                values[info.key] = text
                cells[info.key] = ref(*sheet.anchor(r, vc))
            break
    return UnitInfo(sheet=sheet.name, values=values, cells=cells)
