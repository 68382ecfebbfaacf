"""A small run of benchmarks/staging.py: parallel writers, then every commit of
the history checked (the full run lasts a minute; this one a few rounds).

Every commit is asserted right: none drops an export, none holds an index that
its exports contradict, none holds a temporary file; no session is lost and
nothing crashes. (The first two kinds once had causes outside `git sess
commit`: a plain `git commit` lets go of index.lock before the pre-commit hook,
so a `git add` by another process between the hook and git's tree went into
the commit unindexed, now rebuilt by the post-commit hook; and `write_atomic`
wrote its temporary files inside .sessions/, where a concurrent `git add -A`
picked them up, now in the git directory.)"""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import git, sess

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import staging  # noqa: E402  (the benchmark script, not a package)


def test_parallel_writers_leave_every_commit_right(tmp_path):
    repo = tmp_path / "repo"
    staging.setup(repo)

    report = staging.stress(repo, workers=6, rounds=4, seed=19)

    assert report.commits >= 1
    assert report.created >= 1
    assert report.wrong_commits == []
    assert report.lost == []
    assert report.crashes == []


def test_the_check_finds_a_dropped_export_and_a_stale_index(sessions):
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "setup")
    git(sessions, "commit", "-q", "--allow-empty", "-m", "second")
    assert sess(sessions, "new", "Kept", "--date", "2026-01-02").code == 0
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "add")
    git(sessions, "rm", "-q", "--cached", ".sessions/session_20260102_kept.md")
    (sessions / ".sessions" / ".session_x.md.abc.tmp").write_text("half\n")
    git(sessions, "add", ".sessions/.session_x.md.abc.tmp")
    git(sessions, "commit", "-q", "-m", "drop")

    report = staging.Report(workers=0, seconds=0)
    staging.check_history(sessions, report)

    assert [wrong["subject"] for wrong in report.wrong_commits] == ["drop"]
    problems = report.wrong_commits[0]["problems"]
    assert "drops 1 export(s): session_20260102_kept.md" in problems
    assert "lists absent ['session_20260102_kept.md']" in problems
    assert "temporary files: .sessions/.session_x.md.abc.tmp" in problems
