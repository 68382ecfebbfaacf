"""The checks a commit runs: only what the commit is responsible for."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

from gitsess.core.checks import cycle_problem, fork_problems, linked_problem, own_problems
from gitsess.core.conflicts import conflict_alone
from gitsess.core.credentials import text_problems
from gitsess.core.links import cycles_through, link_problems, normalize_link, resolve_link
from gitsess.core.model import Problem
from gitsess.core.workspace import Workspace
from gitsess.hooks.blobfacts import BlobFacts
from gitsess.hooks.staged import StagedTree, is_checkpoint_path, read_blobs


def commit_problems(workspace: Workspace, tree: StagedTree, facts: BlobFacts) -> list[Problem]:
    """The problems a commit is responsible for: those of the exports it adds or
    changes, links left dangling by the exports it deletes, cycles through what
    it changes, forks at what it changes. Old problems in untouched exports do
    not block unrelated work, and untouched exports are known by their facts
    alone, not parsed: when the tree was read against the store's mirror, only
    the links a change can break are looked at (who links to what it deletes,
    what continues what it changes, cycles through it)."""
    sessions_dir = workspace.config.sessions_dir
    known = tree.oids
    deleted = {name for name, status in tree.changes.items() if status == "D"}
    graph = _Graph(tree, facts, sessions_dir)
    scope = set(tree.changed)
    if deleted:
        scope |= graph.linking_to(deleted)
    tree.load(scope)
    sessions = [tree.parsed[name] for name in sorted(scope)]
    # A staged export that still holds conflict markers: the conflict alone, not
    # what the two sides' lines read as together (as check reports it).
    problems = conflict_alone(own_problems(workspace, sessions))
    problems += [linked_problem(tree.path_of(name)) for name in tree.linked]
    renamed_to = _renames(workspace, known)  # asks git only if a link dangles
    problems += link_problems(sessions, sessions_dir, known, dict.fromkeys(deleted), renamed_to)[1]
    cycles = []
    if tree.mirror is None or any(graph.on_a_cycle(name) for name in tree.changed):
        cycles = cycles_through(tree.changed, graph.successors)
    tree.load(cycle[0] for cycle in cycles)
    problems += [cycle_problem(tree.parsed, cycle, graph.kinds, sessions_dir) for cycle in cycles]
    problems += fork_problems(tree.parsed, graph.continuations(scope))
    return problems


class _Graph:
    """The links between the staged exports, as their facts say: forward per
    export, and backward from the store (the mirror's links by target, and those
    of the exports the commit changes), or, without a mirror, from every export."""

    def __init__(self, tree: StagedTree, facts: BlobFacts, sessions_dir: str) -> None:
        self._tree = tree
        self._facts = facts
        self._sessions_dir = sessions_dir
        self.kinds: dict[tuple[str, str], str] = {}
        self._resolved: dict[str, list[tuple[str, str]]] = {}
        self._backward: dict[str, list[tuple[str, str]]] | None = None
        # the changed exports still staged: their links are not the mirror's
        self._changed = [name for name, oid in tree.overlay.items() if oid is not None]

    def resolved(self, name: str) -> list[tuple[str, str]]:
        """(kind, id) of each link of `name` that names another staged export."""
        if name not in self._resolved:
            known = self._tree.oids
            found = []
            for kind, raw in self._facts.links(name, known[name]):
                target = self._resolve(raw)
                if target is not None and target != name:
                    found.append((kind, target))
            self._resolved[name] = found
        return self._resolved[name]

    def _resolve(self, raw: str) -> str | None:
        known = self._tree.oids
        return raw if raw in known else resolve_link(raw, known, self._sessions_dir)

    def successors(self, name: str) -> list[str]:
        links = self.resolved(name)
        self.kinds.update(((name, target), kind) for kind, target in links)
        return sorted({target for _, target in links})

    def predecessors(self, target: str) -> list[tuple[str, str]]:
        """(source, kind) of each link that names `target`."""
        if self._tree.mirror is None:
            if self._backward is None:
                self._backward = defaultdict(list)
                for name in self._tree.oids:
                    for kind, linked in self.resolved(name):
                        self._backward[linked].append((name, kind))
            return self._backward.get(target, [])
        found = [
            (source, kind)
            for source, kind, raw in self._facts.mirrored_links_to(target.lower())
            if source not in self._tree.overlay
            and source != target
            and self._resolve(raw) == target
        ]
        for name in self._changed:
            found += [(name, kind) for kind, linked in self.resolved(name) if linked == target]
        return found

    def linking_to(self, deleted: set[str]) -> set[str]:
        """The staged exports with a link to one of `deleted` (by its exact id)."""
        tree, facts = self._tree, self._facts
        if tree.mirror is None:
            return {
                name
                for name in tree.oids
                if any(target in deleted for _, target in facts.links(name, tree.oids[name]))
            }
        found = {
            source
            for gone in deleted
            for source, _, raw in facts.mirrored_links_to(gone.lower())
            if raw == gone and source not in tree.overlay
        }
        return found | {
            name
            for name in self._changed
            if any(target in deleted for _, target in facts.links(name, tree.oids[name]))
        }

    def on_a_cycle(self, start: str) -> bool:
        """Whether a path of links leads from `start` back to it: searched from both
        ends at once, the smaller side first, so that neither a new session (nothing
        links to it) nor an old one (it links to little) walks the whole graph."""
        ahead: set[str] = set()  # reached from start
        behind: set[str] = set()  # reaching start
        forward, backward = [start], [start]
        while forward and backward:
            if len(forward) <= len(backward):
                step = _step(forward, self.successors, start, ahead, behind)
                if step is None:
                    return True
                forward = step
            else:
                step = _step(backward, self._linking, start, behind, ahead)
                if step is None:
                    return True
                backward = step
        return False

    def _linking(self, node: str) -> list[str]:
        return [predecessor for predecessor, _ in self.predecessors(node)]

    def continuations(self, scope: set[str]) -> dict[str, list[str]]:
        """The exports that continue each of `scope` (a fork when more than one)."""
        found: dict[str, list[str]] = defaultdict(list)
        for target in sorted(scope):
            for source, kind in self.predecessors(target):
                if kind == "continues":
                    found[target].append(source)
        return found


def _renames(workspace: Workspace, known: Mapping[str, object]) -> Callable[[str], str | None]:
    """The staged export a dangling link's id was renamed to, so the refusal
    names the new name as `check` does: by the commit itself (a merge bringing a
    `git sess mv` from the other branch) or by the last commit of HEAD's history
    that removed the id (`git sess mv` here, merging a branch that linked to the
    old name). A few git calls, only for a link that dangles; a chain of renames
    is followed a few steps, then `git sess check` (named in the hint) says more."""
    sessions_dir = workspace.config.sessions_dir
    prefix = sessions_dir + "/"
    staged: list[Mapping[str, str]] = []  # filled on the first question

    def renamed_to(raw: str) -> str | None:
        if not staged:
            args = ("diff-index", "--cached", "-M", "--diff-filter=R", "--name-status", "-z")
            staged.append(_rename_pairs(workspace, prefix, *args, "HEAD"))
        name, seen = normalize_link(raw, sessions_dir), set[str]()
        while name is not None and name not in known and name not in seen and len(seen) < 5:
            seen.add(name)
            name = staged[0].get(name) or _renamed_in_history(workspace, prefix, name)
        return name if seen and name in known else None

    return renamed_to


def _renamed_in_history(workspace: Workspace, prefix: str, name: str) -> str | None:
    """What the newest commit of HEAD's history that removed `name` renamed it to."""
    args = ("log", "-1", "--format=%H", "--diff-filter=D", "HEAD", "--", prefix + name)
    commit = workspace.repo.git("--literal-pathspecs", *args, check=False).split()
    if not commit:
        return None
    args = ("diff-tree", "-r", "-M", "--diff-filter=R", "--name-status", "-z", "--root")
    return _rename_pairs(workspace, prefix, *args, commit[0]).get(name)


def _rename_pairs(workspace: Workspace, prefix: str, *args: str) -> Mapping[str, str]:
    """Old id -> new id of each rename in the sessions directory a diff reports."""
    out = workspace.repo.git("--literal-pathspecs", *args, "--", prefix, check=False)
    fields = out.split("\0")
    pairs: dict[str, str] = {}
    for position, status in enumerate(fields[:-2]):
        if re.fullmatch(r"R\d*", status):  # R<score>, its source, its target
            old, new = fields[position + 1], fields[position + 2]
            if old.startswith(prefix) and new.startswith(prefix):
                pairs[old[len(prefix) :]] = new[len(prefix) :]
    return pairs


def staged_credentials(workspace: Workspace, tree: StagedTree) -> list[Problem]:
    """What looks like a credential in the exports the commit adds or changes and
    in the other files it stages in the sessions directory (checkpoints and other
    notes hold pasted text too), by the scanner `git sess check` uses."""
    if workspace.config.allow_secrets:
        return []
    found = [
        problem
        for name in tree.changed
        for problem in text_problems(tree.path_of(name), tree.texts[name])
    ]
    notes = read_blobs(workspace.repo, list(tree.notes.values()))
    for path, oid in tree.notes.items():
        note = is_checkpoint_path(path, tree.sessions_dir + "/")
        found += text_problems(path, notes[oid], note=note)
    return found


def _step(
    frontier: list[str],
    neighbours: Callable[[str], Iterable[str]],
    start: str,
    seen: set[str],
    other_side: set[str],
) -> list[str] | None:
    """One breadth step of the two-ended cycle search from `frontier`: the nodes newly
    reached (added to `seen`), or None when one closes the cycle (`start`, or a node
    the other end has reached)."""
    reached = []
    for node in frontier:
        for neighbour in neighbours(node):
            if neighbour == start or neighbour in other_side:
                return None
            if neighbour not in seen:
                seen.add(neighbour)
                reached.append(neighbour)
    return reached
