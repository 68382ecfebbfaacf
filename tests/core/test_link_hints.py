"""Each hint `check` and the commit hooks give for a broken link repairs exactly the
link it names: a session that both continues and requires a session renamed on
another branch gets one hint per link, and running them in either order leaves both
links on the new name; `unlink --requires/--continues` drops one kind of link only
(issue 18)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from builders import frontmatter, git_commit, new, session_name
from conftest import copy_hooked, git, hooked_build, sess

STORAGE = session_name("storage", "2026-12-01")
MOVED = session_name("storage_on_s3", "2026-12-01")
CACHE = session_name("cache", "2026-12-02")


def merge(repo: Path, branch: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "merge", "--no-edit", branch], cwd=repo, text=True, capture_output=True
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`git sess init` with its hooks, then the Storage session, committed: once a module."""
    with hooked_build(tmp_path_factory) as repo:
        new(repo, "Storage", "--date", "2026-12-01")
        git(repo, "add", "-A")
        assert git_commit(repo, "-m", "storage").returncode == 0
        return repo


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    return copy_hooked(template, tmp_path)


def cache_on_branch(repo: Path) -> str:
    """Cache continues AND requires Storage, on branch feature; main checked out."""
    main = git(repo, "branch", "--show-current").strip()
    git(repo, "checkout", "-q", "-b", "feature")
    new(repo, "Cache", "--date", "2026-12-02", "--continues", STORAGE, "--requires", STORAGE)
    git(repo, "add", "-A")
    assert git_commit(repo, "-m", "cache").returncode == 0
    git(repo, "checkout", "-q", main)
    return main


def links(repo: Path) -> tuple[object, object]:
    data = frontmatter(repo / ".sessions" / CACHE)
    return data["continuation_of"], data["prerequisite_sessions"]


def hints(repo: Path) -> list[str]:
    result = sess(repo, "check")
    assert result.code == 1, result.out
    return [
        line.split("point it there: ", 1)[1]
        for line in result.out.splitlines()
        if "point it there: " in line
    ]


@pytest.mark.parametrize("order", [1, -1], ids=["as-printed", "reversed"])
def test_the_hints_for_a_renamed_session_mend_both_links_in_either_order(repo, order):
    cache_on_branch(repo)
    assert sess(repo, "mv", "storage", "Storage on S3").code == 0
    assert git_commit(repo, "-m", "rename").returncode == 0

    refused = merge(repo, "feature")  # the pre-merge-commit hook names the rename
    assert refused.returncode != 0
    for key in ("prerequisite_sessions", "continuation_of"):
        assert f"{key} names '{STORAGE}', which was renamed to {MOVED}" in refused.stderr

    found = hints(repo)
    assert found == [
        f"git sess unlink {CACHE} --requires {STORAGE} && git sess link {CACHE} --requires {MOVED}",
        f"git sess update {CACHE} --continues {MOVED}",
    ]
    for hint in found[::order]:
        for part in hint.split(" && "):
            result = sess(repo, *part.split()[2:])
            assert result.code == 0, (part, result.err)
    assert links(repo) == (MOVED, [MOVED])
    assert sess(repo, "check").code == 0
    git(repo, "add", "-A")
    done = git_commit(repo, "--no-edit")
    assert done.returncode == 0, done.stderr


def test_the_merge_refusal_names_a_rename_the_merged_branch_made(repo):
    """The other way round: main links to the old name, the branch renames it."""
    main = git(repo, "branch", "--show-current").strip()
    git(repo, "checkout", "-q", "-b", "rename")
    assert sess(repo, "mv", "storage", "Storage on S3").code == 0
    assert git_commit(repo, "-m", "rename").returncode == 0
    git(repo, "checkout", "-q", main)
    new(repo, "Cache", "--date", "2026-12-02", "--requires", STORAGE)
    git(repo, "add", "-A")
    assert git_commit(repo, "-m", "cache").returncode == 0

    refused = merge(repo, "rename")
    assert refused.returncode != 0
    assert f"prerequisite_sessions names '{STORAGE}', which was renamed to {MOVED}" in (
        refused.stderr
    )


def test_the_hints_for_a_deleted_session_drop_one_link_each(repo):
    new(repo, "Cache", "--date", "2026-12-02", "--continues", STORAGE, "--requires", STORAGE)
    git(repo, "add", "-A")
    assert git_commit(repo, "-m", "cache").returncode == 0
    git(repo, "rm", "-q", f".sessions/{STORAGE}")
    result = sess(repo, "check")
    assert f"or: git sess unlink {CACHE} --requires {STORAGE}" in result.out
    assert f"or drop the link: git sess unlink {CACHE} --continues {STORAGE}" in result.out

    assert sess(repo, "unlink", CACHE, "--requires", STORAGE).code == 0
    assert links(repo) == (STORAGE, [])  # the continuation stays
    assert sess(repo, "unlink", CACHE, "--continues", STORAGE).code == 0
    assert links(repo) == (None, [])


def test_unlink_by_kind_leaves_the_other_link_and_refuses_a_kind_it_lacks(repo):
    new(repo, "Cache", "--date", "2026-12-02", "--continues", STORAGE, "--requires", STORAGE)
    result = sess(repo, "unlink", CACHE, "--continues", "storage")  # a short name finds it
    assert result.code == 0, result.err
    assert links(repo) == (None, [STORAGE])
    refused = sess(repo, "unlink", CACHE, "--continues", STORAGE)
    assert refused.code != 0
    assert refused.err.startswith(f"git-sess: error: {CACHE} does not continue {STORAGE}\n")
    assert links(repo) == (None, [STORAGE])  # nothing written
    assert sess(repo, "unlink", CACHE).code == 2  # nothing named: a usage error
    assert sess(repo, "unlink", CACHE, STORAGE).code == 0  # OTHER: every link to it
    assert links(repo) == (None, [])
