"""Nothing from a note, a transcript or a file name reaches the terminal raw (issue 19).

A repository is built with terminal escapes in every field a note has (titles,
summaries, tags, type and status values, file names, YAML "\\e" escapes, a
hand-kept note); every read command runs on it, and its stdout and stderr must
hold no control character but newline and tab, no DEL, no C1 control and none
of the bidirectional or zero-width characters; the escapes must show, escaped.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import git, sess

from gitsess.core.errors import printable, quote_path, safe_json

ESC = "\x1b"
CLEAR = ESC + "[2J"
OSC8 = ESC + "]8;;https://evil.invalid" + ESC + "\\click" + ESC + "]8;;" + ESC + "\\"
OSC52 = ESC + "]52;c;ZXZpbA==\x07"
OTHERS = "\x07\r\x08\u009b2J\u202e\u200b"  # BEL, CR, backspace, C1 CSI, bidi, zero-width

RAW = re.compile(
    rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]"
)

EXPORTS = {
    "session_20260101_clear.md": (
        f'---\ntitle: "Clear {CLEAR} here"\ndate: 2026-01-01\ntype: feature\nstatus: complete\n'
        f'tags: ["t{OSC52}", "ok"]\nsummary: "S {OSC8} {OTHERS}"\n---\n'
        f"# Session: Clear\n\nBody {CLEAR} alpha {OSC52}\r\nmore\n"
    ),
    "session_20260102_yaml.md": (
        '---\ntitle: "Yaml \\e[2J \\x9b \\u202e \\a \\r\\n second line"\ndate: 2026-01-02\n'
        'type: "feat\\e[31mure"\nstatus: "in-pro\\e]52;c;eA==\\agress"\n'
        "continuation_of: session_20260101_clear\n"
        'tags: ["\\e[5mblink"]\nsummary: "\\e]8;;http://x\\e\\\\link"\n---\n'
        "# Session: Yaml\n\nalpha words\n"
    ),
    f"session_20260103_esc{CLEAR}.md": (
        "---\ntitle: Named with an escape\ndate: 2026-01-03\ntype: feature\n"
        "status: in-progress\ncontinuation_of: session_20260102_yaml\n---\n# Session: n\nalpha\n"
    ),
    "session_20260104_\udcff.md": "---\ntitle: Bad bytes\ndate: 2026-01-04\n---\nalpha\n",
    "session_20260104_new\nline\t.md": "---\ntitle: Split name\ndate: 2026-01-04\n---\nalpha\n",
    "session_20260105_legacy.md": (
        f"# Legacy {CLEAR} note{OSC52}\n\n**Date**: 2026-01-05\n**Status**: done{ESC}[5m\n\n"
        "alpha text\n"
    ),
}

COMMANDS = [
    ("list",),
    ("list", "--json"),
    ("show", "session_20260101_clear"),
    ("show", "--json", "session_20260101_clear"),
    ("show", "session_20260102_yaml"),
    ("show", "session_20260103"),
    ("show", "session_20260105_legacy"),
    ("search", "alpha"),
    ("search", "--json", "alpha"),
    ("search", "--color", "always", "alpha"),
    ("timeline",),
    ("graph",),
    ("context", "session_20260103"),
    ("next", "session_20260101_clear"),
    ("prev", "session_20260102_yaml"),
    ("status",),
    ("time",),
    ("trace", ".sessions"),
    ("check",),
    ("check", "--json"),
    ("index", "--check"),
    ("index",),
    ("show", "session_2026010"),  # ambiguous: an error message naming ids
    ("show", f"nothing{CLEAR}"),  # an error message quoting what was typed
]


def run_bytes(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    argv = ["git", "sess", *(os.fsencode(arg) for arg in args)]
    return subprocess.run(argv, cwd=cwd, capture_output=True, stdin=subprocess.DEVNULL)


@pytest.fixture
def hostile(sessions: Path) -> Path:
    for name, text in EXPORTS.items():
        (sessions / ".sessions" / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "hostile notes")
    return sessions


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_read_command_prints_a_control_character(hostile, args):
    done = run_bytes(hostile, *args)

    assert b"Traceback" not in done.stderr
    assert done.returncode in (0, 1), done.stderr
    out = done.stdout
    if "--color" in args:  # search's own highlighting: bold and colours, nothing else
        out = re.sub(rb"\x1b\[(?:0|1|31|33)m", b"", out)
    for stream in (out, done.stderr):
        assert RAW.findall(stream) == [], stream.decode("utf-8", "replace")
        assert b"\xff" not in stream  # the name that is not UTF-8, only quoted
        assert b"new\nline" not in stream and b"line\t" not in stream  # nor the split name
    if "--json" in args and done.stdout.strip():
        json.loads(done.stdout)  # escaped as JSON, still JSON


def test_the_escapes_show_rather_than_vanish(hostile):
    listed = run_bytes(hostile, "list").stdout.decode()
    assert "Legacy \\x1b[2J note\\x1b]52;c;ZXZpbA==\\x07" in listed
    assert "feat\\x1b[31mure" in listed
    assert "Yaml \\x1b[2J \\u009b \\u202e \\x07 second line" in listed
    # A name with control characters is left out, as one that is not UTF-8 is:
    # check names it, quoted as git quotes it.
    assert "session_20260103_esc" not in listed
    checked = run_bytes(hostile, "check").stdout.decode()
    for quoted in ("session_20260103_esc\\033[2J.md", "session_20260104_new\\nline\\t.md"):
        assert f'".sessions/{quoted}": the file name holds control characters' in checked
    as_json = json.loads(run_bytes(hostile, "list", "--json").stdout)
    assert any(item["title"] == "Yaml \x1b[2J \x9b \u202e \x07 second line" for item in as_json)


def test_the_index_holds_the_escapes_written_out(hostile):
    assert sess(hostile, "index").code == 0
    text = (hostile / ".sessions" / "session_index.md").read_text()
    assert "Yaml \\x1b[2J \\u009b \\u202e \\x07 second line (feat\\x1b[31mure" in text
    assert RAW.findall(text.encode()) == []
    assert all(line.startswith(("#", "- ", "<!--")) or not line for line in text.splitlines())


def test_check_quotes_a_name_that_is_not_utf8_as_git_does(hostile):
    done = run_bytes(hostile, "check")
    assert b'error: ".sessions/session_20260104_\\377.md": the file name is not valid UTF-8' in (
        done.stdout
    )


NOT_UTF8 = "session_20250210_\udcff.md"


def test_a_name_that_is_not_utf8_stops_no_command_nor_commit(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    assert sess(repo, "init").code == 0  # with the hooks
    assert sess(repo, "new", "First").code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    odd = repo / ".sessions" / os.fsdecode(os.fsencode(NOT_UTF8))
    odd.write_bytes(b"---\ntitle: Odd\ndate: 2025-02-10\n---\nalpha\n")

    for args in (("list",), ("index",), ("search", "first"), ("new", "Second")):
        done = run_bytes(repo, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert b"\xff" not in done.stdout + done.stderr
    assert run_bytes(repo, "check").returncode == 1  # named, as an error of its own

    assert run_bytes(repo, "commit").returncode == 0  # the new session, not the odd name
    assert "Add session: Second" in git(repo, "log", "-1", "--format=%s")
    assert os.fsencode(NOT_UTF8) not in os.fsencode(git(repo, "ls-files"))

    git(repo, "add", "-A")  # the pre-commit hook with the odd name staged
    done = subprocess.run(["git", "commit", "-q", "-m", "odd"], cwd=repo, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert git(repo, "status", "--porcelain") == ""
    assert '"' + ".sessions/session_20250210_\\377.md" + '"' in git(repo, "ls-files")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain title", "plain title"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("bell\x07 cr\r bs\x08 del\x7f", "bell\\x07 cr\\x0d bs\\x08 del\\x7f"),
        ("c1 \x9b2J", "c1 \\u009b2J"),
        ("bidi \u202eevil", "bidi \\u202eevil"),
        ("zero\u200bwidth \ufeff", "zero\\u200bwidth \\ufeff"),
        ("tag \U000e0041", "tag \\udb40\\udc41"),  # hidden text, spelt as JSON would
        ("emoji 👨\u200d👩 café 日本 \u00a0", "emoji 👨\u200d👩 café 日本 \u00a0"),
        ("byte \udcff", "byte \\xff"),
        ("tab\tnewline\n", "tab\tnewline\\x0a"),
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("session_20260101_x.md", "session_20260101_x.md"),
        ("session_café.md", "session_café.md"),
        ("session_\udcff.md", '"session_\\377.md"'),
        ("a\x1b[2J.md", '"a\\033[2J.md"'),
        ('q"b\\s\t\n.md', '"q\\"b\\\\s\\t\\n.md"'),
        ("tab\there.md", '"tab\\there.md"'),
        ("bidi\u202e.md", '"bidi\\342\\200\\256.md"'),
    ],
)
def test_quote_path_as_git_does(name, quoted):
    assert quote_path(name) == quoted


def test_quote_path_matches_git_status_for_a_byte_that_is_not_utf8(tmp_path):
    git(tmp_path, "init", "-q")
    (tmp_path / os.fsdecode(b"a\xff\x1b.md")).write_bytes(b"")
    shown = git(tmp_path, "status", "--porcelain").strip()
    assert shown == "?? " + quote_path(os.fsdecode(b"a\xff\x1b.md"))


def test_safe_json_is_the_same_json_with_nothing_raw():
    value = {"title": "a\x1b[2J \x9b \u202e \U000e0041 café", "n": [1, "\n"]}
    text = safe_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(text) == value
    assert RAW.findall(text.encode()) == []
    assert "café" in text and "\n" in text  # readable, and its layout kept


# YAML's own escapes (a raw ESC is not valid YAML): \e is ESC, \a is BEL. (A name
# with control characters would be left out: the hostile row is hostile inside.)
ALIGNED = {
    "session_20260201_a_hostile.md": (
        '---\ntitle: "Hostile \\e[2J\\e]52;c;ZXZpbA==\\a title"\ndate: 2026-02-01\n'
        'type: "fe\\e[31mature"\nstatus: complete\ntags: ["a\\e[5m"]\n---\nbody\n'
    ),
    "session_20260202_plain.md": (
        "---\ntitle: Plain 日本語 title\ndate: 2026-02-02\ntype: fix\nstatus: blocked\n"
        'tags: ["plain"]\n---\nbody\n'
    ),
    "session_20260203_long.md": (
        '---\ntitle: "' + "\\e" * 40 + 'long"\ndate: 2026-02-03\ntype: fix\nstatus: complete\n'
        'tags: ["long"]\n---\nbody\n'
    ),
}


def display_columns(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@pytest.fixture
def aligned(sessions: Path) -> Path:
    for name, text in ALIGNED.items():
        (sessions / ".sessions" / name).write_text(text)
    return sessions


def test_list_aligns_a_hostile_row_with_the_others(aligned):
    """Each field is escaped before its column is measured: the hostile row's
    type, status, title and tags start where every other row's do."""
    lines = run_bytes(aligned, "list").stdout.decode().splitlines()
    assert len(lines) == 3, lines
    assert RAW.findall("\n".join(lines).encode()) == []
    starts = []
    for line, type_, status, tag in zip(
        lines,
        ["fix", "fix", "fe\\x1b[31mature"],
        ["complete", "blocked", "complete"],
        ["long", "plain", "a\\x1b[5m"],
        strict=True,
    ):  # newest first
        head = line[: line.index(type_)]
        starts.append(
            (
                display_columns(head),
                display_columns(line[: line.index("  " + status)]),
                display_columns(line[: line.rindex("  " + tag)]),
            )
        )
    assert starts[0] == starts[1] == starts[2], (starts, lines)
    long_title = next(line for line in lines if "session_20260203_long" in line)
    assert "\\x1b" * 10 in long_title and "long  " not in long_title  # clipped, after escaping
    assert "…" in long_title and "\\x1…" not in long_title and "\\…" not in long_title


def test_timeline_cuts_a_hostile_title_after_escaping_it(aligned):
    out = run_bytes(aligned, "timeline", "--charset", "ascii").stdout.decode()
    rows = [line for line in out.splitlines() if "2026-02-0" in line]
    assert len(rows) == 3, out
    assert RAW.findall(out.encode()) == []
    assert all(display_columns(line) <= 80 for line in rows), rows
    long_row = next(line for line in rows if "2026-02-03" in line)
    assert long_row.endswith("...") and "\\x1b" * 10 in long_row
    assert any("Hostile \\x1b[2J\\x1b]52;c;ZXZpbA==\\x07 title" in line for line in rows)


@pytest.mark.parametrize("form", ["mermaid", "dot", "json"])
def test_graph_escapes_titles_in_its_own_syntax(aligned, form):
    out = run_bytes(aligned, "graph", "--format", form).stdout.decode()
    assert RAW.findall(out.encode()) == []
    if form == "json":
        titles = {node["title"] for node in json.loads(out)["nodes"]}
        assert f"Hostile {CLEAR}{OSC52} title" in titles  # the value itself, escaped as JSON
    elif form == "dot":
        assert "Hostile \\\\x1b[2J\\\\x1b]52;c;ZXZpbA==\\\\x07 title" in out
    else:
        assert "Hostile \\x1b[2J\\x1b]52;c;ZXZpbA==\\x07 title" in out


def test_a_credential_in_an_odd_file_name_is_reported_under_the_name_git_shows(sessions):
    """One rule for file names: as git quotes them (octal), as `check` does for
    every other problem, in the secret guard's messages too."""
    token = "ghp_R8x2Kq9LmZ4vT7wN3pY6sB1cD5fG0hJ2kQ8e"
    text = f"---\ntitle: Key\ndate: 2026-02-05\n---\ntoken: {token}\n"
    for name in (f"session_20260205_k{CLEAR}.md", f"notes{ESC}[5m.txt"):
        (sessions / ".sessions" / name).write_text(text)
    done = run_bytes(sessions, "check")
    assert done.returncode == 1
    out = done.stdout.decode()
    assert '".sessions/session_20260205_k\\033[2J.md":5: GitHub token' in out, out
    assert '".sessions/notes\\033[5m.txt":5: GitHub token' in out, out
    assert token not in out and RAW.findall(done.stdout) == []


def test_the_commit_message_holds_titles_escaped(hooked):
    """`git log` prints a message raw: the title's escapes are written out in it."""
    path = hooked / ".sessions" / "session_20260301_osc.md"
    path.write_text(
        '---\ntitle: "Clip \\e]52;c;ZXZpbA==\\a board \\e[2J"\ndate: 2026-03-01\ntype: feature\n'
        "status: complete\n---\nbody\n"
    )
    assert sess(hooked, "commit").code == 0
    message = subprocess.run(
        ["git", "log", "-1", "--format=%B"], cwd=hooked, capture_output=True
    ).stdout
    assert RAW.findall(message) == [], message
    assert b"Clip \\x1b]52;c;ZXZpbA==\\x07 board \\x1b[2J" in message
