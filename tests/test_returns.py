"""A scored copy that a unit corrects and sends back is a new submission (issue 12 §3 "Own
outputs and returns", reader side): the tool's 汇总 and 评分明细 sheets, its 核定得分 column and
result line are not read as data; the rest is scored, the unit's change included."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from builders import make_workbook, seed_spec, soffice_convert
from dept_builders import chongqing_spec, make_department_workbook
from loaded import load_workbook

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import WorkbookResult
from perf_xlsx.read import returns
from perf_xlsx.read.reader import read_workbook
from perf_xlsx.rules import load_profile
from perf_xlsx.write import annotate, context
from perf_xlsx.write.scored import write_scored

NATIONAL = load_profile("national_2020")


def _score(path: Path, out: Path) -> WorkbookResult:
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.reason
    write_scored(str(path), result, str(out), NATIONAL)
    return result


def _tables(result: WorkbookResult) -> list[tuple[str, str, Any, Any, list[Any]]]:
    """Each table as found: sheet, kind, computed total, entered total, entered row scores."""
    return [(ps.project.sheet, str(ps.project.kind), ps.score, ps.score_entered,
             [r.score_entered for r in ps.indicators]) for ps in result.scores]


def test_markers_are_the_writer_s() -> None:
    from perf_xlsx.write.detail_sheet import COLUMNS

    assert returns.TOOL_HEADER == context.TOOL_HEADER
    assert annotate.MANUAL_REVIEW in returns.TOOL_COLUMN_TEXTS
    assert "不适用" in returns.TOOL_COLUMN_TEXTS
    heads = {c.head for c in COLUMNS}
    assert returns.DETAIL_HEADS <= heads and all(heads & options for options in returns.DETAIL_ANY)


def _edit_copy(copy: Path, target: Path, sheet: str, cell: str, value: Any) -> Path:
    """What a unit does: open the scored copy in a spreadsheet program, change a cell, save."""
    wb = load_workbook(copy)
    wb[sheet][cell] = value
    wb.save(target)
    return target


def test_corrected_project_copy_is_scored_as_a_new_submission(tmp_path: Path) -> None:
    path, maps, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    first = _score(path, tmp_path / "项目.scored.xlsx")
    # The unscored copy read again: the same tables, nothing of the tool's read as data.
    again = evaluate_file(str(tmp_path / "项目.scored.xlsx"), NATIONAL)
    assert _tables(again) == _tables(first)
    assert "read.tool_output_ignored" in {f.code for f in again.findings}
    assert not [f for f in again.findings if f.sheet in ("汇总", "评分明细")
                and f.code != "read.tool_output_ignored"]
    # The unit corrects one entered score (the first indicator's) and sends the copy back.
    score_cell = m.indicator_cells[0]["score"]
    old = first.scores[0].indicators[0].score_entered
    edited = _edit_copy(tmp_path / "项目.scored.xlsx", tmp_path / "返回.xlsx", m.title, score_cell, old - 1)
    back = evaluate_file(str(edited), NATIONAL)
    assert [t[0] for t in _tables(back)] == [m.title]
    assert back.scores[0].indicators[0].score_entered == old - 1
    assert back.scores[0].score == first.scores[0].score  # the tool's own score does not move
    assert [t[4][1:] for t in _tables(back)] == [t[4][1:] for t in _tables(first)]
    assert any(f.code == "indicator.score_mismatch" and f.cell == score_cell for f in back.findings)


def test_weight_only_department_copy_does_not_read_the_tool_column_as_scores(tmp_path: Path) -> None:
    # A Chongqing table has no 得分 column: the 核定得分 column right of it would be the only one.
    path, m = make_department_workbook(tmp_path / "部门.xlsx", chongqing_spec(), style="chongqing")
    first = _score(path, tmp_path / "部门.scored.xlsx")
    assert first.scores[0].score_entered is None
    again = evaluate_file(str(tmp_path / "部门.scored.xlsx"), NATIONAL)
    assert _tables(again) == _tables(first)
    assert all(s is None for s in _tables(again)[0][4])
    # Scored a second time (a copy of a copy: two tool columns side by side), still the same.
    _score(tmp_path / "部门.scored.xlsx", tmp_path / "部门2.scored.xlsx")
    twice = evaluate_file(str(tmp_path / "部门2.scored.xlsx"), NATIONAL)
    assert _tables(twice) == _tables(first)


@pytest.mark.slow
def test_copy_converted_through_libreoffice_is_read_the_same(tmp_path: Path, soffice: str) -> None:
    path, maps, _ = make_workbook(tmp_path / "项目.xlsx", [seed_spec("招商节会"), seed_spec("农贸市场提质改造")])
    first = _score(path, tmp_path / "项目.scored.xlsx")
    m = maps[1]
    edited = _edit_copy(tmp_path / "项目.scored.xlsx", tmp_path / "返回.xlsx", m.title,
                        m.funds["current_appropriation"]["executed"], first.scores[1].funds.executed - 1)
    (dpath, m2) = make_department_workbook(tmp_path / "部门.xlsx", chongqing_spec(), style="chongqing")
    dept_first = _score(dpath, tmp_path / "部门.scored.xlsx")
    out = soffice_convert(soffice, [edited, tmp_path / "部门.scored.xlsx"], tmp_path / "lo", "xlsx")
    back = evaluate_file(str(out[edited]), NATIONAL)
    assert [t[:2] for t in _tables(back)] == [t[:2] for t in _tables(first)]
    assert back.scores[1].funds.executed == pytest.approx(first.scores[1].funds.executed - 1)
    assert back.scores[0].score == first.scores[0].score
    dept = evaluate_file(str(out[tmp_path / "部门.scored.xlsx"]), NATIONAL)
    assert _tables(dept) == _tables(dept_first)


def test_a_unit_s_own_column_named_like_the_tool_s_is_read(tmp_path: Path) -> None:
    # A 核定得分 column of the unit's own, with its 偏差原因 column right of it, is data.
    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    wb = load_workbook(path)
    ws = wb[m.title]
    ws.cell(m.indicator_header_row, 1, "核定得分")
    wb.save(path)
    model = read_workbook(str(path))
    assert "read.tool_output_ignored" not in {f.code for f in model.findings}
    assert model.projects[0].indicators


def test_sheets_are_recognised_by_content_not_by_name(tmp_path: Path) -> None:
    # A unit's own sheet called 汇总 (its 项目清单) is read; the tool's sheets renamed are not.
    path, _, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    _score(path, tmp_path / "wb.scored.xlsx")
    wb = load_workbook(tmp_path / "wb.scored.xlsx")
    wb["汇总"].title = "评分结果"
    wb["评分明细"].title = "明细"
    wb.save(tmp_path / "renamed.xlsx")
    model = read_workbook(str(tmp_path / "renamed.xlsx"))
    assert [p.sheet for p in model.projects] == [wb.sheetnames[-1]]
    shutil.copy(path, tmp_path / "own.xlsx")
    wb = load_workbook(tmp_path / "own.xlsx")
    own = wb.create_sheet("汇总")
    own["A1"] = "项目清单"
    wb.save(tmp_path / "own.xlsx")
    assert "read.tool_output_ignored" not in {f.code for f in read_workbook(str(tmp_path / "own.xlsx")).findings}


SAMPLES = sorted((Path(__file__).resolve().parent.parent / "sample_workbooks").glob("*.xlsx"))


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.stem[:2] for p in SAMPLES])
def test_every_sample_s_scored_copy_reads_as_the_sample(tmp_path: Path, sample: Path) -> None:
    src = tmp_path / "in.xlsx"
    shutil.copy(sample, src)
    first = evaluate_file(str(src), NATIONAL)
    assert first.status == "scored"
    write_scored(str(src), first, str(tmp_path / "out.xlsx"), NATIONAL)
    again = evaluate_file(str(tmp_path / "out.xlsx"), NATIONAL)
    assert _tables(again) == _tables(first)
    # Every finding of the sample is found again, at the same place; only the note is new.
    assert sorted((f.code, f.sheet, f.cell, f.message) for f in again.findings
                  if f.code != "read.tool_output_ignored") == \
        sorted((f.code, f.sheet, f.cell, f.message) for f in first.findings)


def test_result_line_and_tool_words_are_not_data(tmp_path: Path) -> None:
    from perf_xlsx.read.grid import read_grid

    path, maps, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    m = maps[0]
    wb = load_workbook(path)
    ws = wb[m.title]
    right = m.last_col + 1
    ws.cell(m.indicator_header_row, right, "核定得分")
    for n, row in enumerate(m.indicator_rows):
        ws.cell(row, right, "人工复核" if n == 0 else ("不适用" if n == 1 else 10))
    ws.cell(m.total_row + 3, 1, "核定总分 99.83\u3000等级 优\u3000错误 0，警告 1")
    wb.save(path)
    grid = read_grid(str(path))
    (sheet,) = grid.sheets
    before = dict(sheet.cells)
    removed = returns.strip_tool_cells(sheet)
    assert removed == len(m.indicator_rows) + 2
    assert all(c == right or r == m.total_row + 3 for (r, c) in set(before) - set(sheet.cells))
