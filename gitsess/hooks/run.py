"""What each git hook does when git runs it: `python -m gitsess.hooks HOOK [ARGS]`.

The stubs (`git-hooks/hook.sh`) start this only when there is something to do;
this module and what it imports must never import click, GitPython or Whoosh.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gitsess.core.config import load_config
from gitsess.core.errors import ExitCode, GitSessError, exit_with, quote_path, warn
from gitsess.core.files import write_atomic
from gitsess.core.names import name_trouble
from gitsess.core.repo import discover, repo_at_top
from gitsess.core.workspace import Workspace

if TYPE_CHECKING:  # imported when a repair runs: it pulls in the commit machinery
    from gitsess.hooks.repair import Repaired


def main(argv: list[str] | None = None) -> int:
    """`python -m gitsess.hooks HOOK [ARGS]`, as the stubs call it."""
    # Set by the hook server's client when no server ran this hook: one is
    # started for the next, once this hook's work is done (hooks/hookserver.py).
    starting = os.environ.pop("GIT_SESS_START_HOOK_SERVER", None)
    _settings.clear()  # (a process may run more than one hook: the tests do)
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    finally:
        if starting:
            from gitsess.hooks.served import start

            with contextlib.suppress(Exception):  # never in git's way: it logs why
                start(Path(starting), _hook_server_setting())


# The `sess.*` settings this hook read when it opened the repository (none: it
# did not), which also say whether a hook server is to be started after it.
_settings: list[dict[str, list[str]]] = []


def open_workspace() -> Workspace:
    """The repository the hook runs in. git runs a hook at the top of the work tree,
    which is then known without a git process (core/repo.py repo_at_top); the
    settings are read once, for the hook and for starting a server after it."""
    repo = repo_at_top(Path(os.getcwd())) or discover()
    values = repo.config()
    _settings.append(values)
    return Workspace(repo=repo, config=load_config(values))


def _hook_server_setting() -> str | None:
    """`git config sess.hookServer` as this hook read it ('': unset); None: not read."""
    if not _settings:
        return None
    values = _settings[-1].get("sess.hookserver")
    return values[-1] if values else ""


def _main(args: list[str]) -> int:
    if not args:
        return exit_with(ExitCode.USAGE, "no hook named", "python -m gitsess.hooks HOOK [ARGS…]")
    hook, rest = args[0], args[1:]
    try:
        return _run(hook, rest)
    except KeyboardInterrupt:
        return exit_with(ExitCode.INTERRUPTED)
    except Exception as error:  # the one exit point of every hook
        # (imported here: the installer's module is not needed on the way of a commit)
        from gitsess.hooks.install import BYPASS_VARIABLE, REFUSING

        if hook not in REFUSING:  # after the fact: exit 0, as failing could only get in git's way
            said = (
                error.message
                if isinstance(error, GitSessError)
                else f"{type(error).__name__}: {error}"
            )
            warn(f"the {hook} hook could not finish: {said}")
            return ExitCode.OK
        hints: list[str | None]
        if isinstance(error, PermissionError):  # chmod 000: said as a fix, not a bug
            from gitsess.core.files import access_error

            error = access_error(error)
        if isinstance(error, GitSessError):
            code, lines, hints = error.exit_code, error.lines, [error.hint]
        else:
            code = ExitCode.BUG
            lines = [f"unexpected {type(error).__name__} in the {hook} hook: {error}"]
            hints = ["this is a bug in git-sess: please report it"]
        if hook in ("pre-commit", "pre-merge-commit") and not isinstance(error, StagedForYou):
            bypass = os.environ.get(BYPASS_VARIABLE, "git commit --no-verify")
            hints.append(f"to commit anyway, this once: {bypass}")
        return exit_with(code, lines, hints)


def _run(hook: str, args: list[str]) -> int:
    if hook in ("pre-commit", "pre-merge-commit"):
        return _pre_commit()
    if hook == "prepare-commit-msg":
        return _prepare_message(args)
    if hook == "commit-msg" and len(args) == 1:
        from gitsess.hooks.trailer import add_trailer

        add_trailer(Path(args[0]).resolve())
        return ExitCode.OK
    if hook == "post-commit" and args == ["partial"]:
        return _restage_index()
    if hook == "post-commit" and args[:1] == ["raced"]:
        return _after_raced_commit()
    if hook == "post-commit":
        return _after_commit_without_hook()
    if hook == "post-merge":
        workspace = open_workspace()
        _repair(workspace, "merge", [workspace.repo.git("rev-parse", "HEAD").strip()])
        return ExitCode.OK
    if hook == "post-rewrite" and args != ["rebase"]:
        return ExitCode.OK  # an amend ran pre-commit (or skipped it on purpose)
    if hook == "post-rewrite":
        from gitsess.hooks.repair import rebased_commits

        new_ids = [line.split()[1] for line in sys.stdin if len(line.split()) >= 2]
        workspace = open_workspace()
        repaired = _repair(workspace, "rebase", rebased_commits(workspace.repo, new_ids))
        _warn_of_update_refs(workspace, repaired)
        return ExitCode.OK
    if hook == "refresh":
        return _refresh()
    if hook == "merge-index" and len(args) == 4:
        from gitsess.hooks.merge import merge_index

        return merge_index(Path(args[0]), Path(args[1]), Path(args[2]), args[3])
    return exit_with(ExitCode.USAGE, f"no hook {hook!r}")


class StagedForYou(GitSessError):
    """The hook put right what was staged and stopped the commit: running the
    same command again commits it. Skipping the hook would not help."""


def _pre_commit() -> int:
    from gitsess.hooks.commits import prepare_commit

    workspace = open_workspace()
    sequence = running_sequence(workspace)
    # `cherry-pick --continue` commits through a `git commit` of its own, then
    # checks that HEAD's tree is the staging area it read before and goes on
    # picking from it: what is staged here must not change, but for the last
    # pick, the user can be asked to run it again.
    last_pick = sequence is not None and sequence.picks_left == 1
    prepared = prepare_commit(workspace, stage=sequence is None or last_pick)
    for problem in prepared.warnings:
        warn(f"{problem.location}: {problem.message}")
    for name in prepared.tree.odd_names:
        warn(
            f"{quote_path(prepared.tree.path_of(name))}: its name {name_trouble(name)}, so it"
            " is committed without checks and left out of the session index (rename it)"
        )
    if sequence is not None:
        if prepared.index_staged:
            raise StagedForYou(
                "the session index staged for this pick was out of date;"
                " the one its exports call for is staged now",
                f"run it again: git {sequence.action} --continue",
            )
        # git removes `.git/sequencer` before the post-commit hook of the last
        # pick, which repairs the sequence's picks from what is recorded here.
        _record_state(f"{sequence.action} {sequence.start}")
        return ExitCode.OK
    # `git commit FILE…` stages into a temporary `next-index-*.lock`, and git
    # leaves the real staging area's copy of the index file as it was.
    partial = Path(os.environ.get("GIT_INDEX_FILE", "")).name.startswith("next-index-")
    if partial:
        _record_state("checked-partial")
        return ExitCode.OK
    # A plain `git commit` lets go of index.lock before this hook runs and reads
    # the staging area again after it: what another process stages in between
    # is committed unchecked. The tree checked here is recorded, and the
    # post-commit hook compares HEAD's with it (see _after_raced_commit).
    checked = prepared.tree_id
    _record_state(f"checked {checked} {_head_at_start()}".rstrip() if checked else "checked")
    return ExitCode.OK


def _record_state(answer: str) -> None:
    """Tell the later hooks of this git command (same parent process) what was found."""
    path = os.environ.get("GIT_SESS_HOOK_STATE")
    if path:  # failing only costs the later hooks a guard of their own
        with contextlib.suppress(GitSessError):
            write_atomic(Path(path), f"{_git_pid()} {answer}\n", durable=False)


def _recorded_state() -> str:
    """What an earlier hook of this git command recorded, or ''."""
    try:
        pid, _, answer = Path(os.environ["GIT_SESS_HOOK_STATE"]).read_text().strip().partition(" ")
    except (KeyError, OSError, UnicodeDecodeError):
        return ""
    return answer if pid == _git_pid() else ""


def _head_at_start() -> str:
    """HEAD as the pre-commit stub found it ('' on an unborn branch, or when no
    stub recorded it): `none <head>` or `checked <tree> <head>`."""
    words = _recorded_state().split()
    if words[:1] == ["none"] and len(words) == 2:
        return words[1]
    if words[:1] == ["checked"] and len(words) == 3:
        return words[2]
    return ""


def _git_pid() -> str:
    return os.environ.get("GIT_SESS_GIT_PID") or str(os.getppid())


def _prepare_message(args: list[str]) -> int:
    if len(args) != 1 or not args[0]:
        return ExitCode.OK  # a source (message, template, merge, squash, commit): leave it
    from gitsess.hooks.blobfacts import BlobFacts
    from gitsess.hooks.commits import session_message
    from gitsess.hooks.staged import read_staged

    workspace = open_workspace()
    sessions_dir = workspace.config.sessions_dir
    # Against the mirror the pre-commit hook has just saved: nothing listed whole.
    facts = BlobFacts(workspace.repo.state_dir, sessions_dir)
    tree = read_staged(workspace.repo, sessions_dir, facts=facts)
    try:
        message = session_message(workspace, tree)
    finally:
        tree.close()
    if message is None:
        return ExitCode.OK
    path = Path(args[0])
    existing = path.read_bytes() if path.exists() else b""
    write_atomic(path, message.encode("utf-8") + b"\n" + existing)
    return ExitCode.OK


def _after_commit_without_hook() -> int:
    """A commit the pre-commit hook did not see: one git made itself (a rebase,
    cherry-pick or revert), or one made with `git commit --no-verify`."""
    if _recorded_state().startswith("checked "):  # a stub from before it compared trees
        return _after_raced_commit()
    workspace = open_workspace()
    sequence = running_sequence(workspace) or _continued_sequence()
    if sequence is not None:
        if sequence.picks_left > 1:
            return ExitCode.OK  # rebuilding HEAD under a running sequence would break it
        made = workspace.repo.git("rev-list", "--reverse", f"{sequence.start}..HEAD").split()
        _repair(workspace, sequence.action, made)
        return ExitCode.OK
    said = workspace.repo.git("reflog", "-1", "--format=%gs", "HEAD")
    action = said.partition(":")[0].removeprefix("commit (").removesuffix(")")
    if "rebase" in action:
        return ExitCode.OK  # post-rewrite rebuilds what the whole rebase made
    if action in ("cherry-pick", "revert"):  # one commit, no sequence
        _repair(workspace, action, [workspace.repo.git("rev-parse", "HEAD").strip()])
        return ExitCode.OK
    return _repair_after_no_verify(workspace)


class Sequence(NamedTuple):
    """A running `git cherry-pick A..B` or `git revert A..B` (`.git/sequencer`)."""

    action: str  # cherry-pick or revert
    start: str  # HEAD before the first pick
    picks_left: int  # those the todo list still has, the current one included


def running_sequence(workspace: Workspace) -> Sequence | None:
    sequencer = workspace.repo.state_dir.parent / "sequencer"  # beside gitsess/
    try:
        todo = (sequencer / "todo").read_text(encoding="utf-8").split("\n")
        start = (sequencer / "head").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    picks = [line.split()[0] for line in todo if line.strip() and not line.startswith("#")]
    if not picks or not start:
        return None
    action = "revert" if picks[0] == "revert" else "cherry-pick"
    return Sequence(action, start, len(picks))


def _continued_sequence() -> Sequence | None:
    """The sequence whose last pick `--continue` (or the user's `git commit`)
    just committed, as this commit's pre-commit hook recorded it."""
    action, _, start = _recorded_state().partition(" ")
    if action not in ("cherry-pick", "revert") or not start:
        return None
    return Sequence(action, start, 1)


def _warn_of_update_refs(workspace: Workspace, repaired: Repaired) -> None:
    """`rebase --update-refs` moves the other branches after post-rewrite, onto
    the commits as git made them: say where they belong."""
    pending = workspace.repo.state_dir.parent / "rebase-merge" / "update-refs"
    try:  # a branch's name, the commit it was on, the commit git puts it on
        lines = pending.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    landing = {after: ref for ref, after in zip(lines[::3], lines[2::3], strict=False)}
    moved = {
        landing[old].removeprefix("refs/heads/"): new
        for old, new in repaired.rebuilt.items()
        if old in landing
    }
    if not moved:
        return
    print(
        "git-sess: warning: branches that --update-refs moves land on the commits git made,"
        " whose session index is stale",
        file=sys.stderr,
    )
    for branch, new in sorted(moved.items()):
        print(f"hint: git branch -f {branch} {new[:12]}", file=sys.stderr)


def _repair(workspace: Workspace, reason: str, commits: list[str]) -> Repaired:
    from gitsess.hooks.repair import repair_commits

    repaired = repair_commits(workspace, commits, reason)
    if repaired.head:
        count = len(repaired.rebuilt)
        what = "commit" if count == 1 else f"{count} commits"
        where = f"the {reason}'s {what}"
        if reason == "commit":  # commits another process staged into (_after_raced_commit)
            where = "the commit just made" if count == 1 else f"the {count} commits just made"
        print(
            f"git-sess: regenerated the session index in {where}"
            f" (HEAD is now {repaired.head[:12]})",
            file=sys.stderr,
        )
    for commit in repaired.signed:
        print(
            f"git-sess: warning: {commit[:12]} is signed, so its stale session index was left",
            file=sys.stderr,
        )
        import shlex  # only for this hint

        sessions = shlex.quote(workspace.config.sessions_dir)
        print(
            f"hint: git sess index && git add -u {sessions} && git commit --amend -S --no-edit",
            file=sys.stderr,
        )
    return repaired


_RACED_MOST = 50  # commits looked at after a raced commit


def _after_raced_commit() -> int:
    """Another process staged session changes between this commit's pre-commit
    hook and git reading the staging area again: the stub saw HEAD's sessions
    tree differ from the one the hook checked, or the staging area change after
    a look that found no session change. git may have committed an index that
    its exports contradict, and it is rebuilt at once with the index they call
    for, as a commit git made without the hook is (repair.py).

    Which commit is this git command's is not certain: others may have
    committed on it since, or between its hooks. So every commit HEAD's branch
    gained since this commit's pre-commit hook ran (after the HEAD it
    recorded) is looked at; those whose index is right are left as they are.

    Rebuilding, not staging the index for the next commit: the commits were
    made a moment ago, nobody has them yet, and staging would leave a commit
    whose index contradicts its exports in the history for good. Nothing
    staged is lost: the staging area keeps whatever others staged; only an
    index entry still holding the old index takes the new one (repair.py)."""
    workspace = open_workspace()
    made = _commits_since_hook(workspace)
    if not made:
        return ExitCode.OK
    sessions = workspace.config.sessions_dir
    tree = _tree_of(workspace, made[-1])
    unchecked = [f"{sessions}/{name}" for name in _unlearned_exports(workspace, tree)]
    if unchecked:
        shown = ", ".join(quote_path(path) for path in unchecked[:3])
        more = f" and {len(unchecked) - 3} more" if len(unchecked) > 3 else ""
        warn(
            f"another process staged {shown}{more} while this commit ran:"
            " git committed it without the pre-commit checks"
        )
    _repair(workspace, "commit", made)
    if unchecked:
        hint = "hint: git sess check (and git commit --amend to put right what it finds)"
        print(hint, file=sys.stderr)
    return ExitCode.OK


def _commits_since_hook(workspace: Workspace) -> list[str]:
    """The commits of HEAD's branch (first parents), oldest first, made since
    this git command's pre-commit hook ran: those after the HEAD it recorded
    (at most `_RACED_MOST`: after a reset or a checkout meanwhile, the newest)."""
    before = _head_at_start()
    args = ["rev-list", "--reverse", "--first-parent", f"--max-count={_RACED_MOST}", "HEAD"]
    return workspace.repo.git(*args, *([f"^{before}"] if before else [])).split()


def _tree_of(workspace: Workspace, commit: str) -> str:
    """The id of `commit`'s sessions tree ('' when it has none, or no such commit)."""
    path = f"{commit}:{workspace.config.sessions_dir}"
    return workspace.repo.git("rev-parse", "-q", "--verify", path, check=False).strip()


def _unlearned_exports(workspace: Workspace, tree: str) -> list[str]:
    """The exports of `tree` whose staged bytes the pre-commit hook never read:
    it learns the facts of every export it checks (blobfacts.py), so these are
    what another process staged after it."""
    from gitsess.hooks.blobfacts import BlobFacts
    from gitsess.hooks.staged import is_staged_name

    listing = workspace.repo.git("ls-tree", "-z", tree) if tree else ""
    oids = {}
    for record in filter(None, listing.split("\0")):
        meta, _, name = record.partition("\t")
        mode, kind, oid = meta.split(" ")
        if kind == "blob" and mode != "120000" and is_staged_name(name):
            oids[name] = oid
    return BlobFacts(workspace.repo.state_dir, workspace.config.sessions_dir).missing(oids)


def _restage_index() -> int:
    """After `git commit FILE…`, the staging area still holds session changes
    that were not committed: stage the index they call for (they are checked
    when they are committed)."""
    from gitsess.hooks.commits import prepare_commit

    prepare_commit(open_workspace(), refuse=False)
    return ExitCode.OK


def _repair_after_no_verify(workspace: Workspace) -> int:
    """After `git commit --no-verify` of sessions: stage the index they call for,
    so the next commit carries it; problems are reported, nothing is refused."""
    from gitsess.hooks.commits import prepare_commit

    prepared = prepare_commit(workspace, refuse=False)
    for problem in prepared.warnings:
        warn(f"{problem.location}: {problem.message}")
    if prepared.index_staged:
        print(
            "git-sess: the index did not match the committed sessions (--no-verify);"
            " the right one is staged for your next commit",
            file=sys.stderr,
        )
    return ExitCode.OK


def _refresh() -> int:
    """Bring an existing search index up to date; never build one unasked."""
    from gitsess import search

    workspace = open_workspace()
    if search.index_exists(workspace):
        search.sync_index(workspace)
    return ExitCode.OK
