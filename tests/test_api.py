"""The analyst's Python API (perf_xlsx.api, re-exported by the package root): evaluate,
Evaluation.score_workbook, batch, template, the exports, and the lazy loading that keeps
``import perf_xlsx`` (and so every ``perf-xlsx`` command) from importing the writers."""

from __future__ import annotations

import dataclasses
import datetime
import doctest
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import perf_xlsx
from perf_xlsx import evaluate_file, result_to_dict
from perf_xlsx.api import Evaluation, scored_path
from perf_xlsx.cli.commands import cli
from perf_xlsx.rules import RulesError, builtin_path, load_profile

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
EXAMPLE = SAMPLES / "01-示例-芙蓉区商务局2021.xlsx"
UNIT_MISMATCH = SAMPLES / "10-项目清单合计不符.xlsx"
DOCS = ROOT / "docs" / "python-api.md"
README = ROOT / "README.md"


def sha256_file(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the example workbook, so that outputs beside it land in tmp_path."""
    target = tmp_path / EXAMPLE.name
    shutil.copyfile(EXAMPLE, target)
    return target


# --- evaluate ---------------------------------------------------------------------------


def test_evaluate_returns_a_workbook_result_that_knows_its_input_and_profile() -> None:
    result = perf_xlsx.evaluate(UNIT_MISMATCH)
    assert isinstance(result, Evaluation) and isinstance(result, perf_xlsx.WorkbookResult)
    assert result.path == str(UNIT_MISMATCH) and result.file == str(UNIT_MISMATCH)
    assert result.rules == load_profile("national_2020") and result.profile == "national_2020"
    assert result.status == "scored" and len(result.scores) == 2
    # the same result as the library function the CLI uses, field for field
    reference = evaluate_file(str(UNIT_MISMATCH), load_profile())
    assert result.to_dict() == result_to_dict(reference)
    assert "unit.total_mismatch" in {f.code for f in result.findings}


def test_evaluate_takes_a_profile_name_a_toml_path_or_a_profile() -> None:
    by_default = perf_xlsx.evaluate(EXAMPLE).to_dict()
    by_name = perf_xlsx.evaluate(EXAMPLE, "national_2020").to_dict()
    by_path = perf_xlsx.evaluate(EXAMPLE, rules=builtin_path("national_2020")).to_dict()
    by_object = perf_xlsx.evaluate(EXAMPLE, rules=load_profile("national_2020")).to_dict()
    assert by_default == by_name == by_path == by_object
    other = perf_xlsx.evaluate(EXAMPLE, rules="hb_20_40_40")
    assert other.profile == "hb_20_40_40" and other.rules.name == "hb_20_40_40"
    assert other.to_dict() == result_to_dict(evaluate_file(str(EXAMPLE), load_profile("hb_20_40_40")))


def test_evaluate_name_is_the_file_the_result_shows() -> None:
    result = perf_xlsx.evaluate(EXAMPLE, name="商务局.xlsx")
    assert result.file == "商务局.xlsx" and result.to_dict()["file"] == "商务局.xlsx"
    assert result.path == str(EXAMPLE)


def test_evaluate_raises_for_caller_mistakes_not_for_bad_workbooks(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        perf_xlsx.evaluate(tmp_path / "没有这个文件.xlsx")
    with pytest.raises(IsADirectoryError):
        perf_xlsx.evaluate(tmp_path)
    with pytest.raises(RulesError, match="未知的规则"):
        perf_xlsx.evaluate(EXAMPLE, rules="no_such_profile")
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    result = perf_xlsx.evaluate(broken)
    assert result.status == "failed" and result.error is not None and result.error["code"] == "read.not_xlsx"


def test_evaluation_repr_is_one_line() -> None:
    text = repr(perf_xlsx.evaluate(UNIT_MISMATCH, name="x.xlsx"))
    assert text == "Evaluation('x.xlsx', status='scored', profile='national_2020', projects=2, errors=1, warnings=1)"


def test_replace_keeps_path_and_rules() -> None:
    result = perf_xlsx.evaluate(EXAMPLE, rules="hb_20_40_40")
    renamed = dataclasses.replace(result, file="renamed.xlsx")
    assert isinstance(renamed, Evaluation)
    assert (renamed.path, renamed.rules, renamed.file) == (result.path, result.rules, "renamed.xlsx")


def test_evaluation_built_by_hand_defaults_to_its_file_and_the_default_profile() -> None:
    made = Evaluation(file="a.xlsx")
    assert made.path == "a.xlsx" and made.rules == load_profile() and made.status == "scored"


# --- score_workbook ---------------------------------------------------------------------


def test_score_workbook_writes_what_the_cli_writes(example: Path, tmp_path: Path) -> None:
    before = sha256_file(str(example))
    written = perf_xlsx.evaluate(example).score_workbook()
    assert written == example.with_name(example.stem + ".scored.xlsx") == scored_path(example)
    assert sha256_file(str(example)) == before  # the input is only read
    cli_out = tmp_path / "cli.xlsx"
    run = CliRunner().invoke(cli, ["score", str(example), "-o", str(cli_out)])
    assert run.exit_code == 0, run.output
    assert _parts(written) == _parts(cli_out)


def test_score_workbook_to_a_chosen_path_with_the_result_profile(example: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "评分.xlsx"
    out.parent.mkdir()
    result = perf_xlsx.evaluate(example, rules="hb_20_40_40")
    assert result.score_workbook(out) == out
    cli_out = tmp_path / "cli.xlsx"
    run = CliRunner().invoke(cli, ["score", str(example), "-o", str(cli_out), "--rules", "hb_20_40_40"])
    assert run.exit_code == 0, run.output
    assert _parts(out) == _parts(cli_out)


def test_score_workbook_refuses_the_input_and_failed_results(example: Path, tmp_path: Path) -> None:
    before = sha256_file(str(example))
    with pytest.raises(perf_xlsx.WriteError, match="输入文件本身"):
        perf_xlsx.evaluate(example).score_workbook(example)
    assert sha256_file(str(example)) == before
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"")
    with pytest.raises(perf_xlsx.WriteError, match="未能评分"):
        perf_xlsx.evaluate(broken).score_workbook(tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_score_workbook_of_an_xls_never_writes_onto_it(tmp_path: Path, soffice: str) -> None:
    profile_dir = tmp_path / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile_dir}", "--headless", "--convert-to", "xls",
                    "--outdir", str(tmp_path), str(EXAMPLE)], check=True, capture_output=True, timeout=120)
    xls = tmp_path / (EXAMPLE.stem + ".xls")
    before = sha256_file(str(xls))
    result = perf_xlsx.evaluate(xls)
    assert result.status == "scored" and result.model is not None and result.model.legacy
    # the writer sees a temporary .xlsx, so refusing the input is the API's own check
    with pytest.raises(perf_xlsx.WriteError, match="输入文件本身"):
        result.score_workbook(xls)
    assert sha256_file(str(xls)) == before
    written = result.score_workbook()
    assert written.suffix == ".xlsx" and perf_xlsx.evaluate(written).status == "scored"


# --- batch ------------------------------------------------------------------------------


def _copy_samples(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for path in sorted(SAMPLES.glob("0[1-3]*.xlsx")):
        shutil.copyfile(path, folder / path.name)
    return folder


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_batch_wraps_run_batch(tmp_path: Path) -> None:
    folder = _copy_samples(tmp_path)
    report = perf_xlsx.batch(folder, tmp_path / "api", jobs=1, rules="hb_20_40_40")
    assert isinstance(report, perf_xlsx.BatchReport)
    assert report.count("scored") == 3 and report.profile == "hb_20_40_40"
    reference = perf_xlsx.run_batch(str(folder), str(tmp_path / "lib"), jobs=1, rules="hb_20_40_40")
    assert _lines(tmp_path / "api" / "results.jsonl") == _lines(tmp_path / "lib" / "results.jsonl")
    assert reference.count("scored") == 3
    default = perf_xlsx.batch(folder, jobs=1)  # into folder/评分结果, national_2020
    assert Path(default.outdir) == folder / "评分结果" and default.profile == "national_2020"
    assert (folder / "评分结果" / "results.jsonl").exists()


def test_batch_takes_a_profile_its_source_reproduces(tmp_path: Path) -> None:
    folder = _copy_samples(tmp_path)
    toml = tmp_path / "本省规则.toml"
    toml.write_text('base = "national_2020"\nname = "本省"\n[overachievement]\nexplain_threshold = 1.2\n',
                    encoding="utf-8")
    report = perf_xlsx.batch(folder, tmp_path / "out", jobs=1, rules=load_profile(str(toml)))
    assert report.profile == "本省"
    assert {line["profile"] for line in _lines(tmp_path / "out" / "results.jsonl")} == {"本省"}
    edited = load_profile(str(toml))
    changed = dataclasses.replace(edited, data={**edited.data, "funds": {**edited.data["funds"], "weight": 20}})
    with pytest.raises(ValueError, match="保存为 .toml"):
        perf_xlsx.batch(folder, tmp_path / "out2", jobs=1, rules=changed)
    assert not (tmp_path / "out2").exists()  # refused before the run


def test_batch_raises_batch_error_for_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(perf_xlsx.BatchError, match="找不到文件夹"):
        perf_xlsx.batch(tmp_path / "没有")


def test_the_batch_function_is_not_replaced_by_the_subpackage() -> None:
    # Importing the batch machinery (perf_xlsx.bulk), before or after the root, leaves
    # perf_xlsx.batch the function.
    code = ("import perf_xlsx.bulk.run, perf_xlsx.bulk.summary, perf_xlsx\n"
            "import perf_xlsx.cli.commands\n"
            "assert callable(perf_xlsx.batch) and perf_xlsx.batch.__module__ == 'perf_xlsx.api', perf_xlsx.batch\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    import perf_xlsx.bulk.run  # noqa: F401

    assert callable(perf_xlsx.batch) and perf_xlsx.batch is perf_xlsx.api.batch


# --- template ---------------------------------------------------------------------------


def test_template_writes_the_cli_template(tmp_path: Path) -> None:
    path = perf_xlsx.template(tmp_path / "模板.xlsx", 2023, projects=2)
    assert path == tmp_path / "模板.xlsx"
    run = CliRunner().invoke(cli, ["template", "-o", str(tmp_path / "cli.xlsx"), "--year", "2023",
                                   "--projects", "2"])
    assert run.exit_code == 0, run.output
    assert _parts(path) == _parts(tmp_path / "cli.xlsx")


def test_template_defaults_to_last_year_and_never_replaces_a_file(tmp_path: Path) -> None:
    path = perf_xlsx.template(tmp_path / "模板.xlsx")
    run = CliRunner().invoke(cli, ["template", "-o", str(tmp_path / "cli.xlsx")])
    assert run.exit_code == 0, run.output
    assert _parts(path) == _parts(tmp_path / "cli.xlsx")
    assert str(datetime.date.today().year - 1).encode() in b"".join(_parts(path).values())
    with pytest.raises(FileExistsError):
        perf_xlsx.template(path, example=True)
    assert perf_xlsx.template(path, example=True, overwrite=True) == path
    example = perf_xlsx.evaluate(path)
    assert example.status == "scored" and len(example.scores) == 2
    with pytest.raises(ValueError, match="年度"):
        perf_xlsx.template(tmp_path / "x.xlsx", 1999)


# --- exports ----------------------------------------------------------------------------


def test_every_export_resolves() -> None:
    assert len(set(perf_xlsx.__all__)) == len(perf_xlsx.__all__)
    for name in perf_xlsx.__all__:
        assert getattr(perf_xlsx, name) is not None, name
        assert name in dir(perf_xlsx)
    from perf_xlsx.bulk.run import run_batch
    from perf_xlsx.write.scored import write_scored
    from perf_xlsx.write.template import write_template

    assert (perf_xlsx.run_batch, perf_xlsx.write_scored, perf_xlsx.write_template) == (
        run_batch, write_scored, write_template)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        perf_xlsx.nothing_here  # noqa: B018


def test_import_perf_xlsx_loads_neither_writers_nor_batch_nor_pandas() -> None:
    # Nothing at all but the version: a batch worker and every command import the package first.
    code = ("import sys, perf_xlsx\n"
            "heavy = [m for m in sys.modules if m.startswith(('perf_xlsx.write', 'perf_xlsx.bulk', "
            "'perf_xlsx.judge', 'perf_xlsx.read', 'perf_xlsx.model', 'perf_xlsx.rules', "
            "'perf_xlsx.frames', 'pandas', 'openpyxl'))]\n"
            "assert not heavy, heavy\n"
            "perf_xlsx.frames\n"
            "assert 'perf_xlsx.frames' in sys.modules and 'pandas' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_runtime_needs_no_openpyxl(tmp_path: Path) -> None:
    # openpyxl is a test dependency only (setup.cfg): read, score, write, batch and template
    # with it made unimportable, in a fresh interpreter (batch workers inherit the block).
    folder = _copy_samples(tmp_path)
    code = (
        "import sys\n"
        "sys.modules['openpyxl'] = None\n"
        "import perf_xlsx\n"
        f"folder, out = {str(folder)!r}, {str(tmp_path)!r}\n"
        f"result = perf_xlsx.evaluate({str(EXAMPLE)!r})\n"
        "assert result.status == 'scored', result.error\n"
        "result.score_workbook(out + '/scored.xlsx')\n"
        "assert perf_xlsx.batch(folder, out + '/batch', jobs=1).count('scored') == 3\n"
        "perf_xlsx.template(out + '/t.xlsx', 2023)\n"
        "assert perf_xlsx.evaluate(out + '/scored.xlsx').status == 'scored'\n"
        "assert sys.modules['openpyxl'] is None\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --- the documentation's examples ----------------------------------------------------------


class _RstripChecker(doctest.OutputChecker):
    """Exact output, except for spaces at line ends: pandas pads the index-name line of a
    table with them, and editors strip them from the Markdown."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        def strip(text: str) -> str:
            return "".join(line.rstrip() + "\n" for line in text.splitlines())

        return super().check_output(strip(want), strip(got), optionflags)


def run_examples(text: str, name: str) -> tuple[int, int, str]:
    """Run the ``>>>`` examples of ``text`` as one doctest: (failures, examples, report)."""
    test = doctest.DocTestParser().get_doctest(text, {"__name__": name}, name, name, 0)
    report: list[str] = []
    runner = doctest.DocTestRunner(checker=_RstripChecker(), optionflags=doctest.ELLIPSIS)
    runner.run(test, out=report.append, clear_globs=True)
    return runner.failures, runner.tries, "".join(report)


@pytest.fixture
def samples_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The working folder of the examples: a copy of sample_workbooks/ beside nothing else."""
    pd = pytest.importorskip("pandas")
    shutil.copytree(SAMPLES, tmp_path / "sample_workbooks")
    monkeypatch.chdir(tmp_path)
    with pd.option_context("display.unicode.east_asian_width", False):  # the examples set it
        yield tmp_path


def test_python_api_doc_examples_run(samples_here: Path) -> None:
    failures, tries, report = run_examples(DOCS.read_text(encoding="utf-8"), "python-api.md")
    assert failures == 0, report
    assert tries >= 25
    assert (samples_here / "评分副本.xlsx").exists() and (samples_here / "评分结果" / "汇总.xlsx").exists()


def readme_python_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("\n## Python 接口\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_readme_python_example_runs(samples_here: Path) -> None:
    # The README's example starts from the quick start's batch output (./评分结果).
    perf_xlsx.batch("sample_workbooks", "评分结果", jobs=2)
    failures, tries, report = run_examples(readme_python_section(), "README.md")
    assert failures == 0, report
    assert tries >= 5
