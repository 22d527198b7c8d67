"""One file of a batch, inside a worker process: recognise the tool's own output, evaluate,
write the scored copy, and return what the parent files away.

Everything the parent needs from a file is finished here, in parallel: its results.jsonl line
(encoded), its error and warning counts, and its rows of 汇总.xlsx (:func:`digest`), so the
parent only copies bytes.
"""

from __future__ import annotations

import json
import os
from typing import Any, Collection, Optional

from perf_xlsx.bulk.scan import own_output_reason
from perf_xlsx.bulk.summary_index import digest
from perf_xlsx.fileutil import check_replaceable, os_error_message, sha256_file
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.read.legacy import as_xlsx
from perf_xlsx.read.source import opened
from perf_xlsx.results import encode_line, mark_failed, result_to_dict
from perf_xlsx.rules import Profile
from perf_xlsx.write.scored import WriteError, write_scored

#: What a worker sends back for one file: status ("scored" | "failed" | "skipped"), reason,
#: line (the results.jsonl record, bytes), errors, warnings, digest (summary rows or None),
#: code (a failed result's error code), keys (per table: unit, project, year), output_sha256,
#: output_size, output_mtime_ns (the scored copy as written).
Outcome = dict[str, Any]

#: sha256 of the scored copies recorded in the output folder's state (set in each worker).
KNOWN_OUTPUTS: frozenset[str] = frozenset()


def folder_unit(rel: str) -> str:
    """The unit an inbox's layout names: the first folder of the path ("" at the top level)."""
    head, sep, _ = rel.partition("/")
    return head if sep else ""


def shown(data: dict[str, Any]) -> dict[str, Any]:
    """The result as 汇总 shows it: a table that names no unit gets the name of the folder it was
    sent in (收件/县商务局/…), the usual inbox layout. results.jsonl keeps what the table says."""
    unit = folder_unit(str(data.get("file") or ""))
    projects = data.get("projects") or []
    if not unit or all(p.get("department") or p.get("implementer") for p in projects):
        return data
    return {**data, "projects": [p if p.get("department") or p.get("implementer") else {**p, "department": unit}
                                 for p in projects]}


def table_keys(data: dict[str, Any]) -> list[list[Any]]:
    """Per table of a scored result: [unit, project name, year], as 汇总 shows them."""
    return [[str(p.get("department") or p.get("implementer") or ""), str(p.get("name") or ""), p.get("year")]
            for p in (shown(data).get("projects") or [])]


def summarise(data: dict[str, Any], output: Optional[str], line: Optional[bytes] = None) -> Outcome:
    """Everything the parent files away for one result (also for a result reused from the
    state, so that a rerun feeds the summary exactly as the run that scored it)."""
    status = data["status"]
    findings = data.get("findings", [])
    return {"status": status, "line": line or encode_line(data), "sha256": data.get("sha256"),
            "code": (data.get("error") or {}).get("code", ""),
            "errors": sum(1 for f in findings if f["severity"] == "error"),
            "warnings": sum(1 for f in findings if f["severity"] == "warning"),
            "digest": digest(shown(data), output) if status == "scored" else None,
            "keys": table_keys(data) if status == "scored" else []}


def summarise_line(line: bytes, output: Optional[str]) -> Outcome:
    """summarise() of a stored results.jsonl line: a result reused from the state."""
    return summarise(json.loads(line), output, line)


def _outcome(data: dict[str, Any], reason: str = "", output: Optional[str] = None) -> Outcome:
    return {**summarise(data, output), "reason": reason}


def process_one(path: str, rel: str, out_path: str, profile: Profile) -> Outcome:
    """Score one file and write its scored copy to out_path; returns a picklable outcome.

    The file is held open (read.source) for all three steps: the own-output check, the reader
    and the writer share one read of its bytes, one zip directory and its inflated parts."""
    with opened(path):
        return _process(path, rel, out_path, profile, KNOWN_OUTPUTS)


def _process(path: str, rel: str, out_path: str, profile: Profile, known: Collection[str]) -> Outcome:
    # The sha256 is taken only of a file that carries the tool's marker (rare).
    own = own_output_reason(path, known)
    if own is not None:
        return {"status": "skipped", "reason": own}
    result = evaluate_file(path, profile, display_name=rel)
    if result.status != "scored":
        return _outcome(result_to_dict(result), (result.error or {}).get("message", ""))
    try:
        check_replaceable(out_path)
        with as_xlsx(path, result.model) as source_path:
            # durable=False: the batch syncs once at the end instead of once per copy.
            write_scored(source_path, result, out_path, profile, durable=False)
        st = os.stat(out_path)
        written = {"output_sha256": sha256_file(out_path), "output_size": st.st_size,
                   "output_mtime_ns": st.st_mtime_ns}
    except (WriteError, OSError) as exc:
        # Without its scored copy the file is not done: it is listed as failed with the reason.
        why = os_error_message(out_path, exc) if isinstance(exc, OSError) else str(exc)
        reason = f"评分完成，但评分结果未能写出：{why}"
        return _outcome(mark_failed(result_to_dict(result), "batch.write_failed", reason), reason)
    output = os.path.basename(out_path)
    return {**_outcome(result_to_dict(result, output=output), output=output), **written}


__all__ = ["KNOWN_OUTPUTS", "Outcome", "folder_unit", "process_one", "shown", "summarise", "summarise_line", "table_keys"]
