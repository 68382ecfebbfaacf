"""`git sess demo` ends by saying how to go on in its repository, and that must work."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BIN_DIR

from gitsess.cli.demo import closing_advice


def test_on_path_the_advice_is_to_cd_there(tmp_path: Path) -> None:
    assert closing_advice(tmp_path) == (
        f"The demo repository is {tmp_path}; cd there to try more, rm -rf it when done."
    )


def test_off_path_the_advice_says_how_and_following_it_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As after `.venv/bin/git-sess demo`: "cd there" alone would end in
    `git: 'sess' is not a git command`."""
    tools = {str(Path(shutil.which(name) or name).parent) for name in ("git", "bash")}
    path = os.pathsep.join(sorted(tools))
    monkeypatch.setenv("PATH", path)
    assert shutil.which("git-sess") is None, f"another git-sess is installed in {path}"
    first, second = closing_advice(tmp_path).splitlines()
    assert first.startswith(f"The demo repository is {tmp_path}; cd there")
    prefix = "git sess is not on your PATH, so git will not find it there: "
    assert second == f'{prefix}export PATH="{BIN_DIR}:$PATH"'
    command = second.removeprefix(prefix)
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", f"{command} && git sess --version"],
        cwd=tmp_path,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("git-sess, version ")
