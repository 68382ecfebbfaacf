"""Ranked full-text search over the session exports (Whoosh)."""

from __future__ import annotations

from gitsess.search.store import (
    SearchRequest,
    index_exists,
    index_stats,
    reindex,
    search,
    sync_index,
)

__all__ = ["SearchRequest", "index_exists", "index_stats", "reindex", "search", "sync_index"]
