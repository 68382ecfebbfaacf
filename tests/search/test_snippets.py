"""Snippets (gitsess.search.snippets): the passages Whoosh's highlighter chose, made without it."""

from __future__ import annotations

import functools
import random

import pytest
from whoosh import highlight

from gitsess.search.backend import _schema, vocabulary
from gitsess.search.snippets import Vocabulary, passages

CHARS, CONTEXT, TOP = 160, 60, 2


@functools.cache
def words() -> tuple[Vocabulary, object]:
    """The vocabulary of the index's own schema, and its analyzer (for Whoosh)."""
    schema = _schema()
    return vocabulary(schema), schema["body"].analyzer


def terms_of(*query_words: str) -> frozenset[str]:
    vocab, _ = words()
    return frozenset(term for word in query_words if (term := vocab.term(word)) is not None)


def ours(text: str, terms: frozenset[str], chars: int = CHARS, top: int = TOP) -> list[str]:
    vocab, _ = words()
    found = passages(text, vocab, terms, chars, CONTEXT, top)
    return ["".join(f"[{part}]" if matched else part for part, matched in found) for found in found]


class _Marks(highlight.Formatter):
    between = "\x00"

    def format_token(self, text, token, replace=False):
        return "[" + highlight.get_text(text, token, replace) + "]"


def whooshs(text: str, terms: frozenset[str], chars: int = CHARS, top: int = TOP) -> list[str]:
    """What Whoosh's highlighter made, as the search used it before."""
    _, analyzer = words()
    fragmenter = highlight.ContextFragmenter(maxchars=chars, surround=CONTEXT, charlimit=0)
    tokens = analyzer(text, positions=True, chars=True, mode="index", removestops=False)
    matched = highlight.set_matched_filter(tokens, terms)
    tokens = highlight.Highlighter._merge_matched_tokens(matched)
    fragments = fragmenter.fragment_tokens(text, tokens)
    scorer = highlight.BasicFragmentScorer()
    found = highlight.top_fragments(fragments, top, scorer, highlight.FIRST)
    marked = _Marks().format(found)
    return [fragment for fragment in marked.split("\x00") if fragment.strip()]


def test_stemmed_forms_are_matched_and_marked_as_written() -> None:
    text = "We refunded it. Refunds came later; the refund policy changed."
    assert ours(text, terms_of("refunds")) == [
        "We [refunded] it. [Refunds] came later; the [refund] policy changed"
    ]  # a passage ends with its last word, as Whoosh's did


def test_case_and_case_folding() -> None:
    assert ours("DistilBERT overfit; distilbert again", terms_of("DISTILBERT")) == [
        "[DistilBERT] overfit; [distilbert] again"
    ]
    # Full case folding: STRASSE finds Straße, as the index does.
    assert ours("Die Straße ist lang.", terms_of("STRASSE")) == ["Die [Straße] ist lang"]


def test_unicode_words_and_offsets() -> None:
    text = "Le café naïve — résumé: «café» encore, 東京 café."
    assert ours(text, terms_of("café")) == [
        "Le [café] naïve — résumé: «[café]» encore, 東京 [café]"
    ]


def test_phrase_words_are_each_marked() -> None:
    text = "Partial refunds arrive as webhooks. A partial answer."
    assert ours(text, terms_of("partial", "refunds")) == [
        "[Partial] [refunds] arrive as webhooks. A [partial] answer"
    ]


def test_a_passage_at_the_start_and_one_at_the_end() -> None:
    filler = " ".join(f"word{number}" for number in range(200))
    text = f"Webhook first. {filler} last webhook"
    found = ours(text, terms_of("webhook"))
    assert found[0].startswith("[Webhook] first. word0")
    assert found[1].endswith("last [webhook]")
    assert len(found) == 2


def test_the_best_two_passages_in_document_order() -> None:
    filler = " ".join(f"filler{number}" for number in range(60))
    text = f"alpha once. {filler} alpha and beta together. {filler} beta alone, beta again."
    found = ours(text, terms_of("alpha", "beta"))
    # The passage with both terms scores highest, then the one with two matches of one.
    assert len(found) == 2
    assert "[alpha] and [beta] together" in found[0]
    assert "[beta] alone, [beta] again" in found[1]


def test_no_terms_or_no_match_give_nothing() -> None:
    assert ours("nothing to see", frozenset()) == []
    assert ours("nothing to see", terms_of("webhook")) == []


def test_stop_words_are_context_not_matches() -> None:
    assert ours("the cache and the queue", terms_of("queue")) == ["the cache and the [queue]"]


_WORDS = (  # noqa: SIM905 — a line of text reads better than a list of words
    "the a and of to refunds refund refunded Refunding partial webhook WEBHOOKS charge.refunded "
    "DistilBERT distilbert overfitting overfit Straße STRASSE café naïve 東京 v1.2.3 x 2025-11-20 "
    "latency latencies queue queues it's don't 42 e.g. foo_bar distil* a*b"
).split()
_SEPARATORS = [" ", " ", " ", ", ", ". ", "\n", " — ", "(", ") ", ": ", "..", " '", "\t"]


def _random_text(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(0, 400)):
        if rng.random() < 0.01:
            pieces.append("y" * rng.randint(50, 200))  # longer than a passage may be
        else:
            pieces.append(rng.choice(_WORDS))
        pieces.append(rng.choice(_SEPARATORS))
    return "".join(pieces)


_FILLER = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "the", "a.b", "x"]
_RUNS = ["-" * 30, "=" * 200, "…" * 90, "." * 70, " ", "\n\n", "  "]


def _sparse_text(rng: random.Random) -> str:
    """Long texts with few matches, far apart, some separated only by long runs of
    punctuation (no white space to restart a scan after)."""
    pieces = []
    for _ in range(rng.randint(100, 1500)):
        roll = rng.random()
        if roll < 0.02:
            pieces.append(rng.choice(_WORDS))
        elif roll < 0.05:
            pieces.append(rng.choice(_RUNS))
        else:
            pieces.append(rng.choice(_FILLER))
        pieces.append(rng.choice(_SEPARATORS))
    return "".join(pieces)


@pytest.mark.parametrize(
    ("make", "seed"),
    [(_random_text, seed) for seed in range(12)]
    + [(_sparse_text, 1000 + seed) for seed in range(8)],
)
def test_the_same_passages_as_whooshs_highlighter(make, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(30):
        text = make(rng)
        terms = terms_of(*rng.sample(_WORDS, rng.randint(1, 4)))
        chars = rng.choice([CHARS, 40, 400])
        top = rng.choice([TOP, 1, 5])
        assert ours(text, terms, chars, top) == whooshs(text, terms, chars, top), (text, terms)


def test_a_match_after_a_long_run_without_white_space() -> None:
    """The words before a match count as its context however far they are: the
    ten words before the run of dashes open the passage, as they did in Whoosh's."""
    text = "lorem " * 80 + "-" * 300 + "webhook ipsum" + " dolor" * 80
    expected = "lorem " * 10 + "-" * 300 + "[webhook] ipsum" + " dolor" * 10
    assert ours(text, terms_of("webhook")) == [expected]
    assert whooshs(text, terms_of("webhook")) == [expected]


def test_passages_are_remembered_by_the_bytes_they_come_from(monkeypatch) -> None:
    from gitsess.search import snippets

    vocab = Vocabulary(words()[0].pattern, words()[0].term)
    made: list[bytes] = []

    def make(data: bytes) -> list[str]:
        made.append(data)
        return [data.decode()]

    terms = terms_of("quokka")
    first = vocab.passages(b"a quokka", "", terms, lambda: make(b"a quokka"))
    assert vocab.passages(b"a quokka", "", terms, lambda: make(b"a quokka")) is first
    assert made == [b"a quokka"]
    # Another text (an edit), another summary or other terms: made anew.
    vocab.passages(b"a quokka!", "", terms, lambda: make(b"a quokka!"))
    vocab.passages(b"a quokka", "Summary", terms, lambda: make(b"a quokka"))
    vocab.passages(b"a quokka", "", terms_of("wombat"), lambda: make(b"a quokka"))
    assert made == [b"a quokka", b"a quokka!", b"a quokka", b"a quokka"]
    # Bounded: past the limit in bytes it starts again.
    monkeypatch.setattr(snippets, "PASSAGES_BYTES", 20)
    vocab.passages(b"x" * 15, "", terms, lambda: make(b"x" * 15))
    vocab.passages(b"a quokka", "", terms, lambda: make(b"a quokka"))
    assert made[-1] == b"a quokka"  # forgotten when the 15 bytes came


def test_an_edited_hit_shows_its_new_passages(sessions) -> None:
    from builders import export

    from gitsess.core.workspace import open_workspace
    from gitsess.search import search
    from gitsess.search.opened import OpenIndex
    from gitsess.search.query import SearchRequest

    path = export(sessions, "session_20251201_alpha.md", "Alpha", "The quokka hops about.")
    opened = OpenIndex(resident=True)

    def shown() -> list[str]:
        result = search(open_workspace(sessions), SearchRequest(query="quokka"), opened=opened)
        return ["".join(text for text, _ in snippet) for snippet in result.hits[0].snippets]

    assert shown() == ["The quokka hops about"]
    assert shown() == ["The quokka hops about"]
    path.write_text(path.read_text().replace("hops about", "sleeps all day"))
    assert shown() == ["The quokka sleeps all day"]
