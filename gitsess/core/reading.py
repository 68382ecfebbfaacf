"""What to read, and in what order: a session's links, its chain, the sessions
before and after it, the reading list for picking it up (`context`), and the
commits that carry it (`show`)."""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gitsess.core.catalog import Catalog
from gitsess.core.errors import GitSessError, SessionNotFound, printable
from gitsess.core.files import read_bytes
from gitsess.core.frontmatter import body_of
from gitsess.core.history import Commit, Shallow, shallow_history
from gitsess.core.links import LinkGraph, chain_ends, link_graph, resolve_link
from gitsess.core.model import Session
from gitsess.core.sessionlog import export_commits
from gitsess.core.workspace import Workspace

CHARS_PER_TOKEN = 4  # the estimate the README documents: ~4 characters a token
# Per type, the sections that carry a session's result: what `--budget` keeps
# longest of an earlier session (matched as words of a heading, any case).
KEPT_SECTIONS = {
    "feature": ("next steps", "technical decisions", "key insights"),
    "bug": ("root cause", "fix", "verification"),
    "research": ("findings", "recommendations"),
    "operation": ("results",),
    "roadmap": ("current phase",),
    "checkpoint": ("next actions", "technical state"),
    "reflection": ("lessons",),
}
DEFAULT_KEPT = KEPT_SECTIONS["feature"]  # a type of the repository's own, or none


def _graph(workspace: Workspace, catalog: Catalog) -> LinkGraph:
    return link_graph(catalog.sessions, workspace.config.sessions_dir)


# --- one session's links ------------------------------------------------------------


@dataclass(frozen=True)
class SessionLinks:
    session: Session
    continues: str | None
    requires: list[str]
    chain: list[str]  # first to last, the session among them
    backlinks: list[tuple[str, str]]  # (kind, id): who continues or requires it

    def as_dict(self) -> dict[str, Any]:
        return {
            "continues": self.continues,
            "requires": self.requires,
            "chain": self.chain,
            "backlinks": [{"kind": kind, "id": other} for kind, other in self.backlinks],
        }

    def lines(self) -> list[str]:
        rows = [f"continues     {self.continues or '(none)'}"]
        rows.append(f"requires      {', '.join(self.requires) or '(none)'}")
        rows.append(f"chain         {len(self.chain)} session(s), first to last:")
        rows += [f"  {'*' if member == self.session.id else ' '} {member}" for member in self.chain]
        by_kind = {"continues": "continued by", "requires": "required by"}
        for kind, label in by_kind.items():
            others = [other for found, other in self.backlinks if found == kind]
            rows.append(f"{label:<14}{', '.join(others) or '(none)'}")
        return rows


def session_links(workspace: Workspace, ref: str) -> SessionLinks:
    catalog = workspace.catalog()
    session = workspace.find(catalog, ref)
    graph = _graph(workspace, catalog)
    return SessionLinks(
        session=session,
        continues=graph.previous(session.id),
        requires=list(graph.requires.get(session.id, [])),
        chain=graph.chain(session.id),
        backlinks=graph.backlinks(session.id),
    )


@dataclass(frozen=True)
class ChainStep:
    """A step along a session's continuation chain, for `next` and `prev`: the
    sessions found that way, or none at an end of the chain, which is normal
    (not an error): `end` says which end it is."""

    session: Session
    found: list[Session]
    end: str  # "last" for next, "first" for prev

    @property
    def end_note(self) -> str | None:
        """What `next`/`prev` print on stderr when nothing follows that way."""
        if self.found:
            return None
        return f"{printable(self.session.id)} is the {self.end} of its chain"


def next_sessions(workspace: Workspace, ref: str) -> ChainStep:
    """The sessions that continue this one (several where the chain forks)."""
    catalog = workspace.catalog()
    session = workspace.find(catalog, ref)
    following = _graph(workspace, catalog).following(session.id)
    return ChainStep(session, [catalog.by_id[other] for other in following], "last")


def previous_session(workspace: Workspace, ref: str) -> ChainStep:
    """The session this one continues; none for the first of a chain. A
    continuation that names no session (deleted) is an error: the chain is cut,
    not ended."""
    catalog = workspace.catalog()
    session = workspace.find(catalog, ref)
    previous = _graph(workspace, catalog).previous(session.id)
    if previous is None and session.continuation_of:
        raise SessionNotFound(
            f"{session.id} continues {session.continuation_of}, which is no session",
            f"git sess check names the dangling link; git sess show {session.id} --links",
        )
    return ChainStep(session, [catalog.by_id[previous]] if previous else [], "first")


# --- the reading list ------------------------------------------------------------------

RECOVERY_TYPES = ("roadmap", "reflection", "checkpoint")


@dataclass
class Reading:
    session: Session
    role: str  # "prerequisite", "chain" or "target"
    form: str  # "full", "sections" or "summary"
    text: str

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.text)


@dataclass(frozen=True)
class ReadingList:
    readings: list[Reading]
    budget: int | None
    dropped: list[str]  # ids left out because even their summaries did not fit

    @property
    def tokens(self) -> int:
        return sum(reading.tokens for reading in self.readings)

    def markdown(self) -> str:
        parts = [
            f"<!-- git sess context: {r.session.path} ({r.role}, {r.form}, ~{r.tokens} tokens) -->"
            f"\n{r.text.rstrip()}\n"
            for r in self.readings
        ]
        return "\n".join(parts)

    def as_json(self) -> str:
        return json.dumps(
            {
                "budget": self.budget,
                "tokens": self.tokens,
                "dropped": self.dropped,
                "sessions": [
                    {
                        "id": r.session.id,
                        "path": r.session.path,
                        "role": r.role,
                        "form": r.form,
                        "tokens": r.tokens,
                    }
                    for r in self.readings
                ],
            },
            indent=2,
            ensure_ascii=False,
        )


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def reading_list(
    workspace: Workspace, ref: str | None, budget: int | None, catalog: Catalog | None = None
) -> ReadingList:
    """What to read to pick up a session (default: the newest in progress): what
    its chain stands on (the prerequisites of every part, transitively, in
    dependency order), its chain oldest first, then itself; cut to `budget`
    tokens by shortening the earlier ones, oldest first."""
    catalog = catalog or workspace.catalog()
    target = workspace.find(catalog, ref) if ref else _in_progress(workspace, catalog)
    graph = _graph(workspace, catalog)
    chain = graph.chain(target.id)
    before = chain[: chain.index(target.id)]
    roles: dict[str, str] = {}
    for other in graph.prerequisites(*before, target.id):
        roles.setdefault(other, "prerequisite")
    for other in before:
        roles.setdefault(other, "chain")
    roles[target.id] = "target"
    readings = [
        Reading(catalog.by_id[other], role, "full", _text(workspace, catalog.by_id[other]))
        for other, role in roles.items()
    ]
    dropped = _fit(readings, budget, _guidance(workspace)) if budget is not None else []
    return ReadingList(readings=readings, budget=budget, dropped=dropped)


def _in_progress(workspace: Workspace, catalog: Catalog) -> Session:
    """The session `.current-session` names, else the newest in progress."""
    pointer = workspace.current_pointer()
    if pointer is not None:
        named = resolve_link(pointer, catalog.by_id, workspace.config.sessions_dir)
        named = named or _by_file_name(catalog, pointer)
        if named is not None:
            return catalog.by_id[named]
    return _newest_in_progress(catalog)


def _by_file_name(catalog: Catalog, name: str) -> str | None:
    """A note in a folder of the sessions directory named by its file name alone."""
    wanted = name.rsplit("/", 1)[-1].lower()
    wanted = wanted if wanted.endswith(".md") else wanted + ".md"
    found = [i for i in catalog.by_id if i.rsplit("/", 1)[-1].lower() == wanted]
    return found[0] if len(found) == 1 else None


def _newest_in_progress(catalog: Catalog) -> Session:
    # A roadmap stays in progress for the whole project: it is read for its
    # own sake after a reset (in the recovery reading order), not picked up as
    # the work.
    candidates = [
        s for s in catalog.sessions if s.status == "in-progress" and s.type not in RECOVERY_TYPES
    ]  # newest first
    if not catalog.sessions:
        raise GitSessError(
            "no sessions yet: nothing to read", 'write the first: git sess new "What I am doing"'
        )
    if not candidates:
        raise GitSessError(
            "no session is in progress to pick up",
            "name one: git sess context SESSION (git sess list shows them), or start one:"
            ' git sess new "What I am doing"',
        )
    # The parts of one day's work continue one another: the last part is the work.
    newest = [s for s in candidates if s.date == candidates[0].date]
    return catalog.newest_of(chain_ends(newest) or newest)


def _guidance(workspace: Workspace) -> Guidance:
    """Each type's template lines, read once: what a section holds when nothing
    was written in it but what the template put there."""
    from gitsess.core.templates import load_template, session_template_name

    @functools.cache
    def lines(kind: str | None) -> frozenset[str]:
        try:
            text, _ = load_template(
                session_template_name(kind or "feature"),
                workspace.templates_path,
                workspace.repo.root,
            )
        except GitSessError:
            return frozenset()  # a type of the repository's own, with no template
        preamble, sections = _split(_COMMENT.sub("", text))
        found = (line.strip() for line in [*preamble, *(x for s in sections for x in s.lines[1:])])
        return frozenset(line for line in found if line)

    return lines


def _text(workspace: Workspace, session: Session) -> str:
    return read_bytes(workspace.repo.root / session.path).decode("utf-8-sig", "replace")


def _fit(readings: list[Reading], budget: int, guidance: Guidance) -> list[str]:
    """Shorten the readings until the list fits. First each loses what carries
    nothing, its template comments and empty sections (the earlier ones oldest
    first, then the target); then the earlier ones, oldest first, are cut to the
    sections that carry their result (KEPT_SECTIONS, by type), then to their
    summary line, then left out. The target is otherwise always read whole."""
    earlier = readings[:-1]
    steps = [(_trimmed, reading) for reading in readings]
    steps += [(shorten, reading) for shorten in (_sections, _summary) for reading in earlier]
    for shorten, reading in steps:
        if sum(r.tokens for r in readings) <= budget:
            return []
        form, text = shorten(reading.session, reading.text, guidance)
        if estimate_tokens(text) < reading.tokens:
            reading.form, reading.text = form, text
    dropped = []
    while earlier and sum(r.tokens for r in readings) > budget:
        gone = earlier.pop(0)
        readings.remove(gone)
        dropped.append(gone.session.id)
    return dropped


# --- an export's sections ----------------------------------------------------------------

Guidance = Callable[[str | None], frozenset[str]]  # a type's template lines (not headings)

_HEADING = re.compile(r"(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_MARKER_ONLY = re.compile(r"(?:[-*+]|\d+[.)])?")  # a list item with nothing in it
_FENCES = ("```", "~~~")


@dataclass
class _Section:
    level: int
    name: str  # lower case, words only
    lines: list[str]  # the heading, then its own lines (up to the next heading)
    empty: bool = False  # nothing of its own, nor in its subsections


def _split(body: str) -> tuple[list[str], list[_Section]]:
    """The lines before the first heading, and the sections (a `#` line inside a
    code fence is no heading)."""
    preamble: list[str] = []
    sections: list[_Section] = []
    fenced = False
    for line in body.splitlines():
        heading = None if fenced else _HEADING.match(line)
        if line.lstrip().startswith(_FENCES):
            fenced = not fenced
        if heading is not None:
            name = " ".join(re.sub(r"[^\w]+", " ", heading.group(2).lower()).split())
            sections.append(_Section(len(heading.group(1)), name, [line]))
        else:
            (sections[-1].lines if sections else preamble).append(line)
    return preamble, sections


def _mark_empty(sections: list[_Section], guidance: frozenset[str]) -> None:
    """A section is empty when its lines are blank, bare list markers or the
    template's own guidance, and so are all its subsections."""
    for number in range(len(sections) - 1, -1, -1):
        section = sections[number]
        own = all(
            _MARKER_ONLY.fullmatch(line.strip()) or line.strip() in guidance
            for line in section.lines[1:]
        )
        children = _subsections(sections, number)
        # The title (`# Session: …`) stays, whatever is under it.
        title = number == 0 and section.level == 1
        section.empty = own and all(child.empty for child in children) and not title


def _subsections(sections: list[_Section], number: int) -> list[_Section]:
    level = sections[number].level
    following = []
    for later in sections[number + 1 :]:
        if later.level <= level:
            break
        following.append(later)
    return following


def _parsed(session: Session, text: str, guidance: Guidance) -> tuple[list[str], list[_Section]]:
    preamble, sections = _split(_COMMENT.sub("", body_of(text)))
    _mark_empty(sections, guidance(session.type))
    return preamble, sections


def _joined(lines: list[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def _trimmed(session: Session, text: str, guidance: Guidance) -> tuple[str, str]:
    """All of it but the template's comments and the sections with nothing in them."""
    preamble, sections = _parsed(session, text, guidance)
    head = text[: len(text) - len(body_of(text))]  # the frontmatter, as it is
    lines = preamble + [line for s in sections if not s.empty for line in s.lines]
    return "trimmed", head + _joined(lines)


def _sections(session: Session, text: str, guidance: Guidance) -> tuple[str, str]:
    """The title line and the sections that carry the result, for its type."""
    _, sections = _parsed(session, text, guidance)
    wanted = KEPT_SECTIONS.get(session.type or "", DEFAULT_KEPT)
    kept = [f"# Session: {session.title}", ""]
    number = 0
    while number < len(sections):
        section = sections[number]
        title = number == 0 and section.level == 1  # written above already
        if title or section.empty or not any(re.search(rf"\b{w}\b", section.name) for w in wanted):
            number += 1  # its subsections may still be wanted
            continue
        chosen = [section, *_subsections(sections, number)]
        kept += [line for s in chosen if not s.empty for line in s.lines] + [""]
        number += len(chosen)
    return "sections", _joined(kept)


def _summary(session: Session, text: str, guidance: Guidance) -> tuple[str, str]:
    line = f"- {session.id}: {session.title}"
    if session.summary:
        line += f" — {session.summary}"
    return "summary", line + "\n"


# --- the commits that carry a session ------------------------------------------------------

NONE_YET = "commits:   none yet: the export is not committed"
SHOWN_COMMITS = 10  # `show` lists this many, then says how many more


@dataclass(frozen=True)
class SessionCommits:
    """The commits that touched a session's export (through renames), newest first."""

    session: Session
    shown: list[Commit]
    total: int
    shallow: Shallow | None
    before_cut: bool  # committed before where a shallow clone's history starts

    def lines(self) -> list[str]:
        earlier = "committed before this shallow clone's history starts"
        if not self.total:
            return [f"commits:   none here: {earlier}" if self.before_cut else NONE_YET]
        rows = [f"commits:   {self.total}, newest first"]
        for commit in self.shown:
            rows.append(printable(f"  {commit.short} {commit.subject}"))
        if self.before_cut:
            rows.append(f"  (and earlier ones: {earlier})")
        if self.total > len(self.shown):
            more = self.total - len(self.shown)
            rows.append(printable(f"  … {more} more: git log --follow -- {self.session.path}"))
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "commits": [
                {"commit": c.sha, "date": c.date, "subject": c.subject} for c in self.shown
            ],
            "commits_total": self.total,
            "shallow": None
            if self.shallow is None
            else {"before": self.shallow.before, "committed_before": self.before_cut},
        }


def session_commits(workspace: Workspace, session: Session, limit: int) -> SessionCommits:
    repo, sessions_dir = workspace.repo, workspace.config.sessions_dir
    shallow = shallow_history(repo)
    # A shallow clone's first commits seem to add every file they hold: none of
    # them says when this export was committed.
    cut = shallow.cut if shallow else frozenset()
    found = export_commits(repo, sessions_dir, session.path, limit, cut)
    return SessionCommits(session, found.shown, found.total, shallow, found.before_cut)
