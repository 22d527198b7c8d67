"""The state file of an output folder (.perf-xlsx-state.jsonl): what the batch (and watch)
already knows, so that a rerun scores only new and changed files.

Per input path: its size, mtime and sha256, the rules profile's digest and the tool version it
was scored with, its outcome (status, reason, counts), its scored copy (name, sha256, size,
mtime) and its results.jsonl line. A record is appended (and flushed) as each file finishes,
so that what a run finished before Ctrl-C or a crash is kept; the file is rewritten compactly
at the end of a run. One line per record: the record's JSON, a tab, the result line (a
compact JSON line never holds a raw tab), so result lines are stored as they were written,
a tab and the CRC-32 of the two (a record cut short by a crash is recognised and dropped).

Neither records nor result lines (about 7 KB each) are held in memory once they are in the
file: per input the state keeps where its record is, the CRC-32 of its line and what a
fingerprint needs (about 40 bytes in arrays), a slot number beside the path and its scored
copy's hash as 32 bytes (:class:`State`); an :class:`Entry` is parsed from the file when asked
for, and :meth:`State.line` reads its line back when a rerun reuses it. So the batch parent's
memory grows by neither 7 KB per file (the lines) nor 1 KB (an Entry object and its strings
and lists) but by about 125 bytes (issue 16; tests/test_parent_memory.py). Loading also keeps,
per record of a cleanly scored file, what an unchanged rerun needs of it (:mod:`.known`,
about 200 bytes in arrays), so that the rerun parses no record twice.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import zlib
from array import array
from dataclasses import MISSING, dataclass, field, fields
from typing import IO, Any, Collection, Iterable, Iterator, Mapping, Optional

from perf_xlsx.bulk.known import Known
from perf_xlsx.bulk.scan import SCORED_SUFFIX, STATE_NAME, scored_stem
from perf_xlsx.fileutil import atomic_write, sha256_bytes
from perf_xlsx.rules import Profile
from perf_xlsx.version import __version__

try:
    # ISA-L's CRC-32: the same value as zlib's, about 4x faster; a state file holds every result
    # line, and loading one checks each record's CRC (an unchanged rerun is mostly that).
    from isal.isal_zlib import crc32 as _crc32
except ImportError:  # pragma: no cover - isal is a dependency; platforms without a wheel
    _crc32 = zlib.crc32

SCHEMA = "perf_xlsx.state/1"
# Outcomes worth keeping for an unchanged file. A crash, a timeout, a write failure or an
# internal error may not happen again: those files are tried again on the next run.
RETRY_CODES = frozenset({"batch.timeout_or_crash", "batch.internal_error", "batch.write_failed",
                         "batch.out_of_memory"})


def profile_digest(profile: Profile) -> str:
    """Identifies the rules a result was scored with: the profile's content, not its name, so
    that an edited 本省规则.toml rescores everything."""
    text = json.dumps({"name": profile.name, "data": profile.data}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Entry:
    """One input as last seen and scored."""

    file: str  # relative posix path, as FileOutcome.path
    size: int
    mtime_ns: int
    sha256: Optional[str]
    profile: str  # profile_digest
    version: str
    status: str  # "scored" | "failed" | "skipped"
    reason: str = ""
    code: str = ""  # a failed result's error code
    errors: int = 0
    warnings: int = 0
    output: Optional[str] = None  # the scored copy's name in the output folder
    output_sha256: Optional[str] = None
    output_size: int = 0
    output_mtime_ns: int = 0
    keys: list[Any] = field(default_factory=list)  # per table: [unit, project, year] (dupes, roster)
    grades: list[str] = field(default_factory=list)  # per table: its 等级 ("" for none)
    line: bytes = b""  # the results.jsonl line (empty for a skipped file); see State.line
    # The line's place in the state file once it is there (-1: only in ``line``), its length
    # and CRC-32 (what a fingerprint needs of it, without reading it back).
    line_at: int = field(default=-1, init=False, repr=False, compare=False)
    line_len: int = field(default=0, init=False, repr=False, compare=False)
    line_crc: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.line:
            self.line_len = len(self.line)
            self.line_crc = _crc32(self.line)

    def record(self) -> bytes:
        meta = {name: getattr(self, name) for name in _META}
        body = json.dumps(meta, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\t" + self.line
        return body + b"\t" + b"%08x" % _crc32(body)

    def reusable(self, size: int, mtime_ns: int, profile: str, outdir: str) -> bool:
        """Whether this outcome still stands for an input of this size and mtime: same rules,
        same tool version, not a failure worth retrying, its scored copy still as written.
        (known.Known.reusable answers the same from arrays for the cleanly scored records a
        rerun reuses: a condition added here belongs there too; tests/test_rerun_known.py
        compares the two.)"""
        if (self.size, self.mtime_ns, self.profile, self.version) != (size, mtime_ns, profile, __version__):
            return False
        if self.status == "failed" and (self.code in RETRY_CODES or not self.line_len):
            return False
        if self.output:
            try:
                st = os.stat(os.path.join(outdir, self.output))
            except OSError:
                return False
            if (st.st_size, st.st_mtime_ns) != (self.output_size, self.output_mtime_ns):
                return False
        return True


_META = tuple(f.name for f in fields(Entry) if f.init and f.name != "line")


def _parse_record(raw: bytes, end: int) -> tuple[Entry, int]:
    """The entry of the record raw[:end] (as Entry.record wrote it) and where its meta ends;
    ValueError or TypeError when it is damaged (a crash cut it short). The line is not copied
    (a record holds a whole result line, and loading reads every record): the entry has its
    length and CRC, and State.line reads it back."""
    view = memoryview(raw)
    crc_at = raw.rfind(b"\t", 0, end)
    if crc_at <= 0 or b"%08x" % _crc32(view[:crc_at]) != raw[crc_at + 1:end]:
        raise ValueError("damaged record")
    meta = raw.find(b"\t", 0, crc_at)
    if meta < 0:  # a record without a line
        meta = crc_at
    entry = _entry_of(_loads(raw[:meta]))
    line = view[meta + 1:crc_at]
    entry.line_len, entry.line_crc = len(line), _crc32(line)
    return entry, meta


_new_entry = object.__new__
# The fields' defaults, as Entry() sets them (the lists are made per entry, in _entry): a record
# of an older version may lack a field that has one.
_ENTRY_DEFAULTS: dict[str, Any] = {f.name: f.default for f in fields(Entry) if f.default is not MISSING}
_REQUIRED = frozenset(f.name for f in fields(Entry) if f.init and f.default is MISSING and f.default_factory is MISSING)
_META_FIELDS = frozenset(_META)
_decode = json.JSONDecoder().decode


def _loads(data: bytes) -> Any:
    """json.loads(data), without its look for another encoding than UTF-8 where the text
    starts as a record does (json.loads takes '{' and a byte other than NUL for UTF-8)."""
    if data[:1] == b"{" and data[1:2] != b"\0":
        return _decode(data.decode("utf-8", "surrogatepass"))
    return json.loads(data)


def _entry_of(data: Any) -> Entry:
    """Entry(**data) for a record's fields: what its __init__ checks (a dict, no field missing,
    none unknown) and sets, without the call (loading makes one per record)."""
    if type(data) is not dict or not _REQUIRED <= data.keys() or not data.keys() <= _META_FIELDS:
        return Entry(**data)  # (raises TypeError as it did; or a record whose meta holds a line)
    entry = _new_entry(Entry)
    fields_ = entry.__dict__
    fields_.update(_ENTRY_DEFAULTS)
    fields_["keys"], fields_["grades"] = [], []
    fields_.update(data)
    return entry


_TAIL = len(b"\t%08x" % 0)  # what follows a record's line: a tab and the record's CRC


class Digests(Collection[str]):
    """A set of sha256 hex digests (the scored copies'), 32 bytes each in one bytearray rather
    than a string (113 bytes) and a set slot each; iterated in sorted order, without repeats.
    Any other string (a foreign state file's) is kept as it is."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self._raw = bytearray()  # may repeat a digest: repeats are dropped when iterating
        self._other: set[str] = set()
        self.update(items)

    def add(self, item: str) -> None:
        raw = sha256_bytes(item)
        if raw is None:
            self._other.add(item)
        else:
            self._raw += raw

    def update(self, items: Iterable[str]) -> None:
        for item in items:
            self.add(item)

    def __contains__(self, item: object) -> bool:
        raw = sha256_bytes(item) if isinstance(item, str) else None
        if raw is None:
            return item in self._other
        at = self._raw.find(raw)
        while at >= 0 and at % 32:
            at = self._raw.find(raw, at + 1)
        return at >= 0

    def _sorted(self) -> Iterator[str]:
        # Sorted a sixteenth at a time (by the first hex digit): a list of every digest, what
        # sorting them at once needs, would be the largest thing the end of a batch holds.
        data = self._raw
        for high in range(16):
            part = sorted(bytes(data[i:i + 32]) for i in range(0, len(data), 32) if data[i] >> 4 == high)
            last = b""
            for raw in part:
                if raw != last:
                    yield raw.hex()  # lower-case hex sorts as the bytes do
                    last = raw

    def __iter__(self) -> Iterator[str]:
        return heapq.merge(self._sorted(), sorted(self._other))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Entries(Mapping[str, Entry]):
    """The state's entries by path, as a mapping; each Entry is parsed from the file on access
    (a new object each time: change one by :meth:`State.put`)."""

    def __init__(self, state: State) -> None:
        self._state = state

    def __getitem__(self, file: str) -> Entry:
        return self._state._entry(file)

    def __contains__(self, file: object) -> bool:
        return file in self._state._slots

    def __iter__(self) -> Iterator[str]:
        return iter(self._state._slots)

    def __len__(self) -> int:
        return len(self._state._slots)


class State:
    """The entries of one output folder, and the journal new ones are appended to."""

    def __init__(self, outdir: str, profile: str) -> None:
        self.path = os.path.join(outdir, STATE_NAME)
        self.profile = profile
        # Per path its slot, and per slot where its record is in the file: no object per input
        # beyond the path and the slot number (a 10,000-file batch: 1 MB, not 12 MB). A record
        # found again is copied as is by the compaction.
        self._slots: dict[str, int] = {}
        self._at = array("q")  # the record's start
        self._len = array("l")  # its length, without the newline
        self._meta = array("l")  # the length of its metadata (the line starts a tab after it)
        self._crc = array("L")  # the CRC-32 of its line (what a fingerprint needs of the line)
        # And the rest of what a fingerprint needs, so that it parses no record: the input's
        # mtime, and whether its scored copy has no name (0), the usual one (1) or another (2).
        self._mtime = array("q")
        self._output = bytearray()
        # Entries whose record could not be appended (the journal failed): held whole, line too.
        self._held: dict[str, Entry] = {}
        self.known = Known()  # what a rerun needs of the records as loaded
        self.entries: Mapping[str, Entry] = _Entries(self)
        self._reader: Optional[IO[bytes]] = None  # the file, for reading lines back
        self._end = 0  # the file's length: where the next appended record starts
        # sha256 of every scored copy written into this folder that is still current, plus those
        # moved to 已撤回/: a file with one of these hashes is the tool's own, unchanged output.
        self.outputs = Digests()
        self._journal: Optional[IO[bytes]] = None
        self.error: Optional[OSError] = None  # the journal could not be written
        self.changed = False  # a record was added or removed since the file was last written
        # What the outputs (results.jsonl, skipped.jsonl, 汇总.xlsx) were last written from, and
        # each one's (size, mtime_ns) after writing: a rerun with the same fingerprint whose
        # outputs are untouched has nothing to write.
        self.written: str = ""
        self.written_files: dict[str, list[int]] = {}

    @classmethod
    def load(cls, outdir: str, profile: str) -> State:
        """The state as the last run left it; an unreadable or foreign file is an empty state
        (everything is scored again: never wrong, only slower)."""
        state = cls(outdir, profile)
        try:
            # A record holds a whole result line (~7–17 KB): with the default 8 KB buffer each
            # line is read in pieces and joined, three times the cost of reading the file.
            with open(state.path, "rb", buffering=1 << 16) as fh:
                first = fh.readline()
                head = json.loads(first or b"{}")
                if head.get("schema") != SCHEMA:
                    return state
                state.outputs.update(head.get("outputs") or ())
                state.written = str(head.get("written") or "")
                state.written_files = dict(head.get("written_files") or {})
                compacted = int(head.get("records") or 0)
                at = len(first)
                for n, raw in enumerate(fh):
                    start, at = at, at + len(raw)
                    end = len(raw) - 1 if raw.endswith(b"\n") else len(raw)
                    if not end:
                        continue
                    if n >= compacted:
                        state.changed = True  # appended after the last compaction: a journal
                    if raw.startswith(b"="):  # save_head: what the outputs were last written from
                        try:
                            update = json.loads(raw[1:end])
                        except ValueError:
                            continue
                        state.written = str(update.get("written") or "")
                        state.written_files = dict(update.get("written_files") or {})
                        continue
                    if raw.startswith(b"-"):  # a removal: "-" + the path as JSON
                        state._drop(json.loads(raw[1:end]))
                        continue
                    try:
                        entry, meta = _parse_record(raw, end)
                    except (ValueError, TypeError):
                        state.changed = True
                        continue  # a line cut short by a crash
                    state._place_at(entry, start, end, meta)
                    slot = state._slots[entry.file]
                    state.known.note(slot, entry, profile, raw[:meta], state._output[slot])
                    if entry.output_sha256:
                        state.outputs.add(entry.output_sha256)
                state._end = at
        except (OSError, ValueError):
            return cls(outdir, profile)
        if state._slots:
            state._hold_reader()
        return state

    def _place(self, entry: Entry, start: int, raw: bytes) -> None:
        """Note that entry's record ``raw`` (meta, tab, line, tab, CRC) is in the file at ``start``."""
        self._place_at(entry, start, len(raw), raw.index(b"\t"))

    def _place_at(self, entry: Entry, start: int, length: int, meta: int) -> None:
        """_place of a record of ``length`` bytes whose meta is its first ``meta`` bytes."""
        file = entry.file
        self._held.pop(file, None)
        output = 0 if entry.output is None else 1 if entry.output == scored_stem(file) + SCORED_SUFFIX else 2
        slot = self._slots.get(file)
        if slot is None or slot < 0:
            slot = self._slots[file] = len(self._at)
            self._at.append(start)
            self._len.append(length)
            self._meta.append(meta)
            self._crc.append(entry.line_crc)
            self._mtime.append(entry.mtime_ns)
            self._output.append(output)
        else:
            self.known.forget(slot)
            self._at[slot], self._len[slot], self._meta[slot] = start, length, meta
            self._crc[slot], self._mtime[slot], self._output[slot] = entry.line_crc, entry.mtime_ns, output

    def unchanged(self, file: str, size: int, mtime_ns: int, output: str) -> int:
        """The slot of file's record when a rerun may reuse it as :meth:`load` found it, for an
        input of this size and mtime whose scored copy is to be at ``output`` (the path of its
        usual name, scored_stem(file) + SCORED_SUFFIX, in the output folder), as Entry.reusable
        would say; -1 when that takes its Entry (see :class:`Known`)."""
        slot = self._slots.get(file, -1)
        return slot if self.known.reusable(slot, size, mtime_ns, output) else -1

    def sha_and_keys(self, file: str) -> tuple[Optional[str], list[Any]]:
        """The sha256 and table keys of file's entry (KeyError when there is none): from
        :class:`Known` when it has them, else from the record."""
        slot = self._slots[file]
        if self.known.has(slot):
            return self.known.sha256(slot), self.known.keys_and_grades(slot)[0]
        entry = self._entry(file)
        return entry.sha256, entry.keys

    def fingerprint_of(self, file: str, usual: Optional[str] = None) -> Optional[tuple[int, Optional[str], int]]:
        """What a fingerprint takes of file's entry: (mtime_ns, output, line_crc); None for none.
        Without parsing its record, unless its scored copy has an unusual name. ``usual``:
        scored_stem(file) + SCORED_SUFFIX when the caller has it."""
        slot = self._slots.get(file)
        if slot is None:
            return None
        if slot < 0 or self._output[slot] == 2:
            entry = self._entry(file)
            return entry.mtime_ns, entry.output, entry.line_crc
        output = None
        if self._output[slot]:
            output = usual if usual is not None else scored_stem(file) + SCORED_SUFFIX
        return self._mtime[slot], output, self._crc[slot]

    def _drop(self, file: str) -> bool:
        self._held.pop(file, None)
        return self._slots.pop(file, None) is not None

    def _entry(self, file: str) -> Entry:
        """The entry of file, parsed from its record (KeyError when there is none)."""
        slot = self._slots[file]
        if slot < 0:
            return self._held[file]
        at, meta = self._at[slot], self._meta[slot]
        # A record read back is one the run wrote or load() parsed whole (fields checked by
        # Entry's __init__ then): its fields go straight in, several times faster, which an
        # unchanged rerun (every record read back a few times) needs.
        entry = _new_entry(Entry)
        fields_ = entry.__dict__
        fields_.update(_ENTRY_DEFAULTS)
        fields_["keys"], fields_["grades"] = [], []
        fields_.update(_loads(self._read(at, meta)))
        line_len = self._len[slot] - meta - 1 - _TAIL
        fields_["line_len"] = line_len
        fields_["line_crc"] = self._crc[slot]
        if line_len:
            fields_["line_at"] = at + meta + 1
        return entry

    def line(self, entry: Entry) -> bytes:
        """The entry's results.jsonl line (b"" for none), read back from the file if need be."""
        if entry.line or entry.line_at < 0:
            return entry.line
        return self._read(entry.line_at, entry.line_len)

    def _read(self, at: int, length: int) -> bytes:
        if self._reader is None:
            self._reader = open(self.path, "rb")
        self._reader.seek(at)
        data = self._reader.read(length)
        if len(data) != length:
            raise OSError(f"{self.path}: 状态文件被截断")
        return data

    def _write_head(self, fh: IO[bytes], records: int = 0) -> int:
        """Write the head line (json.dumps of one object, separators "," and ":"); its length.
        Written in pieces: the sorted list of outputs is never one string (70 bytes a file)."""
        fields = json.dumps({"schema": SCHEMA, "version": __version__, "profile": self.profile, "records": records},
                            separators=(",", ":"))
        written = json.dumps({"written": self.written, "written_files": self.written_files}, separators=(",", ":"))
        n = fh.write((fields[:-1] + ',"outputs":[').encode("utf-8"))
        sep = ""
        chunk: list[str] = []
        for digest in self.outputs:
            chunk.append(json.dumps(digest))
            if len(chunk) == 1024:
                n += fh.write((sep + ",".join(chunk)).encode("utf-8"))
                chunk, sep = [], ","
        if chunk:
            n += fh.write((sep + ",".join(chunk)).encode("utf-8"))
        return n + fh.write(("]," + written[1:] + "\n").encode("utf-8"))

    def _append(self, raw: bytes) -> Optional[int]:
        """Append a record; where it starts in the file, or None when it could not be written."""
        self.changed = True
        if self.error is not None:
            return None
        try:
            if self._journal is None:
                self._journal = open(self.path, "ab")
                self._hold_reader()
                self._end = self._journal.seek(0, os.SEEK_END)
                if self._end == 0:
                    self._end = self._write_head(self._journal)
            start = self._end
            self._journal.write(raw + b"\n")
            self._journal.flush()
        except OSError as exc:
            self.error = exc
            return None
        self._end = start + len(raw) + 1
        return start

    def put(self, entry: Entry) -> None:
        """Record a finished file at once (kept if the run is interrupted). The entry is not
        kept: ``entries[file]`` is parsed back from the file."""
        if entry.output_sha256:
            self.outputs.add(entry.output_sha256)
        raw = entry.record()
        start = self._append(raw)
        if start is None:  # not in the file: the entry, line and all, stays in memory
            self._slots[entry.file] = -1
            self._held[entry.file] = entry
        else:
            self._place(entry, start, raw)

    def remove(self, file: str) -> None:
        if self._drop(file):
            self._append(b"-" + json.dumps(file, ensure_ascii=False).encode("utf-8"))

    def save(self, order: Optional[Iterable[str]] = None) -> None:
        """Rewrite the file compactly (atomically): the head, then one record per entry.
        Raises OSError when it cannot be written."""
        self.close()
        slots = self._slots
        files = [f for f in (order if order is not None else sorted(slots)) if f in slots]
        # Each slot's start in the new file (not the records: holding every record until the
        # rename would hold every result line); entries held in memory are written from there.
        starts = array("q", [-1]) * len(self._at)
        held: list[tuple[Entry, int, bytes]] = []

        def write(tmp: str) -> None:
            with open(tmp, "wb") as fh:
                at = self._write_head(fh, len(files))
                for f in files:
                    slot = slots[f]
                    if slot < 0:
                        raw = self._held[f].record()
                        held.append((self._held[f], at, raw))
                    else:
                        raw = self._read(self._at[slot], self._len[slot])
                        starts[slot] = at
                    at += fh.write(raw + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            self._close_reader()  # Windows replaces no file that is open

        atomic_write(self.path, write)
        self._at = starts  # the places in the new file
        for entry, at, raw in held:
            self._place(entry, at, raw)
        self.error = None
        self.changed = False

    def save_head(self) -> None:
        """Record what the outputs were written from without rewriting the file: a line the
        next load applies over the head (watch does this after every file)."""
        self._append(b"=" + json.dumps({"written": self.written, "written_files": self.written_files},
                                       separators=(",", ":")).encode("utf-8"))
        if self._journal is not None:
            self._journal.flush()
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        if self._journal is not None:
            try:
                self._journal.close()
            except OSError:
                pass
            self._journal = None
        self._close_reader()

    def _hold_reader(self) -> None:
        # Records are read back during the run (entries, result lines, the duplicate search):
        # a handle taken while the file exists keeps them readable if the file is deleted or
        # replaced behind the run's back (POSIX; Windows refuses to delete an open file).
        if self._reader is None:
            try:
                self._reader = open(self.path, "rb")
            except OSError:
                pass

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


__all__ = ["Entry", "RETRY_CODES", "STATE_NAME", "State", "profile_digest"]
