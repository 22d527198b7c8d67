"""What a draft needs from the workbook itself, beyond its JSON result.

The result (perf_xlsx.result/1) has the figures; the words a report quotes are only in the
workbook: each project's 年度总体目标, each indicator's 偏差原因, the notes under a table, the
optional 单位信息 sheet, and the file's own date (the draft's timestamp).
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

from perf_xlsx.fileutil import os_reason
from perf_xlsx.model import Project, WorkbookModel
from perf_xlsx.read.errors import GridError
from perf_xlsx.read.grid import Grid, read_grid
from perf_xlsx.read.reader import model_from_grid
from perf_xlsx.read.sniff import sniff
from perf_xlsx.read.unit_info import UnitInfo, read_unit_info
from perf_xlsx.values import clean_text

__all__ = ["Book", "DraftError", "load_book", "FALLBACK_TIME"]

#: The draft's time when the workbook carries no date of its own.
FALLBACK_TIME = datetime(2020, 1, 1)

_NOTE_PREFIXES = ("说明", "备注", "注：", "注:")


class DraftError(Exception):
    """Why a draft could not be made (Chinese message); a batch records it for that file."""


@dataclass
class Book:
    path: str
    grid: Grid
    model: WorkbookModel
    unit_info: Optional[UnitInfo]
    time: datetime
    projects: list[Project] = field(default_factory=list)  # in the order of the result's projects
    notes: list[tuple[str, str]] = field(default_factory=list)  # (sheet, text) under the tables

    def reason(self, index: int, row: int) -> str:
        """The 偏差原因 written for the indicator on ``row`` of project ``index``."""
        if index >= len(self.projects):
            return ""
        for ind in self.projects[index].indicators:
            if ind.row == row and ind.reason is not None:
                return clean_text(ind.reason.value)
        return ""

    def goal(self, index: int) -> tuple[str, str]:
        """(预期目标, 实际完成情况) of project ``index``; a text that is no goal (see _goal_text)
        is left out, so that the report asks for it instead of quoting a header."""
        if index >= len(self.projects):
            return "", ""
        p = self.projects[index]
        first = min((ind.row for ind in p.indicators), default=0)
        return (_goal_text(p.goal_expected, p.goal_cells[0], first),
                _goal_text(p.goal_actual, p.goal_cells[1], first))


# Labels of the goal block and of the indicator header: a goal read as one of these is the
# label the reader met where the unit left the goal blank (real tables leave it blank often).
_LABELS = frozenset({"预期目标", "实际完成情况", "年度总体目标", "年度总体目标完成情况", "总体目标完成情况", "年度目标",
                     "年度目标（年初）", "年度目标(年初)", "绩效目标", "绩效指标", "一级指标", "二级指标", "三级指标",
                     "分值", "得分", "指标值", "年度指标值", "实际完成值", "指标权重", "评分标准"})


def _goal_text(text: Optional[str], cell: str, first_indicator_row: int) -> str:
    """A goal text worth quoting: not a label, and not from the indicator table (its header row
    or below), where no goal is written."""
    value = clean_text(text)
    if re.sub(r"[\s：:]", "", value) in _LABELS:
        return ""
    m = re.match(r"^\$?[A-Z]{1,3}\$?(\d+)$", cell or "")
    if m and first_indicator_row and int(m.group(1)) >= first_indicator_row - 1:
        return ""
    return value


def _grid(path: str) -> Grid:
    kind = sniff(path)
    if isinstance(kind, GridError):
        raise DraftError(kind.message)
    try:
        if kind == "legacy":
            from perf_xlsx.read.legacy import read_legacy_grid

            return read_legacy_grid(path)
        return read_grid(path)
    except GridError as exc:
        raise DraftError(exc.message) from None


_W3CDTF = re.compile(r"<dcterms:(modified|created)\b[^>]*>\s*(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}))?")


def workbook_time(path: str) -> Optional[datetime]:
    """The workbook's own last-saved time (docProps/core.xml: modified, else created)."""
    try:
        with zipfile.ZipFile(path) as z:
            info = z.getinfo("docProps/core.xml")
            if info.file_size > 1 << 20:
                return None
            text = z.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, RuntimeError, NotImplementedError):
        return None
    found = {m.group(1): m for m in _W3CDTF.finditer(text)}
    m = found.get("modified") or found.get("created")
    if m is None:
        return None
    parts = [int(g) for g in m.groups()[1:] if g is not None]
    try:
        hour, minute, second = (parts[3:] + [0, 0, 0])[:3]
        return datetime(parts[0], parts[1], parts[2], hour, minute, second)
    except ValueError:
        return None


def _notes(grid: Grid, projects: list[Project]) -> list[tuple[str, str]]:
    """Notes a unit wrote under its tables (说明：… / 备注：…), without the template's own."""
    from perf_xlsx.write.template import DEFAULT_NOTE

    sheets = {s.name: s for s in grid.sheets}
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for p in projects:
        sheet = sheets.get(p.sheet)
        if sheet is None or not p.total_label_cell:
            continue
        first = int(re.sub(r"^[A-Z]+", "", p.total_label_cell)) + 1
        for r in range(first, min(sheet.max_row, first + 30) + 1):
            for c in range(1, sheet.max_col + 1):
                cell = sheet.cells.get((r, c))
                text = clean_text(cell.value) if cell is not None else ""
                if not text.startswith(_NOTE_PREFIXES) or text == DEFAULT_NOTE or text in seen:
                    continue
                body = re.sub(r"^(说明|备注|注)[：:]?\s*", "", text)
                if body:
                    seen.add(text)
                    out.append((p.sheet, body))
    return out


def load_book(path: str, result: dict[str, Any]) -> Book:
    """Read ``path`` for the draft of ``result`` (its JSON result). DraftError when the file cannot
    be read or is not the file the result was computed from."""
    try:
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
    except OSError as exc:
        raise DraftError(f"无法读取文件：{os_reason(exc)}") from None
    if result.get("sha256") and result["sha256"] != digest:
        raise DraftError("工作簿在评分之后被改动过（sha256 与评分结果不符），请重新评分后再生成")
    grid = _grid(path)
    model = model_from_grid(grid, path)
    wanted = [p.get("sheet") for p in result.get("projects", [])]
    projects = list(model.projects)
    if [p.sheet for p in projects] != wanted:
        raise DraftError("工作簿中的表格与评分结果不一致，请重新评分后再生成")
    return Book(path=path, grid=grid, model=model, unit_info=read_unit_info(grid),
                time=workbook_time(path) or FALLBACK_TIME, projects=projects, notes=_notes(grid, projects))
