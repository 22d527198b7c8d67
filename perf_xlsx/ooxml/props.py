"""Custom document properties (docProps/custom.xml): a new part, a property set in an
existing one, and the question whether one is there."""

from __future__ import annotations

import re

from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import (
    OPEN_TAG,
    attrs_of,
    decode_part,
    encode_part,
    insert_into,
    ns_prefix,
    root_prefix,
    tag_end,
)
from perf_xlsx.ooxml.names import CUSTOM_FMTID, NS_CUSTOM, NS_VT
from perf_xlsx.ooxml.parse import xml_elements
from perf_xlsx.ooxml.text import xml_attr, xml_text


def custom_props_new(name: str, value: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{NS_CUSTOM}" xmlns:vt="{NS_VT}">'
            f'<property fmtid="{CUSTOM_FMTID}" pid="2" name="{xml_attr(name)}">'
            f"<vt:lpwstr>{xml_text(value)}</vt:lpwstr></property></Properties>").encode()


def custom_props_set(data: bytes, name: str, value: str) -> bytes:
    text, codec = decode_part(data)
    p = root_prefix(text, "Properties")
    vt, declare = ns_prefix(text, NS_VT, "vt")
    pids = [int(x) for x in re.findall(r'\bpid\s*=\s*"(\d+)"', text)]
    prop_pat = re.compile(rf"<{re.escape(p)}property\b{OPEN_TAG}(?:/>|>.*?</{re.escape(p)}property\s*>)", re.S)

    def drop(m: re.Match[str]) -> str:
        return "" if attrs_of(m.group(0)[: tag_end(m.group(0))]).get("name") == name else m.group(0)

    text = prop_pat.sub(drop, text)
    val = f"<{vt}:lpwstr{declare}>{xml_text(value)}</{vt}:lpwstr>"
    prop = (f'<{p}property fmtid="{CUSTOM_FMTID}" pid="{max(pids + [1]) + 1}" '
            f'name="{xml_attr(name)}">{val}</{p}property>')
    out = insert_into(text, p + "Properties", prop)
    if out is None:
        raise PartError("自定义属性部件结构异常")
    return encode_part(out, codec)


def custom_props_has(data: bytes, name: str) -> bool:
    return any(el.depth == 1 and el.local == "property" and el.attrib.get("name") == name
               for el in xml_elements(data))
