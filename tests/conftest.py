"""Real git in temporary repositories, with a configuration isolated from the machine's."""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import inprocess
import pytest
from inprocess import process_marker  # noqa: F401  (an autouse fixture: `@pytest.mark.process`)
from servers import both_modes, hook_mode_fixture, search_mode_fixture, server_cases

from gitsess.hooks.install import HOOKS

FIXTURES = Path(__file__).resolve().parent / "fixtures"  # a copy of ../shared/fixtures
GOLDEN = Path(__file__).resolve().parent / "golden"  # expected outputs, byte for byte
ROOT = Path(__file__).resolve().parent.parent  # the checkout
BIN_DIR = Path(sys.executable).parent  # where the git-sess console script was installed


@dataclass
class Result:
    code: int
    out: str
    err: str


def isolate(monkeypatch: pytest.MonkeyPatch, home: Path, bytecode: Path) -> None:
    """Give git and git-sess a HOME and configuration of their own, nothing of the machine's."""
    # The git-sess processes the tests start keep their compiled bytecode in `bytecode`,
    # outside the checkout: where PYTHONDONTWRITEBYTECODE is set (this machine sets it),
    # each of them would otherwise compile the package again.
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.setenv("PYTHONPYCACHEPREFIX", str(bytecode))
    for name in list(os.environ):
        if name.startswith("GIT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test User")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.invalid")
    monkeypatch.setenv("PATH", f"{BIN_DIR}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("CLAUDE_CONFIG_DIR", raising=False)
    monkeypatch.delenv("CLAUDE_CODE_PROJECT_DIR_NAME", raising=False)
    monkeypatch.delenv("CLAUDE_CODE_DISABLE_1M_CONTEXT", raising=False)
    monkeypatch.delenv("CODEX_HOME", raising=False)
    monkeypatch.delenv("GITSESS_RECOVERY_MODE", raising=False)
    # No test leaves a search server behind: those that test it start and stop their own.
    monkeypatch.setenv("GITSESS_SEARCH_SERVER", "0")
    monkeypatch.setenv("GITSESS_HOOK_SERVER", "0")  # nor a hook server (tests/hooks/ servers.py)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One directory of bytecode for the whole run of this test process."""
    path = tmp_path_factory.getbasetemp() / "bytecode"
    path.mkdir(exist_ok=True)
    return path


# The search tests run in both modes: in-process and answered by a search server.
search_mode = pytest.fixture(autouse=True)(search_mode_fixture)
# A representative set of the hook tests run in both modes: in-process, and served.
hook_mode = pytest.fixture(autouse=True)(hook_mode_fixture)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    both_modes(metafunc)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    server_cases(items)
    # The longest tests first: worksteal shares out what is left at the end, and a long
    # test started last would keep one core busy alone.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets its own HOME (per test, so parallel workers never share one)."""
    isolate(monkeypatch, tmp_path_factory.mktemp("home"), bytecode_cache(tmp_path_factory))


def _before_git(cwd: Path, args: tuple[str, ...]) -> None:
    """Nothing; in "served" hook mode, starts the repository's hook server (servers.py)."""


def file_size_limited(limit: int) -> dict:
    """subprocess.run's keywords for a child whose files cannot grow past `limit` bytes
    (a full disk as the kernel reports a file that cannot grow: EFBIG).

    The child writes no bytecode: CPython writes a .pyc with one unchecked write and
    renames it into place, so under the limit it would leave .pyc files cut short in
    the run's shared cache (isolate's PYTHONPYCACHEPREFIX), and every later git-sess
    process importing one would fail ("marshal data too short"; inside a command,
    click turns that EOFError into an Abort). With `git sess` run in the test process
    the cache is cold when these tests come, so that is what happened."""

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return {"preexec_fn": limit_files, "env": {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}}


@contextlib.contextmanager
def isolated_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The same isolation for a fixture that builds once per module or session (autouse
    fixtures of function scope start after it); yields a new directory to build in."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        isolate(monkeypatch, tmp_path_factory.mktemp("home"), bytecode_cache(tmp_path_factory))
        yield tmp_path_factory.mktemp("template")


def git(cwd: Path, *args: str) -> str:
    _before_git(cwd, args)
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout


def sess(cwd: Path, *args: str, input: str | None = None, env: dict | None = None) -> Result:
    """Run `git sess …` as a user would, with the same output, files and exit code: in
    this process where that cannot differ from a real one (tests/inprocess.py), else
    through git in a real process."""
    if inprocess.runs_in_process(args, env, cwd):
        return Result(*inprocess.run(BIN_DIR / "git-sess", args, cwd, input, env))
    return sess_process(cwd, *args, input=input, env=env)


def sess_process(
    cwd: Path, *args: str, input: str | None = None, env: dict | None = None
) -> Result:
    """Run `git sess …` through git, in a real process: for tests about the process."""
    stdin = None if input is not None else subprocess.DEVNULL
    return _run(["git", "sess", *args], cwd, stdin=stdin, input=input, env=env)


def sess_without_dac(cwd: Path, *args: str) -> Result:
    """`git sess …` that file permissions apply to, even when the tests run as root."""
    prefix = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    return _run([*prefix, "git", "sess", *args], cwd, stdin=subprocess.DEVNULL)


def sess_on_terminal(cwd: Path, *args: str, env: dict | None = None) -> Result:
    """`git sess …` with a pseudo-terminal for standard input (as in an interactive shell)."""
    controller, terminal = os.openpty()
    try:
        return _run(["git", "sess", *args], cwd, stdin=terminal, env=env)
    finally:
        os.close(terminal)
        os.close(controller)


def _run(
    argv: list[str], cwd: Path, stdin: object, input: str | None = None, env: dict | None = None
) -> Result:
    done = subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=stdin,
        input=input,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def assert_refused(repo: Path, args: tuple[str, ...], *fragments: str, code: int = 1) -> None:
    """The command fails with a one-line error and leaves every file as it was."""
    before = snapshot(repo)
    assert_one_line_error(sess(repo, *args), *fragments, code=code)
    assert snapshot(repo) == before


def init_repository(path: Path) -> Path:
    """A new repository at `path` with one commit, so HEAD exists."""
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "README.md").write_text("project\n")
    git(path, "add", "README.md")
    git(path, "commit", "-q", "-m", "initial")
    return path


def init_sessions(repo: Path) -> Path:
    """`git sess init --no-hooks` in `repo`, which must succeed; returns the repository."""
    result = sess(repo, "init", "--no-hooks")
    assert result.code == 0, result.err
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty repository with one commit, so HEAD exists."""
    return init_repository(tmp_path / "repo")


@pytest.fixture(scope="session")
def sessions_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`repo` after `git sess init --no-hooks`, made once per test process."""
    with isolated_build(tmp_path_factory) as place:
        return init_sessions(init_repository(place / "repo"))


@pytest.fixture
def sessions(sessions_template: Path, tmp_path: Path) -> Path:
    """A repository after `git sess init --no-hooks`; returns the repository.

    Without hooks, so that tests of other commands can commit any export they
    need; tests/hooks/test_hooks.py installs them. Each test gets its own copy of one
    repository set up that way (the same as running init for each test, and faster).
    """
    return copy_repository(sessions_template, tmp_path / "repo")


def init_hooked(repo: Path) -> Path:
    """`git sess init` with its hooks in `repo`, everything it wrote committed."""
    assert sess(repo, "init").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Set up sessions")
    return repo


def reinstall_hooks(repo: Path) -> Path:
    """`git sess hooks install` in a copied repository: each stub names its repository's
    state file, so the copy's are brought up to date, as after moving a repository; the
    command says so for every hook and changes nothing else."""
    result = sess(repo, "hooks", "install")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [f"updated {hook}" for hook in HOOKS], result.out
    return repo


@contextlib.contextmanager
def hooked_build(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`isolated_build`, yielding a new repository after `git sess init` (hooks included),
    everything committed: a template to build on once and copy with `copy_hooked`."""
    with isolated_build(tmp_path_factory) as place:
        yield init_hooked(init_repository(place / "repo"))


def copy_hooked(template: Path, tmp_path: Path) -> Path:
    """A copy of a hooked template for one test, its hooks reinstalled for where it is."""
    return reinstall_hooks(copy_repository(template, tmp_path / "repo"))


@pytest.fixture(scope="session")
def hooked_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`repo` after `git sess init` (hooks included), everything committed: made once per
    test process."""
    with hooked_build(tmp_path_factory) as repo:
        return repo


@pytest.fixture
def hooked(hooked_template: Path, tmp_path: Path) -> Path:
    """A copy of `hooked_template` for this test."""
    return copy_hooked(hooked_template, tmp_path)


def copy_repository(template: Path, destination: Path) -> Path:
    """A copy of a repository built once: its files, `.git` and caches, symbolic links as
    they are, so each test starts from the same state and owns what it changes."""
    shutil.copytree(template, destination, symlinks=True)
    return destination


@pytest.fixture
def legacy_repo(sessions: Path) -> Path:
    """A repository whose .sessions/ holds the hand-written legacy fixtures."""
    for source in sorted((FIXTURES / "legacy").iterdir()):
        shutil.copy(source, sessions / ".sessions" / source.name)
    return sessions


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file under `path` (outside .git) with its bytes, to prove nothing changed."""
    return {
        str(file.relative_to(path)): file.read_bytes()
        for file in sorted(path.rglob("*"))
        if file.is_file() and ".git" not in file.relative_to(path).parts
    }


def assert_one_line_error(result: Result, *fragments: str, code: int = 1) -> None:
    """DESIGN.md §6: `git-sess: error: …` then `hint: …`, no traceback, exit 1
    (2 for usage errors)."""
    assert result.code == code, (result.code, result.out, result.err)
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("git-sess: error: "), result.err
    assert any(line.startswith("hint: ") for line in lines[1:]), result.err
    assert "Traceback" not in result.err
    for fragment in fragments:
        assert fragment in result.err, (fragment, result.err)
