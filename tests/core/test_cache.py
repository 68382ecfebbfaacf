"""The metadata cache under `git rev-parse --git-path gitsess`: never stale, never in the way."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from builders import export, export_text, state_dir
from conftest import git, sess, sess_without_dac

INDEX = ".sessions/session_index.md"


def listed(repo: Path, run=sess) -> dict[str, str]:
    """id -> title, from `git sess list --json`."""
    result = run(repo, "list", "--json")
    assert (result.code, result.err) == (0, ""), result.err
    return {entry["id"]: entry["title"] for entry in json.loads(result.out)}


def cache_files(repo: Path) -> list[Path]:
    """Every cache file; not the locks, nor the missing-hooks note's stamp (no cache)."""
    files = sorted(
        p
        for p in state_dir(repo).iterdir()
        if p.is_file() and p.suffix != ".lock" and p.name != "hooks-notice"
    )
    assert files, f"no cache files in {state_dir(repo)}"
    return files


def in_racy_window(path: Path) -> None:
    """Give `path` an mtime no scan can trust (an hour ahead: within RACY_NS of any
    scan however slow the machine), so only the content can tell an edit."""
    ahead = path.stat().st_mtime_ns + 3600 * 10**9
    os.utime(path, ns=(ahead, ahead))


def edit_in_place_keeping_signature(path: Path, old: str, new: str) -> None:
    """Change the content but not the size, inode or mtime."""
    before = path.stat()
    text = path.read_text()
    assert len(old) == len(new) and text.count(old) == 1
    with open(path, "r+b") as handle:  # same inode
        handle.write(text.replace(old, new).encode())
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )


def test_same_size_edit_with_the_old_mtime_is_seen(sessions):
    path = export(sessions, "session_20260101_work.md", "Alpha")
    in_racy_window(path)
    assert listed(sessions) == {"session_20260101_work.md": "Alpha"}

    # Within the racy window of the previous scan: only the content tells the difference.
    edit_in_place_keeping_signature(path, "title: Alpha", "title: Alpho")
    assert listed(sessions) == {"session_20260101_work.md": "Alpho"}


def test_same_size_edit_is_seen_by_show_check_and_index(sessions):
    path = export(sessions, "session_20260101_work.md", "Alpha")
    in_racy_window(path)
    assert sess(sessions, "index").code == 0
    assert sess(sessions, "check").code == 0

    edit_in_place_keeping_signature(path, "status: complete", "status: complets")
    shown = json.loads(sess(sessions, "show", "--json", "session_20260101_work").out)
    assert shown["status"] == "complets"
    assert sess(sessions, "index", "--check").code == 1
    problems = json.loads(sess(sessions, "check", "--json").out)["problems"]
    assert [(p["path"], p["line"], p["message"]) for p in problems] == [
        (
            ".sessions/session_20260101_work.md",
            5,
            "status 'complets' is not one of in-progress, complete, blocked, abandoned",
        ),
        (INDEX, None, "index is out of date"),
    ]


def test_same_size_edit_makes_the_index_stale(sessions):
    path = export(sessions, "session_20260101_work.md", "Alpha")
    in_racy_window(path)
    assert sess(sessions, "index").code == 0

    edit_in_place_keeping_signature(path, "title: Alpha", "title: Gamma")
    assert sess(sessions, "index", "--check").code == 1
    assert sess(sessions, "index").code == 0
    assert "Gamma (feature, complete)" in (sessions / INDEX).read_text()


def test_ordinary_edit_is_seen(sessions):
    path = export(sessions, "session_20260101_work.md", "Alpha")
    listed(sessions)
    path.write_text(export_text("A much longer title now"))
    assert listed(sessions) == {"session_20260101_work.md": "A much longer title now"}


def test_added_and_deleted_exports(sessions):
    first = export(sessions, "session_20260101_first.md", "First")
    assert listed(sessions) == {"session_20260101_first.md": "First"}

    export(sessions, "session_20260101_second.md", "Second")
    assert listed(sessions) == {
        "session_20260101_first.md": "First",
        "session_20260101_second.md": "Second",
    }

    first.unlink()
    assert listed(sessions) == {"session_20260101_second.md": "Second"}
    assert sess(sessions, "index").code == 0
    assert "session_20260101_first.md" not in (sessions / INDEX).read_text()
    assert sess(sessions, "check").out.splitlines()[-1] == (
        "1 session(s) checked: 0 error(s), 0 warning(s)"
    )


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00\xffthis is not json{{{")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _wrong_shape(path: Path) -> None:
    path.write_text("[1, 2, 3]")


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _corrupt_entries(path: Path) -> None:
    """Keep the envelope (so the cache is not simply discarded), spoil every entry."""
    if path.suffix == ".tsv":  # header line, then name<TAB>signature<TAB>hash rows
        header, *rows = path.read_text().splitlines()
        spoiled = [f"{row.split(chr(9))[0]}\tjunk\tjunk" for row in rows]
        path.write_text("\n".join([header, *spoiled, "no tabs here"]) + "\n")
        return
    document = json.loads(path.read_text())
    for key, value in document.items():
        if isinstance(value, dict):
            document[key] = {name: "junk" for name in value}
    path.write_text(json.dumps(document))


@pytest.mark.parametrize("corrupt", [_garbage, _empty, _wrong_shape, _truncated, _corrupt_entries])
def test_corrupted_cache_is_ignored_and_rebuilt(sessions, corrupt):
    path = export(sessions, "session_20260101_work.md", "Alpha")
    export(sessions, "session_20260102_other.md", "Other")
    assert sess(sessions, "index").code == 0
    listed(sessions)
    path.write_text(export_text("Changed title"))
    for cache in cache_files(sessions):
        corrupt(cache)

    expected = {"session_20260101_work.md": "Changed title", "session_20260102_other.md": "Other"}
    assert listed(sessions) == expected
    result = sess(sessions, "check")
    assert (result.code, result.err) == (1, "")
    assert result.out.startswith(f"error: {INDEX}: index is out of date\n")
    assert sess(sessions, "index").code == 0
    assert "Changed title (feature, complete)" in (sessions / INDEX).read_text()
    assert sess(sessions, "check").code == 0

    for cache in cache_files(sessions):  # rebuilt, not left broken
        if cache.suffix == ".tsv":
            header, _, body = cache.read_text().partition("\n")
            listing, _, digests = body.partition("\0\n")
            assert len(header.split("\t")) == 4, cache
            rows = listing.splitlines()
            assert sorted(row.split("\t")[0] for row in rows) == sorted(expected), cache
            assert len(digests.split("\n")) == len(rows), cache
        else:
            assert isinstance(json.loads(cache.read_text()), dict), cache
    assert listed(sessions) == expected


def test_cache_is_not_in_the_work_tree(sessions):
    export(sessions, "session_20260101_work.md", "Alpha")
    assert sess(sessions, "index").code == 0
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "sessions")

    for args in (("list",), ("list", "--json"), ("check",), ("index",), ("show", "work")):
        assert sess(sessions, *args).code == 0, args
    assert git(sessions, "status", "--porcelain", "--ignored") == ""
    assert cache_files(sessions)
    assert state_dir(sessions).resolve().is_relative_to((sessions / ".git").resolve())


def test_each_worktree_has_its_own_cache(sessions, tmp_path):
    export(sessions, "session_20260101_work.md", "Alpha")
    assert sess(sessions, "index").code == 0
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "sessions")
    worktree = tmp_path / "wt"
    git(sessions, "worktree", "add", "-q", str(worktree))
    listed(sessions)

    export(worktree, "session_20260101_work.md", "Beta")
    assert listed(worktree) == {"session_20260101_work.md": "Beta"}
    assert listed(sessions) == {"session_20260101_work.md": "Alpha"}
    assert state_dir(worktree).resolve() != state_dir(sessions).resolve()
    assert git(worktree, "status", "--porcelain") == " M .sessions/session_20260101_work.md\n"


def _read_only_directory(state: Path) -> None:
    # Its files, and its scratch folder for temporary files, read-only too.
    for path in sorted(state.rglob("*"), reverse=True):
        path.chmod(stat.S_IRUSR | (stat.S_IXUSR if path.is_dir() else 0))
    state.chmod(stat.S_IRUSR | stat.S_IXUSR)


def _file_in_its_place(state: Path) -> None:
    shutil.rmtree(state)
    state.write_text("not a directory\n")


def _files(state: Path) -> dict[str, bytes]:
    return {
        p.relative_to(state).as_posix(): p.read_bytes() for p in state.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize(
    "block, run",
    # Root ignores file modes, so the read-only case runs without that privilege.
    [(_read_only_directory, sess_without_dac), (_file_in_its_place, sess)],
)
def test_unwritable_state_dir_does_not_break_commands(sessions, block, run):
    path = export(sessions, "session_20260101_work.md", "Alpha")
    in_racy_window(path)
    assert sess(sessions, "index").code == 0
    listed(sessions)
    state = state_dir(sessions)
    block(state)
    cache_before = _files(state) if state.is_dir() else None
    try:
        path.write_text(export_text("Edited while the cache is stuck"))
        expected = {"session_20260101_work.md": "Edited while the cache is stuck"}
        assert listed(sessions, run) == expected
        result = run(sessions, "index")
        assert (result.code, result.out, result.err) == (0, f"wrote {INDEX}\n", "")
        result = run(sessions, "check")
        assert (result.code, result.err) == (0, "")
        result = run(sessions, "show", "work")
        assert result.code == 0 and "Edited while the cache is stuck" in result.out
        if state.is_dir():  # the commands really could not write there
            assert _files(state) == cache_before
    finally:
        if state.is_dir():
            state.chmod(stat.S_IRWXU)
            for child in state.rglob("*"):
                child.chmod(stat.S_IRWXU if child.is_dir() else stat.S_IRUSR | stat.S_IWUSR)
