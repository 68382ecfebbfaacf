"""`git sess check`: every kind of problem, with file and line, exit codes and `--json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import export, export_text, frontmatter_lines, write_export
from conftest import git, sess, snapshot

INDEX = ".sessions/session_index.md"


def check_json(repo: Path) -> tuple[int, dict]:
    result = sess(repo, "check", "--json")
    assert "Traceback" not in result.err, result.err
    return result.code, json.loads(result.out)


def indexed(repo: Path) -> None:
    """Bring the index up to date, so only the problem under test is reported."""
    result = sess(repo, "index")
    assert result.code == 0, result.err


def problem(path: str, line: int | None, level: str, message: str, hint: str) -> dict:
    return {"path": path, "line": line, "level": level, "message": message, "hint": hint}


def test_clean_repository_exits_0(sessions):
    export(sessions, "session_20260101_first.md", "First")
    export(
        sessions,
        "session_20260102_second.md",
        "Second",
        date="2026-01-02",
        extra="continuation_of: session_20260101_first\n",
    )
    indexed(sessions)

    result = sess(sessions, "check")
    assert (result.code, result.err) == (0, "")
    assert result.out == "2 session(s) checked: 0 error(s), 0 warning(s)\n"
    assert check_json(sessions) == (0, {"sessions": 2, "errors": 0, "warnings": 0, "problems": []})


def test_fresh_init_is_clean(sessions):
    assert check_json(sessions) == (0, {"sessions": 0, "errors": 0, "warnings": 0, "problems": []})


def test_check_writes_nothing(sessions):
    export(sessions, "session_20260101_bad.md", status="someday")
    before = snapshot(sessions)
    assert sess(sessions, "check").code == 1
    assert snapshot(sessions) == before


def test_json_shape(sessions):
    export(sessions, "session_20260101_a.md", extra="continuation_of: session_20990101_gone\n")
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 1
    assert list(report) == ["sessions", "errors", "warnings", "problems"]
    assert (report["sessions"], report["errors"], report["warnings"]) == (1, 1, 0)
    assert report["problems"] == [
        problem(
            ".sessions/session_20260101_a.md",
            6,
            "error",
            "continuation_of names 'session_20990101_gone', which does not exist:"
            " the session is cut off from its chain",
            "link it to the session it now follows"
            " (git sess link session_20260101_a.md --continues ID),"
            " or drop the link: git sess unlink session_20260101_a.md --continues"
            " session_20990101_gone",
        )
    ]


# --- YAML that does not parse --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        pytest.param(
            "---\ntitle: T\ndate: 2026-01-01\ntype: feature\nstatus: complete\n"
            "summary: this: breaks\ntags: [a]\n---\nbody\n",
            6,
            "mapping values are not allowed in this context",
            id="colon-in-value",
        ),
        pytest.param(
            "---\ntitle: T\ndate: 2026-01-01\ntype: feature\n\tstatus: complete\n---\nbody\n",
            5,
            "found a tab character that violates indentation",
            id="tab",
        ),
        pytest.param(
            "---\ntitle: T\ndate: 2026-01-01\ntype: feature\n  status: complete\nfoo: bar\n---\n",
            5,
            "mapping values are not allowed in this context",
            id="bad-indent-mid-block",
        ),
        pytest.param(
            "---\r\ntitle: T\r\ndate: 2026-01-01\r\nsummary: a: b\r\ntype: bug\r\n---\r\nbody\r\n",
            4,
            "mapping values are not allowed in this context",
            id="crlf",
        ),
        pytest.param(
            "\ufeff---\ntitle: T\n\n\ndate: 2026-01-01\nsummary: a: b\n---\nbody\n",
            6,
            "mapping values are not allowed in this context",
            id="bom-and-blank-lines",
        ),
        pytest.param(
            "---\ntitle: T\ndate: 2026-01-01\ntags: [a, b\nstatus: complete\n---\nbody\n",
            5,
            "did not find expected ',' or ']' (while parsing a flow sequence on line 4)",
            id="unclosed-bracket-names-where-it-opened",
        ),
        pytest.param(
            '---\ntitle: "T\ndate: 2026-01-01\n---\nbody\n',
            4,
            "found unexpected end of stream (while scanning a quoted scalar on line 2)",
            id="unclosed-quote-names-where-it-opened",
        ),
    ],
)
def test_yaml_that_does_not_parse_names_file_and_line(sessions, text, line, reason):
    (sessions / ".sessions" / "session_20260101_broken.md").write_bytes(text.encode("utf-8"))
    indexed(sessions)

    result = sess(sessions, "check")
    assert result.code == 1
    location = f".sessions/session_20260101_broken.md:{line}"
    assert result.out.splitlines()[0] == (
        f"error: {location}: frontmatter is not valid YAML: {reason}"
    )
    code, report = check_json(sessions)
    assert code == 1
    assert [(p["path"], p["line"], p["level"]) for p in report["problems"]] == [
        (".sessions/session_20260101_broken.md", line, "error")
    ]


# --- required fields and vocabularies -----------------------------------------------


@pytest.mark.parametrize("missing", ["title", "date", "type", "status"])
def test_missing_required_field(sessions, missing):
    lines = frontmatter_lines().splitlines(keepends=True)
    kept = "".join(line for line in lines if not line.startswith(missing))
    write_export(
        sessions, "session_20260101_work.md", f"---\n{kept}---\n# Session: Work\n\nText.\n"
    )
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 1
    assert [(p["path"], p["level"], p["message"], p["hint"]) for p in report["problems"]] == [
        (
            ".sessions/session_20260101_work.md",
            "error",
            f"missing required field '{missing}'",
            f"add '{missing}: …' to the frontmatter",
        )
    ]


def test_empty_required_field_is_missing(sessions):
    export(sessions, "session_20260101_work.md", "''")
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 1
    assert [p["message"] for p in report["problems"]] == ["missing required field 'title'"]


def test_type_and_status_outside_the_vocabulary(sessions):
    export(sessions, "session_20260101_work.md", type="spike", status="review")
    indexed(sessions)

    result = sess(sessions, "check")
    assert result.code == 1
    assert result.out == (
        "error: .sessions/session_20260101_work.md:4: type 'spike' is not one of feature, bug,"
        " research, operation, checkpoint, reflection, roadmap\n"
        "  hint: use one of those, or allow it: git config --add sess.types spike\n"
        "error: .sessions/session_20260101_work.md:5: status 'review' is not one of in-progress,"
        " complete, blocked, abandoned\n"
        "  hint: use one of those, or allow it: git config --add sess.statuses review\n"
        "1 session(s) checked: 2 error(s), 0 warning(s)\n"
    )


def test_configured_vocabulary_extends_the_defaults(sessions):
    export(sessions, "session_20260101_work.md", type="spike", status="review")
    indexed(sessions)

    git(sessions, "config", "--add", "sess.statuses", "review")
    code, report = check_json(sessions)
    assert code == 1
    assert [(p["line"], p["message"]) for p in report["problems"]] == [
        (
            4,
            "type 'spike' is not one of feature, bug, research, operation, checkpoint,"
            " reflection, roadmap",
        )
    ]

    git(sessions, "config", "--add", "sess.types", "spike")
    assert check_json(sessions) == (0, {"sessions": 1, "errors": 0, "warnings": 0, "problems": []})


def test_default_statuses_stay_valid_after_extending(sessions):
    git(sessions, "config", "--add", "sess.statuses", "review")
    export(sessions, "session_20260101_a.md", status="blocked")
    export(sessions, "session_20260102_b.md", date="2026-01-02", status="review")
    indexed(sessions)
    assert check_json(sessions)[0] == 0


def test_type_that_is_a_list_is_an_error(sessions):
    export(sessions, "session_20260101_work.md", type="[feature, bug]")
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 1
    assert [(p["line"], p["level"]) for p in report["problems"]] == [(4, "error")]


# --- links ------------------------------------------------------------------------------


def test_dangling_link(sessions):
    export(
        sessions,
        "session_20260101_work.md",
        extra="tags: [x]\nprerequisite_sessions: [session_20251231_missing.md]\n",
    )
    indexed(sessions)

    result = sess(sessions, "check")
    assert result.code == 1
    assert result.out.splitlines()[:2] == [
        "error: .sessions/session_20260101_work.md:7: prerequisite_sessions names"
        " 'session_20251231_missing.md', which does not exist",
        "  hint: fix the id (git sess list shows them), or: git sess unlink"
        " session_20260101_work.md --requires session_20251231_missing.md",
    ]


@pytest.mark.parametrize(
    ("extra", "key", "line"),
    [
        ("continuation_of: session_20260101_work.md\n", "continuation_of", 6),
        ("prerequisite_sessions: [session_20260101_work]\n", "prerequisite_sessions", 6),
    ],
)
def test_self_link(sessions, extra, key, line):
    export(sessions, "session_20260101_work.md", extra=extra)
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 1
    assert report["problems"] == [
        problem(
            ".sessions/session_20260101_work.md",
            line,
            "error",
            f"{key} links the session to itself",
            "remove the self link",
        )
    ]


@pytest.mark.parametrize(
    "extra",
    [
        "prerequisite_sessions: [../../etc/passwd]\n",
        "continuation_of: ../../etc/passwd\n",
    ],
)
def test_link_outside_the_sessions_directory_is_an_error_and_never_read(sessions, extra):
    # `.sessions/../../etc/passwd` resolves to this file, next to the repository.
    outside = sessions.parent / "etc" / "passwd"
    outside.parent.mkdir()
    outside.write_text("# Session: LEAKED SECRET\n**Date**: 2026-01-01\n")
    export(sessions, "session_20260101_work.md", extra=extra)
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 1
    assert [(p["line"], p["level"], p["message"]) for p in report["problems"]] == [
        (6, "error", "link '../../etc/passwd' is not a session id")
    ]
    for args in (("check",), ("list", "--json"), ("show", "--json", "session_20260101_work")):
        result = sess(sessions, *args)
        assert "LEAKED" not in result.out + result.err, args
    assert "LEAKED" not in (sessions / INDEX).read_text()


def test_three_session_cycle_is_printed(sessions):
    a, b, c = (f"session_2026010{n}_{name}.md" for n, name in ((1, "a"), (2, "b"), (3, "c")))
    export(sessions, a, "A", extra=f"continuation_of: {b}\n")
    export(sessions, b, "B", date="2026-01-02", extra=f"prerequisite_sessions: [{c}]\n")
    export(sessions, c, "C", date="2026-01-03", extra=f"continuation_of: {a}\n")
    indexed(sessions)

    result = sess(sessions, "check")
    assert result.code == 1
    assert result.out.splitlines()[0] == (
        f"error: .sessions/{a}:6: link cycle: {a} → {b} → {c} → {a}"
    )
    assert result.out.splitlines()[-1] == "3 session(s) checked: 1 error(s), 0 warning(s)"


def test_two_sessions_continuing_the_same_one_is_only_a_warning(sessions):
    export(sessions, "session_20260101_base.md", "Base")
    for day, name in ((2, "left"), (3, "right")):
        export(
            sessions,
            f"session_2026010{day}_{name}.md",
            date=f"2026-01-0{day}",
            extra="continuation_of: session_20260101_base.md\n",
        )
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 0
    assert report == {
        "sessions": 3,
        "errors": 0,
        "warnings": 1,
        "problems": [
            problem(
                ".sessions/session_20260101_base.md",
                None,
                "warning",
                "2 sessions continue it: session_20260102_left.md, session_20260103_right.md",
                "a chain forks here; make one of them require it instead of continuing it",
            )
        ],
    }
    assert sess(sessions, "check").code == 0


# --- size ------------------------------------------------------------------------------


def test_export_over_32k_is_a_warning_and_the_limit_is_configurable(sessions):
    body = "# Session: Big\n\n" + ("Detail that should have been a linked session.\n" * 880)
    path = export(sessions, "session_20260101_big.md", "Big", markdown=body)
    assert 40 * 1024 < path.stat().st_size < 41 * 1024
    export(sessions, "session_20260102_small.md", date="2026-01-02")
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 0
    assert report["problems"] == [
        problem(
            ".sessions/session_20260101_big.md",
            None,
            "warning",
            "export is 40 KB, over the 32 KB limit: long exports defeat their purpose",
            "move detail into linked sessions, or raise the limit:"
            " git config sess.maxExportSize 64k",
        )
    ]

    git(sessions, "config", "sess.maxExportSize", "64k")
    assert check_json(sessions) == (0, {"sessions": 2, "errors": 0, "warnings": 0, "problems": []})


def test_a_tag_of_two_words_is_a_warning_as_new_and_update_refuse_it(sessions):
    export(sessions, "session_20260101_tags.md", extra="tags: [two words, fine]\n")
    indexed(sessions)
    code, report = check_json(sessions)
    assert code == 0  # a warning: notes that passed before must not block a commit
    assert report["problems"] == [
        problem(
            ".sessions/session_20260101_tags.md",
            None,
            "warning",
            "tag 'two words' is not one word",
            "join its words with - or _ (e.g. data-cleaning): one tag, one word",
        )
    ]
    refused = sess(sessions, "update", "tags", "--add-tag", "two words")
    assert refused.code == 1 and "is not one word" in refused.err


def test_export_just_under_32k_is_fine(sessions):
    head = export_text(markdown="")
    body = "x" * (32 * 1024 - len(head) - 1) + "\n"
    path = export(sessions, "session_20260101_edge.md", markdown=body)
    assert path.stat().st_size == 32 * 1024
    indexed(sessions)
    assert check_json(sessions)[1]["warnings"] == 0


# --- the index ---------------------------------------------------------------------------


def test_stale_index_is_an_error(sessions):
    export(sessions, "session_20260101_first.md")
    indexed(sessions)
    export(sessions, "session_20260102_second.md", date="2026-01-02")

    result = sess(sessions, "check")
    assert result.code == 1
    assert result.out == (
        f"error: {INDEX}: index is out of date\n"
        "  hint: git sess index\n"
        "2 session(s) checked: 1 error(s), 0 warning(s)\n"
    )
    indexed(sessions)
    assert sess(sessions, "check").code == 0


def test_index_changed_by_hand_is_stale(sessions):
    export(sessions, "session_20260101_first.md")
    indexed(sessions)
    index = sessions / INDEX
    index.write_text(index.read_text() + "- a line added by hand\n")

    code, report = check_json(sessions)
    assert code == 1
    assert report["problems"] == [
        problem(INDEX, None, "error", "index is out of date", "git sess index")
    ]


def test_missing_index_is_an_error(sessions):
    export(sessions, "session_20260101_first.md")
    (sessions / INDEX).unlink()

    code, report = check_json(sessions)
    assert code == 1
    assert report["problems"] == [
        problem(INDEX, None, "error", "index is missing", "git sess index")
    ]


# --- large graphs --------------------------------------------------------------------------


def write_chain(repo: Path, count: int) -> list[str]:
    ids = [f"session_20260101_s{n:05d}.md" for n in range(count)]
    for number, session_id in enumerate(ids):
        link = f"continuation_of: {ids[number - 1]}\n" if number else ""
        export(repo, session_id, f"S{number}", extra=link, markdown="x\n")
    return ids


def test_a_5000_session_chain_checks_without_recursion_errors(sessions):
    write_chain(sessions, 5000)
    indexed(sessions)

    result = sess(sessions, "check")
    assert (result.code, result.err) == (0, "")
    assert result.out == "5000 session(s) checked: 0 error(s), 0 warning(s)\n"


def test_a_5000_session_cycle_is_found_without_recursion_errors(sessions):
    ids = write_chain(sessions, 5000)
    export(sessions, ids[0], "S0", extra=f"continuation_of: {ids[-1]}\n", markdown="x\n")
    indexed(sessions)

    code, report = check_json(sessions)
    assert code == 1
    assert [p["message"] for p in report["problems"]] == [
        "link cycle: " + " → ".join([ids[0], *reversed(ids[1:]), ids[0]])
    ]
