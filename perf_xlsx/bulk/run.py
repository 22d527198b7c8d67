"""Score every workbook in a folder: plan the run, hand the files to the worker pool, file each
outcome away as it arrives, then write results.jsonl, skipped.jsonl and 汇总.xlsx.

One run per output folder (an advisory lock). The parent's work per file is kept to copying
bytes that the workers prepared (:mod:`perf_xlsx.bulk.work`): its result line goes to a spool
file, its summary rows to the summary index, a few counts to column arrays.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from perf_xlsx.bulk.pool import Task, run_pool
from perf_xlsx.bulk.report import BatchError, BatchReport, FileOutcome, Outcomes
from perf_xlsx.bulk.scan import SCORED_SUFFIX, scan, scored_stem, unique_name
from perf_xlsx.bulk.summary import SummaryIndex, write_summary
from perf_xlsx.fileutil import atomic_write, sweep_stale_temps
from perf_xlsx.judge.evaluate import sha256_file
from perf_xlsx.results import encode_line, failed_result
from perf_xlsx.rules import load_profile

DEFAULT_OUTDIR = "评分结果"
SUMMARY_NAME = "汇总.xlsx"
RESULTS_NAME = "results.jsonl"
SKIPPED_NAME = "skipped.jsonl"
LOCK_NAME = ".perf-xlsx.lock"

Progress = Callable[[int, int, str], None]


class _Lock:
    """One run per OUTDIR: an advisory lock the OS releases if the run dies."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir / LOCK_NAME
        self.fh: Any = None

    def __enter__(self) -> _Lock:
        self.fh = open(self.path, "a+")
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
    decided up front so that names never depend on timing."""

    def __init__(self, src: Path, out: Path, entries: list[tuple[str, Optional[str]]]) -> None:
        self.outcomes = Outcomes([rel for rel, _ in entries])
        self.tasks = array("l")
        # Only names that differ from the plain one (collisions) are kept: memory stays flat.
        self.renamed: dict[int, str] = {}
        taken: set[str] = set()
        for i, (rel, reason) in enumerate(entries):
            if reason:
                self.outcomes.set(i, "skipped", reason)
                continue
            self.tasks.append(i)
            stem = scored_stem(rel)
            name = unique_name(stem, taken)
            if name != stem + SCORED_SUFFIX:
                self.renamed[i] = name
        self._src = _join_prefix(src)
        self._out = _join_prefix(out)

    def task(self, index: int) -> Task:
        rel = self.outcomes.paths[index]
        name = self.renamed.get(index) or scored_stem(rel) + SCORED_SUFFIX
        return self._src + (rel if os.sep == "/" else rel.replace("/", os.sep)), rel, self._out + name


def run_batch(folder: str, outdir: Optional[str] = None, *, jobs: Optional[int] = None,
              recursive: bool = False, rules: Optional[str] = None,
              progress: Optional[Progress] = None) -> BatchReport:
    """Score every workbook in folder. Raises BatchError only when the batch cannot start."""
    start = time.monotonic()
    src = Path(folder)
    if not src.is_dir():
        raise BatchError(f"找不到文件夹：{folder}")
    out = Path(outdir) if outdir else src / DEFAULT_OUTDIR
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"无法创建输出文件夹 {out}：{exc.strerror or exc}") from None
    profile = load_profile(rules)
    report = BatchReport(folder=str(src), outdir=str(out), profile=profile.name)
    with _Lock(out):
        plan = _Plan(src, out, scan(src, out, recursive))
        outcomes = plan.outcomes
        total = len(outcomes)
        done = total - len(plan.tasks)
        if progress:
            progress(done, total, "")
        # Unnamed (deleted on close): full result lines wait here until results.jsonl is written.
        spool = tempfile.TemporaryFile(dir=out)
        report.spool = spool
        index_ = SummaryIndex(spool, total)

        def on_done(index: int, outcome: dict[str, Any]) -> None:
            nonlocal done
            line = outcome.get("line")
            spooled = None
            if line:
                spool.seek(0, os.SEEK_END)
                spooled = (spool.tell(), len(line))
                spool.write(line)
            outcomes.set(index, outcome["status"], outcome.get("reason", ""), outcome.get("errors", 0),
                         outcome.get("warnings", 0), spooled)
            if outcome.get("digest"):
                index_.add(index, outcome["digest"])
            done += 1
            if progress:
                progress(done, total, outcomes.paths[index])

        try:
            run_pool(plan.tasks, plan.task, rules or profile.name, jobs or os.cpu_count() or 1, on_done)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            # Workers are stopped by now: whatever a killed one was writing is a dead pid's temp.
            sweep_stale_temps(str(out))
        # An interrupted run lists what finished and writes no summary; a complete one keeps the
        # table, whose positions the summary index refers to.
        report.outcomes = [outcomes[i] for i in range(total) if outcomes.finished(i)] \
            if report.interrupted else outcomes
        report.grades = index_.grades
        report.elapsed = time.monotonic() - start
        try:
            if not report.interrupted:
                if hasattr(os, "sync"):
                    # The scored copies were renamed into place without an fsync each; one sync
                    # here makes them durable before results.jsonl says they exist.
                    os.sync()
                write_results(report, out / RESULTS_NAME)
                write_skipped(report, out / SKIPPED_NAME)
                write_summary(report, str(out / SUMMARY_NAME), profile, index_)
        finally:
            spool.close()
            report.spool = None
    return report


def _own_line(report: BatchReport, o: FileOutcome) -> bytes:
    """The results.jsonl line of a workbook whose worker sent none: it died (crashed, or was
    killed) or hung past its deadline. It is still an input, so a contract-exact `failed` result."""
    try:
        digest: Optional[str] = sha256_file(str(Path(report.folder) / o.path))
    except OSError:
        digest = None
    return encode_line(failed_result(o.path, digest, report.profile, "batch.timeout_or_crash", o.reason))


def _write_lines(path: Path, lines: Iterator[bytes]) -> None:
    """Atomically (temp file, fsync, rename): a reader sees the previous file or the whole new one."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:
            for line in lines:
                fh.write(line + b"\n")
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(str(path), write)


def write_results(report: BatchReport, path: Path) -> None:
    """results.jsonl: one perf_xlsx.result/1 line per input workbook, `scored` or `failed`, in scan
    order. Skipped files are not inputs and the contract has no status for them: skipped.jsonl."""
    _write_lines(path, (o.raw_line(report.spool) or _own_line(report, o)
                        for o in report.outcomes if o.status != "skipped"))


def write_skipped(report: BatchReport, path: Path) -> None:
    """skipped.jsonl: one line per file left unopened or recognised as the tool's own output, in
    scan order, so that results.jsonl + skipped.jsonl name every file in the folder exactly once.
    Written even when empty, so that a stale list from an earlier run never stands."""
    _write_lines(path, (encode_line({"file": o.path, "reason": o.reason, "code": "batch.skipped"})
                        for o in report.outcomes if o.status == "skipped"))


__all__ = ["BatchError", "BatchReport", "DEFAULT_OUTDIR", "FileOutcome", "LOCK_NAME", "RESULTS_NAME", "SKIPPED_NAME",
           "SUMMARY_NAME", "run_batch", "write_results", "write_skipped"]
