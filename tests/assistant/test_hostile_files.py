"""What a pasted transcript or a hand-edited settings file can bring: each ends
in a one-line error naming the file and line (a hook: exit 0 and a logged
warning), never a crash (exit 3)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from conftest import assert_one_line_error, sess, snapshot

from gitsess.core.files import write_hint

DEEP_ARRAY = "[" * 100_000 + "]" * 100_000
DEEP_OBJECT = '{"a":' * 100_000 + "1" + "}" * 100_000


def transcript(tmp_path: Path, repo: Path) -> Path:
    """A transcript with one sound prompt and two lines nested 100,000 deep."""
    prompt = {
        "type": "user",
        "timestamp": "2026-01-01T00:00:00Z",
        "sessionId": "abc",
        "cwd": str(repo),
        "message": {"role": "user", "content": "Fix the parser"},
    }
    path = tmp_path / "abc.jsonl"
    path.write_text("\n".join([json.dumps(prompt), DEEP_ARRAY, DEEP_OBJECT]) + "\n")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("status", "--transcript"),
        ("time", "--transcript"),
        ("new", "Deep", "--from-transcript"),
        ("checkpoint", "--from-transcript"),
    ],
)
def test_a_transcript_line_nested_100000_deep_is_refused_by_line(sessions, tmp_path, args):
    path = transcript(tmp_path, sessions)
    before = snapshot(sessions)
    result = sess(sessions, *args, str(path))
    # status and time read from the end and meet the last deep line first; the
    # drafts read forwards and meet line 2 first.
    line = 3 if args[0] in ("status", "time") else 2
    assert_one_line_error(result, f"abc.jsonl:{line}: a JSON line nested too deep to read")
    assert "hint: this is not a line Claude Code writes" in result.err
    assert snapshot(sessions) == before


def test_a_cut_short_last_line_is_still_skipped_and_counted(sessions, tmp_path):
    path = transcript(tmp_path, sessions)
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n" + '{"type": "assistant", "mess' + "\n")
    shown = json.loads(sess(sessions, "status", "--json", "--transcript", str(path)).out)
    assert shown["transcript"]["skipped_lines"] == 1


def test_the_pre_compact_hook_logs_a_deep_line_and_exits_0(sessions, tmp_path):
    path = transcript(tmp_path, sessions)
    event = {
        "hook_event_name": "PreCompact",
        "transcript_path": str(path),
        "session_id": "abc",
        "cwd": str(sessions),
        "trigger": "auto",
    }
    result = sess(sessions, "hook", "claude", "PreCompact", input=json.dumps(event))
    assert (result.code, result.out, result.err) == (0, "", "")  # nothing, whatever happened
    assert "abc.jsonl:2: a JSON line nested too deep" in sess(sessions, "assistant", "log").out


def settings_file(repo: Path, content: bytes) -> Path:
    path = repo / ".claude" / "settings.json"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    "content, fragments",
    [
        (DEEP_ARRAY.encode(), ("settings.json: JSON nested too deep to read",)),
        (
            b'{"hooks": {"Stop": []},\n "model": "opus",\n "hooks": {}}\n',
            ('settings.json:3: the key "hooks" appears twice in one object',),
        ),
        (b'{"env": {"A": "1", "A": "2"}}\n', ('the key "A" appears twice',)),
    ],
)
def test_settings_that_cannot_be_rewritten_safely_are_refused(sessions, content, fragments):
    settings_file(sessions, content)
    before = snapshot(sessions)
    for command in ("install", "uninstall"):
        assert_one_line_error(sess(sessions, "assistant", command, "--shared"), *fragments)
    assert snapshot(sessions) == before


def test_whitespace_only_settings_are_an_empty_file(sessions):
    path = settings_file(sessions, b"  \n\n")
    result = sess(sessions, "assistant", "install", "--shared")
    assert result.code == 0, result.err
    assert "PreCompact" in json.loads(path.read_text())["hooks"]
    assert path.with_name("settings.json.bak").read_bytes() == b"  \n\n"


def test_a_byte_order_mark_is_kept(sessions):
    path = settings_file(sessions, b'\xef\xbb\xbf{\n  "model": "opus"\n}\n')
    assert sess(sessions, "assistant", "install", "--shared").code == 0
    installed = path.read_bytes()
    assert installed.startswith(b'\xef\xbb\xbf{\n  "model": "opus",\n  "hooks": {')
    assert sess(sessions, "assistant", "uninstall", "--shared").code == 0
    assert path.read_bytes() == b'\xef\xbb\xbf{\n  "model": "opus"\n}\n'


@pytest.mark.parametrize(
    "code, said",
    [
        (errno.ENOSPC, "the disk is full (ENOSPC)"),
        (errno.EROFS, "read-only file system"),
        (errno.EFBIG, "size limit (EFBIG"),
        (errno.EACCES, "make /repo/.git/gitsess writable"),
    ],
)
def test_a_failed_write_names_its_cause(code, said):
    assert said in write_hint(Path("/repo/.git/gitsess/x.json"), OSError(code, "failed"))


def test_a_failed_write_says_what_to_do_once_fixed():
    full = OSError(errno.ENOSPC, "failed")
    hint = write_hint(Path("/repo/.sessions/a.md"), full, "run any git sess command to finish")
    assert hint.endswith(
        "free space where /repo/.sessions is and run any git sess command to finish"
    )
