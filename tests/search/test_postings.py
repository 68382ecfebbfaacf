"""Scored postings kept while the index stays open (gitsess.search.postings): the
server's answers are Whoosh's, hits, scores and totals alike."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from builders import export, zoo_export

from gitsess.core.workspace import open_workspace
from gitsess.search import backend, postings, search, sync_index
from gitsess.search.opened import OpenIndex
from gitsess.search.query import SearchRequest
from gitsess.search.store import SearchIndex

WORDS = ["quokka", "wombat", "numbat", "bilby", "dingo", "platypus", "echidna", "wallaby", "possum"]
QUERIES = [
    "quokka",
    "quokka wombat",
    "quokka OR numbat OR nosuchword",
    "quokka -wombat",
    "NOT bilby",
    "quokka AND (dingo OR possum) NOT echidna",
    "title:wombat bilby",
    "tag:marsupial quokka",
    "tag:marsupial",
    '"quokka wombat"',
    "wom* dingo",
    "platypus^3 OR echidna",
]


@pytest.fixture
def zoo(sessions: Path) -> Path:
    rng = random.Random(20)
    for number in range(60):
        title = f"{rng.choice(WORDS).title()} {number}"
        tags = ["marsupial"] if number % 3 else ["monotreme"]
        zoo_export(sessions, number, rng, WORDS, (3, 80), title, tags=tags)
    sync_index(open_workspace(sessions))
    return sessions


def answers(repo: Path, opened: OpenIndex, query: str, limit: int = 100) -> tuple:
    result = search(open_workspace(repo), SearchRequest(query=query, limit=limit), opened=opened)
    return [(hit.id, hit.score, hit.snippets) for hit in result.hits], result.total


def test_the_same_hits_scores_and_totals_as_whooshs(zoo: Path) -> None:
    plain, resident = OpenIndex(), OpenIndex(resident=True)
    for query in QUERIES:
        expected = answers(zoo, plain, query)
        assert expected[1] > 0, query
        assert answers(zoo, resident, query) == expected, query
        assert answers(zoo, resident, query) == expected, query  # now from what was kept
        assert answers(zoo, resident, query, limit=3) == answers(zoo, plain, query, limit=3)
    assert resident.held is not None and plain.held is None
    kept = {(field, text): found for (*_, field, text), (*_, found) in resident.held.terms.items()}
    assert kept[("body", b"quokka")] is not None
    assert kept[("tags", b"marsupial")] is not None
    assert kept[("title", b"nosuchword")] is None  # in no document


def test_kept_scores_follow_edits_and_deletions(zoo: Path) -> None:
    plain, resident = OpenIndex(), OpenIndex(resident=True)
    assert answers(zoo, resident, "quokka") == answers(zoo, plain, "quokka")
    held = resident.held
    sessions = zoo / ".sessions"
    victims = sorted(sessions.glob("session_*_zoo*.md"))[:5]
    with victims[0].open("a", encoding="utf-8") as handle:
        handle.write("\nquokka quokka quokka wombat\n")
    victims[1].unlink()  # a deletion in a segment that stays
    export(zoo, "session_20251231_newcomer.md", "Quokka", "quokka quokka numbat")
    for query in QUERIES:
        assert answers(zoo, resident, query) == answers(zoo, plain, query), query
    assert resident.held is not held  # the index moved: its scores were let go of


def test_past_the_limit_it_starts_again(zoo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postings, "POSTINGS_LIMIT", 40)
    plain, resident = OpenIndex(), OpenIndex(resident=True)
    for query in QUERIES:
        assert answers(zoo, resident, query) == answers(zoo, plain, query), query
        assert resident.held is not None and resident.held.count <= 40


def test_queries_that_need_positions_are_left_to_whoosh() -> None:
    from whoosh import matching, query

    held = postings.Held()
    held_term, _ = postings.classes(
        query.Term, matching.ListMatcher, matching.WrappingMatcher, backend._kinds().reading
    )
    kinds = (query.And, query.Or, query.Not)
    phrase = query.Phrase("body", ["partial", "refunds"])
    tree = query.Or([query.Term("title", "refund", boost=3.0), phrase], minmatch=1)
    made = postings.held_terms(tree, held, query.Term, held_term, kinds)
    assert type(made) is query.Or and made.minmatch == 1
    first, second = made.subqueries
    assert type(first) is held_term and first.boost == 3.0 and first.held is held
    assert second is phrase
    assert tree.subqueries[0].__class__ is query.Term  # the original is left as it was
    negated = postings.held_terms(
        query.Not(query.Term("body", "x")), held, query.Term, held_term, kinds
    )
    assert type(negated.query) is held_term


def test_unions_in_parts_that_fit_give_whooshs_results(
    zoo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from whoosh.matching import ArrayUnionMatcher, ListMatcher

    postings.parts_that_fit(ArrayUnionMatcher)
    fitted = ArrayUnionMatcher.__init__
    small = ArrayUnionMatcher([ListMatcher([0, 2]), ListMatcher([1])], 3)
    assert small._partsize == 3
    seen = []
    while small.is_active():
        seen.append(small.id())
        small.next()
    assert seen == [0, 1, 2]
    assert ArrayUnionMatcher([ListMatcher([5])], 9000)._partsize == 2048  # Whoosh's, at most
    assert ArrayUnionMatcher([ListMatcher([5])], 9, partsize=0)._partsize == 9
    sessions = zoo / ".sessions"
    for number, path in enumerate(sorted(sessions.glob("session_*_zoo*.md"))[:6]):
        with path.open("a", encoding="utf-8") as handle:  # synced one at a time
            handle.write(f"\nquokka {'wombat ' * number}\n")
        sync_index(open_workspace(zoo))
    searched = {}
    for whooshs in (True, False):
        if whooshs:
            monkeypatch.setattr(ArrayUnionMatcher, "__init__", fitted.__wrapped__)
        else:
            monkeypatch.setattr(ArrayUnionMatcher, "__init__", fitted)
        opened = OpenIndex(resident=not whooshs)
        searched[whooshs] = [answers(zoo, opened, query) for query in QUERIES]
        searcher, _ = opened.searcher(SearchIndex(open_workspace(zoo)).path)
        assert len(searcher.leaf_searchers()) >= 2  # the edits in a small segment of their own
    assert searched[False] == searched[True]
