"""perf_xlsx: read, check and score 项目支出绩效自评表 workbooks — the public Python API.

    import perf_xlsx
    result = perf_xlsx.evaluate("sample_workbooks/01-示例-芙蓉区商务局2021.xlsx")
    result.score_workbook("scored.xlsx")

``evaluate``, ``batch`` and ``template`` are the analyst's entry points (docs/python-api.md);
``perf_xlsx.frames`` turns results into pandas DataFrames. The library functions under them
(``evaluate_file``, ``write_scored``, ``run_batch``, ``write_template`` …) are exported too.

Every name but ``__version__`` is loaded on first use (PEP 562 ``__getattr__``): every
``perf-xlsx`` command and every batch worker imports this package first, and an eager import of
the reader, the judge, the writers and the batch runner costs 0.1–0.2 s of start-up, which is
most of what an unchanged ``perf-xlsx batch`` rerun over 1,000 files takes.

``perf_xlsx.batch`` is the function; the batch machinery (scan, worker pool, run, 汇总) is the
subpackage ``perf_xlsx.bulk``, named apart so that importing one of its modules can never
rebind the function on the package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from perf_xlsx.version import __version__

if TYPE_CHECKING:
    from perf_xlsx import frames
    from perf_xlsx.api import Evaluation, batch, evaluate, template
    from perf_xlsx.bulk.report import BatchError, BatchReport
    from perf_xlsx.bulk.run import run_batch
    from perf_xlsx.judge.evaluate import evaluate_file, evaluate_model
    from perf_xlsx.model import Finding, Severity, WorkbookResult
    from perf_xlsx.read.reader import read_workbook
    from perf_xlsx.results import result_to_dict
    from perf_xlsx.rules import Profile, RulesError, load_profile
    from perf_xlsx.write.scored import WriteError, render_scored, write_scored
    from perf_xlsx.write.template import write_template

#: Exported name → the module that defines it, imported on first access.
_LAZY: dict[str, str] = {
    "Evaluation": "perf_xlsx.api",
    "batch": "perf_xlsx.api",
    "evaluate": "perf_xlsx.api",
    "template": "perf_xlsx.api",
    "evaluate_file": "perf_xlsx.judge.evaluate",
    "evaluate_model": "perf_xlsx.judge.evaluate",
    "Finding": "perf_xlsx.model",
    "Severity": "perf_xlsx.model",
    "WorkbookResult": "perf_xlsx.model",
    "read_workbook": "perf_xlsx.read.reader",
    "result_to_dict": "perf_xlsx.results",
    "Profile": "perf_xlsx.rules",
    "RulesError": "perf_xlsx.rules",
    "load_profile": "perf_xlsx.rules",
    "BatchError": "perf_xlsx.bulk.report",
    "BatchReport": "perf_xlsx.bulk.report",
    "run_batch": "perf_xlsx.bulk.run",
    "WriteError": "perf_xlsx.write.scored",
    "render_scored": "perf_xlsx.write.scored",
    "write_scored": "perf_xlsx.write.scored",
    "write_template": "perf_xlsx.write.template",
}
_LAZY_MODULES = ("frames",)

__all__ = [
    "__version__",
    # the analyst's API (perf_xlsx.api)
    "Evaluation",
    "batch",
    "evaluate",
    "frames",
    "template",
    # the library under it
    "BatchError",
    "BatchReport",
    "Finding",
    "Profile",
    "RulesError",
    "Severity",
    "WorkbookResult",
    "WriteError",
    "evaluate_file",
    "evaluate_model",
    "load_profile",
    "read_workbook",
    "render_scored",
    "result_to_dict",
    "run_batch",
    "write_scored",
    "write_template",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
