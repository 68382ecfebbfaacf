"""The optional `Session:` trailer (`git config sess.trailer true`): code committed
while a session is in progress names it, for `git sess trace` (issue 18)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from builders import TEMPLATE_BODY, git_commit, message, write_code, write_session
from conftest import git, sess
from test_architecture import heavy, loaded_by

from gitsess.hooks.install import HOOKS


def trailers(repo: Path, rev: str = "HEAD") -> list[str]:
    """The values of `Session:` trailers, read as `git sess trace` reads them."""
    out = git(repo, "log", "-1", "--format=%(trailers:key=Session,valueonly)", rev)
    return [line for line in out.splitlines() if line]


# --- the Session: trailer ----------------------------------------------------------------


def commit_code(repo: Path, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Write code at `name`, stage it alone and `git commit` it with `args`."""
    write_code(repo, name)
    git(repo, "add", name)
    return git_commit(repo, *args)


def _in_progress_with_code(repo: Path) -> str:
    """A session in progress (committed), then code staged; returns the session's id."""
    session = write_session(repo, "current")
    git(repo, "add", "-A")
    assert git_commit(repo, "-m", "session").returncode == 0
    write_code(repo, "src/work.py")
    git(repo, "add", "-A")
    return session


def test_no_trailer_unless_asked_for(hooked):
    _in_progress_with_code(hooked)
    assert git_commit(hooked, "-m", "code").returncode == 0
    assert message(hooked) == "code\n\n"


def test_trailer_names_the_session_in_progress_even_with_dash_m(hooked):
    git(hooked, "config", "sess.trailer", "true")
    write_session(hooked, "finished", status="complete", date="2026-04-01")
    session = _in_progress_with_code(hooked)

    assert git_commit(hooked, "-m", "Parse the invoices").returncode == 0

    assert message(hooked) == f"Parse the invoices\n\nSession: {session}\n\n"
    assert trailers(hooked) == [session]


def test_trailer_follows_the_current_session_pointer(hooked):
    git(hooked, "config", "sess.trailer", "true")
    older = write_session(hooked, "pointed_at", status="complete")
    current = _in_progress_with_code(hooked)
    assert git_commit(hooked, "-m", "code").returncode == 0
    assert trailers(hooked) == [current]
    (hooked / ".sessions" / ".current-session").write_text(older.removesuffix(".md") + "\n")

    assert commit_code(hooked, "src/more.py", "-m", "more code").returncode == 0

    assert trailers(hooked) == [older]


def test_trailer_goes_after_the_message_the_hooks_prepared(hooked):
    git(hooked, "config", "sess.trailer", "true")
    session = write_session(hooked, "with_code")
    write_code(hooked, "app.py")
    git(hooked, "add", "-A")

    assert git_commit(hooked).returncode == 0

    assert message(hooked) == (
        f"Add session: With code\n\n{TEMPLATE_BODY}\nAlso changes:\n- app.py\n\n"
        f"Session: {session}\n\n"
    )


def test_no_trailer_for_exports_alone_or_with_no_session_in_progress(hooked):
    git(hooked, "config", "sess.trailer", "true")
    write_session(hooked, "alone")
    git(hooked, "add", "-A")
    assert git_commit(hooked, "-m", "exports alone").returncode == 0
    assert trailers(hooked) == []
    assert sess(hooked, "update", "alone", "--status", "complete").code == 0
    write_code(hooked, "code.py")
    git(hooked, "add", "-A")
    assert git_commit(hooked, "-m", "nothing in progress").returncode == 0
    assert message(hooked) == "nothing in progress\n\n"


def test_a_trailer_of_the_users_or_an_amend_never_makes_two(hooked):
    git(hooked, "config", "sess.trailer", "true")
    session = _in_progress_with_code(hooked)
    assert git_commit(hooked, "-m", "mine\n\nSession: chosen-by-hand").returncode == 0
    assert trailers(hooked) == ["chosen-by-hand"]

    assert commit_code(hooked, "src/more.py", "-m", "theirs").returncode == 0
    assert commit_code(hooked, "src/fix.py", "--amend", "--no-edit").returncode == 0
    assert trailers(hooked) == [session]


def test_an_abandoned_message_stays_empty(hooked):
    git(hooked, "config", "sess.trailer", "true")
    _in_progress_with_code(hooked)
    head = git(hooked, "rev-parse", "HEAD")
    done = git_commit(hooked, "-v")  # comments and the diff below the scissors only
    assert done.returncode != 0 and "empty commit message" in done.stderr
    assert git(hooked, "rev-parse", "HEAD") == head


def test_no_trailer_on_merges_or_picks(hooked):
    git(hooked, "config", "sess.trailer", "true")
    _in_progress_with_code(hooked)
    git(hooked, "checkout", "-q", "-b", "topic")
    (hooked / "shared.py").write_text("topic\n")
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "--no-verify", "-m", "topic")
    git(hooked, "checkout", "-q", "main")
    (hooked / "shared.py").write_text("main\n")
    git(hooked, "add", "-A")
    git(hooked, "commit", "-q", "--no-verify", "-m", "main")
    git(hooked, "branch", "picker", "main")

    # a merge that stops on a conflict, finished by the user's `git commit`
    subprocess.run(["git", "merge", "-q", "topic"], cwd=hooked, capture_output=True)
    (hooked / "shared.py").write_text("both\n")
    git(hooked, "add", "shared.py")
    assert git_commit(hooked).returncode == 0
    assert trailers(hooked) == []
    assert message(hooked).startswith("Merge branch 'topic'")

    # a cherry-pick that stops on a conflict, finished the same way
    git(hooked, "checkout", "-q", "picker")
    subprocess.run(["git", "cherry-pick", "topic"], cwd=hooked, capture_output=True)
    (hooked / "shared.py").write_text("picked\n")
    git(hooked, "add", "shared.py")
    assert git_commit(hooked).returncode == 0
    assert message(hooked) == "topic\n\n"


def test_a_value_that_is_not_a_boolean_is_reported_and_the_commit_made(hooked):
    git(hooked, "config", "sess.trailer", "sometimes")
    _in_progress_with_code(hooked)
    done = git_commit(hooked, "-m", "code")
    assert done.returncode == 0
    assert done.stderr == (
        "git-sess: warning: no Session: trailer: sess.trailer is 'sometimes', not true or false\n"
        "hint: git config sess.trailer true (or false)\n"
    )
    assert message(hooked) == "code\n\n"


def test_the_trailer_hook_never_loads_click_gitpython_or_whoosh(hooked, tmp_path):
    git(hooked, "config", "sess.trailer", "true")
    session = _in_progress_with_code(hooked)
    editmsg = hooked / ".git" / "COMMIT_EDITMSG"
    editmsg.write_text("code\n")
    found = loaded_by(hooked, tmp_path, "gitsess.hooks", "commit-msg", str(editmsg))
    assert found["code"] in (0, None)
    assert "gitsess.hooks.trailer" in found["modules"]
    assert heavy(found["modules"]) == []
    assert editmsg.read_text() == f"code\n\nSession: {session}\n"


def test_the_commit_msg_hook_is_installed_and_starts_no_python_when_off(hooked):
    assert "commit-msg" in HOOKS
    assert (hooked / ".git" / "hooks" / "commit-msg").is_file()
    marker = hooked.parent / "python-started"
    fake = hooked.parent / "fake-python"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    fake.chmod(0o755)
    stub = hooked / ".git" / "hooks" / "commit-msg"
    text = stub.read_text()
    start = text.index("python=") + len("python=")
    stub.write_text(text[:start] + str(fake) + text[text.index("\n", start) :])
    _in_progress_with_code(hooked)
    assert git_commit(hooked, "-m", "code").returncode == 0
    assert not marker.exists()  # off: no Python
    git(hooked, "config", "sess.trailer", "true")
    write_session(hooked, "only_notes")
    git(hooked, "add", "-A")
    assert git_commit(hooked, "-m", "notes").returncode == 0
    assert not marker.exists()  # on, but nothing outside the sessions directory
    write_code(hooked, "src/next.py")
    git(hooked, "add", "-A")
    assert git_commit(hooked, "-m", "code").returncode == 0
    assert marker.exists()
