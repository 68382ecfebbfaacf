"""Reading a Claude Code settings file's JSON strictly: a key given twice in
one object is refused (json.loads keeps the last silently, so a rewrite would
lose the first)."""

from __future__ import annotations

import json
import re
from typing import Any


class DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def parse_json(text: str) -> Any:
    """json.loads, refusing a key given twice in one object: json.loads would
    keep the last silently, and rewriting the file would lose the first."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for key, value in pairs:
            if key in found:
                raise DuplicateKey(key)
            found[key] = value
        return found

    return json.loads(text, object_pairs_hook=unique)


def line_of_second(text: str, key: str) -> str:
    """`:LINE` of the second `"key":` in `text`, or "" when it cannot be told."""
    spots = [m.start() for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text)]
    return f":{text.count(chr(10), 0, spots[1]) + 1}" if len(spots) > 1 else ""
