"""Misreads of real tables (issue 12 §3): used-range claims, the cause of a wrong total formula,
rows inserted at the top of an indicator group. Each test builds a table of that shape."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import make_workbook, seed_spec

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import WorkbookResult
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")


def _splice(path: Path, part: str, edit: Any) -> Path:
    """Rewrite one part of the package at ``path`` in place (a test fixture, not an input)."""
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info, data)
    return path


def _codes(result: WorkbookResult) -> list[str]:
    return [f.code for f in result.findings]


# --- used range claims --------------------------------------------------------------------


def _claimed_range(tmp_path: Path, tail: str) -> WorkbookResult:
    """The seed table as LibreOffice saves a sheet with formatted whole columns: the dimension
    claims A1:J1048576, and styled rows (and cells) run to the last row; ``tail`` is added
    at the end of the sheet data."""
    path, _, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])

    def edit(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:J1048576"/>', xml)
        styled = "".join(f'<row r="{r}" s="1" customFormat="1"><c r="A{r}" s="1"/><c r="J{r}" s="1"></c></row>'
                         for r in (41, 42, 5000, 5001, 70000, 1048576))
        return xml.replace("</sheetData>", styled + tail + "</sheetData>")

    _splice(path, "xl/worksheets/sheet1.xml", edit)
    return evaluate_file(str(path), NATIONAL)


def test_claimed_used_range_with_nothing_beyond_the_window_is_not_reported(tmp_path: Path) -> None:
    result = _claimed_range(tmp_path, "")
    assert result.status == "scored"
    assert "read.window_truncated" not in _codes(result)
    (ps,) = result.scores
    assert ps.score is not None


@pytest.mark.parametrize("tail", [
    '<row r="1048577"/><row r="6000"><c r="B6000" t="inlineStr"><is><t>备注</t></is></c></row>',
    '<row r="7000"><c r="C7000"><v>12</v></c></row>',
    '<row r="30"><c r="BZ30"><f>1+1</f><v>2</v></c></row>',
])
def test_content_beyond_the_window_is_reported(tmp_path: Path, tail: str) -> None:
    result = _claimed_range(tmp_path, tail)
    hits = [f for f in result.findings if f.code == "read.window_truncated"]
    assert len(hits) == 1 and "之外还有内容" in hits[0].message
    assert result.scores[0].score is not None


def test_empty_strings_beyond_the_window_are_no_content(tmp_path: Path) -> None:
    result = _claimed_range(tmp_path, '<row r="6000"><c r="B6000" t="inlineStr"><is><t> </t></is></c></row>')
    assert "read.window_truncated" not in _codes(result)


def test_rows_without_numbers_read_row_by_row_still_report_content_beyond(tmp_path: Path) -> None:
    # Cells without r= send the reader down its row-by-row path.
    path, _, _ = make_workbook(tmp_path / "wb.xlsx", [seed_spec("招商节会")])
    workbook = openpyxl.load_workbook(path)
    last = workbook.active.max_row  # type: ignore[union-attr]

    def edit(xml: str, content: bool) -> str:
        filler = "".join("<row><c/></row>" for _ in range(5100 - last))
        tail = '<row><c t="inlineStr"><is><t>尾注</t></is></c></row>' if content else "<row/>"
        return xml.replace("</sheetData>", filler + tail + "</sheetData>")

    for content in (False, True):
        _splice(path, "xl/worksheets/sheet1.xml", lambda x, c=content: edit(x, c))
        codes = _codes(evaluate_file(str(path), NATIONAL))
        assert ("read.window_truncated" in codes) is content
        make_workbook(path, [seed_spec("招商节会")])
