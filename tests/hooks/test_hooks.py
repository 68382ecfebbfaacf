"""The git layer: hooks driven by real `git commit`, `merge`, `rebase`, `cherry-pick`,
`checkout`; installing next to hooks that were there; the documented message."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from builders import export_text, git_commit, session_name, write_export
from conftest import assert_one_line_error, copy_hooked, git, hooked_build, sess, snapshot

from gitsess.hooks.install import HOOKS

INDEX = ".sessions/session_index.md"
HOOK_NAMES = HOOKS


def in_progress(
    title: str, objective: str = "", *, date: str = "2026-03-01", extra: str = ""
) -> str:
    """The export these tests commit: in progress, with one objective (from the title
    unless given)."""
    objectives = f"## Objectives\n- {objective or 'work on ' + title}"
    return export_text(title, objectives, date=date, status="in-progress", extra=extra)


def name(slug: str, date: str = "2026-03-01") -> str:
    return session_name(slug, date)


def write(repo: Path, slug: str, text: str) -> Path:
    return write_export(repo, name(slug), text)


def commit(
    repo: Path, *args: str, editor: bool = False, edit: bool = False
) -> subprocess.CompletedProcess[str]:
    """`editor`: the message is taken as prepared; `edit`: "edited " goes before it."""
    chosen = "sed -i '1s/^/edited /'" if edit else "true" if editor else None
    return git_commit(repo, *args, editor=chosen)


def commit_export(
    repo: Path, slug: str, text: str, message: str
) -> subprocess.CompletedProcess[str]:
    """Write the export, stage everything and `git commit -m` it (hooks running)."""
    write(repo, slug, text)
    git(repo, "add", "-A")
    return commit(repo, "-m", message)


def committed(repo: Path, path: str, rev: str = "HEAD") -> str:
    return git(repo, "show", f"{rev}:{path}")


def staged(repo: Path, path: str) -> str:
    return git(repo, "show", f":{path}")


def subject(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "log", "-1", "--format=%s", rev).strip()


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain")


def hooks_dir(repo: Path) -> Path:
    return repo / ".git" / "hooks"


# --- install, uninstall, status -------------------------------------------------


def test_init_installs_every_hook_and_the_merge_driver(hooked):
    states = sess(hooked, "hooks", "status").out.splitlines()
    assert [line.split()[0] for line in states] == list(HOOK_NAMES)
    assert all(line.split(None, 1)[1] == "ours" for line in states)
    assert "merge=git-sess-index" in (hooked / ".gitattributes").read_text()
    assert "gitsess.hooks merge-index" in git(hooked, "config", "merge.git-sess-index.driver")
    for hook in HOOK_NAMES:
        assert os.access(hooks_dir(hooked) / hook, os.X_OK)


def test_init_no_hooks_installs_nothing(repo):
    assert sess(repo, "init", "--no-hooks").code == 0
    assert all(line.endswith("missing") for line in sess(repo, "hooks", "status").out.splitlines())
    assert not (repo / ".gitattributes").exists()


def test_install_twice_changes_nothing(hooked):
    before = {p.name: p.read_bytes() for p in hooks_dir(hooked).iterdir()}
    result = sess(hooked, "hooks", "install")
    assert result.code == 0 and "nothing to do" in result.out
    assert {p.name: p.read_bytes() for p in hooks_dir(hooked).iterdir()} == before
    assert (hooked / ".gitattributes").read_text().count("git-sess-index") == 1


def test_foreign_hook_is_kept_run_first_and_restored_byte_for_byte(repo):
    hook = hooks_dir(repo) / "pre-commit"
    original = b"#!/bin/sh\necho foreign-ran >&2\nexit 0\n\xff\n"  # not UTF-8 either
    hook.write_bytes(original)
    hook.chmod(0o750)
    assert sess(repo, "init").code == 0
    assert "ours, chaining pre-commit.legacy" in sess(repo, "hooks", "status").out
    (repo / "other.txt").write_text("x\n")
    git(repo, "add", "other.txt")
    done = commit(repo, "-m", "other")
    assert done.returncode == 0 and "foreign-ran" in done.stderr
    assert sess(repo, "hooks", "uninstall").code == 0
    assert hook.read_bytes() == original
    assert oct(hook.stat().st_mode & 0o777) == oct(0o750)
    assert not (hooks_dir(repo) / "pre-commit.legacy").exists()


def foreign_pre_commit(repo: Path, text: str, mode: int) -> Path:
    """A pre-commit hook of the user's, then `git sess init`, everything staged."""
    hook = hooks_dir(repo) / "pre-commit"
    hook.write_text(text)
    hook.chmod(mode)
    assert sess(repo, "init").code == 0
    git(repo, "add", "-A")
    return hook


def test_failing_foreign_hook_fails_the_commit(repo):
    foreign_pre_commit(repo, "#!/bin/sh\necho no >&2\nexit 3\n", 0o755)
    done = commit(repo, "-m", "x")
    assert done.returncode != 0 and "no" in done.stderr
    assert subject(repo) == "initial"


def test_hook_without_run_bit_stays_unrun_as_git_would(repo):
    hook = foreign_pre_commit(repo, "#!/bin/sh\nexit 1\n", 0o644)
    assert commit(repo, "-m", "x").returncode == 0  # git ignored it before; so do we
    sess(repo, "hooks", "uninstall")
    assert hook.read_text() == "#!/bin/sh\nexit 1\n" and not os.access(hook, os.X_OK)


def test_dangling_symlink_hook_is_kept_and_restored(repo):
    hook = hooks_dir(repo) / "post-commit"
    hook.symlink_to("/nonexistent/hook")
    assert sess(repo, "init").code == 0
    assert (hooks_dir(repo) / "post-commit.legacy").is_symlink()
    git(repo, "add", "-A")
    assert commit(repo, "-m", "x").returncode == 0
    sess(repo, "hooks", "uninstall")
    assert hook.is_symlink() and os.readlink(hook) == "/nonexistent/hook"


def test_install_refuses_when_a_legacy_copy_is_already_there(repo):
    (hooks_dir(repo) / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    (hooks_dir(repo) / "pre-commit.legacy").write_text("#!/bin/sh\nexit 0\n")
    assert sess(repo, "init", "--no-hooks").code == 0
    before = {p.name: p.read_bytes() for p in hooks_dir(repo).iterdir()}
    assert_one_line_error(sess(repo, "hooks", "install"), "pre-commit.legacy")
    assert {p.name: p.read_bytes() for p in hooks_dir(repo).iterdir()} == before


def test_uninstall_restores_gitattributes_byte_for_byte(repo):
    (repo / ".gitattributes").write_bytes(b"*.png binary")  # no final newline
    assert sess(repo, "init").code == 0
    assert sess(repo, "hooks", "uninstall").code == 0
    assert (repo / ".gitattributes").read_bytes() == b"*.png binary"
    config = subprocess.run(
        ["git", "config", "--get-regexp", "^merge"], cwd=repo, capture_output=True
    )
    assert config.stdout == b""


def test_uninstall_removes_a_gitattributes_it_created(repo):
    assert sess(repo, "init").code == 0
    result = sess(repo, "hooks", "uninstall")
    assert not (repo / ".gitattributes").exists()
    assert "deleted .gitattributes (git sess had created it)" in result.out
    assert all(line.endswith("missing") for line in sess(repo, "hooks", "status").out.splitlines())


def test_uninstall_keeps_committed_merge_driver_lines_for_the_other_clones(hooked):
    before = (hooked / ".gitattributes").read_bytes()
    result = sess(hooked, "hooks", "uninstall")
    assert result.code == 0
    assert "kept the merge driver lines in .gitattributes: they are committed" in result.out
    assert (hooked / ".gitattributes").read_bytes() == before
    assert status(hooked) == ""


def test_worktree_uses_the_common_hooks_dir(hooked, tmp_path):
    other = tmp_path / "wt"
    git(hooked, "worktree", "add", "-q", str(other))
    result = sess(other, "hooks", "status")
    assert "ours" in result.out
    write(other, "in_worktree", in_progress("In worktree"))
    git(other, "add", ".sessions")
    assert commit(other, editor=True).returncode == 0
    assert subject(other) == "Add session: In worktree"
    assert name("in_worktree") in committed(other, INDEX)


def test_hooks_path_inside_the_repository_is_used_and_never_committed(repo):
    exclude = repo / ".git" / "info" / "exclude"
    before = exclude.read_bytes()
    git(repo, "config", "core.hooksPath", ".githooks")
    assert sess(repo, "init").code == 0
    assert (repo / ".githooks" / "pre-commit").is_file()
    assert not (hooks_dir(repo) / "pre-commit").exists()
    write(repo, "hooked", in_progress("Hooked"))
    git(repo, "add", "-A")
    assert commit(repo, "-m", "x").returncode == 0
    assert name("hooked") in committed(repo, INDEX)
    # The stubs name this machine's interpreter: `git add -A` left them out.
    assert ".githooks" not in git(repo, "ls-files")
    assert sess(repo, "hooks", "uninstall").code == 0
    assert exclude.read_bytes() == before


def test_hooks_path_with_committed_hooks_is_refused_with_what_to_add(repo):
    shared = repo / ".githooks"
    shared.mkdir()
    (shared / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "team hooks")
    git(repo, "config", "core.hooksPath", ".githooks")
    assert sess(repo, "init", "--no-hooks").code == 0
    before = snapshot(repo)
    result = sess(repo, "hooks", "install")
    assert_one_line_error(result, "core.hooksPath is .githooks, whose hooks are committed")
    assert 'git sess hook pre-commit "$@"' in result.err
    assert 'post-merge: git sess hook post-merge "$@"' in result.err
    assert snapshot(repo) == before


def test_hooks_path_outside_the_repository_is_refused_with_what_to_add(repo, tmp_path):
    elsewhere = tmp_path / "my-hooks"
    git(repo, "config", "core.hooksPath", str(elsewhere))
    assert sess(repo, "init", "--no-hooks").code == 0
    assert_one_line_error(
        sess(repo, "hooks", "install"), "core.hooksPath", "gitsess.hooks pre-commit"
    )
    assert not elsewhere.exists()


def test_init_with_hooks_path_outside_still_sets_up_the_merge_driver(repo, tmp_path):
    git(repo, "config", "core.hooksPath", str(tmp_path / "my-hooks"))
    result = sess(repo, "init")
    assert result.code == 0
    for hook in ("pre-commit", "prepare-commit-msg", "pre-merge-commit"):
        assert f"gitsess.hooks {hook}" in result.err
    assert git(repo, "config", "merge.git-sess-index.driver").strip()
    assert "merge=git-sess-index" in (repo / ".gitattributes").read_text()


def test_status_flags_a_stub_written_for_another_interpreter(hooked):
    stub = hooks_dir(hooked) / "pre-commit"
    text = stub.read_text()
    start = text.index("python=") + len("python=")
    stub.write_text(text[:start] + "/usr/bin/python3" + text[text.index("\n", start) :])
    lines = sess(hooked, "hooks", "status").out.splitlines()
    assert "pre-commit" in lines[0] and "out of date" in lines[0]
    assert "out of date" not in "".join(lines[1:])
    assert sess(hooked, "hooks", "install").out.strip() == "updated pre-commit"
    assert "out of date" not in sess(hooked, "hooks", "status").out


def test_stub_falls_back_to_git_sess_on_path_when_the_interpreter_is_gone(hooked):
    stub = hooks_dir(hooked) / "pre-commit"
    text = stub.read_text()
    start = text.index("python=") + len("python=")
    end = text.index("\n", start)
    stub.write_text(text[:start] + "/nonexistent/python3" + text[end:])
    write(hooked, "fallback", in_progress("Fallback", extra="status: [broken\n"))
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "x")
    assert done.returncode == 1
    assert "/nonexistent/python3 is gone; using git-sess from PATH" in done.stderr
    assert "git-sess: error:" in done.stderr


# --- pre-commit ------------------------------------------------------------------


def test_unrelated_commit_does_not_start_python(hooked):
    # With the interpreter path pointing at a script that records being run,
    # a commit that stages nothing under .sessions/ must not run it.
    marker = hooked.parent / "python-started"
    fake = hooked.parent / "fake-python"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    fake.chmod(0o755)
    for hook in HOOK_NAMES:
        stub = hooks_dir(hooked) / hook
        text = stub.read_text()
        start = text.index("python=") + len("python=")
        stub.write_text(text[:start] + str(fake) + text[text.index("\n", start) :])
    (hooked / "code.py").write_text("x = 1\n")
    git(hooked, "add", "code.py")
    assert commit(hooked, "-m", "code").returncode == 0
    assert commit(hooked, "--allow-empty", "--allow-empty-message", editor=True).returncode == 0
    assert not marker.exists()
    commit_export(hooked, "touches", in_progress("Touches"), "sessions")
    assert marker.exists()


def test_new_export_commit_stages_the_index(hooked):
    write(hooked, "alpha", in_progress("Alpha"))
    git(hooked, "add", f".sessions/{name('alpha')}")  # the index is not staged by hand
    assert commit(hooked, "-m", "alpha").returncode == 0
    assert name("alpha") in committed(hooked, INDEX)
    assert status(hooked) == ""


def test_broken_yaml_is_refused_and_nothing_changes(hooked):
    write(hooked, "broken", in_progress("Broken", extra="tags: [a, b\n"))
    git(hooked, "add", "-A")
    before_index = git(hooked, "ls-files", "-s")
    before_files = snapshot(hooked)
    done = commit(hooked, "-m", "broken")
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith("git-sess: error: .sessions/" + name("broken") + ":")
    assert "hint:" in done.stderr and "Traceback" not in done.stderr
    assert git(hooked, "ls-files", "-s") == before_index
    assert snapshot(hooked) == before_files
    assert subject(hooked) == "Set up sessions"


def test_staged_content_is_validated_not_the_work_tree(hooked):
    path = write(hooked, "good", in_progress("Good"))
    git(hooked, "add", "-A")
    path.write_text(in_progress("Good", extra="status: [broken\n"))  # broken, but not staged
    assert commit(hooked, "-m", "good").returncode == 0
    path.write_text(in_progress("Good", extra="tags: [x\n"))
    git(hooked, "add", str(path))
    path.write_text(in_progress("Good again"))  # fine in the work tree, broken when staged
    assert commit(hooked, "-m", "bad").returncode == 1


def test_partial_staging_stays_partial(hooked):
    path = write(hooked, "partial", in_progress("Partial"))
    git(hooked, "add", "-A")
    commit(hooked, "-m", "first")
    path.write_text(in_progress("Partial renamed", extra="tags: [staged]\n"))
    git(hooked, "add", str(path))
    path.write_text(in_progress("Partial unstaged title", extra="tags: [unstaged]\n"))
    assert commit(hooked, "-m", "second").returncode == 0
    index_committed = committed(hooked, INDEX)
    assert "Partial renamed" in index_committed and "unstaged" not in index_committed
    assert "Partial unstaged title" not in committed(hooked, f".sessions/{name('partial')}")
    # the work tree's index follows the work tree's sessions; nothing sneaked in
    assert "Partial unstaged title" in (hooked / INDEX).read_text()
    assert sorted(status(hooked).split("\n")) == sorted(
        ["", f" M .sessions/{name('partial')}", f" M {INDEX}"]
    )


@pytest.mark.parametrize("how", ["paths", "all"])
def test_commit_of_named_paths_or_all_leaves_a_clean_status(hooked, how):
    path = write(hooked, "named", in_progress("Named"))
    git(hooked, "add", "-A")
    commit(hooked, "-m", "named")
    path.write_text(in_progress("Named renamed"))
    args = [str(path)] if how == "paths" else ["-a"]
    assert commit(hooked, "-m", "change", *args).returncode == 0
    assert "Named renamed" in committed(hooked, INDEX)
    assert status(hooked) == ""


def test_commit_of_named_paths_keeps_the_index_of_what_stays_staged(hooked):
    path = write(hooked, "named", in_progress("Named"))
    git(hooked, "add", "-A")
    commit(hooked, "-m", "named")
    write(hooked, "waiting", in_progress("Waiting"))
    git(hooked, "add", "-A")
    path.write_text(in_progress("Named renamed"))
    assert commit(hooked, "-m", "change", str(path)).returncode == 0
    assert name("waiting") not in committed(hooked, INDEX)
    # Still staged: the new export, and the index that lists it beside the change.
    assert name("waiting") in staged(hooked, INDEX)
    assert "Named renamed" in staged(hooked, INDEX)
    assert status(hooked).splitlines() == [f"A  .sessions/{name('waiting')}", f"M  {INDEX}"]
    assert commit(hooked, "-m", "waiting").returncode == 0
    assert status(hooked) == ""


def test_hand_edit_of_the_index_alone_is_refused_and_kept(hooked):
    commit_export(hooked, "kept", in_progress("Kept"), "kept")
    index = hooked / INDEX
    index.write_text(index.read_text().replace("Kept", "Hand edited"))
    git(hooked, "add", INDEX)
    before = snapshot(hooked)
    head = git(hooked, "rev-parse", "HEAD")
    done = commit(hooked, "-m", "edit the index")
    assert done.returncode != 0
    assert f"git-sess: error: {INDEX}: is generated from the exports" in done.stderr
    assert "hint: change the exports instead" in done.stderr
    assert git(hooked, "rev-parse", "HEAD") == head
    assert snapshot(hooked) == before
    assert "Hand edited" in staged(hooked, INDEX)


def test_link_to_a_session_deleted_in_the_same_commit_is_refused(hooked):
    commit_export(hooked, "base", in_progress("Base"), "base")
    commit_export(
        hooked, "user", in_progress("User", extra=f"continuation_of: {name('base')}\n"), "user"
    )
    git(hooked, "rm", "-q", f".sessions/{name('base')}")
    done = commit(hooked, "-m", "delete")
    assert done.returncode == 1
    assert f"{name('base')}', which this commit deletes" in done.stderr
    assert f"hint: link it to the session it now follows (git sess link {name('user')}" in (
        done.stderr
    )


def test_cycle_across_two_files_is_refused(hooked):
    write(hooked, "one", in_progress("One", extra=f"continuation_of: {name('two')}\n"))
    write(hooked, "two", in_progress("Two", extra=f"prerequisite_sessions: [{name('one')}]\n"))
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "cycle")
    assert done.returncode == 1 and "link cycle" in done.stderr


def test_cycle_closed_by_one_export_through_committed_ones_is_refused(hooked):
    # The committed exports are known from the commit cache, not parsed again.
    write(hooked, "first", in_progress("First"))
    write(hooked, "second", in_progress("Second", extra=f"continuation_of: {name('first')}\n"))
    write(
        hooked, "third", in_progress("Third", extra=f"prerequisite_sessions: [{name('second')}]\n")
    )
    git(hooked, "add", "-A")
    assert commit(hooked, "-m", "chain").returncode == 0
    write(hooked, "first", in_progress("First", extra=f"continuation_of: {name('third')}\n"))
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "cycle")
    assert done.returncode == 1
    cycle = f"{name('first')} → {name('third')} → {name('second')} → {name('first')}"
    assert f".sessions/{name('first')}:6: link cycle: {cycle}" in done.stderr


def test_second_continuation_of_a_committed_export_warns_of_a_fork(hooked):
    write(hooked, "root", in_progress("Root"))
    write(hooked, "left", in_progress("Left", extra=f"continuation_of: {name('root')}\n"))
    git(hooked, "add", "-A")
    assert commit(hooked, "-m", "left").returncode == 0
    write(hooked, "root", in_progress("Root renamed"))
    write(hooked, "right", in_progress("Right", extra=f"continuation_of: {name('ROOT')}\n"))
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "right")
    assert done.returncode == 0
    forks = f"2 sessions continue it: {name('left')}, {name('right')}"
    assert f"warning: .sessions/{name('root')}: {forks}" in done.stderr


STORE = "hook-facts.sqlite"


def _garbage(path: Path) -> None:
    path.write_bytes(b"not a database at all" * 100)


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:700])


def _emptied(path: Path) -> None:
    path.write_bytes(b"")


def _other_key(path: Path) -> None:
    _sql(path, "UPDATE meta SET value = 'another version' WHERE key = 'key'")


def _mirror_garbled(path: Path) -> None:
    _sql(path, "UPDATE meta SET value = '{not json' WHERE key = 'mirror'")


def _mirror_root_gone(path: Path) -> None:
    """The mirror names trees git does not have (pruned, or made up)."""
    value = json.dumps(["0" * 40, "1" * 40, "2" * 40, "Project", []])
    _sql(path, "UPDATE meta SET value = ? WHERE key = 'mirror'", value)


def _tables_dropped(path: Path) -> None:
    _sql(path, "DROP TABLE facts")


def _sql(path: Path, statement: str, *args: str) -> None:
    import sqlite3

    db = sqlite3.connect(path)
    db.execute(statement, args)
    db.commit()
    db.close()


@pytest.fixture(scope="module")
def cached_twice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hooked repository after two commits of an export each, their facts in the
    hooks' cache: built once, copied for each kind of damage (copy_hooked)."""
    with hooked_build(tmp_path_factory) as repo:
        for number, title in enumerate(["Cached", "Logged"]):
            write(repo, title.lower(), in_progress(title, objective=f"work {number}"))
            git(repo, "add", "-A")
            assert commit(repo, "-m", title).returncode == 0
        return repo


@pytest.fixture(scope="module")
def victim_and_bystander(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, Path]:
    """Two hooked repositories after one commit of a victim and a bystander, with the
    same date (True) or not (False): built once, copied for each kind of tampering."""
    built = {}
    for same_date in (True, False):
        with hooked_build(tmp_path_factory) as repo:
            write(repo, "victim", in_progress("Victim"))
            date = "2026-03-01" if same_date else "2026-03-02"
            write_export(repo, name("bystander", date), in_progress("Bystander", date=date))
            git(repo, "add", "-A")
            assert commit(repo, "-m", "both").returncode == 0
            built[same_date] = repo
    return built


@pytest.mark.parametrize(
    "damage",
    [
        _garbage,
        _truncated,
        _emptied,
        _other_key,
        _mirror_garbled,
        _mirror_root_gone,
        _tables_dropped,
    ],
)
def test_damaged_commit_cache_is_rebuilt_never_trusted(cached_twice, tmp_path, damage):
    hooked = copy_hooked(cached_twice, tmp_path)
    cache = hooked / ".git" / "gitsess"
    assert (cache / STORE).is_file()
    for suffix in ("-wal", "-shm"):  # what a crash would leave is damaged with the rest
        with contextlib.suppress(FileNotFoundError):
            (cache / f"{STORE}{suffix}").unlink()
    damage(cache / STORE)
    write(hooked, "cached", in_progress("Cached again"))
    write(hooked, "after", in_progress("After"))
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "after")
    assert done.returncode == 0, done.stderr
    index = committed(hooked, INDEX)
    assert "Cached again" in index and name("logged") in index and name("after") in index
    assert sess(hooked, "index", "--check").code == 0
    write(hooked, "logged", in_progress("Logged again"))
    git(hooked, "add", "-A")
    assert commit(hooked, "-m", "again").returncode == 0
    assert "Logged again" in committed(hooked, INDEX)
    assert sess(hooked, "index", "--check").code == 0


def _tamper_line(db, victim: str) -> None:
    db.execute("UPDATE facts SET line = '- TAMPERED' WHERE name = ?", (victim,))


def _tamper_digest(db, victim: str) -> None:
    db.execute("UPDATE facts SET digest = 'x' WHERE name = ?", (victim,))


def _tamper_type(db, victim: str) -> None:
    db.execute("UPDATE facts SET line = 12 WHERE name = ?", (victim,))


def _tamper_links(db, victim: str) -> None:
    db.execute("UPDATE facts SET links = '[[\"continues\"]]' WHERE name = ?", (victim,))


def _tamper_link_list(db, victim: str) -> None:
    db.execute("UPDATE facts SET links = 'zz' WHERE name = ?", (victim,))


def _tamper_fact_gone(db, victim: str) -> None:
    db.execute("DELETE FROM facts WHERE name = ?", (victim,))


@pytest.mark.parametrize(
    "tamper",
    [
        _tamper_line,
        _tamper_digest,
        _tamper_type,
        _tamper_links,
        _tamper_link_list,
        _tamper_fact_gone,
    ],
)
@pytest.mark.parametrize("same_date", [True, False])
def test_cache_edited_into_valid_rows_with_wrong_content_is_not_trusted(
    victim_and_bystander, tmp_path, tamper, same_date
):
    """A row that is not what the hook wrote is read from git again, whether the
    index is patched (the victim shares the changed export's date) or not."""
    import sqlite3

    hooked = copy_hooked(victim_and_bystander[same_date], tmp_path)
    cache = hooked / ".git" / "gitsess"
    date = "2026-03-01" if same_date else "2026-03-02"
    victim = name("victim")
    db = sqlite3.connect(cache / STORE)
    # the copy's cache holds the victim's facts, as the commit wrote them
    assert db.execute("SELECT count(*) FROM facts WHERE name = ?", (victim,)).fetchone()[0]
    tamper(db, victim)
    db.commit()
    db.close()
    bystander = in_progress("Bystander renamed", date=date)
    write_export(hooked, name("bystander", date), bystander)  # the index must change
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "after")
    assert done.returncode == 0, done.stderr
    index = committed(hooked, INDEX)
    assert f"[`{victim}`]" in index and "TAMPERED" not in index and "Bystander renamed" in index
    assert sess(hooked, "index", "--check").code == 0


def test_sha256_repository(tmp_path):
    repo = tmp_path / "sha256"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256")
    assert sess(repo, "init").code == 0
    git(repo, "add", "-A")
    assert commit(repo, "-m", "setup").returncode == 0
    for title in ("One", "Two"):
        write(repo, title.lower(), in_progress(title))
        git(repo, "add", "-A")
        assert commit(repo, "-m", title).returncode == 0
        assert name(title.lower()) in committed(repo, INDEX)
    assert status(repo) == ""
    assert len(git(repo, "rev-parse", f"HEAD:{INDEX}").strip()) == 64


def test_old_problems_in_untouched_exports_do_not_block_other_work(hooked):
    write(hooked, "old", in_progress("Old", extra="status: [broken\n"))
    git(hooked, "add", "-A")
    assert commit(hooked, "--no-verify", "-m", "old").returncode == 0
    write(hooked, "new", in_progress("New"))
    git(hooked, "add", f".sessions/{name('new')}")
    assert commit(hooked, "-m", "new").returncode == 0


def test_no_verify_then_a_normal_commit_repairs_the_index(hooked):
    write(hooked, "skipped", in_progress("Skipped"))
    git(hooked, "add", f".sessions/{name('skipped')}")
    assert commit(hooked, "--no-verify", "-m", "skipped").returncode == 0
    assert name("skipped") not in committed(hooked, INDEX)
    (hooked / "other.txt").write_text("x\n")
    git(hooked, "add", "other.txt")
    assert commit(hooked, "-m", "next").returncode == 0
    assert name("skipped") in committed(hooked, INDEX)
    assert status(hooked) == ""


def test_no_verify_commit_prints_nothing_but_the_repair_note(hooked):
    write(hooked, "quiet", in_progress("Quiet"))
    git(hooked, "add", "-A")
    assert commit(hooked, "-m", "first").returncode == 0
    (hooked / ".sessions" / name("quiet")).write_text(in_progress("Quiet", objective="more"))
    done = commit(hooked, "-a", "--no-verify", "-m", "skipped")
    assert done.returncode == 0
    assert done.stdout == "" and done.stderr == ""


def test_interrupted_hook_leaves_the_staging_area_as_it_was(hooked):
    write(hooked, "interrupted", in_progress("Interrupted"))
    git(hooked, "add", f".sessions/{name('interrupted')}")
    before = git(hooked, "ls-files", "-s")
    stub = hooks_dir(hooked) / "pre-commit"
    text = stub.read_text()
    # The hook is stopped by ^C while it works (the stand-in sleeps where Python would run).
    standing_in = text.replace('} | run "$hook"\n', "} | sleep 30\n", 1)
    assert standing_in != text
    stub.write_text(standing_in)
    process = subprocess.Popen(
        ["git", "commit", "-q", "-m", "x"],
        cwd=hooked,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
    assert process.returncode != 0
    assert git(hooked, "ls-files", "-s") == before
    assert subject(hooked) == "Set up sessions"


# --- secrets ---------------------------------------------------------------------------


GITHUB_TOKEN = "ghp_" + "a1B2c3D4" * 5


def test_secret_is_refused_with_file_line_kind_and_a_masked_value(hooked):
    write(hooked, "leak", in_progress("Leak", objective=f"token used: {GITHUB_TOKEN}"))
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "leak")
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith(f"git-sess: error: .sessions/{name('leak')}:10: GitHub token")
    assert GITHUB_TOKEN not in done.stderr
    assert "allow-secret" in done.stderr


def test_secret_in_a_checkpoint_is_refused_too(hooked):
    checkpoint = hooked / ".sessions" / "checkpoints" / "2026-03-01_120000_Before_ccp.md"
    checkpoint.parent.mkdir(exist_ok=True)
    checkpoint.write_text(f"# Checkpoint\n\nran: git push https://x:{GITHUB_TOKEN}@host\n")
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "checkpoint")
    assert done.returncode == 1
    assert done.stderr.startswith(
        "git-sess: error: .sessions/checkpoints/2026-03-01_120000_Before_ccp.md:3: GitHub token"
    )
    assert subject(hooked) == "Set up sessions"


def test_secret_allowed_by_marker_or_config(hooked):
    write(
        hooked,
        "marked",
        in_progress("Marked", objective=f"{GITHUB_TOKEN} <!-- git-sess: allow-secret -->"),
    )
    git(hooked, "add", "-A")
    assert commit(hooked, "-m", "marked").returncode == 0
    write(hooked, "configured", in_progress("Configured", objective=GITHUB_TOKEN))
    git(hooked, "add", "-A")
    assert commit(hooked, "-m", "refused").returncode == 1
    git(hooked, "config", "sess.allowSecrets", "true")
    assert commit(hooked, "-m", "allowed").returncode == 0


# --- the message ----------------------------------------------------------------------


def test_message_for_one_new_and_one_updated_export(hooked):
    path = write(hooked, "feature", in_progress("Feature work"))
    git(hooked, "add", "-A")
    assert commit(hooked, editor=True).returncode == 0
    assert subject(hooked) == "Add session: Feature work"
    body = git(hooked, "log", "-1", "--format=%b")
    assert "- Technical decisions" in body
    path.write_text(in_progress("Feature work", objective="more"))
    git(hooked, "add", "-A")
    assert commit(hooked, editor=True).returncode == 0
    assert subject(hooked) == "Update session: Feature work"


def test_message_lists_several(hooked):
    old = write(hooked, "old", in_progress("Old one"))
    git(hooked, "add", "-A")
    commit(hooked, "-m", "old")
    old.write_text(in_progress("Old one", objective="changed"))
    write(hooked, "b", in_progress("Bee"))
    write(hooked, "a", in_progress("Ay"))
    git(hooked, "add", "-A")
    assert commit(hooked, editor=True).returncode == 0
    assert subject(hooked) == "Add 2 sessions, update 1 session"
    assert git(hooked, "log", "-1", "--format=%b").strip().splitlines() == [
        "- Add session: Ay",
        "- Add session: Bee",
        "- Update session: Old one",
    ]


def test_checkpoints_are_committed_with_the_message_too(hooked):
    first = sess(hooked, "checkpoint", "Before refactor").out.strip()
    result = sess(hooked, "commit")  # every new export and checkpoint
    assert result.code == 0, result.err
    assert git(hooked, "log", "-1", "--format=%B").strip() == "Add checkpoint: Before refactor"
    second = sess(hooked, "checkpoint", "After refactor").out.strip()
    write(hooked, "work", in_progress("Work"))
    assert sess(hooked, "commit", second).code == 0  # named by its path: alone
    assert subject(hooked) == "Add checkpoint: After refactor"
    Path(hooked, first).unlink()
    git(hooked, "add", "-A")
    assert commit(hooked, editor=True).returncode == 0  # a plain commit, the hook's message
    assert subject(hooked) == "Add 1 session, remove 1 checkpoint"
    assert git(hooked, "log", "-1", "--format=%b").strip().splitlines() == [
        "- Add session: Work",
        f"- Remove checkpoint: {Path(first).name}",
    ]
    assert status(hooked) == ""


def test_message_of_a_rename_says_rename(hooked):
    commit_export(hooked, "base_work", in_progress("Base work"), "base")
    link = "continuation_of: session_20260301_base_work\n"
    later = in_progress("Next step", date="2026-03-02", extra=link)
    (hooked / ".sessions" / name("next_step", "2026-03-02")).write_text(later)
    commit_export(hooked, "lone", in_progress("Lone"), "next and lone")
    assert sess(hooked, "mv", "base_work", "Foundation work").code == 0
    git(hooked, "add", "-A")  # mv stages the move alone, as git mv does
    assert commit(hooked, editor=True).returncode == 0
    assert subject(hooked) == "Rename 1 session, update 1 session"
    assert git(hooked, "log", "-1", "--format=%b").strip().splitlines() == [
        "- Rename session: Base work → Foundation work",
        "- Update session: Next step",
    ]
    assert sess(hooked, "mv", "lone", "Alone").code == 0
    assert sess(hooked, "commit").code == 0
    assert git(hooked, "log", "-1", "--format=%B").strip() == "Rename session: Lone → Alone"


@pytest.mark.parametrize(
    "args",
    [("-m", "my words"), ("--amend", "--no-edit"), ("-t", "TEMPLATE")],
    ids=["message", "amend", "template"],
)
def test_message_given_amend_or_template_is_never_touched(hooked, args):
    (hooked / "TEMPLATE").write_text("from the template\n")
    write(hooked, "given", in_progress("Given"))
    git(hooked, "add", ".sessions")
    assert commit(hooked, *args, edit=True).returncode == 0
    expected = {
        "-m": "my words",  # -m does not open the editor
        "--amend": "Set up sessions",  # nor does --no-edit
        "-t": "edited from the template",
    }[args[0]]
    assert subject(hooked) == expected


def test_commit_template_config_is_never_touched(hooked):
    (hooked.parent / "tmpl").write_text("team template\n")
    git(hooked, "config", "commit.template", str(hooked.parent / "tmpl"))
    write(hooked, "templated", in_progress("Templated"))
    git(hooked, "add", ".sessions")
    assert commit(hooked, edit=True).returncode == 0
    assert subject(hooked) == "edited team template"


def test_mixed_commit_gets_the_session_message_then_the_other_files(hooked):
    write(hooked, "mixed", in_progress("Mixed"))
    (hooked / "code.py").write_text("x\n")
    git(hooked, "add", "-A")
    assert commit(hooked, editor=True).returncode == 0  # issue 18: no longer git's empty message
    assert subject(hooked) == "Add session: Mixed"
    assert git(hooked, "log", "-1", "--format=%b").endswith("Also changes:\n- code.py\n\n")


# --- git sess commit ----------------------------------------------------------------------


def test_sess_commit_commits_every_changed_export_with_the_message(hooked):
    write(hooked, "one", in_progress("One"))
    result = sess(hooked, "commit")
    assert result.code == 0, result.err
    assert subject(hooked) == "Add session: One"
    assert status(hooked) == ""
    assert name("one") in committed(hooked, INDEX)


def test_sess_commit_named_export_only(hooked):
    write(hooked, "one", in_progress("One"))
    write(hooked, "two", in_progress("Two"))
    assert sess(hooked, "commit", "one").code == 0
    assert subject(hooked) == "Add session: One"
    assert f"?? .sessions/{name('two')}" in status(hooked)


def test_sess_commit_refuses_when_other_files_are_staged(hooked):
    write(hooked, "one", in_progress("One"))
    (hooked / "code.py").write_text("x\n")
    git(hooked, "add", "code.py")
    before = git(hooked, "ls-files", "-s")
    assert_one_line_error(sess(hooked, "commit"), "code.py", "--include-staged")
    assert git(hooked, "ls-files", "-s") == before
    result = sess(hooked, "commit", "--include-staged")
    assert result.code == 0
    assert "code.py" in git(hooked, "show", "--name-only", "--format=", "HEAD")


def test_sess_commit_refused_by_the_hook_restores_the_staging_area(hooked):
    write(hooked, "broken", in_progress("Broken", extra="tags: [x\n"))
    before = git(hooked, "ls-files", "-s")
    result = sess(hooked, "commit")
    assert result.code == 1
    assert "git-sess: error:" in result.err and "Traceback" not in result.err
    assert git(hooked, "ls-files", "-s") == before
    assert subject(hooked) == "Set up sessions"
    # The way around it is one this command takes (it unstaged what it staged).
    assert "hint: to commit anyway, this once: git sess commit --no-verify" in result.err
    assert "git commit --no-verify" not in result.err


def test_sess_commit_no_verify_commits_what_the_hook_refuses_with_its_index(hooked):
    write(hooked, "key", in_progress("Key", objective='password = "hunter2hunter2hunter2"'))
    assert sess(hooked, "commit").code == 1
    result = sess(hooked, "commit", "--no-verify")
    assert result.code == 0, result.err
    assert subject(hooked) == "Add session: Key"
    assert name("key") in committed(hooked, INDEX)
    assert status(hooked) == ""


def test_sess_commit_without_hooks_still_stages_the_index(repo):
    assert sess(repo, "init", "--no-hooks").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "setup")
    write(repo, "plain", in_progress("Plain"))
    assert sess(repo, "commit").code == 0
    assert name("plain") in committed(repo, INDEX)


def test_sess_commit_with_nothing_to_commit(hooked):
    assert_one_line_error(sess(hooked, "commit"), "no new or changed")


def test_sess_commit_of_an_unchanged_export_says_so(hooked):
    write(hooked, "done", in_progress("Done"))
    assert sess(hooked, "commit").code == 0
    head = git(hooked, "rev-parse", "HEAD")
    assert_one_line_error(sess(hooked, "commit", "done"), name("done"), "no changes to commit")
    assert git(hooked, "rev-parse", "HEAD") == head


def test_sess_commit_of_an_export_removed_with_git_rm(hooked):
    write(hooked, "gone", in_progress("Gone"))
    assert sess(hooked, "commit").code == 0
    git(hooked, "rm", "-q", f".sessions/{name('gone')}")
    result = sess(hooked, "commit")
    assert result.code == 0, result.err
    assert git(hooked, "log", "-1", "--format=%B") == "Remove session: Gone\n\n"  # by title
    assert name("gone") not in committed(hooked, INDEX)
    assert status(hooked) == ""


def test_sess_commit_after_git_mv_commits_both_sides_of_the_rename(hooked):
    write(hooked, "old_name", in_progress("Moved"))
    assert sess(hooked, "commit").code == 0
    git(hooked, "mv", f".sessions/{name('old_name')}", f".sessions/{name('new_name')}")
    result = sess(hooked, "commit")
    assert result.code == 0, result.err
    assert status(hooked) == ""
    assert name("new_name") in committed(hooked, INDEX)
    assert name("old_name") not in committed(hooked, INDEX)


def test_sess_commit_during_a_merge_is_refused(hooked):
    write(hooked, "shared", in_progress("Shared"))
    assert sess(hooked, "commit").code == 0
    git(hooked, "checkout", "-q", "-b", "theirs")
    write(hooked, "shared", in_progress("Theirs"))
    assert sess(hooked, "commit").code == 0
    git(hooked, "checkout", "-q", "main")
    write(hooked, "shared", in_progress("Ours"))
    assert sess(hooked, "commit").code == 0
    assert _run_git(hooked, "merge", "theirs").returncode != 0
    write(hooked, "shared", in_progress("Both"))
    before = (snapshot(hooked), git(hooked, "ls-files", "-s", "--unmerged"))
    assert_one_line_error(sess(hooked, "commit"), "a merge is in progress", "git merge --abort")
    assert (snapshot(hooked), git(hooked, "ls-files", "-s", "--unmerged")) == before


def test_failed_sess_commit_restores_the_staging_area_in_a_sha256_repository(tmp_path):
    repo = tmp_path / "sha256"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main", "--object-format=sha256")
    (repo / "README.md").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    assert sess(repo, "init").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Set up sessions")
    write(repo, "broken", in_progress("Broken", extra="tags: [x\n"))
    result = sess(repo, "commit")
    assert result.code == 1
    assert status(repo) == f"?? .sessions/{name('broken')}\n"


def test_sess_commit_include_staged_names_the_other_files(hooked):
    write(hooked, "with_code", in_progress("With code"))
    (hooked / "code.py").write_text("x\n")
    git(hooked, "add", "code.py")
    assert sess(hooked, "commit", "--include-staged").code == 0
    message = git(hooked, "log", "-1", "--format=%B")
    assert message.startswith("Add session: With code\n")
    assert "Also changes:\n- code.py\n" in message


# --- merges ------------------------------------------------------------------------------


def _two_branches(repo: Path, count: int = 3) -> None:
    git(repo, "checkout", "-q", "-b", "theirs")
    for number in range(count):
        write(repo, f"theirs_{number}", in_progress(f"Theirs {number}", date="2026-03-02"))
    git(repo, "add", "-A")
    commit(repo, "-m", "theirs")
    git(repo, "checkout", "-q", "main")
    for number in range(count):
        write(repo, f"ours_{number}", in_progress(f"Ours {number}", date="2026-03-02"))
    git(repo, "add", "-A")
    commit(repo, "-m", "ours")


def _lists_both(text: str) -> bool:
    return all(f"ours_{n}" in text and f"theirs_{n}" in text for n in range(3))


def test_merge_of_two_branches_never_conflicts_on_the_index(hooked):
    _two_branches(hooked)
    done = subprocess.run(
        ["git", "merge", "-q", "--no-edit", "theirs"], cwd=hooked, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert _lists_both(committed(hooked, INDEX))
    assert sess(hooked, "index", "--check").code == 0
    assert status(hooked) == ""


def test_rebase_never_conflicts_on_the_index(hooked):
    _two_branches(hooked)
    done = subprocess.run(
        ["git", "rebase", "-q", "theirs"], cwd=hooked, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert _lists_both(committed(hooked, INDEX))
    assert sess(hooked, "index", "--check").code == 0


def test_cherry_pick_never_conflicts_on_the_index(hooked):
    _two_branches(hooked)
    done = subprocess.run(
        ["git", "cherry-pick", "theirs"], cwd=hooked, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert _lists_both(committed(hooked, INDEX))
    assert sess(hooked, "index", "--check").code == 0


def _both_change_one_session(repo: Path) -> None:
    """main renames the session, branch `theirs` completes it: git merges the
    export cleanly, but each side changed its line of the index."""
    commit_export(repo, "shared", in_progress("Shared"), "shared")
    git(repo, "checkout", "-q", "-b", "theirs")
    commit_export(
        repo, "shared", in_progress("Shared").replace("in-progress", "complete"), "complete it"
    )
    git(repo, "checkout", "-q", "main")
    commit_export(
        repo,
        "shared",
        in_progress("Shared").replace("title: Shared", "title: Renamed"),
        "rename it",
    )


def _line_of(index_text: str, slug: str) -> str:
    return next(line for line in index_text.splitlines() if name(slug) in line)


def _run_git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_EDITOR": "true"}
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=env)


def test_merge_of_two_changes_to_one_session_commits_the_merged_line(hooked):
    _both_change_one_session(hooked)
    parents = [git(hooked, "rev-parse", rev).strip() for rev in ("main", "theirs")]
    done = _run_git(hooked, "merge", "--no-edit", "theirs")
    assert done.returncode == 0, done.stderr
    assert "regenerated the session index in the merge's commit" in done.stderr
    line = _line_of(committed(hooked, INDEX), "shared")
    assert "Renamed (feature, complete)" in line
    # Still the merge git made: its parents and message; nothing left staged.
    assert git(hooked, "rev-parse", "HEAD^1", "HEAD^2").split() == parents
    assert subject(hooked) == "Merge branch 'theirs'"
    assert status(hooked) == ""
    assert sess(hooked, "index", "--check").code == 0
    assert "git-sess: session index of the merge" in git(hooked, "reflog", "-1")


def test_merge_finished_with_no_verify_is_repaired_like_any_no_verify_commit(hooked):
    _both_change_one_session(hooked)
    done = _run_git(hooked, "merge", "--no-commit", "theirs")
    assert done.returncode == 0, done.stderr
    assert commit(hooked, "--no-verify", "-m", "merged").returncode == 0
    # The true index is staged, as after any commit that skipped the hook.
    assert "Renamed (feature, complete)" in _line_of(staged(hooked, INDEX), "shared")
    assert commit(hooked, "-m", "index").returncode == 0
    assert sess(hooked, "index", "--check").code == 0


def test_rebase_of_two_changes_to_one_session_rebuilds_each_commit(hooked):
    _both_change_one_session(hooked)
    git(hooked, "checkout", "-q", "theirs")
    commit_export(hooked, "later", in_progress("Later"), "later")
    done = _run_git(hooked, "rebase", "main")
    assert done.returncode == 0, done.stderr
    assert "regenerated the session index in the rebase's 2 commits" in done.stderr
    for rev in ("HEAD~1", "HEAD"):  # the picked commit and the one after it
        assert "Renamed (feature, complete)" in _line_of(committed(hooked, INDEX, rev), "shared")
    assert name("later") in committed(hooked, INDEX)
    assert [subject(hooked, rev) for rev in ("HEAD~1", "HEAD")] == ["complete it", "later"]
    assert status(hooked) == ""
    assert sess(hooked, "index", "--check").code == 0


def test_rebase_stopped_by_a_conflict_continues_and_ends_true(hooked):
    _both_change_one_session(hooked)
    git(hooked, "checkout", "-q", "theirs")
    commit_export(
        hooked, "shared", in_progress("Theirs too").replace("in-progress", "complete"), "retitle it"
    )
    assert _run_git(hooked, "rebase", "main").returncode != 0  # the title conflicts
    write(hooked, "shared", in_progress("Agreed").replace("in-progress", "complete"))
    git(hooked, "add", "-A")
    done = _run_git(hooked, "rebase", "--continue")
    assert done.returncode == 0, done.stderr
    assert "Agreed (feature, complete)" in _line_of(committed(hooked, INDEX), "shared")
    assert status(hooked) == ""


@pytest.mark.parametrize("picks", [["theirs"], ["theirs~1", "theirs"]])
def test_cherry_pick_of_changes_to_one_session_rebuilds_the_picks(hooked, picks):
    _both_change_one_session(hooked)
    git(hooked, "checkout", "-q", "theirs")
    commit_export(hooked, "later", in_progress("Later"), "later")
    git(hooked, "checkout", "-q", "main")
    if picks == ["theirs"]:  # one pick: the session's change comes alone
        picks = ["theirs~1"]
    done = _run_git(hooked, "cherry-pick", *picks)
    assert done.returncode == 0, done.stderr
    for back in range(len(picks)):
        line = _line_of(committed(hooked, INDEX, f"HEAD~{back}"), "shared")
        assert "Renamed (feature, complete)" in line
    assert subject(hooked, f"HEAD~{len(picks)}") == "rename it"
    assert status(hooked) == ""


def test_cherry_pick_sequence_stopped_by_a_conflict_continues_and_ends_true(hooked):
    commit_export(hooked, "shared", in_progress("Shared"), "shared")
    base = git(hooked, "rev-parse", "HEAD").strip()
    git(hooked, "checkout", "-q", "-b", "multi")
    completed = in_progress("Shared").replace("in-progress", "complete")
    commit_export(hooked, "shared", completed, "m1 complete it")
    commit_export(
        hooked, "shared", completed.replace("title: Shared", "title: Theirs"), "m2 retitle it"
    )
    commit_export(hooked, "later", in_progress("Later"), "m3 later")
    git(hooked, "checkout", "-q", "main")
    commit_export(
        hooked,
        "shared",
        in_progress("Shared").replace("title: Shared", "title: Ours"),
        "retitle it here",
    )
    assert _run_git(hooked, "cherry-pick", f"{base}..multi").returncode != 0  # on m2
    write(hooked, "shared", completed.replace("title: Shared", "title: Agreed"))
    git(hooked, "add", "-A")
    done = _run_git(hooked, "cherry-pick", "--continue")
    assert done.returncode == 0, done.stderr
    expected = {"HEAD~2": "Ours (feature, complete)", "HEAD~1": "Agreed (feature, complete)"}
    expected["HEAD"] = expected["HEAD~1"]
    for rev, line in expected.items():
        assert line in _line_of(committed(hooked, INDEX, rev), "shared"), rev
    assert name("later") in committed(hooked, INDEX)
    assert [subject(hooked, f"HEAD~{n}") for n in (2, 1, 0)] == [
        "m1 complete it",
        "m2 retitle it",
        "m3 later",
    ]
    assert status(hooked) == ""


def _index_agrees(repo: Path, rev: str) -> bool:
    """Whether the index committed in `rev` gives the title and status of the
    export `shared` committed beside it."""
    text = committed(repo, ".sessions/" + name("shared"), rev)
    title, status_ = (re.search(rf"^{key}: (.*)$", text, re.M)[1] for key in ("title", "status"))
    return f"{title} (feature, {status_})" in _line_of(committed(repo, INDEX, rev), "shared")


def _feat_retitles_then_both_add_an_insight(repo: Path) -> None:
    """Picking main..feat onto main: the retitle picks cleanly with one side's
    index line, and the insight conflicts on the last pick."""
    commit_export(repo, "shared", in_progress("Shared", objective="work"), "shared")
    git(repo, "checkout", "-q", "-b", "feat")
    commit_export(repo, "shared", in_progress("Shared by feat", objective="work"), "retitle it")
    commit_export(
        repo, "shared", in_progress("Shared by feat", objective="insight from feat"), "f insight"
    )
    git(repo, "checkout", "-q", "main")
    done = in_progress("Shared", objective="insight from main").replace("in-progress", "complete")
    commit_export(repo, "shared", done, "m insight")


@pytest.mark.parametrize("resolve", ["--continue", "commit"])
def test_cherry_pick_whose_last_pick_conflicts_stages_the_index_and_continues(hooked, resolve):
    _feat_retitles_then_both_add_an_insight(hooked)
    assert _run_git(hooked, "cherry-pick", "main..feat").returncode != 0  # on the insight
    agreed = in_progress("Shared by feat", objective="both insights").replace(
        "in-progress", "complete"
    )
    write(hooked, "shared", agreed)
    git(hooked, "add", "-A")
    # git checks, once `--continue` has committed, that HEAD is what it had
    # staged: the stale index is staged right and the user asked to run it again.
    first = _run_git(hooked, "cherry-pick", "--continue")
    assert first.returncode != 0
    assert "hint: run it again: git cherry-pick --continue" in first.stderr
    assert "--no-verify" not in first.stderr
    assert "Shared by feat (feature, complete)" in _line_of(staged(hooked, INDEX), "shared")
    if resolve == "commit":  # which ends the sequence, as git does
        done = commit(hooked, "--no-edit")
    else:
        done = _run_git(hooked, "cherry-pick", "--continue")
    assert done.returncode == 0, done.stderr
    assert "regenerated the session index in the cherry-pick's 2 commits" in done.stderr
    assert [subject(hooked, rev) for rev in ("HEAD~1", "HEAD")] == ["retitle it", "f insight"]
    assert all(_index_agrees(hooked, rev) for rev in ("HEAD~1", "HEAD"))
    assert status(hooked) == ""
    assert not (hooked / ".git" / "sequencer").exists()


def test_pick_sequence_whose_last_pick_conflicts_outside_the_sessions_ends_true(hooked):
    code = hooked / "code.txt"
    code.write_text("base\n")
    commit_export(hooked, "shared", in_progress("Shared", objective="work"), "shared and code")
    git(hooked, "checkout", "-q", "-b", "feat")
    commit_export(hooked, "shared", in_progress("Shared by feat", objective="work"), "retitle it")
    code.write_text("feat\n")
    git(hooked, "commit", "-qam", "code feat")
    git(hooked, "checkout", "-q", "main")
    commit_export(
        hooked,
        "shared",
        in_progress("Shared", objective="work").replace("in-progress", "complete"),
        "done",
    )
    code.write_text("main\n")
    git(hooked, "commit", "-qam", "code main")
    assert _run_git(hooked, "cherry-pick", "main..feat").returncode != 0  # on code.txt
    code.write_text("both\n")
    git(hooked, "add", "code.txt")
    # git sess commit is no way to finish a pick: it says which is.
    assert_one_line_error(
        sess(hooked, "commit"), "a cherry-pick stopped on a conflict", "git cherry-pick --continue"
    )
    first = _run_git(hooked, "cherry-pick", "--continue")  # the inherited index is stale
    assert "hint: run it again: git cherry-pick --continue" in first.stderr
    done = _run_git(hooked, "cherry-pick", "--continue")
    assert done.returncode == 0, done.stderr
    assert all(_index_agrees(hooked, rev) for rev in ("HEAD~1", "HEAD"))
    assert status(hooked) == ""


def test_revert_whose_last_revert_conflicts_continues_and_ends_true(hooked):
    commit_export(hooked, "shared", in_progress("Shared"), "shared")
    start = git(hooked, "rev-parse", "HEAD").strip()
    commit_export(hooked, "shared", in_progress("Shared", objective="insight"), "insight")
    commit_export(hooked, "shared", in_progress("Shared T1", objective="insight"), "retitle it")
    end = git(hooked, "rev-parse", "HEAD").strip()
    amended = in_progress("Shared T1", objective="insight, amended").replace(
        "in-progress", "complete"
    )
    commit_export(hooked, "shared", amended, "amend it")
    # The retitle reverts cleanly with one side's index line; the insight conflicts.
    assert _run_git(hooked, "revert", "--no-edit", f"{start}..{end}").returncode != 0
    write(hooked, "shared", in_progress("Shared").replace("in-progress", "complete"))
    git(hooked, "add", "-A")
    assert _run_git(hooked, "revert", "--continue").returncode != 0  # staged right
    done = _run_git(hooked, "revert", "--continue")
    assert done.returncode == 0, done.stderr
    assert "--no-verify" not in done.stderr
    assert "regenerated the session index in the revert's 2 commits" in done.stderr
    assert all(_index_agrees(hooked, rev) for rev in ("HEAD~1", "HEAD"))
    assert status(hooked) == ""


def test_pick_sequence_is_repaired_when_its_last_pick_has_no_session(hooked):
    _both_change_one_session(hooked)
    git(hooked, "checkout", "-q", "theirs")
    (hooked / "code.txt").write_text("code\n")
    git(hooked, "add", "code.txt")
    assert commit(hooked, "-m", "code").returncode == 0
    git(hooked, "checkout", "-q", "main")
    done = _run_git(hooked, "cherry-pick", "main..theirs")
    assert done.returncode == 0, done.stderr
    assert "Renamed (feature, complete)" in _line_of(committed(hooked, INDEX, "HEAD~1"), "shared")
    assert "Renamed (feature, complete)" in _line_of(committed(hooked, INDEX), "shared")


def test_a_chained_post_rewrite_hook_and_ours_both_read_the_list(repo):
    seen = repo / "seen.txt"
    hook = hooks_dir(repo) / "post-rewrite"
    hook.write_text(f"#!/bin/sh\ncat > {seen}\n")
    hook.chmod(0o755)
    assert sess(repo, "init").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Set up sessions")
    _both_change_one_session(repo)
    git(repo, "checkout", "-q", "theirs")
    done = _run_git(repo, "rebase", "main")
    assert done.returncode == 0, done.stderr
    assert "regenerated the session index in the rebase's commit" in done.stderr
    assert len(seen.read_text().splitlines()) == 1  # the legacy hook got git's list
    assert "Renamed (feature, complete)" in _line_of(committed(repo, INDEX), "shared")


def test_rebase_update_refs_says_where_the_stacked_branches_belong(hooked):
    _both_change_one_session(hooked)
    git(hooked, "checkout", "-q", "theirs")
    git(hooked, "branch", "stack")
    commit_export(hooked, "later", in_progress("Later"), "later")
    done = _run_git(hooked, "rebase", "--update-refs", "main")
    assert done.returncode == 0, done.stderr
    # git moves `stack` after every hook has run, onto the commit it made.
    made, rebuilt = (git(hooked, "rev-parse", rev).strip() for rev in ("stack", "HEAD~1"))
    assert "branches that --update-refs moves land on the commits git made" in done.stderr
    hints = [line for line in done.stderr.splitlines() if line.startswith("hint:")]
    assert hints == [f"hint: git branch -f stack {rebuilt[:12]}"]  # not one for HEAD~0
    assert made != rebuilt
    git(hooked, "branch", "-f", "stack", rebuilt[:12])
    assert "Renamed (feature, complete)" in _line_of(committed(hooked, INDEX, "stack"), "shared")


def test_rebuilt_commit_keeps_author_dates_and_message(hooked):
    _both_change_one_session(hooked)
    git(hooked, "checkout", "-q", "theirs")
    git(hooked, "commit", "-q", "--amend", "--no-verify", "-m", "complete it\n\nwhy: done")
    assert _run_git(hooked, "rebase", "main").returncode == 0
    assert "git-sess: session index of the rebase" in git(hooked, "reflog", "-1")
    shown = git(hooked, "log", "-1", "--format=%an %ae %ad %cd%n%B")
    assert shown.endswith("complete it\n\nwhy: done\n\n")
    # theirs@{1}: the commit the rebase made, before git-sess rebuilt it
    assert shown == git(hooked, "log", "-1", "--format=%an %ae %ad %cd%n%B", "theirs@{1}")


def test_signed_merge_is_not_rebuilt_and_says_so(hooked, tmp_path):
    # A stand-in for gpg: git needs only its status line and an armoured block.
    fake_gpg = tmp_path / "gpg"
    fake_gpg.write_text(
        "#!/bin/sh\ncat >/dev/null\necho '[GNUPG:] SIG_CREATED ' >&2\n"
        "printf -- '-----BEGIN PGP SIGNATURE-----\\n\\nAAAA\\n-----END PGP SIGNATURE-----\\n'\n"
    )
    fake_gpg.chmod(0o755)
    git(hooked, "config", "gpg.program", str(fake_gpg))
    git(hooked, "config", "user.signingkey", "test")
    _both_change_one_session(hooked)
    done = _run_git(hooked, "merge", "-S", "--no-edit", "theirs")
    assert done.returncode == 0, done.stderr
    assert "is signed, so its stale session index was left" in done.stderr
    assert "hint: git sess index && git add -u .sessions && git commit --amend -S" in done.stderr
    assert "gpgsig" in git(hooked, "cat-file", "commit", "HEAD")


def test_conflict_inside_an_export_is_left_to_the_user_then_indexed(hooked):
    commit_export(hooked, "shared", in_progress("Shared"), "shared")
    git(hooked, "checkout", "-q", "-b", "theirs")
    commit_export(hooked, "shared", in_progress("Shared theirs"), "t")
    git(hooked, "checkout", "-q", "main")
    commit_export(hooked, "shared", in_progress("Shared ours"), "o")
    done = subprocess.run(
        ["git", "merge", "-q", "theirs"], cwd=hooked, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "UU .sessions/" + name("shared") in status(hooked)
    assert f"UU {INDEX}" not in status(hooked)
    # Staging the file with its markers still in it is refused, naming the line.
    git(hooked, "add", "-A")
    refused = commit(hooked, "--no-edit")
    assert refused.returncode == 1
    assert f".sessions/{name('shared')}:2: unresolved merge conflict" in refused.stderr
    write(hooked, "shared", in_progress("Shared resolved"))
    git(hooked, "add", "-A")
    assert commit(hooked, "--no-edit").returncode == 0
    assert "Shared resolved" in committed(hooked, INDEX)


# --- search refresh ------------------------------------------------------------------------


def test_post_commit_refreshes_an_existing_search_index_in_the_background(hooked):
    commit_export(hooked, "first", in_progress("First", objective="zebrafish"), "first")
    assert sess(hooked, "search", "zebrafish").code == 0  # builds the index
    write(hooked, "second", in_progress("Second", objective="zebrafish again"))
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "second")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    deadline = time.monotonic() + 60
    pending = None
    while time.monotonic() < deadline:
        stats = sess(hooked, "search", "--stats", "--json")
        pending = stats.out
        if '"pending": 0' in stats.out:
            break
        time.sleep(0.2)
    assert '"pending": 0' in pending


def test_post_hooks_never_build_a_search_index(hooked):
    commit_export(hooked, "first", in_progress("First"), "first")
    git(hooked, "checkout", "-q", "-b", "other")
    time.sleep(1.0)
    assert not (hooked / ".git" / "gitsess" / "search").exists()


# --- the pre-commit framework ----------------------------------------------------------------


PROJECT = Path(__file__).resolve().parents[2]


def _project_snapshot(tmp_path: Path) -> tuple[Path, str]:
    """This checkout as it is now (uncommitted work included), as a repository
    pre-commit can clone: the framework installs hooks from a commit."""
    copy = tmp_path / "git-sess-project"
    files = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=PROJECT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for relative in filter(None, files):
        source = PROJECT / relative
        if source.is_file() and not source.is_symlink():
            target = copy / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
        elif source.is_symlink():
            target = copy / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(os.readlink(source))
    git(copy.parent, "init", "-q", "-b", "main", str(copy))
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "snapshot")
    return copy, git(copy, "rev-parse", "HEAD").strip()


def framework_install(repo: Path, tmp_path: Path) -> dict[str, str]:
    """`pre-commit install` (the real package); the environment to commit with."""
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    framework = [str(Path(os.sys.executable).parent / "pre-commit")]
    subprocess.run([*framework, "install"], cwd=repo, check=True, env=env, capture_output=True)
    return env


def commit_in(
    env: dict[str, str], repo: Path, message: str, *paths: str
) -> subprocess.CompletedProcess[str]:
    """`git commit [PATH…]` with the pre-commit framework's environment."""
    argv = ["git", "commit", "-q", "-m", message, *paths]
    return subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True)


def refuses_a_bad_export_then_commits_it_mended(env: dict[str, str], repo: Path, slug: str) -> None:
    """Under the framework: the setup commits, an export with broken YAML is
    refused with git-sess's error, and once mended it is committed and indexed."""
    git(repo, "add", "-A")
    done = commit_in(env, repo, "setup")
    assert done.returncode == 0, done.stdout + done.stderr
    write(repo, slug, in_progress(slug.title(), extra="tags: [x\n"))
    git(repo, "add", "-A")
    done = commit_in(env, repo, "bad")
    assert done.returncode != 0 and "git-sess: error:" in done.stdout + done.stderr
    write(repo, slug, in_progress(slug.title()))
    git(repo, "add", "-A")
    done = commit_in(env, repo, "good")
    assert done.returncode == 0, done.stdout + done.stderr
    assert name(slug) in committed(repo, INDEX)


@pytest.mark.long
def test_pre_commit_framework_runs_the_hook_from_pre_commit_hooks_yaml(repo, tmp_path):
    project, rev = _project_snapshot(tmp_path)
    assert sess(repo, "init", "--no-hooks").code == 0
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {project}\n  rev: {rev}\n  hooks:\n  - id: git-sess\n"
    )
    env = framework_install(repo, tmp_path)
    git(repo, "add", "-A")
    done = subprocess.run(
        ["git", "commit", "-q", "-m", "setup"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    write(repo, "framework", in_progress("Framework", extra="tags: [x\n"))
    git(repo, "add", "-A")
    done = commit_in(env, repo, "bad")
    assert done.returncode != 0 and "git-sess: error:" in done.stdout + done.stderr
    write(repo, "framework", in_progress("Framework"))
    write(repo, "untracked", in_progress("Untracked"))  # not stashed by the framework
    git(repo, "add", f".sessions/{name('framework')}")
    done = commit_in(env, repo, "good")
    assert done.returncode == 0, done.stdout + done.stderr
    assert name("framework") in committed(repo, INDEX)
    assert name("untracked") not in committed(repo, INDEX)
    assert status(repo).strip() == f"?? .sessions/{name('untracked')}"
    assert sess(repo, "index").code == 0  # the work tree's index catches up on demand
    assert name("untracked") in (repo / INDEX).read_text()


def test_pre_commit_framework_installed_before_init_runs_ours_behind_it(repo, tmp_path):
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "framework config")
    env = framework_install(repo, tmp_path)
    theirs = (hooks_dir(repo) / "pre-commit").read_bytes()
    result = sess(repo, "init")
    assert result.code == 0, result.err
    assert "installed pre-commit.legacy (the pre-commit framework runs it)" in result.out
    assert (hooks_dir(repo) / "pre-commit").read_bytes() == theirs
    assert sess(repo, "hooks", "status").out.splitlines()[0].split(None, 1) == [
        "pre-commit",
        "foreign, chaining ours (pre-commit.legacy)",
    ]
    refuses_a_bad_export_then_commits_it_mended(env, repo, "behind")
    assert sess(repo, "hooks", "uninstall").code == 0
    assert (hooks_dir(repo) / "pre-commit").read_bytes() == theirs
    assert not (hooks_dir(repo) / "pre-commit.legacy").exists()


def test_pre_commit_framework_installed_after_init_keeps_running_ours(hooked, tmp_path):
    (hooked / ".pre-commit-config.yaml").write_text("repos: []\n")
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "-m", "framework config")
    env = framework_install(hooked, tmp_path)
    # pre-commit moved our stub to pre-commit.legacy and runs it.
    status_lines = sess(hooked, "hooks", "status").out.splitlines()
    assert status_lines[0].split(None, 1) == [
        "pre-commit",
        "foreign, chaining ours (pre-commit.legacy)",
    ]
    before = {path.name: path.read_bytes() for path in hooks_dir(hooked).iterdir()}
    result = sess(hooked, "hooks", "install")
    assert result.code == 0, result.err
    assert {path.name: path.read_bytes() for path in hooks_dir(hooked).iterdir()} == before
    write(hooked, "through", in_progress("Through", extra="tags: [x\n"))
    git(hooked, "add", "-A")
    done = commit_in(env, hooked, "bad")
    assert done.returncode != 0 and "git-sess: error:" in done.stdout + done.stderr
    write(hooked, "through", in_progress("Through"))
    git(hooked, "add", "-A")
    done = commit_in(env, hooked, "good")
    assert done.returncode == 0, done.stdout + done.stderr
    assert name("through") in committed(hooked, INDEX)
    assert "git-sess" not in done.stderr  # the hooks of one commit know each other
    # `git commit FILE`: the real staging area is given the index just committed.
    write(hooked, "named", in_progress("Named"))
    git(hooked, "add", "-A")
    write(hooked, "named", in_progress("Named", objective="edited after git add"))
    done = commit_in(env, hooked, "named", f".sessions/{name('named')}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "git-sess" not in done.stderr
    assert name("named") in committed(hooked, INDEX)
    assert status(hooked) == ""
    assert (
        "removed pre-commit.legacy (your pre-commit ran it)"
        in sess(hooked, "hooks", "uninstall").out
    )
    assert not (hooks_dir(hooked) / "pre-commit.legacy").exists()
    assert (hooks_dir(hooked) / "pre-commit").read_bytes() == before["pre-commit"]


def test_a_sessions_directory_with_a_space_gets_a_working_merge_attribute(repo):
    git(repo, "config", "sess.dir", "my notes")
    result = sess(repo, "init")
    assert result.code == 0, result.err
    assert "next: git add 'my notes' .gitattributes" in result.out
    attribute = git(repo, "check-attr", "merge", "--", "my notes/session_index.md")
    assert attribute.strip().endswith("merge: git-sess-index")
    done = subprocess.run(["git", "status"], cwd=repo, capture_output=True, text=True)
    assert done.stderr == ""  # no "is not a valid attribute name"


def test_notes_in_folders_are_committed_and_the_files_beside_them_never_block(hooked):
    # Issue 16: notes kept in folders of the sessions directory, with the hand-kept
    # files people keep beside them (an index, a template, a README, a prompt).
    notes = hooked / ".sessions"
    day = notes / "2025-12-01"
    day.mkdir()
    (day / "001_claude_setup.md").write_text("# Setup\n\n**Date**: 2025-12-01\n**Status**: Done\n")
    (day / "README.md").write_text("# What the agents did that day\n")
    (notes / "SESSION_INDEX.md").write_text(
        "# My own index\n\n- [setup](2025-12-01/001_claude_setup.md)\n"
    )
    (notes / "TEMPLATE.md").write_text("# Session: <title>\n\n**Date**: YYYY-MM-DD\n")
    (notes / "_next-session-prompt-2.md").write_text("Pick up the setup.\n")
    git(hooked, "add", "-A")

    done = commit(hooked, "-m", "Notes of the first day")

    assert done.returncode == 0, done.stderr
    index = committed(hooked, ".sessions/session_index.md")
    assert "(2025-12-01/001_claude_setup.md) - Setup" in index
    assert "SESSION_INDEX" not in index and "TEMPLATE" not in index and "README" not in index
    (notes / "SESSION_INDEX.md").write_text("# My own index, edited\n")
    (notes / "TEMPLATE.md").write_text("# Session: <title>\n")
    git(hooked, "add", "-A")
    done = commit(hooked, "-m", "Edit the hand-kept index")
    assert done.returncode == 0, done.stderr
    assert status(hooked) == ""


def test_the_documented_pre_commit_configuration_works_as_written(repo, tmp_path):
    # docs/git-hooks.md's snippet, verbatim: a local hook with the git-sess on PATH.
    page = (PROJECT / "docs" / "git-hooks.md").read_text(encoding="utf-8")
    snippet = page.split("## The pre-commit framework", 1)[1].split("```yaml\n", 1)[1]
    (repo / ".pre-commit-config.yaml").write_text(snippet.split("```", 1)[0])
    assert sess(repo, "init", "--no-hooks").code == 0
    env = framework_install(repo, tmp_path)
    refuses_a_bad_export_then_commits_it_mended(env, repo, "framework")
