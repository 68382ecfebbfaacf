"""The window of a conversation and which rule decided it; zones as context left
until auto-compaction; transcripts where Claude Code keeps them in 2026."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from builders import SESSION_ID, fixture_lines, place_transcript
from conftest import git, sess

from gitsess.assistant.budget import Budget, zone_table
from gitsess.assistant.locating import find_transcript, project_transcripts
from gitsess.assistant.transcript import read_tail
from gitsess.assistant.window import model_window, transcript_evidence

ROOT = Path(__file__).resolve().parents[2]


def answer(tokens: int, model: str, repo: Path, session: str = SESSION_ID) -> str:
    """A reply of `model` whose context is `tokens` (input side) plus 100 output."""
    return json.dumps(
        {
            "type": "assistant",
            "cwd": str(repo),
            "sessionId": session,
            "timestamp": "2026-03-02T11:00:00.000Z",
            "message": {
                "model": model,
                "content": [{"type": "text", "text": "ok"}],
                "usage": {"input_tokens": tokens, "output_tokens": 100},
            },
        }
    )


def compaction(repo: Path, trigger: str, pre: int) -> list[str]:
    common = {"cwd": str(repo), "sessionId": SESSION_ID, "timestamp": "2026-03-02T12:00:00Z"}
    boundary = {
        **common,
        "type": "system",
        "subtype": "compact_boundary",
        "compactMetadata": {"trigger": trigger, "preTokens": pre},
    }
    summary = {
        **common,
        "type": "user",
        "isCompactSummary": True,
        "message": {"role": "user", "content": "This session is being continued from a previous"
                    " conversation that ran out of context."},
    }  # fmt: skip
    return [json.dumps(boundary), json.dumps(summary)]


def status(repo: Path, env: dict | None = None) -> dict:
    result = sess(repo, "status", "--json", env=env)
    assert result.code == 0, result.err
    return json.loads(result.out)


# --- the model table ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "size", "rule"),
    [
        ("claude-sonnet-5", 1_000_000, "model"),
        ("claude-opus-5-20260301", 1_000_000, "model"),
        ("claude-fable-5", 1_000_000, "model"),
        ("claude-mythos-5", 1_000_000, "model"),
        ("claude-opus-4-6", 1_000_000, "model"),
        ("claude-opus-4-7", 1_000_000, "model"),
        ("claude-opus-4-8-20260901", 1_000_000, "model"),
        ("claude-sonnet-4-6", 1_000_000, "model"),
        ("us.anthropic.claude-sonnet-4-6-v1:0", 1_000_000, "model"),
        ("claude-sonnet-4-5-20250929[1m]", 1_000_000, "model"),
        ("claude-opus-4-5", 200_000, "model"),
        ("claude-sonnet-4-5-20250929", 200_000, "model"),
        ("claude-haiku-4-5-20251001", 200_000, "model"),
        ("claude-haiku-5", 200_000, "model"),
        ("claude-opus-4-1-20250805", 200_000, "model"),
        ("claude-sonnet-4-20250514", 200_000, "model"),
        ("claude-3-5-sonnet-20241022", 200_000, "model"),
        ("claude-opus-4-9", 200_000, "default"),  # not in the table: not guessed
        ("claude-nova-6", 200_000, "default"),
        ("gpt-5", 200_000, "default"),
        (None, 200_000, "default"),
    ],
)
def test_the_model_table(model: str | None, size: int, rule: str) -> None:
    found = model_window(model, {})
    assert (found.size, found.rule) == (size, rule)


def test_an_unknown_model_is_said_to_be_a_default() -> None:
    assert model_window("claude-nova-6", {}).reason == "unknown model claude-nova-6: 200K assumed"


@pytest.mark.parametrize("value", ["1", "true", "yes", "TRUE"])
def test_disabling_1m_holds_1m_models_to_200k(value: str) -> None:
    environ = {"CLAUDE_CODE_DISABLE_1M_CONTEXT": value}
    held = model_window("claude-sonnet-5", environ)
    assert (held.size, held.rule) == (200_000, "model")
    assert held.reason == "claude-sonnet-5 held to 200K by CLAUDE_CODE_DISABLE_1M_CONTEXT"
    assert model_window("claude-opus-4-6[1m]", environ).size == 200_000
    assert model_window("claude-opus-4-5", environ).size == 200_000


@pytest.mark.parametrize("value", ["", "0", "false", " "])
def test_a_disabling_value_of_nothing_or_0_or_false_disables_nothing(value: str) -> None:
    assert model_window("claude-sonnet-5", {"CLAUDE_CODE_DISABLE_1M_CONTEXT": value}).size == (
        1_000_000
    )


def test_what_a_transcript_proves() -> None:
    large = transcript_evidence(250_000, None, None)
    assert large is not None and (large.size, large.rule) == (1_000_000, "transcript")
    small = transcript_evidence(None, "auto", 155_400)
    assert small is not None and small.size == 200_000
    assert transcript_evidence(None, "manual", 155_400) is None  # a /compact: any time
    assert transcript_evidence(None, "auto", 770_000) is None  # a 1M window's compaction
    assert transcript_evidence(190_000, None, None) is None


# --- zones ------------------------------------------------------------------------------


def test_a_200k_conversation_at_141k_is_in_the_export_zone() -> None:
    budget = Budget(141_000, 200_000)
    assert budget.usable == 155_000
    assert budget.left == pytest.approx(14_000 / 155_000)  # 9 %
    assert budget.zone == "export"
    assert budget.advice == "export now, while there is room: `git sess new --from-transcript`"


def test_a_1m_conversation_at_180k_is_normal() -> None:
    budget = Budget(180_000, 1_000_000)
    assert budget.usable == 775_000
    assert budget.left == pytest.approx(595_000 / 775_000)
    assert budget.zone == "normal" and budget.advice == "nothing to do yet"


def test_every_zone_is_reached_before_compaction_in_both_windows() -> None:
    for window in (200_000, 1_000_000):
        usable = Budget(0, window).usable
        seen = [Budget(tokens, window).zone for tokens in range(0, usable + 1, window // 2000)]
        assert list(dict.fromkeys(seen)) == ["normal", "export", "checkpoint", "final", "past"]
        first_export = seen.index("export") * (window // 2000)
        assert (usable - first_export) / usable >= 0.10  # asked while 10 % is left


def test_the_template_says_what_the_zones_are() -> None:
    template = (ROOT / "templates" / "CONTEXT_MANAGEMENT.md").read_text(encoding="utf-8")
    assert zone_table() in template
    assert "| 20 % down to 5 % | export |" in zone_table()


# --- the rule, through status ------------------------------------------------------------


def test_a_sonnet_5_conversation_at_180k_is_normal_and_status_says_why(sessions: Path) -> None:
    place_transcript(sessions, [answer(180_000, "claude-sonnet-5", sessions)])
    data = status(sessions)["context"]
    assert (data["window"], data["window_rule"], data["zone"]) == (1_000_000, "model", "normal")
    assert data["window_reason"] == "claude-sonnet-5 has a 1M window"
    assert data["usable"] == 775_000
    out = sess(sessions, "status").out
    assert "180,100 / 1,000,000 tokens (18%) - normal" in out
    assert "window           1,000,000: claude-sonnet-5 has a 1M window" in out


def test_an_unknown_model_gets_the_default_and_status_says_so(sessions: Path) -> None:
    place_transcript(sessions, [answer(60_000, "claude-nova-6", sessions)])
    data = status(sessions)["context"]
    assert (data["window"], data["window_rule"]) == (200_000, "default")
    assert "window           200,000: unknown model claude-nova-6: 200K assumed" in (
        sess(sessions, "status").out
    )


def test_the_newest_reply_s_model_decides_when_the_model_changes(sessions: Path) -> None:
    lines = [
        answer(90_000, "claude-sonnet-5", sessions),
        answer(120_000, "claude-opus-4-5", sessions),
    ]
    place_transcript(sessions, lines)
    data = status(sessions)
    assert data["transcript"]["model"] == "claude-opus-4-5"
    assert (data["context"]["window"], data["context"]["window_rule"]) == (200_000, "model")
    place_transcript(sessions, [*lines, answer(125_000, "claude-sonnet-5", sessions)])
    assert status(sessions)["context"]["window"] == 1_000_000


def test_the_environment_holds_a_1m_model_to_200k(sessions: Path) -> None:
    place_transcript(sessions, [answer(130_000, "claude-sonnet-5", sessions)])
    data = status(sessions, env={"CLAUDE_CODE_DISABLE_1M_CONTEXT": "1"})["context"]
    assert (data["window"], data["zone"]) == (200_000, "export")


def test_usage_above_200k_proves_a_1m_window_whatever_the_model(sessions: Path) -> None:
    place_transcript(sessions, [answer(260_000, "claude-opus-4-5", sessions)])
    data = status(sessions)["context"]
    assert (data["window"], data["window_rule"]) == (1_000_000, "transcript")
    assert data["window_reason"] == "the transcript shows 260,100 tokens in context"


def test_an_automatic_compaction_near_155k_proves_200k_for_the_conversation(
    sessions: Path,
) -> None:
    # Claude Code ran this 1M-table model with 200K: it compacted at 155K.
    before = [answer(150_000, "claude-sonnet-5", sessions), *compaction(sessions, "auto", 155_200)]
    place_transcript(sessions, before)
    assert status(sessions)["context"] is None  # no reply since: remembered all the same
    place_transcript(sessions, [*before, answer(130_000, "claude-sonnet-5", sessions)])
    data = status(sessions)["context"]
    assert (data["window"], data["window_rule"], data["zone"]) == (200_000, "transcript", "export")
    assert data["window_reason"] == "seen earlier in this conversation's transcript"


def test_git_config_overrides_every_other_rule(sessions: Path) -> None:
    place_transcript(sessions, [answer(260_000, "claude-opus-4-5", sessions)])
    git(sessions, "config", "sess.contextWindow", "500k")
    data = status(sessions)["context"]
    assert (data["window"], data["window_rule"]) == (500_000, "config")
    assert data["window_reason"] == "git config sess.contextWindow"
    git(sessions, "config", "sess.contextWindow", "200k")  # even the default's value
    assert status(sessions)["context"]["window_rule"] == "config"


# --- the prompt hook ---------------------------------------------------------------------


def prompt_hook(repo: Path, transcript: Path, session: str = "conv") -> dict:
    from test_assistant import run_hook

    payload = {
        "session_id": session,
        "transcript_path": str(transcript),
        "cwd": str(repo),
        "hook_event_name": "UserPromptSubmit",
        "prompt": "go on",
    }
    return run_hook(repo, "UserPromptSubmit", payload)


def test_the_prompt_hook_asks_for_an_export_at_141k_of_200k(sessions: Path) -> None:
    transcript = place_transcript(sessions, [answer(141_000, "claude-opus-4-5", sessions)])
    said = prompt_hook(sessions, transcript)["hookSpecificOutput"]["additionalContext"]
    assert said == (
        "git-sess: 9% left (13,900 tokens) until auto-compaction, 71% of the 200,000-token"
        " window (zone export); before answering, export now, while there is room:"
        f" `git sess new --from-transcript {SESSION_ID}`."
    )
    assert prompt_hook(sessions, transcript) == {}  # never twice in one zone


def test_the_prompt_hook_is_silent_for_sonnet_5_at_180k(sessions: Path) -> None:
    transcript = place_transcript(sessions, [answer(180_000, "claude-sonnet-5", sessions)])
    assert prompt_hook(sessions, transcript) == {}


def test_the_prompt_hook_asks_for_the_final_reflection_at_1_percent(sessions: Path) -> None:
    transcript = place_transcript(sessions, [answer(772_000, "claude-opus-5", sessions)])
    said = prompt_hook(sessions, transcript)["hookSpecificOutput"]["additionalContext"]
    assert "(zone final)" in said and "final reflection (JOTEWR)" in said


# --- transcripts where Claude Code keeps them -----------------------------------------


def test_a_stale_transcript_is_no_current_conversation(sessions: Path) -> None:
    path = place_transcript(sessions, [answer(141_000, "claude-opus-4-5", sessions)])
    assert status(sessions)["transcript"]["current"] is True
    two_days_ago = time.time() - 2 * 86_400
    os.utime(path, (two_days_ago, two_days_ago))
    data = status(sessions)
    assert data["transcript"]["current"] is False
    assert data["transcript"]["seconds_since_written"] >= 2 * 86_400
    assert data["next"].startswith("no conversation is going on here")
    out = sess(sessions, "status").out
    assert "written          2d 0h ago: no conversation is going on" in out


def test_sub_agent_transcripts_in_the_session_folder_are_not_the_conversation(
    sessions: Path,
) -> None:
    main = place_transcript(sessions, [answer(50_000, "claude-opus-4-5", sessions)])
    old = time.time() - 60
    os.utime(main, (old, old))
    agents = main.parent / SESSION_ID / "subagents"
    agents.mkdir(parents=True)
    agent = agents / "agent-a2271d1.jsonl"
    agent.write_text(answer(9_000, "claude-haiku-4-5", sessions) + "\n")
    (agents / "workflows" / "wf_1").mkdir(parents=True)
    (agents / "workflows" / "wf_1" / "journal.jsonl").write_text("{}\n")
    assert project_transcripts(sessions) == [main]
    assert find_transcript(sessions, None) == main
    assert find_transcript(sessions, SESSION_ID[:8]) == main
    assert status(sessions)["context"]["tokens"] == 50_100


def test_a_project_directory_named_by_claude_code_project_dir_name(
    sessions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "claude-config"
    named = config / "projects" / "ledger_1"
    named.mkdir(parents=True)
    path = named / f"{SESSION_ID}.jsonl"
    path.write_text(answer(70_000, "claude-opus-4-5", sessions) + "\n")
    (named / "other.jsonl").write_text(answer(1_000, "claude-opus-4-5", Path("/elsewhere")) + "\n")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    monkeypatch.setenv("CLAUDE_CODE_PROJECT_DIR_NAME", "ledger_1")
    assert project_transcripts(sessions) == [path]  # not another directory's conversation
    assert status(sessions)["context"]["tokens"] == 70_100
    monkeypatch.setenv("CLAUDE_CODE_PROJECT_DIR_NAME", "../escape")  # not a name it accepts
    assert project_transcripts(sessions) == []


def test_record_types_added_later_are_skipped_not_misread(sessions: Path) -> None:
    real = answer(40_000, "claude-opus-4-5", sessions)
    newer = [
        # A sub-agent's progress carries a reply of its own, with a usage.
        {"type": "progress", "sessionId": SESSION_ID, "timestamp": "2026-03-02T11:05:00Z",
         "data": {"message": {"type": "assistant", "message": {"model": "claude-haiku-4-5",
                  "usage": {"input_tokens": 900_000}}}}},
        {"type": "assistant-preview", "sessionId": "someone-else", "cwd": "/elsewhere",
         "message": {"model": "claude-sonnet-5", "usage": {"input_tokens": 300_000}}},
        {"type": "queue-operation", "operation": "enqueue", "content": "later"},
        {"type": "custom-title", "customTitle": "CSV", "sessionId": SESSION_ID},
    ]  # fmt: skip
    path = place_transcript(sessions, [*fixture_lines(sessions), real, *map(json.dumps, newer)])
    tail = read_tail(path)
    assert (tail.context_tokens, tail.model, tail.session_id) == (
        40_100,
        "claude-opus-4-5",
        SESSION_ID,
    )
    assert tail.skipped_lines == 0  # skipped as records of no interest, not as bad lines
    data = status(sessions)
    assert data["context"]["window"] == 200_000 and data["context"]["tokens"] == 40_100


def test_with_two_conversations_the_advice_saves_the_one_it_is_given_to(sessions: Path) -> None:
    # Conversation C is in the export zone; D was written to last. The command the
    # hook gives C, run as it is, exports C, not D.
    request = json.dumps(
        {
            "type": "user",
            "cwd": str(sessions),
            "sessionId": "c",
            "timestamp": "2026-03-02T10:59:00.000Z",
            "message": {"role": "user", "content": "Add the CSV export"},
        }
    )
    first = place_transcript(
        sessions, [request, answer(132_000, "claude-opus-4-5", sessions, "c")], "c"
    )
    place_transcript(sessions, [answer(20_000, "claude-opus-4-5", sessions, "d")], "d")
    os.utime(first, (1_000_000_000, 1_000_000_000))  # D is the newest file
    said = prompt_hook(sessions, first)["hookSpecificOutput"]["additionalContext"]
    command = said.rsplit("`", 2)[1]
    assert command == "git sess new --from-transcript c"
    written = sess(sessions, *command.split()[2:])
    assert written.code == 0, written.err
    assert "transcript: c\n" in (sessions / written.out.strip()).read_text()
