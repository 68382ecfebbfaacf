"""`git sess server status|stop`: the worktree's resident search server, and the
repository's resident hook server (hooks/hookserver.py)."""

from __future__ import annotations

import time
from typing import Any

import click

from gitsess.cli.options import current_workspace, field_line, print_json
from gitsess.core.errors import ExitCode


@click.group()
def server() -> None:
    """The resident search server of this worktree, and the hook server.

    The first `git sess search` in a worktree starts it in the background; later
    searches are answered by it, with the same output, faster. It watches the
    sessions directory, exits after 10 minutes without a search (git config
    sess.searchServerIdle), and never runs when git config sess.searchServer is false.

    The first git hook that starts Python likewise starts the repository's hook
    server, which runs the later hooks with git-sess already loaded (git config
    sess.hookServer false: never; it exits after the same idle time).

    \b
    Examples:
      git sess server status
      git sess server stop
    """


@server.command(name="status")
@click.option("--json", "as_json", is_flag=True, help="A stable machine-readable object.")
def server_status(as_json: bool) -> None:
    """Say whether a server runs here: pid, uptime, documents, last sync, watcher, memory.

    The hook server, when one runs, is shown after it. Exit 1 when none runs.

    \b
    Example:
      git sess server status --json
    """
    from gitsess.hooks import served as hook_server
    from gitsess.search import server_status as ask

    workspace = current_workspace()
    found = ask(workspace)
    hooks = hook_server.status(hook_server.common_state_dir(workspace.repo.state_dir))
    if as_json:
        shown = found if found is not None else {"running": False}
        print_json({**shown, "hook_server": hooks} if hooks else shown)
    elif found is None:
        click.echo("no search server runs in this worktree (the next search starts one)")
    else:
        _print_status(found)
    if hooks and not as_json:
        _print_hooks(hooks)
    if found is None and hooks is None:
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


def _print_hooks(found: dict[str, Any]) -> None:
    uptime = f"{found.get('uptime', 0):.0f} s ({found.get('requests', 0)} hook(s) run)"
    click.echo(field_line("hook server", f"pid {found.get('pid')}, up {uptime}"))


@server.command(name="stop")
def server_stop() -> None:
    """Stop the servers (the next search or hook starts them again, unless turned off).

    \b
    Example:
      git sess server stop
    """
    from gitsess.hooks import served as hook_server
    from gitsess.search import stop_server

    workspace = current_workspace()
    searching = stop_server(workspace)
    hooks = hook_server.stop(hook_server.common_state_dir(workspace.repo.state_dir))
    if searching:
        click.echo("stopped the search server")
    if hooks:
        click.echo("stopped the hook server")
    if not searching and not hooks:
        click.echo("no search server runs in this worktree; nothing to do")


COMMANDS = (server,)
