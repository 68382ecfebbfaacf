"""The assistant side: status, time, checkpoint, and the Claude Code hooks
(`git sess assistant install|uninstall|status|log|test`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from gitsess.cli.options import (
    FROM_TRANSCRIPT_OPTION,
    TRANSCRIPT_OPTION,
    count_option,
    current_workspace,
    print_json,
    shown_path,
)


@click.command()
@TRANSCRIPT_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(transcript: str | None, as_json: bool) -> None:
    """Where the assistant's context stands, and what to do next.

    From the end of the Claude Code transcript or Codex rollout: the context
    used, the window and the rule that decided it (git config
    sess.contextWindow, Claude Code's status line, the transcript, the model,
    or the 200K default), the context left until auto-compaction (at 77.5 % of
    the window; Codex: at 90 % of the model's window, or its configured
    model_auto_compact_token_limit) and its zone (normal
    over 20 % left · export · checkpoint at 5 % · final at 1 % · past); then
    the time since the last export and the last checkpoint, and the one command
    to run next. Without a transcript it says so and shows the times; a
    transcript last written over a day ago is no conversation going on.

    \b
    Examples:
      git sess status
      git sess status --json
    """
    from gitsess.assistant.status import session_status

    found = session_status(current_workspace(), transcript)
    if as_json:
        print_json(found.as_json())
        return
    _print_status(found)


def _print_status(found: Any) -> None:
    from gitsess.assistant.status import ago, moment_ago

    budget, tail = found.budget, found.tail
    if tail is None:
        click.echo(f"transcript       none ({found.missing})")
    else:
        model = f", {tail.model}" if tail.model else ""
        click.echo(f"transcript       {tail.session_id or tail.path.stem}{model}")
        click.echo(f"assistant        {found.assistant}")
        written = ago(tail.written, found.now)
        old = "" if found.current else ": no conversation is going on"
        click.echo(f"written          {written}{old}")
        if tail.skipped_lines:
            click.echo(f"                 ({tail.skipped_lines} unreadable line(s) skipped)")
    if budget is not None:
        click.echo(
            f"context          {budget.tokens:,} / {budget.window:,} tokens"
            f" ({budget.share:.0%}) - {budget.zone}"
        )
        click.echo(f"window           {budget.window:,}: {budget.window_reason}")
        click.echo(
            f"left             {budget.left:.0%} of the usable context before auto-compaction"
            f" ({budget.free:,} of {budget.usable:,} tokens)"
        )
    if found.context_state == "exceeded":
        click.echo(
            f"exceeded         {ago(tail.exceeded_at, found.now)}: a response did not fit"
            " the window, which counts as full until the compaction it calls for"
        )
    elif found.context_state == "pending":
        before = f" from {tail.compaction_peak:,} tokens" if tail.compaction_peak else ""
        click.echo(
            f"context          pending: compacted {ago(tail.compacted_at, found.now)}{before};"
            " the figure comes with the next reply"
        )
    elif budget is None and tail is not None:
        click.echo("context          unknown (no reply yet)")
    for label, moment in (
        ("last export", found.last_export),
        ("last checkpoint", found.last_checkpoint),
    ):
        where = f" ({moment.path})" if moment else ""
        click.echo(f"{label:<16} {moment_ago(moment, found.now)}{where}")
    click.echo(f"next             {found.next_step}")


@click.command()
def statusline() -> None:
    """One line for Claude Code's status line: zone, context left until
    auto-compaction, time since the last export.

    Reads the JSON Claude Code passes on stdin and remembers the conversation's
    real window size, which the hooks and `git sess status` then use. Always
    exits 0. Set it up in a Claude Code settings file:

    \b
      "statusLine": {"type": "command", "command": "git-sess statusline"}

    \b
    Example:
      echo '{"cwd": ".", "context_window": {"context_window_size": 200000,
        "current_usage": {"input_tokens": 141000}}}' | git sess statusline
    """
    from gitsess.assistant.statusline import main

    main()


@click.command(name="time")
@TRANSCRIPT_OPTION
def time_(transcript: str | None) -> None:
    """The time now (with time zone), how long the assistant session has run,
    and the time since the last export and the last checkpoint.

    \b
    Example:
      git sess time
    """
    from gitsess.assistant.status import ago, moment_ago, session_status, span

    found = session_status(current_workspace(), transcript)
    now = found.now
    click.echo(f"now              {now:%Y-%m-%d %H:%M:%S} {now.tzname()} (UTC{now:%z})")
    tail = found.tail
    if found.start is not None and tail is not None and tail.last_time is not None:
        start = found.start.astimezone()
        click.echo(
            f"session          started {start:%Y-%m-%d %H:%M}, ran {span(tail.last_time - start)},"
            f" last active {ago(tail.last_time, now)}"
        )
    else:
        click.echo(f"session          unknown ({found.missing or 'the transcript has no times'})")
    for label, moment in (
        ("last export", found.last_export),
        ("last checkpoint", found.last_checkpoint),
    ):
        click.echo(f"{label:<16} {moment_ago(moment, now)}")


@click.command()
@click.argument("description", required=False)
@FROM_TRANSCRIPT_OPTION
def checkpoint(description: str | None, transcript: str | None) -> None:
    """Write a checkpoint to resume from after a context reset.

    \b
    The file: .sessions/checkpoints/YYYY-MM-DD_HHMMSS_Description_ccp.md

    Filled as far as facts allow: the branch, commit and uncommitted files, the
    recovery reading order (latest reflection, active roadmap, latest
    checkpoint, then `git sess context`); with --from-transcript also your
    recent requests as the objectives, the files touched and the context size.
    Prints the new file's path.

    \b
    Examples:
      git sess checkpoint "Before refactoring the loader"
      git sess checkpoint --from-transcript
    """
    from gitsess.assistant.checkpoints import CheckpointRequest, write_checkpoint
    from gitsess.assistant.transcript import scan_for

    workspace = current_workspace()
    scan = scan_for(workspace.repo.root, transcript) if transcript else None
    path = write_checkpoint(workspace, CheckpointRequest(description=description, scan=scan))
    click.echo(shown_path(path))


@click.group()
def assistant() -> None:
    """Claude Code hooks (and Codex's: --codex): recovery after a reset,
    warnings, automatic checkpoints.

    \b
    The hooks `install` adds to a Claude Code settings file:
      SessionStart      names what to read, in order: this conversation's last
                        export and checkpoint first (after a compaction: a
                        recovery message; git config sess.recoveryMode manual|auto)
      PreCompact        writes a checkpoint before the context is compacted (prints
                        nothing: Claude Code gives its output to the summariser)
      PostCompact       keeps Claude's summary of the compaction in that checkpoint,
                        and says where it is
      UserPromptSubmit  asks for an export, a checkpoint, the final reflection, as the
                        context left until auto-compaction falls (once per zone)
      SessionEnd        a checkpoint, if git config sess.checkpointOnEnd true

    \b
    Example:
      git sess assistant install && git sess assistant test
    """


def _scope_options(command: Any) -> Any:
    for flag, text in reversed(
        (
            ("--local", ".claude/settings.local.json: yours, not committed (default)."),
            (
                "--shared",
                ".claude/settings.json: committed, for everyone (runs `git sess` on PATH).",
            ),
            ("--user", "~/.claude/settings.json: every project (works outside a repository)."),
        )
    ):
        command = click.option(flag, flag.lstrip("-"), is_flag=True, help=text)(command)
    return command


def _scope(local: bool, shared: bool, user: bool) -> tuple[str, Any]:
    """The one scope asked for, and the repository (None for --user outside one)."""
    from gitsess.core.errors import NotARepository
    from gitsess.core.repo import discover

    chosen = [
        name for name, given in (("local", local), ("shared", shared), ("user", user)) if given
    ]
    if len(chosen) > 1:
        raise click.UsageError(f"--{chosen[0]} and --{chosen[1]} name different files: give one")
    scope = chosen[0] if chosen else "local"
    try:
        return scope, discover()
    except NotARepository:
        if scope != "user":
            raise
        return scope, None


CODEX_OPTION = click.option(
    "--codex",
    is_flag=True,
    help="OpenAI Codex CLI's hooks instead: .codex/hooks.json (--user:"
    " $CODEX_HOME/hooks.json, default ~/.codex/hooks.json).",
)


_MCP_OR_CODEX = (
    "--codex is for Codex's hooks, --mcp registers the MCP server for Claude Code and"
    " Codex both: give one of them"
)


def _mcp_options(command: Any) -> Any:
    command = click.option(
        "--scope",
        type=click.Choice(["local", "project", "user"]),
        help="With --mcp: local (~/.claude.json, this project, yours; the default),"
        " project (.mcp.json and .codex/config.toml, committed) or user"
        " (~/.claude.json and ~/.codex/config.toml, every project).",
    )(command)
    return click.option(
        "--mcp",
        is_flag=True,
        help="The MCP server (git sess mcp) instead of the hooks: for Claude Code and Codex.",
    )(command)


def _mcp_scope(local: bool, shared: bool, user: bool, scope: str | None) -> tuple[str, Any]:
    from gitsess.core.errors import NotARepository
    from gitsess.core.repo import discover

    given = [name for name, on in (("local", local), ("shared", shared), ("user", user)) if on]
    if given:
        raise click.UsageError(f"--mcp takes --scope, not --{given[0]} (the hooks' files)")
    try:
        return scope or "local", discover()
    except NotARepository:
        if scope != "user":
            raise
        return scope, None


@assistant.command(name="install")
@_scope_options
@CODEX_OPTION
@_mcp_options
def assistant_install(
    local: bool, shared: bool, user: bool, codex: bool, mcp: bool, scope: str | None
) -> None:
    """Add git-sess's hooks and status line to a Claude Code settings file.

    Other keys and hooks stay, and a status line of your own; the previous file
    is kept as <file>.bak. Installing twice changes nothing. Warns when another
    settings file has git-sess's hooks too, or git-sess's Claude Code plugin is
    enabled (Claude Code would run them twice).

    With --codex: the same hooks (SessionStart, PreCompact, PostCompact,
    UserPromptSubmit, SessionEnd) for Codex, merged into its hooks file the
    same way (installing again adds those an older install lacks). Codex runs
    them once you approve them in its /hooks panel.

    With --mcp, registers the MCP server (git sess mcp) with Claude Code and
    Codex instead, in the files of --scope, merged in the same way.
    """
    _change("install", local, shared, user, codex, mcp, scope)


@assistant.command(name="uninstall")
@_scope_options
@CODEX_OPTION
@_mcp_options
def assistant_uninstall(
    local: bool, shared: bool, user: bool, codex: bool, mcp: bool, scope: str | None
) -> None:
    """Take git-sess's hooks and status line out of a Claude Code settings file
    (others stay); a file install created and nothing is left in is removed.
    With --codex: out of Codex's hooks file (removed once nothing is left in it).
    With --mcp, takes the MCP server's registration out of the files of --scope."""
    _change("uninstall", local, shared, user, codex, mcp, scope)


_SAID = {  # action -> (what was done, what was there already)
    "install": ("installed in", "already installed in"),
    "uninstall": ("removed from", "not installed in"),
}


def _change(
    action: str, local: bool, shared: bool, user: bool, codex: bool, mcp: bool, scope: str | None
) -> None:
    """install or uninstall: the MCP registration, Codex's hooks, or Claude Code's."""
    if mcp and codex:
        raise click.UsageError(_MCP_OR_CODEX)
    if mcp or scope:
        _mcp_changes(action, local, shared, user, mcp, scope)
        return
    if codex:
        from gitsess.assistant import codex_install as installer
    else:
        from gitsess.assistant import settings as installer  # type: ignore[no-redef]
    change = getattr(installer, action)(*_scope(local, shared, user))
    _print_settings_change(change, *_SAID[action])


def _mcp_changes(
    action: str, local: bool, shared: bool, user: bool, mcp: bool, scope: str | None
) -> None:
    if not mcp:
        raise click.UsageError(
            "--scope goes with --mcp (the hooks' files: --local, --shared, --user)"
        )
    from gitsess.assistant import mcp_config

    if action == "install":
        for change in mcp_config.install(*_mcp_scope(local, shared, user, scope)):
            _print_settings_change(change, "git sess mcp registered in", "already registered in")
    else:
        for change in mcp_config.uninstall(*_mcp_scope(local, shared, user, scope)):
            _print_settings_change(change, "git sess mcp removed from", "not registered in")


def _shown(path: Path) -> str:
    relative = shown_path(path)  # ~/.claude/… is clearer whole than as ../../…
    return str(path) if relative.startswith("../") else relative


def _print_settings_change(change: Any, done: str, nothing: str) -> None:
    if change.removed:
        click.echo(f"{done} {_shown(change.path)}, which git-sess had created: removed")
    else:
        click.echo(f"{done if change.changed else nothing} {_shown(change.path)}")
    if change.backup is not None:
        click.echo(f"the previous file is {_shown(change.backup)}")
    for note in change.notes:
        click.echo(f"git-sess: warning: {note}", err=True)


@assistant.command(name="status")
def assistant_status() -> None:
    """Which hooks are installed in which settings file (and whether git-sess's
    Claude Code plugin, which runs the same hooks, is enabled)."""
    from gitsess.assistant.plugin_enabled import plugin_enabled_in
    from gitsess.assistant.settings import scope_states

    repo = _scope(False, False, True)[1]
    for state in scope_states(repo):
        shown = shown_path(state.path) if state.scope != "user" else str(state.path)
        if state.error is not None:
            click.echo(f"{state.scope:<7} {shown}: cannot be read: {state.error}")
        elif state.events is None:
            click.echo(f"{state.scope:<7} {shown}: no file")
        else:
            click.echo(f"{state.scope:<7} {shown}:")
            for event, said in state.events.items():
                click.echo(f"  {event:<17} {said}")
    plugin = plugin_enabled_in(repo.root if repo else None)
    if plugin is not None:
        click.echo(f"plugin  git-sess, enabled in {_shown(plugin)}: the same hooks")
    _print_codex_states(repo)


def _print_codex_states(repo: Any) -> None:
    from gitsess.assistant.codex_install import installed_events
    from gitsess.core.errors import GitSessError

    for scope in ("project", "user") if repo is not None else ("user",):
        try:
            path, events = installed_events(scope, repo)
        except GitSessError as error:
            click.echo(f"codex {scope}: cannot be read: {error.message}")
            continue
        if events is None:
            continue  # no Codex hooks file: nothing to say to one who has no Codex
        shown = shown_path(path) if scope != "user" else str(path)
        click.echo(f"codex {scope} {shown}:")
        for event, said in events.items():
            click.echo(f"  {event:<17} {said}")


@assistant.command(name="log")
@count_option("-n", "count", least=1, default=20, help="How many of the last events.")
def assistant_log(count: int) -> None:
    """The last hook events: time, event, what was injected or written, errors."""
    from gitsess.assistant.hook_log import read_log
    from gitsess.core.workspace import open_workspace

    # A setting the hooks could not use is in the log: reading it must not need it.
    entries = read_log(open_workspace(problems=[]), count)
    if not entries:
        click.echo("no hook has run in this repository yet")
    for entry in entries:
        line = f"{entry.get('time', '?')}  {entry.get('event', '?'):<16} {entry.get('did', '')}"
        click.echo(line)
        if entry.get("error"):
            click.echo(f"    error: {entry['error']}")
        for warning in entry.get("warnings") or ():
            click.echo(f"    warning: {warning}")
        injected = entry.get("injected")
        if injected:
            first = str(injected).splitlines()[0]
            click.echo(f"    injected: {first[:100]}")


@assistant.command(name="test")
@TRANSCRIPT_OPTION
@click.option(
    "--codex",
    is_flag=True,
    help="A Codex rollout (this repository's newest, or the one --transcript names),"
    " with Codex's hooks.",
)
def assistant_test(transcript: str | None, codex: bool) -> None:
    """Run each hook on this repository's current transcript and print what it
    would inject or write, changing nothing.

    On a Codex rollout (--codex, or when this repository's newest conversation
    is Codex's), Codex's hooks, printing what each would give Codex."""
    from gitsess.assistant.conversations import find_conversation, find_rollout_named

    workspace = current_workspace()
    root = workspace.repo.root
    path = find_rollout_named(root, transcript) if codex else find_conversation(root, transcript)
    if codex or is_rollout_path(path):
        _rehearse_codex(workspace, path)
        return
    from gitsess.assistant.claude_hooks import rehearse

    click.echo(f"transcript: {path}")
    for label, outcome in rehearse(workspace, path):
        click.echo(f"\n== {label}: {outcome.did}")
        click.echo(json.dumps(outcome.output, indent=2, ensure_ascii=False))


def is_rollout_path(path: Path) -> bool:
    from gitsess.assistant.codex_rollout import is_rollout

    return is_rollout(path)


def _rehearse_codex(workspace: Any, path: Path) -> None:
    from gitsess.assistant.codex_rehearsal import rehearse_codex

    click.echo(f"rollout: {path}")
    for rehearsal in rehearse_codex(workspace, path):
        click.echo(f"\n== {rehearsal.label}: {rehearsal.outcome.did}")
        if rehearsal.printed is None:
            why = "" if rehearsal.heard else ": Codex takes no output from this event"
            click.echo(f"(prints nothing{why})")
        else:
            click.echo(json.dumps(rehearsal.printed, indent=2, ensure_ascii=False))


COMMANDS = (status, statusline, time_, checkpoint, assistant)
