"""`git sess check`: every problem with every export, in a deterministic order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import NamedTuple

from gitsess.core.catalog import Catalog
from gitsess.core.config import tag_problem, vocabulary_problem
from gitsess.core.conflicts import (
    conflict_alone,
    index_conflict,
    stale_index_hint,
    unmerged_paths,
    unmerged_problems,
)
from gitsess.core.credentials import credential_problems
from gitsess.core.errors import GitSessError
from gitsess.core.links import (
    Edge,
    continues_later,
    find_cycles,
    format_cycle,
    link_problems,
)
from gitsess.core.model import Problem, Session
from gitsess.core.names import name_trouble
from gitsess.core.workspace import Workspace, index_is_current, read_index_file


class CheckReport(NamedTuple):
    sessions: int
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


def check_workspace(workspace: Workspace) -> CheckReport:
    catalog = workspace.catalog()
    unmerged = unmerged_paths(workspace.repo, workspace.config.sessions_dir)
    # An export with conflict markers reports the conflict alone: the rest of its
    # problems are the two sides' lines read together. Credentials are still named.
    problems = conflict_alone(export_problems(workspace, catalog))
    problems += _index_problems(workspace, catalog, unmerged)
    problems += [_unnamed_problem(workspace, name) for name in catalog.scan.unnamed]
    sessions_dir = workspace.config.sessions_dir
    problems += [linked_problem(f"{sessions_dir}/{name}") for name in catalog.scan.linked]
    problems += _linked_folders(workspace)
    problems += credential_problems(workspace, catalog)  # as the pre-commit hook refuses
    problems += unmerged_problems(unmerged, problems, workspace.relative(workspace.index_path))
    problems.sort(key=lambda p: (p.path, p.line or 0, p.level, p.message))
    return CheckReport(sessions=len(catalog.sessions), problems=problems)


def _unnamed_problem(workspace: Workspace, name: str) -> Problem:
    path = f"{workspace.config.sessions_dir}/{name}"  # quoted where shown, as git does
    return Problem(
        path,
        None,
        "error",
        f"the file name {name_trouble(name)}: git sess leaves the note out",
        "give it a name of its own: git sess import renames it by its date and title",
    )


def linked_problem(path: str) -> Problem:
    """An export that is a symbolic link: left out by every command, refused by
    the pre-commit hook (a clone could point one at ~/.ssh)."""
    return Problem(
        path,
        None,
        "error",
        "a symbolic link, not a file: git sess never reads an export through a link",
        f"put the note itself there: git rm --cached {path}, then copy the file in its place",
    )


def _linked_folders(workspace: Workspace) -> list[Problem]:
    """The checkpoints and templates folders when a link leads them out of the
    repository: never read or written through, which the commands that use them
    say; check says it too, instead of finding nothing there."""
    problems = []
    for folder in (workspace.checkpoints_path, workspace.templates_path):
        try:
            workspace.inside(folder)
        except GitSessError as refused:
            problems.append(
                Problem(workspace.relative(folder), None, "error", refused.message, refused.hint)
            )
    return problems


def export_problems(workspace: Workspace, catalog: Catalog) -> list[Problem]:
    """Everything `check` reports except the state of the index file."""
    sessions = catalog.sessions
    by_id = catalog.by_id
    problems = own_problems(workspace, sessions)
    # (imported here: the renaming machinery is not needed on the way of a commit's hook)
    from gitsess.core.renaming import rename_lookup

    renamed_to = rename_lookup(workspace, catalog)  # asks git only if a link dangles
    edges, found = link_problems(sessions, workspace.config.sessions_dir, renamed_to=renamed_to)
    problems += found
    kinds = {(edge.source, edge.target): edge.kind for edge in edges}
    cycles = find_cycles(by_id, edges)
    problems += [cycle_problem(by_id, cycle, kinds, catalog.sessions_dir) for cycle in cycles]
    continuations: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge.kind == "continues":
            continuations[edge.target].append(edge.source)
    problems += fork_problems(by_id, continuations)
    # A cycle of continuations runs back in time somewhere; its error says it all.
    in_cycles = {member for cycle in cycles for member in cycle}
    outside = [edge for edge in edges if not {edge.source, edge.target} <= in_cycles]
    return problems + _backward_problems(by_id, outside)


def own_problems(workspace: Workspace, sessions: list[Session]) -> list[Problem]:
    """What each export has wrong on its own, whatever the others say."""
    problems = [problem for session in sessions for problem in session.problems]
    problems += _vocabulary_problems(workspace, sessions)
    return problems + _size_problems(workspace, sessions)


def cycle_problem(
    by_id: Mapping[str, Session],
    cycle: list[str],
    kinds: Mapping[tuple[str, str], str],
    sessions_dir: str,
) -> Problem:
    first = by_id[cycle[0]]
    key = "continuation_of" if kinds[cycle[0], cycle[1]] == "continues" else "prerequisite_sessions"
    return Problem(
        first.path,
        first.key_lines.get(key),
        "error",
        f"link cycle: {format_cycle(cycle)}",
        "a session may only continue or require sessions that came before it;"
        " remove one link of the cycle",
        involves=tuple(f"{sessions_dir}/{member}" for member in cycle),
    )


def fork_problems(
    by_id: Mapping[str, Session], continuations: Mapping[str, list[str]]
) -> list[Problem]:
    return [
        Problem(
            by_id[target].path,
            None,
            "warning",
            f"{len(sources)} sessions continue it: {', '.join(sorted(sources))}",
            "a chain forks here; make one of them require it instead of continuing it",
        )
        for target, sources in sorted(continuations.items())
        if len(sources) > 1
    ]


def _backward_problems(by_id: Mapping[str, Session], edges: list[Edge]) -> list[Problem]:
    """Continuations of a session dated later: the timeline, newest first, cannot
    draw such a chain from its newest session down to its oldest."""
    found = []
    for edge in edges:
        session, earlier = by_id[edge.source], by_id[edge.target]
        if edge.kind == "continues" and continues_later(session.date, earlier):
            found.append(
                Problem(
                    session.path,
                    session.key_lines.get("continuation_of"),
                    "warning",
                    f"continuation_of names {earlier.id}, dated {earlier.date},"
                    f" after this session ({session.date})",
                    "a session continues an earlier one: fix the date of one of them,"
                    f" or drop the link: git sess unlink {session.id} --continues {earlier.id}",
                )
            )
    return found


def _vocabulary_problems(workspace: Workspace, sessions: list[Session]) -> list[Problem]:
    found = []
    for session in sessions:
        for key in ("type", "status"):
            problem = vocabulary_problem(workspace.config, key, getattr(session, key))
            if problem:
                found.append(Problem(session.path, session.key_lines.get(key), "error", *problem))
        for tag in session.tags:  # a warning: notes that passed before must not block commits
            if problem := tag_problem(tag):
                found.append(Problem(session.path, None, "warning", *problem))
    return found


def _size_problems(workspace: Workspace, sessions: list[Session]) -> list[Problem]:
    limit = workspace.config.max_export_bytes
    return [
        Problem(
            session.path,
            None,
            "warning",
            f"export is {_size(session.size)}, over the {_size(limit)} limit:"
            " long exports defeat their purpose",
            "move detail into linked sessions, or raise the limit:"
            " git config sess.maxExportSize 64k",
        )
        for session in sessions
        if session.size > limit
    ]


def _size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count // 1024} KB"


def _index_problems(
    workspace: Workspace, catalog: Catalog, unmerged: Mapping[str, frozenset[int]]
) -> list[Problem]:
    """The index out of date or missing; conflicted, when a merge left it so."""
    relative = workspace.relative(workspace.index_path)
    current = index_is_current(workspace, catalog)
    if relative in unmerged or not current:
        text = None if current else read_index_file(workspace)
        if conflict := index_conflict(relative, text, unmerged):
            return [conflict]
    if current:
        return []
    message = "index is out of date" if workspace.index_path.exists() else "index is missing"
    return [Problem(relative, None, "error", message, stale_index_hint(unmerged))]
