"""Links a note's own text asks for: suggested by `import`, added only when asked.

Hand-kept notes name each other in prose ("Continued from 2026-06-05-a.md",
"see `docs/sessions/x.md`", "picked up from the session of June 5"). Each mention
that names another note becomes a suggested `--continues` (when the text says it
continues it) or `--requires`. A suggestion is dropped when it would make no
sense as a link: to the note itself, to one already linked, to a note dated
later, or closing a cycle; a note continues at most one other (its first).
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gitsess.core.mentions import Mention, mentions


@dataclass(frozen=True)
class Suggestion:
    source: str  # the id of the note that names the other
    kind: str  # "continues" or "requires"
    target: str  # the id it names
    mention: str  # as the text wrote it

    def command(self) -> str:
        return f"git sess link {shlex.quote(self.source)} --{self.kind} {shlex.quote(self.target)}"


@dataclass
class NoteText:
    """A note as `suggest_links` needs it; paths from the top of the work tree."""

    id: str
    path: str  # where it is (or will be)
    date: str | None
    text: str
    linked: set[str] = field(default_factory=set)  # the ids it already links
    continues: str | None = None  # the one it already continues
    former_path: str | None = None  # where it was before an import moved it


def suggest_links(notes: Sequence[NoteText], sessions_dir: str) -> list[Suggestion]:
    lookup = _Lookup(notes, sessions_dir)
    edges = {note.id: set(note.linked) for note in notes}
    found: list[Suggestion] = []
    for note in notes:
        continues = note.continues
        for mention in mentions(note.text):
            target = lookup.find(mention, note)
            if target is None or target == note.id or target in edges[note.id]:
                continue
            if not _dated_before(lookup.dates.get(target), note.date):
                continue  # a note cannot stand on one written after it
            if _reaches(edges, target, note.id):
                continue  # the link would close a cycle
            kind = "continues" if mention.kind == "continues" and continues is None else "requires"
            continues = target if kind == "continues" else continues
            edges[note.id].add(target)
            found.append(Suggestion(note.id, kind, target, mention.text))
    return found


def _dated_before(target: str | None, source: str | None) -> bool:
    return target is None or source is None or target <= source


def _reaches(edges: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        for following in edges.get(stack.pop(), ()):
            if following == goal:
                return True
            if following not in seen:
                seen.add(following)
                stack.append(following)
    return False


class _Lookup:
    """The ways a mention can name a note: path, id, file name, or its day."""

    def __init__(self, notes: Iterable[NoteText], sessions_dir: str) -> None:
        self.prefix = sessions_dir.rstrip("/") + "/"
        self.by_path: dict[str, str] = {}
        self.by_name: dict[str, list[str]] = {}
        self.by_date: dict[str, list[str]] = {}
        self.by_folder: dict[str, list[str]] = {}  # a folder per session, named alone
        self.dates: dict[str, str | None] = {}
        for note in notes:
            self.dates[note.id] = note.date
            for path in filter(None, (note.path, note.former_path)):
                self.by_path[path.lower()] = note.id
                name = posixpath.basename(path).lower()
                self.by_name.setdefault(name, []).append(note.id)
                folder = posixpath.basename(posixpath.dirname(path)).lower()
                self.by_folder.setdefault(folder, []).append(note.id)
            self.by_path.setdefault(note.id.lower(), note.id)
            if note.date:
                self.by_date.setdefault(note.date, []).append(note.id)

    def find(self, mention: Mention, note: NoteText) -> str | None:
        if mention.form == "date":
            return _only(i for i in self.by_date.get(mention.text, []) if i != note.id)
        text = mention.text.lower().removeprefix("./")
        here = posixpath.dirname(note.former_path or note.path).lower()
        for path in (posixpath.normpath(posixpath.join(here, text)), text):
            if path in self.by_path:
                return self.by_path[path]
        if text.startswith(self.prefix.lower()) and text[len(self.prefix) :] in self.by_path:
            return self.by_path[text[len(self.prefix) :]]
        name = posixpath.basename(text)
        return _only(set(self.by_name.get(name, []))) or _only(
            set(self.by_folder.get(name.removesuffix(".md"), []))
        )


def _only(ids: Iterable[str]) -> str | None:
    found = list(dict.fromkeys(ids))
    return found[0] if len(found) == 1 else None
