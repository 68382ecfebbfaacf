"""`git sess list` and `show`, and the command-line surface (help, usage errors)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from builders import new, split_export, write_export
from conftest import (
    FIXTURES,
    assert_one_line_error,
    copy_repository,
    init_repository,
    init_sessions,
    isolated_build,
    sess,
    snapshot,
)

PUBLIC_KEYS = [
    "id",
    "path",
    "date",
    "title",
    "type",
    "status",
    "tags",
    "summary",
    "prerequisite_sessions",
    "continuation_of",
    "tokens",
    "token_limit",
    "legacy",
]
COMMANDS = [
    "init",
    "new",
    "update",
    "list",
    "show",
    "check",
    "index",
    "import",
    "search",
    "reindex",
    "server",
    "hooks",
    "commit",
    "link",
    "unlink",
    "mv",
    "next",
    "prev",
    "context",
    "graph",
    "timeline",
    "trace",
    "demo",
    "status",
    "statusline",
    "time",
    "checkpoint",
    "assistant",
    "mcp",
]

DELTA = "session_20251205_delta.md"
ALPHA = "session_20251201_alpha.md"
BETA = "session_20251201_beta_bug.md"
GAMMA = "session_20251120_gamma_research.md"


# --- helpers ------------------------------------------------------------------


def listed_ids(repo: Path, *args: str) -> list[str]:
    result = sess(repo, "list", "--json", *args)
    assert result.code == 0, result.err
    return [entry["id"] for entry in json.loads(result.out)]


@pytest.fixture(scope="module")
def four_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four sessions over three dates, two on the same day, with varied metadata: made
    with `git sess new` once per module, then copied for each test (`four`)."""
    with isolated_build(tmp_path_factory) as place:
        sessions = init_sessions(init_repository(place / "repo"))
        gamma = new(
            sessions,
            "Gamma research",
            "--date=2025-11-20",
            "--type=research",
            "--status=blocked",
            "--tag=training",
        )
        beta = new(
            sessions,
            "Beta bug",
            "--date=2025-12-01",
            "--type=bug",
            "--status=complete",
            "--tag=ml",
            "--summary=Fixed the crash",
        )
        alpha = new(
            sessions,
            "Alpha",
            "--date=2025-12-01",
            "--tag=ml",
            "--tag=training",
            "--requires",
            GAMMA,
        )
        delta = new(
            sessions,
            "Delta",
            "--date=2025-12-05",
            "--type=operation",
            "--status=abandoned",
            "--tag=ml",
            "--tag=gpu",
            "--tag=training",
            "--continues",
            ALPHA,
            "--tokens=50000",
        )
    assert [gamma.name, beta.name, alpha.name, delta.name] == [GAMMA, BETA, ALPHA, DELTA]
    return sessions


@pytest.fixture
def four(four_template: Path, tmp_path: Path) -> Path:
    """A copy of the four-session repository, this test's own."""
    return copy_repository(four_template, tmp_path / "repo")


# --- list -----------------------------------------------------------------------


def test_list_prints_newest_first_then_by_id_in_columns(four):
    result = sess(four, "list")

    assert result.code == 0, result.err
    assert result.err == ""
    assert result.out == (
        "2025-12-05  session_20251205_delta.md           operation  abandoned    Delta"
        "           ml, gpu, training\n"
        "2025-12-01  session_20251201_alpha.md           feature    in-progress  Alpha"
        "           ml, training\n"
        "2025-12-01  session_20251201_beta_bug.md        bug        complete     Beta bug"
        "        ml\n"
        "2025-11-20  session_20251120_gamma_research.md  research   blocked      Gamma research"
        "  training\n"
    )


def test_list_json_is_an_array_with_the_stable_keys(four):
    result = sess(four, "list", "--json")

    assert result.code == 0, result.err
    entries = json.loads(result.out)
    assert isinstance(entries, list)
    assert [list(entry) for entry in entries] == [PUBLIC_KEYS] * 4
    assert [entry["id"] for entry in entries] == [DELTA, ALPHA, BETA, GAMMA]
    assert entries[0] == {
        "id": DELTA,
        "path": f".sessions/{DELTA}",
        "date": "2025-12-05",
        "title": "Delta",
        "type": "operation",
        "status": "abandoned",
        "tags": ["ml", "gpu", "training"],
        "summary": None,
        "prerequisite_sessions": [],
        "continuation_of": ALPHA,
        "tokens": 50000,
        "token_limit": 200000,
        "legacy": False,
    }
    assert entries[2]["summary"] == "Fixed the crash"
    assert entries[1]["prerequisite_sessions"] == [GAMMA]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], [DELTA, ALPHA, BETA, GAMMA]),
        (["--tag", "ml"], [DELTA, ALPHA, BETA]),
        (["--tag", "ml", "--tag", "training"], [DELTA, ALPHA]),
        (["--tag", "ml", "--tag", "training", "--tag", "gpu"], [DELTA]),
        (["--tag", "nothing"], []),
        (["--status", "complete"], [BETA]),
        (["--status", "complete", "--status", "blocked"], [BETA, GAMMA]),
        (["--type", "bug"], [BETA]),
        (["--type", "research", "--type", "operation"], [DELTA, GAMMA]),
        (["--since", "2025-12-01"], [DELTA, ALPHA, BETA]),
        (["--until", "2025-12-01"], [ALPHA, BETA, GAMMA]),
        (["--since", "2025-11-21", "--until", "2025-12-04"], [ALPHA, BETA]),
        (["--since", "2025-12-06"], []),
        (["--tag", "ml", "--type", "bug", "--status", "complete"], [BETA]),
        (["--tag", "ml", "--status", "blocked"], []),
    ],
)
def test_list_filters(four, args, expected):
    assert listed_ids(four, *args) == expected


def test_list_filters_apply_to_the_table_too(four):
    result = sess(four, "list", "--tag", "gpu")

    assert result.code == 0, result.err
    assert [line.split()[1] for line in result.out.splitlines()] == [DELTA]


def test_list_says_when_nothing_matches(four):
    result = sess(four, "list", "--tag", "nothing")

    assert result.code == 0, result.err
    assert result.out == "no sessions match\n"


def test_list_with_no_sessions(sessions):
    result = sess(sessions, "list")

    assert result.code == 0, result.err
    assert result.out == 'no sessions yet: git sess new "Title"\n'
    assert json.loads(sess(sessions, "list", "--json").out) == []


@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("bad", ["2025-13-01", "last week", "20251201x"])
def test_list_with_a_bad_date_is_an_error(four, option, bad):
    result = sess(four, "list", option, bad)

    assert_one_line_error(
        result,
        f"Invalid value for '{option}': {bad!r} is not a calendar date written YYYY-MM-DD",
        code=2,
    )
    assert result.out == ""


def test_list_reads_legacy_exports_without_import(legacy_repo):
    before = snapshot(legacy_repo)

    result = sess(legacy_repo, "list", "--json")

    assert result.code == 0, result.err
    entries = {entry["id"]: entry for entry in json.loads(result.out)}
    assert list(entries) == [
        "session_20260220_nightly_import.md",
        "session_20260214_ocr_fallback.md",
        "session_20260210_invoice_parser.md",
    ]
    assert {key: entries["session_20260210_invoice_parser.md"][key] for key in PUBLIC_KEYS} == {
        "id": "session_20260210_invoice_parser.md",
        "path": ".sessions/session_20260210_invoice_parser.md",
        "date": "2026-02-10",
        "title": "Invoice PDF Parser",
        "type": "feature",
        "status": "in-progress",
        "tags": [],
        "summary": "Parse vendor invoices (PDF) into ledger entries without manual typing.",
        "prerequisite_sessions": [],
        "continuation_of": None,
        "tokens": 91204,
        "token_limit": 200000,
        "legacy": True,
    }
    ocr = entries["session_20260214_ocr_fallback.md"]
    assert (ocr["title"], ocr["date"], ocr["status"], ocr["tokens"], ocr["legacy"]) == (
        "OCR fallback for scanned invoices",
        "2026-02-14",
        "complete",
        143977,
        True,
    )
    nightly = entries["session_20260220_nightly_import.md"]
    assert (nightly["title"], nightly["status"], nightly["tokens"]) == (
        "Nightly import job",
        "blocked",
        38410,
    )
    assert snapshot(legacy_repo) == before


def test_list_filters_legacy_exports_by_inferred_status(legacy_repo):
    assert listed_ids(legacy_repo, "--status", "blocked") == ["session_20260220_nightly_import.md"]


def test_list_puts_an_undated_legacy_export_last(four):
    write_export(four, "notes.md", "# Session: Loose notes\n\n**Status**: Complete\n")

    result = sess(four, "list")

    assert result.code == 0, result.err
    rows = [re.split(r"\s{2,}", line)[:2] for line in result.out.splitlines()]
    assert [row[1] for row in rows] == [DELTA, ALPHA, BETA, GAMMA, "notes.md"]
    assert rows[-1][0] == "undated"
    assert listed_ids(four, "--since", "2000-01-01") == [DELTA, ALPHA, BETA, GAMMA]
    assert listed_ids(four, "--until", "2999-01-01") == [DELTA, ALPHA, BETA, GAMMA]


BROKEN = {
    "invalid_yaml": "---\ntitle: [unclosed\ndate: 2025-12-03\n---\n# Session: Broken\n",
    "not_a_mapping": "---\n- just\n- a list\n---\n# Session: Broken\n",
    "not_utf8": b"---\ntitle: caf\xe9\ndate: 2025-12-03\ntype: feature\nstatus: complete\n---\n",
    "empty": "",
    "unclosed": "---\ntitle: Never closed\ndate: 2025-12-03\n# Session: Broken\n",
}


@pytest.mark.parametrize("content", BROKEN.values(), ids=BROKEN.keys())
def test_list_survives_a_broken_export_and_warns(four, content):
    broken = write_export(four, "session_20251203_broken.md", content)
    before = snapshot(four)

    result = sess(four, "list")

    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert result.err == "git-sess: warning: 1 export(s) have errors; see git sess check\n"
    ids = [line.split()[1] for line in result.out.splitlines()]
    assert [i for i in ids if i != broken.name] == [DELTA, ALPHA, BETA, GAMMA]
    assert snapshot(four) == before
    assert listed_ids(four, "--tag", "gpu") == [DELTA]


# --- show -----------------------------------------------------------------------


@pytest.fixture
def shown(four) -> tuple[Path, str]:
    """The repository and the exact `show` output expected for Delta."""
    body = split_export(four / ".sessions" / DELTA)[1]
    expected = (
        f"id:        {DELTA}\n"
        f"path:      .sessions/{DELTA}\n"
        "title:     Delta\n"
        "date:      2025-12-05\n"
        "type:      operation\n"
        "status:    abandoned\n"
        "tags:      ml, gpu, training\n"
        f"continues: {ALPHA}\n"
        "tokens:    50,000 / 200,000 (25%)\n"
        "commits:   none yet: the export is not committed\n"
        "\n" + body
    )
    return four, expected


@pytest.mark.parametrize(
    "ref",
    [
        DELTA,
        "session_20251205_delta",
        "session_20251205_del",
        "20251205_de",
        "delt",
        "DELTA",
        f".sessions/{DELTA}",
        f"./.sessions/{DELTA}",
    ],
)
def test_show_accepts_id_prefix_slug_and_path(shown, ref):
    repo, expected = shown

    result = sess(repo, "show", ref)

    assert result.code == 0, result.err
    assert result.out == expected


@pytest.mark.parametrize("ref", [f"../.sessions/{DELTA}", DELTA, "delta"])
def test_show_from_a_subdirectory(shown, ref):
    repo, expected = shown
    below = repo / "src"
    below.mkdir()

    result = sess(below, "show", ref)

    assert result.code == 0, result.err
    assert result.out == expected


def test_show_prints_the_body_after_the_metadata(shown):
    repo, expected = shown

    out = sess(repo, "show", DELTA).out

    metadata, _, body = out.partition("\n\n")
    assert metadata.splitlines()[0] == f"id:        {DELTA}"
    assert body.startswith("# Session: Delta\n\n## Operation\n")
    assert body == split_export(repo / ".sessions" / DELTA)[1]


def test_show_json_has_metadata_and_body(four):
    result = sess(four, "show", "beta", "--json")

    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert list(shown)[: len(PUBLIC_KEYS)] == PUBLIC_KEYS
    assert shown["id"] == BETA
    assert shown["summary"] == "Fixed the crash"
    assert shown["type"] == "bug"
    assert shown["body"] == split_export(four / ".sessions" / BETA)[1]


def test_show_lists_unknown_keys(sessions):
    write_export(
        sessions,
        "session_20251201_extra.md",
        "---\ntitle: Extra\ndate: 2025-12-01\ntype: feature\nstatus: complete\n"
        "owner: alice\n---\nBody line\n",
    )

    result = sess(sessions, "show", "extra")

    assert result.code == 0, result.err
    assert "owner:     alice\n" in result.out
    assert result.out.endswith("\n\nBody line\n")


def test_show_of_a_legacy_export_prints_the_whole_file_as_body(legacy_repo):
    name = "session_20260214_ocr_fallback.md"
    text = (FIXTURES / "legacy" / name).read_text(encoding="utf-8")

    result = sess(legacy_repo, "show", "ocr", "--json")

    assert result.code == 0, result.err
    shown = json.loads(result.out)
    assert (shown["title"], shown["status"], shown["legacy"]) == (
        "OCR fallback for scanned invoices",
        "complete",
        True,
    )
    assert shown["body"] == text


def test_show_ambiguous_prefix_lists_the_candidates(sessions):
    one = new(sessions, "Alpha one", "--date", "2025-12-01").name
    two = new(sessions, "Alpha two", "--date", "2025-12-01").name

    result = sess(sessions, "show", "alpha")

    assert_one_line_error(result, f"'alpha' matches 2 sessions: {one}, {two}")
    assert result.out == ""


@pytest.mark.parametrize("ref", ["nope", "session_20991231_nope.md", "2099"])
def test_show_unknown_session_is_an_error(four, ref):
    result = sess(four, "show", ref)

    assert_one_line_error(result, f"no session {ref!r}")
    assert result.out == ""


@pytest.mark.parametrize(
    "ref",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "README.md",
        "./README.md",
        ".sessions/CONTEXT_MANAGEMENT.md",
        ".sessions/session_index.md",
        ".sessions/../README.md",
        ".sessions/link.md",
        "link",
    ],
)
def test_show_refuses_paths_outside_the_exports(four, ref):
    (four / ".sessions" / "link.md").symlink_to(four / "README.md")

    result = sess(four, "show", ref)

    assert_one_line_error(result)
    assert result.out == ""
    assert "project" not in result.err


# --- the command-line surface -------------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(repo, command):
    result = sess(repo, command, "--help")

    assert result.code == 0, result.err
    assert result.out.startswith(f"Usage: git sess {command} ")
    assert "Example" in result.out


def test_no_arguments_prints_help_and_exits_0(repo):
    result = sess(repo)

    assert result.code == 0, result.err
    assert result.out.startswith("Usage: git sess [OPTIONS] COMMAND [ARGS]...")
    listed = [line.split()[0] for line in result.out.split("Commands:\n", 1)[1].splitlines()]
    assert sorted(listed) == sorted(COMMANDS)


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["list", "--bogus"], "No such option '--bogus'", "hint: git sess list --help"),
        (["--bogus"], "No such option '--bogus'", "hint: git sess --help"),
        (["show"], "Missing argument 'SESSION'", "hint: git sess show --help"),
        (["frobnicate"], "No such command 'frobnicate'", "hint: git sess --help"),
    ],
)
def test_usage_errors_exit_2_with_a_hint(repo, args, message, hint):
    result = sess(repo, *args)

    assert result.code == 2, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("git-sess: error: ")
    assert message in lines[0]
    assert hint in lines[1:]
    assert "Traceback" not in result.err
