"""Which commits touched which export, for `show`: one walk of the sessions
directory's history, kept in the state directory (`sessions-log.json`) and
brought up to HEAD by walking only what changed since.

Asking git for the commits of one export (`git log -- .sessions/x.md`) reads
the sessions directory's tree of every commit that changed it: on a history
where every commit carries an export, with 10,000 of them, that is seconds for
each `show`. The log is that walk done once, for every export at a time; later
runs ask git only for the commits HEAD has that the log's tip has not
(`tip..HEAD`), and drop those the tip had that HEAD no longer has (a rebase,
a reset), so the log always describes HEAD's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitsess.core.cache import read_cache_file, write_cache_file
from gitsess.core.history import QUIET, RECORD, Change, Commit
from gitsess.core.names import date_from_name, is_export_name
from gitsess.core.repo import Repo, git_process

LOG = "sessions-log.json"
_HEADER = f"{RECORD}%H%x00%ct%x00%cs%x00%s%x00"
NEARLY_ALIKE = 90  # git's similarity score (%) above which any pair is a rename

# A commit as kept: [sha, committer time, committer date, subject, [[status, path, old]…]]
Entry = list[Any]


@dataclass(frozen=True)
class ExportCommits:
    shown: list[Commit]  # the newest `limit`, newest first
    total: int
    before_cut: bool = False  # a shallow clone: the export is in the commits it starts from


def export_commits(
    repo: Repo, sessions_dir: str, path: str, limit: int, cut: frozenset[str] = frozenset()
) -> ExportCommits:
    """The commits that touched the export at `path` (relative to the top),
    through the renames that made it (`git sess mv`), newest first; not those
    in `cut` (a shallow clone's first commits, which seem to add every file)."""
    followed = _follow(sessions_log(repo, sessions_dir), path)
    found = [_commit(entry) for entry in followed if entry[0] not in cut]
    found.sort(key=lambda commit: -commit.time)  # stable: git's own order within a second
    before_cut = any(entry[0] in cut for entry in followed)
    return ExportCommits(found[:limit], len(found), before_cut)


def _follow(entries: list[Entry], path: str) -> list[Entry]:
    """The entries (newest first) that touched `path` or, before a rename made
    it, the name it had."""
    names = {path}
    touched = []
    for entry in entries:
        changes = entry[4]
        if any(change[1] in names for change in changes):
            touched.append(entry)
            names.update(change[2] for change in changes if change[0] == "R" and change[1] in names)
    return touched


def renamed_to(entries: list[Entry]) -> dict[str, str]:
    """Each path an export had before a rename (`git sess mv`) -> the path its
    last rename gave it, through every rename in between."""
    forward: dict[str, str] = {}
    for entry in reversed(entries):  # oldest first: a later rename wins
        for status, new, old in entry[4]:
            if status == "R" and old:
                forward[old] = new
    resolved = {}
    for old in forward:
        seen, path = {old}, forward[old]
        while path in forward and forward[path] not in seen:  # a → b → a ends
            seen.add(path)
            path = forward[path]
        resolved[old] = path
    return resolved


def _commit(entry: Entry) -> Commit:
    changes = [Change(status, new, old or None) for status, new, old in entry[4]]
    return Commit(sha=entry[0], time=entry[1], date=entry[2], subject=entry[3], changes=changes)


def sessions_log(repo: Repo, sessions_dir: str) -> list[Entry]:
    """Every commit of HEAD's history that added, changed, renamed or deleted an
    export, newest first (git's order), with those changes."""
    head = repo.git("rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).strip()
    if not head:
        return []  # no commit yet
    path = repo.state_dir / LOG
    stored = read_cache_file(path, sessions_dir)
    tip, entries = stored.get("tip"), _entries(stored.get("commits"))
    if tip == head and entries is not None:
        return entries
    updated = _brought_up(repo, sessions_dir, tip, entries, head) if entries is not None else None
    if updated is None:
        updated = _walk(repo, sessions_dir, [head])
    if updated is not None:
        write_cache_file(path, sessions_dir, {"tip": head, "commits": updated})
    return updated or []


def _brought_up(
    repo: Repo, sessions_dir: str, tip: Any, entries: list[Entry], head: str
) -> list[Entry] | None:
    """The stored log moved from `tip` to `head`; None when the tip is gone."""
    if not isinstance(tip, str) or not tip:
        return None
    dropped = git_process(repo.root, ["rev-list", f"{head}..{tip}", "--"], check=False)
    if dropped.returncode != 0:
        return None  # the tip is gone (pruned since): walk it all again
    added = _walk(repo, sessions_dir, [f"{tip}..{head}"])
    if added is None:
        return None
    left = set(dropped.stdout.decode("ascii", "replace").split())
    return added + [entry for entry in entries if entry[0] not in left]


def _walk(repo: Repo, sessions_dir: str, revisions: list[str]) -> list[Entry] | None:
    """`git log` of the sessions directory over `revisions`, renames detected;
    None when git fails."""
    args = [*QUIET, "log", "-M", "--name-status", "-z", f"--format={_HEADER}", *revisions]
    done = git_process(repo.root, [*args, "--", sessions_dir], check=False)
    if done.returncode != 0:
        return None
    out = done.stdout.decode("utf-8", "surrogateescape")
    prefix = sessions_dir.rstrip("/") + "/"
    entries = []
    for record in out.split(RECORD)[1:]:
        entry = _entry(record, prefix)
        if entry is not None and entry[4]:
            entries.append(entry)
    return entries


def _entry(record: str, prefix: str) -> Entry | None:
    parts = record.split("\0", 4)
    if len(parts) < 5:
        return None
    sha, time, date, subject, rest = parts
    tokens = rest.lstrip("\0\n").split("\0")
    changes: list[list[str]] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token[:1] in ("R", "C") and position + 2 < len(tokens):
            old, new = tokens[position + 1], tokens[position + 2]
            position += 3
            if token[0] == "R" and _is_rename(token, old, new):
                changes.append(["R", new, old])
                continue
            changes += [["D", old, ""]] if token[0] == "R" else []
            changes.append(["A", new, ""])
        elif token and position + 1 < len(tokens):
            changes.append([token[:1], tokens[position + 1], ""])
            position += 2
        else:
            break
    exports = [
        c for c in changes if c[1].startswith(prefix) and is_export_name(c[1][len(prefix) :])
    ]
    return [sha, int(time or 0), date, subject, exports]


def _is_rename(token: str, old: str, new: str) -> bool:
    """Git pairs a deleted file with a similar new one: exports written from one
    template are similar. `git sess mv` keeps the date in the name and changes
    little else; two exports of other days are one renamed only when nearly alike."""
    score = int(token[1:]) if token[1:].isdigit() else 0
    return score >= NEARLY_ALIKE or (date_from_name(old) or "") == (date_from_name(new) or "-")


def _entries(stored: Any) -> list[Entry] | None:
    """The stored log, or None when it is not one (damaged, or from elsewhere)."""
    if not isinstance(stored, list):
        return None
    for entry in stored:
        if not (isinstance(entry, list) and len(entry) == 5 and isinstance(entry[4], list)):
            return None
        if not all(isinstance(change, list) and len(change) == 3 for change in entry[4]):
            return None
    return stored
