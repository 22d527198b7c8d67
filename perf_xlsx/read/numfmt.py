"""Which cell styles of a workbook show percentages and which show dates, from its styles part."""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from typing import Optional, Sequence

from perf_xlsx.memo import ByContent
from perf_xlsx.read.zipbook import ZipBook, local_name, parse_xml

_BUILTIN_DATE_FORMATS = set(range(14, 23)) | {45, 46, 47}
_BUILTIN_PERCENT_FORMATS = {9, 10}


# Both tests are pure functions of a format code, asked for every cell style that names one
# (a styles part lists each code once, its cell styles use it many times): remembered per code.
@lru_cache(maxsize=1024)
def _is_percent_format(code: str) -> bool:
    return "%" in re.sub(r'"[^"]*"|\\.', "", code)


def is_percent_format(code: str) -> bool:
    """Whether a number format code shows a percentage ("0.00%", not a quoted "%")."""
    return _is_percent_format(code)


@lru_cache(maxsize=1024)
def _is_date_format(code: str) -> bool:
    stripped = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code).lower()
    return bool(re.search(r"[ymdhs]", stripped)) and "0" not in stripped.replace("00", "")


def excel_date(serial: float, date1904: bool) -> Optional[_dt.datetime]:
    """The datetime an Excel serial number stands for; None outside Excel's range."""
    if serial < 0 or serial > 2958465:
        return None
    base = _dt.datetime(1904, 1, 1) if date1904 else _dt.datetime(1899, 12, 30)
    if not date1904 and serial < 60:
        serial += 1  # Excel's phantom 1900-02-29
    return base + _dt.timedelta(days=serial)


def cell_formats(book: ZipBook, wb_rels: dict[str, str]) -> tuple[Sequence[bool], Sequence[bool]]:
    """Per cellXfs index: (is percent format, is date format)."""
    part = next((p for p in wb_rels.values() if p.lower().endswith("styles.xml")), None)
    if part is None or part not in book.names:
        return (), ()
    return _styles_of(book.read(part))


def _read_styles(data: bytes) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
    root = parse_xml(data)
    custom: dict[int, str] = {}
    percent: list[bool] = []
    date: list[bool] = []
    for el in root:
        name = local_name(el.tag)
        if name == "numFmts":
            for nf in el:
                try:
                    custom[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
                except ValueError:
                    continue
        elif name == "cellXfs":
            for xf in el:
                try:
                    fid = int(xf.get("numFmtId", "0"))
                except ValueError:
                    fid = 0
                code = custom.get(fid)
                if code is None:
                    percent.append(fid in _BUILTIN_PERCENT_FORMATS)
                    date.append(fid in _BUILTIN_DATE_FORMATS)
                else:
                    percent.append(_is_percent_format(code))
                    date.append(_is_date_format(code))
    return tuple(percent), tuple(date)


# The styles part of workbooks from one template saved by one program is the same bytes in every
# file of a batch: its flags are remembered by content, which saves a parse per file (~40% of
# the reading of the grid's small parts).
_styles_of = ByContent(_read_styles, max_entries=32, max_bytes=1 << 18)
