"""Phrases matched on positions as numbers, a segment's candidates all at once.

Whoosh checks a phrase document by document: an intersection of the words'
matchers, each candidate's positions made into Span objects and compared pairwise
(`whoosh.query.spans.SpanNear2.SpanNear2Matcher._get_spans`), and a tree of
matchers (wrapping, filtering, intersecting) asked for every id, score and step:
some twenty Python calls per candidate, 90–150 ms for `"partial refunds"` at
10,000 sessions (2,600 documents hold it). For the phrases the query parser makes
(words in order, each right after the one before: slop 1, at least 1 apart, word
matchers with positions and no characters, maybe wrapped to leave a segment's
deleted documents out) a segment's answer is computed in one go instead: each
word's postings read block by block (ids, weights, positions as stored), the
documents holding every word found with dictionaries, their positions checked as
sets (the phrase starts where the second word is at the next position, the third
at the one after…), and each match scored as Whoosh's matchers would score it:
each word's scorer on its weight and the document's field length, added up in the
order of Whoosh's intersection tree, so the floats are the same bits. The result is
a list matcher the rest of Whoosh's tree (the phrase's boost, the union of fields,
the collector) reads as it read the span matcher. Any other span query, or a word
matcher this code does not know, keeps Whoosh's own way, and Whoosh's span check
itself is given the set comparison. The classes are given by
gitsess.search.backend, which alone imports Whoosh.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

INSTALLED = "_gitsess_phrases"
_BLOCKS = ("_next_block", "_ids", "_weights", "_values", "_i", "format", "scorer")


def install(near: Any, span: Any, filtering: Any, listing: Any, scoring: Any) -> None:
    """Give Whoosh's SpanNear2 query class `near` the faster phrase matcher and its
    matcher class the faster span check (once per process). `span` is Whoosh's Span
    class, `filtering` its FilterMatcher (what leaves out a segment's deleted
    documents), `listing` its ListMatcher (a matcher over a list of ids), `scoring`
    its WeightLengthScorer (a score from a weight and a field length alone)."""
    if getattr(near, INSTALLED, False):
        return
    matcher_class = near.SpanNear2Matcher
    whooshs_spans = matcher_class._get_spans

    @functools.wraps(whooshs_spans)  # __wrapped__: Whoosh's own, which the tests compare with
    def get_spans(self: Any) -> list[Any]:
        words = self.ms
        if not (
            _simple(self) and all(_positional(_unfiltered(word, filtering)[0]) for word in words)
        ):
            return list(whooshs_spans(self))
        return [span(start, end) for start, end in phrase_spans(words)]

    class Scored(listing):  # type: ignore[misc,valid-type]
        """The matches of a phrase in one segment, with their scores."""

        def __init__(self, ids: list[int], scores: list[float], position: int = 0):
            super().__init__(ids, position=position)
            self._scores = scores

        def score(self) -> float:
            return float(self._scores[self._i])

        def copy(self) -> Any:
            return Scored(self._ids, self._scores, self._i)

        def supports_block_quality(self) -> bool:
            return False

    whooshs_matcher = near.matcher

    @functools.wraps(whooshs_matcher)  # __wrapped__: Whoosh's own, which the tests compare with
    def matcher(self: Any, searcher: Any, context: Any = None) -> Any:
        # What Whoosh's SpanNear2.matcher does, but for the simple case.
        kept: Kept | None = getattr(searcher, KEPT, None)
        weighting = context.weighting if context is not None else searcher.weighting
        key = _key(self) if kept is not None and _simple(self) else None
        if kept is not None and key is not None:
            found = kept.get(key)
            if found is not None and found[0] is weighting:
                return Scored(*found[1])
        words = [query.matcher(searcher, self._span_context(context)) for query in self.qs]
        if _simple(self):
            found = matches(words, filtering, scoring)
            if found is not None:
                if kept is not None and key is not None:
                    kept.keep(key, weighting, found)
                return Scored(*found)
        return self.SpanNear2Matcher(
            words, slop=self.slop, ordered=self.ordered, mindist=self.mindist
        )

    setattr(matcher_class, "_get_spans", get_spans)  # noqa: B010 — mypy: "cannot assign to a method"
    setattr(near, "matcher", matcher)  # noqa: B010
    setattr(near, INSTALLED, True)


KEPT = "_gitsess_kept_phrases"  # on the segments' searchers of an index the server keeps open
KEPT_LIMIT = 1_000_000  # documents held in all; past it, start again


class Kept(dict[Any, Any]):
    """A segment's phrase matches and scores, kept while its index is open (the
    server's: gitsess.search.opened); each with the weighting that scored it."""

    count = 0

    def keep(self, key: Any, weighting: Any, found: tuple[list[int], list[float]]) -> None:
        if self.count + len(found[0]) > KEPT_LIMIT:
            self.clear()
            self.count = 0
        self[key] = (weighting, found)
        self.count += len(found[0])


def keep_phrases(leaves: Iterable[Any]) -> None:
    """Keep the phrases' matches of these segments' searchers for later queries."""
    for leaf in leaves:
        setattr(leaf, KEPT, Kept())


def _key(near: Any) -> tuple[Any, ...] | None:
    """What a phrase's matches in a segment depend on: its words' fields, terms and
    boosts (None when a word is not a term)."""
    key = []
    for word in near.qs:
        if not (hasattr(word, "fieldname") and hasattr(word, "text")):
            return None
        key.append((type(word), word.fieldname, word.text, word.boost))
    return tuple(key)


def _simple(near: Any) -> bool:
    """Whether a span query (or its matcher) asks for the words side by side, in order."""
    return bool(near.slop == 1 and near.ordered and near.mindist == 1)


def _unfiltered(word: Any, filtering: Any) -> tuple[Any, frozenset[int] | None]:
    """A word's matcher without the wrappers that leave deleted documents out, and
    the documents they leave out (None: a wrapper this code does not read)."""
    left_out: set[int] = set()
    while isinstance(word, filtering):
        if not word._exclude or word.boost != 1.0:
            return word, None
        left_out.update(word._ids)
        word = word.child
    return word, frozenset(left_out)


def _positional(word: Any) -> bool:
    """Whether `word`'s spans are the positions of one term, one span each."""
    return bool(word.is_leaf() and not word.supports("characters"))


def phrase_spans(words: list[Any]) -> list[tuple[int, int]]:
    """(first, last position) of each place where the words' matchers, positioned
    on one document, are at consecutive positions, in order."""
    return starts_at([word.value_as("positions") for word in words], len(words))


def starts_at(positions: Iterable[Iterable[int]], count: int) -> list[tuple[int, int]]:
    """(first, last position) of each run of `count` consecutive positions, the
    i-th taken from the i-th of `positions`."""
    each = iter(positions)
    starts = set(next(each))
    for distance, found in enumerate(each, 1):
        if not starts:
            return []
        starts.intersection_update(at - distance for at in found)
    last = count - 1
    return [(start, start + last) for start in sorted(starts)]


def matches(words: list[Any], filtering: Any, scoring: Any) -> tuple[list[int], list[float]] | None:
    """The documents of a segment where `words` (fresh matchers of the phrase's
    words, in order) make the phrase, ascending, and the score Whoosh's
    intersection of the words gives each; None when a matcher is not one this
    reads (the caller then lets Whoosh do it)."""
    leaves: list[Any] = []
    left_out: set[int] = set()
    for word in words:
        leaf, dropped = _unfiltered(word, filtering)
        if (
            dropped is None
            or not _positional(leaf)
            or not leaf.supports("positions")
            or not all(hasattr(leaf, name) for name in _BLOCKS)
            or not isinstance(leaf.scorer, scoring)
        ):
            return None
        leaves.append(leaf)
        left_out |= dropped
    postings = [_postings(leaf) for leaf in leaves]
    candidates = set(postings[0]).intersection(*postings[1:])
    candidates.difference_update(left_out)
    decoders = [leaf.format.decoder("positions") for leaf in leaves]
    rest = list(enumerate(zip(decoders[1:], postings[1:], strict=True), 1))
    first_decoder, first_postings = decoders[0], postings[0]
    # The words of a phrase are one field's: one field length per document, which
    # each word's scorer reads (WeightLengthScorer.score: its _score(weight, dfl(id))).
    length = leaves[0].scorer.dfl
    scores_of = [leaf.scorer._score for leaf in leaves]
    ids, scores = [], []
    for doc in sorted(candidates):
        starts = set(first_decoder(first_postings[doc][1]))
        for distance, (decode, found) in rest:
            starts.intersection_update(at - distance for at in decode(found[doc][1]))
            if not starts:
                break
        if not starts:
            continue
        ids.append(doc)
        size = length(doc)
        each = [
            score(found[doc][0], size) for score, found in zip(scores_of, postings, strict=True)
        ]
        scores.append(each[0] + each[1] if len(each) == 2 else _tree_sum(each))
    return ids, scores


def _postings(leaf: Any) -> dict[int, tuple[float, Any]]:
    """Document → (weight, stored value) of every posting left in a fresh term
    matcher of Whoosh's own codec, read a block at a time (its public id(), weight()
    and value() load a block's arrays; the rest of the block is read from them)."""
    found: dict[int, tuple[float, Any]] = {}
    while leaf.is_active():
        leaf.id(), leaf.weight(), leaf.value()  # load the block's ids, weights, values
        start = leaf._i
        found.update(
            zip(
                leaf._ids[start:],
                zip(leaf._weights[start:], leaf._values[start:], strict=True),
                strict=True,
            )
        )
        leaf._next_block()
    return found


def _tree_sum(scores: list[float]) -> float:
    """The sum as Whoosh's intersection adds its children's scores: a binary tree
    made by `whoosh.util.make_binary_tree` (first half, then second half)."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _tree_sum(scores[:half]) + _tree_sum(scores[half:])
