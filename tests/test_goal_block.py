"""The 年度总体目标 block: which cells the reader takes as 预期目标 and 实际完成情况.

Each layout published tables use is built (tests/builders.py, dept_builders.py,
transfer_builders.py, or a builder table whose goal rows are rewritten with openpyxl), and the
three sample workbooks where the reader once took a label or the indicator header as the goal
are read; the expected text is always read back from the workbook, not restated here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

import openpyxl
import pytest
from builders import LAYOUT_VARIANTS, SheetMap, make_workbook, seed_spec
from dept_builders import chongqing_spec, make_department_workbook, national_spec
from loaded import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from transfer_builders import make_transfer_workbook, transfer_spec

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import Project
from perf_xlsx.read.reader import read_workbook
from perf_xlsx.rules import DEFAULT_PROFILE, load_profile

SAMPLES = Path(__file__).resolve().parent.parent / "sample_workbooks"
EXPECTED = "完成 3 个农贸市场提质改造，改善市场环境。"
ACTUAL = "完成 2 个农贸市场提质改造，1 个因用地调整顺延。"


def _project(path: Path) -> Project:
    projects = read_workbook(str(path)).projects
    assert len(projects) == 1
    return projects[0]


def _value(path: Path, sheet: Optional[str], cell: str) -> str:
    ws = load_workbook(path)[sheet] if sheet else load_workbook(path).active
    value = ws[cell].value
    return "" if value is None else str(value).strip()


def _goal(p: Project) -> tuple[str, str, str, str]:
    return p.goal_expected, p.goal_actual, p.goal_cells[0], p.goal_cells[1]


def _national(tmp_path: Path, spec: Optional[dict[str, Any]] = None, layout: str = "plain"
              ) -> tuple[Path, SheetMap]:
    path, (smap,), _ = make_workbook(tmp_path / f"{layout}.xlsx", [spec or seed_spec("农贸市场提质改造")],
                                     layout=LAYOUT_VARIANTS[layout])
    return path, smap


def _rewrite_goal(path: Path, first_row: int, write: Callable[[Worksheet, int], None]) -> None:
    """Empty the two rows of the goal block starting at ``first_row`` (values and merges) and
    let ``write`` lay out another form of it there."""
    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    for m in list(ws.merged_cells.ranges):
        if m.max_row >= first_row and m.min_row <= first_row + 1:
            ws.unmerge_cells(str(m))
    for r in (first_row, first_row + 1):
        for c in range(1, ws.max_column + 1):
            ws.cell(r, c).value = None
    write(ws, first_row)
    wb.save(path)


def _row_of(cell: str) -> int:
    return openpyxl.utils.cell.coordinate_from_string(cell)[1]


# --- layouts --------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["plain", "colons", "linebreaks", "traditional", "offset", "everything"])
def test_label_above_text(tmp_path: Path, layout: str) -> None:
    """The national form: 年度总体目标 | 预期目标 | 实际完成情况, each text under its label."""
    path, smap = _national(tmp_path, layout=layout)
    p = _project(path)
    assert p.goal_cells == (smap.goal_expected_cell, smap.goal_actual_cell)
    assert p.goal_expected == _value(path, smap.title, smap.goal_expected_cell) != ""
    assert p.goal_actual == _value(path, smap.title, smap.goal_actual_cell) != ""


def test_blank_text_cells_stay_blank(tmp_path: Path) -> None:
    """A goal block the unit left blank: the goal is empty and points at the blank text cells,
    not at the indicator header under them (what 06 once gave: 二级指标 / 分值)."""
    spec = seed_spec("农贸市场提质改造")
    spec["goal_expected"] = spec["goal_actual"] = None
    path, smap = _national(tmp_path, spec)
    p = _project(path)
    assert _goal(p) == ("", "", smap.goal_expected_cell, smap.goal_actual_cell)
    result = evaluate_file(str(path), load_profile(DEFAULT_PROFILE))
    missing = {f.code: f.cell for f in result.findings if f.code.startswith("goal.") and f.code.endswith("_missing")}
    assert missing == {"goal.expected_missing": smap.goal_expected_cell, "goal.actual_missing": smap.goal_actual_cell}


@pytest.mark.parametrize("filled", [True, False])
def test_label_above_text_without_merges(tmp_path: Path, filled: bool) -> None:
    """Labels above their texts with nothing merged: the blank cells between the two labels are
    no place for a text; the cells under the labels are."""
    path, smap = _national(tmp_path)
    g = _row_of(smap.goal_expected_cell) - 1

    def write(ws: Worksheet, r: int) -> None:
        ws.cell(r, 1, "年度总体目标")
        ws.cell(r, 3, "预期目标")
        ws.cell(r, 7, "实际完成情况")
        if filled:
            ws.cell(r + 1, 3, EXPECTED)
            ws.cell(r + 1, 7, ACTUAL)

    _rewrite_goal(path, g, write)
    texts = (EXPECTED, ACTUAL) if filled else ("", "")
    assert _goal(_project(path)) == (*texts, f"C{g + 1}", f"G{g + 1}")


def test_one_row_labels_left_of_their_texts(tmp_path: Path) -> None:
    """年度总体目标 | 预期目标 | text | 实际完成情况 | text on one row."""
    path, smap = _national(tmp_path)
    g = _row_of(smap.goal_expected_cell) - 1

    def write(ws: Worksheet, r: int) -> None:
        ws.cell(r, 1, "年度总体目标")
        ws.cell(r, 2, "预期目标")
        ws.cell(r, 3, EXPECTED)
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=5)
        ws.cell(r, 6, "实际完成情况")
        ws.cell(r, 7, ACTUAL)
        ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=ws.max_column)

    _rewrite_goal(path, g, write)
    assert _goal(_project(path)) == (EXPECTED, ACTUAL, f"C{g}", f"G{g}")


def test_one_row_two_wide_text_cells(tmp_path: Path) -> None:
    """The block label, then two wide merged text cells (expected, actual) and no sub-labels."""
    path, smap = _national(tmp_path)
    g = _row_of(smap.goal_expected_cell) - 1

    def write(ws: Worksheet, r: int) -> None:
        ws.cell(r, 1, "年度总体目标")
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
        ws.cell(r, 3, EXPECTED)
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=6)
        ws.cell(r, 7, ACTUAL)
        ws.merge_cells(start_row=r, start_column=7, end_row=r, end_column=ws.max_column)

    _rewrite_goal(path, g, write)
    assert _goal(_project(path)) == (EXPECTED, ACTUAL, f"C{g}", f"G{g}")


@pytest.mark.parametrize("labels", [("年度目标（年初）", "年度总体目标完成情况"), ("预期目标：", "实际完成情况：")])
def test_two_rows_label_then_text(tmp_path: Path, labels: tuple[str, str]) -> None:
    """Label in column A, text right of it, one row each: the label under the first is not its text."""
    path, smap = _national(tmp_path)
    g = _row_of(smap.goal_expected_cell) - 1

    def write(ws: Worksheet, r: int) -> None:
        for row, label, text in ((r, labels[0], EXPECTED), (r + 1, labels[1], ACTUAL)):
            ws.cell(row, 1, label)
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            ws.cell(row, 3, text)
            ws.merge_cells(start_row=row, start_column=3, end_row=row, end_column=ws.max_column)

    _rewrite_goal(path, g, write)
    assert _goal(_project(path)) == (EXPECTED, ACTUAL, f"C{g}", f"C{g + 1}")


def test_two_rows_with_blank_texts(tmp_path: Path) -> None:
    """The same form left blank: the label below is not the goal above, the indicator header not
    the goal below it (what 12 once gave: A8 / A9); the cells point where the texts belong."""
    path, smap = _national(tmp_path)
    g = _row_of(smap.goal_expected_cell) - 1

    def write(ws: Worksheet, r: int) -> None:
        for row, label in ((r, "年度目标（年初）"), (r + 1, "年度总体目标完成情况")):
            ws.cell(row, 1, label)
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=ws.max_column)

    _rewrite_goal(path, g, write)
    assert _goal(_project(path)) == ("", "", f"B{g}", f"B{g + 1}")


def test_text_in_the_label_cell(tmp_path: Path) -> None:
    path, smap = _national(tmp_path)
    g = _row_of(smap.goal_expected_cell) - 1

    def write(ws: Worksheet, r: int) -> None:
        ws.cell(r, 1, "年度总体目标")
        ws.cell(r + 1, 1, f"预期目标：{EXPECTED}")
        ws.cell(r + 1, 6, f"实际完成情况：{ACTUAL}")

    _rewrite_goal(path, g, write)
    assert _goal(_project(path)) == (EXPECTED, ACTUAL, f"A{g + 1}", f"F{g + 1}")


def test_no_goal_block(tmp_path: Path) -> None:
    """No goal block at all: nothing is taken (13 once gave an indicator's 实际完成值, 86%), and
    the missing goal is reported at the project name."""
    path, smap = _national(tmp_path)
    _rewrite_goal(path, _row_of(smap.goal_expected_cell) - 1, lambda ws, r: None)
    p = _project(path)
    assert _goal(p) == ("", "", "", "")
    result = evaluate_file(str(path), load_profile(DEFAULT_PROFILE))
    missing = {f.code: f.cell for f in result.findings if f.code.startswith("goal.") and f.code.endswith("_missing")}
    assert missing == {"goal.expected_missing": p.name_cell, "goal.actual_missing": p.name_cell}


def test_department_goal_in_one_merged_cell(tmp_path: Path) -> None:
    """A 部门整体 table whose 年度总体目标 is one merged text cell: the expected goal, no actual."""
    path, m = make_department_workbook(tmp_path / "dept.xlsx", national_spec())
    g = _row_of(m.goal_cells[0]) - 1

    def write(ws: Worksheet, r: int) -> None:
        ws.cell(r, 1, "年度总体目标")
        ws.cell(r, 2, EXPECTED)
        ws.merge_cells(start_row=r, start_column=2, end_row=r + 1, end_column=ws.max_column)

    _rewrite_goal(path, g, write)
    assert _goal(_project(path)) == (EXPECTED, "", f"B{g}", "")


@pytest.mark.parametrize("style", ["national", "chongqing"])
def test_department_builders(tmp_path: Path, style: str) -> None:
    spec = national_spec() if style == "national" else chongqing_spec()
    path, m = make_department_workbook(tmp_path / f"{style}.xlsx", spec, style)
    p = _project(path)
    assert p.goal_cells == m.goal_cells
    assert (p.goal_expected, p.goal_actual) == (_value(path, m.title, m.goal_cells[0]),
                                                _value(path, m.title, m.goal_cells[1]))
    assert p.goal_expected and p.goal_actual


def test_transfer_builder(tmp_path: Path) -> None:
    path, m = make_transfer_workbook(tmp_path / "transfer.xlsx", transfer_spec())
    p = _project(path)
    assert p.goal_cells == m.goal_cells
    assert p.goal_expected == _value(path, None, m.goal_cells[0]) != ""
    assert p.goal_actual == _value(path, None, m.goal_cells[1]) != ""


# --- the samples ----------------------------------------------------------------------------


def test_sample_06_blank_goal_under_its_labels() -> None:
    """06 leaves C12:F12 and G12:J12 (under 预期目标 / 实际完成情况) blank; row 13 is the
    indicator header, which is no goal."""
    path = SAMPLES / "06-昌宁生猪养殖2022.xlsx"
    ws = load_workbook(path).active
    assert (ws["C11"].value, ws["G11"].value) == ("预期目标", "实际完成情况")
    assert ws["C12"].value is None and ws["G12"].value is None
    assert _goal(_project(path)) == ("", "", "C12", "G12")


def test_sample_12_two_row_goal() -> None:
    path = SAMPLES / "12-部门整体-指标权重式.xlsx"
    ws = load_workbook(path).active
    assert str(ws["A7"].value).startswith("年度目标") and ws["A8"].value == "年度总体目标完成情况"
    assert _goal(_project(path)) == (ws["B7"].value, ws["B8"].value, "B7", "B8")


def test_sample_13_has_no_goal_block() -> None:
    """13 is a scoring table: its first block after the funds is the indicator header (row 7),
    whose 实际完成值 column is no 实际完成情况."""
    path = SAMPLES / "13-部门整体-评分表.xlsx"
    ws = load_workbook(path).active
    assert ws["F7"].value == "实际完成值"
    assert _goal(_project(path)) == ("", "", "", "")


def test_sample_11_task_list_completion_column_is_no_goal_label() -> None:
    """11 has a 年度主要任务 list above its goal block with a 完成情况 column (H5): the goal's
    实际完成情况 is the one of the goal block (F19, text under it in F20)."""
    path = SAMPLES / "11-部门整体-分项与主要任务.xlsx"
    ws = load_workbook(path).active
    assert ws["H5"].value == "完成情况" and ws["F19"].value == "实际完成情况"
    assert _goal(_project(path)) == (ws["B20"].value, ws["F20"].value, "B20", "F20")
