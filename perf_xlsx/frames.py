"""Results as pandas DataFrames: one row per project, per indicator, or per finding.

Every function takes the same sources: one result (a ``WorkbookResult`` such as
``perf_xlsx.evaluate`` returns, or a ``perf_xlsx.result/1`` dict), an iterable of them, the
path of a ``results.jsonl`` (or of a ``--json`` file, or of the batch output folder holding
``results.jsonl``), or the ``BatchReport`` that ``perf_xlsx.batch`` returns. An in-memory
result goes through ``result_to_dict`` first, so a frame is the same whether it was built
from results or from the results.jsonl a batch wrote.

Columns and dtypes are fixed (tables in docs/python-api.md; :data:`PROJECT_COLUMNS`,
:data:`INDICATOR_COLUMNS`, :data:`FINDING_COLUMNS`), also for an empty frame:

* text is pandas' nullable ``string``; a value the result does not have is ``<NA>``;
* money, rates, weights and scores are ``float64`` (``NaN`` where the result has ``null``),
  money in 万元 as in the JSON result; counts are ``int64``; the year is nullable ``Int64``;
* the few-valued columns are ``category`` with their categories in a fixed order: severity
  ``error, warning, info``; kind ``ge, le, eq, qual``; table kind ``project, department, transfer``;
  grade the national ``优, 良, 中, 差``, then any other grade a custom profile uses, in order
  of first appearance. Sorting by them sorts in that order; they are not ``ordered`` (no
  ``<``), because the grades of a custom profile have no known order.

pandas is an optional dependency (``pip install "perf-xlsx[pandas]"``); it is imported when a
frame is built, never at import time, so the rest of the package works without it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from perf_xlsx.model import WorkbookResult
from perf_xlsx.results import SCHEMA, result_to_dict

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, unused-ignore]  # pandas-stubs optional

    from perf_xlsx.bulk.report import BatchReport

__all__ = ["FINDING_COLUMNS", "INDICATOR_COLUMNS", "PROJECT_COLUMNS", "Column", "Source", "findings_frame",
           "indicators_frame", "projects_frame", "read_results"]

Result = Union[WorkbookResult, Mapping[str, Any]]
#: What a frame can be built from (see the module docstring).
Source = Union[Result, Iterable[Result], str, "os.PathLike[str]", "BatchReport"]

RESULTS_NAME = "results.jsonl"
SEVERITIES = ("error", "warning", "info")
KINDS = ("ge", "le", "eq", "qual")
TABLE_KINDS = ("project", "department", "transfer")
GRADES = ("优", "良", "中", "差")

INSTALL_HINT = 'perf_xlsx.frames 需要 pandas：pip install "perf-xlsx[pandas]"'


@dataclass(frozen=True)
class Column:
    """One column of a frame: its name, dtype (as ``str(series.dtype)`` prints it) and meaning."""

    name: str
    dtype: str  # "string" | "float64" | "Int64" | "int64" | "boolean" | "category" | "object"
    doc: str
    categories: tuple[str, ...] = ()  # the fixed categories of a "category" column, in order


PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("file", "string", "输入文件（结果的 `file`）"),
    Column("sheet", "string", "工作表名"),
    Column("project", "string", "项目名称"),
    Column("department", "string", "主管部门（表上没有时为空字符串）"),
    Column("implementer", "string", "实施单位（表上没有时为空字符串）"),
    Column("year", "Int64", "年度（读不出时为 `<NA>`）"),
    Column("kind", "category", "`project` 项目支出表 / `department` 部门整体表 / `transfer` 转移支付区域绩效自评表", TABLE_KINDS),
    Column("budget", "float64", "全年预算数，万元"),
    Column("executed", "float64", "全年执行数，万元"),
    Column("rate", "float64", "执行率，小数（0.9825）"),
    Column("funds_weight", "float64", "预算执行率的分值"),
    Column("funds_score", "float64", "预算执行率得分（工具核定）"),
    Column("funds_score_entered", "float64", "预算执行率得分（表上填报）"),
    Column("weight", "float64", "分值合计"),
    Column("raw", "float64", "资金得分 + 各指标得分"),
    Column("total", "float64", "总分（工具核定，据以定等级；按规则折算到 100 或封顶后）"),
    Column("total_entered", "float64", "总分（表上填报）"),
    Column("grade", "category", "等级（未评级为 `<NA>`）", GRADES),
    Column("ungraded", "string", "不定等级的原因（如有行须人工复核；有等级时为 `<NA>`）"),
    Column("indicators", "int64", "绩效指标行数"),
    Column("errors", "int64", "该工作表上级别为 error 的问题数"),
    Column("warnings", "int64", "该工作表上级别为 warning 的问题数"),
    Column("profile", "string", "评分规则名"),
)

INDICATOR_COLUMNS: tuple[Column, ...] = (
    Column("file", "string", "输入文件"),
    Column("sheet", "string", "工作表名"),
    Column("project", "string", "项目名称"),
    Column("row", "int64", "指标所在行号"),
    Column("level1", "string", "一级指标"),
    Column("level2", "string", "二级指标"),
    Column("name", "string", "三级指标（指标名称）"),
    Column("target", "string", "年度指标值（原文）"),
    Column("actual", "string", "实际完成值（原文）"),
    Column("kind", "category", "计分方式：`ge` 正向、`le` 反向、`eq` 等于、`qual` 定性", KINDS),
    Column("target_value", "float64", "指标值的数值（读不出为 `NaN`）"),
    Column("actual_value", "float64", "实际完成值的数值"),
    Column("unit", "string", "计量单位"),
    Column("weight", "float64", "分值"),
    Column("score", "float64", "得分（工具核定）"),
    Column("score_entered", "float64", "得分（表上填报）"),
    Column("applicable", "boolean", "是否计分（不适用的指标为 False）"),
    Column("how", "string", "核定得分的算法说明"),
    Column("rubric", "string", "按评分标准计分的行：所用规则（`steps` 分档、`deduction` 扣分、`proportional` 按比例），"
           "`manual` 须人工复核；按指标值和完成值计分的行为 `<NA>`"),
    Column("target_cell", "string", "年度指标值单元格（如 `E14`）"),
    Column("actual_cell", "string", "实际完成值单元格"),
    Column("weight_cell", "string", "分值单元格"),
    Column("score_cell", "string", "得分单元格"),
    Column("reason_cell", "string", "偏差原因单元格"),
    Column("target_text", "string", "年度指标值在表上显示的样子（百分比格式的 0.85 写作 `85%`）"),
    Column("actual_text", "string", "实际完成值在表上显示的样子"),
)

FINDING_COLUMNS: tuple[Column, ...] = (
    Column("file", "string", "输入文件"),
    Column("sheet", "string", "工作表名（问题不在某张表上时为 `<NA>`）"),
    Column("cell", "string", "单元格或区域（如 `D6`、`E14:F14`）"),
    Column("severity", "category", "级别：`error`、`warning`、`info`", SEVERITIES),
    Column("code", "string", "问题代码（docs/finding-codes.md）"),
    Column("message", "string", "中文说明"),
    Column("expected", "object", "应为（数字、文字或 None）"),
    Column("found", "object", "实为（数字、文字或 None）"),
)


# --- sources ------------------------------------------------------------------------------


def read_results(source: Source) -> Iterator[dict[str, Any]]:
    """The ``perf_xlsx.result/1`` dicts of ``source``, in order (see the module docstring).

    Raises ``ValueError`` for a dict or a JSON line that is not such a result (naming the
    file and line), ``FileNotFoundError`` for a path that does not exist.
    """
    if isinstance(source, WorkbookResult):
        yield result_to_dict(source)
    elif isinstance(source, Mapping):
        yield _checked(source, "")
    elif isinstance(source, (str, os.PathLike)):
        yield from _read_file(Path(os.fsdecode(source)))
    elif hasattr(source, "outdir") and hasattr(source, "outcomes"):
        # A BatchReport (batch layer): its results.jsonl, complete once the run has returned.
        yield from _read_file(Path(source.outdir) / RESULTS_NAME)
    elif isinstance(source, Iterable):
        for item in source:
            if isinstance(item, WorkbookResult):
                yield result_to_dict(item)
            elif isinstance(item, Mapping):
                yield _checked(item, "")
            else:
                raise TypeError(f"结果列表中的 {type(item).__name__} "
                                "不是 WorkbookResult 或 perf_xlsx.result/1 字典")
    else:
        raise TypeError(f"无法从 {type(source).__name__} 读取结果："
                        "应为结果、结果列表、results.jsonl 路径或 BatchReport")


def _checked(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    if data.get("schema") != SCHEMA:
        raise ValueError(f"{where or '数据'}不是 {SCHEMA} 结果（schema = {data.get('schema')!r}）")
    return dict(data)


def _read_file(path: Path) -> Iterator[dict[str, Any]]:
    """JSON values one after another: a results.jsonl (one per line) or one indented
    ``--json`` file alike. A folder means its results.jsonl."""
    if path.is_dir():
        path = path / RESULTS_NAME
    text = path.read_text(encoding="utf-8-sig")
    decoder = json.JSONDecoder()
    at, end = 0, len(text)
    line, counted = 1, 0  # the line number of `at`, counted incrementally (a jsonl may be large)
    while True:
        while at < end and text[at].isspace():
            at += 1
        if at >= end:
            return
        line += text.count("\n", counted, at)
        counted = at
        where = f"{path}:{line}: "
        try:
            value, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}不是有效的 JSON：{exc.msg}") from None
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}不是 {SCHEMA} 结果（不是 JSON 对象）")
        yield _checked(value, where)


# --- frames -------------------------------------------------------------------------------


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return pandas


def _frame(columns: tuple[Column, ...], rows: dict[str, list[Any]]) -> pd.DataFrame:
    pd = _pandas()
    data = {}
    for col in columns:
        values = rows[col.name]
        dtype: Any = col.dtype
        if col.dtype == "category":
            extra = [v for v in dict.fromkeys(values) if v is not None and v not in col.categories]
            dtype = pd.CategoricalDtype([*col.categories, *extra], ordered=False)
        data[col.name] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, columns=[c.name for c in columns])


def _empty(columns: tuple[Column, ...]) -> dict[str, list[Any]]:
    return {c.name: [] for c in columns}


def _counts(result: Mapping[str, Any]) -> dict[tuple[Optional[str], str], int]:
    out: dict[tuple[Optional[str], str], int] = {}
    for f in result.get("findings") or ():
        key = (f.get("sheet"), f.get("severity"))
        out[key] = out.get(key, 0) + 1
    return out


def projects_frame(source: Source) -> pd.DataFrame:
    """One row per project table of every scored workbook (columns: :data:`PROJECT_COLUMNS`).

    A failed workbook has no projects, so no rows here (its error is in :func:`findings_frame`).
    """
    rows = _empty(PROJECT_COLUMNS)
    for result in read_results(source):
        counts = _counts(result)
        for p in result.get("projects") or ():
            funds, total = p.get("funds") or {}, p.get("total") or {}
            sheet = p.get("sheet")
            values = {
                "file": result.get("file"), "sheet": sheet, "project": p.get("name"),
                "department": p.get("department"), "implementer": p.get("implementer"),
                "year": p.get("year"), "kind": p.get("kind", "project"),
                "budget": funds.get("budget"), "executed": funds.get("executed"), "rate": funds.get("rate"),
                "funds_weight": funds.get("weight"), "funds_score": funds.get("score"),
                "funds_score_entered": funds.get("score_entered"),
                "weight": total.get("weight"), "raw": total.get("raw"), "total": total.get("score"),
                "total_entered": total.get("score_entered"), "grade": total.get("grade"),
                "ungraded": p.get("ungraded"),
                "indicators": len(p.get("indicators") or ()),
                "errors": counts.get((sheet, "error"), 0), "warnings": counts.get((sheet, "warning"), 0),
                "profile": result.get("profile"),
            }
            for name, value in values.items():
                rows[name].append(value)
    return _frame(PROJECT_COLUMNS, rows)


def indicators_frame(source: Source) -> pd.DataFrame:
    """One row per indicator row of every project (columns: :data:`INDICATOR_COLUMNS`);
    ``file`` + ``sheet`` join it to :func:`projects_frame`."""
    rows = _empty(INDICATOR_COLUMNS)
    for result in read_results(source):
        for p in result.get("projects") or ():
            for ind in p.get("indicators") or ():
                cells = ind.get("cells") or {}
                values = {
                    "file": result.get("file"), "sheet": p.get("sheet"), "project": p.get("name"),
                    "row": ind.get("row"), "level1": ind.get("level1"), "level2": ind.get("level2"),
                    "name": ind.get("name"), "target": ind.get("target"), "actual": ind.get("actual"),
                    "kind": ind.get("kind"), "target_value": ind.get("target_value"),
                    "actual_value": ind.get("actual_value"), "unit": ind.get("unit"),
                    "weight": ind.get("weight"), "score": ind.get("score"),
                    "score_entered": ind.get("score_entered"), "applicable": ind.get("applicable"),
                    "how": ind.get("how"), "rubric": ind.get("rubric"),
                    "target_cell": cells.get("target"), "actual_cell": cells.get("actual"),
                    "weight_cell": cells.get("weight"), "score_cell": cells.get("score"),
                    "reason_cell": cells.get("reason"),
                    # Results written before these keys existed: the text as read.
                    "target_text": ind.get("target_text", ind.get("target")),
                    "actual_text": ind.get("actual_text", ind.get("actual")),
                }
                for name, value in values.items():
                    rows[name].append(value)
    return _frame(INDICATOR_COLUMNS, rows)


def findings_frame(source: Source) -> pd.DataFrame:
    """One row per finding of every workbook (columns: :data:`FINDING_COLUMNS`), in the
    results' order. A failed workbook gives one row too: its ``error`` as an ``error``
    finding without sheet or cell (code ``read.…``, ``batch.…``), so no input goes unlisted."""
    rows = _empty(FINDING_COLUMNS)
    for result in read_results(source):
        found = list(result.get("findings") or ())
        error = result.get("error")
        if result.get("status") == "failed" and error:
            found.insert(0, {"severity": "error", "code": error.get("code"), "message": error.get("message")})
        for f in found:
            rows["file"].append(result.get("file"))
            for name in ("sheet", "cell", "severity", "code", "message", "expected", "found"):
                rows[name].append(f.get(name))
    return _frame(FINDING_COLUMNS, rows)
