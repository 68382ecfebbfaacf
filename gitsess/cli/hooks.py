"""The git side: the hooks (install, uninstall, status), a hook run by hand,
and `commit` with the documented message."""

from __future__ import annotations

import click

from gitsess.cli.options import current_workspace, shown_path


@click.group()
def hooks() -> None:
    """Install, remove or inspect the git hooks.

    \b
    The hooks keep the index true on every commit and never slow down one that
    does not touch the sessions directory:
      pre-commit          validate the staged exports, refuse secrets, stage the index
      prepare-commit-msg  "Add session: <title>" for a commit of exports (then
                          "Also changes:" and the other files it holds)
      commit-msg          a "Session: <id>" trailer on code commits made while a
                          session is in progress, when git config sess.trailer is true
      pre-merge-commit    the same checks for a merge
      post-commit, post-merge, post-checkout, post-rewrite
                          refresh the search index in the background
    A merge driver (in .gitattributes) merges session_index.md without conflicts.
    A hook that was there before is kept as <hook>.legacy and runs first.

    \b
    Example:
      git sess hooks status
    """


@hooks.command(name="install")
def hooks_install() -> None:
    """Install the hooks and the merge driver; running it again changes nothing.

    \b
    Example:
      git sess hooks install
    """
    from gitsess.hooks.install import install_hooks

    result = install_hooks(current_workspace())
    for line in result.changed:
        click.echo(line)
    if not result.changed:
        click.echo(f"the hooks in {shown_path(result.directory)} are up to date; nothing to do")


@hooks.command(name="uninstall")
def hooks_uninstall() -> None:
    """Remove the hooks and the merge driver, putting back any hook that was there.

    \b
    Example:
      git sess hooks uninstall
    """
    from gitsess.hooks.install import uninstall_hooks

    changed = uninstall_hooks(current_workspace())
    for line in changed:
        click.echo(line)
    if not changed:
        click.echo("no git-sess hooks are installed; nothing to do")


@hooks.command(name="status")
def hooks_status() -> None:
    """Say for each hook whether it is ours, ours chaining yours, foreign or missing.

    \b
    Example:
      git sess hooks status
    """
    from gitsess.hooks.install import hook_states

    for hook, state in hook_states(current_workspace()).items():
        click.echo(f"{hook:<20} {state}")


@click.command(hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(name: str, args: tuple[str, ...]) -> None:
    """Run hook NAME as the installed stubs do (their fallback when the
    interpreter they recorded is gone)."""
    if name == "claude":  # the console script takes a quicker way here (gitsess.cli.run)
        from gitsess.assistant.claude_hooks import main as run_assistant_hook

        raise SystemExit(run_assistant_hook(list(args)))
    if name == "codex":
        from gitsess.assistant.codex_hooks import main as run_codex_hook

        raise SystemExit(run_codex_hook(list(args)))
    from gitsess.hooks.run import main as run_hook

    raise SystemExit(run_hook([name, *args]))


@click.command()
@click.argument("sessions", nargs=-1, metavar="[ID]...")
@click.option(
    "--include-staged", is_flag=True, help="Commit what is already staged along with them."
)
@click.option(
    "--no-verify",
    is_flag=True,
    help="Skip the checks (secrets, links, YAML), as git commit --no-verify does.",
)
def commit(sessions: tuple[str, ...], include_staged: bool, no_verify: bool) -> None:
    """Commit session exports (and checkpoints) and the index with the documented message.

    Without IDs: every new, changed or deleted export and checkpoint. The
    commit goes through git, so the hooks run. The message is "Add session:
    <title>" (or Update, Rename, Remove; "Add checkpoint: <title>"; a list for
    several), from templates/commit-message.txt or your
    .sessions/templates/commit-message.txt. What `git sess init` wrote and is
    not committed yet goes in too: a new CONTEXT_MANAGEMENT.md, and
    .gitattributes when its only change is the index's merge-driver lines.

    \b
    Examples:
      git sess commit
      git sess commit distilbert_training
      git sess commit .sessions/checkpoints/2026-03-02_101500_Before_refactor_ccp.md
    """
    from gitsess.hooks.sesscommit import commit_sessions

    result = commit_sessions(
        current_workspace(), list(sessions), include_staged, verify=not no_verify
    )
    setup = f", with git sess init's {' and '.join(result.setup)}" if result.setup else ""
    click.echo(f"[{result.summary}] {len(result.paths)} file(s){setup}")
    for note in result.notes:
        click.echo(f"git-sess: note: {note}", err=True)


COMMANDS = (hooks, hook, commit)
