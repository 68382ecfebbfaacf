"""Plain frontmatter read without PyYAML (core/plainyaml.py): the same answer as
PyYAML's safe loader (dates kept as text) wherever it answers, and no answer for
what it cannot read that way."""

from __future__ import annotations

import random
from typing import Any

import pytest

from gitsess.core.frontmatter import _yaml, read_yaml
from gitsess.core.plainyaml import simple_yaml


def pyyaml(text: str) -> tuple[str, Any]:
    stack = _yaml()
    try:
        return "read", stack.load(text, Loader=stack.loader)
    except Exception as error:  # what PyYAML refuses
        return "refused", type(error).__name__


def typed(value: Any) -> Any:
    """`value` with the type of every part: True is not 1, "7" is not 7."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


def assert_as_pyyaml(text: str) -> None:
    found = simple_yaml(text)
    if found is not None:
        assert pyyaml(text) == ("read", found), text
        assert typed(pyyaml(text)[1]) == typed(found), text


def test_an_export_s_frontmatter_is_read_as_pyyaml_reads_it() -> None:
    text = (
        "title: Add batch inference to the webhook dispatcher\n"
        "date: 2023-01-09\ntype: feature\nstatus: complete\ntags: [api, queue]\n"
        'summary: "Spike: the queue, done"\n'
        "prerequisite_sessions: [session_20230109_a.md, session_20230109_b.md]\n"
        "continuation_of: null\ntokens: 96799\ntoken_limit: 200000\n"
        "transcript: 6a7ccf76-5982-71be-d44e-5a1c0f9e2b3d\nassistant: claude-code\n"
        "# a comment\nblocked_by:\n  - session_20230101_x.md\n  - session_20230102_y.md\n"
        "done: yes  # a comment\nempty: []\nquoted: 'it is # not a comment'\n"
    )
    found = simple_yaml(text)
    assert found is not None
    assert found["date"] == "2023-01-09" and found["tokens"] == 96799 and found["done"] is True
    assert found["blocked_by"] == ["session_20230101_x.md", "session_20230102_y.md"]
    assert_as_pyyaml(text)
    assert read_yaml(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "title: a: b\n",  # not YAML at all
        "count: 0x1f\n",  # a number YAML reads its own way
        "count: 1_000\n",
        "count: 07\n",
        "ratio: 1.5\n",
        "when: 12:30\n",
        "title: 'it''s'\n",  # a doubled quote
        'title: "a\\tb"\n',  # an escape
        "title:\ttab\n",
        "title: &anchor x\n",
        "title: !!str 5\n",
        "title: |\n  block\n",
        "title: a\n  continued\n",
        "yes: key\n",
        "tags: [a, [b]]\n",
        "tags:\n  - a\n   - b\n",
        "title: non\u00a0breaking\n",
        "# only a comment\n",
        "",
    ],
)
def test_what_it_cannot_read_exactly_is_left_to_pyyaml(text: str) -> None:
    assert simple_yaml(text) is None
    assert_as_pyyaml(text)


ATOMS = [
    "a",
    "b",
    "Yes",
    "yes",
    "no",
    "NO",
    "on",
    "Off",
    "true",
    "null",
    "Null",
    "~",
    "0",
    "7",
    "07",
    "12",
    "1_0",
    "0x1f",
    "0b11",
    "0o7",
    "1e5",
    "1.5",
    ".5",
    ".inf",
    "-",
    "+",
    "-1",
    "2025-01-05",
    "2025-1-5",
    "12:30",
    "a:b",
    ":",
    "#",
    "#x",
    "a#b",
    "'",
    "''",
    '"',
    "\\",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&x",
    "*x",
    "!x",
    "|",
    ">",
    "%",
    "@",
    "`",
    "?",
    "=",
    "<<",
    "é",
    "日本",
    "/p",
    "_u",
    "x-y",
    "6a7c-1",
    "1a",
    "1-2",
    "1_a",
    "0a",
    "it's",
    "[a,]",
    "[]",
    "---",
] + [" ", "  ", "\t", " #", "a: b", "\u00a0", "\u2028", "[a, b]", 'say "hi"']
KEYS = ("title", "date", "tags", "k", "yes", "a_b", "x1", "_k", "on", "k k", "-k", "1k")


def random_document(rng: random.Random) -> str:
    def scalar() -> str:
        return "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 3)))

    lines = []
    for _ in range(rng.randint(1, 5)):
        key, kind = rng.choice(KEYS), rng.random()
        if kind < 0.5:
            lines.append(f"{key}:{rng.choice([' ', '  ', ''])}{scalar()}")
        elif kind < 0.65:
            lines.append(f"{key}: [{', '.join(scalar() for _ in range(rng.randint(0, 3)))}]")
        elif kind < 0.8:
            lines.append(f"{key}:" + rng.choice(["", " ", " # c"]))
            indent = rng.choice(["", "  ", " "])
            lines += [f"{rng.choice([indent, indent, '   '])}- {scalar()}" for _ in range(3)]
        else:
            quote = rng.choice("'\"")
            lines.append(f"{key}: {quote}{scalar()}{quote}" + rng.choice(["", " # x", "#x", " x"]))
        if rng.random() < 0.05:
            lines.append(rng.choice(["", "# comment", "  ", "  more"]))
    return "\n".join(lines) + rng.choice(["\n", "", "\n\n"])


def test_random_documents_read_as_pyyaml_reads_them_or_not_at_all() -> None:
    rng = random.Random(20)
    read = 0
    for _ in range(4000):
        text = random_document(rng)
        read += simple_yaml(text) is not None
        assert_as_pyyaml(text)
    assert read > 100  # the comparison ran on documents it reads, not only on refusals
