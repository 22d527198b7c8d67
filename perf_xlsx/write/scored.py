"""The scored workbook: the user's workbook, untouched, plus 汇总 and 评分明细 in front.

Design (docs/performance.md §3, hostile-input.md B/D/E): zip injection. Every part of the
input is copied byte for byte except the few that must change to add two sheets — workbook.xml,
its .rels, [Content_Types].xml, styles.xml (formats are appended, existing indexes stay) and
docProps/custom.xml (the ``perf_xlsx_output`` tag). In the original sheets the tool only
*adds*: a 核定得分 column right of each project table, a fill on cells whose entry disagrees
with the tool or carries an error/warning, and a comment saying why. Nothing the unit entered
is replaced. Macros and links to other workbooks cannot travel in a plain .xlsx; they are
dropped and named in 汇总.

No openpyxl here: importing it costs ~200 ms, more than the whole write (a few ms).
"""

from __future__ import annotations

import errno
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Optional

from perf_xlsx import ooxml as xp
from perf_xlsx.a1 import MAX_COLUMN, col_index, col_letter, parse_ref, quote_sheet
from perf_xlsx.fileutil import atomic_write
from perf_xlsx.judge.numbers import fmt, round2
from perf_xlsx.model import Finding, ProjectScore, Severity, WorkbookResult
from perf_xlsx.rules import Profile
from perf_xlsx.values import clean_text
from perf_xlsx.version import __version__

__all__ = ["OUTPUT_PROPERTY", "WriteError", "is_scored_output", "render_scored", "write_scored"]

OUTPUT_PROPERTY = "perf_xlsx_output"
SUMMARY_SHEET = "汇总"
DETAIL_SHEET = "评分明细"
TOOL_HEADER = "核定得分"
AUTHOR = "perf_xlsx"
TOOL_COLUMN_WIDTH = 11
# Entered and computed scores are both two-decimal figures; closer than this they agree.
SCORE_TOLERANCE = 0.005

FONT = "宋体"
RED, YELLOW, BLUE, GREY, GREEN = "FFFFC7CE", "FFFFEB9C", "FFDDEBF7", "FFD9D9D9", "FFC6EFCE"
NUMFMT_INT, NUMFMT_2DP, NUMFMT_PCT = 1, 2, 10  # built-in: "0", "0.00", "0.00%"


class WriteError(Exception):
    """The scored workbook could not be written; the message is Chinese, for the user."""


# --- public API ---------------------------------------------------------------------------


def is_scored_output(path: str) -> bool:
    """Whether ``path`` is a workbook this tool wrote (checks the custom document property
    only, so a renamed or moved output is still recognised; never raises)."""
    try:
        with zipfile.ZipFile(path) as zf:
            name = "docProps/custom.xml"
            names = set(zf.namelist())
            if name not in names:
                found = _custom_part_from_rels(zf, names)
                if found is None:
                    return False
                name = found
            if zf.getinfo(name).file_size > 1 << 20:
                return False
            return xp.custom_props_has(zf.read(name), OUTPUT_PROPERTY)
    except Exception:  # noqa: BLE001 - any unreadable file is simply "not one of ours"
        return False


def _custom_part_from_rels(zf: zipfile.ZipFile, names: set[str]) -> Optional[str]:
    if "_rels/.rels" not in names:
        return None
    for rel in xp.parse_rels(zf.read("_rels/.rels")):
        if rel.type == xp.REL_CUSTOM_PROPS and not rel.external:
            part = xp.resolve("", rel.target)
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
        raise WriteError(f"{_base(input_path)} 未能评分，无法生成评分工作簿")
    try:
        pkg = xp.Package.read(input_path)
    except OSError as exc:
        raise WriteError(f"无法读取 {input_path}：{exc.strerror or exc}") from exc
    except zipfile.BadZipFile as exc:
        raise WriteError(f"无法读取 {input_path}：文件已损坏或不是 .xlsx 工作簿") from exc
    except xp.PartError as exc:
        raise WriteError(f"无法读取 {input_path}：{exc}") from exc
    try:
        return _Builder(pkg, result, profile, input_path).build()
    except WriteError:
        raise
    except xp.PartError as exc:
        raise WriteError(f"无法生成评分工作簿：{exc}") from exc
    except MemoryError as exc:
        raise WriteError("无法生成评分工作簿：文件过大") from exc
    except Exception as exc:  # noqa: BLE001 - the CLI must print a message, not a traceback
        raise WriteError(f"无法生成评分工作簿：工作簿结构异常（{type(exc).__name__}）") from exc


# --- safe saving --------------------------------------------------------------------------


def _base(path: str) -> str:
    return os.path.basename(path) or path


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
    return f"无法写入 {path}：{exc.strerror or exc}"


# --- plan ---------------------------------------------------------------------------------


@dataclass
class _SheetInfo:
    name: str  # as written in workbook.xml (unescaped)
    part: str
    index: int  # position in the original <sheets>


@dataclass
class _Mark:
    error: bool = False
    lines: list[str] = field(default_factory=list)


@dataclass
class _Styles:
    """Cell format indexes for everything the writer draws itself."""

    text: int = 0
    text_nowrap: int = 0
    center: int = 0
    header: int = 0
    num: int = 0
    pct: int = 0
    int_: int = 0
    title: int = 0
    section: int = 0
    label: int = 0
    plain: int = 0
    link: int = 0
    err: int = 0
    warn: int = 0
    ok: int = 0
    tool_head: int = 0
    tool_num: int = 0
    tool_text: int = 0
    fill_red: int = 0
    fill_yellow: int = 0


# Severity.rank/label build a dict on every call; the writer asks per finding and per mark.
_RANKS = {s: s.rank for s in Severity}
_LABELS = {s: s.label for s in Severity}


def _severity_rank(f: Finding) -> int:
    return _RANKS[f.severity]


def _unique_name(wanted: str, taken: set[str]) -> str:
    lower = {t.lower() for t in taken}
    name, n = wanted, 2
    while name.lower() in lower:
        name = f"{wanted}({n})"
        n += 1
    taken.add(name)
    return name


_AREA = re.compile(r"((?:'(?:[^']|'')+'|[^'!,]+)!)\$?([A-Z]{1,3})\$?(\d*)(?::\$?([A-Z]{1,3})\$?(\d*))?")


@dataclass
class _Area:
    text: str  # as written, kept when the area does not change
    prefix: str  # 'Sheet'!
    first_col: str
    top: str  # row numbers as written; both "" for whole columns ($A:$J)
    bottom: str
    last: int  # last column, possibly widened
    rows: tuple[int, int]

    def covers(self, col: int) -> bool:
        return col_index(self.first_col) <= col <= self.last

    def render(self) -> str:
        rows = (f"${self.top}", f"${self.bottom}") if self.top else ("", "")
        return f"{self.prefix}${self.first_col}{rows[0]}:${col_letter(self.last)}{rows[1]}"


def widen_print_area(text: str, spans: list[tuple[int, int, int]],
                     hidden: frozenset[int] = frozenset()) -> tuple[str, list[int]]:
    """``text`` (a Print_Area formula: areas like 'Sheet'!$A$1:$J$26, comma-separated) with
    every area that ends one column left of a tool column (col, first row, last row), in rows
    it covers, widened to take the column in; also the tool columns that an area covering
    their rows still leaves out. Columns in ``hidden`` between an area and a tool column do
    not keep them apart. Anything but a plain list of A1 areas is returned as it is."""
    found = list(_AREA.finditer(text))
    if not found or ",".join(m.group(0) for m in found) != text:
        return text, []
    areas = []
    for m in found:
        prefix, c1, r1, c2, r2 = m.groups()
        rows = (int(r1), int(r2 or r1)) if r1 else (1, 1 << 20)
        areas.append(_Area(m.group(0), prefix, c1, r1, r2 or r1, col_index(c2 or c1), rows))
    widened = {id(a): a.last for a in areas}
    missed: list[int] = []
    for col, t1, t2 in sorted(spans):
        touching = [a for a in areas if t1 <= a.rows[1] and t2 >= a.rows[0]]
        for a in touching:
            if a.last < col and all(c in hidden for c in range(a.last + 1, col)):
                a.last = col
        if touching and not any(a.covers(col) for a in touching) and col not in missed:
            missed.append(col)
    return ",".join(a.text if a.last == widened[id(a)] else a.render() for a in areas), missed


class _Builder:
    def __init__(self, pkg: xp.Package, result: WorkbookResult, profile: Profile, input_path: str) -> None:
        self.pkg = pkg
        self.result = result
        self.model = result.model
        self.profile = profile
        self.input_name = _base(input_path)
        self.out: dict[str, bytes] = {}  # patched or new parts
        self.dropped: set[str] = set()
        self.notes: list[str] = []  # what of the input the output does not carry
        self.names: set[str] = set(pkg.parts)
        self.editors: dict[str, xp.SheetEditor] = {}
        self.idmaps: list[int] = []
        self._sheet_memo: dict[str, Optional[_SheetInfo]] = {}
        # part -> (column, first row, last row) of each 核定得分 column added to that sheet
        self.tool_spans: dict[str, list[tuple[int, int, int]]] = {}
        self.print_areas: dict[int, str] = {}  # original localSheetId -> widened Print_Area text

    # orchestration -------------------------------------------------------------------------

    def build(self) -> bytes:
        ct_name = self.pkg.find("[Content_Types].xml")
        if ct_name is None:
            raise xp.PartError("缺少 [Content_Types].xml")
        self.ct = xp.ContentTypes(self.pkg.parts[ct_name])
        self.ct_name = ct_name
        self.wb_part = self._workbook_part()
        self.wb_rels = self.pkg.rels(self.wb_part)
        self.sheets = self._sheets()
        self._drop_unsupported()
        self.styles = self._load_styles()
        self.st = self._define_styles()
        for s in self.sheets:
            # Renaming would break every formula and name that refers to the sheet: say it instead.
            if len(s.name) > 31 or re.search(r"[\[\]:*?/\\]", s.name):
                self.notes.append(f"工作表名「{xp.cell_string(s.name, limit=100)}」超过 31 个字符或含 [ ] : * ? / \\，"
                                  "Excel 可能无法打开；工具未改名，请在 WPS/Excel 中改短后再保存")
        taken = {s.name for s in self.sheets}
        self.summary_name = _unique_name(SUMMARY_SHEET, taken)
        self.detail_name = _unique_name(DETAIL_SHEET, taken)
        self._annotate_sheets()
        self._plan_print_areas()
        summary = self._summary().to_bytes(selected=True, footer="&C第 &P 页，共 &N 页",
                                           tab_color="FF2F75B5")
        detail_builder, detail_rows = self._detail()
        last_col = col_letter(18)
        detail = detail_builder.to_bytes(freeze_rows=1, autofilter=f"A1:{last_col}{max(detail_rows, 1)}",
                                         footer="&C第 &P 页，共 &N 页")
        self._add_sheets(summary, detail, detail_rows)
        self._tag_output()
        self.out[self.styles_part] = self.styles.to_bytes()
        if self.styles_new:
            self.ct.add_override(self.styles_part, xp.CT_STYLES)
        self.out[self.ct_name] = self.ct.to_bytes()
        return self._zip()

    def _zip(self) -> bytes:
        ordered: list[tuple[str, Any]] = [(self.ct_name, self.out[self.ct_name])]
        for name in self.pkg.parts:
            if name == self.ct_name or name in self.dropped:
                continue
            if name in self.out:
                ordered.append((name, self.out[name]))
            else:
                # Untouched parts travel as stored: byte for byte, and no time spent deflating.
                ordered.append((name, self.pkg.raw(name) or self.pkg.parts[name]))
        ordered.extend((n, d) for n, d in self.out.items() if n not in self.pkg.parts)
        for name, data in ordered:
            # Edited parts of the user's workbook are proven well-formed before anything is
            # written: they are spliced as text, and a broken part would make Excel offer to
            # "repair" the user's file. Parts that are new (the two sheets, a first comments
            # part or .rels, custom.xml) are built whole from escaped values by templates the
            # tests check, so re-parsing them protects nothing; VML is not strict XML.
            if name in self.out and name in self.pkg.parts and not name.endswith(".vml") \
                    and not xp.well_formed(data):
                raise xp.PartError(f"内部错误：生成的部件 {name} 不是合法 XML")
        return xp.zip_bytes(ordered)

    # reading the package -------------------------------------------------------------------

    def _workbook_part(self) -> str:
        for rel in self.pkg.rels(""):
            if rel.type.endswith("/officeDocument") and not rel.external:
                part = self.pkg.find(xp.resolve("", rel.target))
                if part:
                    return part
        part = self.pkg.find("xl/workbook.xml")
        if part is None:
            raise xp.PartError("找不到工作簿部件 workbook.xml")
        return part

    def _sheets(self) -> list[_SheetInfo]:
        # Parsed once: _names_to_drop reads the definedNames of the same elements.
        self.wb_elements = xp.xml_elements(self.pkg.parts[self.wb_part], text_of=frozenset({"definedName"}))
        targets = {r.id: xp.resolve(self.wb_part, r.target) for r in self.wb_rels if not r.external}
        out = []
        index = 0
        for el in self.wb_elements:
            if el.local != "sheet":
                continue
            rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
            part = self.pkg.find(targets.get(rid, "")) or ""
            out.append(_SheetInfo(el.get("name", ""), part, index))
            index += 1
        return out

    def _sheet_for(self, model_name: Optional[str]) -> Optional[_SheetInfo]:
        if not model_name:
            return None
        # Asked once per finding, detail row and link: remembered per name for this build.
        if model_name in self._sheet_memo:
            return self._sheet_memo[model_name]
        found = next((s for s in self.sheets if s.name == model_name), None) or \
            next((s for s in self.sheets if clean_text(s.name) == model_name), None)
        self._sheet_memo[model_name] = found
        return found

    # things a plain .xlsx cannot carry -------------------------------------------------------

    def _drop_unsupported(self) -> None:
        self.drop_rel_ids: set[str] = set()
        self.external_dropped = False
        self.macrosheets: set[int] = set()
        for rel in self.wb_rels:
            target = xp.resolve(self.wb_part, rel.target)
            if rel.type == xp.REL_VBA:
                self.drop_rel_ids.add(rel.id)
            elif rel.type == xp.REL_EXTERNAL_LINK:
                self.drop_rel_ids.add(rel.id)
                self.external_dropped = True
                part = self.pkg.find(target)
                where = self._external_target(part) if part else ""
                self.notes.append(f"外部链接{('（指向 ' + where + '）') if where else ''}：输出为普通 .xlsx，"
                                  "不带指向其他工作簿的链接，已移除")
        for name in list(self.pkg.parts):
            low = name.lower()
            base = posixpath.basename(low)
            if base.startswith("vbaproject") or base.startswith("vbadata"):
                self.dropped.add(name)
            elif low.startswith(posixpath.dirname(self.wb_part).lower() + "/externallinks/"):
                self.dropped.add(name)
                self.external_dropped = True
        if any(posixpath.basename(n.lower()) == "vbaproject.bin" for n in self.dropped):
            self.notes.append("宏（VBA 工程 vbaProject.bin）：输出为不含宏的 .xlsx，宏已移除")
        for s in self.sheets:
            if s.part and self.ct.type_of(s.part) in xp.CT_MACROSHEETS:
                self.macrosheets.add(s.index)
                self.dropped.add(s.part)
                rels = self.pkg.find(xp.rels_name(s.part))
                if rels:
                    self.dropped.add(rels)
                self.notes.append(f"宏表「{s.name}」（Excel 4.0 宏）：输出为不含宏的 .xlsx，已移除")
                for rel in self.wb_rels:
                    if xp.resolve(self.wb_part, rel.target) == s.part:
                        self.drop_rel_ids.add(rel.id)
        for name in sorted(self.dropped):
            self.ct.remove_override(name)
        if self.ct.defaults.get("bin", "").endswith("vbaProject"):
            self.ct.remove_default("bin")
            for name in self.pkg.parts:
                if name.lower().endswith(".bin") and name not in self.dropped and self.ct.type_of(name) is None:
                    ctype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"
                             if "printersettings" in name.lower() else "application/octet-stream")
                    self.ct.add_override(name, ctype)
        if self.ct.type_of(self.wb_part) in xp.CT_MACRO_WORKBOOKS:
            self.ct.set_override(self.wb_part, xp.CT_WORKBOOK)
        self.dangling = self._dangling_refs()
        self.names_dropped = self._names_to_drop()
        if self.names_dropped:
            self.notes.append(f"{self.names_dropped} 个引用其他工作簿或宏表的名称定义已移除")
        formulas_dropped = False
        if self.dangling is not None:
            for s in self.sheets:
                if not s.part or s.index in self.macrosheets or s.part not in self.pkg.parts:
                    continue
                editor = self._editor(s)
                count = editor.strip_formulas(self.dangling)
                if count:
                    formulas_dropped = True
                    what = "其他工作簿" if not self.macrosheets else \
                        "宏表" if not self.external_dropped else "其他工作簿或宏表"
                    self.notes.append(f"工作表「{s.name}」中 {count} 个引用{what}的公式已改为其原有数值")
        if formulas_dropped or self.macrosheets:
            self._drop_calc_chain()

    def _dangling_refs(self) -> Optional[re.Pattern[str]]:
        """What a formula or name refers to that the output does not carry: another workbook
        (``[1]Sheet1!A1``) once the links are dropped, a dropped macro sheet (``Macro1!$A$1``,
        ``'宏 表'!A1``; sheet names compare case-insensitively, as in Excel)."""
        alternatives = [r"\[\d+\]"] if self.external_dropped else []
        for s in self.sheets:
            if s.index in self.macrosheets:
                quoted = re.escape("'" + s.name.replace("'", "''") + "'!")
                alternatives.append(rf"{quoted}|(?<![\w.'\]]){re.escape(s.name)}!")
        return re.compile("|".join(alternatives), re.I) if alternatives else None

    def _drop_calc_chain(self) -> None:
        """calcChain lists every formula cell; once one is gone (or its sheet), Excel reports
        the stale entry as a removed record. It is only a cache: Excel rebuilds it."""
        for rel in self.wb_rels:
            if rel.type == xp.REL_CALC_CHAIN and not rel.external:
                self.drop_rel_ids.add(rel.id)
                part = self.pkg.find(xp.resolve(self.wb_part, rel.target))
                if part:
                    self.dropped.add(part)
                    self.ct.remove_override(part)

    def _names_to_drop(self) -> int:
        """Defined names that would dangle: into a dropped link ([1]…) or on a dropped sheet."""
        count = 0
        for el in self.wb_elements:
            if el.local != "definedName":
                continue
            local = el.attrib.get("localSheetId")
            if self.dangling is not None and self.dangling.search(el.text):
                count += 1
            elif local is not None and local.isdigit() and \
                    (int(local) in self.macrosheets or int(local) >= len(self.sheets)):
                count += 1
        return count

    def _external_target(self, part: str) -> str:
        """The linked file's name only: a full path may be a UNC share (\\\\host\\share), and
        even as plain text it does not belong in the output (hostile-input.md A8)."""
        for rel in self.pkg.rels(part):
            if rel.external:
                name = re.split(r"[\\/]", rel.target.rstrip("\\/"))[-1]
                return xp.cell_string(name, limit=100)
        return ""

    # styles ----------------------------------------------------------------------------------

    def _load_styles(self) -> xp.Styles:
        rel = next((r for r in self.wb_rels if r.type == xp.REL_STYLES and not r.external), None)
        part = self.pkg.find(xp.resolve(self.wb_part, rel.target)) if rel else None
        self.styles_new = part is None
        if part is None:
            folder = posixpath.dirname(self.wb_part)
            # openpyxl looks for the conventional name only, whatever the relationship says.
            part = folder + "/styles.xml" if self.pkg.find(folder + "/styles.xml") is None and \
                folder + "/styles.xml" not in self.names else xp.unused_part(self.names, folder + "/styles{n}.xml")
            self.names.add(part)
            self.new_wb_rels: list[tuple[str, str, str]] = [
                ("", xp.REL_STYLES, xp.relative(self.wb_part, part))]
            self.styles_part = part
            return xp.Styles(xp.MINIMAL_STYLES.encode("utf-8"))
        self.new_wb_rels = []
        self.styles_part = part
        return xp.Styles(self.pkg.parts[part])

    def _define_styles(self) -> _Styles:
        s = self.styles

        def font(size: int, bold: bool = False, color: str = "", underline: bool = False) -> int:
            b = "<b/>" if bold else ""
            u = "<u/>" if underline else ""
            c = f'<color rgb="{color}"/>' if color else ""
            return s.add("fonts", f'<font>{b}{u}<sz val="{size}"/>{c}<name val="{FONT}"/>'
                                  '<family val="3"/><charset val="134"/></font>')

        def fill(rgb: str) -> int:
            return s.add("fills", f'<fill><patternFill patternType="solid"><fgColor rgb="{rgb}"/>'
                                  '<bgColor indexed="64"/></patternFill></fill>')

        f_normal, f_bold = font(10), font(10, bold=True)
        f_title, f_section = font(14, bold=True), font(11, bold=True)
        f_link = font(10, color="FF0563C1", underline=True)
        fill_red, fill_yellow, fill_blue = fill(RED), fill(YELLOW), fill(BLUE)
        fill_grey, fill_green = fill(GREY), fill(GREEN)
        thin = s.add("borders", '<border><left style="thin"><color auto="1"/></left><right style="thin">'
                                '<color auto="1"/></right><top style="thin"><color auto="1"/></top>'
                                '<bottom style="thin"><color auto="1"/></bottom><diagonal/></border>')
        no_border = s.add("borders", "<border><left/><right/><top/><bottom/><diagonal/></border>")

        def xf(fnt: int, fll: int = 0, brd: int = -1, numfmt: int = 0, h: str = "left",
               wrap: bool = True) -> int:
            border = thin if brd < 0 else brd
            w = ' wrapText="1"' if wrap else ""
            return s.add("cellXfs",
                         f'<xf numFmtId="{numfmt}" fontId="{fnt}" fillId="{fll}" borderId="{border}" xfId="0" '
                         'applyNumberFormat="1" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">'
                         f'<alignment horizontal="{h}" vertical="center"{w}/></xf>')

        return _Styles(
            text=xf(f_normal), text_nowrap=xf(f_normal, wrap=False), center=xf(f_normal, h="center"),
            header=xf(f_bold, fill_grey, h="center"),
            num=xf(f_normal, numfmt=NUMFMT_2DP, h="right", wrap=False),
            pct=xf(f_normal, numfmt=NUMFMT_PCT, h="right", wrap=False),
            int_=xf(f_normal, numfmt=NUMFMT_INT, h="right", wrap=False),
            title=xf(f_title, brd=no_border, h="center", wrap=False),
            section=xf(f_section, brd=no_border, wrap=False),
            label=xf(f_bold, brd=no_border, wrap=False),
            plain=xf(f_normal, brd=no_border),
            link=xf(f_link),
            err=xf(f_normal, fill_red, h="center"), warn=xf(f_normal, fill_yellow, h="center"),
            ok=xf(f_bold, fill_green),
            tool_head=xf(f_bold, fill_blue, h="center"),
            tool_num=xf(f_normal, fill_blue, numfmt=NUMFMT_2DP, h="center", wrap=False),
            tool_text=xf(f_normal, fill_blue, h="center"),
            fill_red=fill_red, fill_yellow=fill_yellow,
        )

    # the original sheets -----------------------------------------------------------------------

    def _editor(self, sheet: _SheetInfo) -> xp.SheetEditor:
        if sheet.part not in self.editors:
            self.editors[sheet.part] = xp.SheetEditor(self.pkg.parts[sheet.part])
        return self.editors[sheet.part]

    def _annotate_sheets(self) -> None:
        """Tool column and marks in the original sheets, comments beside the marks."""
        assert self.model is not None
        marks: dict[str, dict[tuple[int, int], _Mark]] = {}
        tool: dict[str, dict[tuple[int, int], tuple[str, Any]]] = {}
        tool_cols: dict[str, set[int]] = {}
        for ps in self.result.scores:
            sheet = self._sheet_for(ps.project.sheet)
            if sheet is None or not sheet.part or sheet.part not in self.pkg.parts:
                continue
            editor = self._editor(sheet)
            cells, col = self._tool_column(ps, editor)
            tool.setdefault(sheet.part, {}).update(cells)
            if col < 0:
                self.notes.append(f"工作表「{sheet.name}」右侧没有可用的列（其余列均已隐藏或已用到最后一列 XFD），"
                                  "核定得分未加在该表上，只列在「评分明细」中")
            elif col:
                tool_cols.setdefault(sheet.part, set()).add(col)
        self._collect_marks(marks)
        touched = sorted(set(marks) | set(tool), key=lambda p: list(self.pkg.parts).index(p))
        for part in touched:
            sheet = next(s for s in self.sheets if s.part == part)
            editor = self._editor(sheet)
            edits: dict[tuple[int, int], xp.Edit] = {}
            for (r, c), (kind, value) in tool.get(part, {}).items():
                edits[(r, c)] = xp.Edit(new_cell=self._tool_cell(kind, value))
            for (r, c), mark in marks.get(part, {}).items():
                fill_id = self.st.fill_red if mark.error else self.st.fill_yellow
                edits[(r, c)] = xp.Edit(restyle=lambda s, f=fill_id: self.styles.clone_xf(s, fill_id=f))
            editor.apply(edits)
            for col in sorted(tool_cols.get(part, ())):
                editor.set_column_width(col, TOOL_COLUMN_WIDTH)
                rows = [r for r, c in tool.get(part, {}) if c == col]
                self.tool_spans.setdefault(part, []).append((col, min(rows), max(rows)))
            if edits:
                last_row = max(r for r, _ in edits)
                last_col = max(c for _, c in edits)
                editor.widen_dimension(last_row, last_col)
            if marks.get(part):
                self._comments(sheet, editor, marks[part])
        for part, editor in self.editors.items():
            editor.untab()
            data = editor.to_bytes()
            if data != self.pkg.parts[part]:
                self.out[part] = data
        # Every original sheet loses its tab selection: 汇总 is the one active sheet now.
        for s in self.sheets:
            if s.part in self.pkg.parts and s.part not in self.editors and s.part not in self.dropped:
                data = xp.untab(self.pkg.parts[s.part])
                if data != self.pkg.parts[s.part]:
                    self.out[s.part] = data

    def _plan_print_areas(self) -> None:
        """A sheet printed through a print area would print without its 核定得分 column: an
        area that ends just left of that column is widened to take it in; one that stops
        further left (the user left columns out on purpose) is kept, and the 汇总 says so."""
        by_index = {s.index: s for s in self.sheets if s.part in self.tool_spans}
        for el in self.wb_elements:
            if el.local != "definedName" or el.attrib.get("name", "").lower() != "_xlnm.print_area":
                continue
            local = el.attrib.get("localSheetId", "")
            sheet = by_index.get(int(local)) if local.isdigit() else None
            if sheet is None:
                continue
            spans = self.tool_spans[sheet.part]
            top = max(col for col, _, _ in spans)
            hidden = frozenset(c for lo, hi in self._editor(sheet).hidden_columns()
                               for c in range(lo, min(hi, top) + 1))
            text, missed = widen_print_area(el.text, spans, hidden)
            if text != el.text:
                self.print_areas[int(local)] = text
            for col in missed:
                self.notes.append(f"工作表「{sheet.name}」设置的打印区域不含 {col_letter(col)} 列（核定得分），"
                                  "打印前请在 WPS/Excel 中调整打印区域")

    def _tool_cell(self, kind: str, value: Any) -> Any:
        st = self.st

        def make(ref: str, prefix: str) -> str:
            p = prefix
            if kind == "num":
                v = xp.number_text(value)
                if v is not None:
                    return f'<{p}c r="{ref}" s="{st.tool_num}"><{p}v>{v}</{p}v></{p}c>'
                return f'<{p}c r="{ref}" s="{st.tool_num}"/>'
            style = st.tool_head if kind == "head" else st.tool_text
            text = xp.cell_string(value)
            return (f'<{p}c r="{ref}" s="{style}" t="inlineStr"><{p}is>{xp.t_element(text, p)}'
                    f"</{p}is></{p}c>")

        return make

    def _tool_column(self, ps: ProjectScore, editor: xp.SheetEditor
                     ) -> tuple[dict[tuple[int, int], tuple[str, Any]], int]:
        """Cells of the 核定得分 column for one project: header, funds row, indicators, total."""
        p = ps.project
        if p.kind == "department":
            return {}, 0  # a 部门整体 table is checked, not scored: there is no 核定 figure to show
        values: dict[int, tuple[str, Any]] = {}
        total_row = next((r for r in p.funds if r.kind == "total"), None)
        if total_row is not None and total_row.row and ps.funds.score is not None:
            values[total_row.row] = ("num", ps.funds.score)
        for r in ps.indicators:
            values[r.indicator.row] = ("num", r.counted) if r.applicable else ("text", "不适用")
        total_ref = p.total_score.ref if p.total_score is not None else p.total_label_cell
        if total_ref and ps.score is not None:
            values[parse_ref(total_ref)[0]] = ("num", ps.score)
        if not values:
            return {}, 0
        heads = []
        if p.funds_header_row:
            heads.append(p.funds_header_row)
        if p.indicator_header_row and p.indicator_header_row not in values:
            heads.append(p.indicator_header_row)
        first_row = min(list(values) + heads)
        last_row = max(list(values) + heads)
        col = editor.right_edge(first_row, last_row) + 1
        # A hidden column there would hide the tool's scores: the next visible one is used (the
        # user's hidden columns stay hidden, whatever they hold elsewhere).
        for lo, hi in sorted(editor.hidden_columns()):
            if lo <= col <= hi:
                col = hi + 1
        if col > MAX_COLUMN:
            # Hidden through XFD ("hide all unused columns") or content in the last column:
            # no column left to show the scores in, and one past XFD would not open at all.
            return {}, -1
        out: dict[tuple[int, int], tuple[str, Any]] = {}
        # Right of every value and merge in these rows: the column is free by construction.
        for row in heads:
            out[(row, col)] = ("head", TOOL_HEADER)
        for row, v in values.items():
            out[(row, col)] = v
        return out, col

    def _collect_marks(self, marks: dict[str, dict[tuple[int, int], _Mark]]) -> None:
        by_cell: dict[tuple[str, tuple[int, int]], list[Finding]] = {}
        # Findings name few sheets: whether each can carry marks is settled once.
        markable: dict[Optional[str], Optional[_SheetInfo]] = {}
        for f in self.result.findings:
            if f.sheet in markable:
                sheet = markable[f.sheet]
            else:
                sheet = self._sheet_for(f.sheet)
                if sheet is None or not sheet.part or sheet.part not in self.pkg.parts or \
                        self.ct.type_of(sheet.part) != xp.CT_WORKSHEET:
                    sheet = None
                markable[f.sheet] = sheet
            if sheet is None or not f.cell:
                continue
            try:
                row, col = parse_ref(f.cell.split(":")[0])
            except ValueError:
                continue
            key = (sheet.part, self._editor(sheet).anchor(row, col))
            by_cell.setdefault(key, []).append(f)
        diffs: dict[tuple[str, tuple[int, int]], str] = {}
        for ps in self.result.scores:
            sheet = self._sheet_for(ps.project.sheet)
            if sheet is None or not sheet.part or sheet.part not in self.pkg.parts:
                continue
            editor = self._editor(sheet)
            checks: list[tuple[Optional[str], Optional[float], Optional[float]]] = [
                (r.indicator.score.ref, r.score_entered, r.counted) for r in ps.indicators
                if r.applicable and r.indicator.score is not None and ps.project.kind != "department"]
            checks.append((ps.funds.score_cell, ps.funds.score_entered, ps.funds.score))
            if ps.project.total_score is not None:
                checks.append((ps.project.total_score.ref, ps.score_entered, ps.score))
            for ref, entered, computed in checks:
                if ref and entered is not None and computed is not None and \
                        abs(entered - computed) > SCORE_TOLERANCE:
                    row, col = parse_ref(ref)
                    key = (sheet.part, editor.anchor(row, col))
                    diffs[key] = f"自评 {fmt(entered)}，核定 {fmt(computed)}"
        keys = set(diffs)
        keys.update(k for k, fs in by_cell.items() if any(f.severity is not Severity.INFO for f in fs))
        for key in sorted(keys):
            findings = sorted(by_cell.get(key, ()), key=_severity_rank)
            mark = _Mark(error=any(f.severity is Severity.ERROR for f in findings))
            mark.lines = [f"【{_LABELS[f.severity]}】{f.message}" for f in findings]
            if key in diffs:
                mark.lines.append(diffs[key])
            marks.setdefault(key[0], {})[key[1]] = mark

    def _comments(self, sheet: _SheetInfo, editor: xp.SheetEditor, marks: dict[tuple[int, int], _Mark]) -> None:
        """Comments part + VML drawing + sheet rels, merged into any the sheet already has."""
        rels_part = self.pkg.find(xp.rels_name(sheet.part))
        rels = self.pkg.rels(sheet.part)
        rel_ids = {r.id for r in rels}
        comments_part = next((self.pkg.find(xp.resolve(sheet.part, r.target)) for r in rels
                              if r.type == xp.REL_COMMENTS and not r.external), None)
        vml_rid = editor.legacy_drawing_rid()
        vml_part = next((self.pkg.find(xp.resolve(sheet.part, r.target)) for r in rels
                         if r.id == vml_rid and not r.external), None) if vml_rid else None
        existing_refs: set[str] = set()
        author_id = 0
        prefix = ""
        if comments_part:
            text, codec = xp.decode_part(self.pkg.parts[comments_part])
            prefix = xp.root_prefix(text, "comments")
            existing_refs = set(re.findall(r'<(?:[\w.-]+:)?comment\b[^>]*\bref="([^"]+)"', text))
            author_id = len(re.findall(r"<(?:[\w.-]+:)?author\b", text))
        new_comments: list[str] = []
        shapes: list[str] = []
        idmap = self._next_idmap() if vml_part is None else 0
        # Shape ids live in the 1024-wide block the drawing's idmap reserves.
        next_shape = (xp.vml_max_shape(self.pkg.parts[vml_part]) if vml_part else idmap * 1024) + 1
        for (row, col), mark in sorted(marks.items()):
            ref = f"{col_letter(col)}{row}"
            if ref in existing_refs:
                self.notes.append(f"工作表「{sheet.name}」{ref} 已有批注，工具的说明未加批注（见下方问题清单）")
                continue
            text = "\n".join(mark.lines)
            new_comments.append(xp.comment_xml(ref, author_id, text, prefix))
            shapes.append(xp.vml_shape(next_shape, row, col, xp.wrapped_lines(text, 36)))
            next_shape += 1
        if not new_comments:
            return
        new_rels: list[tuple[str, str, str]] = []
        if comments_part:
            text, codec = xp.decode_part(self.pkg.parts[comments_part])
            p = prefix
            text = xp.insert_into(text, p + "authors", f"<{p}author>{AUTHOR}</{p}author>") or text
            out = xp.insert_into(text, p + "commentList", "".join(new_comments))
            if out is None:
                raise xp.PartError("批注部件结构异常")
            self.out[comments_part] = xp.encode_part(out, codec)
        else:
            folder = posixpath.dirname(self.wb_part)
            comments_part = xp.unused_part(self.names, folder + "/comments{n}.xml")
            self.out[comments_part] = xp.comments_part(AUTHOR, new_comments)
            self.ct.add_override(comments_part, xp.CT_COMMENTS)
            new_rels.append((xp.new_rel_id(rel_ids), xp.REL_COMMENTS, xp.relative(sheet.part, comments_part)))
        if vml_part:
            self.out[vml_part] = xp.vml_append(self.pkg.parts[vml_part], shapes)
        else:
            folder = posixpath.dirname(self.wb_part)
            vml_part = xp.unused_part(self.names, folder + "/drawings/vmlDrawing{n}.vml")
            self.out[vml_part] = xp.vml_part(idmap, shapes)
            if self.ct.type_of(vml_part) is None:
                self.ct.ensure_default("vml", xp.CT_VML)
            rid = xp.new_rel_id(rel_ids)
            new_rels.append((rid, xp.REL_VML, xp.relative(sheet.part, vml_part)))
            editor.add_legacy_drawing(rid)
        if new_rels:
            if rels_part:
                text, codec = xp.decode_part(self.pkg.parts[rels_part])
                self.out[rels_part] = xp.encode_part(xp.add_rels(text, new_rels), codec)
            else:
                self.out[xp.rels_name(sheet.part)] = xp.rels_xml(new_rels).encode("utf-8")

    def _next_idmap(self) -> int:
        used = self.idmaps
        if not used:
            for name in self.pkg.parts:
                if name.lower().endswith(".vml"):
                    used.extend(xp.vml_idmaps(self.pkg.parts[name]))
            used.append(0)
        n = max(used) + 1
        used.append(n)
        return n

    # 汇总 ------------------------------------------------------------------------------------

    def _link_to(self, model_sheet: Optional[str], cell: Optional[str]) -> Optional[str]:
        sheet = self._sheet_for(model_sheet)
        if sheet is None or sheet.index in self.macrosheets:
            return None
        return f"{quote_sheet(sheet.name)}!{(cell or 'A1').split(':')[0]}"

    def _summary(self) -> xp.SheetBuilder:
        assert self.model is not None
        st, sb, res = self.st, xp.SheetBuilder(), self.result
        widths = [6, 14, 26, 12, 12, 10, 10, 10, 13, 13, 9, 8, 7, 7]
        for i, w in enumerate(widths, 1):
            sb.widths[i] = w
        last = len(widths)
        unit = self.model.unit
        projects = [ps.project for ps in res.scores]
        unit_name = (unit.unit_name if unit and unit.unit_name else "") or \
            next((p.department for p in projects if p.department), "")
        year = (unit.year if unit and unit.year else None) or next((p.year for p in projects if p.year), None)

        sb.text(1, 1, "项目支出绩效自评 评分汇总", st.title)
        sb.merge(1, 1, 1, last)
        sb.height(1, 24)
        info = [("单位", unit_name or "（未写明）"), ("年度", f"{year} 年" if year else "（未写明）"),
                ("评分规则", f"{self.profile.name}（{self.profile.title}）"),
                ("源文件", self.input_name), ("源文件 SHA-256", res.sha256 or "—")]
        row = 2
        for label, value in info:
            sb.text(row, 1, label, st.label)
            sb.merge(row, 1, row, 2)
            sb.text(row, 3, value, st.plain)
            sb.merge(row, 3, row, last)
            row += 1

        row += 1
        sb.text(row, 1, "一、项目得分（金额单位：万元；总分（核定）为工具按评分规则核定的分数）", st.section)
        row += 1
        heads = ["序号", "工作表", "项目名称", "全年预算数", "全年执行数", "执行率", "资金得分",
                 "指标得分", "总分（核定）", "总分（自评）", "差异", "等级", "错误", "警告"]
        for c, h in enumerate(heads, 1):
            sb.text(row, c, h, st.header)
        sb.height(row, 30)
        row += 1
        name_lines, sheet_lines = xp.line_counter(widths[2]), xp.line_counter(widths[1])
        number, s_num = xp.number_tail, st.num
        for n, ps in enumerate(res.scores, 1):
            p, f = ps.project, ps.funds
            target = self._link_to(p.sheet, "A1")
            if target:
                sb.link(row, 2, target, f"转到工作表 {p.sheet}")
            ind_score = round2(sum(r.counted for r in ps.indicators)) \
                if ps.indicators and p.kind != "department" else None  # department rows: 自评 only
            diff = round2(ps.score - ps.score_entered) if ps.score is not None and ps.score_entered is not None else None
            in_sheet = [x for x in res.findings if x.sheet == p.sheet]
            sb.put_row(row, [
                number(n, st.int_), xp.text_tail(p.sheet, st.link), xp.text_tail(p.name or "（未写明）", st.text),
                number(f.budget, s_num), number(f.executed, s_num), number(f.rate, st.pct),
                number(f.score, s_num), number(ind_score, s_num), number(ps.score, s_num),
                number(ps.score_entered, s_num), number(diff, s_num),
                xp.text_tail(ps.grade or ("未评分" if p.kind == "department" else "—"), st.center),
                number(sum(1 for x in in_sheet if x.severity is Severity.ERROR), st.int_),
                number(sum(1 for x in in_sheet if x.severity is Severity.WARNING), st.int_),
            ])
            sb.height(row, 13.5 * max(name_lines(p.name or ""), sheet_lines(p.sheet)) + 4)
            row += 1
        # Plain values, no formulas: a viewer that never recalculates shows the same figures,
        # and the tool-written parts hold no <f> at all (hostile-input.md B).
        sb.text(row, 1, "合计", st.header)
        sb.merge(row, 1, row, 3, st.header)
        budgets = [ps.funds.budget for ps in res.scores if ps.funds.budget is not None]
        spent = [ps.funds.executed for ps in res.scores if ps.funds.executed is not None]
        total_budget = round(sum(budgets), 6) if budgets else None
        total_spent = round(sum(spent), 6) if spent else None
        sb.number(row, 4, total_budget, st.num)
        sb.number(row, 5, total_spent, st.num)
        if total_budget and total_spent is not None:
            sb.number(row, 6, total_spent / total_budget, st.pct)
        else:
            sb.text(row, 6, "—", st.center)
        project_sheets = {ps.project.sheet for ps in res.scores}
        sb.number(row, 13, sum(1 for x in res.findings if x.severity is Severity.ERROR
                               and x.sheet in project_sheets), st.int_)
        sb.number(row, 14, sum(1 for x in res.findings if x.severity is Severity.WARNING
                               and x.sheet in project_sheets), st.int_)
        for c in range(7, 13):
            sb.blank(row, c, st.text)
        row += 1
        sb.text(row, 1, "单位汇总表核对", st.header)
        sb.merge(row, 1, row, 3, st.header)
        unit_findings = [x for x in res.findings if x.code.startswith("unit.")]
        if unit is None:
            check = "未找到单位项目清单（汇总）表，未核对"
        elif not unit_findings:
            check = f"工作表「{unit.sheet}」与各项目表一致"
        else:
            check = f"工作表「{unit.sheet}」有 {len(unit_findings)} 处不一致：" + "；".join(x.message for x in unit_findings)
        sb.text(row, 4, check, st.text)
        sb.merge(row, 4, row, last, st.text)
        sb.height(row, 13.5 * xp.wrapped_lines(check, sum(widths[3:])) + 4)
        row += 2

        errors = sum(1 for x in res.findings if x.severity is Severity.ERROR)
        warnings = sum(1 for x in res.findings if x.severity is Severity.WARNING)
        infos = len(res.findings) - errors - warnings
        sb.text(row, 1, f"二、问题清单（错误 {errors}，警告 {warnings}，提示 {infos}）", st.section)
        row += 1
        if not res.findings:
            sb.text(row, 1, "未发现问题", st.ok)
            sb.merge(row, 1, row, last, st.ok)
            row += 1
        else:
            row = self._finding_rows(sb, row, widths)
        row += 1
        sb.text(row, 1, "三、未带入输出的内容", st.section)
        row += 1
        for note in self.notes or ["无：原工作簿的全部内容均已保留"]:
            sb.text(row, 1, note, st.plain)
            sb.merge(row, 1, row, last)
            sb.height(row, 13.5 * xp.wrapped_lines(note, sum(widths)) + 4)
            row += 1
        row += 1
        sb.text(row, 1, "四、说明", st.section)
        row += 1
        legend = [
            f"本工作簿由 perf_xlsx {_version()} 生成：原有工作表的内容、公式和格式均未改动，只作如下标注——",
            f"1. 各项目表的表格右侧新增“{TOOL_HEADER}”列（浅蓝色），为工具按所选评分规则核定的资金得分、各指标得分和总分；",
            "2. 有错误的单元格标为红色；有警告的，以及自评数与核定数不一致但本身未判为错误的（如总分随指标得分变动），"
            "标为黄色；原因写在单元格批注中；",
            f"3. “{DETAIL_SHEET}”工作表列出每个指标的计分过程；问题清单中的单元格可点击跳转。",
        ]
        for line in legend:
            sb.text(row, 1, line, st.plain)
            sb.merge(row, 1, row, last)
            sb.height(row, 13.5 * xp.wrapped_lines(line, sum(widths)) + 4)
            row += 1
        self.summary_title_rows = "$1:$1"
        return sb

    def _finding_rows(self, sb: xp.SheetBuilder, row: int, widths: list[int]) -> int:
        st = self.st
        # 序号 级别 工作表 单元格 | 说明 E:J | 应为 K:L | 实为 M:N
        for c, h in ((1, "序号"), (2, "级别"), (3, "工作表"), (4, "单元格"), (5, "说明"), (11, "应为"), (13, "实为")):
            sb.text(row, c, h, st.header)
        sb.merge(row, 5, row, 10, st.header)
        sb.merge(row, 11, row, 12, st.header)
        sb.merge(row, 13, row, 14, st.header)
        row += 1
        ordered = sorted(self.result.findings, key=_severity_rank)
        text_lines = xp.line_counter(sum(widths[4:10]))
        sheet_lines = xp.line_counter(widths[2])
        text, number = xp.text_tail, xp.number_tail
        # Members of the merged areas: borders are drawn from every member cell.
        fill = xp.blank_tail(st.text)
        levels = {Severity.ERROR: st.err, Severity.WARNING: st.warn}
        for n, f in enumerate(ordered, 1):
            target = self._link_to(f.sheet, f.cell) if f.sheet else None
            if f.cell:
                cell = text(f.cell, st.link if target else st.center)
                if target:
                    sb.link(row, 4, target, f"转到 {f.sheet}!{f.cell}")
            else:
                cell = xp.blank_tail(st.center)
            sb.put_row(row, [
                number(n, st.int_), text(_LABELS[f.severity], levels.get(f.severity, st.center)),
                text(f.sheet or "（整个文件）", st.text), cell,
                text(f.message, st.text), fill, fill, fill, fill, fill,
                self._value(f.expected), fill, self._value(f.found), fill,
            ])
            sb.merges += (f"E{row}:J{row}", f"K{row}:L{row}", f"M{row}:N{row}")
            lines = max(text_lines(f.message), sheet_lines(str(f.sheet or "")))
            sb.height(row, 13.5 * lines + 4)
            row += 1
        return row

    def _value(self, value: Any) -> str:
        st = self.st
        if isinstance(value, bool):
            return xp.text_tail("是" if value else "否", st.center)
        if isinstance(value, int):
            return xp.number_tail(value, st.int_)
        if isinstance(value, float):
            return xp.number_tail(value, st.num)
        if value is None:
            return xp.blank_tail(st.text)
        return xp.text_tail(value, st.text)

    # 评分明细 ------------------------------------------------------------------------------

    def _detail(self) -> tuple[xp.SheetBuilder, int]:
        st, sb = self.st, xp.SheetBuilder()
        heads = [("工作表", 10), ("项目名称", 16), ("一级指标", 10), ("二级指标", 12), ("三级指标", 20),
                 ("年度指标值", 12), ("实际完成值", 12), ("指标值", 9), ("实际值", 9), ("单位", 6),
                 ("类型", 6), ("完成比例", 9), ("分值", 7), ("自评得分", 8), ("核定得分", 8), ("差异", 7),
                 ("计分说明", 36), ("位置", 7)]
        for c, (h, w) in enumerate(heads, 1):
            sb.text(1, c, h, st.header)
            sb.widths[c] = w
        sb.height(1, 30)
        how_lines = xp.line_counter(heads[16][1])
        name_lines = xp.line_counter(heads[4][1])
        target_lines = xp.line_counter(heads[5][1])
        actual_lines = xp.line_counter(heads[6][1])
        text, number = xp.text_tail, xp.number_tail
        s_text, s_num, s_center = st.text, st.num, st.center
        blank = xp.blank_tail(s_text)
        # The same on every funds row: rendered once.
        funds_label, funds_item = text("项目资金", s_text), text("预算执行率", s_text)
        funds_unit, funds_kind = text("万元", s_center), text("执行率", s_center)
        row = 2
        for ps in self.result.scores:
            p, f = ps.project, ps.funds
            total = next((r for r in p.funds if r.kind == "total"), None)
            # Repeated on every row: one clipped line keeps the rows short (the filter still works).
            sheet = text(p.sheet, st.text_nowrap)
            name = text(p.name, st.text_nowrap)
            ref = f.score_cell or (total.label_cell if total else "") or p.name_cell
            sb.put_row(row, [
                sheet, name, funds_label, blank, funds_item, blank, blank, number(f.budget, s_num),
                number(f.executed, s_num), funds_unit, funds_kind,
                number(f.rate, st.pct), number(f.weight, s_num), number(f.score_entered, s_num),
                number(f.score, s_num), self._diff(f.score, f.score_entered), text(f.how, s_text),
                self._position(sb, row, p.sheet, ref),
            ])
            sb.height(row, 13.5 * how_lines(f.how) + 4)
            row += 1
            for r in ps.indicators:
                ind = r.indicator
                counted = r.counted if r.applicable and p.kind != "department" else None
                ref = ind.score.ref if ind.score is not None else (ind.name_cell or f"A{ind.row}")
                target, actual = r.target, r.actual
                sb.put_row(row, [
                    sheet, name, text(ind.level1, s_text), text(ind.level2, s_text), text(ind.name, s_text),
                    text(target.raw, s_text), text(actual.raw, s_text), number(target.value, s_num),
                    number(actual.value, s_num), text(target.unit or actual.unit or "", s_center),
                    text(r.kind.label, s_center), number(r.ratio, st.pct), number(r.weight, s_num),
                    number(r.score_entered, s_num), number(counted, s_num), self._diff(counted, r.score_entered),
                    text(r.how, s_text), self._position(sb, row, p.sheet, ref),
                ])
                lines = max(how_lines(r.how), name_lines(ind.name), target_lines(target.raw),
                            actual_lines(actual.raw))
                sb.height(row, 13.5 * lines + 4)
                row += 1
        self.detail_title_rows = "$1:$1"
        return sb, row - 1

    def _diff(self, computed: Optional[float], entered: Optional[float]) -> str:
        if computed is None or entered is None:
            return xp.blank_tail(self.st.num)
        return xp.number_tail(round2(computed - entered), self.st.num)

    def _position(self, sb: xp.SheetBuilder, row: int, sheet: str, ref: str) -> str:
        target = self._link_to(sheet, ref) if ref else None
        if target:
            sb.link(row, 18, target, f"转到 {sheet}!{ref}")
            return xp.text_tail(ref, self.st.link)
        return xp.text_tail(ref, self.st.center)

    # workbook.xml, rels, content types -------------------------------------------------------

    def _add_sheets(self, summary: bytes, detail: bytes, detail_rows: int) -> None:
        folder = posixpath.dirname(self.wb_part)
        summary_part = xp.unused_part(self.names, folder + "/worksheets/sheet{n}.xml")
        detail_part = xp.unused_part(self.names, folder + "/worksheets/sheet{n}.xml")
        self.out[summary_part] = summary
        self.out[detail_part] = detail
        self.ct.add_override(summary_part, xp.CT_WORKSHEET)
        self.ct.add_override(detail_part, xp.CT_WORKSHEET)

        rel_ids = {r.id for r in self.wb_rels}
        rid_summary, rid_detail = xp.new_rel_id(rel_ids), xp.new_rel_id(rel_ids)
        new_rels = [(rid_summary, xp.REL_WORKSHEET, xp.relative(self.wb_part, summary_part)),
                    (rid_detail, xp.REL_WORKSHEET, xp.relative(self.wb_part, detail_part))]
        for _, rtype, target in self.new_wb_rels:
            new_rels.append((xp.new_rel_id(rel_ids), rtype, target))
        rels_part = self.pkg.find(xp.rels_name(self.wb_part))
        if rels_part:
            text, codec = xp.decode_part(self.pkg.parts[rels_part])
            text = xp.remove_rels(text, self.drop_rel_ids)
            self.out[rels_part] = xp.encode_part(xp.add_rels(text, new_rels), codec)
        else:
            self.out[xp.rels_name(self.wb_part)] = xp.rels_xml(new_rels).encode("utf-8")
        self.out[self.wb_part] = self._patch_workbook(rid_summary, rid_detail, detail_rows)

    def _patch_workbook(self, rid_summary: str, rid_detail: str, detail_rows: int) -> bytes:
        text, codec = xp.decode_part(self.pkg.parts[self.wb_part])
        wp = xp.root_prefix(text, "workbook")
        sheets_m = xp.find_element(text, wp + "sheets")
        if sheets_m is None:
            raise xp.PartError("workbook.xml 缺少工作表列表")
        sheet_pat = re.compile(rf"<{re.escape(wp)}sheet\b{xp.OPEN_TAG}(?:/>|>.*?</{re.escape(wp)}sheet\s*>)", re.S)
        body = sheets_m.body or ""
        tags = list(sheet_pat.finditer(body))
        ids = [int(v) for m in tags for k, v in xp.attrs_of(m.group(0)).items() if k == "sheetId" and v.isdigit()]
        next_id = max(ids, default=0) + 1
        # The kept <sheet> elements may each declare the prefix themselves (openpyxl with lxml
        # does): only a root-wide binding can be reused, else the new elements declare it too.
        r, declare = xp.ns_prefix(text, xp.NS_R, "r")

        def sheet_el(name: str, sheet_id: int, rid: str) -> str:
            return f'<{wp}sheet name="{xp.xml_attr(name)}" sheetId="{sheet_id}"{declare} {r}:id="{rid}"/>'

        kept = "".join(m.group(0) for i, m in enumerate(tags) if i not in self.macrosheets)
        new_body = sheet_el(self.summary_name, next_id, rid_summary) + \
            sheet_el(self.detail_name, next_id + 1, rid_detail) + kept
        opening = sheets_m.group(0)[: sheets_m.group(0).index(">") + 1]
        if sheets_m.body is None:
            opening = opening[:-2].rstrip() + ">"
        text = text[: sheets_m.start()] + opening + new_body + f"</{wp}sheets>" + text[sheets_m.end():]

        # Sheet-scoped names follow their sheet: two sheets were put in front of it.
        index_map: dict[int, int] = {}
        new_index = 2
        for i in range(len(tags)):
            if i in self.macrosheets:
                continue
            index_map[i] = new_index
            new_index += 1
        dn_pat = re.compile(rf"<{re.escape(wp)}definedName\b({xp.OPEN_TAG})(?:/>|>(.*?)</{re.escape(wp)}definedName\s*>)",
                            re.S)

        def fix_name(m: re.Match[str]) -> str:
            a = xp.attrs_of(m.group(1))
            if self.dangling is not None and self.dangling.search(xp.xml_unescape(m.group(2) or "")):
                return ""
            local = a.get("localSheetId")
            if local is None or not local.isdigit():
                return m.group(0)
            if int(local) not in index_map:
                return ""
            whole = m.group(0)
            end = xp.tag_end(whole)
            body = whole[end:]
            if a.get("name", "").lower() == "_xlnm.print_area" and int(local) in self.print_areas \
                    and m.group(2) is not None:
                body = xp.xml_text(self.print_areas[int(local)]) + f"</{wp}definedName>"
            return xp.set_attr(whole[:end], "localSheetId", str(index_map[int(local)])) + body

        text = dn_pat.sub(fix_name, text)  # the same names _names_to_drop counted for 汇总
        ours = (f'<{wp}definedName name="_xlnm._FilterDatabase" localSheetId="1" hidden="1">'
                f"{xp.xml_text(quote_sheet(self.detail_name))}!$A$1:$R${max(detail_rows, 1)}</{wp}definedName>"
                f'<{wp}definedName name="_xlnm.Print_Titles" localSheetId="0">'
                f"{xp.xml_text(quote_sheet(self.summary_name))}!{self.summary_title_rows}</{wp}definedName>"
                f'<{wp}definedName name="_xlnm.Print_Titles" localSheetId="1">'
                f"{xp.xml_text(quote_sheet(self.detail_name))}!{self.detail_title_rows}</{wp}definedName>")
        if self.external_dropped:
            ext = xp.find_element(text, wp + "externalReferences")
            if ext is not None:
                text = text[: ext.start()] + text[ext.end():]
        out = xp.insert_into(text, wp + "definedNames", ours, at_start=True)
        if out is None:
            at = text.index(f"</{wp}sheets>") + len(f"</{wp}sheets>")
            fg = re.match(rf"\s*<{re.escape(wp)}functionGroups\b{xp.OPEN_TAG}(?:/>|>.*?</{re.escape(wp)}functionGroups\s*>)",
                          text[at:], re.S)
            if fg:
                at += fg.end()
            out = text[:at] + f"<{wp}definedNames>{ours}</{wp}definedNames>" + text[at:]
        text = out
        view_pat = re.compile(rf"<{re.escape(wp)}workbookView\b{xp.OPEN_TAG}/?>", re.S)

        def fix_view(m: re.Match[str]) -> str:
            tag = xp.set_attr(m.group(0), "activeTab", "0")
            return xp.set_attr(tag, "firstSheet", "0") if "firstSheet" in xp.attrs_of(tag) else tag

        text = view_pat.sub(fix_view, text)
        return xp.encode_part(text, codec)

    def _tag_output(self) -> None:
        """The perf_xlsx_output property, so a batch run never scores its own outputs."""
        root_rels = self.pkg.find("_rels/.rels")
        rels = self.pkg.rels("") if root_rels else []
        custom = next((self.pkg.find(xp.resolve("", r.target)) for r in rels
                       if r.type == xp.REL_CUSTOM_PROPS and not r.external), None)
        version = _version()
        if custom:
            self.out[custom] = xp.custom_props_set(self.pkg.parts[custom], OUTPUT_PROPERTY, version)
            if self.ct.type_of(custom) is None:
                self.ct.add_override(custom, xp.CT_CUSTOM)
            return
        part = "docProps/custom.xml" if self.pkg.find("docProps/custom.xml") is None else \
            xp.unused_part(self.names, "docProps/custom{n}.xml")
        self.names.add(part)
        self.out[part] = xp.custom_props_new(OUTPUT_PROPERTY, version)
        self.ct.add_override(part, xp.CT_CUSTOM)
        new = [(xp.new_rel_id({r.id for r in rels}), xp.REL_CUSTOM_PROPS, part)]
        if root_rels:
            text, codec = xp.decode_part(self.pkg.parts[root_rels])
            self.out[root_rels] = xp.encode_part(xp.add_rels(text, new), codec)
        else:
            self.out["_rels/.rels"] = xp.rels_xml(new).encode("utf-8")


def _version() -> str:
    return __version__
