"""The checks a commit runs: only what the commit is responsible for."""

from __future__ import annotations

from collections import defaultdict

from gitsess.core.checks import cycle_problem, fork_problems, own_problems
from gitsess.core.credentials import text_problems
from gitsess.core.links import cycles_through, link_problems, resolve_link
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
    problems = own_problems(workspace, sessions)
    problems += link_problems(sessions, sessions_dir, known, dict.fromkeys(deleted))[1]

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
