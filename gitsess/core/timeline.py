"""`git sess timeline`: sessions by date, newest first, each continuation chain a line.

Drawn the way `git log --graph` draws history: a chain keeps one column
(a lane) from its newest session down to its oldest, with a line of the
lanes between its sessions (sessions stacked without one are not linked),
and where two sessions continue the same one, their lanes join at it. A session's mark in its lane
says its status. Lines fit 80 columns; plain ASCII replaces the box-drawing
characters when the output is not a UTF-8 terminal.
"""

from __future__ import annotations

import heapq
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from gitsess.core.errors import clip, columns, printable
from gitsess.core.graph import session_graph
from gitsess.core.listing import SessionFilter
from gitsess.core.model import Session
from gitsess.core.workspace import Workspace

WIDTH = 80


@dataclass(frozen=True)
class Glyphs:
    marks: dict[str, str]  # status -> the session's mark in its lane
    other_status: str
    lane: str  # a chain passing by
    join: str  # a lane ending where it joins the session's own
    across: str  # the line to a joining lane
    ellipsis: str


UNICODE = Glyphs(
    {"complete": "✓", "in-progress": "●", "blocked": "!", "abandoned": "✗"},
    "○",
    "│",
    "╯",
    "─",
    "…",
)
ASCII = Glyphs(
    {"complete": "+", "in-progress": "*", "blocked": "!", "abandoned": "x"},
    "o",
    "|",
    "'",
    "-",
    "...",
)


# A codeset naming UTF-8: `en_US.UTF-8`, `C.utf8`, `de_DE.UTF-8@euro`.
_UTF8_LOCALE = re.compile(r"\.utf-?8(?:@|$)", re.IGNORECASE)
# What Python sets LC_CTYPE to when it coerces the C locale (PEP 538).
_COERCED = frozenset({"C.UTF-8", "C.utf8", "UTF-8"})


def terminal_is_utf8(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the user's locale names UTF-8: the first of LC_ALL, LC_CTYPE and LANG
    that is set decides, as in the C library; C, POSIX or none at all is not UTF-8.

    Not Python's stdout encoding: under the C locale Python makes that UTF-8
    (PEP 538, PEP 540) while the terminal still shows only ASCII."""
    environ = _startup_environment() if environ is None else environ
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        if environ.get(name):
            return bool(_UTF8_LOCALE.search(environ[name]))
    return False


def _startup_environment() -> Mapping[str, str]:
    """The locale variables as the process was given them. Python coerces the C
    locale by setting LC_CTYPE=C.UTF-8 in its own environment (PEP 538), so
    os.environ says UTF-8 exactly when the user's locale is not. Linux keeps the
    environment the process started with in /proc/self/environ; elsewhere a
    coerced LC_CTYPE (with UTF-8 mode on, which a C locale turns on) is ignored."""
    try:
        data = Path("/proc/self/environ").read_bytes()
    except OSError:
        environ = dict(os.environ)
        if sys.flags.utf8_mode and environ.get("LC_CTYPE") in _COERCED:
            del environ["LC_CTYPE"]
        return environ
    pairs = (item.partition(b"=") for item in data.split(b"\0") if item)
    return {key.decode(errors="replace"): value.decode(errors="replace") for key, _, value in pairs}


def timeline(workspace: Workspace, wanted: SessionFilter, glyphs: Glyphs) -> str:
    graph = session_graph(workspace, wanted, None)
    previous = {edge.source: edge.target for edge in graph.edges if edge.kind == "continues"}
    lines = _draw(_newest_first(graph.nodes, previous), previous, glyphs)
    legend = "  ".join(
        f"{mark} {status.replace('-', ' ')}" for status, mark in glyphs.marks.items()
    )
    return "".join(line + "\n" for line in [*lines, "", legend]) if lines else ""


def _newest_first(nodes: Sequence[Session], previous: dict[str, str]) -> list[Session]:
    """Newest first, and every session after all those that continue it (a
    continuation dated earlier than what it continues still comes above it)."""
    by_id = {session.id: session for session in nodes}
    waiting = {session.id: 0 for session in nodes}
    for source in previous:
        waiting[source] += 1  # a session waits until what it continues is placed
    ready = [_key(by_id[node]) for node, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[Session] = []
    followers: dict[str, list[str]] = {}
    for source, target in previous.items():
        followers.setdefault(target, []).append(source)
    while ready:
        _, node = heapq.heappop(ready)
        ordered.append(by_id[node])
        for follower in followers.get(node, []):
            waiting[follower] -= 1
            if waiting[follower] == 0:
                heapq.heappush(ready, _key(by_id[follower]))
    placed = {session.id for session in ordered}  # a cycle (check reports it): by date
    ordered += sorted((s for s in nodes if s.id not in placed), key=_key)
    return ordered[::-1]


def _key(session: Session) -> tuple[str, str]:
    return session.date or "", session.id


def _draw(sessions: list[Session], previous: dict[str, str], glyphs: Glyphs) -> list[str]:
    lanes: list[str | None] = []  # per column: the session the lane waits for
    lines = []
    for session in sessions:
        joining = [column for column, waits in enumerate(lanes) if waits == session.id]
        column = joining[0] if joining else _free_column(lanes)
        mark = glyphs.marks.get(session.status, glyphs.other_status)
        cells = _cells(lanes, column, joining[1:], mark, glyphs)
        for done in joining[1:]:
            lanes[done] = None
        lanes[column] = previous.get(session.id)
        while lanes and lanes[-1] is None:
            lanes.pop()
        lines.append(
            _row(f"{cells} {printable(session.date or 'undated')} ", session.title, glyphs)
        )
        if lanes:  # a line of the lanes alone shows which sessions a chain joins
            lines.append(" ".join(glyphs.lane if waits else " " for waits in lanes).rstrip())
    return lines


def _free_column(lanes: list[str | None]) -> int:
    if None in lanes:
        return lanes.index(None)
    lanes.append(None)
    return len(lanes) - 1


def _cells(
    lanes: list[str | None], column: int, joining: list[int], mark: str, glyphs: Glyphs
) -> str:
    """The row's lanes, two characters each: a glyph and what follows it."""
    last_join = max(joining, default=column)
    cells = []
    for index, waits in enumerate(lanes):
        if index == column:
            glyph = mark
        elif index in joining:
            glyph = glyphs.join
        elif waits is not None:
            glyph = glyphs.lane
        else:
            glyph = glyphs.across if column < index < last_join else " "
        gap = glyphs.across if column <= index < last_join else " "
        cells.append(glyph + gap)
    return "".join(cells).rstrip()


def _row(lead: str, title: str, glyphs: Glyphs) -> str:
    """The lanes and date, then the title escaped (before it is measured: the
    output guard would lengthen it past the cut) and cut to fit WIDTH columns."""
    room = WIDTH - columns(lead)
    if room > columns(glyphs.ellipsis):
        return lead + clip(title, room, glyphs.ellipsis, strip=True)
    return clip(lead + title, WIDTH, glyphs.ellipsis, strip=True)  # lanes past the width
