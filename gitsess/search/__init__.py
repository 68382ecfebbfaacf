"""Ranked full-text search over the session exports (Whoosh).

The API the rest of git-sess uses. Inside: `query` (the query language people
type), `documents` (what each export becomes in the index), `store` (the index
on disk: manifest, locking, sync, build and swap), `results` (hits, snippets,
did-you-mean; loaded by a search only) and `backend`, the one module that
imports Whoosh, each part where it is needed: a sync that finds nothing
changed loads only the `whoosh` package itself, for its version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitsess.core.errors import GitSessError
from gitsess.core.workspace import Workspace
from gitsess.search.backend import Damaged, Progress
from gitsess.search.documents import corpus
from gitsess.search.query import SearchRequest, translate_query
from gitsess.search.store import SearchIndex, Stats

if TYPE_CHECKING:
    from gitsess.search.results import SearchResult

__all__ = [
    "SearchRequest",
    "Stats",
    "index_exists",
    "index_stats",
    "reindex",
    "search",
    "sync_index",
]


def search(workspace: Workspace, request: SearchRequest) -> SearchResult:
    """Ranked matches for `request`, on an index first brought up to date."""
    from gitsess.search.results import run_query  # not needed to keep the index in sync

    query_text = translate_query(request.query)
    index = SearchIndex(workspace)
    for attempt in range(3):
        index.bring_up_to_date()
        try:
            result = run_query(index.path, workspace, query_text, request)
        except Damaged as damage:
            if attempt == 0:
                continue  # a writer may have swapped or cleaned files under us: look again
            if attempt == 1:
                with index.lock():
                    reason = f"the search index was damaged ({damage})"
                    index.build(corpus(workspace), None, reason)
                continue
            raise GitSessError(
                f"the search index at {index.path} cannot be read even after a rebuild ({damage})",
                f"remove it (rm -r {index.path}) and run git sess reindex",
            ) from None
        result.notices = index.notices
        return result
    raise AssertionError("unreachable")


def index_exists(workspace: Workspace) -> bool:
    """Whether a search index has been built here (the hooks only refresh one)."""
    return SearchIndex(workspace).exists()


def sync_index(workspace: Workspace) -> list[str]:
    """Bring the index up to date without searching (what every search does first)."""
    index = SearchIndex(workspace)
    index.bring_up_to_date()
    return index.notices


def reindex(workspace: Workspace, progress: Progress | None = None) -> Stats:
    """Build the index anew (^C leaves the old one as it was)."""
    index = SearchIndex(workspace)
    with index.lock():
        index.build(corpus(workspace), progress, reason=None)
    return index.stats()


def index_stats(workspace: Workspace) -> Stats:
    """The live index as it is; builds it first only when there is none."""
    return SearchIndex(workspace).stats()
