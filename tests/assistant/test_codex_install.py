"""`git sess assistant install|uninstall --codex`: Codex's hooks file merged as
a Claude Code settings file is, the user's own hooks and formatting kept, an
invalid file refused untouched, and the word about approving hooks in Codex."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import BIN_DIR, assert_one_line_error, git, sess

from gitsess.assistant.codex_install import EVENTS

THEIRS = (
    '{\n\t"hooks": {\n\t\t"Stop": [{"hooks": [{"type": "command", "command": "notify done"}]}]'
    '\n\t},\n\t"x": 1\n}\n'
)


def hooks_file(repo: Path) -> Path:
    return repo / ".codex" / "hooks.json"


def test_install_writes_the_hooks_and_says_to_approve_them(sessions: Path) -> None:
    result = sess(sessions, "assistant", "install", "--codex")
    assert result.code == 0, result.err
    assert result.out.strip() == "installed in .codex/hooks.json"
    assert "approve them" in result.err and "/hooks" in result.err
    assert "not yet" in result.err  # the project is not trusted in Codex's config
    data = json.loads(hooks_file(sessions).read_text())
    assert sorted(data["hooks"]) == sorted(EVENTS)
    assert data["hooks"]["SessionStart"] == [
        {
            "matcher": "startup|resume|clear|compact|fork",
            "hooks": [
                {
                    "type": "command",
                    "command": f"{BIN_DIR / 'git-sess'} hook codex SessionStart",
                    "timeout": 30,
                    "statusMessage": "Loading session notes",
                }
            ],
        }
    ]
    assert "matcher" not in data["hooks"]["UserPromptSubmit"][0]
    assert data["hooks"]["SessionEnd"] == [  # Codex 0.171's SessionEnd, reason "other" alone
        {
            "hooks": [
                {
                    "type": "command",
                    "command": f"{BIN_DIR / 'git-sess'} hook codex SessionEnd",
                    "timeout": 60,
                    "statusMessage": "Ending the session (a checkpoint if sess.checkpointOnEnd)",
                }
            ],
        }
    ]
    again = sess(sessions, "assistant", "install", "--codex")
    assert again.out.strip() == "already installed in .codex/hooks.json" and again.err == ""
    shared = sess(sessions, "assistant", "install", "--codex", "--shared")
    assert shared.code == 0
    command = json.loads(hooks_file(sessions).read_text())["hooks"]["PreCompact"][0]["hooks"][0]
    assert command["command"] == "git sess hook codex PreCompact"  # replaced, not added twice
    assert len(json.loads(hooks_file(sessions).read_text())["hooks"]["PreCompact"]) == 1


def test_installing_again_adds_session_end_to_an_older_install(sessions: Path) -> None:
    """An install of before SessionEnd (four events), with a hook of the user's beside
    it: installing again adds SessionEnd and changes nothing else; then nothing at all."""
    older = {"hooks": {}}
    for event in ("SessionStart", "PreCompact", "PostCompact", "UserPromptSubmit"):
        matcher, timeout, message = EVENTS[event]
        group: dict = {} if matcher is None else {"matcher": matcher}
        command = f"git sess hook codex {event}"
        entry = {"type": "command", "command": command, "timeout": timeout}
        older["hooks"][event] = [{**group, "hooks": [{**entry, "statusMessage": message}]}]
    older["hooks"]["SessionEnd"] = [{"hooks": [{"type": "command", "command": "./bye"}]}]
    hooks_file(sessions).parent.mkdir()
    hooks_file(sessions).write_text(json.dumps(older, indent=4) + "\n")
    result = sess(sessions, "assistant", "install", "--codex", "--shared")
    assert result.code == 0, result.err
    assert result.out.startswith("installed in .codex/hooks.json\n")
    assert "approve them" in result.err  # a new hook: Codex asks again
    data = json.loads(hooks_file(sessions).read_text())
    assert {event: data["hooks"][event] for event in older["hooks"] if event != "SessionEnd"} == {
        event: groups for event, groups in older["hooks"].items() if event != "SessionEnd"
    }
    assert data["hooks"]["SessionEnd"][0] == {"hooks": [{"type": "command", "command": "./bye"}]}
    [ours] = data["hooks"]["SessionEnd"][1]["hooks"]
    assert ours["command"] == "git sess hook codex SessionEnd"
    assert hooks_file(sessions).read_text().startswith('{\n    "hooks": {\n        "SessionStart"')
    again = sess(sessions, "assistant", "install", "--codex", "--shared")
    assert again.out.strip() == "already installed in .codex/hooks.json" and again.err == ""


def test_the_users_hooks_keys_and_indentation_stay(sessions: Path) -> None:
    hooks_file(sessions).parent.mkdir()
    hooks_file(sessions).write_text(THEIRS)
    assert sess(sessions, "assistant", "install", "--codex").code == 0
    text = hooks_file(sessions).read_text()
    assert text.endswith('\n\t"x": 1\n}\n') and '\n\t\t"SessionStart": [' in text
    assert json.loads(text)["hooks"]["Stop"] == [
        {"hooks": [{"type": "command", "command": "notify done"}]}
    ]
    assert (sessions / ".codex" / "hooks.json.bak").read_text() == THEIRS
    assert ".codex/hooks.json.bak" not in git(
        sessions, "status", "--porcelain", "--untracked-files=all"
    )
    assert sess(sessions, "assistant", "uninstall", "--codex").code == 0
    assert json.loads(hooks_file(sessions).read_text()) == json.loads(THEIRS)
    status = sess(sessions, "assistant", "status").out
    assert "codex project .codex/hooks.json:\n" in status and "Stop              others" in status


def test_uninstall_removes_a_file_left_empty_and_changes_nothing_twice(sessions: Path) -> None:
    sess(sessions, "assistant", "install", "--codex")
    result = sess(sessions, "assistant", "uninstall", "--codex")
    assert result.code == 0 and "removed" in result.out
    assert not hooks_file(sessions).exists()
    again = sess(sessions, "assistant", "uninstall", "--codex")
    assert again.out.strip() == "not installed in .codex/hooks.json"
    assert "codex" not in sess(sessions, "assistant", "status").out  # no Codex file, no word


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"hooks": ', "not valid JSON"),
        ('{"hooks": {}, // mine\n}', "not valid JSON"),
        ('{"hooks": []}', '"hooks" is not an object'),
        ('{"hooks": {"SessionStart": {}}}', '"hooks.SessionStart" is not a list'),
        ('{"hooks": {}, "hooks": {}}', "appears twice"),
        ("[]", "not a JSON object"),
    ],
)
def test_a_file_codex_could_not_read_either_is_refused_untouched(
    sessions: Path, text: str, said: str
) -> None:
    hooks_file(sessions).parent.mkdir()
    hooks_file(sessions).write_text(text)
    for command in ("install", "uninstall"):
        assert_one_line_error(sess(sessions, "assistant", command, "--codex"), said)
        assert hooks_file(sessions).read_text() == text
    assert "codex project: cannot be read" in sess(sessions, "assistant", "status").out
    assert not (sessions / ".codex" / "hooks.json.bak").exists()


def test_user_scope_goes_to_codex_home(sessions: Path, tmp_path: Path) -> None:
    home = tmp_path / "codex-home"
    result = sess(
        sessions, "assistant", "install", "--codex", "--user", env={"CODEX_HOME": str(home)}
    )
    assert result.code == 0, result.err
    assert "not yet" not in result.err  # trust is a project's matter
    assert sorted(json.loads((home / "hooks.json").read_text())["hooks"]) == sorted(EVENTS)
    assert not hooks_file(sessions).exists()
    default = Path(os.environ["HOME"]) / ".codex" / "hooks.json"
    assert sess(sessions, "assistant", "install", "--codex", "--user").code == 0
    assert default.is_file()


def test_a_trusted_project_gets_no_word_about_trust(sessions: Path) -> None:
    config = Path(os.environ["HOME"]) / ".codex" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[projects."{sessions}"]\ntrust_level = "trusted"\n')
    result = sess(sessions, "assistant", "install", "--codex")
    assert result.code == 0 and "approve" in result.err and "not yet" not in result.err


def test_a_link_out_of_the_work_tree_is_refused(sessions: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (sessions / ".codex").symlink_to(elsewhere)
    assert sess(sessions, "assistant", "install", "--codex").code != 0
    assert list(elsewhere.iterdir()) == []
