"""YAML values kept as JSON can hold them: the unknown keys of an export's frontmatter.

Safe loading builds dates, binary, infinities and shared aliases, which a JSON
cache cannot hold or which could blow up when copied; each is refused with the
reason and a hint rather than stored half right.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any


class Unstorable(ValueError):
    """A YAML value that safe loading builds but a JSON cache cannot hold."""

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


PLAIN_VALUES_MAX = 10_000  # an alias-expanded value bigger than this is refused


PLAIN_DEPTH_MAX = 100  # deeper nesting is refused before Python's recursion limit


def plain_value(value: Any) -> Any:
    """`value` as JSON can hold it; raises Unstorable with the reason and a hint."""
    return _plain(value, frozenset(), [PLAIN_VALUES_MAX])


def _plain(value: Any, enclosing: frozenset[int], budget: list[int]) -> Any:
    """YAML values in a JSON-safe form (dates become ISO strings).

    Aliases are shared by safe loading but copied here, so a few hundred bytes
    of nested aliases could expand to gigabytes: `budget` caps the copy.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise Unstorable(
            f"expands to more than {PLAIN_VALUES_MAX:,} values (nested aliases?)",
            "write the value out, or drop it: exports hold notes, not data",
        )
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        raise Unstorable("holds binary data (!!binary)", "write it as text, or drop it")
    if isinstance(value, float) and not math.isfinite(value):
        raise Unstorable(f"is {value}, not a number", "quote it to keep it as text")
    if isinstance(value, (dict, list, tuple, set)):
        if len(enclosing) >= PLAIN_DEPTH_MAX:
            raise Unstorable(
                f"nests more than {PLAIN_DEPTH_MAX} levels deep", "flatten the value, or drop it"
            )
        if id(value) in enclosing:
            raise Unstorable(
                "holds a YAML alias that refers to itself",
                "replace the alias (*name) with the value it stands for",
            )
        inner = enclosing | {id(value)}
        if isinstance(value, dict):
            return {str(key): _plain(item, inner, budget) for key, item in value.items()}
        return [_plain(item, inner, budget) for item in value]
    return value
