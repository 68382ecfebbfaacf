"""What the assistant hooks keep between runs (gitsess/assistant/hook_state.py): the
lines a hook that prints nothing leaves for the next that may speak, bounded, and a
state file someone broke taken as empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import sess

from gitsess.assistant import hook_state
from gitsess.core.workspace import open_workspace


def test_lines_wait_by_conversation_and_are_said_once(sessions: Path) -> None:
    workspace = open_workspace(sessions)
    hook_state.defer(workspace, "a", ["checkpoint written", "a setting is wrong"])
    hook_state.defer(workspace, "a", ["a setting is wrong"])  # said once
    hook_state.defer(workspace, "b", ["b's line"])
    assert hook_state.take(workspace, "c") == []
    assert hook_state.take(workspace, "a") == ["checkpoint written", "a setting is wrong"]
    assert hook_state.take(workspace, "a") == []
    hook_state.defer(workspace, "d", ["d's line"])
    assert hook_state.take(workspace, "new", every=True) == ["b's line", "d's line"]
    assert hook_state.take(workspace, "new", every=True) == []


def test_what_is_kept_is_bounded(sessions: Path) -> None:
    workspace = open_workspace(sessions)
    for number in range(hook_state.KEPT_LINES + 5):
        hook_state.defer(workspace, "a", [f"line {number}"])
    for session in range(hook_state.KEPT_SESSIONS + 5):
        hook_state.defer(workspace, f"s{session}", [f"x{session}"])
    assert hook_state.take(workspace, "a") == []  # the oldest conversation went
    hook_state.defer(workspace, "a", [f"line {n}" for n in range(hook_state.KEPT_LINES + 5)])
    assert hook_state.take(workspace, "a") == [f"line {n}" for n in range(5, 15)]
    assert len(hook_state.take(workspace, "?", every=True)) == hook_state.KEPT_SESSIONS - 1


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"a": "no list", "b": [1, "kept"]}'])
def test_a_broken_state_file_is_taken_as_what_it_can_be(sessions: Path, text: str) -> None:
    workspace = open_workspace(sessions)
    (workspace.repo.state_dir / hook_state.PENDING_NAME).write_text(text)
    said = hook_state.take(workspace, "b")
    assert said == (["kept"] if "kept" in text else [])
    hook_state.defer(workspace, "a", ["line"])
    assert hook_state.take(workspace, "a") == ["line"]


def test_a_state_that_cannot_be_written_never_stops_a_hook(sessions: Path) -> None:
    from test_assistant import event, pre_compact, run_hook

    workspace = open_workspace(sessions)
    (workspace.repo.state_dir / hook_state.PENDING_NAME).mkdir(parents=True)  # not a file
    written = pre_compact(sessions, event(sessions, "PreCompact", None, session_id="a"))
    assert written.is_file()
    log = sess(sessions, "assistant", "log", "-n", "1").out
    assert "PreCompact       wrote .sessions/checkpoints/" in log
    assert "warning: not kept for the next hook: " in log
    start = event(sessions, "SessionStart", None, session_id="a", source="compact")
    assert "systemMessage" not in run_hook(sessions, "SessionStart", start)
