"""Zip entries dated from the document, not the clock: same draft, same bytes.

python-docx stamps every entry with the current time. Rather than inflate and deflate the whole
package again, the date fields of each local header and central-directory entry are set in
place (a .docx is a plain zip: no zip64, no data descriptors that carry dates).
"""

from __future__ import annotations

import io
import struct
import zipfile
from datetime import datetime

__all__ = ["stable_zip"]

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"


def _dos(when: datetime) -> tuple[int, int]:
    when = max(when.replace(tzinfo=None), datetime(1980, 1, 1))
    return ((when.hour << 11) | (when.minute << 5) | (when.second // 2),
            ((when.year - 1980) << 9) | (when.month << 5) | when.day)


def _rezip(data: bytes, when: datetime) -> bytes:
    """The slow way, for a zip whose headers are not where a plain zip has them."""
    stamp = max(when.replace(tzinfo=None), datetime(1980, 1, 1)).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, zin.read(info.filename))
    return out.getvalue()


def stable_zip(data: bytes, when: datetime) -> bytes:
    """The same zip with every entry dated ``when`` (zip dates start in 1980)."""
    time, date = _dos(when)
    buf = bytearray(data)
    end = buf.rfind(_END)
    if end < 0 or len(buf) < end + 22:
        return _rezip(data, when)
    count, size, offset = struct.unpack_from("<HII", buf, end + 10)
    pos = offset
    for _ in range(count):
        if buf[pos:pos + 4] != _CENTRAL:
            return _rezip(data, when)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", buf, pos + 28)
        local = struct.unpack_from("<I", buf, pos + 42)[0]
        if buf[local:local + 4] != _LOCAL:
            return _rezip(data, when)
        struct.pack_into("<HH", buf, pos + 12, time, date)
        struct.pack_into("<HH", buf, local + 10, time, date)
        pos += 46 + name_len + extra_len + comment_len
    if pos != offset + size:
        return _rezip(data, when)
    return bytes(buf)
