"""`git sess server status|stop`: the worktree's resident search server."""

from __future__ import annotations

import time
from typing import Any

import click

from gitsess.cli.options import current_workspace, field_line, print_json
from gitsess.core.errors import ExitCode


@click.group()
def server() -> None:
    """The resident search server of this worktree.

    The first `git sess search` in a worktree starts it in the background; later
    searches are answered by it, with the same output, faster. It watches the
    sessions directory, exits after 10 minutes without a search (git config
    sess.searchServerIdle), and never runs when git config sess.searchServer is false.

    \b
    Examples:
      git sess server status
      git sess server stop
    """


@server.command(name="status")
@click.option("--json", "as_json", is_flag=True, help="A stable machine-readable object.")
def server_status(as_json: bool) -> None:
    """Say whether a server runs here: pid, uptime, documents, last sync, watcher, memory.

    Exit 1 when none runs.

    \b
    Example:
      git sess server status --json
    """
    from gitsess.search import server_status as ask

    found = ask(current_workspace())
    if as_json:
        print_json(found if found is not None else {"running": False})
    elif found is None:
        click.echo("no search server runs in this worktree (the next search starts one)")
    else:
        _print_status(found)
    if found is None:
        raise SystemExit(ExitCode.ERROR)


def _print_status(found: dict[str, Any]) -> None:
    def moment(seconds: float | None) -> str:
        if seconds is None:
            return "not yet"
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))

    for label, value in (
        ("pid", found.get("pid")),
        ("worktree", found.get("worktree")),
        ("uptime", f"{found.get('uptime', 0):.0f} s ({found.get('requests', 0)} request(s))"),
        ("documents", found.get("documents")),
        ("last sync", moment(found.get("last_sync"))),
        ("watcher", found.get("watcher")),
        ("memory", f"{found.get('rss', 0) / 1e6:.1f} MB resident"),
        ("idle exit", f"after {found.get('idle_exit', 0):g} s without a search"),
    ):
        click.echo(field_line(label, value))


@server.command(name="stop")
def server_stop() -> None:
    """Stop the server (the next search starts it again, unless turned off).

    \b
    Example:
      git sess server stop
    """
    from gitsess.search import stop_server

    if stop_server(current_workspace()):
        click.echo("stopped the search server")
    else:
        click.echo("no search server runs in this worktree; nothing to do")


COMMANDS = (server,)
