"""The pre-commit hook patches the session index from the store's mirror
(hooks/blobfacts.py) instead of rendering it: over many random commits, each
committed index must be byte for byte the one rendered from the committed
exports, whether the last commit ran the hook or not."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
from pathlib import Path

import pytest
from builders import export_text, git_commit, session_name, write_export
from conftest import git, sess

from gitsess.core.index import render_index
from gitsess.core.model import parse_export

INDEX = ".sessions/session_index.md"
DATES = ["2026-01-05", "2026-01-06", "2026-02-01", "2026-02-02", "2026-03-01"]
TITLES = ["Alpha", "Beta", "Gamma ünïcode", "Delta", "Epsilon", "Zeta"]


def committed_exports(repo: Path) -> dict[str, bytes]:
    listing = git(repo, "ls-tree", "-z", "HEAD:.sessions").split("\0")
    names = [
        record.split("\t", 1)[1]
        for record in listing
        if record and record.split("\t", 1)[1].startswith("session_2")
    ]
    return {name: git(repo, "show", f"HEAD:.sessions/{name}").encode() for name in names}


def rendered_from_head(repo: Path, project: str) -> str:
    sessions = [
        parse_export(f".sessions/{name}", text, name)
        for name, text in committed_exports(repo).items()
    ]
    return render_index(sessions, project, ".sessions")


def mirror_tree(repo: Path) -> str | None:
    db = sqlite3.connect(repo / ".git" / "gitsess" / "hook-facts.sqlite")
    row = db.execute("SELECT value FROM meta WHERE key = 'mirror'").fetchone()
    db.close()
    return json.loads(row[0])[0] if row else None


class Editor:
    def __init__(self, repo: Path, rng: random.Random) -> None:
        self.repo, self.rng, self.count = repo, rng, 0

    def exports(self) -> list[Path]:
        return sorted((self.repo / ".sessions").glob("session_2*.md"))

    def text(self, title: str, date: str, status: str = "in-progress", extra: str = "") -> str:
        return export_text(
            title, f"Body {self.rng.random()}", date=date, status=status, extra=extra
        )

    def add(self) -> None:
        self.count += 1
        date = self.rng.choice(DATES)
        title = f"{self.rng.choice(TITLES)} {self.count}"
        extra = ""
        older = [path.name for path in self.exports() if path.name[8:16] < date.replace("-", "")]
        if older and self.rng.random() < 0.4:
            key = "continuation_of" if self.rng.random() < 0.5 else "prerequisite_sessions"
            target = self.rng.choice(older)
            extra = f"{key}: {target if key == 'continuation_of' else '[' + target + ']'}\n"
        name = session_name(f"s{self.count}_{self.rng.randrange(1000)}", date)
        write_export(self.repo, name, self.text(title, date, extra=extra))

    def change(self, what: str) -> None:
        path = self.rng.choice(self.exports())
        text = path.read_text(encoding="utf-8")
        if what == "body":
            text += f"\nMore {self.rng.random()}\n"
        elif what == "title":
            text = text.replace("title: ", f"title: Re{self.rng.randrange(100)} ", 1)
        elif what == "date":
            start = text.index("date: ") + len("date: ")
            text = text[:start] + self.rng.choice(DATES) + text[start + 10 :]
        elif what == "status":
            for old, new in (("in-progress", "complete"), ("complete", "blocked")):
                if f"status: {old}" in text:
                    text = text.replace(f"status: {old}", f"status: {new}", 1)
                    break
        path.write_text(text, encoding="utf-8")

    def delete(self) -> None:
        self.rng.choice(self.exports()).unlink()

    def delete_linked(self) -> None:
        """Delete an export another one links to (linking two first if none is):
        the commit leaves a link dangling and must be refused."""
        texts = [path.read_text(encoding="utf-8") for path in self.exports()]
        linked = [path for path in self.exports() if any(path.name in text for text in texts)]
        if not linked:
            target, source = self.exports()[:2]  # names sort by date
            link = f"\nprerequisite_sessions: [{target.name}]\n---\n"
            source.write_text(source.read_text(encoding="utf-8").replace("\n---\n", link, 1))
            linked = [target]
        self.rng.choice(linked).unlink()
        git(self.repo, "add", "-A")

    def rename(self) -> None:
        path = self.rng.choice(self.exports())
        self.count += 1
        path.rename(path.with_name(f"{path.stem}_r{self.count}.md"))

    def step(self) -> None:
        for _ in range(self.rng.choice([1, 1, 2, 3])):
            action = self.rng.choice(
                ["add", "add", "body", "title", "title", "date", "status", "delete", "rename"]
            )
            if action == "add" or len(self.exports()) < 3:
                self.add()
            elif action in ("delete", "rename"):
                getattr(self, action)()
            else:
                self.change(action)
        git(self.repo, "add", "-A")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_committed_index_is_the_rendered_one_over_random_commits(hooked, seed):
    rng = random.Random(seed)
    editor = Editor(hooked, rng)
    project = None
    checked = refused = 0
    behind = False  # the last commit skipped the hook: the index's repair is staged, not committed
    for step in range(16):
        editor.step()
        if step % 5 == 4:
            editor.delete_linked()
        skip = rng.random() < 0.15  # a commit the hook does not check: the mirror falls behind
        if step % 7 == 6:  # a commit on another branch, then back: the same
            git(hooked, "checkout", "-q", "-b", f"side{step}")
            assert git_commit(hooked, "-m", "side").returncode == 0
            git(hooked, "checkout", "-q", "-")
            editor.step()
        done = git_commit(hooked, *(["--no-verify"] if skip else []), "-m", f"step {step}")
        if "nothing to commit" in done.stdout:  # the step undid itself (a status kept)
            continue
        behind = skip and done.returncode == 0 or behind and done.returncode != 0
        if done.returncode != 0:  # refused (a link left dangling): as a user would, undo
            refused += 1
            assert "error" in done.stderr, done.stderr
            git(hooked, "reset", "-q", "--hard", "HEAD")
            if behind:  # the reset discarded the repair post-commit staged: make it again
                assert sess(hooked, "index").code == 0
                git(hooked, "add", INDEX)
            continue
        if skip:  # post-commit staged the right index: commit it with the next step
            continue
        assert git(hooked, "status", "--porcelain") == ""
        index = git(hooked, "show", f"HEAD:{INDEX}")
        project = project or index.split("\n")[1][2 : -len(" Session Index")]
        assert index == rendered_from_head(hooked, project)
        assert (hooked / INDEX).read_text(encoding="utf-8") == index
        assert mirror_tree(hooked) == git(hooked, "rev-parse", "HEAD:.sessions").strip()
        checked += 1
    assert checked >= 8 and refused >= 1
    assert sess(hooked, "index", "--check").code == 0


def traced_commit(repo: Path, *args: str) -> list[str]:
    """`git commit -q ARGS` with GIT_TRACE: the git commands it and its hooks ran."""
    trace = repo.parent / "trace.txt"
    trace.unlink(missing_ok=True)
    env = {**os.environ, "GIT_TRACE": str(trace)}
    done = subprocess.run(["git", "commit", "-q", *args], cwd=repo, env=env, capture_output=True)
    assert done.returncode == 0, done.stderr
    return [line.split("trace: ", 1)[-1] for line in trace.read_text().splitlines()]


@pytest.mark.parametrize("diverged", [False, True])
def test_a_commit_lists_only_what_it_changes(hooked, diverged):
    """Once the hook has checked a commit, the next one reads the staging area as a
    diff and renders nothing: no `ls-files -s`, even after a commit it did not check."""
    for slug in ("one", "two", "three"):
        write_export(hooked, session_name(slug), export_text(slug.title(), date="2026-01-01"))
    git(hooked, "add", "-A")
    assert git_commit(hooked, "-m", "three").returncode == 0
    if diverged:  # the mirror is no longer HEAD's sessions tree
        path = hooked / ".sessions" / session_name("two")
        path.write_text(path.read_text() + "\nMore.\n")
        git(hooked, "add", "-A")
        git(hooked, "-c", "core.hooksPath=/nonexistent", "commit", "-q", "-m", "no hooks ran")
    path = hooked / ".sessions" / session_name("one")
    path.write_text(path.read_text().replace("title: One", "title: One retitled"))
    git(hooked, "add", "-A")
    ran = traced_commit(hooked, "-m", "retitle")
    assert any("diff-index --cached" in line for line in ran)
    assert not any("ls-files -s" in line or "ls-files -z -s" in line for line in ran)
    assert "One retitled" in git(hooked, "show", f"HEAD:{INDEX}")
    assert sess(hooked, "index", "--check").code == 0
    assert git(hooked, "status", "--porcelain") == ""
