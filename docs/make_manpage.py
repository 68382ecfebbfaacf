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


def command_contexts() -> list[tuple[click.Command, click.Context]]:
    """`git sess` and every command under it (a group before its subcommands),
    each with the context `git sess … -h` gives it, so that its help is what
    that prints (`-h, --help` included), 78 columns wide."""
    settings = {**cli.context_settings, "terminal_width": 78, "max_content_width": 78}
    top = click.Context(cli, info_name="git sess", **settings)
    found: list[tuple[click.Command, click.Context]] = [(cli, top)]

    def add(group: click.Group, context: click.Context) -> None:
        for name in group.list_commands(context):  # each wing's module is imported when asked for
            command = group.get_command(context, name)
            assert command is not None, name
            child = click.Context(command, info_name=name, parent=context)
            found.append((command, child))
            if isinstance(command, click.Group):
                add(command, child)

    add(cli, top)
    return found


def roff_block(text: str) -> str:
    escaped = text.replace("\\", "\\e").replace("\n.", "\n\\&.").replace("\n'", "\n\\&'")
    return f".nf\n{escaped}\n.fi\n"


def manpage() -> str:
    (_, top), *commands = command_contexts()
    parts = [
        f'.TH GIT-SESS 1 "" "git-sess {__version__}" "git-sess manual"\n',
        ".SH NAME\ngit-sess \\- session exports for AI coding assistants, kept in git\n",
        ".SH SYNOPSIS\n" + roff_block(cli.get_help(top)),
    ]
    for command, context in commands:
        if context.parent is top:  # the subcommands are in their group's help
            name = context.command_path.upper()
            parts.append(f".SH {name}\n" + roff_block(command.get_help(context)))
    return "".join(parts)


if __name__ == "__main__":
    PAGE.write_text(manpage(), encoding="utf-8")
    sys.stdout.write(f"wrote {PAGE}\n")
