"""perf_xlsx.frames: the three DataFrames, their exact columns and dtypes, every kind of source
(results, dicts, results.jsonl, --json files, the batch folder and report), and the message
when pandas is missing."""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from loaded import load_workbook

import perf_xlsx
from perf_xlsx import frames
from perf_xlsx.frames import findings_frame, indicators_frame, projects_frame, read_results

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_workbooks"
DOCS = ROOT / "docs" / "python-api.md"

# Written out here, not derived from frames.PROJECT_COLUMNS: a change to a column or dtype must
# fail this test (and be made in docs/python-api.md too).
PROJECT_DTYPES = {
    "file": "string", "sheet": "string", "project": "string", "department": "string",
    "implementer": "string", "year": "Int64", "kind": "category", "budget": "float64",
    "executed": "float64", "rate": "float64", "funds_weight": "float64", "funds_score": "float64",
    "funds_score_entered": "float64", "weight": "float64", "raw": "float64", "total": "float64",
    "total_entered": "float64", "grade": "category", "ungraded": "string", "indicators": "int64", "errors": "int64",
    "warnings": "int64", "profile": "string",
}
INDICATOR_DTYPES = {
    "file": "string", "sheet": "string", "project": "string", "row": "int64", "level1": "string",
    "level2": "string", "name": "string", "target": "string", "actual": "string", "kind": "category",
    "target_value": "float64", "actual_value": "float64", "unit": "string", "weight": "float64",
    "score": "float64", "score_entered": "float64", "applicable": "boolean", "how": "string", "rubric": "string",
    "target_cell": "string", "actual_cell": "string", "weight_cell": "string", "score_cell": "string",
    "reason_cell": "string", "target_text": "string", "actual_text": "string",
}
FINDING_DTYPES = {
    "file": "string", "sheet": "string", "cell": "string", "severity": "category", "code": "string",
    "message": "string", "expected": "object", "found": "object",
}
FRAMES = [(projects_frame, PROJECT_DTYPES), (indicators_frame, INDICATOR_DTYPES),
          (findings_frame, FINDING_DTYPES)]


def _dtypes(df: pd.DataFrame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in df.dtypes.items()}


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("frames") / "评分结果"
    report = perf_xlsx.batch(SAMPLES, out, jobs=2)
    assert report.count("scored") == 16
    return out


@pytest.fixture(scope="module")
def results(batch_out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (batch_out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("build, dtypes", FRAMES, ids=["projects", "indicators", "findings"])
def test_columns_and_dtypes_are_exact(build: Any, dtypes: dict[str, str], batch_out: Path) -> None:
    df = build(batch_out / "results.jsonl")
    assert _dtypes(df) == dtypes and list(df.columns) == list(dtypes)
    assert len(df) > 0 and isinstance(df.index, pd.RangeIndex)
    empty = build([])
    assert _dtypes(empty) == dtypes and len(empty) == 0


def test_column_tables_in_the_module_match(batch_out: Path) -> None:
    for columns, dtypes in ((frames.PROJECT_COLUMNS, PROJECT_DTYPES), (frames.INDICATOR_COLUMNS, INDICATOR_DTYPES),
                            (frames.FINDING_COLUMNS, FINDING_DTYPES)):
        assert {c.name: c.dtype for c in columns} == dtypes


def _doc_table(heading: str) -> list[tuple[str, str, str]]:
    """(column, dtype, meaning) rows of the table under ``heading`` in docs/python-api.md."""
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n#", start + 1)
    section = text[start:end if end > 0 else len(text)]
    return re.findall(r"^\| `(\w+)` \| (\w+) \| (.+?) \|$", section, re.M)


@pytest.mark.parametrize("heading, columns", [
    ("### `projects_frame`", frames.PROJECT_COLUMNS), ("### `indicators_frame`", frames.INDICATOR_COLUMNS),
    ("### `findings_frame`", frames.FINDING_COLUMNS)], ids=["projects", "indicators", "findings"])
def test_the_documented_tables_are_the_columns(heading: str, columns: tuple[frames.Column, ...]) -> None:
    assert _doc_table(heading) == [(c.name, c.dtype, c.doc) for c in columns]


def _same(value: Any, expected: Any) -> bool:
    if expected is None:
        return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
    return bool(value == expected)


def test_projects_frame_rows_are_the_json_projects(results: list[dict[str, Any]], batch_out: Path) -> None:
    df = projects_frame(batch_out)  # the folder: its results.jsonl
    rows = df.to_dict("records")
    expected = [(r, p) for r in results for p in r["projects"]]
    assert len(rows) == len(expected) == 20
    for row, (r, p) in zip(rows, expected):
        pairs = {
            "file": r["file"], "sheet": p["sheet"], "project": p["name"], "department": p["department"],
            "implementer": p["implementer"], "year": p["year"], "kind": p["kind"],
            "budget": p["funds"]["budget"], "executed": p["funds"]["executed"], "rate": p["funds"]["rate"],
            "funds_weight": p["funds"]["weight"], "funds_score": p["funds"]["score"],
            "funds_score_entered": p["funds"]["score_entered"], "weight": p["total"]["weight"],
            "raw": p["total"]["raw"], "total": p["total"]["score"], "total_entered": p["total"]["score_entered"],
            "grade": p["total"]["grade"], "ungraded": p["ungraded"], "indicators": len(p["indicators"]),
            "profile": r["profile"],
            "errors": sum(f["severity"] == "error" and f["sheet"] == p["sheet"] for f in r["findings"]),
            "warnings": sum(f["severity"] == "warning" and f["sheet"] == p["sheet"] for f in r["findings"]),
        }
        bad = {k: (row[k], v) for k, v in pairs.items() if not _same(row[k], v)}
        assert not bad, (r["file"], p["sheet"], bad)
    first = df.iloc[0]
    assert (first["project"], first["year"], first["budget"], first["rate"], first["grade"]) == (
        "招商节会", 2021, 200.0, 0.9825, "优")
    ungraded = df[df["grade"].isna()]
    assert list(ungraded["file"]) == ["04-中江水标尺2022.xlsx", "06-昌宁生猪养殖2022.xlsx", "07-衡山储备粮2020.xlsx", "13-部门整体-评分表.xlsx",
                                      "14-转移支付-中央与地方资金.xlsx", "16-资金来源表-结余.xlsx"]
    assert ungraded["total"].isna().all() and ungraded["ungraded"].notna().all()
    assert list(df["kind"].astype(str)) == ["project"] * 14 + ["department"] * 3 + ["transfer"] * 3


def test_indicators_frame_rows_are_the_json_indicators(results: list[dict[str, Any]], batch_out: Path) -> None:
    rows = indicators_frame(batch_out / "results.jsonl").to_dict("records")
    expected = [(r, p, i) for r in results for p in r["projects"] for i in p["indicators"]]
    assert len(rows) == len(expected) > 100
    for row, (r, p, i) in zip(rows, expected):
        pairs = {
            "file": r["file"], "sheet": p["sheet"], "project": p["name"],
            **{k: i[k] for k in ("row", "level1", "level2", "name", "target", "actual", "kind", "target_value",
                                 "actual_value", "unit", "weight", "score", "score_entered", "applicable", "how",
                                 "rubric", "target_text", "actual_text")},
            **{f"{k}_cell": i["cells"].get(k) for k in ("target", "actual", "weight", "score", "reason")},
        }
        bad = {k: (row[k], v) for k, v in pairs.items() if not _same(row[k], v)}
        assert not bad, (r["file"], p["sheet"], i["row"], bad)


def test_findings_frame_lists_findings_and_failed_workbooks(results: list[dict[str, Any]], tmp_path: Path) -> None:
    failed = perf_xlsx.evaluate(_broken(tmp_path), name="坏文件.xlsx")
    df = findings_frame([*results, failed])
    assert len(df) == sum(len(r["findings"]) for r in results) + 1
    last = df.iloc[-1]
    assert (last["file"], last["severity"], last["code"]) == ("坏文件.xlsx", "error", "read.not_xlsx")
    assert last["sheet"] is pd.NA and last["cell"] is pd.NA and last["message"] == failed.error["message"]
    first = df.iloc[0]
    f = results[1]["findings"][0]  # the first sample has no findings
    assert (first["file"], first["sheet"], first["cell"], first["code"], first["message"], first["expected"],
            first["found"]) == (results[1]["file"], f["sheet"], f["cell"], f["code"], f["message"], f["expected"],
                                f["found"])
    # severity sorts by seriousness, not alphabetically
    assert list(df["severity"].cat.categories) == ["error", "warning", "info"]
    ordered = df.sort_values("severity", kind="stable")["severity"].tolist()
    assert ordered == sorted(ordered, key=["error", "warning", "info"].index)
    assert projects_frame(failed).empty and indicators_frame(failed).empty


def _broken(tmp_path: Path) -> Path:
    path = tmp_path / "坏文件.xlsx"
    path.write_bytes(b"PK\x03\x04 not a zip")
    return path


def test_frames_from_results_equal_frames_from_results_jsonl(batch_out: Path) -> None:
    evaluated = [perf_xlsx.evaluate(p, name=p.name) for p in sorted(SAMPLES.glob("*.xlsx"))]
    for build in (projects_frame, indicators_frame, findings_frame):
        pd.testing.assert_frame_equal(build(evaluated), build(batch_out / "results.jsonl"))
    one = evaluated[0]
    pd.testing.assert_frame_equal(projects_frame(one), projects_frame([one]))
    pd.testing.assert_frame_equal(projects_frame(one.to_dict()), projects_frame(one))
    pd.testing.assert_frame_equal(projects_frame(perf_xlsx.result_to_dict(one)), projects_frame([one.to_dict()]))


def test_a_json_file_and_a_batch_report_are_sources(tmp_path: Path) -> None:
    one = perf_xlsx.evaluate(SAMPLES / "01-示例-芙蓉区商务局2021.xlsx", name="x.xlsx")
    single = tmp_path / "x.json"
    single.write_text(json.dumps(one.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    pd.testing.assert_frame_equal(projects_frame(single), projects_frame(one))
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.xlsx").write_bytes((SAMPLES / "01-示例-芙蓉区商务局2021.xlsx").read_bytes())
    report = perf_xlsx.batch(folder, tmp_path / "out", jobs=1)
    pd.testing.assert_frame_equal(projects_frame(report), projects_frame(one))
    assert list(read_results(str(tmp_path / "out" / "results.jsonl")))[0]["file"] == "x.xlsx"


def test_grades_of_a_custom_profile_follow_the_national_ones() -> None:
    one = perf_xlsx.evaluate(SAMPLES / "01-示例-芙蓉区商务局2021.xlsx").to_dict()
    custom = json.loads(json.dumps(one))
    custom["projects"][0]["total"]["grade"] = "合格"
    df = projects_frame([one, custom])
    assert list(df["grade"].cat.categories) == ["优", "良", "中", "差", "合格"]
    assert not df["grade"].cat.ordered
    assert df["grade"].tolist() == ["优", "优", "合格", "优"]


def test_bad_sources_are_named(tmp_path: Path) -> None:
    lines = tmp_path / "results.jsonl"
    good = json.dumps(perf_xlsx.evaluate(SAMPLES / "01-示例-芙蓉区商务局2021.xlsx").to_dict(), ensure_ascii=False)
    lines.write_text(good + "\n" + '{"file": "a", "reason": "隐藏文件", "code": "batch.skipped"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"results\.jsonl:2: 不是 perf_xlsx\.result/1"):
        projects_frame(lines)
    lines.write_text(good + "\n\n" + good[:40] + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"results\.jsonl:3: 不是有效的 JSON"):
        findings_frame(lines)
    lines.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="不是 JSON 对象"):
        projects_frame(lines)
    with pytest.raises(FileNotFoundError):
        projects_frame(tmp_path / "nothing.jsonl")
    with pytest.raises(TypeError, match="int"):
        projects_frame(42)
    with pytest.raises(TypeError, match="int"):
        projects_frame([42])
    with pytest.raises(ValueError, match="schema"):
        projects_frame({"file": "x"})


def test_without_pandas_the_message_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # what `import pandas` sees when it is not installed
    one = perf_xlsx.evaluate(SAMPLES / "01-示例-芙蓉区商务局2021.xlsx")
    for build in (projects_frame, indicators_frame, findings_frame):
        with pytest.raises(ImportError, match=r'pip install "perf-xlsx\[pandas\]"'):
            build(one)
    assert [r["file"] for r in read_results(one)] == [one.file]  # only the frames need pandas


def test_indicators_frame_has_the_percentages_as_typed(tmp_path: Path) -> None:
    """A percentage stored as a fraction with a % format (0.85 shown as 85%): ``actual`` is the
    text as read, ``actual_text`` what the unit typed and sees."""
    seed = SAMPLES / "01-示例-芙蓉区商务局2021.xlsx"
    cell = next(i["cells"]["actual"] for i in perf_xlsx.evaluate(seed).to_dict()["projects"][0]["indicators"]
                if i["name"] == "签约项目履约率")
    wb = load_workbook(seed)
    wb["招商节会"][cell].value = 0.85
    wb["招商节会"][cell].number_format = "0%"
    path = tmp_path / "百分比.xlsx"
    wb.save(path)
    df = indicators_frame(perf_xlsx.evaluate(path))
    row = df[df["name"] == "签约项目履约率"].iloc[0]
    assert (row["actual"], row["actual_text"], row["target_text"]) == ("0.85", "85%", "≥80%")
    # A result written before the keys existed: the text as read stands in.
    old = perf_xlsx.evaluate(seed).to_dict()
    for p in old["projects"]:
        for i in p["indicators"]:
            del i["target_text"], i["actual_text"]
    assert list(indicators_frame(old)["actual_text"]) == list(indicators_frame(old)["actual"])
