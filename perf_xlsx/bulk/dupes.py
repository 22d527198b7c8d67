"""Resubmissions: the same unit's same project and year sent more than once (a corrected copy
beside the first, or a file sent twice), or byte-identical files under two names.

汇总 ranks the newest submission and lists the others under 重复提交; results.jsonl still
has a line for every input (each is an input the bureau received).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Optional, Sequence

from perf_xlsx.bulk.extras import DuplicateSubmission, Submission

SAME_TABLE = "同一单位、项目、年度重复提交"
SAME_BYTES = "文件内容完全相同"


def normalise(name: str) -> str:
    """A name as people mean it: full-width forms folded (NFKC), spaces and punctuation of
    quoting dropped, so "县 商务局" and "县商务局" are one unit."""
    text = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"[\s\u3000\"'“”‘’()（）《》<>【】\[\]]", "", text)


def local_time(mtime_ns: int) -> str:
    return datetime.datetime.fromtimestamp(mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Submitted:
    """One scored input, as the duplicate search needs it."""

    path: str
    mtime_ns: int
    sha256: Optional[str]
    keys: Sequence[Sequence[Any]]  # per table: unit, project name, year


def _newest_first(items: list[tuple[Submitted, int]]) -> list[tuple[Submitted, int]]:
    # Newest modification time first; equal times: the later path (a "-2" or "（修改）" copy
    # sorts after its original), so the choice never depends on scan or worker order.
    return sorted(items, key=lambda it: (-it[0].mtime_ns, tuple(-ord(c) for c in it[0].path), it[1]))


def find_duplicates(files: Sequence[Submitted]) -> list[DuplicateSubmission]:
    """Groups of tables submitted more than once, in the order of each group's kept file."""
    key: tuple[str, ...]
    groups: dict[tuple[str, ...], list[tuple[Submitted, int]]] = {}
    labels: dict[tuple[str, ...], tuple[str, str, Optional[int], str]] = {}
    by_bytes: dict[str, list[Submitted]] = {}
    for f in files:
        if f.sha256:
            by_bytes.setdefault(f.sha256, []).append(f)
    grouped_by_bytes: set[str] = set()
    for sha, same in by_bytes.items():
        if len(same) > 1:
            grouped_by_bytes.update(s.path for s in same)
            for i, (unit, project, year) in enumerate(same[0].keys):
                key = ("bytes", sha, str(i))
                groups[key] = [(s, i) for s in same]
                labels[key] = (str(unit), str(project), year if isinstance(year, int) else None, SAME_BYTES)
    for f in files:
        if f.path in grouped_by_bytes:
            continue
        for i, (unit, project, year) in enumerate(f.keys):
            if not normalise(str(unit)) or not normalise(str(project)):
                continue  # a table that names neither cannot be matched with another
            key = ("table", normalise(str(unit)), normalise(str(project)), str(year))
            groups.setdefault(key, []).append((f, i))
            labels.setdefault(key, (str(unit), str(project), year if isinstance(year, int) else None, SAME_TABLE))
    found = []
    for key, items in groups.items():
        paths = {s.path for s, _ in items}
        if len(paths) < 2:
            continue  # two tables of one file are that file's business (its own findings)
        ordered = _newest_first(items)
        kept, others = ordered[0], [it for it in ordered[1:] if it[0].path != ordered[0][0].path]
        unit, project, year, reason = labels[key]
        found.append(DuplicateSubmission(
            unit=unit, project=project, year=year, reason=reason,
            kept=Submission(kept[0].path, kept[1], local_time(kept[0].mtime_ns)),
            others=tuple(Submission(s.path, i, local_time(s.mtime_ns)) for s, i in others)))
    found.sort(key=lambda d: (d.kept.path, d.kept.project))
    return found


__all__ = ["SAME_BYTES", "SAME_TABLE", "Submitted", "find_duplicates", "local_time", "normalise"]
