"""The Claude Code plugin at the repository's root, checked against the schema
Claude Code 2.1.337 documents and its validator enforces (docs/research/issue21.md §3):
the generated files current, the hooks those `git sess assistant install` writes,
every referenced file present, the commands' and the skill's frontmatter complete,
and every `git sess` command line they teach one the CLI accepts.

The real validator (`claude plugin validate`, a 430 MB binary from npm that needs
the registry to install) is not part of the suite: docs/assistant.md says how to
run it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, sess

from gitsess import __version__
from gitsess.assistant.plugin import generated_files

MANIFEST = ROOT / ".claude-plugin" / "plugin.json"
MARKETPLACE = ROOT / ".claude-plugin" / "marketplace.json"
HOOKS = ROOT / "hooks" / "hooks.json"
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The plugin.json keys Claude Code reads (others: "Unknown field … ignores it").
PLUGIN_KEYS = {
    "$schema", "name", "version", "description", "author", "homepage", "repository",
    "license", "keywords", "commands", "agents", "skills", "hooks", "mcpServers",
    "outputStyles", "lspServers", "icon", "displayName", "network", "userConfig",
}  # fmt: skip
ENTRY_KEYS = {
    "name", "source", "description", "version", "author", "category", "keywords",
    "homepage", "license", "repository", "strict", "tags",
}  # fmt: skip
# Claude Code 2.1.337's hook events (the binary's table) and the matchers each takes.
EVENTS = {
    "PreToolUse", "PostToolUse", "PostToolUseFailure", "PostToolBatch", "Notification",
    "UserPromptSubmit", "UserPromptExpansion", "SessionStart", "SessionEnd", "Stop",
    "StopFailure", "Interrupt", "SubagentStart", "SubagentStop", "PreCompact", "PostCompact",
    "PreModelSwitch", "PostModelSwitch", "PermissionRequest", "PermissionDenied", "Setup",
    "TeammateIdle", "TaskCreated", "TaskCompleted", "Elicitation", "ElicitationResult",
    "ConfigChange", "WorktreeCreate", "WorktreeRemove", "InstructionsLoaded", "CwdChanged",
    "FileChanged", "DirectoryAdded", "MessageDisplay", "PreSkillShellCommand",
}  # fmt: skip
MATCHES = {
    "SessionStart": {"startup", "resume", "clear", "compact", "fork"},
    "PreCompact": {"manual", "auto"},
    "PostCompact": {"manual", "auto"},
}
COMMAND_KEYS = {"description", "argument-hint", "allowed-tools", "model"}
COMMAND_KEYS |= {"disable-model-invocation"}
SKILL_KEYS = {"name", "description", "license", "allowed-tools", "metadata"}
SKILL_KEYS |= {"disable-model-invocation", "user-invocable"}
COMMANDS = ("export", "checkpoint", "resume", "search")


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def frontmatter_of(path: Path) -> tuple[dict[str, Any], str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n(.*)", text, re.S)
    assert match, f"{path}: no frontmatter"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict), path
    return meta, match.group(2)


def test_the_generated_files_are_current() -> None:
    for name, text in generated_files().items():
        stale = (ROOT / name).read_text(encoding="utf-8") != text
        assert not stale, f"{name} is stale: run python scripts/make_plugin.py"


def test_the_plugin_is_named_and_versioned_as_the_package() -> None:
    manifest, market = load(MANIFEST), load(MARKETPLACE)
    assert manifest["name"] == "git-sess"
    assert manifest["version"] == __version__
    (entry,) = market["plugins"]
    assert (entry["name"], entry["version"]) == ("git-sess", __version__)


def test_the_plugin_manifest_follows_the_schema() -> None:
    manifest = load(MANIFEST)
    assert set(manifest) <= PLUGIN_KEYS, set(manifest) - PLUGIN_KEYS
    assert KEBAB.match(manifest["name"])
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:[-+.][0-9A-Za-z.]+)?", manifest["version"])
    assert isinstance(manifest["description"], str) and manifest["description"]
    assert isinstance(manifest["author"]["name"], str)
    assert all(isinstance(word, str) for word in manifest["keywords"])
    # No component paths: the default places are used (commands/, skills/, hooks/hooks.json).
    assert not {"commands", "skills", "hooks", "agents"} & set(manifest)


def test_the_marketplace_lists_this_repository_as_the_plugin() -> None:
    market = load(MARKETPLACE)
    assert KEBAB.match(market["name"])
    assert isinstance(market["owner"]["name"], str) and market["owner"]["name"]
    assert market["plugins"], "a marketplace without a plugin"
    for entry in market["plugins"]:
        assert set(entry) <= ENTRY_KEYS, set(entry) - ENTRY_KEYS
        assert KEBAB.match(entry["name"])
        source = entry["source"]
        # Relative sources start with ./ and never leave the marketplace's root.
        assert source.startswith("./") and ".." not in Path(source).parts, source
        root = (MARKETPLACE.parent.parent / source).resolve()
        assert root == ROOT.resolve()
        assert load(root / ".claude-plugin" / "plugin.json")["name"] == entry["name"]


def test_the_hooks_file_follows_the_schema() -> None:
    hooks = load(HOOKS)
    assert set(hooks) <= {"description", "hooks"}
    assert set(hooks["hooks"]) <= EVENTS
    for event, groups in hooks["hooks"].items():
        for group in groups:
            assert set(group) <= {"matcher", "hooks"}, group
            if "matcher" in group:
                assert set(group["matcher"].split("|")) <= MATCHES[event], group
            for hook in group["hooks"]:
                assert set(hook) == {"type", "command", "timeout"}, hook
                assert hook["type"] == "command"
                assert isinstance(hook["timeout"], int) and hook["timeout"] > 0
                # The root is quoted (it may hold spaces); what it names is in the plugin.
                assert '"${CLAUDE_PLUGIN_ROOT}/' in hook["command"], hook
                words = shlex.split(hook["command"].replace("${CLAUDE_PLUGIN_ROOT}", str(ROOT)))
                assert words[0] == "sh" and Path(words[1]).is_file(), words
                assert Path(words[1]).read_text(encoding="utf-8").startswith("#!/bin/sh\n")


def test_the_plugin_runs_the_hooks_assistant_install_writes(repo: Path) -> None:
    """The same events, matchers, timeouts and arguments as `install --shared`,
    which names `git sess` on PATH as the plugin's launcher does."""
    assert sess(repo, "assistant", "install", "--shared").code == 0
    installed = load(repo / ".claude" / "settings.json")["hooks"]
    launcher = 'sh "${CLAUDE_PLUGIN_ROOT}/hooks/run" '
    for groups in installed.values():
        for group in groups:
            for hook in group["hooks"]:
                hook["command"] = hook["command"].replace("git sess ", launcher, 1)
    assert load(HOOKS)["hooks"] == installed


@pytest.mark.parametrize("name", COMMANDS)
def test_each_slash_command_has_its_frontmatter(name: str) -> None:
    meta, body = frontmatter_of(ROOT / "commands" / f"{name}.md")
    assert set(meta) <= COMMAND_KEYS, set(meta) - COMMAND_KEYS
    assert isinstance(meta["description"], str) and 10 < len(meta["description"]) <= 200
    assert isinstance(meta["argument-hint"], str)
    tools = [tool.strip() for tool in meta["allowed-tools"].split(", ")]
    assert "Bash(git sess:*)" in tools
    for tool in tools:  # never more than running git sess and reading
        assert tool in ("Read", "Bash(git sess:*)") or tool.startswith("Bash(git config --get ")
    assert "$ARGUMENTS" in body


def test_the_commands_are_the_four_of_the_workflow() -> None:
    assert sorted(path.stem for path in (ROOT / "commands").glob("*.md")) == sorted(COMMANDS)


def test_the_skill_has_its_frontmatter_for_claude_code_and_codex() -> None:
    skills = sorted((ROOT / "skills").glob("*/SKILL.md"))
    assert [path.parent.name for path in skills] == ["git-sess"]
    meta, body = frontmatter_of(skills[0])
    assert set(meta) <= SKILL_KEYS, set(meta) - SKILL_KEYS
    # Agent Skills limits (Codex reads the same file): a name of at most 64
    # lowercase letters, digits and hyphens, equal to its folder's; a description
    # of at most 1,024 characters saying when to use it.
    assert meta["name"] == "git-sess" and KEBAB.match(meta["name"]) and len(meta["name"]) <= 64
    assert isinstance(meta["description"], str) and len(meta["description"]) <= 1024
    assert "Use when" in meta["description"]
    for topic in ("When to export", "Writing an export", "Resuming", "Searching"):
        assert f"## {topic}" in body, topic
    assert "secret" in body


def command_lines(path: Path) -> list[list[str]]:
    """The words after `git sess` of each such line in backquotes, placeholders
    (`ID`, `[title]`, `<words>`) left out."""
    text = path.read_text(encoding="utf-8").replace("\n", " ")
    lines = [shlex.split(line) for line in re.findall(r"`git sess ([^`]+)`", text)]
    return [[w for w in words if not re.match(r"[A-Z]{2,}$|\[|<", w)] for words in lines]


def help_of(cwd: Path, words: tuple[str, ...], cache: dict[tuple[str, ...], str]) -> str:
    if words not in cache:
        result = sess(cwd, *words, "-h")
        assert result.code == 0, (words, result.err)
        cache[words] = result.out
    return cache[words]


def test_every_command_line_taught_is_one_git_sess_accepts(tmp_path: Path) -> None:
    """Commands and options named in the skill and the slash commands exist, so
    the plugin cannot teach what the CLI has dropped."""
    helps: dict[tuple[str, ...], str] = {}
    listed = re.findall(r"^  ([a-z-]+)\s", help_of(tmp_path, (), helps), re.M)
    paths = [ROOT / "skills" / "git-sess" / "SKILL.md", *(ROOT / "commands").glob("*.md")]
    lines = [words for path in paths for words in command_lines(path)]
    assert len(lines) >= 20, lines
    for words in lines:
        command = () if words[0].startswith("-") else (words[0],)  # `git sess -h`
        assert not command or command[0] in listed, words
        if command and command[0] in ("hooks", "assistant") and len(words) > 1:
            command += (words[1],)
        text = help_of(tmp_path, command, helps)
        for option in (word.split("=")[0] for word in words if word.startswith("--")):
            assert re.search(rf"\s{re.escape(option)}\b", text), (words, option)
