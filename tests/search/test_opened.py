"""The index kept open between queries (gitsess.search.opened): it follows the index on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from builders import export

from gitsess.core.workspace import open_workspace
from gitsess.search import reindex, search, sync_index
from gitsess.search.opened import OpenIndex, generation
from gitsess.search.query import SearchRequest
from gitsess.search.store import SearchIndex


@pytest.fixture
def indexed(sessions: Path) -> Path:
    export(sessions, "session_20251201_alpha.md", "Alpha", "The quokka hops about.")
    export(sessions, "session_20251202_beta.md", "Beta", "A wombat digs.")
    sync_index(open_workspace(sessions))
    return sessions


def found(repo: Path, opened: OpenIndex, word: str) -> list[str]:
    request = SearchRequest(query=word)
    return [
        hit.id.removesuffix(".md")
        for hit in search(open_workspace(repo), request, opened=opened).hits
    ]


def test_kept_open_while_the_index_stays(indexed: Path) -> None:
    opened = OpenIndex()
    path = SearchIndex(open_workspace(indexed)).path
    first, vocabulary = opened.searcher(path)
    assert found(indexed, opened, "quokka") == ["session_20251201_alpha"]
    assert opened.searcher(path) == (first, vocabulary)


def test_an_edit_a_deletion_and_a_new_export_are_seen(indexed: Path) -> None:
    opened = OpenIndex()
    assert found(indexed, opened, "quokka") == ["session_20251201_alpha"]
    beta = indexed / ".sessions" / "session_20251202_beta.md"
    with beta.open("a", encoding="utf-8") as handle:
        handle.write("\nA quokka visits.\n")
    assert sorted(found(indexed, opened, "quokka")) == [
        "session_20251201_alpha",
        "session_20251202_beta",
    ]
    # Deletions only mark documents in a segment that stays: still never found.
    (indexed / ".sessions" / "session_20251201_alpha.md").unlink()
    assert found(indexed, opened, "quokka") == ["session_20251202_beta"]
    assert found(indexed, opened, "hops") == []
    export(indexed, "session_20251203_gamma.md", "Gamma", "Another quokka.")
    assert sorted(found(indexed, opened, "quokka")) == [
        "session_20251202_beta",
        "session_20251203_gamma",
    ]


def test_another_process_rebuilding_the_index_is_seen(indexed: Path) -> None:
    workspace = open_workspace(indexed)
    path = SearchIndex(workspace).path
    opened = OpenIndex()
    before, _ = opened.searcher(path)
    was = generation(path)
    export(indexed, "session_20251203_gamma.md", "Gamma", "A numbat.")
    reindex(workspace)  # a new directory swapped into place
    assert generation(path) != was
    after, _ = opened.searcher(path)
    assert after is not before
    assert found(indexed, opened, "numbat") == ["session_20251203_gamma"]


def test_no_index_and_damage_let_go_of_the_files(indexed: Path) -> None:
    path = SearchIndex(open_workspace(indexed)).path
    opened = OpenIndex()
    opened.searcher(path)
    toc = max(path.glob("_MAIN_*.toc"), key=lambda file: int(file.stem.split("_")[-1]))
    toc.write_bytes(b"not a pickle")
    # Damage is repaired by the search (a rebuild) and the searcher reopened on it.
    assert found(indexed, opened, "wombat") == ["session_20251202_beta"]
    assert generation(path / "missing") is None
    os.rename(path, path.with_name("elsewhere"))
    assert generation(path) is None


def test_lengths_held_in_memory_score_the_same(indexed: Path) -> None:
    for number in range(30):
        export(
            indexed,
            f"session_202512{number % 28 + 1:02d}_n{number}.md",
            f"Note {number}",
            "quokka " * (number % 7 + 1) + "filler words " * number,
        )
    sync_index(open_workspace(indexed))
    plain, resident = OpenIndex(), OpenIndex(resident=True)
    request = SearchRequest(query="quokka", limit=50)

    def ranked(opened: OpenIndex) -> list[tuple[str, float]]:
        result = search(open_workspace(indexed), request, opened=opened)
        return [(hit.id, hit.score) for hit in result.hits]

    expected = ranked(plain)
    assert len(expected) == 31
    assert ranked(resident) == expected
    path = SearchIndex(open_workspace(indexed)).path
    held, _ = resident.searcher(path)
    read, _ = plain.searcher(path)
    for docnum in range(read.doc_count_all()):
        for field in ("title", "tags", "body"):
            length = read.reader().doc_field_length(docnum, field)
            assert held.reader().doc_field_length(docnum, field) == length
