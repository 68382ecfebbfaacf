"""The bounded log of what each Claude Code hook did, under the git directory
(`git sess assistant log`): a hook shows no error, so this is where one is seen."""

from __future__ import annotations

import json
from typing import Any

from gitsess.core.files import write_atomic
from gitsess.core.workspace import Workspace

LOG_NAME = "assistant-log.jsonl"
LOG_KEEP = 200  # entries kept when the log is trimmed
LOG_TRIM_BYTES = 256 * 1024


def append_log(workspace: Workspace, entry: dict[str, Any]) -> None:
    path = workspace.repo.state_dir / LOG_NAME
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        if path.stat().st_size > LOG_TRIM_BYTES:
            kept = path.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_KEEP:]
            write_atomic(path, "\n".join(kept) + "\n", durable=False)
    except OSError:
        pass  # a log that cannot be written must not fail the hook


def read_log(workspace: Workspace, count: int) -> list[dict[str, Any]]:
    path = workspace.repo.state_dir / LOG_NAME
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in lines[-count:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries
