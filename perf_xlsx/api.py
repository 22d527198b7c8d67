"""The Python API for analysts: evaluate one workbook, score a folder, write the template.

These are thin, typed wrappers over the library functions the command line uses
(``evaluate_file``, ``write_scored``, ``run_batch``, ``write_template``), with the defaults a
Python user expects: ``rules`` may be a built-in profile name, a path to a TOML file or a
:class:`~perf_xlsx.rules.Profile`, and paths may be ``str`` or ``os.PathLike``.

Why a subclass for the result. ``result.score_workbook(out)`` needs the input path and the
profile, and writing lives in the write layer, above the model: ``WorkbookResult`` (model)
must not import it. So :class:`Evaluation` is a ``WorkbookResult`` subclass defined here, in
the api layer (above write and batch), that also carries ``path`` and ``rules``. Being a
``WorkbookResult``, it goes wherever one goes (``result_to_dict``, ``write_scored``,
``perf_xlsx.frames``) and has the same fields; a function-only design
(``score_workbook(result, path, profile, out)``) would make the caller carry the two values
the result already knows.

Data problems never raise here, as everywhere in the tool: a workbook that cannot be read is
an ``Evaluation`` with ``status == "failed"``. What raises is a caller's mistake: a path that
does not exist (``FileNotFoundError``), an unknown or invalid rules profile (``RulesError``),
writing the scored copy of a failed workbook or onto its input (``WriteError``).

The write and batch layers are imported when first used, not with this module: the package
root imports this module, and every ``perf-xlsx check`` imports the package root first.
"""

from __future__ import annotations

import datetime
import errno
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from perf_xlsx.judge.evaluate import evaluate_file
from perf_xlsx.model import WorkbookResult
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import DEFAULT_PROFILE, Profile, load_profile

if TYPE_CHECKING:
    from perf_xlsx.bulk.report import BatchReport

__all__ = ["Evaluation", "PathArg", "RulesArg", "batch", "evaluate", "resolve_rules", "scored_path",
           "template"]

#: A file or folder: ``str`` or any ``os.PathLike`` (``pathlib.Path``).
PathArg = Union[str, "os.PathLike[str]"]
#: A rules profile: a built-in name (``"national_2020"``), a path to a TOML file, or a Profile.
RulesArg = Union[str, "os.PathLike[str]", Profile]


def resolve_rules(rules: Optional[RulesArg] = None) -> Profile:
    """The :class:`Profile` that ``rules`` names (``None``: the default, national_2020).

    Raises ``RulesError`` (a ``ValueError``; Chinese message naming the key or file).
    """
    if isinstance(rules, Profile):
        return rules
    return load_profile(None if rules is None else os.fsdecode(rules))


def scored_path(path: PathArg) -> Path:
    """Where ``perf-xlsx score FILE`` puts the scored copy: ``<stem>.scored.xlsx`` beside FILE."""
    source = Path(os.fsdecode(path))
    return source.with_name(source.stem + ".scored.xlsx")


@dataclass(repr=False)
class Evaluation(WorkbookResult):
    """A :class:`~perf_xlsx.model.WorkbookResult` that knows its input and its profile.

    ``path`` is the file that was read (``file`` is the name the result shows, by default the
    same); ``rules`` is the :class:`Profile` it was scored by (``profile`` holds its name, as
    in the JSON result).
    """

    path: str = ""
    rules: Profile = field(default_factory=load_profile)

    def __post_init__(self) -> None:
        if not self.path:
            self.path = self.file

    @classmethod
    def of(cls, result: WorkbookResult, path: PathArg, rules: Profile) -> Evaluation:
        """``result`` (its fields shared, not copied) with its input path and profile."""
        values = {f.name: getattr(result, f.name) for f in fields(WorkbookResult)}
        return cls(**values, path=os.fsdecode(path), rules=rules)

    def score_workbook(self, out: Optional[PathArg] = None) -> Path:
        """Write the scored copy (as ``perf-xlsx score``) and return its path.

        ``out`` defaults to ``<stem>.scored.xlsx`` beside the input; an existing file there is
        replaced (atomically: written to a temporary name, then renamed). The input is only
        read. Raises ``WriteError`` (Chinese message) when the workbook was not scored
        (``status == "failed"``), when ``out`` is the input itself, or when writing fails.
        """
        from perf_xlsx.read.legacy import as_xlsx
        from perf_xlsx.write.scored import WriteError, write_scored

        target = Path(os.fsdecode(out)) if out is not None else scored_path(self.path)
        # .xls/.ods inputs are written from a temporary .xlsx, so the writer's own check that
        # the output is not the input would compare against that temporary file.
        if os.path.realpath(target) == os.path.realpath(self.path):
            raise WriteError(f"不能把评分结果写到输入文件本身：{target}")
        with as_xlsx(self.path, self.model) as source:
            write_scored(source, self, str(target), self.rules)
        return target

    def to_dict(self) -> dict[str, Any]:
        """The ``perf_xlsx.result/1`` JSON object (interfaces.md §2), as ``--json`` writes it."""
        return result_to_dict(self)

    def __repr__(self) -> str:
        # The dataclass repr would print the whole model: one line is what a notebook needs.
        return (f"Evaluation({self.file!r}, status={self.status!r}, profile={self.profile!r}, "
                f"projects={len(self.scores)}, errors={self.errors}, warnings={self.warnings})")


def evaluate(path: PathArg, rules: RulesArg = DEFAULT_PROFILE, *, name: Optional[str] = None) -> Evaluation:
    """Read, check and score one workbook (.xlsx/.xlsm, or .xls/.ods by their values).

    ``rules``: a built-in profile name, a path to a TOML profile, or a Profile. ``name`` is
    what the result calls the file (its ``file``; default: ``path`` as given).

    A workbook that cannot be read or holds no 自评表 is returned with ``status == "failed"``
    and ``error`` set; only a missing path raises (``FileNotFoundError``, ``IsADirectoryError``).
    """
    source = os.fsdecode(path)
    if os.path.isdir(source):
        raise IsADirectoryError(errno.EISDIR, "这是文件夹，不是工作簿（整个文件夹请用 perf_xlsx.batch）",
                                source)
    if not os.path.exists(source):
        raise FileNotFoundError(errno.ENOENT, "找不到文件", source)
    profile = resolve_rules(rules)
    return Evaluation.of(evaluate_file(source, profile, display_name=name), source, profile)


def _batch_rules(rules: RulesArg) -> str:
    """What the batch workers load the profile from: they are separate processes and load
    it by name or file themselves, so a Profile must be one that its ``source`` reproduces."""
    if not isinstance(rules, Profile):
        return os.fsdecode(rules)
    try:
        same = load_profile(rules.source) == rules
    except ValueError:  # RulesError: the file moved or no longer loads
        same = False
    if not same:
        raise ValueError(f"批量评分的工作进程按名称或文件重新载入规则，而规则 {rules.name} "
                         f"与其来源 {rules.source} 的内容不同（或来源已无法读取）："
                         "请把规则保存为 .toml 文件后传入其路径")
    return rules.source


def batch(folder: PathArg, out: Optional[PathArg] = None, *, jobs: Optional[int] = None,
          rules: RulesArg = DEFAULT_PROFILE, recursive: bool = False,
          progress: Optional[Callable[[int, int, str], None]] = None, full: bool = False,
          roster: Optional[PathArg] = None, title: Optional[str] = None, reports: bool = False,
          feedback: bool = False) -> BatchReport:
    """Score every workbook in ``folder``, as ``perf-xlsx batch``; return the BatchReport.

    Writes into ``out`` (default ``folder/评分结果``): one ``*.scored.xlsx`` per input,
    ``results.jsonl``, ``skipped.jsonl`` and ``汇总.xlsx``. ``jobs``: worker processes
    (default: the number of CPUs); ``progress(done, total, current_file)`` is called as files
    finish. A file that cannot be read is a ``failed`` line, never an exception; ``BatchError``
    is raised only when the batch cannot start (no such folder, another run on ``out``).

    As the command: one level of subfolders is scanned (``recursive=True``: all); a rerun into
    the same ``out`` scores only new or changed files (``full=True``: all); ``roster`` (a
    .xlsx/.csv list of units) adds 应交/已交/未交; ``title`` heads 汇总's 排名; ``reports`` /
    ``feedback`` draft the 自评报告 per file and the 整改反馈单 per unit (.docx).
    """
    from perf_xlsx.bulk.run import run_batch

    return run_batch(os.fsdecode(folder), None if out is None else os.fsdecode(out), jobs=jobs,
                     recursive=recursive, rules=_batch_rules(rules), progress=progress, full=full,
                     roster=None if roster is None else os.fsdecode(roster), title=title, reports=reports,
                     feedback=feedback)


def template(path: PathArg, year: Optional[int] = None, *, projects: int = 1, example: bool = False,
             rules: RulesArg = DEFAULT_PROFILE, overwrite: bool = False) -> Path:
    """Write the standard 自评表 template (as ``perf-xlsx template``) and return its path.

    ``year`` defaults to last year; ``projects`` is the number of project sheets (1–50);
    ``example=True`` writes the filled 2021 example instead (``year`` and ``projects`` are then
    not used). The 填报说明 sheet is written from ``rules``. An existing file is not replaced
    unless ``overwrite=True`` (``FileExistsError``): it may be a table someone has filled in.
    Raises ``ValueError`` for a year outside 2000–2100 or ``projects`` outside 1–50.
    """
    from perf_xlsx.write.template import write_template

    target = Path(os.fsdecode(path))
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "文件已存在（可能是已填写的表；要覆盖请传 overwrite=True）",
                              str(target))
    profile = resolve_rules(rules)
    last_year = datetime.date.today().year - 1
    write_template(str(target), year=last_year if year is None else year, projects=projects,
                   example=example, profile=profile)
    return target
