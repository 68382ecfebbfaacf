"""Multi-file operations that a crash, SIGKILL or ^C never leaves half done.

An operation that moves and rewrites several files (`git sess import`) is
planned whole, then journaled, then done:

1. the plan is checked (every path inside the work tree, no symbolic link
   leading out of it, every source there, every target free) before anything
   changes;
2. the journal — the operation's name, its moves and its writes with their
   final bytes — is written atomically to `<git-path gitsess>/journal.json`
   (per worktree, never in the work tree, never committed);
3. the moves are done in order (`git mv` semantics: `Repo.move`), then the
   writes (`write_atomic`), then the staging area's entries the operation sets
   (`git sess mv` stages what it changed: each blob written again, then every
   entry set in one `git update-index`, which git writes atomically);
4. the journal is removed.

Recovery rolls forward: every step can be done again. The next command that
starts (`finish_pending`, called where the command line opens the workspace)
finishes a journal it finds: a move whose target exists is taken as done (and
its index entry moved, should git have been stopped between renaming the file
and writing its index), one whose source still exists is done now, and every
write is written again. So each file ends up either as it was — the journal
never got written — or as a clean run leaves it.

The caller of `run_journaled` holds the workspace's write lock
(`Workspace.write_lock()`), as every command that changes sessions does;
`finish_pending` takes it without waiting, so a journal whose owner is still
running (the lock is held) is left to that owner.

Test hook: with the environment variable GIT_SESS_FAULT_STEP=N, the process
exits with `os._exit(137)` right before step N — the moves counted first, then
the writes, then the staging (one step, when there is any), from 1; one past the
last step is the removal of the journal — as
a SIGKILL there would; `N:interrupt` raises KeyboardInterrupt there instead, as
^C would. Recovery (`finish_pending`) counts the same steps, so an
interrupted recovery can be tested too. Nothing else reads this variable.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from gitsess.core.errors import GitSessError, warn
from gitsess.core.files import exclusive_lock, write_atomic, write_hint
from gitsess.core.repo import git_process

if TYPE_CHECKING:
    from gitsess.core.workspace import IndexResult, Workspace

# Operations that end by regenerating the index: done before the journal is
# removed (and by a recovery), so a kill after the files never leaves it stale.
ENDS_WITH_THE_INDEX = frozenset({"import"})
FAULT_VARIABLE = "GIT_SESS_FAULT_STEP"
_FORMAT = 1
_OPERATION = re.compile(r"[a-z][a-z -]{0,40}")  # printed in a message: plain words only
_FINISH = "run any git sess command to finish"  # the journal completes it
_NO_ENTRY = "0" * 40  # `git update-index --index-info`: this object id removes the path


@dataclass(frozen=True)
class Move:
    source: str  # paths relative to the work tree, `/`-separated
    target: str


@dataclass(frozen=True)
class Write:
    path: str  # relative to the work tree, `/`-separated
    content: bytes  # the file's final bytes


@dataclass(frozen=True)
class Stage:
    """An entry the operation leaves in the staging area (stage 0)."""

    path: str  # relative to the work tree, `/`-separated
    mode: str  # "100644" or "100755"
    content: bytes  # the blob's bytes
    # As `git add` stages the work tree's file (the path's clean filters apply), or
    # the bytes as they are (a staged version edited: `hash-object --no-filters`).
    filtered: bool


@dataclass(frozen=True)
class _Journal:
    operation: str
    moves: list[Move]
    writes: list[Write]
    stages: list[Stage] = field(default_factory=list)

    @property
    def files(self) -> int:
        """How many files the operation leaves changed (a moved file rewritten counts once)."""
        moved = (move.target for move in self.moves)
        return len({*moved, *(write.path for write in self.writes), *(s.path for s in self.stages)})


class _Unreadable(Exception):
    """The journal is there but is not one this code wrote."""


def journal_path(workspace: Workspace) -> Path:
    return workspace.journal_path


def run_journaled(
    workspace: Workspace,
    operation: str,
    moves: list[Move],
    writes: list[Write],
    stages: list[Stage] | None = None,
) -> IndexResult | None:
    """Do `moves` (in order), then `writes`, then `stages`, so that an interruption at any point
    is finished by the next command. Raises GitSessError, having changed nothing,
    when the plan cannot be done; the caller holds the write lock. For an
    operation that ends with the index: what writing it did (None if it could
    not be written: the caller's own `write_index` then says why)."""
    if not _OPERATION.fullmatch(operation):
        raise ValueError(f"operation names are plain lower-case words, not {operation!r}")
    root = workspace.repo.root
    stages = list(stages or [])
    _check_plan(root, moves, [*writes, *(Write(stage.path, b"") for stage in stages)])
    journal = _Journal(operation, list(moves), list(writes), stages)
    path = journal_path(workspace)
    if path.exists():  # never overwrite what an interrupted operation still needs
        raise GitSessError(
            f"an interrupted operation is still journaled in {path}",
            "run any git sess command (git sess list) to finish it, then run this one again",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GitSessError(
            f"cannot create {path.parent}: {exc.strerror or exc}", write_hint(path.parent, exc)
        ) from exc
    write_atomic(path, _encode(journal))
    try:
        return _carry_out(workspace, journal, recovering=False)
    except GitSessError as exc:
        raise _still_journaled(exc, journal, path) from exc
    except KeyboardInterrupt:
        warn(f"interrupted: the {operation} is journaled; the next git sess command finishes it")
        raise


def finish_pending(workspace: Workspace) -> str | None:
    """Finish an operation a crash interrupted; one line for stderr saying so,
    or None when nothing was pending (which costs one stat)."""
    path = journal_path(workspace)
    if not path.is_file():
        return None
    stack = contextlib.ExitStack()
    try:
        # The lock `Workspace.write_lock()` takes, without waiting for it.
        stack.enter_context(exclusive_lock(path.parent / "write.lock", timeout=0.0))
    except GitSessError:
        return None  # its owner is running (the lock dies with a process): it finishes it
    with stack:
        try:
            journal = _decode(path.read_bytes())
        except FileNotFoundError:
            return None  # finished by its owner between the stat and the lock
        except (OSError, _Unreadable) as exc:
            return _set_aside(path, exc)
        try:
            _carry_out(workspace, journal, recovering=True)
        except GitSessError as exc:
            raise _still_journaled(exc, journal, path) from exc
    return f"git-sess: finished an interrupted {journal.operation} ({journal.files} files)"


def _refresh_index(workspace: Workspace) -> IndexResult | None:
    """The index, as the operation ends by writing it: before its journal goes, so
    that a kill in between leaves the journal, and the next command writes it."""
    from gitsess.core.workspace import write_index  # the catalog only when needed

    if workspace.sessions_path.is_dir():
        with contextlib.suppress(GitSessError):  # `check` says what is wrong with it
            return write_index(workspace, workspace.catalog())
    return None


# --- checking the plan ------------------------------------------------------------


def _check_plan(root: Path, moves: list[Move], writes: list[Write]) -> None:
    """Everything `_carry_out` relies on, checked before the journal is written."""
    for path in [*(m.source for m in moves), *(m.target for m in moves), *(w.path for w in writes)]:
        _require_inside(root, path)
    sources = {move.source for move in moves}
    for label, counts in (
        ("moved from", Counter(move.source for move in moves)),
        ("moved to", Counter(move.target for move in moves)),
    ):
        twice = sorted(path for path, count in counts.items() if count > 1)
        if twice:
            raise GitSessError(f"{twice[0]} is {label} twice in one plan", "this is a bug")
    for move in moves:
        source, target = root / move.source, root / move.target
        if not source.is_file() or source.is_symlink():
            raise GitSessError(f"{move.source}: no such file to move", "check the path")
        if target.exists() or target.is_symlink() or move.target in sources:
            # Recovery takes an existing target as a done move: it must not be there before.
            raise GitSessError(
                f"{move.target} already exists",
                f"move or rename {move.target} out of the way, then run the command again",
            )
    for write in writes:
        if (root / write.path).is_symlink():
            raise GitSessError(
                f"{write.path} is a symbolic link; git sess does not write through it",
                "replace it with a copy of the file (or remove it), then run the command again",
            )


def _require_inside(root: Path, relative: str) -> None:
    """`relative` names a place in the work tree, and its folder leads nowhere else."""
    pure = PurePosixPath(relative)
    if not relative or pure.is_absolute() or ".." in pure.parts:
        raise GitSessError(f"{relative!r} is not a path inside the work tree", "this is a bug")
    # resolve() follows every symbolic link of the folders that exist (the file
    # itself may not exist yet): where the file would really be written.
    folder = (root / relative).parent.resolve()
    if not folder.is_relative_to(root.resolve()):
        raise GitSessError(
            f"{pure.parent}/ leads outside the work tree (to {folder}); git sess does not"
            f" write {pure.name} there",
            f"make {pure.parent} a real directory inside the repository",
        )


# --- doing it ---------------------------------------------------------------------


def _carry_out(workspace: Workspace, journal: _Journal, *, recovering: bool) -> IndexResult | None:
    root = workspace.repo.root
    step = 0
    # `git mv` semantics for many files at once: the files are renamed one by one
    # (a step each), then the index entries of the tracked ones move in one git
    # call (two git processes a file took 4 s for a thousand notes). Stopped in
    # between, recovery moves each entry (_repair_index) as it finds the file moved.
    staged = {} if recovering else _index_entries(root, [m.source for m in journal.moves])
    for move in journal.moves:
        step += 1
        _fault_point(step)
        if recovering:
            _require_inside(root, move.source)  # a hand-edited journal is followed nowhere
            _require_inside(root, move.target)
            _move(workspace, root, move, recovering)
        else:
            _rename(root, move)
    if staged:
        _move_entries(root, journal.moves, staged)
    for write in journal.writes:
        step += 1
        _fault_point(step)
        if recovering:
            _require_inside(root, write.path)
        target = root / write.path
        _make_folder(target.parent)
        write_atomic(target, write.content)
    if journal.stages:
        step += 1
        _fault_point(step)
        _stage(root, journal.stages, recovering)
    index = _refresh_index(workspace) if journal.operation in ENDS_WITH_THE_INDEX else None
    _fault_point(step + 1)
    with contextlib.suppress(FileNotFoundError):
        journal_path(workspace).unlink()
    return index


def _move(workspace: Workspace, root: Path, move: Move, recovering: bool) -> None:
    source, target = root / move.source, root / move.target
    if recovering and (target.exists() or target.is_symlink()):
        _repair_index(root, move)  # done, but git may have been stopped inside `git mv`
    elif recovering and not source.exists():
        pass  # gone since (removed by hand): nothing left to move
    else:
        _make_folder(target.parent)
        workspace.repo.move(source, target)
    remove_if_empty(source.parent, root)


def _rename(root: Path, move: Move) -> None:
    source, target = root / move.source, root / move.target
    _make_folder(target.parent)
    try:
        os.replace(source, target)
    except OSError as exc:
        raise GitSessError(
            f"cannot move {move.source} to {move.target}: {exc.strerror or exc}",
            write_hint(target, exc, _FINISH),
        ) from exc
    remove_if_empty(source.parent, root)


def _index_entries(root: Path, paths: list[str]) -> dict[str, tuple[str, str]]:
    """path -> (mode, object id) of those of `paths` that git tracks (stage 0)."""
    if not paths:
        return {}
    found: dict[str, tuple[str, str]] = {}
    out = git_process(root, ["--literal-pathspecs", "ls-files", "-s", "-z", "--", *paths]).stdout
    for record in filter(None, out.split(b"\0")):
        info, _, name = record.partition(b"\t")
        mode, object_id, stage = info.decode("ascii").split(" ")
        if stage == "0":
            found[os.fsdecode(name)] = (mode, object_id)
    return found


def _move_entries(root: Path, moves: list[Move], staged: dict[str, tuple[str, str]]) -> None:
    """What `git mv` stages for each tracked file moved: its entry under the new path."""
    lines = []
    for move in moves:
        if move.source in staged:
            mode, object_id = staged[move.source]
            lines.append(f"0 {_NO_ENTRY}\t{move.source}\0{mode} {object_id}\t{move.target}\0")
    git_process(root, ["update-index", "-z", "--index-info"], input=os.fsencode("".join(lines)))


def _stage(root: Path, stages: list[Stage], recovering: bool) -> None:
    """Every blob written (again: the same bytes give the same object), then every
    entry set in one index write, so the staging area has all of them or none."""
    lines = []
    for stage in stages:
        if recovering:
            _require_inside(root, stage.path)
        how = [f"--path={stage.path}"] if stage.filtered else ["--no-filters"]
        args = ["hash-object", "-w", *how, "--stdin"]
        object_id = git_process(root, args, input=stage.content).stdout.decode("ascii").strip()
        lines.append(f"{stage.mode} {object_id} 0\t{stage.path}\0")
    git_process(root, ["update-index", "-z", "--index-info"], input=os.fsencode("".join(lines)))


def _repair_index(root: Path, move: Move) -> None:
    """Move the index entry, when the file was renamed but git's index never was:
    what `git mv` would have staged, whatever was written to the file since."""
    args = ["--literal-pathspecs", "ls-files", "-s", "-z", "--", move.source, move.target]
    out = git_process(root, args).stdout
    entries = {}
    for record in filter(None, out.split(b"\0")):
        info, _, name = record.partition(b"\t")
        entries[os.fsdecode(name)] = info.split(b" ")[:2]  # mode, object id
    if move.source not in entries or move.target in entries:
        return
    mode, object_id = (part.decode("ascii") for part in entries[move.source])
    lines = f"0 {_NO_ENTRY}\t{move.source}\0{mode} {object_id}\t{move.target}\0"
    git_process(root, ["update-index", "-z", "--index-info"], input=os.fsencode(lines))


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GitSessError(
            f"cannot create {folder}: {exc.strerror or exc}", write_hint(folder, exc, _FINISH)
        ) from exc


def remove_if_empty(directory: Path, root: Path) -> None:
    """A folder a move emptied goes too, as `git mv` of its last file would leave it."""
    while directory != root and directory.is_dir() and not any(directory.iterdir()):
        directory.rmdir()
        directory = directory.parent


def _fault_point(step: int) -> None:
    """The test hook of the module docstring."""
    fault = os.environ.get(FAULT_VARIABLE)
    if fault == str(step):
        os._exit(137)
    if fault == f"{step}:interrupt":
        raise KeyboardInterrupt  # ^C, as the terminal's SIGINT raises it


# --- the journal file ---------------------------------------------------------------


def _encode(journal: _Journal) -> str:
    import base64
    import json

    document = {
        "format": _FORMAT,
        "operation": journal.operation,
        "moves": [{"source": move.source, "target": move.target} for move in journal.moves],
        "writes": [
            {"path": write.path, "content": base64.b64encode(write.content).decode("ascii")}
            for write in journal.writes
        ],
        "stages": [
            {
                "path": stage.path,
                "mode": stage.mode,
                "content": base64.b64encode(stage.content).decode("ascii"),
                "filtered": stage.filtered,
            }
            for stage in journal.stages
        ],
    }
    # ASCII: a file name that is not UTF-8 (surrogate escapes) is kept as \\udcxx.
    return json.dumps(document, ensure_ascii=True, indent=1)


def _decode(data: bytes) -> _Journal:
    import base64
    import binascii
    import json

    try:
        document = json.loads(data)
        if document.get("format") != _FORMAT:
            raise _Unreadable(f"format {document.get('format')!r}, not {_FORMAT}")
        operation = document["operation"]
        if not isinstance(operation, str) or not _OPERATION.fullmatch(operation):
            raise _Unreadable("no operation name")
        moves = [Move(_relative(m["source"]), _relative(m["target"])) for m in document["moves"]]
        writes = [
            Write(_relative(w["path"]), base64.b64decode(_text(w["content"]), validate=True))
            for w in document["writes"]
        ]
        # Absent from journals written before `mv` was journaled.
        stages = [_stage_of(entry) for entry in document.get("stages", [])]
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise _Unreadable(str(exc) or type(exc).__name__) from exc
    return _Journal(operation, moves, writes, stages)


def _stage_of(entry: dict[str, object]) -> Stage:
    import base64

    mode, filtered = _text(entry["mode"]), entry["filtered"]
    if mode not in ("100644", "100755") or not isinstance(filtered, bool):
        raise ValueError(f"not a staged file: mode {mode!r}, filtered {filtered!r}")
    content = base64.b64decode(_text(entry["content"]), validate=True)
    return Stage(_relative(entry["path"]), mode, content, filtered)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a string")
    return value


def _relative(value: object) -> str:
    """A path as `run_journaled` writes them: relative, never climbing out."""
    path = _text(value)
    if not path or PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts:
        raise ValueError(f"{path!r} is not a path inside the work tree")
    return path


def _still_journaled(error: GitSessError, journal: _Journal, path: Path) -> GitSessError:
    """The error of a step, with what becomes of the rest of the operation."""
    return GitSessError(
        f"{error.message} (the {journal.operation} is half done; its journal is kept)",
        f"{error.hint or 'fix the problem'}; any git sess command then finishes the"
        f" {journal.operation} (or remove {path} to leave the files as they are)",
    )


def _set_aside(path: Path, problem: Exception) -> str:
    """Keep a journal this code cannot follow for a person to read, and go on."""
    aside = path.with_name(f"{path.stem}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}.json")
    try:
        os.replace(path, aside)
    except OSError as exc:
        return _printable(
            f"git-sess: warning: {path} cannot be read ({problem}) nor moved aside"
            f" ({exc.strerror or exc}); remove it by hand"
        )
    return _printable(
        f"git-sess: warning: {path} could not be read ({problem}); kept as {aside.name}:"
        " an interrupted operation may have left files half changed (see git status)"
    )


def _printable(line: str) -> str:
    """One line with no control character: it goes to a terminal as it is."""
    return "".join(char if char.isprintable() else f"\\x{ord(char):02x}" for char in line)
