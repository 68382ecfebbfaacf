"""What to read after a context reset, in the order the recovery policy gives.

For a conversation that has left something behind (Claude Code's `session_id`,
which exports and checkpoints record as `transcript:`): its last export (the
last part of its chain), its latest checkpoint, that export's reading list
(prerequisites, earlier parts), then the latest reflection and the active
roadmap. For one that has not: the latest reflection, the active roadmap, the
latest checkpoint of any conversation, then the reading list of the newest
session in progress (`git sess context`). Another conversation's work is never
put before this one's, and never listed when this one has work of its own."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from gitsess.core.catalog import Catalog
from gitsess.core.errors import GitSessError
from gitsess.core.frontmatter import frontmatter_value
from gitsess.core.index import INDEX_NAME
from gitsess.core.links import chain_ends
from gitsess.core.model import Session
from gitsess.core.workspace import Workspace

_CHECKPOINT_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2}_\d{6})_.*\.md$")


@dataclass(frozen=True)
class Artifact:
    # reflection, roadmap, checkpoint, prerequisite, chain, target; of this
    # conversation: last-part, own-checkpoint
    role: str
    path: str  # relative to the top of the work tree

    @property
    def label(self) -> str:
        return {
            "reflection": "latest reflection",
            "roadmap": "active roadmap",
            "checkpoint": "latest checkpoint",
            "prerequisite": "prerequisite",
            "chain": "earlier in the chain",
            "target": "the session in progress",
            "last-part": "this conversation's last export",
            "own-checkpoint": "this conversation's latest checkpoint",
        }[self.role]


@dataclass(frozen=True)
class Moment:
    path: str  # relative to the top of the work tree
    time: dt.datetime  # aware, local time zone
    # A shallow clone's history is cut before `time`: it is only known that the
    # file was written then or earlier.
    cut: bool = False


@dataclass(frozen=True)
class Conversation:
    """The conversation recovering: Claude Code's `session_id`, and the day it
    began (its exports are named by date: older ones are not read)."""

    session_id: str
    since: dt.date | None = None


def recovery_order(
    workspace: Workspace, conversation: Conversation | None = None
) -> list[Artifact]:
    general = _general_order(workspace)
    own = _own_order(workspace, conversation) if conversation else []
    if not own:
        checkpoint = latest_checkpoint(workspace)
        if checkpoint is not None:
            place = sum(a.role in ("reflection", "roadmap") for a in general)
            general.insert(place, Artifact("checkpoint", checkpoint.path))
        return general
    # The reflection and the roadmap are the project's, not another conversation's work.
    seen = {a.path for a in own}
    return own + [a for a in general if a.role in ("reflection", "roadmap") and a.path not in seen]


def _own_order(workspace: Workspace, conversation: Conversation) -> list[Artifact]:
    """This conversation's last export and latest checkpoint, then the export's
    reading list; empty when it has neither."""
    from gitsess.core.cache import cached_output

    export = last_part(workspace, conversation.session_id, conversation.since)
    checkpoint = latest_checkpoint(workspace, conversation.session_id)
    found = [Artifact("last-part", export.path)] if export else []
    found += [Artifact("own-checkpoint", checkpoint.path)] if checkpoint else []
    if export is None:
        return found
    catalog = workspace.catalog()
    # Keyed by the export itself (one conversation's alone), until an export changes.
    readings = cached_output(
        workspace.repo.state_dir,
        catalog,
        "recovery-part",
        f"{workspace.config.sessions_dir}\0{export.path}",
        lambda: [[a.role, a.path] for a in _reading_of(workspace, catalog, export.path)],
    )
    seen = {a.path for a in found}
    return found + [Artifact(role, path) for role, path in readings if path not in seen]


def _reading_of(workspace: Workspace, catalog: Catalog, path: str) -> list[Artifact]:
    """The prerequisites and earlier parts of the export at `path`."""
    from gitsess.core.reading import reading_list

    ref = Path(path).name
    try:
        readings = reading_list(workspace, ref, None, catalog).readings
    except GitSessError:  # not in the catalog (unreadable frontmatter): itself is enough
        return []
    return [Artifact(r.role, r.session.path) for r in readings if r.role != "target"]


def _general_order(workspace: Workspace) -> list[Artifact]:
    from gitsess.core.cache import cached_output

    catalog = workspace.catalog()
    # Remembered until an export changes: the SessionStart hook runs this at the
    # start of every assistant session, and 10,000 sessions take 0.4 s to load.
    found = [
        Artifact(role, path)
        for role, path in cached_output(
            workspace.repo.state_dir,
            catalog,
            "recovery",
            # `.current-session` decides the work in progress: a new pointer, a new list.
            f"{workspace.config.sessions_dir}\0{workspace.current_pointer() or ''}",
            lambda: [[a.role, a.path] for a in _from_sessions(workspace, catalog)],
        )
    ]
    return found


def _from_sessions(workspace: Workspace, catalog: Catalog) -> list[Artifact]:
    """The latest reflection, the active roadmap, then the reading list."""
    from gitsess.core.reading import reading_list

    found: list[Artifact] = []
    reflections = [s for s in catalog.sessions if s.type == "reflection"]
    roadmaps = [s for s in catalog.sessions if s.type == "roadmap" and s.status == "in-progress"]
    reflection = catalog.newest_of(reflections) if reflections else None
    roadmap = catalog.newest_of(roadmaps) if roadmaps else None
    for role, session in (("reflection", reflection), ("roadmap", roadmap)):
        if session is not None:
            found.append(Artifact(role, session.path))
    try:
        readings = reading_list(workspace, None, None, catalog).readings
    except GitSessError:  # no session in progress: the artifacts above are all there is
        readings = []
    seen = {artifact.path for artifact in found}
    found += [Artifact(r.role, r.session.path) for r in readings if r.session.path not in seen]
    return found


def latest_checkpoint(workspace: Workspace, conversation: str | None = None) -> Moment | None:
    """The newest checkpoint (of the conversation `conversation`, by its
    `transcript:`), by the `time:` in its frontmatter, which has the offset its
    name lacks (a name says the writer's local time)."""
    named = [(entry, _name_time(entry)) for entry in _entries(workspace.checkpoints_path)]
    named.sort(key=lambda found: found[1], reverse=True)
    if conversation is not None:  # newest first, so few are read
        named = _of_conversation(named, conversation)
    if not named:
        return None
    newest_name = named[0][1]
    newest: Moment | None = None
    for entry, moment in named:
        # Local times of one instant are at most 26 hours apart (UTC-12 to UTC+14).
        if newest_name - moment > MAX_OFFSET_SPAN:
            break
        time = _frontmatter_time(entry) or moment.astimezone()
        # Of one second's, `…_ccp_2.md` was written after `…_ccp.md`.
        if newest is None or (time, entry.name) > (newest.time, Path(newest.path).name):
            newest = Moment(workspace.relative(Path(entry.path)), time)
    return newest


def _of_conversation(
    named: list[tuple[os.DirEntry[str], dt.datetime]], conversation: str
) -> list[tuple[os.DirEntry[str], dt.datetime]]:
    """Of `named` (newest first), the conversation's own, read only as far back
    as the newest of them can be outdone by another's time zone."""
    found: list[tuple[os.DirEntry[str], dt.datetime]] = []
    for entry, moment in named:
        if found and found[0][1] - moment > MAX_OFFSET_SPAN:
            break
        if frontmatter_value(entry.path, "transcript") == conversation:
            found.append((entry, moment))
    return found


def latest_export(workspace: Workspace) -> Moment | None:
    """The export written last: one changed in the work tree (by its modification
    time), else the one a commit wrote last (a checkout rewrites modification
    times), by the commit's author date."""
    from gitsess.core.names import is_export_name
    from gitsess.core.repo import changed_paths

    repo = workspace.repo
    newest: Moment | None = None
    for changed in changed_paths(repo, workspace.config.sessions_dir):
        path = repo.root / changed
        if is_export_name(path.name) and path.parent == workspace.sessions_path:
            moment = _mtime(path)  # None for a deleted one
            if moment is not None and (newest is None or moment > newest.time):
                newest = Moment(workspace.relative(path), moment)
    committed = last_committed_export(workspace)
    if committed is not None and (newest is None or committed.time > newest.time):
        return committed
    return newest


# Commits read at most, newest first, for the one that wrote an export last.
EXPORT_COMMITS = 64


def last_committed_export(workspace: Workspace) -> Moment | None:
    """The export the commits of HEAD's history wrote last, at the author date
    of the commit that wrote it.

    The author date is when the export was written: a rebase, a cherry-pick
    or a `git pull --rebase` keeps it, where the committer date says when the
    commit was made again. A merge writes an export only where it differs from
    every parent (a conflict resolved by hand, `--cc`); one it merely brings in
    was written by the branch's commit, which is read instead. In a shallow
    clone the oldest commit stands for the history cut off before it: its
    files are what it has, not what it changed, so an export found only there
    is marked `cut`, at that commit's time (it is at least that old).
    """
    from gitsess.core.names import is_export_name

    directory = workspace.config.sessions_dir
    exports = f":(glob){directory}/session_*.md"
    index = f":(exclude){directory}/{INDEX_NAME}"
    log = ["log", f"-{EXPORT_COMMITS}", "--diff-merges=dense-combined", "--name-only", "-z"]
    # (No commit yet: git log fails, and there is no last commit to tell.)
    out = workspace.repo.git(*log, "--format=%x01%H %at %ct %P", "--", exports, index, check=False)
    newest: Moment | None = None
    shallow: set[str] | None = None
    for record in out.split("\x01")[1:]:
        header, _, listed = record.partition("\0")
        commit, author, committer, *parents = header.split(" ")
        if newest is not None and int(committer) < newest.time.timestamp():
            break  # this and older commits were made before the newest export was written
        names = [name for name in listed.lstrip("\n").split("\0") if name]
        names = [name for name in names if is_export_name(Path(name).name)]
        if not names:
            continue  # a merge that brought exports in, and wrote none itself
        cut = False
        if not any(parents):  # a root commit, or the boundary of a shallow clone
            shallow = _shallow_commits(workspace) if shallow is None else shallow
            cut = commit in shallow
        seconds = int(committer if cut else author)
        moment = dt.datetime.fromtimestamp(seconds).astimezone()
        if newest is None or moment > newest.time:
            newest = Moment(max(names), moment, cut=cut)  # of one commit's, the last part
    return newest


def _shallow_commits(workspace: Workspace) -> set[str]:
    """The commits a shallow clone's history is cut at (none in a full clone)."""
    where = workspace.repo.git("rev-parse", "--git-path", "shallow").strip()
    try:
        text = (workspace.repo.root / where).read_text(encoding="ascii")
    except (OSError, ValueError):
        return set()
    return set(text.split())


def last_part(
    workspace: Workspace, transcript: str | None, since: dt.date | None
) -> Session | None:
    """The last export of the conversation `transcript` (the one no other part
    continues), without loading the catalog: an export is named by its date, so
    only those dated from the day before `since` (its start) on are read."""
    from gitsess.core.model import parse_export
    from gitsess.core.names import is_export_name

    if not transcript:
        return None
    earliest = (since - dt.timedelta(days=1)).strftime("%Y%m%d") if since else ""
    parts = []
    for entry in _entries(workspace.sessions_path):
        dated = re.search(r"\d{8}", entry.name)
        if not is_export_name(entry.name) or (dated and dated.group() < earliest):
            continue
        with contextlib.suppress(OSError):
            head = Path(entry.path).read_bytes()
            if transcript.encode() in head:
                session = parse_export(workspace.relative(Path(entry.path)), head)
                if session.extra.get("transcript") == transcript:
                    parts.append(session)
    return max(chain_ends(parts), key=lambda s: (s.date or "", s.id), default=None)


MAX_OFFSET_SPAN = dt.timedelta(hours=26)


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    if directory.is_symlink():  # as checkpoint_catalog: never read through a link
        return []
    try:
        with os.scandir(directory) as entries:
            return [e for e in entries if e.name.endswith(".md") and e.is_file()]
    except OSError:
        return []


def _name_time(entry: os.DirEntry[str]) -> dt.datetime:
    """The time a checkpoint's name says, as if it were UTC (only to compare
    names); a name without one counts by its modification time."""
    match = _CHECKPOINT_NAME.match(entry.name)
    if match:
        with contextlib.suppress(ValueError):
            moment = dt.datetime.strptime(match.group(1), "%Y-%m-%d_%H%M%S")
            return moment.replace(tzinfo=dt.timezone.utc)
    moment = _mtime(Path(entry.path)) or dt.datetime.fromtimestamp(0).astimezone()
    return moment.replace(tzinfo=dt.timezone.utc)


def _frontmatter_time(entry: os.DirEntry[str]) -> dt.datetime | None:
    raw = frontmatter_value(entry.path, "time")
    try:
        moment = dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return moment.astimezone() if moment and moment.tzinfo else None


def _mtime(path: Path) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    except OSError:
        return None
