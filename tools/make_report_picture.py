"""Render docs/report-first-page.png: the first page of the report drafted from the seed sample.

    python tools/make_report_picture.py

Drafts the 自评报告 of sample_workbooks/01-示例-芙蓉区商务局2021.xlsx (as `perf-xlsx report`
does), converts it with headless LibreOffice (`soffice --convert-to pdf`, Writer needed) and
renders page 1 with `pdftoppm` (poppler-utils). The README shows the picture.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import perf_xlsx  # noqa: E402
from perf_xlsx.draft import draft_report, to_pdf  # noqa: E402

SAMPLE = ROOT / "sample_workbooks" / "01-示例-芙蓉区商务局2021.xlsx"
PICTURE = ROOT / "docs" / "report-first-page.png"
DPI = 60


def main() -> None:
    if shutil.which("pdftoppm") is None:
        sys.exit("需要 pdftoppm（apt-get install poppler-utils）")
    with tempfile.TemporaryDirectory() as tmp:
        docx = Path(tmp) / "report.docx"
        docx.write_bytes(draft_report(str(SAMPLE), perf_xlsx.evaluate(SAMPLE).to_dict()))
        pdf = to_pdf(str(docx))
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile", pdf,
                        str(Path(tmp) / "page")], check=True)
        PICTURE.parent.mkdir(exist_ok=True)
        shutil.copyfile(Path(tmp) / "page.png", PICTURE)
    print(f"已写出：{PICTURE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
