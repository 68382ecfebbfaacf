"""Promises about the package's shape: wings that depend on the core and never the
reverse, no import cycle, each third-party library entered through one module,
hook paths that never load the heavy libraries, caches keyed by every module,
and the command lines already written into users' repositories still working."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, sess

PACKAGE = Path(__file__).resolve().parent.parent / "gitsess"
WINGS = ("hooks", "search", "assistant", "cli", "mcp")
MAX_LINES = 500
# Where each third-party library may be imported: one module, or for click the
# command-line wing (each command module declares its own click options).
ENTERED_THROUGH = {
    "yaml": ("gitsess.core.frontmatter",),
    "frontmatter": ("gitsess.core.frontmatter",),
    "git": ("gitsess.core.repo",),
    "whoosh": ("gitsess.search.backend",),
    "click": ("gitsess.cli",),
    "mcp": ("gitsess.mcp.server",),
    "tomlkit": ("gitsess.assistant.codex_toml",),
    "anyio": ("gitsess.mcp.server",),
}
HEAVY = ("click", "git", "whoosh")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> list[str]:
    """Every module `path` imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            inside = [name for name in submodules if name in MODULES]
            found += inside or [node.module]
    return found


def internal_graph() -> dict[str, set[str]]:
    return {
        name: {target for target in imports(path) if target in MODULES}
        for name, path in MODULES.items()
    }


def wing_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in WINGS) else "core"


def test_the_package_is_laid_out_by_wing() -> None:
    assert {
        path.name for path in PACKAGE.iterdir() if path.is_dir() and path.name != "__pycache__"
    } >= {
        "core",
        *WINGS,
    }
    loose = {path.name for path in PACKAGE.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py"}, "modules belong in a wing"


def test_no_import_cycle_counting_imports_inside_functions() -> None:
    graph = internal_graph()
    # The package's own __init__ (the version) is imported by all; it imports nothing back.
    assert graph["gitsess"] == set()
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            assert state.get(target) != "open", " -> ".join([*path, module, target])
            if target not in state:
                visit(target, [*path, module])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [])


def test_the_core_depends_on_no_wing() -> None:
    for module, targets in internal_graph().items():
        if module.startswith("gitsess.core"):
            wings = {target for target in targets if wing_of(target) != "core"}
            assert not wings, f"{module} imports {sorted(wings)}"


def test_the_wings_reach_each_other_only_through_a_front_door() -> None:
    """A wing uses another through its package's API, except the command line,
    which drives them all."""
    for module, targets in internal_graph().items():
        wing = wing_of(module)
        if wing in ("core", "cli") or module == "gitsess.__main__":
            continue
        for target in targets:
            other = wing_of(target)
            if other not in ("core", wing):
                assert target == f"gitsess.{other}", f"{module} reaches into {target}"


@pytest.mark.parametrize("library", sorted(ENTERED_THROUGH))
def test_each_library_is_entered_through_one_module(library: str) -> None:
    allowed = ENTERED_THROUGH[library]
    users = {
        module
        for module, path in MODULES.items()
        if any(name == library or name.startswith(f"{library}.") for name in imports(path))
    }
    assert users, f"{library} is a dependency nobody uses"
    strays = {module for module in users if not module.startswith(allowed)}
    assert not strays, f"{library} imported outside {allowed}: {sorted(strays)}"


def test_no_module_is_over_the_size_a_reader_takes_in_one_sitting() -> None:
    sizes = {
        module: len(path.read_text(encoding="utf-8").splitlines())
        for module, path in MODULES.items()
    }
    assert {module: n for module, n in sizes.items() if n > MAX_LINES} == {}


# --- what the hook paths load -----------------------------------------------------

PROBE = """
import json, runpy, sys
argv, out = sys.argv[1:-1], sys.argv[-1]
sys.argv = argv
try:
    runpy.run_module(argv[0], run_name="__main__", alter_sys=True)
except SystemExit as done:
    code = done.code
with open(out, "w") as handle:
    json.dump({"code": code, "modules": sorted(sys.modules)}, handle)
"""


def loaded_by(cwd: Path, tmp_path: Path, *argv: str, stdin: str = "") -> dict:
    """Run `python -m ARGV…` as git or Claude Code does, and list the modules it loaded."""
    out = tmp_path / "loaded.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv, str(out)],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
    )
    assert out.exists(), done.stderr
    return json.loads(out.read_text())


def heavy(modules: list[str]) -> list[str]:
    return [name for name in modules if name.split(".")[0] in HEAVY]


def stage_export(sessions: Path, title: str, extra: str, body: str) -> None:
    """Stage a new export `title` with plain frontmatter (+ `extra` lines) and `body`."""
    export = sessions / ".sessions" / f"session_20260105_{title.lower()}.md"
    export.write_text(
        f"---\ntitle: {title}\ndate: 2026-01-05\ntype: feature\nstatus: in-progress\n"
        f"tags: [probe]\n{extra}---\n\n# {title}\n{body}",
        encoding="utf-8",
    )
    git(sessions, "add", ".sessions")


def test_the_commit_hooks_never_load_click_gitpython_or_whoosh(
    sessions: Path, tmp_path: Path
) -> None:
    stage_export(sessions, "Probe", "", "")
    # Each hook does its real work here: a staged export to check and an index to stage.
    for hook in ("pre-commit", "prepare-commit-msg", "post-commit"):
        args = [".git/COMMIT_EDITMSG"] if hook == "prepare-commit-msg" else []
        (sessions / ".git" / "COMMIT_EDITMSG").write_text("\n")
        found = loaded_by(sessions, tmp_path, "gitsess.hooks", hook, *args)
        assert found["code"] in (0, None), hook
        assert "gitsess.hooks.run" in found["modules"], hook
        assert heavy(found["modules"]) == [], hook
    assert "session_index.md" in git(sessions, "diff", "--cached", "--name-only")


# What a commit of a plain export never needs, and once cost each commit more than
# its work (benchmarks/README.md, "Commits at any size"): the YAML stack (plain
# frontmatter is read by core/plainyaml.py), the renaming machinery, and the
# standard modules that load archive codecs (shutil, tempfile).
UNUSED_BY_A_COMMIT = ("yaml", "frontmatter", "gitsess.core.renaming", "shutil", "tempfile")


def test_the_pre_commit_hook_of_a_plain_export_loads_only_what_it_uses(
    sessions: Path, tmp_path: Path
) -> None:
    stage_export(sessions, "Plain", "tokens: 1200\n", "\n## Objectives\n- the token is long\n")
    found = loaded_by(sessions, tmp_path, "gitsess.hooks", "pre-commit")
    assert found["code"] in (0, None)
    assert "gitsess.core.plainyaml" in found["modules"]  # the export was read
    assert [name for name in found["modules"] if name in UNUSED_BY_A_COMMIT] == []
    assert "session_index.md" in git(sessions, "diff", "--cached", "--name-only")


@pytest.mark.parametrize("assistant", ["claude", "codex"])
@pytest.mark.parametrize("event", ["SessionStart", "UserPromptSubmit", "PreCompact", "SessionEnd"])
def test_the_assistants_hooks_never_load_click_gitpython_or_whoosh(
    sessions: Path, tmp_path: Path, event: str, assistant: str
) -> None:
    payload = {"hook_event_name": event, "cwd": str(sessions), "session_id": "probe"}
    found = loaded_by(
        sessions, tmp_path, "gitsess", "hook", assistant, event, stdin=json.dumps(payload)
    )
    assert found["code"] == 0
    assert f"gitsess.assistant.{assistant}_hooks" in found["modules"]
    assert heavy(found["modules"]) == []


# --- caches and upgrades ----------------------------------------------------------


def code_stamp(package_parent: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from gitsess.core.cache import code_stamp; print(code_stamp())"],
        env={**os.environ, "PYTHONPATH": str(package_parent)},
        cwd=package_parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.mark.parametrize("changed", ["hooks/staged.py", "search/__init__.py", "core/model.py"])
def test_a_change_to_any_module_invalidates_the_caches(tmp_path: Path, changed: str) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(PACKAGE, copy / "gitsess", ignore=shutil.ignore_patterns("__pycache__"))
    before = code_stamp(copy)
    assert before == code_stamp(copy)  # the same code, the same key
    module = copy / "gitsess" / changed
    module.write_text(module.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert code_stamp(copy) != before


# --- command lines users already have -----------------------------------------------


def test_hook_command_lines_written_before_the_move_still_work(sessions: Path) -> None:
    """What earlier versions wrote into .git/hooks, .git/config and Claude Code's
    settings: `python -m gitsess.hooks HOOK`, `python -m gitsess hook claude EVENT`."""
    assert sess(sessions, "hooks", "install").code == 0
    stub = (sessions / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")
    assert "-m gitsess.hooks" in stub
    driver = git(sessions, "config", "merge.git-sess-index.driver")
    assert "-m gitsess.hooks merge-index" in driver
    post = subprocess.run(
        [sys.executable, "-m", "gitsess.hooks", "post-commit"], cwd=sessions, capture_output=True
    )
    assert post.returncode == 0, post.stderr
    payload = json.dumps({"hook_event_name": "SessionStart", "cwd": str(sessions)})
    claude = subprocess.run(
        [sys.executable, "-m", "gitsess", "hook", "claude", "SessionStart"],
        cwd=sessions,
        input=payload,
        capture_output=True,
        text=True,
    )
    assert claude.returncode == 0, claude.stderr
    assert isinstance(json.loads(claude.stdout), dict)


def test_only_git_sess_mcp_loads_the_mcp_sdk(sessions: Path, tmp_path: Path) -> None:
    """The SDK takes seconds to import: no other command may pay for it, not even
    the one that registers the server with the assistants."""
    sdk = ("mcp", "mcp_types", "anyio", "pydantic")
    for argv in (
        ["--help"],
        ["list"],
        ["search", "anything"],
        ["assistant", "install", "--mcp", "--scope", "project"],
        ["mcp", "--help"],
    ):
        found = loaded_by(sessions, tmp_path, "gitsess", *argv)
        assert found["code"] in (0, 1, None), argv
        assert [name for name in found["modules"] if name.split(".")[0] in sdk] == [], argv
    assert (sessions / ".mcp.json").is_file()  # the registration did run
