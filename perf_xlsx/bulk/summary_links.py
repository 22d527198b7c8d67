"""The hyperlinks of 汇总.xlsx, spooled to disk until the workbook closes, so that the writer's
memory does not grow with the number of links.

xlsxwriter keeps every hyperlink of a sheet until the file closes (a Url object per link, about
1 KB), then a list per link for the sheet's relationships, then a tuple per link while the .rels
part is written: up to 65,530 links a sheet, tens of MB for a 10,000-file batch. Here a link
cell is written as the plain string cell xlsxwriter writes for it, the link itself (row,
column, relationship target, location) goes to a temporary file, and at close the sheet's
``<hyperlinks>`` element and its .rels part are streamed from that file: the same XML, byte for
byte, as xlsxwriter writes (tests/test_summary_split.py compares the two).

With another xlsxwriter, lacking one of the hooks used here, links go through ``write_url``.
"""

from __future__ import annotations

import itertools
import struct
import tempfile
import warnings
from typing import IO, Any, Iterator, Optional

import xlsxwriter
from xlsxwriter.packager import Packager
from xlsxwriter.relationships import Relationships
from xlsxwriter.url import Url
from xlsxwriter.utility import _utf16_len, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from perf_xlsx.bulk.summary_format import write_blank, write_string
from perf_xlsx.bulk.summary_index import MAX_LINKS
from perf_xlsx.bulk.summary_rows import Cell

# xlsxwriter's private hooks used here (3.x); without one, links go through write_url.
_HOOKS = (hasattr(xlsxwriter.Workbook, "_get_packager") and hasattr(Packager, "_write_worksheet_rels_files")
          and all(hasattr(Worksheet, m) for m in ("_write_hyperlinks", "_write_string", "_escape_attributes"))
          and hasattr(Relationships, "_write_relationship"))
_RECORD = struct.Struct("<iiii")  # row, col, bytes of the target (-1: the previous one), bytes of the location


def _hyperlink_type() -> str:
    """The relationship type xlsxwriter gives a hyperlink, as it builds it."""
    probe = Relationships()
    probe._add_document_relationship("/hyperlink", "", "External")
    return str(probe.relationships[0][0])


class SheetLinks:
    """Hyperlinks of one sheet, up to Excel's limit; past it the text stays, without a link.
    Written in row order, columns left to right (the order of ``<hyperlinks>``)."""

    def __init__(self, ws: Any, book: Optional[Book] = None) -> None:
        self.ws = ws
        self.n = 0
        self.spool: Optional[IO[bytes]] = None
        self.last_head = self.last_head_rel = ""  # the file part of the previous link, its target
        self.last_rel: Optional[str] = None  # the relationship target last spooled
        self.last_cell = (-1, -1)
        self.streamed = _HOOKS and book is not None
        if self.streamed:
            assert book is not None
            self.spool = tempfile.TemporaryFile(dir=book.tmpdir or None)
            book.sheet_links[id(ws)] = self
            ws._write_hyperlinks = self._write_hyperlinks  # the instance's, called at close

    def put(self, row: int, col: int, target: str, shown: str, fmt: Any, plain: Any) -> None:
        ws = self.ws
        if target and self.n < MAX_LINKS and (self._store(row, col, target, shown, fmt) if self.streamed
                                              else ws.write_url(row, col, target, fmt, shown) == 0):
            self.n += 1
        elif shown:
            write_string(ws, row, col, shown, plain)
        else:
            write_blank(ws, row, col, None, plain)

    def cell(self, row: int, col: int, target: str, shown: str, fmt: Any, plain: Any) -> Optional[Cell]:
        """put() for a row written whole (summary_rows.RowWriter): the link is spooled as put()
        spools it and the cell to write is returned, (shown, fmt) with a link, else shown (None
        for a blank) in ``plain``. A sheet whose links are not streamed gets put() itself, and
        None: the cell is written."""
        ws = self.ws
        if not self.streamed:
            self.put(row, col, target, shown, fmt, plain)
            return None
        # as _store, where write_string would refuse the cell: no link, and the text as put writes it
        writable = row < ws.xls_rowmax and col < ws.xls_colmax and row >= ws.previous_row
        if target and self.n < MAX_LINKS and writable and self._allowed(target):
            self._spool(row, col, target)
            self.n += 1
            return col, shown, fmt
        return col, shown or None, plain

    def _allowed(self, target: str) -> bool:
        """What write_url checks of an "external:" target before it writes anything."""
        if not target.startswith("external:"):
            raise ValueError(f"only links to files are spooled, not {target!r}")
        head, _, location = target.partition("#")
        limit = self.ws.max_url_length
        # as write_url refuses it (a text of n characters has at most 2n UTF-16 units)
        if (len(head) * 2 > limit and _utf16_len(head) > limit) or (
                len(location) * 2 > limit and _utf16_len(location) > limit):
            warnings.warn(f"Ignoring URL '{target}' with link or location/anchor > {limit} characters since it "
                          "exceeds Excel's limit for URLs.", stacklevel=4)
            return False  # the text stays, without a link
        return True

    def _store(self, row: int, col: int, target: str, shown: str, fmt: Any) -> bool:
        """What write_url does for an "external:" target, the Url object aside. Every link of
        the sheet must come this way or through cell() (worksheet.hyperlinks is no longer written)."""
        if not self._allowed(target):
            return False
        if self.ws._write_string(row, col, shown, fmt) == -1:
            return False  # outside the sheet, or a row already on disk
        self._spool(row, col, target)
        return True

    def _spool(self, row: int, col: int, target: str) -> None:
        if (row, col) <= self.last_cell:  # the spool is read back in its order, xlsxwriter's sorted one
            raise ValueError(f"links out of order: ({row}, {col}) after {self.last_cell}")
        self.last_cell = (row, col)
        head, _, location = target.partition("#")
        if "/" in location or "file://" in target or len(head) < len("external:") + 2:
            url = Url(target)  # where Url's parsing differs from a split at "#": the Url decides
            rel, location = url._target(), url._anchor
        elif head == self.last_head:
            rel = self.last_head_rel
        else:
            rel = Url(head)._target()  # the relationship target depends on the file part alone
            self.last_head, self.last_head_rel = head, rel
        same = rel == self.last_rel
        self.last_rel = rel
        assert self.spool is not None
        rel_bytes = b"" if same else rel.encode()
        loc_bytes = location.encode()
        self.spool.write(_RECORD.pack(row, col, -1 if same else len(rel_bytes), len(loc_bytes)))
        self.spool.write(rel_bytes)
        self.spool.write(loc_bytes)

    def links(self) -> Iterator[tuple[int, int, str, str]]:
        """The stored links: row, column, relationship target, location."""
        if self.spool is None or not self.n:
            return
        spool = self.spool
        spool.seek(0)
        rel = ""
        for _ in range(self.n):
            row, col, n_rel, n_loc = _RECORD.unpack(spool.read(_RECORD.size))
            if n_rel >= 0:
                rel = spool.read(n_rel).decode()
            yield row, col, rel, spool.read(n_loc).decode()

    def _write_hyperlinks(self) -> None:
        """worksheet._write_hyperlinks for these links: each one external, a relationship each,
        numbered on from the sheet's relationships so far."""
        ws = self.ws
        if not self.n:
            return
        ws._xml_start_tag("hyperlinks")
        # As _xml_empty_tag writes each (a reference and an id need no escape), in one write
        # per thousand links: 15,000 tags through the generic writer were a tenth of 汇总's time.
        escape, out = ws._escape_attributes, []
        for row, col, _, location in self.links():
            ws.rel_count += 1
            tag = f'<hyperlink ref="{xl_rowcol_to_cell(row, col)}" r:id="rId{ws.rel_count}"'
            out.append(f'{tag} location="{escape(location)}"/>' if location else tag + "/>")
            if len(out) >= 1000:
                ws.fh.write("".join(out))
                out.clear()
        ws.fh.write("".join(out))
        ws._xml_end_tag("hyperlinks")

    def close(self) -> None:
        if self.spool is not None:
            self.spool.close()
            self.spool = None


class _Relationships(Relationships):
    """xlsxwriter's .rels writer, each relationship written as _write_relationship writes it
    (an id needs no escape) without the generic tag writer: a sheet of 15,000 links has as many."""

    def _write_relationship(self, relationship: tuple[str, str, str]) -> None:
        rel_type, target, target_mode = relationship
        escape = self._escape_attributes
        tag = f'<Relationship Id="rId{self.id}" Type="{escape(rel_type)}" Target="{escape(target)}"'
        self.id += 1
        self.fh.write(f'{tag} TargetMode="{escape(target_mode)}"/>' if target_mode else tag + "/>")


class _Packager(Packager):
    """xlsxwriter's packager, with the .rels of the sheets whose links are spooled streamed."""

    def __init__(self, sheet_links: dict[int, SheetLinks]) -> None:
        super().__init__()
        self.sheet_links = sheet_links

    def _write_worksheet_rels_files(self) -> None:
        # Packager._write_worksheet_rels_files, with the hyperlinks read from the spool: the
        # relationships are consumed as Relationships writes them, never held in a list.
        hyperlink = _hyperlink_type()
        index = 0
        for worksheet in self.workbook.worksheets():
            if worksheet.is_chartsheet:
                continue
            index += 1
            links = self.sheet_links.get(id(worksheet))
            others = (worksheet.external_hyper_links + worksheet.external_drawing_links
                      + worksheet.external_vml_links + worksheet.external_background_links
                      + worksheet.external_table_links + worksheet.external_comment_links)
            if not others and not (links and links.n):
                continue
            rels = _Relationships()
            for link_data in others:
                rels._add_document_relationship(*link_data)
            if links and links.n:
                spooled = ((hyperlink, rel, "External") for _, _, rel, _ in links.links())
                # xlsxwriter's own hyperlinks (none here) come first, as in its order
                own = len(worksheet.external_hyper_links)
                rels.relationships = itertools.chain(rels.relationships[:own], spooled, rels.relationships[own:])
            rels._set_xml_writer(self._filename("xl/worksheets/_rels/sheet" + str(index) + ".xml.rels"))
            rels._assemble_xml_file()


class Book(xlsxwriter.Workbook):
    """The summary's workbook: xlsxwriter's, packaged with the spooled links."""

    def __init__(self, filename: str, options: dict[str, Any]) -> None:
        super().__init__(filename, options)
        self.sheet_links: dict[int, SheetLinks] = {}

    def _get_packager(self) -> Packager:
        return _Packager(self.sheet_links)

    def close(self) -> None:
        try:
            super().close()
        finally:
            for links in self.sheet_links.values():
                links.close()


__all__ = ["Book", "SheetLinks"]
