"""`git sess import`: frontmatter for hand-written exports, bodies kept byte for byte."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from builders import read_export
from conftest import FIXTURES, assert_one_line_error, git, sess, snapshot

LEGACY = FIXTURES / "legacy"
INVOICE = "session_20260210_invoice_parser.md"
OCR = "session_20260214_ocr_fallback.md"
NIGHTLY = "session_20260220_nightly_import.md"
INDEX = ".sessions/session_index.md"
SUGGESTION = f"git sess link {OCR} --continues {INVOICE}"

EXPECTED = {
    INVOICE: {
        "title": "Invoice PDF Parser",
        "date": dt.date(2026, 2, 10),
        "status": "in-progress",
        "tokens": 91204,
        "token_limit": 200000,
    },
    OCR: {
        "title": "OCR fallback for scanned invoices",
        "date": dt.date(2026, 2, 14),
        "status": "complete",
        "tokens": 143977,
        "token_limit": 200000,
        "duration": "~2 hours",
    },
    NIGHTLY: {
        "title": "Nightly import job",
        "date": dt.date(2026, 2, 20),
        "status": "blocked",
        "tokens": 38410,
        "token_limit": 200000,
    },
}


def imported(repo: Path, name: str) -> tuple[dict, str]:
    return read_export(repo / ".sessions" / name)


def run_import(repo: Path, *args: str) -> str:
    result = sess(repo, "import", *args)
    assert result.code == 0, (result.out, result.err)
    assert "Traceback" not in result.err
    return result.out


# --- the legacy fixtures -----------------------------------------------------------------


def test_dry_run_writes_nothing_and_prints_the_frontmatter(legacy_repo):
    before = snapshot(legacy_repo)
    status = git(legacy_repo, "status", "--porcelain")

    out = run_import(legacy_repo, "--dry-run")

    assert snapshot(legacy_repo) == before
    assert git(legacy_repo, "status", "--porcelain") == status
    assert f"would add to .sessions/{INVOICE}:" in out
    for name, expected in EXPECTED.items():
        header = f"would add to .sessions/{name}:\n"
        assert header in out
        block = out.split(header, 1)[1]
        assert block.startswith("---\n")
        printed = yaml.safe_load(block[4:].split("\n---\n", 1)[0])
        assert {key: printed.get(key) for key in expected} == expected
    assert SUGGESTION in out


def test_dry_run_prints_what_the_real_import_writes(legacy_repo):
    out = run_import(legacy_repo, "--dry-run")
    run_import(legacy_repo)
    for name in EXPECTED:
        text = (legacy_repo / ".sessions" / name).read_text(encoding="utf-8")
        frontmatter = text[: len(text) - len((LEGACY / name).read_text(encoding="utf-8"))]
        assert f"would add to .sessions/{name}:\n{frontmatter}" in out


def test_import_keeps_every_body_byte_for_byte(legacy_repo):
    run_import(legacy_repo)
    for name in EXPECTED:
        data = (legacy_repo / ".sessions" / name).read_bytes()
        original = (LEGACY / name).read_bytes()
        assert data.endswith(original)
        frontmatter = data[: len(data) - len(original)].decode()
        assert frontmatter.startswith("---\n") and frontmatter.endswith("\n---\n")
        assert read_export(data.decode())[1] == original.decode()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_import_infers_the_frontmatter(legacy_repo, name):
    run_import(legacy_repo)
    meta, _ = imported(legacy_repo, name)
    assert {key: meta.get(key) for key in EXPECTED[name]} == EXPECTED[name]
    assert meta["type"] == "feature"
    assert meta["continuation_of"] is None
    assert meta["prerequisite_sessions"] == []


def test_after_import_check_passes_and_the_index_lists_all_three(legacy_repo):
    out = run_import(legacy_repo)
    assert f"kept the hand-written index as {INDEX}.orig" in out

    result = sess(legacy_repo, "check")
    assert (result.code, result.out) == (0, "3 session(s) checked: 0 error(s), 0 warning(s)\n")
    index = (legacy_repo / INDEX).read_text(encoding="utf-8")
    entries = [line for line in index.splitlines() if line.startswith("- ")]
    assert [entry.split("`")[1] for entry in entries] == [NIGHTLY, OCR, INVOICE]
    assert (legacy_repo / f"{INDEX}.orig").read_bytes() == (
        LEGACY / "session_index.md"
    ).read_bytes()


def test_mentioned_session_is_suggested_and_never_linked(legacy_repo):
    out = run_import(legacy_repo)
    assert out.splitlines()[-2:] == [
        "The text names other sessions; links suggested (not added)."
        " Add them all: git sess import --accept-links",
        f"  {SUGGESTION}    # the text names {INVOICE}",
    ]
    for name in EXPECTED:
        meta, _ = imported(legacy_repo, name)
        assert (meta["continuation_of"], meta["prerequisite_sessions"]) == (None, [])
    listed = sess(legacy_repo, "show", "--json", OCR)
    assert '"continuation_of": null' in listed.out


def test_importing_twice_changes_nothing(legacy_repo):
    run_import(legacy_repo)
    before = snapshot(legacy_repo)

    out = run_import(legacy_repo)
    assert out == "nothing to import\n"
    assert snapshot(legacy_repo) == before


def test_importing_a_file_that_already_has_frontmatter_is_skipped(legacy_repo):
    run_import(legacy_repo)
    before = snapshot(legacy_repo)

    out = run_import(legacy_repo, f".sessions/{OCR}")
    assert out == "left 1 note(s) that have a frontmatter already\nnothing to import\n"
    assert snapshot(legacy_repo) == before


def test_a_non_utf8_file_is_skipped_with_its_line_and_the_rest_imported(legacy_repo):
    # Issue 16: one file that cannot be read no longer stops the others.
    bad = legacy_repo / ".sessions" / "session_20260225_cafe.md"
    data = b"# Session: Caf\xe9 menu\n**Date**: 2026-02-25\n\nNa\xefve text\n"
    bad.write_bytes(data)

    result = sess(legacy_repo, "import")

    assert result.code == 1
    assert "skipped .sessions/session_20260225_cafe.md:1: not valid UTF-8 (byte 0xe9)" in result.out
    assert "  hint: re-save it as UTF-8" in result.out
    assert_one_line_error(result, ".sessions/session_20260225_cafe.md:1: not valid UTF-8")
    assert bad.read_bytes() == data
    for name in EXPECTED:
        assert imported(legacy_repo, name)[0]["title"] == EXPECTED[name]["title"]


def test_non_utf8_file_on_a_later_line_is_named_with_that_line(legacy_repo):
    bad = legacy_repo / ".sessions" / "session_20260101_a_first.md"
    bad.write_bytes(b"# Session: Menu\n**Date**: 2026-01-01\n\nNa\xefve text\n")

    result = sess(legacy_repo, "import")
    assert "skipped .sessions/session_20260101_a_first.md:4: not valid UTF-8" in result.out
    assert result.code == 1


def test_a_path_outside_the_repository_is_an_error(legacy_repo, tmp_path):
    outside = tmp_path / "elsewhere.md"
    outside.write_text("# Session: Elsewhere\n**Date**: 2026-01-01\n")
    before = snapshot(legacy_repo)

    result = sess(legacy_repo, "import", str(outside))
    assert f"skipped {outside}: is outside the repository" in result.out
    assert_one_line_error(result, "elsewhere.md: is outside the repository")
    assert snapshot(legacy_repo) == before
    assert outside.read_text() == "# Session: Elsewhere\n**Date**: 2026-01-01\n"


# --- exports kept elsewhere in the repository -------------------------------------------

BODY = "\n## Session Objectives\nSet up the project skeleton.\n\n## Completed Work\n" + "".join(
    f"- step {n}: a change worth keeping in the history of this file\n" for n in range(30)
)
DOCS = {
    "session_20260105_setup.md": (
        "# Session: Project setup\n**Date**: 2026-01-05\n**Status**: Complete\n" + BODY
    ),
    "retro.md": "# Session: Sprint Retro!\n**Date:** 2026-01-07\n**Status:** Done\n" + BODY,
}
MOVED = {
    "session_20260105_setup.md": "session_20260105_setup.md",
    "retro.md": "session_20260107_sprint_retro.md",
}


@pytest.fixture
def docs_repo(sessions: Path) -> Path:
    """Legacy exports committed under docs/sessions/."""
    docs = sessions / "docs" / "sessions"
    docs.mkdir(parents=True)
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "Keep session notes in docs")
    return sessions


@pytest.mark.parametrize("how", ["files", "directory"])
def test_exports_elsewhere_are_moved_in_with_git_mv(docs_repo, how):
    if how == "files":
        paths = [f"docs/sessions/{name}" for name in sorted(DOCS)]
    else:
        paths = ["docs/sessions"]
    out = run_import(docs_repo, *paths)

    for old, new in MOVED.items():
        assert f"moved docs/sessions/{old} -> .sessions/{new}" in out
        assert not (docs_repo / "docs" / "sessions" / old).exists()
        meta, body = imported(docs_repo, new)
        assert body == DOCS[old]
        assert meta["status"] == "complete"
    staged = git(docs_repo, "diff", "--cached", "--name-status", "-M").splitlines()
    assert sorted(line for line in staged if line.startswith("R")) == sorted(
        f"R100\tdocs/sessions/{old}\t.sessions/{new}" for old, new in MOVED.items()
    )
    assert sess(docs_repo, "check").code == 0


def test_moved_exports_keep_their_history(docs_repo):
    run_import(docs_repo, "docs/sessions")
    git(docs_repo, "add", "-A")
    git(docs_repo, "commit", "-q", "-m", "Import sessions")

    for new in MOVED.values():
        log = git(docs_repo, "log", "--follow", "--format=%s", "--", f".sessions/{new}")
        assert log.splitlines() == ["Import sessions", "Keep session notes in docs"]


def test_names_come_from_date_and_title(docs_repo):
    (docs_repo / "docs" / "sessions" / "Retro (copy).md").write_text(
        "# Session: Sprint Retro!\n**Date:** 2026-01-07\n" + BODY
    )
    run_import(docs_repo, "docs/sessions")
    names = sorted(path.name for path in (docs_repo / ".sessions").glob("session_2026*.md"))
    assert names == [
        "session_20260105_setup.md",
        "session_20260107_sprint_retro.md",
        "session_20260107_sprint_retro_2.md",
    ]


def test_dry_run_moves_nothing(docs_repo):
    before = snapshot(docs_repo)
    out = run_import(docs_repo, "--dry-run", "docs/sessions")
    assert "would move docs/sessions/retro.md -> .sessions/session_20260107_sprint_retro.md" in out
    assert snapshot(docs_repo) == before
    assert git(docs_repo, "status", "--porcelain") == ""


def test_a_non_utf8_file_elsewhere_stays_where_it_is_and_the_rest_move(docs_repo):
    bad = docs_repo / "docs" / "sessions" / "session_20260109_zz_notes.md"
    data = b"# Session: Notes\n**Date**: 2026-01-09\n\nr\xe9sum\xe9\n"
    bad.write_bytes(data)
    git(docs_repo, "add", "-A")
    git(docs_repo, "commit", "-q", "-m", "latin-1 notes")

    result = sess(docs_repo, "import", "docs/sessions")

    assert result.code == 1
    assert "skipped docs/sessions/session_20260109_zz_notes.md:4: not valid UTF-8" in result.out
    assert bad.read_bytes() == data
    for new in MOVED.values():
        assert (docs_repo / ".sessions" / new).exists()


def test_a_path_with_to_in_it_is_moved_like_any_other(docs_repo):
    # GitPython's index.move parsed git's "Renaming A to B" and crashed on a path
    # holding " to " (issue 15: "Too many tokens in Renaming").
    notes = docs_repo / "docs" / "notes to self"
    notes.mkdir()
    (notes / "retro to keep.md").write_text(DOCS["retro.md"])
    git(docs_repo, "add", "-A")
    git(docs_repo, "commit", "-q", "-m", "Notes to self")

    out = run_import(docs_repo, "docs/notes to self/retro to keep.md")

    assert (
        "moved docs/notes to self/retro to keep.md -> .sessions/session_20260107_sprint_retro.md"
        in out
    )
    assert imported(docs_repo, "session_20260107_sprint_retro.md")[1] == DOCS["retro.md"]
    staged = git(docs_repo, "diff", "--cached", "--name-status", "-M").splitlines()
    assert (
        "R100\tdocs/notes to self/retro to keep.md\t.sessions/session_20260107_sprint_retro.md"
        in staged
    )
