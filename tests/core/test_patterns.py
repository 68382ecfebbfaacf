"""Regular expressions compiled on first use (core/patterns.py)."""

from __future__ import annotations

import copy
import re

from gitsess.core.patterns import lazy


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    source = r"(?P<word>[a-z]+)-(\d+)"
    compiled, deferred = re.compile(source, re.I), lazy(source, re.I)
    text = "Alpha-1 beta-22 gamma"
    assert deferred.search(text).span() == compiled.search(text).span()  # type: ignore[union-attr]
    assert [m.groups() for m in deferred.finditer(text)] == [
        m.groups() for m in compiled.finditer(text)
    ]
    assert deferred.fullmatch("x-9") is not None and deferred.fullmatch("x-") is None
    assert deferred.groupindex == compiled.groupindex
    assert deferred.flags == compiled.flags
    assert deferred.sub("#", text) == compiled.sub("#", text)


def test_nothing_is_compiled_until_it_is_used() -> None:
    deferred = lazy("(unclosed")  # a bad expression fails where it is used, not at import
    try:
        deferred.match("x")
    except re.error:
        pass
    else:
        raise AssertionError("an invalid expression compiled")
    assert "match" not in vars(deferred)


def test_a_lazy_pattern_survives_a_copy() -> None:
    deferred = lazy(r"\d+")
    copied = copy.copy(deferred)
    assert copied.findall("a1b22") == ["1", "22"]
    assert repr(deferred) == r"lazy('\\d+', 0)"
