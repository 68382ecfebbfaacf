"""Mentions of other notes in a hand-kept note: in-process, no git."""

from __future__ import annotations

import pytest

from gitsess.core.legacy import mentioned_sessions
from gitsess.core.mentions import Mention, mentions


def texts(text: str) -> list[str]:
    return [mention.text for mention in mentions(text)]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # every naming scheme, with and without `.md`
        ("See session_20251201_distilbert.md for the data.", "session_20251201_distilbert.md"),
        ("See session_20251201_distilbert for the data.", "session_20251201_distilbert.md"),
        ("Needs 2026-06-05-a.md first.", "2026-06-05-a.md"),
        ("Needs 2026-06-05-a first.", "2026-06-05-a.md"),
        ("Needs 2026-06-05-1430-auth.md.", "2026-06-05-1430-auth.md"),
        ("Needs 001_claude_setup.md.", "001_claude_setup.md"),
        ("Needs SESSION_SUMMARY_20241203.md.", "SESSION_SUMMARY_20241203.md"),
        ("Needs SESSION_SUMMARY_20241203 done.", "SESSION_SUMMARY_20241203.md"),
        ("Needs 20241203_payments.md.", "20241203_payments.md"),
        ("Needs 2026-06-05.md, a daily note.", "2026-06-05.md"),
        # spaces, in the claude-sessions form, ended by `.md`
        (
            "Needs 2025-07-16-1831-Build section 1.5.md, then lunch.",
            "2025-07-16-1831-Build section 1.5.md",
        ),
        # paths
        ("Needs docs/sessions/x.md.", "docs/sessions/x.md"),
        ("Needs archive/2025-01-02-old.md.", "archive/2025-01-02-old.md"),
        ("Needs ./x.md.", "x.md"),  # `./` is the same name
        ("Needs ../x.md.", "../x.md"),
        ("Needs 2025-12-01/001_claude_setup.md.", "2025-12-01/001_claude_setup.md"),
        ("Needs docs/sessions/2026-06-05-a today.", "docs/sessions/2026-06-05-a.md"),
        # markdown links, decoded, with a title, an anchor, angle brackets
        ("See [the setup](2026-06-01-setup.md).", "2026-06-01-setup.md"),
        (
            "See [it](2025-07-16-1831-Build%20section%201.5.md).",
            "2025-07-16-1831-Build section 1.5.md",
        ),
        (
            "See [it](<2025-07-16-1831-Build section 1.5.md>).",
            "2025-07-16-1831-Build section 1.5.md",
        ),
        ('See [it](../sessions/setup.md "The setup").', "../sessions/setup.md"),
        ("See [it](setup.md#decisions).", "setup.md"),
        ("See [it](2026-06-01-setup).", "2026-06-01-setup.md"),
        ("See [it][1].\n\n[1]: docs/sessions/setup.md\n", "docs/sessions/setup.md"),
        # a wiki link names a note, dated or not
        ("See [[2026-06-01-setup]].", "2026-06-01-setup.md"),
        ("See [[Auth notes|the auth work]].", "Auth notes.md"),
        # a whole code span, spaces and all when it starts with a date
        ("Read `2025-07-16-1831-Build section 1.5.md`.", "2025-07-16-1831-Build section 1.5.md"),
        ("Read `2026-06-05-a`.", "2026-06-05-a.md"),
        ("Ran `cat docs/sessions/x.md`.", "docs/sessions/x.md"),
        # CRLF
        ("Needs 2026-06-05-a.md\r\nand more\r\n", "2026-06-05-a.md"),
    ],
)
def test_a_note_named_by_its_file(text, name):
    assert mentions(text) == [Mention(name, "requires", "file")]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("See session 2026-06-05 for the data.", "2026-06-05"),
        ("As in the 2026-06-05 session, we cache.", "2026-06-05"),
        ("See the session of June 5, 2026.", "2026-06-05"),
        ("See the session on 5 June 2026.", "2026-06-05"),
        ("See the sessions from 2026-06-05.", "2026-06-05"),
        ("As in the previous run (session 2026-06-05).", "2026-06-05"),
        ("Wie in der Sitzung vom 5. Juni 2026.", "2026-06-05"),
        ("Comme dans la séance du 5 juin 2026.", "2026-06-05"),
    ],
)
def test_a_session_named_by_its_date(text, date):
    assert [(m.text, m.form) for m in mentions(text)] == [(date, "date")]


@pytest.mark.parametrize(
    "text",
    [
        # web addresses and images
        "See https://github.com/o/r/blob/main/.sessions/2026-06-05-a.md today.",
        "See [it](https://example.com/notes/2026-06-05-a.md).",
        "See www.example.com/2026-06-05-a.md today.",
        "![diagram](2026-06-05-a.md)",
        "Mail [me](mailto:a@b.md).",
        "See [the top](#2026-06-05-a).",
        # a folder's own files and repository documents
        "Update README.md, SESSION_INDEX.md, TEMPLATE.md and handoff-template.md.",
        "Update CLAUDE.md, AGENTS.md, CHANGELOG.md and docs/README.md.",
        "Draft in _next-session-prompt-2.md and .current-session.",
        # undated words without `.md`, versions, plain dates, times
        "See setup, notes, the plan and auth-tokens for details.",
        "Bumped to 1.5.2 and v2.0.md is the spec's name; 2.1.md too.",
        # patterns of names, in a README or an index
        "Name them YYYY-MM-DD-slug.md or session_YYYYMMDD_slug.md or NNN_agent_slug.md.",
        "Deployed 2026-06-05 and 20260605 at 2026-06-05T10:00.",
        "Built 2026-06-05-1430 and 2026-06-05_1200.",
        # names that only end like one
        "Saved file.md.bak and 2026-06-05-a.md.bak; mail me@example.md.",
        # a date with no session around it, and a note's own headings
        "**Date**: 2026-06-05\n**Session Date**: 2026-06-05\n",
        "# Session 2026-06-05\n\n## 2026-06-06 session\n\nWork.\n",
        "",
    ],
)
def test_what_is_no_mention(text):
    assert mentions(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Continued from 2026-06-05-a.md.",
        "This continues 2026-06-05-a.md.",
        "A continuation of 2026-06-05-a.md.",
        "Continuing the work of 2026-06-05-a.md.",
        "Continue 2026-06-05-a.md: handle the third vendor.",
        "Picks up from 2026-06-05-a.md.",
        "Picked up where 2026-06-05-a left off.",
        "This follows on from 2026-06-05-a.md.",
        "This follows up on 2026-06-05-a.md.",
        "A follow-up to 2026-06-05-a.md.",
        "Resumes 2026-06-05-a.md.",
        "Part 2 of 2026-06-05-a.md.",
        "In the previous session (2026-06-05-a.md) we cached.",
        "Previous: 2026-06-05-a.md",
        "**Previous**: 2026-06-05-a.md",
        "- **Continues:** 2026-06-05-a.md",
        "Continued from: [setup](2026-06-05-a.md)",
        "See the [previous session](2026-06-05-a.md).",
        "This picks up from\n2026-06-05-a.md where we stopped.",  # a wrapped sentence
        "## Previous sessions\n\n- 2026-06-05-a.md\n",
        "## Continued from\n\n2026-06-05-a.md\n",
        "## Previous\n- 2026-06-05-a.md\n",
        "**Previous sessions:**\n- 2026-06-05-a.md\n",
        "Continued from:\n2026-06-05-a.md\n",
        "This follows 2026-06-05-a.md.",
        "Follows `2026-06-05-a.md`; same pipeline.",
        "Fortsetzung von 2026-06-05-a.md (Meilenstein M1).",
        "Продолжение 2026-06-05-a.md: заведующая согласует обмен.",
        "Continuación de 2026-06-05-a.md.",
        "Suite de 2026-06-05-a.md.",
        "This follows the sync roadmap (2026-06-05-a.md): groups are synced now.",
        "前回: 2026-06-05-a.md の続き",
    ],
)
def test_what_says_the_note_continues_the_one_it_names(text):
    assert mentions(text) == [Mention("2026-06-05-a.md", "continues", "file")]


def test_a_session_named_by_date_as_continued():
    assert mentions("Continued from the session of June 5, 2026.") == [
        Mention("2026-06-05", "continues", "date")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Needs 2026-06-05-a.md.",
        "See 2026-06-05-a.md.",
        "The schema is in 2026-06-05-a.md.",
        "This follows the pattern of 2026-06-05-a.md.",  # follows, not follows on from
        "## Related sessions\n- 2026-06-05-a.md\n",
        "## Continuous integration\n- 2026-06-05-a.md\n",
        "## Previous attempts at caching\n- 2026-06-05-a.md\n",
        "**Related**: 2026-06-05-a.md",
        "Continued from 2026-06-01-x.md; see also 2026-06-05-a.md.",
        "Continued from 2026-06-01-x.md, see also 2026-06-05-a.md.",
        # the continuation words sit in another sentence
        "We continued the work. The schema is in 2026-06-05-a.md.",
        # the name's own words say nothing
        "See 2026-06-05-a.md and docs/2026-06-05-continuation-of-auth.md.",
    ],
)
def test_what_says_the_note_requires_the_one_it_names(text):
    assert mentions(text)[-1].kind == "requires"
    assert all(m.kind == "requires" for m in mentions(text) if m.text == "2026-06-05-a.md")


@pytest.mark.parametrize(
    "text",
    [
        "Continued in 2026-06-09-z.md.",
        "We continue in 2026-06-09-z.md.",
        "Followed by 2026-06-09-z.md.",
        "Next session: 2026-06-09-z.md",
        "## Next session\n- 2026-06-09-z.md\n",
    ],
)
def test_a_note_named_as_continuing_this_one_is_its_link_not_this_ones(text):
    assert mentions(text) == []


def test_several_in_one_sentence_and_each_after_its_own_words():
    text = (
        "Continued from 2026-06-01-a.md and 2026-06-02-b.md, see also 2026-06-03-c.md;"
        " continued in 2026-06-09-z.md."
    )
    assert mentions(text) == [
        Mention("2026-06-01-a.md", "continues", "file"),
        Mention("2026-06-02-b.md", "continues", "file"),
        Mention("2026-06-03-c.md", "requires", "file"),
    ]


def test_first_mention_order_no_repeats_and_continued_anywhere_wins():
    text = (
        "# Session: Cache\n"
        "Uses [the schema](docs/sessions/2026-06-01-schema.md) and 2026-06-02-b.md.\n"
        "See session 2026-06-03.\n\n"
        "## Previous sessions\n"
        "- 2026-06-02-b.md\n"
        "- docs/sessions/2026-06-01-schema.md (the schema again)\n"
    )
    assert mentions(text) == [
        Mention("docs/sessions/2026-06-01-schema.md", "continues", "file"),
        Mention("2026-06-02-b.md", "continues", "file"),
        Mention("2026-06-03", "requires", "date"),
    ]


def test_a_spaced_name_outside_brackets_is_only_the_claude_sessions_form():
    assert texts("Notes 2026-06-05 were written in the plan.md and more.") == ["plan.md"]
    assert texts("Notes 2026-06-05-x were written in plan.md.") == [
        "2026-06-05-x.md",
        "plan.md",
    ]
    # it runs to the first `.md`, within one sentence, past no other date
    assert texts("Read 2026-06-05-1430-A b.md and 2026-06-06-0900-C d.md.") == [
        "2026-06-05-1430-A b.md",
        "2026-06-06-0900-C d.md",
    ]
    assert texts("Read 2026-06-05-1430-A. Then plan.md.") == ["2026-06-05-1430-A.md", "plan.md"]


def test_a_link_to_something_else_names_no_note_by_its_target():
    assert texts("See [the code](src/2026-06-05-a.py) and [top](#2026-06-05-b).") == []
    assert texts("See [2026-06-05-a.md](https://example.com/x/2026-06-05-a.md).") == [
        "2026-06-05-a.md"
    ]


def test_one_note_named_with_and_without_md_is_one_mention():
    assert texts("See 2026-06-05-a, [it](2026-06-05-a.md) and `2026-06-05-a.md`.") == [
        "2026-06-05-a.md"
    ]


def test_mentioned_sessions_still_reads_git_sess_ids_only():
    text = "Continues session_20260210_x.md and 2026-06-05-a.md; not xsession_20260101_b."
    assert mentioned_sessions(text) == ["session_20260210_x.md"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Continued from .sessions/2026-06-05-a.md.", ".sessions/2026-06-05-a.md"),
        (
            "see .claude/sessions/2025-12-01/001_claude_setup.md",
            (".claude/sessions/2025-12-01/001_claude_setup.md"),
        ),
    ],
)
def test_a_path_through_a_hidden_folder_is_a_mention(text, named):
    assert [mention.text for mention in mentions(text)] == [named]
