"""Resubmissions: the same unit's same project and year sent more than once (a corrected copy
beside the first, or a file sent twice), or byte-identical files under two names.

汇总 ranks the newest submission and lists the others under 重复提交; results.jsonl still
has a line for every input (each is an input the bureau received).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from array import array
from operator import neg
from typing import Any, Callable, Iterator, NamedTuple, Optional, Sequence

from perf_xlsx.bulk.extras import DuplicateSubmission, Submission, Submissions
from perf_xlsx.fileutil import sha256_bytes

SAME_TABLE = "同一单位、项目、年度重复提交"
SAME_BYTES = "文件内容完全相同"
_TABLE_BITS = 20  # a table's place packed beside its file's: position << _TABLE_BITS | table


def normalise(name: str) -> str:
    """A name as people mean it: full-width forms folded (NFKC), spaces and punctuation of
    quoting dropped, so "县 商务局" and "县商务局" are one unit."""
    got = _NORMALISED.get(name) if type(name) is str else None
    if got is None:
        got = _DROPPED.sub("", unicodedata.normalize("NFKC", name or ""))
        if type(name) is str:
            if len(_NORMALISED) >= _NORMALISED_BOUND:
                _NORMALISED.clear()
            _NORMALISED[name] = got
    return got


_DROPPED = re.compile(r"[\s\u3000\"'“”‘’()（）《》<>【】\[\]]")
# The names normalised last, and how many are kept: a batch normalises each table's unit and
# project twice (first pass, then its candidates), and an inbox's units repeat (one unit, many
# projects). Bounded: memory stays flat whatever the number of files.
_NORMALISED: dict[str, str] = {}
_NORMALISED_BOUND = 512


def local_time(mtime_ns: int) -> str:
    return datetime.datetime.fromtimestamp(mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M")


class Submitted(NamedTuple):
    """One scored input, as the duplicate search needs it."""

    path: str
    mtime_ns: int
    sha256: Optional[str]
    keys: Sequence[Sequence[Any]]  # per table: unit, project name, year
    file: int = -1  # its place in the batch's outcomes (-1: unknown)


#: (label, members): unit, project, year, reason; members (file position, table), in file order.
_Label = tuple[str, str, Optional[int], str]


def _table_key(unit: Any, project: Any, year: Any) -> Optional[tuple[str, str, str]]:
    u, p = normalise(str(unit)), normalise(str(project))
    return (u, p, str(year)) if u and p else None  # a table that names neither matches no other


def _candidates(hashes: array[int], at: Sequence[int]) -> Iterator[list[int]]:
    """Positions (``at``) whose hash is shared with another, grouped by hash, in their order.
    Equal hashes are candidates only: the caller compares the real keys."""
    ordered = sorted(hashes)
    repeated = {a for a, b in zip(ordered, ordered[1:]) if a == b}
    del ordered
    groups: dict[int, list[int]] = {}
    for h, p in zip(hashes, at):
        if h in repeated:
            groups.setdefault(h, []).append(p)
    return iter(groups.values())


class FirstPass:
    """find_duplicates' first pass: a hash per file and per table, by the file's place. A batch
    fills one while it learns each file, so that the search need not read every file back (an
    unchanged rerun's search is otherwise most of the rerun); it then also keeps each file's
    sha256 (32 bytes). A file added twice makes it void (the search then reads the files)."""

    def __init__(self, total: int, keep_sha: bool = True) -> None:
        self.by_bytes, self.byte_at = array("q"), array("q")
        self.by_table, self.table_at = array("q"), array("q")
        self.seen = bytearray(total)
        # None: the exact sha256s are not kept (or one was not as hashlib writes it).
        self.shas: Optional[bytearray] = bytearray(32 * total) if keep_sha else None
        self.void = False

    def sha256(self, index: int) -> Optional[str]:
        return None if self.shas is None else self.shas[32 * index:32 * index + 32].hex()

    def add(self, index: int, sha256: Optional[str], keys: Sequence[Sequence[Any]],
            raw: Optional[bytes] = None) -> None:
        """``raw``: sha256's 32 bytes, when the caller has them (sha256_bytes(sha256))."""
        if self.seen[index]:
            self.void = True
            return
        self.seen[index] = 1
        if sha256:
            if self.shas is not None:
                if raw is None:
                    raw = sha256_bytes(sha256)
                if raw is not None:
                    self.shas[32 * index:32 * index + 32] = raw
                else:
                    self.shas = None
            self.by_bytes.append(hash(sha256))
            self.byte_at.append(index)
        for t, (unit, project, year) in enumerate(keys):
            key = _table_key(unit, project, year)
            if key is not None:
                self.by_table.append(hash(key))
                self.table_at.append(index << _TABLE_BITS | t)

    def by_position(self, files: Sequence[Submitted], place: Optional[Callable[[int], tuple[str, int, int]]]
                    ) -> Optional[tuple[array[int], array[int], array[int], array[int]]]:
        """The pass by position in ``files``, when it covers exactly those files; else None."""
        if self.void or place is None:
            return None
        position = array("q", [-1]) * len(self.seen)
        for j in range(len(files)):
            index = place(j)[2]
            if not 0 <= index < len(self.seen) or not self.seen[index]:
                return None
            position[index] = j
        by_bytes, byte_at, by_table, table_at = array("q"), array("q"), array("q"), array("q")
        for h, index in zip(self.by_bytes, self.byte_at):
            j = position[index]
            if j >= 0:
                by_bytes.append(h)
                byte_at.append(j)
        mask = (1 << _TABLE_BITS) - 1
        for h, packed in zip(self.by_table, self.table_at):
            j = position[packed >> _TABLE_BITS]
            if j >= 0:
                by_table.append(h)
                table_at.append(j << _TABLE_BITS | packed & mask)
        # In the files' order, as a reading pass lists them: a group's label is its first member's.
        return (*_in_order(by_bytes, byte_at), *_in_order(by_table, table_at))


def _in_order(hashes: array[int], at: array[int]) -> tuple[array[int], array[int]]:
    order = sorted(range(len(at)), key=at.__getitem__)
    return array("q", (hashes[k] for k in order)), array("q", (at[k] for k in order))


def find_duplicates(files: Sequence[Submitted], place: Optional[Callable[[int], tuple[str, int, int]]] = None,
                    first: Optional[FirstPass] = None) -> list[DuplicateSubmission]:
    """Groups of tables submitted more than once, in the order of each group's kept file.

    ``files`` (in scan order) may read each file back when asked for it (run.py's reads the
    state file): a first pass keeps a hash per file and per table (16 bytes each), the second
    reads again only the files whose hash is shared with another and groups them by their
    exact sha256 or table key, so no file's hash, keys or object is held for the whole search.
    ``place(j)``: path, mtime_ns and index of the j-th file, where that is cheaper than files[j].
    ``first``: the first pass, gathered by the caller (by index), used where it covers ``files``."""
    given = first.by_position(files, place) if first is not None else None
    if first is None or given is None:  # a pass by reading every file once (positions: their places)
        first = FirstPass(len(files), keep_sha=False)
        for j, f in enumerate(files):
            first.add(j, f.sha256, f.keys)
        given = first.by_bytes, first.byte_at, first.by_table, first.table_at
    by_bytes, byte_at, by_table, table_at = given
    known = first
    times: dict[str, str] = {}  # one string per minute shown, not one per file
    found = []
    grouped = bytearray(len(files))  # 1: in a group of byte-identical files
    where = place

    def sha_of(j: int) -> str:
        got = known.sha256(where(j)[2]) if where is not None else None
        return got if got is not None else str(files[j].sha256)

    for positions in _candidates(by_bytes, byte_at):
        same_sha: dict[str, list[int]] = {}
        for j in positions:
            same_sha.setdefault(sha_of(j), []).append(j)
        for same in same_sha.values():
            if len(same) < 2:
                continue
            for j in same:
                grouped[j] = 1
            for i, (unit, project, year) in enumerate(files[same[0]].keys):
                label = (str(unit), str(project), year if isinstance(year, int) else None, SAME_BYTES)
                found.append(_group(files, place, [j << _TABLE_BITS | i for j in same], label, times))
    mask = (1 << _TABLE_BITS) - 1
    for positions in _candidates(by_table, table_at):
        same_key: dict[tuple[str, str, str], list[int]] = {}
        labels: dict[tuple[str, str, str], _Label] = {}
        for packed in positions:
            j = packed >> _TABLE_BITS
            if grouped[j]:
                continue  # already listed with the files of the same bytes
            unit, project, year = files[j].keys[packed & mask]
            key = _table_key(unit, project, year)
            assert key is not None
            same_key.setdefault(key, []).append(packed)
            labels.setdefault(key, (str(unit), str(project), year if isinstance(year, int) else None, SAME_TABLE))
        for key, members in same_key.items():
            if len({m >> _TABLE_BITS for m in members}) < 2:
                continue  # two tables of one file are that file's business (its own findings)
            found.append(_group(files, place, members, labels[key], times))
    found.sort(key=lambda d: (d.kept.path, d.kept.project))
    return found


def _group(files: Sequence[Submitted], place: Optional[Callable[[int], tuple[str, int, int]]], members: list[int],
           label: _Label, times: dict[str, str]) -> DuplicateSubmission:
    """One group: its newest submission kept, the others listed."""
    mask = (1 << _TABLE_BITS) - 1
    items = []
    for packed in members:
        j = packed >> _TABLE_BITS
        if place is not None:
            path, mtime_ns, index = place(j)
        else:
            path, mtime_ns, _, _, index = files[j]
        items.append((path, mtime_ns, packed & mask, index))
    # Newest modification time first; equal times: the later path (a "-2" or "（修改）" copy
    # sorts after its original), so the choice never depends on scan or worker order.
    items.sort(key=lambda it: (-it[1], tuple(map(neg, map(ord, it[0]))), it[2]))
    kept = items[0]

    def submission(it: tuple[str, int, int, int]) -> Submission:
        shown = local_time(it[1])
        return Submission(it[0], it[2], times.setdefault(shown, shown), it[3])

    unit, project, year, reason = label
    return DuplicateSubmission(unit=unit, project=project, year=year, reason=reason, kept=submission(kept),
                               others=Submissions(submission(it) for it in items[1:] if it[0] != kept[0]))


__all__ = ["FirstPass", "SAME_BYTES", "SAME_TABLE", "Submitted", "find_duplicates", "local_time", "normalise"]
