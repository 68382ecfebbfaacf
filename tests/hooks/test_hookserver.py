"""The resident hook server (gitsess/hooks/hookserver.py) and its client (client.py), with real
git, real commits and real server processes; no test leaves one behind."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from builders import export_text, session_name, write_export
from conftest import git, sess
from servers import hook_pid_of, start_hook_server, stop_hook_servers, wait_for

from gitsess.hooks import client
from gitsess.hooks.served import common_state_dir

GITHUB_TOKEN = "ghp_" + "a1B2c3D4" * 5


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """The hook server allowed (the tests' configuration keeps it off); every server
    under the test's folder stopped at its end."""
    monkeypatch.delenv(client.OFF_VARIABLE, raising=False)
    yield
    stop_hook_servers(tmp_path)


def state(repo: Path) -> Path:
    return common_state_dir(repo / ".git" / "gitsess")


def requests(repo: Path) -> int:
    found = sess(repo, "server", "status", "--json")
    assert found.code == 0, found.err
    return json.loads(found.out)["hook_server"]["requests"]


def add_export(repo: Path, slug: str, text: str = "") -> str:
    name = session_name(slug, "2026-03-01")
    title = slug.replace("_", " ").capitalize()
    objectives = f"## Objectives\n- work on {title}"
    write_export(repo, name, text or export_text(title, objectives, date="2026-03-01"))
    git(repo, "add", "-A")
    return name


def commit(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "commit", "-q", *args],
        cwd=repo,
        capture_output=True,
        env={**os.environ, **(env or {})},
    )


def assert_index_true(repo: Path) -> None:
    checked = sess(repo, "check")
    assert checked.code == 0, checked.out + checked.err
    assert git(repo, "status", "--porcelain") == ""


def test_absent_server_runs_in_process_and_starts_one(hooked: Path, served: None) -> None:
    assert hook_pid_of(state(hooked)) is None
    add_export(hooked, "first")
    assert commit(hooked, "-m", "first").returncode == 0
    wait_for(lambda: (state(hooked) / client.SOCKET_NAME).exists(), "a hook server")
    before = requests(hooked)
    add_export(hooked, "second")
    done = commit(hooked, "-m", "second")
    assert done.returncode == 0, done.stderr
    assert requests(hooked) > before  # this commit's hooks were run by it
    assert_index_true(hooked)


def test_turned_off_by_the_environment_or_git_config(hooked: Path, served: None) -> None:
    add_export(hooked, "first")
    assert commit(hooked, "-m", "first", env={client.OFF_VARIABLE: "0"}).returncode == 0
    git(hooked, "config", "sess.hookServer", "false")
    add_export(hooked, "second")
    assert commit(hooked, "-m", "second").returncode == 0
    assert not (state(hooked) / client.LOCK_NAME).exists()  # none was ever started
    # A running server exits once the configuration says so.
    git(hooked, "config", "sess.hookServer", "true")
    start_hook_server(hooked)
    git(hooked, "config", "sess.hookServer", "false")
    wait_for(lambda: hook_pid_of(state(hooked)) is None, "the server to exit")


def _change_config(repo: Path, where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Prepare the configuration source `where` (before a server reads it); the function
    that then sets `sess.searchServerIdle` to 7s there, as a user would."""
    if where == "config.worktree":
        git(repo, "config", "extensions.worktreeConfig", "true")
        return lambda: git(repo, "config", "--worktree", "sess.searchServerIdle", "7s")
    if where == "system":
        system = tmp_path / "system-gitconfig"
        monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(system))
        monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
        return lambda: system.write_text("[sess]\n\tsearchServerIdle = 7s\n")

    def by_variables() -> None:  # GIT_CONFIG_COUNT, _KEY_0, _VALUE_0: no file changes
        for name, value in (("COUNT", "1"), ("KEY_0", "sess.searchServerIdle")):
            monkeypatch.setenv(f"GIT_CONFIG_{name}", value)
        monkeypatch.setenv("GIT_CONFIG_VALUE_0", "7s")

    return by_variables


@pytest.mark.parametrize("where", ["config.worktree", "system", "GIT_CONFIG_COUNT"])
def test_the_configuration_is_read_again_from_every_source_git_reads(
    hooked: Path, where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The hook server re-reads git's configuration when anything it depends on
    changes, by the key the search server uses (core/resident.config_key)."""
    from gitsess.core.resident import config_key
    from gitsess.hooks.hookserver import HookServer

    change = _change_config(hooked, where, monkeypatch, tmp_path)
    server = HookServer(state(hooked))
    searched = config_key(hooked / ".git")  # the search server's, for this worktree
    assert server.idle == 600
    change()
    server.read_config()
    assert server.idle == 7
    assert config_key(hooked / ".git") != searched


def test_a_running_server_sees_the_system_configuration(
    hooked: Path, served: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    system = tmp_path / "system-gitconfig"
    system.write_text("[user]\n\tname = Someone\n")
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(system))
    monkeypatch.delenv("GIT_CONFIG_NOSYSTEM")
    start_hook_server(hooked)
    system.write_text("[sess]\n\thookServer = false\n")
    wait_for(lambda: hook_pid_of(state(hooked)) is None, "the server to exit")
    log = (state(hooked) / client.LOG_NAME).read_text()
    assert "exiting: git config sess.hookServer is false" in log


def test_a_stale_socket_is_removed_and_the_commit_runs_in_process(
    hooked: Path, served: None
) -> None:
    place = state(hooked)
    place.mkdir(parents=True, exist_ok=True)
    here = os.getcwd()
    os.chdir(place)  # a short relative name: sun_path is short
    try:
        dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        dead.bind(client.SOCKET_NAME)
        dead.close()  # nobody listens on it now
    finally:
        os.chdir(here)
    add_export(hooked, "first")
    done = commit(hooked, "-m", "first")
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""
    assert "stale socket file removed" in (place / client.LOG_NAME).read_text()
    assert_index_true(hooked)


def test_changed_code_falls_back_and_the_old_server_exits(
    hooked: Path, served: None, tmp_path: Path
) -> None:
    # A copy of the package, as an upgrade would leave one: its code changes under the
    # server that runs it. (The checkout's own modules are never touched.)
    import gitsess

    copy = tmp_path / "installed"
    shutil.copytree(
        Path(gitsess.__file__).parent,
        copy / "gitsess",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    env = {"PYTHONPATH": str(copy)}
    done = subprocess.run(
        [sys.executable, "-m", "gitsess", "hooks", "install"],
        cwd=hooked,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    assert str(copy) in (hooked / ".git" / "hooks" / "pre-commit").read_text()
    add_export(hooked, "first")
    assert commit(hooked, "-m", "first", env=env).returncode == 0
    wait_for(lambda: (state(hooked) / client.SOCKET_NAME).exists(), "a hook server")
    old = hook_pid_of(state(hooked))
    module = copy / "gitsess" / "core" / "errors.py"
    module.write_text(module.read_text() + "\n# changed\n")
    add_export(hooked, "second")
    done = commit(hooked, "-m", "second", env=env)
    assert done.returncode == 0, done.stderr
    log = (state(hooked) / client.LOG_NAME).read_text()
    assert "fallback: git-sess's code changed" in log
    wait_for(lambda: hook_pid_of(state(hooked)) != old, "the old server to exit")
    assert_index_true(hooked)


def _git_wrapper(tmp_path: Path, when: str, action: str) -> dict[str, str]:
    """An environment whose `git`, asked `when` (a subcommand) by a hook, first runs
    `action`. (git puts its exec-path first on the hooks' PATH: the wrapper is there.)"""
    real = subprocess.run(["git", "--exec-path"], capture_output=True, text=True).stdout
    folder = tmp_path / "wrapped"
    folder.mkdir()
    wrapper = folder / "git"
    wrapper.write_text(
        f'#!/bin/sh\nfor arg; do [ "$arg" = {when} ] && {{ {action}; }}; done\n'
        f'GIT_EXEC_PATH={real.strip()} exec {shutil.which("git")} "$@"\n'
    )
    wrapper.chmod(0o755)
    return {"GIT_EXEC_PATH": str(folder)}


def test_a_server_killed_mid_commit_loses_nothing(
    hooked: Path, served: None, tmp_path: Path
) -> None:
    lock = state(hooked) / client.LOCK_NAME
    # The hook's own `git write-tree` (in the child) kills the server first.
    env = _git_wrapper(tmp_path, "write-tree", f'kill -9 "$(cat {lock})"')
    killed = hook_pid_of(start_hook_server(hooked))
    add_export(hooked, "first")
    done = commit(hooked, "-m", "first", env=env)
    assert done.returncode == 0, done.stderr
    assert not _alive(killed)
    assert "killed" not in done.stderr.decode()  # the child said its own exit code
    assert git(hooked, "log", "-1", "--format=%s").strip() == "first"
    assert_index_true(hooked)
    # The later hooks found the stale socket, ran in-process, and started a new server.
    add_export(hooked, "second")
    assert commit(hooked, "-m", "second").returncode == 0
    assert_index_true(hooked)


def test_interrupting_a_served_hook_interrupts_its_child(
    hooked: Path, served: None, tmp_path: Path
) -> None:
    marker = tmp_path / "went-on"
    # ^C reaches the terminal's process group (git and the client) while the hook's
    # child runs `git write-tree`; had the child not been interrupted, it would go on.
    action = (
        f'kill -INT "-$(ps -o pgid= -p "$GIT_SESS_GIT_PID" | tr -d " ")"; sleep 30; touch {marker}'
    )
    env = _git_wrapper(tmp_path, "write-tree", action)
    add_export(hooked, "first")
    before = git(hooked, "ls-files", "-s")
    # In-process first: what an interrupted hook leaves staged (the index its exports
    # call for, staged before the interruption) is what a served one must leave.
    assert _interrupted_commit(hooked, {**env, client.OFF_VARIABLE: "0"}) != 0
    assert not marker.exists()
    left = git(hooked, "ls-files", "-s")
    git(hooked, "reset", "-q", "HEAD", "--", ".sessions/session_index.md")
    assert git(hooked, "ls-files", "-s") == before
    start_hook_server(hooked)
    assert _interrupted_commit(hooked, env) != 0
    wait_for(lambda: _running(hooked) == 0, "the interrupted child to end")
    assert not marker.exists()
    assert git(hooked, "ls-files", "-s") == left
    assert git(hooked, "log", "-1", "--format=%s").strip() == "Set up sessions"
    assert requests(hooked) >= 1
    done = commit(hooked, "-m", "first")  # the server takes the next hook as before
    assert done.returncode == 0, done.stderr
    assert_index_true(hooked)


def _interrupted_commit(repo: Path, env: dict[str, str]) -> int:
    process = subprocess.Popen(
        ["git", "commit", "-q", "-m", "first"],
        cwd=repo,
        start_new_session=True,  # a process group of its own, as a terminal's job
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    process.communicate(timeout=60)
    return process.returncode


def _running(repo: Path) -> int:
    found = json.loads(sess(repo, "server", "status", "--json").out)
    return int(found["hook_server"]["running"])


def test_two_commits_at_once_in_two_worktrees(hooked: Path, served: None) -> None:
    other = hooked.parent / "other"
    git(hooked, "worktree", "add", "-q", "-b", "other", str(other))
    start_hook_server(hooked)
    add_export(hooked, "here")
    add_export(other, "there")
    before = requests(hooked)
    running = [
        subprocess.Popen(
            ["git", "commit", "-q", "-m", where.name],
            cwd=where,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for where in (hooked, other)
    ]
    for process in running:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert requests(hooked) >= before + 2
    assert_index_true(hooked)
    assert_index_true(other)


@pytest.mark.parametrize(
    "text",
    [
        export_text("Broken", "Text.", date="2026-03-01", extra="tags: [a, b\n"),
        export_text("Leak", f"token used: {GITHUB_TOKEN}", date="2026-03-01"),
    ],
    ids=["bad-frontmatter", "credentials"],
)
def test_a_refused_commit_says_the_same_bytes_either_way(
    hooked: Path, served: None, text: str
) -> None:
    add_export(hooked, "refused", text)
    alone = commit(hooked, "-m", "x", env={client.OFF_VARIABLE: "0"})
    start_hook_server(hooked)
    before = requests(hooked)
    by_server = commit(hooked, "-m", "x")
    assert requests(hooked) > before
    assert alone.returncode == by_server.returncode == 1
    assert alone.stderr == by_server.stderr
    assert alone.stderr.startswith(b"git-sess: error: .sessions/")


def test_status_stop_and_uninstall(hooked: Path, served: None) -> None:
    start_hook_server(hooked)
    shown = sess(hooked, "server", "status")
    assert shown.code == 0
    assert f"pid {hook_pid_of(state(hooked))}" in shown.out
    assert sess(hooked, "server", "stop").out == "stopped the hook server\n"
    assert hook_pid_of(state(hooked)) is None
    assert sess(hooked, "server", "status").code == 1
    start_hook_server(hooked)
    result = sess(hooked, "hooks", "uninstall")
    assert "stopped the hook server" in result.out
    assert hook_pid_of(state(hooked)) is None


def test_it_exits_when_idle_or_when_the_git_directory_goes(hooked: Path, served: None) -> None:
    git(hooked, "config", "sess.searchServerIdle", "1s")
    start_hook_server(hooked)
    wait_for(lambda: hook_pid_of(state(hooked)) is None, "the idle server to exit")
    git(hooked, "config", "--unset", "sess.searchServerIdle")
    place = start_hook_server(hooked)
    pid = hook_pid_of(place)
    shutil.rmtree(hooked)
    wait_for(lambda: not _alive(pid), "the server of a removed repository to exit")


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    done = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)
    # (gone from the list: reaped meanwhile, as subprocess reaps the tests' children)
    return bool(done.stdout.strip()) and not done.stdout.strip().startswith("Z")


def test_the_client_imports_nothing_but_os_sys_and_socket() -> None:
    """Each hook pays for what the client imports: only modules the interpreter has
    loaded or built in anyway, and git-sess's socket client, which imports no more."""
    import ast

    from gitsess.core import socketclient

    def imports(path: str) -> set[str]:
        found = set()
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                found.add(node.module or "")
        return found

    assert imports(client.__file__) == {
        "__future__",
        "_socket",
        "os",
        "sys",
        "gitsess.core.socketclient",
    }
    assert imports(socketclient.__file__) == {"__future__", "_socket", "os"}
    # As the stub runs it, it imports nothing else of git-sess or the standard library.
    root = str(Path(client.__file__).resolve().parents[2])
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            "-E",
            "-c",
            "import sys; sys.path[:0] = sys.argv[1:2]; before = set(sys.modules);"
            " import gitsess.hooks.client; print(sorted(set(sys.modules) - before))",
            root,
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(ast.literal_eval(done.stdout))
    assert {name for name in loaded if not name.startswith("gitsess")} <= {
        "__future__",
        "_socket",
        "os",
        "stat",
        "_stat",
        "posixpath",
        "genericpath",
        "_collections_abc",
        "os.path",
    }


def test_the_stubs_look_for_the_search_manifest_where_the_search_index_keeps_it() -> None:
    """The post-commit stub starts no refresh where no search index exists: the path
    it tests is the search wing's (written out in the stub, which is shell)."""
    from importlib import resources

    from gitsess.search.manifest import MANIFEST
    from gitsess.search.store import INDEX_DIR

    stub = resources.files("gitsess").joinpath("git-hooks", "hook.sh").read_text("utf-8")
    assert f"search_manifest=.git/gitsess/{INDEX_DIR}/{MANIFEST}\n" in stub
