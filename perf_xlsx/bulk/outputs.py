"""What a batch writes once its files are scored: results.jsonl, skipped.jsonl, 汇总.xlsx and
the drafts, each atomically, the scored copies made durable first; and the fingerprint that
tells a rerun whether the outputs already are what it would write."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Optional, Sequence

from perf_xlsx.bulk.report import BatchReport, FileOutcome, Outcomes
from perf_xlsx.bulk.state import State
from perf_xlsx.fileutil import (
    OutputBusy,
    atomic_write,
    check_replaceable,
    os_error_message,
    sha256_file,
)
from perf_xlsx.rules import Profile
from perf_xlsx.version import __version__

if TYPE_CHECKING:  # (the summary's modules are imported when an output is written)
    from perf_xlsx.bulk.summary_index import SummaryIndex

DEFAULT_OUTDIR = "评分结果"
SUMMARY_NAME = "汇总.xlsx"
RESULTS_NAME = "results.jsonl"
SKIPPED_NAME = "skipped.jsonl"


def outputs_fingerprint(report: BatchReport, state: State, pdigest: str, roster: Optional[str],
                        usual_name: Optional[Callable[[int], str]] = None) -> str:
    """What the outputs are written from: every outcome and the result it stands on, the rules,
    the tool version, the title and the roster. Equal fingerprints, equal outputs.
    ``usual_name(i)``: scored_stem(path) + SCORED_SUFFIX of the i-th outcome, where the caller
    has it at hand (else it is made again for each)."""
    h = hashlib.sha256(f"{__version__}\0{pdigest}\0{report.extras.title if report.extras else ''}".encode())
    if report.extras is not None:
        # 汇总 links the drafts: a run with --reports / --feedback writes another 排名 than one without.
        for kind, links in (("reports", report.extras.reports), ("feedback", report.extras.feedback)):
            h.update(f"\0{kind}".encode())
            for rel, target in sorted(links.items()):
                h.update(f"\0{rel}\0{target}".encode())
    if roster:
        try:
            h.update(Path(roster).read_bytes())
        except OSError:
            h.update(b"\0no roster")
    for i, (path, status, reason) in enumerate(_columns(report.outcomes)):
        part = state.fingerprint_of(path, usual_name(i) if usual_name is not None else None)
        # (one update per file: what two updates, the outcome's and its entry's, hashed)
        if part is None:
            h.update(f"\0{path}\0{status}\0{reason}".encode())
        else:
            h.update(f"\0{path}\0{status}\0{reason}\0{part[0]}\0{part[1]}\0{part[2]}".encode())
    return h.hexdigest()


def _columns(outcomes: Sequence[FileOutcome]) -> Iterator[tuple[str, str, str]]:
    """Each outcome's path, status and reason (from an Outcomes' columns: no FileOutcome each)."""
    if isinstance(outcomes, Outcomes):
        return outcomes.columns()
    return ((o.path, o.status, o.reason) for o in outcomes)


def write_drafts(report: BatchReport, src: Path, out: Path, profile: Profile, reports: bool, feedback: bool) -> None:
    """The 自评报告 drafts and 整改反馈单 (perf_xlsx.draft), from the results as they stand.

    A report is drafted again only for an input scored in this run or whose draft is missing
    (an unchanged input gives the same bytes: the drafts are deterministic). The letters cover
    a unit's files together, so they are all written again when any input was scored in this
    run or a letter is missing. Failures are per file, in report.draft_failures."""
    from perf_xlsx.draft import write_feedback_letters, write_report_drafts
    from perf_xlsx.draft.drafts import report_name

    assert report.extras is not None
    fresh = set(report.fresh)
    results = [(o.path, data) for o in report.outcomes
               if o.status == "scored" and (data := o.result(report.spool)) is not None]
    links: dict[str, str] = {}
    letters: dict[str, str] = {}
    if reports:
        todo = []
        for rel, data in results:
            name = report_name(rel, data)
            if rel in fresh or not (out / name).is_file():
                todo.append((rel, data))
            else:
                links[rel] = name
        run = write_report_drafts(todo, str(src), str(out), profile)
        links.update(run)
        report.draft_failures.update(run.failures)
    if feedback:
        run = write_feedback_letters(results, str(src), str(out), profile)
        letters.update(run)
        report.draft_failures.update(run.failures)
    report.extras = replace(report.extras, reports=links, feedback=letters)


def untouched(out: Path, files: dict[str, list[int]]) -> bool:
    if set(files) != {RESULTS_NAME, SKIPPED_NAME, SUMMARY_NAME}:
        return False
    for name, (size, mtime_ns) in files.items():
        try:
            st = os.stat(out / name)
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
            return False
    return True


def _sync_copies(out: Path, outputs: Iterator[str]) -> None:
    """The scored copies were renamed into place without an fsync each: make them durable
    before results.jsonl says they exist. One sync of everything for a big run; a few fsyncs
    for a few files (a system-wide sync on a busy machine can take seconds: watch's case)."""
    names = []
    for name in outputs:  # (the first 51 are enough to tell: no list of every name)
        names.append(name)
        if len(names) > 50 and hasattr(os, "sync"):
            os.sync()
            return
    for name in names:
        try:
            fd = os.open(out / name, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


def save_state(report: BatchReport, state: State, compact: bool) -> None:
    try:
        if compact:
            state.save([o.path for o in report.outcomes])
        else:
            state.save_head()
    except OSError as exc:
        report.output_errors.append(f"{os_error_message(state.path, exc)}（下次运行将重新评分全部文件）")


def write_outputs(report: BatchReport, out: Path, profile: Profile, index_: SummaryIndex, state: State,
                   compact: bool = True, fresh_scored: bool = False) -> None:
    """results.jsonl, skipped.jsonl, 汇总.xlsx and the state, each on its own: one that cannot
    be written (汇总.xlsx open in Excel, a read-only folder, a full disk) is a Chinese message in
    report.output_errors and the others are still written."""
    from perf_xlsx.bulk.summary import write_summary

    _sync_copies(out, (e.output for f in report.fresh if (e := state.entries.get(f)) is not None and e.output))
    written = fresh_scored  # a scored copy of this run
    summary = out / SUMMARY_NAME
    steps: list[tuple[Path, Callable[[], None]]] = [
        (out / RESULTS_NAME, lambda: write_results(report, out / RESULTS_NAME)),
        (out / SKIPPED_NAME, lambda: write_skipped(report, out / SKIPPED_NAME)),
        (summary, lambda: write_summary(report, str(summary), profile, index_, extras=report.extras)),
    ]
    state.written_files = {}
    for path, step in steps:
        try:
            check_replaceable(str(path))
            step()
            written = True
            st = path.stat()
            state.written_files[path.name] = [st.st_size, st.st_mtime_ns]
        except OSError as exc:
            if path == summary:
                report.summary_busy = isinstance(exc, OutputBusy)
            report.output_errors.append(_output_message(path, exc))
    save_state(report, state, compact)
    report.nothing_written = not written


def _output_message(path: Path, exc: OSError) -> str:
    message = os_error_message(str(path), exc)
    if path.name == SUMMARY_NAME and isinstance(exc, (OutputBusy, PermissionError)):
        message += f"。请关闭 Excel/WPS 中打开的 {SUMMARY_NAME} 后重新运行（已评分的文件不会重复评分）"
    return message


def _own_line(report: BatchReport, o: FileOutcome) -> bytes:
    """The results.jsonl line of a workbook whose worker sent none: it died (crashed, or was
    killed) or hung past its deadline. It is still an input, so a contract-exact `failed` result."""
    from perf_xlsx.results import encode_line, failed_result

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
    from perf_xlsx.results import encode_line

    _write_lines(path, (encode_line({"file": o.path, "reason": o.reason, "code": "batch.skipped"})
                        for o in report.outcomes if o.status == "skipped"))


__all__ = ["DEFAULT_OUTDIR", "RESULTS_NAME", "SKIPPED_NAME", "SUMMARY_NAME", "outputs_fingerprint", "save_state", "untouched",
           "write_drafts", "write_outputs", "write_results", "write_skipped"]
