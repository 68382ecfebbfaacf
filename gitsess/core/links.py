"""The link graph: what a link may name, dangling links, self links and cycles.

Every walk here is iterative: a 5,000-session chain must not hit Python's
recursion limit.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from gitsess.core.errors import ValidationFailed
from gitsess.core.model import Problem, Session

# An id: a file name, or a path of folders within the sessions directory
# (`archive/x.md`); no part may start with `.`, so `..` never climbs out.
_SAFE_PART = r"[^/\\\0\s.][^/\\\0]*"
_SAFE_ID = re.compile(rf"(?:{_SAFE_PART}/)*{_SAFE_PART}\.md")


def normalize_link(raw: str, sessions_dir: str) -> str | None:
    """The session id a link names, or None when it could name a path outside.

    Accepts the id with or without `.md` and with a leading sessions-directory
    prefix; a part starting with `.` (so `..`), a backslash or a leading slash is
    refused, so a link can never make git-sess read a file outside the sessions
    directory (and an id names only what the catalog found inside it).
    """
    if _SAFE_ID.fullmatch(raw) and ".." not in raw:
        return raw  # the common case: already a plain id
    link = raw.strip()
    for prefix in ("./", sessions_dir.rstrip("/") + "/"):
        if link.startswith(prefix):
            link = link[len(prefix) :]
    if not link.endswith(".md"):
        link += ".md"
    if ".." in link or not _SAFE_ID.fullmatch(link):
        return None
    return link


def resolve_link(raw: str, known: Mapping[str, object], sessions_dir: str) -> str | None:
    """The existing id a link names: exact first, then a unique case-insensitive match."""
    link = normalize_link(raw, sessions_dir)
    if link is None or link in known:
        return link if link in known else None
    same_but_case = getattr(known, "same_but_case", None)  # a store answers without a walk
    if same_but_case is not None:
        folded = same_but_case(link)
    else:
        folded = [candidate for candidate in known if candidate.lower() == link.lower()]
    return folded[0] if len(folded) == 1 else None


class Edge(NamedTuple):
    source: str
    target: str
    kind: str  # "requires" or "continues"


def link_problems(
    sessions: Sequence[Session],
    sessions_dir: str,
    known: Mapping[str, object] | None = None,
    deleted: Mapping[str, object] | None = None,
    renamed_to: Callable[[str], str | None] | None = None,
) -> tuple[list[Edge], list[Problem]]:
    """Resolve every link of `sessions` among the `known` ids (default: among
    themselves); report the ones that are unsafe, dangling, self or repeated.
    `deleted`: the ids a commit deletes, named as such when a link dangles;
    `renamed_to`: the session a dangling link's target was renamed to, if any."""
    if known is None:
        known = {session.id: session for session in sessions}
    edges: list[Edge] = []
    problems: list[Problem] = []
    for session in sessions:
        seen: set[tuple[str, str]] = set()
        for kind, raw in session.links:
            key = "continuation_of" if kind == "continues" else "prerequisite_sessions"
            target = resolve_link(raw, known, sessions_dir)
            if normalize_link(raw, sessions_dir) is None:
                found = (
                    "error",
                    f"link {raw!r} is not a session id",
                    f"links name files in {sessions_dir}/, e.g. session_20251201_slug.md",
                )
            elif target is None:
                renamed = renamed_to(raw) if renamed_to else None
                found = (
                    _renamed(session, kind, key, raw, renamed)
                    if renamed
                    else _dangling(session, kind, key, raw, deleted, sessions_dir)
                )
            elif target == session.id:
                found = ("error", f"{key} links the session to itself", "remove the self link")
            elif (kind, target) in seen:
                found = ("warning", f"{key} names {target} twice", "remove the duplicate")
            else:
                seen.add((kind, target))
                edges.append(Edge(session.id, target, kind))
                continue
            problems.append(Problem(session.path, session.key_lines.get(key), *found))
    return edges, problems


def _dangling(
    session: Session,
    kind: str,
    key: str,
    raw: str,
    deleted: Mapping[str, object] | None,
    sessions_dir: str,
) -> tuple[str, str, str]:
    """A link to nothing; a continuation's says the chain is broken and how to mend it.
    Each fix names the kind of link, so it leaves the session's other link to the
    same id (a session may continue and require one session) as it was."""
    gone = deleted is not None and resolve_link(raw, deleted, sessions_dir) is not None
    message = f"{key} names {raw!r}, which {'this commit deletes' if gone else 'does not exist'}"
    drop = f"git sess unlink {session.id} --{kind} {raw}"
    if kind != "continues":
        return ("error", message, f"fix the id (git sess list shows them), or: {drop}")
    return (
        "error",
        message + ": the session is cut off from its chain",
        f"link it to the session it now follows (git sess link {session.id} --continues ID),"
        f" or drop the link: {drop}",
    )


def _renamed(session: Session, kind: str, key: str, raw: str, now: str) -> tuple[str, str, str]:
    """A link to a session renamed since it was written (on another branch). The
    fix rewrites only this link: run with the fix of the session's other link to
    the old id, in either order, both end up naming the new one."""
    fix = (
        f"git sess update {session.id} --continues {now}"
        if kind == "continues"
        else f"git sess unlink {session.id} --requires {raw}"
        f" && git sess link {session.id} --requires {now}"
    )
    return ("error", f"{key} names {raw!r}, which was renamed to {now}", f"point it there: {fix}")


def find_cycles(nodes: Iterable[str], edges: Iterable[Edge]) -> list[list[str]]:
    """One cycle per strongly connected component that has one, each as a closed path.

    Tarjan's algorithm with an explicit stack; output is sorted so it is deterministic.
    """
    successors: dict[str, list[str]] = {node: [] for node in nodes}
    for edge in edges:
        successors.setdefault(edge.source, []).append(edge.target)
        successors.setdefault(edge.target, [])
    for targets in successors.values():
        targets.sort()
    cycles = [
        _cycle_in(component, successors)
        for component in _strongly_connected(successors)
        if len(component) > 1
    ]
    return sorted(cycles)


def cycles_through(
    starts: Iterable[str], successors: Callable[[str], list[str]]
) -> list[list[str]]:
    """The cycles find_cycles reports that pass through `starts`, found by walking
    only what they reach (a commit of one export must not walk 10,000)."""
    wanted = set(starts)
    reached: dict[str, list[str]] = {}
    pending = sorted(wanted)
    while pending:
        node = pending.pop()
        if node not in reached:
            reached[node] = successors(node)
            pending.extend(reached[node])
    edges = [Edge(source, target, "") for source, targets in reached.items() for target in targets]
    return [cycle for cycle in find_cycles(reached, edges) if wanted.intersection(cycle)]


def _strongly_connected(successors: Mapping[str, list[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in sorted(successors):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = successors[node]
            if position < len(targets):
                work.append((node, position + 1))
                target = targets[position]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components


def _cycle_in(component: list[str], successors: Mapping[str, list[str]]) -> list[str]:
    """A closed path through the component, starting at its smallest id."""
    members = set(component)
    start = component[0]
    # Breadth-first from start back to start inside the component gives a shortest cycle.
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in successors[node]:
                if target not in members:
                    continue
                if target == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if target not in previous:
                    previous[target] = node
                    following.append(target)
        frontier = following
    return [start, start]


def format_cycle(cycle: Sequence[str]) -> str:
    return " → ".join(cycle)


# --- walking the graph: chains, prerequisites, backlinks ------------------------------


@dataclass
class LinkGraph:
    """The resolved links between existing sessions (dangling ones left out)."""

    order: Mapping[str, tuple[str, str]]  # id -> (date or "", id): oldest first sorts by it
    requires: dict[str, list[str]]  # id -> the sessions it requires
    continues: dict[str, str]  # id -> the session it continues
    required_by: dict[str, list[str]]
    continued_by: dict[str, list[str]]

    def oldest_first(self, ids: Iterable[str]) -> list[str]:
        return sorted(ids, key=self.order.__getitem__)

    def previous(self, session_id: str) -> str | None:
        return self.continues.get(session_id)

    def following(self, session_id: str) -> list[str]:
        """The sessions that continue this one (more than one: the chain forks)."""
        return self.oldest_first(self.continued_by.get(session_id, []))

    def chain(self, session_id: str) -> list[str]:
        """The continuation chain through a session, first to last; where it forks
        after the session, the oldest branch is followed."""
        before: list[str] = []
        seen = {session_id}
        earlier = self.continues.get(session_id)
        while earlier is not None and earlier not in seen:
            before.append(earlier)
            seen.add(earlier)
            earlier = self.continues.get(earlier)
        after: list[str] = []
        node = session_id
        while nexts := [n for n in self.following(node) if n not in seen]:
            node = nexts[0]
            after.append(node)
            seen.add(node)
        return [*reversed(before), session_id, *after]

    def prerequisites(self, *session_ids: str) -> list[str]:
        """Every session they require (one session, or all of a chain), directly or
        through others, each after what it requires itself (ties: oldest first);
        never one of `session_ids` themselves."""
        wanted: set[str] = set()
        pending = [node for session_id in session_ids for node in self.requires.get(session_id, [])]
        while pending:
            node = pending.pop()
            if node not in wanted and node not in session_ids:
                wanted.add(node)
                pending.extend(self.requires.get(node, []))
        waiting = {node: {r for r in self.requires.get(node, []) if r in wanted} for node in wanted}
        ordered: list[str] = []
        ready = [self.order[node] for node, needs in waiting.items() if not needs]
        heapq.heapify(ready)
        while ready:
            _, node = heapq.heappop(ready)
            ordered.append(node)
            for dependent in self.required_by.get(node, []):
                if dependent in waiting and node in waiting[dependent]:
                    waiting[dependent].discard(node)
                    if not waiting[dependent]:
                        heapq.heappush(ready, self.order[dependent])
        # A cycle (which check reports) leaves its members unordered: oldest first.
        return ordered + self.oldest_first(set(wanted) - set(ordered))

    def backlinks(self, session_id: str) -> list[tuple[str, str]]:
        """(kind, id) of every session that continues or requires this one."""
        found = [("continues", n) for n in self.continued_by.get(session_id, [])]
        found += [("requires", n) for n in self.required_by.get(session_id, [])]
        return sorted(found, key=lambda link: (self.order[link[1]], link[0]))


def link_graph(sessions: Sequence[Session], sessions_dir: str) -> LinkGraph:
    edges, _ = link_problems(sessions, sessions_dir)
    graph = LinkGraph(
        order={session.id: (session.date or "", session.id) for session in sessions},
        requires={},
        continues={},
        required_by={},
        continued_by={},
    )
    for edge in edges:
        if edge.kind == "continues":
            graph.continues[edge.source] = edge.target
            graph.continued_by.setdefault(edge.target, []).append(edge.source)
        else:
            graph.requires.setdefault(edge.source, []).append(edge.target)
            graph.required_by.setdefault(edge.target, []).append(edge.source)
    return graph


def chain_ends(sessions: Sequence[Session]) -> list[Session]:
    """Those of `sessions` that none of the others continues (in their order),
    however the links are written: with or without `.md`, a path, any case."""
    continued = {_link_stem(s.continuation_of) for s in sessions if s.continuation_of}
    return [s for s in sessions if _link_stem(s.id) not in continued]


def _link_stem(link: str) -> str:
    return link.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".md").lower()


# --- continuations in date order ---------------------------------------------------------


def continues_later(date: str | None, earlier: Session) -> bool:
    """Whether a session dated `date` that continues `earlier` runs back in time: the
    timeline, newest first, would have to draw the continuation below what it continues."""
    return bool(date and earlier.date and earlier.date > date)


def continuation_changes(
    session: Session,
    target: Session,
    known: Mapping[str, object],
    sessions_dir: str,
    *,
    replace: bool,
) -> bool:
    """Whether making `session` continue `target` changes anything (False when it
    already does, however the link is written); unless `replace`, refuses when it
    continues another session. (The date order is checked by refuse_continuing_later
    after the cycle check, whose message says more.)"""
    current = session.continuation_of and resolve_link(session.continuation_of, known, sessions_dir)
    if current == target.id:
        return False
    # A continuation naming no session is a broken chain that check tells the user to
    # mend with `link --continues`: replacing it loses nothing.
    if current and not replace:
        raise ValidationFailed(
            f"{session.id} already continues {current}",
            f"a session continues one other: git sess unlink {session.id} --continues"
            f" {current} first, or replace it: git sess update {session.id} --continues"
            f" {target.id}",
        )
    return True


def refuse_continuing_later(
    source: str, date: str | None, target: Session, fix: str = "fix the date of one of them"
) -> None:
    """Refuse a continuation of a session dated after the one that continues it."""
    if continues_later(date, target):
        raise ValidationFailed(
            f"{source} ({date}) cannot continue {target.id}, which is dated later ({target.date})",
            f"a session continues an earlier one: {fix}, or continue the session it follows",
        )
