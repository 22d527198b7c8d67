"""The `perf-xlsx` command line: options in, library calls, exit codes out."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

import click

from perf_xlsx.judge.evaluate import evaluate_file, exit_code
from perf_xlsx.judge.numbers import fmt
from perf_xlsx.model import Severity, WorkbookResult
from perf_xlsx.results import result_to_dict
from perf_xlsx.rules import (
    DEFAULT_PROFILE,
    Profile,
    RulesError,
    builtin_names,
    load_profile,
    profile_text,
)

# The names are space-separated so that the help page wraps between them, not inside one.
RULES_HELP = f"评分规则：内置规则名或 .toml 文件路径，默认 {DEFAULT_PROFILE}；内置规则：{' '.join(builtin_names())}"


# --- click, in Chinese -------------------------------------------------------------------
# Finance officers read every line this tool prints (interfaces §1), click's usage errors and
# help pages included. click writes English in a few known places: the usage prefix (the help
# formatter), the section titles (format_options / format_commands), the help option's text,
# the metavars "[OPTIONS]" / "COMMAND [ARGS]...", its parameter types' complaints and its
# exceptions' messages. The classes below replace each of those at its source, and
# ChineseCommand.main reports click's exceptions itself, from their attributes (param,
# option_name, possibilities), rather than translating click's English text.

USAGE_PREFIX = "用法："
HELP_OPTION_HELP = "显示本帮助并退出。"


class ChineseHelpFormatter(click.HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: Optional[str] = None) -> None:
        super().write_usage(prog, args, USAGE_PREFIX if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        # Full-width colon, as in 用法： — click writes "Options:".
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class ChineseContext(click.Context):
    formatter_class = ChineseHelpFormatter


class Integer(click.ParamType):
    """An integer, optionally within lo..hi; click.INT and click.IntRange complain in English.

    The range is not shown by click (it only shows click.IntRange's), so say it in the help text.
    """

    name = "整数"

    def __init__(self, lo: Optional[int] = None, hi: Optional[int] = None) -> None:
        self.lo = lo
        self.hi = hi

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value  # a default, already converted
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"“{value}”不是整数", param, ctx)
        if self.lo is not None and self.hi is not None and not self.lo <= number <= self.hi:
            self.fail(f"{number} 超出范围，应为 {self.lo}–{self.hi} 之间的整数", param, ctx)
        if self.lo is not None and number < self.lo:
            self.fail(f"{number} 超出范围，应不小于 {self.lo}", param, ctx)
        if self.hi is not None and number > self.hi:
            self.fail(f"{number} 超出范围，应不大于 {self.hi}", param, ctx)
        return number


def _param_name(param: Optional[click.Parameter], hint: Any = None) -> str:
    """How the user typed (or should type) the parameter: --jobs, FILE."""
    if hint:
        return " / ".join(hint) if isinstance(hint, (list, tuple)) else str(hint)
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    if param is not None:
        return param.human_readable_name  # an argument: its metavar, FILE / DIR
    return "参数"


def _param_kind(param: Optional[click.Parameter]) -> str:
    return "选项" if isinstance(param, click.Option) else "参数"


def _suggest(possibilities: Optional[Sequence[str]]) -> str:
    return f"；是否想用 {' 或 '.join(sorted(possibilities))}？" if possibilities else ""


# click ≥ 8.2 raises these; older versions print the help and exit 0, or call ctx.fail.
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", None)
_NO_SUCH_COMMAND = getattr(click.exceptions, "NoSuchCommand", None)


def usage_message(exc: click.UsageError) -> str:
    """The Chinese message of a usage error, naming the option, argument or command at fault."""
    if isinstance(exc, click.MissingParameter):
        return f"缺少{_param_kind(exc.param)} {_param_name(exc.param, exc.param_hint)}"
    if isinstance(exc, click.BadParameter):
        # The reason comes from this module's parameter types (Integer) or callers: Chinese.
        return f"{_param_kind(exc.param)} {_param_name(exc.param, exc.param_hint)} 的值无效：{exc.message}"
    if isinstance(exc, click.NoSuchOption):
        return f"没有 {exc.option_name} 这个选项{_suggest(exc.possibilities)}"
    if isinstance(exc, click.BadOptionUsage):
        # click raises it for a flag given a value and for an option given none.
        command = exc.ctx.command if exc.ctx is not None else None
        params = command.params if command is not None else []
        option = next((p for p in params if isinstance(p, click.Option)
                       and exc.option_name in (*p.opts, *p.secondary_opts)), None)
        if option is not None and option.is_flag:
            return f"选项 {exc.option_name} 不带值"
        return f"选项 {exc.option_name} 后面缺少值"
    if _NO_SUCH_COMMAND is not None and isinstance(exc, _NO_SUCH_COMMAND):
        # Only reached for names ChineseGroup.resolve_command leaves to click (option-like ones).
        return f"没有 {exc.command_name} 这个命令{_suggest(exc.possibilities)}"
    return exc.message  # raised by this module: already Chinese


def _show_usage_error(exc: click.UsageError) -> None:
    lines = []
    ctx = exc.ctx
    if ctx is not None:
        lines.append(ctx.get_usage())
        if ctx.help_option_names and ctx.command.add_help_option:
            flag = "--help" if "--help" in ctx.help_option_names else ctx.help_option_names[0]
            lines.append(f"运行 {ctx.command_path} {flag} 查看帮助。")
        lines.append("")
    lines.append(f"错误：{usage_message(exc)}")
    click.echo("\n".join(lines), err=True)


class ChineseCommand(click.Command):
    """A click command whose help page and usage errors are Chinese (see above)."""

    context_class = ChineseContext

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> Optional[click.Option]:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION_HELP
        return option

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        records = [record for param in self.get_params(ctx) if (record := param.get_help_record(ctx)) is not None]
        if records:
            with formatter.section("选项"):
                formatter.write_dl(records)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # click rejects extra arguments with an English ctx.fail(): let them through, then
        # reject them here. A group allows extra arguments (its subcommand's), so is unaffected.
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        except click.UsageError as exc:
            # click's parser raises BadOptionUsage without a context; the message needs the
            # command (to tell a flag from an option that takes a value) and its usage line.
            if exc.ctx is None:
                exc.ctx = ctx
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise click.UsageError(f"多余的参数：{' '.join(rest)}", ctx=ctx)
        return rest

    def main(self, args: Optional[Sequence[str]] = None, prog_name: Optional[str] = None,
             complete_var: Optional[str] = None, standalone_mode: bool = True, **extra: Any) -> Any:
        """click's standalone mode, with its messages in Chinese.

        click's own standalone mode prints "Error: …", "Usage: …", "Aborted!"; so click is run
        with standalone_mode=False, which raises those exceptions here instead. Exit codes are
        click's: 2 for a usage error, 1 for an interruption (Ctrl-C), 0 otherwise unless the
        command exits itself. A broken pipe is still handled by click.
        """
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            if _NO_ARGS_IS_HELP is not None and isinstance(exc, _NO_ARGS_IS_HELP):
                click.echo(exc.ctx.get_help() if exc.ctx is not None else exc.message, err=True)
            else:
                _show_usage_error(exc)
            sys.exit(exc.exit_code)
        except click.FileError as exc:  # not raised by these commands today; kept Chinese if ever
            click.echo(f"错误：无法打开文件 {exc.ui_filename}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            # click has already ended the interrupted line on stderr.
            click.echo("已中断。", err=True)
            sys.exit(1)
        # standalone_mode=False returns the code of ctx.exit() (--help, --version) or the
        # command's return value (None here: commands that set a code call sys.exit).
        sys.exit(rv if isinstance(rv, int) else 0)


class ChineseGroup(ChineseCommand, click.Group):
    """The command group: ChineseCommand plus a Chinese 命令 section and unknown-command error."""

    command_class = ChineseCommand

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("subcommand_metavar", "命令 [参数]...")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)  # ChineseCommand's: the 选项 section
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = [(name, cmd) for name in self.list_commands(ctx)
                    if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _ in commands)
            with formatter.section("命令"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in commands])

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        name = args[0]
        # A name that looks like an option is left to click: it reports it as an unknown option.
        if (name[:1].isalnum() and self.get_command(ctx, name) is None and ctx.token_normalize_func is None
                and not ctx.resilient_parsing):
            names = self.list_commands(ctx)
            close = difflib.get_close_matches(name, names)
            hint = _suggest(close) if close else f"；可用的命令：{'、'.join(names)}"
            raise click.UsageError(f"没有 {name} 这个命令{hint}", ctx=ctx)
        return super().resolve_command(ctx, args)


def _profile(spec: Optional[str]) -> Profile:
    try:
        return load_profile(spec)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from None


def _refuse_overwrite(path: str, force: bool, what: str) -> None:
    """An existing output file may hold the user's own work: replace it only with --force."""
    if Path(path).exists() and not force:
        raise click.UsageError(f"{path} 已存在（可能是{what}），如确需覆盖请加 --force")


def _existing_folder(path: str) -> str:
    # A missing folder is reported by run_batch; a file given for DIR is a usage mistake.
    if Path(path).is_file():
        raise click.UsageError(f"{path} 是文件，不是文件夹；评分单个文件请用 perf-xlsx score")
    return path


def _existing_file(path: str) -> str:
    p = Path(path)
    if not p.exists():
        raise click.UsageError(f"找不到文件：{path}")
    if p.is_dir():
        raise click.UsageError(f"{path} 是文件夹；评分整个文件夹请用 perf-xlsx batch")
    return path


rules_option = click.option("--rules", "rules", metavar="RULES", default=None, help=RULES_HELP)


# name= so that usage lines say perf-xlsx however the group is invoked (CliRunner too).
@click.group(name="perf-xlsx", cls=ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="perf-xlsx", message="%(prog)s 版本 %(version)s", help="显示版本号并退出。")
def cli() -> None:
    """perf-xlsx：检查并评分预算绩效自评表（项目支出绩效自评表）。"""


@cli.command()
@click.option("-o", "--output", "output", default=None, metavar="PATH",
              help="保存路径（默认：项目支出绩效自评表.xlsx；--example 时为 项目支出绩效自评表（示例）.xlsx）")
@click.option("--year", type=Integer(), default=None, metavar="YYYY", help="年度（默认：上一年）")
@click.option("--projects", type=Integer(1, 50), default=1, metavar="N", help="项目工作表个数，1–50（默认 1）")
@click.option("--example", is_flag=True, help="写出已填好的示例（2021 年芙蓉区商务局，两个项目）")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
@rules_option
def template(output: Optional[str], year: Optional[int], projects: int, example: bool, force: bool,
             rules: Optional[str]) -> None:
    """写出标准的项目支出绩效自评表模板（含填报说明、项目清单、下拉选项与公式）。"""
    import datetime

    from perf_xlsx.write.template import DEFAULT_FILENAME, write_template

    profile = _profile(rules)
    path = output or (DEFAULT_FILENAME.replace(".xlsx", "（示例）.xlsx") if example else DEFAULT_FILENAME)
    _refuse_overwrite(path, force, "已填写的表")
    try:
        write_template(path, year=year or datetime.date.today().year - 1, projects=projects,
                       example=example, profile=profile)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        click.echo(f"错误：无法写入 {path}：{exc.strerror or exc}", err=True)
        sys.exit(2)
    click.echo(f"已写出：{path}（规则：{profile.name}）")


@cli.command()
@click.argument("file")  # checked by _existing_file: click.Path's complaints are English
@rules_option
def check(file: str, rules: Optional[str]) -> None:
    """预检：读取、核对并评分 FILE，打印问题清单，不写任何文件。"""
    profile = _profile(rules)
    result = evaluate_file(_existing_file(file), profile, display_name=file)
    click.echo(render_check(result, profile))
    sys.exit(exit_code(result))


@cli.command()
@click.argument("file")  # checked by _existing_file
@click.option("-o", "--output", "output", default=None, metavar="OUT",
              help="评分后工作簿的保存路径（默认：与 FILE 同目录的 <文件名>.scored.xlsx）")
@click.option("--json", "json_path", default=None, metavar="PATH",
              help="同时写出 JSON 结果（perf_xlsx.result/1）；PATH 为 - 时写到标准输出")
@rules_option
def score(file: str, output: Optional[str], json_path: Optional[str], rules: Optional[str]) -> None:
    """评分 FILE：写出评分后的工作簿（含 评分明细 与 汇总），可选 JSON 结果。"""
    profile = _profile(rules)
    result = evaluate_file(_existing_file(file), profile, display_name=file)
    if json_path is not None:
        _write_json(result_to_dict(result), json_path)
    out_path = _write_scored(result, file, output, profile)
    if json_path != "-":
        click.echo(render_check(result, profile))
        if out_path:
            click.echo(f"\n已写出：{out_path}")
    sys.exit(exit_code(result))


def _write_scored(result: WorkbookResult, file: str, output: Optional[str], profile: Profile) -> Optional[str]:
    if result.status != "scored":
        return None
    try:
        from perf_xlsx.write.scored import WriteError, write_scored
    except ImportError:  # pragma: no cover - the writer ships with the package
        return None
    target = output or str(Path(file).with_name(Path(file).stem + ".scored.xlsx"))
    if Path(target).resolve() == Path(file).resolve():
        click.echo("错误：输出文件不能是输入文件本身（输入文件从不被改写），请用 -o 指定其他文件名", err=True)
        sys.exit(2)
    from perf_xlsx.read.legacy import as_xlsx

    try:
        with as_xlsx(file, result.model) as source:
            write_scored(source, result, target, profile)
    except WriteError as exc:
        click.echo(f"错误：{exc}", err=True)
        sys.exit(2)
    return target


def _write_json(data: dict[str, Any], path: str) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if path == "-":
        # JSON is UTF-8 whatever the console's encoding: programs read it, not people.
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    from perf_xlsx.fileutil import atomic_write_bytes

    try:
        atomic_write_bytes(path, text.encode("utf-8"))
    except OSError as exc:
        click.echo(f"错误：无法写入 {path}：{exc.strerror or exc}", err=True)
        sys.exit(2)


@cli.command()
@click.option("--profile", "profile_name", default=DEFAULT_PROFILE, metavar="NAME",
              help=f"内置规则名或 .toml 文件路径（默认 {DEFAULT_PROFILE}）")
@click.option("-o", "--output", "output", default=None, metavar="PATH", help="写到文件（默认打印）")
@click.option("--force", is_flag=True, help="目标文件已存在时覆盖")
@click.option("--list", "list_only", is_flag=True, help="列出内置规则")
def rules(profile_name: str, output: Optional[str], force: bool, list_only: bool) -> None:
    """打印或导出评分规则（TOML），修改后可用 --rules 文件路径 使用。"""
    if list_only:
        for name in builtin_names():
            click.echo(f"{name}\t{load_profile(name).title}")
        return
    try:
        load_profile(profile_name)  # validate before exporting
        text = profile_text(profile_name)
    except RulesError as exc:
        raise click.UsageError(str(exc)) from None
    if output:
        from perf_xlsx.fileutil import atomic_write_bytes

        # An exported profile is meant to be edited (本省规则.toml): never replace one silently.
        _refuse_overwrite(output, force, "已修改的规则")
        try:
            atomic_write_bytes(output, text.encode("utf-8"))
        except OSError as exc:
            click.echo(f"错误：无法写入 {output}：{exc.strerror or exc}", err=True)
            sys.exit(2)
        click.echo(f"已写出：{output}")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("folder", metavar="DIR")  # checked by _existing_folder and run_batch
@click.option("-o", "--output", "outdir", default=None, metavar="OUTDIR",
              help="输出文件夹（默认：DIR/评分结果/，扫描时排除）")
@click.option("--jobs", "jobs", type=Integer(1, 64), default=None, metavar="N",
              help="并行进程数，1–64（默认：CPU 核数）；结果与进程数无关")
@click.option("--recursive", is_flag=True, help="也扫描子文件夹")
@rules_option
def batch(folder: str, outdir: Optional[str], jobs: Optional[int], recursive: bool, rules: Optional[str]) -> None:
    """评分文件夹 DIR 中的全部工作簿：每个文件一份评分结果，另有 汇总.xlsx 与 results.jsonl。"""
    from perf_xlsx.batch.report import BatchError
    from perf_xlsx.batch.run import run_batch

    profile = _profile(rules)
    with _Progress() as progress:
        try:
            report = run_batch(_existing_folder(folder), outdir, jobs=jobs, recursive=recursive, rules=rules,
                               progress=progress.update)
        except BatchError as exc:
            progress.close()
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)
    click.echo(render_batch(report, profile), err=False)
    sys.exit(130 if report.interrupted else report.exit_code)


class _Progress:
    """Files done / total, current file, elapsed and ETA on stderr; plain lines when not a TTY."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar: Any = None
        self.task: Any = None
        self.last_plain = 0.0

    def __enter__(self) -> _Progress:
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
        import time

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


def render_batch(report: Any, profile: Profile) -> str:
    from collections import Counter

    grades: Counter[str] = report.grades
    projects = report.projects
    errors = sum(o.errors for o in report.outcomes)
    warnings = sum(o.warnings for o in report.outcomes)
    lines = [
        f"规则：{profile.name}（{profile.title}）",
        f"文件：共 {len(report.outcomes)} 个 —— 已评分 {report.count('scored')}，已跳过 {report.count('skipped')}，"
        f"失败 {report.count('failed')}（用时 {report.elapsed:.1f} 秒）",
        f"项目：{projects} 个 —— " + "，".join(f"{g} {grades.get(g, 0)}" for _, g in profile.get("grades", "bands"))
        + (f"，未评级 {grades['未评级']}" if grades.get("未评级") else ""),
        f"问题：错误 {errors}，警告 {warnings}",
    ]
    failed = [o for o in report.outcomes if o.status == "failed"]
    for o in failed[:10]:
        lines.append(f"  失败  {o.path}：{o.reason}")
    if len(failed) > 10:
        lines.append(f"  ……另有 {len(failed) - 10} 个失败文件，见 汇总.xlsx「未处理文件」")
    if report.interrupted:
        lines.append("已中断：已完成的评分结果保留，未写出 汇总.xlsx、results.jsonl 与 skipped.jsonl。")
    else:
        lines.append(f"输出：{report.outdir}（汇总.xlsx、results.jsonl、skipped.jsonl（跳过的文件）、"
                     "每个文件的 *.scored.xlsx）")
    return "\n".join(lines)


# --- rendering -------------------------------------------------------------------------


def render_check(result: WorkbookResult, profile: Profile) -> str:
    lines = [f"文件：{result.file}", f"规则：{profile.name}（{profile.title}）"]
    if result.status != "scored":
        assert result.error is not None
        lines.append(f"无法评分：{result.error['message']}")
        return "\n".join(lines)
    for ps in result.scores:
        p, f = ps.project, ps.funds
        lines.append("")
        kind = "部门整体支出绩效自评表" if p.kind == "department" else "项目"
        lines.append(f"{kind}：{p.name}（工作表「{p.sheet}」）" + (f"  {p.year} 年度" if p.year else ""))
        rate = f"{fmt(f.rate * 100)}%" if f.rate is not None else "—"
        money = f"  预算 {fmt(f.budget)} 万元  执行 {fmt(f.executed)} 万元  执行率 {rate}"
        if p.kind == "department":
            # A department table has no 10-point funds score of its own: none is shown.
            lines.append(money if p.funds else "  未找到资金表")
            if ps.indicators:
                lines.append(f"  评分表 {len(ps.indicators)} 行  分值合计 {fmt(ps.total_weight)}  "
                             f"自评合计 {fmt(ps.score_entered)}（未核定，无等级）")
                lines.append("  评分标准未自动评判，仅核对分值与得分的加总，请人工复核")
            else:
                lines.append("  评分细则各行未自动评分" + ("（仅核对资金合计）" if p.funds else "，请人工复核"))
            continue
        lines.append(f"{money}  资金得分 {fmt(f.score)}/{fmt(f.weight)}")
        entered = f"（自评 {fmt(ps.score_entered)}）" if ps.score_entered is not None else ""
        rescaled = ""
        if ps.raw is not None and ps.score is not None and ps.raw != ps.score:
            rescaled = f"（原始合计 {fmt(ps.raw)}，分值合计 {fmt(ps.total_weight)}）"
            if ps.cap is not None:
                rescaled = f"（执行率偏低，总分封顶 {fmt(ps.cap)}）"
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


def main() -> None:
    # A GBK or ASCII console must not crash the tool: unencodable characters become '?'.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    cli(prog_name="perf-xlsx")
