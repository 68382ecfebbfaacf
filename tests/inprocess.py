"""`git sess …` run inside the test process: the click app a process would run, with the
directory, environment, argv, interpreter and standard streams that process would have.

A real `git sess` costs the tests 0.1–0.3 s of CPU each (an interpreter, click, the
command line's imports) and they run it about a thousand times: most of the suite's
time. In-process, the modules are imported once per test worker. tests/conftest.py's
`sess()` runs here only what cannot tell the difference (`runs_in_process`); the rest,
and whatever asks for it (`sess_process`, the `process` marker, GITSESS_TEST_PROCESSES=1
for a whole run), is a real process through git. tests/test_inprocess.py shows the
two give the same bytes and exit codes, and that nothing a run sets outlives it.
"""

from __future__ import annotations

import contextlib
import io
import locale
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

# What a test process must not do for a command: start or answer a search server
# (server: kept-open indexes, servers in the background), be one of git's or Claude
# Code's hooks (hook, statusline), build a demo repository with hooks (demo), or open
# the man page (--help). `search` and `reindex` may run here only as SEARCHES_HERE says.
PROCESS_COMMANDS = frozenset({"server", "hook", "statusline", "demo"})
SEARCH_COMMANDS = frozenset({"search", "reindex"})
PROCESS_ARGUMENTS = frozenset({"--help"})
# Variables a test may give one command that change nothing but what the command reads
# at run time. Any other (fault injection and kill points that end the process with
# os._exit, TZ and locales read once at start, PYTHON*, PATH) makes it a real process.
IN_PROCESS_VARIABLES = frozenset(
    {
        "GIT_EDITOR",
        "GIT_CEILING_DIRECTORIES",
        "GIT_CONFIG_GLOBAL",
        "GIT_SESS_NOW",
        "NO_COLOR",
        "CLAUDE_CODE_DISABLE_1M_CONTEXT",
        "GITSESS_RECOVERY_MODE",
    }
)
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE)


def runs_in_process(args: tuple[str, ...], env: dict | None, cwd: Path | None = None) -> bool:
    """Whether `git sess ARGS` with `env`, run in `cwd`, may run in this process (see
    the lists above)."""
    if os.environ.get("GITSESS_TEST_PROCESSES") == "1" or _forced_process:
        return False
    if threading.current_thread() is not threading.main_thread():
        return False  # a run changes this process's directory, environment and fds
    if args and args[0] in PROCESS_COMMANDS:
        return False
    if PROCESS_ARGUMENTS.intersection(args):
        return False
    if args and args[0] in SEARCH_COMMANDS and not searches_here(cwd):
        return False
    return all(name in IN_PROCESS_VARIABLES for name in env or {})


def searches_here(cwd: Path | None) -> bool:
    """Whether a search or reindex in `cwd` may run in this process: only with the
    search server off and none running (GITSESS_SEARCH_SERVER=0 is what every test has
    unless it asks for a server; a running one would answer, through its socket, a
    client in this process), never in a test of the server's mode, and only on sessions
    too few for Whoosh's writer processes (gitsess.search.backend.PARALLEL_BUILD_MIN):
    a fork of this multi-threaded test worker is not what a user's process does.
    Nothing else of a search outlives it: the index it opens is closed when it answers."""
    from gitsess.search.backend import PARALLEL_BUILD_MIN
    from gitsess.search.client import SOCKET_NAME

    if cwd is None or _served_searches or os.environ.get("GITSESS_SEARCH_SERVER") != "0":
        return False
    where = ["--show-toplevel", "--path-format=absolute", "--git-path", "gitsess"]
    done = subprocess.run(["git", "rev-parse", *where], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        return True  # no repository: the command says so
    top, state = (Path(line) for line in done.stdout.splitlines()[:2])
    if (state / SOCKET_NAME).exists():
        return False
    count = 0
    for _, _, files in os.walk(top / ".sessions"):
        count += len(files)
        if count >= PARALLEL_BUILD_MIN:
            return False
    return True


_forced_process = False
_served_searches = False  # the "server" case of the search tests' two modes

# The golden tests run both ways: `git sess` in this process and in a real process
# through git, against the same golden files (the process path stays tested end to
# end; so does docs/tour.md, replayed by a shell, tests/cli/test_tour.py).
both_ways = pytest.mark.parametrize("sess_mode", ["in-process", "process"])


@pytest.fixture(autouse=True)
def process_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """`@pytest.mark.process`, or the "process" case of `both_ways`: every `git sess`
    of the test is a real process."""
    global _forced_process, _served_searches
    spec = getattr(request.node, "callspec", None)
    _forced_process = request.node.get_closest_marker("process") is not None or (
        spec is not None and spec.params.get("sess_mode") == "process"
    )
    _served_searches = spec is not None and spec.params.get("search_mode") == "server"
    yield
    _forced_process = _served_searches = False


def run(
    script: Path, args: tuple[str, ...], cwd: Path, input: str | None, env: dict | None
) -> tuple[int, str, str]:
    """Run `git sess ARGS` here as git would run `script`; (exit code, stdout, stderr)
    decoded as subprocess.run(text=True) decodes a process's.

    The standard streams are those of a process whose fds 0, 1 and 2 are pipes: fds 0, 1
    and 2 of this process are pointed at files for the run, and sys.stdin, stdout and
    stderr are built over them as the interpreter builds its own (stdout block-buffered,
    stderr line-buffered), so what the command's own children write (git commit's
    hooks, an editor) lands in the same place, in the same order, as from a process."""
    encoding, errors = _child_streams(os.environ.get("PYTHONIOENCODING", ""))
    parent = locale.getpreferredencoding(False)  # what subprocess encodes input with
    with (
        tempfile.TemporaryFile() as given,
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
    ):
        given.write((input or "").encode(parent))
        given.seek(0)
        saved = _Saved()
        streams: list[io.TextIOWrapper] = []
        try:
            for file, fd in ((given, 0), (out, 1), (err, 2)):
                os.dup2(file.fileno(), fd)
            os.environ.update(env or {})
            # git runs its subcommands with these two (git(1), GIT_EXEC_PATH)
            os.environ["GIT_EXEC_PATH"] = _exec_path()
            os.environ["PATH"] = f"{_exec_path()}{os.pathsep}{os.environ['PATH']}"
            os.chdir(cwd)
            sys.argv = [str(script), *args]
            sys.executable = _interpreter(script)
            streams = [
                io.TextIOWrapper(_fd(0, "rb"), encoding, errors),
                io.TextIOWrapper(_fd(1, "wb"), encoding, errors),
                io.TextIOWrapper(_fd(2, "wb"), encoding, "backslashreplace", line_buffering=True),
            ]
            sys.stdin, sys.stdout, sys.stderr = streams
            # where shutil.get_terminal_size looks: fd 1, a file, gives a process's 80x24
            sys.__stdout__ = sys.stdout
            code = _exit_code(sys.stderr)
        finally:
            for stream in streams:
                # the end of a process: its streams flushed, nothing left to write later
                with contextlib.suppress(ValueError):  # one the command closed itself
                    stream.close()
            saved.restore()
        out.seek(0)
        err.seek(0)
        return code, _text(out.read(), parent), _text(err.read(), parent)


def _fd(fd: int, mode: str) -> io.BufferedIOBase:
    raw = io.FileIO(fd, mode, closefd=False)
    return io.BufferedReader(raw) if "r" in mode else io.BufferedWriter(raw)


def _exit_code(stderr: io.TextIOWrapper) -> int:
    """The script's `sys.exit(run())`, and what the interpreter does when it raises."""
    from gitsess.cli import run as command

    try:
        code: object = command()
    except SystemExit as done:
        code = done.code
    except BaseException:  # the interpreter prints the traceback and exits 1
        traceback.print_exc(file=stderr)
        return 1
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=stderr)
    return 1


class _Saved:
    """Everything a run changes in this process, put back after it."""

    def __init__(self) -> None:
        self.environ = dict(os.environ)
        self.cwd = os.getcwd()
        self.sys = {
            name: getattr(sys, name)
            for name in ("argv", "executable", "stdin", "stdout", "stderr", "__stdout__")
        }
        self.handlers = {number: signal.getsignal(number) for number in SIGNALS}
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # what the test printed goes where it was going
        self.fds = {fd: os.dup(fd) for fd in (0, 1, 2)}
        self.umask = os.umask(0o022)
        os.umask(self.umask)

    def restore(self) -> None:
        for fd, copy in self.fds.items():
            os.dup2(copy, fd)
            os.close(copy)
        if os.environ != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        os.chdir(self.cwd)
        for name, value in self.sys.items():
            setattr(sys, name, value)
        for number, handler in self.handlers.items():
            if signal.getsignal(number) is not handler:
                signal.signal(number, handler)
        os.umask(self.umask)


def _text(data: bytes, encoding: str) -> str:
    """As subprocess.run(text=True) reads a pipe: decoded, universal newlines."""
    return data.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")


@cache
def _child_streams(io_encoding: str) -> tuple[str, str]:
    """The encoding and error handler a git-sess process gets for piped stdout and
    stdin in this environment (they depend on the locale and PYTHON* variables)."""
    del io_encoding  # the cache key: the one variable tests could change mid-run
    done = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.stdout.encoding, sys.stdout.errors)"],
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    encoding, errors = done.stdout.split()
    return encoding, errors


@cache
def _exec_path() -> str:
    return subprocess.run(
        ["git", "--exec-path"], capture_output=True, text=True, check=True
    ).stdout.strip()


@cache
def _interpreter(script: Path) -> str:
    """The interpreter on the script's #! line: the process's sys.executable, which
    hook stubs and Claude Code settings name."""
    first = script.read_text(encoding="utf-8").splitlines()[0]
    return first.removeprefix("#!").strip() or shutil.which("python3") or sys.executable
