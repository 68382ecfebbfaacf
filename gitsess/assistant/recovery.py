"""What to read after a context reset, in the order the recovery policy gives:
the latest reflection, the active roadmap, the latest checkpoint, then the
reading list of the newest session in progress (`git sess context`)."""

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
    role: str  # reflection, roadmap, checkpoint, prerequisite, chain, target
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
        }[self.role]


@dataclass(frozen=True)
class Moment:
    path: str  # relative to the top of the work tree
    time: dt.datetime  # aware, local time zone


def recovery_order(workspace: Workspace) -> list[Artifact]:
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
    checkpoint = latest_checkpoint(workspace)
    if checkpoint is not None:
        place = sum(a.role in ("reflection", "roadmap") for a in found)
        found.insert(place, Artifact("checkpoint", checkpoint.path))
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


def latest_checkpoint(workspace: Workspace) -> Moment | None:
    """The newest checkpoint, by the `time:` in its frontmatter, which has the
    offset its name lacks (a name says the writer's local time)."""
    named = [(entry, _name_time(entry)) for entry in _entries(workspace.checkpoints_path)]
    if not named:
        return None
    newest_name = max(moment for _, moment in named)
    newest: Moment | None = None
    for entry, moment in named:
        # Local times of one instant are at most 26 hours apart (UTC-12 to UTC+14).
        if newest_name - moment > MAX_OFFSET_SPAN:
            continue
        time = _frontmatter_time(entry) or moment.astimezone()
        # Of one second's, `…_ccp_2.md` was written after `…_ccp.md`.
        if newest is None or (time, entry.name) > (newest.time, Path(newest.path).name):
            newest = Moment(workspace.relative(Path(entry.path)), time)
    return newest


def latest_export(workspace: Workspace) -> Moment | None:
    """The export written last: one changed in the work tree (by its modification
    time), else the last commit of one (a checkout rewrites modification times)."""
    from gitsess.core.names import is_export_name
    from gitsess.core.repo import changed_paths

    repo, directory = workspace.repo, workspace.config.sessions_dir
    newest: Moment | None = None
    for changed in changed_paths(repo, directory):
        path = repo.root / changed
        if is_export_name(path.name) and path.parent == workspace.sessions_path:
            moment = _mtime(path)  # None for a deleted one
            if moment is not None and (newest is None or moment > newest.time):
                newest = Moment(workspace.relative(path), moment)
    exports = f":(glob){directory}/session_*.md"
    index = f":(exclude){directory}/{INDEX_NAME}"
    # (No commit yet: git log fails, and there is no last commit to tell.)
    log = ["log", "-1", "--format=%ct", "--name-only", "--", exports, index]
    last = repo.git(*log, check=False).split()
    names = [name for name in last[1:] if is_export_name(Path(name).name)]
    if names:
        moment = dt.datetime.fromtimestamp(int(last[0])).astimezone()
        if newest is None or moment > newest.time:
            newest = Moment(max(names), moment)  # of one commit's, the last part
    return newest


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
