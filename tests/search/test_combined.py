"""Words joined by AND, OR and NOT answered with set operations from the held scores
(gitsess.search.combined), and terms scored a block at a time (postings.scored): the
answers are Whoosh's own, hits, order, totals and scores to the bit."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from builders import zoo_export

from gitsess.core.workspace import open_workspace
from gitsess.search import backend, combined, postings, search, sync_index
from gitsess.search.opened import OpenIndex
from gitsess.search.query import SearchRequest, translate_query
from gitsess.search.store import SearchIndex

WORDS = ["quokka", "wombat", "numbat", "bilby", "dingo", "platypus", "echidna", "possum"]
TAGS = ["marsupial", "monotreme", "nocturnal"]
OPERATORS = ["", "", "", "OR", "OR", "AND", "NOT", "ANDNOT", "ANDMAYBE", "REQUIRE"]


@pytest.fixture
def edited(sessions: Path) -> Path:
    """Exports indexed, then edited and deleted one sync at a time: an index of
    several segments, some with deleted documents."""
    rng = random.Random(21)
    for number in range(90):
        zoo_export(
            sessions,
            number,
            rng,
            WORDS,
            (1, 60),
            f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} {number % 7}",
            date=f"2025-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
            status=rng.choice(["complete", "in-progress"]),
            tags=rng.sample(TAGS, rng.randint(0, 2)),
        )
    sync_index(open_workspace(sessions))
    files = sorted((sessions / ".sessions").glob("session_*_zoo*.md"))
    for number, path in enumerate(rng.sample(files, 12)):
        if number % 3 == 0:
            path.unlink()
        else:
            with path.open("a", encoding="utf-8") as handle:
                handle.write(f"\n{' '.join(rng.choice(WORDS) for _ in range(number * 3))}\n")
        sync_index(open_workspace(sessions))
    return sessions


def a_query(rng: random.Random) -> str:
    """One to four words, each maybe negated, fielded or boosted, joined by operators."""
    parts = []
    for number in range(rng.randint(1, 4)):
        word = rng.choice([*WORDS, "nosuchword", "the"])
        roll = rng.random()
        if roll < 0.12:
            word = "-" + word
        elif roll < 0.2:
            word = "title:" + word
        elif roll < 0.26:
            word = "tag:" + rng.choice(TAGS)
        elif roll < 0.32:
            word = f"{word}^{rng.choice([2, 0.5])}"
        parts.append(word)
        if number:
            parts.insert(-1, rng.choice(OPERATORS))
    text = " ".join(part for part in parts if part)
    if rng.random() < 0.2:
        text = f"({text}) {rng.choice(['OR', ''])} {rng.choice(WORDS)}"
    return text


def a_request(rng: random.Random, query: str) -> SearchRequest:
    return SearchRequest(
        query=query,
        tags=tuple(rng.sample(TAGS, rng.choice([0, 0, 0, 1]))),
        statuses=("complete",) if rng.random() < 0.15 else (),
        since="2025-04-01" if rng.random() < 0.15 else None,
        limit=rng.randint(1, 50),
    )


def ranked(opened: OpenIndex, path: Path, request: SearchRequest) -> tuple[list, int] | None:
    """best_matches as the search runs it: document numbers and exact scores, total."""
    searcher, _ = opened.searcher(path)
    text_query = backend.parse(searcher.schema, translate_query(request.query), request.query)
    if text_query is None:
        return None
    filters = backend.filter_query(request)
    found = backend.best_matches(searcher, text_query, filters, request.limit, opened.held)
    return [(hit.docnum, score) for hit, score in found.items], found.total


def test_random_queries_rank_as_whooshs_own_path(
    edited: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = SearchIndex(open_workspace(edited)).path
    plain, resident = OpenIndex(), OpenIndex(resident=True)
    searcher, _ = resident.searcher(path)
    leaves = searcher.leaf_searchers()
    assert len(leaves) >= 3 and any(leaf.reader().has_deletions() for leaf, _ in leaves)
    answered = []
    whooshs = combined.best

    def counted(*args: object, **kwargs: object) -> object:
        found = whooshs(*args, **kwargs)  # type: ignore[arg-type]
        answered.append(found is not None)
        return found

    monkeypatch.setattr(combined, "best", counted)
    rng = random.Random(2026)
    compared = 0
    for _ in range(400):
        request = a_request(rng, a_query(rng))
        expected = ranked(plain, path, request)
        if expected is None:
            continue
        assert ranked(resident, path, request) == expected, request
        assert ranked(resident, path, request) == expected, request  # from what was kept
        compared += 1
    assert compared > 300
    assert answered.count(True) > 250  # most answered by sets, the rest by Whoosh
    assert answered.count(False) > 10  # ANDMAYBE, boosts of 0.5 on an array union...


def test_what_a_user_sees_is_the_same(edited: Path) -> None:
    plain, resident = OpenIndex(), OpenIndex(resident=True)
    rng = random.Random(7)
    for query in ["quokka wombat", "quokka OR numbat -dingo", "NOT bilby", "tag:marsupial possum"]:
        request = a_request(rng, query)
        expected = search(open_workspace(edited), request, opened=plain)
        found = search(open_workspace(edited), request, opened=resident)
        assert found.total == expected.total > 0, query
        assert [hit.public() for hit in found.hits] == [hit.public() for hit in expected.hits]


def test_the_best_are_whooshs_collectors_ties_to_the_lower_document() -> None:
    first = {5: 2.0, 1: 1.0, 3: 1.0, 9: 3.0}
    second = {0: 1.0, 2: 2.0}
    found = [(first, 0), (second, 10)]
    assert combined._top(found, 3) == [(3.0, 9), (2.0, 5), (2.0, 12)]
    assert combined._top(found, 5) == [(3.0, 9), (2.0, 5), (2.0, 12), (1.0, 1), (1.0, 3)]
    assert combined._top(found, 10)[-1] == (1.0, 10)
    assert combined._top([({}, 0)], 3) == []


def test_terms_scored_a_block_at_a_time_as_whooshs_matcher(edited: Path) -> None:
    opened = OpenIndex(resident=True)
    searcher, _ = opened.searcher(SearchIndex(open_workspace(edited)).path)
    reading = backend._kinds().reading
    by_blocks = 0
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        for field in ("title", "tags", "body", "status"):
            for text in reader.lexicon(field):
                matcher = leaf.postings(field, text, weighting=searcher.weighting)
                leaf_matcher = getattr(matcher, "child", matcher)
                expected = postings.scored(leaf, searcher.weighting, field, text, None)
                assert expected is not None and len(expected[0]) > 0
                found = postings.scored(leaf, searcher.weighting, field, text, reading)
                assert found == expected, (field, text)
                by_blocks += hasattr(leaf_matcher, "_next_block")
    assert by_blocks > 0  # postings long enough for blocks of their own
