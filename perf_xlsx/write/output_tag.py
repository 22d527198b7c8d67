"""The perf_xlsx_output custom document property that marks a scored copy, so that a batch
run never scores its own outputs (a renamed or moved copy is still recognised).

Excel, WPS and LibreOffice keep custom properties when a user saves the file, so the property
alone cannot tell the tool's copy from a unit's corrected resubmission of it. Its value
therefore also records a fingerprint of the core properties part (docProps/core.xml) and the
workbook part (xl/workbook.xml) as the tool wrote them: every office program rewrites both on
save (the modified time, its own serialisation), so a copy whose two parts still match was not
saved again by anyone (:func:`marker_of`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from perf_xlsx.ooxml.markup import decode_part, encode_part
from perf_xlsx.ooxml.names import CT_CUSTOM, REL_CUSTOM_PROPS
from perf_xlsx.ooxml.package import unused_part
from perf_xlsx.ooxml.props import custom_props_new, custom_props_set
from perf_xlsx.ooxml.rels import add_rels, new_rel_id, parse_rels, rels_xml, resolve
from perf_xlsx.version import __version__
from perf_xlsx.write.context import Build

OUTPUT_PROPERTY = "perf_xlsx_output"
CORE_PART = "docProps/core.xml"
_CORE_REL = "/metadata/core-properties"
_NO_CORE = "none"


@dataclass(frozen=True)
class Marker:
    """The property as found in a workbook."""

    value: str  # "summary" (汇总.xlsx), "<version>" (older scored copies), "<version>;core=<hex>"
    untouched: bool  # the core part is still the one the tool wrote: nobody saved the file since

    @property
    def summary(self) -> bool:
        return self.value == "summary"


def core_fingerprint(core: Optional[bytes], workbook: Optional[bytes]) -> str:
    if core is None and workbook is None:
        return _NO_CORE
    digest = hashlib.sha256()
    for part in (core, workbook):
        digest.update(b"-" if part is None else hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


def _office_document(rels: list[Any]) -> Optional[str]:
    return next((resolve("", r.target) for r in rels if r.type.endswith("/officeDocument") and not r.external), None)


def tag_output(b: Build) -> None:
    """Set the property (its value: the tool's version and the core part's fingerprint) in the
    package's custom properties, made new where there are none."""
    root_rels = b.pkg.find("_rels/.rels")
    rels = b.pkg.rels("") if root_rels else []
    core_name = next((resolve("", r.target) for r in rels if r.type.endswith(_CORE_REL) and not r.external), None)
    core_name = b.pkg.find(core_name) if core_name else None
    core = (b.out.get(core_name) or b.pkg.parts[core_name]) if core_name else None
    # The workbook part is final here: the sheets are added before the tag (write.scored).
    workbook = b.out.get(b.wb_part) or b.pkg.parts.get(b.wb_part)
    value = f"{__version__};core={core_fingerprint(core, workbook)}"
    custom = next((b.pkg.find(resolve("", r.target)) for r in rels
                   if r.type == REL_CUSTOM_PROPS and not r.external), None)
    if custom:
        b.out[custom] = custom_props_set(b.pkg.parts[custom], OUTPUT_PROPERTY, value)
        if b.ct.type_of(custom) is None:
            b.ct.add_override(custom, CT_CUSTOM)
        return
    part = "docProps/custom.xml" if b.pkg.find("docProps/custom.xml") is None else \
        unused_part(b.names, "docProps/custom{n}.xml")
    b.names.add(part)
    b.out[part] = custom_props_new(OUTPUT_PROPERTY, value)
    b.ct.add_override(part, CT_CUSTOM)
    new = [(new_rel_id({r.id for r in rels}), REL_CUSTOM_PROPS, part)]
    if root_rels:
        text, codec = decode_part(b.pkg.parts[root_rels])
        b.out[root_rels] = encode_part(add_rels(text, new), codec)
    else:
        b.out["_rels/.rels"] = rels_xml(new).encode("utf-8")


_PROPERTY = re.compile(r"<(?:\w+:)?property\b[^>]*\bname\s*=\s*[\"']" + re.escape(OUTPUT_PROPERTY)
                       + r"[\"'][^>]*>(.*?)</(?:\w+:)?property\s*>", re.S)
_VALUE = re.compile(r"<(?:\w+:)?lpwstr\b[^>]*>(.*?)</(?:\w+:)?lpwstr\s*>", re.S)


def marker_of(names: set[str], read: Callable[[str], bytes]) -> Optional[Marker]:
    """The marker of an open package (its part names and a reader of a part), or None when it
    carries none. Raises on a damaged package; callers treat that as "no marker"."""
    rels = parse_rels(read("_rels/.rels")) if "_rels/.rels" in names else []
    custom = next((resolve("", r.target) for r in rels if r.type == REL_CUSTOM_PROPS and not r.external), None)
    if custom not in names:
        custom = "docProps/custom.xml" if "docProps/custom.xml" in names else None
    if custom is None:
        return None
    text = read(custom)[: 1 << 20].decode("utf-8", "replace")
    prop = _PROPERTY.search(text)
    if prop is None:
        return None
    found = _VALUE.search(prop.group(1))
    value = found.group(1).strip() if found else ""
    core_name = next((resolve("", r.target) for r in rels if r.type.endswith(_CORE_REL) and not r.external), None)
    if core_name not in names:
        core_name = CORE_PART if CORE_PART in names else None
    core = read(core_name) if core_name else None
    wb_name = _office_document(rels)
    workbook = read(wb_name) if wb_name in names else None
    _, _, recorded = value.partition(";core=")
    return Marker(value, bool(recorded) and recorded == core_fingerprint(core, workbook))
