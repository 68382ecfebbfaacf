"""The resident search server: one per worktree, started by the first in-process search.

Modelled on `git fsmonitor--daemon` (DESIGN.md §10). It listens on
`<git dir>/gitsess/search.sock` (mode 0600; a peer of another uid is refused), answers one
request at a time by running the same click command an in-process search runs
(gitsess.cli.app.main) with the client's working directory, environment and output
streams, so its output is the in-process output byte for byte. Between requests it keeps
the workspace (re-read when a git configuration file changes), the search index's files
in the page cache and the modules imported, and its watcher (watcher.py) names the
files that changed, so a query skips the scan of every export. A change is synced at
once in the background, those files alone (syncing.py); a query that comes while one
is pending runs after it (never a stale answer).

It exits after `git config sess.searchServerIdle` seconds without a request (600 by
default), when git-sess's code changes under it (a version or a module stamp), when its
worktree or git directory disappears or moves, and when asked (`git sess server stop`,
`git sess hooks uninstall`). `git config sess.searchServer false`: no server is started,
and a running one exits at its next request.

What it does and why it fell back is logged in `<git dir>/gitsess/search-server.log`.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitsess.core.resident import (
    admin_answer,
    common_dir,
    config_key,
    foreign_peer,
    hold_lock,
    idle_seconds,
    listen,
    server_log,
    unlink_if_ours,
)
from gitsess.search import client

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace
    from gitsess.search.query import SearchRequest
    from gitsess.search.results import SearchResult
    from gitsess.search.syncing import IndexSync
    from gitsess.search.watcher import Watcher

IDLE_DEFAULT = 600.0
TICK = 5.0  # seconds between checks that the worktree is still there


class Fallback(BaseException):  # noqa: N818 — not an error: "answer in-process instead"
    """Raised anywhere while answering: the client searches in-process instead. A
    BaseException, so the command line's handlers let it through."""


class Resident:
    watcher: Watcher
    sync: IndexSync
    idle: float
    _raw_config: dict[str, list[str]]

    def __init__(self, state_dir: Path, root: Path):
        from gitsess import __version__
        from gitsess.core.cache import PACKAGE, code_stamp

        self.state_dir = state_dir
        self.root = root
        self.version = __version__
        self.package = str(PACKAGE)
        self.stamp = code_stamp()
        self.started = time.time()
        self.last_request = time.monotonic()
        self.requests = 0
        self.exiting: str | None = None
        from gitsess.search.opened import OpenIndex  # follows the index by itself

        self.opened = OpenIndex(resident=True)
        self._workspace: Workspace | None = None
        self._config_key: tuple[Any, ...] | None = None
        self.workspace()  # fails early if the worktree cannot be opened
        assert self._workspace is not None
        from gitsess.search.syncing import IndexSync
        from gitsess.search.watcher import Watcher

        self.sync = IndexSync(lambda line: log(state_dir, line))
        path = str(self._workspace.sessions_path)
        self.watcher = self.sync.watcher = Watcher(path, str(state_dir), self.sync.changed.set)
        self.idle = _idle_seconds(self._raw_config)

    # --- the workspace and its configuration

    def workspace(self) -> Workspace:
        from gitsess.core.workspace import open_workspace

        key = self._config_files()
        if key != self._config_key or self._workspace is None:
            workspace = open_workspace(self.root)
            self._raw_config = workspace.repo.config()
            if client.is_off(self._raw_config):
                self.exit("git config sess.searchServer is false")
                raise Fallback("the search server is turned off")
            if self._workspace is not None and (
                workspace.sessions_path != self._workspace.sessions_path
            ):
                self.exit("the sessions directory changed (git config sess.dir)")
                raise Fallback("the sessions directory changed")
            self._workspace, self._config_key = workspace, key
        if self._workspace.journal_path.exists():
            raise Fallback("an interrupted operation is to be finished in-process")
        return self._workspace

    def _config_files(self) -> tuple[Any, ...]:
        """What the configuration depends on: the variables and each file's signature."""
        return config_key(self.state_dir.parent)

    @property
    def common_dir(self) -> Path:
        return common_dir(self.state_dir.parent)

    # --- searching and syncing

    def search(self, workspace: Workspace, request: SearchRequest) -> SearchResult:
        """`gitsess.search.search` on an index first brought up to date with every
        change made before the query (the watcher's barrier), skipping the scan."""
        from gitsess.search.held import synced_search

        return synced_search(self.watcher, self.sync, self.opened, workspace, request)

    # --- answering

    def answer(self, payload: bytes) -> bytes:
        if payload.startswith(client.ADMIN):
            return self.admin(payload[len(client.ADMIN) :].decode())
        if not payload.startswith(client.MAGIC):
            return b"fallback not a request this server understands\n"
        fields = [os.fsdecode(field) for field in payload[len(client.MAGIC) :].split(b"\0")]
        try:
            return self.run(fields)
        except Fallback as reason:
            log(self.state_dir, f"fallback: {reason}")
            return f"fallback {reason}\n".encode()

    def run(self, fields: list[str]) -> bytes:
        version, package, cwd = fields[:3]
        out_tty, out_encoding, out_errors, err_tty, err_encoding, err_errors = fields[3:9]
        columns, lines, count = fields[9:12]
        argv = fields[12 : 12 + int(count)]
        environ = dict(item.split("=", 1) for item in fields[12 + int(count) :] if "=" in item)
        if version != self.version:
            self.exit(f"git-sess {version} asked; this server is {self.version}")
            raise Fallback("another version of git-sess")
        if package != self.package:
            raise Fallback(f"git-sess of {package} asked; this server runs {self.package}")
        from gitsess.core.cache import code_stamp

        if code_stamp.__wrapped__() != self.stamp:
            self.exit("git-sess's code changed")
            raise Fallback("git-sess's code changed")
        if not _inside(Path(cwd), self.root) or not self.state_dir.is_dir():
            self.exit(f"asked from {cwd}, outside {self.root}: the worktree moved")
            raise Fallback("the worktree moved")
        if columns and "COLUMNS" not in environ:
            environ.update(COLUMNS=columns, LINES=lines)
        order: list[tuple[int, bytes]] = []  # every write, in the order it was made
        out = _Captured(out_tty == "1", 1, order)
        err = _Captured(err_tty == "1", 2, order)
        with _as_client(
            cwd, environ, argv, out, out_encoding, out_errors, err, err_encoding, err_errors
        ):
            from gitsess.cli import main

            client.resident = self
            try:
                code = main(argv)
            finally:
                client.resident = None
        self.requests += 1
        written = _joined(order)
        chunks = " ".join(f"{fd}:{len(data)}" for fd, data in written)
        return f"ok {int(code)}\n{chunks}\n".encode() + b"".join(data for _, data in written)

    def admin(self, command: str) -> bytes:
        return admin_answer(command, self.exit, self.status)

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "worktree": str(self.root),
            "version": self.version,
            "started": self.started,
            "uptime": time.time() - self.started,
            "requests": self.requests,
            "documents": self.sync.documents,
            "last_sync": self.sync.last_sync,
            "watcher": self.watcher.state,
            "idle_exit": self.idle,
            "rss": _rss(),
        }

    def exit(self, reason: str) -> None:
        if self.exiting is None:
            self.exiting = reason

    def gone(self) -> str | None:
        """Why this server should stop now, or None."""
        if self.exiting:
            return self.exiting
        if time.monotonic() - self.last_request > self.idle:
            return f"idle for {self.idle:g} s"
        if not self.state_dir.is_dir() or not self.root.is_dir():
            return "its worktree or git directory is gone"
        if not (self.root / ".git").exists():
            return "its worktree is no longer a git work tree"
        return None


def _joined(order: list[tuple[int, bytes]]) -> list[tuple[int, bytes]]:
    """The writes, those in a row to one stream made one: the client makes one
    system call for each (a search's text is some thirty lines, each echoed alone)."""
    runs: list[tuple[int, list[bytes]]] = []
    for fd, data in order:
        if not data:
            continue
        if runs and runs[-1][0] == fd:
            runs[-1][1].append(data)
        else:
            runs.append((fd, [data]))
    return [(fd, b"".join(parts)) for fd, parts in runs]


class _Captured(io.RawIOBase):
    """An output stream as the client has it (a terminal or not); each write is kept
    with the others' in one list, so the client replays both streams in their order."""

    def __init__(self, tty: bool, fd: int, order: list[tuple[int, bytes]]):
        super().__init__()
        self.tty, self.fd, self.order = tty, fd, order

    def isatty(self) -> bool:
        return self.tty

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.order.append((self.fd, bytes(data)))
        return len(data)


@contextlib.contextmanager
def _as_client(
    cwd: str,
    environ: dict[str, str],
    argv: list[str],
    out: _Captured,
    out_encoding: str,
    out_errors: str,
    err: _Captured,
    err_encoding: str,
    err_errors: str,
) -> Iterator[None]:
    """This process as the client would be: its directory, environment, argv and streams."""
    saved = (sys.stdout, sys.stderr, sys.argv, dict(os.environ))
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)
    sys.argv = ["git-sess", *argv]
    streams = (
        io.TextIOWrapper(_binary(out), out_encoding, out_errors, write_through=True),
        io.TextIOWrapper(_binary(err), err_encoding, err_errors, write_through=True),
    )
    sys.stdout, sys.stderr = streams
    try:
        yield
    finally:
        for stream in streams:
            stream.flush()
            stream.detach()  # or its end would close the buffer before it is read
        sys.stdout, sys.stderr, sys.argv = saved[:3]
        os.environ.clear()
        os.environ.update(saved[3])


def _binary(stream: _Captured) -> io.BufferedWriter:
    """What TextIOWrapper's signature asks for: any writable binary stream will do."""
    return stream  # type: ignore[return-value]


def _inside(path: Path, root: Path) -> bool:
    try:
        resolved = path.resolve()
    except OSError:
        return False
    return resolved == root or root in resolved.parents


def _idle_seconds(values: dict[str, list[str]]) -> float:
    found = values.get("sess.searchserveridle")
    return idle_seconds(found[-1] if found else "", IDLE_DEFAULT)


def _rss() -> int:
    """Resident memory in bytes (Linux: now; elsewhere: the peak)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


def log(state_dir: Path, line: str) -> None:
    server_log(state_dir / client.LOG_NAME, line)


# --- the process -------------------------------------------------------------------


def serve(state_dir: Path, root: Path) -> int:
    """Run the server of the worktree at `root` until it should stop."""
    if hold_lock(state_dir, client.LOCK_NAME) is None:
        return 0  # another server runs (or starts) here
    resident = Resident(state_dir, root)
    resident.watcher.start()  # before the first sync: nothing between is missed
    if resident.watcher.failed:
        log(state_dir, f"no watcher: {resident.watcher.failed}; scanning at each query")
    current = lambda: resident._workspace  # noqa: E731 — as last read (a request re-reads it)
    threading.Thread(target=resident.sync.forever, args=(current,), daemon=True).start()
    resident.sync.changed.set()
    listener, inode = listen(state_dir, client.SOCKET_NAME)
    log(state_dir, f"serving {root} (git-sess {resident.version}, {resident.watcher.state})")
    try:
        while True:
            reason = resident.gone()
            if reason:
                log(state_dir, f"exiting: {reason}")
                return 0
            listener.settimeout(min(TICK, max(resident.idle, 0.1)))
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                _handle(resident, connection)
    finally:
        unlink_if_ours(state_dir / client.SOCKET_NAME, inode)
        listener.close()


def _handle(resident: Resident, connection: socket.socket) -> None:
    connection.settimeout(10.0)
    try:
        uid = foreign_peer(connection)
        if uid is not None:
            log(resident.state_dir, f"refused a client of uid {uid}")
            return
        chunks = []
        while True:
            chunk = connection.recv(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        resident.last_request = time.monotonic()
        answer = resident.answer(b"".join(chunks))
        connection.settimeout(60.0)
        connection.sendall(answer)
    except OSError as error:
        if error.errno not in (errno.EPIPE, errno.ECONNRESET):
            log(resident.state_dir, f"a request failed: {error}")
    except Exception as error:  # a bug of ours: the client searches in-process
        log(resident.state_dir, f"unexpected {type(error).__name__}: {error}")
        with contextlib.suppress(OSError):
            connection.sendall(f"fallback unexpected {type(error).__name__}\n".encode())


def main(argv: list[str]) -> int:
    state_dir, root = Path(argv[0]).resolve(), Path(argv[1]).resolve()
    try:
        return serve(state_dir, root)
    except (Exception, Fallback) as error:
        log(state_dir, f"cannot serve: {type(error).__name__}: {error}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
