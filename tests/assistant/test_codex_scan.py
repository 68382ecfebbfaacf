"""Reading a whole Codex rollout: files written, commands run, requests,
compactions, and the next part of an export starting where the last ended."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import CODEX_FIXTURES, CODEX_ROLLOUTS, FIXTURE_CWD, rollout_lines

from gitsess.assistant.codex_scan import patch_paths, prompt_of, scan_rollout
from gitsess.assistant.transcript import scan_transcript

ROOT = Path(FIXTURE_CWD)


def fixture(version: str) -> Path:
    return CODEX_FIXTURES / CODEX_ROLLOUTS[version]


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "rollout.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def line(kind: str, payload: dict) -> str:
    return json.dumps({"timestamp": "2026-07-03T18:15:07.693Z", "type": kind, "payload": payload})


def call(name: str, arguments: dict) -> str:
    return line(
        "response_item", {"type": "function_call", "name": name, "arguments": json.dumps(arguments)}
    )


META = line("session_meta", {"id": "abc", "cwd": FIXTURE_CWD, "git": {"branch": "main"}})


def test_the_077_fixture_gives_every_fact_its_readme_lists() -> None:
    scan = scan_transcript(fixture("0.77"), ROOT)  # the Claude Code reader hands it on
    assert scan.assistant == "codex"
    assert scan.files_created == ["ledger/export_csv.py", "tests/test_export_csv.py"]
    assert scan.files_modified == ["ledger/report.py"]
    assert scan.commands == ["ls ledger tests", "python -m pytest tests/test_report.py -q"]
    assert [(c.trigger, c.peak_tokens) for c in scan.compactions] == [(None, 200_631)]
    assert scan.context_tokens == 42_100 and scan.input_tokens == 41_230
    assert scan.first_prompt == "Add CSV export to the ledger report command"
    assert scan.recent_prompts[-1] == "Continue: add tests for the CSV export"
    assert scan.prompt_count == 2  # AGENTS.md and the environment context are not requests
    assert scan.model == "gpt-5.1-codex-max"
    assert scan.branches == ["main"]
    assert scan.session_id == "019b4d2e-7c1a-7d30-9f5e-2a6c8b1d4e70"
    assert str(scan.duration) == "0:01:35.690000"
    assert scan.skipped_lines == 0


def test_the_0142_fixture_moves_deletes_and_a_turn_in_a_sub_directory() -> None:
    scan = scan_rollout(fixture("0.142"), ROOT)
    assert scan.files_created == ["docs/changelog.md", "ledger/reports.py"]
    assert scan.files_modified == ["ledger/cli.py", "ledger/report.py", "ledger/report_shim.py"]
    assert scan.commands[0] == "rg -n 'from ledger.report' -g '*.py'"
    assert scan.compactions == []
    assert scan.context_tokens == 19_223


def test_the_0171_fixture_one_compaction_for_its_two_lines_and_the_cut_line_skipped() -> None:
    scan = scan_rollout(fixture("0.171"), ROOT)
    assert [c.peak_tokens for c in scan.compactions] == [150_320]
    assert scan.files_modified == ["ledger/totals.py"]
    assert scan.commands == ["python -m pytest tests/test_totals.py -q", "python -m pytest -q"]
    assert scan.skipped_lines == 1
    assert scan.context_tokens == 31_965


def test_legacy_local_shell_calls_and_a_resumed_conversation() -> None:
    legacy = scan_rollout(fixture("0.20"), ROOT)
    assert legacy.commands == ["ls -la ledger"]
    assert legacy.context_tokens is None
    resumed = scan_rollout(fixture("0.150-resumed"), ROOT)
    assert str(resumed.duration) == "15:00:13.220000"
    assert resumed.files_created == ["tests/test_since.py"]
    assert resumed.prompt_count == 2


def test_a_next_part_starts_after_the_line_the_last_one_ended_at() -> None:
    whole = scan_rollout(fixture("0.77"), ROOT)
    assert whole.until is not None and whole.until.startswith("rollout-line-")
    lines = rollout_lines("0.77")
    middle = next(n for n, text in enumerate(lines) if '"context_compacted"' in text) + 1
    first = scan_rollout(fixture("0.77"), ROOT, None)
    part = scan_rollout(fixture("0.77"), ROOT, f"rollout-line-{middle}")
    assert part.after == f"rollout-line-{middle}"
    assert part.files_created == ["tests/test_export_csv.py"]
    assert part.files_modified == [] and part.commands == []
    assert part.recent_prompts == ["Continue: add tests for the CSV export"]
    assert part.compactions == []
    assert part.session_id == first.session_id and part.model == "gpt-5.1-codex-max"
    assert part.until == whole.until
    # a position past the end (another file's) counts all of it
    assert (
        scan_rollout(fixture("0.77"), ROOT, "rollout-line-99999").files_created
        == whole.files_created
    )


def test_apply_patch_through_the_shell_is_an_edit_not_a_command(tmp_path: Path) -> None:
    heredoc = (
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: notes.md\n+hi\n*** End Patch\nEOF"
    )
    lines = [
        META,
        call("shell", {"command": ["bash", "-lc", heredoc], "workdir": f"{FIXTURE_CWD}/sub"}),
        call("shell", {"command": ["git", "status", "--short"]}),
        call("shell", {"command": "ls -la"}),  # an older version's string
        call(
            "apply_patch",
            {"patch": "*** Begin Patch\n*** Update File: /elsewhere/x.py\n*** End Patch"},
        ),
        line(
            "response_item",
            {"type": "function_call", "name": "exec_command", "arguments": "{not json"},
        ),
        line(
            "response_item",
            {"type": "function_call", "name": "shell", "arguments": {"command": ["make"]}},
        ),
        call("view_image", {"path": "a.png"}),
    ]
    scan = scan_rollout(write(tmp_path, lines), ROOT)
    assert scan.files_created == ["sub/notes.md"]
    assert scan.files_modified == ["/elsewhere/x.py"]  # outside the work tree: kept whole
    assert scan.commands == ["git status --short", "ls -la", "make"]


def test_requests_come_from_the_response_items_when_no_event_holds_them(tmp_path: Path) -> None:
    def user(*texts: str) -> str:
        content = [{"type": "input_text", "text": t} for t in texts]
        return line("response_item", {"type": "message", "role": "user", "content": content})

    lines = [
        META,
        user("<environment_context>x</environment_context>", "add a Dockerfile"),
        user("<turn_aborted>"),
    ]
    scan = scan_rollout(write(tmp_path, lines), ROOT)
    assert (scan.first_prompt, scan.prompt_count) == ("add a Dockerfile", 1)


def test_patch_headers_and_codex_own_words() -> None:
    patch = (
        "*** Begin Patch\n*** Update File: a.py\n*** Move to: b.py\n"
        "*** Delete File: c.py\n*** Add File: d e.py \n"
    )
    assert patch_paths(patch) == [
        ("a.py", "modified"),
        ("b.py", "created"),
        ("c.py", "modified"),
        ("d e.py", "created"),
    ]
    assert prompt_of("# AGENTS.md instructions for /x\n\n<INSTRUCTIONS>") is None
    assert prompt_of("<user_instructions>be brief</user_instructions>") is None
    assert prompt_of("  fix <b>bold</b> text ") == "fix <b>bold</b> text"
    assert prompt_of(None) is None


@pytest.mark.parametrize("version", sorted(CODEX_ROLLOUTS))
def test_every_fixture_is_read_whole_and_the_same_twice(version: str) -> None:
    first, second = scan_rollout(fixture(version), ROOT), scan_rollout(fixture(version), ROOT)
    assert first == second
    assert first.session_id and first.start and first.end and first.model


def test_after_an_overflow_the_context_is_the_full_window_and_no_peak(tmp_path: Path) -> None:
    scan = scan_rollout(fixture("0.128-overflow"), ROOT)
    assert scan.context_tokens == scan.input_tokens == 258_400
    assert scan.commands == ["ls -la logs logs/archive && cat logs/*.log", "cat logs/archive/*.log"]
    assert scan.first_prompt == "Summarise every log under logs/ (archive too) into REPORT.md"
    lines = rollout_lines("0.128-overflow")
    compacted = line("compacted", {"message": "## Summary"})
    scan = scan_rollout(write(tmp_path, [*(text for text in lines if text), compacted]), ROOT)
    # the compaction Codex runs next started from the last real count, not the mark
    assert [c.peak_tokens for c in scan.compactions] == [236_505]
    assert scan.context_tokens is None


def test_a_compaction_with_no_count_after_it_has_no_context_yet() -> None:
    scan = scan_rollout(fixture("0.146-compacted"), ROOT)
    # the compaction's own request (245,020 + 1,850) was the largest count before it
    assert [c.peak_tokens for c in scan.compactions] == [246_870]
    assert (scan.context_tokens, scan.input_tokens) == (None, None)
    assert scan.files_modified == ["ledger/importer.py"]
    assert scan.commands == ["python -m pytest tests/test_importer.py -q"]
