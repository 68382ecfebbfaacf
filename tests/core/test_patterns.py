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


def test_compile_all_compiles_every_lazy_pattern_once() -> None:
    """What a resident hook server does before it forks (hooks/hookserver.py): each
    pattern then holds the compiled one's methods, and none compiles again."""
    from gitsess.core.patterns import compile_all

    source = r"(?P<key>\w+)=(\d+)"
    deferred = lazy(source)
    assert "search" not in vars(deferred)
    assert compile_all() >= 1
    held = vars(deferred)
    assert {"search", "match", "fullmatch", "finditer", "sub", "pattern"} <= held.keys()
    compiled = re.compile(source)
    assert held["pattern"] == source
    text = "a=1 bb=22"
    assert [m.groupdict() for m in deferred.finditer(text)] == [
        m.groupdict() for m in compiled.finditer(text)
    ]
    invalid = lazy("(unclosed")  # left to fail where it is used, as it would have
    compile_all()
    assert "match" not in vars(invalid)
    try:
        invalid.match("x")
    except re.error:
        pass
    else:
        raise AssertionError("an invalid expression compiled")
