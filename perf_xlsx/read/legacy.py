"""Legacy .xls (and .ods) read with python-calamine, inside a child process.

calamine is native code: a hostile file can make it allocate without bound and abort the
interpreter (hostile-input.md A5), which no `except` catches. So it runs in a child with an
address-space limit and a deadline; the parent only ever sees plain values or a GridError.
Batch workers are already such children and read in-process (IN_SANDBOX).
"""

from __future__ import annotations

import datetime
import multiprocessing as mp
import os
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from perf_xlsx.a1 import ref
from perf_xlsx.model import CellValue, WorkbookModel
from perf_xlsx.read.errors import GridError
from perf_xlsx.read.grid import MAX_COLS, MAX_ROWS, Grid, Sheet, read_grid
from perf_xlsx.values import clean_text

TIMEOUT = 30.0
MEMORY_LIMIT = 1 << 30
IN_SANDBOX = False  # set by batch workers, which carry their own limits

SheetData = tuple[str, str, list[tuple[int, int, Any]], list[tuple[int, int, int, int]]]


def _read_all(path: str) -> list[SheetData]:
    from python_calamine import CalamineWorkbook

    # From the bytes, not the path: calamine picks the format by extension from a path, and a
    # renamed .xls (.xls saved as .xlsx) is common.
    with open(path, "rb") as fh:
        book = CalamineWorkbook.from_filelike(fh)
    out: list[SheetData] = []
    for meta in book.sheets_metadata:
        if "WorkSheet" not in str(meta.typ):
            continue
        state = "visible" if "Visible" == str(meta.visible).rsplit(".", 1)[-1] else "hidden"
        sheet = book.get_sheet_by_name(meta.name)
        r0, c0 = sheet.start or (0, 0)
        cells: list[tuple[int, int, Any]] = []
        for i, row in enumerate(sheet.iter_rows()):
            r = r0 + i + 1
            if r > MAX_ROWS:
                break
            for j, value in enumerate(row):
                c = c0 + j + 1
                if c > MAX_COLS:
                    break
                if value == "" or value is None:
                    continue
                cells.append((r, c, value))
        merges = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1) for a, b in (sheet.merged_cell_ranges or [])]
        out.append((meta.name, state, cells, merges))
    return out


def _child(path: str, conn: Any) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass
    try:
        conn.send(("ok", _read_all(path)))
    except MemoryError:
        conn.send(("error", "文件过大，读取时超出内存限制"))
    except BaseException:  # noqa: BLE001 - native panics are BaseException subclasses
        conn.send(("error", "文件已损坏或格式无法识别，请在 WPS/Excel 中另存为 .xlsx 后重新提交"))


def _read_isolated(path: str) -> list[SheetData]:
    ctx = mp.get_context("fork") if hasattr(os, "fork") else mp.get_context()
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(path, child), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(TIMEOUT):
            raise GridError("read.timeout", f"读取超时（超过 {TIMEOUT:g} 秒），文件可能已损坏")
        try:
            status, payload = parent.recv()
        except EOFError:
            raise GridError("read.crashed", "读取该文件时程序异常退出，文件可能已损坏或含恶意内容") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        parent.close()
    if status != "ok":
        raise GridError("read.corrupt", payload)
    return payload


def read_legacy_grid(path: str) -> Grid:
    """Read an .xls/.ods file into the same grid the .xlsx reader builds (values and merges only)."""
    if IN_SANDBOX:
        try:
            data = _read_all(path)
        except MemoryError:
            raise GridError("read.too_large", "文件过大，读取时超出内存限制") from None
        except Exception:  # noqa: BLE001 - calamine raises its own error types
            raise GridError("read.corrupt", "文件已损坏或格式无法识别，请在 WPS/Excel 中另存为 .xlsx 后重新提交") from None
    else:
        data = _read_isolated(path)
    sheets = []
    for name, state, cells, merges in data:
        sheet = Sheet(name=clean_text(name), state=state)
        for r, c, value in cells:
            if isinstance(value, str):
                value = clean_text(value)
            elif isinstance(value, bool):
                pass
            elif isinstance(value, int):
                value = float(value)
            sheet.cells[(r, c)] = CellValue(ref=ref(r, c), value=value)
        sheet.merges = [m for m in merges if m[0] <= MAX_ROWS and m[1] <= MAX_COLS]
        sheet.index_merges()
        sheets.append(sheet)
    return Grid(sheets=sheets)


@contextmanager
def as_xlsx(path: str, model: Optional[WorkbookModel]) -> Iterator[str]:
    """The input itself, or a temporary .xlsx holding its values and merges when its parts can't
    be copied faithfully (model.values_only says why: .xls/.ods, Strict Open XML, over-long
    text, broken styles). Formatting and formulas are then not carried; a finding says so.
    """
    if model is None or not model.values_only:
        yield path
        return
    grid = read_legacy_grid(path) if model.legacy else read_grid(path)
    with tempfile.TemporaryDirectory(prefix="perf-xlsx-") as folder:
        target = os.path.join(folder, "converted.xlsx")
        _write_values(grid, target)
        yield target


def _write_values(grid: Grid, target: str) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(target, {"strings_to_formulas": False, "strings_to_urls": False,
                                      "strings_to_numbers": False})
    wb.set_properties({"created": datetime.datetime(2000, 1, 1)})
    text = wb.add_format({"font_name": "宋体", "text_wrap": True, "valign": "vcenter", "border": 1})
    date_fmt = wb.add_format({"font_name": "宋体", "num_format": "yyyy-mm-dd", "border": 1})
    for sheet in grid.sheets:
        ws = wb.add_worksheet(sheet.name[:31])
        if sheet.state != "visible":
            ws.hide()
        merged_members: set[tuple[int, int]] = set()
        for r1, c1, r2, c2 in sheet.merges:
            if (r1, c1) == (r2, c2):
                continue
            anchor = sheet.cells.get((r1, c1))
            value = anchor.value if anchor is not None else None
            if isinstance(value, (datetime.date, datetime.datetime)):
                value = str(value)
            ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, "" if value is None else value, text)
            merged_members.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
        for (r, c), cell in sheet.cells.items():
            if (r, c) in merged_members:
                continue
            value = cell.value
            if isinstance(value, bool):
                ws.write_boolean(r - 1, c - 1, value, text)
            elif isinstance(value, (int, float)):
                ws.write_number(r - 1, c - 1, value, text)
            elif isinstance(value, datetime.datetime):
                ws.write_datetime(r - 1, c - 1, value, date_fmt)
            elif value is not None:
                ws.write_string(r - 1, c - 1, str(value), text)
    wb.close()
