"""A loaded rules profile, read through typed sections: ``profile.funds.scoring``, not strings.

Each section of a profile file is a frozen dataclass whose fields are the keys of that section
(rules/__init__.py's SCHEMA validates them; tests/test_rules.py checks that the two agree).
Values are kept as the file gives them, an integer where the file has one (an ``int`` is a
``float`` here), so that what reaches a finding or a message is what it always was; lists
become tuples, and the qualitative tables are keyed by Grade.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, get_args

from perf_xlsx.enums import Grade

FundsScoring = Literal["proportional", "intervals"]
ZeroBudget = Literal["error_zero", "exclude_and_rescale"]
Enforce = Literal["warn", "error", "off"]
ReverseFormula = Literal["ratio", "linear_deviation"]
EqualFormula = Literal["as_positive", "two_sided", "exact"]
BareNumber = Literal["eq", "ge"]
NegativeActual = Literal["clamp_zero"]
LateDeadline = Literal["below_full", "not_achieved"]
Deduction = Literal["none", "proportional", "fixed"]
ExplanationMode = Literal["error", "warning", "off"]


def options(choice: Any) -> tuple[str, ...]:
    """The values a Literal choice above allows, in order (for the schema's messages)."""
    return tuple(get_args(choice))


@dataclass(frozen=True)
class FundsRules:
    """[funds]: the 预算执行率 row (scoring-rules.md §2.1)."""

    weight: float
    scoring: FundsScoring
    cap_at_weight: bool
    intervals: tuple[tuple[float, float], ...]  # (minimum rate, share of the weight), highest first
    total_caps: tuple[tuple[float, float], ...]  # (rate below which, the total's cap)
    explain_below_rate: float  # 0: never asked for
    zero_budget: ZeroBudget


@dataclass(frozen=True)
class WeightsRules:
    """[weights]: the 分值 structure (W1–W5)."""

    expected: Mapping[str, float]  # 一级 name, or names joined by "+", -> its points
    total: float
    enforce: Enforce


@dataclass(frozen=True)
class IndicatorRules:
    """[indicators]: how a quantitative row is scored (§2.4–2.6)."""

    reverse_formula: ReverseFormula
    equal_formula: EqualFormula
    bare_number: BareNumber
    negative_actual: NegativeActual
    late_deadline: LateDeadline


@dataclass(frozen=True)
class QualitativeRules:
    """[qualitative]: the score band and the default share of each grade (§2.7)."""

    bands: Mapping[Grade, tuple[float, float]]  # shares of the weight, low and high
    default_share: Mapping[Grade, float]


@dataclass(frozen=True)
class OverachievementRules:
    """[overachievement]: far above a target (§2.8)."""

    explain_threshold: float  # actual / target from which an explanation is asked; 0: never
    deduction: Deduction
    deduction_points: float


@dataclass(frozen=True)
class ExplanationRules:
    """[explanations]: a blank 偏差原因 below or far over the target (§3.5)."""

    below_target: ExplanationMode
    over_target: ExplanationMode


@dataclass(frozen=True)
class NotApplicableRules:
    """[not_applicable]: rows left out of the score (§2.9)."""

    rescale_to_100: bool


@dataclass(frozen=True)
class GoalRules:
    """[goals]: goal-quality warnings."""

    vague_share: float  # above this share of unquantified targets, a project-level warning
    require_satisfaction: bool


@dataclass(frozen=True)
class GradeRules:
    """[grades]: the grade of a total score."""

    bands: tuple[tuple[float, str], ...]  # (minimum score, grade), highest first, the last at 0


@dataclass(frozen=True)
class DepartmentRules:
    """[department]: the indicator groups of 部门整体 tables (scoring-rules.md §1.3)."""

    # 一级 name -> the project table's 一级 it stands for ("产出指标" / "效益指标" / "满意度指标", "" none):
    # accepted as groups without the 产出/效益/满意度 split, and used for the missing-output checks.
    level1: Mapping[str, str]
    level2: tuple[str, ...]  # 二级 names accepted besides the project table's (W5)


@dataclass(frozen=True)
class ToleranceRules:
    """[tolerance]: how far an entered figure may be from the computed one."""

    money: float  # in the sheet's own money unit
    rate_points: float  # percentage points
    score: float


def _pairs(rows: Any) -> tuple[tuple[Any, Any], ...]:
    return tuple((a, b) for a, b in rows)


@dataclass(frozen=True)
class Profile:
    """A validated rules profile. ``data`` holds every section of SCHEMA, fully merged (what an
    exported file and a comparison with a built-in profile use); the sections below are the
    same values, typed."""

    name: str
    title: str
    source: str  # built-in name or file path
    data: dict[str, dict[str, Any]]
    funds: FundsRules = field(init=False, repr=False, compare=False)
    weights: WeightsRules = field(init=False, repr=False, compare=False)
    indicators: IndicatorRules = field(init=False, repr=False, compare=False)
    qualitative: QualitativeRules = field(init=False, repr=False, compare=False)
    overachievement: OverachievementRules = field(init=False, repr=False, compare=False)
    explanations: ExplanationRules = field(init=False, repr=False, compare=False)
    not_applicable: NotApplicableRules = field(init=False, repr=False, compare=False)
    goals: GoalRules = field(init=False, repr=False, compare=False)
    grades: GradeRules = field(init=False, repr=False, compare=False)
    department: DepartmentRules = field(init=False, repr=False, compare=False)
    tolerance: ToleranceRules = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        d = self.data
        f, q = d["funds"], d["qualitative"]
        sections = {
            "funds": FundsRules(
                weight=f["weight"], scoring=f["scoring"], cap_at_weight=f["cap_at_weight"],
                intervals=_pairs(f["intervals"]), total_caps=_pairs(f["total_caps"]),
                explain_below_rate=f["explain_below_rate"], zero_budget=f["zero_budget"]),
            "weights": WeightsRules(**d["weights"]),
            "indicators": IndicatorRules(**d["indicators"]),
            "qualitative": QualitativeRules(
                bands={g: (q["bands"][g.value][0], q["bands"][g.value][1]) for g in Grade},
                default_share={g: q["default_share"][g.value] for g in Grade}),
            "overachievement": OverachievementRules(**d["overachievement"]),
            "explanations": ExplanationRules(**d["explanations"]),
            "not_applicable": NotApplicableRules(**d["not_applicable"]),
            "goals": GoalRules(**d["goals"]),
            "grades": GradeRules(bands=tuple((float(m), str(g)) for m, g in d["grades"]["bands"])),
            "department": DepartmentRules(level1=dict(d["department"]["level1"]),
                                          level2=tuple(d["department"]["level2"])),
            "tolerance": ToleranceRules(**d["tolerance"]),
        }
        for name, section in sections.items():
            object.__setattr__(self, name, section)  # frozen: set once, here

    @property
    def funds_weight(self) -> float:
        return float(self.funds.weight)

    @property
    def grade_bands(self) -> list[tuple[float, str]]:
        return list(self.grades.bands)

    def grade_for(self, score: float) -> str:
        bands = self.grades.bands
        for minimum, grade in bands:
            if score >= minimum:
                return grade
        return bands[-1][1]
