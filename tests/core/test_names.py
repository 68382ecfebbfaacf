"""Names, dates and slugs: in-process, no git."""

from __future__ import annotations

import pytest

from gitsess.core.names import (
    SLUG_MAX,
    ascii_spelling,
    date_from_name,
    is_export_name,
    one_line,
    parse_date,
    slugify,
    title_from_name,
)


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("DistilBERT training", "distilbert_training"),
        ("Café résumé naïve", "cafe_resume_naive"),
        ("Straße nach Zürich", "strasse_nach_zurich"),
        ("Fix: the 'quoted' #1 [bug] {x} & *y*", "fix_the_quoted_1_bug_x_y"),
        ("🚀 !!", "untitled"),
        ("日本語", "untitled"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


def test_a_long_slug_is_cut_at_a_word_boundary():
    slug = slugify("word " * 40)
    assert len(slug) <= SLUG_MAX and slug.endswith("word") and not slug.endswith("_")
    assert slugify("x" * 100) == "x" * SLUG_MAX


def test_ascii_spelling():
    assert ascii_spelling("Größe Æble łódź") == "Grosse AEble lodz"


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("2025-12-01", "2025-12-01"),
        (" 2025-12-01 ", "2025-12-01"),
        ("2025-02-30", None),
        ("20251201", None),  # Python 3.11 would take it; 3.10 would not
        ("2025-W48-1", None),
        ("1.12.2025", None),
    ],
)
def test_parse_date_takes_only_iso_dates(raw, parsed):
    assert parse_date(raw) == parsed


@pytest.mark.parametrize(
    ("name", "date", "title"),
    [
        ("session_20251201_distilbert_training.md", "2025-12-01", "Distilbert training"),
        ("2025-12-01-notes-on-ocr.md", "2025-12-01", "Notes on ocr"),
        ("session_20251301_bad_month.md", None, "Bad month"),
        ("notes.md", None, "Notes"),
    ],
)
def test_what_a_file_name_says(name, date, title):
    assert date_from_name(name) == date
    assert title_from_name(name) == title


@pytest.mark.parametrize(
    ("name", "export"),
    [
        ("session_20251201_x.md", True),
        ("notes.md", True),
        ("session_index.md", False),
        ("CONTEXT_MANAGEMENT.md", False),
        ("README.md", False),
        (".hidden.md", False),
        ("templates/session-feature.md", False),
        ("session_20251201_x.txt", False),
        # files beside the notes, whatever their case
        ("SESSION_INDEX.md", False),
        ("Session-Index.md", False),
        ("TEMPLATE.md", False),
        ("handoff-template.md", False),
        ("template_bug.md", False),
        ("Readme.md", False),
        ("_next-session-prompt-2.md", False),
        ("_draft.md", False),
        (".current-session", False),
        ("friction_points.md", False),
        ("BACKLOG.md", False),
        # a date makes it a note, whatever its words; so do other words
        ("2026-04-08-search-index.md", True),
        ("session_20260101_template_engine.md", True),
        ("2025-07-16-1831-Build section 1.5.md", True),
        ("indexing-notes.md", True),
        ("auth-tokens.md", True),
    ],
)
def test_is_export_name(name, export):
    assert is_export_name(name) is export


def test_one_line():
    assert one_line("  two\n lines\t here ") == "two lines here"
    assert one_line(" \n ") is None
    assert one_line(None) is None
