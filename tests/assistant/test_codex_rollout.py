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


# --- a response that did not fit, a compaction not yet measured -----------------------

OVERFLOWS = {
    # (fixture, when Codex marked the window full, the stale count before it)
    "0.128-overflow": ("2026-05-19T10:04:51", 236_505),
    "0.171-overflow": ("2026-12-01T16:43:04", 189_012),
}


@pytest.mark.parametrize("version", sorted(OVERFLOWS))
def test_an_overflow_makes_the_context_the_whole_window_not_the_count_before_it(
    version: str,
) -> None:
    when, stale = OVERFLOWS[version]
    tail = read_tail(CODEX_FIXTURES / CODEX_ROLLOUTS[version])
    assert tail.exceeded_at is not None and tail.exceeded_at.isoformat().startswith(when)
    assert (tail.context_tokens, tail.window) == (258_400, 258_400)
    assert tail.context_tokens != stale
    assert tail.compacted is False
    assert tail.version == tail.cli_version == version.split("-")[0] + ".0"


def full(last: dict, total: dict, window: int = 258_400) -> str:
    info = {"last_token_usage": last, "total_token_usage": total, "model_context_window": window}
    return line("event_msg", {"type": "token_count", "info": info})


SPENT = {"input_tokens": 300_000, "output_tokens": 900, "total_tokens": 300_900}
OVERFLOW_SHAPES = {
    # codex-rs fill_to_context_window: a total of the window, nothing in it
    "filled total": full({"total_tokens": 0}, {"input_tokens": 0, "total_tokens": 258_400}),
    # a later shape (codex-rs forks): the last usage is the window, input only
    "filled input": full({"input_tokens": 258_400, "total_tokens": 258_400}, SPENT),
    # an app server's extended history keeps the error event
    "error event": line(
        "event_msg",
        {"type": "error", "message": "x", "codex_error_info": "context_window_exceeded"},
    ),
    "error message": line(
        "event_msg",
        {"type": "error", "message": "Codex ran out of room in the model's context window."},
    ),
    "error object": line(
        "event_msg",
        {"type": "error", "message": "", "codex_error_info": {"context_window_exceeded": None}},
    ),
    "turn aborted": line(
        "event_msg", {"type": "turn_aborted", "reason": "context_window_exceeded"}
    ),
}


@pytest.mark.parametrize("shape", sorted(OVERFLOW_SHAPES))
def test_each_record_of_an_overflow_is_known(tmp_path: Path, shape: str) -> None:
    lines = [META, count(200_000, 500, window=258_400), OVERFLOW_SHAPES[shape]]
    tail = read_tail(write(tmp_path, lines))
    assert tail.exceeded_at is not None
    assert (tail.input_tokens, tail.context_tokens) == (258_400, 258_400)


@pytest.mark.parametrize(
    "record",
    [
        # recompute_token_usage after a compaction: an estimate, no input, spent totals
        full({"input_tokens": 0, "total_tokens": 41_000}, SPENT),
        # a real response as large as the window still reports output
        full({"input_tokens": 258_400, "output_tokens": 30, "total_tokens": 258_430}, SPENT),
        line("event_msg", {"type": "error", "message": "stream disconnected"}),
        line("event_msg", {"type": "turn_aborted", "reason": "interrupted"}),
    ],
)
def test_what_only_looks_like_an_overflow_is_none(tmp_path: Path, record: str) -> None:
    tail = read_tail(write(tmp_path, [META, count(200_000, 500), record]))
    assert tail.exceeded_at is None
    assert tail.context_tokens in (200_500, 258_430)


def test_an_overflow_is_history_once_a_response_or_a_compaction_follows(tmp_path: Path) -> None:
    over = OVERFLOW_SHAPES["filled total"]
    after = read_tail(write(tmp_path, [META, count(200_000, 500), over, count(52_000, 40)]))
    assert (after.exceeded_at, after.context_tokens) == (None, 52_040)
    compacted = line("compacted", {"message": "summary"})
    pending = read_tail(write(tmp_path, [META, count(200_000, 500), over, compacted], "c.jsonl"))
    assert (pending.exceeded_at, pending.context_tokens, pending.compacted) == (None, None, True)
    assert pending.compaction_peak == 200_500  # the last real count, not the full mark


def test_a_compaction_not_yet_measured_says_when_and_from_what(tmp_path: Path) -> None:
    tail = read_tail(CODEX_FIXTURES / CODEX_ROLLOUTS["0.146-compacted"])
    assert (tail.compacted, tail.context_tokens, tail.input_tokens) == (True, None, None)
    assert tail.compacted_at is not None
    assert tail.compacted_at.isoformat().startswith("2026-10-21T08:31:58")
    # the compaction's own request (245,020 + 1,850) is what it started from, and
    # neither it nor the response before it (240,310 + 410) is the context now
    assert tail.compaction_peak == 246_870
    assert (tail.window, tail.model, tail.version) == (258_400, "gpt-5.5", "0.146.0")


def test_what_a_compaction_started_from(tmp_path: Path) -> None:
    stated = line("event_msg", {"type": "context_compacted", "tokens_before": 201_000})
    tail = read_tail(write(tmp_path, [META, count(150_000, 100), stated]))
    assert tail.compaction_peak == 201_000  # as the event says, where a version says it
    pair = [line("compacted", {"message": ""}), line("event_msg", {"type": "context_compacted"})]
    twice = [META, count(150_000, 100), *pair, line("turn_context", {"model": "m"}), *pair]
    tail = read_tail(write(tmp_path, twice, "twice.jsonl"))
    assert (tail.compacted, tail.compaction_peak) == (True, None)  # not the one before both
