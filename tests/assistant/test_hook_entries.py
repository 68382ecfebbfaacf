"""The `hooks` member Claude Code's settings and Codex's hooks.json share
(gitsess/assistant/hook_entries.py): whose entries are git-sess's, what stays of a
group when they leave, and what status says per event."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitsess.assistant.hook_entries import event_states, hooks_of, ours_for, without_ours
from gitsess.core.errors import GitSessError


@pytest.mark.parametrize(
    ("command", "claude", "codex"),
    [
        ("git sess hook claude SessionStart", True, False),
        ("'/opt/my tools/bin/git-sess' hook codex PreCompact", False, True),
        ("/usr/bin/python3 -m gitsess hook claude PreCompact", True, False),
        ('sh "${CLAUDE_PLUGIN_ROOT}/hooks/run" hook claude SessionEnd', False, False),
        ("my-git-sessions hook claude SessionStart", False, False),
    ],
)
def test_whose_entry_is_told_by_the_command(command: str, claude: bool, codex: bool) -> None:
    entry = {"type": "command", "command": command}
    assert ours_for("claude")(entry) is claude
    assert ours_for("codex")(entry) is codex


def test_taking_ours_out_keeps_every_other_entry_and_group_as_it_is() -> None:
    ours = {"type": "command", "command": "git sess hook codex SessionStart"}
    mine = {"type": "command", "command": "./my-hook", "timeout": 5}
    groups = [
        {"matcher": "startup", "hooks": [ours, mine], "note": "kept"},
        {"matcher": "resume", "hooks": [ours]},
        {"matcher": "clear", "hooks": []},
        {"hooks": [mine]},
    ]
    kept = without_ours(groups, Path("hooks.json"), "SessionStart", ours_for("codex"))
    assert kept == [
        {"matcher": "startup", "hooks": [mine], "note": "kept"},
        {"matcher": "clear", "hooks": []},
        {"hooks": [mine]},
    ]
    assert kept[2] is groups[3]  # untouched, not copied


def test_the_state_of_each_event() -> None:
    ours = {"type": "command", "command": "git sess hook claude X"}
    hooks = {
        "SessionStart": [{"hooks": [ours]}],
        "PreCompact": [{"hooks": [ours]}, {"hooks": [{"command": "other"}]}],
        "Stop": [{"hooks": [{"command": "other"}]}],
    }
    states = event_states(hooks, Path("s.json"), ["SessionStart", "SessionEnd"], ours_for("claude"))
    assert states == {
        "PreCompact": "ours and others",
        "SessionEnd": "missing",
        "SessionStart": "ours",
        "Stop": "others",
    }


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"hooks": []}, '"hooks" is not an object'),
        ({"hooks": {"SessionStart": {}}}, '"hooks.SessionStart" is not a list'),
    ],
)
def test_a_file_of_another_shape_is_refused(settings: dict, said: str) -> None:
    with pytest.raises(GitSessError) as refused:
        without_ours(
            hooks_of(settings, Path("s.json")).get("SessionStart", []),
            Path("s.json"),
            "SessionStart",
            ours_for("claude"),
        )
    assert said in refused.value.message
    assert refused.value.message.endswith("changed nothing")
    assert refused.value.hint
