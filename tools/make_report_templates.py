"""Write templates/自评报告模板.docx and templates/整改反馈单模板.docx (the drafts' Word templates).

They are perf_xlsx.draft.styles.build_template's output: the styles the drafts use by name (公文
标题, 公文正文, 一级标题 … 待填写, 自评表格), A4 公文 margins and the page number in the footer.
A bureau edits a copy in Word and passes it with ``perf-xlsx report --template``.
tests/test_report.py checks that the committed files equal a fresh build.

    python tools/make_report_templates.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perf_xlsx.draft.styles import build_template  # noqa: E402

TEMPLATES = {"report": ROOT / "templates" / "自评报告模板.docx",
             "feedback": ROOT / "templates" / "整改反馈单模板.docx"}


def main() -> None:
    for kind, path in TEMPLATES.items():
        path.write_bytes(build_template(kind))
        print(f"已写出：{path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
