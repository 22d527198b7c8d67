"""Word drafts written from a scored workbook: the narrative 绩效自评报告 and the 整改反馈单.

``draft_report`` / ``draft_feedback`` make one document (bytes); ``write_report_drafts`` and
``write_feedback_letters`` do it for a batch's results.jsonl, beside its scored copies;
``to_pdf`` converts with headless LibreOffice. python-docx is imported only when a draft is made.
"""

from perf_xlsx.draft.book import DraftError
from perf_xlsx.draft.drafts import (
    DraftRun,
    draft_feedback,
    draft_report,
    results_of,
    to_pdf,
    write_feedback_letters,
    write_report_drafts,
)

__all__ = ["DraftError", "DraftRun", "draft_feedback", "draft_report", "results_of", "to_pdf",
           "write_feedback_letters", "write_report_drafts"]
