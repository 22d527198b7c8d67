"""The drafts' entry points: one report or letter as bytes, a batch's drafts on disk, PDF.

Batch side: after a batch has written results.jsonl, ``write_report_drafts`` writes one report
per scored input beside its scored copy and ``write_feedback_letters`` one letter per unit under
反馈/. Neither raises for a bad input: a file whose draft fails gets an entry in the returned
mapping's ``failures`` (a finding, code ``report.draft_failed``) and the others go on.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Union

from perf_xlsx.draft.book import FALLBACK_TIME, Book, DraftError, load_book
from perf_xlsx.draft.doc import Doc
from perf_xlsx.draft.feedback import FeedbackItem, build_feedback
from perf_xlsx.draft.phrases import Phrases, PhrasesError, load_phrases
from perf_xlsx.draft.render import TemplateError, TemplateSource, render
from perf_xlsx.draft.report import build_report, unit_name
from perf_xlsx.fileutil import atomic_write_bytes, os_reason
from perf_xlsx.rules import Profile

__all__ = ["DRAFT_FAILED", "DraftRun", "FEEDBACK_DIR", "REPORT_SUFFIX", "draft_feedback", "draft_report",
           "report_name", "results_of", "to_pdf", "write_feedback_letters", "write_report_drafts"]

REPORT_SUFFIX = ".自评报告.docx"
FEEDBACK_DIR = "反馈"
DRAFT_FAILED = "report.draft_failed"  # the finding code of DraftRun.failures (codes.py)
_SCORED_SUFFIX = ".scored.xlsx"

PhrasesArg = Union[Phrases, str, None]


def _phrases(phrases: PhrasesArg) -> Phrases:
    return phrases if isinstance(phrases, Phrases) else load_phrases(phrases)


def _template_bytes(template: TemplateSource) -> TemplateSource:
    """A --template path read once (and checked: TemplateError when it is not a .docx)."""
    if template is None or isinstance(template, bytes):
        return template
    try:
        data = Path(template).read_bytes()
    except OSError as exc:
        raise TemplateError(f"无法读取模板 {template}：{os_reason(exc)}") from None
    # The template must open before any file is drafted: a bad one is the caller's mistake.
    render(Doc(title=""), when=FALLBACK_TIME, template=data)
    return data


def draft_report(path: str, result: dict[str, Any], *, template: TemplateSource = None,
                 phrases: PhrasesArg = None) -> bytes:
    """The 自评报告 draft (.docx bytes) of the workbook at ``path``, whose JSON result is ``result``.

    DraftError (Chinese) when the result is a failed one or the workbook cannot be read again."""
    if result.get("status") != "scored":
        raise DraftError(f"该文件未能评分，无法生成报告：{(result.get('error') or {}).get('message', '')}")
    book = load_book(path, result)
    doc = build_report(result, book, _phrases(phrases))
    return render(doc, when=book.time, template=template, kind="report")


def draft_feedback(items: Iterable[tuple[str, dict[str, Any], Optional[str]]], *, unit: Optional[str] = None,
                   template: TemplateSource = None, phrases: PhrasesArg = None,
                   profile: Optional[Profile] = None) -> bytes:
    """The 整改反馈单 (.docx bytes) of one unit: ``items`` are (name shown, result, workbook path or
    None) for each of its workbooks."""
    feed: list[FeedbackItem] = []
    for rel, result, path in items:
        book = _try_book(path, result)
        feed.append(FeedbackItem(rel=rel, result=result, book=book))
    who = unit or next((unit_name(f.result, f.book) for f in feed if unit_name(f.result, f.book)), "") or "报送单位"
    doc = build_feedback(who, feed, _phrases(phrases), profile.title if profile is not None else "")
    times = [f.book.time for f in feed if f.book is not None and f.book.time != FALLBACK_TIME]
    return render(doc, when=max(times) if times else FALLBACK_TIME, template=template, kind="feedback")


def _try_book(path: Optional[str], result: dict[str, Any]) -> Optional[Book]:
    if path is None or result.get("status") != "scored":
        return None
    try:
        return load_book(path, result)
    except DraftError:
        return None


def report_name(rel: str, result: dict[str, Any]) -> str:
    """The report's file name in the batch output: its scored copy's, with the report suffix."""
    output = result.get("output")
    if isinstance(output, str) and output.endswith(_SCORED_SUFFIX):
        stem = output[: -len(_SCORED_SUFFIX)]
    else:
        stem = _safe(Path(rel).with_suffix("").as_posix().replace("/", "_"))
    return stem + REPORT_SUFFIX


def _safe(name: str) -> str:
    for ch in '\\/:*?"<>|\n\r\t':
        name = name.replace(ch, "_")
    return name.strip(" .")[:80] or "单位"


class DraftRun(dict[str, str]):
    """input path → draft path (relative to the output folder); ``failures``: input path → a
    finding (``report.draft_failed``, Chinese message) for each input whose draft failed."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: dict[str, dict[str, Any]] = {}

    def fail(self, rel: str, message: str) -> None:
        self.failures[rel] = {"severity": "warning", "code": "report.draft_failed", "sheet": None, "cell": None,
                              "message": message, "expected": None, "found": None}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (DraftError, TemplateError, PhrasesError)):
        return str(exc)
    if isinstance(exc, OSError):
        return f"无法写出：{os_reason(exc)}"
    return f"生成时出现内部错误（{type(exc).__name__}），请将文件反馈给开发者"


def write_report_drafts(results: Iterable[tuple[str, dict[str, Any]]], src_folder: str, outdir: str,
                        profile: Optional[Profile] = None, *, template: TemplateSource = None,
                        phrases: PhrasesArg = None) -> DraftRun:
    """One 自评报告 draft per scored input, beside its scored copy in ``outdir``.

    ``results`` are (input path relative to ``src_folder``, its results.jsonl object). Returns
    input path → report path relative to ``outdir``; a failed draft is in ``.failures``."""
    table = _phrases(phrases)
    blob = _template_bytes(template)
    run = DraftRun()
    for rel, data in results:
        if data.get("status") != "scored":
            continue
        name = report_name(rel, data)
        try:
            content = draft_report(os.path.join(src_folder, rel), data, template=blob, phrases=table)
            atomic_write_bytes(os.path.join(outdir, name), content)
        except Exception as exc:  # noqa: BLE001 - one file's draft never stops the others
            run.fail(rel, f"自评报告未能生成：{_reason(exc)}")
            continue
        run[rel] = name
    return run


def write_feedback_letters(results: Iterable[tuple[str, dict[str, Any]]], src_folder: str, outdir: str,
                           profile: Optional[Profile] = None, *, template: TemplateSource = None,
                           phrases: PhrasesArg = None) -> DraftRun:
    """One 整改反馈单 per unit in ``outdir``/反馈/单位名称.docx, covering each of its inputs.

    The unit of an input is the one its report names (单位信息, 项目清单, 主管部门); an input that
    could not be read names none and gets a letter of its own, named after the file. Returns
    input path → letter path relative to ``outdir`` (several inputs of a unit share one)."""
    table = _phrases(phrases)
    blob = _template_bytes(template)
    units: dict[str, list[tuple[str, dict[str, Any], Optional[Book]]]] = {}
    for rel, data in sorted(results, key=lambda x: x[0]):
        book = None
        try:
            book = _try_book(os.path.join(src_folder, rel), data)
            unit = unit_name(data, book) or Path(rel).stem
        except Exception:  # noqa: BLE001 - an unreadable file still gets a letter
            unit = Path(rel).stem
        units.setdefault(unit, []).append((rel, data, book))
    run = DraftRun()
    taken: set[str] = set()
    for unit, files in units.items():
        stem = _safe(unit)
        name, n = stem, 2
        while name.lower() in taken:
            name, n = f"{stem}-{n}", n + 1
        taken.add(name.lower())
        target = f"{FEEDBACK_DIR}/{name}.docx"
        try:
            feed = [FeedbackItem(rel=rel, result=data, book=book) for rel, data, book in files]
            doc = build_feedback(unit, feed, table, profile.title if profile is not None else "")
            times = [b.time for _, _, b in files if b is not None and b.time != FALLBACK_TIME]
            content = render(doc, when=max(times) if times else FALLBACK_TIME, template=blob, kind="feedback")
            os.makedirs(os.path.join(outdir, FEEDBACK_DIR), exist_ok=True)
            atomic_write_bytes(os.path.join(outdir, target), content)
        except Exception as exc:  # noqa: BLE001 - one unit's letter never stops the others
            for rel, _, _ in files:
                run.fail(rel, f"整改反馈单未能生成：{_reason(exc)}")
            continue
        for rel, _, _ in files:
            run[rel] = target
    return run


def results_of(jsonl: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(input path, result) for each line of a batch's results.jsonl: what the two functions
    above take."""
    with open(jsonl, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                data = json.loads(line)
                yield str(data.get("file", "")), data


def soffice() -> Optional[str]:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_path: str, pdf_path: Optional[str] = None, *, timeout: float = 180) -> str:
    """Convert a .docx to PDF with headless LibreOffice; returns the PDF's path.

    DraftError (Chinese) when LibreOffice is not installed or the conversion fails."""
    exe = soffice()
    if exe is None:
        raise DraftError("未安装 LibreOffice（找不到 soffice 命令），无法转换为 PDF；"
                         "可安装 LibreOffice，或在 Word / WPS 中打开 .docx 后另存为 PDF")
    target = pdf_path or str(Path(docx_path).with_suffix(".pdf"))
    with tempfile.TemporaryDirectory(prefix="perf-xlsx-pdf-") as tmp:
        work = Path(tmp)
        # A profile of its own: a LibreOffice already open on the desktop must not take the job.
        cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--convert-to", "pdf", "--outdir", str(work), str(Path(docx_path).resolve())]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise DraftError(f"LibreOffice 转换 PDF 超时（{int(timeout)} 秒）") from None
        except OSError as exc:
            raise DraftError(f"无法运行 LibreOffice：{os_reason(exc)}") from None
        produced = work / (Path(docx_path).stem + ".pdf")
        if not produced.exists():
            raise DraftError(f"LibreOffice 未能转换为 PDF：{(proc.stderr or proc.stdout).strip()[:200]}")
        atomic_write_bytes(target, produced.read_bytes())
    return target
