"""Credentials in the sessions directory, as `git sess check` reports them.

The scanner is the pre-commit hook's (`secrets.find_secrets`), so CI running
`git sess check` fails on exactly what the hook would refuse: a key pasted in
an export, a checkpoint or any other note in the directory, unless the line
carries the allow marker or `sess.allowSecrets` is set.

Scanning 10,000 exports (40 MB) on every `check` would double its time, so
what the scanner found is remembered by content hash, the hash the catalog's
scan already knows for each export and checkpoint: an unchanged file is never
read again. The few other files (CONTEXT_MANAGEMENT.md, templates, drafts) are
read each time.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitsess.core.cache import read_cache_file, write_cache_file
from gitsess.core.catalog import Catalog
from gitsess.core.errors import printable
from gitsess.core.index import INDEX_NAME
from gitsess.core.model import Problem
from gitsess.core.names import is_utf8
from gitsess.core.workspace import CHECKPOINTS_DIR, Workspace

if TYPE_CHECKING:
    from gitsess.core.secrets import Finding

CACHE_NAME = "secrets.json"
ALLOW_HINT = (
    "remove it (and rotate the credential if it is real), or, if it is not a secret,"
    " add <!-- git-sess: allow-secret --> to the line or run git config sess.allowSecrets true"
)
MESSAGE_END = " looks like a credential"
BINARY_PROBE = 8000  # bytes looked at for a NUL, as git decides that a file is binary

# The findings in one file as the cache keeps them: [line, "kind masked value"] each.
Stored = list[list[Any]]


def finding_problem(path: str, finding: Finding) -> Problem:
    """A finding as an error, the value shown masked and printable."""
    message = f"{finding.kind} {printable(finding.masked)}{MESSAGE_END}"
    return Problem(path, finding.line, "error", message, ALLOW_HINT)


def is_credential(problem: Problem) -> bool:
    return problem.hint == ALLOW_HINT and problem.message.endswith(MESSAGE_END)


def text_problems(path: str, data: bytes, *, note: bool = True) -> list[Problem]:
    """What the scanner finds in one file's bytes. A note is an export or a
    checkpoint, always scanned; another file is skipped when it is binary (a
    picture kept beside the notes)."""
    if not note and b"\0" in data[:BINARY_PROBE]:
        return []
    from gitsess.core.secrets import find_secrets  # its regexes take ~6 ms to compile

    return [finding_problem(path, f) for f in find_secrets(data.decode("utf-8", "replace"))]


def credential_problems(workspace: Workspace, catalog: Catalog) -> list[Problem]:
    """Every credential in the sessions directory: exports, checkpoints, other notes."""
    if workspace.config.allow_secrets:
        return []
    sessions_dir = workspace.config.sessions_dir
    checkpoints = workspace.checkpoint_catalog()
    hashed = dict(catalog.scan.hashes)
    hashed.update(
        (f"{CHECKPOINTS_DIR}/{name}", digest) for name, digest in checkpoints.scan.hashes.items()
    )
    cache_path = workspace.repo.state_dir / CACHE_NAME
    cached = read_cache_file(cache_path, sessions_dir)
    remembered = _FindingsByHash(cached.get("clean"), cached.get("found"))
    problems = []
    for name, digest in hashed.items():
        found = remembered.get(digest)
        if found is None:
            found = remembered.scan(workspace.sessions_path / name)
        problems += [_stored_problem(f"{sessions_dir}/{name}", item) for item in found]
    for name in _other_files(workspace.sessions_path, hashed):
        try:
            data = (workspace.sessions_path / name).read_bytes()
        except OSError:
            continue  # gone since the listing, or unreadable: nothing to commit either
        problems += text_problems(f"{sessions_dir}/{name}", data, note=False)
    if remembered.changed or len(remembered.clean) + len(remembered.found) > len(hashed):
        write_cache_file(cache_path, sessions_dir, remembered.payload(set(hashed.values())))
    return problems


class _FindingsByHash:
    """What the scanner found in each content hash seen: most hashes are clean."""

    def __init__(self, clean: object, found: object) -> None:
        listed = clean if isinstance(clean, list) else []
        self.clean = {digest for digest in listed if isinstance(digest, str)}
        self.found: dict[str, Stored] = found if isinstance(found, dict) else {}
        self.changed = False

    def get(self, digest: str) -> Stored | None:
        if digest in self.clean:
            return []
        stored = self.found.get(digest)
        return stored if _well_formed(stored) else None

    def scan(self, path: Path) -> Stored:
        """Read and scan a file the cache does not know; remembered by the hash
        of the bytes read (the file may have changed since the catalog's scan)."""
        try:
            data = path.read_bytes()
        except OSError:
            return []  # gone since the scan: check reports what the catalog saw
        found: Stored = [
            [problem.line, problem.message.removesuffix(MESSAGE_END)]
            for problem in text_problems("", data)
        ]
        digest = hashlib.sha1(data).hexdigest()
        if found:
            self.found[digest] = found
        else:
            self.clean.add(digest)
        self.changed = True
        return found

    def payload(self, current: set[str]) -> dict[str, object]:
        """Only the hashes of the files there now: a deleted file is forgotten."""
        return {
            "clean": sorted(self.clean & current),
            "found": {digest: v for digest, v in self.found.items() if digest in current},
        }


def _well_formed(stored: object) -> bool:
    return isinstance(stored, list) and all(
        isinstance(item, list)
        and len(item) == 2
        and isinstance(item[0], int)
        and isinstance(item[1], str)
        for item in stored
    )


def _stored_problem(path: str, item: list[Any]) -> Problem:
    line, described = item
    return Problem(path, line, "error", f"{described}{MESSAGE_END}", ALLOW_HINT)


def _other_files(top: Path, known: dict[str, str]) -> Iterator[str]:
    """Files under the sessions directory that are neither an export nor a
    checkpoint (those come with a hash) nor the generated index; symbolic links
    are never followed."""
    stack = [""]
    while stack:
        prefix = stack.pop()
        try:
            names = os.listdir(top / prefix if prefix else top)
        except OSError:
            continue
        # Nearly every name is an export the catalog knows: at the top, one set
        # operation leaves them out (10,000 DirEntry objects cost ~10 ms).
        if prefix:
            rest = {name for name in names if prefix + name not in known}
        else:
            rest = set(names).difference(known)
        for name in sorted(rest):
            relative = prefix + name
            if relative == INDEX_NAME or not is_utf8(relative):
                continue
            try:
                mode = os.lstat(top / relative).st_mode
            except OSError:
                continue
            if stat.S_ISREG(mode):
                yield relative
            elif stat.S_ISDIR(mode):
                stack.append(relative + "/")
