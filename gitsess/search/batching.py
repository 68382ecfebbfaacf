"""A full build's documents cut into batches whose writer pools stay in memory.

Whoosh spills a writer's pool of postings that outgrows `limitmb` to run files, read
back and merged one posting at a time in Python; a batch is closed before its pool
reaches the limit (gitsess.search.backend.create_index; benchmarks/README.md, "Builds
grow linearly"). Nothing here imports Whoosh: it only estimates what Whoosh will hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

# A writer's pool, as Whoosh estimates its size (writing.PostingPool.add), is
# ~1.5 KB per document (the short fields) and ~11 bytes per character of text
# (measured: 207.6 MB for 5,000 generated exports of 17.9 M characters). A batch
# is closed at this estimate per writer process, below the limits set here
# (Whoosh's limitmb is in MiB, 268 MB for 256).
POOL_PER_DOCUMENT = 1_500
POOL_PER_CHAR = 12
LIMIT_MB_PARALLEL = 256
BATCH_POOL_PARALLEL = 230_000_000
LIMIT_MB = 512
BATCH_POOL = 460_000_000


def pool_estimate(document: dict[str, Any]) -> int:
    """The bytes a document adds to a writer's pool (an upper estimate)."""
    text = len(document.get("body", "")) + len(document.get("title", ""))
    return POOL_PER_DOCUMENT + POOL_PER_CHAR * text


def batches(documents: Iterable[dict[str, Any]], budget: int) -> Iterator[Iterator[dict[str, Any]]]:
    """`documents` cut into consecutive batches of at most `budget` estimated pool
    bytes (at least one document each). Each batch must be read to its end
    before the next is asked for."""
    stream = iter(documents)
    head = next(stream, None)
    while head is not None:
        carried: list[dict[str, Any]] = []  # the first document of the next batch

        def batch(first: dict[str, Any], carry: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            used = pool_estimate(first)
            yield first
            for document in stream:
                cost = pool_estimate(document)
                if used + cost > budget:
                    carry.append(document)
                    return
                used += cost
                yield document

        yield batch(head, carried)
        head = carried[0] if carried else None
