"""The plugin's hook launcher (hooks/run), run as Claude Code runs it: the very
command line of hooks/hooks.json through /bin/sh, `${CLAUDE_PLUGIN_ROOT}` set,
the event's JSON on stdin, in a real repository, with git-sess on PATH, without
it, and with one that cannot start.

PATH is a directory of its own holding only the tools the launcher uses (and,
where the case wants it, git and git-sess), so no git-sess installed on the
machine can stand in for a missing one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from builders import SESSION_ID, new, place_rollout, place_transcript
from conftest import BIN_DIR, ROOT, Result

HOOKS = json.loads((ROOT / "hooks" / "hooks.json").read_text(encoding="utf-8"))["hooks"]
EVENTS = list(HOOKS)
SILENT = [event for event in EVENTS if event != "SessionStart"]
TOOLS = ("sh", "cat", "tr", "sed", "dirname")  # what hooks/run runs besides builtins


def command_of(event: str) -> str:
    (group,) = HOOKS[event]
    (hook,) = group["hooks"]
    return str(hook["command"])


def path_dir(place: Path, *, git_sess: Path | None = None) -> str:
    """A PATH of one directory: the launcher's tools, git, and `git_sess` if given."""
    place.mkdir(parents=True)
    for tool in (*TOOLS, "git"):
        found = shutil.which(tool)
        assert found, tool
        (place / tool).symlink_to(found)
    if git_sess is not None:
        (place / "git-sess").symlink_to(git_sess)
    return str(place)


def run(event: str, cwd: Path, path: str, root: Path = ROOT, payload: dict | None = None) -> Result:
    """hooks.json's command for `event`, as Claude Code runs a command hook."""
    payload = payload or {"session_id": "abc", "cwd": str(cwd), "hook_event_name": event}
    done = subprocess.run(
        ["/bin/sh", "-c", command_of(event)],
        cwd=cwd,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path, "CLAUDE_PLUGIN_ROOT": str(root)},
        timeout=120,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def notice_of(result: Result, problem: str = "git-sess is not on PATH") -> str:
    """The one line SessionStart prints without git-sess: valid hook JSON."""
    assert result.code == 0, result.err
    assert result.out.endswith("\n") and result.out.count("\n") == 1, result.out
    output = json.loads(result.out)
    assert set(output) == {"systemMessage", "hookSpecificOutput"}
    assert output["hookSpecificOutput"] == {
        "hookEventName": "SessionStart",
        "additionalContext": output["systemMessage"],
    }
    assert output["systemMessage"].startswith(f"{problem}, so its hooks do nothing"), output
    return str(output["systemMessage"])


def test_without_git_sess_the_start_says_so_once_and_names_the_install(
    repo: Path, tmp_path: Path
) -> None:
    result = run("SessionStart", repo, path_dir(tmp_path / "bin"))
    assert result.err == ""
    notice = notice_of(result)
    # The plugin is a copy of the repository: it installs itself.
    assert notice.endswith(f"install it with: pipx install '{ROOT.resolve()}'"), notice


@pytest.mark.parametrize("event", SILENT)
def test_without_git_sess_every_other_event_prints_nothing(
    event: str, repo: Path, tmp_path: Path
) -> None:
    """PreCompact above all: Claude Code appends its output to the compaction's instructions."""
    result = run(event, repo, path_dir(tmp_path / "bin"))
    assert (result.code, result.out, result.err) == (0, "", "")


def copy_launcher(root: Path, with_project: bool) -> Path:
    """The plugin's launcher under `root`, copied as a plugin cache copies it:
    without its executable bit (hooks.json runs it through sh)."""
    (root / "hooks").mkdir(parents=True)
    (root / "hooks" / "run").write_bytes((ROOT / "hooks" / "run").read_bytes())
    if with_project:
        (root / "pyproject.toml").write_text('[project]\nname = "git-sess"\n')
    return root


def test_a_plugin_root_with_quotes_and_spaces_still_gives_valid_json(
    repo: Path, tmp_path: Path
) -> None:
    root = copy_launcher(tmp_path / "my plugins" / 'it\'s "git-sess" \\ 1', with_project=True)
    notice = notice_of(run("SessionStart", repo, path_dir(tmp_path / "bin"), root))
    assert str(root) in notice


def test_a_plugin_root_that_is_no_checkout_names_the_command_to_install(
    repo: Path, tmp_path: Path
) -> None:
    root = copy_launcher(tmp_path / "plugin", with_project=False)
    notice = notice_of(run("SessionStart", repo, path_dir(tmp_path / "bin"), root))
    assert notice.endswith("so that the command git-sess is on PATH"), notice


def test_a_git_sess_that_cannot_start_counts_as_absent(repo: Path, tmp_path: Path) -> None:
    """Its environment deleted under it: the interpreter its first line names is gone."""
    broken = tmp_path / "old-venv" / "git-sess"
    broken.parent.mkdir()
    broken.write_text(f"#!{tmp_path}/old-venv/python\nimport sys\n")
    broken.chmod(0o755)
    path = path_dir(tmp_path / "bin", git_sess=broken)
    link = Path(path) / "git-sess"
    notice_of(run("SessionStart", repo, path), f"git-sess on PATH ({link}) cannot start")
    result = run("PreCompact", repo, path)
    assert (result.code, result.out) == (0, "")


def test_with_git_sess_the_hooks_are_git_sess_own(sessions: Path, tmp_path: Path) -> None:
    """The launcher passes stdin and stdout through: the start of a conversation
    prints what `git-sess hook claude SessionStart` prints, PreCompact writes the
    checkpoint the installed hook writes."""
    path = path_dir(tmp_path / "bin", git_sess=BIN_DIR / "git-sess")
    new(sessions, "Ledger import")
    transcript = place_transcript(sessions)
    payload = {
        "session_id": SESSION_ID,
        "transcript_path": str(transcript),
        "cwd": str(sessions),
        "hook_event_name": "SessionStart",
        "source": "startup",
    }
    through = run("SessionStart", sessions, path, payload=payload)
    direct = subprocess.run(
        [str(BIN_DIR / "git-sess"), "hook", "claude", "SessionStart"],
        cwd=sessions,
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        timeout=120,
    )
    assert (through.code, through.err) == (0, "")
    assert through.out == direct.stdout
    assert "session_" in json.loads(through.out)["hookSpecificOutput"]["additionalContext"]

    payload |= {"hook_event_name": "PreCompact", "trigger": "auto"}
    result = run("PreCompact", sessions, path, payload=payload)
    assert (result.code, result.out, result.err) == (0, "", "")  # nothing for the summariser
    assert len(list((sessions / ".sessions" / "checkpoints").glob("*_ccp.md"))) == 1


def test_under_codex_the_plugin_hooks_answer_in_codex_shapes(
    sessions: Path, tmp_path: Path
) -> None:
    """Codex 0.171 installs this plugin too and runs hooks/hooks.json as its own plugin
    hooks: `$SHELL -lc COMMAND`, with PLUGIN_ROOT, PLUGIN_DATA and, for plugins written for
    Claude Code, CLAUDE_PLUGIN_ROOT and CLAUDE_PLUGIN_DATA set; its events as Codex's own.
    `hook claude` then prints only what Codex's strict schemas accept."""
    path = path_dir(tmp_path / "bin", git_sess=BIN_DIR / "git-sess")
    data = tmp_path / "plugin-data"
    rollout = place_rollout(sessions, "0.77")
    environment = {**os.environ, "PATH": path}
    for name in ("PLUGIN_ROOT", "CLAUDE_PLUGIN_ROOT"):
        environment[name] = str(ROOT)
    for name in ("PLUGIN_DATA", "CLAUDE_PLUGIN_DATA"):
        environment[name] = str(data)
    accepted = {"continue", "stopReason", "suppressOutput", "systemMessage"}

    def codex_runs(event: str, **more: str) -> dict | None:
        payload = {
            "session_id": "019b4d2e-7c1a-7d30-9f5e-2a6c8b1d4e70",
            "turn_id": "t-0007",
            "transcript_path": str(rollout),
            "cwd": str(sessions),
            "hook_event_name": event,
            "model": "gpt-5.1-codex-max",
            **more,
        }
        if event in ("SessionStart", "SessionEnd"):  # these carry no turn_id
            del payload["turn_id"]
        done = subprocess.run(  # (-c, not Codex's -lc: /etc/profile wants more than PATH has)
            ["/bin/sh", "-c", command_of(event)],
            cwd=sessions,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            env=environment,
            timeout=120,
        )
        assert (done.returncode, done.stderr) == (0, "")
        if not done.stdout:
            return None
        output = json.loads(done.stdout)
        assert set(output) <= accepted | {"hookSpecificOutput"}, output
        return dict(output)

    start = codex_runs("SessionStart", source="startup")
    assert start is not None and start["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    assert codex_runs("PreCompact", trigger="auto") is None
    after = codex_runs("PostCompact", trigger="auto")
    assert after is not None and set(after) == {"systemMessage"}  # no hookSpecificOutput
    [checkpoint] = (sessions / ".sessions" / "checkpoints").iterdir()
    assert "## Codex's summary of the compaction" in checkpoint.read_text()
    assert codex_runs("SessionEnd", reason="other") is None
