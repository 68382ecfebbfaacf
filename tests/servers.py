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
    state.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, **(env or {})}
    environment.pop("GITSESS_SEARCH_SERVER", None)
    subprocess.Popen(
        [sys.executable, "-m", client.MODULE, str(state), str(repo)],
        cwd=repo,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=environment,
    )
    wait_for(lambda: (state / client.SOCKET_NAME).exists(), f"a server in {state}")
    return state


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + BOUND
    while not condition():
        assert time.monotonic() < deadline, f"waited {BOUND:g} s for {what}"
        time.sleep(0.02)


def pid_of(state: Path) -> int | None:
    """The pid of the server holding the worktree's lock, or None when none does."""
    try:
        lock = os.open(state / client.LOCK_NAME, os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            text = (state / client.LOCK_NAME).read_text().strip()
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
