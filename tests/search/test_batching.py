"""gitsess/search/batching.py: a build's documents cut into batches within a pool budget."""

from __future__ import annotations

from gitsess.search import batching


def test_batches_keep_the_order_and_stay_within_the_budget():
    documents = [{"key": str(n), "body": "x" * (n % 7) * 1000, "title": ""} for n in range(50)]
    budget = 20_000 + batching.POOL_PER_DOCUMENT
    cut = [list(batch) for batch in batching.batches(documents, budget)]

    assert [d for batch in cut for d in batch] == documents
    assert len(cut) > 5
    for batch in cut:
        assert sum(map(batching.pool_estimate, batch)) <= budget or len(batch) == 1
    # one document over the budget is a batch of its own; nothing is a batch of none
    huge = [{"body": "y" * 10**6}, {"body": ""}, {"body": "y" * 10**6}]
    assert [len(list(batch)) for batch in batching.batches(huge, 1000)] == [1, 1, 1]
    assert list(batching.batches([], 1000)) == []
