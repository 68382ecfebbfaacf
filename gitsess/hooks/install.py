"""The git hooks: installing them safely, and what each one does when git runs it.

Installing follows pre-commit's rules: hooks go where git looks for them
(`core.hooksPath`, else `git rev-parse --git-common-dir`/hooks, so worktrees
and submodules work); a hook that is not ours is moved aside to
`<hook>.legacy` and run first by our stub; installing twice changes nothing;
uninstalling puts back exactly what was there.

The stubs are shell (`git-hooks/hook.sh`): they decide without Python whether
there is anything to do. What they start is `python -m gitsess.hooks HOOK`,
so this module and what it imports must never import click or GitPython.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gitsess.core.errors import GitSessError
from gitsess.core.files import write_atomic
from gitsess.core.workspace import Workspace, init_workspace
from gitsess.hooks.presence import runs_ours

if TYPE_CHECKING:  # imported when a repair runs: it pulls in the commit machinery
    pass

HOOKS = (
    "pre-commit",
    "prepare-commit-msg",
    "commit-msg",  # the Session: trailer (sess.trailer); Python only when it is on
    "pre-merge-commit",
    "post-commit",
    "post-merge",
    "post-checkout",
    "post-rewrite",
)
STUB_MARK = b"# git-sess "  # the stub's first comment: `# git-sess <hook> hook, …`
LEGACY_SUFFIX = ".legacy"
MERGE_DRIVER = "git-sess-index"
ATTRIBUTES_MARK = "# git-sess: merges the session index without conflicts"
HOOK_SOCKET = "hooks.sock"  # hooks/client.py's SOCKET_NAME (not imported: it is a script)
STATE_FILE = "tmp/hook-state"  # + "-<git pid>": in the scratch folder, swept
BYPASS_VARIABLE = "GIT_SESS_BYPASS"  # how to commit anyway, when not `git commit --no-verify`
# What a hook manager of the user's can call directly (the post-* hooks repair
# what merges, rebases and picks commit); post-checkout only refreshes the
# search index, which the next search does by itself.
CALLABLE_HOOKS = (
    "pre-commit",
    "prepare-commit-msg",
    "pre-merge-commit",
    "post-commit",
    "post-merge",
    "post-rewrite",
)
# The hooks whose failure stops git; the others only ever exit 0.
REFUSING = ("pre-commit", "pre-merge-commit", "merge-index")


# --- where hooks go ------------------------------------------------------------


@dataclass(frozen=True)
class HookPlace:
    directory: Path
    common_dir: Path  # the repository's shared git directory
    configured: str | None  # core.hooksPath as written, when set


def hook_place(workspace: Workspace) -> HookPlace:
    repo = workspace.repo
    hooks, common = repo.git("rev-parse", "--git-path", "hooks", "--git-common-dir").splitlines()
    configured = repo.git("config", "--get", "core.hooksPath", check=False).strip() or None
    return HookPlace(
        directory=(repo.root / hooks).resolve(),
        common_dir=(repo.root / common).resolve(),
        configured=configured,
    )


def _require_inside(workspace: Workspace, place: HookPlace) -> None:
    """`core.hooksPath` outside the repository belongs to the user's own hook
    manager (shared by every repository), and one holding committed files to
    the team: say what to add there instead. Stubs name this machine's
    interpreter, so they must never be committed."""
    root = workspace.repo.root.resolve()
    inside = any(place.directory.is_relative_to(top) for top in (root, place.common_dir))
    husky = _is_husky(place.directory)
    if inside and not husky and not _holds_tracked_files(workspace, place.directory):
        return
    if husky:  # husky >= 9: its stub for <hook> runs ../<hook>, never <hook>.legacy
        user_hooks = f"{Path(place.configured or '.').parent.as_posix()}/"
        portable = "; ".join(
            f'{hook}: git sess hook {hook} "$@"' for hook in _husky_lacks(workspace, place)
        )
        raise HooksElsewhere(
            f"core.hooksPath is {place.configured}, husky's, which runs the hooks in"
            f" {user_hooks}: git sess does not write hooks there",
            f"add to those hooks in {user_hooks} ({portable})",
        )
    if inside:
        where = f"{place.configured}, whose hooks are committed:"
        portable = "; ".join(f'{hook}: git sess hook {hook} "$@"' for hook in CALLABLE_HOOKS)
        fix = f"add to those hooks ({portable})"
    else:
        where = f"{place.configured}, outside this repository:"
        lines = "; ".join(f'{hook}: {_command(hook)} "$@"' for hook in CALLABLE_HOOKS)
        fix = f"add to your hook manager ({lines})"
    raise HooksElsewhere(
        f"core.hooksPath is {where} git sess does not write hooks there",
        f"{fix}, or unset it: git config --unset core.hooksPath",
    )


def _husky_lacks(workspace: Workspace, place: HookPlace) -> list[str]:
    """The hooks husky runs without calling ours (`.husky/<hook>` lacks the line)."""
    root = workspace.repo.root
    return [hook for hook in CALLABLE_HOOKS if not runs_ours(place.directory, root, hook)]


def _is_husky(directory: Path) -> bool:
    """husky >= 9's generated directory (`.husky/_`, with its `h` script)."""
    return directory.name == "_" and (directory / "h").is_file()


def _holds_tracked_files(workspace: Workspace, directory: Path) -> bool:
    root = workspace.repo.root.resolve()
    if not directory.is_relative_to(root):
        return False
    relative = directory.relative_to(root).as_posix()
    return bool(workspace.repo.git("ls-files", "--", relative or ".", check=False).strip())


class HooksElsewhere(GitSessError):
    """The hooks belong to a manager outside the repository (the merge driver does not)."""


def _command(hook: str) -> str:
    return f"{shlex.quote(sys.executable)} -m gitsess.hooks {hook}"


# --- install, uninstall, status --------------------------------------------------


def hook_states(workspace: Workspace) -> dict[str, str]:
    """Per hook: "ours", "ours, chaining <hook>.legacy", "foreign" or "missing";
    ours with ", out of date" when another interpreter, sessions directory or
    version of git-sess wrote it."""
    place = hook_place(workspace)
    state_dir = place.common_dir / "gitsess"
    root = workspace.repo.root
    return {
        hook: _state(place.directory / hook, _stub(workspace, hook, state_dir), root)
        for hook in HOOKS
    }


def _state(path: Path, stub: bytes, root: Path) -> str:
    if not os.path.lexists(path):
        return "missing"
    if _chains_ours(path):
        state, ours = f"foreign, chaining ours ({path.name}{LEGACY_SUFFIX})", _legacy(path)
    elif not _is_ours(path):
        # A hook of the user's, husky's or the pre-commit framework's that calls ours
        # (`git sess hook NAME`): found as the missing-hooks note finds it.
        return "foreign, running ours" if runs_ours(path.parent, root, path.name) else "foreign"
    else:
        state, ours = "ours", path
        if os.path.lexists(_legacy(path)):
            state += f", chaining {path.name}{LEGACY_SUFFIX}"
    if ours.read_bytes() != stub:
        state += ", out of date (git sess hooks install updates it)"
    return state


def _is_ours(path: Path) -> bool:
    return _is_ours_named(path, path.name)


def _is_ours_named(path: Path, hook: str) -> bool:
    if path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(256)  # any bytes: a hook need not be UTF-8
    except OSError:
        return False
    lines = head.split(b"\n")
    return len(lines) > 1 and lines[1].startswith(STUB_MARK + hook.encode() + b" hook, ")


def _chains_ours(path: Path) -> bool:
    """A hook manager (the pre-commit framework's `install`) moved our stub aside
    to `<hook>.legacy`, which it runs: git-sess's hook runs through it."""
    return not _is_ours(path) and _is_ours_named(_legacy(path), path.name)


FRAMEWORK_MARK = b"# File generated by pre-commit: https://pre-commit.com"


def _is_framework(path: Path) -> bool:
    """The pre-commit framework's own hook script."""
    try:
        with path.open("rb") as handle:
            return FRAMEWORK_MARK in handle.read(4096)
    except OSError:
        return False


def _legacy(path: Path) -> Path:
    return path.with_name(path.name + LEGACY_SUFFIX)


@dataclass(frozen=True)
class InstallResult:
    directory: Path
    changed: list[str]  # what was done, one line each
    kept: list[str]  # foreign hooks now chained


def install_hooks(workspace: Workspace) -> InstallResult:
    place = hook_place(workspace)
    if _is_husky(place.directory) and not _husky_lacks(workspace, place):
        # Every hook husky runs calls ours already: nothing to write, nothing to add.
        return InstallResult(place.directory, install_merge_driver(workspace), [])
    if place.configured is not None:
        _require_inside(workspace, place)
    state_dir = place.common_dir / "gitsess"
    (state_dir / STATE_FILE).parent.mkdir(parents=True, exist_ok=True)
    place.directory.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    kept: list[str] = []
    plans = [(place.directory / hook, _stub(workspace, hook, state_dir)) for hook in HOOKS]
    for path, _ in plans:  # refuse before changing anything
        if _chains_ours(path):
            continue
        if not _is_ours(path) and os.path.lexists(path) and os.path.lexists(_legacy(path)):
            raise GitSessError(
                f"{path} is not git-sess's, and {_legacy(path).name} exists beside it",
                "merge the two by hand or remove one of them, then run git sess hooks install"
                " (nothing was changed)",
            )
    for path, stub in plans:
        # A manager that runs our stub stays in front. So does the pre-commit
        # framework's script, which runs `<hook>.legacy` itself and fails when it
        # is renamed to that name: ours goes behind it.
        if _chains_ours(path) or (_is_framework(path) and not os.path.lexists(_legacy(path))):
            path = _legacy(path)
        if _is_ours_named(path, path.name.removesuffix(LEGACY_SUFFIX)):
            if path.read_bytes() == stub:
                continue
            changed.append(f"updated {path.name}")
        elif os.path.lexists(path):
            os.rename(path, _legacy(path))  # a rename keeps its bytes, mode and symlink as they are
            kept.append(path.name)
            changed.append(f"installed {path.name} (your hook runs first: {_legacy(path).name})")
        else:  # a new stub is a `.legacy` only behind the framework's script
            behind = path.name.endswith(LEGACY_SUFFIX)
            changed.append(
                f"installed {path.name}" + (" (the pre-commit framework runs it)" if behind else "")
            )
        write_atomic(path, stub)
        os.chmod(path, 0o755)
    changed += _exclude_hooks_directory(workspace, place)
    changed += install_merge_driver(workspace)
    return InstallResult(place.directory, changed, kept)


@dataclass(frozen=True)
class SetUp:
    """What `git sess init` did: files created, hook changes, and what is left."""

    created: list[str]
    changed: list[str]
    hooks_error: GitSessError | None  # why the hooks were not installed, if they were not
    next_step: str | None  # the command that commits a new setup


def set_up(workspace: Workspace, with_hooks: bool) -> SetUp:
    """The sessions directory, its index and CONTEXT_MANAGEMENT.md, then the hooks."""
    created = init_workspace(workspace).created
    changed, error = install_at_init(workspace) if with_hooks else ([], None)
    next_step = None
    if created:
        setup = [workspace.config.sessions_dir]
        if (workspace.repo.root / ".gitattributes").is_file():
            setup.append(".gitattributes")
        paths = " ".join(shlex.quote(path) for path in setup)
        next_step = f"git add {paths} && git commit -m 'Set up session notes'"
    return SetUp(created, changed, error, next_step)


def install_at_init(workspace: Workspace) -> tuple[list[str], GitSessError | None]:
    """`git sess init`'s hooks: what was done, and why the hooks were not
    installed if they were not. Where core.hooksPath belongs to a hook manager,
    the merge driver is installed all the same: merges need no hook."""
    try:
        return install_hooks(workspace).changed, None
    except HooksElsewhere as error:
        return install_merge_driver(workspace), error
    except GitSessError as error:
        return [], error


def _stub(workspace: Workspace, hook: str, state_dir: Path) -> bytes:
    from importlib import resources

    from gitsess.core.templates import render

    template = resources.files("gitsess").joinpath("git-hooks", "hook.sh").read_text("utf-8")
    values = {
        "hook": hook,
        "python": shlex.quote(sys.executable),
        "sessions_dir": shlex.quote(workspace.config.sessions_dir),
        "state": shlex.quote(str(state_dir / STATE_FILE)),
        # The resident hook server's client and socket (hooks/hookserver.py).
        "package_root": shlex.quote(str(Path(__file__).resolve().parent.parent.parent)),
        "hook_socket": shlex.quote(str(state_dir / HOOK_SOCKET)),
    }
    return render(template, values, "packaged git-hooks/hook.sh").encode("utf-8")


def uninstall_hooks(workspace: Workspace) -> list[str]:
    place = hook_place(workspace)
    changed = []
    for hook in HOOKS:
        path = place.directory / hook
        if _chains_ours(path):
            _legacy(path).unlink()
            changed.append(f"removed {_legacy(path).name} (your {hook} ran it)")
            continue
        if not _is_ours(path):
            continue
        path.unlink()
        if os.path.lexists(_legacy(path)):
            os.rename(_legacy(path), path)
            changed.append(f"restored your {hook}")
        else:
            changed.append(f"removed {hook}")
    changed += _exclude_hooks_directory(workspace, place, remove=True)
    if place.configured is not None and place.directory.is_dir():
        with contextlib.suppress(OSError):  # left as it is unless empty
            place.directory.rmdir()
    changed += _uninstall_merge_driver(workspace)
    from gitsess import search  # only here: the hooks themselves never load it

    if search.stop_server(workspace):
        changed.append("stopped the search server")
    from gitsess.hooks import served

    if served.stop(place.common_dir / "gitsess"):
        changed.append("stopped the hook server")
    return changed


EXCLUDE_MARK = "# git-sess: its hooks name this machine's interpreter, never commit them"


def _exclude_hooks_directory(
    workspace: Workspace, place: HookPlace, *, remove: bool = False
) -> list[str]:
    """A `core.hooksPath` in the work tree is kept out of `git add -A` through
    .git/info/exclude: committed, the stubs would point a clone at this machine."""
    from gitsess.core.repo import set_excluded

    root = workspace.repo.root.resolve()
    if place.configured is None or not place.directory.is_relative_to(root):
        return []
    if place.directory.is_relative_to(place.common_dir):
        return []  # inside .git, which git never adds
    pattern = f"/{place.directory.relative_to(root).as_posix()}/"
    if not set_excluded(place.common_dir, [EXCLUDE_MARK, pattern], present=not remove):
        return []
    if remove:
        return [f"removed {pattern} from exclude"]
    return [f"excluded {pattern} from commits (.git/info/exclude)"]


# --- the merge driver for session_index.md ------------------------------------------


def _attributes_lines(workspace: Workspace) -> list[str]:
    # gitattributes has no trailing comments: the explanation gets a line of its own.
    return [
        ATTRIBUTES_MARK,
        _attribute_line(workspace.config.sessions_dir),
    ]


def _attribute_line(directory: str) -> str:
    """The merge-driver line; a path with whitespace is quoted C-style, the one
    way gitattributes lets a pattern hold it."""
    pattern = f"/{directory}/session_index.md"
    if re.search(r'[\s"\\]', pattern):
        pattern = '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{pattern} merge={MERGE_DRIVER}"


def install_merge_driver(workspace: Workspace) -> list[str]:
    repo = workspace.repo
    changed = []
    driver = f"{_command('merge-index')} %O %A %B %P"
    if repo.git("config", "--get", f"merge.{MERGE_DRIVER}.driver", check=False).strip() != driver:
        repo.git("config", f"merge.{MERGE_DRIVER}.name", "git-sess session index")
        repo.git("config", f"merge.{MERGE_DRIVER}.driver", driver)
        changed.append(f"configured merge.{MERGE_DRIVER}.driver")
    attributes = workspace.inside(repo.root / ".gitattributes")  # a link out: refused
    text = (
        attributes.read_bytes().decode("utf-8", "surrogateescape") if attributes.is_file() else ""
    )
    lines = _attributes_lines(workspace)
    if lines[1] not in text.splitlines():
        separator = "" if not text or text.endswith("\n") else "\n"
        if separator:  # remembered, so that uninstall gives back the very bytes
            _no_newline_marker(workspace).write_text("")
        block = separator + "\n".join(lines) + "\n"
        write_atomic(attributes, (text + block).encode("utf-8", "surrogateescape"))
        changed.append("added the merge driver for the index to .gitattributes")
    return changed


def _uninstall_merge_driver(workspace: Workspace) -> list[str]:
    repo = workspace.repo
    changed = []
    if repo.git("config", "--get", f"merge.{MERGE_DRIVER}.driver", check=False).strip():
        repo.git("config", "--remove-section", f"merge.{MERGE_DRIVER}", check=False)
        changed.append(f"removed merge.{MERGE_DRIVER} from the configuration")
    attributes = workspace.inside(repo.root / ".gitattributes")
    if not attributes.is_file():
        return changed
    text = attributes.read_bytes().decode("utf-8", "surrogateescape")
    block = "\n".join(_attributes_lines(workspace)) + "\n"
    if block in repo.git("cat-file", "-p", "HEAD:.gitattributes", check=False):
        # Committed, the lines are every clone's: uninstalling here is this clone's affair.
        changed.append(
            "kept the merge driver lines in .gitattributes: they are committed, for every"
            " clone (without the driver, git merges the index as text)"
        )
        return changed
    if block in text:
        start = text.index(block)
        end = start + len(block)
        marker = _no_newline_marker(workspace)
        if marker.exists() and end == len(text) and text[start - 1 : start] == "\n":
            start -= 1  # the newline install added to a last line that had none
        marker.unlink(missing_ok=True)
        kept = text[:start] + text[end:]
        if kept:
            write_atomic(attributes, kept.encode("utf-8", "surrogateescape"))
            changed.append("removed the merge driver lines from .gitattributes")
        else:
            attributes.unlink()  # git sess created it
            changed.append("deleted .gitattributes (git sess had created it)")
    return changed


def _no_newline_marker(workspace: Workspace) -> Path:
    return hook_place(workspace).common_dir / "gitsess" / "gitattributes-had-no-newline"
