"""Cell grid of an .xlsx/.xlsm file: values, cached results, formula flags, number formats,
merges and hidden rows, scanned from the worksheet parts of a ZipBook (read.zipbook).

Why not openpyxl here: a 自评表 needs, for the same cell, the cached value *and* whether it
is a formula without one (openpyxl needs two full loads for that), and openpyxl's full load
spends most of its time rebuilding merged-cell borders the checker never looks at
(docs: ~59 ms vs a few ms here, plus 215 ms of import on the ``check`` path). Reading is also
bounded to a window of rows and columns, so a sheet whose used range claims XFD1048576 costs
nothing. python-calamine gives neither formula flags nor number formats.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field, replace
from typing import Any, Optional, Sequence

from defusedxml import ElementTree as SafeET

from perf_xlsx.a1 import col_index, parse_range, ref
from perf_xlsx.memo import ByContent
from perf_xlsx.model import CellValue, make_cell
from perf_xlsx.read.errors import GridError
from perf_xlsx.read.numfmt import cell_formats, excel_date
from perf_xlsx.read.shared_formulas import _SHARED_T, _SI_ATTR, _shared_formulas
from perf_xlsx.read.source import open_book
from perf_xlsx.read.strings import TAG_PREFIX as _P
from perf_xlsx.read.strings import rich_text, shared_strings, tag_res, unescape, xml_text
from perf_xlsx.read.zipbook import ZipBook, local_name, parse_xml, workbook_part
from perf_xlsx.values import clean_text

MAX_ROWS = 5000
MAX_COLS = 64  # A..BL: a 自评表 is at most ~15 columns wide
MAX_TEXT = 32767
_INF = float("inf")


@dataclass
class Sheet:
    """One worksheet as read: its cells (inside the read window), merges and hidden rows."""

    name: str
    state: str = "visible"  # visible | hidden | veryHidden
    cells: dict[tuple[int, int], CellValue] = field(default_factory=dict)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    truncated: bool = False  # cells existed outside the read window
    long_text: list[str] = field(default_factory=list)  # cells over 32,767 characters
    bad_styles: list[str] = field(default_factory=list)  # cells naming a style that does not exist
    # Legacy (.xls/.et/.ods) sheets only: number format codes of numbers, column widths in
    # characters; the copy made for the writer keeps them (read.legacy.as_xlsx).
    number_formats: dict[tuple[int, int], str] = field(default_factory=dict)
    col_widths: dict[int, float] = field(default_factory=dict)
    _anchor: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict, repr=False)
    _max_row: int = 0
    _max_col: int = 0
    # The first merge of .merges at each top-left corner: what merge_of would find by a scan.
    _merge_at: dict[tuple[int, int], tuple[int, int, int, int]] = field(default_factory=dict, repr=False)

    def index_merges(self) -> None:
        """Index merge members and the used extent; call once the cells are read."""
        cells = self.cells
        # Both maxima in one pass over the keys (max() over the keys compares tuples, and one
        # max() per coordinate costs a call per key each).
        max_row = max_col = 0
        for r, c in cells:
            if r > max_row:
                max_row = r
            if c > max_col:
                max_col = c
        self._max_row, self._max_col = max_row, max_col
        anchor: dict[tuple[int, int], tuple[int, int]] = {}
        merge_at: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        self._anchor, self._merge_at = anchor, merge_at
        for m in self.merges:
            r1, c1, r2, c2 = m
            a = (r1, c1)
            if a not in merge_at:
                merge_at[a] = m
            if (r2 - r1 + 1) * (c2 - c1 + 1) > 20000:
                continue  # absurd merges (whole columns) would only cost memory
            # Row-major, later merges overwriting earlier ones. Plain while loops: a 自评表's
            # merges are a few cells each, where building a product and a dict per merge, or
            # even a range object per row, costs more than the cells.
            r = r1
            while r <= r2:
                c = c1
                while c <= c2:
                    anchor[(r, c)] = a
                    c += 1
                r += 1

    def anchor(self, row: int, col: int) -> tuple[int, int]:
        return self._anchor.get((row, col), (row, col))

    def merge_of(self, row: int, col: int) -> Optional[tuple[int, int, int, int]]:
        a = self._anchor.get((row, col))
        if a is None:
            return None
        return self._merge_at.get(a)

    def get(self, row: int, col: int) -> Optional[CellValue]:
        """The cell as displayed: a merged member shows its anchor's value."""
        pos = (row, col)
        return self.cells.get(self._anchor.get(pos, pos))  # anchor(), inlined

    def is_anchor(self, row: int, col: int) -> bool:
        return self._anchor.get((row, col), (row, col)) == (row, col)

    @property
    def max_row(self) -> int:
        return self._max_row

    @property
    def max_col(self) -> int:
        return self._max_col


@dataclass
class Grid:
    """Every worksheet of a workbook, and what the package says about the file as a whole."""

    sheets: list[Sheet]
    date1904: bool = False
    has_macros: bool = False
    external_links: bool = False
    strict: bool = False  # Strict Open XML namespaces


def _attr(el: Any, name: str) -> Optional[str]:
    """An attribute by local name (namespaced r:id and plain alike)."""
    for k, v in el.attrib.items():
        if local_name(k) == name:
            return v
    return None


_ROW_RE = re.compile(rf"<{_P}row\b([^>]*?)(/>|>(.*?)</{_P}row>)", re.S)
_CELL_RE = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
_R_ATTR = re.compile(r"""\br\s*=\s*["']([A-Z]{1,3})([0-9]+)["']""")
_S_ATTR = re.compile(r"""\bs\s*=\s*["']([0-9]+)["']""")
_T_ATTR = re.compile(r"""\bt\s*=\s*["']([A-Za-z]+)["']""")
# A valued cell: groups 2-7 are the common form written by Excel, WPS and LibreOffice
# (r, then s and t, a plain <v>; group 7 in place of 6 for a plain inline string, as openpyxl
# writes strings), read without further scans; groups 8-9 are any other form (head, body),
# which _cell reads. The first alternative matches only where the second would
# match the same text. (?=(X))\N is an atomic X (Python 3.9 has no possessive forms): the
# attributes of the first, and the head of the second, are taken whole and never given back.
# Giving back can never complete a match (a head cannot hold ">", so its first ">" is the only
# one that can end it), so the matches are those of the plain forms, without the backtracking
# at every formatting-only cell (.../>).
_SIMPLE_ATTRS = r""" r="([A-Z]{1,3})([0-9]+)"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?"""
_SIMPLE_CELL = rf"""c(?=({_SIMPLE_ATTRS}))\1>(?:<v>([^<&]*)</v>|<is><t(?: xml:space="preserve")?>([^<&]*)</t></is>)</c>"""
_VALUED_CELL_RES = (
    re.compile(rf"<(?:{_SIMPLE_CELL}|{_P}c\b(?=([^>]*))\8(?<!/)>(.*?)</{_P}c>)", re.S),
    # "<c" shared by both alternatives lets the scan jump from one "<c" to the next;
    # [^<]*(?:<(?!/c>)[^<]*)* is (.*?) before the first </c>, without a step per character.
    # (?![^>]*/>) turns away a formatting-only cell (<c r="B3" s="5"/>) in one scan of its tag:
    # neither alternative can match where the tag's first ">" follows "/".
    re.compile(rf"<c(?![^>]*/>)(?:{_SIMPLE_CELL[1:]}|\b(?=([^>]*))\8(?<!/)>([^<]*(?:<(?!/c>)[^<]*)*)</c>)", re.S),
)
_HIDDEN_ROW_RES = tag_res(r"""<{P}row\b[^>]*\bhidden\s*=\s*["'](?:1|true)["'][^>]*>""")
# Any match of _HIDDEN_ROW_RES holds a match of this; without one there is no hidden row.
_HIDDEN_ATTR = re.compile(r"""hidden\s*=\s*["'](?:1|true)["']""")
_ROW_NUM = re.compile(r"""\br\s*=\s*["']([0-9]+)["']""")
_ROW_WITHOUT_R_RES = tag_res(r"""<{P}row\b(?![^>]*\br\s*=)[^>]*>""")
_ATTR_RE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_V_RE = re.compile(rf"<{_P}v(?:\s[^>]*)?>(.*?)</{_P}v>|<{_P}v\s*/>", re.S)
_F_TEXT_RE = re.compile(rf"<{_P}f(?:\s[^>]*?)?(?:/>|>(.*?)</{_P}f>)", re.S)
_IS_RE = re.compile(rf"<{_P}is>(.*?)</{_P}is>", re.S)
_MERGE_RE = re.compile(rf"<{_P}mergeCell\b[^>]*?ref\s*=\s*[\"']([^\"']+)[\"']")
_SIMPLE_MERGE_RE = re.compile(r'<mergeCell ref="([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)"')
_MERGE_REF = re.compile(r"([A-Z]{1,3})([0-9]+):([A-Z]{1,3})([0-9]+)")


def _attrs(text: str) -> dict[str, str]:
    out = {}
    for m in _ATTR_RE.finditer(text):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        out[m.group(1).rsplit(":", 1)[-1]] = unescape(value)
    return out


def _keep(sheet: Sheet, row: int, col: int, cell: Optional[CellValue], head: str, percent: Sequence[bool]) -> None:
    if cell is None:
        return
    if isinstance(cell.value, str) and len(cell.value) > MAX_TEXT:
        sheet.long_text.append(cell.ref)  # over Excel's limit: cut, and said so
        cell = replace(cell, value=cell.value[:MAX_TEXT])
    if percent:
        sm = _S_ATTR.search(head)
        if sm and int(sm.group(1)) >= len(percent):
            sheet.bad_styles.append(cell.ref)
    sheet.cells[(row, col)] = cell


def _read_cells_fast(text: str, stop: int, sheet: Sheet, strings: list[str], percent: Sequence[bool],
                     date: Sequence[bool], date1904: bool) -> bool:
    """One pass over the cells that hold something, when every cell names its place (r="B7"):
    formatting-only cells and row elements are never visited. False: use the row-by-row path
    (which starts again from empty cells and lists)."""
    cells = sheet.cells
    n_styles = len(percent)  # date has the same length
    cell_re = _VALUED_CELL_RES[1] if ":c" not in text else _VALUED_CELL_RES[0]
    col_numbers = _COL_NUMBERS  # _col_number's table: looked up inline, one call less per cell
    ints = _INTS  # _int's table, likewise
    new_cell = object.__new__
    # s="…" text -> (percent, date, names no style): a sheet uses a few dozen styles at most.
    style_flags: dict[Optional[str], tuple[bool, bool, bool]] = {}
    for cm in cell_re.finditer(text, 0, stop):
        _, letters, digits, style_text, t, v_text, inline, head, body = cm.groups()
        if letters is None:
            rm = _R_ATTR.search(head)
            if rm is None:
                return False
            letters, digits = rm.group(1), rm.group(2)
        row, col = ints.get(digits) or _int(digits), col_numbers.get(letters) or _col_number(letters)
        if row > MAX_ROWS or col > MAX_COLS:
            # Only content outside the window is worth a word: LibreOffice and formatted whole
            # columns claim A1:J1048576 with empty styled cells that hold nothing.
            if not sheet.truncated and _outside_content(text, cm, head, body, t, v_text, strings):
                sheet.truncated = True
            if sheet.truncated and row > MAX_ROWS:
                break  # rows come in order: nothing further is inside the window
            continue
        cell: Optional[CellValue]
        if head is None and inline is None and (t is None or t == "s" or t == "n"):
            # What _cell gives for a shared string or a number in one plain <v>, no formula.
            flags = style_flags.get(style_text)
            if flags is None:
                style = int(style_text) if style_text else 0
                flags = style_flags[style_text] = (percent[style] if style < n_styles else False,
                                                   date[style] if style < n_styles else False,
                                                   n_styles > 0 and style_text is not None and style >= n_styles)
            is_percent, is_date, bad_style = flags
            value: Any
            if t == "s":
                try:
                    value = strings[ints.get(v_text) or _int(v_text or "")]
                except (ValueError, IndexError):
                    continue
                long_text = len(value) > MAX_TEXT
            elif v_text:
                try:
                    value = float(v_text)
                except ValueError:
                    continue
                if value != value or value == _INF or value == -_INF:
                    continue
                if is_date and not is_percent:
                    value = excel_date(value, date1904) or value
                long_text = False
            else:
                continue
            # make_cell(letters + digits, value, False, True, None, is_percent), inlined: one
            # per valued cell, the call costs as much as the object.
            cell = new_cell(CellValue)
            d = cell.__dict__
            d.update(_SCANNED_CELL)  # every field, in order; three of them differ from cell to cell
            d["ref"] = letters + digits
            d["value"] = value
            d["percent_format"] = is_percent
            if not bad_style and not long_text:
                cells[(row, col)] = cell  # nothing to report: the checks below would pass it through
                continue
        elif inline is not None and t == "inlineStr":
            # What _cell gives for an inline string of plain text in one <t> (openpyxl writes
            # every string so), without its searches for <v>, <f> and the runs.
            style = int(style_text) if style_text else 0
            cell = make_cell(letters + digits, clean_text(inline), False, True, None,
                             percent[style] if style < n_styles else False)
            bad_style = n_styles > 0 and style_text is not None and style >= n_styles
        else:
            if head is None:  # the common form with another type (str, b, e …, or <is> under one)
                gt = text.index(">", cm.start())
                head, body = text[cm.start() + 2:gt], text[gt + 1:cm.end() - 4]
            cell = _cell(head, body, letters + digits, strings, percent, date, date1904)
            if cell is None:
                continue
            sm = _S_ATTR.search(head) if n_styles else None
            bad_style = sm is not None and int(sm.group(1)) >= n_styles
        if isinstance(cell.value, str) and len(cell.value) > MAX_TEXT:
            sheet.long_text.append(cell.ref)  # over Excel's limit: cut, and said so
            cell = replace(cell, value=cell.value[:MAX_TEXT])
        if bad_style:
            sheet.bad_styles.append(cell.ref)
        cells[(row, col)] = cell
    plain_rows = ":row" not in text
    if _HIDDEN_ATTR.search(text, 0, stop):
        for hm in _HIDDEN_ROW_RES[plain_rows].finditer(text, 0, stop):
            rm = _ROW_NUM.search(hm.group(0))
            if rm and int(rm.group(1)) <= MAX_ROWS:
                sheet.hidden_rows.add(int(rm.group(1)))
    # When every "<row" starts '<row r="' (as all writers put it), no row lacks its number;
    # counting is much cheaper than the look-ahead scan.
    numbered = plain_rows and text.count("<row", 0, stop) == text.count('<row r="', 0, stop)
    if not numbered and _ROW_WITHOUT_R_RES[plain_rows].search(text, 0, stop):
        return False  # hidden rows are counted by position there: leave them to the slow path
    return True


def _outside_content(text: str, cm: re.Match[str], head: Optional[str], body: Optional[str], t: Optional[str],
                     v_text: Optional[str], strings: list[str]) -> bool:
    """Whether a cell outside the read window holds something (a value, a formula, an error):
    an empty string or a styled empty cell is no content to warn about."""
    if head is None and (t is None or t == "s" or t == "n"):
        if t == "s":
            try:
                return bool(strings[int(v_text or "")].strip())
            except (ValueError, IndexError):
                return False
        return bool(v_text)
    if head is None:
        gt = text.index(">", cm.start())
        head, body = text[cm.start() + 2:gt], text[gt + 1:cm.end() - 4]
    return _cell_has_content(head, body or "", strings)


def _cell_has_content(head: str, body: str, strings: list[str]) -> bool:
    cell = _cell(head, body, "A1", strings, (), (), False)
    return cell is not None and (cell.formula or cell.error is not None or not cell.blank)


_COL_NUMBERS: dict[str, int] = {}
# The fields of a cell the scan reads from a plain <v>: make_cell's, ref, value and
# percent_format filled in per cell (updating the instance's dict keeps this order).
_SCANNED_CELL: dict[str, Any] = {"ref": "", "value": None, "formula": False, "cached": True, "error": None,
                                 "percent_format": False, "formula_text": ""}
# Row numbers and shared-string indexes as written, to their ints: int() of a str converts
# through a copy of it, which costs more than the lookup; the same few thousand recur.
_INTS: dict[str, int] = {}


def _int(digits: str) -> int:
    """int(digits), remembered for short texts (ValueError as int() raises it)."""
    n = int(digits)
    if len(digits) <= 5 and len(_INTS) < 1 << 17:
        _INTS[digits] = n
    return n


def _col_number(letters: str) -> int:
    """col_index, remembered: there are at most 18,278 column names of one to three letters."""
    n = _COL_NUMBERS.get(letters)
    if n is None:
        n = _COL_NUMBERS[letters] = col_index(letters)
    return n


def _read_cells_by_row(text: str, stop: int, sheet: Sheet, strings: list[str], percent: Sequence[bool],
                       date: Sequence[bool], date1904: bool) -> None:
    sheet.cells.clear()
    sheet.hidden_rows.clear()
    sheet.long_text.clear()
    sheet.bad_styles.clear()
    row_no = 0
    for m in _ROW_RE.finditer(text, 0, stop):
        attrs = _attrs(m.group(1))
        r = attrs.get("r", "")
        row_no = int(r) if r.isdigit() else row_no + 1
        if row_no > MAX_ROWS:
            # Content below the window is reported; styled empty rows and cells are none.
            sheet.truncated = any(cm.group(2) and _cell_has_content(cm.group(1), cm.group(2), strings)
                                  for cm in _CELL_RE.finditer(text, m.start(), stop))
            break
        if attrs.get("hidden") in ("1", "true"):
            sheet.hidden_rows.add(row_no)
        body = m.group(3)
        if not body:
            continue
        col_no = 0
        for cm in _CELL_RE.finditer(body):
            head, inner = cm.group(1), cm.group(2)
            rm = _R_ATTR.search(head)
            if rm:
                row, col = int(rm.group(2)), col_index(rm.group(1))
            else:
                row, col = row_no, col_no + 1
            col_no = col
            if not inner:
                continue  # <c r="B3" s="5"/>: formatting only, no value
            if col > MAX_COLS or row > MAX_ROWS:
                if _cell_has_content(head, inner, strings):
                    sheet.truncated = True
                continue
            cell = _cell(head, inner, rm.group(1) + rm.group(2) if rm else ref(row, col), strings, percent, date,
                         date1904)
            _keep(sheet, row, col, cell, head, percent)


def _read_sheet(book: ZipBook, part: str, sheet: Sheet, strings: list[str], percent: Sequence[bool],
                date: Sequence[bool], date1904: bool) -> None:
    text = xml_text(book.read(part))
    # Cells live in <sheetData>…</sheetData>; merges follow it.
    data_end = text.find("sheetData>", text.find("sheetData") + len("sheetData"))
    stop = data_end if data_end > 0 else len(text)
    if not _read_cells_fast(text, stop, sheet, strings, percent, date, date1904):
        _read_cells_by_row(text, stop, sheet, strings, percent, date, date1904)
    if "shared" in text and _SHARED_T.search(text, 0, stop):
        _shared_formulas(sheet.cells)
    merges_at = text.find("mergeCell", data_end if data_end > 0 else 0)
    if merges_at >= 0 and _read_simple_merges(text, merges_at - 1, sheet):
        return
    if merges_at >= 0:
        for mm in _MERGE_RE.finditer(text, merges_at - 1):
            fast = _MERGE_REF.fullmatch(mm.group(1))
            if fast is not None:  # "B3:D4", as every writer puts it: what parse_range gives
                r1, c1 = int(fast.group(2)), _col_number(fast.group(1))
                r2, c2 = int(fast.group(4)), _col_number(fast.group(3))
                m4 = (min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
            else:
                try:
                    m4 = parse_range(mm.group(1))
                except ValueError:
                    continue
            if m4[0] <= MAX_ROWS and m4[1] <= MAX_COLS:
                sheet.merges.append((m4[0], m4[1], min(m4[2], MAX_ROWS), min(m4[3], MAX_COLS)))


def _read_simple_merges(text: str, start: int, sheet: Sheet) -> bool:
    """The merges when every one is written '<mergeCell ref="B3:D4"' (as Excel, WPS and
    LibreOffice write them): one findall, no match objects. False, and nothing added, when any
    "<mergeCell" is written otherwise; the general scan then reads them all."""
    if ":mergeCell" in text:
        return False
    found = _SIMPLE_MERGE_RE.findall(text, start)
    if len(found) != text.count("<mergeCell", start) - text.count("<mergeCells", start):
        return False
    merges = sheet.merges
    col_numbers, ints = _COL_NUMBERS, _INTS
    for l1, d1, l2, d2 in found:
        r1, r2 = ints.get(d1) or _int(d1), ints.get(d2) or _int(d2)
        c1 = col_numbers.get(l1) or _col_number(l1)
        c2 = col_numbers.get(l2) or _col_number(l2)
        if r1 > r2 or c1 > c2:  # what parse_range gives for a reversed range
            r1, c1, r2, c2 = min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)
        if r1 <= MAX_ROWS and c1 <= MAX_COLS:  # min(r2, MAX_ROWS), min(c2, MAX_COLS) without the calls
            merges.append((r1, c1, r2 if r2 <= MAX_ROWS else MAX_ROWS, c2 if c2 <= MAX_COLS else MAX_COLS))
    return True


def _cell(head: str, body: str, a1: str, strings: list[str], percent: Sequence[bool],
          date: Sequence[bool], date1904: bool) -> Optional[CellValue]:
    tm = _T_ATTR.search(head)
    t = tm.group(1) if tm else "n"
    vm = _V_RE.search(body) if "v" in body else None
    has_v = vm is not None
    v_text = unescape(vm.group(1)) if vm is not None and vm.group(1) else None
    fm = _F_TEXT_RE.search(body) if "f" in body else None
    formula = fm is not None
    inline: Optional[str] = None
    if t == "inlineStr":
        im = _IS_RE.search(body)
        inline = rich_text(im.group(1)) if im else ""
    sm = _S_ATTR.search(head)
    style = int(sm.group(1)) if sm else 0
    is_percent = percent[style] if 0 <= style < len(percent) else False
    is_date = date[style] if 0 <= style < len(date) else False
    value: Any = None
    error: Optional[str] = None
    if t == "s":
        try:
            value = strings[int(v_text or "")]
        except (ValueError, IndexError):
            value = None
    elif t == "inlineStr":
        value = inline
    elif t in ("str", "d"):
        value = v_text
    elif t == "b":
        value = v_text in ("1", "true")
    elif t == "e":
        error = (v_text or "#VALUE!").strip()
    elif v_text is not None:
        try:
            number: Optional[float] = float(v_text)
        except ValueError:
            number = None
        if number is not None and number == number and abs(number) != float("inf"):
            value = number
            if is_date and not is_percent:
                value = excel_date(number, date1904) or number
    if isinstance(value, str) and t != "s":
        value = clean_text(value)
    # An untyped empty <v/> is how openpyxl writes a formula it never calculated; a string
    # result that happens to be "" is typed (t="str"), as Excel, WPS and LibreOffice write it.
    cached = not formula or error is not None or (has_v and (bool(v_text) or t in ("str", "s", "inlineStr")))
    if formula and has_v and not v_text and t in ("str", "inlineStr"):
        value = ""
    if value is None and error is None and not formula:
        return None
    text = unescape(fm.group(1)).strip().lstrip("=") if fm is not None and fm.group(1) else ""
    if fm is not None and "shared" in fm.group(0):
        si = _SI_ATTR.search(fm.group(0))
        if si is not None and _SHARED_T.search(fm.group(0)):
            # Settled once the sheet is read (_shared_formulas): "\0si\0" + the text, which only
            # the shared formula's first cell has.
            text = f"\0{si.group(1)}\0{text}"
    return make_cell(a1, value, formula, cached, error, is_percent, text)


def _read_workbook_sheets(data: bytes) -> tuple[bool, tuple[tuple[str, str, str], ...]]:
    """date1904, and (name, state, r:id) of each <sheet> of the workbook part, in order."""
    date1904 = False
    sheets = []
    for el in parse_xml(data).iter():
        name = local_name(el.tag)
        if name == "workbookPr":
            date1904 = el.get("date1904") in ("1", "true")
        elif name == "sheet":
            sheets.append((el.get("name", ""), el.get("state", "visible"), _attr(el, "id") or ""))
    return date1904, tuple(sheets)


# The workbook part of files from one template saved by one program is often the same bytes (as
# the styles and relationship parts are): what it says is remembered by content.
_workbook_sheets = ByContent(_read_workbook_sheets, max_entries=32, max_bytes=1 << 16)


def read_grid(path: str) -> Grid:
    """Read every worksheet of an .xlsx/.xlsm; raise GridError when the file can't be read."""
    with open_book(path) as book:
        try:
            return _read_book(book)
        except GridError:
            raise
        except (SafeET.ParseError, ValueError, KeyError, IndexError, TypeError, zipfile.BadZipFile,
                EOFError, OSError, RuntimeError) as exc:
            # defusedxml's DTD/entity refusals are ValueError subclasses.
            if "DTD" in type(exc).__name__ or "Entit" in type(exc).__name__:
                raise GridError("read.hostile_xml", "文件内含不安全的 XML 结构（DTD/实体），已拒绝读取") from None
            raise GridError("read.corrupt",
                            "文件结构损坏，无法读取，请在 WPS/Excel 中打开并另存为 .xlsx 后重新提交") from None


def _read_book(book: ZipBook) -> Grid:
    wb_part = workbook_part(book)
    wb_rels = book.rels(wb_part)
    wb_data = book.read(wb_part)
    date1904, sheet_list = _workbook_sheets(wb_data)
    entries = [(name, state, wb_rels[rid]) for name, state, rid in sheet_list if wb_rels.get(rid)]
    strings = shared_strings(book, wb_rels, wb_part)
    percent, date = cell_formats(book, wb_rels)
    sheets: list[Sheet] = []
    for name, state, part in entries:
        if part not in book.names or "worksheets/" not in part and "worksheet" not in part:
            continue  # chartsheets and dialog sheets hold no cells
        sheet = Sheet(name=clean_text(name), state=state)
        _read_sheet(book, part, sheet, strings, percent, date, date1904)
        sheet.index_merges()
        sheets.append(sheet)
    return Grid(sheets=sheets, date1904=date1904, strict=b"purl.oclc.org/ooxml" in wb_data[:4096],
                has_macros=any(n.lower().endswith("vbaproject.bin") for n in book.names),
                external_links=any(n.startswith("xl/externalLinks/") for n in book.names))
