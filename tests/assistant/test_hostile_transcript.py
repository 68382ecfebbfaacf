"""A hostile transcript prints nothing raw (issue 19).

Every string of a Claude Code transcript that git-sess may show (user prompts,
file paths, commands, model names, branches, compaction triggers, summaries)
carries terminal escapes: a screen clear, an OSC 52 clipboard write, BEL, DEL, a
C1 CSI, a bidirectional override and a zero-width space. Each command that reads
a transcript, each Claude Code hook and the status line run on it as Claude
Code or a user would run them; what they print must hold none of those raw:
escaped text on a terminal, escaped JSON from the hooks (still JSON), one
escaped line from the status line.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from builders import SESSION_ID, fixture_lines, place_transcript
from conftest import BIN_DIR

ESC = "\x1b"
HOSTILE = f"{ESC}[2J{ESC}]52;c;ZXZpbA==\x07\x7f\x9b2J\u202e\u200b"
# What a terminal must not receive raw: C0 controls but tab and newline, DEL, C1
# controls (UTF-8 \xc2\x80-\x9f), zero-width and bidirectional characters.
RAW = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)
# The keys whose strings a transcript's author (or a pasted prompt) controls and
# git-sess may show; ids, timestamps and record types stay sound so it reads them.
POISONED = {"text", "content", "file_path", "command", "description", "model", "gitBranch"}
POISONED_TOP = {"summary", "trigger", "gitBranch"}


def poison(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: poison(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [poison(item, key) for item in value]
    if isinstance(value, str) and (key in POISONED or key in POISONED_TOP):
        if key == "file_path":  # a file name with the escapes in it
            head, _, tail = value.rpartition("/")
            return f"{head}/{HOSTILE}{tail}"
        return f"{value} {HOSTILE}"
    return value


def hostile_lines(repo: Path) -> list[str]:
    lines = [json.dumps(poison(json.loads(line))) for line in fixture_lines(repo)]
    prompt = {
        "type": "user",
        "isSidechain": False,
        "cwd": str(repo),
        "sessionId": SESSION_ID,
        "timestamp": "2026-03-02T10:18:00.000Z",
        "uuid": "u-10",
        "message": {"role": "user", "content": f"Paste {HOSTILE} this\r\nand {ESC}P+q{ESC}\\"},
    }
    return [*lines, json.dumps(prompt)]


@pytest.fixture
def hostile(sessions: Path) -> tuple[Path, Path]:
    transcript = place_transcript(sessions, hostile_lines(sessions))
    return sessions, transcript


def assert_nothing_raw(data: bytes) -> None:
    assert RAW.findall(data) == [], data.decode("utf-8", "replace")


def run(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(BIN_DIR / "git-sess"), *args],
        cwd=cwd,
        input=None if stdin is None else stdin.encode(),
        stdin=subprocess.DEVNULL if stdin is None else None,
        capture_output=True,
        timeout=120,
    )


def test_the_transcript_is_hostile_where_it_is_read(hostile):
    """The test's premise: the escapes are in the strings git-sess decodes."""
    _, transcript = hostile
    records = [json.loads(line) for line in transcript.read_text().splitlines()]
    decoded = [text for record in records for text in strings(record)]
    assert sum(HOSTILE in text for text in decoded) >= 10
    assert any(text.endswith(f"/{HOSTILE}report.py") for text in decoded)  # a file name


COMMANDS = [
    ("status", "--transcript"),
    ("status", "--json", "--transcript"),
    ("time", "--transcript"),
    ("new", "From a hostile transcript", "--from-transcript"),
    ("checkpoint", "--from-transcript"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_commands_reading_a_transcript_print_nothing_raw(hostile, args):
    repo, transcript = hostile
    done = run(repo, *args, str(transcript))
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    assert_nothing_raw(done.stdout)
    assert_nothing_raw(done.stderr)
    if "--json" in args:
        json.loads(done.stdout)  # escaped as JSON, still JSON


def test_the_draft_from_a_hostile_transcript_shows_escaped(hostile):
    repo, transcript = hostile
    done = run(repo, "new", "Drafted", "--from-transcript", str(transcript))
    assert done.returncode == 0, done.stderr
    shown = run(repo, "show", "drafted")
    assert shown.returncode == 0, shown.stderr
    assert_nothing_raw(shown.stdout + shown.stderr)
    assert b"\\x1b[2J" in shown.stdout  # made visible, not dropped


@pytest.mark.parametrize(
    ("args", "pattern"),
    [
        (("new", "Drafted", "--from-transcript"), "session_*_drafted.md"),
        (("checkpoint", "--from-transcript"), "checkpoints/*_ccp.md"),
    ],
    ids=["draft", "checkpoint"],
)
def test_files_written_from_a_hostile_transcript_hold_nothing_raw(hostile, args, pattern):
    """`cat` or `git diff` of a draft or a checkpoint shows it on a terminal too."""
    repo, transcript = hostile
    done = run(repo, *args, str(transcript))
    assert done.returncode == 0, done.stderr
    [written] = (repo / ".sessions").glob(pattern)
    data = written.read_bytes()
    assert_nothing_raw(data)
    assert b"\\x1b[2J" in data  # made visible, not dropped


def hook(repo: Path, event: str, payload: dict[str, Any]) -> dict[str, Any]:
    done = run(repo, "hook", "claude", event, stdin=json.dumps(payload))
    assert done.returncode == 0
    assert done.stderr == b""
    if event == "PreCompact":  # prints nothing: the next hook says what it wrote
        assert done.stdout == b""
        return {}
    assert_nothing_raw(done.stdout)
    assert done.stdout.count(b"\n") == 1
    output = json.loads(done.stdout)
    assert isinstance(output, dict)
    return output


def payload(repo: Path, transcript: Path, event: str, **more: str) -> dict[str, Any]:
    return {
        "session_id": SESSION_ID,
        "transcript_path": str(transcript),
        "cwd": str(repo),
        "hook_event_name": event,
        **more,
    }


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return [value] if isinstance(value, str) else []


def test_the_claude_code_hooks_print_escaped_json(hostile):
    repo, transcript = hostile
    # A session in progress whose title holds the escapes: SessionStart lists it. (One
    # whose file name held them would be left out: core.names.is_plain_name.)
    name = "session_20260302_evil.md"
    (repo / ".sessions" / name).write_text(
        '---\ntitle: "Evil \\e[2J \\e]52;c;eA==\\a"\ndate: 2026-03-02\nstatus: in-progress\n'
        "---\n# Session: evil\n"
    )
    outputs = [
        hook(repo, "SessionStart", payload(repo, transcript, "SessionStart", source="startup")),
        hook(repo, "SessionStart", payload(repo, transcript, "SessionStart", source="compact")),
        hook(
            repo,
            "SessionStart",
            payload(repo, transcript, "SessionStart", source=f"odd{HOSTILE}"),
        ),
        hook(
            repo,
            "UserPromptSubmit",
            payload(repo, transcript, "UserPromptSubmit", prompt=f"Do it {HOSTILE}"),
        ),
        hook(
            repo,
            "PreCompact",
            payload(
                repo,
                transcript,
                "PreCompact",
                trigger=f"manual{HOSTILE}",
                custom_instructions=f"keep {HOSTILE}",
            ),
        ),
        hook(repo, "PostCompact", payload(repo, transcript, "PostCompact", trigger="auto")),
    ]
    shown = [text for output in outputs for text in strings(output)]
    # Not only escaped as JSON: what Claude Code shows from the values is escaped too.
    for text in shown:
        assert_nothing_raw(text.encode())
    context = "\n".join(shown)
    assert "session_20260302_evil" in context  # the hostile session was listed
    checkpoints = sorted((repo / ".sessions" / "checkpoints").glob("*.md"))
    assert checkpoints, "PreCompact wrote no checkpoint"


def test_status_line_is_one_escaped_line(hostile):
    repo, transcript = hostile
    line = {
        "session_id": SESSION_ID,
        "transcript_path": str(transcript),
        "cwd": str(repo),
        "model": {"id": f"claude-opus-4-5{HOSTILE}", "display_name": f"Opus{HOSTILE}\nsecond"},
        "context_window": {"context_window_size": 200_000, "used_percentage": 40},
    }
    done = run(repo, "statusline", stdin=json.dumps(line))
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout.count(b"\n") == 1 and done.stdout.endswith(b"\n")
    assert_nothing_raw(done.stdout)


def test_status_line_error_quoting_hostile_input_is_escaped(tmp_path):
    """A failure message can quote what it was given: a cwd that is no repository."""
    where = tmp_path / f"not{ESC}[2Ja repo"
    where.mkdir()
    done = run(tmp_path, "statusline", stdin=json.dumps({"cwd": str(where)}))
    assert done.returncode == 0 and done.stderr == b""
    assert done.stdout.count(b"\n") == 1
    assert_nothing_raw(done.stdout)
    assert b"not\\x1b[2Ja repo" in done.stdout  # made visible as everywhere, not blanked


def test_nothing_raw_in_the_hook_log(hostile):
    repo, transcript = hostile
    hook(repo, "PreCompact", payload(repo, transcript, "PreCompact", trigger=f"x{HOSTILE}"))
    done = run(repo, "assistant", "log")
    assert done.returncode == 0, done.stderr
    assert_nothing_raw(done.stdout + done.stderr)
