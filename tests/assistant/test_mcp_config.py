"""`git sess assistant install|uninstall --mcp`: git sess mcp registered with Claude Code
(.mcp.json, ~/.claude.json) and Codex (config.toml), other content kept byte for byte."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import assert_refused, sess

SCRIPT = str(Path(sys.executable).with_name("git-sess"))
PROJECT_TOML = '[mcp_servers.git-sess]\ncommand = "git-sess"\nargs = ["mcp"]\n'


@pytest.fixture(autouse=True)
def no_codex_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CODEX_HOME", raising=False)


def home() -> Path:
    return Path(os.environ["HOME"])


def entry(command: str) -> dict:
    return {"type": "stdio", "command": command, "args": ["mcp"], "env": {}}


def test_project_scope_writes_mcp_json_and_codex_config_toml(sessions: Path) -> None:
    done = sess(sessions, "assistant", "install", "--mcp", "--scope", "project")
    assert done.code == 0, done.err
    assert done.out.splitlines() == [
        "git sess mcp registered in .mcp.json",
        "git sess mcp registered in .codex/config.toml",
    ]
    assert json.loads((sessions / ".mcp.json").read_text()) == {
        "mcpServers": {"git-sess": entry("git-sess")}
    }
    assert (sessions / ".codex" / "config.toml").read_text() == PROJECT_TOML
    again = sess(sessions, "assistant", "install", "--mcp", "--scope", "project")
    assert again.out.splitlines() == [
        "already registered in .mcp.json",
        "already registered in .codex/config.toml",
    ]
    gone = sess(sessions, "assistant", "uninstall", "--mcp", "--scope", "project")
    assert gone.code == 0, gone.err
    assert json.loads((sessions / ".mcp.json").read_text()) == {"mcpServers": {}}
    assert (sessions / ".codex" / "config.toml").read_text() == ""


def test_other_servers_comments_and_layout_stay(sessions: Path) -> None:
    mcp_json = '{\n    "mcpServers": {\n        "other": {"command": "x"}\n    },\n    "z": 1\n}\n'
    (sessions / ".mcp.json").write_text(mcp_json)
    toml = (
        "# my Codex settings\n"
        'model = "gpt-5.5"  # pinned\n\n'
        "[mcp_servers.other]\n"
        'command = "x"\n\n'
        "[mcp_servers.git-sess]\n"
        'command = "old"\n'
        "startup_timeout_sec = 20.0  # slow disk\n\n"
        "[mcp_servers.git-sess.env]\n"
        'GITSESS = "1"\n'
    )
    (sessions / ".codex").mkdir()
    (sessions / ".codex" / "config.toml").write_text(toml)
    assert sess(sessions, "assistant", "install", "--mcp", "--scope", "project").code == 0
    written = (sessions / ".mcp.json").read_text()
    assert written.startswith(
        '{\n    "mcpServers": {\n        "other": {\n            "command": "x"'
    )
    assert written.endswith('\n    },\n    "z": 1\n}\n')  # the member after ours: its bytes
    assert json.loads(written)["mcpServers"]["git-sess"] == entry("git-sess")
    assert (sessions / ".codex" / "config.toml").read_text() == toml.replace(
        'command = "old"\n', 'command = "git-sess"\n'
    ).replace("# slow disk\n", '# slow disk\nargs = ["mcp"]\n')
    assert (sessions / ".codex" / "config.toml.bak").read_text() == toml
    assert sess(sessions, "assistant", "uninstall", "--mcp", "--scope", "project").code == 0
    assert (sessions / ".codex" / "config.toml").read_text() == (
        '# my Codex settings\nmodel = "gpt-5.5"  # pinned\n\n[mcp_servers.other]\ncommand = "x"\n\n'
    )
    assert json.loads((sessions / ".mcp.json").read_text()) == json.loads(mcp_json)


def test_user_scope_writes_claude_json_and_codex_home(
    sessions: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claude = home() / ".claude.json"
    claude.write_text('{"numStartups": 3, "projects": {}}')
    codex_home = tmp_path / "codex"
    monkeypatch.setenv("CODEX_HOME", str(codex_home))
    done = sess(sessions, "assistant", "install", "--mcp", "--scope", "user")
    assert done.code == 0, done.err
    assert json.loads(claude.read_text()) == {
        "numStartups": 3,
        "projects": {},
        "mcpServers": {"git-sess": entry(SCRIPT)},
    }
    assert (codex_home / "config.toml").read_text() == PROJECT_TOML.replace(
        '"git-sess"\n', json.dumps(SCRIPT) + "\n"
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()  # not a repository: the user scope works from anywhere
    assert sess(outside, "assistant", "uninstall", "--mcp", "--scope", "user").code == 0
    assert json.loads(claude.read_text()) == {"numStartups": 3, "projects": {}, "mcpServers": {}}


def test_local_scope_is_this_project_in_claude_json_and_not_codex(
    sessions: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config_dir = tmp_path / "claude-config"
    config_dir.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config_dir))
    claude = config_dir / ".claude.json"
    root = str(sessions)
    claude.write_text(json.dumps({"projects": {root: {"allowedTools": ["Bash"]}}}, indent=2))
    done = sess(sessions, "assistant", "install", "--mcp")  # local: the default
    assert done.code == 0, done.err
    assert json.loads(claude.read_text()) == {
        "projects": {root: {"allowedTools": ["Bash"], "mcpServers": {"git-sess": entry(SCRIPT)}}}
    }
    assert "Codex has no per-project private scope" in done.err
    assert not (sessions / ".codex").exists() and not (home() / ".codex").exists()
    assert not (sessions / ".mcp.json").exists()


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        (".mcp.json", '{"mcpServers": {,}}', ".mcp.json:1: not valid JSON"),
        (".mcp.json", '{"mcpServers": []}', ".mcp.json: mcpServers is not an object"),
        (".codex/config.toml", "model = [\n", "config.toml:1: not valid TOML"),
        (".codex/config.toml", 'mcp_servers = "x"\n', "mcp_servers is not a table"),
        (".codex/config.toml", "[mcp_servers]\ngit-sess = 1\n", "git-sess is not a table"),
    ],
)
def test_an_invalid_file_is_refused_and_nothing_changes(
    sessions: Path, name: str, content: str, fragment: str
) -> None:
    path = sessions / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(content)
    assert_refused(sessions, ("assistant", "install", "--mcp", "--scope", "project"), fragment)
    assert path.read_text() == content
    assert_refused(sessions, ("assistant", "uninstall", "--mcp", "--scope", "project"), fragment)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--scope", "user"), "--scope goes with --mcp"),
        (("--mcp", "--shared"), "--mcp takes --scope, not --shared"),
        (("--mcp", "--scope", "team"), "'team' is not one of"),
    ],
)
def test_options_that_do_not_go_together(sessions: Path, args: tuple[str, ...], said: str) -> None:
    assert_refused(sessions, ("assistant", "install", *args), said, code=2)


def test_outside_a_repository_only_the_user_scope(tmp_path: Path) -> None:
    done = sess(tmp_path, "assistant", "install", "--mcp", "--scope", "project")
    assert done.code != 0 and "not a git repository" in done.err.lower()


def test_without_tomlkit_codex_is_refused_with_the_extra_to_install(
    sessions: Path, tmp_path: Path
) -> None:
    hider = tmp_path / "hider"
    hider.mkdir()
    (hider / "sitecustomize.py").write_text("import sys\nsys.modules['tomlkit'] = None\n")
    args = ("assistant", "install", "--mcp", "--scope", "project")
    done = sess(sessions, *args, env={"PYTHONPATH": str(hider)})
    assert done.code == 1
    assert not (sessions / ".mcp.json").exists()  # Claude Code's file is not written alone
    assert done.err.splitlines() == [
        "git-sess: error: registering git sess mcp with Codex needs tomlkit,"
        " which is not installed",
        "hint: pip install 'git-sess[mcp]' (the MCP SDK and a TOML editor, an optional extra)",
    ]
