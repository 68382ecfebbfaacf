"""Write docs/git-sess.1 from the commands' own --help text.

git turns `git sess --help` into `man git-sess`, so the wheel ships this page
(into share/man/man1, which man finds next to the bin/ on PATH). The tests
regenerate it and fail when it is stale: run `python docs/make_manpage.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gitsess import __version__
from gitsess.cli.app import cli

PAGE = Path(__file__).resolve().parent / "git-sess.1"


def help_text(command: click.Command, path: str) -> str:
    with click.Context(command, info_name=path, terminal_width=78, max_content_width=78) as context:
        return command.get_help(context)


def roff_block(text: str) -> str:
    escaped = text.replace("\\", "\\e").replace("\n.", "\n\\&.").replace("\n'", "\n\\&'")
    return f".nf\n{escaped}\n.fi\n"


def manpage() -> str:
    parts = [
        f'.TH GIT-SESS 1 "" "git-sess {__version__}" "git-sess manual"\n',
        ".SH NAME\ngit-sess \\- session exports for AI coding assistants, kept in git\n",
        ".SH SYNOPSIS\n" + roff_block(help_text(cli, "git sess")),
    ]
    context = click.Context(cli, info_name="git sess")
    for name in cli.list_commands(context):  # each wing's module is imported when asked for
        command = cli.get_command(context, name)
        assert command is not None, name
        parts.append(
            f".SH GIT SESS {name.upper()}\n" + roff_block(help_text(command, f"git sess {name}"))
        )
    return "".join(parts)


if __name__ == "__main__":
    PAGE.write_text(manpage(), encoding="utf-8")
    sys.stdout.write(f"wrote {PAGE}\n")
