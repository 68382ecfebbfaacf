"""Regular expressions compiled when first used, not when their module is imported.

A git hook starts a fresh interpreter on every commit, and compiling the
scanner's and the legacy reader's ~110 expressions at import cost a commit
more than the work it does: most of them are used only when their keyword is
in the text (secrets.py), or only for an export without frontmatter
(legacy.py). `lazy(...)` stands in for `re.compile(...)` at module level: the
first attribute asked of it compiles the expression, and every attribute is
then the compiled one's own.
"""

from __future__ import annotations

import re
from typing import Any, cast


class _Lazy:
    """A `re.Pattern` compiled on the first attribute asked of it."""

    def __init__(self, source: str, flags: int) -> None:
        self._source = source
        self._flags = flags
        _ALL.append(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_source", "_flags"):
            raise AttributeError(name)  # copy and pickle ask before __init__ has run
        # Called only for what the instance does not hold yet: the attribute is
        # kept, so later uses (`regex.match` in a loop) cost a plain lookup.
        value = getattr(re.compile(self._source, self._flags), name)
        setattr(self, name, value)
        return value

    def compile(self) -> None:
        """Compile now and take every public attribute of the compiled pattern."""
        compiled = re.compile(self._source, self._flags)
        for name in dir(compiled):
            if not name.startswith("_"):
                setattr(self, name, getattr(compiled, name))

    def __repr__(self) -> str:
        return f"lazy({self._source!r}, {self._flags!r})"


_ALL: list[_Lazy] = []  # every lazy pattern made so far (compile_all)


def compile_all() -> int:
    """Compile every lazy pattern made so far; how many compiled. An invalid one
    is left as it is, to fail where it is used, as it would have."""
    compiled = 0
    for pattern in _ALL:
        try:
            pattern.compile()
        except re.error:
            continue
        compiled += 1
    return compiled


def lazy(source: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """`re.compile(source, flags)`, done on first use."""
    return cast("re.Pattern[str]", _Lazy(source, int(flags)))
