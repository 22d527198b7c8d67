"""Relationships: part names and targets resolved and made relative, .rels parts parsed,
written and edited, and fresh relationship ids."""

from __future__ import annotations

import posixpath
import re
from typing import NamedTuple

from perf_xlsx.memo import ByContent
from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.markup import OPEN_TAG, attrs_of, insert_into, root_prefix
from perf_xlsx.ooxml.names import NS_PKG_REL
from perf_xlsx.ooxml.parse import xml_elements
from perf_xlsx.ooxml.text import xml_attr


class Rel(NamedTuple):
    id: str
    type: str
    target: str
    external: bool


def rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def resolve(source_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    folder = posixpath.dirname(source_part)
    return posixpath.normpath(posixpath.join(folder, target)).lstrip("/")


def relative(source_part: str, target_part: str) -> str:
    folder = posixpath.dirname(source_part)
    src = folder.split("/") if folder else []
    dst = target_part.split("/")
    # Plain part names (no "", "." or ".." segment) need none of relpath's normalising against
    # the working directory, which costs a getcwd and two abspaths per call.
    if not any(seg in ("", ".", "..") for seg in src + dst):
        common = 0
        for a, b in zip(src, dst):
            if a != b:
                break
            common += 1
        return "/".join([".."] * (len(src) - common) + dst[common:]) or "."
    return posixpath.relpath(target_part, folder or ".")


def parse_rels(data: bytes) -> list[Rel]:
    return list(_PARSED(data))


def _parse(data: bytes) -> tuple[Rel, ...]:
    return tuple(Rel(el.get("Id"), el.get("Type"), el.get("Target"), el.attrib.get("TargetMode") == "External")
                 for el in xml_elements(data) if el.depth == 1 and el.local == "Relationship")


# A template's .rels parts repeat from workbook to workbook: each distinct one is parsed once.
_PARSED = ByContent(_parse)


def rels_xml(rels: list[tuple[str, str, str]]) -> str:
    body = "".join(f'<Relationship Id="{xml_attr(i)}" Type="{xml_attr(t)}" Target="{xml_attr(g)}"/>'
                   for i, t, g in rels)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{NS_PKG_REL}">{body}</Relationships>')


def add_rels(text: str, rels: list[tuple[str, str, str]]) -> str:
    prefix = root_prefix(text, "Relationships")
    body = "".join(f'<{prefix}Relationship Id="{xml_attr(i)}" Type="{xml_attr(t)}" Target="{xml_attr(g)}"/>'
                   for i, t, g in rels)
    out = insert_into(text, prefix + "Relationships", body)
    if out is None:
        raise PartError("关系部件（.rels）结构异常")
    return out


def remove_rels(text: str, ids: set[str]) -> str:
    if not ids:
        return text
    prefix = root_prefix(text, "Relationships")
    pat = re.compile(rf"<{re.escape(prefix)}Relationship\b{OPEN_TAG}(?:/>|>.*?</{re.escape(prefix)}Relationship\s*>)",
                     re.S)

    def drop(m: re.Match[str]) -> str:
        return "" if attrs_of(m.group(0)).get("Id") in ids else m.group(0)

    return pat.sub(drop, text)


def new_rel_id(existing: set[str], stem: str = "rIdPx") -> str:
    n = 1
    while f"{stem}{n}" in existing:
        n += 1
    existing.add(f"{stem}{n}")
    return f"{stem}{n}"
