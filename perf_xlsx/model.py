"""Plain data passed between the reader, the checks, the scoring and the writers.

Nothing here knows about spreadsheets libraries: a value is a Python object and the place it
came from is a sheet name plus an A1 reference.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, TypeVar

# The enumerations live in perf_xlsx.enums (importable without the data classes); re-exported.
from perf_xlsx.enums import SEVERITY_LABELS as SEVERITY_LABELS
from perf_xlsx.enums import Grade as Grade
from perf_xlsx.enums import Kind as Kind
from perf_xlsx.enums import Severity as Severity
from perf_xlsx.enums import TableKind as TableKind


@dataclass(frozen=True)
class Quantity:
    """What a person typed in a target or actual cell, parsed.

    ``value`` is in the canonical unit of its family: 万元 for money, percentage points for
    percentages (95% -> 95.0). ``op`` is None when no comparison operator was written.
    """

    raw: str
    value: Optional[float] = None
    unit: Optional[str] = None
    family: Optional[str] = None  # "money" | "percent" | "count" | "other" | None
    op: Optional[str] = None  # "ge" | "le" | "eq" | None
    strict: bool = False  # written as > or < (scored as >= / <=)
    direction: Optional[str] = None  # "正向" | "反向" written as a word
    grade: Optional[Grade] = None
    grade_standard: bool = False  # grade phrase is one of the official wordings
    is_range: bool = False
    not_applicable: bool = False  # 不适用 / — / 无 (as a whole cell)
    placeholder: bool = False  # template placeholder such as "(≥**人)" or "指标1："
    percent_assumed: bool = False  # a bare fraction read as a percentage (0.98 -> 98%)
    when: Optional[int] = None  # a written date as a day ordinal (deadlines; not a scored value)

    @property
    def is_number(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class CellValue:
    """One cell as read: its value, where it is, and what the workbook said about it."""

    ref: str  # A1 reference
    value: Any = None  # str | float | int | bool | datetime | None
    formula: bool = False  # the cell holds a formula
    cached: bool = True  # False when a formula cell had no cached value
    error: Optional[str] = None  # "#DIV/0!" etc.
    percent_format: bool = False
    formula_text: str = ""  # the formula of a formula cell (no leading "="), where the reader kept it

    # blank and text read the value once: both are asked of most cells several times.
    @property
    def blank(self) -> bool:
        value = self.value
        if self.error is not None:
            return False
        if value is None:
            return True
        return isinstance(value, str) and not value.strip()

    @property
    def text(self) -> str:
        value = self.value
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()


_new = object.__new__


def make_cell(ref: str, value: Any = None, formula: bool = False, cached: bool = True,
              error: Optional[str] = None, percent_format: bool = False, formula_text: str = "") -> CellValue:
    """CellValue(...) without the frozen __init__, which sets each field through
    object.__setattr__ (~1 µs; this ~0.3 µs). The reader makes one per cell read; the object is
    the same in every respect (fields, equality, hash, repr)."""
    cell = _new(CellValue)
    d = cell.__dict__
    d["ref"] = ref
    d["value"] = value
    d["formula"] = formula
    d["cached"] = cached
    d["error"] = error
    d["percent_format"] = percent_format
    d["formula_text"] = formula_text
    return cell


_T = TypeVar("_T")


def fast_builder_from(cls: type[_T]) -> Callable[[Mapping[str, Any]], _T]:
    """A constructor of the frozen dataclass ``cls`` from a mapping of its fields, doing what
    make_cell does for CellValue: the fields filled in one dict update instead of one
    object.__setattr__ each (an Indicator or IndicatorScore has 16–17 fields, ~3 µs). The object
    is the same in every respect (fields in their order, equality, hash, repr, pickling); an
    unknown or a missing required field is a TypeError, as it is for the class itself. Only for
    classes without __post_init__ or default factories."""
    fields_ = dataclasses.fields(cls)  # type: ignore[arg-type]
    assert not hasattr(cls, "__post_init__")
    assert all(f.default_factory is dataclasses.MISSING for f in fields_)
    template = {f.name: f.default for f in fields_}  # every field, in order: the dict keeps it
    required = frozenset(f.name for f in fields_ if f.default is dataclasses.MISSING)
    count = len(template)

    def build(values: Mapping[str, Any]) -> _T:
        obj = _new(cls)
        d = obj.__dict__
        d.update(template)
        d.update(values)
        if len(d) != count or not required <= values.keys():
            raise TypeError(f"{cls.__name__}: unknown or missing fields")
        return obj

    return build


def fast_replace(obj: _T, **changes: Any) -> _T:
    """dataclasses.replace(obj, **changes) for an object of a class fast_builder_from accepts:
    a copy of its fields with ``changes`` applied, without the frozen __init__ (the reader
    regroups Indicator rows, 16 fields each). A name that is no field is a TypeError."""
    fields_ = obj.__dict__
    if not changes.keys() <= fields_.keys():
        raise TypeError(f"{type(obj).__name__}: unknown fields {sorted(changes.keys() - fields_.keys())}")
    new = _new(type(obj))
    d = new.__dict__
    d.update(fields_)
    d.update(changes)
    return new


def fast_builder(cls: type[_T]) -> Callable[..., _T]:
    """fast_builder_from with the fields as keyword arguments."""
    build_from = fast_builder_from(cls)

    def build(**values: Any) -> _T:
        return build_from(values)  # the keywords' dict is new: nothing else holds it

    return build


@dataclass(frozen=True)
class FundsRow:
    label: str
    kind: str  # "total" | "current_appropriation" | "carry_over" | "other" | "component" | "detail"
    initial: Optional[CellValue] = None
    full_year: Optional[CellValue] = None
    executed: Optional[CellValue] = None
    weight: Optional[CellValue] = None
    rate: Optional[CellValue] = None
    score: Optional[CellValue] = None
    label_cell: str = ""
    row: int = 0
    # The breakdown of the 年度资金总额 the row belongs to: "" for the 其中 parts of a project
    # table (当年财政拨款 / 上年结转 / 其他资金), "income" (按收入性质分: 一般公共预算, 政府性基金…)
    # or "expenditure" (按支出性质分: 基本支出, 项目支出) on a 部门整体 table. Each breakdown adds up
    # to the total on its own. Kind "detail" rows (其中：人员经费 under 基本支出) are in none of the sums.
    group: str = ""


#: FundsRow.group -> the breakdown's name when the sheet writes none.
FUNDS_GROUP_NAMES: Mapping[str, str] = {"": "其中各项", "income": "按收入性质分", "expenditure": "按支出性质分"}


@dataclass(frozen=True)
class FundsGroup:
    """A breakdown of the 年度资金总额 that a 部门整体 table names (按收入性质分 / 按支出性质分): its
    rows (FundsRow.group == key) add up to the total. ``cell`` is where its name is written
    ("" when the breakdown is known from its row names alone)."""

    key: str  # "income" | "expenditure"
    name: str
    cell: str = ""


@dataclass(frozen=True)
class SourceRow:
    """A row of a funds block written by source level (中央 / 省级 / 市级 / 县级 / 其他, and its
    合计) with the columns 计划 (下达) / 到位 / 支出 / 结余: the "rotated" block of some transfer
    and project tables. ``level`` is "central" | "provincial" | "municipal" | "county" | "other" |
    "total"."""

    row: int
    label: str
    label_cell: str
    level: str
    planned: Optional[CellValue] = None
    arrived: Optional[CellValue] = None
    spent: Optional[CellValue] = None
    balance: Optional[CellValue] = None


@dataclass(frozen=True)
class ManagementRow:
    """A row of a transfer table's 资金管理情况 block (分配科学性, 下达及时性, 拨付合规性, 使用规范性,
    执行准确性 …) read as text: what it says (情况说明), the problems it names (存在问题 / 改进措施
    column, "" when the form has none) and, where the form has them, its 分值 / 得分. ``summary``
    marks the block's overall row (总体情况 / 综合评价)."""

    row: int
    item: str
    item_cell: str
    status: str = ""
    status_cell: str = ""
    problems: str = ""
    problems_cell: str = ""
    summary: bool = False


@dataclass(frozen=True)
class TaskRow:
    """A row of a 部门整体 table's 年度主要任务 block: a task with its budget and spending, or
    the block's 合计 row (``total``)."""

    row: int
    name: str
    name_cell: str
    content: str = ""
    budget: Optional[CellValue] = None
    executed: Optional[CellValue] = None
    total: bool = False


@dataclass(frozen=True)
class Indicator:
    row: int
    level1: str
    level2: str
    name: str
    target: CellValue
    actual: CellValue
    weight: Optional[CellValue]
    score: Optional[CellValue]
    reason: Optional[CellValue]
    name_cell: str = ""
    level1_cell: str = ""
    level2_cell: str = ""
    nature: Optional[CellValue] = None  # 指标性质 column of split layouts
    unit_text: Optional[str] = None  # 度量单位 column of split layouts
    rule: Optional[CellValue] = None  # 评分标准 column of scoring (rubric) tables
    # 得分系数 column (Chongqing): the share of the 权重 the unit gives itself, in place of a 得分
    coefficient: Optional[CellValue] = None

    @property
    def entered_cell(self) -> Optional[CellValue]:
        """Where the unit entered the row's score: its 得分, else its 得分系数."""
        return self.score if self.score is not None else self.coefficient


@dataclass(frozen=True)
class Subtotal:
    """A 小计 (or group 合计) row inside the indicator table: not an indicator of its own, its
    分值/得分 repeat those of the rows it sums (checked by F9, never scored)."""

    row: int
    label: str
    label_cell: str
    rows: tuple[int, ...]  # sheet rows of the indicators it sums
    weight: Optional[CellValue] = None
    score: Optional[CellValue] = None


@dataclass(frozen=True)
class Level1Group:
    name: str  # normalised, e.g. 产出指标
    label: str  # as written, e.g. 产出指标(50分)
    cell: str
    declared_weight: Optional[float] = None


@dataclass(frozen=True)
class Project:
    sheet: str
    name: str
    name_cell: str
    department: str = ""
    implementer: str = ""
    year: Optional[int] = None
    money_unit: str = "万元"
    funds: tuple[FundsRow, ...] = ()
    funds_header_row: int = 0
    indicator_header_row: int = 0  # the (last) header row of the indicator table
    goal_expected: str = ""
    goal_actual: str = ""
    goal_cells: tuple[str, str] = ("", "")
    indicators: tuple[Indicator, ...] = ()
    groups: tuple[Level1Group, ...] = ()
    total_weight: Optional[CellValue] = None
    total_score: Optional[CellValue] = None
    total_label_cell: str = ""
    has_weight_column: bool = True
    has_score_column: bool = True
    kind: TableKind = TableKind.PROJECT
    subtotals: tuple[Subtotal, ...] = ()
    funds_groups: tuple[FundsGroup, ...] = ()  # the breakdowns a 部门整体 table names
    # Whether the funds block has a 分值 (or 执行率权重) column: without one a table whose kind
    # does not imply the funds weight scores no funds row (TableKind.funds_weight_implied).
    funds_weight_column: bool = True
    tasks: tuple[TaskRow, ...] = ()  # 年度主要任务, the 合计 row last (total=True) when written
    has_rule_column: bool = False  # a 评分标准 column: rows judged by the rubric text
    has_value_columns: bool = True  # 年度指标值 / 实际完成值 columns: rows judged by target and actual
    # What the funds columns mean: "budget" (全年预算数 / 全年执行数, rate = 执行 ÷ 预算) or
    # "allocation" (下达数 / 到位数 / 支出数 of a transfer table: initial = 下达, full_year = 到位,
    # executed = 支出, rate = 支出 ÷ 到位). ``funds_headers`` maps each column key read to its
    # header as written, for the JSON and messages.
    funds_basis: str = "budget"
    funds_headers: tuple[tuple[str, str], ...] = ()
    management: tuple[ManagementRow, ...] = ()  # 资金管理情况 (transfer tables)
    sources: tuple[SourceRow, ...] = ()  # a funds block by source level (中央/省/市/县/其他 × 计划/到位/支出/结余)


@dataclass(frozen=True)
class UnitEntry:
    name: str
    name_cell: str
    initial: Optional[CellValue] = None
    full_year: Optional[CellValue] = None
    executed: Optional[CellValue] = None
    row: int = 0


@dataclass(frozen=True)
class UnitSheet:
    sheet: str
    unit_name: str = ""
    year: Optional[int] = None
    entries: tuple[UnitEntry, ...] = ()
    total: Optional[UnitEntry] = None
    #: The list's own money unit (its 单位：元 line); "" when the sheet does not say.
    money_unit: str = ""
    #: (column key, unit) for money columns whose header names a unit (预算数（元）); these win.
    column_units: tuple[tuple[str, str], ...] = ()

    def unit_of(self, column: str, default: str = "万元") -> str:
        """The money unit the list's ``column`` (initial / full_year / executed) is written in."""
        return dict(self.column_units).get(column) or self.money_unit or default


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str
    sheet: Optional[str] = None
    cell: Optional[str] = None
    expected: Any = None
    found: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity._value_,  # .value, without the enum property's Python code
            "code": self.code,
            "sheet": self.sheet,
            "cell": self.cell,
            "message": self.message,
            "expected": self.expected,
            "found": self.found,
        }


@dataclass(frozen=True)
class WorkbookModel:
    """Everything the reader found in one workbook."""

    path: str
    projects: tuple[Project, ...] = ()
    unit: Optional[UnitSheet] = None
    findings: tuple[Finding, ...] = ()
    sheet_names: tuple[str, ...] = ()
    legacy: bool = False  # read from .xls/.ods: values only, no formulas or formats
    # Why the scored copy can carry only the values of the input (its parts cannot be copied
    # faithfully: .xls/.ods, Strict Open XML, over-long text, broken styles); "" when it can.
    values_only: str = ""
    # A scored copy sent back (read.returns): the sheets the tool added to it, by their names
    # now, and by sheet the (row, column) of the cells of its 核定得分 columns and result lines.
    # The reader ignores them; the writer leaves them out of the next copy.
    tool_sheets: tuple[str, ...] = ()
    tool_cells: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()


@dataclass(frozen=True)
class IndicatorScore:
    indicator: Indicator
    kind: Kind
    target: Quantity
    actual: Quantity
    weight: Optional[float]
    score: Optional[float]  # tool's score; None when the row is not scored
    score_entered: Optional[float]
    applicable: bool = True
    how: str = ""  # short explanation in words, e.g. "实际 40 ÷ 目标 50 × 8 = 6.40"
    ratio: Optional[float] = None  # actual / target where defined
    # Why the tool could not score the row itself ("unit_mismatch", "target_blank", "actual_blank",
    # "incomparable", "no_weight", "uncalculated"); the total then counts the entered score
    # (clamped to [0, 分值]). "manual" on a row judged by words the tool cannot evaluate (a
    # 评分标准 outside the patterns of scoring-rules.md §5.3, or one without the figure it needs):
    # only its arithmetic is checked, and the table gets no graded total.
    issue: Optional[str] = None
    grade: Optional[Grade] = None  # qualitative grade used for the row
    band: Optional[tuple[float, float]] = None  # allowed score range for qualitative rows
    # actual / target when at or above the over-achievement threshold, or for a reverse (≤) row
    # when at or below its mirror (1 / threshold): far below a ceiling needs explaining too
    over_ratio: Optional[float] = None
    completion: Optional[float] = None  # score ÷ 分值 (0–1), also for rows without a 分值
    # For a row judged by its 评分标准: the §5.3 pattern the tool evaluated ("steps", "deduction",
    # "proportional") or "manual" (left to a person); None for rows scored by target and actual.
    rubric: Optional[str] = None

    @property
    def counted(self) -> float:
        """What the row adds to the tool's total."""
        if not self.applicable:
            return 0.0
        if self.score is not None:
            return self.score
        if self.score_entered is None:
            return 0.0
        upper = self.weight if self.weight is not None else self.score_entered
        return min(max(self.score_entered, 0.0), upper)


@dataclass(frozen=True)
class FundsScore:
    budget: Optional[float]
    executed: Optional[float]
    initial: Optional[float]
    rate: Optional[float]
    weight: Optional[float]
    score: Optional[float]
    score_entered: Optional[float]
    score_cell: Optional[str]
    how: str = ""
    # Column totals recomputed from the 其中 rows (None where those rows are blank).
    parts: Optional[dict[str, Optional[float]]] = None
    excluded: bool = False  # zero budget excluded from the total (profile option)


@dataclass(frozen=True)
class ProjectScore:
    project: Project
    funds: FundsScore
    indicators: tuple[IndicatorScore, ...]
    total_weight: float
    raw: Optional[float]
    score: Optional[float]  # graded figure (rescaled / capped per profile); None if not scorable
    score_entered: Optional[float]
    grade: str
    cap: Optional[float] = None  # total cap applied for a low execution rate
    # Why the table has no graded total ("" when it has one, or nothing was scorable): e.g. rows
    # whose 评分标准 a person must judge. Shown instead of a grade.
    ungraded: str = ""


@dataclass
class WorkbookResult:
    """The result of one input file: always returned, never raised."""

    file: str
    sha256: str = ""
    status: str = "scored"  # "scored" | "failed"
    error: Optional[dict[str, str]] = None
    profile: str = "national_2020"
    model: Optional[WorkbookModel] = None
    scores: list[ProjectScore] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)


#: Indicator(...), IndicatorScore(...) … by fast_builder: one of each is made per indicator row,
#: funds row, finding or table.
new_indicator = fast_builder(Indicator)
indicator_score_from = fast_builder_from(IndicatorScore)
new_funds_row = fast_builder(FundsRow)
new_finding = fast_builder(Finding)
new_project = fast_builder(Project)
