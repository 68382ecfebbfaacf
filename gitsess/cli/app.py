"""`git sess`: the group of commands and its one exit, `main()`.

The commands live in one module per wing (sessions, reading, hooks, search,
assistant, demo), each command parsing its options, calling one function of
its wing and printing. A wing's module is imported when one of its commands
is asked for, so `--version` and each command load only what they use.

Every failure leaves through `main()` and `exit_with` (gitsess.core.errors):
`git-sess: error: …` and a `hint:` on stderr, then an `ExitCode`.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from gitsess import __version__
from gitsess.core.errors import ExitCode, GitSessError, exit_with, guard_output

# Where each command is defined: the module's COMMANDS holds the same names.
WINGS = {
    "gitsess.cli.sessions": (
        "init",
        "new",
        "update",
        "link",
        "unlink",
        "mv",
        "import",
        "index",
        "check",
    ),
    "gitsess.cli.reading": (
        "list",
        "show",
        "next",
        "prev",
        "context",
        "graph",
        "timeline",
        "trace",
    ),
    "gitsess.cli.hooks": ("hooks", "hook", "commit"),
    "gitsess.cli.search": ("search", "reindex"),
    "gitsess.cli.server": ("server",),
    "gitsess.cli.assistant": ("status", "statusline", "time", "checkpoint", "assistant"),
    "gitsess.cli.demo": ("demo",),
    "gitsess.cli.mcp": ("mcp",),
}
_MODULE_OF = {name: module for module, names in WINGS.items() for name in names}

_debug = False


class _Unexpected(Exception):
    """An EOFError out of a command (a .pyc cut short, say), carried past click to the
    exit for bugs: click reports one as an Abort, as it does ^C (exit 130, nothing said)."""

    def __init__(self, error: EOFError) -> None:
        super().__init__(error)
        self.error = error


class _Wings(click.Group):
    """A group that imports a command's module when the command is first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *_MODULE_OF})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in _MODULE_OF:
            for command in importlib.import_module(_MODULE_OF[cmd_name]).COMMANDS:
                self.add_command(command)
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except EOFError as error:  # no command reads a prompt: an EOFError is a bug
            raise _Unexpected(error) from error

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in _MODULE_OF:
            # A name we do not know: click suggests the nearest of the commands
            # it holds ("Did you mean 'list'?"), so it must hold them all.
            for name in _MODULE_OF:
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)


@click.group(
    cls=_Wings,
    # color: click strips escape sequences when piped, which would hide a note's
    # escapes instead of showing them; the output guard escapes them instead.
    context_settings={
        "help_option_names": ["-h", "--help"],
        "max_content_width": 100,
        "color": True,
    },
)
@click.version_option(__version__, "--version", prog_name="git-sess")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
def cli(debug: bool) -> None:
    """Session exports for long projects with AI coding assistants, kept in git.

    \b
    Start here:
      git sess init                      set up .sessions/ in this repository
      git sess new "What I am doing"     write an export from a template
      git sess list                      every session, newest first
      git sess demo                      see it all work in a throwaway repository
    """
    global _debug
    _debug = debug


def main(argv: list[str] | None = None) -> int:
    """Run `git sess` and return its exit code: the one place every failure leaves by.

    After a command that succeeded, a clone without git-sess's hooks or merge
    driver is told so, once a day, on stderr (gitsess.hooks.presence).
    Whatever a command prints goes through the output guard: a note's control
    characters reach the terminal escaped even where a command forgot to.
    """
    guard_output()
    code = _run(argv)
    if code == ExitCode.OK:
        _note_missing_hooks(sys.argv[1:] if argv is None else argv)
    return code


def _note_missing_hooks(args: list[str]) -> None:
    if not args or any(arg in ("-h", "--help", "--version") for arg in args):
        return  # never said there: not even its module is loaded
    try:
        from gitsess.hooks.presence import after_command

        for line in after_command(args):
            sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except Exception:  # a note must never turn a command that worked into a failure
        if _debug:
            import traceback

            traceback.print_exc()


def _run(argv: list[str] | None) -> int:
    try:
        cli.main(args=argv, prog_name="git sess", standalone_mode=False)
    except GitSessError as error:
        return exit_with(error.exit_code, error.lines, error.hint)
    except PermissionError as denied:  # chmod 000 on a file or folder: no bug, a fix
        from gitsess.core.files import access_error

        said = access_error(denied)
        return exit_with(said.exit_code, said.lines, said.hint)
    except click.ClickException as error:
        if not isinstance(error, click.UsageError):  # e.g. a file click could not open
            return exit_with(ExitCode.ERROR, error.format_message())
        if type(error).__name__ == "NoArgsIsHelpError" and error.ctx:  # click >= 8.2
            click.echo(error.ctx.get_help())
            return ExitCode.OK
        command = error.ctx.command_path if error.ctx else "git sess"
        return exit_with(ExitCode.USAGE, error.format_message(), f"{command} --help")
    except click.exceptions.Exit as done:
        return done.exit_code
    except SystemExit as done:  # a command's own exit code (check, search) or a hook's
        if done.code is None:
            return ExitCode.OK
        return done.code if isinstance(done.code, int) else ExitCode.ERROR
    except (KeyboardInterrupt, click.exceptions.Abort):
        return exit_with(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`git sess list | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ExitCode.OK
    except Exception as error:  # the single exit point for bugs
        if isinstance(error, _Unexpected):
            error = error.error
        if _debug:
            import traceback

            traceback.print_exc()
        return exit_with(
            ExitCode.BUG,
            f"unexpected {type(error).__name__}: {error}",
            "this is a bug in git-sess: please report it with the traceback above"
            if _debug
            else "run again as git sess --debug … for the traceback, and report it",
        )
    return ExitCode.OK
