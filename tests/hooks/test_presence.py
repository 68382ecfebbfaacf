"""The missing-hooks check in process: reading git's configuration files as git
does, finding the git directory as git does, and when git itself must be asked.
The commands that give the note are tested in tests/cli/test_clones.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, init_repository, init_sessions, sess

from gitsess.hooks import gitconfig, install, presence

# --- reading configuration files -----------------------------------------------------


def test_sections_subsections_and_names_are_read_as_git_reads_them() -> None:
    text = (
        "# a comment\n"
        "[core]\n"
        "\thooksPath = .husky/_   ; trailing comment\n"
        '[merge "git-sess-index"]\n'
        '\tdriver = "/opt/py thon" -m gitsess.hooks merge-index %O %A %B %P\n'
        '[Merge "Other\\"Name"] name = x\n'
        "[Branch.Main]\n\tremote = origin\n"
        "[sess]\n"
        "\tquiet\n"
        '\tdir = "notes  dir" # kept inside quotes\n'
        "\tproject = a\\\n"
        "  b\\tc\n"
        "\tempty =\n"
    )
    assert gitconfig.parse(text) == [
        ("core.hookspath", ".husky/_"),
        ("merge.git-sess-index.driver", "/opt/py thon -m gitsess.hooks merge-index %O %A %B %P"),
        ('merge.Other"Name.name', "x"),
        ("branch.main.remote", "origin"),
        ("sess.quiet", None),
        ("sess.dir", "notes  dir"),
        ("sess.project", "a  b\tc"),
        ("sess.empty", ""),
    ]


def test_what_git_reads_as_git_does_the_parser_reads_too(tmp_path: Path) -> None:
    """The same file through `git config --list` and through the parser."""
    config = tmp_path / "config"
    config.write_text(
        '[core]\n\thooksPath = " spaced "\\t\n'
        "[sess]\n\tquiet = yes\n\tdir=docs/sessions;c\n"
        '[merge "git-sess-index"]\n\tdriver = a \\\\ b "c#d"\n'
        "[sess]\n\tdir = last\r\n"
    )
    out = subprocess.run(
        ["git", "config", "--file", str(config), "-z", "--list"],
        capture_output=True,
        check=True,
    ).stdout
    assert gitconfig.parse_get_regexp(out) == dict(gitconfig.read_file(config))


@pytest.mark.parametrize(
    "text",
    [
        "[core\n",
        '[merge "x]\n',
        '[a]\nk = "open\n',
        "[a]\nk = \\q\n",
        "[a]\n9k = v\n",
        "[a]\nk v\n",
    ],
)
def test_what_git_would_refuse_is_left_to_git(text: str, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(text)
    git_reads = subprocess.run(["git", "config", "--file", str(config), "--list"],
                               capture_output=True)  # fmt: skip
    assert git_reads.returncode != 0
    with pytest.raises(gitconfig.Unparsable):
        gitconfig.parse(text)


@pytest.mark.parametrize(
    ("value", "true"),
    [(None, True), ("true", True), ("Yes", True), ("on", True), ("1", True), ("2", True),
     ("false", False), ("no", False), ("off", False), ("0", False), ("", False), ("nope", False)],
)  # fmt: skip
def test_booleans_take_gits_spellings(value: str | None, true: bool) -> None:
    assert gitconfig.is_true(value) is true


def test_an_include_or_a_command_line_setting_leaves_it_to_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = tmp_path / "config"
    local.write_text("[sess]\n\tquiet = false\n")
    wanted = frozenset({"sess.quiet"})
    assert gitconfig.read_settings([local], wanted) == {"sess.quiet": "false"}
    local.write_text("[include]\n\tpath = more\n[sess]\n\tquiet = false\n")
    assert gitconfig.read_settings([local], wanted) is None
    local.write_text("[sess]\n\tquiet = false\n")
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'sess.quiet'='true'")
    assert gitconfig.read_settings([local], wanted) is None


def test_an_included_setting_is_honoured_through_git(tmp_path: Path) -> None:
    clone = clone_without_hooks(tmp_path)
    assert presence.find(clone) is not None
    (tmp_path / "quiet.inc").write_text("[sess]\n\tquiet = true\n")
    git(clone, "config", "include.path", str(tmp_path / "quiet.inc"))
    assert presence.find(clone) is None


def test_the_global_file_counts_and_the_local_one_wins(tmp_path: Path) -> None:
    clone = clone_without_hooks(tmp_path)
    git(clone, "config", "--global", "sess.quiet", "true")
    assert presence.find(clone) is None
    git(clone, "config", "sess.quiet", "false")
    assert presence.find(clone) is not None


# --- finding the repository -------------------------------------------------------------


def clone_without_hooks(tmp_path: Path) -> Path:
    origin = init_sessions(init_repository(tmp_path / "origin"))
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "sessions")
    git(tmp_path, "clone", "-q", str(origin), "clone")
    return tmp_path / "clone"


def test_found_from_a_subdirectory_and_not_from_inside_git_dir(tmp_path: Path) -> None:
    clone = clone_without_hooks(tmp_path)
    place = presence.locate(clone / ".sessions")
    assert place == presence.Place(clone, clone / ".git", clone / ".git")
    assert presence.locate(clone / ".git" / "hooks") is None
    outside = tmp_path / "outside"
    outside.mkdir()
    assert presence.locate(outside) is None


def test_a_linked_worktree_and_a_submodule_as_git_finds_them(tmp_path: Path) -> None:
    clone = clone_without_hooks(tmp_path)
    git(clone, "worktree", "add", "-q", str(tmp_path / "wt"))
    worktree = presence.locate(tmp_path / "wt")
    assert worktree is not None
    assert (worktree.root, worktree.common_dir) == (tmp_path / "wt", clone / ".git")
    assert worktree.git_dir.parent == clone / ".git" / "worktrees"

    top = init_repository(tmp_path / "top")
    git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q",
        str(tmp_path / "origin"), "sub")  # fmt: skip
    sub = presence.locate(top / "sub" / ".sessions")
    expected = Path(git(top / "sub", "rev-parse", "--absolute-git-dir").strip())
    assert sub == presence.Place(top / "sub", expected, expected)
    assert sub.git_dir == top / ".git" / "modules" / "sub"
    assert presence.find(top / "sub") is not None  # the submodule has sessions, no hooks


def test_with_git_dir_set_git_is_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = clone_without_hooks(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("GIT_DIR", str(clone / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(clone))
    place = presence.locate(elsewhere)
    assert place == presence.Place(clone, clone / ".git", clone / ".git")


def test_nothing_is_said_without_a_sessions_directory_or_outside_a_repository(
    tmp_path: Path,
) -> None:
    plain = init_repository(tmp_path / "plain")
    assert presence.locate(plain) is not None
    assert presence.find(plain) is None
    assert presence.after_command(["list"], plain) == []
    git(plain, "config", "sess.dir", "notes")
    (plain / "notes").mkdir()
    assert presence.find(plain) is not None  # sess.dir names the sessions directory


def test_the_commands_that_never_say_it(tmp_path: Path) -> None:
    clone = clone_without_hooks(tmp_path)
    for args in (
        [],
        ["--debug"],
        ["init"],
        ["hooks", "status"],
        ["hook", "claude", "SessionStart"],
        ["statusline"],
        ["list", "--help"],
        ["--version"],
    ):
        assert presence.after_command(args, clone) == [], args
    assert presence.after_command(["--debug", "list"], clone)[0].startswith("git-sess: note:")


# --- whose pre-commit runs -------------------------------------------------------------


def test_the_check_knows_install_by_its_own_constants() -> None:
    assert (presence.STUB_MARK, presence.MERGE_DRIVER) == (install.STUB_MARK, install.MERGE_DRIVER)
    assert "pre-commit" in install.HOOKS


def test_our_stub_a_chained_stub_a_call_or_none(sessions: Path, tmp_path: Path) -> None:
    hooks = sessions / ".git" / "hooks"
    assert not presence.runs_ours(hooks, sessions)
    assert sess(sessions, "hooks", "install").code == 0
    assert presence.runs_ours(hooks, sessions)
    stub = (hooks / "pre-commit").read_bytes()
    (hooks / "pre-commit").rename(hooks / "pre-commit.legacy")  # as a manager moves it
    (hooks / "pre-commit").write_text("#!/bin/sh\nexec ./run-legacy\n")
    assert presence.runs_ours(hooks, sessions)
    (hooks / "pre-commit.legacy").unlink()
    assert not presence.runs_ours(hooks, sessions)
    for call in (
        'git sess hook pre-commit "$@"',
        "git-sess hook 'pre-commit'",
        f"{sys.executable} -m gitsess.hooks pre-commit",
        f"{sys.executable} -m gitsess hook pre-commit",
    ):
        (hooks / "pre-commit").write_text(f"#!/bin/sh\n{call}\n")
        assert presence.runs_ours(hooks, sessions), call
    (hooks / "pre-commit").write_text("#!/bin/sh\ngit sess hook pre-commitment\n")
    assert not presence.runs_ours(hooks, sessions)
    assert stub.split(b"\n")[1].startswith(b"# git-sess pre-commit hook, ")


# --- its cost and its imports ----------------------------------------------------------


def test_the_check_loads_no_heavy_library(sessions: Path) -> None:
    probe = (
        "import json, sys\n"
        "from gitsess.hooks.presence import after_command\n"
        "after_command(['list'])\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=sessions, capture_output=True,
                          text=True, check=True)  # fmt: skip
    loaded = json.loads(done.stdout)
    assert [name for name in loaded if name.split(".")[0] in ("click", "git", "whoosh")] == []
    assert "gitsess.hooks.install" not in loaded  # nor the commit machinery
