"""`git sess trace PATH`: which sessions created or modified a file, and how that is known.

Three sources, each named in the answer:
- listed: the session's export names the path in its Files lists (filelists.py);
- same-commit: a commit that touched the path also added or changed the export
  (the workflow commits exports with the code they describe);
- trailer: a commit that touched the path says `Session: <id>` (written when
  `git config sess.trailer true`).
The commits come from one `git log` of the path (history.py), following renames
as `git log --follow` does; it runs while the exports' lists are looked up in
their index (listindex.py), which a warm run reads without reading any export.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitsess.core.errors import GitSessError, printable
from gitsess.core.filelists import LISTS
from gitsess.core.history import (
    Commit,
    CommitFacts,
    PathHistory,
    Shallow,
    Walk,
    path_history,
    shallow_history,
)
from gitsess.core.repo import Repo

if TYPE_CHECKING:  # loaded by trace_path, after git's walk has started
    from gitsess.core.listindex import Entry, Known, ListIndex
    from gitsess.core.workspace import Workspace

LISTED, SAME_COMMIT, TRAILER = "listed", "same-commit", "trailer"
HOW = (LISTED, SAME_COMMIT, TRAILER)


# --- the path the user means ---------------------------------------------------------


@dataclass(frozen=True)
class Target:
    path: str  # relative to the top of the work tree, POSIX; a directory without its `/`
    given: str  # as the user typed it
    directory: bool
    exists: bool  # in the work tree now


def resolve_target(root: Path, given: str, cwd: Path | None = None) -> Target:
    """`given` as git takes a path: relative to where the user is (`:/x` from the
    top), or absolute; it must lead inside the work tree, outside `.git`."""
    if not given.strip():
        raise GitSessError("no path given", "git sess trace PATH, e.g. git sess trace src/app.py")
    raw = given.replace(os.sep, "/")
    base = Path(cwd or os.getcwd())
    if raw.startswith(":/"):
        raw, base = raw[2:] or ".", root
    absolute = os.path.normpath(os.path.join(base, raw))
    # The folders are resolved (a symbolic link to the repository), the name is not:
    # a tracked symbolic link is traced as itself.
    real = os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
    top = os.path.realpath(root)
    relative = os.path.relpath(real, top).replace(os.sep, "/")
    if relative == ".." or relative.startswith("../"):
        raise GitSessError(
            f"{given} is outside the repository at {top}",
            "give a path inside the work tree (from where you are, or :/path from its top)",
        )
    if relative == ".":
        raise GitSessError(
            f"{given} is the whole work tree",
            "trace a file or a folder in it; git sess list shows every session",
        )
    if relative.split("/")[0] == ".git":
        raise GitSessError(
            f"{given} is inside the .git directory, which no commit holds",
            "trace a file of the work tree",
        )
    full = root / relative
    return Target(
        path=relative,
        given=given,
        directory=full.is_dir() and not full.is_symlink() or given.endswith(("/", os.sep)),
        exists=os.path.lexists(full),
    )


# --- the trace -----------------------------------------------------------------------


@dataclass(frozen=True)
class Carried:
    commit: Commit
    how: str  # SAME_COMMIT or TRAILER


@dataclass
class TracedSession:
    session: Known
    listed: list[Entry] = field(default_factory=list)
    commits: list[Carried] = field(default_factory=list)

    @property
    def how(self) -> list[str]:
        found = {LISTED} if self.listed else set()
        found.update(carried.how for carried in self.commits)
        return [how for how in HOW if how in found]

    @property
    def newest(self) -> int:
        return max((carried.commit.time for carried in self.commits), default=0)

    def evidence(self, path: str) -> str:
        """How it is known, in words: `listed as created · same commit 1a2b3c4 and 2 more`."""
        parts = []
        for kind in LISTS:
            entries = [x.path for x in self.listed if x.list == kind]
            if entries:
                named = [entry for entry in entries if entry != path]
                shown = (
                    f" ({', '.join(named[:3])}{' …' if len(named) > 3 else ''})" if named else ""
                )
                parts.append(f"listed as {kind}{shown}")
        for how, label in ((SAME_COMMIT, "same commit"), (TRAILER, "trailer in")):
            commits = [c.commit for c in self.commits if c.how == how]
            if commits:
                more = f" and {len(commits) - 1} more" if len(commits) > 1 else ""
                parts.append(f"{label} {commits[0].short}{more}")
        return " · ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        s = self.session
        return {
            "id": s.id,
            "path": s.path,
            "date": s.date,
            "title": s.title,
            "status": s.status,
            "how": self.how,
            "listed": [{"list": x.list, "entry": x.path} for x in self.listed],
            "commits": [
                {
                    "commit": c.commit.sha,
                    "date": c.commit.date,
                    "subject": c.commit.subject,
                    "how": c.how,
                }
                for c in self.commits
            ],
        }


@dataclass
class Trace:
    target: Target
    history: PathHistory
    sessions: list[TracedSession]  # newest first
    unknown: list[tuple[Commit, str]]  # trailers naming no session here
    shallow: Shallow | None
    export: str | None = None  # the session whose export the path is

    def lines(self) -> list[str]:
        """Two lines a session: date, status, id and title; then how it is known."""
        width = max((len(t.session.status) for t in self.sessions), default=0)
        rows = []
        for traced in self.sessions:
            s = traced.session
            rows.append(
                printable(f"{s.date or 'undated':<10}  {s.status:<{width}}  {s.id}  {s.title}")
            )
            rows.append(printable(f"    {traced.evidence(self.history.names[0])}"))
        return rows

    def notes(self) -> list[str]:
        """What was done or seen on the way: the renames followed, the trailers that
        name no session here."""
        found = [
            f"followed a rename: {r.old} -> {r.new} in {r.commit.short}"
            for r in self.history.renames
        ]
        found += [
            f"{commit.short} has the trailer 'Session: {value}', which names no session here"
            for commit, value in self.unknown
        ]
        return [printable(note) for note in found]

    def nothing_found(self) -> list[str]:
        """What to say when no session touched the path (and what to try instead)."""
        touched = len(self.history.commits)
        why = (
            f"{touched} commit(s) touched it, none with an export or a Session trailer,"
            " and no export lists it"
            if touched
            else "no commit touched it and no export lists it"
        )
        said = [f"git-sess: no session created or modified {self.target.given}: {why}"]
        if self.export:
            said.append(f"hint: it is an export: git sess show {self.export} lists its commits")
        return [printable(line) for line in said]

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.target.path,
            "kind": "directory" if self.target.directory else "file",
            "exists": self.target.exists,
            "names": self.history.names,
            "renames": [
                {"commit": r.commit.sha, "from": r.old, "to": r.new} for r in self.history.renames
            ],
            "commits": len(self.history.commits),
            "shallow": None if self.shallow is None else {"before": self.shallow.before},
            "sessions": [traced.as_dict() for traced in self.sessions],
            "unknown_trailers": [
                {"commit": commit.sha, "session": value} for commit, value in self.unknown
            ],
        }


@dataclass(frozen=True)
class StartedTrace:
    """A trace whose `git log` is already running."""

    target: Target
    walk: Walk

    def cancel(self) -> None:
        self.walk.cancel()


def start_trace(repo: Repo, given: str, cwd: Path | None = None) -> StartedTrace:
    """Start git's walk of the path first, so it runs while the rest of git sess
    loads and the exports are scanned (a warm trace is mostly those two waits)."""
    target = resolve_target(repo.root, given, cwd)
    return StartedTrace(target, Walk(repo, target.path))


def trace_path(
    workspace: Workspace, given: str, cwd: Path | None = None, started: StartedTrace | None = None
) -> Trace:
    from gitsess.core.listindex import load_list_index

    repo = workspace.repo
    started = started or start_trace(repo, given, cwd)
    target, walk = started.target, started.walk
    try:
        catalog = workspace.catalog()
        index = load_list_index(workspace, catalog)
    except BaseException:
        walk.cancel()
        raise
    shallow = shallow_history(repo)
    sessions_dir = workspace.config.sessions_dir
    facts = CommitFacts(repo, sessions_dir, shallow)
    history = path_history(repo, target.path, facts, follow=not target.directory, walk=walk)
    if not target.directory and _holds_files_under(history, target.path):
        target = Target(target.path, target.given, True, target.exists)  # a folder, since deleted
    found: dict[str, TracedSession] = {}

    def traced(name: str) -> TracedSession:
        if name not in found:
            found[name] = TracedSession(index.session(name))
        return found[name]

    for entry in _listed(target, history.names, index, repo.root.as_posix()):
        traced(entry.session).listed.append(entry)
    unknown: list[tuple[Commit, str]] = []
    names = set(history.names)
    renamed = Renamed(repo, sessions_dir, index.ids)
    for commit in history.commits:
        exports = history.exports.get(commit.sha, [])
        for name, how in _carried(commit, exports, renamed, names, unknown):
            traced(name).commits.append(Carried(commit, how))
    if not found and not history.commits and not target.exists:
        raise GitSessError(
            f"{given}: no such file or folder here, in the history, or in any session's lists",
            "check the path: it is taken from where you are (git ls-files lists the tracked"
            " files)" + (f"; {shallow.sentence()}" if shallow else ""),
        )
    ordered = sorted(found.values(), key=lambda t: t.session.id)
    ordered.sort(key=lambda t: (t.session.date or "", t.newest), reverse=True)
    prefix = sessions_dir.rstrip("/") + "/"
    export = target.path[len(prefix) :] if target.path.startswith(prefix) else None
    export = export if export in index.ids else None
    return Trace(target, history, ordered, unknown, shallow, export)


def _holds_files_under(history: PathHistory, path: str) -> bool:
    prefix = path + "/"
    return any(
        change.path.startswith(prefix) for commit in history.commits for change in commit.changes
    )


def _listed(target: Target, names: list[str], index: ListIndex, root: str) -> list[Entry]:
    """The entries that name the path (under any of its names), a folder holding
    it, or the path written absolute; for a folder, anything in it."""
    if target.directory:
        folder = target.path + "/"
        return index.under((folder, f"{root}/{folder}"))
    wanted: dict[str, None] = {}
    for name in names:
        parts = name.split("/")
        for form in [name] + [f"{'/'.join(parts[:depth])}/" for depth in range(1, len(parts))]:
            wanted.update({form: None, f"{root}/{form}": None})
    return index.listing(wanted)


class Renamed:
    """The session an export's path or a trailer names today, also when `git sess
    mv` has renamed it since the commit (read from the sessions log, only when a
    name is not found as it is)."""

    def __init__(self, repo: Repo, sessions_dir: str, known: dict[str, int]) -> None:
        self.repo, self.sessions_dir, self.known = repo, sessions_dir, known
        self.prefix = sessions_dir.rstrip("/") + "/"
        self._renames: dict[str, str] | None = None

    def export(self, path: str) -> str | None:
        """The session whose export was at `path` (relative to the top)."""
        name = path[len(self.prefix) :] if path.startswith(self.prefix) else None
        if name is None or name in self.known:
            return name
        return self._now(path)

    def trailer(self, value: str) -> str | None:
        """The session a `Session:` trailer names."""
        from gitsess.core.links import resolve_link

        named = resolve_link(value, self.known, self.sessions_dir)
        if named is not None:
            return named
        name = value.strip().removeprefix(self.prefix)
        for form in (name, name + ".md"):
            if (now := self._now(self.prefix + form)) is not None:
                return now
        return None

    def _now(self, path: str) -> str | None:
        if self._renames is None:
            from gitsess.core.sessionlog import renamed_to, sessions_log

            self._renames = renamed_to(sessions_log(self.repo, self.sessions_dir))
        moved = self._renames.get(path)
        name = moved[len(self.prefix) :] if moved and moved.startswith(self.prefix) else None
        return name if name in self.known else None


def _carried(
    commit: Commit,
    exports: list[str],
    renamed: Renamed,
    traced: set[str],
    unknown: list[tuple[Commit, str]],
) -> list[tuple[str, str]]:
    """The sessions a commit of the path carries: the exports it added or changed,
    and the sessions its trailers name (as they are named today)."""
    carried: dict[str, str] = {}
    for path in exports:
        name = None if path in traced else renamed.export(path)
        if name is not None and name in renamed.known:
            carried.setdefault(name, SAME_COMMIT)
    for value in commit.trailers:
        named = renamed.trailer(value)
        if named is None:
            unknown.append((commit, value))
        elif carried.get(named) != SAME_COMMIT:
            carried[named] = TRAILER
    return list(carried.items())
