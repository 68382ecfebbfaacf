"""Write the Claude Code plugin's generated files (.claude-plugin/plugin.json,
.claude-plugin/marketplace.json, hooks/hooks.json) from the package: run it
after changing the hooks `git sess assistant install` writes, or the version.
tests/assistant/test_plugin.py fails while they are stale."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from gitsess.assistant.plugin import generated_files  # noqa: E402 - this checkout's package

if __name__ == "__main__":
    for name, text in generated_files().items():
        path = ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {name}")
