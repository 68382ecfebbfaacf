"""Either assistant's conversation, through the command line: status, time,
new --from-transcript, checkpoint and trace from a Codex rollout as from a
Claude Code transcript, and which conversation a command means."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from builders import frontmatter, place_rollout, place_transcript, rollout_lines
from conftest import assert_refused, git, sess

from gitsess.assistant.conversations import conversation_id, find_conversation
from gitsess.assistant.records import TranscriptError

CODEX_ID = "019b4d2e-7c1a-7d30-9f5e-2a6c8b1d4e70"


def aged(path: Path, seconds_ago: int) -> Path:
    moment = path.stat().st_mtime - seconds_ago
    os.utime(path, (moment, moment))
    return path


def test_status_reads_a_codex_rollout_with_codexs_own_window_and_threshold(sessions: Path) -> None:
    place_rollout(sessions, "0.77")
    result = sess(sessions, "status")
    assert result.code == 0, result.err
    assert f"transcript       {CODEX_ID}, gpt-5.1-codex-max" in result.out
    assert "context          42,100 / 258,400 tokens (16%) - normal" in result.out
    assert "window           258,400: recorded in the Codex rollout" in result.out
    # Codex compacts at 90 % of the model's 272,000: 244,800
    assert "(202,700 of 244,800 tokens)" in result.out
    data = json.loads(sess(sessions, "status", "--json").out)
    assert data["context"]["usable"] == 244_800
    assert data["transcript"]["session_id"] == CODEX_ID
    assert (data["transcript"]["assistant"], data["transcript"]["cli_version"]) == (
        "codex",
        "0.77.0",
    )


def test_zones_follow_codexs_threshold_and_a_configured_lower_limit(sessions: Path) -> None:
    lines = [
        line.replace('"input_tokens":41230', '"input_tokens":226000')  # the newest count
        for line in rollout_lines("0.77", sessions)
    ]
    place_rollout(sessions, "0.77", lines)
    data = json.loads(sess(sessions, "status", "--json").out)
    assert (data["context"]["tokens"], data["context"]["zone"]) == (226_870, "export")
    codex_home = Path(os.environ["HOME"]) / ".codex"
    (codex_home / "config.toml").write_text("model_auto_compact_token_limit = 200000\n")
    data = json.loads(sess(sessions, "status", "--json").out)
    assert (data["context"]["usable"], data["context"]["zone"]) == (200_000, "past")


def test_time_of_a_resumed_codex_conversation(sessions: Path) -> None:
    place_rollout(sessions, "0.150-resumed")
    result = sess(sessions, "time", env={"TZ": "UTC"})
    assert result.code == 0, result.err
    assert "session          started 2026-10-05 17:40, ran 15h 0m" in result.out


def test_an_export_and_its_next_part_from_a_codex_rollout(sessions: Path) -> None:
    lines = rollout_lines("0.77", sessions)
    compaction = next(n for n, text in enumerate(lines) if '"context_compacted"' in text)
    path = place_rollout(sessions, "0.77", lines[: compaction + 1])
    first = Path(sessions / sess(sessions, "new", "--from-transcript").out.strip())
    data = frontmatter(first)
    assert data["assistant"] == "codex" and data["transcript"] == CODEX_ID
    assert data["title"] == "Add CSV export to the ledger report command"
    assert data["transcript_until"] == f"rollout-line-{compaction + 1}"
    text = first.read_text()
    assert "`ledger/export_csv.py`" in text and "`python -m pytest tests/test_report.py -q`" in text
    refused = sess(sessions, "new", "--from-transcript")
    assert refused.code == 1 and "already exported" in refused.err
    path.write_text("\n".join(lines))  # the conversation went on
    stem = first.stem
    second = sess(sessions, "new", "--from-transcript", CODEX_ID[:8], "--continues", stem)
    assert second.code == 0, second.err
    part = Path(sessions / second.out.strip())
    assert frontmatter(part)["title"] == "Add CSV export to the ledger report command, part 2"
    assert frontmatter(part)["tokens"] == 42_100
    assert "`tests/test_export_csv.py`" in part.read_text()
    assert "`ledger/export_csv.py`" not in part.read_text()


def test_trace_finds_the_export_of_a_file_codex_wrote(sessions: Path) -> None:
    place_rollout(sessions, "0.142")
    export = sess(sessions, "new", "--from-transcript").out.strip()
    git(sessions, "add", "-A")
    git(sessions, "commit", "-qm", "reports")
    result = sess(sessions, "trace", "ledger/reports.py")
    assert result.code == 0, result.err
    assert Path(export).stem in result.out


def test_a_checkpoint_from_a_codex_rollout(sessions: Path) -> None:
    place_rollout(sessions, "0.171")
    result = sess(sessions, "checkpoint", "--from-transcript")
    assert result.code == 0, result.err
    path = sessions / result.out.strip()
    data = frontmatter(path)
    assert (data["assistant"], data["tokens"], data["token_limit"]) == ("codex", 31_965, 258_400)
    assert "`ledger/totals.py`" in path.read_text()


def test_without_a_name_the_newest_of_either_assistant_is_the_conversation(sessions: Path) -> None:
    claude = aged(place_transcript(sessions), 600)
    codex = place_rollout(sessions, "0.77")
    assert find_conversation(sessions, None) == codex
    aged(codex, 1200)
    assert find_conversation(sessions, None) == claude
    assert find_conversation(sessions, CODEX_ID) == codex  # an id names its own
    assert find_conversation(sessions, str(codex)) == codex
    assert conversation_id(codex) == CODEX_ID
    assert conversation_id(claude) == claude.stem


def test_a_short_id_of_both_assistants_is_refused(sessions: Path) -> None:
    place_transcript(sessions, session_id="019b4d2e-0000-4000-8000-000000000000")
    place_rollout(sessions, "0.77")
    with pytest.raises(TranscriptError, match="more than one conversation with session id '019b'"):
        find_conversation(sessions, "019b")


def test_neither_assistant_says_where_both_were_looked_for(sessions: Path) -> None:
    result = sess(sessions, "status")
    assert result.code == 0
    assert re.search(
        r"none \(no Claude Code transcript .*, nor a Codex rollout in .*\.codex", result.out
    )
    assert_refused(
        sessions, ("status", "--transcript", "nope"), "no transcript with session id", "nor a Codex"
    )


def test_another_repositorys_rollout_is_refused(sessions: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    path = place_rollout(other, "0.142")
    assert_refused(sessions, ("status", "--transcript", str(path)), f"is of {other}")
    assert_refused(sessions, ("new", "--from-transcript", str(path)), "not of this repository")


def test_a_rollout_without_its_session_meta_is_refused(sessions: Path, tmp_path: Path) -> None:
    lines = rollout_lines("0.77", sessions)[1:]
    path = tmp_path / "rollout.jsonl"
    path.write_text("\n".join(lines))
    assert_refused(sessions, ("status", "--transcript", str(path)), "is not a Codex rollout")
