"""The hook stubs' way into the resident hook server (hookserver.py).

`python -S -E -c '…main(sys.argv[2:])' PACKAGE_ROOT SOCKET HOOK [ARGS]`, as the stubs
run it: without `site` (-S), with this package's folder alone put on the path, so it
imports only `os`, `_socket` and git-sess's own socket client (core/socketclient.py,
which imports nothing more), from their cached bytecode: it starts in the time of
`python -c pass` (callgrind: 39 M instructions against 39 M; run as a script, whose
source is compiled each time, 45 M).

It hands the server its standard input, output and error (the descriptors themselves,
SCM_RIGHTS), its arguments, environment, working directory and umask;
the server forks a child that runs the hook as `python -m gitsess.hooks` would, on
those very descriptors, and the child's exit code comes back. Same code, same
environment, same descriptors: the same behaviour, whichever process runs it.

Whatever goes wrong before the hook started (no server, a socket nobody listens
on, a server of other code, any error) execs today's in-process hook, `python -m
gitsess.hooks HOOK [ARGS]`, with the standard input untouched: a commit never
fails for the server's sake. That hook then starts a server for the next time,
unless it is turned off (`git config sess.hookServer false`, or
GITSESS_HOOK_SERVER=0 in the environment).

^C while the hook runs is passed on (the child is in a process group of its own,
out of the terminal's reach): the server sends the child SIGINT and the client
waits for its exit code, as git waits for an in-process hook. A client killed
otherwise closes the connection, and the server sends the child SIGTERM.

The wire: the request is `<length>\\n` then MAGIC and NUL-separated fields (the
package's directory, the working directory, the umask, the argument count, the
arguments, then `NAME=VALUE` for each environment variable), the three
descriptors riding with its first bytes. The answers are lines: `run` (the child
started), `exit CODE`, or `fallback REASON` (nothing ran: in-process instead).
Any byte the client sends afterwards means ^C.
"""

from __future__ import annotations

import _socket
import os
import sys

from gitsess.core.socketclient import client_log, connect

MAGIC = b"git-sess-hook 1\0"
ADMIN = b"git-sess-hook-admin 1\0"  # `git sess server status|stop`
SOCKET_NAME = "hooks.sock"
LOCK_NAME = "hook-server.lock"
LOG_NAME = "hook-server.log"
MODULE = "gitsess.hooks.hookserver"
OFF_VARIABLE = "GITSESS_HOOK_SERVER"  # "0": neither served nor started (the tests' default)
START_VARIABLE = "GIT_SESS_START_HOOK_SERVER"  # set for the in-process hook: start one
REFUSING = ("pre-commit", "pre-merge-commit")  # install.REFUSING, as the stub runs them
CONNECT_TIMEOUT = 5.0
OFF = ("false", "no", "off", "0")  # git config sess.hookServer


def log(state_dir: str, line: str) -> None:
    """One line in the server's log; never fails."""
    client_log(state_dir + "/" + LOG_NAME, line)


def request(args: list[str], cwd: str) -> bytes:
    mask = os.umask(0o022)
    os.umask(mask)
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    fields = [package, cwd, str(mask), str(len(args)), *args]
    fields += [f"{key}={value}" for key, value in os.environ.items()]
    payload = MAGIC + b"\0".join(os.fsencode(field) for field in fields)
    return str(len(payload)).encode() + b"\n" + payload


def served(path: str, args: list[str]) -> int | None:
    """The hook's exit code, run by the server; None when it did not run (fall back)."""
    state_dir = os.path.dirname(path)
    try:
        cwd = os.getcwd()
        sock = connect(path, CONNECT_TIMEOUT)
    except ConnectionRefusedError:
        # (no contextlib: each import is paid on every hook)
        try:  # noqa: SIM105 — nobody listens: a server that died; the next makes its own
            os.unlink(path)
        except OSError:
            pass
        log(state_dir, "stale socket file removed")
        return None
    except OSError:
        return None
    try:
        return _exchange(sock, state_dir, args, request(args, cwd))
    finally:
        sock.close()


def _exchange(sock: _socket.socket, state_dir: str, args: list[str], data: bytes) -> int | None:
    try:
        fds = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2))
        sent = sock.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        sock.sendall(data[sent:])
        sock.settimeout(None)  # a hook takes what it takes
    except OSError as error:
        log(state_dir, f"no answer ({type(error).__name__}: {error}); running in-process")
        return None
    started = False
    pending = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except KeyboardInterrupt:
            if not started:
                return 130  # interrupted before anything ran, as git is
            try:  # noqa: SIM105 — the child gets SIGINT; we wait for what it makes of it
                sock.sendall(b"I")
            except OSError:
                pass
            continue
        except OSError:
            chunk = b""
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, _, pending = pending.partition(b"\n")
            if line == b"run":
                started = True
            elif line.startswith(b"exit "):
                return int(line[5:])
            elif line.startswith(b"fallback"):
                log(state_dir, f"{line.decode(errors='replace')}; running in-process")
                return None
    if not started:
        log(state_dir, "the server closed the connection; running in-process")
        return None
    # The server and the child are both gone without a word: killed from outside.
    hook = args[0] if args else "?"
    log(state_dir, f"the {hook} hook's process was lost")
    message = f"git-sess: warning: the process running the {hook} hook was killed\n"
    os.write(2, message.encode())
    return 1 if hook in REFUSING else 0


def main(argv: list[str]) -> None:
    """SOCKET HOOK [ARGS]: the hook run by the server, or in-process (exec)."""
    try:
        _main(argv[0], argv[1:])
    except KeyboardInterrupt:  # before the hook ran (while it runs, the child has it)
        os._exit(130)


def _main(path: str, args: list[str]) -> None:
    if os.environ.get(OFF_VARIABLE) != "0":
        code = served(path, args)
        if code is not None:
            sys.exit(code)
        # Not served: the in-process hook starts a server (after its work) for next time.
        os.environ[START_VARIABLE] = os.path.dirname(path)
    os.execv(sys.executable, [sys.executable, "-m", "gitsess.hooks", *args])
