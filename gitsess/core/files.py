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
    """A finished file beside `path` (same file system), with `path`'s mode."""
    import tempfile  # here, not at the top: read-only runs never pay for it

    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode)
    except BaseException as exc:  # ^C included: no `.name.*.tmp` is left behind
        _discard(tmp)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise
    return tmp


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
    return GitSessError(
        f"cannot write {path}: {exc.strerror or exc}",
        f"make {path.parent} writable (e.g. chmod u+w {path.parent}) and run the command again",
    )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
