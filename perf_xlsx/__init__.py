"""perf_xlsx: read, check and score 项目支出绩效自评表 workbooks."""

from perf_xlsx.judge.evaluate import evaluate_file, evaluate_model, result_to_dict
from perf_xlsx.model import Finding, Severity, WorkbookResult
from perf_xlsx.read.reader import read_workbook
from perf_xlsx.rules import Profile, RulesError, load_profile
from perf_xlsx.version import __version__

__all__ = [
    "__version__",
    "Finding",
    "Profile",
    "RulesError",
    "Severity",
    "WorkbookResult",
    "evaluate_file",
    "evaluate_model",
    "load_profile",
    "read_workbook",
    "result_to_dict",
]
