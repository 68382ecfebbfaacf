"""What git's history says about a path: the commits that touched it (and their
`Session:` trailers), the names it had before a rename, the exports each of those
commits carried, and where a shallow clone's history stops.

One `git log` of the path finds its commits. What else each commit changed
(which exports, which renames) is a fact of the commit that never changes, so
it is remembered by commit id in the state directory (`commit-facts.json`):
asking git for it means diffing the whole commit, which on a history where
every commit touches a 10,000-file sessions directory costs milliseconds a
commit. A warm run asks git nothing but the log.

Renames are followed as `git log --follow` does, without its cost (`--follow`
cannot use git's changed-path filters): where the walk finds the path added by
a commit that renamed it, the walk goes on under the old name from that
commit's parents.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.core.cache import read_cache_file, write_cache_file
from gitsess.core.errors import GitSessError
from gitsess.core.names import is_export_name
from gitsess.core.repo import Repo, finish_git, git_process, start_git

TRAILER = "Session"  # `Session: <id>` (git config sess.trailer true writes it)
# Git's own settings that would change what `git log` prints: `log.follow`,
# signatures; pathspecs are literal (a file may be named `*.py` or `:x`).
QUIET = ["-c", "log.follow=false", "-c", "log.showSignature=false", "--literal-pathspecs"]
RECORD = "\x1e"
_HEADER = (
    f"{RECORD}%H%x00%ct%x00%cs%x00%s%x00%(trailers:key={TRAILER},valueonly,separator=%x1f)%x00"
)
_STATUS = re.compile(r"[ACDMRTUXB]\d*")
FACTS = "commit-facts.json"
MAX_FACTS = 50_000  # commits remembered; past that the file starts again
MAX_RENAMES = 50  # a loop of renames (a → b → a) must end


@dataclass(frozen=True)
class Change:
    status: str  # git's letter: A, M, D, R, T
    path: str
    old: str | None = None  # a rename's source


@dataclass
class Commit:
    sha: str
    time: int  # committer time, seconds
    date: str  # committer date, YYYY-MM-DD
    subject: str
    trailers: list[str] = field(default_factory=list)  # the Session trailers' values
    changes: list[Change] = field(default_factory=list)  # of the path walked, not all

    @property
    def short(self) -> str:
        return self.sha[:7]


@dataclass(frozen=True)
class Rename:
    commit: Commit
    old: str
    new: str


@dataclass
class PathHistory:
    """The commits that touched a path, newest first, under every name it had."""

    commits: list[Commit]
    names: list[str]  # the path, then the older names renames gave it
    renames: list[Rename]
    exports: dict[str, list[str]]  # commit id -> the exports it added or changed


class CommitFacts:
    """Per commit, the exports it added or changed and the renames it made; read
    from git once, for the commits asked about, and kept."""

    def __init__(self, repo: Repo, sessions_dir: str, shallow: Shallow | None = None) -> None:
        self.repo = repo
        self.sessions_dir = sessions_dir
        # The first commits of a shallow clone seem to add every file they hold:
        # what they say is neither true nor lasting (a fetch gives them parents).
        self.cut = shallow.cut if shallow else frozenset()
        self.path = repo.state_dir / FACTS
        stored = read_cache_file(self.path, sessions_dir).get("commits")
        self.known: dict[str, Any] = stored if isinstance(stored, dict) else {}

    def learn(self, shas: list[str]) -> None:
        """Ask git about the commits not known yet: one `diff-tree` for all of them."""
        missing = [s for s in dict.fromkeys(shas) if not self._valid(s) and s not in self.cut]
        if not missing:
            return
        done = git_process(
            self.repo.root,
            ["diff-tree", "--stdin", "-r", "-M", "--root", "--name-status", "-z"],
            input="".join(f"{sha}\n" for sha in missing).encode(),
            check=False,
        )
        if done.returncode != 0:
            return  # nothing learned, nothing kept: these commits show no exports this time
        out = done.stdout.decode("utf-8", "surrogateescape")
        prefix = self.sessions_dir.rstrip("/") + "/"
        learned: dict[str, list[list[Any]]] = {sha: [[], []] for sha in missing}
        for sha, change in _diff_tree_changes(out):
            facts = learned.setdefault(sha, [[], []])
            exported = change.path.startswith(prefix) and is_export_name(change.path[len(prefix) :])
            if change.status != "D" and exported:
                facts[0].append(change.path)
            if change.status == "R" and change.old:
                facts[1].append([change.old, change.path])
        if len(self.known) + len(learned) > MAX_FACTS:
            self.known = {}
        self.known.update(learned)
        write_cache_file(self.path, self.sessions_dir, {"commits": self.known})

    def _valid(self, sha: str) -> bool:
        facts = self.known.get(sha)
        return isinstance(facts, list) and len(facts) == 2

    def exports(self, sha: str) -> list[str]:
        return list(self.known[sha][0]) if self._valid(sha) else []

    def renamed_from(self, sha: str, name: str) -> str | None:
        if not self._valid(sha):
            return None
        for pair in self.known[sha][1]:
            if isinstance(pair, list) and len(pair) == 2 and pair[1] == name:
                return str(pair[0])
        return None


def _diff_tree_changes(out: str) -> list[tuple[str, Change]]:
    """(commit, change) from `diff-tree --stdin -z --name-status`: each commit's id,
    then its changes; a status token is a letter (and a score), an id is hex."""
    found = []
    tokens = out.split("\0")
    sha = ""
    position = 0
    while position < len(tokens):
        token = tokens[position].strip("\n")
        if not token:
            position += 1
        elif not _STATUS.fullmatch(token):
            sha, position = token, position + 1
        elif token[0] in "RC" and position + 2 < len(tokens):
            found.append((sha, Change(token[0], tokens[position + 2], tokens[position + 1])))
            position += 3
        elif position + 1 < len(tokens):
            found.append((sha, Change(token[0], tokens[position + 1])))
            position += 2
        else:
            break
    return found


class Walk:
    """A `git log` of one path, started now and read when needed: it runs while
    the caller reads the exports."""

    def __init__(self, repo: Repo, name: str, start: list[str] | None = None) -> None:
        self.name = name
        self.args = [
            *QUIET,
            "log",
            "--no-renames",
            "--name-status",
            "-z",
            f"--format={_HEADER}",
            *(start or []),
            "--",
            name,
        ]
        self.repo = repo
        self.process = start_git(repo.root, self.args)

    def commits(self) -> list[Commit]:
        done = finish_git(self.process, self.args, check=False)
        if done.returncode != 0 and not _has_commits(self.repo):
            return []  # a new repository: no history yet
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitSessError(
                f"git log -- {self.name} failed: {(said or [f'exit {done.returncode}'])[-1]}",
                f"run it by hand: git log -- {self.name}",
            )
        out = done.stdout.decode("utf-8", "surrogateescape")
        return [commit for record in out.split(RECORD)[1:] if (commit := _commit(record))]

    def cancel(self) -> None:
        """Stop git when the walk is not wanted after all (an error on the way)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.communicate()


def _has_commits(repo: Repo) -> bool:
    return bool(repo.git("rev-parse", "-q", "--verify", "HEAD", check=False).strip())


def path_history(
    repo: Repo, path: str, facts: CommitFacts, *, follow: bool, walk: Walk | None = None
) -> PathHistory:
    """Every commit that touched `path` (relative to the top), newest first, with the
    exports each one carried; with `follow`, through the renames that made it.
    `walk`: the first walk, already started."""
    commits: list[Commit] = []
    names = [path]
    renames: list[Rename] = []
    seen: set[str] = set()
    walk = walk or Walk(repo, path)
    while True:
        name = walk.name
        found = [c for c in walk.commits() if c.sha not in seen]
        seen.update(c.sha for c in found)
        commits += found
        origin = _origin(found, name) if follow else None
        facts.learn([c.sha for c in found] + ([origin.sha] if origin else []))
        old = facts.renamed_from(origin.sha, name) if origin else None
        if origin is None or old is None or old in names or len(renames) >= MAX_RENAMES:
            break
        renames.append(Rename(origin, old, name))
        names.append(old)
        walk = Walk(repo, old, [f"{origin.sha}^@"])
    commits.sort(key=lambda c: -c.time)  # stable: git's own order within a second
    return PathHistory(commits, names, renames, {c.sha: facts.exports(c.sha) for c in commits})


def _origin(commits: list[Commit], name: str) -> Commit | None:
    """The oldest commit of a walk, when it added `name`: where a rename may have made it."""
    for commit in reversed(commits):
        statuses = {change.status for change in commit.changes if change.path == name}
        if statuses:
            return commit if "A" in statuses else None
    return None


def _commit(record: str) -> Commit | None:
    parts = record.split("\0", 5)
    if len(parts) < 6:
        return None
    sha, time, date, subject, trailers, rest = parts
    commit = Commit(
        sha=sha,
        time=int(time or 0),
        date=date,
        subject=subject,
        trailers=[value.strip() for value in trailers.split("\x1f") if value.strip()],
    )
    fields = rest.lstrip("\0\n").split("\0")
    for position in range(0, len(fields) - 1, 2):
        if fields[position]:
            commit.changes.append(Change(fields[position][:1], fields[position + 1]))
    return commit


# --- shallow clones ------------------------------------------------------------------


@dataclass(frozen=True)
class Shallow:
    """A shallow clone: the commits before `before` (its oldest commit's date) are not here."""

    before: str | None  # None when git could not say
    # The commits whose parents are cut off: each looks as if it added every file
    # it holds, so none of them says which files went with which export.
    cut: frozenset[str] = frozenset()

    def sentence(self) -> str:
        when = f"commits before {self.before}" if self.before else "older commits"
        return f"history is shallow: {when} are not here (git fetch --unshallow brings them)"


def shallow_history(repo: Repo) -> Shallow | None:
    """None in a full clone. A clone is shallow when the common git directory holds
    a `shallow` file (what `git rev-parse --is-shallow-repository` looks at); it is
    found from the state directory, `<git dir>/gitsess`, without starting git."""
    try:
        cut = _shallow_file(repo).read_text("ascii").split()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return Shallow(None)
    if not cut:
        return None  # git leaves an empty file behind after `fetch --unshallow`
    dates = repo.git("log", "--no-walk=unsorted", "--format=%cs", *cut, check=False).split()
    return Shallow(min(dates) if dates else None, frozenset(cut))


def _shallow_file(repo: Repo) -> Path:
    common = os.environ.get("GIT_COMMON_DIR")
    if common:
        return (repo.root / common) / "shallow"
    git_dir = repo.state_dir.parent
    try:  # a linked worktree's git directory names the common one
        pointer = (git_dir / "commondir").read_text("utf-8").strip()
    except OSError:
        return git_dir / "shallow"
    return (git_dir / pointer) / "shallow"
