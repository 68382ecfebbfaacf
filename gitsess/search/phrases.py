"""Phrases matched on positions as numbers.

Whoosh checks a phrase in each document holding all its words by making a Span
object of every position of every word and comparing them pairwise
(`whoosh.query.spans.SpanNear2.SpanNear2Matcher._get_spans`): a third of the time
of a phrase query. For the phrases the query parser makes (words in order, each
right after the one before: slop 1, at least 1 apart, word matchers with positions
and no characters) the same spans come from sets of positions: a span starts at
each position of the first word such that the second word is at the next
position, the third at the one after, and so on. Any other span query keeps
Whoosh's own method. The classes are given by gitsess.search.backend, which alone
imports Whoosh.
"""

from __future__ import annotations

import functools
from typing import Any

INSTALLED = "_gitsess_phrases"


def install(matcher: Any, span: Any, filtering: Any) -> None:
    """Give Whoosh's SpanNear2 matcher class `matcher` the faster phrase check
    (once per process); `span` is Whoosh's Span class, `filtering` its FilterMatcher
    (what leaves out a segment's deleted documents: it passes positions and spans
    through unchanged)."""
    if getattr(matcher, INSTALLED, False):
        return
    whooshs = matcher._get_spans

    @functools.wraps(whooshs)  # __wrapped__: Whoosh's own, which the tests compare with
    def get_spans(self: Any) -> list[Any]:
        words = self.ms
        if not (
            self.slop == 1
            and self.ordered
            and self.mindist == 1
            and all(_positional(word, filtering) for word in words)
        ):
            return list(whooshs(self))
        return [span(start, end) for start, end in phrase_spans(words)]

    setattr(matcher, "_get_spans", get_spans)  # noqa: B010 — mypy: "cannot assign to a method"
    setattr(matcher, INSTALLED, True)


def _positional(word: Any, filtering: Any) -> bool:
    """Whether `word`'s spans are the positions of one term, one span each."""
    while isinstance(word, filtering):
        word = word.child
    return bool(word.is_leaf() and not word.supports("characters"))


def phrase_spans(words: list[Any]) -> list[tuple[int, int]]:
    """(first, last position) of each place where the words' matchers, positioned
    on one document, are at consecutive positions, in order."""
    starts = set(words[0].value_as("positions"))
    for distance, word in enumerate(words[1:], 1):
        if not starts:
            return []
        starts.intersection_update(at - distance for at in word.value_as("positions"))
    last = len(words) - 1
    return [(start, start + last) for start in sorted(starts)]
