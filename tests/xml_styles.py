"""Rewrite the XML parts of an .xlsx in the namespace styles that different writers use.

The same workbook can be serialised in several equally valid ways, and the scored copy must be
namespace-correct for all of them (issue 11):

- ``excel``: every namespace declared once, on the root element (Excel, LibreOffice, openpyxl
  without lxml);
- ``lxml``: each element declares what it uses and its ancestors do not (openpyxl with lxml:
  ``<sheet xmlns:r="…" r:id="rId1"/>``);
- ``prefixed``: SpreadsheetML as ``x:workbook``, ``x:sheet``… (the .NET Open XML SDK and some
  Java libraries), declared on the root;
- ``prefixed_lxml``: both at once;
- ``wps``: ``excel`` plus the extra namespaces and ``mc:Ignorable`` entries WPS adds.

The rewrite is done on expat's namespace-aware events, so the result means exactly what the
input meant (same elements, attributes, text); only prefixes and declarations move. VML parts
are left alone (they are not namespace-strict XML).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union
from xml.parsers import expat

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_XML = "http://www.w3.org/XML/1998/namespace"
NS_WPS_ETC = "http://www.wps.cn/officeDocument/2017/etCustomData"
NS_X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
NS_XR = "http://schemas.microsoft.com/office/spreadsheetml/2014/revision"

STYLES = ("excel", "lxml", "prefixed", "prefixed_lxml", "wps")
_MC_LISTS = ("Ignorable", "ProcessContent", "MustUnderstand", "Requires", "PreserveElements",
             "PreserveAttributes")


@dataclass
class _Node:
    uri: str
    local: str
    prefix: str  # as written in the input ('' for the default namespace or none)
    attrs: list[tuple[str, str, str, str]]  # (uri, local, prefix, value)
    decls: dict[str, str]  # prefix ('' = default) -> uri, as declared on this element
    children: list[Union[_Node, str]] = field(default_factory=list)


def _split(name: str) -> tuple[str, str, str]:
    parts = name.split(" ")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) == 2:
        return parts[0], parts[1], ""
    return "", parts[0], ""


def _parse(data: bytes) -> _Node:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.namespace_prefixes = True
    parser.ordered_attributes = True
    parser.buffer_text = True
    stack: list[_Node] = []
    root: list[_Node] = []
    pending: dict[str, str] = {}

    def ns_decl(prefix: Optional[str], uri: Optional[str]) -> None:
        pending[prefix or ""] = uri or ""

    def start(name: str, attrs: list[str]) -> None:
        uri, local, prefix = _split(name)
        pairs = []
        for i in range(0, len(attrs), 2):
            a_uri, a_local, a_prefix = _split(attrs[i])
            pairs.append((a_uri, a_local, a_prefix, attrs[i + 1]))
        node = _Node(uri, local, prefix, pairs, dict(pending))
        pending.clear()
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def chars(text: str) -> None:
        if stack:
            stack[-1].children.append(text)

    parser.StartNamespaceDeclHandler = ns_decl
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.Parse(data, True)
    return root[0]


def _esc_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _esc_attr(s: str) -> str:
    return (_esc_text(s).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


def _walk(node: _Node) -> list[_Node]:
    out = [node]
    for child in node.children:
        if isinstance(child, _Node):
            out.extend(_walk(child))
    return out


class _Writer:
    def __init__(self, root: _Node, style: str) -> None:
        self.style = style
        self.hoist = style in ("excel", "prefixed", "wps")
        nodes = _walk(root)
        taken = {p for n in nodes for p, u in n.decls.items() if p and u != NS_MAIN}
        self.main_prefix = ("x" if "x" not in taken else "sml") if style.startswith("prefixed") else None
        # The original scope at each node, to resolve prefixes named inside mc: attributes.
        self.scope_at: dict[int, dict[str, str]] = {}
        self._scopes(root, {})
        if self.hoist:
            seen: dict[str, set[str]] = {}
            for n in nodes:
                for p, u in n.decls.items():
                    seen.setdefault(self.prefix_for(u, p), set()).add(u)
            self.root_extra = {p: next(iter(us)) for p, us in seen.items() if len(us) == 1}
        else:
            self.root_extra = {}
        if style == "wps" and root.uri == NS_MAIN:
            self.root_extra.update({"mc": NS_MC, "etc": NS_WPS_ETC, "x14ac": NS_X14AC, "xr": NS_XR})
            lists = [a for a in root.attrs if a[0] == NS_MC and a[1] == "Ignorable"]
            if lists:
                u, loc, p, v = lists[0]
                extra = [w for w in ("x14ac", "xr", "etc") if w not in v.split()]
                root.attrs[root.attrs.index(lists[0])] = (u, loc, p, " ".join([v, *extra]).strip())
            else:
                root.attrs.append((NS_MC, "Ignorable", "mc", "x14ac xr etc"))

    def _scopes(self, node: _Node, outer: dict[str, str]) -> None:
        scope = {**outer, **node.decls}
        self.scope_at[id(node)] = scope
        for child in node.children:
            if isinstance(child, _Node):
                self._scopes(child, scope)

    def prefix_for(self, uri: str, prefix: str) -> str:
        if uri == NS_MAIN and self.main_prefix is not None:
            return self.main_prefix
        return prefix

    def write(self, node: _Node, scope: dict[str, str], is_root: bool, out: list[str]) -> None:
        need: dict[str, str] = {}
        name_prefix = self.prefix_for(node.uri, node.prefix)
        need[name_prefix] = node.uri
        for a_uri, _local, a_prefix, value in node.attrs:
            if a_uri and a_uri != NS_XML:
                need[self.prefix_for(a_uri, a_prefix)] = a_uri
            if a_uri == NS_MC and _local in _MC_LISTS:
                original = self.scope_at[id(node)]
                for word in value.replace(",", " ").split():
                    p = word.split(":")[0]
                    if p in original:
                        need[p] = original[p]
                    elif p in self.root_extra:
                        need[p] = self.root_extra[p]
        if is_root:
            need = {**self.root_extra, **need}
        decls = {p: u for p, u in need.items() if scope.get(p, "") != u}
        inner = {**scope, **decls}
        qname = f"{name_prefix}:{node.local}" if name_prefix else node.local
        parts = [f"<{qname}"]
        for p, u in decls.items():
            parts.append(f' xmlns="{_esc_attr(u)}"' if not p else f' xmlns:{p}="{_esc_attr(u)}"')
        for a_uri, a_local, a_prefix, value in node.attrs:
            if not a_uri:
                aname = a_local
            elif a_uri == NS_XML:
                aname = f"xml:{a_local}"
            else:
                aname = f"{self.prefix_for(a_uri, a_prefix)}:{a_local}"
            parts.append(f' {aname}="{_esc_attr(value)}"')
        if not node.children:
            out.append("".join(parts) + "/>")
            return
        out.append("".join(parts) + ">")
        for child in node.children:
            if isinstance(child, str):
                out.append(_esc_text(child))
            else:
                self.write(child, inner, False, out)
        out.append(f"</{qname}>")


def restyle_xml(data: bytes, style: str) -> bytes:
    """One XML part rewritten in ``style`` (see the module docstring)."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}")
    root = _parse(data)
    writer = _Writer(root, style)
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n']
    writer.write(root, {"xml": NS_XML}, True, out)
    return "".join(out).encode("utf-8")


def restyle_package(src: Union[str, Path], dst: Union[str, Path], style: str) -> Path:
    """Copy the .xlsx ``src`` to ``dst`` with every XML part (not VML) rewritten in ``style``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename.lower().endswith((".xml", ".rels")) and data.strip():
                data = restyle_xml(data, style)
            zout.writestr(info.filename, data)
    Path(dst).write_bytes(buf.getvalue())
    return Path(dst)
