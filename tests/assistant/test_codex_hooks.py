"""Codex's hooks (`git sess hook codex EVENT`): the Claude Code hooks' work, and
output that passes Codex 0.171's strict schemas (docs/research/issue21.md §2)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from builders import frontmatter, place_rollout, rollout_lines
from conftest import BIN_DIR, git, sess

CODEX_ID = "019b4d2e-7c1a-7d30-9f5e-2a6c8b1d4e70"
# The keys Codex accepts in each event's output (additionalProperties: false).
SCHEMA = {
    "SessionStart": {
        "continue",
        "stopReason",
        "suppressOutput",
        "systemMessage",
        "hookSpecificOutput",
    },
    "UserPromptSubmit": {
        "continue",
        "stopReason",
        "suppressOutput",
        "systemMessage",
        "hookSpecificOutput",
        "decision",
        "reason",
    },
    "PreCompact": {"continue", "stopReason", "suppressOutput", "systemMessage"},
    "PostCompact": {"continue", "stopReason", "suppressOutput", "systemMessage"},
    "SessionEnd": {"continue", "stopReason", "suppressOutput", "systemMessage"},
}


def run_codex_hook(
    repo: Path, name: str, payload: dict | str, command: list[str] | None = None
) -> dict | None:
    """Run the hook as Codex does (`command`: another than `git-sess hook codex NAME`); its
    output checked as Codex checks it (None: no output)."""
    data = payload if isinstance(payload, str) else json.dumps(payload)
    done = subprocess.run(
        command or [str(BIN_DIR / "git-sess"), "hook", "codex", name],
        cwd=repo,
        input=data,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    if not done.stdout.strip():
        return None
    output = json.loads(done.stdout)
    assert set(output) <= SCHEMA.get(name, set()), output
    specific = output.get("hookSpecificOutput")
    if specific is not None:
        assert set(specific) <= {"hookEventName", "additionalContext"}
        assert specific["hookEventName"] == name
    return output


def codex_event(repo: Path, name: str, rollout: Path | None, **more: str) -> dict:
    """Codex's payload: Claude's basics plus model, turn_id; no compact_summary."""
    return {
        "session_id": CODEX_ID,
        "turn_id": "t-0003",
        "transcript_path": str(rollout) if rollout else None,
        "cwd": str(repo),
        "hook_event_name": name,
        "model": "gpt-5.1-codex-max",
        **more,
    }


def test_session_start_names_what_to_read_and_the_context(sessions: Path) -> None:
    rollout = place_rollout(sessions, "0.77")
    sess(sessions, "new", "Base", "--date", "2026-01-01")
    out = run_codex_hook(
        sessions, "SessionStart", codex_event(sessions, "SessionStart", rollout, source="startup")
    )
    assert out is not None
    text = out["hookSpecificOutput"]["additionalContext"]
    assert "session_20260101_base.md" in text
    assert "Context: 42,100 tokens, 83% left (202,700 tokens) until auto-compaction" in text


def test_session_start_always_says_its_event_even_with_nothing_to_add(repo: Path) -> None:
    out = run_codex_hook(
        repo, "SessionStart", codex_event(repo, "SessionStart", None, source="resume")
    )
    assert out is not None and out["hookSpecificOutput"]["hookEventName"] == "SessionStart"


def test_pre_compact_writes_the_checkpoint_and_prints_nothing(sessions: Path) -> None:
    rollout = place_rollout(sessions, "0.77")
    assert (
        run_codex_hook(
            sessions, "PreCompact", codex_event(sessions, "PreCompact", rollout, trigger="auto")
        )
        is None
    )
    [checkpoint] = (sessions / ".sessions" / "checkpoints").iterdir()
    data = frontmatter(checkpoint)
    assert (data["assistant"], data["transcript"], data["trigger"]) == ("codex", CODEX_ID, "auto")
    assert "`ledger/export_csv.py`" in checkpoint.read_text()
    # PostCompact: Codex passes no summary; the rollout's compacted line has it. It says
    # (systemMessage, which Codex shows) where PreCompact wrote, which PreCompact did not.
    said = run_codex_hook(
        sessions, "PostCompact", codex_event(sessions, "PostCompact", rollout, trigger="auto")
    )
    shown = f".sessions/checkpoints/{checkpoint.name}"
    assert said == {"systemMessage": f"git-sess: checkpoint written before compaction: {shown}"}
    text = checkpoint.read_text()
    assert "CSV export added in ledger/export_csv.py" in text
    assert "## Codex's summary of the compaction\n\nCodex's own summary after the auto" in text
    assert "Claude" not in text
    assert "kept Codex's summary" in sess(sessions, "assistant", "log", "-n", "1").out


def test_a_remote_compaction_leaves_no_summary_to_keep(sessions: Path) -> None:
    rollout = place_rollout(sessions, "0.171")  # its compacted line has an empty message
    assert (
        run_codex_hook(
            sessions, "PostCompact", codex_event(sessions, "PostCompact", rollout, trigger="manual")
        )
        is None
    )
    assert not (sessions / ".sessions" / "checkpoints").exists()
    assert "no compact_summary" in sess(sessions, "assistant", "log", "-n", "1").out


def test_user_prompt_warns_once_in_a_zone_by_codexs_threshold(sessions: Path) -> None:
    lines = [
        line.replace('"input_tokens":41230', '"input_tokens":226000')
        for line in rollout_lines("0.77", sessions)
    ]
    rollout = place_rollout(sessions, "0.77", lines)
    payload = codex_event(
        sessions, "UserPromptSubmit", rollout, prompt="go on", permission_mode="default"
    )
    out = run_codex_hook(sessions, "UserPromptSubmit", payload)
    assert out is not None
    assert "(zone export)" in out["hookSpecificOutput"]["additionalContext"]
    assert run_codex_hook(sessions, "UserPromptSubmit", payload) is None  # once per zone


def test_a_fork_reads_its_parent_from_the_rollout(sessions: Path) -> None:
    parent = "0199a6f1-3d2b-7e80-b4c5-6a7d8e9f0a1b"
    lines = rollout_lines("0.77", sessions)
    lines[0] = lines[0].replace('"id":"', f'"forked_from_id":"{parent}","id":"', 1)
    rollout = place_rollout(sessions, "0.77", lines)
    run_codex_hook(
        sessions, "SessionStart", codex_event(sessions, "SessionStart", rollout, source="fork")
    )
    log = sess(sessions, "assistant", "log", "-n", "1").out
    assert "fork: named" in log and "payload does not name" not in log
    lines[0] = lines[0].replace(
        f'"forked_from_id":"{parent}",', ""
    )  # a fork Codex named no parent of
    rollout.write_text("\n".join(lines))
    run_codex_hook(
        sessions, "SessionStart", codex_event(sessions, "SessionStart", rollout, source="fork")
    )
    assert "payload does not name" in sess(sessions, "assistant", "log", "-n", "1").out


@pytest.mark.parametrize(
    "payload", ["", "not json", "[1]", json.dumps({"cwd": "/nonexistent", "hook_event_name": "x"})]
)
@pytest.mark.parametrize("name", ["SessionStart", "PreCompact", "Nope"])
def test_bad_input_never_breaks_codex(repo: Path, payload: str, name: str) -> None:
    out = run_codex_hook(repo, name, payload)  # exit 0, nothing on stderr
    if name == "SessionStart":
        assert out is not None and "hookSpecificOutput" in out
    else:  # PreCompact, and an event git-sess does not know: nothing printed
        assert out is None


def test_the_command_line_route_gives_the_same_as_the_quick_one(sessions: Path) -> None:
    import sys

    payload = json.dumps(codex_event(sessions, "SessionStart", None, source="clear"))
    done = subprocess.run(
        [sys.executable, "-m", "gitsess", "hook", "codex", "SessionStart"],
        cwd=sessions,
        input=payload,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == run_codex_hook(sessions, "SessionStart", payload)


# --- the plugin's hooks, which Codex runs too (`hook claude`, told Codex by its event) -------


def test_hook_claude_answers_codex_as_hook_codex_does(
    sessions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each event, once through `hook claude` and once through `hook codex`, in two
    copies of one repository: the same output, every one valid for Codex."""
    import shutil

    monkeypatch.setenv("GIT_SESS_NOW", "2026-03-02T12:00:00+00:00")  # the same names

    twin = tmp_path / "twin"
    shutil.copytree(sessions, twin, symlinks=True)
    said: dict[str, list[dict | None]] = {}
    for how, repo in (("claude", sessions), ("codex", twin)):
        rollout = place_rollout(repo, "0.77")
        events = [
            ("SessionStart", {"source": "startup", "permission_mode": "default"}),
            ("UserPromptSubmit", {"prompt": "go on", "permission_mode": "default"}),
            ("PreCompact", {"trigger": "auto"}),
            ("PostCompact", {"trigger": "auto"}),
            ("SessionStart", {"source": "compact"}),
        ]
        command = [str(BIN_DIR / "git-sess"), "hook", how]
        said[how] = [
            run_codex_hook(repo, name, codex_event(repo, name, rollout, **more), [*command, name])
            for name, more in events
        ]
        [checkpoint] = (repo / ".sessions" / "checkpoints").iterdir()
        assert "## Codex's summary of the compaction" in checkpoint.read_text()
    shown = str(said["claude"]).replace(str(sessions), str(twin))
    assert shown == str(said["codex"])
    assert said["claude"][2] is None  # PreCompact: nothing
    assert said["claude"][3] is not None and "hookSpecificOutput" not in said["claude"][3]


def test_a_session_end_from_codex_prints_nothing(sessions: Path) -> None:
    """Codex 0.171's SessionEnd: no turn_id, reason "other"; its rollout tells it."""
    rollout = place_rollout(sessions, "0.77")
    payload = {
        "session_id": CODEX_ID,
        "transcript_path": str(rollout),
        "cwd": str(sessions),
        "hook_event_name": "SessionEnd",
        "reason": "other",
    }
    for how in ("claude", "codex"):
        command = [str(BIN_DIR / "git-sess"), "hook", how, "SessionEnd"]
        assert run_codex_hook(sessions, "SessionEnd", payload, command) is None
    assert not (sessions / ".sessions" / "checkpoints").exists()  # sess.checkpointOnEnd off
    git(sessions, "config", "sess.checkpointOnEnd", "true")
    git(sessions, "config", "sess.contextWindow", "lots")  # a warning it cannot print
    for how in ("claude", "codex"):
        command = [str(BIN_DIR / "git-sess"), "hook", how, "SessionEnd"]
        assert run_codex_hook(sessions, "SessionEnd", payload, command) is None
    written = sorted((sessions / ".sessions" / "checkpoints").iterdir())
    assert [path.name[18:] for path in written] == ["Session_other_ccp.md"] * 2 or [
        path.name[18:] for path in written
    ] == ["Session_other_ccp.md", "Session_other_ccp_2.md"]
    assert frontmatter(written[0])["assistant"] == "codex"
    # The next conversation's start says what the ended one could not.
    start = codex_event(sessions, "SessionStart", None, source="startup")
    out = run_codex_hook(sessions, "SessionStart", {**start, "session_id": "next"})
    assert out is not None
    assert out["systemMessage"].startswith("git-sess: git config sess.contextWindow is 'lots'")
