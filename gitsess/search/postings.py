"""Each word's scored matches in a segment, kept while its index stays open.

A word of a query is a term of each field (`latency`: title, tags, body), and Whoosh
reads its postings and scores them one by one in Python at each query: per posting
a block read, a field length, the BM25 formula and the matcher's calls (half of a
served answer for a common word at 1,000 sessions, benchmarks/README.md, "A served
search at 1,000 sessions"). Within one open index those scores never change (the
statistics they use are the index's own), so the first query to use a term in a
segment keeps its matching documents and their scores, and later queries read them
from two arrays. Only the terms that are scored alone are kept (those under And, Or,
Not and the like); a phrase's words need their positions, and keep Whoosh's way.

The scores are Whoosh's own, computed by Whoosh's matcher and kept as the same
floats (an array of doubles holds them bit for bit), and the boost is applied by the
same wrapper as before: hits, scores and their order are what they were (tested).
This module imports nothing of Whoosh: gitsess.search.backend gives the classes.
"""

from __future__ import annotations

import copy
import functools
from array import array
from typing import Any

POSTINGS_LIMIT = 2_000_000  # postings held in all (16 bytes each); past it, start again

Key = tuple[int, int, str, bytes]  # the segment's searcher, the weighting, the term
Scores = tuple["array[int]", "array[float]"]  # the matching documents and their scores
# Whoosh's FilterMatcher (what leaves a segment's deleted documents out) and
# WeightLengthScorer (a score from a posting's weight and its field length alone)
Reading = tuple[Any, Any]
_BLOCKS = ("_next_block", "_ids", "_weights", "_i", "id", "weight", "is_active")


class Held:
    """The scored postings of one open index: let go of when it is closed. Each
    entry keeps its searcher and weighting, so their ids in its key stay theirs."""

    def __init__(self) -> None:
        self.terms: dict[Key, tuple[Any, Any, Scores | None]] = {}
        self.count = 0

    def keep(self, key: Key, searcher: Any, weighting: Any, value: Scores | None) -> None:
        size = len(value[0]) if value else 0
        if size > POSTINGS_LIMIT:
            return  # scored anew at each query, as Whoosh does
        if self.count + size > POSTINGS_LIMIT:
            self.terms.clear()
            self.count = 0
        self.terms[key] = (searcher, weighting, value)
        self.count += size


PARTS = "_gitsess_parts"  # set on Whoosh's class once its parts are made to fit


def parts_that_fit(array_union: Any) -> None:
    """Make Whoosh's ArrayUnionMatcher (the union of a word's fields in an index of
    up to 5,000 documents) allocate and clear, per segment, an array of at most the
    segment's documents instead of 2,048 each time: a one-document segment, which
    each synced edit writes, cost a word two Python loops of 2,048 steps per query.
    A document's score is the same sum in the same order whatever the part's size
    (the part only bounds the documents read at a time), so the results are too."""
    if getattr(array_union, PARTS, False):
        return
    whooshs = array_union.__init__

    @functools.wraps(whooshs)  # __wrapped__: Whoosh's own, which the tests compare with
    def fitted(
        self: Any,
        submatchers: Any,
        doccount: int,
        boost: float = 1.0,
        scored: bool = True,
        partsize: int = 2048,
    ) -> None:
        part = max(1, min(partsize or doccount, doccount))  # Whoosh: 0, the whole
        whooshs(self, submatchers, doccount, boost, scored, part)

    array_union.__init__ = fitted
    setattr(array_union, PARTS, True)


EXCLUSIONS = "_gitsess_exclusions"  # set on Whoosh's class once its first match is found


def exclusions_from_the_first(and_not: Any) -> None:
    """Make Whoosh's AndNotMatcher (`a ANDNOT b`) leave out its first document when `b`
    holds it: Whoosh looked for it only when both parts began on the same document, so
    with `b` beginning earlier, `a`'s first match was kept though `b` has it (`tag:x
    ANDNOT y` showed an export with `y`). Every later step already skipped `b` forward."""
    if getattr(and_not, EXCLUSIONS, False):
        return

    def find_first(self: Any) -> None:
        if self.a.is_active() and self.b.is_active():
            self._find_next()  # skips `b` up to `a`'s document, then past what both hold

    and_not._find_first = find_first
    setattr(and_not, EXCLUSIONS, True)


@functools.cache
def classes(term: Any, listing: Any, wrapping: Any, reading: Reading) -> tuple[Any, Any]:
    """The query class of a held term (made from Whoosh's Term) and its matcher
    (made from Whoosh's ListMatcher), made once per process."""

    class Scored(listing):  # type: ignore[misc,valid-type]
        """A term's matches in one segment, with the scores Whoosh gave them."""

        def __init__(self, ids: Any, scores: Any, name: Any, position: int = 0):
            super().__init__(ids, position=position, term=name)
            self._scores = scores

        def score(self) -> float:
            return float(self._scores[self._i])

        def weight(self) -> float:
            return float(self._scores[self._i])

        def copy(self) -> Scored:
            return Scored(self._ids, self._scores, self._term, self._i)

    class HeldTerm(term):  # type: ignore[misc,valid-type]
        """A term whose scored postings are kept in `held` (set after creation)."""

        held: Held

        def matcher(self, searcher: Any, context: Any = None) -> Any:
            weighting = context.weighting if context is not None else searcher.weighting
            if self.minquality or weighting is None or self.fieldname not in searcher.schema:
                return super().matcher(searcher, context)
            try:
                text = searcher.schema[self.fieldname].to_bytes(self.text)
            except ValueError:
                return super().matcher(searcher, context)
            found = scores_of(self.held, searcher, weighting, self.fieldname, text, reading)
            if found is None:  # not in this segment: Whoosh's null matcher
                return super().matcher(searcher, context)
            matcher = Scored(found[0], found[1], (self.fieldname, text))
            return wrapping(matcher, boost=self.boost) if self.boost != 1.0 else matcher

    return HeldTerm, Scored


def scores_of(
    held: Held, searcher: Any, weighting: Any, field: str, text: bytes, reading: Reading
) -> Scores | None:
    """The term's matches in `searcher`'s segment and their scores, kept in `held`."""
    key = (id(searcher), id(weighting), field, text)
    kept = held.terms.get(key)
    if kept is not None and kept[0] is searcher and kept[1] is weighting:
        return kept[2]
    found = scored(searcher, weighting, field, text, reading)
    held.keep(key, searcher, weighting, found)
    return found


def scored(
    searcher: Any, weighting: Any, field: str, text: bytes, reading: Reading | None
) -> Scores | None:
    """Every match of the term in `searcher`'s segment and its score, as Whoosh's
    own matcher gives them (deleted documents left out); None when there is none.
    `reading`: read a block at a time where Whoosh's matcher allows it."""
    if (field, text) not in searcher.reader():
        return None
    matcher = searcher.postings(field, text, weighting=weighting)
    found = _by_blocks(searcher, field, matcher, reading) if reading else None
    if found is not None:
        return found
    ids: array[int] = array("q")
    scores: array[float] = array("d")
    while matcher.is_active():
        ids.append(matcher.id())
        scores.append(matcher.score())
        matcher.next()
    return ids, scores


def _by_blocks(searcher: Any, field: str, matcher: Any, reading: Reading) -> Scores | None:
    """What the loop of `scored` gives, a block at a time: a term's postings read by
    Whoosh's codec (its id() and weight() load a block's arrays of ids and weights)
    and each scored by its scorer's own `_score(weight, field length)`, which is
    what the scorer's score() computes for a posting (WeightLengthScorer, BM25's
    base: the same function on the same numbers, so the same bits). Per posting:
    two calls instead of a dozen through the matcher. None when the matcher or
    its scorer is not one this reads."""
    filtering, scoring = reading
    deleted: Any = ()
    if type(matcher) is filtering:  # Whoosh's wrapper leaving deleted documents out
        if not matcher._exclude or matcher.boost != 1.0:
            return None
        deleted, matcher = matcher._ids, matcher.child
    scorer = getattr(matcher, "scorer", None)
    if (
        not all(hasattr(matcher, name) for name in _BLOCKS)
        or not isinstance(scorer, scoring)
        or type(scorer).score is not scoring.score
    ):
        return None
    lengths = getattr(getattr(searcher.reader(), "_perdoc", None), "doc_field_length_reader", None)
    # The scorer's dfl(doc) is doc_field_length(doc, field, 1): the same lengths
    length = lengths(field, 1) if lengths else scorer.dfl
    score = scorer._score
    ids: array[int] = array("q")
    scores: array[float] = array("d")
    while matcher.is_active():
        matcher.id(), matcher.weight()  # load the block's ids and weights
        start = matcher._i
        docs, weights = matcher._ids[start:], matcher._weights[start:]
        if deleted:
            kept = [
                (doc, weight)
                for doc, weight in zip(docs, weights, strict=True)
                if doc not in deleted
            ]
            docs, weights = [doc for doc, _ in kept], [weight for _, weight in kept]
        ids.extend(docs)
        scores.extend(map(score, weights, map(length, docs)))
        matcher._next_block()
    return ids, scores


def held_terms(query: Any, held: Held, term: Any, held_term: Any, kinds: tuple[Any, ...]) -> Any:
    """`query` with each of its terms scored alone (Whoosh's `term` exactly, under
    queries of the types `kinds`, which score their parts and need no positions)
    made a `held_term` that keeps its scores in `held`. Other queries stay as they are."""
    if type(query) is term:
        found = held_term(query.fieldname, query.text, boost=query.boost)
        found.held = held
        return found
    if type(query) not in kinds:
        return query
    new = copy.copy(query)  # every attribute kept (an Or's minmatch, a Not's boost)
    if hasattr(query, "a"):  # two parts (AndNot, AndMaybe, Require, Otherwise)
        new.a = held_terms(query.a, held, term, held_term, kinds)
        new.b = held_terms(query.b, held, term, held_term, kinds)
        new.subqueries = (new.a, new.b)
    elif hasattr(query, "subqueries"):
        new.subqueries = [held_terms(q, held, term, held_term, kinds) for q in query.subqueries]
    else:  # Not
        new.query = held_terms(query.query, held, term, held_term, kinds)
    return new
