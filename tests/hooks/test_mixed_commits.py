"""Commits of exports with other files, as a new user makes them: the first commit
after `init`, exports committed with the code they describe, and the messages git
sess never touches (issue 18)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from builders import TEMPLATE_BODY, git_commit, message, write_code, write_session
from conftest import git, sess

from gitsess.hooks.commits import _other_changes, _setup_in_diff

# --- the first commit after init ---------------------------------------------------------


def test_first_commit_after_init_gets_the_documented_message(repo):
    assert sess(repo, "init").code == 0
    result = sess(repo, "new", "DistilBERT training")
    assert result.code == 0, result.err
    git(repo, "add", ".sessions", ".gitattributes")

    done = git_commit(repo)  # the message left to the hooks; `true` keeps what they prepared

    assert done.returncode == 0, done.stderr
    assert message(repo) == f"Add session: DistilBERT training\n\n{TEMPLATE_BODY}\n"
    committed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert ".gitattributes" in committed and ".sessions/CONTEXT_MANAGEMENT.md" in committed
    assert git(repo, "status", "--porcelain") == ""


def test_first_commit_lists_a_change_of_the_users_own_in_gitattributes(repo):
    (repo / ".gitattributes").write_text("*.png binary\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attributes")
    assert sess(repo, "init").code == 0
    assert sess(repo, "new", "Work").code == 0
    with open(repo / ".gitattributes", "a") as handle:
        handle.write("*.bin binary\n")  # beside init's lines, a line of the user's own
    git(repo, "add", ".sessions", ".gitattributes")

    assert git_commit(repo).returncode == 0

    assert message(repo) == (
        f"Add session: Work\n\n{TEMPLATE_BODY}\nAlso changes:\n- .gitattributes\n\n"
    )


# --- exports with code ---------------------------------------------------------------


def test_export_with_code_gets_the_session_then_the_other_files(hooked):
    write_session(hooked, "parser")
    write_code(hooked, "src/parser.py", "tests/test_parser.py")
    git(hooked, "add", "-A")

    assert git_commit(hooked).returncode == 0

    assert message(hooked) == (
        f"Add session: Parser\n\n{TEMPLATE_BODY}\n"
        "Also changes:\n- src/parser.py\n- tests/test_parser.py\n\n"
    )


def test_the_prepared_message_is_in_the_editor_for_the_user_to_change(hooked):
    write_session(hooked, "parser")
    write_code(hooked, "src/parser.py")
    git(hooked, "add", "-A")
    editor = "sed -i -e '1s/^Add session: Parser/Parser, with its code/' -e '/^- src/d'"

    assert git_commit(hooked, editor=editor).returncode == 0

    assert message(hooked) == f"Parser, with its code\n\n{TEMPLATE_BODY}\nAlso changes:\n\n"


def test_several_sessions_with_code_list_the_sessions_first(hooked):
    write_session(hooked, "alpha")
    write_session(hooked, "beta")
    write_code(hooked, "app.py")
    git(hooked, "add", "-A")

    assert git_commit(hooked).returncode == 0

    assert message(hooked) == (
        "Add 2 sessions\n\n- Add session: Alpha\n- Add session: Beta\n\nAlso changes:\n- app.py\n\n"
    )


def test_a_long_list_of_other_files_is_cut_short(hooked):
    write_session(hooked, "big")
    write_code(hooked, *(f"src/module_{n:02}.py" for n in range(14)))
    git(hooked, "add", "-A")

    assert git_commit(hooked).returncode == 0

    also = message(hooked).split("Also changes:\n", 1)[1].strip().splitlines()
    assert also[:10] == [f"- src/module_{n:02}.py" for n in range(10)]
    assert also[10:] == ["- … and 4 more"]


def test_other_changes_are_listed_whole_up_to_one_past_the_cap():
    assert _other_changes([]) == ""
    eleven = [f"f{n}" for n in range(11)]
    assert _other_changes(eleven).splitlines()[2:] == [f"- f{n}" for n in range(11)]
    twelve = [*eleven, "f11"]
    assert _other_changes(twelve).splitlines()[-1] == "- … and 2 more"
    assert _other_changes(["bad\x1bname"]) == "\nAlso changes:\n- bad\\x1bname\n"


DIFF_OF_INIT = """\
diff --git a/.gitattributes b/.gitattributes
index e69de29..1b2c3d4 100644
--- a/.gitattributes
+++ b/.gitattributes
@@ -1,0 +2,2 @@
+# git-sess: merges the session index without conflicts
+/.sessions/session_index.md merge=git-sess-index
diff --git a/.sessions/CONTEXT_MANAGEMENT.md b/.sessions/CONTEXT_MANAGEMENT.md
new file mode 100644
index 0000000..5e6f7a8
--- /dev/null
+++ b/.sessions/CONTEXT_MANAGEMENT.md
@@ -0,0 +1,2 @@
+# Context management
+text
"""


@pytest.mark.parametrize(
    ("diff", "expected"),
    [
        (DIFF_OF_INIT, {".gitattributes", ".sessions/CONTEXT_MANAGEMENT.md"}),
        (DIFF_OF_INIT.replace("new file mode 100644\n", ""), {".gitattributes"}),
        (DIFF_OF_INIT.replace("+# git-sess", "-*.png binary\n+# git-sess"), {".sessions/CO"}),
        (DIFF_OF_INIT.replace("+/.sessions", "+*.bin binary\n+/.sessions"), {".sessions/CO"}),
        ("", set()),
    ],
    ids=["init", "context-edited", "line-removed", "line-of-the-users", "nothing"],
)
def test_setup_is_what_init_adds_and_nothing_else(diff, expected):
    context = ".sessions/CONTEXT_MANAGEMENT.md"
    found = _setup_in_diff(diff, context)
    assert found == {context if path == ".sessions/CO" else path for path in expected}


# --- messages git sess never touches ---------------------------------------------------


def _stage_mixed(repo: Path) -> None:
    write_session(repo, "mixed")
    write_code(repo, "code.py")
    git(repo, "add", "-A")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("-m", "my words"), "my words"),
        (("-F", "MESSAGE"), "from a file"),
        (("-t", "TEMPLATE"), "edited from the template"),
        (("--amend",), "edited Set up sessions"),
    ],
    ids=["message", "file", "template", "amend"],
)
def test_a_message_given_or_amended_is_never_touched(hooked, args, expected):
    (hooked.parent / "MESSAGE").write_text("from a file\n")
    (hooked.parent / "TEMPLATE").write_text("from the template\n")
    _stage_mixed(hooked)
    # (-m and -F open no editor; a message the hook had prepared would be the one edited)
    args = tuple(str(hooked.parent / a) if a in ("MESSAGE", "TEMPLATE") else a for a in args)

    done = git_commit(hooked, *args, editor="sed -i '1s/^/edited /'")

    assert done.returncode == 0, done.stderr
    assert message(hooked).splitlines()[0] == expected


def test_commit_template_config_is_never_touched_in_a_mixed_commit(hooked):
    (hooked.parent / "team").write_text("team template\n")
    git(hooked, "config", "commit.template", str(hooked.parent / "team"))
    _stage_mixed(hooked)
    # (git refuses a template left as it is: the user edits it)
    assert git_commit(hooked, editor="sed -i '1s/^/edited /'").returncode == 0
    assert message(hooked) == "edited team template\n\n"


def test_merge_and_squash_of_exports_with_code_keep_gits_messages(hooked):
    git(hooked, "checkout", "-q", "-b", "topic")
    _stage_mixed(hooked)
    assert git_commit(hooked, "-m", "topic work").returncode == 0
    git(hooked, "checkout", "-q", "main")
    write_code(hooked, "main.py")
    git(hooked, "add", "-A")
    assert git_commit(hooked, "-m", "main work").returncode == 0
    git(hooked, "branch", "squashed", "main")

    merged = subprocess.run(
        ["git", "merge", "-q", "topic"],
        cwd=hooked,
        capture_output=True,
        text=True,
        env={**os.environ, "GIT_EDITOR": "true"},
    )
    assert merged.returncode == 0, merged.stderr
    assert message(hooked) == "Merge branch 'topic'\n\n"

    git(hooked, "checkout", "-q", "squashed")
    git(hooked, "merge", "-q", "--squash", "topic")
    assert git_commit(hooked).returncode == 0
    assert message(hooked).startswith("Squashed commit of the following:\n")


def test_a_commit_with_no_session_change_keeps_gits_empty_message(hooked):
    write_code(hooked, "code.py")
    git(hooked, "add", "-A")
    done = git_commit(hooked)  # `true` leaves git's empty message: git aborts, as without git sess
    assert done.returncode != 0 and "empty commit message" in done.stderr
