"""Reading hand-written exports without frontmatter: in-process, no git."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from gitsess.core.legacy import (
    LegacyFacts,
    clean_title,
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


# --- hand-written notes in the styles people keep (tests/fixtures/notes/) -----

NOTES = FIXTURES / "notes"
NOT_NOTES = (
    "SESSION_INDEX.md",
    "TEMPLATE.md",
    "handoff-template.md",
    "README.md",
    "_next-session-prompt-2.md",
    ".current-session",
    "friction_points.md",
)
# file name: (title, date, status, type, summary); a status of None: the note states none.
EXPECTED = {
    "2026-06-01-setup.md": (
        "Setup", "2026-06-01", "complete", "feature",
        "Get the dev container building on a clean laptop.",
    ),
    "2026-05-22-handoff-system-cleanup.md": (
        "Handoff System Cleanup", "2026-05-22", "in-progress", "feature",
        "Removed three dead handoff formats and moved the rest into one folder.",
    ),
    "2025-01-16-1647-Build 2.1 Schema.md": (
        "Build 2.1 Schema", "2025-01-16", "in-progress", "feature",
        "Define the 2.1 build schema with artifact checksums",
    ),
    "2025-07-16-1831-Build section 1.5.md": (
        "Build section 1.5", "2025-07-16", "complete", "feature",
        "Finish section 1.5 of the build guide (cross compiling for arm64).",
    ),
    "SESSION_SUMMARY_20241203.md": (
        "Payment retries", "2024-12-03", "complete", "feature",
        "Payments that fail with a 5xx are now retried three times with backoff.",
    ),
    "SPRINT_SUMMARY_20251201.md": (
        "Search relevance", "2025-12-01", "complete", "feature",
        "Boost exact title matches over body matches.",
    ),
    "2025-12-27-gpu-memory.md": (
        "GPU memory leak in the trainer", "2025-12-27", "complete", "bug", None,
    ),
    "2025-10-01-onboarding-research.md": (
        "Onboarding flow research", "2025-10-01", "complete", "research", None,
    ),
    "auth-tokens.md": (  # 12/03/2025 is read month/day: the 3rd of December
        "Refresh token rotation", "2025-12-03", "in-progress", "feature",
        "Rotate refresh tokens on every use and revoke the family on reuse.",
    ),
    "2025-11-05-kafka-consumer.md": (
        "Kafka consumer lag", "2025-11-05", "blocked", "feature",
        "Consumer lag on `orders.v2` spikes every night at 02:00.",
    ),
    "2025-11-07-ci-cache.md": (  # CRLF
        "CI cache for the monorepo", "2025-11-07", "in-progress", "feature",
        "Cut CI time under ten minutes by caching pnpm and turbo outputs.",
    ),
    "2025-09-14-migration.md": (
        "Postgres 16 migration", "2025-09-14", "complete", "feature",
        "Upgraded the staging database to Postgres 16 with pg_upgrade --link;"
        " production next week.",
    ),
    "q3-look-back.md": ("Q3 look back", "2025-08-02", None, "reflection", None),
    "deploy-staging.md": ("Деплой на staging", "2025-10-20", "complete", "feature", None),
    "api-cache-de.md": ("Caching-Schicht für die API", "2025-11-03", "complete", "feature", None),
    "notas-busqueda.md": ("Búsqueda por facetas 🔎", "2025-12-10", "complete", "feature", None),
    "2026-05-05-handoff.md": ("Billing webhooks", "2026-05-05", "blocked", "feature", None),
    "issue-7-login-loop.md": (  # "Issue #7:" is a prefix like "Session 14:"
        "Login redirect loop", "2026-02-11", "complete", "bug", None,
    ),
    "2026-03-03-hotfix-rate-limit.md": (
        "rate limiter off by one", "2026-03-03", "complete", "bug", None,
    ),
    "2025-12-27-roadmap.md": (
        "Platform Roadmap 2026", "2025-12-27", "in-progress", "roadmap", None,
    ),
    "2026-01-19-pdf-export.md": (
        "PDF export for reports", "2026-01-19", "complete", "feature",
        "Users can download any report as a PDF with the same layout as on screen.",
    ),
    "2026-02-20-storage-decision.md": (
        "Storage engine choice", "2026-02-20", "in-progress", "feature", None,
    ),
    "2026-02-25-sprint-board.md": (
        "Sprint board automation", "2026-02-25", "blocked", "feature", None,
    ),
    "2026-03-10-queue-adr.md": (
        "Job queue rewrite", "2026-03-10", "complete", "feature",
        "The old queue lost jobs on deploy.",
    ),
    "2026-01-28-i18n.md": (
        "Translations for the settings page", "2026-01-28", "complete", "feature",
        "All settings strings go through `t()`; French and German done.",
    ),
    "2026-04-15-pairing.md": (
        "Pairing with Sam on the parser", "2026-04-15", None, "feature", None,
    ),
    "release-checklist-notes.md": (
        "Release 3.2 checklist", "2026-03-04", "in-progress", "feature", None,
    ),
    "2026-05-30-perf.md": (
        "⚡ Perf tuning for the importer", "2026-05-30", "in-progress", "feature",
        "Importing a 2 GB CSV takes 11 minutes; users expect under two.",
    ),
    "2026-06-03-monorepo.md": (
        "Monorepo split", "2026-06-03", "complete", "feature",
        "We split the web app out of the monorepo.",
    ),
    "2025-06-18-flaky-tests.md": ("Flaky tests in CI", "2025-06-18", "complete", "bug", None),
    "kensaku.md": ("検索インデックスの再構築", "2026-01-07", "complete", "feature", None),
    "session-14.md": (
        "Webhook retries", "2026-02-02", "complete", "feature",
        "Webhooks are retried with exponential backoff, up to 24 hours.",
    ),
    "2026-03-21-ocr-tables.md": (
        "OCR for tables in scanned invoices", "2026-03-21", "in-progress", "feature",
        "Detect table regions before OCR.",
    ),
    "2026-04-08-search-index.md": (
        "Search index rebuild", "2026-04-08", "complete", "feature", None,
    ),
    "2026-04-02-windows-build.md": (  # CRLF
        "Windows build agent", "2026-04-02", "complete", "feature",
        "The Windows agent now builds the installer; signing runs on the same box.",
    ),
}  # fmt: skip


def test_every_note_in_the_fixtures_has_its_expectation():
    names = {path.name for path in NOTES.iterdir()}
    assert names == set(EXPECTED) | set(NOT_NOTES)
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_hand_written_note(name):
    facts = read_legacy((NOTES / name).read_bytes().decode("utf-8"), name)
    found = (facts.title, facts.date, facts.status, facts.type, facts.summary)
    assert found == EXPECTED[name]


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        ("Session: 2026-06-01 — Setup", "Setup"),
        ("2026-05-22 Handoff System Cleanup", "Handoff System Cleanup"),
        ("Build 2.1 Schema - 2025-01-16 16:47", "Build 2.1 Schema"),
        ("Title: PDF export", "PDF export"),
        ("Session Summary: Payment retries", "Payment retries"),
        ("Session Handoff — 2026-05-05 — Billing", "Billing"),
        ("Daily Log (Saturday, Dec 27, 2025)", "Daily Log"),
        ("[2025-12-01] Refactor", "Refactor"),
        ("Session 14: Webhook retries", "Webhook retries"),
        ("Issue #7: Login loop", "Login loop"),
        ("Hotfix: off by one", "off by one"),  # the type (bug) is read from the raw title
        ("Roadmap: Search v2", "Search v2"),
        ("🎯 Session: 2026-03-09 — Emoji headings", "🎯 Emoji headings"),
        ("✨ 2026-02-05 Sparkle", "✨ Sparkle"),
        ("🚀", "🚀"),
        ("ADR 0001: CRDT vs last-write-wins", "CRDT vs last-write-wins"),
        ("Decision: Encrypt the local database", "Encrypt the local database"),
        ("3. Drop the web client for 1.0", "Drop the web client for 1.0"),
        # words that only look like labels stay
        ("Summary of the cache design", "Summary of the cache design"),
        ("Login fix - 2026-01-01", "Login fix"),
        ("1.5 release notes", "1.5 release notes"),
        ("Notes on OCR", "Notes on OCR"),
        ("Platform Roadmap 2026", "Platform Roadmap 2026"),
        ("Session: 2026-06-01", None),  # nothing but a date: the file name's words
    ],
)
def test_a_title_is_its_words(raw, title):
    assert clean_title(raw) == title


def test_a_date_read_before_is_read_the_same():
    # the first `**Date**` line starting YYYY-MM-DD wins over an earlier `Started`
    text = "# X\n**Started**: 2026-01-01\n**Date**: 2026-01-03\n"
    assert read_legacy(text, "2026-01-05-x.md").date == "2026-01-03"
    # a label that is no date leaves the file name's
    assert read_legacy("**Date**: soon\n", "2026-01-05-x.md").date == "2026-01-05"


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("**Date**: Saturday, Dec 27, 2025\n", "2025-12-27"),
        ("- **Date:** October 1, 2025\n", "2025-10-01"),
        ("**Session Date**: 12/03/2025\n", "2025-12-03"),  # US: month/day
        ("**Started**: 27/12/2025\n", "2025-12-27"),  # no 27th month: day/month
        ("**Дата:** 20.10.2025\n", "2025-10-20"),
        ("**Fecha**: 1st of March 2024\n", "2024-03-01"),
        ("# Notes\n\n## Date\n\nAugust 2, 2025\n", "2025-08-02"),
        ("# Release — March 4, 2026\n", "2026-03-04"),
        ("# Release\n\n*October 1, 2025*\n\n## Work\n", "2025-10-01"),
        ("# X\nSee v1.2.2025 notes about 2024.\n", None),
    ],
)
def test_dates_in_their_spellings(text, date):
    assert read_legacy(text).date == date


def test_an_embedded_records_date_is_not_the_notes():
    # A decision record under `###` has its own `**Date**`; the note's is its folder's.
    text = (
        "# Cache layer\n\n## Status: ON HOLD\n\n## Context\nRequires the CI.\n\n"
        "### Decision: use Redis\n**Status**: Accepted\n**Date**: 2025-11-28\n"
    )
    facts = read_legacy(text, "2025-12-02/001_claude_cache_layer.md")
    assert (facts.date, facts.status) == ("2025-12-02", "blocked")
    # With nothing else to go by, the record's date is still better than none.
    assert read_legacy(text, "cache_layer.md").date == "2025-11-28"
    # The note's own `**Date**` under a `##` section wins over its file name's.
    own = "# X\n\n## Session info\n**Date**: 2025-12-03\n"
    assert read_legacy(own, "2025-12-02/x.md").date == "2025-12-03"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("## Status: CLOSED\n", "complete"),
        ("**Status: WIP**\n", "in-progress"),
        ("- **Status:** Merged\n", "complete"),
        ("**Completed**: 2026-01-30\n", "complete"),
        ("**Status**: ON HOLD until March\n", "blocked"),
        ("**Status**: Blocked until the review is done\n", "blocked"),
        ("**Status**: almost done\n", "in-progress"),
        ("## Status\n\nShipped 🎉\n", "complete"),
        # the note's own status over a sub-item's or an embedded record's
        ("**Status**: Active\n## Tasks\n- a\n  - **Status:** Done\n", "in-progress"),
        (
            "# X\n## Record\n### ADR-1\n**Status**: Done\n## Outcome\n**Status**: WIP\n",
            "in-progress",
        ),
        ("# X\n## Tasks\n  - **Status:** Done\n## Status\nBLOCKED\n", "blocked"),
        ("Nothing stated.\n", None),
        # status labels in other languages
        ("**ステータス:** 完了\n", "complete"),
        ("**Statut :** terminé\n", "complete"),
        ("**Stand:** erledigt\n", "complete"),
        ("**状态:** 完成\n", "complete"),
        ("**Статус:** готово\n", "complete"),
        # a decision record's words
        ("**Status**: Accepted\n", "complete"),
        ("**Status**: Proposed\n", "in-progress"),
        ("**Status**: Rejected\n", "abandoned"),
        ("**Status**: Deprecated by ADR-7\n", "abandoned"),
    ],
)
def test_the_notes_own_status(text, status):
    assert read_legacy(text).status == status


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        ("## Root Cause Analysis\n## Fix\n## Lessons Learned\n", None, "bug"),
        ("## 🔍 Findings\n## Recommendations\n", None, "research"),
        ("## Lessons Learned\n## Reflection\n", None, "reflection"),
        ("## Milestones\n", None, "roadmap"),
        ("## Changes Made\n## Files Modified\n## Lessons Learned\n", None, "feature"),
        ("# Notes\n", "2026-01-01-bug-fix-login.md", "bug"),
        ("# Notes\n", "2026-01-01-hotfix.md", "bug"),
        ("# Notes\n", "roadmap.md", "roadmap"),
        ("# Hotfix: cache key\n", None, "bug"),
    ],
)
def test_the_type_from_sections_names_and_titles(text, name, kind):
    assert read_legacy(text, name).type == kind


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        ("## Goal\nShip it. Then rest.\n", "Ship it."),
        ("## Context\nOld. \n## Objectives\n- New one\n", "New one"),  # goals before context
        ("## Session Overview\n- **Start Time**: 10:00\n\n## Goals\n- Do X\n", "Do X"),
        ("## Summary\nUse e.g.the v2.1 API. Done.\n", "Use e.g.the v2.1 API."),
    ],
)
def test_the_summary_is_a_first_sentence(text, summary):
    assert read_legacy(text).summary == summary


@pytest.mark.parametrize(
    ("raw", "title"),
    [
        # labels in other languages go like English ones
        ("Sitzung: Caching-Schicht", "Caching-Schicht"),
        ("Sitzung — 7. Januar 2026 — Caching", "Caching"),
        ("Сессия: Деплой на staging", "Деплой на staging"),
        ("Сессия 7 января 2026: Деплой", "Деплой"),
        ("Sesión: Búsqueda por facetas", "Búsqueda por facetas"),
        ("Séance : Export PDF", "Export PDF"),
        ("Sessão: Migração", "Migração"),
        ("セッション: 検索インデックス", "検索インデックス"),
        ("セッション：検索", "検索"),
        ("2026年1月7日 セッション: 検索", "検索"),
        # an issue or a title label is a prefix; the words stay
        ("Issue #7: Login redirect loop", "Login redirect loop"),
        ("GitHub Issue #12 — Flaky upload", "Flaky upload"),
        ("Title: X", "X"),
        ("Build 2.1 Schema - 2025-01-16 16:47", "Build 2.1 Schema"),
        # words that only look like labels stay
        ("Issue with the cache", "Issue with the cache"),
        ("Issue #7", "Issue #7"),
        ("Fixes for the importer", "Fixes for the importer"),
        # nothing but labels and dates: no title (the file name's words then)
        ("Issue #7:", None),
        ("Sitzung: 7. Januar 2026", None),
        ("Title:", None),
    ],
)
def test_labels_in_other_languages_and_prefixes(raw, title):
    assert clean_title(raw) == title


def test_a_title_that_is_only_labels_falls_back_to_the_file_name():
    facts = read_legacy("# Issue #7:\n", "2026-01-01-login-loop.md")
    assert facts.title is None  # the model takes the file name's words


@pytest.mark.parametrize(
    ("name", "date"),
    [
        ("2025-12-01/001_claude_setup.md", "2025-12-01"),
        ("Session_2025-11-17_Desc/SESSION_SUMMARY.md", "2025-11-17"),
        ("roadmaps/2025-12-27_Name/roadmap.md", "2025-12-27"),
        ("2025-12-01/2025-12-02-x.md", "2025-12-02"),  # the file name's first
    ],
)
def test_a_note_whose_date_is_in_its_path(name, date):
    assert read_legacy("# Setup\n\nSome words.\n", name).date == date


def test_a_labelled_date_wins_over_the_paths():
    text = "# Setup\n**Date**: 7. Januar 2026\n"
    assert read_legacy(text, "2025-12-01/001_claude_setup.md").date == "2026-01-07"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("roadmaps/2025-12-27_Name/roadmap.md", "roadmap"),
        ("2026-01-01/hotfix.md", "bug"),
        # a folder's words tell nothing of the note's type
        ("bugfix-week/2026-01-01-x.md", "feature"),
        ("roadmaps/2025-12-27_Name/notes.md", "feature"),
    ],
)
def test_the_type_by_name_looks_at_the_file_name_only(name, kind):
    assert read_legacy("# Notes\n", name).type == kind


@pytest.mark.parametrize(
    ("text", "summary"),
    [
        # a hard-wrapped sentence is read whole, with single spaces
        (
            "## Goal\nParse vendor invoices into ledger entries without\n"
            "manual typing. Then rest.\n",
            "Parse vendor invoices into ledger entries without manual typing.",
        ),
        (
            "## Summary\nThe importer now streams rows instead of loading the\n"
            "  whole file,\nwhich cut memory by 90%. Then the docs.\n",
            "The importer now streams rows instead of loading the whole file,"
            " which cut memory by 90%.",
        ),
        # a wrapped list item
        (
            "## Objectives\n- Parse vendor invoices into ledger entries, so that\n"
            "  nobody types them. Later more.\n- Second\n",
            "Parse vendor invoices into ledger entries, so that nobody types them.",
        ),
        ("## Objectives\n\n1. Cut CI time\n2. Cache pnpm\n", "Cut CI time"),
        ("## Objectives\n- [ ] Fix the login bug\n- [x] Docs\n", "Fix the login bug"),
        # Session Overview: a list, a wrapped paragraph, fields skipped
        ("## Session Overview\n- Rewrote the importer\n- Docs\n", "Rewrote the importer"),
        (
            "## Session Overview\n**Start Time**: 10:00\n**Branch**: main\n\n"
            "We rewrote the importer to stream rows and\nkept the old one behind a flag.\n",
            "We rewrote the importer to stream rows and kept the old one behind a flag.",
        ),
        # Context, when there is no goal or summary
        (
            "## Context\n\nWe ship on Friday and the nightly build has been red for three\n"
            "days because of flaky tests.\n\nMore.\n",
            "We ship on Friday and the nightly build has been red for three days because"
            " of flaky tests.",
        ),
        ("## Context\n- Safari only\n- Since 3.2\n", "Safari only"),
        # separate short lines are separate statements, not one wrapped sentence
        ("## Goals\nFix the login bug\nAlso update docs\n", "Fix the login bug"),
        # a line ending in a colon or a sentence is not joined to the next
        ("## Goal\nTwo things:\nfirst this\n", "Two things:"),
        ("## Goal\nShip it.\nthen rest\n", "Ship it."),
        # a paragraph ends at a table, a field or a blank line
        ("## Summary\nShort line\n| a | b |\n", "Short line"),
        ("## Objective\nmake the cache\n**Owner**: me\n", "make the cache"),
        # sentences in other scripts
        ("## Summary\nРазвернули сервис. Дальше тесты.\n", "Развернули сервис."),
        ("## Summary\n検索を速くする。次に索引。\n", "検索を速くする。"),
    ],
)
def test_the_summary_of_a_wrapped_paragraph_or_a_list(text, summary):
    assert read_legacy(text).summary == summary
