"""What a user sees when something is off: each message names the problem, and
each hint is one that actually fixes it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from builders import new
from conftest import (
    FIXTURES,
    Result,
    assert_one_line_error,
    assert_refused,
    git,
    isolated_build,
    sess,
    sess_on_terminal,
)


def test_failing_editor_is_an_error_not_a_crash(sessions):
    args = ("new", "Edited", "--date", "2025-12-01", "--edit")
    result = sess_on_terminal(sessions, *args, env={"GIT_EDITOR": "false"})

    assert result.code == 1, result.err
    assert result.err.startswith(
        "git-sess: error: wrote .sessions/session_20251201_edited.md, but the editor failed"
    )
    assert "hint: open it another way" in result.err
    assert (sessions / ".sessions" / "session_20251201_edited.md").is_file()


def test_ambiguous_link_prefix_lists_the_candidates(sessions):
    new(sessions, "First", "--date", "2026-01-07")
    new(sessions, "Second", "--date", "2026-01-07")
    assert_refused(
        sessions,
        ("new", "Third", "--continues", "20260107"),
        "'20260107' matches 2 sessions: session_20260107_first.md, session_20260107_second.md",
        "hint: give more of the id",
    )


def test_link_leaving_the_sessions_directory_is_named_as_such(sessions):
    result = sess(sessions, "new", "Escape", "--requires", "../../etc/passwd")
    assert_one_line_error(result, "link '../../etc/passwd' is not a session id")


def test_undated_legacy_export_hint_does_not_send_the_user_in_circles(sessions):
    (sessions / ".sessions" / "random_notes.md").write_text("# Session: Notes\n\nText.\n")
    result = sess(sessions, "check")
    assert "error: .sessions/random_notes.md: no date" in result.out
    assert "hint: add a line '**Date**: YYYY-MM-DD' under the title" in result.out
    assert "import" not in result.out.split("random_notes.md: no date", 1)[1].splitlines()[1]


def test_update_of_an_empty_file_says_it_is_empty(sessions):
    (sessions / ".sessions" / "session_20260101_empty.md").write_bytes(b"")
    result = sess(sessions, "update", "empty", "--status", "complete")
    assert_one_line_error(result, "session_20260101_empty.md: empty file", "write the export")


def test_show_takes_a_path_from_the_top_while_in_a_subdirectory(sessions):
    path = str(new(sessions, "Deep", "--date", "2026-01-01").relative_to(sessions.resolve()))
    subdirectory = sessions / "src" / "deep"
    subdirectory.mkdir(parents=True)

    for ref in (path, "../../" + path):
        result = sess(subdirectory, "show", ref)
        assert result.code == 0, (ref, result.err)
        assert result.out.startswith("id:        session_20260101_deep.md\n")


def test_template_with_its_own_frontmatter_is_refused(sessions):
    templates = sessions / ".sessions" / "templates"
    templates.mkdir()
    (templates / "session-bug.md").write_text("---\ntitle: {{title}}\n---\n# {{title}}\n")
    assert_refused(
        sessions,
        ("new", "Crash", "--type", "bug"),
        "session-bug.md:1: a session template holds the body only",
        "remove the --- block",
    )


def test_emoji_title_is_written_as_it_is(sessions):
    path = new(sessions, "Launch 🚀", "--date", "2026-01-01")
    assert "title: Launch 🚀\n" in path.read_text(encoding="utf-8")


def test_one_long_title_does_not_stretch_the_table(sessions):
    new(sessions, "A" * 200, "--date", "2026-01-01", "--tag", "x")
    new(sessions, "Short", "--date", "2026-01-02", "--tag", "y")
    lines = sess(sessions, "list").out.splitlines()
    assert "A" * 60 not in sess(sessions, "list").out
    assert lines[1].endswith("A" * 59 + "…  x")
    assert lines[0].endswith("Short" + " " * 57 + "y")


def test_update_without_changes_is_a_usage_error(sessions):
    new(sessions, "Work", "--date", "2026-01-01")
    result = sess(sessions, "update", "work")
    assert_one_line_error(result, "nothing to change: give --status", code=2)


def test_removing_a_tag_that_is_not_there_says_so(sessions):
    new(sessions, "Work", "--date", "2026-01-01", "--tag", "ml")
    result = sess(sessions, "update", "work", "--remove-tag", "nothere", "--status", "complete")
    assert result.code == 0
    assert result.err == "note: tag 'nothere' was not set\n"


def test_listing_by_an_unknown_status_warns(sessions):
    new(sessions, "Work", "--date", "2026-01-01")
    result = sess(sessions, "list", "--status", "nope")
    assert (result.code, result.out) == (0, "no sessions match\n")
    assert "status 'nope' is not in the vocabulary (in-progress, complete" in result.err


@pytest.mark.parametrize("tag", ["a,b", "has space", "[x]"])
def test_tags_must_be_single_words(sessions, tag):
    assert_refused(sessions, ("new", "Work", "--tag", tag), f"tag {tag!r} is not one word")


def test_compact_dates_mean_the_same_on_every_python(sessions):
    path = sessions / ".sessions" / "session_20260101_compact.md"
    path.write_text("---\ntitle: C\ndate: 20260101\ntype: feature\nstatus: complete\n---\n")
    problems = json.loads(sess(sessions, "check", "--json").out)["problems"]
    assert (3, "date '20260101' is not a date") in [(p["line"], p["message"]) for p in problems]


def test_token_share_is_rounded_like_the_hand_written_figure(legacy_repo):
    shown = sess(legacy_repo, "show", "ocr_fallback").out
    assert "tokens:    143,977 / 200,000 (72%)\n" in shown


def test_import_keeps_the_hand_written_index_heading(legacy_repo):
    assert sess(legacy_repo, "import").code == 0
    index = (legacy_repo / ".sessions" / "session_index.md").read_text()
    assert index.splitlines()[1] == "# Ledger Session Index"


def test_import_from_elsewhere_stages_pure_renames_for_history(repo):
    docs = repo / "docs" / "sessions"
    docs.mkdir(parents=True)
    small = "# Session: Tiny\n**Date**: 2026-01-05\n\nShort.\n"
    (docs / "session_20260105_tiny.md").write_text(small)
    git(repo, "add", "docs")
    git(repo, "commit", "-q", "-m", "notes by hand")
    assert sess(repo, "init").code == 0

    result = sess(repo, "import", "docs/sessions")

    assert result.code == 0, result.err
    assert "The moves are staged, the frontmatter is not" in result.out
    assert not (repo / "docs").exists()  # the emptied folders went too
    assert git(repo, "diff", "--cached", "--name-status", "-M").splitlines()[0] == (
        "R100\tdocs/sessions/session_20260105_tiny.md\t.sessions/session_20260105_tiny.md"
    )
    git(repo, "commit", "-q", "-m", "Move session exports")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Frontmatter")
    log = git(repo, "log", "--follow", "--format=%s", "--", ".sessions/session_20260105_tiny.md")
    assert log.splitlines() == ["Frontmatter", "Move session exports", "notes by hand"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """`git sess demo` run once for this module, by a user whose git config would get in its
    way if the demo read it: sessions in another directory, commits that must be signed."""
    with isolated_build(tmp_path_factory) as place:
        config = place / "gitconfig"
        config.write_text("[sess]\n\tdir = notes\n[commit]\n\tgpgsign = true\n")
        result = sess(place, "demo", str(place / "demo"), env={"GIT_CONFIG_GLOBAL": str(config)})
    return place / "demo", result


def test_demo_ignores_the_users_git_config(demo):
    directory, result = demo
    assert result.code == 0, result.err
    assert (directory / ".sessions" / "session_index.md").is_file()


def test_unclosed_frontmatter_stops_import_cleanly(sessions):
    shutil.copy(FIXTURES / "legacy" / "session_20260210_invoice_parser.md", sessions / ".sessions")
    path = sessions / ".sessions" / "session_20260301_open.md"
    path.write_text("---\ntitle: Open\n# Session: Open\n")
    assert_refused(
        sessions,
        ("import", ".sessions/session_20260301_open.md"),
        "session_20260301_open.md:1: the frontmatter opened",
    )


def test_no_vocabulary_warning_when_sessions_match(sessions):
    path = sessions / ".sessions" / "session_20260101_spike.md"
    path.write_text("---\ntitle: S\ndate: 2026-01-01\ntype: spike\nstatus: complete\n---\n")
    result = sess(sessions, "list", "--type", "spike")
    assert result.code == 0
    assert "session_20260101_spike.md" in result.out
    assert "vocabulary" not in result.err


def test_small_size_limit_is_reported_in_bytes(sessions):
    new(sessions, "Work", "--date", "2026-01-01")
    assert "over the" not in sess(sessions, "check").out
    git(sessions, "config", "sess.maxExportSize", "100")
    out = sess(sessions, "check").out
    assert "over the 100 bytes limit" in out


def test_import_from_elsewhere_sets_up_the_sessions_directory(repo):
    docs = repo / "docs"
    docs.mkdir()
    (docs / "session_20260105_tiny.md").write_text("# Session: Tiny\n**Date**: 2026-01-05\n")

    result = sess(repo, "import", "docs")

    assert result.code == 0, result.err
    assert result.out.startswith("created .sessions/\n")
    assert (repo / ".sessions" / "session_20260105_tiny.md").is_file()
    assert sess(repo, "check").code == 0


def test_demo_index_has_a_fixed_project_name(demo):
    directory, result = demo
    assert result.code == 0, result.err
    index = (directory / ".sessions" / "session_index.md").read_text()
    assert index.splitlines()[1] == "# demo Session Index"
    assert "Initialized empty Git repository in" in result.out
