"""One stem cache per process, shared by every writer's analyzer.

Whoosh's StemFilter wraps its stemming function in a cache of 50,000 words, but the
filter of a writer is unpickled from the index's table of contents, so each writer
starts with an empty cache: a sync of one export in the search server stemmed each
of its ~2,000 words with Porter2 in Python, a third of Whoosh's work for the
document. Stemming is a pure function of the word, so the filters of one stemming
function (and language, and cache size) can share one cache: the first filter's is
kept and given to every later one. The class is given by gitsess.search.backend,
which alone imports Whoosh.
"""

from __future__ import annotations

from typing import Any

_KEPT: dict[tuple[Any, ...], Any] = {}  # (stemming function, language, size) → cached function


def share(schema: Any, stem_filter: Any) -> None:
    """Give the stem filters of `schema`'s analyzers the cache of this process."""
    for name in schema.names():
        analyzer = getattr(schema[name], "analyzer", None)
        for item in getattr(analyzer, "items", ()):
            if not isinstance(item, stem_filter) or not hasattr(item, "_stem"):
                continue
            key = (item.stemfn, item.lang, item.cachesize)
            item._stem = _KEPT.setdefault(key, item._stem)
