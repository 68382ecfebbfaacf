"""Full-text search: `search` and `reindex`."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import click

from gitsess.cli.options import (
    current_workspace,
    field_line,
    print_json,
    session_filters,
    shown_path,
)
from gitsess.core.errors import ExitCode, printable, write_styled


class _QueryCommand(click.Command):
    """In a query, `-word` excludes a word; click would take it for options
    (`-health` even for -h), so such words are hidden from it and reach the
    query as typed, where the query language gives them their meaning."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        from gitsess.search.query import excludes

        takes_value = {
            name
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag
            for name in param.opts
        }
        words = [
            "\0" + arg  # no argument holds a NUL: removed below
            if excludes(arg)
            and arg != "-h"
            and (number == 0 or args[number - 1] not in takes_value)  # `--limit -5`
            else arg
            for number, arg in enumerate(args)
        ]
        rest = super().parse_args(ctx, words)
        ctx.params["words"] = tuple(word.removeprefix("\0") for word in ctx.params["words"])
        return rest


@click.command(cls=_QueryCommand)
@click.argument("words", nargs=-1)
@session_filters
@click.option(
    "--kind",
    type=click.Choice(["all", "export", "checkpoint"]),
    default="all",
    show_default=True,
    help="Search exports, checkpoints or both.",
)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="A stable machine-readable array.")
@click.option("--files", "paths_only", is_flag=True, help="Paths only, one a line.")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Highlight matches (auto: on a terminal, unless NO_COLOR is set).",
)
@click.option("--stats", is_flag=True, help="Describe the index instead of searching.")
def search(
    words: tuple[str, ...],
    as_json: bool,
    paths_only: bool,
    color: str,
    stats: bool,
    **wanted: Any,
) -> None:
    """Ranked full-text search over every export and checkpoint.

    Best matches first (BM25F: the title weighs more than the tags, the tags
    more than the text), each with one or two passages around the matched
    words. Words are found in any form (training finds trained) and in any
    case; all of them must match unless you write OR. Exit 1 when nothing
    matches. The index is brought up to date with your files first.

    \b
    Query language:
      distilbert overfitting         both words (AND is the default)
      refunds OR chargebacks         either word
      NOT stripe  /  -stripe         without the word
      '"partial refunds"'            the exact phrase (quoted for the shell too)
      distil*                        words starting with distil
      title:webhook  tag:ml  tags:ml  status:complete  type:bug
      id:session_20251201_distilbert_training
      date:2025-11-01..2025-12-31  date:>2025-11-01  date:2025-11

    \b
    Examples:
      git sess search distilbert overfitting
      git sess search webhook --tag payments --since 2025-11-01 --json
      $EDITOR $(git sess search '"partial refunds"' --files)
    """
    from gitsess.core.model import json_array
    from gitsess.search import SearchRequest, index_stats, resident, search

    server = resident()  # this process is the search server, answering a client
    workspace = server.workspace() if server else current_workspace()
    if stats:
        found = index_stats(workspace)
        if as_json:
            print_json(found.public())
        else:
            _print_stats(found)
        return
    request = SearchRequest(query=" ".join(words), snippets=not paths_only, **wanted)
    result = server.search(workspace, request) if server else search(workspace, request)
    if server is None:
        _start_server(workspace)
    for notice in result.notices:
        click.echo(f"git-sess: notice: {notice}", err=True)
    if as_json:
        click.echo(json_array([hit.public() for hit in result.hits]))
    elif paths_only:
        for hit in result.hits:
            click.echo(shown_path(workspace.repo.root / hit.path))
    else:
        _print_hits(result, _use_color(color))
    if (as_json or paths_only) and result.total > len(result.hits):
        click.echo(  # on stderr: the output itself stays clean for a pipe
            f"git-sess: note: {len(result.hits)} of {result.total} matches;"
            f" --limit {result.total} gives all",
            err=True,
        )
    if not result.hits:
        query = " ".join(words) or "the filters given"
        click.echo(f"no sessions match {query}", err=True)
        if result.suggestion:
            click.echo(f"did you mean: {result.suggestion}?", err=True)
        raise SystemExit(ExitCode.ERROR)


def _start_server(workspace: Any) -> None:
    """The first search of a worktree answered in-process starts its search server
    (when the client found none: not under GIT_DIR, not in the server itself)."""
    from gitsess.search import client, start_server

    if client.outcome in (None, "skipped", "answered"):
        return
    client.outcome = None
    start_server(workspace)


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )


def _print_hits(result: Any, color: bool) -> None:
    def styled(text: str, **style: Any) -> str:
        return click.style(printable(text), **style) if color else text

    def echo(text: str = "") -> None:
        if color:  # every field escaped above: only our own styles pass the guard
            write_styled(text + "\n")
        else:
            click.echo(text)

    for number, hit in enumerate(result.hits):
        if number:
            echo("")
        echo(styled(hit.title, bold=True))
        details = [hit.id, hit.date or "no date", hit.type, hit.status]
        if hit.tags:
            details.append(", ".join(hit.tags))
        echo("  " + styled(" · ".join(details), fg="yellow"))
        for snippet in hit.snippets:
            text = "".join(
                styled(part, fg="red", bold=True) if hit_ else printable(part)
                for part, hit_ in snippet
            )
            echo(f"  … {text} …")
    if result.total > len(result.hits):
        echo(f"\n{len(result.hits)} of {result.total} matches; --limit {result.total} shows all")


def _print_stats(stats: Any) -> None:
    from datetime import datetime

    def moment(ns: int) -> str:
        when = datetime.fromtimestamp(ns / 1e9).astimezone()
        return when.strftime("%Y-%m-%d %H:%M:%S %z") + f" ({_age(time.time() - ns / 1e9)})"

    pending = (
        "yes"
        if not stats.pending
        else f"no: {stats.pending} export(s) changed since; the next search applies them"
    )
    for label, value in (
        ("index", shown_path(stats.path)),
        ("documents", str(stats.documents)),
        ("size", f"{stats.size / 1e6:.1f} MB in {stats.segments} segment(s)"),
        ("built", moment(stats.built_ns)),
        ("updated", moment(stats.updated_ns)),
        ("in sync", pending),
        ("schema", f"{stats.schema} (Whoosh {stats.whoosh})"),
    ):
        click.echo(field_line(label, value))


def _age(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


@click.command()
def reindex() -> None:
    """Rebuild the search index from scratch.

    Never needed for correct results (every search brings the index up to
    date first); use it after a Whoosh upgrade or to reclaim space. Shows a
    progress bar on a terminal.

    \b
    Example:
      git sess reindex
    """
    from gitsess.search import reindex as rebuild

    progress = _ProgressBar("indexing") if sys.stderr.isatty() else None
    try:
        stats = rebuild(current_workspace(), progress)
    finally:
        if progress:
            progress.close()
    click.echo(
        f"indexed {stats.documents} document(s) in {shown_path(stats.path)}"
        f" ({stats.size / 1e6:.1f} MB)"
    )


class _ProgressBar:
    """A click progress bar on stderr, opened when the total is first known."""

    def __init__(self, label: str):
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


COMMANDS = (search, reindex)
