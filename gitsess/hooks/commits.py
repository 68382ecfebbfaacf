"""What git-sess adds to a commit: the staged exports validated and searched for
secrets, the index regenerated from them and staged, and the documented message
(DESIGN.md §3.4), which `git sess commit` (sesscommit.py) uses too.

Everything here works on the staging area as git's environment names it
(`GIT_INDEX_FILE` inside a hook), never on the work tree alone.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import NamedTuple

from gitsess.core.catalog import file_signature
from gitsess.core.credentials import ALLOW_HINT, is_credential
from gitsess.core.errors import GitSessError, printable
from gitsess.core.files import read_bytes, write_atomic
from gitsess.core.index import INDEX_NAME, assemble, index_order, patch_index
from gitsess.core.model import Problem, Session, parse_export
from gitsess.core.repo import git_process
from gitsess.core.workspace import (
    CONTEXT_FILE,
    Workspace,
    project_name,
    read_index_file,
    write_index,
)
from gitsess.hooks.blobfacts import BlobFacts, Mirror
from gitsess.hooks.checks import commit_problems, staged_credentials
from gitsess.hooks.staged import (
    StagedTree,
    blob_id,
    read_blobs,
    read_staged,
    sessions_tree_id,
    stage_blob,
    stage_index_blob,
    staged_renames,
    write_blob,
)

REUSE_MIN = 200  # unknown staged exports worth loading the work tree's metadata cache


class CommitRefused(GitSessError):
    """The staged exports cannot be committed; `lines` says why, one line each."""

    def __init__(self, lines: list[str], hint: str) -> None:
        super().__init__(lines[0], hint)
        self.lines = lines


class Prepared(NamedTuple):
    tree: StagedTree
    index_staged: bool  # the staged index was rewritten
    warnings: list[Problem]
    index_oid: str | None = None  # the index staged now (None: not staged, or left as is)
    tree_id: str | None = None  # the sessions tree a commit of the staging area records


def prepare_commit(workspace: Workspace, *, refuse: bool = True, stage: bool = True) -> Prepared:
    """The pre-commit hook's work: refuse what must not be committed, then stage
    the index that the staged exports call for and refresh the work tree's
    (not with `stage=False`: then it only refuses).

    `refuse=False` (after a commit that skipped the hook) reports every problem
    as a warning and stages the index all the same.
    """
    config = workspace.config
    workspace.refuse_escape()  # a sessions directory linked out of the repository
    with workspace.write_lock():
        facts = BlobFacts(workspace.repo.state_dir, config.sessions_dir)
        tree = read_staged(workspace.repo, config.sessions_dir, with_work_tree=stage, facts=facts)
        try:
            return _prepare(workspace, tree, facts, refuse=refuse, stage=stage)
        finally:
            tree.close()


def _prepare(
    workspace: Workspace, tree: StagedTree, facts: BlobFacts, *, refuse: bool, stage: bool
) -> Prepared:
    facts.learn_with(lambda names: _learn(tree, facts, names))
    # Against the mirror, only the exports that differ from it can be unknown.
    missing = facts.missing(tree.oids, _overlaid(tree) if tree.mirror else None)
    # Many unknown blobs (the first commit, another branch): parsing them
    # all from git is slow, and most are as the work tree's cache has them.
    reusable = len(missing) > REUSE_MIN and workspace.sessions_path.is_dir()
    tree.load(tree.changed)  # from git: the secrets scan reads the staged bytes
    _learn(tree, facts, missing, workspace.catalog().by_id if reusable else None)
    problems = commit_problems(workspace, tree, facts)
    if refuse:  # every problem in one pass, credentials with the rest
        problems += staged_credentials(workspace, tree)
    errors = [problem for problem in problems if problem.level == "error"]
    if errors and refuse:
        raise _refusal(errors)
    warnings = [problem for problem in problems if problem not in errors or not refuse]
    if not stage:
        facts.save()
        return Prepared(tree, False, warnings)
    staged = _stage_index(workspace, tree, facts)
    if refuse and staged.changed and _only_a_hand_edit(workspace, tree):
        raise CommitRefused(
            [
                f"{tree.path_of(INDEX_NAME)}: is generated from the exports, and this"
                " commit would only undo the hand edit staged to it"
            ],
            "change the exports instead (git sess update, git sess link), then drop the"
            f" edit: git restore --staged --worktree {tree.path_of(INDEX_NAME)}",
        )
    _refresh_work_tree_index(workspace, tree, staged, facts)
    tree_id = sessions_tree_id(tree, staged.oid)
    _remember(workspace, tree, facts, staged, tree_id)
    facts.save()
    return Prepared(tree, staged.changed, warnings, staged.oid, tree_id)


def _overlaid(tree: StagedTree) -> list[str]:
    """The staged exports that differ from the mirror."""
    return [name for name, oid in tree.overlay.items() if oid is not None]


def _learn(
    tree: StagedTree,
    facts: BlobFacts,
    names: list[str],
    work_tree: Mapping[str, Session] | None = None,
) -> None:
    """Parse these staged exports and remember their facts."""
    tree.load(names, work_tree)
    for name in names:
        facts.put(name, tree.oids[name], tree.parsed[name])


def stage_true_index(workspace: Workspace, tree: StagedTree, facts: BlobFacts) -> None:
    """Stage the index `tree`'s exports call for, whatever they hold (a commit
    git made without the hook is rebuilt from this: see repair.py)."""
    facts.learn_with(lambda names: _learn(tree, facts, names))
    _learn(tree, facts, facts.missing(tree.oids))
    _stage_index(workspace, tree, facts)


class Staged(NamedTuple):
    changed: bool  # the staged index was replaced
    oid: str | None  # the index staged now
    data: bytes | None  # its content, when it was made here (None: as the staged one)
    project: str


def _stage_index(workspace: Workspace, tree: StagedTree, facts: BlobFacts) -> Staged:
    """Stage the index the staged exports call for. Against the store's mirror,
    the mirror's index is patched where the entries of the exports that differ
    from it differ (and left as it is when none does, a body edit); else every
    entry is rendered."""
    mirror = tree.mirror
    same_blob = mirror is not None and tree.index_oid == mirror.index_oid
    project = workspace.config.project or (mirror.project if same_blob and mirror else None)
    project = project or project_name(workspace, tree.index_text or read_index_file(workspace))
    if mirror is not None and project == mirror.project:
        patched = _patched_index(workspace, tree, facts, mirror)
        if patched is not None:
            if patched == b"" and mirror.index_oid == tree.index_oid:
                return Staged(False, mirror.index_oid, None, project)
            if patched == b"":  # the mirror's index, which the staging area does not hold
                patched = _blob(workspace, mirror.index_oid)
        if patched is not None:
            made = write_blob(workspace.repo, patched)  # git hashes it: no hashing here
            if made != tree.index_oid:
                stage_index_blob(tree, made)
            return Staged(made != tree.index_oid, made, patched, project)
    entries = facts.entries(tree.oids)
    data = assemble(index_order(entries), project, tree.sessions_dir).encode("utf-8")
    oid = tree.index_oid
    changed = oid is None or blob_id(data, oid) != oid
    if oid is None or changed:
        oid = write_blob(workspace.repo, data)
        stage_index_blob(tree, oid)
    return Staged(changed, oid, data, project)


def _patched_index(
    workspace: Workspace, tree: StagedTree, facts: BlobFacts, mirror: Mirror
) -> bytes | None:
    """The index of the staged exports, made from the mirror's: b"" when it is the
    mirror's own; None when it cannot be patched (then it is rendered)."""
    dates: set[str] = set()
    for name, oid in tree.overlay.items():
        was = facts.mirrored(name)
        old = facts.fact(name, was) if was is not None else None
        new = facts.fact(name, oid) if oid is not None else None
        if (was is not None and old is None) or (oid is not None and new is None):
            return None  # a damaged fact: render it all
        if (old.digest if old else None) != (new.digest if new else None):
            dates.update(fact.date for fact in (old, new) if fact is not None)
    if not dates:
        return b""
    groups: dict[str, list[str]] = {}
    for date in dates:
        rows = facts.mirrored_group(date)
        if rows is None:
            return None
        lines = {name: line for name, line in rows if name not in tree.overlay}
        for name, oid in tree.overlay.items():
            fact = facts.fact(name, oid) if oid is not None else None
            if fact is not None and fact.date == date:
                lines[name] = fact.line
        groups[date] = [lines[name] for name in sorted(lines)]
    base = _work_tree_copy(workspace, facts, mirror.index_oid) or _blob(workspace, mirror.index_oid)
    if base is None:
        return None
    return patch_index(base, groups, mirror.project, tree.sessions_dir)


def _work_tree_copy(workspace: Workspace, facts: BlobFacts, oid: str) -> bytes | None:
    """The work tree's index file when it is known to hold blob `oid` (its signature
    is the one recorded when it was written with it): read, not inflated by git."""
    signature, known_oid, _ = facts.work_tree_copy()
    path = workspace.index_path
    if known_oid != oid or signature is None or file_signature(path) != signature:
        return None
    try:
        data = read_bytes(path)
    except (OSError, GitSessError):
        return None
    return data if file_signature(path) == signature else None


def _blob(workspace: Workspace, oid: str) -> bytes | None:
    """A blob's content, or None when git no longer has it (pruned)."""
    try:
        return read_blobs(workspace.repo, [oid]).get(oid)
    except (GitSessError, IndexError, ValueError):
        return None


def _remember(
    workspace: Workspace, tree: StagedTree, facts: BlobFacts, staged: Staged, tree_id: str | None
) -> None:
    """The staged sessions tree becomes the store's mirror (blobfacts.py). The tree
    holding it at the sessions path (its `root`) is made when a commit first needs
    it (staged.py mirror_root): most never do, and it cost every commit a git."""
    if tree_id is None or staged.oid is None:
        facts.forget_mirror()
        return
    mirror = Mirror(tree_id, "", staged.oid, staged.project, tree.odd_names)
    if tree.mirror is not None:
        facts.save_mirror(mirror, tree.overlay, None)
    else:
        facts.save_mirror(mirror, None, dict(tree.oids))


def _only_a_hand_edit(workspace: Workspace, tree: StagedTree) -> bool:
    """The commit stages nothing but an edit to the index, which regenerating
    it has just undone: it would commit nothing, and silently. The edit is put
    back in the staging area, as the user staged it."""
    if tree.changes or tree.other_paths or not tree.index_changed:
        return False
    path = tree.path_of(INDEX_NAME)
    args = ["diff", "--cached", "--quiet", "HEAD", "--", path]
    if git_process(workspace.repo.root, args, check=False).returncode != 0:
        return False  # the regenerated index repairs HEAD's (after --no-verify)
    if tree.index_oid is not None:
        stage_blob(workspace.repo, path, tree.index_oid)
    return True


def _refresh_work_tree_index(
    workspace: Workspace, tree: StagedTree, staged: Staged, facts: BlobFacts
) -> None:
    """The work tree's index follows the work tree's exports: those staged, unless
    some are staged only in part (then it is rendered from the work tree)."""
    # Under the pre-commit framework, which stashes unstaged changes but not
    # untracked files and fails a hook that changes the work tree's diff, the
    # work tree's index is the staged one; `git sess index` brings it level later.
    if tree.work_tree_differs and os.environ.get("PRE_COMMIT") != "1":
        write_index(workspace, workspace.catalog())
        return
    if not workspace.sessions_path.is_dir():
        return
    path, oid = workspace.index_path, staged.oid
    if oid is None:
        return
    # What the file held when this hook last wrote or read it, known by its
    # signature: the 10 MB of a 30,000-entry index are neither read nor hashed.
    signature, known_oid, _ = facts.work_tree_copy()
    # Written (or read) by this hook and not touched since, by its signature (size,
    # mtime, inode): it holds that blob, and a hand edit cannot be lost by
    # replacing it without reading it.
    current = file_signature(path)
    ours = current is not None and current == signature and known_oid is not None
    if ours and known_oid == oid:
        return
    if not ours:
        readable = path.is_file() and not path.is_symlink()
        held = blob_id(read_bytes(path), oid) if readable else None
        if held == oid:
            facts.put_work_tree_copy(current, oid, time.time_ns())
            return
    data = staged.data if staged.data is not None else _blob(workspace, oid)
    if data is None:
        return
    if ours:  # generated, like a file git checks out, which git does not fsync either
        write_atomic(path, data, durable=False)
    else:
        write_index(workspace, None, data.decode("utf-8", "replace"))
    facts.put_work_tree_copy(file_signature(path), oid, time.time_ns())


def _refusal(errors: list[Problem]) -> CommitRefused:
    """One refusal for every error, in file and line order; the hint fits them
    all (`check` shows each with its own, credentials included)."""
    errors = sorted(errors, key=lambda problem: (problem.path, problem.line or 0))
    lines = [f"{problem.location}: {problem.message}" for problem in errors]
    if all(is_credential(problem) for problem in errors):
        return CommitRefused(lines, ALLOW_HINT)
    hint = errors[0].hint if len(errors) == 1 else "git sess check shows each with its fix"
    return CommitRefused(lines, f"{hint or 'fix the export'}; then git add it and commit")


# --- the documented message ----------------------------------------------------


def session_message(workspace: Workspace, tree: StagedTree) -> str | None:
    """The message for a commit of exports or checkpoints: the sessions first,
    then the other files it changes ("Also changes:"); None when it changes
    neither an export nor a checkpoint (git's own message stands)."""
    if not (tree.changes or tree.checkpoint_changes):
        return None
    others = [path for path in tree.other_paths if path not in tree.checkpoint_changes]
    others = without_setup(workspace, others)
    # A title is shown escaped, as every command shows it: `git log` prints a
    # message raw, so an escape in a title would act on the reader's terminal.
    items = [(a, n, printable(t)) for a, n, t in _session_items(tree) + _checkpoint_items(tree)]
    if len(items) == 1 and items[0][:2] in (("Add", "session"), ("Update", "session")):
        values = {"action": items[0][0], "title": items[0][2]}  # the template lists contents
        return workspace.template("commit-message.txt", values) + _other_changes(others)
    if len(items) == 1:
        action, noun, title = items[0]
        return f"{action} {noun}: {title}\n" + _other_changes(others)
    counts: dict[tuple[str, str], int] = {}
    for action, noun, _ in items:
        counts[(action, noun)] = counts.get((action, noun), 0) + 1
    parts = [
        f"{action} {count} {noun}{'s' if count > 1 else ''}"
        for (action, noun), count in sorted(counts.items(), key=_item_order)
    ]
    subject = parts[0] + "".join(", " + part[0].lower() + part[1:] for part in parts[1:])
    listed = "".join(f"- {action} {noun}: {title}\n" for action, noun, title in items)
    return subject + "\n\n" + listed + _other_changes(others)


ACTIONS = {"A": "Add", "R": "Rename", "M": "Update", "D": "Remove"}


def _item_order(item: tuple[tuple[str, str], int]) -> tuple[int, int]:
    (action, noun), _ = item
    return (list(ACTIONS.values()).index(action), noun != "session")


def _session_items(tree: StagedTree) -> list[tuple[str, str, str]]:
    tree.load(tree.changed)
    renamed = staged_renames(tree) if {"A", "D"} <= set(tree.changes.values()) else {}
    gone = {session.id for session in renamed.values()}
    removed = _head_titles(tree, [n for n, s in tree.changes.items() if s == "D" and n not in gone])
    items = []
    for name in sorted(tree.changes.keys() - gone):
        session = tree.parsed.get(name)
        title = session.title if session else removed.get(name, name)
        if name in renamed:
            items.append(("Rename", "session", _renaming(renamed[name], title, name)))
        else:
            items.append((ACTIONS[tree.changes[name]], "session", title))
    return items


def _renaming(old: Session, title: str, name: str) -> str:
    """`old → new` by title; by file name when the title stayed (the file
    caught up with an earlier `update --title`)."""
    if old.title != title:
        return f"{old.title} → {title}"
    return f"{title} ({old.id} → {name})"


def _head_titles(tree: StagedTree, names: list[str]) -> dict[str, str]:
    """The titles of deleted exports, as HEAD has them (their name when unreadable)."""
    if not names:
        return {}
    paths = [f"HEAD:{tree.path_of(name)}" for name in names]
    done = git_process(tree.repo.root, ["rev-parse", *paths], check=False)
    oids = done.stdout.decode().split()
    if done.returncode != 0 or len(oids) != len(names):
        return {}
    blobs = read_blobs(tree.repo, oids)
    return {
        name: parse_export(tree.path_of(name), blobs[oid], name).title
        for name, oid in zip(names, oids, strict=True)
    }


def _checkpoint_items(tree: StagedTree) -> list[tuple[str, str, str]]:
    """Checkpoints by the title in their frontmatter (a deleted one by its name)."""
    staged = {path: tree.notes[path] for path in tree.checkpoint_changes if path in tree.notes}
    blobs = read_blobs(tree.repo, list(staged.values()))
    items = []
    for path, status in sorted(tree.checkpoint_changes.items()):
        title = path.rsplit("/", 1)[-1]
        if path in staged:
            title = parse_export(path, blobs[staged[path]]).title
        items.append((ACTIONS[status], "checkpoint", title))
    return items


ALSO_LISTED = 10  # files named under "Also changes:"; the rest are counted


def _other_changes(paths: list[str]) -> str:
    """The files a commit holds besides the sessions: a short list, the sessions
    being what the message is about."""
    if not paths:
        return ""
    shown = paths if len(paths) <= ALSO_LISTED + 1 else paths[:ALSO_LISTED]
    listed = "".join(f"- {printable(path)}\n" for path in shown)
    more = f"- … and {len(paths) - len(shown)} more\n" if len(shown) < len(paths) else ""
    return "\nAlso changes:\n" + listed + more


def without_setup(workspace: Workspace, paths: list[str]) -> list[str]:
    """`paths` less the setup `git sess init` wrote, which comes with the first
    export: CONTEXT_MANAGEMENT.md added to the sessions directory, and the
    merge-driver lines added to .gitattributes (with nothing else changed)."""
    setup = {path for path, alone in staged_setup(workspace, paths).items() if alone}
    return [path for path in paths if path not in setup]


ATTRIBUTES = ".gitattributes"


def staged_setup(workspace: Workspace, paths: list[str]) -> dict[str, bool]:
    """Of `paths`, the staged ones that bring git sess init's setup (see
    `_setup_changes`): True for those that bring nothing else."""
    context = f"{workspace.config.sessions_dir}/{CONTEXT_FILE}"
    candidates = [path for path in paths if path in (context, ATTRIBUTES)]
    if not candidates:
        return {}
    args = ["-c", "core.quotePath=false", "diff", "--cached", "--no-ext-diff", "--no-color"]
    args += ["--no-renames", "-U0", "--"]
    diff = git_process(workspace.repo.root, [*args, *candidates], check=False)
    return _setup_changes(diff.stdout.decode("utf-8", "replace"), context)


def _setup_in_diff(diff: str, context: str) -> set[str]:
    """Of the files in `diff` (`git diff -U0`), those that only bring git sess's
    setup: CONTEXT_MANAGEMENT.md as a new file, the attribute lines."""
    return {path for path, alone in _setup_changes(diff, context).items() if alone}


def _setup_changes(diff: str, context: str) -> dict[str, bool]:
    """Of the files in `diff` (`git diff -U0`), those that bring git sess's
    setup, CONTEXT_MANAGEMENT.md as a new file or the merge-driver lines of
    .gitattributes: True when that is all the file's change, False when
    .gitattributes changes in other ways too (the one home of this rule)."""
    from gitsess.hooks.install import ATTRIBUTES_MARK, MERGE_DRIVER

    ours = (ATTRIBUTES_MARK, f"merge={MERGE_DRIVER}")
    setup = {}
    for part in diff.split("diff --git ")[1:]:
        header, _, hunks = part.partition("\n@@")
        names = header.split("\n", 1)[0]
        if names.endswith(f" b/{context}") and "\nnew file mode " in header:
            setup[context] = True
        elif names.endswith(f" b/{ATTRIBUTES}"):
            changed = [line for line in hunks.split("\n") if line[:1] in ("+", "-")]
            if any(line[0] == "+" and line.endswith(ours) for line in changed):
                setup[ATTRIBUTES] = all(line[0] == "+" and line.endswith(ours) for line in changed)
    return setup
