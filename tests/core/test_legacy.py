"""Reading hand-written exports without frontmatter: in-process, no git."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from gitsess.core.legacy import (
    LegacyFacts,
    legacy_fields,
    legacy_status,
    legacy_tokens,
    mentioned_sessions,
    read_legacy,
    title_from_text,
)

LEGACY = FIXTURES / "legacy"


def test_the_key_colon_style():
    facts = read_legacy((LEGACY / "session_20260210_invoice_parser.md").read_text())
    assert facts == LegacyFacts(
        title="Invoice PDF Parser",
        date="2026-02-10",
        status="in-progress",  # "In Progress (2 of 3 vendors)"
        tokens=91_204,
        token_limit=200_000,
        duration=None,
        type="feature",
        summary="Parse vendor invoices (PDF) into ledger entries without manual typing.",
    )


def test_the_key_colon_inside_style_and_a_session_log_title():
    facts = read_legacy((LEGACY / "session_20260214_ocr_fallback.md").read_text())
    assert facts == LegacyFacts(
        title="OCR fallback for scanned invoices",
        date="2026-02-14",
        status="complete",
        tokens=143_977,
        token_limit=200_000,
        duration="~2 hours",
        type="feature",
        summary=(
            "Continue session_20260210_invoice_parser.md: handle the third vendor's scanned PDFs."
        ),
    )


def test_a_blocked_one():
    facts = read_legacy((LEGACY / "session_20260220_nightly_import.md").read_text())
    assert (facts.title, facts.status, facts.tokens) == ("Nightly import job", "blocked", 38_410)
    assert facts.summary == "Schedule the invoice import nightly and alert on failures."


def test_a_text_that_tells_nothing():
    assert read_legacy("Just some notes.\n") == LegacyFacts(
        title=None,
        date=None,
        status=None,
        tokens=None,
        token_limit=None,
        duration=None,
        type="feature",
        summary=None,
    )


@pytest.mark.parametrize(
    ("sections", "kind"),
    [
        ("## Symptoms\n## Root Cause\n", "bug"),
        ("## Questions\n### Findings\n", "research"),
        ("## Commands to Monitor\n", "operation"),
        ("## Recovery Instructions\n", "checkpoint"),
        ("## What Worked\n## Lessons\n", "reflection"),
        ("## Phases\n", "roadmap"),
        ("## Next Steps\n", "feature"),
    ],
)
def test_the_type_is_told_by_the_sections(sections, kind):
    assert read_legacy(f"# Session: X\n{sections}").type == kind


def test_fields_in_both_styles_first_one_wins():
    text = "**Date**: 2026-01-02\n**Status:** Done\n**Date**: 2027-01-01\n**Tokens** : 5\n"
    assert legacy_fields(text) == {"date": "2026-01-02", "status": "Done", "tokens": "5"}


def test_a_date_with_a_time_after_it_and_one_that_is_no_date():
    assert read_legacy("**Date**: 2026-01-02 14:00\n").date == "2026-01-02"
    assert read_legacy("**Date**: yesterday\n").date is None
    assert read_legacy("**Date**: 2026-02-30\n").date is None


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("In Progress", "in-progress"),
        ("Incomplete", "in-progress"),
        ("ongoing", "in-progress"),
        ("Complete ✅", "complete"),
        ("done", "complete"),
        ("Finished", "complete"),
        ("Blocked on ops", "blocked"),
        ("Abandoned", "abandoned"),
        ("cancelled", "abandoned"),
        ("dropped", "abandoned"),
        ("who knows", "in-progress"),
    ],
)
def test_status_words(raw, status):
    assert legacy_status(raw) == status


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("77,895/200,000 (38%)", (77_895, 200_000)),
        ("77_895 / 200_000", (77_895, 200_000)),
        ("12000", (12_000, None)),
        ("about a lot", (None, None)),
    ],
)
def test_token_counts(raw, tokens):
    assert legacy_tokens(raw) == tokens


def test_mentions_in_order_of_first_mention_with_md():
    text = (
        "Continues session_20260210_invoice_parser.md, see also session_20260101_a\n"
        "and session_20260210_invoice_parser again; not xsession_20260101_b.\n"
    )
    assert mentioned_sessions(text) == [
        "session_20260210_invoice_parser.md",
        "session_20260101_a.md",
    ]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("# Session: Invoice   parser\n", "Invoice parser"),
        ("# Session Log: OCR\n", "OCR"),
        ("Intro\n# Plain heading #\n", "Plain heading"),
        ("## Only a section\n", None),
    ],
)
def test_titles(text, title):
    assert title_from_text(text) == title
