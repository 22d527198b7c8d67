"""Docs stay true: docs/finding-codes.md is the code registry (perf_xlsx.codes) rendered, every
finding code the package uses is registered with the severities it is used with, and the
README's commands are the ones CI runs.

Regenerate the codes page after editing perf_xlsx/codes.py::

    python tests/test_docs.py --update
"""

from __future__ import annotations

import ast
import functools
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import syntax

from perf_xlsx.codes import ALL, CODES, FindingCode, Section
from perf_xlsx.model import SEVERITY_LABELS, Severity

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "perf_xlsx"
CODES_DOC = ROOT / "docs" / "finding-codes.md"
#: A string that is a code wherever it stands: a known family, a dot, a name.
CODE_SHAPE = re.compile(r"(?:read|funds|weights|indicator|total|unit|goal|project|batch|formula)\.[a-z][a-z0-9_]*")
#: Names the package binds to severities (checks: E, W, INFO = Severity.ERROR, ...).
SEVERITY_NAMES = {"E": Severity.ERROR, "W": Severity.WARNING, "INFO": Severity.INFO}


# --- the codes page --------------------------------------------------------------------


def render_finding_codes() -> str:
    """docs/finding-codes.md from the registry."""
    labels = " / ".join(f"{s.value} {SEVERITY_LABELS[s]}" for s in Severity)
    out = [
        "# 问题代码（finding codes）",
        "",
        "<!-- 由 perf_xlsx/codes.py 生成，请勿手改：python tests/test_docs.py --update -->",
        "",
        f"每条问题（finding）都有：级别（{labels}）、稳定的代码、工作表、单元格、",
        "中文说明，以及可比较时的“应为”（expected）与“实为”（found）。代码一经发布不再改名，其他程序可以依赖。",
        "规则出处见 `../shared/docs/scoring-rules.md` 的编号（F1–F9、W1–W5、I1–I7）。",
        "",
        "Each finding has a severity, a stable dotted code, sheet, cell, a Chinese message and, where",
        "it applies, `expected` and `found`. Codes are never renamed once published.",
    ]
    sections: list[tuple[Section, list[FindingCode]]] = []
    for code in ALL:
        if not sections or sections[-1][0] is not code.section:
            sections.append((code.section, []))
        sections[-1][1].append(code)
    for section, codes in sections:
        out.append("")
        if section.heading:
            out += [f"## {section.heading}", ""]
        if section.intro:
            out += [section.intro, ""]
        columns = ["code"]
        if any(c.severity is not None for c in codes):
            columns.append("级别")
        columns += ["名称", "何时"]
        if any(c.cell for c in codes):
            columns.append("单元格")
        if any(c.written_to for c in codes):
            columns.append("写在哪里")
        out.append("| " + " | ".join(columns) + " |")
        out.append("|" + " --- |" * len(columns))
        for c in codes:
            row = {"code": f"`{c.code}`", "级别": " / ".join(s.value for s in c.severities),
                   "名称": c.title + ("（已停用）" if c.retired else ""), "何时": c.when,
                   "单元格": c.cell or "—", "写在哪里": c.written_to}
            out.append("| " + " | ".join(row[k] for k in columns) + " |")
    return "\n".join(out) + "\n"


def test_codes_page_is_the_registry() -> None:
    assert CODES_DOC.read_text(encoding="utf-8") == render_finding_codes(), \
        "docs/finding-codes.md is out of date: python tests/test_docs.py --update"


# --- codes used by the package -----------------------------------------------------------


def _severities(node: ast.AST) -> Optional[set[Severity]]:
    """The severities an expression can give (E, W, INFO, Severity.X, a conditional of them)."""
    if isinstance(node, ast.Name) and node.id in SEVERITY_NAMES:
        return {SEVERITY_NAMES[node.id]}
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Severity":
        return {Severity[node.attr]}
    if isinstance(node, ast.IfExp):
        a, b = _severities(node.body), _severities(node.orelse)
        return a | b if a is not None and b is not None else None
    return None


def _package_trees() -> Iterator[tuple[str, ast.Module]]:
    return ((path.relative_to(ROOT).as_posix(), syntax.parse(path.read_text(encoding="utf-8"), str(path)))
            for path in sorted(PACKAGE.rglob("*.py"))
            if not (path.name == "codes.py" and path.parent == PACKAGE))  # not the registry itself


@dataclass(frozen=True)
class _Scan:
    #: code -> where it is used
    uses: dict[str, list[str]]
    #: (place, code, severities) of each call that passes a registered code with a severity
    reported: list[tuple[str, str, set[Severity]]]


@functools.cache  # one walk for the four tests
def _scan() -> _Scan:
    """Code uses: a code-shaped string constant anywhere (codes are passed positionally to
    Finding / GridError / helpers, or paired in tuples), any string passed as ``code=``, and
    any string under a ``"code"`` key of a dict literal. Reported severities: Finding(severity,
    code, ...) and the helpers that take the same two first arguments (checks' _f,
    SheetContext.add)."""
    uses: dict[str, list[str]] = {}
    reported: list[tuple[str, str, set[Severity]]] = []
    for where, tree in _package_trees():
        for node in ast.walk(tree):
            found: Optional[ast.AST] = None
            if isinstance(node, ast.Constant):
                if isinstance(node.value, str) and CODE_SHAPE.fullmatch(node.value):
                    found = node
            elif isinstance(node, ast.keyword):
                if node.arg == "code":
                    found = node.value
            elif isinstance(node, ast.Dict):
                found = next((v for k, v in zip(node.keys, node.values)
                              if isinstance(k, ast.Constant) and k.value == "code"), None)
            elif isinstance(node, ast.Call) and len(node.args) >= 2:
                code = node.args[1]
                if isinstance(code, ast.Constant) and isinstance(code.value, str) and code.value in CODES:
                    severities = _severities(node.args[0])
                    if severities is not None:
                        reported.append((f"{where}:{node.lineno}", code.value, severities))
            if isinstance(found, ast.Constant) and isinstance(found.value, str):
                uses.setdefault(found.value, []).append(f"{where}:{found.lineno}")
    return _Scan(uses, reported)


def _code_uses() -> dict[str, list[str]]:
    return _scan().uses


def test_every_code_used_is_registered() -> None:
    uses = _code_uses()
    assert len(uses) > 80  # the scan finds the codes (about 85 are used)
    unregistered = {code: places for code, places in uses.items() if code not in CODES}
    assert not unregistered, f"add these to perf_xlsx/codes.py: {unregistered}"


def test_every_registered_code_is_used() -> None:
    uses = _code_uses()
    stale = [c.code for c in ALL if not c.retired and c.code not in uses]
    assert not stale, f"not used by the package (mark them retired=True, never delete): {stale}"


def test_codes_are_reported_with_their_registered_severities() -> None:
    """Finding(severity, code, ...), and the helpers that take the same two first arguments
    (checks' _f, SheetContext.add): the severity written at the call is one the registry
    declares for the code; a file-level code is never a finding."""
    reported = _scan().reported
    wrong = [(where, code, sorted(s.value for s in severities)) for where, code, severities in reported
             if not severities <= set(CODES[code].severities)]
    assert len(reported) > 70
    assert not wrong, wrong


def test_interfaces_codes_exist() -> None:
    required = ["funds.total_mismatch", "funds.rate_mismatch", "funds.score_mismatch", "funds.over_budget",
                "weights.sum_mismatch", "weights.group_mismatch", "indicator.score_mismatch",
                "indicator.score_out_of_range", "indicator.unparsed", "indicator.missing_explanation",
                "total.mismatch", "unit.total_mismatch", "goal.not_quantified"]
    uses = _code_uses()
    assert [c for c in required if c not in uses or c not in CODES] == []


# --- README ----------------------------------------------------------------------------


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_line = next(line for line in ci.splitlines() if "pytest" in line).strip()
    assert test_line in readme


def test_sample_readme_quotes_the_current_check_output() -> None:
    """sample_workbooks/README.md quotes `perf-xlsx check` on each sample: it must not drift."""
    from perf_xlsx.cli.render import render_check
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


if __name__ == "__main__":
    if sys.argv[1:] == ["--update"]:
        CODES_DOC.write_text(render_finding_codes(), encoding="utf-8")
        print(f"wrote {CODES_DOC.relative_to(ROOT)}")
    else:
        sys.exit("usage: python tests/test_docs.py --update")
