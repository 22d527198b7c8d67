"""The state one scored-copy build shares between its steps, opened in one place: the input
package with its content types, workbook part, relationships and sheets, and what the steps
write (patched and new parts), drop, and note for 汇总."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

from perf_xlsx.a1 import quote_sheet
from perf_xlsx.memo import ByContent
from perf_xlsx.model import Severity, WorkbookModel, WorkbookResult
from perf_xlsx.ooxml.content_types import ContentTypes
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.package import Package
from perf_xlsx.ooxml.parse import XmlElement, xml_elements
from perf_xlsx.ooxml.rels import Rel, resolve
from perf_xlsx.ooxml.sheet_edit import SheetEditor
from perf_xlsx.rules import Profile
from perf_xlsx.values import clean_text

SUMMARY_SHEET = "汇总"
DETAIL_SHEET = "评分明细"
TOOL_HEADER = "核定得分"

# Findings sort by it, per finding and per mark: a plain lookup, not the property each time.
SEVERITY_RANK = {s: s.rank for s in Severity}


@dataclass
class SheetInfo:
    name: str  # as written in workbook.xml (unescaped)
    part: str  # "" when the relationship names no part of the package
    index: int  # position in the original <sheets>


class NewSheet(NamedTuple):
    """A sheet the copy puts in front of the user's, ready for workbook.xml."""

    name: str  # unique among the workbook's sheets
    data: bytes  # the worksheet part
    title_rows: str  # rows printed on every page (Print_Titles), e.g. "$1:$1"
    filter_ref: str = ""  # the autofilter range, absolute ("$A$1:$R$9"); "" for none


@dataclass
class Build:
    """One scored copy in the making. The fields above ``out`` describe the input and do not
    change; the steps add to ``out``, ``dropped``, ``notes``, ``print_notes``,
    ``replaced``, ``names`` and ``ct``."""

    pkg: Package
    result: WorkbookResult
    model: WorkbookModel
    profile: Profile
    input_name: str  # the input's file name, for 汇总
    ct_name: str  # the stored spelling of [Content_Types].xml
    ct: ContentTypes  # edited in place; written last
    wb_part: str
    wb_rels: list[Rel]
    wb_elements: list[XmlElement]  # workbook.xml parsed once, definedName text included
    sheets: list[SheetInfo]
    out: dict[str, bytes] = field(default_factory=dict)  # patched or new parts, in creation order
    dropped: set[str] = field(default_factory=set)  # parts of the input the copy leaves out
    notes: list[str] = field(default_factory=list)  # what of the input the copy does not carry
    print_notes: list[str] = field(default_factory=list)  # print setups the copy set, for 汇总's 说明
    # A scored copy sent back: which of the previous scoring's additions this copy replaced
    # (汇总's 说明 says so in one line).
    replaced: list[str] = field(default_factory=list)
    # Whether every cell the previous scoring coloured got its own format back; None: none seen.
    marks_restored: Optional[bool] = None
    names: set[str] = field(default_factory=set)  # part names taken, new ones included
    editors: dict[str, SheetEditor] = field(default_factory=dict)  # by part: sheets being edited
    _sheet_memo: dict[str, Optional[SheetInfo]] = field(default_factory=dict, init=False, repr=False)

    def sheet_for(self, model_name: Optional[str]) -> Optional[SheetInfo]:
        """The sheet a model or finding names (exactly, else by its cleaned name)."""
        if not model_name:
            return None
        # Asked once per finding, detail row and link: remembered per name for this build.
        if model_name in self._sheet_memo:
            return self._sheet_memo[model_name]
        found = next((s for s in self.sheets if s.name == model_name), None) or \
            next((s for s in self.sheets if clean_text(s.name) == model_name), None)
        self._sheet_memo[model_name] = found
        return found

    def editor(self, sheet: SheetInfo) -> SheetEditor:
        """The one editor of a sheet's part, opened on first use."""
        if sheet.part not in self.editors:
            self.editors[sheet.part] = SheetEditor(self.pkg.parts[sheet.part])
        return self.editors[sheet.part]


def open_build(pkg: Package, result: WorkbookResult, profile: Profile, input_path: str) -> Build:
    """The build state of a scored result's input package."""
    assert result.model is not None
    ct_name = pkg.find("[Content_Types].xml")
    if ct_name is None:
        raise PartError("缺少 [Content_Types].xml")
    ct = ContentTypes(pkg.parts[ct_name])
    wb_part = _workbook_part(pkg)
    wb_rels = pkg.rels(wb_part)
    # Parsed once: the sheets here, the definedNames for dropping and print areas later (and
    # once per process for a workbook part that repeats, as a template's unrenamed sheets do).
    wb_elements = list(_WORKBOOK_ELEMENTS(pkg.parts[wb_part]))
    return Build(pkg=pkg, result=result, model=result.model, profile=profile, input_name=base_name(input_path),
                 ct_name=ct_name, ct=ct, wb_part=wb_part, wb_rels=wb_rels, wb_elements=wb_elements,
                 sheets=_sheets(pkg, wb_part, wb_rels, wb_elements), names=set(pkg.parts))


def _workbook_elements(data: bytes) -> tuple[XmlElement, ...]:
    return tuple(xml_elements(data, text_of=frozenset({"definedName"})))


# The elements are shared between the builds that see the same part: they are only read.
_WORKBOOK_ELEMENTS = ByContent(_workbook_elements)


def base_name(path: str) -> str:
    return os.path.basename(path) or path


def _workbook_part(pkg: Package) -> str:
    for rel in pkg.rels(""):
        if rel.type.endswith("/officeDocument") and not rel.external:
            part = pkg.find(resolve("", rel.target))
            if part:
                return part
    part = pkg.find("xl/workbook.xml")
    if part is None:
        raise PartError("找不到工作簿部件 workbook.xml")
    return part


def _sheets(pkg: Package, wb_part: str, wb_rels: list[Rel], wb_elements: list[XmlElement]) -> list[SheetInfo]:
    targets = {r.id: resolve(wb_part, r.target) for r in wb_rels if not r.external}
    out = []
    index = 0
    for el in wb_elements:
        if el.local != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        part = pkg.find(targets.get(rid, "")) or ""
        out.append(SheetInfo(el.get("name", ""), part, index))
        index += 1
    return out


def unique_name(wanted: str, taken: set[str]) -> str:
    """``wanted``, or ``wanted(2)``, ``wanted(3)``… : the first not in ``taken`` (which it
    joins), compared case-insensitively as Excel compares sheet names."""
    lower = {t.lower() for t in taken}
    name, n = wanted, 2
    while name.lower() in lower:
        name = f"{wanted}({n})"
        n += 1
    taken.add(name)
    return name


def link_prefix(b: Build, dropped_sheets: frozenset[int], model_sheet: Optional[str]) -> Optional[str]:
    """``'Sheet'!``, what an in-workbook hyperlink into a model sheet starts with; None for a
    sheet the copy does not carry (unknown, or a dropped macro sheet)."""
    sheet = b.sheet_for(model_sheet)
    if sheet is None or sheet.index in dropped_sheets:
        return None
    return quote_sheet(sheet.name) + "!"


def link_to(b: Build, dropped_sheets: frozenset[int], model_sheet: Optional[str], cell: Optional[str]) -> Optional[str]:
    """The hyperlink location of a model sheet's cell (its first, for a range), or None."""
    prefix = link_prefix(b, dropped_sheets, model_sheet)
    return None if prefix is None else prefix + (cell or "A1").split(":")[0]
