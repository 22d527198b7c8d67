"""Legacy .xls / .et (and .ods) read inside a child process: .xls and .et with xlrd, which gives
each cell's number format (a percentage typed as 85% stays 85%), .ods and anything xlrd refuses
with python-calamine, the .ods percentages taken from its content.xml.

calamine is native code: a hostile file can make it allocate without bound and abort the
interpreter (hostile-input.md A5), which no `except` catches; xlrd is pure Python but reads a
whole file into memory. So both run in a child with an address-space limit and a deadline;
the parent only ever sees plain values or a GridError. Batch workers are already such children
and read in-process (IN_SANDBOX).
"""

from __future__ import annotations

import datetime
import io
import multiprocessing as mp
import os
import tempfile
import zipfile
from contextlib import contextmanager
from typing import Any, Iterator, Optional

from defusedxml import ElementTree as SafeET

from perf_xlsx.a1 import ref
from perf_xlsx.model import CellValue, WorkbookModel, make_cell
from perf_xlsx.read.errors import GridError
from perf_xlsx.read.grid import MAX_COLS, MAX_ROWS, Grid, Sheet, read_grid
from perf_xlsx.read.numfmt import is_percent_format
from perf_xlsx.values import clean_text

TIMEOUT = 30.0
MEMORY_LIMIT = 1 << 30
IN_SANDBOX = False  # set by batch workers, which carry their own limits

_OLE2 = b"\xd0\xcf\x11\xe0"
# An error value as read: the tuple keeps it apart from a text that happens to read "#N/A".
_ERROR = "error"
# (name, state, cells, merges, number formats by (row, col), column widths in characters by column)
SheetData = tuple[str, str, list[tuple[int, int, Any]], list[tuple[int, int, int, int]], dict[tuple[int, int], str],
                  dict[int, float]]


def _read_all(path: str) -> list[SheetData]:
    # From the bytes, not the path: calamine picks the format by extension from a path, and a
    # renamed .xls (.xls saved as .xlsx) is common. A WPS .et is an .xls inside.
    with open(path, "rb") as fh:
        data = fh.read()
    if data.startswith(_OLE2):
        try:
            return _read_xls(data)
        except Exception:  # noqa: BLE001 - xlrd refuses some BIFF variants calamine reads
            pass
    out = _read_calamine(data)
    if data.startswith(b"PK"):
        percent, widths = _ods_formats(data)
        out = [(name, state, cells, merges, {k: _percent_code(v) for r, c, v in cells
                                             if (k := (r, c)) in percent.get(name, ())}, widths.get(name, {}))
               for name, state, cells, merges, _, _ in out]
    return out


def _read_xls(data: bytes) -> list[SheetData]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    out: list[SheetData] = []
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            cells: list[tuple[int, int, Any]] = []
            formats: dict[tuple[int, int], str] = {}
            for r in range(min(sheet.nrows, MAX_ROWS)):
                types, values = sheet.row_types(r), sheet.row_values(r)
                for c in range(min(len(values), MAX_COLS)):
                    t, value = types[c], values[c]
                    if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK) or value == "":
                        continue
                    if t == xlrd.XL_CELL_DATE:
                        try:
                            value = xlrd.xldate_as_datetime(value, book.datemode)
                        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                            pass
                    elif t == xlrd.XL_CELL_BOOLEAN:
                        value = bool(value)
                    elif t == xlrd.XL_CELL_ERROR:
                        value = (_ERROR, xlrd.error_text_from_code.get(value, "#VALUE!"))
                    elif t == xlrd.XL_CELL_NUMBER:
                        code = _format_code(book, sheet.cell_xf_index(r, c))
                        if code and code.lower() != "general":
                            formats[(r + 1, c + 1)] = code
                    cells.append((r + 1, c + 1, value))
            merges = [(rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in sheet.merged_cells
                      if rhi > rlo and chi > clo]
            widths = {c + 1: info.width / 256 for c, info in sheet.colinfo_map.items() if c < MAX_COLS}
            state = "visible" if sheet.visibility == 0 else "hidden"
            out.append((sheet.name, state, cells, merges, formats, widths))
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return out


def _format_code(book: Any, xf_index: int) -> str:
    try:
        return str(book.format_map[book.xf_list[xf_index].format_key].format_str)
    except (IndexError, KeyError, AttributeError):
        return ""


def _read_calamine(data: bytes) -> list[SheetData]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
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
        out.append((meta.name, state, cells, merges, {}, {}))
    return out


_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_LENGTH_IN_POINTS = {"in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "pt": 1.0, "pc": 12.0}


def _ods_formats(data: bytes) -> tuple[dict[str, set[tuple[int, int]]], dict[str, dict[int, float]]]:
    """Of each table of an .ods: the cells that hold a percentage (office:value-type), by
    position as calamine gives them (repeated rows and cells counted, covered cells included),
    and the column widths in Excel's characters."""
    percent: dict[str, set[tuple[int, int]]] = {}
    widths: dict[str, dict[int, float]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if zf.getinfo("content.xml").file_size > 50 << 20:
                return percent, widths
            content = zf.read("content.xml")
    except (KeyError, zipfile.BadZipFile):
        return percent, widths
    table, row, col, column = "", 0, 0, 0
    t = f"{{{_TABLE}}}"
    value_type, style_name = f"{{{_OFFICE}}}value-type", f"{{{_STYLE}}}name"
    column_width: dict[str, float] = {}  # column style -> width in characters
    current_style = ""
    for event, el in SafeET.iterparse(io.BytesIO(content), events=("start", "end"), forbid_dtd=True):
        tag = el.tag
        if event == "start":
            if tag == f"{t}table":
                table, row, column = el.get(f"{t}name", ""), 0, 0
            elif tag == f"{t}table-row":
                col = 0
            elif tag == f"{{{_STYLE}}}style":
                current_style = el.get(style_name, "")
            elif tag == f"{{{_STYLE}}}table-column-properties":
                chars = _characters(el.get(f"{{{_STYLE}}}column-width", ""))
                if chars is not None:
                    column_width[current_style] = chars
            continue
        if tag in (f"{t}table-cell", f"{t}covered-table-cell"):
            repeat = min(int(el.get(f"{t}number-columns-repeated", "1") or 1), MAX_COLS)
            if el.get(value_type) == "percentage" and row < MAX_ROWS:
                percent.setdefault(table, set()).update((row + 1, col + k + 1) for k in range(repeat)
                                                        if col + k < MAX_COLS)
            col += repeat
            el.clear()
        elif tag == f"{t}table-column":
            repeat = min(int(el.get(f"{t}number-columns-repeated", "1") or 1), MAX_COLS)
            width = column_width.get(el.get(f"{t}style-name", ""))
            if width is not None:
                widths.setdefault(table, {}).update((column + k + 1, width) for k in range(repeat)
                                                    if column + k < MAX_COLS)
            column += repeat
        elif tag == f"{t}table-row":
            row += int(el.get(f"{t}number-rows-repeated", "1") or 1)
            el.clear()
    return percent, widths


def _characters(length: str) -> Optional[float]:
    """An ODF length ("0.778in", "2.258cm") as an Excel column width in characters, as
    LibreOffice converts them (7 points a character: an .xlsx column of 8 is 0.778in in the
    .ods it saves, and comes back as 8)."""
    for unit, points in _LENGTH_IN_POINTS.items():
        if length.endswith(unit):
            try:
                return round(float(length[:-len(unit)]) * points / 7, 2)
            except ValueError:
                return None
    return None


def _percent_code(value: Any) -> str:
    """A percent format that shows the value as typed: 85% as 85%, 98.25% with its decimals."""
    if isinstance(value, (int, float)) and float(value * 100).is_integer():
        return "0%"
    return "0.00%"


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
    """Read an .xls/.et/.ods file into the same grid the .xlsx reader builds: values, merges,
    and the number formats that matter to reading (percentages), column widths for the copy."""
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
    for name, state, cells, merges, formats, widths in data:
        sheet = Sheet(name=clean_text(name), state=state)
        for r, c, value in cells:
            code = formats.get((r, c), "")
            if isinstance(value, tuple) and len(value) == 2 and value[0] == _ERROR:
                sheet.cells[(r, c)] = make_cell(ref(r, c), None, False, True, str(value[1]))
                continue
            if isinstance(value, str):
                value = clean_text(value)
            elif isinstance(value, bool):
                pass
            elif isinstance(value, int):
                value = float(value)
            sheet.cells[(r, c)] = CellValue(ref=ref(r, c), value=value,
                                            percent_format=bool(code) and is_percent_format(code))
        sheet.merges = [m for m in merges if m[0] <= MAX_ROWS and m[1] <= MAX_COLS]
        sheet.number_formats = dict(formats)
        sheet.col_widths = dict(widths)
        sheet.index_merges()
        sheets.append(sheet)
    return Grid(sheets=sheets)


@contextmanager
def as_xlsx(path: str, model: Optional[WorkbookModel]) -> Iterator[str]:
    """The input itself, or a temporary .xlsx holding its values and merges when its parts can't
    be copied faithfully (model.values_only says why: .xls/.et/.ods, Strict Open XML, over-long
    text, broken styles). Number formats (percentages as typed), column widths of legacy inputs
    and a landscape, one-page-wide page setup are given to the copy; fonts, fills and formulas
    are not carried, and a finding says so.
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
    base = {"font_name": "宋体", "text_wrap": True, "valign": "vcenter", "border": 1}
    text = wb.add_format(base)
    date_fmt = wb.add_format({"font_name": "宋体", "num_format": "yyyy-mm-dd", "border": 1})
    by_code: dict[str, Any] = {}

    def number_format(code: str) -> Any:
        if code not in by_code:
            by_code[code] = wb.add_format(dict(base, num_format=code))
        return by_code[code]

    for sheet in grid.sheets:
        ws = wb.add_worksheet(sheet.name[:31])
        if sheet.state != "visible":
            ws.hide()
        # A copy to print: landscape, one page wide (the input's own page setup is not read).
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        for col, width in sorted(sheet.col_widths.items()):
            ws.set_column(col - 1, col - 1, width)
        merged_members: set[tuple[int, int]] = set()
        for r1, c1, r2, c2 in sheet.merges:
            if (r1, c1) == (r2, c2):
                continue
            anchor = sheet.cells.get((r1, c1))
            value = anchor.value if anchor is not None else None
            if isinstance(value, (datetime.date, datetime.datetime)):
                value = str(value)
            style = text
            if anchor is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                code = _code_of(sheet, r1, c1, anchor)
                style = number_format(code) if code else text
            ws.merge_range(r1 - 1, c1 - 1, r2 - 1, c2 - 1, "" if value is None else value, style)
            merged_members.update((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))
        for (r, c), cell in sheet.cells.items():
            if (r, c) in merged_members:
                continue
            value = cell.value
            if cell.error:
                ws.write_string(r - 1, c - 1, cell.error, text)
            elif isinstance(value, bool):
                ws.write_boolean(r - 1, c - 1, value, text)
            elif isinstance(value, (int, float)):
                code = _code_of(sheet, r, c, cell)
                ws.write_number(r - 1, c - 1, value, number_format(code) if code else text)
            elif isinstance(value, datetime.datetime):
                ws.write_datetime(r - 1, c - 1, value, date_fmt)
            elif value is not None:
                ws.write_string(r - 1, c - 1, str(value), text)
    wb.close()


def _code_of(sheet: Sheet, row: int, col: int, cell: CellValue) -> str:
    """The number format a copied number keeps: the input's own, else a percent format for a
    cell the reader knows shows a percentage."""
    code = sheet.number_formats.get((row, col), "")
    if not code and cell.percent_format:
        code = _percent_code(cell.value)
    return code
