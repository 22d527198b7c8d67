"""Shared fixtures: workbook factory, the real-case specs, LibreOffice."""

from __future__ import annotations

import fnmatch
import gc
import os
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import pytest

# Fixtures are built with openpyxl's ElementTree writer, which declares every namespace on the
# root element as Excel does, whether or not lxml is installed (with lxml, openpyxl declares
# ``r`` on each <sheet>): tests that splice XML into a fixture rely on the root declarations.
# The lxml layout itself is an input style of its own in test_namespaces.py.
os.environ["OPENPYXL_LXML"] = "False"

# make ``import builders`` work whatever the import mode / rootdir
_TESTS_DIR = str(Path(__file__).resolve().parent)
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

import builders  # noqa: E402


def pytest_collection_finish(session: pytest.Session) -> None:
    # What collection built (the test modules, ~2000 items, their fixtures' definitions) lives
    # to the end of the session: out of the collector's sight, it no longer makes each full
    # garbage collection walk ~115,000 more objects (~0.06 s each, about twenty a session).
    gc.freeze()


@pytest.fixture
def make_wb(tmp_path: Path) -> Callable[..., tuple[Path, list[builders.SheetMap],
                                                   builders.UnitMap | None]]:
    """Factory: ``make_wb(projects, name="wb.xlsx", unit_sheet=None, layout=None)`` writes
    ``tmp_path / name`` and returns ``(path, sheet_maps, unit_map)``."""

    def _make(projects: list[dict[str, Any]], name: str = "wb.xlsx",
              unit_sheet: dict[str, Any] | None = None,
              layout: builders.Layout | None = None,
              ) -> tuple[Path, list[builders.SheetMap], builders.UnitMap | None]:
        return builders.make_workbook(tmp_path / name, projects, unit_sheet=unit_sheet,
                                      layout=layout)

    return _make


@pytest.fixture
def case_specs() -> list[dict[str, Any]]:
    """The six real-case specs (fresh deep copies: tests may mutate them)."""
    return [builders.spec_from_case(p) for p in builders.case_paths()]


@pytest.fixture(scope="session")
def sample_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], dict[str, dict[str, str]]]:
    """`perf-xlsx batch sample_workbooks --jobs 1`, run once a session as the golden set runs it
    (test_golden.batch_golden, its times pinned): the output folder, the golden batch record
    and the part digests of each scored copy, taken as soon as the batch has written them. The
    golden set compares them; test_summary reads its 汇总.xlsx (and must not change the folder)."""
    import test_golden

    out = tmp_path_factory.mktemp("sample_batch") / "batch"
    record, copies = test_golden.batch_golden(out)
    return out, record, copies


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice's ``soffice``; skips the test when it is missing, except under CI
    (environment variable CI set), where a missing LibreOffice is a failure."""
    exe = builders.soffice_path()
    if exe is None:
        message = "LibreOffice (soffice) is not on PATH"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must install it", pytrace=False)
        pytest.skip(message)
    return exe


# --- the `slow` marker -------------------------------------------------------------------
# `python -m pytest -m "not slow"` is the quick loop, under 20 s on a 2-core machine: values,
# scoring, checks, rules, the reader, the golden set (every sample, the batch, a few generated
# inputs), the layer and docs tests, the command line in-process, and the writer and template
# on small cases. Tests are marked here, in one place, by what makes them slow: LibreOffice (any
# test that uses the soffice fixture, directly or through another fixture), worker pools and
# subprocesses, and whole corpora (every case in every layout, the hostile corpus, openpyxl's
# reading of everything, schema validation of every output, the generated golden corpus). A key
# names a file, or file::name where name is a test function (every parameter of it) or a
# fixture (every test that uses it); QUICK_PARAMS keeps a few parameter sets of a function in
# the quick loop. A name its file no longer defines is reported as a warning.

SLOW_FILES: dict[str, str] = {
    "test_hostile.py": "the hostile corpus: every crafted file read and scored under time and memory limits, "
                       "killed mid-write, batch-run in subprocesses",
    "test_differential.py": "openpyxl as the reference reader of every sample, layout and hostile file",
    "test_package_edits.py": "package surgery cases, each output validated against the OOXML schemas",
    "test_inbox.py": "incremental batch runs on worker pools (fork and spawn), reruns, Ctrl-C in a subprocess",
    "test_watch.py": "perf-xlsx watch in a subprocess, with real file copies into a watched folder",
    # Word documents: python-docx builds each 自评报告 / 整改反馈单 whole (0.1–2.5 s a test).
    "test_report.py": "自评报告 drafts built with python-docx",
    "test_report_kinds.py": "自评报告 drafts of every kind of table, built with python-docx",
    "test_batch_drafts.py": "batch runs that draft reports and letters with python-docx",
    "test_rescore.py": "scored copies written, edited (openpyxl, Calc-style renames) and scored again",
}

_POOL = "starts worker processes (a batch)"
_SUBPROCESS = "runs Python in a subprocess"
SLOW_TESTS: dict[str, str] = {
    "test_batch.py::test_fifty_mixed_files_are_each_accounted_for_once": _POOL,
    "test_batch.py::test_rerun_is_identical_and_scores_nothing_twice": _POOL,
    "test_batch.py::test_jobs_do_not_change_results": _POOL,
    "test_batch.py::test_subfolders_one_level_by_default_recursive_fully_never_silently": _POOL,
    "test_batch.py::test_grade_table_counts_unrated_projects": _POOL,
    "test_batch.py::test_pool_survives_hung_and_crashing_workers": _POOL + ", waits out a deadline",
    "test_batch.py::test_worker_death_is_a_failed_line_in_results": _POOL + ", waits out a deadline",
    "test_batch.py::test_worker_exception_line_names_its_cause": _POOL,
    "test_batch.py::test_ctrl_c_stops_cleanly": _SUBPROCESS,
    "test_cli.py::test_console_encodings_do_not_crash": _SUBPROCESS,
    "test_cli.py::test_usage_error_goes_to_stderr_only": _SUBPROCESS,
    "test_api.py::test_batch_wraps_run_batch": _POOL,
    "test_api.py::test_batch_takes_a_profile_its_source_reproduces": _POOL,
    "test_api.py::test_the_batch_function_is_not_replaced_by_the_subpackage": _SUBPROCESS,
    "test_api.py::test_import_perf_xlsx_loads_neither_writers_nor_batch_nor_pandas": _SUBPROCESS,
    "test_api.py::test_the_runtime_needs_no_openpyxl": _SUBPROCESS,
    "test_api.py::test_readme_python_example_runs": _POOL,
    "test_api.py::test_python_api_doc_examples_run": _POOL,
    "test_frames.py::batch_out": _POOL,
    "test_frames.py::test_a_json_file_and_a_batch_report_are_sources": _POOL,
    "test_schema.py::test_batch_outputs_are_valid": _POOL,
    "test_namespaces.py::test_batch_scores_every_style": _POOL,
    "test_namespaces.py::inputs": "openpyxl builds the inputs in subprocesses",
    "test_parent_memory.py::test_the_batch_parent_holds_no_object_per_file":
        "a batch of hundreds of files run twice under tracemalloc",
    "test_rerun_known.py::test_an_unchanged_reruns_parent_holds_no_object_per_file":
        "unchanged reruns of hundreds of files under tracemalloc",
    # whole corpora
    "test_builders.py::test_every_case_builds_in_every_layout": "every real case in every layout",
    "test_reader.py::test_every_indicator_is_read_in_every_layout": "every real case in every layout",
    "test_reader.py::test_shifted_tables_score_the_same": "every real case, shifted",
    # The writer's case set (every layout and package style, built, scored, written, then read
    # back by openpyxl); the golden set checks every part of every scored copy in the quick loop.
    "test_writer.py::cases": "the writer's case set, read back by openpyxl",
    "test_writer.py::test_formula_payloads_stay_text": "a workbook of every injection payload",
    "test_schema.py::test_sample_input_is_valid": "schema validation of every sample",
    "test_schema.py::test_scored_copy_is_valid": "schema validation of every sample's scored copy",
    "test_schema.py::test_template_is_valid": "schema validation of every template",
    "test_template.py::test_help_sheet_follows_the_profile": "a template per profile, read by openpyxl",
    "test_template.py::test_funds_weight_and_score_formula_follow_the_profile": "templates read by openpyxl",
    "test_template.py::test_fill_blank_template_with_openpyxl_and_an_inserted_row": "filled in by openpyxl",
    "test_template.py::test_committed_template_matches_a_fresh_build": "the shipped template rebuilt",
    "test_template.py::test_cost_as_first_level_indicator": "a filled template read by openpyxl",
}


# Parametrized tests of which the quick loop runs a small case: the parameter sets whose id
# matches one of the patterns (fnmatch); the others are slow, for the reason given.
_GOLDEN_QUICK = ("case004-plain", "seed-unit-formulas", "seed-unit-yuan", "seed-shortfall", "seed-long-text",
                 "fail-no-table", "fail-text", "case004-plain@sichuan_2023")
_GOLDEN_REST = ("the rest of the generated golden corpus (every real case in three layouts, the seed "
                "projects in six, each with its own build); the samples and the batch stay quick")
QUICK_PARAMS: dict[str, tuple[tuple[str, ...], str]] = {
    "test_golden.py::test_corpus_result": (_GOLDEN_QUICK, _GOLDEN_REST),
    "test_golden.py::test_corpus_scored_copy": (_GOLDEN_QUICK, _GOLDEN_REST),
    "test_reader.py::test_published_errors_are_found_with_code_and_cell": (
        ("plain-*",), "the published errors found again in three more layouts (a build each)"),
    "test_returns.py::test_every_sample_s_scored_copy_reads_as_the_sample": (
        ("01", "08", "11", "13"), "every other sample scored and its copy read back"),
    "test_goal_block.py::test_label_above_text": (
        ("plain", "everything"), "the goal block in four more label layouts (a build and a read-back each)"),
}


def _slow_reason(item: pytest.Item) -> str | None:
    file = item.path.name
    if file in SLOW_FILES:
        return SLOW_FILES[file]
    callspec = getattr(item, "callspec", None)
    quick = QUICK_PARAMS.get(f"{file}::{getattr(item, 'originalname', item.name)}")
    if quick and callspec is not None and not any(fnmatch.fnmatchcase(callspec.id, p) for p in quick[0]):
        return quick[1]
    fixtures = getattr(item, "fixturenames", ())
    if "soffice" in fixtures:
        return "LibreOffice"
    for name in (getattr(item, "originalname", item.name), *fixtures):
        reason = SLOW_TESTS.get(f"{file}::{name}")
        if reason:
            return reason
    return None


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    modules: dict[str, Any] = {}
    for item in items:
        module = getattr(item, "module", None)
        if module is not None:
            modules.setdefault(item.path.name, module)
        if _slow_reason(item):
            item.add_marker(pytest.mark.slow)
    for key in SLOW_TESTS:
        file, test = key.split("::")
        if file in modules and not hasattr(modules[file], test):
            warnings.warn(pytest.PytestWarning(f"tests/conftest.py SLOW_TESTS: {file} has no {test}"), stacklevel=1)
    ids: dict[str, set[str]] = {}
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None:
            ids.setdefault(f"{item.path.name}::{getattr(item, 'originalname', item.name)}", set()).add(callspec.id)
    for key, (patterns, _) in QUICK_PARAMS.items():
        file, test = key.split("::")
        if file in modules and not hasattr(modules[file], test):
            warnings.warn(pytest.PytestWarning(f"tests/conftest.py QUICK_PARAMS: {file} has no {test}"), stacklevel=1)
        unmatched = [p for p in patterns if key in ids and not fnmatch.filter(ids[key], p)]
        if unmatched:
            warnings.warn(pytest.PytestWarning(f"tests/conftest.py QUICK_PARAMS: {key} has no {unmatched}"),
                          stacklevel=1)
