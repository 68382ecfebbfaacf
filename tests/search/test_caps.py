"""Bounded work per export (issue 19): the index holds the first
INDEXED_BYTES of each file; words past it are not found, words before it are,
with a passage around them. Real repositories and a real Whoosh index."""

from __future__ import annotations

import json
from pathlib import Path

from builders import export, export_text, write_export
from conftest import sess

from gitsess.search.documents import INDEXED_BYTES, indexed_part

NAME = "session_20260101_pasted_log.md"


def hits(repo: Path, *words: str) -> list[dict]:
    result = sess(repo, "search", "--json", *words)
    assert result.code in (0, 1), result.err
    return json.loads(result.out)


def huge_export(repo: Path) -> Path:
    """One line of filler around marked words: `beforecap` near the start,
    `nearcap` a little before the cap, `straddlingword` across it, `aftercap`
    past it."""
    head = export_text("Pasted log", "BODY", date="2026-01-01")
    start = head.index("BODY")
    filler = "routine output line "
    text = head[:start] + "beforecap " + filler * 200
    text += filler * ((INDEXED_BYTES - 2000 - len(text.encode())) // len(filler))
    text += "nearcap " + filler * 20
    text += "x" * (INDEXED_BYTES - 6 - len(text.encode())) + " straddlingword "
    text += filler * 500 + "aftercap " + filler * 100 + "\n"
    assert (
        text.encode().index(b"straddlingword")
        < INDEXED_BYTES
        < text.encode().index(b"straddlingword") + len("straddlingword")
    )
    return write_export(repo, NAME, text)


def assert_capped(repo: Path) -> None:
    found = hits(repo, "beforecap")
    assert [hit["id"] for hit in found] == [NAME]
    assert "beforecap" in " ".join(found[0]["snippets"])
    near = hits(repo, "nearcap")
    assert [hit["id"] for hit in near] == [NAME]
    # Past Whoosh's own 32K-character limit of highlighting: still quoted.
    assert "nearcap" in " ".join(near[0]["snippets"])
    assert hits(repo, "aftercap") == []
    # Cut at the last white space before the cap: no half word is indexed.
    # (Its first five letters are before the cap: neither the word nor them.)
    assert hits(repo, "straddlingword") == []
    assert hits(repo, "strad*") == []
    # The other exports are untouched by the cap.
    assert [hit["id"] for hit in hits(repo, "ordinary")] == ["session_20260102_small.md"]


def test_words_past_the_cap_are_not_found_on_a_full_build(sessions: Path) -> None:
    export(sessions, "session_20260102_small.md", "Small", "An ordinary note.")
    huge_export(sessions)
    assert sess(sessions, "reindex").code == 0
    assert_capped(sessions)


def test_words_past_the_cap_are_not_found_after_an_update(sessions: Path) -> None:
    export(sessions, "session_20260102_small.md", "Small", "An ordinary note.")
    export(sessions, NAME, "Pasted log", "Short for now: beforecap.", date="2026-01-01")
    assert sess(sessions, "reindex").code == 0
    assert [hit["id"] for hit in hits(sessions, "beforecap")] == [NAME]
    huge_export(sessions)  # grown past the cap: the next search updates one document
    assert_capped(sessions)


def test_a_word_past_the_cap_is_found_once_it_moves_before_it(sessions: Path) -> None:
    export(sessions, "session_20260102_small.md", "Small", "An ordinary note.")
    path = huge_export(sessions)
    assert hits(sessions, "aftercap") == []
    text = path.read_text()
    path.write_text(text.replace("beforecap", "aftercap beforecap", 1))
    assert [hit["id"] for hit in hits(sessions, "aftercap")] == [NAME]


# --- the cut itself (pure) ---------------------------------------------------


def test_a_file_within_the_cap_is_whole() -> None:
    data = b"word " * (INDEXED_BYTES // 5)
    assert len(data) <= INDEXED_BYTES
    assert indexed_part(data) is data


def test_a_longer_file_ends_at_the_last_white_space_before_the_cap() -> None:
    data = b"abcdefg " * (INDEXED_BYTES // 8) + b"tail"
    part = indexed_part(data + b" more")
    assert len(part) < INDEXED_BYTES
    assert part == data[: len(part)]
    assert part.endswith(b"abcdefg")


def test_a_multibyte_character_is_never_cut_in_two() -> None:
    data = ("é" * 10 + " ").encode() * (INDEXED_BYTES // 10)
    part = indexed_part(data)
    assert len(part) <= INDEXED_BYTES
    assert "\ufffd" not in part.decode("utf-8", errors="replace")


def test_a_file_without_white_space_is_cut_at_the_cap() -> None:
    assert indexed_part(b"x" * (INDEXED_BYTES * 2)) == b"x" * INDEXED_BYTES
