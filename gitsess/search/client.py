"""The client of the resident search server: `git sess search` without click or Whoosh.

Imported before anything else of git-sess by the console script (gitsess.cli.run), so
it imports only `os`, `sys` and `_socket` (the interpreter has them loaded or built in):
a search answered by the server costs a Python start, one connection and the answer.

It finds the git directory as git would (walking up from the working directory to a
`.git` directory, or a `.git` file saying `gitdir: …` in a worktree or submodule) and
connects to `<git dir>/gitsess/search.sock`. It sends the command line, the working
directory, the whole environment, and what the output streams are (terminal or not,
encoding, size), and gets back the bytes of standard output and error and the exit code.

Whatever goes wrong (no server, a stale socket file, a server of another version, a
timeout, a server killed mid-answer) returns None before anything was written: the
caller then searches in-process. Why is written to `<git dir>/gitsess/search-server.log`;
a socket file nobody listens on is removed.

The wire format (both directions are one request, one answer, then the connection
closes): the request is `MAGIC`, then fields separated by NUL (no argument, path or
environment entry holds one). The answer is a line `ok CODE`, a line listing what was
written, in order (`1:120 2:41 1:7`: 120 bytes to stdout, 41 to stderr, …), then those
bytes; or a line `fallback REASON`.
"""

from __future__ import annotations

import _socket
import os
import sys

from gitsess.core.socketclient import client_log
from gitsess.core.socketclient import connect as connect_to

MAGIC = b"git-sess-search 1\0"
SOCKET_NAME = "search.sock"
LOG_NAME = "search-server.log"
STATE_DIR = "gitsess"
ANSWER_TIMEOUT = 120.0  # a first sync after a checkout of a distant branch rebuilds the index

MODULE = "gitsess.search.server"  # what `python -m` runs
LOCK_NAME = "search-server.lock"  # held by the server all its life: one per worktree
ADMIN = b"git-sess-server 1\0"  # `server status` and `server stop`, not a search
OFF = ("false", "no", "off", "0")
TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from gitsess.core.workspace import Workspace

# The server (gitsess.search.server.Resident) while it answers a request, else None.
resident: Any = None

# Why the last attempt did not get an answer: "absent" (no server), "refused" (a stale
# socket file, now removed), "skipped" (the fast path does not apply), or another reason.
outcome: str | None = None


def find_state_dir(cwd: str) -> str | None:
    """`<git dir>/gitsess` for the work tree holding `cwd`, found without running git;
    None where git's own discovery could differ (GIT_DIR and friends, inside .git)."""
    environ = os.environ
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_CEILING_DIRECTORIES"):
        if name in environ:
            return None
    if "/.git/" in cwd + "/":
        return None  # inside a git directory: git itself says "not a work tree"
    directory = cwd
    while True:
        candidate = directory.rstrip("/") + "/.git"
        try:
            if os.path.isdir(candidate):
                return candidate + "/" + STATE_DIR
            with open(candidate, "rb") as handle:
                line = handle.read(4096).split(b"\n", 1)[0].strip()
        except OSError:
            pass
        else:
            if not line.startswith(b"gitdir:"):
                return None
            target = os.fsdecode(line[len(b"gitdir:") :].strip())
            if not target.startswith("/"):
                target = os.path.normpath(directory.rstrip("/") + "/" + target)
            return target + "/" + STATE_DIR
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def log(state_dir: str, line: str) -> None:
    """One line in the server's log; never fails."""
    client_log(state_dir + "/" + LOG_NAME, line)


def connect(state_dir: str, timeout: float) -> _socket.socket:
    """A connection to the server of `state_dir`; OSError when there is none."""
    return connect_to(state_dir + "/" + SOCKET_NAME, timeout)


def exchange(state_dir: str, payload: bytes, timeout: float = ANSWER_TIMEOUT) -> bytes:
    """Send `payload`, return the whole answer (the server closes after it)."""
    sock = connect(state_dir, timeout)
    try:
        sock.sendall(payload)
        sock.shutdown(_socket.SHUT_WR)
        chunks: list[bytes] = []
        while True:
            chunk = sock.recv(1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        sock.close()


def _stream(stream: object) -> list[str]:
    """What the server needs to write as this process would: terminal, encoding, errors."""
    try:
        tty = stream.isatty()  # type: ignore[attr-defined]
        encoding = stream.encoding  # type: ignore[attr-defined]
        errors = stream.errors  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        raise OSError("no usable output stream") from None
    return ["1" if tty else "0", encoding, errors]


def request(argv: list[str], cwd: str) -> bytes:
    from gitsess import __version__

    size = ["", ""]
    try:
        columns, lines = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
        size = [str(columns), str(lines)]
    except (AttributeError, ValueError, OSError):
        pass
    fields = [
        __version__,
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),  # the package answering
        cwd,
        *_stream(sys.stdout),
        *_stream(sys.stderr),
        *size,
        str(len(argv)),
        *argv,
        *(f"{key}={value}" for key, value in os.environ.items()),
    ]
    return MAGIC + b"\0".join(os.fsencode(field) for field in fields)


def answered(argv: list[str]) -> int | None:
    """Have the server run `git sess ARGV`: its exit code once its output is written
    here, or None (nothing written) to search in-process. Sets `outcome`."""
    global outcome
    try:
        cwd = os.getcwd()
    except OSError:
        outcome = "skipped"
        return None
    state_dir = find_state_dir(cwd)
    if state_dir is None:
        outcome = "skipped"
        return None
    try:
        answer = exchange(state_dir, request(argv, cwd))
    except FileNotFoundError:
        outcome = "absent"
        return None
    except ConnectionRefusedError:
        outcome = "refused"
        _remove(state_dir + "/" + SOCKET_NAME)  # nobody listens: a server that died
        log(state_dir, "stale socket file removed")
        return None
    except (OSError, ValueError, UnicodeError) as failure:
        outcome = f"{type(failure).__name__}: {failure}"
        log(state_dir, f"no answer ({outcome}); searching in-process")
        return None
    head, _, rest = answer.partition(b"\n")
    words = head.split(b" ")
    if words[0] == b"ok" and len(words) == 2:
        listing, _, body = rest.partition(b"\n")
        chunks = [
            (int(fd), int(size))
            for fd, _, size in (item.partition(b":") for item in listing.split())
        ]
        if sum(size for _, size in chunks) == len(body) and all(fd in (1, 2) for fd, _ in chunks):
            at = 0
            for fd, size in chunks:  # both streams, in the order the command wrote them
                write_all(fd, body[at : at + size])
                at += size
            outcome = "answered"
            return int(words[1])
    outcome = head.decode(errors="replace") or "the server closed the connection"
    log(state_dir, f"no answer ({outcome}); searching in-process")
    return None


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        return


def write_all(descriptor: int, data: bytes) -> None:
    while data:
        data = data[os.write(descriptor, data) :]


def fast_path(argv: list[str]) -> int | None:
    """The exit code of `git-sess ARGV` answered by the server, or None."""
    if (
        not argv
        or argv[0] != "search"
        or any(arg in ("--stats", "-h", "--help") for arg in argv[1:])
    ):
        return None
    try:
        return answered(argv)
    except BrokenPipeError:
        # The reader went away (`git sess search x | head`), as in-process: exit 0.
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        return 0
    except KeyboardInterrupt:
        from gitsess.core.errors import ExitCode, exit_with

        return int(exit_with(ExitCode.INTERRUPTED))


# --- starting, stopping and asking the server (the command line) ---------------------


def start(workspace: Workspace) -> bool:
    """Start the worktree's server in the background, unless it is turned off (git config
    sess.searchServer false; GITSESS_SEARCH_SERVER=0 for a process and its children)."""
    import subprocess

    state_dir = workspace.repo.state_dir
    if os.environ.get("GITSESS_SEARCH_SERVER") == "0":
        return False
    if is_off(workspace.repo.config()):
        log(str(state_dir), "not starting a server: turned off (git config sess.searchServer)")
        return False
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gitsess.search.server",
                str(state_dir),
                str(workspace.repo.root),
            ],
            cwd=workspace.repo.root,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )
    except OSError as error:
        log(str(state_dir), f"cannot start the search server: {error}")
        return False
    return True


def _ask(state_dir: Path, command: str) -> bytes | None:
    try:
        return exchange(str(state_dir), ADMIN + command.encode(), timeout=30.0)
    except ConnectionRefusedError:
        _remove(str(state_dir / SOCKET_NAME))
        return None
    except OSError:
        return None


def stop(state_dir: Path) -> bool:
    """Ask the server to stop and wait until it has (its lock is free); whether one ran."""
    from gitsess.core.resident import wait_for_lock

    if _ask(state_dir, "stop") is None:
        return False
    wait_for_lock(state_dir, LOCK_NAME)
    return True


def status(state_dir: Path) -> dict[str, Any] | None:
    import json

    answer = _ask(state_dir, "status")
    if not answer:
        return None
    try:
        found = json.loads(answer)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def is_off(values: dict[str, list[str]]) -> bool:
    found = values.get("sess.searchserver")
    return found is not None and found[-1].strip().lower() in OFF
