"""Find every 自评表 in a workbook by its labels and turn it into the model (the read layer's entry).

A workbook's sheets are read one by one: the tables on a sheet by read.project (project and
部门整体 tables), a sheet without one as the 项目清单 by read.unit_list. Findings about the file
itself (macros, external links, Strict Open XML, truncated text or windows) are added here.
"""

from __future__ import annotations

from typing import Optional

from perf_xlsx.model import Finding, Project, Severity, UnitSheet, WorkbookModel
from perf_xlsx.read.grid import MAX_COLS, MAX_ROWS, Grid, read_grid
from perf_xlsx.read.labels import SheetContext
from perf_xlsx.read.project import read_sheet_tables
from perf_xlsx.read.returns import remove_tool_cells, tool_sheet
from perf_xlsx.read.unit_list import read_unit_sheet

__all__ = ["read_workbook", "model_from_grid"]


def read_workbook(path: str) -> WorkbookModel:
    """Read a workbook file; GridError when it cannot be read at all."""
    return model_from_grid(read_grid(path), path)


def model_from_grid(grid: Grid, path: str = "") -> WorkbookModel:
    """The model of a grid already read (.xlsx, or .xls/.ods through read.legacy)."""
    findings: list[Finding] = []
    projects: list[Project] = []
    unit: Optional[UnitSheet] = None
    if grid.has_macros:
        findings.append(Finding(Severity.INFO, "read.macros_ignored", "文件含宏，宏已忽略，未执行"))
    if grid.external_links:
        findings.append(Finding(Severity.WARNING, "read.external_link",
                                "文件引用了其他工作簿（外部链接），相关数值未核实"))
    values_only = []
    if grid.strict:
        values_only.append("Strict Open XML 格式")
        findings.append(Finding(Severity.INFO, "read.strict_ooxml",
                                "文件为 Strict Open XML 格式：已照常评分，评分副本只保留数值；"
                                "建议在 WPS/Excel 中另存为“Excel 工作簿 (*.xlsx)”"))
    tool_sheets: list[str] = []
    tool_ids: set[int] = set()
    stripped: list[str] = []
    tool_cells: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    for sheet in grid.sheets:
        if tool_sheet(sheet) is not None:
            tool_sheets.append(sheet.name)
            tool_ids.add(id(sheet))
            continue
        removed = remove_tool_cells(sheet)
        if removed:
            stripped.append(sheet.name)
            tool_cells.append((sheet.name, removed))
    if tool_sheets or stripped:
        # A scored copy sent back (corrected or not) is a submission: only the unit's cells count.
        parts = []
        if tool_sheets:
            parts.append("工作表" + "".join(f"「{n}」" for n in tool_sheets))
        if stripped:
            parts.append("".join(f"「{n}」" for n in stripped[:3]) + ("等" if len(stripped) > 3 else "")
                         + "表右侧的“核定得分”列和表下的评分结果行")
        # ``found`` names the tool's sheets ("汇总、评分明细"), for a writer that drops them from
        # the next copy.
        findings.append(Finding(Severity.INFO, "read.tool_output_ignored",
                                f"本文件是本工具评分后的副本：{'，以及'.join(parts)}是工具上次评分时加入的，"
                                "已忽略，按其余内容重新评分", (tool_sheets or stripped)[0], None, None,
                                "、".join(tool_sheets) or None))
    for sheet in grid.sheets:
        if id(sheet) in tool_ids:
            continue
        ctx = SheetContext(sheet, findings, {})
        if sheet.long_text:
            values_only.append("单元格文本超过 32767 字符")
            ctx.add(Severity.WARNING, "read.text_truncated",
                    f"{len(sheet.long_text)} 个单元格的文字超过 Excel 上限 32767 字，已截断读取；评分副本只保留数值",
                    sheet.long_text[0], 32767, None)
        if sheet.bad_styles:
            values_only.append("单元格样式损坏")
            ctx.add(Severity.WARNING, "read.bad_style",
                    f"{len(sheet.bad_styles)} 个单元格引用了不存在的样式（文件已损坏），评分副本只保留数值；"
                    "建议在 WPS/Excel 中打开并另存", sheet.bad_styles[0])
        if sheet.truncated:
            ctx.add(Severity.WARNING, "read.window_truncated",
                    f"工作表「{sheet.name}」在前 {MAX_ROWS} 行、前 {MAX_COLS} 列之外还有内容，未读取"
                    "（表格使用区域异常）；请删除多余内容，或把自评表放在该范围内")
        found = read_sheet_tables(ctx)
        if found and sheet.state != "visible":
            ctx.add(Severity.WARNING, "read.hidden_sheet",
                    f"工作表「{sheet.name}」被隐藏，但其中含自评表，已照常读取并评分")
        projects.extend(found)
        if not found and unit is None:
            unit = read_unit_sheet(ctx)
    return WorkbookModel(path=path, projects=tuple(projects), unit=unit, findings=tuple(findings),
                         sheet_names=tuple(s.name for s in grid.sheets),
                         values_only="、".join(dict.fromkeys(values_only)),
                         tool_sheets=tuple(tool_sheets), tool_cells=tuple(tool_cells))
