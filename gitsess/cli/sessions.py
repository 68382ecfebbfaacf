"""The command line: each command parses its options, calls one core function, prints.

This is the only module that imports click. Every failure leaves through
`main()`: `git-sess: error: …` and a `hint:` on stderr, exit 1 for expected
failures, 2 for usage, 3 for a bug (`--debug` shows the traceback), 130 for ^C.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gitsess import __version__
from gitsess.core.errors import GitSessError

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace

_debug = False


def _workspace() -> Workspace:
    # Core modules are imported inside the commands: `--help` and `--version`
    # stay quick, and each command loads only what it uses.
    from gitsess.core.workspace import open_workspace

    return open_workspace()


def _shown_path(path: Path) -> str:
    """Relative to where the user is, as git prints paths (`../.sessions/…` from a subdirectory)."""
    return Path(os.path.relpath(path)).as_posix()


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


class IsoDate(click.ParamType):
    """A calendar date written YYYY-MM-DD; anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from gitsess.core.model import parse_date

        parsed = parse_date(str(value))
        if parsed is None:
            self.fail(f"{value!r} is not a calendar date written YYYY-MM-DD", param, ctx)
        return parsed


DATE = IsoDate()


def _session_filters(command: Any) -> Any:
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


def _format_option(choices: list[str], help: str) -> Any:
    """`--format`, into the parameter `output`; the first choice is the default."""
    return click.option(
        "--format",
        "output",
        type=click.Choice(choices),
        default=choices[0],
        show_default=True,
        help=help,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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


@cli.command()
@click.option(
    "--no-hooks", is_flag=True, help="Do not install the git hooks, nor the index's merge driver."
)
def init(no_hooks: bool) -> None:
    """Create the sessions directory, its index and CONTEXT_MANAGEMENT.md, and
    install the git hooks (see git sess hooks --help).

    Running it again changes nothing. The directory is .sessions/ unless
    `git config sess.dir` names another.

    \b
    Example:
      git sess init
    """
    from gitsess.core.workspace import init_workspace

    workspace = _workspace()
    result = init_workspace(workspace)
    for created in result.created:
        click.echo(f"created {created}")
    changed = []
    if not no_hooks:
        from gitsess.hooks.install import HooksElsewhere, install_hooks, install_merge_driver

        try:
            changed = install_hooks(workspace).changed
        except GitSessError as error:  # the sessions directory is set up all the same
            click.echo(f"git-sess: warning: hooks not installed: {error.message}", err=True)
            click.echo(f"hint: {error.hint}", err=True)
            if isinstance(error, HooksElsewhere):  # merges need no hook
                changed = install_merge_driver(workspace)
        for line in changed:
            click.echo(line)
    if not result.created and not changed:
        click.echo(f"{workspace.config.sessions_dir}/ is already set up; nothing to do")
    elif result.created:
        setup = [workspace.config.sessions_dir]
        if (workspace.repo.root / ".gitattributes").is_file():
            setup.append(".gitattributes")
        paths = " ".join(shlex.quote(path) for path in setup)
        click.echo(f"next: git add {paths} && git commit -m 'Set up session notes'")


@cli.group()
def hooks() -> None:
    """Install, remove or inspect the git hooks.

    \b
    The hooks keep the index true on every commit and never slow down one that
    does not touch the sessions directory:
      pre-commit          validate the staged exports, refuse secrets, stage the index
      prepare-commit-msg  "Add session: <title>" for a commit of exports alone
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

    result = install_hooks(_workspace())
    for line in result.changed:
        click.echo(line)
    if not result.changed:
        click.echo(f"the hooks in {_shown_path(result.directory)} are up to date; nothing to do")


@hooks.command(name="uninstall")
def hooks_uninstall() -> None:
    """Remove the hooks and the merge driver, putting back any hook that was there.

    \b
    Example:
      git sess hooks uninstall
    """
    from gitsess.hooks.install import uninstall_hooks

    changed = uninstall_hooks(_workspace())
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

    for hook, state in hook_states(_workspace()).items():
        click.echo(f"{hook:<20} {state}")


@cli.command(hidden=True, context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def hook(name: str, args: tuple[str, ...]) -> None:
    """Run hook NAME as the installed stubs do (their fallback when the
    interpreter they recorded is gone)."""
    if name == "claude":  # the console script takes a quicker way here (gitsess.run)
        from gitsess.assistant.claude_hooks import main as run_assistant_hook

        raise SystemExit(run_assistant_hook(list(args)))
    from gitsess.hooks.run import main as run_hook

    raise SystemExit(run_hook([name, *args]))


@cli.command()
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
    .sessions/templates/commit-message.txt.

    \b
    Examples:
      git sess commit
      git sess commit distilbert_training
      git sess commit .sessions/checkpoints/2026-03-02_101500_Before_refactor_ccp.md
    """
    from gitsess.hooks.commits import commit_sessions

    result = commit_sessions(_workspace(), list(sessions), include_staged, verify=not no_verify)
    click.echo(f"[{result.summary}] {len(result.paths)} file(s)")


# A value is optional: `--from-transcript` alone means this repository's newest.
_FROM_TRANSCRIPT_OPTION = click.option(
    "--from-transcript",
    "transcript",
    is_flag=False,
    flag_value="latest",
    metavar="[PATH|ID|latest]",
    help="Fill in from a Claude Code transcript (default: this repository's newest).",
)


@cli.command()
@click.argument("title", required=False)
@click.option(
    "--type",
    default="feature",
    show_default=True,
    help="feature, bug, research, operation, checkpoint, reflection, roadmap"
    " (or one added with git config sess.types).",
)
@click.option(
    "--status",
    default="in-progress",
    show_default=True,
    help="in-progress, complete, blocked, abandoned (or one added with git config sess.statuses).",
)
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@click.option(
    "--requires", multiple=True, metavar="ID", help="A prerequisite session (repeatable)."
)
@click.option("--continues", metavar="ID", help="The session this one continues.")
@click.option("--summary", help="One line for the index.")
@click.option("--date", type=DATE, help="Back-date the session (default: today).")
@click.option("--tokens", type=click.IntRange(min=0), help="Context tokens used so far.")
@click.option("--edit", is_flag=True, help="Open the new export in your editor.")
@_FROM_TRANSCRIPT_OPTION
def new(edit: bool, transcript: str | None, **fields: Any) -> None:
    """Write a new session export from the template for its type.

    The file is .sessions/session_YYYYMMDD_slug.md; links are checked first, so
    a dangling link or a cycle writes nothing. Prints the new file's path.

    With --from-transcript, what the transcript knows is filled in: tokens and
    window, assistant and its session id, the date it started, Files Created,
    Files Modified, Commands Run, and your requests as a first draft of the
    objectives (the title defaults to the first one). Assistant text and tool
    output are never copied.

    \b
    Examples:
      git sess new "DistilBERT training" --type feature --tag ml --tag training \\
          --requires session_20251130_export_training_data --summary "Fine-tune on exports"
      git sess new --from-transcript
      git sess new "CSV export" --from-transcript 5b1e9c3a
    """
    from gitsess.assistant.exporting import from_transcript
    from gitsess.core.authoring import NewSession, create_session

    workspace = _workspace()
    request = NewSession(**fields)
    if transcript is not None:
        request = from_transcript(workspace, request, transcript)
    path = create_session(workspace, request)
    click.echo(_shown_path(path))
    if edit:
        _open_editor(workspace, path)


def _open_editor(workspace: Workspace, path: Path) -> None:
    if not sys.stdin.isatty():
        click.echo("not opening an editor: standard input is not a terminal", err=True)
        return
    editor = workspace.repo.editor()
    try:
        click.edit(filename=str(path), editor=editor)
    except click.ClickException as failure:
        raise GitSessError(
            f"wrote {_shown_path(path)}, but the editor failed: {failure.format_message()}",
            "open it another way, or set core.editor: git config core.editor nano",
        ) from failure


@cli.command()
@click.argument("session")
@click.option("--status", help="New status.")
@click.option("--type", help="New type.")
@click.option("--title", help="New title (the file name stays).")
@click.option("--summary", help="New one-line summary.")
@click.option("--add-tag", "add_tags", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option(
    "--remove-tag", "remove_tags", multiple=True, metavar="TAG", help="Remove a tag (repeatable)."
)
@click.option("--requires", multiple=True, metavar="ID", help="Add a prerequisite (repeatable).")
@click.option("--continues", metavar="ID", help="Set the session this one continues.")
@click.option("--tokens", type=click.IntRange(min=0), help="Context tokens used.")
def update(session: str, **changes: Any) -> None:
    """Change a session's metadata in place.

    Only the keys you change are rewritten; every other key, their order,
    comments and the body stay byte for byte.

    \b
    Example:
      git sess update session_20251201_distilbert_training --status complete \\
          --add-tag gpu --remove-tag draft
    """
    from gitsess.core.authoring import UpdateRequest, update_session

    if not any(changes.values()):
        raise click.UsageError(
            "nothing to change: give --status, --type, --title, --summary, --add-tag,"
            " --remove-tag, --requires, --continues or --tokens"
        )
    _print_update(update_session(_workspace(), session, UpdateRequest(**changes)))


def _print_update(result: Any) -> None:
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if result.changed:
        click.echo(f"updated {_shown_path(result.path)}: {', '.join(result.changed)}")
    else:
        click.echo(f"{_shown_path(result.path)} already says that; nothing changed")


@cli.command()
@click.argument("session")
@click.option("--continues", metavar="ID", help="The session this one continues.")
@click.option("--requires", multiple=True, metavar="ID", help="A session it requires (repeatable).")
def link(session: str, continues: str | None, requires: tuple[str, ...]) -> None:
    """Link a session to the ones it continues or requires.

    Only continuation_of and prerequisite_sessions are rewritten; every other
    key, their order, comments and the body stay byte for byte. A link to a
    session that does not exist, or one that would close a cycle, is refused;
    so is --continues when the session already continues another (unlink that
    first, or set it with update --continues) or names one dated later.

    \b
    Examples:
      git sess link session_20251202_eval --continues session_20251201_training
      git sess link 20251202_eval --requires 20251130_data --requires 20251129_setup
    """
    from gitsess.core.authoring import UpdateRequest, update_session

    if continues is None and not requires:
        raise click.UsageError("nothing to link: give --continues ID or --requires ID")
    request = UpdateRequest(continues=continues, requires=requires, replace_continuation=False)
    result = update_session(_workspace(), session, request)
    _print_update(result)


@cli.command()
@click.argument("session")
@click.argument("others", nargs=-1, required=True, metavar="OTHER...")
def unlink(session: str, others: tuple[str, ...]) -> None:
    """Remove the links from SESSION to the OTHER sessions.

    Links are matched as written, so one to a deleted session can be removed.

    \b
    Example:
      git sess unlink session_20251202_eval session_20251130_data
    """
    from gitsess.core.authoring import UpdateRequest, update_session

    _print_update(update_session(_workspace(), session, UpdateRequest(unlink=others)))


@cli.command(name="mv")
@click.argument("session")
@click.argument("title")
@click.option("--text", is_flag=True, help="Also rewrite mentions in other sessions' bodies.")
def mv(session: str, title: str, text: bool) -> None:
    """Rename SESSION to TITLE: a new file name (same date) and every link following.

    The file moves as with git mv (the move is staged, so git log --follow
    keeps its history; uncommitted edits stay in the work tree). Links to it
    in other sessions' frontmatter are rewritten as they were written (with or
    without .md); with --text, so are mentions of its id in their bodies.

    \b
    Example:
      git sess mv session_20251201_distilbert_training "DistilBERT fine-tuning"
    """
    from gitsess.core.renaming import rename_session

    workspace = _workspace()
    renamed = rename_session(workspace, session, title, text=text)
    if renamed.new == renamed.old:
        click.echo(f"retitled {_shown_path(renamed.new)} (its file name stays)")
    else:
        click.echo(f"renamed {_shown_path(renamed.old)} -> {_shown_path(renamed.new)}")
    for path in renamed.links_rewritten:
        click.echo(f"rewrote the link in {_shown_path(path)}")
    for path in renamed.text_rewritten:
        click.echo(f"rewrote mentions in {_shown_path(path)}")
    if renamed.mentioned_in:
        shown = ", ".join(_shown_path(path) for path in renamed.mentioned_in)
        click.echo(
            f"git-sess: note: the old id is still mentioned in {shown}"
            " (edit them by hand; --text rewrites mentions along with the links)",
            err=True,
        )


@cli.command(name="next")
@click.argument("session")
def next_(session: str) -> None:
    """Print the session(s) that continue SESSION (several where the chain forks).

    \b
    Example:
      git sess show "$(git sess next session_20251201_training)"
    """
    from gitsess.core.reading import next_sessions

    for found in next_sessions(_workspace(), session):
        click.echo(found.id)


@cli.command()
@click.argument("session")
def prev(session: str) -> None:
    """Print the session that SESSION continues.

    \b
    Example:
      git sess prev session_20251202_eval
    """
    from gitsess.core.reading import previous_session

    click.echo(previous_session(_workspace(), session).id)


@cli.command()
@click.argument("session", required=False)
@click.option(
    "--budget", type=click.IntRange(min=1), metavar="TOKENS", help="Fit into this many tokens."
)
@_format_option(["markdown", "paths", "json"], "The texts, their paths, or a JSON summary.")
def context(session: str | None, budget: int | None, output: str) -> None:
    """The reading list for picking up SESSION (default: the newest in progress).

    Its prerequisites (transitively, each after what it requires), then its
    continuation chain oldest first, then SESSION itself. With --budget the
    earlier sessions are shortened, oldest first, to their Next Steps,
    Technical Decisions and Key Insights, then to their summary line, then left
    out; SESSION is always given in full. Tokens are estimated as characters / 4.

    \b
    Examples:
      git sess context                       # the newest session in progress
      git sess context 20251202_eval --budget 8000 > context.md
      git sess context --format paths
    """
    from gitsess.core.reading import reading_list

    found = reading_list(_workspace(), session, budget)
    if output == "paths":
        for reading in found.readings:
            click.echo(_shown_path(_workspace().repo.root / reading.session.path))
    elif output == "json":
        click.echo(found.as_json())
    else:
        click.echo(found.markdown(), nl=False)
    if budget is not None and found.tokens > budget:
        click.echo(
            f"git-sess: warning: ~{found.tokens} tokens, over the budget of {budget}:"
            " the session itself is always given in full",
            err=True,
        )
    if found.dropped:
        click.echo(f"git-sess: note: left out to fit: {', '.join(found.dropped)}", err=True)


@cli.command()
@_session_filters
@click.option("--root", metavar="ID", help="Only the sessions linked to this one.")
@_format_option(
    ["mermaid", "dot", "json"], "Mermaid (renders on code-hosting sites), Graphviz dot, or JSON."
)
def graph(output: str, root: str | None, **filters: Any) -> None:
    """The link graph: continuation edges solid, prerequisite edges dashed.

    Arrows run forward in time, from a session to the one that continues or
    requires it; nodes show date and title and are coloured by status.

    \b
    Examples:
      git sess graph > sessions.mmd
      git sess graph --format dot --tag ml | dot -Tsvg > sessions.svg
      git sess graph --root distilbert_training --format json
    """
    from gitsess.core.graph import session_graph
    from gitsess.core.listing import SessionFilter

    found = session_graph(_workspace(), SessionFilter(**filters), root)
    click.echo({"mermaid": found.mermaid, "dot": found.dot, "json": found.json}[output](), nl=False)


@cli.command()
@_session_filters
@click.option(
    "--charset",
    type=click.Choice(["auto", "unicode", "ascii"]),
    default="auto",
    show_default=True,
    help="auto: box-drawing characters on a UTF-8 terminal, plain ASCII otherwise.",
)
def timeline(charset: str, **filters: Any) -> None:
    """Sessions by date, newest first, each continuation chain drawn as a line.

    A chain keeps one column from its newest session to its oldest; where two
    sessions continue the same one, their lines join there. Each session's
    mark says its status (a legend follows). Lines fit 80 columns.

    \b
    Examples:
      git sess timeline
      git sess timeline --since 2025-12-01 --tag ml
    """
    from gitsess.core.listing import SessionFilter
    from gitsess.core.timeline import ASCII, UNICODE, terminal_is_utf8
    from gitsess.core.timeline import timeline as draw

    if charset == "auto":
        stream = click.get_text_stream("stdout")
        charset = "unicode" if stream.isatty() and terminal_is_utf8() else "ascii"
    glyphs = UNICODE if charset == "unicode" else ASCII
    click.echo(draw(_workspace(), SessionFilter(**filters), glyphs), nl=False)


_TRANSCRIPT_OPTION = click.option(
    "--transcript",
    metavar="PATH|ID",
    help="A Claude Code transcript (default: this repository's newest).",
)


@cli.command()
@_TRANSCRIPT_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def status(transcript: str | None, as_json: bool) -> None:
    """Where the assistant's context stands, and what to do next.

    From the end of the Claude Code transcript: context tokens of the window,
    the zone (normal < 25 % · consider exporting < 50 % · export soon < 75 % ·
    urgent < 87.5 % · critical), the context left before auto-compaction; then
    the time since the last export and the last checkpoint, and the one command
    to run next. Without a transcript it says so and shows the times.

    \b
    Examples:
      git sess status
      git sess status --json
    """
    from gitsess.assistant.status import session_status

    found = session_status(_workspace(), transcript)
    if as_json:
        _print_json(found.as_json())
        return
    _print_status(found)


def _print_status(found: Any) -> None:
    from gitsess.assistant.status import ago

    budget, tail = found.budget, found.tail
    if tail is None:
        click.echo(f"transcript       none ({found.missing})")
    else:
        model = f", {tail.model}" if tail.model else ""
        click.echo(f"transcript       {tail.session_id or tail.path.stem}{model}")
        if tail.skipped_lines:
            click.echo(f"                 ({tail.skipped_lines} unreadable line(s) skipped)")
    if budget is not None:
        click.echo(
            f"context          {budget.tokens:,} / {budget.window:,} tokens"
            f" ({budget.share:.0%}) - {budget.zone}"
        )
        free = max(budget.usable - budget.tokens, 0)
        click.echo(
            f"left             {budget.left:.0%} of the usable context before auto-compaction"
            f" ({free:,} tokens)"
        )
    elif tail is not None:
        since = "since the last compaction" if tail.compacted else "yet"
        click.echo(f"context          unknown (no reply {since})")
    for label, moment in (
        ("last export", found.last_export),
        ("last checkpoint", found.last_checkpoint),
    ):
        where = f" ({moment.path})" if moment else ""
        click.echo(f"{label:<16} {ago(moment.time if moment else None, found.now)}{where}")
    click.echo(f"next             {found.next_step}")


@cli.command(name="time")
@_TRANSCRIPT_OPTION
def time_(transcript: str | None) -> None:
    """The time now (with time zone), how long the assistant session has run,
    and the time since the last export and the last checkpoint.

    \b
    Example:
      git sess time
    """
    from gitsess.assistant.status import ago, session_status, span

    found = session_status(_workspace(), transcript)
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
        click.echo(f"{label:<16} {ago(moment.time if moment else None, now)}")


@cli.command()
@click.argument("description", required=False)
@_FROM_TRANSCRIPT_OPTION
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

    workspace = _workspace()
    scan = scan_for(workspace.repo.root, transcript) if transcript else None
    path = write_checkpoint(workspace, CheckpointRequest(description=description, scan=scan))
    click.echo(_shown_path(path))


@cli.group()
def assistant() -> None:
    """Claude Code hooks: recovery after a reset, warnings, automatic checkpoints.

    \b
    The hooks `install` adds to a Claude Code settings file:
      SessionStart      names what to read, in order (after a compaction: a
                        recovery message; git config sess.recoveryMode auto|manual)
      PreCompact        writes a checkpoint before the context is compacted
      UserPromptSubmit  at the urgent and critical zones, asks for an export (once per zone)
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


@assistant.command(name="install")
@_scope_options
def assistant_install(local: bool, shared: bool, user: bool) -> None:
    """Add git-sess's hooks to a Claude Code settings file.

    Other keys and hooks stay; the previous file is kept as <file>.bak.
    Installing twice changes nothing.
    """
    from gitsess.assistant.settings import install

    change = install(*_scope(local, shared, user))
    _print_settings_change(change, "installed in", "already installed in")


@assistant.command(name="uninstall")
@_scope_options
def assistant_uninstall(local: bool, shared: bool, user: bool) -> None:
    """Take git-sess's hooks out of a Claude Code settings file (others stay)."""
    from gitsess.assistant.settings import uninstall

    change = uninstall(*_scope(local, shared, user))
    _print_settings_change(change, "removed from", "not installed in")


def _print_settings_change(change: Any, done: str, nothing: str) -> None:
    def shown(path: Path) -> str:  # ~/.claude/… is clearer whole than as ../../…
        relative = _shown_path(path)
        return str(path) if relative.startswith("../") else relative

    click.echo(f"{done if change.changed else nothing} {shown(change.path)}")
    if change.backup is not None:
        click.echo(f"the previous file is {shown(change.backup)}")


@assistant.command(name="status")
def assistant_status() -> None:
    """Which hooks are installed in which settings file."""
    from gitsess.assistant.settings import MATCHERS, SCOPES, installed_events, settings_path

    repo = _scope(False, False, True)[1]  # outside a repository, the user file alone
    for scope in SCOPES if repo else ("user",):
        path = settings_path(scope, repo.root if repo else None)
        shown = _shown_path(path) if scope != "user" else str(path)
        try:
            _, states = installed_events(scope, repo)
        except GitSessError as error:  # the other files are still worth showing
            click.echo(f"{scope:<7} {shown}: cannot be read: {error.message}")
            continue
        if states is None:
            click.echo(f"{scope:<7} {shown}: no file")
            continue
        click.echo(f"{scope:<7} {shown}:")
        for event in sorted(set(MATCHERS) | set(states)):
            click.echo(f"  {event:<17} {states.get(event, 'missing')}")


@assistant.command(name="log")
@click.option(
    "-n",
    "count",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="How many of the last events.",
)
def assistant_log(count: int) -> None:
    """The last hook events: time, event, what was injected or written, errors."""
    from gitsess.assistant.claude_hooks import read_log
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
@_TRANSCRIPT_OPTION
def assistant_test(transcript: str | None) -> None:
    """Run each hook on this repository's current transcript and print what it
    would inject or write, changing nothing."""
    from gitsess.assistant.claude_hooks import rehearse
    from gitsess.assistant.transcript import find_transcript

    workspace = _workspace()
    path = find_transcript(workspace.repo.root, transcript)
    click.echo(f"transcript: {path}")
    for label, outcome in rehearse(workspace, path):
        click.echo(f"\n== {label}: {outcome.did}")
        click.echo(json.dumps(outcome.output, indent=2, ensure_ascii=False))


@cli.command(name="list")
@_session_filters
@click.option("--json", "as_json", is_flag=True, help="A stable machine-readable array.")
def list_(
    tags: tuple[str, ...],
    statuses: tuple[str, ...],
    types: tuple[str, ...],
    since: str | None,
    until: str | None,
    as_json: bool,
) -> None:
    """List sessions, newest first: date, id, type, status, title, tags.

    \b
    Examples:
      git sess list --tag ml --status in-progress
      git sess list --since 2025-12-01 --json
    """
    from gitsess.core.listing import SessionFilter, list_sessions

    wanted = SessionFilter(tags, statuses, types, since=since, until=until)
    listing = list_sessions(_workspace(), wanted, as_json)
    click.echo(listing.text)
    for warning in listing.warnings:
        click.echo(f"git-sess: warning: {warning}", err=True)
    if listing.with_errors:
        click.echo(
            f"git-sess: warning: {listing.with_errors} export(s) have errors; see git sess check",
            err=True,
        )


@cli.command()
@click.argument("session")
@click.option("--json", "as_json", is_flag=True, help="Metadata and body as JSON.")
@click.option("--links", "with_links", is_flag=True, help="Its links, chain and backlinks.")
def show(session: str, as_json: bool, with_links: bool) -> None:
    """Show one session's metadata and text.

    SESSION is the id, the id without .md, a unique prefix, or the file's path.

    \b
    Examples:
      git sess show session_20251201_distilbert_training.md
      git sess show 20251201_distil --links
    """
    from gitsess.core.listing import show_session

    workspace = _workspace()
    found = show_session(workspace, session)
    links = None
    if with_links:
        from gitsess.core.reading import session_links

        links = session_links(workspace, found.session.id)
    if as_json:
        _print_json({**found.as_dict(), **({"links": links.as_dict()} if links else {})})
        return
    for label, value in found.fields():
        click.echo(f"{label + ':':<11}{value}")
    if links:
        click.echo("links:")
        for line in links.lines():
            click.echo(f"  {line}")
    click.echo("")
    click.echo(found.body, nl=not found.body.endswith("\n"))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON.")
def check(as_json: bool) -> None:
    """Validate every export, its links and the index; exit 1 on errors.

    Reports YAML that does not parse (file and line), missing fields, values
    outside `git config sess.types` / `sess.statuses`, dangling and self links,
    link cycles, forks in a chain, exports over `sess.maxExportSize` (32k) and
    a stale index.

    \b
    Example:
      git sess check && git commit
    """
    from gitsess.core.checks import check_workspace

    report = check_workspace(_workspace())
    if as_json:
        _print_json(
            {
                "sessions": report.sessions,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "problems": [problem.to_dict() for problem in report.problems],
            }
        )
    else:
        for problem in report.problems:
            click.echo(f"{problem.level}: {problem.location}: {problem.message}")
            if problem.hint:
                click.echo(f"  hint: {problem.hint}")
        click.echo(
            f"{report.sessions} session(s) checked: {len(report.errors)} error(s),"
            f" {len(report.warnings)} warning(s)"
        )
    if report.errors:
        raise SystemExit(1)


@cli.command()
@click.option("--check", "check_only", is_flag=True, help="Write nothing; exit 1 if stale.")
def index(check_only: bool) -> None:
    """Regenerate .sessions/session_index.md from the exports.

    The output is deterministic (no timestamps), grouped by date, newest first.
    A hand-written index is kept as session_index.md.orig.

    \b
    Examples:
      git sess index
      git sess index --check    # in CI
    """
    from gitsess.core.listing import regenerate_index

    result = regenerate_index(_workspace(), write=not check_only)
    if result.backup:
        click.echo(f"kept the hand-written index as {result.backup}")
    click.echo(f"{'wrote' if result.changed else 'up to date:'} {result.path}")
    if result.with_errors:
        click.echo(
            f"git-sess: warning: {result.with_errors} export(s) have errors; the index shows"
            " what could be read of them: see git sess check",
            err=True,
        )


@cli.command(name="import")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
def import_(paths: tuple[str, ...], dry_run: bool) -> None:
    """Give hand-written exports a frontmatter inferred from their text.

    Without PATHS: every export in the sessions directory that has none.
    PATHS elsewhere in the repository (files or directories) are moved in with
    `git mv`, so history follows them. Bodies are kept byte for byte; links the
    text mentions are suggested, never added.

    \b
    Examples:
      git sess import --dry-run
      git sess import docs/sessions/
    """
    from gitsess.core.migration import import_exports

    result = import_exports(_workspace(), list(paths), dry_run=dry_run)
    verb = "would" if dry_run else "did"
    for created in result.created:
        click.echo(f"created {created}")
    for item in result.items:
        if item.moved:
            click.echo(f"{'would move' if dry_run else 'moved'} {item.source} -> {item.target}")
        if item.frontmatter is not None:
            if dry_run:
                click.echo(f"would add to {item.target}:")
                click.echo(item.frontmatter, nl=False)
            else:
                click.echo(f"added frontmatter to {item.target}")
    for path, reason in result.skipped:
        click.echo(f"skipped {path}: {reason}")
    if not result.items:
        click.echo("nothing to import")
    if result.index and result.index.backup:
        click.echo(f"kept the hand-written index as {result.index.backup}")
    if result.index and result.index.changed:
        click.echo(f"wrote {result.index.path}")
    if not dry_run and any(item.moved and item.frontmatter for item in result.items):
        click.echo(
            "\nThe moves are staged, the frontmatter is not: commit now (git commit -m"
            " 'Move session exports') so each move is a pure rename and git log --follow"
            " keeps the history, then commit the frontmatter."
        )
    if result.suggestions:
        click.echo(f"\nThe text mentions other sessions; to link them ({verb} not add links):")
        for suggestion in result.suggestions:
            click.echo(f"  {suggestion}")


class _QueryCommand(click.Command):
    """In a query, `-word` excludes a word; click would take it for options
    (`-health` even for -h), so such words reach the query as `NOT word`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value = {
            name
            for param in self.params
            if isinstance(param, click.Option) and not param.is_flag
            for name in param.opts
        }
        words = [
            f"NOT {arg[1:]}"
            if arg.startswith("-")
            and arg[1:2] not in ("", "-")
            and arg != "-h"
            and (number == 0 or args[number - 1] not in takes_value)  # `--limit -5`
            else arg
            for number, arg in enumerate(args)
        ]
        return super().parse_args(ctx, words)


@cli.command(cls=_QueryCommand)
@click.argument("words", nargs=-1)
@_session_filters
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
    from gitsess.search.engine import SearchRequest, index_stats, search

    workspace = _workspace()
    if stats:
        found = index_stats(workspace)
        if as_json:
            _print_json(found.public())
        else:
            _print_stats(found)
        return
    request = SearchRequest(query=" ".join(words), snippets=not paths_only, **wanted)
    result = search(workspace, request)
    for notice in result.notices:
        click.echo(f"git-sess: notice: {notice}", err=True)
    if as_json:
        click.echo(json_array([hit.public() for hit in result.hits]))
    elif paths_only:
        for hit in result.hits:
            click.echo(_shown_path(workspace.repo.root / hit.path))
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
        raise SystemExit(1)


def _use_color(choice: str) -> bool:
    if choice != "auto":
        return choice == "always"
    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )


def _print_hits(result: Any, color: bool) -> None:
    def styled(text: str, **style: Any) -> str:
        return click.style(text, **style) if color else text

    def echo(text: str = "") -> None:
        click.echo(text, color=color)  # click would strip the styles when piped

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
                styled(part, fg="red", bold=True) if hit_ else part for part, hit_ in snippet
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
        ("index", _shown_path(stats.path)),
        ("documents", str(stats.documents)),
        ("size", f"{stats.size / 1e6:.1f} MB in {stats.segments} segment(s)"),
        ("built", moment(stats.built_ns)),
        ("updated", moment(stats.updated_ns)),
        ("in sync", pending),
        ("schema", f"{stats.schema} (Whoosh {stats.whoosh})"),
    ):
        click.echo(f"{label + ':':<11}{value}")


def _age(seconds: float) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


@cli.command()
def reindex() -> None:
    """Rebuild the search index from scratch.

    Never needed for correct results (every search brings the index up to
    date first); use it after a Whoosh upgrade or to reclaim space. Shows a
    progress bar on a terminal.

    \b
    Example:
      git sess reindex
    """
    from gitsess.search.engine import reindex as rebuild

    progress = _ProgressBar("indexing") if sys.stderr.isatty() else None
    try:
        stats = rebuild(_workspace(), progress)
    finally:
        if progress:
            progress.close()
    click.echo(
        f"indexed {stats.documents} document(s) in {_shown_path(stats.path)}"
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


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def demo(directory: str | None) -> None:
    """Run the main flow in a throwaway repository, printing every command.

    DIRECTORY must be new or empty; by default a temporary directory is used
    and left for you to explore.

    \b
    Example:
      git sess demo
    """
    from gitsess.cli.demo import prepare_directory, run_demo

    path = prepare_directory(directory)
    for step in run_demo(path):
        click.secho(f"$ {step.command}", bold=True)
        if step.output:
            click.echo(step.output)
        click.echo("")
        if step.exit_code not in (0,):
            raise GitSessError(
                f"the demo step '{step.command}' failed (exit {step.exit_code})",
                f"look at the repository it left in {path}",
            )
    click.echo(f"The demo repository is {path}; cd there to try more, rm -rf it when done.")


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="git sess", standalone_mode=False)
    except GitSessError as error:
        _report(error.message, error.hint)
        return error.exit_code
    except click.ClickException as error:
        if not isinstance(error, click.UsageError):  # e.g. a file click could not open
            _report(error.format_message(), None)
            return 1
        if type(error).__name__ == "NoArgsIsHelpError" and error.ctx:  # click >= 8.2
            click.echo(error.ctx.get_help())
            return 0
        command = error.ctx.command_path if error.ctx else "git sess"
        _report(error.format_message(), f"{command} --help")
        return 2
    except click.exceptions.Exit as done:
        return done.exit_code
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    except (KeyboardInterrupt, click.exceptions.Abort):
        return 130
    except BrokenPipeError:
        # The reader went away (`git sess list | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:  # the single exit point for bugs
        if _debug:
            traceback.print_exc()
        _report(
            f"unexpected {type(error).__name__}: {error}",
            "this is a bug in git-sess: please report it with the traceback above"
            if _debug
            else "run again as git sess --debug … for the traceback, and report it",
        )
        return 3
    return 0


def _report(message: str, hint: str | None) -> None:
    click.echo(f"git-sess: error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)
