"""The commands that read sessions: list, show, next, prev, context, graph, timeline, trace."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from gitsess.cli.options import (
    count_option,
    current_workspace,
    field_line,
    format_option,
    print_json,
    session_filters,
    shown_path,
)
from gitsess.core.errors import ExitCode, warn

if TYPE_CHECKING:
    from gitsess.core.reading import ChainStep


@click.command(name="list")
@session_filters
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
    listing = list_sessions(current_workspace(), wanted, as_json)
    click.echo(listing.text)
    for warning in listing.warnings:
        click.echo(f"git-sess: warning: {warning}", err=True)
    if listing.with_errors:
        click.echo(
            f"git-sess: warning: {listing.with_errors} export(s) have errors; see git sess check",
            err=True,
        )


@click.command()
@click.argument("session")
@click.option("--json", "as_json", is_flag=True, help="Metadata and body as JSON.")
@click.option("--links", "with_links", is_flag=True, help="Its links, chain and backlinks.")
@count_option(
    "--commits",
    "commit_limit",
    least=0,
    default=10,
    metavar="N",
    help="List this many of the commits that carry it (0: do not look).",
)
def show(session: str, as_json: bool, with_links: bool, commit_limit: int) -> None:
    """Show one session's metadata, the commits that carry it, and its text.

    SESSION is the id, the id without .md, a unique prefix, or the file's path.
    The commits are those that touched its export (through renames, as `git
    log --follow` finds them), newest first: the first N, then how many more.
    In a shallow clone it warns that older commits are not there.

    \b
    Examples:
      git sess show session_20251201_distilbert_training.md
      git sess show 20251201_distil --links
    """
    from gitsess.core.listing import show_session

    workspace = current_workspace()
    found = show_session(workspace, session)
    links = None
    if with_links:
        from gitsess.core.reading import session_links

        links = session_links(workspace, found.session.id)
    commits = None
    if commit_limit:
        from gitsess.core.reading import session_commits

        commits = session_commits(workspace, found.session, commit_limit)
        if commits.shallow:
            warn(commits.shallow.sentence())
    if as_json:
        print_json(
            {
                **found.as_dict(),
                **({"links": links.as_dict()} if links else {}),
                **(commits.as_dict() if commits else {}),
            }
        )
        return
    for label, value in found.fields():
        click.echo(field_line(label, value))
    if links:
        click.echo("links:")
        for line in links.lines():
            click.echo(f"  {line}")
    for line in commits.lines() if commits else []:
        click.echo(line)
    click.echo("")
    click.echo(found.body, nl=not found.body.endswith("\n"))


@click.command(name="next")
@click.argument("session")
def next_(session: str) -> None:
    """Print the session(s) that continue SESSION (several where the chain forks;
    nothing, a note on stderr and exit 0 when it is the last of its chain).

    \b
    Example:
      git sess show "$(git sess next session_20251201_training)"
    """
    from gitsess.core.reading import next_sessions

    _print_step(next_sessions(current_workspace(), session))


@click.command()
@click.argument("session")
def prev(session: str) -> None:
    """Print the session that SESSION continues (nothing, a note on stderr and
    exit 0 when it is the first of its chain).

    \b
    Example:
      git sess prev session_20251202_eval
    """
    from gitsess.core.reading import previous_session

    _print_step(previous_session(current_workspace(), session))


def _print_step(step: ChainStep) -> None:
    """One rule for next and prev: the ids found on stdout; at an end of the
    chain, nothing on stdout and a note on stderr (a normal situation: exit 0)."""
    if step.end_note:
        click.echo(f"git-sess: {step.end_note}", err=True)
    for found in step.found:
        click.echo(found.id)


@click.command()
@click.argument("session", required=False)
@click.option(
    "--budget", type=click.IntRange(min=1), metavar="TOKENS", help="Fit into this many tokens."
)
@format_option(["markdown", "paths", "json"], "The texts, their paths, or a JSON summary.")
def context(session: str | None, budget: int | None, output: str) -> None:
    """The reading list for picking up SESSION (default: the newest in progress).

    What its chain stands on (the prerequisites of SESSION and of every part
    it continues, transitively, each after what it requires), then its
    continuation chain oldest first, then SESSION itself. With --budget every
    session first loses its template comments and empty sections; then the
    earlier ones are shortened, oldest first, to the sections that carry their
    result (by type: research Findings and Recommendations; bug Root Cause, Fix
    and Verification; operation Results; roadmap Current Phase; feature Next
    Steps, Technical Decisions and Key Insights), then to their summary line,
    then left out; SESSION is otherwise always given whole. Tokens are
    estimated as characters / 4.

    \b
    Examples:
      git sess context                       # the newest session in progress
      git sess context 20251202_eval --budget 8000 > context.md
      git sess context --format paths
    """
    from gitsess.core.reading import reading_list

    workspace = current_workspace()
    found = reading_list(workspace, session, budget)
    if output == "paths":
        for reading in found.readings:
            click.echo(shown_path(workspace.repo.root / reading.session.path))
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


@click.command()
@session_filters
@click.option("--root", metavar="ID", help="Only the sessions linked to this one.")
@format_option(
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

    found = session_graph(current_workspace(), SessionFilter(**filters), root)
    click.echo({"mermaid": found.mermaid, "dot": found.dot, "json": found.json}[output](), nl=False)


@click.command()
@session_filters
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
        charset = "unicode" if sys.stdout.isatty() and terminal_is_utf8() else "ascii"
    glyphs = UNICODE if charset == "unicode" else ASCII
    click.echo(draw(current_workspace(), SessionFilter(**filters), glyphs), nl=False)


@click.command()
@click.argument("path")
@click.option("--json", "as_json", is_flag=True, help="A stable machine-readable object.")
def trace(path: str, as_json: bool) -> None:
    """The sessions that created or modified PATH, newest first, and how each is known.

    \b
    How a session is known (each is named in the output):
      listed       its export names PATH in its Files Created / Files
                   Modified lists (or Files Changed, Changes Made, ...)
      same commit  a commit that touched PATH also added or changed its export
      trailer      a commit that touched PATH has a `Session: <id>` trailer
                   (git config sess.trailer true writes them)

    PATH is taken as git takes it: from where you are (`:/PATH` from the top
    of the work tree), a file or a folder, in the work tree or only in the
    history. A file is followed through renames as `git log --follow` does.
    With no session found it says so on stderr and exits 1, as `git grep`
    does; a path outside the repository, or found nowhere, is an error.
    In a shallow clone it warns that older commits are not there.

    \b
    Examples:
      git sess trace src/parser.py
      git sess trace :/train/ --json
    """
    from gitsess.core.repo import discover
    from gitsess.core.tracing import start_trace, trace_path

    started = start_trace(discover(), path)  # git walks the history while the rest loads
    try:
        workspace = current_workspace()
    except BaseException:
        started.cancel()
        raise
    found = trace_path(workspace, path, started=started)
    if as_json:
        print_json(found.as_dict())
    elif found.sessions:
        click.echo("\n".join(found.lines()))  # one write: a path may have hundreds
    for note in [] if as_json else found.notes():  # (the JSON holds them)
        click.echo(f"git-sess: note: {note}", err=True)
    if found.shallow:
        warn(found.shallow.sentence())
    if not found.sessions:
        for line in found.nothing_found():
            click.echo(line, err=True)
        raise SystemExit(ExitCode.ERROR)


COMMANDS = (list_, show, next_, prev, context, graph, timeline, trace)
