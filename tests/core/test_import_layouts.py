"""`git sess import` of whole collections: folders, globs, names, references, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import read_export
from conftest import assert_one_line_error, copy_repository, git, sess, snapshot

NOTE = "# {title}\n\n**Date**: {date}\n**Status**: Done\n\n## Goal\nShip {title}.\n"


def note(title: str, date: str, extra: str = "") -> str:
    return NOTE.format(title=title, date=date) + extra


def commit_all(repo: Path, message: str = "notes kept by hand") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def write(repo: Path, path: str, text: str | bytes) -> Path:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return target


def listed(repo: Path) -> dict[str, dict]:
    result = sess(repo, "list", "--json")
    assert result.code == 0, result.err
    return {entry["id"]: entry for entry in json.loads(result.out)}


@pytest.fixture
def docs(repo: Path) -> Path:
    """docs/sessions/ with an archive/ folder and a README linking every note."""
    write(repo, "docs/sessions/2026-06-05-a.md", note("Alpha", "2026-06-05"))
    write(
        repo,
        "docs/sessions/2026-06-08-b.md",
        note("Beta", "2026-06-08", "\nContinued from 2026-06-05-a.md.\n"),
    )
    write(
        repo, "docs/sessions/retro.md", note("Sprint retro", "2026-06-09", "\nSee archive/old.md\n")
    )
    write(repo, "docs/sessions/archive/old.md", note("Old work", "2026-01-02"))
    write(
        repo,
        "docs/sessions/README.md",
        "# Notes\n\n- [Alpha](2026-06-05-a.md)\n- [Retro](./retro.md)\n- [Old](archive/old.md)\n",
    )
    commit_all(repo)
    return repo


def test_a_folder_comes_in_with_its_subfolders_and_the_readme_stays(docs):
    result = sess(docs, "import", "docs/sessions")

    assert result.code == 0, result.err
    assert sorted(listed(docs)) == [
        "2026-06-05-a.md",
        "2026-06-08-b.md",
        "archive/session_20260102_old_work.md",
        "session_20260609_sprint_retro.md",
    ]
    assert "left docs/sessions/README.md: a read-me, not a note" in result.out
    readme = (docs / "docs/sessions/README.md").read_text()
    assert readme == (
        "# Notes\n\n- [Alpha](../../.sessions/2026-06-05-a.md)\n"
        "- [Retro](../../.sessions/session_20260609_sprint_retro.md)\n"
        "- [Old](../../.sessions/archive/session_20260102_old_work.md)\n"
    )
    assert "rewrote references in docs/sessions/README.md" in result.out
    retro = (docs / ".sessions/session_20260609_sprint_retro.md").read_text()
    assert retro.endswith("\nSee archive/session_20260102_old_work.md\n")
    assert sess(docs, "check").code == 0


def test_history_follows_every_moved_note(docs):
    sess(docs, "import", "docs/sessions")
    git(docs, "commit", "-q", "-m", "Move the notes")  # the staged renames alone
    for path in (".sessions/2026-06-05-a.md", ".sessions/archive/session_20260102_old_work.md"):
        log = git(docs, "log", "--follow", "--format=%s", "--", path).splitlines()
        assert log == ["Move the notes", "notes kept by hand"]


def test_dry_run_lists_everything_and_changes_nothing(docs):
    before, status = snapshot(docs), git(docs, "status", "--porcelain")

    result = sess(docs, "import", "--dry-run", "docs/sessions")

    assert result.code == 0, result.err
    assert snapshot(docs) == before and git(docs, "status", "--porcelain") == status
    assert "would move docs/sessions/retro.md -> .sessions/session_20260609_sprint_retro.md" in (
        result.out
    )
    assert "would add to .sessions/archive/session_20260102_old_work.md:" in result.out
    assert "would rewrite references in docs/sessions/README.md" in result.out
    assert "left docs/sessions/README.md: a read-me, not a note" in result.out
    assert "git sess link 2026-06-08-b.md --continues 2026-06-05-a.md" in result.out
    assert not (docs / ".sessions").exists()


def test_rename_names_every_note_by_date_and_title_in_the_sessions_directory(docs):
    result = sess(docs, "import", "--rename", "docs/sessions")
    assert result.code == 0, result.err
    assert sorted(listed(docs)) == [
        "session_20260102_old_work.md",
        "session_20260605_alpha.md",
        "session_20260608_beta.md",
        "session_20260609_sprint_retro.md",
    ]
    beta = (docs / ".sessions/session_20260608_beta.md").read_text()
    assert "Continued from session_20260605_alpha.md." in beta
    assert (
        "[Old](../../.sessions/session_20260102_old_work.md)"
        in (docs / "docs/sessions/README.md").read_text()
    )


def test_accept_links_adds_what_the_text_asks_for(docs):
    result = sess(docs, "import", "--accept-links", "docs/sessions")
    assert result.code == 0, result.err
    sessions = listed(docs)
    assert sessions["2026-06-08-b.md"]["continuation_of"] == "2026-06-05-a.md"
    assert sessions["session_20260609_sprint_retro.md"]["prerequisite_sessions"] == [
        "archive/session_20260102_old_work.md"
    ]
    assert sess(docs, "check").code == 0
    assert sess(docs, "import", "--accept-links").out == "nothing to import\n"


def test_a_glob_and_files_at_the_top(repo):
    for name in ("SESSION_SUMMARY_20241203.md", "SPRINT_SUMMARY_20251201.md"):
        write(repo, name, "# Summary: Work done\n\nWe shipped it.\n")
    write(repo, "CHANGELOG.md", "# Changelog\n")
    commit_all(repo)

    result = sess(repo, "import", "*_SUMMARY_*.md")  # quoted: import expands it

    assert result.code == 0, result.err
    sessions = listed(repo)
    assert sorted(sessions) == ["SESSION_SUMMARY_20241203.md", "SPRINT_SUMMARY_20251201.md"]
    assert sessions["SESSION_SUMMARY_20241203.md"]["date"] == "2024-12-03"
    assert (repo / "CHANGELOG.md").exists()


def test_a_folder_per_session_and_a_date_only_in_the_folder(repo):
    write(repo, ".sessions/Session_2025-11-17_Auth/SESSION_SUMMARY.md", "# Auth rework\n\nDone.\n")
    write(repo, ".sessions/Session_2025-11-17_Auth/README.md", "# What is here\n")
    write(repo, ".sessions/Session_2025-11-20_Cache/SESSION_SUMMARY.md", "# Cache\n\nWIP.\n")
    commit_all(repo)

    result = sess(repo, "import")

    assert result.code == 0, result.err
    sessions = listed(repo)
    assert sorted(sessions) == [
        "Session_2025-11-17_Auth/SESSION_SUMMARY.md",
        "Session_2025-11-20_Cache/SESSION_SUMMARY.md",
    ]
    assert sessions["Session_2025-11-17_Auth/SESSION_SUMMARY.md"]["date"] == "2025-11-17"
    assert (repo / ".sessions/Session_2025-11-17_Auth/README.md").read_text() == "# What is here\n"


def test_adopted_in_place_every_command_reads_the_notes_without_an_import(repo):
    base = ".claude/sessions"
    write(repo, f"{base}/2025-12-01/001_claude_setup.md", "# Setup\n\n**Status**: Done\n")
    write(
        repo,
        f"{base}/2025-12-02/002_codex_tests.md",
        "# Tests\n\nfollows 001_claude_setup.md\n**Status**: WIP\n",
    )
    write(repo, f"{base}/2025-12-02/001_claude_docs.md", "# Docs\n\n**Status**: WIP\n")
    write(repo, f"{base}/.current-session", "2025-12-02/001_claude_docs.md\n")
    write(repo, f"{base}/README.md", "# how we keep notes\n")
    commit_all(repo)
    git(repo, "config", "sess.dir", base)

    ids = ["2025-12-02/001_claude_docs.md", "2025-12-02/002_codex_tests.md"]
    assert sorted(listed(repo)) == ["2025-12-01/001_claude_setup.md", *ids]
    assert sess(repo, "show", "002_codex").out.startswith(
        "id:        2025-12-02/002_codex_tests.md"
    )
    assert "Tests" in sess(repo, "search", "tests").out
    assert sess(repo, "index").code == 0
    assert "(2025-12-01/001_claude_setup.md)" in (repo / base / "session_index.md").read_text()
    assert sess(repo, "check").code == 0
    for command in ("graph", "timeline"):
        assert sess(repo, command).code == 0
    # .current-session names the work in progress, though another is newer by name.
    context = sess(repo, "context", "--format", "paths")
    assert context.code == 0, context.err
    assert context.out.splitlines()[-1] == f"{base}/2025-12-02/001_claude_docs.md"
    (repo / base / ".current-session").write_text("002_codex_tests.md\n")  # the name alone
    context = sess(repo, "context", "--format", "paths").out.splitlines()
    assert context == [f"{base}/{ids[1]}"]


# --- bad input ---------------------------------------------------------------------------

BAD = {
    "utf16.md": ("note".encode("utf-16"), "is UTF-16 text; notes are read as UTF-8"),
    "nul.md": (b"# Title\n**Date**: 2026-01-01\n\x00\x00", ":3: holds a NUL byte"),
    "empty.md": (b"\n\n", "the file is empty"),
    "latin1.md": (b"# Caf\xe9\n**Date**: 2026-01-01\n", ":1: not valid UTF-8"),
    "undated.md": (b"# Something\n\nNo date anywhere.\n", "no date in the text"),
}


def test_files_that_cannot_be_read_are_skipped_and_the_rest_imported(repo):
    for name, (data, _) in BAD.items():
        write(repo, f"notes/{name}", data)
    write(repo, "notes/2026-01-03-good.md", note("Good", "2026-01-03"))
    write(repo, "notes/crlf.md", note("Windows", "2026-01-04").replace("\n", "\r\n"))
    commit_all(repo)

    result = sess(repo, "import", "notes")

    assert_one_line_error(result, "5 files skipped")
    for name, (data, reason) in BAD.items():
        line = next(line for line in result.out.splitlines() if f"notes/{name}" in line)
        assert line.startswith("skipped ") and reason in line, line
        assert (repo / "notes" / name).read_bytes() == data
    assert "iconv -f UTF-16 -t UTF-8" in result.out
    assert sorted(listed(repo)) == ["2026-01-03-good.md", "session_20260104_windows.md"]
    crlf = (repo / ".sessions/session_20260104_windows.md").read_bytes()
    assert crlf.endswith(note("Windows", "2026-01-04").replace("\n", "\r\n").encode())


@pytest.mark.parametrize(
    "name",
    [
        "2026-02-01 notes with spaces.md",
        "2026-02-01: colons.md",
        "2026-02-01 \"quoted\" 'notes'.md",
        "2026-02-01 from A to B.md",
        "2026-02-01-café-Größe.md",
    ],
)
def test_odd_file_names_are_imported(repo, name):
    write(repo, f"notes/{name}", note("Odd", "2026-02-01"))
    commit_all(repo)
    result = sess(repo, "import", "notes")
    assert result.code == 0, result.err
    assert list(listed(repo)) == [name]
    assert git(repo, "diff", "--cached", "--name-status", "-M").startswith("R100")


def test_a_name_that_is_not_utf8_gets_a_name_from_date_and_title(repo):
    (repo / "notes").mkdir()
    (repo / "notes").joinpath(
        b"2026-02-01-caf\xe9.md".decode("utf-8", "surrogateescape")
    ).write_text(note("Cafe", "2026-02-01"))
    result = sess(repo, "import", "notes")
    assert result.code == 0, result.err
    assert "moved notes/2026-02-01-caf\\xe9.md -> .sessions/session_20260201_cafe.md" in result.out
    assert list(listed(repo)) == ["session_20260201_cafe.md"]


def test_two_notes_that_map_to_one_id_both_come_in(repo):
    write(repo, "a/2026-03-01-plan.md", note("Plan", "2026-03-01"))
    write(repo, "b/2026-03-01-plan.md", note("Plan again", "2026-03-01"))
    write(repo, "c/SUMMARY.md", note("Plan", "2026-03-01"))
    write(repo, "d/SUMMARY.md", note("Plan", "2026-03-01"))
    commit_all(repo)

    result = sess(repo, "import", "a", "b", "c", "d")

    assert result.code == 0, result.err
    assert sorted(listed(repo)) == [
        "2026-03-01-plan.md",
        "2026-03-01-plan_2.md",
        "session_20260301_plan.md",
        "session_20260301_plan_2.md",
    ]


def test_an_import_with_nothing_here_says_where_notes_are(repo):
    write(repo, ".claude/sessions/2026-01-01-x.md", note("X", "2026-01-01"))
    result = sess(repo, "import")
    assert_one_line_error(result, ".claude/sessions", "git sess import .claude/sessions")


def test_a_path_that_names_nothing_is_skipped_not_fatal(repo):
    write(repo, "notes/2026-01-03-good.md", note("Good", "2026-01-03"))
    result = sess(repo, "import", "notes", "nowhere", "missing-*.md")
    assert_one_line_error(result, "2 files skipped")
    assert "skipped nowhere: no such file or directory" in result.out
    assert "skipped missing-*.md: no file matches" in result.out
    assert list(listed(repo)) == ["2026-01-03-good.md"]


def test_a_symlink_in_a_collection_is_skipped(repo, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("# Secret\n**Date**: 2026-01-01\n")
    write(repo, "notes/2026-01-03-good.md", note("Good", "2026-01-03"))
    (repo / "notes/2026-01-04-link.md").symlink_to(secret)
    result = sess(repo, "import", "notes")
    assert "skipped notes/2026-01-04-link.md: is a symbolic link" in result.out
    assert list(listed(repo)) == ["2026-01-03-good.md"]
    assert secret.read_text() == "# Secret\n**Date**: 2026-01-01\n"


def test_a_partial_frontmatter_gets_the_keys_it_lacks(repo):
    text = "---\ntags: [search]\nauthor: kim\n---\n# Search backend\n\n**Date**: 2026-06-08\n"
    write(repo, ".sessions/2026-06-08-search.md", text)
    result = sess(repo, "import")
    assert result.code == 0, result.err
    meta, body = read_export(repo / ".sessions/2026-06-08-search.md")
    assert (meta["title"], str(meta["date"]), meta["tags"], meta["author"]) == (
        "Search backend",
        "2026-06-08",
        ["search"],
        "kim",
    )
    assert body == "# Search backend\n\n**Date**: 2026-06-08\n"


@pytest.mark.parametrize("step", [1, 3, 6, 9])
def test_an_interrupted_import_is_finished_by_the_next_command(docs, step):
    clean = copy_repository(docs, docs.parent / "clean" / docs.name)
    assert sess(clean, "import", "docs/sessions").code == 0

    killed = sess(docs, "import", "docs/sessions", env={"GIT_SESS_FAULT_STEP": str(step)})
    assert killed.code == 137
    result = sess(docs, "list")

    assert result.err.startswith("git-sess: finished an interrupted import"), result.err
    assert sess(docs, "check").code == 0  # the index too is as the import leaves it
    assert snapshot(docs) == snapshot(clean)
    assert git(docs, "status", "--porcelain") == git(clean, "status", "--porcelain")


def test_an_import_stopped_by_ctrl_c_says_so_and_the_next_command_finishes_it(docs):
    stopped = sess(docs, "import", "docs/sessions", env={"GIT_SESS_FAULT_STEP": "5:interrupt"})
    assert stopped.code == 130
    assert stopped.err.startswith(
        "git-sess: warning: interrupted: the import is journaled;"
        " the next git sess command finishes it\n"
    )
    result = sess(docs, "check")
    assert result.code == 0, result.out + result.err
    assert result.err.startswith("git-sess: finished an interrupted import")
    assert sorted(listed(docs)) == [
        "2026-06-05-a.md",
        "2026-06-08-b.md",
        "archive/session_20260102_old_work.md",
        "session_20260609_sprint_retro.md",
    ]


def test_rename_in_place_rewrites_the_files_beside_the_notes(repo):
    write(repo, ".sessions/2026-06-01-setup.md", note("Setup", "2026-06-01"))
    write(repo, ".sessions/2026-06-08-docs-pass.md", note("Docs pass", "2026-06-08"))
    write(repo, ".sessions/SESSION_INDEX.md", "| 06-01 | [Setup](2026-06-01-setup.md) |\n")
    write(repo, ".sessions/_next-session-prompt-3.md", "Read .sessions/2026-06-08-docs-pass.md\n")
    write(repo, ".sessions/.current-session", "2026-06-08-docs-pass.md\n")
    commit_all(repo)

    result = sess(repo, "import", "--rename")

    assert result.code == 0, result.err
    notes = repo / ".sessions"
    assert (notes / "SESSION_INDEX.md").read_text() == (
        "| 06-01 | [Setup](session_20260601_setup.md) |\n"
    )
    assert (notes / "_next-session-prompt-3.md").read_text() == (
        "Read .sessions/session_20260608_docs_pass.md\n"
    )
    assert (notes / ".current-session").read_text() == "session_20260608_docs_pass.md\n"
    assert "left .sessions/SESSION_INDEX.md" not in result.out  # not walked: nothing to say
    context = sess(repo, "context", "--format", "paths")
    assert context.out == ".sessions/session_20260608_docs_pass.md\n"


def test_references_anywhere_in_the_repository_follow_the_notes(repo):
    for name in ("SESSION_SUMMARY_20241203.md", "SESSION_SUMMARY_20241204.md"):
        write(repo, name, "# Summary: Work done\n\nWe shipped it.\n")
    write(
        repo,
        "README.md",
        "See SESSION_SUMMARY_20241204.md and [the first](SESSION_SUMMARY_20241203.md).\n",
    )
    write(repo, "docs/sessions/2026-01-15 итоги недели.md", note("Итоги", "2026-01-15"))
    write(repo, "docs/sessions/index.md", "- [Итоги недели](2026-01-15%20итоги%20недели.md)\n")
    write(repo, "docs/README.md", "Notes: [итоги](sessions/2026-01-15%20итоги%20недели.md)\n")
    commit_all(repo)

    result = sess(repo, "import", "SESSION_SUMMARY_20241203.md", "SESSION_SUMMARY_20241204.md")
    assert result.code == 0, result.err
    assert (repo / "README.md").read_text() == (
        "See .sessions/SESSION_SUMMARY_20241204.md and"
        " [the first](.sessions/SESSION_SUMMARY_20241203.md).\n"
    )
    result = sess(repo, "import", "docs/sessions")
    assert result.code == 0, result.err
    assert (repo / "docs/sessions/index.md").read_text() == (
        "- [Итоги недели](../../.sessions/2026-01-15%20итоги%20недели.md)\n"
    )
    assert (repo / "docs/README.md").read_text() == (
        "Notes: [итоги](../.sessions/2026-01-15%20итоги%20недели.md)\n"
    )


def test_another_tools_frontmatter_reads_as_a_hand_kept_note(repo):
    text = "---\ntags: [work]\naliases: []\n---\n# Obsidian note\n\n**Status**: done\n"
    write(repo, ".sessions/2026-03-04-obsidian.md", text)
    (repo / ".sessions/session_index.md").write_text("")
    assert sess(repo, "index").code == 0
    session = listed(repo)["2026-03-04-obsidian.md"]
    assert (session["title"], session["date"], session["status"], session["legacy"]) == (
        "Obsidian note",
        "2026-03-04",
        "complete",
        True,
    )
    assert session["tags"] == ["work"]
    assert sess(repo, "check").code == 0


def test_names_git_would_read_as_patterns_are_moved_as_they_are(repo):
    # The index entries of all moved files move in one git call: a name holding
    # `*`, `?` or `[` must be taken literally, not as a pattern.
    for name in ("2026-04-01 [draft] notes.md", "2026-04-02 what?.md", "2026-04-03 *.md"):
        write(repo, f"notes/{name}", note("Odd", name[:10]))
    write(repo, "notes/2026-04-01 x notes.md", note("Other", "2026-04-01"))
    commit_all(repo)
    result = sess(repo, "import", "notes")
    assert result.code == 0, result.err
    staged = git(repo, "diff", "--cached", "--name-status", "-M").splitlines()
    assert sorted(line.split("\t")[0] for line in staged) == ["R100"] * 4
    assert len(listed(repo)) == 4
