"""The optional `Session:` trailer: `git config sess.trailer true` gives each
commit of code made while a session is in progress a `Session: <id>` line,
which `git sess trace` reads (`git log --format=%(trailers:key=Session,valueonly)`).

The commit-msg hook adds it, so that `git commit -m` gets it too. A commit
gets it when
- it changes a file outside the sessions directory (a commit of exports alone
  is about the sessions already, and its message says so);
- git is not making a merge (or finishing one, or a squash merge), a
  cherry-pick, a revert or a rebase: that code was written elsewhere;
- its message is not empty (the trailer must not make an abandoned commit go
  through) and has no `Session:` trailer yet (one the user wrote stands);
- a session is in progress: the one `.current-session` in the sessions
  directory names, else the newest export whose status is `in-progress` (not a
  roadmap, reflection or checkpoint), as `git sess context` picks it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gitsess.core.cache import cached_output
from gitsess.core.errors import GitSessError, warn
from gitsess.core.names import is_plain_name
from gitsess.core.repo import Repo, git_process
from gitsess.core.workspace import Workspace, open_workspace

TRAILER_KEY = "Session"  # `git sess trace` reads this key: keep it as it is
CONFIG_KEY = "sess.trailer"
# What git makes from work done elsewhere: its state files while it commits.
REPLAYING = ("MERGE_HEAD", "SQUASH_MSG", "CHERRY_PICK_HEAD", "REVERT_HEAD")
REPLAYING_DIRS = ("rebase-merge", "rebase-apply", "sequencer")
# git's scissors line (`git commit -v`): what follows it is not the message.
_SCISSORS = re.compile(r"^\S -{24} >8 -{24}$", re.MULTILINE)


def add_trailer(message_file: Path) -> None:
    """The commit-msg hook's work; never stops the commit."""
    try:
        workspace = open_workspace()
        if not trailer_wanted(workspace.repo):
            return
        session = trailer_session(workspace, message_file)
        if session is not None:
            args = ["interpret-trailers", "--in-place", "--if-exists", "doNothing"]
            args += ["--trailer", f"{TRAILER_KEY}: {session}", str(message_file)]
            git_process(workspace.repo.root, args)
    except GitSessError as error:
        warn(f"no {TRAILER_KEY}: trailer: {error}")
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)


def trailer_wanted(repo: Repo) -> bool:
    """`git config sess.trailer`, read as git reads a boolean (off when unset)."""
    done = git_process(repo.root, ["config", "--bool", "--get", CONFIG_KEY], check=False)
    if done.returncode == 1:
        return False  # not set
    if done.returncode != 0:
        value = repo.git("config", "--get", CONFIG_KEY, check=False).strip()
        raise GitSessError(
            f"{CONFIG_KEY} is {value!r}, not true or false",
            f"git config {CONFIG_KEY} true (or false)",
        )
    return done.stdout.decode().strip() == "true"


def trailer_session(workspace: Workspace, message_file: Path) -> str | None:
    """The id the trailer names, or None when this commit gets none."""
    repo = workspace.repo
    if message_file.name == "MERGE_MSG" or _replaying(repo):
        return None
    code = ["diff", "--cached", "--quiet", "--", ":(top)"]
    code.append(f":(top,exclude,literal){workspace.config.sessions_dir}")
    if git_process(repo.root, code, check=False).returncode == 0:
        return None  # nothing outside the sessions directory
    if not _has_message(repo, message_file):
        return None
    session = in_progress(workspace)
    return session if session is not None and is_plain_name(session) else None


def in_progress(workspace: Workspace) -> str | None:
    """The id of the session in progress, as `git sess context` picks it;
    remembered for this set of exports and this pointer, so that a commit does
    not load the fields of every session (~0.2 s for 10,000)."""
    from gitsess.core.reading import _in_progress  # one definition of "in progress"

    try:
        catalog = workspace.catalog()
    except GitSessError:
        return None  # no sessions directory

    def pick() -> str | None:
        try:
            return _in_progress(workspace, catalog).id
        except GitSessError:
            return None  # no session, or none in progress

    pointer = workspace.current_pointer() or ""
    found = cached_output(workspace.repo.state_dir, catalog, "trailer", pointer, pick)
    return found if isinstance(found, str) else None


def _replaying(repo: Repo) -> bool:
    names = [*REPLAYING, *REPLAYING_DIRS]
    args = [arg for name in names for arg in ("--git-path", name)]
    paths = repo.git("rev-parse", *args).splitlines()
    return any((repo.root / path).exists() for path in paths)


def _has_message(repo: Repo, message_file: Path) -> bool:
    """Whether the message says anything once git has cleaned it up: comments
    and what follows the scissors line left out."""
    try:
        text = message_file.read_bytes().decode("utf-8", "replace")
    except OSError as error:
        raise GitSessError(f"cannot read {message_file}: {error.strerror}", None) from error
    text = _SCISSORS.split(text, maxsplit=1)[0]
    stripped = git_process(repo.root, ["stripspace", "--strip-comments"], input=text.encode())
    return bool(stripped.stdout.strip())
