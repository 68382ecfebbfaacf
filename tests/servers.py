"""Starting and stopping real search servers for the tests, and never leaving one behind."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitsess.hooks import client as hook_client
from gitsess.hooks import served as hook_server
from gitsess.search import client

BOUND = 60.0  # seconds: a bound on waiting for a server, never an assertion about speed


def state_of(repo: Path) -> Path:
    done = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-path", "gitsess"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


def start(repo: Path, env: dict | None = None) -> Path:
    """Start the worktree's server as the first search would, and wait until it listens."""
    state = state_of(repo)
    argv = [client.MODULE, str(state), str(repo)]
    return _spawn(argv, repo, state, client.SOCKET_NAME, "GITSESS_SEARCH_SERVER", env)


def _spawn(
    argv: list[str], cwd: Path, state: Path, socket: str, off: str, env: dict | None = None
) -> Path:
    """`python -m ARGV…` detached, allowed (the variable `off` unset), listening at
    `state/socket` once this returns."""
    state.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, **(env or {})}
    environment.pop(off, None)
    subprocess.Popen(
        [sys.executable, "-m", *argv],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=environment,
    )
    wait_for(lambda: (state / socket).exists(), f"a server listening in {state}")
    return state


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"waited {BOUND:g} s for {what}"
        time.sleep(0.02)


def pid_of(state: Path) -> int | None:
    """The pid of the server holding the worktree's lock, or None when none does."""
    return _holder(state / client.LOCK_NAME)


def _holder(path: Path) -> int | None:
    """The pid of the server holding the lock file `path`, or None when none does."""
    try:
        lock = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            text = path.read_text().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(lock, fcntl.LOCK_UN)
        return None
    finally:
        os.close(lock)


def wait_until_gone(state: Path) -> None:
    wait_for(lambda: pid_of(state) is None, f"the server of {state} to exit")


def stop_all(root: Path) -> None:
    """Stop every server whose state directory is under `root` (a test's tmp_path)."""
    for lock in root.rglob(client.LOCK_NAME):
        _stop(lock.parent)


# --- running the existing search tests in both modes -------------------------------

MODES = ["in-process", "server"]
BOTH_MODES = {"test_search"}  # in tests/search/
# Tests of what an in-process search does when its own writing is killed, blocked or
# refused: a server syncs in the background, with its own rights, before they search.
IN_PROCESS_ONLY = {
    "test_a_writer_killed_at_each_critical_point_is_repaired",
    "test_a_writer_waits_with_a_bounded_timeout_and_a_clear_message",
    "test_a_writer_killed_mid_write_is_repaired_by_the_next_run",
    "test_interrupting_a_parallel_rebuild_exits_cleanly",
    "test_ranking_is_the_same_at_every_limit",  # ranking code, not the way it is answered
    "test_many_changes_at_once_rebuild_rather_than_update",  # an in-process writer's choice
    "test_journal_bytes_past_the_manifest_are_never_read_and_cut_off",  # one sync's journal
    # what one in-process sync appends to the journal: a server syncs on each event
    "test_an_edit_appends_a_line_and_leaves_the_document_list_as_it_was",
}


# Parametrized tests whose cases differ only in what the search code (the same in both
# modes) is given: in server mode, the cases below, one or more per kind of query or of
# damage; every case still runs in-process. (The output forms are compared byte for byte
# in both modes by tests/search/test_server.py.)
SERVER_CASES = {
    "test_query_language": {
        "distilbert overfitting-expected0",  # AND
        "overfitting OR throughput-expected3",
        'refunds -"partial refunds"-expected6',  # a phrase excluded
        "distil*-expected9",
        "title:latency-expected11",
        "id:session_202511*-expected19",
        "date:2025-11-15.. refunds-expected27",
        "(date:2025-12 OR tag:perf) -overfitting-expected29",
    },
    "test_a_bad_date_in_the_query_is_a_clear_error": {"date:2025-13-01", "date:>"},
    "test_suggestions_are_real_words_in_the_query_as_typed": {
        "refunds signatres-refunds signatures",
        "distilbert -stripee-None",
    },
    "test_damaged_index_files_are_rebuilt_with_a_notice": {"truncate-.toc", "empty-.pst"},
    "test_same_size_damage_is_rebuilt_with_a_notice": {".toc"},
    "test_damaged_document_records_are_rebuilt_with_a_notice": {
        "truncate-journal",
        "missing-documents",
    },
}


def server_cases(items: list) -> None:
    """Leave out (in place) the server-mode cases SERVER_CASES does not name."""
    items[:] = [item for item in items if _in_server_cases(item)]


def _in_server_cases(item) -> bool:
    cases = SERVER_CASES.get(getattr(item, "originalname", ""))
    spec = getattr(item, "callspec", None)
    if cases is None or spec is None or spec.params.get("search_mode") != "server":
        return True
    return spec.id.removeprefix("server-") in cases


def both_modes(metafunc) -> None:
    """The search tests run twice: searches answered in-process, then by a search
    server (tests/search/, and the tests of tests/cli/ that search)."""
    import inspect

    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    folder = Path(metafunc.module.__file__).parent.name
    if folder == "hooks" and metafunc.function.__name__ in HOOKS_SERVED:
        metafunc.parametrize("hook_mode", HOOK_MODES, indirect=True)
    if metafunc.function.__name__ in IN_PROCESS_ONLY:
        return
    if (folder == "search" and module in BOTH_MODES) or (
        folder == "cli" and '"search"' in inspect.getsource(metafunc.function)
    ):
        metafunc.parametrize("search_mode", MODES, indirect=True)


def search_mode_fixture(request, tmp_path: Path):
    """In "server" mode every `git sess search` a test runs through conftest's helpers
    is answered by a server started for its worktree beforehand (as after a first
    search); the servers are stopped when the test ends."""
    mode = getattr(request, "param", "in-process")
    if mode == "in-process":
        yield mode
        return
    import conftest  # the helpers every test runs git sess through

    original = conftest._run
    started: dict[str, Path] = {}

    def run(argv, cwd, *args, **kwargs):
        if argv[:3] == ["git", "sess", "search"] and "--stats" not in argv:
            top = _toplevel(Path(cwd))
            if top is not None:
                state = started.get(str(top))
                if state is None or not (state / client.SOCKET_NAME).exists():
                    started[str(top)] = start(top)
        return original(argv, cwd, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(conftest, "_run", run)
        try:
            yield mode
        finally:
            for state in started.values():
                _stop(state)
            stop_all(tmp_path)


def _toplevel(cwd: Path) -> Path | None:
    done = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True
    )
    return Path(done.stdout.strip()) if done.returncode == 0 else None


def _stop(state: Path) -> None:
    if pid_of(state) is None:
        return
    client.stop(state)
    pid = pid_of(state)
    if pid and pid > 0:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_until_gone(state)


# --- running hook tests with the hook server on ------------------------------------

HOOK_MODES = ["in-process", "served"]
# A representative set of tests/hooks/: commits accepted and refused, partial and named
# commits, the message and trailer hooks, --no-verify, merge, rebase, cherry-pick and
# their repairs, a chained post-rewrite reading its list, worktrees, the race guard.
HOOKS_SERVED = {
    "test_new_export_commit_stages_the_index",
    "test_broken_yaml_is_refused_and_nothing_changes",
    "test_partial_staging_stays_partial",
    "test_commit_of_named_paths_or_all_leaves_a_clean_status",
    "test_link_to_a_session_deleted_in_the_same_commit_is_refused",
    "test_no_verify_then_a_normal_commit_repairs_the_index",
    "test_secret_is_refused_with_file_line_kind_and_a_masked_value",
    "test_message_for_one_new_and_one_updated_export",
    "test_worktree_uses_the_common_hooks_dir",
    "test_merge_of_two_branches_never_conflicts_on_the_index",
    "test_merge_of_two_changes_to_one_session_commits_the_merged_line",
    "test_rebase_of_two_changes_to_one_session_rebuilds_each_commit",
    "test_rebase_stopped_by_a_conflict_continues_and_ends_true",
    "test_cherry_pick_of_changes_to_one_session_rebuilds_the_picks",
    "test_cherry_pick_sequence_stopped_by_a_conflict_continues_and_ends_true",
    "test_a_chained_post_rewrite_hook_and_ours_both_read_the_list",
    "test_sess_commit_refused_by_the_hook_restores_the_staging_area",
    "test_trailer_names_the_session_in_progress_even_with_dash_m",
}


def start_hook_server(repo: Path) -> Path:
    """Start the repository's hook server as a first in-process hook would; wait for it."""
    state = hook_server.common_state_dir(state_of(repo))
    argv = [hook_client.MODULE, str(state)]
    return _spawn(argv, state, state, hook_client.SOCKET_NAME, hook_client.OFF_VARIABLE)


def stop_hook_servers(root: Path) -> int:
    """Stop every hook server under `root` (killed if it does not stop); the hooks they ran."""
    ran = 0
    for lock in root.rglob(hook_client.LOCK_NAME):
        state = lock.parent
        if hook_pid_of(state) is None:
            continue
        found = hook_server.status(state)
        ran += found["requests"] if found else 0
        hook_server.stop(state)
        pid = hook_pid_of(state)
        if pid and pid > 0:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_for(lambda s=state: hook_pid_of(s) is None, f"the hook server of {state} to exit")
    return ran


def hook_pid_of(state: Path) -> int | None:
    return _holder(state / hook_client.LOCK_NAME)


def hook_mode_fixture(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_git):
    """In "served" mode the hooks run through a hook server: started before each git
    command that commits (as after a first hook), and started by the hooks themselves
    otherwise; every server is stopped when the test ends, and one must have run a hook.
    (After isolated_git, whose configuration turns the hook server off.)"""
    mode = getattr(request, "param", "in-process")
    if mode == "in-process":
        yield mode
        return
    import conftest

    known: dict[Path, Path | None] = {}  # a directory: its hook server's state, if hooked

    def before_git(cwd: Path, args: tuple[str, ...]) -> None:
        # Any git command of the test's (its `git add` before a commit made by
        # subprocess, its `git commit`): the server runs before the next hook does.
        cwd = Path(cwd)
        if cwd not in known:
            known[cwd] = _hooked(cwd)
        state = known[cwd]
        if state is not None and not (state / hook_client.SOCKET_NAME).exists():
            start_hook_server(cwd)

    original = conftest._run

    def run(argv, cwd, *args, **kwargs):
        before_git(cwd, tuple(argv[1:]))
        return original(argv, cwd, *args, **kwargs)

    monkeypatch.delenv(hook_client.OFF_VARIABLE, raising=False)
    monkeypatch.setattr(conftest, "_before_git", before_git)
    monkeypatch.setattr(conftest, "_run", run)
    try:
        yield mode
    finally:
        ran = stop_hook_servers(tmp_path)
    assert ran > 0, "no hook was run by a hook server"


def _hooked(cwd: Path) -> Path | None:
    """The hook server's state folder of the repository at `cwd`, when its hooks are ours."""
    done = subprocess.run(
        ["git", "rev-parse", "--git-path", "hooks/pre-commit"],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    path = cwd / done.stdout.strip()
    if done.returncode != 0 or not path.is_file() or b"hook_socket" not in path.read_bytes():
        return None
    return hook_server.common_state_dir(state_of(cwd))
