"""The one frontmatter module: finding, reading, rendering and editing in place.

Pure text in, text out: in-process, no git, no subprocess.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gitsess.core.frontmatter import (
    FrontmatterNotClosed,
    UnreadableYaml,
    body_of,
    edit_frontmatter,
    frontmatter_value,
    read_yaml,
    render_frontmatter,
    render_key,
    split_frontmatter,
)
from gitsess.core.plainyaml import key_lines


def doc(*lines: str, body: str = "# Session: x\n\nBody.\n", newline: str = "\n") -> str:
    """An export: the frontmatter lines between `---` delimiters, then the body."""
    return newline.join(["---", *lines, "---", ""]) + body.replace("\n", newline)


def meta(text: str) -> dict:
    block = split_frontmatter(text)
    assert block is not None
    return read_yaml(block.yaml)


def read_as(value: object) -> object:
    """What `value` reads as once written (a date reads as its text)."""
    return read_yaml(render_key("key", value))["key"]


def assert_edit(text: str, changes: dict, expected: str) -> None:
    """The edit gives exactly `expected`, and it reads as `text` with `changes` applied."""
    edited = edit_frontmatter(text, changes)
    assert edited == expected
    assert meta(edited) == meta(text) | {key: read_as(value) for key, value in changes.items()}


# --- finding ------------------------------------------------------------------------


def test_split_finds_the_block_and_the_body():
    text = doc("title: A", "tags: [x]")
    block = split_frontmatter(text)
    assert block is not None
    assert block.yaml == "title: A\ntags: [x]\n"
    assert text[block.body_start :] == "# Session: x\n\nBody.\n"
    assert body_of(text) == "# Session: x\n\nBody.\n"


@pytest.mark.parametrize(
    "text",
    ["# Session: legacy\n**Date**: 2026-01-01\n", "title: a\n---\n", "\n---\ntitle: a\n---\n"],
)
def test_no_frontmatter_unless_the_file_opens_with_one(text):
    assert split_frontmatter(text) is None
    assert body_of(text) == text


def test_a_block_never_closed_is_told_apart():
    text = "---\ntitle: A\n\n# Session: A\n"
    with pytest.raises(FrontmatterNotClosed):
        split_frontmatter(text)
    assert body_of(text) == text  # nothing can be told apart


def test_crlf_bom_and_dots_closing():
    crlf = "\ufeff---\r\ntitle: A\r\n...\r\nBody\r\n"
    block = split_frontmatter(crlf)
    assert block is not None
    assert block.yaml == "title: A\r\n"
    assert crlf[block.body_start :] == "Body\r\n"


def test_key_lines_counts_file_lines_and_reports_repeats():
    yaml_text = "title: A\n# a comment\ntags:\r\n  - x\n\"status\": done\n'type': bug\ntitle: B\n"
    lines, repeats = key_lines(yaml_text, first_line=2)
    assert lines == {"title": 2, "tags": 4, "status": 6, "type": 7}
    assert repeats == [("title", 2, 8)]


def test_key_lines_ignores_items_nested_keys_and_comments():
    yaml_text = "custom:\n  nested: 1\n- item: 2\n#key: 3\nurl: http://x:80\na:b: c\n"
    lines, repeats = key_lines(yaml_text, first_line=1)
    assert lines == {"custom": 1, "url": 5, "a:b": 6}
    assert repeats == []


# --- reading --------------------------------------------------------------------------


def test_read_yaml_keeps_dates_as_text():
    assert read_yaml("date: 2025-12-01\ntokens: 5\n") == {"date": "2025-12-01", "tokens": 5}


def test_read_yaml_is_safe():
    with pytest.raises(UnreadableYaml) as raised:
        read_yaml("title: !!python/object/apply:os.system ['echo hi']\n")
    assert raised.value.line == 2
    assert "not valid YAML" in raised.value.message


def test_read_yaml_names_where_an_unclosed_bracket_opened():
    with pytest.raises(UnreadableYaml) as raised:
        read_yaml("title: A\ntags: [a, b\ndate: 2025-12-01\n", first_line=2)
    assert "not valid YAML" in raised.value.message
    assert "on line 3" in raised.value.message  # where `[` opened, in file lines
    assert raised.value.hint.startswith("fix the YAML")


def test_read_yaml_points_at_an_impossible_date():
    with pytest.raises(UnreadableYaml) as raised:
        read_yaml("title: A\nwhen: !!timestamp 2026-02-30\n", first_line=2)
    assert raised.value.line == 3
    assert "cannot be read" in raised.value.message


@pytest.fixture
def checkpoint(tmp_path: Path):
    def write(text: str | bytes) -> Path:
        path = tmp_path / "2026-01-01_100000_x_ccp.md"
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return path

    return write


def test_frontmatter_value_reads_one_line_scalars(checkpoint):
    path = checkpoint(
        doc(
            "time: '2026-01-01T10:00:00+01:00'  # local",
            'transcript: "3f2b8c1e"',
            "tokens: 85834 # context",
            "empty:",
            "nothing: ~",
            "tags: [a, b]",
            "summary: first line",
            "  goes on",
            'escaped: "a\\tb"',
            body="time: not this one\n",
        )
    )
    assert frontmatter_value(path, "time") == "2026-01-01T10:00:00+01:00"
    assert frontmatter_value(path, "transcript") == "3f2b8c1e"
    assert frontmatter_value(path, "tokens") == "85834"
    for key in ("empty", "nothing", "tags", "summary", "escaped", "absent"):
        assert frontmatter_value(path, key) is None, key


def test_frontmatter_value_with_crlf_and_bom(checkpoint):
    path = checkpoint(b"\xef\xbb\xbf---\r\ntokens: 12\r\ntime: '2026'\r\n---\r\n")
    assert frontmatter_value(path, "tokens") == "12"
    assert frontmatter_value(path, "time") == "2026"


def test_frontmatter_value_reads_only_the_head(checkpoint):
    long = "x" * 5000
    path = checkpoint(doc("tokens: 7", f"summary: {long}", "transcript: late"))
    assert frontmatter_value(path, "tokens") == "7"
    assert frontmatter_value(path, "transcript") is None  # past the first 4 KB
    assert frontmatter_value(path, "summary") is None  # cut by the 4 KB


def test_frontmatter_value_without_a_file_or_a_frontmatter(checkpoint, tmp_path):
    assert frontmatter_value(tmp_path / "gone.md", "time") is None
    assert frontmatter_value(checkpoint("time: 1\n"), "time") is None


# --- rendering ----------------------------------------------------------------------


def test_render_writes_lists_inline_and_keeps_unicode():
    text = render_frontmatter(
        {
            "title": "Fix: the 'quoted' #1 🚀",
            "date": dt.date(2025, 12, 1),
            "tags": ["ml", "yes"],
            "continuation_of": None,
            "tokens": 5,
        }
    )
    assert text == (
        "---\n"
        "title: 'Fix: the ''quoted'' #1 🚀'\n"
        "date: 2025-12-01\n"
        "tags: [ml, 'yes']\n"
        "continuation_of: null\n"
        "tokens: 5\n"
        "---\n"
    )


# --- editing lists ---------------------------------------------------------------------

COMMENTED_TAGS = (
    "tags:  # what it touches",
    "  - ml",
    "  # the data ones",
    '  - "data-cleaning"  # by hand',
    "  - 'gpu'",
)


def test_adding_to_a_commented_block_list_keeps_it_a_block_list():
    text = doc("title: A", *COMMENTED_TAGS, "status: complete")
    assert_edit(
        text,
        {"tags": ["ml", "data-cleaning", "gpu", "ocr"]},
        doc("title: A", *COMMENTED_TAGS, "  - 'ocr'", "status: complete"),
    )


def test_removing_and_replacing_in_a_block_list_keep_comments_and_quoting():
    text = doc("title: A", *COMMENTED_TAGS, "status: complete")
    assert_edit(
        text,
        {"tags": ["ml", "etl", "gpu"]},  # data-cleaning replaced: it keeps its quoting
        doc(
            "title: A",
            "tags:  # what it touches",
            "  - ml",
            "  # the data ones",
            '  - "etl"  # by hand',
            "  - 'gpu'",
            "status: complete",
        ),
    )
    assert_edit(
        text,
        {"tags": ["data-cleaning"]},
        doc(
            "title: A",
            "tags:  # what it touches",
            "  # the data ones",
            '  - "data-cleaning"  # by hand',
            "status: complete",
        ),
    )


def test_adding_before_the_first_item_of_a_block_list():
    text = doc("tags:", "- b", "- c")
    assert_edit(text, {"tags": ["a", "b", "c"]}, doc("tags:", "- a", "- b", "- c"))


def test_emptying_a_block_list_leaves_an_empty_flow_list_and_the_comments():
    text = doc(*COMMENTED_TAGS, "status: complete")
    assert_edit(
        text,
        {"tags": []},
        doc("tags: []  # what it touches", "  # the data ones", "status: complete"),
    )


def test_flow_lists_keep_their_spacing_and_quoting():
    text = doc("tags: [ ml,  'data cleaning' ]  # two", "title: A")
    assert_edit(
        text,
        {"tags": ["ml", "data cleaning", "gpu"]},
        doc("tags: [ ml,  'data cleaning',  'gpu' ]  # two", "title: A"),
    )
    assert_edit(
        text, {"tags": ["data cleaning"]}, doc("tags: [ 'data cleaning' ]  # two", "title: A")
    )
    assert_edit(text, {"tags": []}, doc("tags: []  # two", "title: A"))


def test_an_item_added_is_quoted_where_yaml_needs_it():
    text = doc("tags: [ml]")
    assert_edit(
        text, {"tags": ["ml", "yes", "2025", "a, b"]}, doc("tags: [ml, 'yes', '2025', 'a, b']")
    )
    block = doc("tags:", "  - ml")
    assert_edit(
        block,
        {"tags": ["ml", "a, b", "x: y"]},  # a comma needs no quotes outside a flow list
        doc("tags:", "  - ml", "  - a, b", "  - 'x: y'"),
    )


def test_a_null_or_empty_list_key_gets_its_first_items():
    assert_edit(
        doc("tags:  # none yet", "x: 1"), {"tags": ["a"]}, doc("tags: [a]  # none yet", "x: 1")
    )
    assert_edit(doc("tags: null"), {"tags": ["a", "b"]}, doc("tags: [a, b]"))
    assert_edit(doc("tags: []"), {"tags": ["a"]}, doc("tags: [a]"))


def test_a_list_written_as_one_string_is_rewritten_whole():
    text = doc("title: A", "tags: ml training  # words", "status: done")
    assert_edit(
        text,
        {"tags": ["ml", "training", "gpu"]},
        doc("title: A", "tags: [ml, training, gpu]", "status: done"),
    )


def test_a_flow_list_over_several_lines_is_rewritten_whole():
    text = doc("tags: [a,", "  b]", "status: done")
    assert_edit(text, {"tags": ["a", "b", "c"]}, doc("tags: [a, b, c]", "status: done"))


def test_what_would_not_read_back_right_is_rewritten_whole():
    """`[a: b, c]` looks like a list of texts, but YAML reads a mapping in it: the
    edit in place is tried, read back, found wrong, and the key is rewritten whole."""
    text = doc("title: A", "tags: [a: b, c]  # odd", "status: done")
    assert_edit(
        text, {"tags": ["a: b", "c", "d"]}, doc("title: A", "tags: ['a: b', c, d]", "status: done")
    )


def test_block_lists_with_crlf_stay_crlf():
    text = doc("title: A", "tags:", "  - ml  # first", "  - draft", newline="\r\n")
    expected = doc("title: A", "tags:", "  - ml  # first", "  - draft", "  - gpu", newline="\r\n")
    assert_edit(text, {"tags": ["ml", "draft", "gpu"]}, expected)


# --- editing scalars ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "value", "edited"),
    [
        ("status: in-progress  # by hand", "complete", "status: complete  # by hand"),
        ("status: 'in-progress'", "complete", "status: 'complete'"),
        ('status: "in-progress"', "complete", 'status: "complete"'),
        ("title: Old", "A new title", "title: A new title"),
        ("title: Old  # name", "Fix: the 'quoted' #1", "title: 'Fix: the ''quoted'' #1'  # name"),
        ("title: 'Old'", "it's", "title: 'it''s'"),
        ('title: "Old"', 'say "hi"\t', 'title: "say \\"hi\\"\\t"'),
        ("summary: Parsed 3 vendors, one left  # progress", "yes", "summary: 'yes'  # progress"),
        ("summary: old", None, "summary: null"),
        ("summary:   # none yet", None, "summary:   # none yet"),
        ("summary: ~", "Added", "summary: Added"),
        ("continuation_of:", "session_x.md", "continuation_of: session_x.md"),
        ('tokens: "100"  # context', 85834, "tokens: 85834  # context"),
        ("date: 2025-12-01", dt.date(2026, 1, 2), "date: 2026-01-02"),
    ],
)
def test_a_value_is_replaced_where_it_stands(line, value, edited):
    text = doc("owner: alice   # kept", line, "type: feature")
    assert_edit(
        text, {line.split(":")[0]: value}, doc("owner: alice   # kept", edited, "type: feature")
    )


def test_a_multi_line_value_is_rewritten_whole():
    folded = doc("summary: >", "  folded", "  text", "type: feature")
    assert_edit(folded, {"summary": "one line"}, doc("summary: one line", "type: feature"))
    plain = doc("summary: first", "  goes on  # still", "type: feature")
    assert_edit(plain, {"summary": "one line"}, doc("summary: one line", "type: feature"))


def test_a_value_with_line_breaks_is_written_whole():
    text = doc("summary: old  # c", "type: feature")
    edited = edit_frontmatter(text, {"summary": "two\nlines"})
    assert meta(edited) == {"summary": "two\nlines", "type": "feature"}
    assert edited.endswith("type: feature\n---\n# Session: x\n\nBody.\n")


def test_a_mapping_value_is_rewritten_whole():
    text = doc("custom:", "  nested: 1", "type: feature")
    assert_edit(
        text, {"custom": {"a": [1, 2]}}, doc("custom:", "  a:", "  - 1", "  - 2", "type: feature")
    )


def test_a_missing_key_is_added_at_the_end():
    text = doc("title: A", "owner: bob")
    assert_edit(
        text,
        {"summary": "Added", "tags": ["x"]},
        doc("title: A", "owner: bob", "summary: Added", "tags: [x]"),
    )
    crlf = doc("title: A", newline="\r\n")
    assert edit_frontmatter(crlf, {"status": "done"}) == doc(
        "title: A", "status: done", newline="\r\n"
    )
    assert edit_frontmatter("---\ntitle: A\n---\n", {"b": 1}) == "---\ntitle: A\nb: 1\n---\n"


def test_quoted_keys_are_found():
    text = doc('"status": in-progress  # q', "'tags': [a]")
    assert_edit(
        text, {"status": "done", "tags": ["a", "b"]}, doc('"status": done  # q', "'tags': [a, b]")
    )


def test_several_keys_at_once_and_the_body_untouched():
    body = "# Session: x\n---\ntitle: not the frontmatter\n"
    text = doc("title: A", "status: in-progress", "tags: [a]", body=body)
    edited = edit_frontmatter(text, {"status": "complete", "tags": ["a", "b"], "title": "B"})
    assert edited == doc("title: B", "status: complete", "tags: [a, b]", body=body)


def test_the_bom_stays():
    text = "\ufeff" + doc("status: in-progress  # c")
    assert edit_frontmatter(text, {"status": "done"}) == "\ufeff" + doc("status: done  # c")


def test_a_file_without_frontmatter_is_refused():
    with pytest.raises(ValueError, match="no frontmatter"):
        edit_frontmatter("# Session: legacy\n", {"status": "done"})


SHAPES = [
    doc("title: A", *COMMENTED_TAGS, "status: in-progress  # c", "custom: {a: 1}"),
    doc("title: 'A'", "tags: [x, 'y']", "summary: >", "  folded", "tokens: 5"),
    doc("tags:", "- x", "", "- y", "continuation_of: null", newline="\r\n"),
]
CHANGES = [
    {"tags": ["x"]},
    {"tags": ["new", "x", "yes", "y z"]},
    {"tags": []},
    {"status": "blocked", "title": "New: one"},
    {"summary": "two\nlines", "tokens": 7},
    {"continuation_of": "session_20260101_a.md", "extra": ["q"]},
]


@pytest.mark.parametrize("text", SHAPES)
@pytest.mark.parametrize("changes", CHANGES)
def test_every_edit_reads_back_as_asked_and_leaves_the_rest(text, changes):
    edited = edit_frontmatter(text, changes)
    assert meta(edited) == meta(text) | changes
    assert body_of(edited) == body_of(text)
    # Every line of the other keys is still there, byte for byte.
    lines, _ = key_lines(text, first_line=1)
    others = [line for key, line in lines.items() if key not in changes]
    for number in others:
        assert text.splitlines(keepends=True)[number - 1] in edited.splitlines(keepends=True)
