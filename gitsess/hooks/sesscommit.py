"""`git sess commit`: the exports (and, while it is not committed, the setup
`git sess init` wrote) staged and committed through `git commit`, so that the
hooks run, with the documented message (DESIGN.md §3.4) that commits.py makes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gitsess.core.catalog import require_sessions_dir
from gitsess.core.errors import GitSessError, quote_path, warn
from gitsess.core.repo import changed_paths, git_process
from gitsess.core.workspace import CONTEXT_FILE, Workspace
from gitsess.hooks.commits import (
    ATTRIBUTES,
    prepare_commit,
    session_message,
    staged_setup,
    without_setup,
)
from gitsess.hooks.staged import is_checkpoint_path, is_staged_name, read_staged

_LOCK_TRIES = 50  # git's index.lock, held by another git command: up to 5 s
_LOCK_WAIT_S = 0.1
_UNSTAGE = "git restore --staged PATH takes it out"


@dataclass(frozen=True)
class CommitResult:
    summary: str  # `git log -1 --format='%h %s'`
    paths: list[str]
    setup: list[str]  # what `git sess init` wrote, committed with them
    notes: list[str]  # one line each, for stderr


def commit_sessions(
    workspace: Workspace, refs: list[str], include_staged: bool, verify: bool = True
) -> CommitResult:
    """Stage the named exports (default: every new, changed or deleted one) and
    commit them with the index, through `git commit` so that the hooks run
    (`verify=False`: as `git commit --no-verify`, the index still staged)."""
    repo = workspace.repo
    if repo.git("rev-parse", "-q", "--verify", "MERGE_HEAD", check=False).strip():
        raise GitSessError(
            "a merge is in progress: its commit must hold the whole merge",
            "finish it with git commit (the hooks index and check the exports),"
            " or abandon it with git merge --abort",
        )
    for head, action in (("CHERRY_PICK_HEAD", "cherry-pick"), ("REVERT_HEAD", "revert")):
        if repo.git("rev-parse", "-q", "--verify", head, check=False).strip():
            raise GitSessError(
                f"a {action} stopped on a conflict: its commit must hold the whole pick",
                f"resolve it, git add what you resolved, then git {action} --continue"
                f" (or git {action} --abort)",
            )
    require_sessions_dir(workspace.sessions_path, workspace.config.sessions_dir)
    changed = _changed_exports(workspace)
    paths = _named_paths(workspace, refs) if refs else changed
    if not paths:
        raise GitSessError(
            "no new or changed session exports to commit",
            'write one with git sess new "Title", or name one: git sess commit ID',
        )
    unchanged = [path for path in paths if path not in changed]
    if unchanged:
        raise GitSessError(
            f"{unchanged[0]} has no changes to commit: HEAD already holds it as it is",
            "name only new or changed exports (git status shows them), or edit it first",
        )
    index_path = workspace.relative(workspace.index_path)
    staged = _staged_paths(workspace)
    # init's setup already staged goes with them, as a plain git commit folds it in
    others = without_setup(workspace, [p for p in staged if p not in paths and p != index_path])
    if others and not include_staged:
        shown = ", ".join(map(quote_path, others[:3])) + (" …" if len(others) > 3 else "")
        raise GitSessError(
            f"other changes are already staged: {shown}",
            "commit or unstage them first (git restore --staged PATH),"
            " or add --include-staged to commit them too",
        )
    pending = _unstaged_setup(workspace, staged)
    saved = _index_entries(workspace, [*paths, index_path, *pending])
    # What HEAD was: a commit by another process while this one runs may hold
    # what we staged, and taking it out of the staging area then would make the
    # next commit delete it from HEAD.
    head = _head(workspace)
    ours: dict[str, str] | None = None  # the entries as we staged them
    notes: list[str] = []
    restored = False
    try:
        # A deletion already staged (`git rm`) is in neither: git add would refuse it.
        present = [
            path
            for path in paths
            if (repo.root / path).exists() or not saved[path].startswith("0 ")
        ]
        if present:
            repo.git("add", "-A", "--", *present)
        setup = _stage_setup(workspace, pending, saved, head, notes)
        if verify and _our_pre_commit_installed(workspace):
            tree = read_staged(repo, workspace.config.sessions_dir)
        else:  # no hook will validate and index them: do its work here
            tree = prepare_commit(workspace, refuse=verify).tree
        ours = _index_entries(workspace, list(saved))
        from gitsess.hooks.install import BYPASS_VARIABLE

        message = session_message(workspace, tree)
        if message is None:  # e.g. a file staged back to what HEAD has since the check
            raise GitSessError(
                "nothing to commit: the named exports are as HEAD has them",
                "edit one first, or git status to see what changed",
            )
        done = git_process(
            repo.root,
            ["commit", "-q", "-F", "-", *([] if verify else ["--no-verify"])],
            input=message.encode(),
            check=False,
            show_errors=True,
            env={BYPASS_VARIABLE: "git sess commit --no-verify"},  # as the hook says it
        )
        if done.returncode != 0:
            _restore_index_entries(workspace, saved, ours, head)
            restored = True
            raise _not_committed(workspace, saved)
    except BaseException:
        if not restored:
            _restore_index_entries(workspace, saved, ours, head)
        raise
    summary = repo.git("log", "-1", "--format=%h %s").strip()
    return CommitResult(summary=summary, paths=paths, setup=setup, notes=notes)


def _not_committed(workspace: Workspace, saved: dict[str, str]) -> GitSessError:
    """git commit refused: say what stays staged. Our pre-commit hook may have
    staged the index it regenerated, and another process what it staged
    meanwhile: those are left, not taken back from a copy."""
    now = _index_entries(workspace, list(saved))
    left = [quote_path(path) for path, entry in saved.items() if now[path] != entry]
    if not left:
        said = "nothing was staged or changed"
    else:
        shown = ", ".join(left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
        said = f"still staged: {shown} (git restore --staged PATH takes it out)"
    return GitSessError(
        f"git commit did not commit (its message is above); {said}",
        "fix what it reports, then run git sess commit again",
    )


def _unstaged_setup(workspace: Workspace, staged: list[str]) -> list[str]:
    """The files `git sess init` writes that are in the work tree and not staged:
    either may be setup that was never committed (or nothing new at all)."""
    context = f"{workspace.config.sessions_dir}/{CONTEXT_FILE}"
    root = workspace.repo.root
    files = [
        path
        for path in (context, ATTRIBUTES)
        if path not in staged and (root / path).is_file() and not (root / path).is_symlink()
    ]
    if not files:
        return []
    # Changed in the work tree or untracked (not ignored): one git process, and
    # none of the staging below when init's setup was committed long ago.
    args = ["status", "--porcelain", "-z", "--untracked-files=all", "--no-renames", "--"]
    out = git_process(root, [*args, *files], check=False).stdout.decode("utf-8", "replace")
    changed = {record[3:] for record in out.split("\0") if record}
    return [path for path in files if path in changed]


def _stage_setup(
    workspace: Workspace,
    pending: list[str],
    saved: dict[str, str],
    head: str,
    notes: list[str],
) -> list[str]:
    """Stage what of `pending` is git sess init's setup not yet committed (a new
    CONTEXT_MANAGEMENT.md, .gitattributes changed only by the merge-driver lines),
    so that a clone gets the merge attribute and no untracked file in the way of
    a pull; put the rest back as it was. A .gitattributes whose pending driver
    lines come with other changes is the user's to commit: `notes` says so."""
    if not pending:
        return []
    # An ignored file is refused by git add: it stays out, as git keeps it.
    git_process(workspace.repo.root, ["add", "--", *pending], check=False)
    found = staged_setup(workspace, pending)
    setup = [path for path in pending if found.get(path)]
    _restore_index_entries(workspace, {p: saved[p] for p in pending if p not in setup}, None, head)
    if found.get(ATTRIBUTES) is False:
        notes.append(
            f"{ATTRIBUTES} was left out: it changes more than git sess's merge-driver lines;"
            f" to commit it: git add {ATTRIBUTES} && git commit"
        )
    return setup


def _named_paths(workspace: Workspace, refs: list[str]) -> list[str]:
    catalog = workspace.catalog()
    found = {_checkpoint(workspace, ref) or workspace.find(catalog, ref).path for ref in refs}
    return sorted(found)


def _checkpoint(workspace: Workspace, ref: str) -> str | None:
    """A checkpoint a user names by its path (from here or the top) or file name."""
    folder = workspace.checkpoints_path.resolve()
    for base in (Path.cwd(), workspace.repo.root, folder):
        path = (base / ref).resolve()
        if path.suffix == ".md" and path.parent == folder and path.is_file():
            return path.relative_to(workspace.repo.root.resolve()).as_posix()
    return None


def _changed_exports(workspace: Workspace) -> list[str]:
    """Exports and checkpoints that are new, changed or deleted since HEAD, staged or not."""
    prefix = workspace.config.sessions_dir + "/"
    return [
        path
        for path in changed_paths(workspace.repo, prefix)
        if path.startswith(prefix)
        and (is_staged_name(path[len(prefix) :]) or is_checkpoint_path(path, prefix))
    ]


def _staged_paths(workspace: Workspace) -> list[str]:
    out = workspace.repo.git("diff", "--cached", "--name-only", "-z", "--no-renames")
    return [path for path in out.split("\0") if path]


def _index_entries(
    workspace: Workspace, paths: list[str], env: dict[str, str] | None = None
) -> dict[str, str]:
    """Each path's staging-area entry as `update-index --index-info` reads it
    (a zero mode removes a path that had none); `env` may name another index."""
    args = ["--literal-pathspecs", "ls-files", "-s", "-z", "--", *paths]
    out = git_process(workspace.repo.root, args, env=env).stdout.decode("utf-8", "surrogateescape")
    found = {}
    for record in filter(None, out.split("\0")):
        meta, _, path = record.partition("\t")
        found[path] = f"{meta}\t{path}"
    algorithm = workspace.repo.git("rev-parse", "--show-object-format").strip()
    absent = "0" * (64 if algorithm == "sha256" else 40)
    return {path: found.get(path, f"0 {absent}\t{path}") for path in paths}


def _head(workspace: Workspace) -> str:
    return workspace.repo.git("rev-parse", "-q", "--verify", "HEAD", check=False).strip()


def _restore_index_entries(
    workspace: Workspace, saved: dict[str, str], ours: dict[str, str] | None, head: str
) -> None:
    """Put back the staging-area entries of `saved` that are still as we staged
    them (`ours`; None: as they are now, when we stopped before noting them),
    and none once HEAD has moved: another process may have committed them, and
    its staged changes must never be undone from a stale copy.

    The comparison and the write happen under git's own `index.lock`, taken the
    way git takes it, so no git command changes the staging area in between."""
    if not saved:
        return
    root = workspace.repo.root
    index = Path(workspace.repo.git("rev-parse", "--git-path", "index").strip())
    index = index if index.is_absolute() else root / index
    lock = index.with_name(index.name + ".lock")
    try:
        handle = _take_lock(lock)
    except OSError as error:  # a full disk, a read-only git directory
        handle, busy = None, f"{lock} cannot be created: {error.strerror or error}"
    else:
        busy = f"the staging area is busy ({lock} exists)"
    if handle is None:
        warn(f"{busy}: what git sess commit staged stays staged ({_UNSTAGE})")
        return
    try:
        try:
            with open(index, "rb") as source:
                shutil.copyfileobj(source, handle)
        finally:
            handle.close()
    except OSError as error:
        warn(
            f"the staging area could not be copied to put it back"
            f" ({error.strerror or error}): what git sess commit staged stays staged"
            f" ({_UNSTAGE})"
        )
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        return
    try:
        env = {"GIT_INDEX_FILE": str(lock)}  # git reads and writes our locked copy
        now = _index_entries(workspace, list(saved), env)
        expected = now if ours is None else ours
        restore = [
            entry
            for path, entry in saved.items()
            if now[path] == expected[path] and now[path] != entry
        ]
        if not restore or _head(workspace) != head:
            return  # nothing of ours to undo, or HEAD may hold it now: leave it
        lines = "".join(entry + "\0" for entry in restore).encode("utf-8", "surrogateescape")
        git_process(root, ["update-index", "-z", "--index-info"], input=lines, env=env)
        os.replace(lock, index)  # as git commits a lock file
    except (OSError, GitSessError) as error:  # a full disk: the staging area stays as it is
        said = error.message if isinstance(error, GitSessError) else error.strerror or error
        warn(f"the staging area could not be put back ({said}): {_UNSTAGE}")
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _take_lock(lock: Path) -> BinaryIO | None:
    """`lock`, created as git creates it (exclusively), waiting a little for
    a git command that holds it; None if it stays taken."""
    for _ in range(_LOCK_TRIES):
        try:
            return os.fdopen(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
        except FileExistsError:
            time.sleep(_LOCK_WAIT_S)
    return None


def _our_pre_commit_installed(workspace: Workspace) -> bool:
    from gitsess.hooks.install import hook_states

    return hook_states(workspace).get("pre-commit", "missing") not in ("missing", "foreign")
