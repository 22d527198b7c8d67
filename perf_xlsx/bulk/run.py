"""Score every workbook in a folder: plan the run, hand the files to the worker pool, file each
outcome away as it arrives, then have results.jsonl, skipped.jsonl and 汇总.xlsx written
(:mod:`perf_xlsx.bulk.outputs`) unless they already are what this run would write.

One run per output folder (an advisory lock). The parent's work per file is kept to copying
bytes that the workers prepared (:mod:`perf_xlsx.bulk.work`): its result line goes to a spool
file, its summary rows to the summary index, its state record to the state file, a few counts
to column arrays. Nothing else is kept per file (issue 16: the parent's peak memory is flat in
the number of files): what the duplicate search needs is read back from the state.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from array import array
from collections import Counter
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Callable, Collection, Iterator, Optional, Sequence

from perf_xlsx.bulk.dupes import FirstPass, Submitted, find_duplicates
from perf_xlsx.bulk.extras import SummaryExtras
from perf_xlsx.bulk.outputs import (
    DEFAULT_OUTDIR,
    RESULTS_NAME,
    SKIPPED_NAME,
    SUMMARY_NAME,
    outputs_fingerprint,
    save_state,
    untouched,
    write_drafts,
    write_outputs,
    write_results,
    write_skipped,
)
from perf_xlsx.bulk.report import BatchError, BatchReport, FileOutcome, Outcomes
from perf_xlsx.bulk.scan import SCORED_SUFFIX, WITHDRAWN_DIR, scan, scored_stem, unique_name
from perf_xlsx.bulk.state import Entry, State, profile_digest
from perf_xlsx.fileutil import (
    os_error_message,
    os_reason,
    sweep_stale_temps,
)
from perf_xlsx.rules import load_profile
from perf_xlsx.version import __version__

if TYPE_CHECKING:
    from perf_xlsx.bulk.pool import Task
    from perf_xlsx.bulk.summary_index import SummaryIndex

# The worker pool (and with it the reader, the judge and the writer), the results encoder and
# the 汇总 writer are imported where they are first needed: an unchanged rerun over 1,000 files
# needs none of them, and importing them was most of its time (issue 13). A run that scores
# imports the pool before its workers fork, so they inherit the modules instead of importing them.

LOCK_NAME = ".perf-xlsx.lock"

Progress = Callable[[int, int, str], None]
#: Called with one file's outcome as it finishes (file, status, reason, errors, warnings, tables).
FileEvent = Callable[[dict[str, Any]], None]


class _Lock:
    """One run per OUTDIR: an advisory lock the OS releases if the run dies."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / LOCK_NAME
        self.fh: Any = None

    def __enter__(self) -> _Lock:
        try:
            self.fh = open(self.path, "a+")
        except OSError as exc:
            raise BatchError(f"{os_error_message(str(self.path), exc)}（输出文件夹不可写时，请用 -o 指定其他文件夹）") from None
        try:
            _lock_exclusive(self.fh.fileno())
        except OSError:
            self.fh.close()
            raise BatchError(f"另一个评分任务正在使用输出文件夹 {self.path.parent}，请等它结束后再运行") from None
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.close()
        try:
            self.path.unlink()
        except OSError:
            pass


def _lock_exclusive(fd: int) -> None:
    """Lock an open file for this process without waiting; OSError if another process holds it."""
    if sys.platform == "win32":  # pragma: no cover - a byte-range lock of msvcrt
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _join_prefix(folder: Path) -> str:
    """What str(folder / name) puts before a plain name: pathlib's join, done once per run
    rather than once per file ("" for ".", "/" for the root)."""
    return str(folder / "x")[:-1]


class _Plan:
    """The files of a run and each one's task: which to score, and the name of each scored copy,
    decided up front so that names never depend on timing (nor on which files an incremental
    run reuses: the names are those a full run gives)."""

    def __init__(self, src: Path, out: Path, entries: list[tuple[str, Optional[str]]]) -> None:
        self.outcomes = Outcomes([rel for rel, _ in entries])
        self.tasks = array("l")
        self.inputs = array("l")  # every file that is an input (not skipped by its name)
        # Only names that differ from the plain one (collisions) are kept: memory stays flat.
        self.renamed: dict[int, str] = {}
        # Per file, the length of its scored_stem when that is the start of its path (most
        # names: nothing to replace), else -1: the plain name is then a slice, not made again.
        self.stem_len = array("l", [-1]) * len(entries)
        taken: set[str] = set()
        for i, (rel, reason) in enumerate(entries):
            if reason:
                self.outcomes.set(i, "skipped", reason)
                continue
            self.inputs.append(i)
            stem = scored_stem(rel)
            if rel.startswith(stem):
                self.stem_len[i] = len(stem)
            name = unique_name(stem, taken)
            if name != stem + SCORED_SUFFIX:
                self.renamed[i] = name
        self._src = _join_prefix(src)
        self.out = _join_prefix(out)  # what an output's name follows in its path

    def output_name(self, index: int) -> str:
        return self.renamed.get(index) or self.plain_name(index)

    def plain_name(self, index: int) -> str:
        """The scored copy's name before any numbering: output_name unless ``index in renamed``."""
        n = self.stem_len[index]
        rel = self.outcomes.paths[index]
        return (rel[:n] if n >= 0 else scored_stem(rel)) + SCORED_SUFFIX

    def source(self, index: int) -> str:
        rel = self.outcomes.paths[index]
        return self._src + (rel if os.sep == "/" else rel.replace("/", os.sep))

    def task(self, index: int) -> Task:
        return self.source(index), self.outcomes.paths[index], self.out + self.output_name(index)


def _move_aside(out: Path, name: str) -> Optional[str]:
    """Move a scored copy into 已撤回/ (never deleted: someone may have sent it on); the name
    it got there, or None when there was nothing to move or it could not be moved."""
    src = out / name
    if not src.is_file():
        return None
    aside = out / WITHDRAWN_DIR
    try:
        aside.mkdir(exist_ok=True)
        target = aside / name
        n = 2
        while target.exists():
            target = aside / f"{Path(name).stem.removesuffix('.scored')}-{n}{SCORED_SUFFIX}"
            n += 1
        os.replace(src, target)
    except OSError:
        return None
    return target.name


def _stat(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
    except OSError:
        return -1, -1
    return st.st_size, st.st_mtime_ns


def _open_spool(out: Path) -> IO[bytes]:
    # Unnamed (deleted on close): full result lines wait here until results.jsonl is written.
    # In the output folder when it can be (same disk as the outputs), else the system's.
    try:
        return tempfile.TemporaryFile(dir=out)
    except OSError:
        return tempfile.TemporaryFile()


def run_batch(folder: str, outdir: Optional[str] = None, *, jobs: Optional[int] = None,
              recursive: bool = False, rules: Optional[str] = None,
              progress: Optional[Progress] = None, full: bool = False, roster: Optional[str] = None,
              title: Optional[str] = None, start_method: Optional[str] = None,
              on_file: Optional[FileEvent] = None, hold: Collection[str] = (), compact: bool = True,
              digests: Optional[dict[str, Any]] = None, reports: bool = False,
              feedback: bool = False) -> BatchReport:
    """Score every workbook in folder (and one level of subfolders, or all with ``recursive``).
    Raises BatchError only when the batch cannot start.

    Incremental: an input whose size, mtime, rules and tool version are those recorded in the
    output folder's state file keeps its earlier result (``full``: score everything again);
    the outputs are byte for byte those of a full run. ``on_file(event)`` is called in this
    process as each file of this run finishes (watch prints it). ``hold``: paths (relative,
    posix) still being written: they keep their earlier result, or wait as skipped. Watch, which
    runs this after every file, passes ``compact=False`` (the state file is appended to, not
    rewritten) and ``digests``, a cache of reused results' summary rows kept between runs.
    ``reports``: a 自评报告 draft (.docx) beside each scored copy; ``feedback``: one 整改反馈单 per
    unit under 反馈/; 汇总's 排名 links both. A draft that cannot be made is listed in
    ``report.draft_failures``, never a failed input."""
    start = time.monotonic()
    src = Path(folder)
    if not src.is_dir():
        raise BatchError(f"找不到文件夹：{folder}")
    out = Path(outdir) if outdir else src / DEFAULT_OUTDIR
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"无法创建输出文件夹 {out}：{os_reason(exc)}；请用 -o 指定一个可写的文件夹") from None
    profile = load_profile(rules)
    wanted = None
    if roster:
        # (imported here: difflib and its regexes are start-up time every run without a roster)
        from perf_xlsx.bulk.roster import RosterError, read_roster

        try:
            wanted = read_roster(roster)
        except RosterError as exc:
            raise BatchError(str(exc)) from None
    report = BatchReport(folder=str(src), outdir=str(out), profile=profile.name)
    pdigest = profile_digest(profile)
    with _Lock(out):
        plan = _Plan(src, out, scan(src, out, recursive))
        outcomes = plan.outcomes
        total = len(outcomes)
        state = State.load(str(out), pdigest)
        spool = _open_spool(out)
        report.spool = spool
        index_ = _LazyIndex(spool, total)
        # Each input's size and mtime as this run found them (-1: not an input, or no stat).
        sizes = array("q", [-1]) * total
        mtimes = array("q", [-1]) * total
        reused = array("l")  # their summary rows are rendered only if 汇总 is written
        # The reused tables' grades ("" for none), counted as the state is read (an unchanged
        # rerun needs nothing else of them: reading every record back again costs more than the rerun).
        reused_grades: Counter[str] = Counter()
        first_pass = FirstPass(total)  # the duplicate search's, from what each file brings
        unspooled = array("l")  # reused files whose result line is still only in the state file

        def spool_reused() -> None:
            for i in unspooled:
                line = state.line(state.entries[outcomes.paths[i]])
                spool.seek(0, os.SEEK_END)
                outcomes.line_at[i], outcomes.line_len[i] = spool.tell(), len(line)
                spool.write(line)
            del unspooled[:]

        fresh_scored = False
        done = 0

        def file_away(index: int, outcome: dict[str, Any]) -> None:
            line = outcome.get("line")
            spooled = None
            if line:
                spool.seek(0, os.SEEK_END)
                spooled = (spool.tell(), len(line))
                spool.write(line)
            outcomes.set(index, outcome["status"], outcome.get("reason", ""), outcome.get("errors", 0),
                         outcome.get("warnings", 0), spooled)
            if outcome.get("digest"):
                index_.get().add(index, outcome["digest"])
            if outcome["status"] == "scored":
                first_pass.add(index, outcome.get("sha256"), outcome.get("keys") or ())

        current = set()
        known = state.known
        for i in plan.inputs:
            rel = outcomes.paths[i]
            current.add(rel)
            sizes[i], mtimes[i] = size, mtime_ns = _stat(plan.source(i))
            held = rel in hold  # its earlier result, if any, stands until the new version is complete
            if not (held or full or i in plan.renamed):
                # Most of an unchanged rerun: a scored file reused as the state was loaded, from
                # the state's arrays (the same as the Entry below gives, without parsing it).
                slot = state.unchanged(rel, size, mtime_ns, plan.out + plan.plain_name(i))
                if slot >= 0:
                    errors, warnings = known.counts(slot)
                    outcomes.set(i, "scored", "", errors, warnings)
                    keys, grades = known.keys_and_grades(slot)
                    first_pass.add(i, known.sha256(slot), keys, known.sha256_bytes(slot))
                    unspooled.append(i)
                    reused.append(i)
                    reused_grades.update(grades)
                    report.reused += 1
                    continue
            entry = state.entries.get(rel)
            if held and (entry is None or not entry.line_len and entry.status != "skipped"):
                outcomes.set(i, "skipped", RECEIVING_REASON)
                continue
            if not held and (full or entry is None or entry.output not in (None, plan.output_name(i))
                             or not entry.reusable(sizes[i], mtimes[i], pdigest, str(out))):
                plan.tasks.append(i)
                continue
            assert entry is not None
            # Its line stays in the state file until an output needs it (spool_reused): an
            # unchanged rerun writes no output, and copying every line would be most of its work.
            file_away(i, {"status": entry.status, "reason": entry.reason,
                          "errors": entry.errors, "warnings": entry.warnings, "sha256": entry.sha256,
                          "keys": entry.keys})
            if entry.line_len:
                unspooled.append(i)
            if entry.line_len and entry.status == "scored":
                reused.append(i)
                reused_grades.update(entry.grades)
            report.reused += 1
        # Inputs gone since the last run: out of the results, their scored copies set aside.
        for rel in [r for r in state.entries if r not in current]:
            gone = state.entries[rel]
            if gone.output:
                _move_aside(out, gone.output)
            state.remove(rel)
            report.withdrawn.append(rel)
        del current
        done = total - len(plan.tasks)
        if progress:
            progress(done, total, "")

        names: set[str] = set()

        def planned_names() -> set[str]:
            if not names:
                names.update(plan.output_name(i) for i in plan.inputs)
            return names

        def on_done(index: int, outcome: dict[str, Any]) -> None:
            nonlocal done, fresh_scored
            rel = outcomes.paths[index]
            file_away(index, outcome)
            fresh_scored = fresh_scored or outcome["status"] == "scored"
            size, mtime_ns = sizes[index], mtimes[index]
            previous = state.entries.get(rel)
            output = plan.output_name(index) if outcome.get("output_sha256") else None
            if previous is not None and previous.output and previous.output != output and (
                    previous.output == plan.output_name(index) or previous.output not in planned_names()):
                # Its earlier scored copy belongs to an earlier version of the file (this one's
                # could not be written, or has another name now): it must not stand beside the
                # current results. A name now planned for another input is that input's to write.
                _move_aside(out, previous.output)
            state.put(Entry(file=rel, size=size, mtime_ns=mtime_ns, sha256=outcome.get("sha256"),
                            profile=pdigest, version=__version__, status=outcome["status"],
                            reason=outcome.get("reason", ""), code=outcome.get("code") or "",
                            errors=outcome.get("errors", 0), warnings=outcome.get("warnings", 0),
                            output=output, output_sha256=outcome.get("output_sha256"),
                            output_size=outcome.get("output_size", 0),
                            output_mtime_ns=outcome.get("output_mtime_ns", 0),
                            keys=outcome.get("keys") or [], line=outcome.get("line") or b"",
                            grades=[p[1] or "" for p in (outcome.get("digest") or {}).get("projects", ())]))
            report.fresh.append(rel)
            done += 1
            if progress:
                progress(done, total, rel)
            if on_file:
                on_file(_event(rel, outcome))

        try:
            if plan.tasks:
                from perf_xlsx.bulk.pool import run_pool

                run_pool(plan.tasks, plan.task, rules or profile.name, jobs or os.cpu_count() or 1, on_done,
                         known=state.outputs, start_method=start_method)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            # Workers are stopped by now: whatever a killed one was writing is a dead worker's temp.
            sweep_stale_temps(str(out), min_age=0)
        for i in range(total):
            if not outcomes.finished(i):
                # Interrupted before its turn: listed (skipped.jsonl, 未处理文件), scored next run.
                outcomes.set(i, "skipped", INTERRUPTED_REASON)
                report.unfinished += 1
        report.outcomes = outcomes
        submitted = _Scored(outcomes, state, mtimes)
        status = None
        if wanted:
            from perf_xlsx.bulk.roster import compare

            status = compare(wanted, [(str(k[0]), str(k[1]), s.path) for s in submitted for k in s.keys])
        duplicates = find_duplicates(submitted, submitted.place, first_pass)
        report.extras = SummaryExtras(title=title, duplicates=duplicates, roster=status)
        if (reports or feedback) and not report.interrupted:
            spool_reused()
            write_drafts(report, src, out, profile, reports, feedback)
        fingerprint = outputs_fingerprint(report, state, pdigest, roster, plan.plain_name)
        try:
            # (watch keeps the summary rows of reused results between runs: it fills them at once)
            if not report.interrupted and fingerprint == state.written and untouched(out, state.written_files) \
                    and not (digests is not None and not digests and reused):
                # Nothing changed since the outputs were written: they are what this run would write.
                report.grades = index_.grades()
                _count_grades(report.grades, reused_grades)
                if state.changed and compact:
                    save_state(report, state, compact)
            else:
                from perf_xlsx.bulk.work import summarise_line

                spool_reused()

                for i in reused:
                    entry = state.entries[outcomes.paths[i]]
                    key = (entry.output, entry.line_crc)
                    cached = digests.get(entry.file) if digests is not None else None
                    if cached is None or cached[0] != key:
                        cached = (key, summarise_line(state.line(entry), entry.output)["digest"])
                        if digests is not None:
                            digests[entry.file] = cached
                    index_.get().add(i, cached[1])
                state.written = fingerprint if not report.interrupted else ""
                write_outputs(report, out, profile, index_.get(), state, compact, fresh_scored)
                report.grades = index_.grades()
        finally:
            state.close()
            spool.close()
            report.spool = None
    report.elapsed = time.monotonic() - start
    return report


class _LazyIndex:
    """The run's summary index, made (its modules imported) when a digest or the outputs first
    need it: an unchanged rerun needs neither, only the grades."""

    def __init__(self, spool: IO[bytes], files: int) -> None:
        self.spool, self.files = spool, files
        self.index: Optional[SummaryIndex] = None

    def get(self) -> SummaryIndex:
        if self.index is None:
            from perf_xlsx.bulk.summary_index import SummaryIndex

            self.index = SummaryIndex(self.spool, self.files)
        return self.index

    def grades(self) -> Counter[str]:
        """Tables per grade counted so far (the index's own Counter once there is an index)."""
        return self.index.grades if self.index is not None else Counter()


def _count_grades(to: Counter[str], grades: Counter[str]) -> None:
    """Count tables per grade, as the tables give them ("" for none), into ``to`` as the
    summary index counts them (UNRATED for none), in the same order."""
    for grade, n in grades.items():
        if not grade:
            from perf_xlsx.bulk.summary_index import UNRATED  # (only for a table without 等级)

            grade = UNRATED
        to[grade] += n


class _Scored(Sequence[Submitted]):
    """The scored inputs, in scan order, as the duplicate search sees them: read back from the
    state when asked for (their hashes and table keys are not held per file in memory)."""

    def __init__(self, outcomes: Outcomes, state: State, mtimes: array[int]) -> None:
        self.paths, self.state, self.mtimes = outcomes.paths, state, mtimes
        self.files = array("l", outcomes.indexes("scored"))

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, j: int) -> Submitted:  # type: ignore[override]
        i = self.files[j]
        sha256, keys = self.state.sha_and_keys(self.paths[i])
        return Submitted(self.paths[i], self.mtimes[i], sha256, keys, i)

    def __iter__(self) -> Iterator[Submitted]:
        return (self[j] for j in range(len(self.files)))

    def place(self, j: int) -> tuple[str, int, int]:
        """path, mtime_ns and index of the j-th, without reading the state."""
        i = self.files[j]
        return self.paths[i], self.mtimes[i], i


RECEIVING_REASON = "文件仍在写入（复制或保存尚未完成），完成后评分"
INTERRUPTED_REASON = "评分被中断，尚未评分（再次运行 batch 将继续评分）"


def _event(rel: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """What watch prints of one file: its outcome and, per table, unit, name, 总分 and 等级."""
    tables = []
    digest_ = outcome.get("digest") or {}
    for (score, grade, *_), key in zip(digest_.get("projects", ()), outcome.get("keys") or ()):
        tables.append({"unit": key[0], "project": key[1], "score": score, "grade": grade})
    return {"file": rel, "status": outcome["status"], "reason": outcome.get("reason", ""),
            "errors": outcome.get("errors", 0), "warnings": outcome.get("warnings", 0), "tables": tables}


__all__ = ["BatchError", "BatchReport", "DEFAULT_OUTDIR", "FileOutcome", "LOCK_NAME", "RESULTS_NAME", "SKIPPED_NAME",
           "SUMMARY_NAME", "run_batch", "write_results", "write_skipped"]
