"""The commands that write sessions: init, new, update, link, unlink, mv, import,
index, and check, which guards what they write."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gitsess.cli.options import (
    DATE,
    FROM_TRANSCRIPT_OPTION,
    current_workspace,
    print_json,
    shown_path,
)
from gitsess.core.errors import ExitCode, GitSessError, exit_with, printable

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace


@click.command()
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
    from gitsess.hooks.install import set_up

    workspace = current_workspace()
    done = set_up(workspace, with_hooks=not no_hooks)
    for created in done.created:
        click.echo(f"created {created}")
    if done.hooks_error is not None:  # the sessions directory is set up all the same
        error = done.hooks_error
        click.echo(f"git-sess: warning: hooks not installed: {error.message}", err=True)
        if error.hint:
            click.echo(f"hint: {error.hint}", err=True)
    for line in done.changed:
        click.echo(line)
    if not done.created and not done.changed:
        click.echo(f"{workspace.config.sessions_dir}/ is already set up; nothing to do")
    elif done.next_step:
        click.echo(f"next: {done.next_step}")


@click.command()
@click.argument("title", required=False)
@click.option(
    "--type",
    help="feature (the default; a next part from a transcript: the part's), bug, research,"
    " operation, checkpoint, reflection, roadmap (or one added with git config sess.types).",
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
@FROM_TRANSCRIPT_OPTION
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

    workspace = current_workspace()
    inherit = fields["type"] is None  # a next part takes its part's type
    request = NewSession(**{**fields, "type": fields["type"] or "feature"})
    if transcript is not None:
        request = from_transcript(workspace, request, transcript, inherit_type=inherit)
    path = create_session(workspace, request)
    click.echo(shown_path(path))
    if edit:
        _open_editor(workspace, path)


def _open_editor(workspace: Workspace, path: Path) -> None:
    if not sys.stdin.isatty():
        click.echo(
            "git-sess: note: not opening an editor: standard input is not a terminal", err=True
        )
        return
    editor = workspace.repo.editor()
    try:
        click.edit(filename=str(path), editor=editor)
    except click.ClickException as failure:
        raise GitSessError(
            f"wrote {shown_path(path)}, but the editor failed: {failure.format_message()}",
            "open it another way, or set core.editor: git config core.editor nano",
        ) from failure


@click.command()
@click.argument("session")
@click.option("--status", help="New status.")
@click.option("--type", help="New type.")
@click.option(
    "--title",
    help="New title; a `# Session:` heading that said the old one follows"
    " (the file name stays, unless --rename).",
)
@click.option("--summary", help="New one-line summary.")
@click.option("--add-tag", "add_tags", multiple=True, metavar="TAG", help="Add a tag (repeatable).")
@click.option(
    "--remove-tag", "remove_tags", multiple=True, metavar="TAG", help="Remove a tag (repeatable)."
)
@click.option("--requires", multiple=True, metavar="ID", help="Add a prerequisite (repeatable).")
@click.option("--continues", metavar="ID", help="Set the session this one continues.")
@click.option("--tokens", type=click.IntRange(min=0), help="Context tokens used.")
@click.option(
    "--rename",
    is_flag=True,
    help="Name the file by the title (the new one, else its own) as git sess mv does:"
    " links follow, and the rename is staged.",
)
def update(session: str, **changes: Any) -> None:
    """Change a session's metadata in place.

    Only the keys you change are rewritten; every other key, their order,
    comments and the rest of the body stay byte for byte. A new --title also
    rewrites the body's `# Session: <old title>` heading; the file name keeps
    the old title unless --rename is given (or git sess mv is run after).

    \b
    Examples:
      git sess update session_20251201_distilbert_training --status complete \\
          --add-tag gpu --remove-tag draft
      git sess update 20251201_distilbert --title "DistilBERT fine-tuning" --rename
    """
    from gitsess.core.authoring import UpdateRequest, update_session

    if not any(changes.values()):
        raise click.UsageError(
            "nothing to change: give --status, --type, --title, --summary, --add-tag,"
            " --remove-tag, --requires, --continues, --tokens or --rename"
        )
    _print_update(update_session(current_workspace(), session, UpdateRequest(**changes)))


def _print_update(result: Any) -> None:
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    renamed = result.renamed
    if renamed is not None and renamed.new != renamed.old:
        _print_renamed(renamed)
    if result.changed:
        heading = " (and the heading)" if result.heading else ""
        click.echo(f"updated {shown_path(result.path)}: {', '.join(result.changed)}{heading}")
    elif renamed is None or renamed.new == renamed.old:
        click.echo(f"{shown_path(result.path)} already says that; nothing changed")
    if result.rename_to:
        title = shlex.quote(result.title)
        click.echo(
            f"hint: the file name still says the old title; rename it (links follow):"
            f" git sess mv {Path(result.path).stem} {printable(title)}",
            err=True,
        )


@click.command()
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
    result = update_session(current_workspace(), session, request)
    _print_update(result)


@click.command()
@click.argument("session")
@click.argument("others", nargs=-1, metavar="[OTHER]...")
@click.option("--continues", metavar="ID", help="Drop only its continuation of ID.")
@click.option("--requires", multiple=True, metavar="ID", help="Drop only its prerequisite ID.")
def unlink(
    session: str, others: tuple[str, ...], continues: str | None, requires: tuple[str, ...]
) -> None:
    """Remove the links from SESSION to the OTHER sessions: every link to an OTHER,
    only that kind with --continues or --requires. Links are matched as written,
    so one to a deleted or renamed session can be removed.

    \b
    Examples:
      git sess unlink session_20251202_eval session_20251130_data
      git sess unlink session_20251202_eval --requires session_20251130_data
    """
    from gitsess.core.authoring import UpdateRequest, update_session

    if not (others or continues or requires):
        raise click.UsageError("nothing to unlink: give OTHER, --continues ID or --requires ID")
    dropped = (continues,) if continues else ()  # a session continues one other
    request = UpdateRequest(unlink=others, unlink_requires=requires, unlink_continues=dropped)
    _print_update(update_session(current_workspace(), session, request))


@click.command(name="mv")
@click.argument("session")
@click.argument("title")
@click.option("--text", is_flag=True, help="Also rewrite mentions in other sessions' bodies.")
def mv(session: str, title: str, text: bool) -> None:
    """Rename SESSION to TITLE: a new file name (same date) and every link following.

    The file moves with git mv, so git log --follow keeps its history; the
    title changes in the frontmatter and in a `# Session:` heading that said
    the old one. Links to it in other sessions' frontmatter are rewritten as
    they were written (with or without .md); with --text, so are mentions of
    its id in their bodies. Everything it changed is staged (the move, the
    links, the index), so git commit can follow at once; edits of yours that
    were not staged stay unstaged, and an untracked session stays untracked.

    \b
    Example:
      git sess mv session_20251201_distilbert_training "DistilBERT fine-tuning"
    """
    from gitsess.core.renaming import rename_session

    workspace = current_workspace()
    renamed = rename_session(workspace, session, title, text=text)
    if renamed.new == renamed.old:
        click.echo(f"retitled {shown_path(renamed.new)} (its file name stays)")
    _print_renamed(renamed)


def _print_renamed(renamed: Any) -> None:
    """What mv did: the move, the links and mentions rewritten, what is staged."""
    if renamed.new != renamed.old:
        click.echo(f"renamed {shown_path(renamed.old)} -> {shown_path(renamed.new)}")
    for path in renamed.links_rewritten:
        click.echo(f"rewrote the link in {shown_path(path)}")
    for path in renamed.text_rewritten:
        click.echo(f"rewrote mentions in {shown_path(path)}")
    if renamed.mentioned_in:
        shown = ", ".join(shown_path(path) for path in renamed.mentioned_in)
        click.echo(
            f"git-sess: note: the old id is still mentioned in {shown}"
            " (edit them by hand; --text rewrites mentions along with the links)",
            err=True,
        )
    if renamed.staged and not (renamed.kept_unstaged or renamed.untracked or renamed.not_staged):
        click.echo("staged all of it (git commit records it)")
    for path in renamed.kept_unstaged:
        click.echo(
            f"git-sess: note: staged only the rename's edits of {shown_path(path)};"
            " the changes you had not staged stay unstaged",
            err=True,
        )
    for path in renamed.untracked:
        click.echo(
            f"git-sess: note: {shown_path(path)} is not tracked by git: changed in the work tree"
            f" only (git add {shown_path(path)} to commit it)",
            err=True,
        )
    for path, why in renamed.not_staged:
        click.echo(
            f"git-sess: warning: the staged {shown_path(path)} could not be rewritten"
            f" ({printable(why)}); stage it yourself: git add {shown_path(path)}",
            err=True,
        )


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Problems as JSON.")
def check(as_json: bool) -> None:
    """Validate every export, its links and the index; exit 1 on errors.

    Reports YAML that does not parse (file and line), missing fields, values
    outside `git config sess.types` / `sess.statuses`, dangling and self links,
    link cycles, forks in a chain, exports over `sess.maxExportSize` (32k), a
    stale index, merge conflicts in the index or an export (with their fix), and
    what looks like a credential in any file of the sessions directory (as the
    pre-commit hook refuses it).

    \b
    Example:
      git sess check && git commit
    """
    from gitsess.core.checks import check_workspace

    report = check_workspace(current_workspace())
    if as_json:
        print_json(
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
        raise SystemExit(ExitCode.ERROR)


@click.command()
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

    result = regenerate_index(current_workspace(), write=not check_only)
    if result.backup:
        click.echo(f"kept the hand-written index as {result.backup}")
    click.echo(f"{'wrote' if result.changed else 'up to date:'} {result.path}")
    if result.with_errors:
        click.echo(
            f"git-sess: warning: {result.with_errors} export(s) have errors; the index shows"
            " what could be read of them: see git sess check",
            err=True,
        )


@click.command(name="import")
@click.argument("paths", nargs=-1)
@click.option(
    "--dry-run", is_flag=True, help="Show what would be written and skipped; write nothing."
)
@click.option(
    "--rename",
    is_flag=True,
    help="Name every note session_YYYYMMDD_slug.md, in the sessions directory itself"
    " (default: keep names that carry a date).",
)
@click.option(
    "--accept-links", is_flag=True, help="Add the links the notes' text suggests as well."
)
def import_(paths: tuple[str, ...], dry_run: bool, rename: bool, accept_links: bool) -> None:
    """Bring in hand-kept session notes: a frontmatter read from each one's text.

    Without PATHS: every note in the sessions directory (git config sess.dir,
    default .sessions) that has no frontmatter, or only another tool's. PATHS
    (files, folders with their subfolders, globs) elsewhere in the repository
    are moved into the sessions directory with `git mv`, so history follows
    them; their subfolders and dated names are kept (--rename to name them all
    session_YYYYMMDD_slug.md), and every reference to them in the other notes
    and in the repository's text files (a README's links) is rewritten. To keep
    notes where they are instead: git config sess.dir FOLDER, then git sess
    import. READMEs, indexes and
    templates are left where they are. A note that cannot be read is listed and
    skipped, the rest imported, and the exit status is 1. Bodies are kept byte
    for byte; links the text mentions are suggested, added only with
    --accept-links.

    \b
    Examples:
      git sess import --dry-run .claude/sessions
      git sess import docs/sessions
      git sess import --accept-links
    """
    from gitsess.core.migration import import_exports

    result = import_exports(
        current_workspace(), list(paths), dry_run=dry_run, rename=rename, accept_links=accept_links
    )
    for created in result.created:
        click.echo(f"created {created}")
    for item in result.items:
        if item.moved:
            moved = "would move" if dry_run else "moved"
            click.echo(f"{moved} {printable(item.source)} -> {printable(item.target)}")
        if item.frontmatter is not None:
            if dry_run:
                click.echo(f"would add to {printable(item.target)}:")
                for line in item.frontmatter.splitlines():
                    click.echo(printable(line))
            else:
                click.echo(f"added frontmatter to {printable(item.target)}")
    for path in result.rewritten:
        click.echo(f"{'would rewrite' if dry_run else 'rewrote'} references in {printable(path)}")
    for path, why in result.left:
        click.echo(f"left {printable(path)}: {why}")
    for skipped in result.skipped:
        click.echo(f"skipped {printable(skipped.path)}: {printable(skipped.reason)}")
        if skipped.hint:
            click.echo(f"  hint: {printable(skipped.hint)}")
    if result.already:
        click.echo(f"left {result.already} note(s) that have a frontmatter already")
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
    _print_suggestions(result.suggestions, accepted=result.accepted, dry_run=dry_run)
    if len(result.skipped) == 1:  # the one line names the file, as any error does
        only = result.skipped[0]
        raise SystemExit(exit_with(ExitCode.ERROR, f"{only.path}: {only.reason}", only.hint))
    if result.skipped:
        done = "would be" if dry_run else "was"
        raise SystemExit(
            exit_with(
                ExitCode.ERROR,
                f"{len(result.skipped)} files skipped, listed above; the rest {done} imported",
                "fix each as its hint says, then run git sess import on it again",
            )
        )


def _print_suggestions(suggestions: list[Any], *, accepted: bool, dry_run: bool) -> None:
    if not suggestions:
        return
    if accepted:
        click.echo(f"\n{'Would add' if dry_run else 'Added'} the links the text asks for:")
        for suggestion in suggestions:
            source, target = printable(suggestion.source), printable(suggestion.target)
            click.echo(f"  {source} {suggestion.kind} {target}")
        return
    else:
        click.echo(
            "\nThe text names other sessions; links suggested (not added)."
            + (
                " Run the import with --accept-links to add them."
                if dry_run
                else " Add them all: git sess import --accept-links"
            )
        )
    for suggestion in suggestions:
        command, mention = printable(suggestion.command()), printable(suggestion.mention)
        click.echo(f"  {command}    # the text names {mention}")


COMMANDS = (init, new, update, link, unlink, mv, import_, index, check)
