"""What the commands of every wing share: options, the workspace, how paths and JSON print."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gitsess.core.errors import safe_json

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace


def current_workspace() -> Workspace:
    # Core modules are imported inside the commands: `--help` and `--version`
    # stay quick, and each command loads only what it uses.
    from gitsess.core.workspace import open_workspace

    workspace = open_workspace()
    # An operation a crash interrupted (an import) is finished before anything reads
    # the files; the journal module is loaded only when one is there (one stat).
    if workspace.journal_path.exists():
        from gitsess.core.journal import finish_pending

        said = finish_pending(workspace)
        if said:
            click.echo(said, err=True)
    return workspace


def shown_path(path: Path) -> str:
    """Relative to where the user is, as git prints paths (`../.sessions/…` from a subdirectory)."""
    return Path(os.path.relpath(path)).as_posix()


def field_line(label: str, value: object) -> str:
    """`label:` and the value in a column; a label too long for it still gets a space."""
    return f"{label + ':':<10} {value}"


def print_json(value: Any) -> None:
    click.echo(safe_json(json.dumps(value, indent=2, ensure_ascii=False)))


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD; anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from gitsess.core.names import parse_date

        parsed = parse_date(str(value))
        if parsed is None:
            self.fail(f"{value!r} is not a calendar date written YYYY-MM-DD", param, ctx)
        return parsed


DATE = IsoDate()


def count_option(
    *decls: str, least: int, default: int, help: str, metavar: str | None = None
) -> Any:
    """An option that counts something: a whole number of at least `least` (a smaller one
    is a usage error), its default shown in --help."""
    return click.option(
        *decls,
        type=click.IntRange(min=least),
        default=default,
        show_default=True,
        metavar=metavar,
        help=help,
    )


def session_filters(command: Any) -> Any:
    """The metadata filters `list` and `search` share."""
    options = [
        click.option(
            "--tag",
            "tags",
            multiple=True,
            help="Only sessions with this tag (repeat: all of them).",
        ),
        click.option("--status", "statuses", multiple=True, help="Only this status (repeatable)."),
        click.option("--type", "types", multiple=True, help="Only this type (repeatable)."),
        click.option("--since", type=DATE, help="Only sessions on or after this date."),
        click.option("--until", type=DATE, help="Only sessions on or before this date."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def format_option(choices: list[str], help: str) -> Any:
    """`--format`, into the parameter `output`; the first choice is the default."""
    return click.option(
        "--format",
        "output",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help,
    )


# A value is optional: `--from-transcript` alone means this repository's newest.
FROM_TRANSCRIPT_OPTION = click.option(
    "--from-transcript",
    "transcript",
    is_flag=False,
    flag_value="latest",
    metavar="[PATH|ID|latest]",
    help="Fill in from a Claude Code transcript or a Codex rollout (default: this"
    " repository's newest of either).",
)

TRANSCRIPT_OPTION = click.option(
    "--transcript",
    metavar="PATH|ID",
    help="A Claude Code transcript or a Codex rollout (default: this repository's newest"
    " of either).",
)
