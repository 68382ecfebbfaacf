"""The query language people type, rewritten for Whoosh: pure text, tested in process.

What the rewritten queries find is tested end to end in tests/search/test_search.py.
"""

from __future__ import annotations

import pytest

from gitsess.core.errors import GitSessError
from gitsess.search.query import FIELDS, excludes, respelled, translate_query

DATE_HINT = "write date:2025-11-01, date:2025-11, date:2025-11-01..2025-12-31 or date:>2025-11-01"


@pytest.mark.parametrize(
    ("typed", "whoosh"),
    [
        # words, operators and phrases pass through
        ("distilbert overfitting", "distilbert overfitting"),
        ("refunds OR chargebacks", "refunds OR chargebacks"),
        ("distilbert NOT refunds", "distilbert NOT refunds"),
        ('"partial refunds"', '"partial refunds"'),
        ("distil*", "distil*"),
        # -word: a minus that begins a word excludes it
        ("-refunds", "NOT refunds"),
        ("distilbert -refunds", "distilbert NOT refunds"),
        ("distilbert\t-refunds", "distilbert\tNOT refunds"),
        ('refunds -"partial refunds"', 'refunds NOT "partial refunds"'),
        ("(a -b)", "(a NOT b)"),
        ("a -(b OR c)", "a NOT (b OR c)"),
        ("latency -tag:ml", "latency NOT tag:ml"),
        ("-5", "NOT 5"),
        # ...and nowhere else: inside a word, alone, doubled, inside a phrase
        ("x-ray", "x-ray"),
        ("a - b", "a - b"),
        ("a -- b", "a -- b"),
        ("--verbose", "--verbose"),
        ('"partial -refunds"', '"partial -refunds"'),
        ('"unclosed -phrase', '"unclosed -phrase'),
        # fields
        ("title:webhook", "title:webhook"),
        ("tag:ml tags:ml", "tag:ml tags:ml"),
        ("status:complete type:bug kind:checkpoint", "status:complete type:bug kind:checkpoint"),
        ('"charge.refunded: webhooks"', '"charge.refunded: webhooks"'),  # a colon in a phrase
        # id: with or without .md
        ("id:session_20251201_x", "id:session_20251201_x.md"),
        ("id:session_20251201_x.md", "id:session_20251201_x.md"),
        ("id:session_202511*", "id:session_202511*"),
        ("(id:session_x)", "(id:session_x.md)"),
        # dates: a day, a month, a year, ranges open at either end, comparisons
        ("date:2025-11-01", "date:[2025-11-01 TO 2025-11-01]"),
        ("date:2025-11", "date:[2025-11 TO 2025-11~]"),
        ("date:2025", "date:[2025 TO 2025~]"),
        ("date:2025-11-01..2025-12-31", "date:[2025-11-01 TO 2025-12-31]"),
        ("date:2025-11..2025-12", "date:[2025-11 TO 2025-12~]"),
        ("date:2025-11-15..", "date:[2025-11-15 TO]"),
        ("date:..2025-11-15", "date:[TO 2025-11-15]"),
        ("date:>2025-11-20", "date:{2025-11-20 TO]"),
        ("date:>=2025-11-20", "date:[2025-11-20 TO]"),
        ("date:<2025-11-20", "date:[TO 2025-11-20}"),
        ("date:<=2025-11-20", "date:[TO 2025-11-20]"),
        ("date:>2025-11", "date:{2025-11~ TO]"),  # after November: December on
        ("date:<=2025-11", "date:[TO 2025-11~]"),  # November included
        (
            "(date:2025-12 OR tag:perf) -overfitting",
            "(date:[2025-12 TO 2025-12~] OR tag:perf) NOT overfitting",
        ),
        ('"date:2025-13"', '"date:2025-13"'),  # quoted: text, not a date
    ],
)
def test_translate_query(typed, whoosh):
    assert translate_query(typed) == whoosh


@pytest.mark.parametrize("field", ["summary", "path", "TITLE", "a", "body"])
def test_fields_it_does_not_search_are_refused(field):
    with pytest.raises(GitSessError) as refused:
        translate_query(f"refunds {field}:x")
    assert refused.value.message == f"the query names a field git sess does not search: {field}:"
    assert refused.value.hint == (
        "fields are title:, tags:, tag:, status:, type:, id:, date:, kind:;"
        " quote text that holds a colon as a phrase"
    )


def test_every_field_it_searches_is_accepted():
    for field in FIELDS:
        value = "2025-11" if field == "date" else "x"
        assert f"{field}:" in translate_query(f"{field}:{value}")


@pytest.mark.parametrize(
    "raw",
    ["2025-13", "2025-02-30", "2025-1", "25-11-01", "..", "", ">", "<=", "2025-11-01..x", "soon"],
)
def test_dates_it_does_not_know_are_refused(raw):
    with pytest.raises(GitSessError) as refused:
        translate_query(f"date:{raw}")
    assert refused.value.message == f"date:{raw} is not a date the query language knows"
    assert refused.value.hint == DATE_HINT


def test_a_range_that_ends_before_it_starts_is_refused_with_the_fix():
    with pytest.raises(GitSessError) as refused:
        translate_query("date:2025-12-31..2025-11-01")
    assert refused.value.message == "date:2025-12-31..2025-11-01 ends before it starts"
    assert refused.value.hint == "write date:2025-11-01..2025-12-31"


@pytest.mark.parametrize(
    "word", ["-refunds", '-"partial refunds"', "-(a", "-tag:ml", "-5", "-h", "-Zürich"]
)
def test_words_that_exclude(word):
    assert excludes(word)
    assert translate_query(word).startswith("NOT ")  # the command line and the query agree


@pytest.mark.parametrize("word", ["refunds", "x-ray", "-", "--", "--limit", "- refunds", ""])
def test_words_that_do_not_exclude(word):
    assert not excludes(word)
    assert "NOT" not in translate_query(word)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("distlbert", "DISTLBERT"),
        ("refunds signatres", "REFUNDS SIGNATRES"),
        # operators, fields and their values, prefixes, excluded words, a
        # phrase's first word and short words are kept as typed
        ("a OR b NOT c AND d TO e", "a OR b NOT c AND d TO e"),
        ("cat OR dog", "CAT OR DOG"),
        ("tag:ml title:webhok", "tag:ml title:webhok"),
        ("distil* -stripee", "distil* -stripee"),
        ('"partial refunds"', '"partial REFUNDS"'),
        ("ab 42 x_y", "ab 42 x_y"),
    ],
)
def test_respelled_replaces_only_plain_words(typed, expected):
    assert respelled(typed, str.upper) == expected
