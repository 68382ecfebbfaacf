"""Reading and writing files so that a failure never leaves half a file behind."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from gitsess.errors import GitSessError


def write_atomic(path: Path, data: str | bytes, *, durable: bool = True) -> None:
    """Replace `path` with `data` in one step, keeping the old file's mode.

    `durable=False` skips fsync, for caches that can always be rebuilt.
    """
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
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _write_error(path, exc) from exc


def create_exclusive(path: Path, data: str) -> None:
    """Write a new file, failing if it exists (so two `new` runs never collide)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        raise
    except OSError as exc:
        raise _write_error(path, exc) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(data)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise _write_error(path, exc) from exc


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
        line = data[: exc.start].count(b"\n") + 1
        raise GitSessError(
            f"{label}:{line}: not valid UTF-8 (byte 0x{data[exc.start]:02x})",
            f"re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8 {label} > {label}.utf8"
            f" && mv {label}.utf8 {label}",
        ) from exc


def _write_error(path: Path, exc: OSError) -> GitSessError:
    return GitSessError(
        f"cannot write {path}: {exc.strerror or exc}",
        f"make {path.parent} writable (e.g. chmod u+w {path.parent}) and run the command again",
    )


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
