"""Docs stay true: every finding code the code can emit is documented; the README's commands
are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE_RE = re.compile(r'"((?:funds|weights|indicator|total|unit|goal|read|project)\.[a-z0-9_]+)"')


def test_every_finding_code_is_documented() -> None:
    emitted = set()
    for path in (ROOT / "perf_xlsx").rglob("*.py"):
        emitted |= set(CODE_RE.findall(path.read_text(encoding="utf-8")))
    documented = (ROOT / "docs" / "finding-codes.md").read_text(encoding="utf-8")
    missing = sorted(code for code in emitted if f"`{code}`" not in documented)
    assert not missing, missing


def test_interfaces_codes_exist() -> None:
    required = ["funds.total_mismatch", "funds.rate_mismatch", "funds.score_mismatch", "funds.over_budget",
                "weights.sum_mismatch", "weights.group_mismatch", "indicator.score_mismatch",
                "indicator.score_out_of_range", "indicator.unparsed", "indicator.missing_explanation",
                "total.mismatch", "unit.total_mismatch", "goal.not_quantified"]
    source = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "perf_xlsx").rglob("*.py"))
    assert [c for c in required if f'"{c}"' not in source] == []


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(line for line in ci.splitlines() if "pytest" in line).strip()
    assert test_line in readme


def test_sample_readme_quotes_the_current_check_output() -> None:
    """sample_workbooks/README.md quotes `perf-xlsx check` on each sample: it must not drift."""
    import sys

    from perf_xlsx.cli.commands import render_check
    from perf_xlsx.judge.evaluate import evaluate_file
    from perf_xlsx.rules import load_profile

    sys.path.insert(0, str(ROOT / "tools"))
    readme = (ROOT / "sample_workbooks" / "README.md").read_text(encoding="utf-8")
    profile = load_profile("national_2020")
    samples = sorted((ROOT / "sample_workbooks").glob("*.xlsx"))
    assert len(samples) >= 6
    for path in samples:
        display = path.relative_to(ROOT).as_posix()
        text = render_check(evaluate_file(str(path), profile, display_name=display), profile)
        assert text in readme, f"{path.name}: run python tools/make_samples.py"
