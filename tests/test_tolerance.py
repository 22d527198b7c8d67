"""The profile's score tolerance (0.01 points, inclusive) and a funds score worked out from the
执行率 as the sheet shows it (issue 12 §3): real tables, built with the test builders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from builders import Layout, make_workbook, seed_spec

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import Finding
from perf_xlsx.rules import load_profile

NATIONAL = load_profile("national_2020")


def _findings(tmp_path: Path, spec: dict[str, Any], layout: Layout | None = None) -> list[Finding]:
    path, _, _ = make_workbook(tmp_path / "t.xlsx", [spec], layout=layout)
    result = evaluate_file(str(path), NATIONAL)
    assert result.status == "scored", result.error
    return list(result.findings)


def _codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


@pytest.mark.parametrize("entered, mismatch", [
    (9.96, False),  # 1991 ÷ 2000 × 10 = 9.955 -> 9.96
    (9.95, False),  # 0.01 off: within the tolerance, the bound included (9.96 - 9.95 is 0.0100...05)
    (9.97, False),
    (9.94, True),
    (10, True),
])
def test_indicator_score_within_the_tolerance(tmp_path: Path, entered: float, mismatch: bool) -> None:
    spec = seed_spec("招商节会")
    spec["indicators"][2].update(actual="1991份", score=entered)
    spec["total_score_published"] = round(9.83 + 80 + entered, 2)
    codes = _codes(_findings(tmp_path, spec))
    assert ("indicator.score_mismatch" in codes) is mismatch, codes
    assert "total.mismatch" not in codes, codes


@pytest.mark.parametrize("published, mismatch", [
    (99.8, False),   # the entered scores add up to 99.80
    (99.81, False),  # 0.01 off (99.81 - 99.8 is 0.010000000000005 as floats)
    (99.79, False),
    (99.82, True),
])
def test_entered_total_within_the_tolerance(tmp_path: Path, published: float, mismatch: bool) -> None:
    spec = seed_spec("招商节会")
    spec["indicators"][2].update(actual="1995份", score=9.97)  # the tool says 9.98: total 99.81
    spec["total_score_published"] = published
    found = _findings(tmp_path, spec)
    codes = _codes(found)
    assert ("total.mismatch" in codes) is mismatch, codes
    differs = [f for f in found if f.code == "total.differs"]
    # The tool's 99.81 against an entered 99.8 or 99.82: 0.01 apart, not a difference.
    assert bool(differs) is (published == 99.79), differs


def _funds(spec: dict[str, Any], executed: float, rate: str, score: float, weight: float = 10) -> None:
    spec["funds"]["total"].update(executed=executed, rate=rate, score=score, weight=weight)
    spec["funds"]["current_appropriation"].update(executed=executed)


@pytest.mark.parametrize("layout", [None, Layout(percent_cells=True)], ids=["text", "percent_cell"])
def test_funds_score_from_the_rate_the_sheet_shows(tmp_path: Path, layout: Layout | None) -> None:
    # 20 points for the funds (another table's profile), 10 fewer on 经济效益: 100 in all.
    spec = seed_spec("招商节会")
    _funds(spec, 21.54, "10.8%", 2.16, weight=20)  # exact 10.77% × 20 = 2.154 -> 2.15
    spec["indicators"][6].update(weight=5, score=5)
    spec["total_score_published"] = 92.16
    found = _findings(tmp_path, spec, layout)
    codes = _codes(found)
    assert "funds.score_mismatch" not in codes and "funds.rate_mismatch" not in codes, codes
    (note,) = [f for f in found if f.code == "funds.score_from_shown_rate"]
    assert note.severity.value == "info"
    assert (note.expected, note.found) == (2.15, 2.16)
    assert "10.8%" in note.message


@pytest.mark.parametrize("executed, rate, score, code", [
    (196.92, "98%", 9.8, "funds.score_from_shown_rate"),  # 98.46% shown as 98%: 9.8, exact 9.85
    (196.92, "98%", 9.85, None),                          # the exact score
    (196.92, "98%", 9.84, None),                          # within 0.01 of it
    (196.92, "98%", 9.81, "funds.score_mismatch"),        # neither
    (196.92, "98.46%", 9.8, "funds.score_mismatch"),      # the sheet shows the exact rate
    (196.92, "99%", 9.9, "funds.score_mismatch"),         # a rate the amounts do not give
])
def test_funds_score_tolerance_and_shown_rate(tmp_path: Path, executed: float, rate: str, score: float,
                                              code: str | None) -> None:
    spec = seed_spec("招商节会")
    _funds(spec, executed, rate, score)
    spec["total_score_published"] = round(90 + score, 2)
    codes = _codes(_findings(tmp_path, spec))
    got = [c for c in codes if c in ("funds.score_from_shown_rate", "funds.score_mismatch")]
    assert got == ([code] if code else []), codes
