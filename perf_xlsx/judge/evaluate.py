"""One input file in, one WorkbookResult out: read, score, check. Never raises for a bad workbook."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from perf_xlsx.a1 import parse_ref
from perf_xlsx.fileutil import os_reason, sha256_file
from perf_xlsx.judge.checks import check_project, check_unit
from perf_xlsx.judge.scoring import score_project
from perf_xlsx.model import Finding, ProjectScore, Severity, WorkbookModel, WorkbookResult
from perf_xlsx.read.errors import GridError
from perf_xlsx.read.grid import read_grid
from perf_xlsx.read.reader import model_from_grid
from perf_xlsx.read.sniff import sniff, sniff_head
from perf_xlsx.read.source import current_source, opened
from perf_xlsx.rules import Profile


def _order(model: WorkbookModel, finding: Finding) -> tuple[int, int, int, int, str]:
    try:
        sheet = model.sheet_names.index(finding.sheet) if finding.sheet else -1
    except ValueError:
        sheet = len(model.sheet_names)
    row = col = 0
    if finding.cell:
        try:
            row, col = parse_ref(finding.cell.split(":")[0])
        except ValueError:
            pass
    return sheet, row, col, finding.severity.rank, finding.code


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in findings:
        key = (f.code, f.sheet, f.cell, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def evaluate_model(model: WorkbookModel, profile: Profile) -> tuple[list[ProjectScore], list[Finding]]:
    scores = [score_project(p, profile) for p in model.projects]
    findings = list(model.findings)
    for ps in scores:
        findings.extend(check_project(ps, profile))
    if model.unit is not None:
        findings.extend(check_unit(model.unit, scores, profile))
    findings = _dedupe(findings)
    findings.sort(key=lambda f: _order(model, f))
    return scores, findings


def evaluate_file(path: str, profile: Profile, display_name: Optional[str] = None) -> WorkbookResult:
    source = current_source(path)
    if source is None:
        # Held open for the call, so that the hash and the reader share one read of the file.
        with opened(path):
            return evaluate_file(path, profile, display_name)
    result = WorkbookResult(file=display_name or path, profile=profile.name)
    # The bytes are in memory (the opened() block of a batch or of score, else the one above):
    # hash those instead of reading the file a second time.
    book = source.try_book()
    try:
        result.sha256 = source.sha256 if book is not None else sha256_file(path)
    except OSError as exc:
        return _failed(result, "read.io", f"无法读取文件：{os_reason(exc)}")
    # The first bytes of the file as read (sniff would open it again for them).
    kind = sniff_head(source.head, path) if book is not None else sniff(path)
    if isinstance(kind, GridError):
        return _failed(result, kind.code, kind.message)
    try:
        if kind == "legacy":
            from perf_xlsx.read.legacy import read_legacy_grid

            model = model_from_grid(read_legacy_grid(path), path)
            model = replace(model, legacy=True, values_only="旧版 .xls / .ods 格式", findings=model.findings + (Finding(
                Severity.INFO, "read.legacy_format",
                "旧版 .xls / .et / .ods 文件：已读取数值和数字格式（百分比等），但公式无法识别；建议在 WPS/Excel 中另存为 .xlsx"),))
        else:
            model = model_from_grid(read_grid(path), path)
    except GridError as exc:
        return _failed(result, exc.code, exc.message)
    except MemoryError:
        return _failed(result, "read.too_large", "文件过大，无法读取")
    if not model.projects:
        return _failed(result, "read.no_table",
                       "未找到项目支出绩效自评表（没有“项目名称”与“三级指标/年度指标值”等表头），请使用标准模板")
    result.model = model
    result.scores, result.findings = evaluate_model(model, profile)
    return result


def _failed(result: WorkbookResult, code: str, message: str) -> WorkbookResult:
    result.status = "failed"
    result.error = {"code": code, "message": message}
    return result


def exit_code(result: WorkbookResult) -> int:
    if result.status == "failed":
        return 2
    return 1 if any(f.severity is Severity.ERROR for f in result.findings) else 0
