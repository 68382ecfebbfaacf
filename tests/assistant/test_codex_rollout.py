"""Reading the end of a Codex rollout: the context now, the window, the model,
whose conversation; the fixtures' facts (tests/fixtures/codex/README.md) and bad lines."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest
from builders import CODEX_FIXTURES, CODEX_ROLLOUTS, FIXTURE_CWD, rollout_lines

from gitsess.assistant.codex_rollout import (
    compact_at,
    compaction_summary,
    configured_limit,
    is_rollout,
    read_rollout_tail,
    session_meta,
)
from gitsess.assistant.transcript import read_tail

FIXTURE = CODEX_FIXTURES / CODEX_ROLLOUTS["0.77"]


def write(tmp_path: Path, lines: list[str], name: str = "rollout.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def line(kind: str, payload: dict, time: str = "2026-07-03T18:15:07.693Z") -> str:
    return json.dumps({"timestamp": time, "type": kind, "payload": payload})


def count(inputs: int, output: int, window: int | None = 258_400) -> str:
    info = {"last_token_usage": {"input_tokens": inputs, "output_tokens": output}}
    if window is not None:
        info["model_context_window"] = window
    return line("event_msg", {"type": "token_count", "info": info})


META = line("session_meta", {"id": "abc", "cwd": FIXTURE_CWD, "cli_version": "0.171.0"})


@pytest.mark.parametrize(
    ("version", "facts"),
    [
        ("0.20", (None, None, None, "codex-mini-latest", "main", "0.20.0")),
        ("0.77", (41_230, 42_100, 258_400, "gpt-5.1-codex-max", "main", "0.77.0")),
        ("0.142", (18_990, 19_223, 258_400, "gpt-5.5", "feature/csv-export", "0.142.0")),
        ("0.150-resumed", (61_000, 61_420, 258_400, "gpt-5.5", "main", "0.150.0")),
        ("0.171", (31_870, 31_965, 258_400, "gpt-5.6-sol", "fix/rounding", "0.171.0")),
    ],
)
def test_each_version_gives_the_context_now_and_who_wrote_it(version: str, facts: tuple) -> None:
    path = CODEX_FIXTURES / CODEX_ROLLOUTS[version]
    tail = read_tail(path)  # the Claude Code reader hands a rollout on
    assert tail.assistant == "codex"
    got = (tail.input_tokens, tail.context_tokens, tail.window, tail.model, tail.branch)
    assert (*got, tail.cli_version) == facts
    assert tail.session_id is not None and tail.session_id in path.name
    assert tail.cwd == FIXTURE_CWD
    assert tail.compacted is False


def test_the_cut_last_line_of_a_rollout_being_written_is_skipped_not_read() -> None:
    tail = read_rollout_tail(CODEX_FIXTURES / CODEX_ROLLOUTS["0.171"])
    assert tail.skipped_lines == 1
    assert tail.context_tokens == 31_965  # not the 240,000 of the cut line
    assert tail.last_time is not None and tail.last_time.isoformat().startswith(
        "2026-11-28T14:20:59"
    )
    assert tail.commit == "a41b7c2d9e0f1a2b3c4d5e6f708192a3b4c5d6e7"


def test_a_compaction_with_no_response_since_leaves_the_context_unknown(tmp_path: Path) -> None:
    lines = rollout_lines("0.77")
    cut = next(n for n, text in enumerate(lines) if '"context_compacted"' in text)
    tail = read_tail(write(tmp_path, lines[: cut + 2]))  # up to the turn_context after it
    assert tail.compacted is True
    assert tail.context_tokens is None
    assert tail.model == "gpt-5.1-codex-max"
    assert compaction_summary(tail.path) is not None
    assert "CSV export added" in (compaction_summary(tail.path) or "")


def test_no_token_count_yet_and_a_null_info_give_no_figure(tmp_path: Path) -> None:
    nothing = line("event_msg", {"type": "token_count", "info": None, "rate_limits": None})
    empty = line("event_msg", {"type": "token_count", "info": {"last_token_usage": None}})
    tail = read_tail(write(tmp_path, [META, nothing, empty]))
    assert (tail.context_tokens, tail.window, tail.compacted) == (None, None, False)


def test_the_newest_count_wins_and_a_newer_one_without_usage_does_not_hide_it(
    tmp_path: Path,
) -> None:
    empty = line("event_msg", {"type": "token_count", "info": {"model_context_window": 128_000}})
    tail = read_tail(
        write(tmp_path, [META, count(5_000, 10), count(9_000, 20), count(9_000, 20), empty])
    )
    assert (tail.input_tokens, tail.context_tokens) == (9_000, 9_020)
    assert tail.window == 128_000  # the newest word on the window


def test_a_usage_record_stands_in_for_a_version_that_writes_no_token_count(tmp_path: Path) -> None:
    record = line("token_usage_record", {"usage": {"input_tokens": 7_000, "output_tokens": 70}})
    started = line("event_msg", {"type": "turn_started", "model_context_window": 400_000})
    tail = read_tail(write(tmp_path, [META, started, record]))
    assert (tail.context_tokens, tail.window) == (7_070, 400_000)


def test_unknown_types_broken_lines_and_wrong_field_types_are_skipped(tmp_path: Path) -> None:
    lines = [
        META,
        count(12_000, 100),
        line(
            "world_state",
            {"type": "token_count", "info": {"last_token_usage": {"input_tokens": 1}}},
        ),
        '{"timestamp": "x", "type": "event_msg", "payload": {"type": "token_count"',
        "not json at all",
        "[1, 2]",
        line(
            "event_msg",
            {"type": "token_count", "info": {"last_token_usage": {"input_tokens": "9"}}},
        ),
        line("event_msg", {"type": "token_count", "info": "nope"}),
        line("turn_context", {"model": 5}),
        json.dumps({"type": "event_msg", "payload": "not an object"}),
    ]
    tail = read_tail(write(tmp_path, lines))
    assert tail.context_tokens == 12_100
    assert tail.skipped_lines == 3  # the cut line, the text, the array


def test_a_rollout_is_told_from_a_claude_code_transcript_by_its_lines(tmp_path: Path) -> None:
    assert is_rollout(FIXTURE)
    assert not is_rollout(Path(__file__).parent.parent / "fixtures" / "claude_transcript.jsonl")
    assert not is_rollout(write(tmp_path, []))
    assert not is_rollout(tmp_path / "missing.jsonl")
    # a first line cut short (Codex writing it), then whole lines: still a rollout
    assert is_rollout(write(tmp_path, ['{"timestamp": "2026', META], "cut.jsonl"))


def test_the_session_id_is_read_from_id_or_session_id(tmp_path: Path) -> None:
    older = line("session_meta", {"session_id": "from-key", "cwd": "/x"})
    assert read_tail(write(tmp_path, [older, count(1_000, 1)])).session_id == "from-key"
    assert session_meta(tmp_path / "missing.jsonl") == {}


def test_codex_compacts_at_nine_tenths_of_the_models_window_or_the_configured_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert compact_at(258_400, None) == 244_800  # 90 % of GPT-5's 272,000
    assert compact_at(258_400, 200_000) == 200_000  # a configured limit lowers it
    assert compact_at(258_400, 900_000) == 244_800  # and never raises it
    assert compact_at(None, 200_000) is None
    monkeypatch.setenv("CODEX_HOME", str(tmp_path))
    assert configured_limit() is None  # no config.toml
    (tmp_path / "config.toml").write_text(
        'model = "gpt-5.5"\nmodel_auto_compact_token_limit = 180000\n'
    )
    assert configured_limit() == 180_000
    (tmp_path / "config.toml").write_text("model_auto_compact_token_limit = [\n")  # not TOML
    assert configured_limit() is None


def test_the_end_of_a_huge_rollout_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    filler = line("response_item", {"type": "message", "role": "assistant", "content": "x" * 4000})
    with path.open("w") as handle:
        handle.write(META + "\n")
        for _ in range(3000):  # 12 MB of responses with no token count in them
            handle.write(filler + "\n")
        handle.write(line("turn_context", {"model": "gpt-5.5"}) + "\n" + count(50_000, 500) + "\n")
    tracemalloc.start()
    tail = read_tail(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (tail.context_tokens, tail.model) == (50_500, "gpt-5.5")
    assert peak < 4 * 1024 * 1024
