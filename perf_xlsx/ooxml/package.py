"""The input package: its parts in their original order, inflated on first use under size
limits, and their stored bytes for copying without recompressing."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Callable, Iterator, Mapping, Optional

from perf_xlsx.ooxml.errors import PartError
from perf_xlsx.ooxml.rels import Rel, parse_rels, rels_name

# Cap on what the writer will inflate: the reader already accepted the file, this only keeps a
# crafted archive from costing gigabytes here.
MAX_TOTAL_BYTES = 300 * 1024 * 1024
MAX_PARTS = 5000


def unused_part(names: set[str], pattern: str, start: int = 1) -> str:
    """``pattern`` with ``{n}``: the first name not taken (case-insensitive, as OPC names are)."""
    lower = {n.lower() for n in names}
    n = start
    while pattern.format(n=n).lower() in lower:
        n += 1
    name = pattern.format(n=n)
    names.add(name)
    return name



@dataclass(frozen=True)
class RawEntry:
    """A part's stored (compressed) bytes, copied into the output without recompressing."""

    method: int
    crc: int
    usize: int
    data: bytes


class _Parts(Mapping[str, bytes]):
    """Part name -> content, inflated on first access (most parts are only ever copied)."""

    def __init__(self, inflate: Callable[[str], bytes], names: list[str],
                 cache: Optional[dict[str, bytes]] = None) -> None:
        self._inflate = inflate
        self._names = names
        self._index = set(names)
        self._cache: dict[str, bytes] = {} if cache is None else cache

    def __getitem__(self, name: str) -> bytes:
        if name not in self._index:
            raise KeyError(name)
        data = self._cache.get(name)
        if data is None:
            data = self._cache[name] = self._inflate(name)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._index


class Package:
    """The parts of a zip package, in their original order. The file is read once into
    memory (the input is never opened for writing).

    ``zf`` and ``inflated`` come from a reader that has already opened the same bytes under its
    own (stricter) limits (read.source): its parsed zip directory and the parts it inflated,
    which are then neither parsed nor inflated again, nor checked against the limits here."""

    def __init__(self, blob: bytes, zf: Optional[zipfile.ZipFile] = None,
                 inflated: Optional[dict[str, bytes]] = None) -> None:
        self._blob = blob
        checked = zf is not None
        if zf is None:
            zf = zipfile.ZipFile(io.BytesIO(blob))
        infos = [i for i in zf.infolist() if not i.filename.endswith("/")]
        if not checked and (len(infos) > MAX_PARTS or sum(i.file_size for i in infos) > MAX_TOTAL_BYTES):
            raise PartError("文件解压后过大，无法生成评分工作簿")
        # A duplicated name keeps its first position and the data zipfile reads for it.
        names = list(dict.fromkeys(i.filename for i in infos))
        self._zf = zf
        self.parts: Mapping[str, bytes] = _Parts(self._inflate, names, inflated)
        self._rels: dict[str, list[Rel]] = {}

    @classmethod
    def read(cls, path: str) -> Package:
        with open(path, "rb") as fh:
            return cls(fh.read())

    def raw(self, name: str) -> Optional[RawEntry]:
        """The stored bytes of a part when they can be copied as they are."""
        info = self._zf.getinfo(name)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return None
        head = self._blob[info.header_offset: info.header_offset + 30]
        if len(head) < 30 or head[:4] != b"PK\x03\x04":
            return None
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        data = self._blob[start: start + info.compress_size]
        if len(data) != info.compress_size:
            return None
        return RawEntry(info.compress_type, info.CRC, info.file_size, data)

    def _inflate(self, name: str) -> bytes:
        """A part's content. zipfile.read costs ~40 us of Python per part, more than inflating
        a template-sized part; the stored bytes are inflated directly, bounded by the declared
        size and checked against the CRC, and anything unusual (encrypted, another method, a
        size or CRC that does not match) goes through zipfile, which raises as it always did."""
        raw = self.raw(name)
        if raw is not None:
            if raw.method == zipfile.ZIP_STORED:
                data = raw.data
            else:
                inflater = zlib.decompressobj(-15)
                try:
                    data = inflater.decompress(raw.data, raw.usize + 1)
                except zlib.error:
                    data = b""
            if len(data) == raw.usize and zlib.crc32(data) == raw.crc:
                return data
        return self._zf.read(name)

    def find(self, name: str) -> Optional[str]:
        """The stored spelling of a part name (OPC names are case-insensitive)."""
        if name in self.parts:
            return name
        low = name.lower()
        return next((n for n in self.parts if n.lower() == low), None)

    def rels(self, part: str) -> list[Rel]:
        name = self.find(rels_name(part))
        if name is None:
            return []
        if name not in self._rels:
            self._rels[name] = parse_rels(self.parts[name])
        return list(self._rels[name])
