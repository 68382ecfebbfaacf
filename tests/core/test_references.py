"""References to moved notes: every form people write, rewritten to the new place."""

from __future__ import annotations

import pytest

from gitsess.core.references import rewrite_references

MOVES = {
    "docs/sessions/2026-06-05-a.md": ".sessions/2026-06-05-a.md",
    "docs/sessions/archive/2025-07-16-1831-Build section 1.5.md": (
        ".sessions/archive/2025-07-16-1831-Build section 1.5.md"
    ),
    "docs/sessions/retro.md": ".sessions/session_20260107_sprint_retro.md",
    "docs/sessions/2026-06-09-kafka.md": ".sessions/session_20260609_kafka_consumer.md",
}


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        # A README left in docs/sessions/ links the notes by their relative path.
        ("[A](2026-06-05-a.md)", "[A](../../.sessions/2026-06-05-a.md)"),
        ("[A](./2026-06-05-a.md)", "[A](../../.sessions/2026-06-05-a.md)"),
        (
            "[B](archive/2025-07-16-1831-Build%20section%201.5.md)",
            "[B](../../.sessions/archive/2025-07-16-1831-Build%20section%201.5.md)",
        ),
        ("see docs/sessions/retro.md.", "see .sessions/session_20260107_sprint_retro.md."),
        ("`docs/sessions/2026-06-05-a.md`", "`.sessions/2026-06-05-a.md`"),
    ],
)
def test_a_file_left_behind_points_at_the_new_place(written, rewritten):
    assert rewrite_references(written, MOVES, "docs/sessions/README.md") == rewritten


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        # Notes that moved together keep their relative links as they were...
        ("Continued from 2026-06-05-a.md", "Continued from 2026-06-05-a.md"),
        ("[old](archive/2025-07-16-1831-Build%20section%201.5.md)", None),
        # ...and a renamed one is named by its new name, with or without `.md`.
        ("see retro.md", "see session_20260107_sprint_retro.md"),
        ("picked up from 2026-06-09-kafka", "picked up from session_20260609_kafka_consumer"),
        ("docs/sessions/2026-06-05-a.md", ".sessions/2026-06-05-a.md"),
    ],
)
def test_a_moved_note_names_the_others_where_they_are_now(written, rewritten):
    here_old, here_new = "docs/sessions/2026-06-10-b.md", ".sessions/2026-06-10-b.md"
    expected = written if rewritten is None else rewritten
    assert rewrite_references(written, MOVES, here_old, here_new) == expected


@pytest.mark.parametrize(
    "text",
    [
        "retro.md.bak and my-retro.md and retro.mdx",  # other names that contain one
        "https://example.com/docs/sessions/retro.md/raw",  # more path after it
        "retro and 2026-06-05-a-2.md",  # an undated stem alone names nothing; another name
        "docs/sessions/retro.md5sum",
    ],
)
def test_what_only_looks_like_a_reference_is_left(text):
    assert rewrite_references(text, MOVES, "docs/sessions/x.md", ".sessions/x.md") == text


def test_no_replacement_is_replaced_again():
    moves = {"n/a.md": "s/b.md", "n/b.md": "s/c.md"}
    assert rewrite_references("a.md then b.md", moves, "n/x.md", "s/x.md") == "b.md then c.md"


def test_a_name_two_moved_notes_share_is_left_as_written():
    moves = {"x/1/summary.md": "s/one.md", "x/2/summary.md": "s/two.md"}
    assert rewrite_references("see summary.md", moves, "x/r.md", "x/r.md") == "see summary.md"


def test_a_path_from_the_collections_top_names_the_note_by_its_new_id():
    # In `.claude/sessions/2025-12-02/y.md`, `2025-12-01/x.md` is written from the
    # collection's top; renamed, the note is named by its id in the sessions directory.
    moves = {".claude/sessions/2025-12-01/x.md": ".sessions/session_20251201_ci_setup.md"}
    here_old, here_new = ".claude/sessions/2025-12-02/y.md", ".sessions/session_20251202_y.md"
    text = "Requires the CI from 2025-12-01/x.md so the tests run."
    assert rewrite_references(text, moves, here_old, here_new, ".sessions") == (
        "Requires the CI from session_20251201_ci_setup.md so the tests run."
    )
    # Kept in its folder, the id is the same path: nothing to rewrite.
    kept = {".claude/sessions/2025-12-01/x.md": ".sessions/2025-12-01/x.md"}
    assert rewrite_references(text, kept, here_old, ".sessions/2025-12-02/y.md", ".sessions") == (
        text
    )
