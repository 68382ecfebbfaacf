"""`git sess assistant install|uninstall`: PostCompact and the status line, a word
when another scope has the hooks too, and a file it created taken away again."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import BIN_DIR, sess

OURS = {"type": "command", "command": f"{BIN_DIR / 'git-sess'} statusline"}


def settings(repo: Path, name: str = "settings.local.json") -> Path:
    return repo / ".claude" / name


def test_install_adds_post_compact_the_fork_source_and_the_status_line(sessions: Path) -> None:
    assert sess(sessions, "assistant", "install").code == 0
    data = json.loads(settings(sessions).read_text())
    assert data["hooks"]["PostCompact"] == [
        {
            "matcher": "manual|auto",
            "hooks": [
                {
                    "type": "command",
                    "command": f"{BIN_DIR / 'git-sess'} hook claude PostCompact",
                    "timeout": 30,
                }
            ],
        }
    ]
    assert data["hooks"]["SessionStart"][0]["matcher"] == "startup|resume|clear|compact|fork"
    assert data["statusLine"] == OURS
    assert sess(sessions, "assistant", "install", "--shared").code == 0
    shared = json.loads(settings(sessions, "settings.json").read_text())
    assert shared["statusLine"] == {"type": "command", "command": "git sess statusline"}


def test_a_status_line_of_the_users_own_is_kept_and_said(sessions: Path) -> None:
    mine = {"statusLine": {"type": "command", "command": "~/.claude/line.sh", "padding": 0}}
    settings(sessions).parent.mkdir()
    settings(sessions).write_text(json.dumps(mine) + "\n")
    result = sess(sessions, "assistant", "install")
    assert result.code == 0
    assert json.loads(settings(sessions).read_text())["statusLine"] == mine["statusLine"]
    assert "has a status line of its own, kept" in result.err
    assert '"command": "' in result.err and 'statusline"}' in result.err
    assert sess(sessions, "assistant", "uninstall").code == 0
    assert json.loads(settings(sessions).read_text()) == mine  # theirs stays


def test_install_warns_when_another_scope_has_the_hooks_too(sessions: Path) -> None:
    first = sess(sessions, "assistant", "install", "--user")
    assert first.code == 0 and first.err == ""
    second = sess(sessions, "assistant", "install")
    assert second.code == 0
    user = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    assert (
        f"git-sess: warning: the user settings ({user}) have git-sess's hooks too:"
        " Claude Code would run each twice; keep one: git sess assistant uninstall --user"
    ) in second.err
    assert "PostCompact" in json.loads(settings(sessions).read_text())["hooks"]  # installed still
    assert sess(sessions, "assistant", "uninstall", "--user").code == 0
    assert sess(sessions, "assistant", "install").err == ""  # once is not twice


def test_uninstall_removes_a_file_install_created_and_never_one_that_was_there(
    sessions: Path,
) -> None:
    assert sess(sessions, "assistant", "install").code == 0
    assert sess(sessions, "assistant", "install").code == 0  # again: still its own file
    result = sess(sessions, "assistant", "uninstall")
    assert result.code == 0
    assert "removed from .claude/settings.local.json, which git-sess had created" in result.out
    assert not settings(sessions).exists()
    assert not settings(sessions, "settings.local.json.bak").exists()
    # A file that was there before, even an empty one, stays.
    settings(sessions).write_text("{}\n")
    assert sess(sessions, "assistant", "install").code == 0
    assert sess(sessions, "assistant", "uninstall").code == 0
    assert json.loads(settings(sessions).read_text()) == {}
    # Created by install, then given something of the user's: it stays, with that.
    settings(sessions).unlink()
    assert sess(sessions, "assistant", "install").code == 0
    data = json.loads(settings(sessions).read_text())
    settings(sessions).write_text(json.dumps({**data, "model": "opus"}))
    assert sess(sessions, "assistant", "uninstall").code == 0
    assert json.loads(settings(sessions).read_text()) == {"model": "opus"}


def test_uninstall_of_a_created_user_file_from_outside_a_repository(
    sessions: Path, tmp_path: Path
) -> None:
    user = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    assert sess(sessions, "assistant", "install", "--user").code == 0
    assert user.is_file()
    elsewhere = tmp_path / "plain"
    elsewhere.mkdir()
    assert sess(elsewhere, "assistant", "uninstall", "--user").code == 0
    assert not user.exists()


# --- git-sess's Claude Code plugin, which runs the same hooks -----------------------------


def enable_plugin(path: Path, enabled: bool = True, marketplace: str = "git-sess") -> None:
    """What `/plugin install` (or a disable) writes into a settings file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(path.read_text()) if path.exists() else {}
    data.setdefault("enabledPlugins", {})[f"git-sess@{marketplace}"] = enabled
    path.write_text(json.dumps(data, indent=2) + "\n")


def test_install_warns_when_the_plugin_runs_the_same_hooks(sessions: Path) -> None:
    user = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    enable_plugin(user, marketplace="team-tools")
    result = sess(sessions, "assistant", "install")
    assert result.code == 0
    assert (
        f"git-sess: warning: the git-sess plugin is enabled in {user}: it runs the same hooks,"
        " so Claude Code would run each twice; keep one: git sess assistant uninstall --local"
    ) in result.err
    assert "PostCompact" in json.loads(settings(sessions).read_text())["hooks"]  # installed still
    status = sess(sessions, "assistant", "status")
    assert f"plugin  git-sess, enabled in {user}: the same hooks" in status.out


def test_the_most_specific_settings_file_decides_whether_the_plugin_is_enabled(
    sessions: Path,
) -> None:
    user = Path(os.environ["HOME"]) / ".claude" / "settings.json"
    enable_plugin(user)
    enable_plugin(settings(sessions, "settings.json"))
    enable_plugin(settings(sessions), enabled=False)  # this clone turned it off
    result = sess(sessions, "assistant", "install", "--user")
    assert result.code == 0 and result.err == ""
    assert "plugin" not in sess(sessions, "assistant", "status").out
    settings(sessions).write_text('{"enabledPlugins": {"other@git-sess": true}}\n')
    status = sess(sessions, "assistant", "status")  # now the project's file decides
    assert "plugin  git-sess, enabled in .claude/settings.json: the same hooks" in status.out


def test_settings_that_cannot_be_read_do_not_enable_the_plugin(sessions: Path) -> None:
    settings(sessions).parent.mkdir()
    settings(sessions, "settings.json").write_text('{"enabledPlugins": {"git-sess@x": tru')
    settings(sessions).write_text('{"enabledPlugins": ["git-sess@x"]}\n')
    result = sess(sessions, "assistant", "install", "--user")
    assert result.code == 0 and "plugin" not in result.err
