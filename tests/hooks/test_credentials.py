"""Credentials: the pre-commit hook reports them with every other problem in one
refusal, and `git sess check` finds them with the same scanner, so CI fails on a
pasted key (issue 18)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from builders import export_text, git_commit, session_name, state_dir, write_export
from conftest import git, sess, snapshot

GITHUB_TOKEN = "ghp_" + "a1B2c3D4" * 5
MASKED = "ghp_…D4"
SLACK_TOKEN = "xoxb-" + "1234567890-abcdefABCDEF"
ALLOW_HINT = (
    "hint: remove it (and rotate the credential if it is real), or, if it is not a secret,"
    " add <!-- git-sess: allow-secret --> to the line or run git config sess.allowSecrets true"
)


def leaky(title: str, line: str = f"token used: {GITHUB_TOKEN}", **keys: str) -> str:
    """An export whose body's first line (line 9 of the file) is `line`."""
    return export_text(title, line, **keys)


def write(repo: Path, slug: str, text: str) -> str:
    """Write `.sessions/session_20260301_<slug>.md`; returns its path from the top."""
    name = session_name(slug, "2026-03-01")
    write_export(repo, name, text)
    return f".sessions/{name}"


def check(repo: Path) -> tuple[int, list[str]]:
    """`git sess check`: exit code and the lines of the credentials it reports."""
    result = sess(repo, "check")
    assert "Traceback" not in result.err, result.err
    lines = result.out.splitlines()
    found = []
    for n, line in enumerate(lines):
        if line.endswith(" looks like a credential"):
            found += lines[n : n + 2]  # and its hint
    return result.code, found


# --- the hook: one pass ------------------------------------------------------------------


def test_credentials_are_refused_with_every_other_problem_at_once(hooked):
    broken = write(hooked, "broken", leaky("Broken", status="someday"))
    clean = write(hooked, "clean", leaky("Clean", "nothing to hide"))
    checkpoint = hooked / ".sessions" / "checkpoints" / "2026-03-01_120000_Before_ccp.md"
    checkpoint.parent.mkdir()
    checkpoint.write_text(f"# Checkpoint\n\nslack: {SLACK_TOKEN}\n")
    git(hooked, "add", "-A")
    before = snapshot(hooked), git(hooked, "ls-files", "-s")

    done = git_commit(hooked, "-m", "everything")

    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "git-sess: error: .sessions/checkpoints/2026-03-01_120000_Before_ccp.md:3:"
        " Slack token xoxb…EF looks like a credential",
        f"git-sess: error: {broken}:5: status 'someday' is not one of in-progress, complete,"
        " blocked, abandoned",
        f"git-sess: error: {broken}:9: GitHub token {MASKED} looks like a credential",
        "hint: git sess check shows each with its fix; then git add it and commit",
        "hint: to commit anyway, this once: git commit --no-verify",
    ]
    assert clean not in done.stderr
    assert (snapshot(hooked), git(hooked, "ls-files", "-s")) == before
    assert git(hooked, "log", "--format=%s") == "Set up sessions\ninitial\n"


def test_credentials_alone_get_the_hint_about_credentials(hooked):
    first = write(hooked, "first", leaky("First"))
    second = write(hooked, "second", leaky("Second", f"again: {GITHUB_TOKEN}"))
    git(hooked, "add", "-A")

    done = git_commit(hooked, "-m", "leaks")

    assert done.returncode == 1
    assert done.stderr.splitlines()[:3] == [
        f"git-sess: error: {first}:9: GitHub token {MASKED} looks like a credential",
        f"git-sess: error: {second}:9: GitHub token {MASKED} looks like a credential",
        ALLOW_HINT,
    ]
    assert GITHUB_TOKEN not in done.stderr


def test_the_hook_and_check_report_a_credential_in_the_same_words(hooked):
    path = write(hooked, "leak", leaky("Leak"))
    git(hooked, "add", "-A")
    refused = git_commit(hooked, "-m", "leak").stderr.splitlines()[0]
    code, reported = check(hooked)
    assert code == 1
    assert refused == f"git-sess: error: {path}:9: GitHub token {MASKED} looks like a credential"
    assert reported == [
        f"error: {path}:9: GitHub token {MASKED} looks like a credential",
        "  " + ALLOW_HINT,
    ]


# --- git sess check -----------------------------------------------------------------------


def test_check_fails_on_a_pasted_key_as_on_any_error(sessions):
    path = write(sessions, "leak", leaky("Leak"))
    assert sess(sessions, "index").code == 0

    result = sess(sessions, "check")

    assert result.code == 1
    assert result.out.splitlines() == [
        f"error: {path}:9: GitHub token {MASKED} looks like a credential",
        "  " + ALLOW_HINT,
        "1 session(s) checked: 1 error(s), 0 warning(s)",
    ]
    assert GITHUB_TOKEN not in result.out + result.err
    data = json.loads(sess(sessions, "check", "--json").out)
    assert data["problems"] == [
        {
            "path": path,
            "line": 9,
            "level": "error",
            "message": f"GitHub token {MASKED} looks like a credential",
            "hint": ALLOW_HINT.removeprefix("hint: "),
        }
    ]


def test_check_scans_checkpoints_notes_in_folders_and_every_other_file(sessions):
    directory = sessions / ".sessions"
    files = {
        "checkpoints/2026-03-01_120000_Before_ccp.md": "# Checkpoint\n\n",
        "archive/session_20250101_old.md": export_text("Old", date="2025-01-01") + "\n",
        "_draft.md": "# Draft\n",
        "templates/session-feature.md": "# {{title}}\n\n",
        "handoff.txt": "to do\n",
    }
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(f"{text}key: {GITHUB_TOKEN}\n")
    (directory / "picture.png").write_bytes(b"\x89PNG\0\0" + GITHUB_TOKEN.encode())  # binary
    outside = sessions.parent / "outside.md"
    outside.write_text(f"{GITHUB_TOKEN}\n")
    (directory / "linked.md").symlink_to(outside)  # never followed out of the directory
    assert sess(sessions, "index").code == 0

    code, reported = check(sessions)

    assert code == 1
    located = sorted(line.split(": ")[1] for line in reported if line.startswith("error: "))
    lines = {name: text.count("\n") + 1 for name, text in files.items()}
    assert located == sorted(f".sessions/{name}:{lines[name]}" for name in files)


def test_check_honours_the_allow_marker_and_the_setting(sessions):
    write(sessions, "marked", leaky("Marked", f"{GITHUB_TOKEN} <!-- git-sess: allow-secret -->"))
    assert sess(sessions, "index").code == 0
    assert check(sessions) == (0, [])
    write(sessions, "plain", leaky("Plain"))
    assert sess(sessions, "index").code == 0
    assert check(sessions)[0] == 1
    git(sessions, "config", "sess.allowSecrets", "true")
    assert check(sessions) == (0, [])


def test_check_is_right_after_each_edit_and_with_a_damaged_cache(sessions):
    path = sessions / write(sessions, "edited", leaky("Edited", "nothing yet"))
    assert sess(sessions, "index").code == 0
    assert check(sessions) == (0, [])
    cache = state_dir(sessions) / "secrets.json"
    assert cache.is_file()

    path.write_text(leaky("Edited"))
    reported = check(sessions)
    assert reported[1][0].startswith(f"error: {path.relative_to(sessions)}:9: GitHub token")
    assert check(sessions) == reported  # remembered, and reported the same
    kept = json.loads(cache.read_text())
    digest = hashlib.sha1(path.read_bytes()).hexdigest()
    assert list(kept["found"]) == [digest]
    malformed = [{**kept, "found": {digest: bad}} for bad in ([["9", 3]], "x", [[9]])]
    malformed.append({**kept, "clean": [[digest]], "found": {}})
    for damage in ["{not json", "", *map(json.dumps, malformed)]:
        cache.write_text(damage)
        assert check(sessions) == reported, damage

    path.write_text(leaky("Edited", "rotated, and gone"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert check(sessions) == (0, [])


def test_check_finds_the_same_credential_in_two_exports_with_the_same_text(sessions):
    one = write(sessions, "one", leaky("Same"))
    two = write(sessions, "two", leaky("Same"))
    assert sess(sessions, "index").code == 0
    code, reported = check(sessions)
    assert code == 1
    errors = [line.split(": ")[1] for line in reported if line.startswith("error: ")]
    assert errors == [f"{one}:9", f"{two}:9"]


def test_a_staged_export_with_conflict_markers_is_refused_for_the_conflict_alone(hooked):
    """The markers make its YAML invalid and its keys doubled: those are the two
    sides read together, so the hook reports, as check does, the conflict."""
    marked = write(
        hooked,
        "marked",
        "---\ntitle: Marked\ndate: 2026-03-01\ntype: feature\n"
        "<<<<<<< HEAD\nstatus: complete\n=======\nstatus: blocked\n>>>>>>> other\n"
        "tags: []\n---\n\n# Session: Marked\n",
    )
    git(hooked, "add", "-A")

    done = git_commit(hooked, "-m", "marked")

    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("git-sess: error:")]
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(f"git-sess: error: {marked}:5: unresolved merge conflict")
