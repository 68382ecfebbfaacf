"""Words joined by AND, OR and NOT, answered from the held scores with set operations.

Whoosh answers `latency webhook` with a tree of matchers walked one document at a
time in Python, and its collector asks the tree for each match's id and score:
with the terms' scores already held (postings.py), that walk was still most of a
served answer at 10,000 sessions (~6,000 matches: 80 ms of CPU, benchmarks/README.md,
"Codex and MCP (issue 21)"). Here each segment's matches are dicts (document → score)
combined by C-speed set operations; Python arithmetic runs only for a document two
branches share (their scores added).

The result is Whoosh's to the bit. Each node is the matcher Whoosh would make (its
class, its children in the same tree: `make_weighted_tree`, Whoosh's own, shapes it,
comparing the nodes as it compares matchers, so equal weights fall as they do), and a
document's score is the same additions in the same grouping (a union or intersection
adds its two sides, which commute; the array union of a large Or adds its parts in
order from 0.0). The best are chosen as Whoosh's TopCollector chooses them: by score,
then the lower document number. A query of any other kind gets None, and Whoosh
answers it: a phrase, a prefix, a range; ANDMAYBE and ANDNOT, whose matchers Whoosh
moves in ways of their own (its AndNotMatcher keeps a segment's first match when the
excluded part begins before it). This module imports nothing of Whoosh:
gitsess.search.backend gives the classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Set
from dataclasses import dataclass
from itertools import chain
from typing import Any

from gitsess.search.postings import Held, Reading, scores_of

Value = Any  # scored: dict[int, float]; unscored: set[int]; or Negated
VALUE = "_gitsess_value"  # where a node (a matcher never initialized) keeps its value


@dataclass(frozen=True)
class Kinds:
    """Whoosh's query classes this module answers, and the matcher classes of the nodes."""

    term: Any
    and_: Any
    or_: Any
    not_: Any
    require: Any
    scored: Any  # a held term's matcher (postings.classes)
    wrapping: Any
    null: Any
    union: Any
    intersection: Any
    array_union: Any
    inverse: Any
    require_matcher: Any
    weighted_tree: Callable[[Any, list[tuple[int, Any]]], Any]
    reading: Reading


@dataclass(frozen=True)
class Negated:
    """Whoosh's InverseMatcher: every document of the segment not deleted and not in
    `excluded`, each scoring `score`; kept as the excluded set until a node needs more."""

    excluded: Set[int]
    score: float


class _Whooshs(Exception):
    """A document of an array union scores 0 or less: Whoosh's matcher then reports
    some of them (the first of each part it reads), which is for Whoosh to do."""


def answerable(query: Any, kinds: Kinds) -> bool:
    """Whether `query` is made of the queries answered here, as the parser makes them."""
    kind = type(query)
    if kind is kinds.term:
        return not query.minquality
    if kind is kinds.or_:
        if query.scale or query.matcher_type != query.AUTO_MATCHER:
            return False
        return all(answerable(sub, kinds) for sub in query.subqueries)
    if kind is kinds.and_:
        return all(answerable(sub, kinds) for sub in query.subqueries)
    if kind is kinds.not_:
        return answerable(query.query, kinds)
    if kind is kinds.require:
        return answerable(query.a, kinds) and answerable(query.b, kinds)
    return False


def best(
    searcher: Any, query: Any, filters: Any, count: int, held: Held, kinds: Kinds
) -> tuple[list[tuple[float, int]], int] | None:
    """The `count` best matches of `query` among the documents `filters` (a query, or
    None) allows, as (score, document number) best first, and how many match in all;
    None when `query` is not one answered here."""
    if searcher.weighting.use_final or not answerable(query, kinds):
        return None
    found: list[tuple[dict[int, float], int]] = []
    for leaf, offset in searcher.leaf_searchers():
        segment = _Segment(leaf, searcher.weighting, held, kinds)
        try:
            matches = segment.materialized(segment.node(query, True), True)
        except _Whooshs:
            return None
        if filters is not None and matches:
            allowed = set(filters.docs(leaf))
            matches = {doc: matches[doc] for doc in matches.keys() & allowed}
        found.append((matches, offset))
    return _top(found, count), sum(len(matches) for matches, _ in found)


def _top(found: list[tuple[dict[int, float], int]], count: int) -> list[tuple[float, int]]:
    """TopCollector's choice: the `count` highest scores, the lower document number
    first among equal ones (its heap keeps the first seen), best first."""
    scores = sorted(chain.from_iterable(matches.values() for matches, _ in found), reverse=True)
    if not scores or count <= 0:
        return []
    cut = scores[min(count, len(scores)) - 1]
    chosen = [
        (score, doc + offset)
        for matches, offset in found
        for doc, score in matches.items()
        if score >= cut
    ]
    chosen.sort(key=lambda pair: (-pair[0], pair[1]))
    return chosen[:count]


class _Segment:
    """One segment's nodes: what `query.matcher(leaf, context)` builds, as values."""

    def __init__(self, leaf: Any, weighting: Any, held: Held, kinds: Kinds):
        self.leaf, self.weighting, self.held, self.kinds = leaf, weighting, held, kinds
        self.reader = leaf.reader()
        self._live: frozenset[int] | None = None

    def node(self, query: Any, scored: bool) -> Any:
        """The matcher Whoosh makes for `query` (scored: in the search's context;
        else in a boolean one), never initialized, holding its value."""
        kinds = self.kinds
        kind = type(query)
        if kind is kinds.term:
            return self._term(query, scored)
        if kind is kinds.and_ or kind is kinds.or_:
            subs = query.subqueries
            if not subs:
                return _made(kinds.null, {} if scored else set())
            if len(subs) == 1:  # Whoosh's CompoundQuery.matcher: the boost left out
                return self.node(subs[0], scored)
            if kind is kinds.and_:
                root = self._tree(subs, scored, kinds.intersection, -1)
            elif len(subs) < query.TOO_MANY_CLAUSES and (
                len(subs) == 2 or self.leaf.doc_count_all() > 5000
            ):
                root = self._tree(subs, scored, kinds.union, 1)  # Whoosh's DefaultOr
            else:  # PreloadedOr: the boost is the array union's own
                parts = [self.node(sub, scored) for sub in subs]
                return _made(kinds.array_union, self._array_union(parts, query.boost, scored))
            if query.boost != 1.0:
                return _made(kinds.wrapping, _boosted(_value(root), query.boost, scored))
            return root
        if kind is kinds.not_:
            excluded = self.materialized(self.node(query.query, False), False)
            return _made(kinds.inverse, Negated(excluded, 1.0))
        return self._require(query, scored)

    def _term(self, query: Any, scored: bool) -> Any:
        kinds = self.kinds
        schema = self.leaf.schema
        if query.fieldname not in schema:
            return _made(kinds.null, {} if scored else set())
        try:
            text = schema[query.fieldname].to_bytes(query.text)
        except ValueError:
            return _made(kinds.null, {} if scored else set())
        # Docs alone in a boolean context: the same ones, from the scored postings kept.
        held, reading = self.held, self.kinds.reading
        found = scores_of(held, self.leaf, self.weighting, query.fieldname, text, reading)
        if found is None:
            return _made(kinds.null, {} if scored else set())
        if not scored:
            return _made(kinds.scored, set(found[0]))
        matches = dict(zip(found[0], found[1], strict=True))
        if query.boost != 1.0:
            return _made(kinds.wrapping, _boosted(matches, query.boost, True))
        return _made(kinds.scored, matches)

    def _tree(self, subs: Any, scored: bool, joined: Any, sign: int) -> Any:
        """Whoosh's `_tree_matcher`: the parts paired by `make_weighted_tree` on their
        estimated sizes (an And's negated), pairs as Whoosh compares them."""
        nodes = [self.node(sub, scored) for sub in subs]
        weights = [sign * sub.estimate_size(self.reader) for sub in subs]
        intersect = joined is self.kinds.intersection

        def join(a: Any, b: Any) -> Any:
            if intersect:
                return _made(joined, self._intersection(_value(a), _value(b), scored))
            return _made(joined, self._union(_value(a), _value(b), scored))

        return self.kinds.weighted_tree(join, list(zip(weights, nodes, strict=True)))

    def _union(self, a: Value, b: Value, scored: bool) -> Value:
        """UnionMatcher: a document on both sides scores a + b."""
        a, b = self.materialized(a, scored), self.materialized(b, scored)
        if not scored:
            return a | b
        joined = {**a, **b}
        for doc in a.keys() & b.keys():
            joined[doc] = a[doc] + b[doc]
        return joined

    def _intersection(self, a: Value, b: Value, scored: bool) -> Value:
        """IntersectionMatcher: a document on both sides, scoring a + b."""
        if isinstance(a, Negated) and isinstance(b, Negated):
            return Negated(a.excluded | b.excluded, a.score + b.score)
        if isinstance(a, Negated):
            a, b = b, a  # the sum commutes
        if isinstance(b, Negated):
            if not scored:
                return a - b.excluded
            score = b.score
            return {doc: a[doc] + score for doc in a.keys() - b.excluded}
        if not scored:
            return a & b
        return {doc: a[doc] + b[doc] for doc in a.keys() & b.keys()}

    def _array_union(self, parts: list[Any], boost: float, scored: bool) -> Value:
        """ArrayUnionMatcher: each document's scores added part by part from 0.0, each
        times the boost (its matches: the sums above 0; none may be less, see _Whooshs)."""
        values = [self.materialized(_value(part), scored) for part in parts]
        if not scored:
            return set().union(*values)
        summed: dict[int, float] = {}
        for value in values:
            if boost != 1.0:
                value = {doc: score * boost for doc, score in value.items()}
            shared = summed.keys() & value.keys()
            old = summed
            summed = {**summed, **value}  # 0.0 + a score is the score (0.0 and -0.0 drop)
            for doc in shared:
                summed[doc] = old[doc] + value[doc]
        if summed and not (min(summed.values()) > 0 and not math.isnan(sum(summed.values()))):
            raise _Whooshs
        return summed

    def _require(self, query: Any, scored: bool) -> Any:
        """Require: the first part's matches and scores, those the second part (in a
        boolean context) matches too."""
        a = self.materialized(self.node(query.a, scored), scored)
        b = self.materialized(self.node(query.b, False), False)
        both = a.keys() & b if scored else a & b
        return _made(self.kinds.require_matcher, {d: a[d] for d in both} if scored else both)

    def materialized(self, node: Any, scored: bool) -> Any:
        """The value of `node` (or a value) as documents: a Negated made explicit."""
        value = _value(node) if hasattr(node, VALUE) else node
        if not isinstance(value, Negated):
            return value
        if self._live is None:
            reader = self.reader
            count = reader.doc_count_all()
            deleted = reader.has_deletions()
            self._live = frozenset(reader.all_doc_ids() if deleted else range(count))
        documents = self._live - value.excluded
        return dict.fromkeys(documents, value.score) if scored else set(documents)


def _made(kind: Any, value: Value) -> Any:
    """A node: an instance of the matcher class Whoosh would make (its comparisons
    are what shape Whoosh's trees), never initialized, holding `value`."""
    node = kind.__new__(kind)
    setattr(node, VALUE, value)
    return node


def _value(node: Any) -> Value:
    return getattr(node, VALUE)


def _boosted(value: Value, boost: float, scored: bool) -> Value:
    """WrappingMatcher: each score times the boost."""
    if not scored:
        return value
    if isinstance(value, Negated):
        return Negated(value.excluded, value.score * boost)
    return {doc: score * boost for doc, score in value.items()}
