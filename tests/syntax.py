"""Python source parsed once per process: the layer and docs tests each walk the package's
syntax trees (~0.4 s to parse it all) for their own reasons, and share them from here."""

from __future__ import annotations

import ast

_TREES: dict[str, ast.Module] = {}


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse(source, filename)``, one tree for one text (callers only read it); the file
    name is the first caller's, for the message of a syntax error."""
    tree = _TREES.get(source)
    if tree is None:
        tree = _TREES[source] = ast.parse(source, filename=filename)
    return tree
