"""Start-up is part of the product: time `perf-xlsx check` on a template-sized workbook beside
`python -c "import openpyxl"` (the goal: check ≤ 1.5 × that import), in the same run.

Usage: python benchmarks/bench_check.py [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from builders import make_workbook, seed_spec, spec_from_case  # noqa: E402


def template_sized_workbook(folder: Path) -> Path:
    """20 indicators with merged 一级/二级 cells, like the national template filled in."""
    spec = seed_spec("招商节会")
    extra = spec_from_case(ROOT / "tests" / "data" / "real-cases" / "001-chizhou-tangxi-weituo-2022.json")
    spec["indicators"] = (spec["indicators"] + extra["indicators"])[:20]
    path, _, _ = make_workbook(folder / "template_sized.xlsx", [spec])
    return path


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wb = template_sized_workbook(Path(tmp))
        commands = {
            "python (bare)": [sys.executable, "-c", "pass"],
            'python -c "import openpyxl"': [sys.executable, "-c", "import openpyxl"],
            "perf-xlsx check (template-sized)": [sys.executable, "-m", "perf_xlsx", "check", str(wb)],
        }
        for cmd in commands.values():  # warm the page cache and .pyc files
            timed(cmd)
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):  # round-robin so machine load hits every command alike
            for name, cmd in commands.items():
                samples[name].append(timed(cmd))
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    print(f"{'command':<36} {'median ms':>10}")
    for name, ms in medians.items():
        print(f"{name:<36} {ms:>10.1f}")
    ratio = medians["perf-xlsx check (template-sized)"] / medians['python -c "import openpyxl"']
    print(f"\ncheck ÷ import openpyxl = {ratio:.2f}  (goal ≤ 1.50)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
