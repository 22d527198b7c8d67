"""[Content_Types].xml: what type each part has, and Default/Override entries added and
removed in place."""

from __future__ import annotations

import posixpath
import re
from typing import Optional

from perf_xlsx.memo import ByContent
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import (
    OPEN_TAG,
    attrs_of,
    decode_part,
    encode_part,
    insert_into,
    root_prefix,
)
from perf_xlsx.ooxml.parse import xml_elements
from perf_xlsx.ooxml.text import xml_attr


class ContentTypes:
    """[Content_Types].xml as text, with its Defaults (by extension) and Overrides (by
    "/part") indexed lower-case, as OPC names compare."""

    def __init__(self, data: bytes) -> None:
        # Parsed once per distinct part (memo): a template's workbooks share it.
        self.text, self.codec, self.prefix, defaults, overrides = _PARSED(data)
        self.defaults: dict[str, str] = dict(defaults)
        self.overrides: dict[str, str] = dict(overrides)

    def type_of(self, part: str) -> Optional[str]:
        got = self.overrides.get("/" + part.lower())
        if got is not None:
            return got
        ext = part.rsplit(".", 1)[-1].lower() if "." in posixpath.basename(part) else ""
        return self.defaults.get(ext)

    def _elements(self, local: str) -> re.Pattern[str]:
        p = re.escape(self.prefix)
        return re.compile(rf"<{p}{local}\b{OPEN_TAG}(?:/>|>\s*</{p}{local}\s*>)", re.S)

    def add_override(self, part: str, ctype: str) -> None:
        self.remove_override(part)
        snippet = f'<{self.prefix}Override PartName="/{xml_attr(part)}" ContentType="{xml_attr(ctype)}"/>'
        self.text = self._insert(snippet, at_start=False)
        self.overrides["/" + part.lower()] = ctype

    def remove_override(self, part: str) -> None:
        key = "/" + part.lower()
        if key not in self.overrides:
            return

        def drop(m: re.Match[str]) -> str:
            return "" if attrs_of(m.group(0)).get("PartName", "").lower() == key else m.group(0)

        self.text = self._elements("Override").sub(drop, self.text)
        del self.overrides[key]

    def set_override(self, part: str, ctype: str) -> None:
        self.add_override(part, ctype)

    def ensure_default(self, ext: str, ctype: str) -> None:
        if ext.lower() in self.defaults:
            return
        snippet = f'<{self.prefix}Default Extension="{xml_attr(ext)}" ContentType="{xml_attr(ctype)}"/>'
        self.text = self._insert(snippet, at_start=True)
        self.defaults[ext.lower()] = ctype

    def remove_default(self, ext: str) -> None:
        key = ext.lower()
        if key not in self.defaults:
            return

        def drop(m: re.Match[str]) -> str:
            return "" if attrs_of(m.group(0)).get("Extension", "").lower() == key else m.group(0)

        self.text = self._elements("Default").sub(drop, self.text)
        del self.defaults[key]

    def _insert(self, snippet: str, at_start: bool) -> str:
        out = insert_into(self.text, self.prefix + "Types", snippet, at_start=at_start)
        if out is None:
            raise PartError("[Content_Types].xml 结构异常")
        return out

    def to_bytes(self) -> bytes:
        return encode_part(self.text, self.codec)


def _parse(data: bytes) -> tuple[str, str, str, dict[str, str], dict[str, str]]:
    """(text, codec, prefix, defaults, overrides) of the part; the dicts are shared (memo)."""
    text, codec = decode_part(data)
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for el in xml_elements(data):
        if el.depth != 1:
            continue
        if el.local == "Default":
            defaults[el.get("Extension").lower()] = el.get("ContentType")
        elif el.local == "Override":
            overrides[el.get("PartName").lower()] = el.get("ContentType")
    return text, codec, root_prefix(text, "Types"), defaults, overrides


_PARSED = ByContent(_parse)
