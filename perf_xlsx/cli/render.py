"""What the commands print: the findings and totals of one workbook (check, score), the
summary of a batch, and the batch's progress on stderr."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from perf_xlsx.bulk.extras import RosterStatus
    from perf_xlsx.bulk.report import BatchReport
    from perf_xlsx.model import ProjectScore, WorkbookResult
    from perf_xlsx.rules import Profile

# The judge layer is imported inside the functions that print one workbook: `perf-xlsx batch`
# imports this module too, and an unchanged rerun must not pay for importing the judge.


def _met_counts(ps: ProjectScore) -> str:
    """"（达成 6，未达成 1）" for a table judged without scores: how many targets were met."""
    from perf_xlsx.judge.scoring import target_met

    judged = [m for m in map(target_met, ps.indicators) if m is not None]
    return f"（达成 {sum(judged)}，未达成 {len(judged) - sum(judged)}）" if judged else ""


def render_check(result: WorkbookResult, profile: Profile) -> str:
    """What check and score print for one workbook: each table's totals, then every finding
    with its place (sheet!cell) and severity."""
    from perf_xlsx.judge.numbers import fmt
    from perf_xlsx.model import Severity

    lines = [f"文件：{result.file}", f"规则：{profile.name}（{profile.title}）"]
    if result.status != "scored":
        assert result.error is not None
        lines.append(f"无法评分：{result.error['message']}")
        return "\n".join(lines)
    for ps in result.scores:
        p, f = ps.project, ps.funds
        lines.append("")
        lines.append(f"{p.kind.label}：{p.name}（工作表「{p.sheet}」）" + (f"  {p.year} 年度" if p.year else ""))
        rate = f"{fmt(f.rate * 100)}%" if f.rate is not None else "—"
        spent = ("到位", "支出") if p.funds_basis == "allocation" else ("预算", "执行")
        money = f"  {spent[0]} {fmt(f.budget)} 万元  {spent[1]} {fmt(f.executed)} 万元  执行率 {rate}"
        if not p.funds and f.weight is None:
            lines.append("  未找到资金表")
        elif f.weight is None and f.score is None:
            lines.append(f"{money}（资金表无分值栏，不单独计分）")
        else:
            lines.append(f"{money}  资金得分 {fmt(f.score)}/{fmt(f.weight)}")
        rubric = [r for r in ps.indicators if r.rubric is not None and r.applicable]
        if rubric:
            manual = sum(1 for r in rubric if r.issue == "manual")
            lines.append(f"  评分标准 {len(rubric)} 行：{len(rubric) - manual} 行按规则核定，{manual} 行人工复核")
        entered = f"（自评 {fmt(ps.score_entered)}）" if ps.score_entered is not None else ""
        rescaled = ""
        if ps.raw is not None and ps.score is not None and ps.raw != ps.score:
            rescaled = f"（原始合计 {fmt(ps.raw)}，分值合计 {fmt(ps.total_weight)}）"
            if ps.cap is not None:
                rescaled = f"（执行率偏低，总分封顶 {fmt(ps.cap)}）"
        if ps.score is None and ps.ungraded:
            met = _met_counts(ps) if not p.kind.weights_required else ""
            lines.append(f"  指标 {len(ps.indicators)} 项{met}  总分 —{entered}  未定级：{ps.ungraded}")
            continue
        lines.append(f"  指标 {len(ps.indicators)} 项  总分 {fmt(ps.score)}{rescaled}{entered}  等级 {ps.grade or '—'}")
    errors = sum(1 for x in result.findings if x.severity is Severity.ERROR)
    warnings = sum(1 for x in result.findings if x.severity is Severity.WARNING)
    infos = len(result.findings) - errors - warnings
    lines.append("")
    if not result.findings:
        lines.append("未发现问题。")
        return "\n".join(lines)
    lines.append(f"问题：错误 {errors}，警告 {warnings}，提示 {infos}")
    for x in result.findings:
        place = f"{x.sheet}!{x.cell}" if x.sheet and x.cell else (x.sheet or "（整个文件）")
        lines.append(f"  {place}  {x.severity.label}  {x.message}")
    return "\n".join(lines)


def render_batch(report: BatchReport, profile: Profile) -> str:
    """What batch prints at the end: file and project counts, grades, the first failures and
    where the outputs are (or that the run was interrupted)."""
    grades = report.grades
    projects = report.projects
    errors = sum(o.errors for o in report.outcomes)
    warnings = sum(o.warnings for o in report.outcomes)
    lines = [
        f"规则：{profile.name}（{profile.title}）",
        f"文件：共 {len(report.outcomes)} 个 —— 已评分 {report.count('scored')}，已跳过 {report.count('skipped')}，"
        f"失败 {report.count('failed')}（用时 {report.elapsed:.1f} 秒）",
        f"表格：{projects} 个 —— " + "，".join(f"{g} {grades.get(g, 0)}" for _, g in profile.grades.bands)
        + (f"，未评级 {grades['未评级']}" if grades.get("未评级") else ""),
        f"问题：错误 {errors}，警告 {warnings}",
    ]
    if report.reused:
        fresh = set(report.fresh)
        # Files opened in this run but skipped (the tool's own untouched outputs) were not scored.
        scored_now = sum(1 for o in report.outcomes if o.path in fresh and o.status != "skipped")
        lines.append(f"增量：沿用上次的结果 {report.reused} 个，本次评分 {scored_now} 个（--full 可全部重新评分）")
    if report.withdrawn:
        lines.append(f"已撤回：{len(report.withdrawn)} 个文件已从收件文件夹删除，其评分结果已移到 已撤回/："
                     + "、".join(report.withdrawn[:5]) + ("……" if len(report.withdrawn) > 5 else ""))
    extras = report.extras
    if extras is not None and extras.duplicates:
        lines.append(f"重复提交：{len(extras.duplicates)} 项（同一单位、项目、年度或内容相同的文件），"
                     "汇总.xlsx 只排名最新的一份，其余列在「重复提交」")
    if extras is not None and extras.roster is not None:
        lines.extend(render_roster(extras.roster))
    if extras is not None and (extras.reports or extras.feedback or report.draft_failures):
        made = []
        if extras.reports:
            made.append(f"自评报告 {len(extras.reports)} 份（放在各评分结果旁）")
        if extras.feedback:
            made.append(f"整改反馈单 {len(set(extras.feedback.values()))} 份（反馈/）")
        lines.append("初稿：" + ("，".join(made) or "无") + "；汇总.xlsx「排名」中有链接")
        for rel, finding in list(report.draft_failures.items())[:10]:
            lines.append(f"  未能起草  {rel}：{finding.get('message', '')}")
    failed = [o for o in report.outcomes if o.status == "failed"]
    for o in failed[:10]:
        lines.append(f"  失败  {o.path}：{o.reason}")
    if len(failed) > 10:
        lines.append(f"  ……另有 {len(failed) - 10} 个失败文件，见 汇总.xlsx「未处理文件」")
    for message in report.output_errors:
        lines.append(f"未能写出：{message}")
    if report.interrupted:
        lines.append(f"已中断：已完成的文件已记入状态文件，汇总.xlsx 与 results.jsonl 只含已完成的文件；"
                     f"再次运行同一命令将继续评分其余 {report.unfinished} 个。")
    else:
        lines.append(f"输出：{report.outdir}（汇总.xlsx、results.jsonl、skipped.jsonl（跳过的文件）、"
                     "每个文件的 *.scored.xlsx）")
    return "\n".join(lines)


def render_roster(status: RosterStatus) -> list[str]:
    """应交 / 已交 / 未交, the missing units, and the names a person should confirm."""
    lines = [f"名单：{status.counts()}"]
    if status.missing:
        lines.append("  未交：" + "、".join(status.missing[:20]) + ("……（见 汇总.xlsx「未提交」）"
                                                                if len(status.missing) > 20 else ""))
    for near in status.near_misses[:20]:
        lines.append(f"  请确认：名单中的「{near.roster_name}」是否就是提交的「{near.submitted_name}」（{near.path}）")
    if status.missing_projects:
        lines.append(f"  名单列出但未收到的项目 {len(status.missing_projects)} 个（见 汇总.xlsx「未提交」）")
    return lines


class BatchProgress:
    """Files done / total, current file, elapsed and ETA on stderr; plain lines when not a TTY."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None
        self.last_plain = 0.0

    def __enter__(self) -> BatchProgress:
        if self.tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("评分"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("剩余"), TimeRemainingColumn(), TextColumn("{task.description}"),
                                console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("", total=None)
        return self

    def update(self, done: int, total: int, current: str) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, total=total, description=current[-40:])
            return
        now = time.monotonic()
        if current and (done == total or now - self.last_plain >= 2.0):
            self.last_plain = now
            click.echo(f"[{done}/{total}] {current}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["BatchProgress", "render_batch", "render_check", "render_roster"]
