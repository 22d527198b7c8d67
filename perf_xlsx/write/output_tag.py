"""The perf_xlsx_output custom document property that marks a scored copy, so that a batch
run never scores its own outputs (a renamed or moved copy is still recognised)."""

from __future__ import annotations

from perf_xlsx.ooxml.markup import decode_part, encode_part
from perf_xlsx.ooxml.names import CT_CUSTOM, REL_CUSTOM_PROPS
from perf_xlsx.ooxml.package import unused_part
from perf_xlsx.ooxml.props import custom_props_new, custom_props_set
from perf_xlsx.ooxml.rels import add_rels, new_rel_id, rels_xml, resolve
from perf_xlsx.version import __version__
from perf_xlsx.write.context import Build

OUTPUT_PROPERTY = "perf_xlsx_output"


def tag_output(b: Build) -> None:
    """Set the property (its value: the tool's version) in the package's custom properties,
    made new where there are none."""
    root_rels = b.pkg.find("_rels/.rels")
    rels = b.pkg.rels("") if root_rels else []
    custom = next((b.pkg.find(resolve("", r.target)) for r in rels
                   if r.type == REL_CUSTOM_PROPS and not r.external), None)
    if custom:
        b.out[custom] = custom_props_set(b.pkg.parts[custom], OUTPUT_PROPERTY, __version__)
        if b.ct.type_of(custom) is None:
            b.ct.add_override(custom, CT_CUSTOM)
        return
    part = "docProps/custom.xml" if b.pkg.find("docProps/custom.xml") is None else \
        unused_part(b.names, "docProps/custom{n}.xml")
    b.names.add(part)
    b.out[part] = custom_props_new(OUTPUT_PROPERTY, __version__)
    b.ct.add_override(part, CT_CUSTOM)
    new = [(new_rel_id({r.id for r in rels}), REL_CUSTOM_PROPS, part)]
    if root_rels:
        text, codec = decode_part(b.pkg.parts[root_rels])
        b.out[root_rels] = encode_part(add_rels(text, new), codec)
    else:
        b.out["_rels/.rels"] = rels_xml(new).encode("utf-8")
