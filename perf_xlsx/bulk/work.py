"""One file of a batch, inside a worker process: recognise the tool's own output, evaluate,
write the scored copy, and return what the parent files away.

Everything the parent needs from a file is finished here, in parallel: its results.jsonl line
(encoded), its error and warning counts, and its rows of 汇总.xlsx (:func:`digest`), so the
parent only copies bytes.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from perf_xlsx.bulk.scan import own_output_reason
from perf_xlsx.bulk.summary import digest
from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.read.legacy import as_xlsx
from perf_xlsx.read.source import opened
from perf_xlsx.results import encode_line, mark_failed, result_to_dict
from perf_xlsx.rules import Profile
from perf_xlsx.write.scored import WriteError, write_scored

#: What a worker sends back for one file: status ("scored" | "failed" | "skipped"), reason,
#: line (the results.jsonl record, bytes), errors, warnings, digest (summary rows or None).
Outcome = dict[str, Any]


def _outcome(data: dict[str, Any], reason: str = "", output: Optional[str] = None) -> Outcome:
    status = data["status"]
    findings = data.get("findings", [])
    return {"status": status, "reason": reason, "line": encode_line(data),
            "errors": sum(1 for f in findings if f["severity"] == "error"),
            "warnings": sum(1 for f in findings if f["severity"] == "warning"),
            "digest": digest(data, output) if status == "scored" else None}


def process_one(path: str, rel: str, out_path: str, profile: Profile) -> Outcome:
    """Score one file and write its scored copy to out_path; returns a picklable outcome.

    The file is held open (read.source) for all three steps: the own-output check, the reader
    and the writer share one read of its bytes, one zip directory and its inflated parts."""
    with opened(path):
        return _process(path, rel, out_path, profile)


def _process(path: str, rel: str, out_path: str, profile: Profile) -> Outcome:
    own = own_output_reason(path)
    if own is not None:
        return {"status": "skipped", "reason": own}
    result = evaluate_file(path, profile, display_name=rel)
    if result.status != "scored":
        return _outcome(result_to_dict(result), (result.error or {}).get("message", ""))
    try:
        with as_xlsx(path, result.model) as source:
            # durable=False: the batch syncs once at the end instead of once per copy.
            write_scored(source, result, out_path, profile, durable=False)
    except WriteError as exc:
        # Without its scored copy the file is not done: it is listed as failed with the reason.
        reason = f"评分完成，但评分结果未能写出：{exc}"
        return _outcome(mark_failed(result_to_dict(result), "batch.write_failed", reason), reason)
    output = os.path.basename(out_path)
    return _outcome(result_to_dict(result, output=output), output=output)


__all__ = ["Outcome", "process_one"]
