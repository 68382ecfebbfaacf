"""What every resident git-sess process shares: its lock, its socket, its peers.

The search server (search/server.py) and the hook server (hooks/hookserver.py) are
both a process per git directory that listens on a Unix socket in git-sess's
state folder; the rules for that socket live here once: held by a lock all the
server's life (one server per folder), made under a temporary name and renamed
into place once listening (a client never finds a socket nobody listens on
yet), mode 0600, and a peer of another uid refused.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOG_LIMIT = 1 << 20  # a server's log is started again past this size


def hold_lock(state_dir: Path, name: str) -> int | None:
    """The lock file's descriptor, held until this process exits, with its pid
    written in it; None when another server holds it (runs or starts here)."""
    import fcntl

    state_dir.mkdir(parents=True, exist_ok=True)
    lock = os.open(state_dir / name, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(lock)
        return None
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    return lock


def listen(state_dir: Path, name: str) -> tuple[socket.socket, int]:
    """Listen on `state_dir/name`; the socket and its inode (to remove only our own)."""
    os.chdir(state_dir)  # bound by a relative name: sun_path is short
    temporary = f"{name}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        listener.bind(temporary)
    finally:
        os.umask(mask)
    os.chmod(temporary, 0o600)
    listener.listen(16)
    os.rename(temporary, name)
    return listener, os.stat(name).st_ino


def unlink_if_ours(path: Path, inode: int) -> None:
    """Remove the socket file when it is still the one this server made."""
    with contextlib.suppress(OSError):
        if os.stat(path).st_ino == inode:
            os.unlink(path)


def peer_uid(connection: socket.socket) -> int | None:
    """The uid of the process at the other end (None where the system cannot say)."""
    if hasattr(socket, "SO_PEERCRED"):  # Linux
        raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return int(struct.unpack("3i", raw)[1])
    if hasattr(socket, "LOCAL_PEERCRED"):  # macOS, FreeBSD: struct xucred
        raw = connection.getsockopt(0, socket.LOCAL_PEERCRED, struct.calcsize("2I"))
        return int(struct.unpack("2I", raw[:8])[1])
    return None


def foreign_peer(connection: socket.socket) -> int | None:
    """The peer's uid when it is not ours (to refuse it), else None."""
    uid = peer_uid(connection)
    return uid if uid is not None and uid != os.getuid() else None


def wait_for_lock(state_dir: Path, name: str, bound: float = 30.0) -> None:
    """Wait (at most `bound` seconds) until no server holds the lock: it has exited."""
    import fcntl
    import time

    deadline = time.monotonic() + bound
    try:
        lock = os.open(state_dir / name, os.O_RDWR)
    except OSError:
        return
    try:
        while time.monotonic() < deadline:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError:
                time.sleep(0.02)
    finally:
        os.close(lock)


def server_log(path: Path, line: str) -> None:
    """One line in a server's log, with the time and its pid; never fails."""
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_LIMIT:
            path.unlink()
    with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} server {os.getpid()}: {line}\n")


def admin_answer(
    command: str, stop: Callable[[str], None], status: Callable[[], dict[str, Any]]
) -> bytes:
    """The answer to `git sess server stop|status`."""
    import json

    if command == "stop":
        stop("asked to stop")
        return b"stopping\n"
    if command == "status":
        return json.dumps(status()).encode() + b"\n"
    return b"unknown command\n"


def idle_seconds(raw: str, default: float) -> float:
    """`sess.searchServerIdle`: seconds, or with `s`, `m` or `h`; `default` when unusable."""
    raw = raw.strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600}.get(raw[-1:], 1)
    try:
        value = float(raw[:-1] if raw[-1:] in "smh" else raw) * scale
    except ValueError:
        return default
    return value if value > 0 else default


CONFIG_VARIABLES = ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_SYSTEM")


def common_dir(git_dir: Path) -> Path:
    """The repository's common git directory (a linked worktree's main one)."""
    try:
        relative = (git_dir / "commondir").read_text().strip()
    except OSError:
        return git_dir
    return (git_dir / relative).resolve()


def config_key(git_dir: Path) -> tuple[Any, ...]:
    """What git's configuration depends on: the variables and each file's signature.
    A long-lived process re-reads the configuration when this changes, and only then."""
    environ = os.environ
    home = environ.get("HOME", "")
    xdg = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    files = [
        common_dir(git_dir) / "config",
        git_dir / "config.worktree",
        Path(environ.get("GIT_CONFIG_GLOBAL") or os.path.join(home, ".gitconfig")),
        Path(xdg, "git", "config"),
        Path(environ.get("GIT_CONFIG_SYSTEM") or "/etc/gitconfig"),
    ]
    signatures: list[tuple[int, int, int] | None] = []
    for path in files:
        try:
            stat = os.stat(path)
            signatures.append((stat.st_size, stat.st_mtime_ns, stat.st_ino))
        except OSError:
            signatures.append(None)
    variables = sorted(
        (name, value)
        for name, value in environ.items()
        if name.startswith("GIT_CONFIG") or name in CONFIG_VARIABLES
    )
    return (tuple(variables), tuple(signatures))
