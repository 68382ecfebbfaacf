"""Bad input never crashes a command with a traceback and never changes a file.

Each broken export is put next to a good one; the read-only commands (`list`,
`show`, `check`, `index --check`) must run, exit as documented and leave every
file as it was, and `check` must name the problem (file and line where there is one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import assert_one_line_error, git, sess, snapshot

NAME = "session_20260101_bad.md"
GOOD = "session_20260102_good.md"
GOOD_TEXT = (
    "---\ntitle: Good\ndate: 2026-01-02\ntype: feature\nstatus: complete\n---\n# Session: Good\n"
)
HEAD = "---\ntitle: Bad\ndate: 2026-01-01\ntype: feature\nstatus: complete\n"


@dataclass
class Case:
    data: bytes
    problems: list[tuple[int | None, str, str]] | None  # (line, level, message); None: not pinned

    @property
    def check_code(self) -> int:
        if self.problems is None:
            return 1
        return 1 if any(level == "error" for _, level, _ in self.problems) else 0


CASES = {
    "not-yaml": Case(
        b"---\ntitle: Bad\ndate: 2026-01-01\nsummary: a: b\n---\n# Session: Bad\n",
        [
            (
                4,
                "error",
                "frontmatter is not valid YAML: mapping values are not allowed in this context",
            )
        ],
    ),
    "yaml-list": Case(
        b"---\n- title\n- date\n---\n# Session: Bad\n",
        [(2, "error", "frontmatter is a YAML list, not a mapping of keys")],
    ),
    "yaml-scalar": Case(
        b"---\njust some words\n---\n# Session: Bad\n",
        [(2, "error", "frontmatter is a YAML str, not a mapping of keys")],
    ),
    "date-a-word": Case(
        HEAD.replace("2026-01-01", "someday").encode() + b"---\nbody\n",
        [(3, "error", "date 'someday' is not a date")],
    ),
    "date-month-13": Case(
        HEAD.replace("2026-01-01", "2026-13-45").encode() + b"---\nbody\n",
        [(3, "error", "date '2026-13-45' is not a date")],
    ),
    "date-feb-30": Case(
        HEAD.replace("2026-01-01", "2026-02-30").encode() + b"---\nbody\n",
        [(3, "error", "date '2026-02-30' is not a date")],
    ),
    "tags-a-string": Case(
        HEAD.encode() + b"tags: ml, training\n---\nbody\n",
        [(6, "warning", "tags is a string; read as a list of 2")],
    ),
    "not-utf8": Case(
        HEAD.encode() + b"---\n# Session: Bad\n\nCaf\xe9 notes\n",
        [(9, "error", "not valid UTF-8 (byte 0xe9)")],
    ),
    "empty-file": Case(b"", [(None, "error", "empty file")]),
    "link-to-etc-passwd": Case(
        HEAD.encode() + b"prerequisite_sessions: [../../etc/passwd]\n---\nbody\n",
        [(6, "error", "link '../../etc/passwd' is not a session id")],
    ),
    "frontmatter-never-closed": Case(
        b"---\ntitle: Bad\ndate: 2026-01-01\n# Session: Bad\nbody\n",
        [(1, "error", "the frontmatter opened on this line is never closed")],
    ),
    "recursive-alias": Case(HEAD.encode() + b"extra: &loop [*loop]\n---\nbody\n", None),
}

READ_ONLY = {
    "list": (("list",), 0),
    "list --json": (("list", "--json"), 0),
    "show": (("show", NAME.removesuffix(".md")), 0),
    "show --json": (("show", "--json", NAME), 0),
    "index --check": (("index", "--check"), 0),
}


def with_bad_export(repo: Path, case: Case) -> Path:
    (repo / ".sessions" / GOOD).write_text(GOOD_TEXT)
    (repo / ".sessions" / NAME).write_bytes(case.data)
    result = sess(repo, "index")
    assert result.code == 0, result.err
    has_errors = case.check_code == 1
    warning = (
        "git-sess: warning: 1 export(s) have errors; the index shows what could be read"
        " of them: see git sess check\n"
    )
    assert result.err == (warning if has_errors else ""), result.err
    return repo


@pytest.mark.parametrize("command", sorted(READ_ONLY))
@pytest.mark.parametrize("case", sorted(CASES))
def test_read_only_commands_survive_and_change_nothing(sessions, case, command):
    with_bad_export(sessions, CASES[case])
    before = snapshot(sessions)
    args, code = READ_ONLY[command]

    result = sess(sessions, *args)

    assert "Traceback" not in result.err
    assert (result.code, result.err.startswith("git-sess: error")) == (code, False), result.err
    assert snapshot(sessions) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_names_the_problem(sessions, case):
    with_bad_export(sessions, CASES[case])
    before = snapshot(sessions)

    result = sess(sessions, "check", "--json")
    assert "Traceback" not in result.err
    assert result.code == CASES[case].check_code, result.err
    report = json.loads(result.out)
    found = [(p["line"], p["level"], p["message"]) for p in report["problems"]]
    assert all(p["path"] == f".sessions/{NAME}" for p in report["problems"]), report
    if CASES[case].problems is None:
        assert found and found[0][1] == "error"
    else:
        assert found == CASES[case].problems
    assert report["sessions"] == 2

    text = sess(sessions, "check")
    assert text.code == result.code
    for line, level, message in found:
        location = f".sessions/{NAME}:{line}" if line else f".sessions/{NAME}"
        assert f"{level}: {location}: {message}\n" in text.out
    assert snapshot(sessions) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_good_export_is_still_listed(sessions, case):
    with_bad_export(sessions, CASES[case])
    result = sess(sessions, "list", "--json")
    assert result.code == 0, result.err
    listed = {entry["id"]: entry for entry in json.loads(result.out)}
    assert sorted(listed) == [NAME, GOOD]
    assert (listed[GOOD]["title"], listed[GOOD]["date"]) == ("Good", "2026-01-02")


def test_tags_given_as_a_string_are_read_as_a_list(sessions):
    with_bad_export(sessions, CASES["tags-a-string"])
    listed = json.loads(sess(sessions, "list", "--json", "--tag", "training").out)
    assert [(entry["id"], entry["tags"]) for entry in listed] == [(NAME, ["ml", "training"])]


def test_a_link_to_etc_passwd_never_reads_the_file(sessions):
    outside = sessions.parent / "etc" / "passwd"  # where .sessions/../../etc/passwd points
    outside.parent.mkdir()
    outside.write_text("root:x:0:0:LEAKED:/root:/bin/sh\n")
    with_bad_export(sessions, CASES["link-to-etc-passwd"])
    for args in (("list", "--json"), ("show", "--json", NAME), ("check", "--json"), ("index",)):
        result = sess(sessions, *args)
        assert "LEAKED" not in result.out + result.err, args
    assert "LEAKED" not in (sessions / ".sessions" / "session_index.md").read_text()


# --- no work tree -----------------------------------------------------------------------

COMMANDS = [
    ("list",),
    ("show", "anything"),
    ("link", "a", "--continues", "b"),
    ("unlink", "a", "b"),
    ("mv", "a", "New title"),
    ("next", "a"),
    ("prev", "a"),
    ("context",),
    ("graph",),
    ("timeline",),
    ("check",),
    ("index", "--check"),
    ("index",),
    ("import",),
    ("init",),
    ("new", "A title"),
    ("search", "anything"),
    ("search", "--stats"),
    ("reindex",),
    ("hooks", "install"),
    ("hooks", "uninstall"),
    ("hooks", "status"),
    ("commit",),
    ("status",),
    ("time",),
    ("checkpoint",),
    ("assistant", "install"),
    ("assistant", "uninstall"),
    # (`assistant status` shows the user's file outside a repository: test_assistant.)
    ("assistant", "log"),
    ("assistant", "test"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_outside_a_repository(tmp_path, args):
    nowhere = tmp_path / "not-a-repo"
    nowhere.mkdir()
    result = sess(nowhere, *args, env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert_one_line_error(result, f"not a git repository: {nowhere}")
    assert list(nowhere.iterdir()) == []


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_in_a_bare_repository(tmp_path, args):
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    before = snapshot(bare)
    result = sess(bare, *args)
    assert_one_line_error(result, "bare repository")
    assert snapshot(bare) == before


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_inside_the_git_directory(sessions, args):
    before = snapshot(sessions)
    result = sess(sessions / ".git", *args)
    assert_one_line_error(result, ".git directory")
    assert snapshot(sessions) == before
