"""Validate an .xlsx package the way a strict consumer would, for tests of what perf_xlsx writes.

Job: given an .xlsx (a path, bytes or a binary file object), return human-readable problems —
``"xl/workbook.xml: line 2: Element 'x:sheets': This element is not expected. ..."`` — and an
empty list when the package is valid. Three layers are checked:

1. **Schemas.** Each XML part is validated against the ISO/IEC 29500-4 transitional schemas
   copied into ``tests/ooxml-schemas/`` (SpreadsheetML, DrawingML theme/drawing/chart, document
   properties, OPC content types / relationships / core properties). The schema is chosen by
   the part's content type from ``[Content_Types].xml`` and the root element must be the one
   that content type calls for. VML parts are skipped (VML is not strict XML); parts whose
   content type has no schema here (images, printer settings, Office 2010+ extension parts) are
   listed in :attr:`PackageReport.skipped`, not reported. Before validation Markup
   Compatibility (ECMA-376 Part 3) is applied as Excel applies it: elements and attributes of
   namespaces listed in ``mc:Ignorable`` that are not understood (= have no schema here) are
   dropped (``mc:ProcessContent`` honoured), ``mc:AlternateContent`` becomes its first Choice
   whose ``Requires`` namespaces are all understood, else its Fallback, and an
   ``mc:MustUnderstand`` namespace that is not understood is a problem.
2. **Package (OPC).** Zip entry names unique; every part but ``[Content_Types].xml`` and the
   ``.rels`` parts has a content type (Default by extension or Override); Defaults and
   Overrides unique, every Override names an existing part; every ``.rels`` belongs to an
   existing part, its Ids are unique and its internal targets exist; the target of a known
   relationship type has the matching content type; every ``r:`` attribute (``r:id``,
   ``r:embed``…) in a validated part names a relationship of that part; XML parts are UTF-8 or
   UTF-16 and carry no DTD.
3. **Workbook (SpreadsheetML rules Excel repairs silently or with a prompt).** The package
   has an officeDocument relationship to a workbook; every ``<sheet r:id>`` resolves to a
   worksheet/chartsheet/dialogsheet/macrosheet relationship; sheet names are valid Excel names
   (1–31 characters, none of ``:\\/?*[]``, no leading/trailing apostrophe) and unique ignoring
   case; sheetIds unique; defined names unique per scope with ``localSheetId`` in range; in each
   worksheet rows and cells are in ascending order with cell references inside their row,
   ``<col>`` ranges ascending and disjoint, merged ranges disjoint, style indexes below the
   number of ``cellXfs``, shared-string indexes below the number of ``<si>`` and the table's
   ``uniqueCount`` equal to it; in comments parts authorIds exist and each cell has at most one
   comment; a sheet with comments has a ``<legacyDrawing>`` whose VML part holds a Note shape
   for every commented cell (Excel shows no comment without one, and repairs the file when a
   shape points at no comment); every part, VML included, holds XML 1.0 characters only.

One deviation from the published schemas is accepted, deliberately and narrowly: ``xml:space``
("preserve" or "default") on SpreadsheetML ``<t>``. sml.xsd types ``t`` as the simple type
ST_Xstring, which cannot carry attributes, yet Excel itself writes ``<t xml:space="preserve">``
and trims leading/trailing blanks of a ``<t>`` without it, so a writer *must* use it (docx4j
issue #41 records the same schema gap). It is allowed on ``x:t`` only; any other value, and
``xml:space`` on any other SpreadsheetML element, is still reported.

Schemas are compiled once per process (:func:`schema`) — a few tens of milliseconds each — so
validating a package costs only parsing and validating its parts. The Dublin Core imports of
the core-properties schema (URLs) are mapped by an lxml resolver to the local stubs in
``tests/ooxml-schemas/dublin-core/``; nothing is ever fetched from the network.
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, Callable, Iterable, Optional, Union
from urllib.parse import unquote

from lxml import etree

__all__ = [
    "SCHEMA_DIR",
    "PackageReport",
    "check_package",
    "format_problems",
    "mce_preprocess",
    "schema",
    "validate_package",
]

SCHEMA_DIR = Path(__file__).resolve().parent / "ooxml-schemas"
_ISO = "ISO-IEC29500-4_2016"
_OPC = "ecma/fouth-edition"

# The Dublin Core schemas opc-coreProperties.xsd imports by URL, and their local stand-ins.
_DUBLIN_CORE = {
    "http://dublincore.org/schemas/xmls/qdc/2003/04/02/dc.xsd": "dublin-core/dc.xsd",
    "http://dublincore.org/schemas/xmls/qdc/2003/04/02/dcterms.xsd": "dublin-core/dcterms.xsd",
}

# --- namespaces ---------------------------------------------------------------------------

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
NS_CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
NS_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"

# Namespaces this validator "understands" in the Markup Compatibility sense: those of the
# schemas above. Anything else (x14ac, x14, xr, x15…) is an extension Excel 2007 would not know.
UNDERSTOOD = frozenset({
    NS_MAIN, NS_R, NS_MC, NS_A, NS_C, NS_XDR, NS_DGM, NS_PKG_REL, NS_CT, NS_CP, NS_CUSTOM,
    NS_EXTENDED,
    "http://schemas.openxmlformats.org/drawingml/2006/chartDrawing",
    "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "http://schemas.openxmlformats.org/drawingml/2006/lockedCanvas",
    "http://schemas.openxmlformats.org/officeDocument/2006/sharedTypes",
    "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/2001/XMLSchema-instance",
})

# Short prefixes for messages: libxml2 writes every name as {uri}local.
_PREFIXES = {
    NS_MAIN: "x", NS_R: "r", NS_MC: "mc", NS_A: "a", NS_C: "c", NS_XDR: "xdr", NS_DGM: "dgm",
    NS_PKG_REL: "rel", NS_CT: "ct", NS_CP: "cp", NS_CUSTOM: "op", NS_EXTENDED: "ep",
    "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes": "vt",
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://purl.org/dc/terms/": "dcterms",
    "http://www.w3.org/XML/1998/namespace": "xml",
}

# --- content types ------------------------------------------------------------------------

_SML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_OFFICE = "application/vnd.openxmlformats-officedocument."
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_WORKBOOKS = frozenset({
    _SML + "sheet.main+xml",
    _SML + "template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
})
CT_WORKSHEET = _SML + "worksheet+xml"
CT_VML = _OFFICE + "vmlDrawing"


@dataclass(frozen=True)
class PartSchema:
    """How parts of one content type are validated: schema file and allowed root elements."""

    xsd: str  # path under SCHEMA_DIR
    roots: frozenset[str]  # Clark names {ns}local


_SML_XSD = f"{_ISO}/sml.xsd"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _sml(*local: str) -> PartSchema:
    return PartSchema(_SML_XSD, frozenset(f"{{{NS_MAIN}}}{name}" for name in local))


_DML_MAIN = f"{_ISO}/dml-main.xsd"
_DML_CHART = f"{_ISO}/dml-chart.xsd"
_DML_DIAGRAM = f"{_ISO}/dml-diagram.xsd"

SCHEMAS: dict[str, PartSchema] = {
    **{ct: _sml("workbook") for ct in CT_WORKBOOKS},
    CT_WORKSHEET: _sml("worksheet"),
    _SML + "chartsheet+xml": _sml("chartsheet"),
    _SML + "dialogsheet+xml": _sml("dialogsheet"),
    _SML + "styles+xml": _sml("styleSheet"),
    _SML + "sharedStrings+xml": _sml("sst"),
    _SML + "comments+xml": _sml("comments"),
    _SML + "calcChain+xml": _sml("calcChain"),
    _SML + "table+xml": _sml("table"),
    _SML + "externalLink+xml": _sml("externalLink"),
    _SML + "pivotTable+xml": _sml("pivotTableDefinition"),
    _SML + "pivotCacheDefinition+xml": _sml("pivotCacheDefinition"),
    _SML + "pivotCacheRecords+xml": _sml("pivotCacheRecords"),
    _SML + "queryTable+xml": _sml("queryTable"),
    _SML + "connections+xml": _sml("connections"),
    _SML + "sheetMetadata+xml": _sml("metadata"),
    _SML + "volatileDependencies+xml": _sml("volTypes"),
    _SML + "tableSingleCells+xml": _sml("singleXmlCells"),
    _SML + "revisionHeaders+xml": _sml("headers"),
    _SML + "revisionLog+xml": _sml("revisions"),
    _SML + "userNames+xml": _sml("users"),
    _OFFICE + "theme+xml": PartSchema(_DML_MAIN, frozenset({f"{{{NS_A}}}theme"})),
    _OFFICE + "themeOverride+xml": PartSchema(_DML_MAIN, frozenset({f"{{{NS_A}}}themeOverride"})),
    _OFFICE + "drawing+xml": PartSchema(f"{_ISO}/dml-spreadsheetDrawing.xsd",
                                        frozenset({f"{{{NS_XDR}}}wsDr"})),
    _OFFICE + "drawingml.chart+xml": PartSchema(_DML_CHART, frozenset({f"{{{NS_C}}}chartSpace"})),
    _OFFICE + "drawingml.chartshapes+xml": PartSchema(_DML_CHART,
                                                      frozenset({f"{{{NS_C}}}userShapes"})),
    _OFFICE + "drawingml.diagramData+xml": PartSchema(_DML_DIAGRAM,
                                                      frozenset({f"{{{NS_DGM}}}dataModel"})),
    _OFFICE + "drawingml.diagramLayout+xml": PartSchema(_DML_DIAGRAM,
                                                        frozenset({f"{{{NS_DGM}}}layoutDef"})),
    _OFFICE + "drawingml.diagramStyle+xml": PartSchema(_DML_DIAGRAM,
                                                       frozenset({f"{{{NS_DGM}}}styleDef"})),
    _OFFICE + "drawingml.diagramColors+xml": PartSchema(_DML_DIAGRAM,
                                                        frozenset({f"{{{NS_DGM}}}colorsDef"})),
    _OFFICE + "custom-properties+xml": PartSchema(f"{_ISO}/shared-documentPropertiesCustom.xsd",
                                                  frozenset({f"{{{NS_CUSTOM}}}Properties"})),
    _OFFICE + "extended-properties+xml": PartSchema(
        f"{_ISO}/shared-documentPropertiesExtended.xsd",
        frozenset({f"{{{NS_EXTENDED}}}Properties"})),
    CT_CORE: PartSchema(f"{_OPC}/opc-coreProperties.xsd",
                        frozenset({f"{{{NS_CP}}}coreProperties"})),
    CT_RELS: PartSchema(f"{_OPC}/opc-relationships.xsd",
                        frozenset({f"{{{NS_PKG_REL}}}Relationships"})),
}
CONTENT_TYPES_SCHEMA = PartSchema(f"{_OPC}/opc-contentTypes.xsd", frozenset({f"{{{NS_CT}}}Types"}))

# --- relationship types -------------------------------------------------------------------

_RT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_OFFICE_DOCUMENT = _RT + "officeDocument"
RT_SHEETS = frozenset({
    _RT + "worksheet", _RT + "chartsheet", _RT + "dialogsheet",
    "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
    "http://schemas.microsoft.com/office/2006/relationships/xlIntlMacrosheet",
})
# The content type the target of a relationship of this type must have.
REL_TARGET_TYPES: dict[str, frozenset[str]] = {
    RT_OFFICE_DOCUMENT: CT_WORKBOOKS,
    _RT + "worksheet": frozenset({CT_WORKSHEET}),
    _RT + "chartsheet": frozenset({_SML + "chartsheet+xml"}),
    _RT + "styles": frozenset({_SML + "styles+xml"}),
    _RT + "sharedStrings": frozenset({_SML + "sharedStrings+xml"}),
    _RT + "comments": frozenset({_SML + "comments+xml"}),
    _RT + "calcChain": frozenset({_SML + "calcChain+xml"}),
    _RT + "table": frozenset({_SML + "table+xml"}),
    _RT + "theme": frozenset({_OFFICE + "theme+xml"}),
    _RT + "drawing": frozenset({_OFFICE + "drawing+xml"}),
    _RT + "chart": frozenset({_OFFICE + "drawingml.chart+xml"}),
    _RT + "vmlDrawing": frozenset({CT_VML}),
    _RT + "custom-properties": frozenset({_OFFICE + "custom-properties+xml"}),
    _RT + "extended-properties": frozenset({_OFFICE + "extended-properties+xml"}),
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties":
        frozenset({CT_CORE}),
}

# --- schemas ------------------------------------------------------------------------------


class _LocalResolver(etree.Resolver):
    """Maps the Dublin Core schema URLs to the local stubs. Every other import is left to
    lxml's default loading: relative file names next to the importing schema; the network is
    off (``no_network``), so an unmapped URL fails instead of being fetched."""

    def resolve(self, system_url: Optional[str], public_id: Optional[str], context: object) -> object:
        local = _DUBLIN_CORE.get(system_url or "")
        if local is None:
            return None
        return self.resolve_filename(str(SCHEMA_DIR / local), context)


@cache
def schema(xsd: str) -> etree.XMLSchema:
    """The compiled schema ``SCHEMA_DIR / xsd``, compiled once per process."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_LocalResolver())
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / xsd), parser))


def _part_parser() -> etree.XMLParser:
    # Parts are untrusted: no entities, no network, no DTD loading.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           remove_comments=False)


_PARSER = _part_parser()
_CLARK = re.compile(r"\{([^}]*)\}")


def _short(message: str) -> str:
    """libxml2's ``{uri}local`` names as ``prefix:local`` for the namespaces known here."""
    return _CLARK.sub(lambda m: f"{_PREFIXES[m.group(1)]}:" if m.group(1) in _PREFIXES
                      else m.group(0), message)


def _qname(tag: str) -> str:
    return _short(tag) if tag.startswith("{") else tag


def _readable_path(tree: etree._ElementTree, path: Optional[str]) -> str:
    """libxml2's ``/*/*[2]/*[1]`` as ``/sst/si[2]/t``; rows and cells by their ``r``."""
    if not path:
        return "?"
    try:
        found = tree.xpath(path)
    except etree.XPathError:
        return path
    if not found or not isinstance(found[0], etree._Element):
        return path
    steps = []
    elem: Optional[etree._Element] = found[0]
    while elem is not None:
        step = etree.QName(elem).localname
        parent = elem.getparent()
        if step in ("row", "c") and elem.get("r"):
            step += f"[@r={elem.get('r')}]"
        elif parent is not None:
            same = [sibling for sibling in parent if sibling.tag == elem.tag]
            if len(same) > 1:
                step += f"[{same.index(elem) + 1}]"
        steps.append(step)
        elem = parent
    return "/" + "/".join(reversed(steps))


# --- markup compatibility -----------------------------------------------------------------


def _prefixes(elem: etree._Element, value: str, problems: list[str], what: str,
              line_of: Callable[[etree._Element], str]) -> set[str]:
    namespaces = set()
    for prefix in value.split():
        uri = elem.nsmap.get(prefix)
        if uri is None:
            problems.append(f"{line_of(elem)}{what} names the undeclared prefix {prefix!r}")
        else:
            namespaces.add(uri)
    return namespaces


def _splice(elem: etree._Element, replacement: list[etree._Element]) -> None:
    """Replace ``elem`` in its parent by ``replacement`` (moved), keeping text and tail."""
    parent = elem.getparent()
    assert parent is not None
    index = parent.index(elem)
    tail = elem.tail
    parent.remove(elem)
    for offset, child in enumerate(replacement):
        parent.insert(index + offset, child)
    if tail:
        last = replacement[-1] if replacement else (parent[index - 1] if index > 0 else None)
        if last is None:
            parent.text = (parent.text or "") + tail
        else:
            last.tail = (last.tail or "") + tail


def mce_preprocess(root: etree._Element, understood: frozenset[str] = UNDERSTOOD,
                   part: str = "") -> list[str]:
    """Apply Markup Compatibility to ``root`` in place; return the MCE problems found."""
    problems: list[str] = []

    def line_of(elem: etree._Element) -> str:
        return f"{part}: line {elem.sourceline}: "

    def visit(elem: etree._Element, ignorable: frozenset[str],
              process_content: frozenset[tuple[str, str]]) -> None:
        # The mc: attributes of an element apply to the element and its descendants.
        mc_ignorable = elem.get(f"{{{NS_MC}}}Ignorable")
        if mc_ignorable is not None:
            ignorable = ignorable | _prefixes(elem, mc_ignorable, problems, "mc:Ignorable", line_of)
        must = elem.get(f"{{{NS_MC}}}MustUnderstand")
        if must is not None:
            for uri in sorted(_prefixes(elem, must, problems, "mc:MustUnderstand", line_of)):
                if uri not in understood:
                    problems.append(f"{line_of(elem)}mc:MustUnderstand namespace {uri} "
                                    "is not understood")
        pc = elem.get(f"{{{NS_MC}}}ProcessContent")
        if pc is not None:
            names = set(process_content)
            for qname in pc.split():
                prefix, _, local = qname.rpartition(":")
                uri = elem.nsmap.get(prefix or None)
                if uri is None:
                    problems.append(f"{line_of(elem)}mc:ProcessContent names the undeclared "
                                    f"prefix {prefix!r}")
                else:
                    names.add((uri, local))
            process_content = frozenset(names)
        for name in list(elem.attrib):
            uri = etree.QName(name).namespace
            if uri == NS_MC or (uri in ignorable and uri not in understood):
                del elem.attrib[name]
        index = 0
        while index < len(elem):
            child = elem[index]
            if not isinstance(child.tag, str):  # comment or processing instruction
                index += 1
                continue
            qn = etree.QName(child)
            if qn.namespace == NS_MC and qn.localname == "AlternateContent":
                chosen = _choose(child, understood, problems, line_of)
                # The chosen branch's children take its place and are looked at again.
                _splice(child, [] if chosen is None else list(chosen))
            elif qn.namespace in ignorable and qn.namespace not in understood:
                keep = {(qn.namespace, qn.localname), (qn.namespace, "*")} & process_content
                _splice(child, list(child) if keep else [])
            else:
                visit(child, ignorable, process_content)
                index += 1

    visit(root, frozenset(), frozenset())
    return problems


def _choose(alternate: etree._Element, understood: frozenset[str], problems: list[str],
            line_of: Callable[[etree._Element], str]) -> Optional[etree._Element]:
    fallback = None
    for branch in alternate:
        if not isinstance(branch.tag, str):
            continue
        qn = etree.QName(branch)
        if qn.namespace == NS_MC and qn.localname == "Choice":
            requires = _prefixes(branch, branch.get("Requires", ""), problems, "Requires", line_of)
            if requires and requires <= understood:
                return branch
        elif qn.namespace == NS_MC and qn.localname == "Fallback":
            fallback = branch
    return fallback


# --- the package --------------------------------------------------------------------------

Source = Union[str, "os.PathLike[str]", bytes, IO[bytes]]


@dataclass
class PackageReport:
    """What :func:`check_package` found: problems, and which parts it validated or skipped."""

    problems: list[str] = field(default_factory=list)
    validated: dict[str, str] = field(default_factory=dict)  # part -> schema file
    skipped: dict[str, str] = field(default_factory=dict)  # part -> reason


def _rels_of(part: str) -> str:
    head, tail = posixpath.split(part)
    return posixpath.join(head, "_rels", tail + ".rels")


def _source_of(rels: str) -> Optional[str]:
    """The part a .rels part belongs to ("" for the package), None if not a rels name."""
    head, tail = posixpath.split(rels)
    if posixpath.basename(head) != "_rels" or not tail.endswith(".rels"):
        return None
    return posixpath.join(posixpath.dirname(head), tail[: -len(".rels")])


def _resolve(source: str, target: str) -> str:
    target = unquote(target.split("#", 1)[0])
    if target.startswith("/"):
        joined = target[1:]
    else:
        joined = posixpath.join(posixpath.dirname(source), target)
    return posixpath.normpath(joined) if joined else ""


@dataclass
class _Rel:
    id: str
    type: str
    target: str  # resolved part name (no leading slash); "" when external
    external: bool


class _Checker:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.report = PackageReport()
        self.names = [i.filename for i in zf.infolist() if not i.filename.endswith("/")]
        self.by_fold = {n.casefold(): n for n in self.names}
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}
        self.trees: dict[str, etree._ElementTree] = {}
        self.uses_mc: set[str] = set()  # parts that mention the MCE namespace
        self.rels: dict[str, list[_Rel]] = {}  # source part -> relationships

    def problem(self, message: str) -> None:
        self.report.problems.append(message)

    # -- parsing and schema validation --

    def parse(self, part: str) -> Optional[etree._ElementTree]:
        if part in self.trees:
            return self.trees[part]
        try:
            data = self.zf.read(part)
            tree = etree.parse(io.BytesIO(data), _PARSER)
        except etree.XMLSyntaxError as exc:
            self.problem(f"{part}: not well-formed XML: {exc}")
            return None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # corrupt entry
            self.problem(f"{part}: cannot be read from the zip: {exc}")
            return None
        if NS_MC.encode() in data:
            self.uses_mc.add(part)
        info = tree.docinfo
        if info.doctype:
            self.problem(f"{part}: has a DTD ({info.doctype}); OPC parts must not")
        encoding = (info.encoding or "UTF-8").upper().replace("_", "-")
        if not (encoding.startswith("UTF-8") or encoding.startswith("UTF-16")):
            self.problem(f"{part}: encoding {info.encoding}; OPC requires UTF-8 or UTF-16")
        self.trees[part] = tree
        return tree

    def validate(self, part: str, part_schema: PartSchema) -> Optional[etree._Element]:
        tree = self.parse(part)
        if tree is None:
            return None
        root = tree.getroot()
        if part in self.uses_mc:
            self.report.problems.extend(mce_preprocess(root, part=part))
        if root.tag not in part_schema.roots:
            wanted = " or ".join(sorted(_qname(r) for r in part_schema.roots))
            self.problem(f"{part}: line {root.sourceline}: root element {_qname(root.tag)} "
                         f"does not fit its content type (expected {wanted})")
        if part_schema.xsd == _SML_XSD:
            self.xml_space_on_t(part, root)
        xsd = schema(part_schema.xsd)
        if not xsd.validate(tree):
            for error in xsd.error_log:
                self.problem(f"{part}: line {error.line}: {_short(error.message)} "
                             f"(at {_readable_path(tree, error.path)})")
        self.report.validated[part] = part_schema.xsd
        return root

    def xml_space_on_t(self, part: str, root: etree._Element) -> None:
        """The one schema erratum allowed for (module docstring): ``xml:space`` on ``x:t``."""
        for t in root.iter(f"{{{NS_MAIN}}}t"):
            value = t.get(XML_SPACE)
            if value is None:
                continue
            if value in ("preserve", "default"):
                del t.attrib[XML_SPACE]
            else:
                self.problem(f"{part}: line {t.sourceline}: x:t xml:space={value!r}; XML 1.0 "
                             "allows only 'preserve' or 'default'")

    # -- content types --

    def content_types(self) -> None:
        if "[Content_Types].xml" not in self.names:
            self.problem("[Content_Types].xml: missing")
            return
        root = self.validate("[Content_Types].xml", CONTENT_TYPES_SCHEMA)
        if root is None:
            return
        for elem in root:
            if elem.tag == f"{{{NS_CT}}}Default":
                ext = (elem.get("Extension") or "").casefold()
                if ext in self.defaults:
                    self.problem(f"[Content_Types].xml: line {elem.sourceline}: "
                                 f"second Default for extension {ext!r}")
                self.defaults[ext] = elem.get("ContentType") or ""
            elif elem.tag == f"{{{NS_CT}}}Override":
                name = unquote(elem.get("PartName") or "")
                key = name.lstrip("/").casefold()
                if key in self.overrides:
                    self.problem(f"[Content_Types].xml: line {elem.sourceline}: "
                                 f"second Override for {name}")
                self.overrides[key] = elem.get("ContentType") or ""
                if key not in self.by_fold:
                    self.problem(f"[Content_Types].xml: line {elem.sourceline}: Override "
                                 f"PartName {name} names no part in the package")

    def content_type(self, part: str) -> Optional[str]:
        override = self.overrides.get(part.casefold())
        if override is not None:
            return override
        ext = posixpath.splitext(part)[1][1:].casefold()
        return self.defaults.get(ext) if ext else None

    # -- relationships --

    def relationships(self) -> None:
        for name in self.names:
            source = _source_of(name)
            if source is None:
                continue
            if source and source.casefold() not in self.by_fold:
                self.problem(f"{name}: relationships of {source}, which is not in the package")
            root = self.validate(name, SCHEMAS[CT_RELS])
            if root is None:
                continue
            rels: list[_Rel] = []
            seen: set[str] = set()
            for elem in root.iter(f"{{{NS_PKG_REL}}}Relationship"):
                rid, rtype = elem.get("Id") or "", elem.get("Type") or ""
                raw = elem.get("Target") or ""
                where = f"{name}: line {elem.sourceline}: relationship {rid}"
                if rid in seen:
                    self.problem(f"{where}: Id used twice in this .rels")
                seen.add(rid)
                external = elem.get("TargetMode") == "External"
                target = "" if external else _resolve(source, raw)
                rels.append(_Rel(rid, rtype, target, external))
                if external:
                    continue
                actual = self.by_fold.get(target.casefold())
                if actual is None:
                    self.problem(f"{where}: target {raw!r} ({target or '/'}) is not in the "
                                 "package")
                    continue
                wanted = REL_TARGET_TYPES.get(rtype)
                have = self.content_type(actual)
                if wanted is not None and have is not None and have not in wanted:
                    self.problem(f"{where}: a {rtype.rsplit('/', 1)[-1]} relationship, but its "
                                 f"target {actual} has content type {have}")
            self.rels[source] = rels

    def rel_ids(self, part: str) -> dict[str, _Rel]:
        return {r.id: r for r in self.rels.get(part, [])}

    # -- parts --

    def parts(self) -> None:
        for name in self.names:
            if name == "[Content_Types].xml" or _source_of(name) is not None:
                continue
            ctype = self.content_type(name)
            if ctype is None:
                self.problem(f"{name}: no content type (no Override and no Default for its "
                             "extension)")
                continue
            part_schema = SCHEMAS.get(ctype)
            if part_schema is None:
                reason = "VML (not strict XML)" if ctype == CT_VML else f"no schema for {ctype}"
                self.report.skipped[name] = reason
                continue
            root = self.validate(name, part_schema)
            if root is not None:
                self.check_r_attributes(name, root)

    def check_r_attributes(self, part: str, root: etree._Element) -> None:
        ids = self.rel_ids(part)
        for elem in root.iter():
            if not isinstance(elem.tag, str):
                continue
            for attr, value in elem.attrib.items():
                if attr.startswith(f"{{{NS_R}}}") and value and value not in ids:
                    self.problem(f"{part}: line {elem.sourceline}: {_qname(elem.tag)} "
                                 f"{_qname(attr)}={value!r} names no relationship of {part}")

    # -- the workbook --

    def workbook(self) -> None:
        office = [r for r in self.rels.get("", []) if r.type == RT_OFFICE_DOCUMENT]
        if not office:
            self.problem("_rels/.rels: no officeDocument relationship (no workbook)")
            return
        part = self.by_fold.get(office[0].target.casefold())
        tree = self.trees.get(part) if part else None
        if part is None or tree is None or self.content_type(part) not in CT_WORKBOOKS:
            return  # reported already (missing target, parse error, wrong content type)
        root = tree.getroot()
        rels = self.rel_ids(part)
        sheets = root.findall(f"{{{NS_MAIN}}}sheets/{{{NS_MAIN}}}sheet")
        names: dict[str, str] = {}
        ids: set[str] = set()
        for sheet in sheets:
            name, sheet_id = sheet.get("name") or "", sheet.get("sheetId") or ""
            rid = sheet.get(f"{{{NS_R}}}id") or ""
            where = f"{part}: line {sheet.sourceline}: sheet {name!r}"
            rel = rels.get(rid)
            if rel is None or rel.type not in RT_SHEETS:
                what = "no relationship" if rel is None else f"a {rel.type} relationship"
                self.problem(f"{where}: r:id {rid!r} resolves to {what}, not a sheet")
            problem = _sheet_name_problem(name)
            if problem:
                self.problem(f"{where}: {problem}")
            if name.casefold() in names:
                self.problem(f"{where}: same name (ignoring case) as sheet "
                             f"{names[name.casefold()]!r}")
            names.setdefault(name.casefold(), name)
            if sheet_id in ids:
                self.problem(f"{where}: sheetId {sheet_id} used twice")
            ids.add(sheet_id)
        scopes: set[tuple[str, str]] = set()
        for dn in root.iterfind(f"{{{NS_MAIN}}}definedNames/{{{NS_MAIN}}}definedName"):
            scope = dn.get("localSheetId") or ""
            key = ((dn.get("name") or "").casefold(), scope)
            where = f"{part}: line {dn.sourceline}: definedName {dn.get('name')!r}"
            if key in scopes:
                self.problem(f"{where}: defined twice in the same scope")
            scopes.add(key)
            if scope and not (scope.isdigit() and int(scope) < len(sheets)):
                self.problem(f"{where}: localSheetId {scope} but the workbook has "
                             f"{len(sheets)} sheets")
        self.sheet_contents(part, rels, sheets)

    def sheet_contents(self, workbook: str, rels: dict[str, _Rel],
                       sheets: list[etree._Element]) -> None:
        xf_count, sst_count = None, None
        for rel in rels.values():
            part = self.by_fold.get(rel.target.casefold()) if not rel.external else None
            tree = self.trees.get(part) if part else None
            if tree is None:
                continue
            if rel.type == _RT + "styles":
                xfs = tree.getroot().find(f"{{{NS_MAIN}}}cellXfs")
                xf_count = 0 if xfs is None else len(xfs.findall(f"{{{NS_MAIN}}}xf"))
            elif rel.type == _RT + "sharedStrings":
                sst_count = len(tree.getroot().findall(f"{{{NS_MAIN}}}si"))
                unique = tree.getroot().get("uniqueCount")
                if unique is not None and unique != str(sst_count):
                    self.problem(f"{part}: uniqueCount={unique} but the table has {sst_count} <si>")
        for sheet in sheets:
            sheet_rel = rels.get(sheet.get(f"{{{NS_R}}}id") or "")
            part = (self.by_fold.get(sheet_rel.target.casefold())
                    if sheet_rel and not sheet_rel.external else None)
            tree = self.trees.get(part) if part else None
            if part is None or tree is None or tree.getroot().tag != f"{{{NS_MAIN}}}worksheet":
                continue
            _check_worksheet(part, tree.getroot(), xf_count, sst_count, self.problem)
            for srel in self.rels.get(part, []):
                target = self.by_fold.get(srel.target.casefold()) if not srel.external else None
                comments = self.trees.get(target) if target else None
                if srel.type == _RT + "comments" and comments is not None:
                    _check_comments(target or "", comments.getroot(), self.problem)
                    self.comment_shapes(part, tree.getroot(), target or "", comments.getroot())

    def comment_shapes(self, sheet: str, root: etree._Element, part: str, comments: etree._Element) -> None:
        """A commented sheet draws its comments through a VML part: <legacyDrawing r:id> to a
        vmlDrawing relationship, one Note shape per commented cell, no Note without a comment."""
        legacy = root.find(f"{{{NS_MAIN}}}legacyDrawing")
        rel = {r.id: r for r in self.rels.get(sheet, [])}.get(
            legacy.get(f"{{{NS_R}}}id") or "" if legacy is not None else "")
        vml = self.by_fold.get(rel.target.casefold()) if rel is not None and not rel.external else None
        if legacy is None or rel is None or rel.type != _RT + "vmlDrawing" or vml is None:
            self.problem(f"{sheet}: has comments ({part}) but no <legacyDrawing> to a VML part")
            return
        notes = set()
        for data in _VML_NOTE.findall(self.zf.read(vml).decode("utf-8", "replace")):
            row, col = _VML_ROW.search(data), _VML_COL.search(data)
            if row and col:
                notes.add((int(row.group(1)) + 1, int(col.group(1)) + 1))
        cells = {_ref(c.get("ref") or "") for c in comments.iterfind(f"{{{NS_MAIN}}}commentList/{{{NS_MAIN}}}comment")}
        for missing in sorted(c for c in cells - notes if c):
            self.problem(f"{vml}: no Note shape for the comment on row {missing[0]}, column {missing[1]} of {sheet}")
        for extra in sorted(notes - cells):
            self.problem(f"{vml}: Note shape at row {extra[0]}, column {extra[1]} of {sheet} has no comment")

    def characters(self) -> None:
        """XML 1.0 characters only, in every XML-like part (VML too, which is not parsed)."""
        for name in self.names:
            if not name.endswith((".xml", ".rels", ".vml")):
                continue
            try:
                text = self.zf.read(name).decode("utf-8")
            except (UnicodeDecodeError, zipfile.BadZipFile, OSError, EOFError):
                continue  # UTF-16 parts and broken entries are judged by the parser
            bad = _NOT_XML10.search(text) or _NOT_XML10_REF.search(text)
            if bad:
                self.problem(f"{name}: character {bad.group(0)!r} is not allowed in XML 1.0")

    def run(self) -> PackageReport:
        seen: set[str] = set()
        for info in self.zf.infolist():
            if info.filename.casefold() in seen:
                self.problem(f"{info.filename}: zip entry name used twice (ignoring case)")
            seen.add(info.filename.casefold())
        self.content_types()
        self.relationships()
        self.parts()
        self.workbook()
        self.characters()
        return self.report


_VML_NOTE = re.compile(r"<(?:\w+:)?ClientData\s[^>]*ObjectType=[\"']Note[\"'][^>]*>(.*?)</(?:\w+:)?ClientData>", re.S)
_VML_ROW = re.compile(r"<(?:\w+:)?Row>\s*(\d+)\s*<")
_VML_COL = re.compile(r"<(?:\w+:)?Column>\s*(\d+)\s*<")
_NOT_XML10 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NOT_XML10_REF = re.compile(r"&#(?:x0*[0-8bBcCeEfF]|x0*1[0-9a-fA-F]|0*[0-8]|0*1[124-9]|0*2[0-9]|0*3[01]);")


_BAD_SHEET_CHARS = re.compile(r"[:\\/?*\[\]]")


def _sheet_name_problem(name: str) -> Optional[str]:
    if not name or not name.strip():
        return "empty sheet name"
    if len(name) > 31:
        return f"sheet name longer than 31 characters ({len(name)})"
    if _BAD_SHEET_CHARS.search(name):
        return "sheet name contains one of : \\ / ? * [ ]"
    if name.startswith("'") or name.endswith("'"):
        return "sheet name starts or ends with an apostrophe"
    return None


_REF = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")


def _ref(ref: str) -> Optional[tuple[int, int]]:
    """(row, col) of an A1 reference within Excel's grid, else None."""
    m = _REF.match(ref)
    if m is None:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    return (row, col) if row <= 1048576 and col <= 16384 else None


def _area(text: str) -> Optional[tuple[int, int, int, int]]:
    first, _, last = text.partition(":")
    a, b = _ref(first), _ref(last or first)
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


def _check_worksheet(part: str, root: etree._Element, xf_count: Optional[int],
                     sst_count: Optional[int], problem: Callable[[str], None]) -> None:
    m = f"{{{NS_MAIN}}}"

    def style_ok(elem: etree._Element, what: str) -> None:
        s = elem.get("s")
        if s is not None and xf_count is not None and s.isdigit() and int(s) >= xf_count:
            problem(f"{part}: line {elem.sourceline}: {what} style s={s} but styles.xml has "
                    f"{xf_count} cellXfs")

    last_max = 0
    for col in root.iterfind(f"{m}cols/{m}col"):
        lo, hi = int(col.get("min") or 0), int(col.get("max") or 0)
        if lo > hi or lo <= last_max:
            problem(f"{part}: line {col.sourceline}: <col min={lo} max={hi}> overlaps or "
                    f"precedes the previous range (ends at {last_max}) or is empty")
        last_max = max(last_max, hi)
        style_ok(col, f"<col min={lo}>")
    last_row = 0
    for row in root.iterfind(f"{m}sheetData/{m}row"):
        r = row.get("r")
        number = int(r) if r and r.isdigit() else last_row + 1
        if number <= last_row:
            problem(f"{part}: line {row.sourceline}: row {number} after row {last_row}")
        last_row = number
        style_ok(row, f"row {number}")
        last_col = 0
        for cell in row.iterfind(f"{m}c"):
            ref = cell.get("r")
            pos = _ref(ref) if ref else (number, last_col + 1)
            if pos is None:
                problem(f"{part}: line {cell.sourceline}: cell reference {ref!r} is not valid")
                continue
            if pos[0] != number:
                problem(f"{part}: line {cell.sourceline}: cell {ref} inside row {number}")
            if pos[1] <= last_col:
                problem(f"{part}: line {cell.sourceline}: cell {ref} after a cell to its "
                        "right (cells must be in ascending column order)")
            last_col = pos[1]
            style_ok(cell, f"cell {ref}")
            if cell.get("t") == "s" and sst_count is not None:
                v = cell.findtext(f"{m}v")
                if v is None or not v.strip().isdigit() or int(v) >= sst_count:
                    problem(f"{part}: line {cell.sourceline}: cell {ref} shared string "
                            f"{v!r}, but sharedStrings.xml has {sst_count} <si>")
    areas: list[tuple[tuple[int, int, int, int], str, int]] = []
    for mc in root.iterfind(f"{m}mergeCells/{m}mergeCell"):
        text = mc.get("ref") or ""
        area = _area(text)
        if area is None:
            problem(f"{part}: line {mc.sourceline}: mergeCell ref {text!r} is not valid")
            continue
        for other, other_text, _line in areas:
            if not (area[2] < other[0] or other[2] < area[0] or area[3] < other[1]
                    or other[3] < area[1]):
                problem(f"{part}: line {mc.sourceline}: merged range {text} overlaps "
                        f"{other_text}")
        areas.append((area, text, mc.sourceline or 0))


def _check_comments(part: str, root: etree._Element, problem: Callable[[str], None]) -> None:
    m = f"{{{NS_MAIN}}}"
    authors = len(root.findall(f"{m}authors/{m}author"))
    refs: set[str] = set()
    for comment in root.iterfind(f"{m}commentList/{m}comment"):
        ref, author = comment.get("ref") or "", comment.get("authorId") or ""
        if ref in refs:
            problem(f"{part}: line {comment.sourceline}: second comment on cell {ref}")
        refs.add(ref)
        if not (author.isdigit() and int(author) < authors):
            problem(f"{part}: line {comment.sourceline}: comment on {ref} has authorId "
                    f"{author}, but there are {authors} authors")


def check_package(source: Source) -> PackageReport:
    """Check the .xlsx ``source`` (path, bytes or binary file); see the module docstring."""
    data = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        zf = zipfile.ZipFile(data)
    except zipfile.BadZipFile as exc:
        return PackageReport(problems=[f"not a zip package: {exc}"])
    with zf:
        return _Checker(zf).run()


def validate_package(source: Source) -> list[str]:
    """The problems :func:`check_package` finds in ``source``; empty when it is valid."""
    return check_package(source).problems


def format_problems(problems: Iterable[str], limit: int = 40) -> str:
    """Problems one per line for an assertion message, at most ``limit`` of them."""
    items = list(problems)
    shown = "\n".join(items[:limit])
    return shown + (f"\n… and {len(items) - limit} more" if len(items) > limit else "")
