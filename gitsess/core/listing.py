"""Reading sessions back: `list`, `show` and `index`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gitsess.core.cache import cached_output
from gitsess.core.checks import export_problems
from gitsess.core.errors import GitSessError, clip, columns, printable
from gitsess.core.files import read_bytes
from gitsess.core.frontmatter import body_of
from gitsess.core.model import Session, json_array
from gitsess.core.names import parse_date
from gitsess.core.workspace import IndexResult, Workspace, index_is_current, write_index

TITLE_COLUMN = 60


@dataclass(frozen=True)
class SessionFilter:
    tags: Sequence[str] = ()  # all of them
    statuses: Sequence[str] = ()  # any of them
    types: Sequence[str] = ()  # any of them
    since: str | None = None
    until: str | None = None

    def matches(self, session: Session) -> bool:
        return (
            all(tag in session.tags for tag in self.tags)
            and (not self.statuses or session.status in self.statuses)
            and (not self.types or session.type in self.types)
            and (self.since is None or (session.date or "") >= self.since)
            and (self.until is None or (session.date or "9999") <= self.until)
        )


@dataclass(frozen=True)
class Listing:
    text: str  # what `list` prints
    with_errors: int  # exports whose own file has errors (check tells which)
    warnings: list[str]


def list_sessions(workspace: Workspace, wanted: SessionFilter, as_json: bool) -> Listing:
    for option, value in (("--since", wanted.since), ("--until", wanted.until)):
        if value is not None and parse_date(value) is None:
            raise GitSessError(f"{option} {value!r} is not a date", "write it as YYYY-MM-DD")
    catalog = workspace.catalog()

    def produce() -> list[Any]:
        sessions = catalog.sessions
        matching = [s for s in sessions if wanted.matches(s)]
        text = _json_lines(matching) if as_json else _table(matching, total=len(sessions))
        return [text, sum(s.has_errors for s in sessions), len(matching)]

    variant = repr((as_json, wanted))
    text, with_errors, matched = cached_output(
        workspace.repo.state_dir, catalog, "list", variant, produce
    )
    warnings = _vocabulary_warnings(workspace, wanted) if not matched else []
    return Listing(text=text, with_errors=with_errors, warnings=warnings)


def _vocabulary_warnings(workspace: Workspace, wanted: SessionFilter) -> list[str]:
    """When nothing matched, a filter value outside the vocabulary is likely a typo."""
    config = workspace.config
    return [
        f"{key} {value!r} is not in the vocabulary ({', '.join(allowed)})"
        for key, values, allowed in (
            ("type", wanted.types, config.types),
            ("status", wanted.statuses, config.statuses),
        )
        for value in values
        if value not in allowed
    ]


def _json_lines(sessions: list[Session]) -> str:
    return json_array([s.public() for s in sessions])


def _table(sessions: list[Session], total: int) -> str:
    if not sessions:
        return "no sessions match" if total else 'no sessions yet: git sess new "Title"'
    # Each field escaped before it is measured: the output guard would lengthen a
    # hostile one after the padding was chosen, and push the row's columns over.
    rows = [
        (
            printable(s.date or "undated"),
            printable(s.id),
            printable(s.type),
            printable(s.status),
            clip(s.title, TITLE_COLUMN),
            printable(", ".join(s.tags)),
        )
        for s in sessions
    ]
    widths = [max(columns(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [
            cell + " " * (width - columns(cell))
            for cell, width in zip(row[:-1], widths, strict=True)
        ]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


@dataclass
class ShownSession:
    session: Session
    body: str
    problems: list[Any] = field(default_factory=list)

    def fields(self) -> list[tuple[str, str]]:
        s = self.session
        rows = [
            ("id", s.id),
            ("path", s.path),
            ("title", s.title),
            ("date", s.date or "(none)"),
            ("type", s.type),
            ("status", s.status),
            ("tags", ", ".join(s.tags) or "(none)"),
        ]
        if s.summary:
            rows.append(("summary", s.summary))
        if s.prerequisite_sessions:
            rows.append(("requires", ", ".join(s.prerequisite_sessions)))
        if s.continuation_of:
            rows.append(("continues", s.continuation_of))
        if s.tokens is not None:
            rows.append(("tokens", _tokens(s.tokens, s.token_limit)))
        for key, value in s.extra.items():
            rows.append((key, str(value)))
        if s.legacy:
            rows.append(("legacy", "no frontmatter; fields inferred (git sess import adds one)"))
        for problem in s.problems:
            rows.append((problem.level, f"{problem.location}: {problem.message}"))
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.session.public(),
            "extra": self.session.extra,
            "problems": [problem.to_dict() for problem in self.session.problems],
            "body": self.body,
        }


def show_session(workspace: Workspace, ref: str) -> ShownSession:
    session = workspace.find(workspace.catalog(), ref)
    data = read_bytes(workspace.repo.root / session.path)
    body = body_of(data.decode("utf-8-sig", "replace"))
    return ShownSession(session=session, body=body.lstrip("\n"))


def regenerate_index(workspace: Workspace, write: bool) -> IndexResult:
    if write:
        with workspace.write_lock():
            catalog = workspace.catalog()
            result = write_index(workspace, catalog)
        if not result.changed:
            return result
        broken = {p.path for p in export_problems(workspace, catalog) if p.level == "error"}
        return result._replace(with_errors=len(broken))
    relative = workspace.relative(workspace.index_path)
    if not index_is_current(workspace, workspace.catalog()):
        state = "out of date" if workspace.index_path.exists() else "missing"
        raise GitSessError(f"{relative} is {state}", "git sess index")
    return IndexResult(path=relative, changed=False)


def _tokens(used: int, limit: int | None) -> str:
    if not limit:
        return f"{used:,}"
    return f"{used:,} / {limit:,} ({round(used * 100 / limit)}%)"
