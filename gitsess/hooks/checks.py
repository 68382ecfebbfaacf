"""The checks a commit runs: only what the commit is responsible for."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping

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
    alone, not parsed."""
    sessions_dir = workspace.config.sessions_dir
    known = tree.oids
    deleted = {name for name, status in tree.changes.items() if status == "D"}
    scope = set(tree.changed)
    if deleted:
        scope |= {
            name for name in known if any(target in deleted for _, target in facts.links(name))
        }
    tree.load(scope)
    sessions = [tree.parsed[name] for name in sorted(scope)]
    # A staged export that still holds conflict markers: the conflict alone, not
    # what the two sides' lines read as together (as check reports it).
    problems = conflict_alone(own_problems(workspace, sessions))
    problems += [linked_problem(tree.path_of(name)) for name in tree.linked]
    renamed_to = _renames(workspace, known)  # asks git only if a link dangles
    problems += link_problems(sessions, sessions_dir, known, dict.fromkeys(deleted), renamed_to)[1]

    def resolved(name: str) -> list[tuple[str, str]]:
        """(kind, id) of each link of `name` that names another staged export."""
        found = []
        for kind, raw in facts.links(name):
            target = raw if raw in known else resolve_link(raw, known, sessions_dir)
            if target is not None and target != name:
                found.append((kind, target))
        return found

    kinds: dict[tuple[str, str], str] = {}

    def successors(name: str) -> list[str]:
        links = resolved(name)
        kinds.update(((name, target), kind) for kind, target in links)
        return sorted({target for _, target in links})

    cycles = cycles_through(tree.changed, successors)
    tree.load(cycle[0] for cycle in cycles)
    problems += [cycle_problem(tree.parsed, cycle, kinds, sessions_dir) for cycle in cycles]
    continuations: dict[str, list[str]] = defaultdict(list)
    for name in known if scope else ():
        for kind, target in resolved(name):
            if kind == "continues" and target in scope:
                continuations[target].append(name)
    problems += fork_problems(tree.parsed, continuations)
    return problems


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
