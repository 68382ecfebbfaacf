"""`git sess graph`: the link graph as Mermaid, Graphviz dot or JSON.

Arrows run forward in time, from a session to the one that continues or
requires it: continuation edges are solid, prerequisite edges dashed. Nodes are
labelled with date and title and styled by status. The output is
deterministic (nodes oldest first, then by id) and linear in the graph's size.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from gitsess.core.errors import printable, safe_json
from gitsess.core.links import Edge, link_problems
from gitsess.core.listing import SessionFilter
from gitsess.core.model import Session
from gitsess.core.workspace import Workspace

STATUS_COLORS = {  # fill, stroke: readable on light and dark pages
    "complete": ("#d3f9d8", "#2b8a3e"),
    "in-progress": ("#fff3bf", "#e67700"),
    "blocked": ("#ffe3e3", "#c92a2a"),
    "abandoned": ("#e9ecef", "#868e96"),
}
OTHER_STATUS = ("#e7f5ff", "#1971c2")
MERMAID_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}


@dataclass(frozen=True)
class Graph:
    nodes: list[Session]  # oldest first, then by id
    edges: list[Edge]  # source continues or requires target

    def json(self) -> str:
        # A note's control characters as JSON's \u escapes, never raw: still JSON.
        return safe_json(
            json.dumps(
                {
                    "nodes": [
                        {
                            "id": s.id,
                            "date": s.date,
                            "title": s.title,
                            "type": s.type,
                            "status": s.status,
                            "tags": s.tags,
                        }
                        for s in self.nodes
                    ],
                    "edges": [
                        {"source": e.source, "target": e.target, "kind": e.kind} for e in self.edges
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )

    def mermaid(self) -> str:
        names = {session.id: f"s{number}" for number, session in enumerate(self.nodes)}
        lines = ["flowchart LR"]
        for session in self.nodes:
            label = f"{session.date or 'undated'}<br/>{_mermaid_text(session.title)}"
            lines.append(f'  {names[session.id]}["{label}"]:::{_status_class(session.status)}')
        for edge in self.edges:
            arrow = "-->" if edge.kind == "continues" else "-.->"
            lines.append(f"  {names[edge.target]} {arrow}|{edge.kind}| {names[edge.source]}")
        for status in sorted({session.status for session in self.nodes}):
            fill, stroke = STATUS_COLORS.get(status, OTHER_STATUS)
            lines.append(
                f"  classDef {_status_class(status)} fill:{fill},stroke:{stroke},color:#000"
            )
        return "\n".join(lines) + "\n"

    def dot(self) -> str:
        lines = [
            "digraph sessions {",
            "  rankdir=LR;",
            '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
        ]
        for session in self.nodes:
            fill, stroke = STATUS_COLORS.get(session.status, OTHER_STATUS)
            label = _dot_text(f"{session.date or 'undated'}\n{session.title}\n({session.status})")
            lines.append(
                f'  "{_dot_text(session.id)}" [label="{label}",'
                f' fillcolor="{fill}", color="{stroke}"];'
            )
        for edge in self.edges:
            style = "solid" if edge.kind == "continues" else "dashed"
            lines.append(
                f'  "{_dot_text(edge.target)}" -> "{_dot_text(edge.source)}"'
                f' [style={style}, label="{edge.kind}"];'
            )
        return "\n".join(lines) + "\n}\n"


def session_graph(workspace: Workspace, wanted: SessionFilter, root: str | None = None) -> Graph:
    """The sessions the filters keep (and, with `root`, only those linked to it
    through any chain of links), and the links among them."""
    catalog = workspace.catalog()
    sessions = catalog.sessions
    edges, _ = link_problems(sessions, workspace.config.sessions_dir)
    kept = {session.id for session in sessions if wanted.matches(session)}
    if root is not None:
        kept &= _connected(workspace.find(catalog, root).id, edges)
    nodes = sorted(
        (catalog.by_id[session_id] for session_id in kept), key=lambda s: (s.date or "", s.id)
    )
    shown = [edge for edge in edges if edge.source in kept and edge.target in kept]
    return Graph(nodes, sorted(shown, key=lambda e: (e.target, e.source, e.kind)))


def _connected(start: str, edges: Sequence[Edge]) -> set[str]:
    neighbours: dict[str, list[str]] = {}
    for edge in edges:
        neighbours.setdefault(edge.source, []).append(edge.target)
        neighbours.setdefault(edge.target, []).append(edge.source)
    seen = {start}
    pending = [start]
    while pending:
        for other in neighbours.get(pending.pop(), []):
            if other not in seen:
                seen.add(other)
                pending.append(other)
    return seen


def _status_class(status: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in status) or "none"


def _mermaid_text(text: str) -> str:
    """Mermaid labels in double quotes take its entity codes, not backslashes;
    control characters are shown escaped first (printable)."""
    return "".join(MERMAID_ESCAPES.get(character, character) for character in printable(text))


def _dot_text(text: str) -> str:
    """A dot string: a control character shown escaped (printable) before the
    backslashes are doubled, so dot draws `\\x1b` as it reads rather than
    taking it for an escape of its own; newlines stay dot's line breaks."""
    text = "\n".join(printable(line) for line in text.split("\n"))
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
