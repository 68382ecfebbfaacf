"""The assistant side through the command line: status, time, new --from-transcript,
checkpoint, the Claude Code settings installer and the hooks it installs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from builders import SESSION_ID, export, place_transcript, reply, session_name
from conftest import BIN_DIR, assert_one_line_error, assert_refused, git, sess, snapshot

from gitsess.assistant.locating import find_transcript, project_slug

# --- status and time --------------------------------------------------------------------


def test_status_reads_the_newest_transcript_of_this_repository(sessions: Path) -> None:
    place_transcript(sessions)
    result = sess(sessions, "status")
    assert result.code == 0, result.err
    # The fixture's model, claude-sonnet-4-6, has a 1M window: 775K usable.
    assert "34,925 / 1,000,000 tokens (3%) - normal" in result.out
    assert "window           1,000,000: claude-sonnet-4-6 has a 1M window" in result.out
    assert (
        "95% of the usable context before auto-compaction (740,075 of 775,000 tokens)" in result.out
    )
    assert "last checkpoint  never" in result.out
    data = json.loads(sess(sessions, "status", "--json").out)
    assert data["context"] == {
        "tokens": 34_925,
        "window": 1_000_000,
        "window_rule": "model",
        "window_reason": "claude-sonnet-4-6 has a 1M window",
        "percent": 3.5,
        "zone": "normal",
        "usable": 775_000,
        "left_until_compaction_percent": 95.5,
        "left_until_compaction_tokens": 740_075,
    }
    assert data["transcript"]["session_id"] == SESSION_ID
    assert data["transcript"]["branch"] == "feature/csv-export"


def test_status_zone_follows_the_configured_window_and_says_what_to_do(sessions: Path) -> None:
    place_transcript(sessions, [reply(130_000, cwd=str(sessions))])
    out = sess(sessions, "status").out
    assert "(65%) - export" in out  # 16 % of the usable 155,000 left
    assert (
        # the command names this conversation: with two in one repository it saves this one
        "next             export now, while there is room: `git sess new --from-transcript s`"
        in out
    )
    git(sessions, "config", "sess.contextWindow", "1m")
    assert "(13%) - normal" in sess(sessions, "status").out


def test_status_without_any_transcript_shows_the_times(sessions: Path) -> None:
    assert not (Path(os.environ["HOME"]) / ".claude").exists()
    sess(sessions, "new", "First")
    result = sess(sessions, "status")
    assert result.code == 0, result.err
    assert "transcript       none (no Claude Code transcript for this repository" in result.out
    assert re.search(r"last export +just now \(\.sessions/session_\d+_first\.md\)", result.out)
    data = json.loads(sess(sessions, "status", "--json").out)
    assert data["transcript"] is None and data["context"] is None
    assert data["last_export"]["path"].endswith("_first.md")


def test_the_latest_checkpoint_is_by_its_time_not_the_local_time_in_its_name(
    sessions: Path,
) -> None:
    folder = sessions / ".sessions" / "checkpoints"
    folder.mkdir()
    for name, time in (
        ("2026-03-02_180000_In_Tokyo_ccp.md", "2026-03-02T18:00:00+09:00"),  # 09:00 UTC
        ("2026-03-02_100000_In_London_ccp.md", "2026-03-02T10:00:00+00:00"),  # 10:00 UTC
    ):
        (folder / name).write_text(f"---\ntitle: x\ntype: checkpoint\ntime: '{time}'\n---\n")
    data = json.loads(sess(sessions, "status", "--json").out)
    assert data["last_checkpoint"]["path"].endswith("_In_London_ccp.md")


def test_the_last_export_of_a_fresh_checkout_is_its_last_commit(sessions: Path) -> None:
    sess(sessions, "new", "Old work", "--date", "2025-01-01")
    git(sessions, "add", "-A")
    old = {**os.environ, "GIT_AUTHOR_DATE": "2025-01-01T12:00:00Z"}
    old["GIT_COMMITTER_DATE"] = old["GIT_AUTHOR_DATE"]
    subprocess.run(["git", "commit", "-qm", "old"], cwd=sessions, env=old, check=True)
    data = json.loads(sess(sessions, "status", "--json").out)  # the file was written just now
    assert data["last_export"]["seconds_ago"] > 300 * 86400
    assert data["last_export"]["path"].endswith("_old_work.md")
    sess(sessions, "new", "New work")  # not committed: the file's own time
    data = json.loads(sess(sessions, "status", "--json").out)
    assert data["last_export"]["seconds_ago"] < 300
    assert data["last_export"]["path"].endswith("_new_work.md")


def test_a_repository_without_a_commit_yet(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q", "-b", "main")
    assert sess(fresh, "init", "--no-hooks").code == 0
    for command in ("status", "time"):
        shown = sess(fresh, command)
        assert shown.code == 0, shown.err
        assert "last export      never" in shown.out
    sess(fresh, "new", "First steps")
    result = sess(fresh, "commit")  # the root commit
    assert result.code == 0, result.err
    assert git(fresh, "log", "--format=%s").strip() == "Add session: First steps"


def test_the_latest_of_one_day_is_the_one_written_last(sessions: Path) -> None:
    for number, name in enumerate(("Zeta", "Alpha")):  # Alpha last, though it sorts first
        sess(sessions, "new", f"{name} lessons", "--type", "reflection")
        sess(sessions, "new", f"{name} work")
        for path in (sessions / ".sessions").glob(f"*_{name.lower()}_*.md"):
            os.utime(path, (1_000_000 + number, 1_000_000 + number))
    sess(sessions, "new", "Zeta work two", "--continues", "zeta_work")  # a chain's end, ...
    for path in (sessions / ".sessions").glob("*_zeta_work_two.md"):
        os.utime(path, (999_000, 999_000))  # ... written before Alpha work
    out = run_hook(sessions, "SessionStart", event(sessions, "SessionStart", None))
    lines = context_of(out).splitlines()
    assert lines[2].endswith("_alpha_lessons.md (latest reflection)")
    assert lines[-1].endswith("_alpha_work.md (the session in progress)")


def test_a_checkpoint_of_this_very_context_settles_the_advice(sessions: Path) -> None:
    place_transcript(sessions, [reply(152_000, cwd=str(sessions))], "s")
    advice = json.loads(sess(sessions, "status", "--json").out)["next"]
    assert advice.startswith("write a checkpoint now")
    first = sess(sessions, "checkpoint", "--from-transcript").out.strip()
    second = sess(sessions, "checkpoint", "--from-transcript").out.strip()  # same second
    data = json.loads(sess(sessions, "status", "--json").out)
    assert data["last_checkpoint"]["path"] == max(first, second)
    assert data["next"] == "nothing to do: the latest checkpoint holds this very context"
    payload = event(sessions, "UserPromptSubmit", None, prompt="go on")
    payload["transcript_path"] = str(find_transcript(sessions, None))
    payload["session_id"] = "s"  # the conversation of that transcript, as Claude Code says
    assert run_hook(sessions, "UserPromptSubmit", payload) == {}
    # Another conversation's checkpoint does not settle this one's advice.
    payload["session_id"] = "t"
    assert "write a checkpoint now" in context_of(run_hook(sessions, "UserPromptSubmit", payload))


def test_the_index_is_no_export(sessions: Path) -> None:
    git(sessions, "add", "-A")
    git(sessions, "commit", "-qm", "set up sessions")  # the index alone, committed
    assert "last export      never" in sess(sessions, "status").out


def test_another_repositorys_transcript_is_refused(sessions: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    path = place_transcript(other)  # its cwd is the other directory
    assert_refused(sessions, ("status", "--transcript", str(path)), f"is of {other}")
    assert_refused(sessions, ("new", "--from-transcript", str(path)), "not of this repository")
    assert_refused(sessions, ("status", "--transcript", "nope"), "no transcript with session id")


def test_time_shows_zone_duration_and_the_last_saves(sessions: Path) -> None:
    place_transcript(sessions)
    result = sess(sessions, "time", env={"TZ": "Europe/Paris"})
    assert result.code == 0, result.err
    assert re.search(
        r"^now +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T \(UTC\+0[12]00\)$", result.out, re.M
    )
    assert "session          started 2026-03-02 10:00, ran 1h 16m, last active" in result.out
    assert "last checkpoint  never" in result.out


# --- new --from-transcript ----------------------------------------------------------------


def test_new_from_transcript_fills_in_facts_and_never_assistant_text(sessions: Path) -> None:
    place_transcript(sessions)
    result = sess(sessions, "new", "--from-transcript")
    assert result.code == 0, result.err
    path = sessions / result.out.strip()
    assert path.name == "session_20260302_add_csv_export_to_the_ledger_report_command.md"
    text = path.read_text()
    for line in (
        "tokens: 34925",
        "token_limit: 1000000",  # claude-sonnet-4-6 has a 1M window
        "assistant: claude-code",
        f"transcript: {SESSION_ID}",
        "- Add CSV export to the ledger report command",
        "- Continue: add tests for the CSV export",
        "- `ledger/export_csv.py`",
        "- `tests/test_export_csv.py`",
        "- `python -m pytest tests/test_report.py -q`",
    ):
        assert line in text.splitlines(), line
    assert text.split("### Files Modified\n")[1].startswith("- `ledger/report.py`\n")
    for leaked in ("look at the report module", "def render(rows)", "import csv", "continued"):
        assert leaked not in text  # assistant text, tool input and output stay out
    assert sess(sessions, "check").code == 0


def go_on(repo: Path, tokens: int) -> None:
    """The conversation of the placed transcript goes on to `tokens`."""
    record = {**json.loads(reply(tokens, cwd=str(repo))), "sessionId": SESSION_ID}
    path = Path(
        os.environ["HOME"], ".claude", "projects", project_slug(repo), f"{SESSION_ID}.jsonl"
    )
    with path.open("a") as handle:
        handle.write(json.dumps(record) + "\n")


def test_a_conversation_exported_twice_is_its_next_part_not_a_copy(sessions: Path) -> None:
    place_transcript(sessions)
    first = sess(sessions, "new", "--from-transcript").out.strip()
    before = snapshot(sessions)
    assert_one_line_error(
        sess(sessions, "new", "--from-transcript"),
        f"this conversation ({SESSION_ID}) is already exported, last as {first}",
        "--continues session_20260302_add_csv_export",
    )
    assert snapshot(sessions) == before
    name = Path(first).stem
    nothing_new = sess(sessions, "new", "Part two", "--from-transcript", "--continues", name)
    assert_one_line_error(nothing_new, "nothing happened in this conversation since", first)
    go_on(sessions, 130_000)  # a 200K model now (claude-opus-4-5): 16 % left
    second = sess(sessions, "new", "Part two", "--from-transcript", "--continues", name)
    assert second.code == 0, second.err
    assert f"continuation_of: {name}" in (sessions / second.out.strip()).read_text()
    # The next part continues the last one, never the first again (a fork).
    third = sess(sessions, "new", "--from-transcript")
    assert f"last as {second.out.strip()}" in third.err
    assert f"--continues {Path(second.out.strip()).stem}" in third.err
    # And that last part, the same day as the first, is the session in progress.
    paths = sess(sessions, "context", "--format", "paths").out.split()
    assert paths == [first, second.out.strip()]
    # Exported in its zone (export): status says so, and names the next part for later.
    advice = json.loads(sess(sessions, "status", "--json").out)["next"]
    stem = Path(second.out.strip()).stem
    assert advice == (
        "nothing to do yet: exported in this zone already"
        f" (next: `git sess new --from-transcript {SESSION_ID} --continues {stem}`)"
    )
    go_on(sessions, 30_000)  # compacted, then back in the export zone: due again
    go_on(sessions, 126_000)
    advice = json.loads(sess(sessions, "status", "--json").out)["next"]
    assert advice == (
        "export now, while there is room:"
        f" `git sess new --from-transcript {SESSION_ID} --continues {stem}`"
    )


def test_a_request_that_opens_with_code_is_titled_by_its_words(sessions: Path) -> None:
    ask = "```python\nx = None\n```\nThis crashes on None, fix it"
    prompt = {"type": "user", "sessionId": "s", "cwd": str(sessions), "message": {"content": ask}}
    place_transcript(sessions, [json.dumps(prompt), reply(1000, cwd=str(sessions))])
    path = sessions / sess(sessions, "new", "--from-transcript").out.strip()
    assert "title: This crashes on None, fix it" in path.read_text()


def test_new_from_transcript_keeps_the_users_own_title_and_date(sessions: Path) -> None:
    place_transcript(sessions)
    result = sess(
        sessions, "new", "CSV export", "--date", "2026-03-03", "--from-transcript", SESSION_ID[:8]
    )
    assert result.code == 0, result.err
    assert result.out.strip() == ".sessions/session_20260303_csv_export.md"


def test_a_request_cannot_break_the_exports_structure(sessions: Path) -> None:
    prompt = {"type": "user", "cwd": str(sessions), "message": {"content": "# Heading\n---\nx"}}
    place_transcript(sessions, [json.dumps(prompt), reply(1000, cwd=str(sessions))])
    path = sessions / sess(sessions, "new", "--from-transcript").out.strip()
    assert "- Heading\n" in path.read_text()
    assert sess(sessions, "check").code == 0


# --- checkpoints ------------------------------------------------------------------------


def test_checkpoint_is_named_and_filled_as_the_design_says(sessions: Path) -> None:
    place_transcript(sessions)
    sess(sessions, "new", "Plan", "--type", "roadmap")
    sess(sessions, "new", "Looking back", "--type", "reflection", "--status", "complete")
    sess(sessions, "new", "Work")
    first = sess(sessions, "checkpoint", "First one")
    assert first.code == 0, first.err
    result = sess(sessions, "checkpoint", "Before the refactor!", "--from-transcript")
    assert result.code == 0, result.err
    name = Path(result.out.strip()).name
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d{6}_Before_the_refactor_ccp\.md", name), name
    text = (sessions / result.out.strip()).read_text()
    head = git(sessions, "rev-parse", "--short", "HEAD").strip()
    for line in (
        "type: checkpoint",
        f"transcript: {SESSION_ID}",
        "tokens: 34925",
        "branch: main",
        "- Continue: add tests for the CSV export",
        f"- Branch: main at {head} (initial)",
        "- Context: 34,925 / 1,000,000 tokens (3%, normal); compactions so far: 1",
    ):
        assert line in text.splitlines(), line
    # A short id of digits alone (1 time in 27) is quoted, as YAML must.
    assert re.search(rf"^commit: '?{head}'?$", text, re.M), text
    steps = re.findall(r"^\d+\. Read (.*)$", text, re.M)
    assert steps[0] == "this checkpoint."
    assert [re.sub(r"session_\d+_", "", s) for s in steps[1:]] == [
        "`.sessions/looking_back.md` (latest reflection).",
        "`.sessions/plan.md` (active roadmap).",
        "`.sessions/work.md` (the session in progress).",
    ]
    assert json.loads(sess(sessions, "status", "--json").out)["last_checkpoint"]["path"]


def test_checkpoint_names_are_spelled_in_ascii_as_export_names_are(sessions: Path) -> None:
    result = sess(sessions, "checkpoint", "Größenänderung im Café")
    assert result.out.strip().endswith("_Grossenanderung_im_Cafe_ccp.md")


def test_checkpoint_needs_the_sessions_directory(repo: Path) -> None:
    assert_refused(repo, ("checkpoint",), "no sessions directory")


# --- the settings installer ---------------------------------------------------------------


def settings(repo: Path, name: str = "settings.local.json") -> Path:
    return repo / ".claude" / name


def test_install_merges_with_what_is_there_and_is_idempotent(sessions: Path) -> None:
    mine = {
        "permissions": {"allow": ["Bash(ls)"]},
        "hooks": {
            "SessionStart": [
                {"matcher": "startup", "hooks": [{"type": "command", "command": "echo hi"}]}
            ]
        },
        "model": "opus",
    }
    original = json.dumps(mine, indent=4) + "\n"
    settings(sessions).parent.mkdir()
    settings(sessions).write_text(original)
    result = sess(sessions, "assistant", "install")
    assert result.code == 0, result.err
    assert "installed in .claude/settings.local.json" in result.out
    text = settings(sessions).read_text()
    assert text.startswith('{\n    "permissions"')  # its own indentation
    data = json.loads(text)
    assert list(data) == ["permissions", "hooks", "model", "statusLine"]
    assert data["statusLine"] == {
        "type": "command",
        "command": f"{BIN_DIR / 'git-sess'} statusline",
    }
    starts = data["hooks"]["SessionStart"]
    assert starts[0] == mine["hooks"]["SessionStart"][0]
    assert starts[1]["matcher"] == "startup|resume|clear|compact|fork"
    command = starts[1]["hooks"][0]["command"]
    assert command == f"{BIN_DIR / 'git-sess'} hook claude SessionStart"
    assert set(data["hooks"]) == {
        "SessionStart",
        "PreCompact",
        "PostCompact",
        "UserPromptSubmit",
        "SessionEnd",
    }
    assert settings(sessions, "settings.local.json.bak").read_text() == original
    again = sess(sessions, "assistant", "install")
    assert "already installed" in again.out and settings(sessions).read_text() == text
    status = sess(sessions, "assistant", "status").out
    assert "SessionStart      ours and others" in status
    assert "PreCompact        ours" in status
    assert "shared  .claude/settings.json: no file" in status
    assert sess(sessions, "assistant", "uninstall").code == 0
    assert json.loads(settings(sessions).read_text()) == mine


def test_install_rewrites_only_the_hooks_and_uninstall_gives_the_bytes_back(
    sessions: Path,
) -> None:
    original = '{\n  "permissions": {"allow": ["Bash(ls)", "Read"]},\n  "model": "opus"\n}\n'
    settings(sessions, "settings.json").parent.mkdir()
    settings(sessions, "settings.json").write_text(original)
    assert sess(sessions, "assistant", "install", "--shared").code == 0
    text = settings(sessions, "settings.json").read_text()
    assert text.startswith(original.removesuffix("\n}\n") + ',\n  "hooks": {\n    "SessionStart"')
    assert sess(sessions, "assistant", "uninstall", "--shared").code == 0
    assert settings(sessions, "settings.json").read_text() == original


def test_shared_settings_name_git_sess_on_path(sessions: Path) -> None:
    assert sess(sessions, "assistant", "install", "--shared").code == 0
    data = json.loads(settings(sessions, "settings.json").read_text())
    hook = data["hooks"]["UserPromptSubmit"][0]["hooks"][0]
    assert hook["command"] == "git sess hook claude UserPromptSubmit"
    assert not settings(sessions, "settings.local.json").exists()
    assert sess(sessions, "assistant", "uninstall", "--shared").code == 0
    assert not settings(sessions, "settings.json").exists()  # install had created it


def test_user_settings_live_under_the_claude_directory(sessions: Path, tmp_path: Path) -> None:
    # Linked from a dotfiles repository: the link stays, its target gets the hooks.
    dotfiles = tmp_path / "dotfiles" / "claude.json"
    dotfiles.parent.mkdir()
    dotfiles.write_text('{"model": "opus"}\n')
    path = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    path.parent.mkdir()
    path.symlink_to(dotfiles)
    assert sess(sessions, "assistant", "install", "--user").code == 0
    assert path.is_symlink()
    assert "PreCompact" in json.loads(dotfiles.read_text())["hooks"]
    # It is no repository's: it can be undone from anywhere.
    elsewhere = tmp_path / "not_a_repository"
    elsewhere.mkdir()
    assert sess(elsewhere, "assistant", "uninstall", "--user").code == 0
    assert json.loads(dotfiles.read_text()) == {"model": "opus"}
    assert sess(elsewhere, "assistant", "install", "--local").code == 1
    shown = sess(elsewhere, "assistant", "status")
    assert shown.code == 0 and shown.out.startswith(f"user    {path}:")
    both = sess(sessions, "assistant", "install", "--user", "--local")
    assert both.code == 2 and "--local and --user name different files" in both.err


def test_uninstall_leaves_a_file_it_never_touched_as_it_is(sessions: Path) -> None:
    settings(sessions, "settings.json").parent.mkdir()
    settings(sessions, "settings.json").write_text('{"model": "opus"}')
    result = sess(sessions, "assistant", "uninstall", "--shared")
    assert result.code == 0 and "not installed in .claude/settings.json" in result.out
    assert settings(sessions, "settings.json").read_text() == '{"model": "opus"}'
    assert not settings(sessions, "settings.json.bak").exists()


def test_personal_settings_and_backups_stay_out_of_commits(sessions: Path) -> None:
    git(sessions, "add", "-A")
    git(sessions, "commit", "-qm", "sessions")
    settings(sessions, "settings.json").parent.mkdir()
    settings(sessions, "settings.json").write_text("{}\n")
    git(sessions, "add", "-A")
    git(sessions, "commit", "-qm", "team settings")
    assert sess(sessions, "assistant", "install").code == 0
    assert sess(sessions, "assistant", "install", "--shared").code == 0
    assert git(sessions, "status", "--porcelain").splitlines() == [" M .claude/settings.json"]
    # An unreadable file does not hide what the others hold.
    settings(sessions, "settings.json").write_text("{,}")
    shown = sess(sessions, "assistant", "status")
    assert shown.code == 0
    assert "shared  .claude/settings.json: cannot be read:" in shown.out
    assert "local   .claude/settings.local.json:" in shown.out


@pytest.mark.parametrize(
    ("content", "fragment", "hint"),
    [
        (
            '{\n  // mine\n  "model": "opus"\n}\n',
            "settings.local.json:2: not valid JSON",
            "comments",
        ),
        ('{"hooks": [1, 2]}\n', '"hooks" is not an object', "fix"),
        ('{"model": "opus",\n}\n', "settings.local.json:2: not valid JSON", "fix line 2"),
        ("[1]\n", "not a JSON object", "{}"),
    ],
)
def test_settings_that_are_not_plain_json_are_refused_untouched(
    sessions: Path, content: str, fragment: str, hint: str
) -> None:
    settings(sessions).parent.mkdir()
    settings(sessions).write_text(content)
    assert_refused(sessions, ("assistant", "install"), fragment, hint)
    assert_refused(sessions, ("assistant", "uninstall"), fragment)


# --- the hooks -----------------------------------------------------------------------------


def hook_output(repo: Path, event: str, payload: dict | str, env: dict | None = None) -> str:
    """Run the hook as Claude Code does (the command, event JSON on stdin): its stdout."""
    data = payload if isinstance(payload, str) else json.dumps(payload)
    done = subprocess.run(
        [str(BIN_DIR / "git-sess"), "hook", "claude", event],
        cwd=repo,
        input=data,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def run_hook(repo: Path, event: str, payload: dict | str, env: dict | None = None) -> dict:
    """The hook's output, one JSON object."""
    return json.loads(hook_output(repo, event, payload, env))


def pre_compact(repo: Path, payload: dict, env: dict | None = None) -> Path:
    """PreCompact as Claude Code runs it: it prints nothing (Claude Code would append
    it to the compaction's instructions). The checkpoint it wrote."""
    folder = repo / ".sessions" / "checkpoints"
    before = set(folder.iterdir()) if folder.is_dir() else set()
    assert hook_output(repo, "PreCompact", payload, env) == ""
    [written] = set(folder.iterdir()) - before
    return written


def event(repo: Path, name: str, transcript: Path | None, **more: str) -> dict:
    return {
        "session_id": "abc",
        "transcript_path": str(transcript) if transcript else "",
        "cwd": str(repo),
        "hook_event_name": name,
        **more,
    }


def context_of(output: dict) -> str:
    return output["hookSpecificOutput"]["additionalContext"]


def test_session_start_names_what_to_read_and_the_zone(sessions: Path) -> None:
    transcript = place_transcript(sessions)
    sess(sessions, "new", "Base", "--date", "2026-01-01")
    sess(sessions, "new", "Work", "--requires", "base", "--date", "2026-01-02")
    out = run_hook(
        sessions, "SessionStart", event(sessions, "SessionStart", transcript, source="startup")
    )
    text = context_of(out)
    assert out["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    lines = text.splitlines()
    assert re.fullmatch(r"1\. \.sessions/session_\d+_base\.md \(prerequisite\)", lines[2])
    assert re.fullmatch(
        r"2\. \.sessions/session_\d+_work\.md \(the session in progress\)", lines[3]
    )
    assert lines[-1] == (
        "Context: 34,925 tokens, 95% left (740,075 tokens) until auto-compaction,"
        " 3% of the 1,000,000-token window (zone normal)."
    )
    assert "compacted" not in text
    sess(sessions, "update", "work", "--status", "complete")  # the remembered answer is redone
    out = run_hook(sessions, "SessionStart", event(sessions, "SessionStart", None))
    assert context_of(out).endswith("_base.md (the session in progress)")


def test_after_a_compaction_the_mode_decides_what_the_assistant_does(sessions: Path) -> None:
    transcript = place_transcript(
        sessions, [line for line in place_transcript(sessions).read_text().splitlines()[:7]]
    )
    sess(sessions, "checkpoint", "Saved")
    payload = event(sessions, "SessionStart", transcript, source="compact")
    text = context_of(run_hook(sessions, "SessionStart", payload))
    assert text.startswith("git-sess: the context was just compacted (auto, from 156,890 tokens).")
    assert "(latest checkpoint)" in text
    assert "wait for the user's go-ahead before changing anything" in text  # the default
    git(sessions, "config", "sess.recoveryMode", "auto")
    text = context_of(run_hook(sessions, "SessionStart", payload))
    assert "Recovery mode is auto: read them, then continue the work" in text
    git(sessions, "config", "sess.recoveryMode", "manual")
    text = context_of(run_hook(sessions, "SessionStart", payload))
    assert "wait for the user's go-ahead before changing anything" in text
    text = context_of(
        run_hook(sessions, "SessionStart", payload, env={"GITSESS_RECOVERY_MODE": "auto"})
    )
    assert "Recovery mode is auto" in text


def test_a_mode_not_understood_recovers_as_manual_and_says_so(sessions: Path) -> None:
    transcript = place_transcript(sessions)
    payload = event(sessions, "SessionStart", transcript, source="compact")
    out = run_hook(sessions, "SessionStart", payload, env={"GITSESS_RECOVERY_MODE": "manaul"})
    assert "Recovery mode is manual" in context_of(out)
    assert "GITSESS_RECOVERY_MODE is 'manaul', not auto or manual" in out["systemMessage"]
    # A setting git sess cannot use does not stop the hooks: a safe default, and a word.
    git(sessions, "config", "sess.recoveryMode", "manaul")
    git(sessions, "config", "sess.contextWindow", "lots")
    out = run_hook(sessions, "SessionStart", payload)
    assert "Recovery mode is manual" in context_of(out)
    assert "Context: 34,925 tokens, 95% left (740,075 tokens)" in context_of(out)
    said = sorted(out["systemMessage"].splitlines())
    assert said[0].startswith("git-sess: git config sess.contextWindow is 'lots'")
    assert said[0].endswith("(git config sess.contextWindow 200k)")
    assert said[1].startswith("git-sess: git config sess.recoveryMode is 'manaul'")
    written = pre_compact(sessions, event(sessions, "PreCompact", transcript))
    log = sess(sessions, "assistant", "log")
    assert log.code == 0
    assert "    warning: git config sess.contextWindow is 'lots'" in log.out
    # What PreCompact could not say, the next hook that may speak says, first and once.
    said = run_hook(sessions, "SessionStart", payload)["systemMessage"].splitlines()
    shown = written.relative_to(sessions).as_posix()
    assert said[0] == f"git-sess: checkpoint written before compaction: {shown}"
    assert sorted(said[1:]) == sorted(out["systemMessage"].splitlines())
    assert "checkpoint written" not in run_hook(sessions, "SessionStart", payload)["systemMessage"]


def test_session_start_names_the_reading_list_whatever_the_transcript(sessions: Path) -> None:
    real = place_transcript(sessions)
    os.utime(real, (1_000_000, 1_000_000))
    # Claude Code can begin a file with another conversation's summary alone.
    summary = json.dumps({"type": "summary", "summary": "Earlier work", "leafUuid": "x"})
    only_summary = place_transcript(sessions, [summary], "99999999-summary")
    sess(sessions, "new", "Work")
    assert "34,925 / 1,000,000" in sess(sessions, "status").out  # the newest that is one
    out = run_hook(sessions, "SessionStart", event(sessions, "SessionStart", only_summary))
    assert "(the session in progress)" in context_of(out)
    assert "is not a Claude Code transcript" in out["systemMessage"]


def test_compaction_rearms_the_warnings_even_without_a_prompt_between(sessions: Path) -> None:
    transcript = place_transcript(sessions, [reply(150_000, cwd=str(sessions))])
    prompt = event(sessions, "UserPromptSubmit", transcript, prompt="go on")
    assert "(zone checkpoint)" in context_of(run_hook(sessions, "UserPromptSubmit", prompt))
    compacted = event(sessions, "SessionStart", transcript, source="compact")
    run_hook(sessions, "SessionStart", compacted)  # within one long turn: no prompt after
    assert "(zone checkpoint)" in context_of(run_hook(sessions, "UserPromptSubmit", prompt))


def test_a_compaction_with_nothing_written_says_to_go_on_from_the_summary(
    sessions: Path,
) -> None:
    payload = event(sessions, "SessionStart", None, source="compact")
    auto = {"GITSESS_RECOVERY_MODE": "auto"}
    text = context_of(run_hook(sessions, "SessionStart", payload, env=auto))
    assert "there is nothing written to read, so from the summary continue the work" in text
    assert "read them" not in text


def test_session_start_stays_within_its_token_bound(sessions: Path) -> None:
    # A chain of 40 sessions in progress with long names, as `git sess new --continues`
    # would leave it (written directly: the hook is what is tested, not `new`)
    previous = ""
    for number in range(40):
        date = str(dt.date(2026, 1, 1) + dt.timedelta(days=number))
        slug = f"step_{number}_with_a_long_title_with_a_long_title_with_a_long"
        title = f"Step {number}" + " with a long title" * 8
        link = f"continuation_of: {previous}\n" if previous else ""
        previous = export(
            sessions, session_name(slug, date), title, date=date, status="in-progress", extra=link
        ).name
    assert sess(sessions, "index").code == 0
    out = run_hook(sessions, "SessionStart", event(sessions, "SessionStart", None, source="resume"))
    text = context_of(out)
    assert len(text) / 4 <= 1500
    # The oldest of the chain are left out; the session in progress never is.
    listed = text.splitlines()[2:]
    assert listed[0] == "(28 earlier in the list left out: git sess context --format paths)"
    assert listed[1].startswith("29. .sessions/session_20260129_step_28_")
    assert listed[-1].startswith("40. .sessions/session_20260209_step_39_")
    assert listed[-1].endswith("(the session in progress)")


def test_pre_compact_writes_a_checkpoint_prints_nothing_and_the_next_hook_says_where(
    sessions: Path,
) -> None:
    transcript = place_transcript(sessions)
    payload = event(sessions, "PreCompact", transcript, trigger="manual", session_id=SESSION_ID)
    written = pre_compact(sessions, payload)  # Claude Code gives the summariser its stdout
    assert written.name.endswith("_Before_manual_compaction_ccp.md")
    text = written.read_text()
    assert "trigger: manual" in text and f"transcript: {SESSION_ID}" in text
    assert "- `ledger/export_csv.py`" in text
    shown = written.relative_to(sessions).as_posix()
    log = sess(sessions, "assistant", "log", "-n", "1").out
    assert f"PreCompact       wrote {shown}" in log
    # Another conversation's hook does not say it; this conversation's next one does, once.
    prompt = event(sessions, "UserPromptSubmit", None, session_id="another", prompt="hi")
    assert run_hook(sessions, "UserPromptSubmit", prompt) == {}
    compacted = event(sessions, "SessionStart", transcript, source="compact")
    compacted["session_id"] = SESSION_ID
    out = run_hook(sessions, "SessionStart", compacted)
    assert out["systemMessage"] == f"git-sess: checkpoint written before compaction: {shown}"
    assert f"1. {shown} (this conversation's latest checkpoint)" in context_of(out)
    assert "systemMessage" not in run_hook(sessions, "SessionStart", compacted)


def test_what_an_ended_conversation_could_not_say_a_new_one_says(sessions: Path) -> None:
    git(sessions, "config", "sess.contextWindow", "lots")
    pre_compact(sessions, event(sessions, "PreCompact", None, session_id="gone"))
    git(sessions, "config", "--unset", "sess.contextWindow")
    resumed = event(sessions, "SessionStart", None, session_id="other", source="resume")
    assert "systemMessage" not in run_hook(sessions, "SessionStart", resumed)
    new = event(sessions, "SessionStart", None, session_id="new", source="startup")
    said = run_hook(sessions, "SessionStart", new)["systemMessage"].splitlines()
    assert said[0].startswith("git-sess: checkpoint written before compaction: .sessions/")
    assert said[1].startswith("git-sess: git config sess.contextWindow is 'lots'")
    assert len(said) == 2


def test_user_prompt_warns_once_per_zone_from_export_on(sessions: Path) -> None:
    transcript = place_transcript(sessions, [reply(120_000, cwd=str(sessions))])
    payload = event(sessions, "UserPromptSubmit", transcript, prompt="go on")
    assert run_hook(sessions, "UserPromptSubmit", payload) == {}  # 23 % left: normal
    transcript.write_text(reply(148_000, cwd=str(sessions)) + "\n")
    text = context_of(run_hook(sessions, "UserPromptSubmit", payload))
    # What `git sess status` says too: 6,900 of the usable 155,000 left (4 %).
    assert text == (
        "git-sess: 4% left (6,900 tokens) until auto-compaction, 74% of the 200,000-token"
        " window (zone checkpoint); before answering, write a checkpoint now, compaction is"
        " close: `git sess checkpoint --from-transcript s`."
    )
    assert run_hook(sessions, "UserPromptSubmit", payload) == {}  # said once for this zone
    transcript.write_text(reply(154_000, cwd=str(sessions)) + "\n")
    assert "(zone final)" in context_of(run_hook(sessions, "UserPromptSubmit", payload))
    other = {**payload, "session_id": "another"}
    assert "(zone final)" in context_of(run_hook(sessions, "UserPromptSubmit", other))
    # After a compaction the context is small again: the warnings are due once more.
    transcript.write_text(reply(30_000, cwd=str(sessions)) + "\n")
    assert run_hook(sessions, "UserPromptSubmit", payload) == {}
    transcript.write_text(reply(148_000, cwd=str(sessions)) + "\n")
    assert "(zone checkpoint)" in context_of(run_hook(sessions, "UserPromptSubmit", payload))


def test_session_end_writes_a_checkpoint_only_when_asked(sessions: Path) -> None:
    transcript = place_transcript(sessions)
    payload = event(sessions, "SessionEnd", transcript, reason="exit")
    assert run_hook(sessions, "SessionEnd", payload) == {}
    assert not (sessions / ".sessions" / "checkpoints").exists()
    git(sessions, "config", "sess.checkpointOnEnd", "true")
    assert run_hook(sessions, "SessionEnd", payload) == {}
    assert [p.name[18:] for p in (sessions / ".sessions" / "checkpoints").iterdir()] == [
        "Session_exit_ccp.md"
    ]


@pytest.mark.parametrize(
    "stdin", ["", "not json", "[1]", '{"hook_event_name": "Sess', "[" * 100_000 + "]" * 100_000]
)
def test_bad_stdin_still_exits_0_with_json_and_is_logged(sessions: Path, stdin: str) -> None:
    before = snapshot(sessions)
    assert run_hook(sessions, "SessionStart", stdin) == {}
    assert snapshot(sessions) == before
    log = sess(sessions, "assistant", "log").out
    assert "SessionStart     failed" in log and "error: " in log
    assert "RecursionError" not in log  # said in words, as any other bad input


def test_hooks_outside_a_repository_and_for_another_repository(
    sessions: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    assert run_hook(outside, "SessionStart", event(outside, "SessionStart", None)) == {}
    other = tmp_path / "other"
    other.mkdir()
    foreign = place_transcript(other, [reply(170_000, cwd=str(other))])
    payload = event(sessions, "UserPromptSubmit", foreign)
    assert run_hook(sessions, "UserPromptSubmit", payload) == {}
    assert "not of this repository" in sess(sessions, "assistant", "log", "-n", "1").out


def test_the_log_is_bounded(sessions: Path) -> None:
    log = sessions / ".git" / "gitsess" / "assistant-log.jsonl"
    log.parent.mkdir(exist_ok=True)
    entry = json.dumps({"time": "t", "event": "SessionStart", "did": "x" * 2000})
    log.write_text((entry + "\n") * 300)
    run_hook(sessions, "UserPromptSubmit", event(sessions, "UserPromptSubmit", None))
    lines = log.read_text().splitlines()
    assert len(lines) == 200
    assert json.loads(lines[-1])["event"] == "UserPromptSubmit"


def test_assistant_test_shows_each_hook_and_changes_nothing(sessions: Path) -> None:
    place_transcript(
        sessions,
        [*place_transcript(sessions).read_text().splitlines(), reply(170_000, cwd=str(sessions))],
    )
    sess(sessions, "new", "Work")
    before = snapshot(sessions)
    result = sess(sessions, "assistant", "test")
    assert result.code == 0, result.err
    for heading in (
        "== SessionStart (startup)",
        "== SessionStart (compact)",
        "== PreCompact: would write checkpoints/",
        "== UserPromptSubmit: warned (past)",
        "== SessionEnd: nothing",
    ):
        assert heading in result.out, heading
    assert snapshot(sessions) == before
    state = {p.name for p in (sessions / ".git" / "gitsess").iterdir()}
    assert not state & {"assistant-log.jsonl", "assistant-warned.json"}  # caches only
    assert sess(sessions, "assistant", "log").out == "no hook has run in this repository yet\n"


def test_assistant_test_without_a_transcript(sessions: Path) -> None:
    assert_one_line_error(sess(sessions, "assistant", "test"), "no Claude Code transcript")


def test_the_session_current_session_names_is_the_one_in_progress(sessions: Path) -> None:
    # The claude-sessions slash commands keep `.current-session` beside their notes;
    # with their folder as the sessions directory, it names the work to pick up.
    notes = sessions / ".claude" / "sessions"
    (notes / "2025-07-16").mkdir(parents=True)
    (notes / "2025-07-16-0930-Build section 1.4.md").write_text("# Build section 1.4\n\nWIP\n")
    (notes / "2025-07-16-1831-Build section 1.5.md").write_text("# Build section 1.5\n\nWIP\n")
    (notes / ".current-session").write_text("2025-07-16-0930-Build section 1.4.md\n")
    git(sessions, "config", "sess.dir", ".claude/sessions")
    payload = event(sessions, "SessionStart", None, source="compact")

    text = context_of(run_hook(sessions, "SessionStart", payload))
    assert ".claude/sessions/2025-07-16-0930-Build section 1.4.md (the session in progress)" in (
        text
    )
    (notes / ".current-session").write_text("2025-07-16-1831-Build section 1.5.md\n")
    text = context_of(run_hook(sessions, "SessionStart", payload))  # not the remembered answer
    assert ".claude/sessions/2025-07-16-1831-Build section 1.5.md (the session in progress)" in (
        text
    )
    # A pointer through a symbolic link is never read; the newest in progress then.
    (notes / ".current-session").unlink()
    outside = sessions.parent / "pointer"
    outside.write_text("2025-07-16-0930-Build section 1.4.md\n")
    (notes / ".current-session").symlink_to(outside)
    text = context_of(run_hook(sessions, "SessionStart", payload))
    assert "2025-07-16-1831-Build section 1.5.md (the session in progress)" in text
