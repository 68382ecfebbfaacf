"""Repository discovery and every call into git.

Plain `git` subprocesses (2–10 ms each) serve the paths people wait on;
GitPython (140–280 ms to import) is imported lazily, only where its object
model helps and nobody is waiting.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gitsess.core.errors import GitSessError, NotARepository
from gitsess.core.files import write_atomic


@dataclass(frozen=True)
class Repo:
    root: Path  # top of the work tree
    state_dir: Path  # `git rev-parse --git-path gitsess`: per worktree, never committed

    def git(self, *args: str, check: bool = True) -> str:
        return run_git(self.root, *args, check=check)

    def config(self) -> dict[str, list[str]]:
        """Every `sess.*` value, global then local, keys lower-cased as git prints them."""
        out = run_git(self.root, "config", "-z", "--get-regexp", r"^sess\.", check=False)
        values: dict[str, list[str]] = {}
        for record in filter(None, out.split("\0")):
            key, _, value = record.partition("\n")
            values.setdefault(key.lower(), []).append(value)
        return values

    def editor(self) -> str:
        """The editor git itself would use (GIT_EDITOR, core.editor, VISUAL, EDITOR)."""
        return run_git(self.root, "var", "GIT_EDITOR").strip()

    def is_tracked(self, path: Path) -> bool:
        out = run_git(self.root, "ls-files", "--", str(path.relative_to(self.root)), check=False)
        return bool(out.strip())

    def move(self, source: Path, target: Path) -> None:
        """Move a file with `git mv` semantics: tracked files keep their history."""
        if not self.is_tracked(source):
            os.replace(source, target)
            return
        import git  # lazily: see the module docstring

        try:
            # GitPython's `index.move` parses git's dry-run output and fails on a path
            # containing " to "; its command wrapper passes each path as one argument.
            git.Repo(self.root).git.mv("--", str(source), str(target))
        except git.GitCommandError as exc:
            said = (exc.stderr or "").strip().splitlines() or [str(exc.status)]
            raise GitSessError(
                f"git mv {source} {target} failed: {said[-1]}",
                "resolve the problem git reports, then run the command again",
            ) from exc


def discover(cwd: Path | None = None) -> Repo:
    """Find the work tree containing `cwd` (any subdirectory, linked worktrees too)."""
    start = Path(cwd or os.getcwd())
    try:
        out = run_git(start, "rev-parse", "--show-toplevel", "--git-path", "gitsess")
    except GitSessError:
        raise _not_a_work_tree(start) from None
    top, state = out.splitlines()[:2]
    root = Path(top)
    state_dir = Path(state) if os.path.isabs(state) else start / state
    return Repo(root=root, state_dir=state_dir.resolve())


# Variables with which git (or its caller) names a repository other than the one
# found from the working directory.
_ELSEWHERE = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")


def repo_at_top(cwd: Path) -> Repo | None:
    """The repository whose work tree's top is `cwd`, known without a git process
    (`discover` costs one, 3–5 ms on a commit hook's path): `cwd/.git` is a directory
    and git's environment names no other repository, so git itself would find that
    one, with its top here and `.git/gitsess` for `--git-path gitsess` (a linked
    worktree's `.git` is a file: None, and `discover` asks git). Where git runs a
    hook, it changes to the top of the work tree first."""
    if any(os.environ.get(name) for name in _ELSEWHERE):
        return None
    git_dir = cwd / ".git"
    if os.path.islink(git_dir) or not all(
        os.path.isdir(git_dir / part) for part in ("", "objects", "refs")
    ):
        return None  # (git passes over a `.git` that is not a repository's)
    return Repo(root=cwd, state_dir=(git_dir / "gitsess").resolve())


def init_repository(path: Path, settings: dict[str, str]) -> tuple[Repo, str]:
    """`git init` a new repository with local `settings`; returns it and git's own words."""
    said = run_git(path, "init", "-b", "main")
    for key, value in settings.items():
        run_git(path, "config", key, value)
    return discover(path), said.strip()


def run_git(cwd: Path, *args: str, check: bool = True) -> str:
    return git_process(cwd, list(args), check=check).stdout.decode("utf-8", "surrogateescape")


def git_process(
    cwd: Path,
    args: list[str],
    *,
    input: bytes | None = None,
    check: bool = True,
    show_errors: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run git with the caller's environment: inside a hook that is git's own
    (`GIT_INDEX_FILE`, `GIT_DIR`), so every call sees what the commit sees.

    `show_errors`: git's stderr (and its hooks') goes to the user as it comes;
    `env`: variables added for git and its hooks.
    """
    process = start_git(cwd, args, input=input is not None, show_errors=show_errors, env=env)
    return finish_git(process, args, input=input, check=check)


def start_git(
    cwd: Path,
    args: list[str],
    *,
    input: bool = False,
    show_errors: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start git now and collect it later with finish_git, so that independent
    calls on a path people wait on (the commit hook) run side by side."""
    try:
        return subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=None if show_errors else subprocess.PIPE,
            stdin=subprocess.PIPE if input else subprocess.DEVNULL,
            env={**os.environ, **env} if env else None,
        )
    except FileNotFoundError as exc:
        if cwd is not None and not os.path.isdir(cwd):  # the directory, not git, is missing
            raise NotARepository(f"{cwd} does not exist", "cd into a git repository") from exc
        raise GitSessError("git is not installed or not on PATH", "install git") from exc
    except NotADirectoryError as exc:
        raise NotARepository(f"{cwd} is not a directory", "cd into a git repository") from exc


def finish_git(
    process: subprocess.Popen[bytes],
    args: list[str],
    *,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    try:
        stdout, stderr = process.communicate(input)
    except BaseException:
        process.kill()  # ^C or an error while it runs: leave no git behind
        process.wait()
        raise
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    if check and done.returncode != 0:
        said = (done.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise GitSessError(
            f"git {' '.join(args[:2])} failed: {(said or [f'exit {done.returncode}'])[-1]}",
            "run the git command by hand",
        )
    return done


def _not_a_work_tree(start: Path) -> NotARepository:
    bare = run_git(start, "rev-parse", "--is-bare-repository", check=False).strip()
    if bare == "true":
        return NotARepository(
            f"{start} is a bare repository: session exports need a work tree",
            "run git sess in a clone or a worktree (git worktree add ../work)",
        )
    inside_git_dir = run_git(start, "rev-parse", "--is-inside-git-dir", check=False).strip()
    if inside_git_dir == "true":
        return NotARepository(
            f"{start} is inside a .git directory", "cd to the work tree and run it again"
        )
    return NotARepository(
        f"not a git repository: {start}",
        "cd into a repository, or create one with git init",
    )


def set_excluded(common_dir: Path, block: list[str], *, present: bool) -> bool:
    """Put `block` (a `#` comment saying why, then patterns) into, or take it
    out of, `.git/info/exclude`: kept out of `git add -A`, and never committed
    as .gitignore would be. True when the file changed."""
    exclude = common_dir / "info" / "exclude"
    text = exclude.read_text("utf-8", "surrogateescape") if exclude.is_file() else ""
    lines = "\n".join(block) + "\n"
    if (lines in text) == present:
        return False
    if present:
        separator = "" if not text or text.endswith("\n") else "\n"
        exclude.parent.mkdir(parents=True, exist_ok=True)
        text = text + separator + lines
    else:
        text = text.replace(lines, "", 1)
    write_atomic(exclude, text.encode("utf-8", "surrogateescape"))
    return True


def changed_paths(repo: Repo, directory: str) -> list[str]:
    """Paths under `directory` that differ from HEAD, staged or not, untracked
    included (a rename gives both its paths: the source is deleted)."""
    out = repo.git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", directory)
    fields = out.split("\0")
    paths = set()
    position = 0
    while position < len(fields) and fields[position]:
        record = fields[position]
        renamed = record[0] in "RC"  # a rename names its source next
        paths.update([record[3:], fields[position + 1]] if renamed else [record[3:]])
        position += 2 if renamed else 1
    return sorted(paths)
