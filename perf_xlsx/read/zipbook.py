"""The zip container of an .xlsx/.xlsm, opened under safety limits: parts, relationships, safe XML.

The limits are checked on the central directory before anything is inflated (hostile-input.md
A3), and XML with a DTD is never parsed by the C parser (no entity can be expanded).
"""

from __future__ import annotations

import io
import os
import posixpath
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from typing import IO, Any, Callable, Optional, Union

from defusedxml import ElementTree as SafeET

from perf_xlsx.read.errors import GridError

try:
    # Intel ISA-L's inflate and CRC-32 (the same bytes and checksum; the CRC several times
    # faster than zlib's), as the writer's zip uses it; zlib where no wheel exists. Whatever
    # either gives is still checked against the declared size and CRC below.
    from isal.isal_zlib import crc32 as _crc32
    from isal.isal_zlib import decompressobj as _decompressobj
    from isal.isal_zlib import error as _isal_error

    # (isal's stub declares its error an instance, not a class.)
    _INFLATE_ERRORS: tuple[type[BaseException], ...] = (zlib.error, _isal_error)  # type: ignore[assignment]
except ImportError:  # pragma: no cover - isal is a dependency; platforms without a wheel
    _crc32, _decompressobj, _INFLATE_ERRORS = zlib.crc32, zlib.decompressobj, (zlib.error,)  # type: ignore[assignment]

# Zip limits checked on the central directory before anything is inflated (hostile-input A3):
# a filled 自评表 is tens of KB; these leave room for pictures and still stop zip bombs.
MAX_FILE_BYTES = 100 << 20
MAX_TOTAL_UNCOMPRESSED = 200 << 20
MAX_PART_UNCOMPRESSED = 50 << 20
MAX_RATIO = 100
MAX_MEMBERS = 2000


def local_name(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def parse_xml(data: Union[bytes, IO[bytes]]) -> Any:
    """The root element of a part; a DTD (and so any entity) is refused."""
    if isinstance(data, bytes):
        if b"<!DOCTYPE" not in data and b"<!ENTITY" not in data and b"\x00" not in data:
            # No DTD, so nothing for defusedxml to refuse: entities can only be declared in a
            # DTD and external ones only named there. (Expat reads markup as ASCII in every
            # encoding it accepts except UTF-16, whose markup holds NUL bytes.) The C parser
            # builds the same tree several times faster than defusedxml's Python one.
            return ET.fromstring(data)
        return SafeET.fromstring(data, forbid_dtd=True)
    return SafeET.parse(data, forbid_dtd=True).getroot()


_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, name length, extra length
# Flag bits the direct read understands: deflate options (1, 2), data descriptor (3), UTF-8 names (11).
_PLAIN_FLAGS = 0x080E


class ZipBook:
    """The parts of an open zip, read directly from its file (or from its bytes, ``blob``) where
    that is safe (see read). Each part is inflated at most once: ``parts`` keeps what was read,
    for the writer to reuse (read.source)."""

    def __init__(self, zf: zipfile.ZipFile, fh: Optional[IO[bytes]] = None, blob: Optional[bytes] = None) -> None:
        self.zf = zf
        self.fh = fh if fh is not None or blob is None else io.BytesIO(blob)
        self.names = set(zf.namelist())
        self.parts: dict[str, bytes] = {}  # name -> content, every part read so far
        # Where each entry's data must end: the next entry's local header, or the central
        # directory (entries that overlap are for zipfile to judge, as it does in newer Pythons).
        starts = sorted({i.header_offset for i in zf.infolist()})
        starts.append(zf.start_dir)
        self._ends = {start: starts[n + 1] for n, start in enumerate(starts[:-1])}

    def read(self, name: str) -> bytes:
        """A part's bytes, inflated on its first read only (see _inflate)."""
        data = self.parts.get(name)
        if data is None:
            data = self.parts[name] = self._inflate(name)
        return data

    def _inflate(self, name: str) -> bytes:
        """A part's bytes. zipfile.read costs ~20 us of Python per part (a ZipExtFile, its
        buffers and checks), as much as inflating a 自评表 part; the stored bytes are read and
        inflated directly instead, bounded by the declared size (which check_zip has capped)
        and checked against the CRC. Anything unusual (another method, flags, a name or size or
        CRC that does not match) goes through zipfile, which reads or raises as it always did."""
        info = self.zf.getinfo(name)
        fh = self.fh
        if fh is not None and info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) \
                and not info.flag_bits & ~_PLAIN_FLAGS and info.file_size <= MAX_PART_UNCOMPRESSED:
            fh.seek(info.header_offset)
            head = fh.read(30)
            if len(head) == 30:
                magic, name_len, extra_len = _LOCAL_HEADER.unpack(head)
                raw_name = fh.read(name_len)
                start = info.header_offset + 30 + name_len + extra_len
                if magic == b"PK\x03\x04" and _header_name(raw_name, info.flag_bits) == info.orig_filename \
                        and start + info.compress_size <= self._ends.get(info.header_offset, -1):
                    fh.seek(start)
                    data = fh.read(info.compress_size)
                    if len(data) == info.compress_size:
                        if info.compress_type == zipfile.ZIP_DEFLATED:
                            try:
                                data = _decompressobj(-15).decompress(data, info.file_size + 1)
                            except _INFLATE_ERRORS:
                                data = b""
                        if len(data) == info.file_size and _crc32(data) == info.CRC:
                            return data
        return self.zf.read(name)

    def rels(self, part: str) -> dict[str, str]:
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if rels_name not in self.names:
            return {}
        data = self.read(rels_name)
        key = (folder, data)
        out = _KNOWN_RELS.get(key)
        if out is None:
            out = {}
            for el in parse_xml(data):
                rid, target = el.get("Id"), el.get("Target")
                if rid and target and el.get("TargetMode") != "External":
                    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                        posixpath.join(folder, target))
                    out[rid] = path
            if len(data) <= 1 << 16:
                if len(_KNOWN_RELS) >= 64:
                    del _KNOWN_RELS[next(iter(_KNOWN_RELS))]  # the oldest
                _KNOWN_RELS[key] = out
        return dict(out)


# Relationship parts are the same bytes in every file one program saved from one template:
# their targets are remembered by (folder, content), bounded in count and size.
_KNOWN_RELS: dict[tuple[str, bytes], dict[str, str]] = {}


def _header_name(raw: bytes, flags: int) -> Optional[str]:
    """The name in a local header, decoded as zipfile decodes it."""
    if raw.isascii():
        # ASCII reads the same in UTF-8 and cp437 (every part name of a package is ASCII):
        # the C decoder, not the cp437 codec's Python one.
        return raw.decode("ascii")
    try:
        return raw.decode("utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return None


def workbook_part(book: ZipBook) -> str:
    """The name of the workbook part (the package's officeDocument)."""
    for rid_target in book.rels("").values():
        if rid_target.endswith(".xml") and "workbook" in rid_target.lower():
            return rid_target
    for candidate in ("xl/workbook.xml", "xl/workbook2.xml"):
        if candidate in book.names:
            return candidate
    raise GridError("read.no_workbook", "文件中没有工作簿内容，请在 WPS/Excel 中另存为 .xlsx 后重新提交")


def _bomb() -> GridError:
    return GridError("read.zip_bomb", "文件解压后过大，疑似损坏或恶意文件，已拒绝读取")


def check_zip(zf: zipfile.ZipFile, read: Optional[Callable[[str], bytes]] = None) -> None:
    """Refuse a zip bomb, an encrypted package, and a zip that is no spreadsheet package."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _bomb()
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_PART_UNCOMPRESSED or total > MAX_TOTAL_UNCOMPRESSED:
            raise _bomb()
        if info.file_size > (1 << 20) and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bomb()
        if info.flag_bits & 0x1:
            raise GridError("read.encrypted", "文件设有打开密码，请取消密码后重新提交")
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise GridError("read.not_xlsx", "文件不是 .xlsx 工作簿（缺少内容类型），请在 WPS/Excel 中另存为 .xlsx")
    types = (read or zf.read)("[Content_Types].xml")
    if b"spreadsheetml" not in types and b"ms-excel" not in types:
        if b"wordprocessingml" in types or b"presentationml" in types:
            raise GridError("read.not_workbook", "文件是 Word/PowerPoint 文档，不是 Excel 工作簿，请提交 .xlsx 文件")
        raise GridError("read.not_xlsx", "文件不是 Excel 工作簿，请在 WPS/Excel 中另存为 .xlsx")


def load_book(path: str) -> tuple[bytes, ZipBook]:
    """The bytes of the workbook file at ``path`` (read whole, once) and the ZipBook over them,
    its directory checked against the limits (check_zip); GridError when it is too large, not a
    zip, encrypted or not a workbook. Nothing is left open: the book reads from the bytes."""
    if os.path.getsize(path) > MAX_FILE_BYTES:
        raise GridError("read.too_large", "文件超过 100 MB，不像是自评表，请删除无关内容后重新提交")
    with open(path, "rb") as fh:
        blob = fh.read()
    try:
        zf = zipfile.ZipFile(io.BytesIO(blob))
    except (zipfile.BadZipFile, zipfile.LargeZipFile):
        raise GridError("read.not_xlsx",
                        "文件已损坏或不是 .xlsx 工作簿，请在 WPS/Excel 中另存为 .xlsx 后重新提交") from None
    book = ZipBook(zf, blob=blob)
    check_zip(zf, book.read)
    return blob, book
