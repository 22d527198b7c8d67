"""click, in Chinese: the command and group classes, the help formatter and the parameter
type that make every line click prints (usage, help pages, usage errors) Simplified Chinese.

Finance officers read every line this tool prints (interfaces §1), click's usage errors and
help pages included. click writes English in a few known places: the usage prefix (the help
formatter), the section titles (format_options / format_commands), the help option's text,
the metavars "[OPTIONS]" / "COMMAND [ARGS]...", its parameter types' complaints and its
exceptions' messages. Positional arguments get a line of help of their own (Argument), listed
under 参数. The classes below replace each of those at its source, and
ChineseCommand.main reports click's exceptions itself, from their attributes (param,
option_name, possibilities), rather than translating click's English text.
"""

from __future__ import annotations

import sys
from typing import Any, Optional, Sequence

import click

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


class Argument(click.Argument):
    """A positional argument (FILE, DIR) with a line of help for the 参数 section of its
    command's help page: ``@click.argument("file", cls=Argument, help="…")``. click has no help
    for arguments before 8.5."""

    def __init__(self, param_decls: Sequence[str], required: Optional[bool] = None, help: str = "",
                 **attrs: Any) -> None:
        super().__init__(param_decls, required=required, **attrs)
        self.help = help


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


#: How alike (difflib's ratio, leading dashes left out) a name must be to what was typed to be
#: offered as the one meant. click offers what reaches 0.6 with the dashes, which the shared
#: "--" alone nearly gives: --bogus was answered with --jobs.
CLOSE = 0.7


def _close(typed: str, names: Sequence[str]) -> list[str]:
    """The one or two of ``names`` close to ``typed``, closest first."""
    import difflib  # (here: only a mistyped option needs it, and it is start-up time otherwise)

    bare = {name.lstrip("-"): name for name in names}
    return [bare[m] for m in difflib.get_close_matches(typed.lstrip("-"), list(bare), n=2, cutoff=CLOSE)]


def _suggest(typed: str, possibilities: Optional[Sequence[str]]) -> str:
    close = _close(typed, possibilities or ())
    return f"；是否想用 {' 或 '.join(close)}？" if close else ""


# click ≥ 8.5 writes a section of arguments itself (Command.format_arguments).
_CLICK_FORMATS_ARGUMENTS = hasattr(click.Command, "format_arguments")
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
        return f"没有 {exc.option_name} 这个选项{_suggest(exc.option_name, exc.possibilities)}"
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
        return f"没有 {exc.command_name} 这个命令{_suggest(exc.command_name, exc.possibilities)}"
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

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """参数: each positional argument with its line (Argument's help). click ≥ 8.5 calls this
        before format_options (its own heads the section in English); older click has no such
        step, so format_options calls it there."""
        arguments = [(p.human_readable_name, getattr(p, "help", None) or "")
                     for p in self.get_params(ctx) if isinstance(p, click.Argument)]
        if arguments:
            with formatter.section("参数"):
                formatter.write_dl(arguments)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if not _CLICK_FORMATS_ARGUMENTS:
            self.format_arguments(ctx, formatter)
        # An argument's own help record (click ≥ 8.5) is in 参数, not among the options.
        records = [record for param in self.get_params(ctx)
                   if not isinstance(param, click.Argument) and (record := param.get_help_record(ctx)) is not None]
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
            hint = _suggest(name, names) or f"；可用的命令：{'、'.join(names)}"
            raise click.UsageError(f"没有 {name} 这个命令{hint}", ctx=ctx)
        return super().resolve_command(ctx, args)


__all__ = ["Argument", "ChineseCommand", "ChineseGroup", "Integer", "usage_message"]
