"""Shared fixtures: workbook factory, the real-case specs, LibreOffice."""

from __future__ import annotations

import os
import sys
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
