"""`git sess assistant test` on a Codex rollout: Codex's hooks, each run as Codex
would run it on this repository's newest conversation (or with --codex, its
newest rollout), printing what Codex would be given, changing nothing."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from builders import place_rollout, place_transcript
from conftest import assert_one_line_error, sess, snapshot

from gitsess.assistant.codex_rehearsal import rehearse_codex
from gitsess.core.workspace import open_workspace


def sections(out: str) -> dict[str, str]:
    """`== Label: did` -> what follows it, up to the next section."""
    parts = re.split(r"^== (.+)$", out, flags=re.M)
    return dict(zip(parts[1::2], (part.strip() for part in parts[2::2]), strict=True))


def aged(path: Path, seconds_ago: int) -> Path:
    moment = path.stat().st_mtime - seconds_ago
    os.utime(path, (moment, moment))
    return path


def test_the_newest_conversation_being_codexs_its_hooks_are_rehearsed(sessions: Path) -> None:
    aged(place_transcript(sessions), 3600)  # Claude Code's, older
    rollout = place_rollout(sessions, "0.77")
    sess(sessions, "new", "Work")
    before = snapshot(sessions)
    result = sess(sessions, "assistant", "test")
    assert result.code == 0, result.err
    assert result.out.startswith(f"rollout: {rollout}\n")
    shown = sections(result.out)
    assert list(shown) == [
        "SessionStart (startup): startup: named 1 file(s) to read",
        "SessionStart (compact): compact: named 1 file(s) to read",
        next(label for label in shown if label.startswith("PreCompact: would write checkpoints/")),
        "PostCompact: would keep Codex's summary in this conversation's checkpoint",
        "UserPromptSubmit: silent (normal)",
        "SessionEnd: nothing (git config sess.checkpointOnEnd is off)",
    ]
    start = json.loads(shown["SessionStart (startup): startup: named 1 file(s) to read"])
    assert list(start) == ["hookSpecificOutput"]  # only what Codex's schema accepts
    assert start["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    assert "Context: 42,100 tokens" in start["hookSpecificOutput"]["additionalContext"]
    quiet = [text for label, text in shown.items() if "Compact:" in label]
    # PreCompact: Codex takes nothing; PostCompact's dry run has no checkpoint to name
    assert quiet == ["(prints nothing: Codex takes no output from this event)", "(prints nothing)"]
    assert shown["UserPromptSubmit: silent (normal)"] == "(prints nothing)"
    assert snapshot(sessions) == before
    assert sess(sessions, "assistant", "log").out == "no hook has run in this repository yet\n"


def test_codex_picks_the_rollout_when_claude_codes_transcript_is_newer(sessions: Path) -> None:
    aged(place_rollout(sessions, "0.128-overflow"), 3600)
    place_transcript(sessions)
    assert sess(sessions, "assistant", "test").out.startswith("transcript: ")  # Claude Code's
    result = sess(sessions, "assistant", "test", "--codex")
    assert result.code == 0, result.err
    shown = sections(result.out)
    # the overflowed turn: the window is full, so the prompt hook asks for a checkpoint
    warned = json.loads(shown["UserPromptSubmit: warned (past)"])
    assert set(warned) <= {"hookSpecificOutput", "systemMessage"}
    assert "checkpoint" in json.dumps(warned)
    assert "PostCompact: nothing (the event holds no compact_summary)" in shown  # none yet


def test_codex_names_a_rollout_and_refuses_what_is_not_one(sessions: Path) -> None:
    rollout = place_rollout(sessions, "0.142")
    transcript = place_transcript(sessions)
    named = sess(sessions, "assistant", "test", "--codex", "--transcript", "0199a6f1")
    assert named.out.startswith(f"rollout: {rollout}\n")
    by_path = sess(sessions, "assistant", "test", "--transcript", str(rollout))
    assert by_path.out.startswith("rollout: ")  # a rollout, whatever the flag
    refused = sess(sessions, "assistant", "test", "--codex", "--transcript", str(transcript))
    assert_one_line_error(refused, "is not a Codex rollout")


def test_codex_without_a_rollout(sessions: Path) -> None:
    place_transcript(sessions)
    assert_one_line_error(
        sess(sessions, "assistant", "test", "--codex"), "no Codex rollout for this repository"
    )


def test_the_rehearsal_sends_what_codex_sends(sessions: Path) -> None:
    rollout = place_rollout(sessions, "0.146-compacted")
    done = rehearse_codex(open_workspace(sessions), rollout)
    assert [r.label for r in done] == [
        "SessionStart (startup)",
        "SessionStart (compact)",
        "PreCompact",
        "PostCompact",
        "UserPromptSubmit",
        "SessionEnd",
    ]
    assert [r.heard for r in done] == [True, True, False, True, True, False]
    # the compaction not yet measured: the prompt hook has no figure to warn on
    assert done[4].outcome.did == "silent (no context figure)" and done[4].printed is None
    assert done[3].outcome.did.startswith("would keep Codex's summary")  # from the rollout
