"""git-sess as a Claude Code plugin: the generated files of the plugin that is
this repository's root (`/plugin marketplace add <owner>/<repo>`, then
`/plugin install git-sess@git-sess`).

Generated rather than written by hand so that they cannot drift from the
package: the hooks are the ones `git sess assistant install` writes (same
events, matchers and timeouts: settings.py's tables), the version is the
package's. `python scripts/make_plugin.py` writes them; a test fails while one
is stale. The commands and the skill are prose, kept by hand.

Each hook runs `hooks/run`, a POSIX sh launcher beside hooks.json: it runs
`git-sess` from PATH, and without one says so once, at the start of a
conversation, instead of failing on every event. It is run through `sh` so
that a copy that lost its executable bit (an archive, a plugin cache) still
works.

Codex installs the same plugin and runs the same hooks.json: `hook claude`
answers Codex's events in the shapes Codex accepts (hook_event.sent_by_codex).
"""

from __future__ import annotations

import json
from typing import Any

from gitsess import __version__
from gitsess.assistant.settings import MATCHERS, hook_command, hook_group

NAME = "git-sess"  # the plugin's and the marketplace's: /plugin install git-sess@git-sess
OWNER = {"name": "git-sess maintainers"}
LICENSE = "MIT"
DESCRIPTION = (
    "Session notes kept in git: the assistant is told what to read after a context reset,"
    " asked to export before compaction, and can export, checkpoint, resume and search"
    " past sessions (needs git-sess on PATH)"
)
KEYWORDS = ["sessions", "notes", "context", "compaction", "git"]
LAUNCHER = "hooks/run"
PLUGIN_SCHEMA = "https://anthropic.com/claude-code/plugin.schema.json"
MARKETPLACE_SCHEMA = "https://anthropic.com/claude-code/marketplace.schema.json"


def plugin_command(event: str) -> str:
    """The shared settings' command (`git sess hook claude EVENT`) through the
    launcher, with Claude Code's plugin root quoted (it may hold spaces)."""
    arguments = hook_command("shared", event).removeprefix("git sess ")
    return f'sh "${{CLAUDE_PLUGIN_ROOT}}/{LAUNCHER}" {arguments}'


def hooks_file() -> dict[str, Any]:
    return {
        "description": "git-sess: reading list at start and after compaction, checkpoint"
        " before compaction, export reminders while the context fills",
        "hooks": {event: [hook_group(event, plugin_command(event))] for event in MATCHERS},
    }


def plugin_manifest() -> dict[str, Any]:
    return {
        "$schema": PLUGIN_SCHEMA,
        "name": NAME,
        "version": __version__,
        "description": DESCRIPTION,
        "author": OWNER,
        "license": LICENSE,
        "keywords": KEYWORDS,
    }


def marketplace() -> dict[str, Any]:
    """One plugin, this repository itself (`./`: the directory holding
    `.claude-plugin/`), listed with its manifest's own fields."""
    entry = {key: value for key, value in plugin_manifest().items() if key != "$schema"}
    return {
        "$schema": MARKETPLACE_SCHEMA,
        "name": NAME,
        "owner": OWNER,
        "metadata": {"description": "git-sess, session notes kept in git, as a plugin"},
        "plugins": [{"name": NAME, "source": "./", **entry}],
    }


def generated_files() -> dict[str, str]:
    """Each generated file's path from the repository's root, and its text."""
    return {
        ".claude-plugin/plugin.json": _rendered(plugin_manifest()),
        ".claude-plugin/marketplace.json": _rendered(marketplace()),
        "hooks/hooks.json": _rendered(hooks_file()),
    }


def _rendered(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
