"""The command line's group and its one exit: each wing's module holds the
commands the group expects of it and is loaded only when one of them is asked
for; failures are said through the one printer."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from conftest import sess

from gitsess.cli.app import WINGS, cli


@pytest.mark.parametrize("module", sorted(WINGS))
def test_each_wing_defines_the_commands_the_group_expects_of_it(module: str) -> None:
    defined = {command.name for command in importlib.import_module(module).COMMANDS}
    assert defined == set(WINGS[module])


def test_the_group_lists_and_finds_every_command() -> None:
    context = click.Context(cli, info_name="git sess")
    names = cli.list_commands(context)
    assert names == sorted(name for names in WINGS.values() for name in names)
    for name in names:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name


def modules_loaded_by(*args: str) -> list[str]:
    """The git-sess modules loaded by `git-sess ARGS…`, run through the console
    script's entry point."""
    probe = (
        "import json, sys\n"
        "from gitsess.cli import run\n"
        f"sys.argv = ['git-sess', *{list(args)!r}]\n"
        "code = run()\n"
        "sys.stdout.write('\\n' + json.dumps([code, sorted(sys.modules)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    code, modules = json.loads(done.stdout.splitlines()[-1])
    assert code == 0, done.stderr
    return [name for name in modules if name.startswith("gitsess.")]


def test_version_loads_no_command_module() -> None:
    loaded = modules_loaded_by("--version")
    assert "gitsess.cli.app" in loaded
    assert not set(WINGS) & set(loaded)
    assert "gitsess.cli.options" not in loaded


def test_a_command_loads_its_own_wing_only() -> None:
    loaded = set(modules_loaded_by("hooks", "--help"))
    assert {module for module in WINGS if module in loaded} == {"gitsess.cli.hooks"}


def test_a_mistyped_command_is_a_usage_error_naming_the_nearest(tmp_path: Path) -> None:
    """click suggests among the commands it holds: the group must hold them all then."""
    result = sess(tmp_path, "lsit")
    suggests = hasattr(click.exceptions, "NoSuchCommand")  # click >= 8.4
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "git-sess: error: No such command 'lsit'."
        + (" Did you mean 'list'?" if suggests else "")
        + "\nhint: git sess --help\n"
    )


def test_every_line_of_a_refusal_is_said_as_the_hook_says_it(sessions: Path) -> None:
    """`git sess commit` checks what it commits itself when no hook is installed:
    it names each secret, not only the first."""
    export = sessions / ".sessions" / "session_20260105_two_secrets.md"
    export.write_text(
        "---\ntitle: Two secrets\ndate: 2026-01-05\ntype: feature\nstatus: in-progress\n---\n\n"
        "key AKIAIOSFODNN7EXAMPLQ\nother ghp_abcdefghijklmnopqrstuvwxyz0123456789\n",
        encoding="utf-8",
    )
    result = sess(sessions, "commit")
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("git-sess: error: ")]
    assert [line.split(": ")[2] for line in errors] == [
        ".sessions/session_20260105_two_secrets.md:8",
        ".sessions/session_20260105_two_secrets.md:9",
    ]
    assert result.err.splitlines()[-1].startswith("hint: remove it")


def test_an_eoferror_in_a_command_is_a_bug_not_an_interrupt(sessions: Path, tmp_path: Path) -> None:
    """A .pyc cut short (a write under a file-size limit) makes the command's import
    raise EOFError, which click reports as an Abort, as it does ^C: it once exited
    130 and said nothing."""
    cache = {"PYTHONPYCACHEPREFIX": str(tmp_path / "bytecode")}
    compiled = subprocess.run(
        [sys.executable, "-c", "import gitsess.hooks.sesscommit"],
        env={**os.environ, **cache},
        capture_output=True,
        text=True,
    )
    assert compiled.returncode == 0, compiled.stderr
    (pyc,) = (tmp_path / "bytecode").rglob("sesscommit.*.pyc")
    pyc.write_bytes(pyc.read_bytes()[:200])

    result = sess(sessions, "commit", env=cache)

    assert (result.code, result.err) == (
        3,
        "git-sess: error: unexpected EOFError: marshal data too short\n"
        "hint: run again as git sess --debug … for the traceback, and report it\n",
    )
