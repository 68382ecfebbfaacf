"""`git sess check`: every problem with every export, in a deterministic order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitsess.catalog import Catalog
from gitsess.config import vocabulary_problem
from gitsess.links import find_cycles, format_cycle, link_problems
from gitsess.model import Problem, Session
from gitsess.workspace import Workspace, index_is_current

if TYPE_CHECKING:
    from gitsess.staged import StagedTree


@dataclass(frozen=True)
class CheckReport:
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
    problems = export_problems(workspace, catalog) + _index_problems(workspace, catalog)
    problems.sort(key=lambda p: (p.path, p.line or 0, p.level, p.message))
    return CheckReport(sessions=len(catalog.sessions), problems=problems)


def export_problems(workspace: Workspace, catalog: Catalog | StagedTree) -> list[Problem]:
    """Everything `check` reports except the state of the index file (for the work
    tree's exports, or for the staged ones that a commit would record)."""
    sessions = catalog.sessions
    problems = [problem for session in sessions for problem in session.problems]
    problems += _vocabulary_problems(workspace, sessions)
    problems += _size_problems(workspace, sessions)
    edges, found = link_problems(sessions, workspace.config.sessions_dir)
    problems += found
    by_id = catalog.by_id
    kinds = {(edge.source, edge.target): edge.kind for edge in edges}
    for cycle in find_cycles(by_id, edges):
        first = by_id[cycle[0]]
        key = (
            "continuation_of"
            if kinds[cycle[0], cycle[1]] == "continues"
            else "prerequisite_sessions"
        )
        problems.append(
            Problem(
                first.path,
                first.key_lines.get(key),
                "error",
                f"link cycle: {format_cycle(cycle)}",
                "a session may only continue or require sessions that came before it;"
                " remove one link of the cycle",
                involves=tuple(by_id[member].path for member in cycle),
            )
        )
    continuations: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge.kind == "continues":
            continuations[edge.target].append(edge.source)
    for target, sources in sorted(continuations.items()):
        if len(sources) > 1:
            problems.append(
                Problem(
                    by_id[target].path,
                    None,
                    "warning",
                    f"{len(sources)} sessions continue it: {', '.join(sorted(sources))}",
                    "a chain forks here; make one of them require it instead of continuing it",
                )
            )
    return problems


def _vocabulary_problems(workspace: Workspace, sessions: list[Session]) -> list[Problem]:
    found = []
    for session in sessions:
        for key in ("type", "status"):
            problem = vocabulary_problem(workspace.config, key, getattr(session, key))
            if problem:
                found.append(Problem(session.path, session.key_lines.get(key), "error", *problem))
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


def _index_problems(workspace: Workspace, catalog: Catalog) -> list[Problem]:
    if index_is_current(workspace, catalog):
        return []
    relative = workspace.relative(workspace.index_path)
    message = "index is out of date" if workspace.index_path.exists() else "index is missing"
    return [Problem(relative, None, "error", message, "git sess index")]
