"""Promises about the project itself: docs match the CLI, CI runs the README's
test command, the wheel ships the templates, the code is lint-clean."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import sess

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(cwd: Path) -> list[str]:
    help_text = sess(cwd, "-h").out  # `git sess --help` is git's: it opens the man page
    listed = help_text.split("Commands:", 1)[1]
    return re.findall(r"^  ([a-z-]+)\s", listed, re.M)


def test_every_command_is_in_the_readme(tmp_path: Path) -> None:
    found = commands(tmp_path)
    assert {"init", "new", "update", "list", "show", "check", "index", "import", "demo"} <= set(
        found
    )
    for command in found:
        assert f"git sess {command}" in README, command


def test_every_command_help_has_an_example(tmp_path: Path) -> None:
    for command in commands(tmp_path):
        result = sess(tmp_path, command, "-h")
        assert result.code == 0, command
        assert "Example" in result.out, command


def test_readme_opens_with_demo_and_test_commands() -> None:
    fenced = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    lines = [line for line in fenced.splitlines() if line and not line.startswith("#")]
    assert len(lines) == 2
    assert lines[0].endswith("git sess demo")
    assert "pytest" in lines[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert lines[1] in ci.splitlines()


def test_version_matches_package(tmp_path: Path) -> None:
    from gitsess import __version__

    assert sess(tmp_path, "--version").out.strip() == f"git-sess, version {__version__}"


def test_man_page_is_current() -> None:
    """`git sess --help` opens `man git-sess`: the shipped page must match the CLI."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from make_manpage import PAGE, manpage
    finally:
        sys.path.pop(0)
    assert PAGE.read_text(encoding="utf-8") == manpage(), "run: python docs/make_manpage.py"


def test_git_sess_help_opens_the_man_page(tmp_path: Path) -> None:
    result = sess(tmp_path, "--help", env={"MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"})
    assert result.code == 0, result.err
    assert "GIT-SESS(1)" in result.out
    assert "git sess import [OPTIONS] [PATHS]..." in result.out


def test_wheel_ships_templates_and_hooks(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    wheel = next(tmp_path.glob("git_sess-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in (ROOT / "templates").iterdir():
        assert f"gitsess/templates/{template.name}" in names
    for hook in (ROOT / "git-hooks").iterdir():
        assert f"gitsess/git-hooks/{hook.name}" in names
    assert any(name.endswith(".data/data/share/man/man1/git-sess.1") for name in names)


def test_mypy_is_clean() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", str(ROOT / "gitsess")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff_is_clean(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *args, str(ROOT)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
