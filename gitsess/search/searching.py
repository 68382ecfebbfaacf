"""A search of the index brought up to date first: what `gitsess.search.search` runs,
and the search server and `git sess mcp` run on the index they hold open (held.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace
    from gitsess.search.opened import OpenIndex
    from gitsess.search.query import SearchRequest
    from gitsess.search.results import SearchResult


def search(
    workspace: Workspace,
    request: SearchRequest,
    *,
    fresh: str | None = None,
    opened: OpenIndex | None = None,
) -> SearchResult:
    """Ranked matches for `request`, on an index first brought up to date.

    `fresh`: the token of the index's manifest (store.Manifest.token) when the caller
    brought the index up to date with every change to the exports itself (the server,
    told by its watcher): the scan of the exports is skipped while the index is still
    that one, intact; it is done as always otherwise.
    `opened`: the index kept open between queries (the server's, gitsess.search.opened);
    it follows the index on disk by itself, whoever changed it.
    """
    from gitsess.core.errors import GitSessError
    from gitsess.search.backend import Damaged
    from gitsess.search.documents import corpus
    from gitsess.search.query import translate_query
    from gitsess.search.results import run_query  # not needed to keep the index in sync
    from gitsess.search.store import SearchIndex

    query_text = translate_query(request.query)
    index = SearchIndex(workspace)
    for attempt in range(3):
        if not (fresh and attempt == 0 and _intact(index, fresh)):
            index.bring_up_to_date()
        try:
            result = run_query(index.path, workspace, query_text, request, opened)
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


def _intact(index: Any, token: str) -> bool:
    """The live index is the one of `token`, and its files are the ones recorded
    (what bring_up_to_date checks when the exports did not change), read without
    scanning the exports. Another writer's index (a reindex, a hook) has another."""
    from gitsess.search.backend import Damaged

    manifest = index.manifest()
    if manifest is None or manifest.token != token:
        return False
    try:
        index.check_intact(manifest)
    except Damaged:
        return False
    return True
