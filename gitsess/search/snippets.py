"""Snippets: the passages of a hit's text around the words its query matched.

What Whoosh's highlighter made (`ContextFragmenter(maxchars, surround)`, the basic
fragment scorer, passages in document order), made without it: Whoosh ran the whole
analyzer (lower case, case folding, stop words, the Porter2 stemmer) over every word
of every hit, at each query, through a generator of Token objects per filter, which
cost 35–55 ms for ten hits of 1,000 sessions (benchmarks/README.md, "The search
server"). Here the text is cut into words with the analyzer's own tokenizer pattern
in one pass, and a word is analyzed once per `Vocabulary`: the server keeps one as
long as its index is open, so after the first queries a word costs a dictionary
look-up. The passages are chosen exactly as Whoosh chose them (tests compare the two).

This module imports nothing of Whoosh: the caller gives the tokenizer's pattern and
a function that analyzes one word (gitsess.search.backend).
"""

from __future__ import annotations

import heapq
import re
from collections import deque
from collections.abc import Callable
from typing import Any

Parts = list[tuple[str, bool]]  # a passage: (text, whether it is a matched word)
Token = tuple[int, int, str | None]  # start, end, and the term it matched (None: none)

# A bound on the words remembered: a corpus's vocabulary is far smaller, but a
# server must not grow without limit on text that is mostly unique tokens (hashes).
VOCABULARY_LIMIT = 200_000
# A bound on the texts whose passages are remembered (their bytes are the key).
PASSAGES_BYTES = 16_000_000


class Vocabulary:
    """Words as the index's analyzer makes them, each analyzed once."""

    def __init__(self, pattern: re.Pattern[str], analyze: Callable[[str], str | None]):
        self.pattern = pattern  # the analyzer's tokenizer: what a word is
        self._analyze = analyze  # one word's term (None when the analyzer drops it)
        self._terms: dict[str, str | None] = {}
        self._chunks: dict[str, tuple[tuple[str, str | None], ...]] = {}
        self._passages: dict[tuple[bytes, str, frozenset[str]], Any] = {}
        self._passages_bytes = 0

    def term(self, word: str) -> str | None:
        try:
            return self._terms[word]
        except KeyError:
            return _remember(self._terms, word, self._analyze(word))

    def words_in(self, chunk: str) -> tuple[tuple[str, str | None], ...]:
        """The words of `chunk` (a text's piece between white space), each with its term."""
        try:
            return self._chunks[chunk]
        except KeyError:
            spellings = (match.group() for match in self.pattern.finditer(chunk))
            words = tuple((spelling, self.term(spelling)) for spelling in spellings)
            return _remember(self._chunks, chunk, words)

    def passages(
        self, data: bytes, summary: str, terms: frozenset[str], make: Callable[[], Any]
    ) -> Any:
        """What `make()` returns for a hit whose indexed bytes are `data`, remembered:
        a query repeated or refined (`--json`, `--limit`) shows the same passages, and
        finding them is half of a served answer. Keyed by the bytes themselves, read
        anew at each query, so an edited file is never shown as it was."""
        key = (data, summary, terms)
        try:
            return self._passages[key]
        except KeyError:
            pass
        value = make()
        if self._passages_bytes + len(data) > PASSAGES_BYTES:
            self._passages.clear()
            self._passages_bytes = 0
        self._passages[key] = value
        self._passages_bytes += len(data)
        return value


def _remember(memo: dict[str, Any], key: str, value: Any) -> Any:
    if len(memo) >= VOCABULARY_LIMIT:
        memo.clear()
    memo[key] = value
    return value


def passages(
    text: str, vocabulary: Vocabulary, terms: frozenset[str], chars: int, surround: int, top: int
) -> list[Parts]:
    """Up to `top` passages of `text` (of at most about `chars` characters, with up to
    `surround` characters of context) around its words whose term is in `terms`:
    those holding the most matches of the most distinct terms, in document order."""
    if not terms:
        return []
    starts = _candidates(text, vocabulary, terms)
    if starts is not None and not starts:
        return []
    found = _fragments(text, vocabulary, terms, chars, surround, starts)
    if found is None:  # a window could not be shown to be what a whole scan sees
        found = _fragments(text, vocabulary, terms, chars, surround, None)
    assert found is not None
    scored = [(_score(matches), start, end, matches) for start, end, matches in found]
    best = [found for found in heapq.nlargest(top, scored) if found[0] >= 1]
    best.sort(key=lambda found: found[1])
    return [_marked(text, start, end, matches) for _, start, end, matches in best]


# Whoosh's RegexTokenizer pattern (whoosh3's: `*` is a word character too). A word
# never holds white space: the words of a text are those of its white-space-separated
# chunks, each cut alone, and a scan restarted after a white space reads the words a
# whole scan reads from there.
WHOOSH_WORDS = r"[\w\*]+(\.?[\w\*]+)*"
_WHITE = re.compile(r"\s")
JUMP = 4  # passages' contexts apart: past this, the words between are not read


def _candidates(text: str, vocabulary: Vocabulary, terms: frozenset[str]) -> list[int] | None:
    """Where the words whose term is in `terms` may start (every one of them, and
    perhaps more: a spelling found inside another word); None when the tokenizer
    is not the one this knows. The text is cut at white space by str.split and
    each distinct chunk's words are remembered, so the words are not found one by
    one in Python, nor by the regular expression engine over the whole text (as
    slow, for Unicode words)."""
    pattern = vocabulary.pattern
    if (pattern.pattern, pattern.flags & ~re.UNICODE) != (WHOOSH_WORDS, 0):
        return None
    words_in = vocabulary.words_in
    spellings = {
        spelling
        for chunk in set(text.split())
        for spelling, term in words_in(chunk)
        if term in terms
    }
    starts: list[int] = []
    for spelling in spellings:
        at = text.find(spelling)
        while at >= 0:
            starts.append(at)
            at = text.find(spelling, at + 1)
    starts.sort()
    return starts


def _fragments(
    text: str,
    vocabulary: Vocabulary,
    terms: frozenset[str],
    maxchars: int,
    surround: int,
    starts: list[int] | None,
) -> list[tuple[int, int, list[Token]]] | None:
    """Whoosh's ContextFragmenter.fragment_tokens, step for step (so passages are
    cut where they were): a passage starts up to `surround` characters of words
    before a match and ends once `surround` characters of words have followed the
    last match, or when it would pass `maxchars` characters of words. (Whoosh also
    merged matched tokens that touch: the tokenizer's words never do.)

    `starts`: where matches may start (None: read every word). Outside a passage,
    the words far before the next of these are skipped: the scan restarts after a
    white space (no word spans it, so the words after are the ones a whole scan
    reads) about 2 × `surround` before it. What Whoosh keeps of the words before a
    match is those starting within `surround` of the end of the word just before
    it; that they all lie past the restart is checked at the match, and None is
    returned when it cannot be (the caller then reads every word)."""
    term_of, pattern = vocabulary.term, vocabulary.pattern
    found: list[tuple[int, int, list[Token]]] = []
    first: int | None = None
    firsts: deque[int] = deque()  # start of the words just before, within `surround`
    countdown = -1  # < 0: not in a passage
    matches: list[Token] = []
    end = current = 0
    words = pattern.finditer(text)
    position = 0  # the end of the last word read
    upcoming = 0  # of `starts`, the first at or after `position`
    restart: int | None = None  # where the scan restarted, until a match proves it
    before: int | None = None  # the end of the last word read since the restart
    while True:
        if countdown < 0 and starts is not None:
            while upcoming < len(starts) and starts[upcoming] < position:
                upcoming += 1
            if upcoming == len(starts):
                break  # outside a passage, no match to come: nothing more to find
            target = starts[upcoming]
            if target - position > JUMP * surround:
                white = _WHITE.search(text, target - 2 * surround, target)
                if white:
                    words = pattern.finditer(text, white.end())
                    position = restart = white.end()
                    firsts.clear()
                    before = None
        word = next(words, None)
        if word is None:
            break
        start, end = word.span()
        position = end
        term = term_of(word.group())
        if term not in terms:
            term = None
            before = end
        elif restart is not None:
            if before is None or before - surround < restart:
                return None
            restart = None
        size = end - start
        if countdown < 0 and term is None:
            firsts.append(start)
            while firsts and end - firsts[0] > surround:
                firsts.popleft()
        elif current + size > maxchars:
            countdown = 0
        elif term is not None:
            countdown = surround
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = start
                    countdown += surround  # the context it could not have before
            matches.append((start, end, term))
        if countdown >= 0:
            current += size
            countdown -= size
            if countdown <= 0:
                found.append(_bounded(len(text), matches, first, end))
                matches, firsts, first, current = [], deque(), None, 0
    if matches:
        found.append(_bounded(len(text), matches, first, end))
    return found


def _bounded(
    length: int, matches: list[Token], first: int | None, end: int
) -> tuple[int, int, list[Token]]:
    if first is None:  # Whoosh's mkfrag: a passage with no start begins the text
        first = matches[0][0] if matches else 0
    return max(0, first), min(length, end), matches


def _score(matches: list[Token]) -> int:
    """Whoosh's BasicFragmentScorer: the matches, times 100 per distinct term."""
    return len(matches) * (len({term for _, _, term in matches}) * 100 or 1)


def _marked(text: str, start: int, end: int, matches: list[Token]) -> Parts:
    """The passage's text in parts, the matched words marked."""
    parts: Parts = []
    at = start
    for word_start, word_end, _ in matches:  # in order, never overlapping
        if word_start > at:
            parts.append((text[at:word_start], False))
        parts.append((text[word_start:word_end], True))
        at = word_end
    if end > at:
        parts.append((text[at:end], False))
    return parts
