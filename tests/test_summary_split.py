"""汇总.xlsx's writer split for speed and memory: the light module the batch parent and the workers
import (no xlsxwriter, no judge), the red-list comparison without the judge, the hyperlinks
spooled to disk (the same bytes as xlsxwriter's write_url, none kept in memory), and the cells
and rows written in one step (the same bytes as xlsxwriter cell by cell)."""

from __future__ import annotations

import datetime
import io
import math
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable

import pytest
import xlsxwriter

from perf_xlsx.bulk import summary_links
from perf_xlsx.bulk.summary_format import write_blank, write_number, write_string
from perf_xlsx.bulk.summary_index import _settled, link_target
from perf_xlsx.bulk.summary_links import Book, SheetLinks
from perf_xlsx.bulk.summary_rows import Cell, RowWriter, num_cell
from perf_xlsx.judge.numbers import settled

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", ["perf_xlsx.bulk.summary_index", "perf_xlsx.bulk.summary"])
def test_the_summary_index_imports_neither_xlsxwriter_nor_the_judge(module: str) -> None:
    code = (f"import sys, {module}\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] == 'xlsxwriter'\n"
            "               or m.startswith(('perf_xlsx.judge', 'perf_xlsx.write', 'perf_xlsx.read')))\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_settled_without_the_judge_gives_the_judges_numbers() -> None:
    rng = random.Random(16)
    values = [0.05, 0.8 - 0.75, 2.48 / 3.1 - 0.75, -0.0, 0.0, 1e-11, -1e-11, 5e-11, 0.05000000004999, 123456.789,
              -0.04999999999, 1 / 3, 2 / 3, 1e300, -1e-300]
    values += [rng.uniform(-2, 2) for _ in range(20_000)]
    values += [round(rng.uniform(0, 1), rng.randint(1, 12)) - round(rng.uniform(0, 1), 2) for _ in range(20_000)]
    for v in values:
        got, want = _settled(v), settled(v)
        assert got == want and math.copysign(1, got) == math.copysign(1, want), v


# --- hyperlinks: spooled, then streamed at close --------------------------------------------

TARGETS = [
    link_target("单位1.scored.xlsx"),
    link_target("单位1.scored.xlsx", "项目表", "C7"),
    link_target("单位1.scored.xlsx", "项目表", "$D$9:$F$12"),
    link_target("单位1.scored.xlsx", "项目表", "not a cell"),
    link_target("单位2 #1 [草稿]%.scored.xlsx", "it's", "A1"),
    link_target("子目录/单位3.scored.xlsx", "表#1", "B2"),
    link_target("/abs/path/单位4.scored.xlsx", "表", "B2"),
    link_target("C:/盘/单位5.scored.xlsx", "表", "B2"),
    "external:" + "长" * 2100,  # over Excel's limit: text without a link
    "external:a.xlsx#" + "'" + "表" * 2100 + "'!A1",
    "external:a%20b.xlsx#'x'!A1",  # looks escaped: left as it is
    "external:b.xlsx#'a/b'!A1",  # a "/" in the location: xlsxwriter's own parsing decides
    "external:c.xlsx#'file://x'!A1",
    "external:file://host/share/d.xlsx#'s'!A1",
    "external:.\\e.xlsx#'s'!A1",
    "external:ab",
    "external:x#",
    "",
]


def _book(path: Path, streamed: bool, write: Callable[[Any, Any, Any], None]) -> bytes:
    options: dict[str, Any] = {"constant_memory": True, "strings_to_urls": False, "tmpdir": str(path.parent)}
    wb = Book(str(path), options) if streamed else xlsxwriter.Workbook(str(path), options)
    wb.set_properties({"created": datetime.datetime(2024, 1, 1)})  # else now: the two could differ
    f = wb.add_format({"underline": 1})
    plain = wb.add_format({"align": "center"})
    for name in ("一", "二"):
        ws = wb.add_worksheet(name)
        links = SheetLinks(ws, wb if streamed else None)
        assert links.streamed == streamed
        write(ws, links, (f, plain))
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='一'!$B$1:$B$3", "values_data": [1, 2, 3]})
    wb.worksheets()[1].insert_chart(0, 6, chart)  # a sheet with links and a drawing: both in its .rels
    wb.close()
    return path.read_bytes()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _links(ws: Any, links: SheetLinks, fmts: tuple[Any, Any]) -> None:
    row = 0
    for repeat in range(3):
        for i, target in enumerate(TARGETS):
            row += 1
            ws.write_number(row, 0, row)
            links.put(row, 1, target, f"打开{i}" if i % 5 else "", *fmts)
            if repeat == 1:
                links.put(row, 2, TARGETS[(i + 3) % len(TARGETS)], "x", *fmts)
    links.put(row - 5, 1, TARGETS[1], "too late", *fmts)  # a row already on disk: dropped, as write_url drops it


def test_spooled_links_write_what_write_url_writes(tmp_path: Path) -> None:
    with pytest.warns(UserWarning):
        ours = _parts(_book(tmp_path / "ours.xlsx", True, _links))
    with pytest.warns(UserWarning):
        theirs = _parts(_book(tmp_path / "theirs.xlsx", False, _links))
    assert b"<hyperlinks>" in ours["xl/worksheets/sheet1.xml"]
    assert b"drawing" in ours["xl/worksheets/_rels/sheet2.xml.rels"]
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_links_past_excels_limit_stay_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(summary_links, "MAX_LINKS", 5)

    def write(ws: Any, links: SheetLinks, fmts: tuple[Any, Any]) -> None:
        for row in range(1, 9):
            links.put(row, 1, TARGETS[1], "打开", *fmts)
        assert links.n == 5 and not ws.hyperlinks  # nothing of a link held by xlsxwriter

    parts = _parts(_book(tmp_path / "s.xlsx", True, write))
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert sheet.count("<hyperlink ") == 5 and sheet.count("打开") == 8
    assert parts["xl/worksheets/_rels/sheet1.xml.rels"].decode().count("/hyperlink") == 5


# --- texts and numbers of every kind, for the rows below ----------------------------------

TEXTS = ["单位", "", " 前导空格", "末尾空格 ", "\t制表", "换行\n", "中\n间", "全角空格\u3000", "\u3000全角", "a & b", "<r>x</r>",
         "x > y", 'say "hi"', "_x0041_", "_X0041_ stays", "ctl\x01\x1f", "\ufffe\uffff", "tab\tinside", "\r", "'",
         "a\u00a0", "\x85x", "𠀀 wide", "&amp;"]
NUMBERS: list[Any] = [0, 1, -1, 0.1, 1 / 3, 1e20, 1e-20, -0.0, 123456789.123456789, 2**53, 10**22, 0.0075]


def test_only_links_to_files_are_spooled(tmp_path: Path) -> None:
    wb = Book(str(tmp_path / "s.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    links = SheetLinks(ws, wb)
    with pytest.raises(ValueError, match="only links to files"):
        links.put(1, 1, "internal:'s'!A1", "x", None, None)
    with pytest.raises(ValueError, match="out of order"):
        links.put(2, 2, TARGETS[1], "x", None, None)
        links.put(2, 1, TARGETS[1], "x", None, None)
    wb.close()


# --- rows: written whole ---------------------------------------------------------------------

HEIGHTS: list[Any] = [None, 30, None, 22.5, 45, 30, 0, None]


def _rows(ws: Any, links: SheetLinks, fmts: tuple[Any, Any]) -> None:
    """Rows of every kind RowWriter meets, written whole on a streamed sheet and cell by cell
    (set_row, write_*, write_url) on xlsxwriter's own, with the same values."""
    f, plain = fmts
    whole = links.streamed
    writer = RowWriter(ws)
    ws.set_row(0, 40)
    write_string(ws, 0, 0, "表头", plain)  # a row xlsxwriter still holds when the first whole row starts:
    # written out first, its format numbered first (styles.xml), as cell by cell
    texts = TEXTS + ["长" * 17_000, "短"]  # a text xlsxwriter would cut: that row goes cell by cell
    row = 0
    for i, text in enumerate(texts * 2):
        row += 2 if i % 5 == 0 else 1  # and a gap now and then
        height = HEIGHTS[i % len(HEIGHTS)]
        number = NUMBERS[i % len(NUMBERS)]
        cells: list[Cell] = [(0, text, f), (1, None, plain), num_cell(3, number, plain, f),
                             num_cell(4, "不是数" if i % 7 == 0 else math.nan if i % 7 == 1 else None, plain, f),
                             (5, text or None, plain if i % 4 else None)]  # no format: no cell at all
        target, shown = TARGETS[i % len(TARGETS)], f"打开{i}" if i % 3 else ""
        if whole:
            place = links.cell(row, 2, target, shown, f, plain)
            assert place is not None
            cells = cells[:2] + [place] + cells[2:]
            writer.put(row, cells[::-1] if i % 9 == 4 else cells, height)  # not increasing: cell by cell
            continue
        if height is not None:
            ws.set_row(row, height)
        for col, value, fmt in cells:
            if value is None:
                write_blank(ws, row, col, None, fmt)
            elif isinstance(value, str):
                write_string(ws, row, col, value, fmt)
            else:
                write_number(ws, row, col, value, fmt)
        links.put(row, 2, target, shown, f, plain)
    if whole:
        assert writer.starts, "no row was written whole"


def test_rows_written_whole_are_what_xlsxwriter_writes_cell_by_cell(tmp_path: Path) -> None:
    with pytest.warns(UserWarning):
        ours = _parts(_book(tmp_path / "ours.xlsx", True, _rows))
    with pytest.warns(UserWarning):
        theirs = _parts(_book(tmp_path / "theirs.xlsx", False, _rows))
    sheet = ours["xl/worksheets/sheet1.xml"].decode()
    assert "长" * 100 in sheet and 'customHeight="1"' in sheet and "<hyperlink " in sheet
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name
