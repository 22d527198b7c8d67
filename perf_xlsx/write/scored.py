"""The scored workbook, entry point: the user's workbook, untouched, plus 汇总 and 评分明细 in
front, rendered and saved safely; and whether a file is one of these copies.

Design (docs/performance.md §3, hostile-input.md B/D/E): zip injection. Every part of the
input is copied byte for byte except the few that must change to add two sheets — workbook.xml,
its .rels, [Content_Types].xml, styles.xml (formats are appended, existing indexes stay) and
docProps/custom.xml (the ``perf_xlsx_output`` tag). In the original sheets the tool only
*adds*: a 核定得分 column right of each project table, a result line under it, a fill on
cells whose entry disagrees with the tool or carries an error/warning, and a comment saying
why; a sheet the unit gave no page layout prints landscape, one page wide (print_area).
Nothing the unit entered is replaced. Macros and links to other workbooks cannot travel in a
plain .xlsx; they are dropped and named in 汇总.

The steps are modules of this package, run in order by _build: strip (what cannot travel),
look (the added styles), annotate (the user's sheets, with comments), print_area (print areas
and page setups), summary_sheet, detail_sheet, workbook_part and output_tag; context holds
the state they share.

No openpyxl here: importing it costs ~200 ms, more than the whole write (a few ms).
"""

from __future__ import annotations

import errno
import os
import zipfile
from typing import Callable, Optional, Union

from perf_xlsx.fileutil import atomic_write, os_reason
from perf_xlsx.memo import ByContent
from perf_xlsx.model import WorkbookResult
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.names import CT_STYLES, REL_CUSTOM_PROPS
from perf_xlsx.ooxml.package import Package, RawEntry
from perf_xlsx.ooxml.parse import well_formed
from perf_xlsx.ooxml.props import custom_props_has
from perf_xlsx.ooxml.rels import parse_rels, resolve
from perf_xlsx.ooxml.zipout import deflated, zip_bytes
from perf_xlsx.read.source import current_source
from perf_xlsx.rules import Profile
from perf_xlsx.write.annotate import annotate_sheets, note_sheet_names
from perf_xlsx.write.context import (
    DETAIL_SHEET,
    SUMMARY_SHEET,
    Build,
    base_name,
    open_build,
    unique_name,
)
from perf_xlsx.write.detail_sheet import build_detail
from perf_xlsx.write.look import define_look, load_styles
from perf_xlsx.write.output_tag import OUTPUT_PROPERTY, tag_output
from perf_xlsx.write.print_area import fit_unset_pages, plan_print_areas
from perf_xlsx.write.strip import strip_unsupported
from perf_xlsx.write.summary_sheet import build_summary
from perf_xlsx.write.workbook_part import add_sheets

__all__ = ["WriteError", "is_scored_output", "render_scored", "write_scored"]


class WriteError(Exception):
    """The scored workbook could not be written; the message is Chinese, for the user."""


# --- public API ---------------------------------------------------------------------------


def is_scored_output(path: str) -> bool:
    """Whether ``path`` is a workbook this tool wrote (checks the custom document property
    only, so a renamed or moved output is still recognised; never raises)."""
    source = current_source(path)
    book = source.try_book() if source is not None else None
    if book is not None:
        # The open input's checked zip (read.source); a file it refuses is looked at below.
        try:
            return _has_output_tag(book.zf, book.names, book.read)
        except Exception:  # noqa: BLE001 - as below
            return False
    try:
        with zipfile.ZipFile(path) as zf:
            return _has_output_tag(zf, set(zf.namelist()), zf.read)
    except Exception:  # noqa: BLE001 - any unreadable file is simply "not one of ours"
        return False


def _has_output_tag(zf: zipfile.ZipFile, names: set[str], read: Callable[[str], bytes]) -> bool:
    name = "docProps/custom.xml"
    if name not in names:
        found = _custom_part_from_rels(names, read)
        if found is None:
            return False
        name = found
    if zf.getinfo(name).file_size > 1 << 20:
        return False
    return custom_props_has(read(name), OUTPUT_PROPERTY)


def _custom_part_from_rels(names: set[str], read: Callable[[str], bytes]) -> Optional[str]:
    if "_rels/.rels" not in names:
        return None
    for rel in parse_rels(read("_rels/.rels")):
        if rel.type == REL_CUSTOM_PROPS and not rel.external:
            part = resolve("", rel.target)
            return part if part in names else None
    return None


def write_scored(input_path: str, result: WorkbookResult, out_path: str, profile: Profile,
                 durable: bool = True) -> None:
    """Write the scored copy of ``input_path`` to ``out_path`` (atomically; the input is only
    read). Raises WriteError with a Chinese message on any failure.

    ``durable=False`` skips the fsync: the rename is still atomic (never a partial file), but
    the copy may not survive a power cut. A batch uses it for its per-file copies, where an
    fsync each costs milliseconds of waiting on the disk, and syncs its records at the end.
    """
    _check_target(input_path, out_path)
    data = render_scored(input_path, result, profile)
    _save(out_path, data, durable)


def render_scored(input_path: str, result: WorkbookResult, profile: Profile) -> bytes:
    """The bytes of the scored workbook (no file is written)."""
    if result.status != "scored" or result.model is None:
        raise WriteError(f"{base_name(input_path)} 未能评分，无法生成评分工作簿")
    source = current_source(input_path)
    # The input held open by the caller (read.source) is not read again: its bytes, zip
    # directory and the parts the reader inflated are reused.
    pkg = source.package() if source is not None and source.try_book() is not None else None
    try:
        if pkg is None:
            pkg = Package.read(input_path)
    except OSError as exc:
        raise WriteError(f"无法读取 {input_path}：{os_reason(exc)}") from exc
    except zipfile.BadZipFile as exc:
        raise WriteError(f"无法读取 {input_path}：文件已损坏或不是 .xlsx 工作簿") from exc
    except PartError as exc:
        raise WriteError(f"无法读取 {input_path}：{exc}") from exc
    try:
        return _build(pkg, result, profile, input_path)
    except WriteError:
        raise
    except PartError as exc:
        raise WriteError(f"无法生成评分工作簿：{exc}") from exc
    except MemoryError as exc:
        raise WriteError("无法生成评分工作簿：文件过大") from exc
    except Exception as exc:  # noqa: BLE001 - the CLI must print a message, not a traceback
        raise WriteError(f"无法生成评分工作簿：工作簿结构异常（{type(exc).__name__}）") from exc


# --- safe saving --------------------------------------------------------------------------


def _check_target(input_path: str, out_path: str) -> None:
    if not out_path:
        raise WriteError("未指定输出文件")
    same = os.path.realpath(input_path) == os.path.realpath(out_path)
    if not same and os.path.exists(out_path):
        try:
            same = os.path.samefile(input_path, out_path)
        except OSError:
            same = False
    if same:
        raise WriteError(f"不能把评分结果写到输入文件本身：{out_path}（请用 -o 指定另一个文件名）")
    if os.path.isdir(out_path):
        raise WriteError(f"无法写入 {out_path}：这是一个文件夹，请给出文件名")
    folder = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(folder):
        raise WriteError(f"无法写入 {out_path}：目标文件夹 {folder} 不存在")


def _write_file(path: str, data: bytes, durable: bool = True) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        if durable:
            fh.flush()
            os.fsync(fh.fileno())


def _save(out_path: str, data: bytes, durable: bool = True) -> None:
    try:
        atomic_write(out_path, lambda tmp: _write_file(tmp, data, durable))
    except OSError as exc:
        raise WriteError(_os_message(out_path, exc)) from exc


def _os_message(path: str, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"无法写入 {path}：磁盘空间不足"
    if exc.errno == errno.ENOENT:
        return f"无法写入 {path}：目标文件夹不存在"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.EBUSY, errno.ETXTBSY) or \
            isinstance(exc, PermissionError):
        return f"无法写入 {path}：文件被占用（可能正在 Excel/WPS 中打开）或没有写权限"
    return f"无法写入 {path}：{os_reason(exc)}"


# --- the build -------------------------------------------------------------------------


def _build(pkg: Package, result: WorkbookResult, profile: Profile, input_path: str) -> bytes:
    """The steps in their order: each takes what the earlier ones produced, and all record in
    the one Build what they write, drop and note (汇总 lists the notes, so it comes late)."""
    b = open_build(pkg, result, profile, input_path)
    stripped = strip_unsupported(b)
    sp = load_styles(b)
    look = define_look(sp.styles)
    note_sheet_names(b)
    # A previous scoring's 汇总 and 评分明细 are gone: the new ones take their plain names.
    taken = {s.name for s in b.sheets if s.index not in stripped.sheets_dropped}
    summary_name = unique_name(SUMMARY_SHEET, taken)
    detail_name = unique_name(DETAIL_SHEET, taken)
    placed = annotate_sheets(b, sp, look)
    print_areas = plan_print_areas(b, placed)
    fit_unset_pages(b, placed)
    summary = build_summary(b, look, summary_name, stripped.sheets_dropped)
    detail = build_detail(b, look, detail_name, stripped.sheets_dropped)
    add_sheets(b, stripped, [summary, detail], sp.new_rels, print_areas)
    tag_output(b)
    b.out[sp.part] = sp.styles.to_bytes()
    if sp.new:
        b.ct.add_override(sp.part, CT_STYLES)
    b.out[b.ct_name] = b.ct.to_bytes()
    return _zip(b, sp.part)


def _zip(b: Build, styles_part: str) -> bytes:
    ordered: list[tuple[str, Union[bytes, RawEntry]]] = [(b.ct_name, b.out[b.ct_name])]
    for name in b.pkg.parts:
        if name == b.ct_name or name in b.dropped:
            continue
        if name in b.out:
            ordered.append((name, b.out[name]))
        else:
            # Untouched parts travel as stored: byte for byte, and no time spent deflating.
            ordered.append((name, b.pkg.raw(name) or b.pkg.parts[name]))
    ordered.extend((n, d) for n, d in b.out.items() if n not in b.pkg.parts)
    sheets = {s.part for s in b.sheets}
    for i, (name, data) in enumerate(ordered):
        if isinstance(data, RawEntry) or name not in b.out:
            continue
        # The package-level parts (styles, content types, relationships) come out byte for
        # byte the same in many copies of a template: each distinct one is deflated once
        # (memo), and every part but the sheets (which differ in every copy) is checked once.
        repeats = name == styles_part or name == b.ct_name or name.endswith(".rels")
        # Edited parts of the user's workbook are proven well-formed before anything is
        # written: they are spliced as text, and a broken part would make Excel offer to
        # "repair" the user's file. Parts that are new (the two sheets, a first comments
        # part or .rels, custom.xml) are built whole from escaped values by templates the
        # tests check, so re-parsing them protects nothing; VML is not strict XML.
        if name in b.pkg.parts and not name.endswith(".vml") and \
                not (well_formed if name in sheets else _WELL_FORMED)(data):
            raise PartError(f"内部错误：生成的部件 {name} 不是合法 XML")
        if repeats:
            ordered[i] = (name, _DEFLATED(data))
    return zip_bytes(ordered)


_WELL_FORMED = ByContent(well_formed)
_DEFLATED = ByContent(deflated)
