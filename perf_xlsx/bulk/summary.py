"""The batch summary workbook 汇总.xlsx, written with xlsxwriter (constant_memory): 排名, 等级分布,
问题统计, 问题清单, 重复提交, 未处理文件, and 未提交 when a roster is given. Every sheet prints on A4
landscape, one page wide, its header row repeated on each page, frozen and filtered on screen.

The work is split so that memory stays flat in the number of files and the parent does little:
each worker turns its result into plain row values while it still holds it (``digest``, in
summary_index, with text wrapped and row heights counted there); the parent keeps a few numbers
per project in arrays (``SummaryIndex``) and spools the rows; :func:`write_summary` decides the
order and streams the rows through xlsxwriter's constant_memory writer, which keeps one row at a
time, and the hyperlinks through a spool of their own (summary_links). Every cell is a typed
value or text (never a formula, so nothing a user typed is evaluated).

This module makes the workbook; summary_rank writes 排名, summary_sheets the other sheets,
summary_format what they share, summary_rows the long lists' rows (each written whole),
summary_links the links. The names other modules import from here (digest, SummaryIndex,
UNRATED …) are summary_index's, re-exported; xlsxwriter and the writer modules are imported
only when a summary is written, so importing this costs what summary_index costs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Optional

from perf_xlsx.bulk.extras import SummaryExtras
from perf_xlsx.bulk.report import BatchReport
from perf_xlsx.bulk.summary_index import (
    KIND_LABEL,
    KIND_ORDER,
    MAX_LINKS,
    NUM_TOLERANCE,
    OPEN,
    RED_MARGIN,
    UNRATED,
    SummaryIndex,
    digest,
    generated_at,
    grade_labels,
    link_target,
)
from perf_xlsx.fileutil import atomic_write

if TYPE_CHECKING:
    from perf_xlsx.rules import Profile


def write_summary(report: BatchReport, path: str, profile: Profile, index: SummaryIndex,
                  extras: Optional[SummaryExtras] = None) -> None:
    """Write 汇总.xlsx to ``path`` (atomically: a temporary file renamed into place)."""
    from perf_xlsx.bulk.summary_format import Batch, Formats
    from perf_xlsx.bulk.summary_links import Book
    from perf_xlsx.bulk.summary_rank import ranking_sheet
    from perf_xlsx.bulk.summary_sheets import other_sheets
    from perf_xlsx.write.output_tag import OUTPUT_PROPERTY

    b = Batch(report, index, extras or SummaryExtras())
    stamp = generated_at()

    def build(tmp: str) -> None:
        wb = Book(tmp, {"constant_memory": True, "strings_to_formulas": False,
                        "strings_to_urls": False, "strings_to_numbers": False,
                        "tmpdir": os.path.dirname(os.path.abspath(tmp)),
                        "default_format_properties": {"font_name": "宋体", "font_size": 10}})
        wb.set_properties({"title": "预算绩效自评评分汇总", "author": "perf-xlsx",
                           "created": _created(stamp)})
        wb.set_custom_property(OUTPUT_PROPERTY, "summary")
        f = Formats(wb)
        grades, rates, red = ranking_sheet(wb, f, b, profile, stamp)
        other_sheets(wb, f, b, grade_labels(profile, grades), grades, rates, red)
        wb.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())

    atomic_write(path, build)


def _created(stamp: str) -> Any:
    import datetime

    return datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M")


__all__ = ["KIND_LABEL", "KIND_ORDER", "MAX_LINKS", "NUM_TOLERANCE", "OPEN", "RED_MARGIN", "UNRATED",
           "SummaryIndex", "digest", "generated_at", "grade_labels", "link_target", "write_summary"]
