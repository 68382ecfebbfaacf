"""Finding the repository (core/repo.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git, init_repository

from gitsess.core.repo import discover, repo_at_top


def test_at_the_top_the_repository_is_the_one_git_finds(tmp_path: Path) -> None:
    root = init_repository(tmp_path / "work")
    found = repo_at_top(root)
    assert found is not None
    assert found == discover(root)  # the same top and the same --git-path gitsess


def test_not_at_the_top_git_is_asked(tmp_path: Path) -> None:
    root = init_repository(tmp_path / "work")
    (root / "sub").mkdir()
    assert repo_at_top(root / "sub") is None
    assert discover(root / "sub") == discover(root)


def test_a_linked_worktree_is_left_to_git(tmp_path: Path) -> None:
    root = init_repository(tmp_path / "work")
    git(root, "commit", "-q", "--allow-empty", "-m", "first")
    git(root, "worktree", "add", "-q", str(tmp_path / "linked"))
    linked = tmp_path / "linked"
    assert (linked / ".git").is_file()
    assert repo_at_top(linked) is None
    assert discover(linked).state_dir != discover(root).state_dir  # each its own


def test_a_git_folder_that_is_no_repository_is_passed_over(tmp_path: Path) -> None:
    root = init_repository(tmp_path / "work")
    (root / "inner" / ".git").mkdir(parents=True)  # empty: git looks further up
    assert repo_at_top(root / "inner") is None
    assert discover(root / "inner").root == discover(root).root


@pytest.mark.parametrize("variable", ["GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"])
def test_a_repository_named_by_git_s_environment_is_left_to_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    root = init_repository(tmp_path / "work")
    monkeypatch.setenv(variable, str(root / ".git" if variable != "GIT_WORK_TREE" else root))
    assert repo_at_top(root) is None
