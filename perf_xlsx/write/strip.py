"""Dropping what a plain .xlsx cannot carry: the VBA project, links to other workbooks, Excel
4.0 macro sheets, and then the defined names and formulas that would dangle and the calcChain
that lists them. Each drop is named in 汇总's notes.

A scored copy sent back is scored afresh: what the tool added to it last time (its 汇总 and
评分明细 sheets, the 核定得分 columns and result lines, as the reader recognised them) goes
the same way, so the new copy holds this scoring's additions only, as a first scoring's does."""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple, Optional

from perf_xlsx.ooxml.names import (
    CT_MACRO_WORKBOOKS,
    CT_MACROSHEETS,
    CT_WORKBOOK,
    REL_CALC_CHAIN,
    REL_EXTERNAL_LINK,
    REL_VBA,
)
from perf_xlsx.ooxml.rels import rels_name, resolve
from perf_xlsx.ooxml.text import cell_string
from perf_xlsx.write.context import TOOL_HEADER, Build


class Stripped(NamedTuple):
    """What the copy leaves out, as the later steps need it."""

    drop_rel_ids: frozenset[str]  # workbook relationships to remove
    external_dropped: bool  # links to other workbooks went (their externalReferences too)
    macrosheets: frozenset[int]  # original sheet indexes of the dropped macro sheets
    # What a formula or name refers to that the copy does not carry; None when nothing went.
    dangling: Optional[re.Pattern[str]]
    # Original sheet indexes of the sheets a previous scoring added (汇总, 评分明细).
    tool_sheets: frozenset[int] = frozenset()

    @property
    def sheets_dropped(self) -> frozenset[int]:
        """Original indexes of every sheet the copy leaves out."""
        return self.macrosheets | self.tool_sheets


def strip_unsupported(b: Build) -> Stripped:
    """Drop the parts, content types and formulas that cannot travel; note each in ``b``."""
    drop_rel_ids: set[str] = set()
    external_dropped = False
    macrosheets: set[int] = set()
    for rel in b.wb_rels:
        target = resolve(b.wb_part, rel.target)
        if rel.type == REL_VBA:
            drop_rel_ids.add(rel.id)
        elif rel.type == REL_EXTERNAL_LINK:
            drop_rel_ids.add(rel.id)
            external_dropped = True
            part = b.pkg.find(target)
            where = _external_target(b, part) if part else ""
            b.notes.append(f"外部链接{('（指向 ' + where + '）') if where else ''}：输出为普通 .xlsx，"
                           "不带指向其他工作簿的链接，已移除")
    for name in list(b.pkg.parts):
        low = name.lower()
        base = posixpath.basename(low)
        if base.startswith("vbaproject") or base.startswith("vbadata"):
            b.dropped.add(name)
        elif low.startswith(posixpath.dirname(b.wb_part).lower() + "/externallinks/"):
            b.dropped.add(name)
            external_dropped = True
    if any(posixpath.basename(n.lower()) == "vbaproject.bin" for n in b.dropped):
        b.notes.append("宏（VBA 工程 vbaProject.bin）：输出为不含宏的 .xlsx，宏已移除")
    for s in b.sheets:
        if s.part and b.ct.type_of(s.part) in CT_MACROSHEETS:
            macrosheets.add(s.index)
            b.dropped.add(s.part)
            rels = b.pkg.find(rels_name(s.part))
            if rels:
                b.dropped.add(rels)
            b.notes.append(f"宏表「{s.name}」（Excel 4.0 宏）：输出为不含宏的 .xlsx，已移除")
            for rel in b.wb_rels:
                if resolve(b.wb_part, rel.target) == s.part:
                    drop_rel_ids.add(rel.id)
    tool_sheets = _drop_tool_sheets(b, drop_rel_ids, macrosheets)
    gone = macrosheets | tool_sheets
    _fix_content_types(b)
    dangling = _dangling_refs(b, external_dropped, gone)
    # The names scoped to the previous scoring's sheets (their print titles and filters) go
    # with them unremarked; a name elsewhere pointing into them counts as a dangling one.
    names_dropped = _names_to_drop(b, dangling, macrosheets, tool_sheets)
    if names_dropped:
        b.notes.append(f"{names_dropped} 个引用{_what_went(external_dropped, macrosheets, tool_sheets)}的名称定义已移除")
    formulas_dropped = False
    if dangling is not None:
        for s in b.sheets:
            if not s.part or s.index in gone or s.part not in b.pkg.parts:
                continue
            count = b.editor(s).strip_formulas(dangling)
            if count:
                formulas_dropped = True
                what = _what_went(external_dropped, macrosheets, tool_sheets)
                b.notes.append(f"工作表「{s.name}」中 {count} 个引用{what}的公式已改为其原有数值")
    if formulas_dropped or gone:
        _drop_calc_chain(b, drop_rel_ids)
    _clear_tool_cells(b, gone)
    return Stripped(frozenset(drop_rel_ids), external_dropped, frozenset(macrosheets), dangling,
                    frozenset(tool_sheets))


def _drop_tool_sheets(b: Build, drop_rel_ids: set[str], macrosheets: set[int]) -> set[int]:
    """The sheets a previous scoring added, as the reader recognised them by their content
    (model.tool_sheets, never a name alone: a unit's own sheet called 汇总 stays): their
    parts, .rels and workbook relationships go; the new 汇总 and 评分明细 replace them."""
    out: set[int] = set()
    for name in b.model.tool_sheets:
        s = b.sheet_for(name)
        if s is None or s.index in macrosheets or s.index in out:
            continue
        out.add(s.index)
        if s.part:
            b.dropped.add(s.part)
            rels = b.pkg.find(rels_name(s.part))
            if rels:
                b.dropped.add(rels)
        for rel in b.wb_rels:
            if not rel.external and s.part and resolve(b.wb_part, rel.target) == s.part:
                drop_rel_ids.add(rel.id)
    if out:
        b.replaced.append("工作表" + "".join(f"「{cell_string(b.sheets[i].name, limit=40)}」" for i in sorted(out)))
    return out


def _clear_tool_cells(b: Build, gone: set[int]) -> None:
    """The 核定得分 columns and result lines of a previous scoring, as the reader found them
    (model.tool_cells): removed, value and style, so this scoring's go where they were (the
    first free column right of the table, the first free row under it) and the copy has one
    of each per table."""
    cleared = False
    for name, keys in b.model.tool_cells:
        s = b.sheet_for(name)
        if s is None or not s.part or s.index in gone or s.part not in b.pkg.parts:
            continue
        cleared = b.editor(s).clear_cells(keys) > 0 or cleared
    if cleared:
        b.replaced.append(f"各表右侧的“{TOOL_HEADER}”列和表下的评分结果行")


def _what_went(external: bool, macrosheets: set[int], tool_sheets: set[int]) -> str:
    what = (["其他工作簿"] if external else []) + (["宏表"] if macrosheets else []) + \
        (["上次评分加入的工作表"] if tool_sheets else [])
    return "或".join(what) or "其他工作簿"


def _fix_content_types(b: Build) -> None:
    """No override for a dropped part, no vbaProject default, a plain workbook type."""
    for name in sorted(b.dropped):
        b.ct.remove_override(name)
    if b.ct.defaults.get("bin", "").endswith("vbaProject"):
        b.ct.remove_default("bin")
        for name in b.pkg.parts:
            if name.lower().endswith(".bin") and name not in b.dropped and b.ct.type_of(name) is None:
                ctype = ("application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"
                         if "printersettings" in name.lower() else "application/octet-stream")
                b.ct.add_override(name, ctype)
    if b.ct.type_of(b.wb_part) in CT_MACRO_WORKBOOKS:
        b.ct.set_override(b.wb_part, CT_WORKBOOK)


def _dangling_refs(b: Build, external_dropped: bool, sheets_gone: set[int]) -> Optional[re.Pattern[str]]:
    """What a formula or name refers to that the output does not carry: another workbook
    (``[1]Sheet1!A1``) once the links are dropped, a dropped sheet (``Macro1!$A$1``,
    ``'宏 表'!A1``; sheet names compare case-insensitively, as in Excel)."""
    alternatives = [r"\[\d+\]"] if external_dropped else []
    for s in b.sheets:
        if s.index in sheets_gone:
            quoted = re.escape("'" + s.name.replace("'", "''") + "'!")
            alternatives.append(rf"{quoted}|(?<![\w.'\]]){re.escape(s.name)}!")
    return re.compile("|".join(alternatives), re.I) if alternatives else None


def _drop_calc_chain(b: Build, drop_rel_ids: set[str]) -> None:
    """calcChain lists every formula cell; once one is gone (or its sheet), Excel reports
    the stale entry as a removed record. It is only a cache: Excel rebuilds it."""
    for rel in b.wb_rels:
        if rel.type == REL_CALC_CHAIN and not rel.external:
            drop_rel_ids.add(rel.id)
            part = b.pkg.find(resolve(b.wb_part, rel.target))
            if part:
                b.dropped.add(part)
                b.ct.remove_override(part)


def _names_to_drop(b: Build, dangling: Optional[re.Pattern[str]], macrosheets: set[int],
                   tool_sheets: set[int]) -> int:
    """Defined names that would dangle: into a dropped link ([1]…) or on a dropped sheet. The
    workbook patch (workbook_part) drops the same ones; those scoped to a previous scoring's
    sheet are its own and not counted."""
    count = 0
    for el in b.wb_elements:
        if el.local != "definedName":
            continue
        local = el.attrib.get("localSheetId")
        scope = int(local) if local is not None and local.isdigit() else None
        if scope is not None and scope in tool_sheets:
            continue
        if dangling is not None and dangling.search(el.text):
            count += 1
        elif scope is not None and (scope in macrosheets or scope >= len(b.sheets)):
            count += 1
    return count


def _external_target(b: Build, part: str) -> str:
    """The linked file's name only: a full path may be a UNC share (\\\\host\\share), and
    even as plain text it does not belong in the output (hostile-input.md A8)."""
    for rel in b.pkg.rels(part):
        if rel.external:
            name = re.split(r"[\\/]", rel.target.rstrip("\\/"))[-1]
            return cell_string(name, limit=100)
    return ""
