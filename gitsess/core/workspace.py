"""A repository's sessions directory: where everything is, `init`, and the index file."""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from gitsess.core import index as index_module
from gitsess.core.cache import cached_output, read_cache_file, write_cache_file
from gitsess.core.catalog import (
    Catalog,
    Scan,
    file_signature,
    load_catalog,
    require_sessions_dir,
    trusted_signature,
)
from gitsess.core.config import Config, load_config
from gitsess.core.errors import GitSessError
from gitsess.core.files import (
    decode_utf8,
    exclusive_lock,
    read_bytes,
    require_inside,
    write_atomic,
)
from gitsess.core.model import Session
from gitsess.core.repo import Repo, discover

CONTEXT_FILE = "CONTEXT_MANAGEMENT.md"
JOURNAL_NAME = "journal.json"
CURRENT_SESSION = ".current-session"  # the claude-sessions commands' pointer to the active note
CHECKPOINTS_DIR = "checkpoints"
LEGACY_INDEX_BACKUP = "session_index.md.orig"
INDEX_PROOF = "index-current.json"


@dataclass(frozen=True)
class Workspace:
    repo: Repo
    config: Config

    @property
    def sessions_path(self) -> Path:
        return self.repo.root / self.config.sessions_dir

    @property
    def index_path(self) -> Path:
        return self.sessions_path / index_module.INDEX_NAME

    @property
    def checkpoints_path(self) -> Path:
        return self.sessions_path / CHECKPOINTS_DIR

    @property
    def templates_path(self) -> Path:
        return self.sessions_path / "templates"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.repo.root).as_posix()

    def catalog(self) -> Catalog:
        require_sessions_dir(self.sessions_path, self.config.sessions_dir)
        self.refuse_escape()
        return load_catalog(self.sessions_path, self.config.sessions_dir, self.repo.state_dir)

    def checkpoint_catalog(self) -> Catalog:
        """The checkpoints (DESIGN.md §3.2); empty until the first one is written."""
        path = self.checkpoints_path
        relative = f"{self.config.sessions_dir}/{CHECKPOINTS_DIR}"
        if not path.is_dir() or path.is_symlink():
            return Catalog(Scan(hashes={}, parsed={}), relative, self.repo.state_dir, path)
        return load_catalog(path, relative, self.repo.state_dir, cache_prefix="checkpoints-")

    def find(self, catalog: Catalog, ref: str) -> Session:
        """The session a user names (id, prefix, or path from here or from the top)."""
        return catalog.resolve(ref, self.sessions_path, self.repo.root)

    @property
    def journal_path(self) -> Path:
        """Where a multi-file operation is journaled while it runs (journal.py)."""
        return self.repo.state_dir / JOURNAL_NAME

    def current_pointer(self) -> str | None:
        """What `.current-session` in the sessions directory names (the file the
        claude-sessions commands keep), or None. Never read through a symbolic
        link: a cloned repository could point it anywhere."""
        path = self.sessions_path / CURRENT_SESSION
        try:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(4096)
        line = data.decode("utf-8", "replace").strip().split("\n", 1)[0].strip()
        return line or None

    def refuse_escape(self) -> None:
        """A cloned repository may hold `.sessions -> /somewhere`: never follow it out."""
        require_inside(self.sessions_path, self.repo.root, self.config.sessions_dir)

    def inside(self, path: Path) -> Path:
        """`path` resolved, refused if a symbolic link leads it out of the work tree."""
        return require_inside(path, self.repo.root)

    def write_lock(self) -> contextlib.AbstractContextManager[None]:
        """Held by every command that changes sessions or the index."""
        return exclusive_lock(self.repo.state_dir / "write.lock", self.config.lock_timeout or 10.0)

    def template(self, name: str, values: dict[str, str], *, body_only: bool = False) -> str:
        """Render a template; a session template (`body_only`) must not bring a
        frontmatter of its own, since git sess writes that."""
        from gitsess.core import (
            templates as templates,  # importlib.resources: only commands that write need it
        )

        text, source = templates.load_template(name, self.templates_path, self.repo.root)
        if body_only and text.startswith("---"):
            raise GitSessError(
                f"{source}:1: a session template holds the body only;"
                " git sess writes the frontmatter itself",
                f"remove the --- block at the top of {source}",
            )
        return templates.render(text, values, source)


def open_workspace(
    cwd: Path | None = None, problems: list[GitSessError] | None = None
) -> Workspace:
    """The repository at `cwd`; `problems`: see `load_config`."""
    repo = discover(cwd)
    return Workspace(repo=repo, config=load_config(repo.config(), problems))


class InitResult(NamedTuple):
    created: list[str]  # paths, relative to the work tree, that init wrote


def init_workspace(workspace: Workspace) -> InitResult:
    """Create the sessions directory, its index and CONTEXT_MANAGEMENT.md; idempotent."""
    with workspace.write_lock():
        return create_layout(workspace)


def create_layout(workspace: Workspace) -> InitResult:
    """What `init` creates, for a caller that already holds the write lock."""
    path = workspace.sessions_path
    if path.exists() and not path.is_dir():
        require_sessions_dir(path, workspace.config.sessions_dir)
    workspace.refuse_escape()
    created: list[str] = []
    if not path.exists():
        try:
            path.mkdir(parents=True)
        except OSError as exc:
            raise GitSessError(
                f"cannot create {workspace.config.sessions_dir}/: {exc.strerror or exc}",
                f"make {path.parent} writable and run git sess init again",
            ) from exc
        created.append(workspace.config.sessions_dir + "/")
    context = path / CONTEXT_FILE
    if not context.exists():
        text = workspace.template(CONTEXT_FILE, {"sessions_dir": workspace.config.sessions_dir})
        write_atomic(context, text)
        created.append(workspace.relative(context))
    if not workspace.index_path.exists():
        write_index(workspace, workspace.catalog())
        created.append(workspace.relative(workspace.index_path))
    return InitResult(created=created)


class IndexResult(NamedTuple):
    path: str
    changed: bool
    backup: str | None = None  # where a hand-written index was kept
    with_errors: int = 0  # exports with errors (as check reports) that the index lists anyway


def index_is_current(workspace: Workspace, catalog: Catalog) -> bool:
    """Whether the index file says what the exports say."""
    return _stale_index(workspace, catalog) is None


def write_index(
    workspace: Workspace, catalog: Catalog | None, rendered: str | None = None
) -> IndexResult:
    """Regenerate the index; a hand-written one is kept aside, never lost.

    `rendered`: the index for `catalog` when the caller already has it, or
    for the exports the commit hook just read from git (`catalog` None: the
    next command proves it current itself).
    """
    relative = workspace.relative(workspace.index_path)
    if rendered is None:
        assert catalog is not None
        stale = _stale_index(workspace, catalog)
    else:
        current = read_index_file(workspace)
        stale = None if current == rendered else (current, rendered)
    if stale is None:
        return IndexResult(path=relative, changed=False)
    current, rendered = stale
    backup = None
    if current is not None and current.strip() and not index_module.is_generated(current):
        backup_path = workspace.sessions_path / LEGACY_INDEX_BACKUP
        write_atomic(backup_path, current)
        backup = workspace.relative(backup_path)
    scan_ns = time.time_ns()
    write_atomic(workspace.index_path, rendered)
    if catalog is not None:
        _remember_current(workspace, catalog, scan_ns)
    return IndexResult(path=relative, changed=True, backup=backup)


def _stale_index(workspace: Workspace, catalog: Catalog) -> tuple[str | None, str] | None:
    """None when the index is current, else (the file as it is, as it should be).

    Comparing means rendering 10,000 entries and reading the file, so a match
    is remembered with the index file's signature: while neither the exports
    nor the file change, the answer is known without reading either.
    """
    proof = read_cache_file(workspace.repo.state_dir / INDEX_PROOF, workspace.config.sessions_dir)
    if proof.get("for") == _proof_key(workspace, catalog) and trusted_signature(
        workspace.index_path, proof.get("signature"), proof.get("written_ns", 0)
    ):
        return None
    scan_ns = time.time_ns()
    current, rendered = _index_texts(workspace, catalog)
    if current != rendered:
        return current, rendered
    _remember_current(workspace, catalog, scan_ns)
    return None


def _proof_key(workspace: Workspace, catalog: Catalog) -> str:
    return f"{catalog.fingerprint}:{workspace.config.project}"


def _remember_current(workspace: Workspace, catalog: Catalog, scan_ns: int) -> None:
    write_cache_file(
        workspace.repo.state_dir / INDEX_PROOF,
        workspace.config.sessions_dir,
        {
            "for": _proof_key(workspace, catalog),
            "signature": file_signature(workspace.index_path),
            "written_ns": scan_ns,
        },
    )


def _index_texts(workspace: Workspace, catalog: Catalog) -> tuple[str | None, str]:
    """The index file as it is (None when missing) and as it should be."""
    current = read_index_file(workspace)
    project = project_name(workspace, current)
    rendered = cached_output(
        workspace.repo.state_dir,
        catalog,
        "index",
        project,
        lambda: index_module.render_index(catalog.sessions, project, workspace.config.sessions_dir),
    )
    return current, rendered


def project_name(workspace: Workspace, index_text: str | None) -> str:
    """`sess.project`, else the heading an index already has, else the directory name."""
    return (
        workspace.config.project
        or (index_module.project_from_index(index_text) if index_text else None)
        or workspace.repo.root.name
    )


def check_index_readable(workspace: Workspace) -> None:
    """Raise now what regenerating the index would raise (a symlink, not UTF-8)."""
    read_index_file(workspace)


def read_index_file(workspace: Workspace) -> str | None:
    path = workspace.index_path
    if path.is_symlink():  # reading it would copy whatever it points at into the repo
        raise GitSessError(
            f"{workspace.relative(path)} is a symbolic link; git sess neither reads nor"
            " writes through it",
            f"remove it (rm {workspace.relative(path)}) and run git sess index",
        )
    if not path.is_file():
        return None
    return decode_utf8(read_bytes(path), workspace.relative(path))
