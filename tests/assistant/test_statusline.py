"""`git sess statusline`: the JSON Claude Code passes to a status line command,
one line back, the real window remembered; bad input never a traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from builders import SESSION_ID, place_transcript
from conftest import BIN_DIR
from test_architecture import heavy, loaded_by
from test_window import answer, status


def statusline(cwd: Path, stdin: str) -> str:
    """Run it as Claude Code does: the command from settings, JSON on stdin."""
    done = subprocess.run(
        [str(BIN_DIR / "git-sess"), "statusline"],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.count("\n") == 1 and done.stdout.endswith("\n")
    return done.stdout.rstrip("\n")


def payload(repo: Path, size: int | None, used: int | None, **more: object) -> str:
    window: dict = {"total_input_tokens": 9_999_999}  # the whole session's: never the context
    if size is not None:
        window["context_window_size"] = size
    if used is not None:
        window["current_usage"] = {
            "input_tokens": 1_000,
            "cache_creation_input_tokens": 500,
            "cache_read_input_tokens": used - 1_500,
            "output_tokens": 200,
        }
    return json.dumps(
        {
            "session_id": SESSION_ID,
            "cwd": str(repo),
            "model": {"id": "claude-opus-4-5", "display_name": "Opus 4.5"},
            "context_window": window,
            **more,
        }
    )


def test_one_line_with_zone_left_and_last_export(sessions: Path) -> None:
    assert statusline(sessions, payload(sessions, 200_000, 141_000)) == (
        "git-sess: export · 9% left until compaction (14.0K tokens) · last export never"
    )
    assert statusline(sessions, payload(sessions, 1_000_000, 180_000)) == (
        "git-sess: normal · 77% left until compaction (595K tokens) · last export never"
    )


def test_the_last_export_is_timed(sessions: Path) -> None:
    from conftest import sess

    line = statusline(sessions, payload(sessions, 200_000, 20_000))
    assert line.endswith("· last export never")
    # Kept between redraws, and asked again once the sessions directory changes.
    assert (sessions / ".git" / "gitsess" / "statusline-export.json").is_file()
    sess(sessions, "new", "Work")
    line = statusline(sessions, payload(sessions, 200_000, 20_000))
    assert line.endswith("· last export just now")


def test_the_reported_window_is_what_status_and_the_hooks_use(sessions: Path) -> None:
    # The model table says 200K for claude-opus-4-5; Claude Code says 1M.
    place_transcript(sessions, [answer(141_000, "claude-opus-4-5", sessions)])
    assert status(sessions)["context"]["zone"] == "export"
    statusline(sessions, payload(sessions, 1_000_000, 141_000))
    data = status(sessions)["context"]
    assert (data["window"], data["window_rule"], data["zone"]) == (
        1_000_000,
        "statusline",
        "normal",
    )
    assert data["window_reason"] == "reported by Claude Code's status line"
    state = json.loads((sessions / ".git" / "gitsess" / "assistant-windows.json").read_text())
    assert state[SESSION_ID] == {"statusline": 1_000_000, "model": "claude-opus-4-5"}


def test_used_percentage_when_there_is_no_current_usage(sessions: Path) -> None:
    line = statusline(
        sessions,
        json.dumps(
            {
                "cwd": str(sessions),
                "context_window": {"context_window_size": 200_000, "used_percentage": 70.5},
            }
        ),
    )
    assert line.startswith("git-sess: export · 9% left until compaction (14.0K tokens)")


def test_without_a_context_figure_the_transcript_tells(sessions: Path) -> None:
    transcript = place_transcript(sessions, [answer(148_000, "claude-opus-4-5", sessions)])
    line = statusline(
        sessions, json.dumps({"cwd": str(sessions), "transcript_path": str(transcript)})
    )
    assert line.startswith("git-sess: checkpoint · 4% left until compaction (6.9K tokens)")
    fresh = json.dumps({"cwd": str(sessions), "context_window": {"context_window_size": 2e5}})
    assert statusline(sessions, fresh) == "git-sess: no reply yet · last export never"


@pytest.mark.parametrize(
    ("stdin", "said"),
    [
        ("", "git-sess: no status (Claude Code passes its status as JSON on stdin)"),
        ("   \n", "git-sess: no status (Claude Code passes its status as JSON on stdin)"),
        ("{not json", "git-sess: no status (stdin is not JSON)"),
        ("[1, 2]", "git-sess: no status (stdin is not a JSON object)"),
        ('"text"', "git-sess: no status (stdin is not a JSON object)"),
    ],
)
def test_bad_input_is_a_plain_line_and_exit_0(sessions: Path, stdin: str, said: str) -> None:
    assert statusline(sessions, stdin) == said


@pytest.mark.parametrize(
    "odd",
    [
        {},
        {"context_window": None, "model": "opus", "session_id": 7},
        {"context_window": {"context_window_size": "big", "current_usage": [1]}},
        {"context_window": {"context_window_size": -5, "current_usage": {"input_tokens": -1}}},
        {"context_window": {"context_window_size": 0, "used_percentage": True}},
        {"transcript_path": "/nowhere/at/all.jsonl", "workspace": "here"},
        {"context_window": {"context_window_size": float("inf")}},  # JSON's 1e400
    ],
)
def test_missing_or_odd_fields_are_tolerated(sessions: Path, odd: dict) -> None:
    line = statusline(sessions, json.dumps({"cwd": str(sessions), **odd}))
    assert line == "git-sess: no reply yet · last export never"


def test_outside_a_repository_it_says_so_and_exits_0(tmp_path: Path) -> None:
    line = statusline(tmp_path, json.dumps({"cwd": str(tmp_path)}))
    assert line.startswith("git-sess: not a git repository")


def test_a_directory_that_is_gone_is_named_not_taken_for_a_missing_git(tmp_path: Path) -> None:
    gone = tmp_path / "gone"
    line = statusline(tmp_path, json.dumps({"cwd": str(gone)}))
    assert line == f"git-sess: {gone} does not exist"


def test_control_characters_never_reach_the_terminal(sessions: Path) -> None:
    line = statusline(sessions, json.dumps({"cwd": str(sessions) + "\x1b[31m\nx"}))
    assert "\x1b" not in line and line.startswith("git-sess: ")


def test_the_status_line_never_loads_click_gitpython_or_whoosh(
    sessions: Path, tmp_path: Path
) -> None:
    stdin = payload(sessions, 200_000, 141_000)
    found = loaded_by(sessions, tmp_path, "gitsess", "statusline", stdin=stdin)
    assert found["code"] == 0
    assert "gitsess.assistant.statusline" in found["modules"]
    assert heavy(found["modules"]) == []
