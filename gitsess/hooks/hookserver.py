"""The resident hook server: one per repository, a fork per hook (client.py is its client).

What a commit with the hooks waited for was mostly Python loading itself (~110 ms of
the pre-commit hook: the interpreter, then the standard library and git-sess's hook
path). This process has loaded them once; for each hook a stub runs, it forks a child
that takes the client's standard input, output and error, arguments, environment,
working directory and umask, and runs `gitsess.hooks.run.main` as `python -m
gitsess.hooks` would. Nothing of the hook logic knows which process runs it; the
fork leaves the server as it was, whatever the hook did (in the manner of nailgun's
and Android's zygote; the socket's rules are the search server's, core/resident.py).

Single-threaded: one loop waits on the listening socket, the clients of the running
children (a byte from one is its ^C: SIGINT to the child's process group; its end,
a client killed: SIGTERM) and SIGCHLD. A child reports its own exit code on the
connection before it exits, so a server killed meanwhile loses no commit; a child
killed by a signal is reported by the server as 128 + the signal.

It listens on `<common git dir>/gitsess/hooks.sock` and exits after `git config
sess.searchServerIdle` seconds without a hook (600 by default), when git-sess's code
changes under it (a request then runs in-process), when the git directory
disappears, when `git config sess.hookServer false` is set, on SIGTERM, and when
asked (`git sess server stop`, `git sess hooks uninstall`). It logs to
`hook-server.log` beside the socket.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from gitsess.core.resident import (
    admin_answer,
    config_key,
    foreign_peer,
    hold_lock,
    idle_seconds,
    listen,
    unlink_if_ours,
)
from gitsess.hooks import client
from gitsess.hooks.served import log

IDLE_DEFAULT = 600.0
TICK = 5.0  # seconds between checks that the repository and the configuration hold
FDS = 3  # standard input, output and error

# What every hook may import, imported before the first fork (each child gets them).
WARM = (
    "gitsess.hooks.run",
    "gitsess.hooks.commits",
    "gitsess.hooks.checks",
    "gitsess.hooks.staged",
    "gitsess.hooks.blobfacts",
    "gitsess.hooks.overlay",
    "gitsess.hooks.trailer",
    "gitsess.hooks.repair",
    "gitsess.hooks.install",
    "gitsess.core.secrets",
)


class HookServer:
    def __init__(self, state_dir: Path):
        from gitsess import __version__
        from gitsess.core.cache import PACKAGE, code_stamp

        self.state_dir = state_dir
        self.git_dir = state_dir.parent
        self.version = __version__
        self.package = str(PACKAGE)
        self.stamp = code_stamp.__wrapped__()
        self.started = time.time()
        self.last_request = time.monotonic()
        self.requests = 0
        self.exiting: str | None = None
        self.lock = -1  # the lock's descriptor (serve), closed in each child
        self.wake = (-1, -1)
        self.children: dict[int, socket.socket] = {}  # pid: its client's connection
        self.selector = selectors.DefaultSelector()
        self._config_key: tuple[Any, ...] | None = None
        self.idle = IDLE_DEFAULT
        self.read_config()

    # --- the configuration (read again when a configuration file changes)

    def read_config(self) -> None:
        # The search server's key (core/resident.py): config.worktree, the system file
        # and the GIT_CONFIG* variables count too.
        key = config_key(self.git_dir)
        if key == self._config_key:
            return
        self._config_key = key
        done = subprocess.run(
            ["git", "config", "--get-regexp", r"^sess\.(hookserver|searchserveridle)$"],
            cwd=self.git_dir,
            env={**os.environ, "GIT_DIR": str(self.git_dir)},
            capture_output=True,
            text=True,
            check=False,
        )
        values = dict(line.partition(" ")[::2] for line in done.stdout.splitlines())
        if values.get("sess.hookserver", "").strip().lower() in client.OFF:
            self.exit("git config sess.hookServer is false")
        self.idle = idle_seconds(values.get("sess.searchserveridle", ""), IDLE_DEFAULT)

    # --- the loop

    def gone(self) -> str | None:
        """Why this server should stop taking hooks now, or None."""
        if self.exiting:
            return self.exiting
        if time.monotonic() - self.last_request > self.idle:
            return f"idle for {self.idle:g} s"
        if not self.state_dir.is_dir():
            return "its git directory is gone"
        return None

    def exit(self, reason: str) -> None:
        if self.exiting is None:
            self.exiting = reason

    def serve(self, listener: socket.socket, inode: int) -> str:
        """Take hooks until told to stop; then wait for the running ones. Why it stopped."""
        wake, woken = os.pipe()
        os.set_blocking(woken, False)
        os.set_blocking(wake, False)
        signal.set_wakeup_fd(woken)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the loop through the pipe
        signal.signal(signal.SIGTERM, lambda *_: self.exit("terminated (SIGTERM)"))
        self.listener = listener
        self.selector.register(listener, selectors.EVENT_READ, "listener")
        self.selector.register(wake, selectors.EVENT_READ, "wake")
        self.wake = (wake, woken)
        reason = None
        while reason is None or self.children:
            if reason is None:
                reason = self.gone()
                if reason is not None:  # no new hook from now on: they run in-process
                    self.selector.unregister(listener)
                    unlink_if_ours(self.state_dir / client.SOCKET_NAME, inode)
                    listener.close()
                    continue  # no hook running: done now, not after a TICK of waiting
            for key, _ in self.selector.select(TICK):
                if key.data == "listener":
                    self.accept(listener)
                elif key.data == "wake":
                    with contextlib.suppress(OSError):
                        os.read(wake, 512)
                else:
                    self.from_client(key.fileobj, key.data)  # type: ignore[arg-type]
            self.reap()
            with contextlib.suppress(Exception):  # a broken configuration keeps the last
                self.read_config()
        return reason

    def accept(self, listener: socket.socket) -> None:
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        fds: list[int] = []
        try:
            connection.settimeout(10.0)
            uid = foreign_peer(connection)
            if uid is not None:
                log(self.state_dir, f"refused a client of uid {uid}")
                connection.close()
                return
            payload, fds = _receive(connection)
            self.last_request = time.monotonic()
            if payload.startswith(client.ADMIN):
                connection.sendall(self.admin(payload[len(client.ADMIN) :].decode()))
                connection.close()
                return
            reason = self.refusal(payload, fds)
            if reason:
                log(self.state_dir, f"fallback: {reason}")
                connection.sendall(f"fallback {reason}\n".encode())
                connection.close()
                return
            self.fork(connection, payload, fds)
        except (OSError, ValueError, UnicodeError) as error:
            if not isinstance(error, OSError) or error.errno not in (errno.EPIPE, errno.ECONNRESET):
                log(self.state_dir, f"a request failed: {type(error).__name__}: {error}")
            connection.close()
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)

    def refusal(self, payload: bytes, fds: list[int]) -> str | None:
        """Why this server must not run the request (the client runs it in-process)."""
        from gitsess.core.cache import code_stamp

        if not payload.startswith(client.MAGIC):
            return "not a request this server understands"
        if len(fds) != FDS:
            return "the client's standard streams did not come"
        package = os.fsdecode(payload[len(client.MAGIC) :].split(b"\0", 1)[0])
        if package != self.package:
            return f"git-sess of {package} asked; this server runs {self.package}"
        if code_stamp.__wrapped__() != self.stamp:
            self.exit("git-sess's code changed")
            return "git-sess's code changed"
        return None

    def fork(self, connection: socket.socket, payload: bytes, fds: list[int]) -> None:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os._exit(_child(self, connection, payload, fds))
        self.requests += 1
        connection.setblocking(False)
        self.children[pid] = connection
        self.selector.register(connection, selectors.EVENT_READ, pid)

    def from_client(self, connection: socket.socket, pid: int) -> None:
        """A byte from the client is its ^C; its end is the client gone (killed)."""
        try:
            data = connection.recv(64)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        sent = signal.SIGINT if data else signal.SIGTERM
        with contextlib.suppress(OSError):
            os.killpg(pid, sent)
        if not data:
            self.selector.unregister(connection)

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            connection = self.children.pop(pid, None)
            if connection is None:
                continue
            if os.WIFSIGNALED(status):  # it could not say so itself
                with contextlib.suppress(OSError):
                    connection.setblocking(True)
                    connection.sendall(f"exit {128 + os.WTERMSIG(status)}\n".encode())
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(connection)
            connection.close()

    def admin(self, command: str) -> bytes:
        return admin_answer(command, self.exit, self.status)

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "git_dir": str(self.git_dir),
            "version": self.version,
            "started": self.started,
            "uptime": time.time() - self.started,
            "requests": self.requests,
            "running": len(self.children),
            "idle_exit": self.idle,
        }


def _receive(connection: socket.socket) -> tuple[bytes, list[int]]:
    """The request's payload and the descriptors that came with it."""
    space = socket.CMSG_SPACE(FDS * 4)
    data, ancillary, _, _ = connection.recvmsg(1 << 16, space)
    fds: list[int] = []
    for level, kind, value in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(value) - len(value) % 4
            fds += [int.from_bytes(value[at : at + 4], sys.byteorder) for at in range(0, usable, 4)]
    head, newline, data = data.partition(b"\n")
    if not newline or not head.isdigit():
        raise ValueError("no request length")
    length = int(head)
    chunks = [data]
    received = len(data)
    while received < length:
        chunk = connection.recv(min(1 << 16, length - received))
        if not chunk:
            raise ValueError("the request was cut short")
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks), fds


def _child(server: HookServer, connection: socket.socket, payload: bytes, fds: list[int]) -> int:
    """In the forked child: become the client's hook process, run the hook, say its code."""
    try:
        os.setpgid(0, 0)  # ^C reaches it through the server, with the git it runs
        signal.set_wakeup_fd(-1)
        for number in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        server.listener.close()
        for fd in (*server.wake, server.selector.fileno(), server.lock):
            with contextlib.suppress(OSError):
                os.close(fd)
        for other in server.children.values():  # other hooks' clients are theirs alone
            other.close()
        connection.setblocking(True)
        fields = [os.fsdecode(field) for field in payload[len(client.MAGIC) :].split(b"\0")]
        cwd, mask, count = fields[1], int(fields[2]), int(fields[3])
        args = fields[4 : 4 + count]
        environ = dict(item.split("=", 1) for item in fields[4 + count :] if "=" in item)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(cwd)
        os.umask(mask)
        os.environ.clear()
        os.environ.update(environ)
        sys.argv = [str(Path(client.__file__).with_name("__main__.py")), *args]
        _text_streams(environ)
        connection.sendall(b"run\n")
    except BaseException as error:  # nothing ran: the client runs it in-process
        with contextlib.suppress(BaseException):
            log(server.state_dir, f"a child could not start: {type(error).__name__}: {error}")
        return 1
    code = _run_hook(args)
    with contextlib.suppress(OSError):
        connection.sendall(f"exit {code}\n".encode())
    return code


def _run_hook(args: list[str]) -> int:
    """`python -m gitsess.hooks ARGS`, as the interpreter would end it."""
    from gitsess.hooks.run import main

    try:
        code: object = main(args)
    except SystemExit as stop:
        code = stop.code
    except KeyboardInterrupt:
        code = 130
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def _text_streams(environ: dict[str, str]) -> None:
    """sys.stdin, stdout and stderr as a new interpreter would make them with this
    environment on these descriptors (PYTHONIOENCODING, UTF-8 mode, the locale)."""
    import locale

    encoding, _, errors = environ.get("PYTHONIOENCODING", "").partition(":")
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    codeset = locale.nl_langinfo(locale.CODESET) if hasattr(locale, "nl_langinfo") else ""
    # The C locale is coerced to UTF-8 (PEP 538), which also escapes undecodable bytes.
    plain = codeset in ("", "ANSI_X3.4-1968", "ASCII", "US-ASCII")
    utf8 = environ.get("PYTHONUTF8") == "1" or plain or sys.flags.utf8_mode
    encoding = encoding or ("utf-8" if utf8 else codeset)
    escaping = utf8 and environ.get("PYTHONUTF8") != "0"
    errors = errors or ("surrogateescape" if escaping else "strict")
    tty = os.isatty(1)
    sys.stdin = open(0, encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", encoding=encoding, errors=errors, closefd=False)  # noqa: SIM115
    sys.stderr = open(  # noqa: SIM115
        2, "w", encoding=encoding, errors="backslashreplace", closefd=False
    )
    sys.stdout.reconfigure(line_buffering=tty)
    sys.stderr.reconfigure(line_buffering=True)


def serve(state_dir: Path) -> int:
    """Run the repository's hook server until it should stop."""
    lock = hold_lock(state_dir, client.LOCK_NAME)
    if lock is None:
        return 0  # another server runs (or starts) here
    os.set_inheritable(lock, False)
    for module in WARM:
        __import__(module)
    # Regular expressions are compiled on first use (core/patterns.py): here, once,
    # or each child would compile those its hook uses (~9 of them, every commit).
    from gitsess.core.patterns import compile_all

    compile_all()
    # What is loaded now is never collected: frozen, a child's collections skip it and
    # leave its pages shared with this process instead of copying them (copy-on-write).
    gc.freeze()
    server = HookServer(state_dir)
    server.lock = lock
    if server.exiting:
        log(state_dir, f"not serving: {server.exiting}")
        return 0
    listener, inode = listen(state_dir, client.SOCKET_NAME)
    log(state_dir, f"serving {server.git_dir} (git-sess {server.version})")
    try:
        reason = server.serve(listener, inode)
    finally:
        unlink_if_ours(state_dir / client.SOCKET_NAME, inode)
        listener.close()
    log(state_dir, f"exiting: {reason}")
    return 0


def main(argv: list[str]) -> int:
    state_dir = Path(argv[0]).resolve()
    try:
        return serve(state_dir)
    except Exception as error:
        log(state_dir, f"cannot serve: {type(error).__name__}: {error}")
        return 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
