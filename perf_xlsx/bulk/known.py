"""What an unchanged rerun needs of each state record as :meth:`State.load` found it, kept in
arrays (:class:`Known`), so that reusing a file neither reads nor parses its record again."""

from __future__ import annotations

import json
import os
from array import array
from typing import Any, Optional, Protocol

from perf_xlsx.fileutil import sha256_bytes
from perf_xlsx.version import __version__

# Per slot, in Known.rows: size, mtime_ns, the kind of its scored copy's name (State._output:
# 0 none, 1 the usual one, 2 another), errors, warnings, the copy's size and mtime_ns, and
# where its keys and grades are in Known.tables (start, end).
_ROW = 9
_NO_ROW = array("q", bytes(8 * _ROW))
# (raw_decode: a copy of a record load parsed whole, its object to its end, needs no check for
# text before or after it, which decode makes with two regular expressions: a third of the time)
_decode = json.JSONDecoder().raw_decode


class Record(Protocol):
    """What Known takes of a state record (bulk.state.Entry, which imports this module)."""

    size: int
    mtime_ns: int
    sha256: Optional[str]
    profile: str
    version: str
    status: str
    reason: str
    code: str
    errors: int
    warnings: int
    output_size: int
    output_mtime_ns: int
    keys: list[Any]
    grades: list[str]
    line_len: int


class Known:
    """Per slot of the state, for a record of a cleanly scored file (no reason, no code, the
    current rules and version, a line, a sha256 as hashlib writes it): a row of numbers, its
    sha256 (32 bytes) and its tables' keys and grades (a copy of the record's JSON for them, in
    one shared bytearray). Reading and parsing every record again was most of an unchanged
    rerun (issue 13). Only records as loaded: a slot whose record is replaced later is
    forgotten, and slots that State.put makes get nothing here (a put stays ~130 bytes)."""

    def __init__(self) -> None:
        self.ok = bytearray()  # per slot, 1: its row holds its record
        self.rows = array("q")
        self.sha = bytearray()
        self.tables = bytearray()

    def note(self, slot: int, entry: Record, profile: str, meta: bytes, kind: int) -> None:
        """Keep what a rerun needs of entry, the record just loaded into slot (or forget the
        slot); ``meta``: the record's JSON, as parsed into entry; ``kind``: its copy's name's."""
        sha = entry.sha256
        raw = sha256_bytes(sha) if isinstance(sha, str) else None
        row = _NO_ROW
        if (raw is not None and entry.status == "scored" and not entry.reason and not entry.code
                and entry.line_len and entry.profile == profile and entry.version == __version__
                and isinstance(entry.keys, list) and isinstance(entry.grades, list)):
            tables = _keys_and_grades(meta) or json.dumps(
                {"keys": entry.keys, "grades": entry.grades}, ensure_ascii=False, separators=(",", ":")
            )[1:].encode("utf-8")
            at = len(self.tables)
            try:
                row = array("q", (entry.size, entry.mtime_ns, kind, entry.errors, entry.warnings, entry.output_size,
                                  entry.output_mtime_ns, at, at + len(tables)))
            except (TypeError, OverflowError):  # not numbers as written: the Entry decides
                pass
            else:
                self.tables += tables
        ok = row is not _NO_ROW
        sha_row = raw if ok and raw is not None else bytes(32)
        while len(self.ok) < slot:  # (load makes slots in order: not expected)
            self._append(False, _NO_ROW, bytes(32))
        if slot == len(self.ok):
            self._append(ok, row, sha_row)
        else:
            self.ok[slot] = ok
            self.rows[_ROW * slot:_ROW * slot + _ROW] = row
            self.sha[32 * slot:32 * slot + 32] = sha_row

    def _append(self, ok: bool, row: array[int], sha: bytes) -> None:
        self.ok.append(ok)
        self.rows.extend(row)
        self.sha += sha

    def forget(self, slot: int) -> None:
        if 0 <= slot < len(self.ok):
            self.ok[slot] = 0

    def has(self, slot: int) -> bool:
        return 0 <= slot < len(self.ok) and self.ok[slot] == 1

    def reusable(self, slot: int, size: int, mtime_ns: int, output: str) -> bool:
        """What Entry.reusable (and the run's check of the copy's name) says of the slot's
        record, for an input of this size and mtime whose scored copy is to be at ``output``
        (the path of its usual name): True only when the answer is yes from the row (False:
        ask the Entry)."""
        if not self.has(slot):
            return False
        row = self.rows[_ROW * slot:_ROW * slot + _ROW]
        if row[0] != size or row[1] != mtime_ns or row[2] == 2:  # (2: a copy of another name)
            return False
        if row[2] == 1:
            try:
                st = os.stat(output)
            except OSError:
                return False
            return st.st_size == row[5] and st.st_mtime_ns == row[6]
        return True

    def counts(self, slot: int) -> tuple[int, int]:
        """errors and warnings of a known slot."""
        return self.rows[_ROW * slot + 3], self.rows[_ROW * slot + 4]

    def sha256(self, slot: int) -> str:
        return self.sha[32 * slot:32 * slot + 32].hex()

    def sha256_bytes(self, slot: int) -> bytes:
        return bytes(self.sha[32 * slot:32 * slot + 32])

    def keys_and_grades(self, slot: int) -> tuple[list[Any], list[str]]:
        at = _ROW * slot + 7
        # (the record's own UTF-8, read as load read it: json.loads would look for another encoding)
        tables = _decode("{" + self.tables[self.rows[at]:self.rows[at + 1]].decode("utf-8", "surrogatepass"))[0]
        return tables["keys"], tables["grades"]


def _keys_and_grades(meta: bytes) -> Optional[bytes]:
    """The end of a record's JSON from its keys on, '"keys":[…],"grades":[…]}', as Entry.record
    writes it (its last two fields): a copy of it, not a JSON text made again (which took as
    long as parsing the record). None when the record does not end so.

    The separators found are the record's own when no brace stands between them and the end:
    a '"' after ',' is never inside a JSON string, so another ',"grades":' would be a key of an
    object inside the keys or grades, and that object's braces would stand there. Fields after
    them are copied too: parsed, they leave the keys and grades as the whole record's were."""
    end = len(meta) - 1
    grades = meta.rfind(b',"grades":', 0, end)
    keys = meta.rfind(b',"keys":', 0, grades)
    if keys < 0 or meta[end] != 0x7D or meta.find(b"{", keys, end) >= 0 or meta.find(b"}", keys, end) >= 0:
        return None
    return meta[keys + 1:]


__all__ = ["Known"]
