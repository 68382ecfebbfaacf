"""What a Claude Code hook reads (one JSON object on stdin) and prints: one line
of JSON with nothing raw in it.

The hooks do not go through the command line's output guard (they skip click),
so they escape here. Claude Code decodes the JSON and shows its strings to the
user (`systemMessage`) and the model (`additionalContext`) as they are: each line
of each string is escaped with printable() first, so a transcript's or a note's
terminal escapes arrive as text; then the JSON itself is made safe (safe_json).
"""

from __future__ import annotations

import json
from typing import Any

from gitsess.core.errors import GitSessError, printable, safe_json


def read_payload(stream: Any) -> dict[str, Any]:
    """The event Claude Code passes on stdin; a GitSessError saying what is wrong."""
    raw = stream.read() if not stream.isatty() else ""
    if not raw.strip():
        raise GitSessError("the hook got no event on stdin")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise GitSessError(f"the hook's stdin is not JSON: {raw[:60]!r}") from None
    except RecursionError:
        raise GitSessError("the hook's stdin is JSON nested too deep to read") from None
    if not isinstance(payload, dict):
        raise GitSessError("the hook's stdin is not a JSON object")
    return payload


def output_json(output: dict[str, Any]) -> str:
    """`output` as one line of JSON, every string's control characters made visible."""
    return safe_json(json.dumps(_escaped(output), ensure_ascii=False))


def _escaped(value: Any) -> Any:
    if isinstance(value, str):  # newlines stay: the context is lines of text
        return "\n".join(printable(line) for line in value.split("\n"))
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    return value
