"""A staged export whose name is not UTF-8 never stops a commit, and the
pre-commit hook says it left it out (the name quoted as git quotes it)."""

from __future__ import annotations

import os

from builders import new
from conftest import git, sess


def test_an_export_named_in_another_encoding_is_committed_with_a_warning(hooked):
    kept = new(hooked, "Kept", "--date", "2025-02-10")
    odd = os.fsencode(hooked / ".sessions") + b"/session_20250210_\xff.md"
    with open(odd, "wb") as file:
        file.write(kept.read_bytes())
    git(hooked, "add", "-A")

    done = sess(hooked, "hook", "pre-commit")

    assert done.code == 0, done.err
    assert done.err.splitlines() == [
        'git-sess: warning: ".sessions/session_20250210_\\377.md": its name is not valid UTF-8,'
        " so it is committed without checks and left out of the session index (rename it)"
    ]
    git(hooked, "commit", "-q", "-m", "odd")
    listed = git(hooked, "show", "HEAD:.sessions/session_index.md")
    assert kept.name in listed and "\\377" not in listed and "\ufffd" not in listed


def test_an_export_whose_name_holds_a_newline_is_committed_with_a_warning(hooked):
    kept = new(hooked, "Kept", "--date", "2025-02-10")
    odd = hooked / ".sessions" / "session_20250210_new\nline.md"
    odd.write_bytes(kept.read_bytes())
    git(hooked, "add", "-A")

    done = sess(hooked, "hook", "pre-commit")

    assert done.code == 0, done.err
    assert done.err.splitlines() == [
        'git-sess: warning: ".sessions/session_20250210_new\\nline.md": its name holds'
        " control characters (a newline, a tab, an escape), so it is committed without"
        " checks and left out of the session index (rename it)"
    ]
