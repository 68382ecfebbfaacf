"""Phrases on positions as numbers (gitsess.search.phrases): what Whoosh's span check finds."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from whoosh.query.spans import SpanNear2

from gitsess.search.backend import (
    best_matches,
    create_index,
    faster_phrases,
    open_index,
    parse,
    update_index,
)

_WORDS = ["partial", "refunds", "refund", "the", "of", "webhook", "retry", "queue", "csv"]


def _document(number: int, body: str) -> dict[str, str]:
    return {
        "key": f"n{number}.md",
        "id": f"n{number}",
        "title": body[:30],
        "tags": "",
        "body": body,
        "summary": "",
        "status": "complete",
        "type": "feature",
        "kind": "export",
        "date": "2025-01-01",
        "moment": "2025-01-01",
        "path": f".sessions/n{number}.md",
    }


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    rng = random.Random(7)
    path: Path = tmp_path_factory.mktemp("phrases")
    bodies = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 60))) for _ in range(300)]
    create_index(path, (_document(n, body) for n, body in enumerate(bodies)), len(bodies), None)
    # Deleted documents: their segment's matchers are wrapped to leave them out;
    # and a second segment, of the documents written anew (merge=False keeps it).
    update_index(path, [f"n{n}.md" for n in range(0, 300, 7)], [])
    again = [_document(n, bodies[n] + " partial refunds") for n in range(1, 300, 11)]
    update_index(path, [], again, merge=False)
    with open_index(path).searcher() as opened:
        yield opened


def _found(searcher, text: str) -> list[tuple[str, float]]:
    query = parse(searcher.schema, text, text)
    ranked = best_matches(searcher, query, None, 500)
    return [(hit["key"], score) for hit, score in ranked.items]


PHRASES = [
    '"partial refunds"',
    '"partial refund refund"',
    '"refunds refunds"',
    '"the retry"',  # a stop word: the parser leaves it out
    '"webhook retry queue"',
    '"csv csv csv"',
    '"queue partial" OR "retry webhook"',
    '"partial refunds"~2',  # slop 2: Whoosh's own check
    'webhook "refund retry" -csv',
]


@pytest.mark.parametrize("phrase", PHRASES)
def test_the_same_matches_and_scores_as_whooshs_span_check(searcher, phrase, monkeypatch) -> None:
    faster_phrases()
    ours = _found(searcher, phrase)
    # Whoosh's span matcher, with our span check (what a phrase Whoosh's way gets)
    monkeypatch.setattr(SpanNear2, "matcher", SpanNear2.matcher.__wrapped__)
    assert ours == _found(searcher, phrase)
    # … and with Whoosh's own span check: all of Whoosh's way
    matcher = SpanNear2.SpanNear2Matcher
    monkeypatch.setattr(matcher, "_get_spans", matcher._get_spans.__wrapped__)
    assert ours == _found(searcher, phrase)
    assert ours or phrase == '"the retry"'  # each phrase but that one is found somewhere


def test_the_parsers_phrases_are_matched_a_segment_at_a_time(searcher) -> None:
    faster_phrases()
    query = parse(searcher.schema, '"partial refunds"', '"partial refunds"')
    body = next(part for part in query.subqueries if part.field() == "body")
    leaves = searcher.leaf_searchers()
    assert len(leaves) == 2  # the fixture's two segments, one with deletions
    for leaf, _ in leaves:
        matcher = body.matcher(leaf)
        assert not isinstance(matcher, SpanNear2.SpanNear2Matcher)
        assert matcher.is_active()


def test_a_server_keeps_each_segments_phrase_matches(sessions: Path) -> None:
    from builders import export

    from gitsess.core.workspace import open_workspace
    from gitsess.search import search, sync_index
    from gitsess.search.opened import OpenIndex
    from gitsess.search.phrases import KEPT
    from gitsess.search.query import SearchRequest
    from gitsess.search.store import SearchIndex

    rng = random.Random(7)
    words = ["partial", "refunds", "were", "issued", "later"]
    for number in range(40):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(5, 60)))
        export(sessions, f"session_202511{number % 28 + 1:02d}_p{number}.md", f"P {number}", body)
    sync_index(open_workspace(sessions))
    plain, resident = OpenIndex(), OpenIndex(resident=True)
    queries = ['"partial refunds"', '"refunds were issued"', 'later "issued later"']

    def answers(opened: OpenIndex, query: str) -> tuple:
        request = SearchRequest(query=query, limit=50)
        result = search(open_workspace(sessions), request, opened=opened)
        return [(hit.id, hit.score) for hit in result.hits], result.total

    def kept() -> int:
        searcher, _ = resident.searcher(SearchIndex(open_workspace(sessions)).path)
        return sum(len(getattr(leaf, KEPT)) for leaf, _ in searcher.leaf_searchers())

    for _ in range(2):
        for query in queries:
            expected = answers(plain, query)
            assert expected[1] > 0
            assert answers(resident, query) == expected
            assert answers(resident, query) == expected  # now from what was kept
        assert kept() >= len(queries)
        with (sessions / ".sessions" / "session_20251101_p0.md").open("a") as handle:
            handle.write("\npartial refunds were issued later\n")  # then: a new index
