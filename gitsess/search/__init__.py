"""Ranked full-text search over the session exports (Whoosh).

The API the rest of git-sess uses. Inside: `query` (the query language people
type), `documents` (what each export becomes in the index), `store` (the index
on disk: manifest, locking, sync, build and swap), `results` (hits, snippets,
did-you-mean; loaded by a search only) and `backend`, the one module that
imports Whoosh, each part where it is needed: a sync that finds nothing
changed loads only the `whoosh` package itself, for its version.

The resident search server (DESIGN.md §10): `client` (imported by the console
script before anything else, so this package imports nothing at the top: the
client must not pay for the rest), `server` (holds the index open, answers with
the same click command) and `watcher` (the one module that imports watchdog).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing itself costs the client 2 ms to import
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    from gitsess.core.workspace import Workspace
    from gitsess.search.backend import Progress
    from gitsess.search.held import HeldIndex
    from gitsess.search.query import SearchRequest
    from gitsess.search.results import SearchResult  # noqa: F401 — for other wings' annotations
    from gitsess.search.searching import search
    from gitsess.search.store import Stats

__all__ = [
    "SearchRequest",
    "Stats",
    "answering_as",
    "hold_index",
    "index_exists",
    "index_stats",
    "reindex",
    "resident",
    "search",
    "server_status",
    "start_server",
    "stop_server",
    "sync_index",
]


def __getattr__(name: str) -> Any:
    """`SearchRequest`, `Stats` and `search`, imported when first asked for (see the docstring)."""
    if name == "SearchRequest":
        from gitsess.search.query import SearchRequest

        return SearchRequest
    if name == "Stats":
        from gitsess.search.store import Stats

        return Stats
    if name == "search":  # ranked matches on an index brought up to date first
        from gitsess.search.searching import search

        return search
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def index_exists(workspace: Workspace) -> bool:
    """Whether a search index has been built here (the hooks only refresh one)."""
    from gitsess.search.store import SearchIndex

    return SearchIndex(workspace).exists()


def sync_index(workspace: Workspace) -> list[str]:
    """Bring the index up to date without searching (what every search does first)."""
    from gitsess.search.store import SearchIndex

    index = SearchIndex(workspace)
    index.bring_up_to_date()
    return index.notices


def reindex(workspace: Workspace, progress: Progress | None = None) -> Stats:
    """Build the index anew (^C leaves the old one as it was)."""
    from gitsess.search.documents import corpus
    from gitsess.search.store import SearchIndex

    index = SearchIndex(workspace)
    with index.lock():
        index.build(corpus(workspace), progress, reason=None)
    return index.stats()


def index_stats(workspace: Workspace) -> Stats:
    """The live index as it is; builds it first only when there is none."""
    from gitsess.search.store import SearchIndex

    return SearchIndex(workspace).stats()


# --- the resident search server ---------------------------------------------------


def resident() -> Any:
    """The server this process is (gitsess.search.server.Resident), while it answers
    a request; None in any other."""
    from gitsess.search import client

    return client.resident


def start_server(workspace: Workspace) -> bool:
    """After an in-process search that found no server: start one in the background,
    unless `git config sess.searchServer false`. Whether one was started."""
    from gitsess.search import client

    return client.start(workspace)


def stop_server(workspace: Workspace) -> bool:
    """Stop the worktree's server (`server stop`, `hooks uninstall`); whether one ran."""
    from gitsess.search import client

    return client.stop(workspace.repo.state_dir)


def server_status(workspace: Workspace) -> dict[str, Any] | None:
    """What the worktree's server says of itself, or None when none answers."""
    from gitsess.search import client

    return client.status(workspace.repo.state_dir)


# --- the index held open by another long-lived process (`git sess mcp`) -------------


def hold_index(workspace: Workspace, log: Callable[[str], None]) -> HeldIndex:
    """The workspace's index, open and watched for this process's life (held.py)."""
    from gitsess.search.held import HeldIndex

    return HeldIndex(workspace, log)


def answering_as(server: Any) -> Any:
    """A context in which the `search` command asks `server` (its `workspace()` and
    `search(workspace, request)`) as it asks the resident search server."""
    import contextlib

    from gitsess.search import client

    @contextlib.contextmanager
    def answering() -> Iterator[None]:
        client.resident = server
        try:
            yield
        finally:
            client.resident = None

    return answering()
