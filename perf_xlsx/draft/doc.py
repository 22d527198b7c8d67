"""A draft as plain data: paragraphs in named styles, red 【待填写】 runs, tables, page breaks.

The builders (report, feedback) say what the document holds; render turns it into a .docx. Kept
apart so that the content can be tested as text, without Word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

__all__ = ["Block", "Doc", "PageBreak", "Para", "Run", "Table", "fill", "para"]


@dataclass(frozen=True)
class Run:
    text: str
    fill: bool = False  # still to be written by the unit: the 待填写 character style (red)
    bold: bool = False


@dataclass(frozen=True)
class Para:
    style: str
    runs: tuple[Run, ...]

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # column widths in millimetres
    bold_rows: frozenset[int] = frozenset()  # indices into rows (totals)
    centered: frozenset[int] = frozenset()  # column indices of figures (表格数字 style)

    @property
    def text(self) -> str:
        return "\n".join("\t".join(r) for r in (self.header, *self.rows))


@dataclass(frozen=True)
class PageBreak:
    text: str = ""


Block = Union[Para, Table, PageBreak]


@dataclass
class Doc:
    title: str
    subject: str = ""
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> None:
        self.blocks.append(block)

    def text(self) -> str:
        """Every paragraph and table as text, in order (what the tests read)."""
        return "\n".join(b.text for b in self.blocks)


def fill(what: str) -> Run:
    """A gap the workbook cannot fill: 【待填写：what】 in red."""
    return Run(f"【待填写：{what}】", fill=True)


def para(style: str, *parts: Union[str, Run]) -> Para:
    return Para(style, tuple(Run(p) if isinstance(p, str) else p for p in parts if p != ""))
