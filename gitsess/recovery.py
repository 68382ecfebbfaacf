"""What to read after a context reset, in the order the recovery policy gives:
the latest reflection, the active roadmap, the latest checkpoint, then the
reading list of the newest session in progress (`git sess context`)."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from gitsess.catalog import Catalog
from gitsess.errors import GitSessError
from gitsess.workspace import Workspace

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
    from gitsess.catalog import cached_output

    catalog = workspace.catalog()
    # Remembered until an export changes: the SessionStart hook runs this at the
    # start of every assistant session, and 10,000 sessions take 0.4 s to load.
    found = [
        Artifact(role, path)
        for role, path in cached_output(
            workspace.repo.state_dir,
            catalog,
            "recovery",
            workspace.config.sessions_dir,
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
    from gitsess.reading import reading_list

    found: list[Artifact] = []
    reflection = next((s for s in catalog.sessions if s.type == "reflection"), None)
    roadmap = next(
        (s for s in catalog.sessions if s.type == "roadmap" and s.status == "in-progress"), None
    )
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
    """The newest checkpoint by the time in its name (mtime for other names)."""
    newest: Moment | None = None
    for entry in _entries(workspace.checkpoints_path):
        moment = _checkpoint_time(entry)
        if moment is not None and (newest is None or moment > newest.time):
            newest = Moment(workspace.relative(Path(entry.path)), moment)
    return newest


def latest_export(workspace: Workspace) -> Moment | None:
    """The export written last (by modification time)."""
    from gitsess.staged import is_export_name

    newest: Moment | None = None
    for entry in _entries(workspace.sessions_path):
        if not is_export_name(entry.name):
            continue
        moment = _mtime(entry)
        if moment is not None and (newest is None or moment > newest.time):
            newest = Moment(workspace.relative(Path(entry.path)), moment)
    return newest


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as entries:
            return [e for e in entries if e.name.endswith(".md") and e.is_file()]
    except OSError:
        return []


def _checkpoint_time(entry: os.DirEntry[str]) -> dt.datetime | None:
    match = _CHECKPOINT_NAME.match(entry.name)
    if match:
        try:
            return dt.datetime.strptime(match.group(1), "%Y-%m-%d_%H%M%S").astimezone()
        except ValueError:
            pass
    return _mtime(entry)


def _mtime(entry: os.DirEntry[str]) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(entry.stat().st_mtime).astimezone()
    except OSError:
        return None
