"""Which assistant sent a hook's event (gitsess/assistant/hook_event.py): Codex's
payloads (0.171.0's schemas) against Claude Code's (2.1.337)."""

from __future__ import annotations

import pytest

from gitsess.assistant.hook_event import Outcome, sent_by_codex

ROLLOUT = "/home/u/.codex/sessions/2026/12/01/rollout-2026-12-01T09-15-02-019b4d2e-7c1a.jsonl"
CLAUDE = "/home/u/.claude/projects/-home-u-app/5b1e9c3a-2f47-4d0e-8a6b-91c2d3e4f5a6.jsonl"
BASE = {"session_id": "x", "cwd": "/home/u/app"}


@pytest.mark.parametrize(
    ("payload", "codex"),
    [
        # Codex: a turn_id (PreCompact, PostCompact, UserPromptSubmit) ...
        ({**BASE, "turn_id": "t1", "transcript_path": None, "trigger": "auto"}, True),
        # ... else its rollout (SessionStart, SessionEnd), or null when ephemeral
        ({**BASE, "transcript_path": ROLLOUT, "source": "startup", "model": "gpt-5.5"}, True),
        ({**BASE, "transcript_path": ROLLOUT + ".zst", "reason": "other"}, True),
        ({**BASE, "transcript_path": None, "source": "resume"}, True),
        # Claude Code: its transcript, always a string; model and permission_mode too
        ({**BASE, "transcript_path": CLAUDE, "source": "startup", "model": "claude-opus-5"}, False),
        (
            {**BASE, "transcript_path": CLAUDE, "trigger": "auto", "custom_instructions": None},
            False,
        ),
        ({**BASE, "transcript_path": "", "prompt": "hi", "permission_mode": "default"}, False),
        ({**BASE, "transcript_path": "/x/rollout-notes.md"}, False),
        ({**BASE, "transcript_path": "/x/rollout-2026.jsonl/" + CLAUDE.rsplit("/", 1)[1]}, False),
        ({}, False),
    ],
)
def test_the_event_tells_which_assistant_sent_it(payload: dict, codex: bool) -> None:
    assert sent_by_codex(payload) is codex


def test_what_the_user_is_told_is_said_once_earlier_lines_first() -> None:
    outcome = Outcome()
    outcome.warn("a setting is wrong")
    outcome.tell("checkpoint written", "a setting is wrong", first=True)
    assert outcome.output == {
        "systemMessage": "git-sess: checkpoint written\ngit-sess: a setting is wrong"
    }
    assert outcome.warnings == ["a setting is wrong"]
