"""Render the README's two pictures: the 排名 page of 汇总.xlsx and a scored project sheet, as
LibreOffice prints them (soffice → PDF → pdftoppm → PNG), from a batch of sample_workbooks/.

Usage: python tools/render_docs.py [--sample 01-示例-芙蓉区商务局2021.xlsx] [--dpi 70]
(poppler-utils' pdftotext finds the pages.)
Writes docs/summary-ranking.png and docs/scored-project.png. Needs LibreOffice (soffice),
poppler-utils (pdftoppm) and a CJK font (Debian: fonts-wqy-microhei); .ci/run installs them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from perf_xlsx.bulk.run import SUMMARY_NAME, run_batch  # noqa: E402

DOCS = ROOT / "docs"
RANKING_PNG = "summary-ranking.png"
SCORED_PNG = "scored-project.png"


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise SystemExit(f"{name} is not installed (see the docstring)")
    return exe


def to_pdf(path: Path, outdir: Path) -> Path:
    """One file through LibreOffice headless, with a throw-away profile."""
    profile = outdir / "lo-profile"
    subprocess.run([_tool("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(outdir), str(path)],
                   check=True, capture_output=True, timeout=300, stdin=subprocess.DEVNULL)
    pdf = outdir / (path.stem + ".pdf")
    if not pdf.exists():
        raise SystemExit(f"LibreOffice did not convert {path.name}")
    return pdf


def page_with(pdf: Path, words: tuple[str, ...], avoid: str = "") -> int:
    """The first page (1-based) whose text holds every one of ``words`` and not ``avoid``."""
    page = 1
    while True:
        proc = subprocess.run([_tool("pdftotext"), "-f", str(page), "-l", str(page), str(pdf), "-"],
                              capture_output=True, timeout=120)
        if proc.returncode != 0:
            raise SystemExit(f"{pdf.name}: no page shows {words}")
        text = proc.stdout.decode("utf-8", "replace").replace(" ", "")
        if all(w in text for w in words) and not (avoid and avoid in text):
            return page
        page += 1


def page_png(pdf: Path, page: int, target: Path, dpi: int) -> None:
    subprocess.run([_tool("pdftoppm"), "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile",
                    str(pdf), str(target.with_suffix(""))], check=True, capture_output=True, timeout=120)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", default="01-示例-芙蓉区商务局2021.xlsx",
                        help="the sample whose scored copy is drawn (its first project sheet)")
    parser.add_argument("--dpi", type=int, default=70)
    args = parser.parse_args()
    # A fixed 生成时间, so that re-rendering an unchanged summary gives the same picture.
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1577836800")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = work / "out"
        run_batch(str(ROOT / "sample_workbooks"), str(out), jobs=1)
        scored = out / (Path(args.sample).stem + ".scored.xlsx")
        if not scored.exists():
            raise SystemExit(f"no scored copy of {args.sample}")
        # 排名 is the summary's first sheet; the scored copy's project sheet is the page with the
        # 核定得分 column that is not the copy's own 汇总 sheet.
        for source, name, words, avoid in ((out / SUMMARY_NAME, RANKING_PNG, ("名次",), ""),
                                           (scored, SCORED_PNG, ("核定得分", "绩效指标"), "评分汇总")):
            pdf = to_pdf(source, work)
            page_png(pdf, page_with(pdf, words, avoid), DOCS / name, args.dpi)
            print(f"wrote docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
