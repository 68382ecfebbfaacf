"""OpenAI Codex CLI's hooks: `git sess hook codex <Event>`, the Claude Code
hooks' work (claude_hooks.py) in the shapes Codex takes (codex_shapes.py).

`git sess hook claude <Event>` answers as this one does when Codex sent the
event (the plugin's hooks, which Codex runs too): see hook_event.py.
"""

from __future__ import annotations

from gitsess.assistant.claude_hooks import main as run_hook


def main(argv: list[str]) -> int:
    """`git sess hook codex EVENT`: always exit 0; print only what Codex accepts."""
    return run_hook(argv, assistant="codex")
