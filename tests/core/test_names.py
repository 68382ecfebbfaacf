"""Names, dates and slugs: in-process, no git."""

from __future__ import annotations

import pytest

from gitsess.core.names import (
    SLUG_MAX,
    ascii_spelling,
    date_from_name,
    find_date,
    is_export_name,
    one_line,
    parse_date,
    slugify,
    time_from_name,
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


@pytest.mark.parametrize(
    ("path", "date"),
    [
        # the file name's date first
        ("2025-12-01/001_claude_setup.md", "2025-12-01"),
        ("2025-12-01/session_20251203_x.md", "2025-12-03"),
        # else the nearest folder's
        ("Session_2025-11-17_Desc/SESSION_SUMMARY.md", "2025-11-17"),
        ("roadmaps/2025-12-27_Name/roadmap.md", "2025-12-27"),
        ("2024-01-01/2025-02-02_sprint/notes.md", "2025-02-02"),
        ("archive/2025/12/x.md", None),  # year and month folders make no date
        # a file name's date that is no date leaves the folder's
        ("2025-12-01/session_20251303_x.md", "2025-12-01"),
        ("docs/sessions/archive/notes.md", None),
    ],
)
def test_the_date_of_a_path_in_the_sessions_directory(path, date):
    assert date_from_name(path) == date


def test_a_paths_title_is_its_file_names_words():
    assert title_from_name("2025-12-01/001_claude_setup.md") == "001 claude setup"
    assert title_from_name("archive/2025-12-01-cache-fix.md") == "Cache fix"


@pytest.mark.parametrize(
    ("text", "date"),
    [
        # German
        ("Datum: 7. Januar 2026", "2026-01-07"),
        ("7. Jan. 2026", "2026-01-07"),
        ("am 3. März 2026 um 10 Uhr", "2026-03-03"),
        ("3. Ma\u0308rz 2026", "2026-03-03"),  # decomposed, as macOS writes names
        ("24. Dezember 2025", "2025-12-24"),
        ("2. Jänner 2026", "2026-01-02"),  # Austria
        # French
        ("7 janvier 2026", "2026-01-07"),
        ("1er mars 2026", "2026-03-01"),
        ("le 15 août 2025", "2025-08-15"),
        ("3 févr. 2026", "2026-02-03"),
        # Spanish, Portuguese, Italian
        ("7 de enero de 2026", "2026-01-07"),
        ("30 de septiembre del 2025", "2025-09-30"),
        ("7 de janeiro de 2026", "2026-01-07"),
        ("1º de maio de 2026", "2026-05-01"),
        ("7 gennaio 2026", "2026-01-07"),
        ("12 settembre 2025", "2025-09-12"),
        # Russian: the genitive, the nominative, abbreviated, with г.
        ("7 января 2026", "2026-01-07"),
        ("7 янв. 2026 г.", "2026-01-07"),
        ("7 января 2026г.", "2026-01-07"),
        ("31 ДЕКАБРЯ 2025", "2025-12-31"),
        # Chinese, Japanese, Korean
        ("2026年1月7日", "2026-01-07"),
        ("2026年01月07日（水）", "2026-01-07"),
        ("2026/1/7", "2026-01-07"),
        ("2026년 1월 7일", "2026-01-07"),
        # English as before
        ("Saturday, Dec 27, 2025", "2025-12-27"),
        ("1st of March 2024", "2024-03-01"),
        # words that are no dates
        ("7 janvier", None),
        ("mars 2026", None),
        ("31 февраля 2026", None),
        ("2026年13月7日", None),
        ("Top 10 Mai-Tai 2026", None),
    ],
)
def test_dates_with_month_names_in_other_languages(text, date):
    assert find_date(text) == date


def test_the_first_date_written_wins_in_any_language():
    assert find_date("Am 7. Januar 2026 begonnen, am 2026-01-09 fertig") == "2026-01-07"
    assert find_date("fixed 2026-01-09 (started 7 января 2026)") == "2026-01-09"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2025-12-02_173000_Before_refactor_ccp.md", "173000"),
        ("checkpoints/2025-12-02_091500_x_ccp_2.md", "091500"),
        ("2025-12-01-1430-standup.md", "143000"),
        ("2025-12-01T09:05:30_notes.md", "090530"),
        ("session_20251201_distilbert_training.md", None),
        ("session_20251201_2560_resolution.md", None),  # no hour 25
        ("2025-12-01/001_claude_setup.md", None),
    ],
)
def test_the_time_a_name_holds(name, expected):
    assert time_from_name(name) == expected
