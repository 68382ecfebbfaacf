"""docs/tour.md is real output: every ```console block in it is replayed here.

The blocks are one shell session, in order: each `$ ` line is a command (with
the lines of its here-document, if it has one), and the lines up to the next
`$ ` line are exactly what it prints, standard output and error as a terminal
shows them. A command exits 0 unless its line ends with `# exit N`. The tour
sets its own fixed clock in its first block (GIT_SESS_NOW for git sess, the
GIT_*_DATE variables for git), so every line of output is the same on every run.

The one thing normalised: the tour works in `~/sess-demo`, and the home
directory (a temporary one, tests/conftest.py) is printed as /home/you. Any
other difference fails, with a diff. After a change to the output, rewrite
the blocks from a real run and read the diff before committing:

    GITSESS_TOUR_WRITE=1 .venv/bin/python -m pytest -q tests/cli/test_tour.py

(the run that rewrites still fails, so it can never pass by accident).
"""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import sess

ROOT = Path(__file__).resolve().parents[2]
TOUR = ROOT / "docs" / "tour.md"
SHOWN_HOME = "/home/you"
BLOCK = re.compile(r"^```console\n(.*?)^```$", re.S | re.M)
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
EXIT = re.compile(r"#\s*exit (\d+)\s*$")
WRITE = os.environ.get("GITSESS_TOUR_WRITE")  # read before conftest clears the environment


@dataclass
class Step:
    command: str  # as typed, here-document included
    expected: str
    exit_code: int
    block: int  # which console block, from 1
    start: int  # offset of its output in the tour, for the writer
    end: int


def parse(text: str) -> list[Step]:
    steps: list[Step] = []
    for number, block in enumerate(BLOCK.finditer(text), start=1):
        offset = block.start(1)
        lines = block.group(1).splitlines(keepends=True)
        index = 0
        assert lines and lines[0].startswith("$ "), f"console block {number} must open with $"
        while index < len(lines):
            first = lines[index]
            command = [first[2:].rstrip("\n")]
            index += 1
            heredoc = HEREDOC.search(first)
            if heredoc:
                while index < len(lines) and lines[index].rstrip("\n") != heredoc.group(2):
                    command.append(lines[index].rstrip("\n"))
                    index += 1
                assert index < len(lines), f"block {number}: here-document never ends"
                command.append(lines[index].rstrip("\n"))
                index += 1
            start = offset + sum(len(line) for line in lines[:index])
            output = []
            while index < len(lines) and not lines[index].startswith("$ "):
                output.append(lines[index])
                index += 1
            end = offset + sum(len(line) for line in lines[:index])
            code = EXIT.search(command[0])
            steps.append(
                Step(
                    command="\n".join(command),
                    expected="".join(output).rstrip("\n"),
                    exit_code=int(code.group(1)) if code else 0,
                    block=number,
                    start=start,
                    end=end,
                )
            )
    return steps


def replay(steps: list[Step], home: Path) -> list[tuple[str, int]]:
    """Run every step in one bash, in `home`; each step's output and exit status."""
    mark = f"@@tour-{uuid.uuid4().hex}@@"
    script = ["exec 2>&1"]
    for step in steps:
        script.append(step.command)
        script.append(f"printf '\\n{mark} %d\\n' $?")
    env = {
        **os.environ,
        "LC_ALL": "C.UTF-8",  # the same on every machine, and UTF-8 as most terminals are
        "PYTHONUNBUFFERED": "1",  # stdout and stderr in the order written, as on a terminal
    }
    for name in ("GIT_SESS_NOW", "TZ", "NO_COLOR", "COLUMNS", "PAGER", "GIT_PAGER"):
        env.pop(name, None)  # the tour sets what it needs
    path = home / f".tour-{mark.strip('@')}.sh"  # read from a file: stdin is the commands'
    path.write_text("\n".join(script) + "\n", encoding="utf-8")
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", str(path)],
        stdin=subprocess.DEVNULL,
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert SHOWN_HOME not in done.stdout, f"{SHOWN_HOME} would hide a real path"
    shown = done.stdout
    for real in {str(home.resolve()), str(home)}:
        shown = shown.replace(real, SHOWN_HOME)
    parts = re.split(rf"\n{re.escape(mark)} (\d+)\n", shown)
    assert len(parts) == 2 * len(steps) + 1, f"the shell stopped early:\n{shown[-2000:]}"
    assert parts[-1] == "", parts[-1]
    return [(parts[2 * i].rstrip("\n"), int(parts[2 * i + 1])) for i in range(len(steps))]


def differences(steps: list[Step], results: list[tuple[str, int]]) -> list[str]:
    found = []
    for step, (output, code) in zip(steps, results, strict=True):
        head = f"block {step.block}: $ {step.command.splitlines()[0]}"
        if code != step.exit_code:
            found.append(f"{head}\n  exited {code}, the tour says {step.exit_code}\n{output}")
        if output != step.expected:
            diff = difflib.unified_diff(
                step.expected.splitlines(), output.splitlines(), "tour", "real", lineterm=""
            )
            found.append(head + "\n" + "\n".join(diff))
    return found


def rewrite(text: str, steps: list[Step], results: list[tuple[str, int]]) -> str:
    """`text` with each step's output replaced, keeping the blank lines after it."""
    pairs = sorted(zip(steps, results, strict=True), key=lambda pair: pair[0].start)
    for step, (output, _) in reversed(pairs):  # from the end: offsets before stay true
        old = text[step.start : step.end]
        kept = old.rstrip("\n")
        blank = old[len(kept) + 1 :] if kept else old
        shown = output + "\n" + blank if output else blank
        text = text[: step.start] + shown + text[step.end :]
    return text


@pytest.mark.long
def test_the_tour_is_real_output() -> None:
    text = TOUR.read_text(encoding="utf-8")
    steps = parse(text)
    home = Path(os.environ["HOME"])
    results = replay(steps, home)
    if WRITE:
        TOUR.write_text(rewrite(text, steps, results), encoding="utf-8")
        pytest.fail("docs/tour.md rewritten from a real run: read the diff, then run again")
    found = differences(steps, results)
    assert not found, f"{len(found)} step(s) of docs/tour.md differ:\n\n" + "\n\n".join(found[:5])


def test_the_tour_runs_every_command(tmp_path: Path) -> None:
    """The tour shows each command at work (the demo's output is the README's)."""
    listed = sess(tmp_path, "-h").out.split("Commands:", 1)[1]
    commands = set(re.findall(r"^  ([a-z-]+)\s", listed, re.M)) - {"demo"}
    typed = " ".join(step.command.splitlines()[0] for step in parse(TOUR.read_text("utf-8")))
    missing = sorted(c for c in commands if not re.search(rf"\bgit sess {c}\b", typed))
    assert not missing, f"docs/tour.md runs no git sess {missing}"


def test_the_parser_reads_heredocs_exit_codes_and_outputs() -> None:
    text = (
        "x\n```console\n$ cat > f <<'EOF'\n$ not a command\nEOF\n$ false  # exit 1\n"
        "$ echo a\na\n\nb\n\n```\n"
    )
    steps = parse(text)
    assert [s.command for s in steps] == [
        "cat > f <<'EOF'\n$ not a command\nEOF",
        "false  # exit 1",
        "echo a",
    ]
    assert [s.exit_code for s in steps] == [0, 1, 0]
    assert [s.expected for s in steps] == ["", "", "a\n\nb"]
    assert text[steps[2].start : steps[2].end] == "a\n\nb\n\n"


def test_a_difference_in_output_or_exit_status_is_reported(tmp_path: Path) -> None:
    steps = parse("```console\n$ echo one\none\n$ echo two\nthree\n$ true  # exit 1\n```\n")
    results = replay(steps, tmp_path)
    assert results == [("one", 0), ("two", 0), ("", 0)]
    found = differences(steps, results)
    assert len(found) == 2
    assert "-three" in found[0] and "+two" in found[0]
    assert "exited 0, the tour says 1" in found[1]


def test_a_bad_clock_is_refused(sessions: Path) -> None:
    result = sess(sessions, "new", "Clock", env={"GIT_SESS_NOW": "tomorrow\x1b[31m"})
    assert result.code == 1, result
    assert result.err.splitlines() == [
        "git-sess: error: GIT_SESS_NOW='tomorrow\\x1b[31m' is not an ISO 8601 time",
        "hint: write it as 2025-12-03T12:00:00+00:00, or unset GIT_SESS_NOW for the system clock",
    ]


@pytest.mark.parametrize(
    ("now", "tz", "date"),
    [
        ("2025-12-03T23:30:00Z", "UTC", "20251203"),
        ("2025-12-03T23:30:00+00:00", "JST-9", "20251204"),  # shown in local time
        ("2025-12-03T23:30:00", "JST-9", "20251203"),  # no offset: local already
    ],
)
def test_the_clock_gives_new_its_date(sessions: Path, now: str, tz: str, date: str) -> None:
    result = sess(sessions, "new", "Clock", env={"GIT_SESS_NOW": now, "TZ": tz})
    assert result.out.strip() == f".sessions/session_{date}_clock.md", result
