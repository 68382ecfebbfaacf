"""Hand-written notes in a real repository: `list`, `check`, `index` and a commit
through the pre-commit hook read them, and pass over the files beside them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, git, sess, snapshot
from test_legacy import EXPECTED, NOT_NOTES

NOTES = FIXTURES / "notes"


@pytest.fixture
def notes_repo(sessions: Path) -> Path:
    """A repository whose .sessions/ holds the notes and the files beside them."""
    for source in sorted(NOTES.iterdir()):
        shutil.copy(source, sessions / ".sessions" / source.name)
    return sessions


def test_list_reads_every_note_and_none_of_the_files_beside_them(notes_repo):
    before = snapshot(notes_repo)

    result = sess(notes_repo, "list", "--json")

    assert result.code == 0, result.err
    entries = {entry["id"]: entry for entry in json.loads(result.out)}
    assert set(entries) == set(EXPECTED)
    for name, (title, date, status, kind, summary) in EXPECTED.items():
        entry = entries[name]
        found = (entry["title"], entry["date"], entry["status"], entry["type"], entry["summary"])
        # a note that states no status is in progress, as git sess writes them
        assert found == (title, date, status or "in-progress", kind, summary), name
        assert entry["legacy"] is True
    assert snapshot(notes_repo) == before  # reading never writes


def test_check_and_index_pass_over_the_files_beside_the_notes(notes_repo):
    index = sess(notes_repo, "index")
    check = sess(notes_repo, "check")

    assert index.code == 0, index.err
    assert check.code == 0, check.out + check.err  # 35 notes, no problem in any
    written = (notes_repo / ".sessions" / "session_index.md").read_text()
    for name in NOT_NOTES:
        assert name not in check.out + check.err
        assert name not in written
    assert "2026-06-03-monorepo.md" in written


def test_the_files_beside_the_notes_never_block_a_commit(notes_repo):
    assert sess(notes_repo, "hooks", "install").code == 0
    sessions_dir = notes_repo / ".sessions"
    git(notes_repo, "add", "-f", *(f".sessions/{name}" for name in NOT_NOTES))
    git(notes_repo, "commit", "-q", "-m", "the files beside the notes")

    (sessions_dir / "TEMPLATE.md").write_text("# Session: {TITLE}\n\n---\nbroken: [\n")
    (sessions_dir / "friction_points.md").write_bytes(b"")  # empty: an export would block
    git(notes_repo, "add", ".sessions/TEMPLATE.md", ".sessions/friction_points.md")
    git(notes_repo, "commit", "-q", "-m", "an empty log and an odd template")

    committed = git(notes_repo, "show", "--name-only", "--format=", "HEAD").split()
    assert committed == [".sessions/TEMPLATE.md", ".sessions/friction_points.md"]


def test_importing_the_folder_takes_every_note_and_none_of_the_files_beside_them(
    sessions: Path,
) -> None:
    folder = sessions / "notes"
    shutil.copytree(NOTES, folder)
    git(sessions, "add", "notes")
    git(sessions, "commit", "-q", "-m", "hand-kept notes")

    result = sess(sessions, "import", "notes")

    assert result.code == 0, result.out + result.err
    assert sorted(path.name for path in folder.iterdir()) == sorted(NOT_NOTES)
    imported = json.loads(sess(sessions, "list", "--json").out)
    assert len(imported) == len(EXPECTED)
    assert {entry["title"] for entry in imported} == {fields[0] for fields in EXPECTED.values()}
