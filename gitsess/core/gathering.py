"""Finding the notes `git sess import` was given: files, folders and globs.

Folders are walked with their subfolders (never through a symbolic link, nor into
hidden, private or git sess's own folders: is_note_folder); what is not a note by
its name (is_export_name: a README, a hand-kept index, a template) is left where it
is and said so. A path that names nothing, lies outside the repository or is a
symbolic link is skipped with the reason; nothing here stops the import.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path

from gitsess.core.errors import GitSessError
from gitsess.core.model import Session
from gitsess.core.names import is_export_name, is_note_folder
from gitsess.core.workspace import CURRENT_SESSION, Workspace

_SKIPPED_FOLDERS = frozenset({".git", "node_modules"})
_POINTER = (
    "the claude-sessions commands' pointer to their active note, left to them"
    " (git sess reads it in the sessions directory: git config sess.dir to keep notes there)"
)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str
    hint: str


@dataclass(frozen=True)
class Source:
    path: Path
    root: Path | None  # the folder it was found under (its subfolders are kept)


@dataclass
class Found:
    sources: list[Source] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)  # folders walked (for their other files)


def nothing_here(workspace: Workspace) -> GitSessError:
    """No sessions directory: say where notes were seen, if anywhere."""
    root = workspace.repo.root
    places = [
        place
        for place in (".claude/sessions", "docs/sessions", "sessions", "notes", ".sessions")
        if (root / place).is_dir() and any((root / place).rglob("*.md"))
    ]
    places += sorted(p.name for p in root.glob("*SUMMARY*.md"))
    if places:
        return GitSessError(
            f"no sessions directory {workspace.config.sessions_dir}/; notes are in"
            f" {', '.join(places)}",
            f"bring them in: git sess import {places[0]} (or keep them where they are:"
            f" git config sess.dir {places[0]})",
        )
    return GitSessError(
        f"no sessions directory {workspace.config.sessions_dir}/ and no notes named",
        "name the notes: git sess import PATH..., or start: git sess init",
    )


# --- finding the notes -------------------------------------------------------------------


def find_notes(
    workspace: Workspace, paths: list[str], existing: list[Session], unnamed: list[str]
) -> Found:
    """Without `paths`: the notes of the sessions directory still to import, those
    without a (whole) frontmatter and those whose names are not UTF-8 (`unnamed`)."""
    found = Found()
    root = workspace.repo.root
    if not paths:
        found.sources = [Source(root / s.path, None) for s in existing if _incomplete(s)]
        found.sources += [Source(workspace.sessions_path / name, None) for name in unnamed]
        return found
    for raw in paths:
        matches = [raw]
        if not os.path.lexists(raw) and glob.has_magic(raw):
            matches = sorted(glob.glob(raw, recursive=True))
            if not matches:
                found.skipped.append(Skipped(raw, "no file matches", "check the pattern"))
        for match in matches:
            _add(workspace, found, Path(os.path.abspath(match)), raw)
    unique = {source.path: source for source in found.sources}  # the first naming wins
    found.sources = list(unique.values())
    return found


def _incomplete(session: Session) -> bool:
    """Hand-written: no frontmatter, or one that lacks a required key."""
    return session.legacy or any(
        problem.message.startswith("missing required field") for problem in session.problems
    )


def _add(workspace: Workspace, found: Found, path: Path, raw: str) -> None:
    root = workspace.repo.root
    if not os.path.lexists(path):
        found.skipped.append(Skipped(raw, "no such file or directory", "check the path"))
        return
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        found.skipped.append(
            Skipped(raw, f"is outside the repository {root}", "copy it in first, then import it")
        )
        return
    if path.is_symlink():  # a cloned repository could point it at a private file
        found.skipped.append(_symlink(workspace, path))
    elif path.is_dir():
        _walk(workspace, found, path)
    elif _is_note(workspace, path, path.name, found):
        found.sources.append(Source(path, None))


def _walk(workspace: Workspace, found: Found, top: Path) -> None:
    found.folders.append(top)
    for folder, subfolders, files in os.walk(top):  # never into a symlinked folder
        here = Path(folder)
        relative = here.relative_to(top).as_posix()
        subfolders[:] = sorted(
            name
            for name in subfolders
            if name not in _SKIPPED_FOLDERS
            and is_note_folder(name if relative == "." else f"{relative}/{name}")
            and not (here / name).is_symlink()
        )
        found.folders.extend(here / name for name in subfolders)
        for name in sorted(files):
            path = here / name
            if name == CURRENT_SESSION:
                found.left.append((workspace.relative(path), _POINTER))
            if not name.endswith(".md"):
                continue  # pictures, scripts, .current-session: not notes, nothing to say
            if path.is_symlink():
                found.skipped.append(_symlink(workspace, path))
            elif _is_note(workspace, path, path.relative_to(top).as_posix(), found):
                found.sources.append(Source(path, top))


def _is_note(workspace: Workspace, path: Path, name: str, found: Found) -> bool:
    if is_export_name(name):
        return True
    if name.endswith(".md"):
        found.left.append((workspace.relative(path), _why_not_a_note(path.name)))
    return False


def _why_not_a_note(name: str) -> str:
    lower = name.lower()
    if lower == "readme.md":
        return "a read-me, not a note"
    if name.startswith(("_", ".")):
        return "a private or hidden file (starts with _ or .)"
    if name in ("session_index.md", "CONTEXT_MANAGEMENT.md"):
        return "git sess's own file"
    return "names a folder's index, template or running list, not one session"


def _symlink(workspace: Workspace, path: Path) -> Skipped:
    return Skipped(
        workspace.relative(path),
        "is a symbolic link; import reads real files only",
        "replace it with a copy of the file it points to, or leave it out",
    )
