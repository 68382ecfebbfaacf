"""Hostile or unlucky input: files a cloned repository could carry, values YAML
can build but nothing should store, and two git-sess processes at once."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from builders import export, state_dir
from conftest import assert_one_line_error, assert_refused, sess, snapshot

# --- values safe YAML builds but a cache or JSON cannot hold --------------------------

ALIAS_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"b{level}: &b{level} [{', '.join(['*a' if level == 1 else f'*b{level - 1}'] * 10)}]\n"
    for level in range(1, 8)
)


@pytest.mark.parametrize(
    "extra, line, message",
    [
        (ALIAS_BOMB, 9, "b3 expands to more than 10,000 values (nested aliases?)"),
        ("blob: !!binary aGVsbG8=\n", 6, "blob holds binary data (!!binary)"),
        ("n: .nan\n", 6, "n is nan, not a number"),
        ("loop: &loop [*loop]\n", 6, "loop holds a YAML alias that refers to itself"),
    ],
)
def test_unstorable_values_are_reported_not_crashed_on(sessions, extra, line, message):
    export(sessions, "session_20260101_bad.md", extra=extra)
    for args in (("list", "--json"), ("show", "--json", "bad"), ("index",)):
        result = sess(sessions, *args)
        assert result.code == 0, (args, result.err)
        assert "Traceback" not in result.err
        if "--json" in args:
            json.loads(result.out)  # valid JSON: no NaN, no bytes
    check = json.loads(sess(sessions, "check", "--json").out)
    assert (line, "error", message) in [
        (p["line"], p["level"], p["message"]) for p in check["problems"]
    ]
    assert os.path.getsize(state_dir(sessions) / "metadata.json") < 100_000


# --- symbolic links a cloned repository could carry ------------------------------------


def test_sessions_dir_linked_outside_the_work_tree_is_refused(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / ".sessions").symlink_to(outside)
    for args in (("init",), ("list",), ("index",)):
        assert_one_line_error(sess(repo, *args), ".sessions leads outside the work tree")
    assert list(outside.iterdir()) == []


def test_template_linked_to_a_private_file_is_refused(sessions, tmp_path):
    secret = tmp_path / "id_rsa"
    secret.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    templates = sessions / ".sessions" / "templates"
    templates.mkdir()
    (templates / "session-feature.md").symlink_to(secret)
    before = snapshot(sessions)

    result = sess(sessions, "new", "Leak")

    assert_one_line_error(result, "session-feature.md is a symbolic link")
    assert snapshot(sessions) == before


def test_index_linked_to_a_private_file_is_neither_read_nor_written(sessions, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("token=abc\n")
    index = sessions / ".sessions" / "session_index.md"
    index.unlink()
    index.symlink_to(secret)

    result = sess(sessions, "index")

    assert_one_line_error(result, "session_index.md is a symbolic link")
    assert secret.read_text() == "token=abc\n"
    assert not (sessions / ".sessions" / "session_index.md.orig").exists()


def test_symlinked_export_is_not_read(sessions, tmp_path):
    secret = tmp_path / "notes.md"
    secret.write_text("---\ntitle: SECRET\n---\n")
    (sessions / ".sessions" / "session_20260101_link.md").symlink_to(secret)

    result = sess(sessions, "list", "--json")

    assert (result.code, json.loads(result.out)) == (0, [])


# --- an update never drops what it could not read --------------------------------------


@pytest.mark.parametrize(
    "extra",
    ["tags: [a, {b: 1}]\n", "summary: [not, text]\n", "tokens: lots\n", "date2: !!binary aGk=\n"],
)
def test_update_refuses_a_file_whose_values_it_could_not_read(sessions, extra):
    path = export(sessions, "session_20260101_odd.md", extra=extra)
    before = path.read_bytes()

    result = sess(sessions, "update", "odd", "--status", "blocked", "--add-tag", "c")

    assert_one_line_error(result, ".sessions/session_20260101_odd.md:6:")
    assert path.read_bytes() == before


# --- two processes at once -------------------------------------------------------------


def run_together(repo: Path, commands: list[list[str]]) -> list[int]:
    processes = [
        subprocess.Popen(
            ["git", "sess", *command],
            cwd=repo,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for command in commands
    ]
    return [process.wait(timeout=120) for process in processes]


def test_parallel_updates_lose_nothing(sessions):
    export(sessions, "session_20260101_alpha.md", title="Alpha")
    assert sess(sessions, "index").code == 0

    codes = run_together(sessions, [["update", "alpha", "--add-tag", f"t{n}"] for n in range(8)])

    assert codes == [0] * 8
    listed = json.loads(sess(sessions, "list", "--json").out)
    assert sorted(listed[0]["tags"]) == [f"t{n}" for n in range(8)]
    assert sess(sessions, "index", "--check").code == 0


def test_parallel_new_sessions_all_land_in_the_index(sessions):
    codes = run_together(
        sessions, [["new", f"Topic {n}", "--date", "2026-01-01"] for n in range(6)]
    )

    assert codes == [0] * 6
    assert sess(sessions, "index", "--check").code == 0
    index = (sessions / ".sessions" / "session_index.md").read_text()
    assert all(f"session_20260101_topic_{n}.md" in index for n in range(6))


def test_interrupt_during_a_cold_rebuild_exits_130_and_leaves_nothing_running(sessions):
    """^C while thousands of exports are parsed (in a process pool where there are
    several CPUs): exit 130, no traceback, no worker left behind, index intact."""
    directory = sessions / ".sessions"
    written = 0
    for size in (5000, 10000, 20000, 30000):  # a quiet machine may finish 5,000 before the ^C
        for number in range(written, size):
            (directory / f"session_20250101_topic_{number:05}.md").write_text(
                f"---\ntitle: Topic {number}\ndate: 2025-01-01\ntype: feature\n"
                f"status: complete\ntags: [a, b]\n---\n# Session: Topic {number}\n\n"
                + "Words of the body. "
                * 100
            )
        written = size
        index_before = (directory / "session_index.md").read_bytes()
        # git-sess itself, not through git: git dies of the SIGINT too (the shell
        # shows 130 for that), which would hide git-sess's own exit code.
        process = subprocess.Popen(
            [shutil.which("git-sess"), "index"],
            cwd=sessions,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, as a terminal's foreground job
            preexec_fn=_as_a_shell_starts_it,
        )
        git_sess = process.pid
        # Interrupt while parsing: once the pool's workers exist, or (one CPU, no
        # pool) half a second in, when the exports are still being read.
        workers = wait_for(lambda pid=git_sess: pool_workers(pid), seconds=0.5)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):  # it may end as the ^C is sent
                os.killpg(process.pid, signal.SIGINT)  # what ^C does: the whole foreground group
        out, err = process.communicate(timeout=60)
        if process.returncode != 0:
            break
        # It finished before the ^C landed (before or just after the check): more work.

    assert process.returncode == 130, (out, err)
    assert b"Traceback" not in err
    time.sleep(0.2)  # a terminated worker may take a moment to be reaped
    assert not [pid for pid in workers if alive(pid)]
    assert processes_working_in(sessions) == []  # none left behind, re-forked ones included
    assert (directory / "session_index.md").read_bytes() == index_before
    assert not list(directory.glob(".*.tmp"))


def wait_for(probe, seconds: float = 30.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while not (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.005)
    return found


def processes_working_in(directory: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if Path(os.readlink(entry / "cwd")) == directory.resolve() and alive(
                    int(entry.name)
                ):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _as_a_shell_starts_it() -> None:
    """SIGINT unblocked and at its default, as a shell starts a foreground job,
    whatever this test process inherited or left behind."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def pool_workers(pid: int) -> list[int]:
    """The children forked from `pid` (its own command line), not git's processes."""
    own = _command_line(pid)
    return [child for child in children(pid) if own and _command_line(child) == own]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def test_import_does_not_follow_a_symlinked_file_out_of_the_repository(sessions, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("# Session: Secret\n**Date**: 2026-01-01\ntoken=abc\n")
    docs = sessions / "docs"
    docs.mkdir()
    (docs / "session_20260101_notes.md").symlink_to(secret)
    assert_refused(sessions, ("import", "docs"), "session_20260101_notes.md: is a symbolic link")


def test_new_fails_before_writing_when_the_index_cannot_be_regenerated(sessions):
    index = sessions / ".sessions" / "session_index.md"
    index.write_bytes(b"# Hand kept \xff\n")
    assert_refused(sessions, ("new", "Topic", "--date", "2026-01-01"), "not valid UTF-8")


def test_deeply_nested_value_is_reported_not_crashed_on(sessions):
    export(sessions, "session_20260101_deep.md", extra="deep: " + "[" * 600 + "]" * 600 + "\n")
    for args in (("list",), ("index",), ("show", "deep")):
        result = sess(sessions, *args)
        assert result.code == 0 and "Traceback" not in result.err, (args, result.err)
    assert "deep nests more than 100 levels deep" in sess(sessions, "check").out


@pytest.mark.parametrize(
    "name", ["session_20260101_tab\there.md", "session_20260101_line\u2028.md"]
)
def test_odd_file_names_are_left_out_named_and_do_not_spoil_the_cache(sessions, name):
    export(sessions, "session_20260101_plain.md", title="Plain")
    export(sessions, name, title="Odd")
    for _ in range(2):
        listed = json.loads(sess(sessions, "list", "--json").out)
        assert [entry["title"] for entry in listed] == ["Plain"]
    rows = (state_dir(sessions) / "signatures.tsv").read_text().split("\n")
    assert any(row.startswith("session_20260101_plain.md\t") for row in rows)
    checked = sess(sessions, "check")
    assert checked.code == 1 and "the file name holds control characters" in checked.out


def test_duplicate_keys_are_an_error_and_block_update(sessions):
    path = export(sessions, "session_20260101_dup.md", extra="status: blocked\n")
    before = path.read_bytes()
    problems = json.loads(sess(sessions, "check", "--json").out)["problems"]
    assert (6, "status is set twice (lines 5 and 6); YAML keeps the last") in [
        (p["line"], p["message"]) for p in problems
    ]
    assert_one_line_error(sess(sessions, "update", "dup", "--status", "complete"), "set twice")
    assert path.read_bytes() == before


def test_refused_first_import_leaves_no_sessions_directory(repo):
    docs = repo / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("# Session: Undated\n\nNo date anywhere.\n")
    assert_refused(repo, ("import", "docs"), "no date")
    assert not (repo / ".sessions").exists()
    dry = sess(repo, "import", "--dry-run", str(docs / "notes.md"))
    assert dry.code == 1 and "no date" in dry.err  # the same answer as the real run
