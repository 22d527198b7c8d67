"""Parsing untrusted XML parts safely: expat with every DTD refused, as defusedxml's forbid_dtd
does, for looking things up (:func:`xml_elements`) and for the yes/no of well-formedness."""

from __future__ import annotations

from typing import NamedTuple, NoReturn, Optional
from xml.etree.ElementTree import ParseError
from xml.parsers import expat

from defusedxml import DTDForbidden


class XmlElement(NamedTuple):
    """One element of a parsed part: what the lookups need of an ElementTree element."""

    local: str  # tag without namespace
    attrib: dict[str, str]  # namespaced attributes keyed "uri}local", others by plain name
    depth: int  # 0 for the root
    text: str  # character data before the first child ('' unless asked for)

    def get(self, name: str, default: str = "") -> str:
        return self.attrib.get(name, default)


def _refuse_doctype(name: str, sysid: Optional[str], pubid: Optional[str], _internal: object) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _refuse_entity(*_args: object) -> NoReturn:
    # Unreachable while every DTD is refused (entities can only be declared in one): a
    # second lock in case a future expat reports them some other way.
    raise ValueError("entity declarations are refused")


def xml_elements(data: bytes, text_of: frozenset[str] = frozenset()) -> list[XmlElement]:
    """The elements of an untrusted XML part in document order, parsed by expat as safely as
    defusedxml's ``fromstring(forbid_dtd=True)`` (any DTD refused, so no entity can be
    declared) and raising the same DTDForbidden / ParseError. defusedxml goes through the
    pure-Python ElementTree parser and builds a tree; for these small lookups that cost more
    than the rest of reading the package."""
    out: list[XmlElement] = []
    depth = 0
    current = -1  # index in out of the element whose text is being collected
    pieces: list[str] = []

    def finish_text() -> None:
        nonlocal current
        if pieces:
            out[current] = out[current]._replace(text="".join(pieces))
            pieces.clear()
        current = -1

    def start(tag: str, attrib: dict[str, str]) -> None:
        nonlocal depth, current
        if current >= 0:  # a child ends the parent's text, as in ElementTree
            finish_text()
        local = tag.rsplit("}", 1)[-1]
        out.append(XmlElement(local, attrib, depth, ""))
        depth += 1
        if local in text_of:
            current = len(out) - 1

    def end(_tag: str) -> None:
        nonlocal depth
        depth -= 1
        if current >= 0:
            finish_text()

    def chars(data: str) -> None:
        if current >= 0:
            pieces.append(data)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    if text_of:
        parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ParseError(str(exc)) from None
    return out


def _refuse_dtd(*_args: object) -> None:
    raise ValueError("DTD")


def well_formed(data: bytes) -> bool:
    """Whether ``data`` is well-formed, namespace-correct XML without a DTD. A bare expat parser with no tree
    is several times faster than building one, and refusing any DTD keeps it as safe as
    defusedxml's forbid_dtd for this yes/no question."""
    # Namespace-aware: an element or attribute whose prefix is not declared where it stands
    # ("unbound prefix") is an error, as it is for Excel, WPS and LibreOffice.
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    try:
        parser.Parse(data, True)
    except (expat.ExpatError, ValueError):
        return False
    return True
