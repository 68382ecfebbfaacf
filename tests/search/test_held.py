"""The index held open and watched by a long-lived process (gitsess.search.held, what
`git sess mcp` searches): every change made before a query is in its answer."""

from __future__ import annotations

from pathlib import Path

from builders import export, state_dir
from conftest import git

from gitsess.core.workspace import open_workspace
from gitsess.search import hold_index
from gitsess.search.query import SearchRequest


def found(held, repo: Path, word: str) -> list[str]:
    result = held.search(open_workspace(repo), SearchRequest(query=word))
    return sorted(hit.id.removesuffix(".md") for hit in result.hits)


def test_changes_made_before_a_query_are_in_its_answer(sessions: Path) -> None:
    export(sessions, "session_20251201_alpha.md", "Alpha", "The quokka hops about.")
    logged: list[str] = []
    held = hold_index(open_workspace(sessions), logged.append)
    try:
        assert found(held, sessions, "quokka") == ["session_20251201_alpha"]
        export(sessions, "session_20251202_beta.md", "Beta", "A quokka digs.")
        assert found(held, sessions, "quokka") == [
            "session_20251201_alpha",
            "session_20251202_beta",
        ]
        (sessions / ".sessions" / "session_20251201_alpha.md").unlink()
        assert found(held, sessions, "quokka") == ["session_20251202_beta"]
        assert found(held, sessions, "hops") == []
        assert held.watcher.failed is None and logged == []  # watched, not scanned
    finally:
        held.close()


def test_two_holders_and_their_cookies(sessions: Path) -> None:
    export(sessions, "session_20251201_alpha.md", "Alpha", "The quokka hops about.")
    first = hold_index(open_workspace(sessions), print)
    second = hold_index(open_workspace(sessions), print)
    try:
        assert first.watcher.cookies != second.watcher.cookies  # neither clears the other's
        assert found(first, sessions, "quokka") == found(second, sessions, "quokka")
        export(sessions, "session_20251202_beta.md", "Beta", "A quokka digs.")
        assert len(found(second, sessions, "quokka")) == 2
        assert len(found(first, sessions, "quokka")) == 2
    finally:
        first.close()
        second.close()
    assert not any(path.name.startswith("mcp-cookies-") for path in state_dir(sessions).iterdir())


def test_it_serves_the_sessions_directory_it_watches(sessions: Path) -> None:
    held = hold_index(open_workspace(sessions), print)
    try:
        assert held.serves(open_workspace(sessions))
        (sessions / "notes").mkdir()
        git(sessions, "config", "sess.dir", "notes")
        assert not held.serves(open_workspace(sessions))
    finally:
        held.close()
