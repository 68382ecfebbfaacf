"""One stem cache per process (gitsess.search.stems): every writer's analyzer shares it."""

from __future__ import annotations

from pathlib import Path

from whoosh.analysis import StemFilter

from gitsess.search import stems
from gitsess.search.backend import create_index, open_index


def _stem_filters(schema) -> list[StemFilter]:
    return [
        item
        for name in schema.names()
        for item in getattr(getattr(schema[name], "analyzer", None), "items", ())
        if isinstance(item, StemFilter)
    ]


def test_the_analyzers_of_two_openings_share_one_stem_cache(tmp_path: Path) -> None:
    create_index(tmp_path, iter(()), 0, None)
    first, second = open_index(tmp_path).schema, open_index(tmp_path).schema
    assert _stem_filters(first) and _stem_filters(second)
    # Each opening unpickles its own analyzer, with a cache of its own …
    assert _stem_filters(first)[0]._stem is not _stem_filters(second)[0]._stem
    stems.share(first, StemFilter)
    stems.share(second, StemFilter)
    # … until shared: then one cache, filled by either, stemming as before.
    kept = _stem_filters(first)[0]._stem
    assert all(item._stem is kept for item in _stem_filters(first) + _stem_filters(second))
    tokens = [token.text for token in second["body"].analyzer("Refunds overfitting retried")]
    assert tokens == ["refund", "overfit", "retri"]
    assert kept.cache_info().currsize >= 3
