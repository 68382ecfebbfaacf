"""The one error exit: the exit codes and the printer every entry point uses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gitsess.core.errors import ExitCode, GitSessError, SessionNotFound, exit_with, warn


def test_the_exit_codes_are_those_of_the_design() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "ERROR": 1,
        "USAGE": 2,
        "BUG": 3,
        "INTERRUPTED": 130,
    }


@pytest.mark.parametrize("code", list(ExitCode))
def test_a_process_exits_with_the_code_itself(code: ExitCode) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from gitsess.core.errors import ExitCode; raise SystemExit(ExitCode.{code.name})",
        ],
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stderr) == (code, "")


def test_each_line_and_each_hint_get_their_prefix_in_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = exit_with(
        ExitCode.ERROR,
        ["a.md:3: a secret", "b.md:7: another"],
        ["remove it", None, "", "to commit anyway, this once: git commit --no-verify"],
    )
    assert code is ExitCode.ERROR
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "git-sess: error: a.md:3: a secret\n"
        "git-sess: error: b.md:7: another\n"
        "hint: remove it\n"
        "hint: to commit anyway, this once: git commit --no-verify\n"
    )


def test_one_line_and_one_hint_may_be_given_as_strings(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_with(ExitCode.USAGE, "no such option: --bogus", "git sess list --help") == 2
    assert capsys.readouterr().err == (
        "git-sess: error: no such option: --bogus\nhint: git sess list --help\n"
    )


def test_a_code_alone_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_with(ExitCode.INTERRUPTED) == 130
    assert exit_with(ExitCode.OK, [], None) == 0
    assert capsys.readouterr() == ("", "")


def test_control_characters_are_shown_escaped_and_newlines_start_a_prefixed_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_with(ExitCode.ERROR, "bad \x1b[2Jname\r\x7f\x9b\tkept\nsecond", "fix\x07 it\nthen retry")
    assert capsys.readouterr().err == (
        "git-sess: error: bad \\x1b[2Jname\\x0d\\x7f\\u009b\tkept\n"
        "git-sess: error: second\n"
        "hint: fix\\x07 it\n"
        "hint: then retry\n"
    )


def test_a_warning_is_escaped_like_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    warn(".sessions/x.md:2: title \x1b]0;owned\x07 is long")
    assert capsys.readouterr().err == (
        "git-sess: warning: .sessions/x.md:2: title \\x1b]0;owned\\x07 is long\n"
    )


def test_an_error_brings_its_code_its_lines_and_its_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = SessionNotFound("no session matches 'x'", "git sess list shows them all")
    assert (error.exit_code, error.lines) == (ExitCode.ERROR, ["no session matches 'x'"])
    assert exit_with(error.exit_code, error.lines, error.hint) == 1
    assert capsys.readouterr().err == (
        "git-sess: error: no session matches 'x'\nhint: git sess list shows them all\n"
    )
    assert GitSessError("no hint").hint is None


def test_the_printer_loads_no_click() -> None:
    """The git-hook and Claude-hook paths print their errors with it."""
    probe = (
        "import sys, gitsess.core.errors;"
        " print(sorted(m for m in sys.modules if m.split('.')[0] == 'click'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, "[]\n"), done.stderr
