"""Parsing and checking one export into a Session: in-process, no git."""

from __future__ import annotations

import pytest
from conftest import FIXTURES

from gitsess.core.model import Session, json_array, newest_first, parse_export

GOOD = """\
---
title: DistilBERT training
date: 2025-12-01
type: feature            # a comment
status: in-progress
tags: [ml, training]
summary: One line for the index
prerequisite_sessions: [session_20251130_export_training_data.md]
continuation_of: null
tokens: 85834
token_limit: 200000
assistant: claude-code
when: 2025-12-01
---
# Session: DistilBERT training

Body.
"""


def parse(text: str | bytes, name: str = "session_20251201_distilbert_training.md") -> Session:
    return parse_export(f".sessions/{name}", text.encode() if isinstance(text, str) else text)


def problems(session: Session) -> list[tuple[int | None, str, str, bool]]:
    return [(p.line, p.level, p.message, p.blocking) for p in session.problems]


def test_a_complete_export():
    session = parse(GOOD)
    assert session.public() == {
        "id": "session_20251201_distilbert_training.md",
        "path": ".sessions/session_20251201_distilbert_training.md",
        "date": "2025-12-01",
        "title": "DistilBERT training",
        "type": "feature",
        "status": "in-progress",
        "tags": ["ml", "training"],
        "summary": "One line for the index",
        "prerequisite_sessions": ["session_20251130_export_training_data.md"],
        "continuation_of": None,
        "tokens": 85834,
        "token_limit": 200000,
        "legacy": False,
    }
    assert session.extra == {"assistant": "claude-code", "when": "2025-12-01"}
    assert session.problems == []
    assert session.size == len(GOOD.encode())
    # Only the keys later checks report on keep their line.
    assert session.key_lines == {
        "type": 4,
        "status": 5,
        "prerequisite_sessions": 8,
        "continuation_of": 9,
    }
    assert session.links == [("requires", "session_20251130_export_training_data.md")]


def test_crlf_and_a_bom_read_the_same():
    crlf = parse(b"\xef\xbb\xbf" + GOOD.replace("\n", "\r\n").encode())
    plain = parse(GOOD)
    assert crlf.public() == plain.public()
    assert crlf.key_lines == plain.key_lines
    assert crlf.problems == []


def test_the_cache_record_round_trips():
    session = parse(GOOD.replace("tokens: 85834", "tokens: lots"))
    again = Session.from_record(session.id, session.path, session.to_record())
    assert again == session


def test_a_legacy_export_is_read_from_its_text():
    path = FIXTURES / "legacy" / "session_20260214_ocr_fallback.md"
    session = parse(path.read_bytes(), path.name)
    assert session.legacy
    assert (session.title, session.date, session.status) == (
        "OCR fallback for scanned invoices",
        "2026-02-14",
        "complete",
    )
    assert (session.tokens, session.token_limit) == (143_977, 200_000)
    assert session.extra == {"duration": "~2 hours"}
    assert session.problems == []


def test_a_legacy_export_without_any_date_is_an_error():
    session = parse("# Session: Notes\n\nNothing dated.\n", "notes.md")
    assert session.legacy and session.title == "Notes"
    assert problems(session) == [
        (None, "error", "no date: none in the file name and no '**Date**:' line", False)
    ]


def test_names_give_the_defaults():
    session = parse(
        "---\ntitle: ''\ndate: ''\ntype: ''\nstatus: ''\n---\n", "session_20260102_a_b.md"
    )
    assert (session.title, session.date) == ("A b", "2026-01-02")
    assert [p.message for p in session.problems] == [
        f"missing required field '{key}'" for key in ("title", "date", "type", "status")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"  \n", [(None, "error", "empty file", True)]),
        (
            b"---\ntitle: caf\xe9\n---\n",
            [(2, "error", "not valid UTF-8 (byte 0xe9)", True)],
        ),
        # UTF-16 is named as such (re-reading it as latin-1 would garble it), with or
        # without a byte-order mark; a NUL byte in UTF-8 text is no note either.
        ("# Note\n".encode("utf-16"), [(1, "error", "is UTF-16 text, not UTF-8", True)]),
        ("# Note\n".encode("utf-16-le"), [(1, "error", "is UTF-16 text, not UTF-8", True)]),
        (b"# Note\n\nab\x00cd\n", [(3, "error", "holds a NUL byte: not text", True)]),
        (
            b"---\ntitle: A\n",
            [(1, "error", "the frontmatter opened on this line is never closed", True)],
        ),
        (
            b"---\ntitle: A\ntags: [a, b\ndate: 2025-12-01\n---\n",
            [
                (
                    4,
                    "error",
                    "not valid YAML: did not find expected ',' or ']'"
                    " (while parsing a flow sequence on line 3)",
                    True,
                )
            ],
        ),
        (
            b"---\n- a\n- b\n---\n",
            [(2, "error", "frontmatter is a YAML list, not a mapping of keys", True)],
        ),
        (
            b"---\ntitle: A\nstatus: x\n'title': B\n---\n",
            [(4, "error", "title is set twice (lines 2 and 4); YAML keeps the last", True)],
        ),
    ],
)
def test_unreadable_files_are_problems_not_exceptions(text, expected):
    blocking = [p for p in problems(parse(text)) if p[3]]
    assert len(blocking) == len(expected)
    for (line, level, message, block), (want_line, want_level, want, want_block) in zip(
        blocking, expected, strict=True
    ):
        assert (line, level, block) == (want_line, want_level, want_block)
        assert want in message, message


def test_conflict_markers_are_found_on_their_line():
    text = "---\ntitle: A\n---\nBody\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> other\n"
    found = problems(parse(text))
    assert found[0][:2] == (5, "error")
    assert found[0][2].startswith("unresolved merge conflict")


@pytest.mark.parametrize(
    ("line", "level", "message"),
    [
        ("date: 2025-02-30", "error", "date '2025-02-30' is not a date"),
        ("tags: ml training", "warning", "tags is a string; read as a list of 2"),
        ("tags: [{a: 1}]", "error", "tags must be a list of words"),
        ("title: [a, b]", "error", "title must be text, not a YAML list"),
        ("tokens: -5", "error", "tokens must be a whole number of tokens, not -5"),
        ("continuation_of: [session_x.md]", "warning", "continuation_of is a list;"),
        ("continuation_of: {a: b}", "error", "continuation_of must name one session id"),
        ("odd: .nan", "error", "odd is nan, not a number"),
        ("bin: !!binary aGk=", "error", "bin holds binary data"),
    ],
)
def test_values_are_checked_on_their_line(line, level, message):
    keys = {"title": "title: A", "date": "date: 2025-12-01", "type": "type: bug"}
    lines = [text for key, text in keys.items() if not line.startswith(key)]
    text = "\n".join(["---", *lines, "status: complete", line, "---", ""])
    found = problems(parse(text, "session_20251201_x.md"))
    assert [(p[0], p[1], p[2][: len(message)]) for p in found] == [(len(lines) + 3, level, message)]


def test_tokens_written_with_separators():
    session = parse(GOOD.replace("tokens: 85834", "tokens: '85,834'"))
    assert session.tokens == 85834 and session.problems == []


def test_an_alias_bomb_is_refused_not_expanded():
    layers = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):
        layers.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 10) + "]")
    text = "---\ntitle: A\ndate: 2025-12-01\ntype: bug\nstatus: complete\n"
    text += "\n".join(layers) + "\n---\n"
    session = parse(text)
    assert any("expands to more than 10,000 values" in p.message for p in session.problems)
    assert "l7" not in session.extra


def test_a_body_title_stands_in_for_a_missing_one():
    session = parse(
        "---\ndate: 2025-12-01\ntype: bug\nstatus: complete\n---\n# Session: From body\n"
    )
    assert session.title == "From body"


def test_newest_first_then_by_id():
    sessions = [
        parse(GOOD, "session_20251201_b.md"),
        parse(GOOD, "session_20251201_a.md"),
        parse(GOOD.replace("2025-12-01", "2026-01-01"), "session_20260101_c.md"),
        parse("# Undated\n", "notes.md"),
    ]
    assert [s.id for s in newest_first(sessions)] == [
        "session_20260101_c.md",
        "session_20251201_a.md",
        "session_20251201_b.md",
        "notes.md",
    ]


def test_json_array_is_one_object_a_line():
    assert json_array([]) == "[]"
    assert json_array([{"a": "é"}, {"b": 1}]) == '[\n{"a": "é"},\n{"b": 1}\n]'
