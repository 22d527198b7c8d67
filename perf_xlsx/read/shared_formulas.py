"""The formulas of the cells of a shared formula (Excel writes a formula filled right or down
once, in its first cell, and the others as <f t="shared" si="0"/>), settled once a sheet's
cells are read (read.grid marks them)."""

from __future__ import annotations

import re
from typing import Union

from perf_xlsx.a1 import col_index, col_letter
from perf_xlsx.model import CellValue, make_cell

_SHARED_T = re.compile(r"""\bt\s*=\s*["']shared["']""")
_SI_ATTR = re.compile(r"""\bsi\s*=\s*["']([0-9]+)["']""")
# A cell reference in a formula: not part of a name or function (LOG10( ), a sheet prefix kept.
_FORMULA_REF = re.compile(r"(?<![A-Za-z0-9_.])(\$?)([A-Z]{1,3})(\$?)([0-9]+)(?![A-Za-z0-9_(])")


def _shared_formulas(cells: dict[tuple[int, int], CellValue]) -> None:
    """The formula of each cell of a shared formula (Excel writes a filled-right or -down formula
    once, in its first cell, and the others as <f t="shared" si="0"/>): the first cell's
    formula with its relative references moved as far as the cell is from it. _cell marked
    them ("\0si\0text"). ``cells`` is a sheet's (read.grid.Sheet.cells), changed in place."""
    masters: dict[str, tuple[int, int, list[_Piece]]] = {}
    followers: list[tuple[tuple[int, int], str]] = []
    for key, cell in cells.items():
        marked = cell.formula_text
        if marked[:1] != "\0":
            continue
        _, si, body = marked.split("\0", 2)
        if body and si not in masters:
            masters[si] = (key[0], key[1], _template(body))
        followers.append((key, si))
    for (row, col), si in followers:
        cell = cells[(row, col)]
        master = masters.get(si)
        if master is None:
            text = ""
        elif (row, col) == master[:2] or cell.formula_text.split("\0", 2)[2]:
            text = cell.formula_text.split("\0", 2)[2]
        else:
            text = _moved(master[2], row - master[0], col - master[1])
        cells[(row, col)] = make_cell(cell.ref, cell.value, cell.formula, cell.cached, cell.error,
                                      cell.percent_format, text)


_Piece = Union[str, tuple[str, int, str, int]]  # text, or ($, column, $, row) of a reference


def _template(formula: str) -> list[_Piece]:
    """A formula cut into text and references (text in quotes is text), to move it many times."""
    out: list[_Piece] = []
    for i, piece in enumerate(formula.split('"')):
        if i:
            out.append('"')
        if i % 2:
            out.append(piece)
            continue
        at = 0
        for m in _FORMULA_REF.finditer(piece):
            out.append(piece[at:m.start()])
            col_abs, letters, row_abs, digits = m.groups()
            out.append((col_abs, col_index(letters), row_abs, int(digits)))
            at = m.end()
        out.append(piece[at:])
    return out


def _moved(template: list[_Piece], rows: int, cols: int) -> str:
    """The formula filled ``rows`` down and ``cols`` right: relative references move, $ ones stay."""
    parts = []
    for piece in template:
        if isinstance(piece, str):
            parts.append(piece)
            continue
        col_abs, c, row_abs, r = piece
        c, r = (c if col_abs else c + cols), (r if row_abs else r + rows)
        parts.append("#REF!" if c < 1 or r < 1 else f"{col_abs}{col_letter(c)}{row_abs}{r}")
    return "".join(parts)
