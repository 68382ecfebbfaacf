"""`git sess status` on what a conversation's end says of its context: a
figure, a response that did not fit the window, a compaction not yet measured,
no reply yet; and whose transcript it is, by assistant and version."""

from __future__ import annotations

import json
import re
from pathlib import Path

from builders import place_rollout, place_transcript, rollout_lines
from conftest import sess

OVERFLOW_ID = "019e2a11-4b5c-7d6e-8f90-a1b2c3d4e5f6"


def status(repo: Path) -> tuple[str, dict]:
    shown = sess(repo, "status")
    assert shown.code == 0, shown.err
    return shown.out, json.loads(sess(repo, "status", "--json").out)


def test_an_overflowed_codex_turn_shows_a_full_window_not_the_count_before(
    sessions: Path,
) -> None:
    place_rollout(sessions, "0.128-overflow")
    out, data = status(sessions)
    assert f"transcript       {OVERFLOW_ID}, gpt-5.5" in out
    assert "assistant        Codex 0.128.0" in out
    assert "context          258,400 / 258,400 tokens (100%) - past" in out
    assert re.search(r"exceeded         .* ago: a response did not fit the window", out)
    assert "236,505" not in out  # the count before the overflow is no figure of now
    assert "next             a response did not fit the context window: compaction is due" in out
    assert data["context_state"] == "exceeded"
    assert data["exceeded"]["time"].startswith("2026-05-19T")
    assert (data["context"]["tokens"], data["context"]["zone"]) == (258_400, "past")
    assert data["compaction"] is None
    transcript = data["transcript"]
    assert (transcript["assistant"], transcript["assistant_version"]) == ("codex", "0.128.0")


def test_the_app_servers_error_event_says_the_same(sessions: Path) -> None:
    place_rollout(sessions, "0.171-overflow")
    out, data = status(sessions)
    assert "assistant        Codex 0.171.0" in out
    assert (data["context_state"], data["context"]["tokens"]) == ("exceeded", 258_400)


def test_a_compaction_with_no_count_since_leaves_the_figure_pending(sessions: Path) -> None:
    place_rollout(sessions, "0.146-compacted")
    out, data = status(sessions)
    assert re.search(
        r"context          pending: compacted .* ago from 246,870 tokens;"
        r" the figure comes with the next reply",
        out,
    )
    for stale in ("240,720", "246,870 /", "left "):
        assert stale not in out  # neither count before the compaction is shown as now
    assert "the context was just compacted" in out
    assert (data["context_state"], data["context"]) == ("pending", None)
    compaction = data["compaction"]
    assert compaction["time"] is not None and compaction["seconds_ago"] > 0
    assert (compaction["tokens_before"], compaction["figure_pending"]) == (246_870, True)


def test_the_first_count_after_the_compaction_is_the_figure_again(sessions: Path) -> None:
    lines = [text for text in rollout_lines("0.146-compacted", sessions) if text]
    usage = {"input_tokens": 30_120, "cached_input_tokens": 0, "output_tokens": 80}
    info = {"last_token_usage": usage, "model_context_window": 258_400}
    payload = {"type": "token_count", "info": info}
    lines.append(
        json.dumps({"timestamp": "2026-10-21T08:32:10Z", "type": "event_msg", "payload": payload})
    )
    place_rollout(sessions, "0.146-compacted", lines)
    out, data = status(sessions)
    assert "context          30,200 / 258,400 tokens (12%) - normal" in out
    assert (data["context_state"], data["compaction"]) == ("measured", None)


def test_no_count_yet(sessions: Path) -> None:
    place_rollout(sessions, "0.20")
    out, data = status(sessions)
    assert "context          unknown (no reply yet)" in out
    assert "assistant        Codex 0.20.0" in out
    assert (data["context_state"], data["compaction"], data["exceeded"]) == ("none", None, None)


def test_claude_codes_version_is_named_too(sessions: Path) -> None:
    place_transcript(sessions)
    out, data = status(sessions)
    assert "assistant        Claude Code 2.1.87" in out
    transcript = data["transcript"]
    assert (transcript["assistant"], transcript["assistant_version"]) == ("claude-code", "2.1.87")
    assert transcript["cli_version"] is None
    assert data["context_state"] == "measured"


def test_without_any_transcript_nothing_is_said_of_an_assistant(sessions: Path) -> None:
    out, data = status(sessions)
    assert "assistant " not in out
    assert (data["context_state"], data["transcript"]) == (None, None)
