"""The resident search server: real processes, sockets and file-system events.

Every server a test starts is stopped by the `servers` fixture (and killed if it does
not stop), so no test leaves one behind. No test asserts how long anything takes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from builders import export
from conftest import BIN_DIR, git, sess
from servers import pid_of, start, state_of, wait_for, wait_until_gone

from gitsess import __version__
from gitsess.search import client

QUERIES = [
    ("webhook",),
    ("webhook", "--json"),
    ("refunds", "--files"),
    ("distilbert", "--color", "always"),
    ("distilbert", "--color", "always", "--json"),
    ("ml", "--tag", "ml", "--limit", "1"),
    ('"partial refunds"',),
    ("tag:payments",),
    ("-stripe", "distilbert"),
    ("overfiting",),  # no match: did you mean, exit 1
    ("zzzqqq",),  # no match, nothing to suggest
    ("date:2025-13-01",),  # a bad query: exit 1
    ("webhook", "--since", "yesterday"),  # a usage error: exit 2
    ("title:",),
]


@pytest.fixture
def servers(tmp_path: Path):
    """Stop (or kill) every server under tmp_path when the test ends, however it ends."""
    from servers import stop_all

    yield
    stop_all(tmp_path)


@pytest.fixture
def corpus(sessions: Path) -> Path:
    export(
        sessions,
        "session_20251201_distilbert_training.md",
        "DistilBERT training",
        "We fine-tuned DistilBERT. It started overfitting after epoch 3; ML notes.",
        date="2025-12-01",
        tags=("ml", "training"),
    )
    export(
        sessions,
        "session_20251120_payments_webhooks.md",
        "Stripe webhooks",
        "Partial refunds arrive as charge.refunded webhooks. Unrelated: DistilBERT.",
        date="2025-11-20",
        type="bug",
        tags=("payments",),
    )
    return sessions


def requests_answered(repo: Path) -> int:
    found = sess(repo, "server", "status", "--json")
    assert found.code == 0, found.err
    return json.loads(found.out)["requests"]


def search_as_client(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`git-sess search …` by the console script (what `git sess` runs), bytes kept."""
    return subprocess.run(
        [str(BIN_DIR / "git-sess"), "search", *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.mark.long
def test_output_is_byte_identical_in_both_modes(corpus: Path, servers: None) -> None:
    sub = corpus / "sub"
    sub.mkdir()
    places = [corpus, sub]  # --files prints paths relative to where you are
    alone = [
        (search_as_client(place, *query), place, query) for place in places for query in QUERIES
    ]
    start(corpus)
    before = requests_answered(corpus)
    for expected, place, query in alone:
        served = search_as_client(place, *query)
        assert (served.returncode, served.stdout, served.stderr) == (
            expected.returncode,
            expected.stdout,
            expected.stderr,
        ), query
    assert requests_answered(corpus) == before + len(alone)
    codes = {expected.returncode for expected, _, _ in alone}
    assert codes == {0, 1, 2}


def test_an_edit_followed_at_once_by_a_search_is_seen(corpus: Path, servers: None) -> None:
    start(corpus)
    path = corpus / ".sessions" / "session_20251201_distilbert_training.md"
    for number in range(15):
        word = f"novelword{number}x"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"\n{word}\n")
        found = search_as_client(corpus, word, "--files")
        assert found.returncode == 0, found.stderr
        assert found.stdout.decode().split() == [".sessions/" + path.name]
    path.unlink()
    assert search_as_client(corpus, "novelword3x").returncode == 1
    export(corpus, "session_20260101_new.md", "Brand new quokka", "A quokka.")
    assert search_as_client(corpus, "quokka", "--files").stdout.split() == [
        b".sessions/session_20260101_new.md"
    ]
    os.rename(
        corpus / ".sessions" / "session_20260101_new.md",
        corpus / ".sessions" / "session_20260102_renamed.md",
    )
    assert search_as_client(corpus, "quokka", "--files").stdout.split() == [
        b".sessions/session_20260102_renamed.md"
    ]
    answered = requests_answered(corpus)
    log = (state_of(corpus) / client.LOG_NAME).read_text()
    assert answered == 18, log  # every search above, none in-process


def manifest_of(repo: Path) -> dict:
    return json.loads((state_of(repo) / "search" / "gitsess-manifest.json").read_text())


def segments_of(repo: Path) -> int:
    return sum(name.endswith(".trm") for name in manifest_of(repo)["files"])


def test_edits_are_synced_by_name_and_their_segments_merged_once_they_stop(
    corpus: Path, servers: None
) -> None:
    """A burst of edits to several exports: the very next query sees every one, synced
    by their names alone (sync_paths records no fingerprint; a scan would), each in a
    segment of its own, merged in the background once the edits stop."""
    start(corpus)
    names = [f"session_2026010{number}_burst.md" for number in range(1, 4)]
    for name in names:
        export(corpus, name, "Burst", "Before the burst.")
    assert search_as_client(corpus, "burst", "--files").returncode == 0  # new files: a scan
    scanned = manifest_of(corpus)
    assert scanned["fingerprint"] != ""
    before = segments_of(corpus)
    for round_ in range(3):
        for name in names:
            with (corpus / ".sessions" / name).open("a", encoding="utf-8") as handle:
                handle.write(f"\nwagtail{round_}{name[15]}\n")
        found = search_as_client(corpus, f"wagtail{round_}1", "--files")
        assert found.stdout.decode().split() == [f".sessions/{names[0]}"], found.stderr
    every = " OR ".join(f"wagtail2{name[15]}" for name in names)
    found = search_as_client(corpus, every, "--files")
    assert sorted(found.stdout.decode().split()) == [f".sessions/{name}" for name in names]
    synced = manifest_of(corpus)
    assert synced["fingerprint"] == "" and synced["built_ns"] == scanned["built_ns"]
    wait_for(lambda: segments_of(corpus) < before + 4, "the small segments to be merged")
    found = search_as_client(corpus, every, "--files")  # the same documents, merged
    assert sorted(found.stdout.decode().split()) == [f".sessions/{name}" for name in names]
    assert requests_answered(corpus) == 6


def test_an_index_another_writer_wrote_is_scanned_again(corpus: Path, servers: None) -> None:
    """A reindex (or a hook's sync) while the server runs: its next sync scans, so
    an edit made meanwhile is found whatever the other writer's index held."""
    start(corpus)
    path = corpus / ".sessions" / "session_20251201_distilbert_training.md"
    assert search_as_client(corpus, "webhook").returncode == 0
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\nplover\n")
    assert sess(corpus, "reindex").code == 0  # in-process: the tests turn the server off
    rebuilt = manifest_of(corpus)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\navocet\n")
    for word in ("plover", "avocet"):
        found = search_as_client(corpus, word, "--files")
        assert found.stdout.decode().split() == [".sessions/" + path.name], found.stderr
    assert manifest_of(corpus)["fingerprint"] not in ("", rebuilt["fingerprint"])


def test_two_clients_at_once(corpus: Path, servers: None) -> None:
    expected = search_as_client(corpus, "distilbert", "--json")
    start(corpus)
    running = [
        subprocess.Popen(
            [str(BIN_DIR / "git-sess"), "search", "distilbert", "--json"],
            cwd=corpus,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    for process in running:
        out, err = process.communicate(timeout=300)
        assert (process.returncode, out, err) == (0, expected.stdout, expected.stderr)


def test_a_server_killed_mid_answer_leaves_the_client_to_search_itself(
    corpus: Path, servers: None
) -> None:
    expected = search_as_client(corpus, "webhook")
    state = start(corpus)
    pid = pid_of(state)
    assert pid
    os.kill(pid, signal.SIGSTOP)  # it accepts no more: the client waits for its answer
    try:
        waiting = subprocess.Popen(
            [str(BIN_DIR / "git-sess"), "search", "webhook"],
            cwd=corpus,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        fds = Path(f"/proc/{waiting.pid}/fd")
        if fds.exists():  # Linux: once the client holds a socket, kill the server
            wait_for(
                lambda: (
                    waiting.poll() is not None
                    or any("socket:" in target for target in _targets(fds))
                ),
                "the client to connect",
            )
    finally:
        os.kill(pid, signal.SIGKILL)
    out, err = waiting.communicate(timeout=300)
    assert (waiting.returncode, out, err) == (0, expected.stdout, expected.stderr)
    wait_until_gone(state)
    again = search_as_client(corpus, "webhook")  # a socket file nobody listens on: removed
    assert (again.returncode, again.stdout) == (0, expected.stdout)
    assert not (state / client.SOCKET_NAME).exists()


def _targets(fds: Path) -> list[str]:
    """What the process's open fds point at; an fd closed while they are read is passed
    over (the process keeps opening and closing them: a race, not a failure)."""
    found = []
    try:
        links = list(fds.iterdir())
    except OSError:
        return []
    for fd in links:
        try:
            found.append(os.readlink(fd))
        except OSError:
            continue
    return found


def test_a_stale_socket_file_is_removed(corpus: Path) -> None:
    state = state_of(corpus)
    state.mkdir(parents=True, exist_ok=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    os.chdir(state)
    try:
        stale.bind(client.SOCKET_NAME)
    finally:
        os.chdir(corpus)
    stale.close()  # bound, never listening: what a killed server leaves
    found = search_as_client(corpus, "webhook", "--files")
    assert found.returncode == 0
    assert found.stdout == b".sessions/session_20251120_payments_webhooks.md\n"
    assert not (state / client.SOCKET_NAME).exists()
    assert "stale socket file removed" in (state / client.LOG_NAME).read_text()


def raw_request(state: Path, version: str, cwd: Path) -> bytes:
    fields = [version, str(Path(client.__file__).resolve().parent.parent), str(cwd)]
    fields += ["0", "utf-8", "strict", "0", "utf-8", "backslashreplace", "", "", "2"]
    fields += ["search", "webhook", *(f"{k}={v}" for k, v in os.environ.items())]
    return client.exchange(str(state), client.MAGIC + b"\0".join(map(os.fsencode, fields)))


def test_another_version_falls_back_and_the_server_exits(corpus: Path, servers: None) -> None:
    state = start(corpus)
    assert raw_request(state, __version__, corpus).startswith(b"ok 0\n")
    answer = raw_request(state, __version__ + ".dev-other", corpus)
    assert answer.startswith(b"fallback ")
    wait_until_gone(state)
    assert search_as_client(corpus, "webhook").returncode == 0  # in-process


def test_two_worktrees_of_one_repository_get_two_servers(corpus: Path, servers: None) -> None:
    git(corpus, "add", "-A")
    git(corpus, "commit", "-q", "-m", "exports")
    other = corpus.parent / "other"
    git(corpus, "worktree", "add", "-q", str(other))
    first, second = start(corpus), start(other)
    assert first != second
    assert pid_of(first) != pid_of(second)
    export(other, "session_20260103_only_here.md", "Only in the other worktree", "Wombat.")
    assert search_as_client(other, "wombat").returncode == 0
    assert search_as_client(corpus, "wombat").returncode == 1
    status = json.loads(sess(other, "server", "status", "--json").out)
    assert Path(status["worktree"]) == other.resolve()


def test_a_repository_moved_on_disk(corpus: Path, servers: None) -> None:
    expected = search_as_client(corpus, "webhook", "--files")
    old_state = start(corpus)
    pid = pid_of(old_state)
    moved = corpus.parent / "moved"
    shutil.move(str(corpus), str(moved))
    found = search_as_client(moved, "webhook", "--files")
    assert (found.returncode, found.stdout) == (0, expected.stdout)
    new_state = state_of(moved)
    wait_until_gone(new_state)  # the old server saw its worktree move, and exited
    assert pid is not None


def test_turned_off_by_git_config(corpus: Path, servers: None, monkeypatch) -> None:
    monkeypatch.delenv("GITSESS_SEARCH_SERVER")
    git(corpus, "config", "sess.searchServer", "false")
    assert search_as_client(corpus, "webhook").returncode == 0
    log = (state_of(corpus) / client.LOG_NAME).read_text()
    assert "turned off" in log
    assert pid_of(state_of(corpus)) is None
    # A server that runs when it is turned off exits at its next request.
    git(corpus, "config", "sess.searchServer", "true")
    state = start(corpus)
    git(corpus, "config", "sess.searchServer", "false")
    assert search_as_client(corpus, "webhook").returncode == 0
    wait_until_gone(state)


def test_the_first_search_starts_a_server_that_answers_the_next(
    corpus: Path, servers: None, monkeypatch
) -> None:
    monkeypatch.delenv("GITSESS_SEARCH_SERVER")
    first = search_as_client(corpus, "webhook")
    state = state_of(corpus)
    wait_for(lambda: (state / client.SOCKET_NAME).exists(), "the server to listen")
    second = search_as_client(corpus, "webhook")
    assert (second.returncode, second.stdout, second.stderr) == (
        first.returncode,
        first.stdout,
        first.stderr,
    )
    assert requests_answered(corpus) >= 1


def test_the_socket_is_private(corpus: Path, servers: None) -> None:
    state = start(corpus)
    mode = os.stat(state / client.SOCKET_NAME).st_mode
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600
    if os.geteuid() == 0 and shutil.which("setpriv"):
        probe = (
            "import socket, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            "try:\n    s.connect(sys.argv[1])\nexcept OSError:\n    sys.exit(7)\n"
        )
        other = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                sys.executable,
                "-c",
                probe,
                str(state / client.SOCKET_NAME),
            ],
            capture_output=True,
        )
        assert other.returncode == 7, other.stderr


def test_status_and_stop(corpus: Path, servers: None) -> None:
    assert sess(corpus, "server", "status").code == 1
    assert sess(corpus, "server", "stop").out == (
        "no search server runs in this worktree; nothing to do\n"
    )
    state = start(corpus)
    search_as_client(corpus, "webhook")
    status = json.loads(sess(corpus, "server", "status", "--json").out)
    assert status["pid"] == pid_of(state)
    assert status["documents"] == 2
    assert status["watcher"] == "inotify (watchdog)" or status["watcher"].startswith("stat scan")
    assert status["rss"] > 0
    shown = sess(corpus, "server", "status").out
    for label in ("pid:", "uptime:", "documents:", "last sync:", "watcher:", "memory:"):
        assert label in shown
    assert sess(corpus, "server", "stop").out == "stopped the search server\n"
    assert pid_of(state) is None


def test_hooks_uninstall_stops_it(corpus: Path, servers: None) -> None:
    assert sess(corpus, "hooks", "install").code == 0
    state = start(corpus)
    result = sess(corpus, "hooks", "uninstall")
    assert result.code == 0, result.err
    assert "stopped the search server" in result.out
    assert pid_of(state) is None


def test_it_exits_when_idle(corpus: Path, servers: None) -> None:
    git(corpus, "config", "sess.searchServerIdle", "1")
    wait_until_gone(start(corpus))


def test_both_streams_into_one_keep_their_order(corpus: Path, servers: None) -> None:
    queries = [
        ("distilbert", "--json", "--limit", "1"),
        ("distilbert", "--files", "--limit", "1"),
        ("overfiting",),
    ]

    def combined(*query: str) -> bytes:
        return subprocess.run(
            [str(BIN_DIR / "git-sess"), "search", *query],
            cwd=corpus,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        ).stdout

    alone = [combined(*query) for query in queries]
    start(corpus)
    assert [combined(*query) for query in queries] == alone
    assert requests_answered(corpus) == len(queries)


def test_a_served_search_imports_only_the_client(corpus: Path, servers: None) -> None:
    """`git sess search` answered by the server costs a Python start and the client:
    the git-sess script imports neither `re` (as pip's console-script wrapper did)
    nor click or Whoosh."""
    start(corpus)
    expected = search_as_client(corpus, "webhook")
    before = requests_answered(corpus)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(BIN_DIR / "git-sess"), "search", "webhook"],
        cwd=corpus,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert (done.returncode, done.stdout) == (0, expected.stdout)
    assert requests_answered(corpus) == before + 1
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in done.stderr.decode().splitlines()
        if line.startswith("import time:")
    }
    assert "gitsess.search.client" in imported
    assert not imported & {"re", "click", "whoosh", "gitsess.cli.app"}, sorted(imported)


def test_writes_in_a_row_to_one_stream_are_sent_as_one() -> None:
    from gitsess.search.server import _joined

    order = [(1, b"a"), (1, b""), (1, b"b"), (2, b"warn"), (1, b"c"), (1, b"d"), (2, b"")]
    assert _joined(order) == [(1, b"ab"), (2, b"warn"), (1, b"cd")]
    assert _joined([]) == []
