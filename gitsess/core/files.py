"""Reading and writing files so that a failure never leaves half a file behind."""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Iterator
from pathlib import Path

from gitsess.core.errors import GitSessError


def require_inside(path: Path, root: Path, shown: str | None = None) -> Path:
    """`path` with its symbolic links resolved, when that stays inside the work
    tree `root`; else a GitSessError naming it (`shown`, else its path from `root`).

    The one rule for every file a cloned repository could hold as a link: a
    link (the file, or any folder above it) to ~/.ssh or /etc is neither read
    nor written through, so a checkout can never make git-sess copy or change
    a file outside it. A link that stays inside is followed.
    """
    name = shown or _shown(path, root)
    try:
        resolved = path.resolve()
        top = root.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop, before Python 3.13
        raise GitSessError(
            f"{name} is a loop of symbolic links",
            f"remove the link ({name}) and run the command again",
        ) from exc
    if resolved != top and not resolved.is_relative_to(top):
        raise GitSessError(
            f"{name} leads outside the work tree (to {resolved}); git sess neither reads"
            " nor writes through it",
            f"make {name} a real file or directory inside the repository, or remove it",
        )
    return resolved


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def write_atomic(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` in one step, keeping the old file's mode.

    `durable=False` skips fsync, for caches that can always be rebuilt.
    """
    tmp = _write_temporary(path, data, durable)
    try:
        os.replace(tmp, path)
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise


def create_exclusive(path: Path, data: str) -> None:
    """Write a new file in one step, raising FileExistsError if the name is taken.

    Hard-linking a finished temporary file into place is atomic and refuses an
    existing name, so two `new` runs never collide and ^C never leaves half a file.
    """
    tmp = _write_temporary(path, data, durable=True)
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise _write_error(path, exc) from exc
        _create_in_place(path, data)  # a file system without hard links
    finally:
        _discard(tmp)


_NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK)


def _create_in_place(path: Path, data: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(data)


def _write_temporary(path: Path, data: str | bytes, durable: bool) -> str:
    """A finished file, with `path`'s mode, on `path`'s file system (so that
    os.replace and os.link into place stay atomic), where git never sees it."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    directory, suffix = _scratch_place(path.parent)
    try:
        fd, tmp = make_temporary(directory, f".{path.name}.", suffix)
    except OSError as exc:
        if directory == path.parent:
            raise _write_error(path, exc) from exc
        # The scratch folder refuses (made read-only): beside the file, ignored by name.
        fd, tmp = _beside(path)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException as exc:  # ^C included: no temporary file is left behind
        _discard(tmp)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise
    return tmp


_TEMPORARY_TRIES = 100


def make_temporary(directory: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """A new file only this process can read and write, as `tempfile.mkstemp` makes
    one (a random name taken with O_EXCL, mode 0600): the hooks write on every
    commit, and the tempfile module would load shutil, bz2, lzma and random."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(_TEMPORARY_TRIES):
        name = os.path.join(directory, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no temporary name is free", str(directory))


SCRATCH = ("gitsess", "tmp")  # under the git directory
IGNORED_SUFFIX = ".gitsess-tmp"  # beside the file, in a work tree whose git directory is afar
EXCLUDE_LINE = f".*{IGNORED_SUFFIX}"


def _scratch_place(directory: Path) -> tuple[Path, str]:
    """Where the temporary file for a file in `directory` is written, and its suffix.

    A temporary file in the work tree is picked up by a concurrent `git add -A`
    and committed. So it goes to the git directory (`.git/gitsess/tmp`), which
    is on the work tree's file system nearly always, and git never looks there.
    Where it is not (a worktree or submodule whose `.git` file points to another
    disk), a rename across file systems would not be atomic: the file is
    written beside its target instead, with a name `.git/info/exclude` ignores.
    Outside a work tree (~/.claude) it goes beside its target too.
    """
    git_dir = _git_dir_above(directory)
    if git_dir is None:
        return directory, ".tmp"
    scratch = git_dir.joinpath(*SCRATCH)
    try:
        scratch.mkdir(parents=True, exist_ok=True)
        if scratch.stat().st_dev == directory.stat().st_dev:
            sweep_scratch(scratch)
            return scratch, ".tmp"
    except OSError:  # a read-only git directory: beside the file, ignored by name
        pass
    _exclude_scratch_names(git_dir)
    return directory, IGNORED_SUFFIX


SWEPT_STAMP = ".swept"  # in the scratch folder: its time is the last sweep's
SWEEP_EVERY = 24 * 3600  # seconds between two sweeps of the scratch folder
STALE_AFTER = 3600  # seconds after which a temporary file there is a leftover


def sweep_scratch(scratch: Path, now: float | None = None) -> None:
    """Remove what a killed process left in the scratch folder: files not touched
    for STALE_AFTER seconds (a temporary file lives for milliseconds, so none of
    them is still being written). At most once per SWEEP_EVERY, told by the
    stamp's time: on most writes this costs one stat. Never fails a write."""
    now = time.time() if now is None else now
    stamp = scratch / SWEPT_STAMP
    try:
        if now - stamp.stat().st_mtime < SWEEP_EVERY:
            return
    except FileNotFoundError:
        pass
    except OSError:
        return
    try:
        stamp.touch()  # first, so that processes writing at once do not all sweep
        os.utime(stamp, (now, now))
        with os.scandir(scratch) as entries:
            for entry in entries:
                if entry.name == SWEPT_STAMP or not entry.is_file(follow_symlinks=False):
                    continue
                with contextlib.suppress(OSError):
                    if now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER:
                        os.unlink(entry.path)
    except OSError:
        pass  # a sweep that cannot run now runs on a later write


def _beside(path: Path) -> tuple[int, str]:
    git_dir = _git_dir_above(path.parent)
    if git_dir is not None:
        _exclude_scratch_names(git_dir)
    try:
        return make_temporary(path.parent, f".{path.name}.", IGNORED_SUFFIX)
    except OSError as exc:
        raise _write_error(path, exc) from exc


def _git_dir_above(directory: Path) -> Path | None:
    """The git directory of the work tree holding `directory`, found the way git
    finds it (a `.git` folder, or a `.git` file saying `gitdir: …`), without
    running git: this is on every write."""
    for folder in (directory, *directory.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                line = dot_git.read_text("utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if not line.startswith("gitdir:"):
                return None
            return folder / line.removeprefix("gitdir:").strip()  # absolute stays absolute
    return None


def _exclude_scratch_names(git_dir: Path) -> None:
    """Make git ignore `.*.gitsess-tmp` in every clone's work tree (the common
    git directory's info/exclude, which worktrees share)."""
    common = git_dir
    with contextlib.suppress(OSError, UnicodeDecodeError):
        common = git_dir / (git_dir / "commondir").read_text("utf-8").strip()
    exclude = common / "info" / "exclude"
    with contextlib.suppress(OSError):
        text = exclude.read_text("utf-8", "replace") if exclude.is_file() else ""
        if EXCLUDE_LINE not in text.splitlines():
            exclude.parent.mkdir(parents=True, exist_ok=True)
            separator = "" if not text or text.endswith("\n") else "\n"
            with open(exclude, "a", encoding="utf-8") as handle:
                handle.write(f"{separator}# git-sess: its temporary files\n{EXCLUDE_LINE}\n")
            _await_index_unlocked(git_dir)


EXCLUDE_SETTLE = 2.0  # seconds at most that the first write waits for a running `git add`


def _await_index_unlocked(git_dir: Path) -> None:
    """Wait until no `git add` that read the excludes before the line above existed
    is still running. `git add` locks the index before it reads the exclude files
    and keeps the lock until it is done, so once `index.lock` is gone every later
    one has the new line; without this wait, the first temporary file written
    beside its target could be staged by a `git add -A` already under way. Only
    the write that adds the line waits, and never longer than EXCLUDE_SETTLE."""
    lock = git_dir / "index.lock"
    deadline = time.monotonic() + EXCLUDE_SETTLE
    while lock.exists() and time.monotonic() < deadline:
        time.sleep(0.005)


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


@contextlib.contextmanager
def exclusive_lock(
    path: Path, timeout: float = 10.0, activity: str = "changing sessions", hint: str = ""
) -> Iterator[None]:
    """Hold an advisory lock on `path` while changing sessions, so that two
    git-sess processes never interleave a read-modify-write or an index write.

    Where the lock cannot be taken at all (a read-only .git, no fcntl), the
    work goes on without it: refusing would be worse than the race.
    """
    try:
        import fcntl
    except ImportError:  # not a POSIX system
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")  # noqa: SIM115 (closed in the finally below)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GitSessError(
                        f"another git sess is {activity} (waited {timeout:g} s for {path})",
                        hint or "wait for it to finish and run the command again",
                    ) from None
                time.sleep(0.02)
        yield
    finally:
        handle.close()


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise GitSessError(
            f"cannot read {path}: {exc.strerror or exc}",
            "check that the file exists and is readable",
        ) from exc


def decode_utf8(data: bytes, label: str) -> str:
    """Decode UTF-8 (a leading BOM is dropped) or fail naming the line of the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, message, hint = describe_utf8_error(data, exc, label)
        raise GitSessError(f"{label}:{line}: {message}", hint) from exc


def wide_encoding(data: bytes) -> str | None:
    """`UTF-16` or `UTF-32` when the bytes are text in one of those, else None."""
    if data.startswith((b"\xff\xfe\0\0", b"\0\0\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:4]
    if len(head) == 4 and head.count(0) == 2 and b"\0\0" in (head[1::2], head[0::2]):
        return "UTF-16"  # no mark, but every other byte of ASCII letters is NUL
    return None


def describe_wide_text(data: bytes, label: str) -> tuple[int, str, str]:
    """(line, message, hint) for a file in UTF-16 or UTF-32."""
    encoding = wide_encoding(data)
    return (
        1,
        f"is {encoding} text, not UTF-8",
        f"convert it: iconv -f {encoding} -t UTF-8 {label} -o {label}.utf8"
        f" && mv {label}.utf8 {label}",
    )


def describe_utf8_error(data: bytes, error: UnicodeDecodeError, label: str) -> tuple[int, str, str]:
    """(line, message, hint) for a file that is not UTF-8; UTF-16 and UTF-32 (a
    byte-order mark, or NULs between ASCII letters) are named as what they are,
    since re-reading them as latin-1 would garble every character."""
    if wide_encoding(data) is not None:
        return describe_wide_text(data, label)
    line = data[: error.start].count(b"\n") + 1
    return (
        line,
        f"not valid UTF-8 (byte 0x{data[error.start]:02x})",
        f"re-save it as UTF-8: iconv -f latin1 -t utf-8 {label} -o {label}.utf8"
        f" && mv {label}.utf8 {label}",
    )


def _write_error(path: Path, exc: OSError) -> GitSessError:
    return GitSessError(f"cannot write {path}: {exc.strerror or exc}", write_hint(path, exc))


def write_hint(path: Path, exc: OSError, then: str = "run the command again") -> str:
    """The fix for a failed write of `path`, by its cause: a full disk is not a
    permission. `then` is what to do once it is fixed."""
    folder = path.parent
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        cause = "the disk is full (ENOSPC)" if exc.errno == errno.ENOSPC else "over quota (EDQUOT)"
        return f"{cause}: free space where {folder} is and {then}"
    if exc.errno == errno.EFBIG:  # what a full disk looks like under a size limit
        return f"the file grew past a size limit (EFBIG; see ulimit -f) in {folder}: {then}"
    if exc.errno == errno.EROFS:
        return f"{folder} is on a read-only file system: mount it read-write, or work elsewhere"
    return f"make {folder} writable (e.g. chmod u+w {folder}) and {then}"


def access_error(exc: PermissionError) -> GitSessError:
    """A file or folder git sess may not read or write (chmod 000 on its state
    directory or search index, say), said in one line with the fix; the command
    line and the git hooks turn any PermissionError into this."""
    name = exc.filename or "a file git sess needs"
    folder = Path(name).parent if exc.filename else None
    return GitSessError(
        f"cannot use {name}: {exc.strerror or 'permission denied'}",
        f"give yourself access to it and its folder (chmod u+rwX {folder} {name})"
        if folder
        else "check the permissions of the repository and its .git directory",
    )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
