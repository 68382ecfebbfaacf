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


def test_every_subcommand_is_in_the_readme_row_of_its_group(tmp_path: Path) -> None:
    for group in ("hooks", "assistant"):
        row = next(line for line in README.splitlines() if line.startswith(f"| `git sess {group}`"))
        listed = sess(tmp_path, group, "-h").out.split("Commands:", 1)[1]
        for command in re.findall(r"^  ([a-z-]+)\s", listed, re.M):
            assert f"`{command}`" in row, (group, command)


def test_the_readme_is_a_front_door() -> None:
    """The reference lives in docs/; the README stays short enough to read."""
    assert len(README.encode("utf-8")) <= 12 * 1024
    for page in ("tour", "commands", "configuration", "files", "git-hooks", "assistant", "search"):
        assert f"(docs/{page}.md)" in README, page


def test_every_setting_is_documented() -> None:
    source = (ROOT / "gitsess" / "core" / "config.py").read_text(encoding="utf-8")
    keys = {key.lower() for key in re.findall(r"\"(sess\.[A-Za-z]+)\"", source)}
    assert len(keys) >= 10, keys
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = {key.lower() for key in re.findall(r"^\| `(sess\.[A-Za-z]+)` \|", page, re.M)}
    assert keys <= documented, keys - documented


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_links_between_the_docs_resolve() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    checked = 0
    for page in pages:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # a web address
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            assert file.is_file(), f"{page.name}: no {path}"
            if anchor and file.suffix == ".md":
                prose = re.sub(r"```.*?```", "", file.read_text(encoding="utf-8"), flags=re.S)
                headings = re.findall(r"^#+ (.+)$", prose, re.M)
                assert anchor in {_slug(h) for h in headings}, (
                    f"{page.name}: no #{anchor} in {path}"
                )
            checked += 1
    assert checked > 30


def test_only_the_tour_shows_console_sessions() -> None:
    """Every ```console block is replayed by tests/cli/test_tour.py, so a
    console block elsewhere would claim a real output nothing checks."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        if page.name != "tour.md":
            assert "```console" not in page.read_text(encoding="utf-8"), page.name


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


def test_commands_page_is_current() -> None:
    """docs/commands.md is every command's --help: it must match the CLI."""
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from make_commands import PAGE, page
    finally:
        sys.path.pop(0)
    assert PAGE.read_text(encoding="utf-8") == page(), "run: python docs/make_commands.py"


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
    # The command is a script of its own (scripts/git-sess), not an entry point whose
    # generated wrapper would import `re` at every start.
    script = next(name for name in names if name.endswith(".data/scripts/git-sess"))
    assert zipfile.ZipFile(wheel).read(script).startswith(b"#!python\n")
    assert not any(name.endswith("entry_points.txt") for name in names)


@pytest.mark.long
def test_mypy_is_clean(tmp_path: Path) -> None:
    # mypy writes its cache even with --no-incremental: into tmp_path, not the checkout
    cache = ["--no-incremental", "--cache-dir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, "-m", "mypy", *cache, str(ROOT / "gitsess")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]])
def test_ruff_is_clean(args: list[str]) -> None:
    # --no-cache: nothing written into the checkout, which other tests read at the same time
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
