"""What a batch run reports: one outcome per input file (kept as columns, so memory stays flat
in the number of files) and the run as a whole. Shared by the runner and the summary writer."""

from __future__ import annotations

import json
from array import array
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Any, Iterator, Optional, Sequence

from perf_xlsx.bulk.extras import SummaryExtras


class BatchError(Exception):
    """The batch as a whole cannot run (folder missing, another run in progress); Chinese message."""


class FileOutcome:
    """One input file, accounted for exactly once.

    Only counts stay in memory; the full perf_xlsx.result/1 line and the file's summary rows
    wait in a spool file, so memory stays flat however many files.
    """

    __slots__ = ("path", "status", "reason", "errors", "warnings", "spooled")

    def __init__(self, path: str, status: str, reason: str = "", errors: int = 0, warnings: int = 0,
                 spooled: Optional[tuple[int, int]] = None) -> None:
        self.path = path  # relative to the batch folder, with forward slashes
        self.status = status  # "scored" | "failed" | "skipped"
        self.reason = reason
        self.errors = errors
        self.warnings = warnings
        self.spooled = spooled  # (offset, length) of its results.jsonl line in the spool

    def result(self, spool: Optional[IO[bytes]]) -> Optional[dict[str, Any]]:
        """The full result (perf_xlsx.result/1 plus batch keys), read back when needed."""
        data = self.raw_line(spool)
        return json.loads(data) if data else None

    def raw_line(self, spool: Optional[IO[bytes]]) -> Optional[bytes]:
        if self.spooled is None or spool is None:
            return None
        spool.seek(self.spooled[0])
        return spool.read(self.spooled[1])


_STATUSES = ("scored", "failed", "skipped")
_UNFINISHED = 255


class Outcomes(Sequence[FileOutcome]):
    """Every file's outcome, kept as columns: a few dozen bytes a file instead of an object
    each, so that a batch of 10,000 files needs about as much memory as one of 1,000."""

    def __init__(self, paths: list[str]) -> None:
        n = len(paths)
        self.paths = paths
        self.status = bytearray([_UNFINISHED]) * n
        self.errors = array("l", bytes(array("l").itemsize * n))
        self.warnings = array("l", bytes(array("l").itemsize * n))
        self.line_at = array("q", [-1]) * n
        self.line_len = array("l", bytes(array("l").itemsize * n))
        self.reasons: dict[int, str] = {}  # only files that have one

    def set(self, i: int, status: str, reason: str = "", errors: int = 0, warnings: int = 0,
            spooled: Optional[tuple[int, int]] = None) -> None:
        self.status[i] = _STATUSES.index(status)
        self.errors[i], self.warnings[i] = errors, warnings
        if reason:
            self.reasons[i] = reason
        if spooled is not None:
            self.line_at[i], self.line_len[i] = spooled

    def finished(self, i: int) -> bool:
        return self.status[i] != _UNFINISHED

    def indexes(self, status: str) -> Iterator[int]:
        """The files with that outcome, in scan order."""
        code = _STATUSES.index(status)
        return (i for i, s in enumerate(self.status) if s == code)

    def columns(self) -> Iterator[tuple[str, str, str]]:
        """Each file's path, status and reason, in scan order, as iterating gives them (every
        file must have its outcome), without a FileOutcome each."""
        reasons = self.reasons
        for i, (path, code) in enumerate(zip(self.paths, self.status)):
            if code == _UNFINISHED:
                raise IndexError(f"{path} has no outcome yet")
            yield path, _STATUSES[code], reasons.get(i, "")

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int) -> FileOutcome:  # type: ignore[override]
        if not self.finished(i):
            raise IndexError(f"{self.paths[i]} has no outcome yet")
        at = self.line_at[i]
        return FileOutcome(self.paths[i], _STATUSES[self.status[i]], self.reasons.get(i, ""), self.errors[i],
                           self.warnings[i], None if at < 0 else (at, self.line_len[i]))

    def __iter__(self) -> Iterator[FileOutcome]:
        return (self[i] for i in range(len(self.paths)))


@dataclass
class BatchReport:
    folder: str
    outdir: str
    profile: str
    outcomes: Sequence[FileOutcome] = field(default_factory=list)
    elapsed: float = 0.0
    interrupted: bool = False
    spool: Optional[IO[bytes]] = None  # full result lines while the run is open
    grades: Counter[str] = field(default_factory=Counter)  # projects per 等级 ("未评级": none)
    # The incremental run: files whose earlier result was reused, files scored in this run
    # (paths), inputs gone since the last run (their scored copies moved to 已撤回/).
    reused: int = 0
    fresh: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    extras: Optional[SummaryExtras] = None  # duplicates, roster, title: what 汇总 was given
    # Outputs that could not be written (Chinese, naming the file and what to do); nothing_written:
    # not one output of the run (scored copy, results.jsonl, 汇总.xlsx) could be written.
    output_errors: list[str] = field(default_factory=list)
    nothing_written: bool = False
    unfinished: int = 0  # files an interrupted run did not get to (scored by the next run)
    summary_busy: bool = False  # 汇总.xlsx was open or locked and kept its earlier content
    # --reports / --feedback: input path → a report.draft_failed finding (dict) for each input
    # whose draft could not be made (the input itself is scored as usual).
    draft_failures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def projects(self) -> int:
        return sum(self.grades.values())

    @property
    def exit_code(self) -> int:
        if self.output_errors and self.nothing_written:
            return 2
        if self.output_errors or self.count("failed") or any(o.errors for o in self.outcomes):
            return 1
        return 0
