"""Reading Claude Code transcripts: the fixture's facts, finding them, bad input."""

from __future__ import annotations

import json
import os
import re
import tracemalloc
from pathlib import Path

import pytest
from builders import FIXTURE_CWD, SESSION_ID, fixture_lines, place_transcript, reply
from conftest import FIXTURES, git, sess, snapshot

from gitsess.assistant import records as records_module
from gitsess.assistant.budget import Budget
from gitsess.assistant.locating import find_transcript, project_slug
from gitsess.assistant.transcript import TranscriptError, read_tail, scan_transcript


def write(tmp_path: Path, lines: list[str], name: str = "t.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


# --- the facts the fixture's README lists ---------------------------------------------


def test_tail_gives_the_context_now_after_the_last_compaction() -> None:
    tail = read_tail(FIXTURES / "claude_transcript.jsonl")
    assert (tail.input_tokens, tail.context_tokens) == (34_505, 34_925)
    assert tail.session_id == SESSION_ID
    assert tail.cwd == FIXTURE_CWD
    assert tail.branch == "feature/csv-export"
    assert tail.model == "claude-sonnet-4-6"
    assert tail.compacted is False


def test_scan_gives_every_fact_of_the_fixture() -> None:
    scan = scan_transcript(FIXTURES / "claude_transcript.jsonl", Path(FIXTURE_CWD))
    assert [(c.trigger, c.peak_tokens) for c in scan.compactions] == [("auto", 156_890)]
    assert scan.files_created == ["ledger/export_csv.py", "tests/test_export_csv.py"]
    assert scan.files_modified == ["ledger/report.py"]
    assert scan.commands == ["python -m pytest tests/test_report.py -q"]
    assert scan.branches == ["main", "feature/csv-export"]
    assert scan.first_prompt == "Add CSV export to the ledger report command"
    assert scan.recent_prompts[-1] == "Continue: add tests for the CSV export"
    assert scan.prompt_count == 2  # the compaction summary is not a request of the user's
    assert scan.context_tokens == 34_925
    assert scan.model == "claude-sonnet-4-6"
    assert scan.start.isoformat() == "2026-03-02T09:00:05.120000+00:00"
    assert str(scan.duration) == "1:16:57.130000"
    assert scan.skipped_lines == 0


def test_old_transcripts_mark_a_compaction_by_its_text_alone(tmp_path: Path) -> None:
    lines = [
        line
        for line in fixture_lines()
        if '"compact_boundary"' not in line  # as written before the boundary record existed
    ]
    scan = scan_transcript(write(tmp_path, lines))
    # The peak is then the largest context seen: 3 + 1,100 + 141,020 + 64.
    assert [(c.trigger, c.peak_tokens) for c in scan.compactions] == [(None, 142_187)]
    tail = read_tail(write(tmp_path, lines[:6], "cut.jsonl"))  # up to the summary
    assert tail.compacted is True and tail.context_tokens is None


def test_a_compaction_with_no_reply_since_leaves_the_context_unknown(tmp_path: Path) -> None:
    lines = fixture_lines()[:7]  # up to the compaction summary
    tail = read_tail(write(tmp_path, lines))
    assert tail.compacted is True
    assert tail.context_tokens is None
    assert (tail.compaction_trigger, tail.compaction_peak) == ("auto", 156_890)


def test_sub_agent_replies_do_not_count_as_the_context(tmp_path: Path) -> None:
    path = write(tmp_path, [reply(50_000), reply(150_000, sidechain=True)])
    assert read_tail(path).context_tokens == 50_100
    assert scan_transcript(path).context_tokens == 50_100


# --- bad input --------------------------------------------------------------------------


def test_a_truncated_last_line_and_garbage_are_skipped(tmp_path: Path) -> None:
    lines = [*fixture_lines(), "this is not JSON", "[1, 2]", "\x00"]
    full = "\n".join(lines) + "\n" + reply(90_000)[:-40]  # Claude Code mid-write
    path = tmp_path / "t.jsonl"
    path.write_bytes(full.encode() + b"\n\xff\xfe{bad utf-8}\n" + reply(80_000)[:30].encode())
    tail = read_tail(path)
    assert tail.context_tokens == 34_925
    assert tail.skipped_lines >= 3
    scan = scan_transcript(path)
    assert scan.context_tokens == 34_925
    assert scan.skipped_lines == 6


def test_records_without_usage_and_an_empty_file(tmp_path: Path) -> None:
    record = json.loads(reply(1000))
    del record["message"]["usage"]
    path = write(tmp_path, [json.dumps(record), json.dumps({"type": "summary"})])
    assert read_tail(path).context_tokens is None
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert read_tail(empty).context_tokens is None
    scan = scan_transcript(empty)
    assert (scan.context_tokens, scan.prompt_count, scan.files_created) == (None, 0, [])


def test_a_reply_claude_code_made_up_itself_is_not_the_context(tmp_path: Path) -> None:
    # What Claude Code writes when a request fails: a reply of its own, usage all zeros.
    error = json.loads(reply(1000))
    error["message"]["model"] = "<synthetic>"
    error["message"]["usage"] = {key: 0 for key in error["message"]["usage"]}
    error["isApiErrorMessage"] = True
    path = write(tmp_path, [reply(160_000), json.dumps(error)])
    assert read_tail(path).context_tokens == 160_100
    assert read_tail(path).model == "claude-opus-4-5"
    scan = scan_transcript(path)
    assert (scan.context_tokens, scan.model) == (160_100, "claude-opus-4-5")


def test_half_an_emoji_and_claude_codes_own_markers_in_the_requests(tmp_path: Path) -> None:
    # JSON can hold half of a UTF-16 pair, which Python then holds as a lone surrogate.
    half = '{"type": "user", "message": {"content": "Fix the rocket \\ud83d emoji"}}'
    markers = [
        {"type": "user", "message": {"content": "[Request interrupted by user for tool use]"}},
        {
            "type": "user",
            "message": {"content": [{"type": "text", "text": "[Request interrupted by user]"}]},
        },
    ]
    wrapped = {"type": "user", "message": {"content": "<command-name>/clear</command-name>"}}
    tagged = {"type": "user", "message": {"content": "<Button> does not render, fix it"}}
    lines = [half, *map(json.dumps, [*markers, wrapped, tagged])]
    scan = scan_transcript(write(tmp_path, [*lines, reply(1000)]))
    assert scan.first_prompt == "Fix the rocket \ufffd emoji"
    # Claude Code's own wrapper is no request; a request that begins with a tag is.
    assert scan.recent_prompts == [
        "Fix the rocket \ufffd emoji",
        "<Button> does not render, fix it",
    ]
    scan.first_prompt.encode("utf-8")  # writable


def test_memory_stays_bounded_on_a_large_transcript_with_a_huge_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A smaller limit and file than benchmarks/assistant.py reads, the same code path.
    monkeypatch.setattr(records_module, "MAX_LINE", 1024 * 1024)
    path = tmp_path / "big.jsonl"
    with path.open("w") as handle:
        for number in range(20_000):
            handle.write(reply(1000 + number) + "\n")
        handle.write('{"type": "user", "message": {"content": "' + "x" * 5_000_000 + '"}}\n')
        handle.write(reply(77_000) + "\n")
    tracemalloc.start()
    tail = read_tail(path)
    scan = scan_transcript(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert tail.context_tokens == scan.context_tokens == 77_100
    assert scan.skipped_lines == 1  # the 5 MB line, over the limit
    assert peak < 8 * 1024 * 1024, peak


# --- finding them -----------------------------------------------------------------------


def test_slug_replaces_every_character_outside_letters_and_digits() -> None:
    assert project_slug("/home/dev/my_repo") == "-home-dev-my-repo"
    assert project_slug("/home/dev/ledger_app") == "-home-dev-ledger-app"
    assert project_slug("/a b/c.d") == "-a-b-c-d"
    assert project_slug("/a/\U0001f680 b") == "-a----b"  # two UTF-16 units, as JavaScript counts


def test_a_long_path_is_found_under_the_name_claude_code_cuts(tmp_path: Path) -> None:
    deep = tmp_path / ("a_rather_long_directory_name_" * 8) / "repo"
    deep.mkdir(parents=True)
    git(deep, "init", "-q")
    cut = project_slug(deep)[:200] + "-nzjx53"  # Claude Code adds a hash of its own
    directory = Path(os.environ["HOME"]) / ".claude" / "projects" / cut
    directory.mkdir(parents=True)
    (directory / "abc.jsonl").write_text(reply(5000, cwd=str(deep)) + "\n")
    assert find_transcript(deep, None) == directory / "abc.jsonl"


def test_find_by_latest_id_prefix_path_and_config_dir(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    older = place_transcript(repo, session_id="11111111-aaaa")
    newer = place_transcript(repo, session_id="22222222-bbbb")
    os.utime(older, (1_000_000, 1_000_000))
    assert find_transcript(repo, None) == newer
    assert find_transcript(repo, "latest") == newer
    assert find_transcript(repo, "11111111-aaaa") == older
    assert find_transcript(repo, "1111") == older
    assert find_transcript(repo, str(older)) == older
    with pytest.raises(TranscriptError, match="no transcript with session id 'nope'"):
        find_transcript(repo, "nope")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "elsewhere"))
    with pytest.raises(TranscriptError, match=re.escape(str(tmp_path / "elsewhere"))):
        find_transcript(repo, None)


def test_claude_code_started_in_a_directory_of_the_repository(repo: Path, tmp_path: Path) -> None:
    inside = place_transcript(repo / "src", [reply(5000, cwd=str(repo / "src"))], "abcd-inside")
    # A sibling whose slug begins like this one's: not this repository's.
    sibling = tmp_path / (repo.name + "-lib")
    place_transcript(sibling, [reply(7000, cwd=str(sibling))], "abcd-sibling")
    assert find_transcript(repo, None) == inside
    assert find_transcript(repo, "abcd-i") == inside
    assert sess(repo, "status").code == 0
    # Older Claude Code kept a sub-agent's transcript beside: never the conversation.
    place_transcript(repo, [reply(9000, cwd=str(repo), sidechain=True)], "agent-1a2b")
    assert find_transcript(repo, None) == inside


def test_a_conversation_is_this_repositorys_where_it_started(sessions: Path) -> None:
    elsewhere = json.loads(reply(7000, cwd="/tmp"))  # it went on in another directory
    place_transcript(sessions, [reply(5000, cwd=str(sessions)), json.dumps(elsewhere)])
    for args in (["status"], ["checkpoint", "--from-transcript"]):
        assert sess(sessions, *args).code == 0, args


def test_a_file_that_is_no_transcript_is_refused(sessions: Path, tmp_path: Path) -> None:
    junk = tmp_path / "hosts"
    junk.write_text("127.0.0.1 localhost\n::1 localhost\n")
    for args in (["status"], ["new", "X"], ["checkpoint"]):
        flag = "--transcript" if args == ["status"] else "--from-transcript"
        before = snapshot(sessions)
        result = sess(sessions, *args, f"{flag}={junk}")
        assert result.code == 1, args
        assert "is not a Claude Code transcript" in result.err
        assert snapshot(sessions) == before
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    shown = sess(sessions, "status", "--transcript", str(empty))
    assert shown.code == 0
    assert "context          unknown (no reply yet)" in shown.out


def test_zones_and_context_left() -> None:
    # Zones by the share of the usable space (155,000 of 200,000) still free.
    zones = {t: Budget(t, 200_000).zone for t in (0, 123_999, 124_000, 147_250, 153_450, 155_000)}
    assert zones == {
        0: "normal",
        123_999: "normal",  # just over 20 % left
        124_000: "export",  # 20 % left
        147_250: "checkpoint",  # 5 % left
        153_450: "final",  # 1 % left
        155_000: "past",  # none left: Claude Code compacts
    }
    assert Budget(34_925, 200_000).left == pytest.approx((155_000 - 34_925) / 155_000)
    assert Budget(150_000, 200_000).left == pytest.approx(5_000 / 155_000)
    assert "checkpoint" in Budget(150_000, 200_000).advice  # 3 % left: compaction is close
    assert Budget(190_000, 200_000).left == 0.0
