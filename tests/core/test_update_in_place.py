"""`update` and `mv` edit frontmatter keys where they are written, end to end:
real `git sess` in a real repository (the unit tests are in test_frontmatter.py)."""

from __future__ import annotations

import json
from pathlib import Path

from builders import write_export
from conftest import sess

NAME = "session_20260105_tagged.md"
HEAD = "---\ntitle: Tagged  # chosen late\ndate: 2026-01-05\n"
TAGS = (
    "tags:  # what it touches\n"
    "  - ml\n"
    "  # the data ones\n"
    '  - "data-cleaning"  # by hand\n'
    "  - 'gpu'\n"
)
REST = (
    "type: feature\n"
    "status: 'in-progress'  # set by hand\n"
    "summary: Parsed 3 vendors, one left  # progress\n"
    "---\n"
    "# Session: Tagged\n\nBody.\n"
)
TEXT = HEAD + TAGS + REST


def listed(repo: Path) -> dict:
    result = sess(repo, "list", "--json")
    assert result.code == 0, result.err
    (session,) = [s for s in json.loads(result.out) if s["id"] == NAME]
    return session


def test_add_tag_keeps_a_commented_block_list_and_its_quoting(sessions):
    path = write_export(sessions, NAME, TEXT)

    result = sess(sessions, "update", "tagged", "--add-tag", "ocr", "--add-tag", "etl")

    assert result.code == 0, result.err
    assert result.out == f"updated .sessions/{NAME}: tags\n"
    assert path.read_text(encoding="utf-8") == HEAD + TAGS + "  - 'ocr'\n  - 'etl'\n" + REST
    assert listed(sessions)["tags"] == ["ml", "data-cleaning", "gpu", "ocr", "etl"]
    assert sess(sessions, "check").code == 0


def test_remove_tag_takes_only_its_item(sessions):
    path = write_export(sessions, NAME, TEXT)

    result = sess(sessions, "update", "tagged", "--remove-tag", "data-cleaning")

    assert result.code == 0, result.err
    kept = TAGS.replace('  - "data-cleaning"  # by hand\n', "")
    assert path.read_text(encoding="utf-8") == HEAD + kept + REST
    assert listed(sessions)["tags"] == ["ml", "gpu"]


def test_add_and_remove_at_once(sessions):
    path = write_export(sessions, NAME, TEXT)

    result = sess(sessions, "update", "tagged", "--remove-tag", "ml", "--add-tag", "ocr")

    assert result.code == 0, result.err
    edited = TAGS.replace("  - ml\n", "") + "  - 'ocr'\n"
    assert path.read_text(encoding="utf-8") == HEAD + edited + REST


def test_removing_every_tag_leaves_an_empty_list_and_the_comments(sessions):
    path = write_export(sessions, NAME, TEXT)

    result = sess(
        sessions, "update", "tagged", *("--remove-tag", "ml", "--remove-tag", "gpu"),
        *("--remove-tag", "data-cleaning"),
    )  # fmt: skip

    assert result.code == 0, result.err
    emptied = "tags: []  # what it touches\n  # the data ones\n"
    assert path.read_text(encoding="utf-8") == HEAD + emptied + REST
    assert listed(sessions)["tags"] == []
    assert sess(sessions, "check").code == 0


def test_scalar_keys_keep_their_quoting_and_comments(sessions):
    path = write_export(sessions, NAME, TEXT)

    result = sess(
        sessions, "update", "tagged", "--status", "complete", "--summary", "All three vendors"
    )

    assert result.code == 0, result.err
    assert path.read_text(encoding="utf-8") == HEAD + TAGS + REST.replace(
        "status: 'in-progress'  # set by hand", "status: 'complete'  # set by hand"
    ).replace(
        "summary: Parsed 3 vendors, one left  # progress", "summary: All three vendors  # progress"
    )
    assert listed(sessions)["status"] == "complete"


def test_crlf_block_list_stays_crlf(sessions):
    text = (HEAD + TAGS + REST).replace("\n", "\r\n")
    path = sessions / ".sessions" / NAME
    path.write_bytes(text.encode())

    result = sess(sessions, "update", "tagged", "--add-tag", "ocr")

    assert result.code == 0, result.err
    expected = (HEAD + TAGS + "  - 'ocr'\n" + REST).replace("\n", "\r\n")
    assert path.read_bytes() == expected.encode()


def test_mv_keeps_the_comment_on_the_title(sessions):
    write_export(sessions, NAME, TEXT)

    result = sess(sessions, "mv", "tagged", "Tagged and sorted")

    assert result.code == 0, result.err
    moved = sessions / ".sessions" / "session_20260105_tagged_and_sorted.md"
    assert moved.read_text(encoding="utf-8") == (
        HEAD.replace("title: Tagged  #", "title: Tagged and sorted  #")
        + TAGS
        + REST.replace("# Session: Tagged\n", "# Session: Tagged and sorted\n")
    )
