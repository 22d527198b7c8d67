"""What a batch knows beyond each file's own result, handed to the 汇总.xlsx writer.

The inbox side (incremental runs, resubmissions, the roster, report drafts) finds these; the
summary side only lays them out. Kept in a module of its own so that neither side imports the
other's machinery.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Iterable, Mapping, NamedTuple, Optional, Sequence, Union, overload


class Submission(NamedTuple):
    """One project of one submitted file. A tuple, not an object with a dict: a batch of
    resubmitted files holds one per file until 汇总 is written."""

    path: str  # relative to the batch folder, forward slashes (as FileOutcome.path)
    project: int  # index of the project (table) within that file's result, 0-based
    time: str  # the file's modification time, local, "YYYY-MM-DD HH:MM"
    file: int = -1  # the file's place in the batch's outcomes, when known (-1: look it up by path)


class Submissions(Sequence[Submission]):
    """Submissions as columns (a path and a time shared with others, two numbers): a batch
    of resubmitted files lists one per file until 汇总 is written, and a tuple each would be
    the largest thing the batch parent holds per file. Compares equal to a tuple of the same."""

    __slots__ = ("paths", "projects", "times", "files")

    def __init__(self, items: Iterable[Submission] = ()) -> None:
        self.paths: list[str] = []
        self.times: list[str] = []
        self.projects = array("l")
        self.files = array("l")
        for s in items:
            self.paths.append(s.path)
            self.projects.append(s.project)
            self.times.append(s.time)
            self.files.append(s.file)

    def __len__(self) -> int:
        return len(self.paths)

    @overload
    def __getitem__(self, i: int) -> Submission: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[Submission, ...]: ...

    def __getitem__(self, i: Union[int, slice]) -> Union[Submission, tuple[Submission, ...]]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        return Submission(self.paths[i], self.projects[i], self.times[i], self.files[i])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (Submissions, tuple)):
            return NotImplemented
        return tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


@dataclass(frozen=True)
class DuplicateSubmission:
    """The same unit + project + year (or byte-identical files) submitted more than once.

    ``kept`` is ranked in 汇总; every entry of ``others`` is left out of the ranking and listed
    on the 重复提交 sheet beside it.
    """

    unit: str
    project: str
    year: Optional[int]
    reason: str  # Chinese, e.g. "同一单位、项目、年度" or "文件内容完全相同"
    kept: Submission
    others: Sequence[Submission]  # a tuple, or (from the batch) Submissions


@dataclass(frozen=True)
class NearMiss:
    """A submitted unit name that resembles a roster name without matching it."""

    roster_name: str
    submitted_name: str
    path: str  # the file that carries submitted_name


@dataclass(frozen=True)
class RosterStatus:
    """The roster (单位名单) against what arrived: 应交 expected, 已交 submitted, 未交 missing.

    Each roster unit is in one of submitted / missing / near_misses (bulk.roster.compare).
    """

    expected: int
    submitted: int  # roster units whose own name arrived
    missing: tuple[str, ...]  # roster unit names with no submission (nor a near miss), in roster order
    missing_projects: tuple[tuple[str, str], ...] = ()  # (unit, project) expected but not found
    near_misses: tuple[NearMiss, ...] = ()
    unknown_units: tuple[tuple[str, str], ...] = ()  # (unit name, path) submitted but not on the roster

    def counts(self) -> str:
        """应交 N，已交 M，未交 K (and 名称相近 J when some): M + K + J = N, each the rows listed."""
        text = f"应交 {self.expected}，已交 {self.submitted}，未交 {len(self.missing)}"
        return text + (f"，名称相近 {len(self.near_misses)}（请确认）" if self.near_misses else "")


@dataclass(frozen=True)
class SummaryExtras:
    """Everything optional that 汇总.xlsx shows besides the per-file results."""

    title: Optional[str] = None  # --title: the bureau's name for the 排名 title line
    duplicates: Sequence[DuplicateSubmission] = ()
    roster: Optional[RosterStatus] = None
    # input path → path of its 整改反馈单 / 自评报告 draft, relative to the output folder
    feedback: Mapping[str, str] = field(default_factory=dict)
    reports: Mapping[str, str] = field(default_factory=dict)

    def superseded(self) -> frozenset[tuple[str, int]]:
        """(path, project) pairs that a newer submission replaces: not ranked."""
        return frozenset((s.path, s.project) for d in self.duplicates for s in d.others)


__all__ = ["DuplicateSubmission", "NearMiss", "RosterStatus", "Submission", "Submissions", "SummaryExtras"]
