"""Parallel writers on one repository: does every commit hold the right tree?

    .venv/bin/python benchmarks/staging.py [--workers 12] [--seconds 60] [--seed 1]
        [--keep DIR] [--json OUT]

Issue 19: a failed `git sess commit` restored an old copy of the staging area,
so that another process's staged changes were undone and the next commit
deleted sessions from HEAD. This script starts `--workers` threads, each
running git-sess and git as separate processes, one after another for
`--seconds` (or `--rounds` each, as tests/hooks/test_staging_stress.py does),
on one repository with the hooks installed. Each step is one of:

- `new`: `git sess new` of a session with a fresh title;
- `update`: `git sess update` of an existing session (status, tag, summary);
- `search`: `git sess search` of a word;
- `reindex`: `git sess reindex`;
- `sess-commit`: `git sess commit` (every new or changed export; half the
  time with `--include-staged`);
- `git-commit`: a change to a code file, `git add -A` and `git commit` (the hooks run).

Refusals (exit 1: "no changes", "other changes are staged", git's index.lock
taken by another process; git's own 128 for that) are expected under this load
and counted; any other exit is a crash. Afterwards the whole history is checked, commit by
commit (the history is linear: nobody merges):

- wrong: a commit that drops an export its parent had (nobody deletes one),
  whose `session_index.md` does not list exactly the exports of its tree, or
  that holds a temporary file under the sessions directory (a dot file or a
  `.tmp`);
- lost: an export a successful `new` wrote that is missing from the work tree,
  or from HEAD after one last `git add -A && git commit`.

Target: 0 wrong commits, 0 sessions lost, 0 crashes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

SESSIONS = ".sessions"
ACTIONS = ("new", "update", "search", "reindex", "sess-commit", "git-commit")
WEIGHTS = (4, 3, 2, 1, 3, 2)
WORDS = ("parser", "training", "cache", "migration", "index", "deploy", "tokens", "flaky")
_CREATED = re.compile(r"(session_\d{8}_\w+\.md)")
_LISTED = re.compile(r"\]\((session_[^)]+\.md)\)")
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Stress",
    "GIT_AUTHOR_EMAIL": "stress@example.com",
    "GIT_COMMITTER_NAME": "Stress",
    "GIT_COMMITTER_EMAIL": "stress@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Report:
    workers: int
    seconds: float
    steps: dict[str, dict[str, int]] = field(default_factory=dict)  # action -> outcome -> n
    commits: int = 0
    wrong_commits: list[dict[str, str]] = field(default_factory=list)
    created: int = 0
    lost: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    refusals: dict[str, int] = field(default_factory=dict)  # first line -> n
    said: dict[str, int] = field(default_factory=dict)  # what a successful step said -> n

    @property
    def ok(self) -> bool:
        return not self.wrong_commits and not self.lost and not self.crashes


def git_sess() -> str:
    """The console script of this interpreter's environment, as a shell starts it."""
    return str(Path(sys.prefix) / "bin" / "git-sess")


def _run(repo: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, check=False)


def setup(repo: Path) -> None:
    """A repository with the sessions directory, the hooks and one commit."""
    repo.mkdir(parents=True, exist_ok=True)
    for args in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "config", "user.name", "Stress"],
        ["git", "config", "user.email", "stress@example.com"],
        [git_sess(), "init"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "Set up session notes"],
    ):
        done = _run(repo, args)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)}: {done.stderr}")
    (repo / "code.txt").write_text("0\n")
    _run(repo, ["git", "add", "code.txt"])
    _run(repo, ["git", "commit", "-q", "-m", "code"])


class Worker:
    def __init__(self, repo: Path, number: int, seed: int, report: Report, lock: threading.Lock):
        self.repo, self.number, self.report, self.lock = repo, number, report, lock
        self.random = random.Random(seed * 1000 + number)
        self.created: list[str] = []
        self.count = 0

    def step(self) -> None:
        action = self.random.choices(ACTIONS, WEIGHTS)[0]
        args = self._args(action)
        if args is None:
            return
        done = _run(self.repo, args)
        if action == "git-commit" and done.returncode == 0:
            args = ["git", "commit", "-q", "-m", f"code by {self.number}"]
            done = _run(self.repo, args)
        # git refuses (128) when another git holds index.lock or moved HEAD under it
        refusals = (1, 128) if args[0] == "git" else (1,)
        outcome = "ok" if done.returncode == 0 else "refused"
        if done.returncode not in (0, *refusals):
            outcome = "crash"
        with self.lock:
            counts = self.report.steps.setdefault(action, {})
            counts[outcome] = counts.get(outcome, 0) + 1
            if outcome == "refused":
                line = re.sub(r"\S*session_\S+|[0-9a-f]{40}", "X", done.stderr.strip())
                line = f"{action}: {line.splitlines()[0][:100] if line else '(no message)'}"
                self.report.refusals[line] = self.report.refusals.get(line, 0) + 1
            if outcome == "ok" and done.stderr.strip():  # a repair, a warning
                for said in done.stderr.strip().splitlines():
                    said = (
                        f"{action}: " + re.sub(r"\S*session_\S+|[0-9a-f]{12,40}", "X", said)[:120]
                    )
                    self.report.said[said] = self.report.said.get(said, 0) + 1
            if outcome == "crash":
                said = done.stderr.strip()[-300:]
                self.report.crashes.append(f"{' '.join(args)}: exit {done.returncode}: {said}")
        if action == "new" and done.returncode == 0:
            found = _CREATED.search(done.stdout)
            if found:
                self.created.append(found.group(1))

    def _args(self, action: str) -> list[str] | None:
        sess = git_sess()
        self.count += 1
        if action == "new":
            word = self.random.choice(WORDS)
            title = f"Worker {self.number} step {self.count} {word}"
            day = f"2026-01-{self.random.randint(1, 28):02d}"
            return [sess, "new", title, "--date", day, "--summary", f"about {word}"]
        if action == "update":
            if not self.created:
                return None
            name = self.random.choice(self.created)
            change = self.random.choice(
                [
                    ["--status", self.random.choice(["complete", "blocked", "in-progress"])],
                    ["--add-tag", self.random.choice(WORDS)],
                    ["--summary", f"changed at step {self.count}"],
                ]
            )
            return [sess, "update", name.removesuffix(".md"), *change]
        if action == "search":
            return [sess, "search", self.random.choice(WORDS)]
        if action == "reindex":
            return [sess, "reindex"]
        if action == "sess-commit":  # half the time with what others staged
            return [sess, "commit", *(["--include-staged"] if self.random.random() < 0.5 else [])]
        # git-commit: a code change, everything added as people do (`git add -A`)
        code = self.repo / "code.txt"
        with self.lock:
            code.write_text(f"{self.number} {self.count}\n")
        return ["git", "add", "-A"]


def stress(
    repo: Path, workers: int, *, seconds: float = 0.0, rounds: int = 0, seed: int = 1
) -> Report:
    """Run the workers for `seconds` (or `rounds` steps each), then check the history."""
    report = Report(workers=workers, seconds=0.0)
    lock = threading.Lock()
    crew = [Worker(repo, number, seed, report, lock) for number in range(workers)]
    start = time.monotonic()

    def loop(worker: Worker) -> None:
        done = 0
        while (rounds and done < rounds) or (not rounds and time.monotonic() - start < seconds):
            worker.step()
            done += 1

    threads = [threading.Thread(target=loop, args=(worker,)) for worker in crew]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = round(time.monotonic() - start, 1)
    created = sorted({name for worker in crew for name in worker.created})
    report.created = len(created)
    check_history(repo, report)
    _run(repo, ["git", "add", "-A"])
    _run(repo, ["git", "commit", "-q", "-m", "last"])
    head = set(_tree(repo, "HEAD"))
    report.lost = [
        name
        for name in created
        if not (repo / SESSIONS / name).is_file() or f"{SESSIONS}/{name}" not in head
    ]
    return report


def _tree(repo: Path, commit: str) -> list[str]:
    out = _run(repo, ["git", "ls-tree", "-r", "-z", "--name-only", commit, "--", SESSIONS]).stdout
    return [path for path in out.split("\0") if path]


def _exports(paths: list[str]) -> set[str]:
    from gitsess.core.names import is_export_name

    prefix = SESSIONS + "/"
    return {
        path[len(prefix) :]
        for path in paths
        if path.startswith(prefix)
        and "/" not in path[len(prefix) :]
        and is_export_name(path[len(prefix) :])
    }


def check_history(repo: Path, report: Report) -> None:
    """Each commit since the setup against its parent: see the module docstring."""
    commits = _run(repo, ["git", "rev-list", "--reverse", "--first-parent", "HEAD"]).stdout.split()
    report.commits = len(commits) - 2  # the setup commits
    previous: set[str] = set()
    for number, commit in enumerate(commits):
        paths = _tree(repo, commit)
        exports = _exports(paths)
        if number >= 2:
            problems, kinds = [], []
            dropped = sorted(previous - exports)
            if dropped:
                problems.append(f"drops {len(dropped)} export(s): {', '.join(dropped[:3])}")
                kinds.append("dropped")
            index = _run(repo, ["git", "show", f"{commit}:{SESSIONS}/session_index.md"]).stdout
            listed = set(_LISTED.findall(index))
            if listed != exports:
                missing, extra = sorted(exports - listed), sorted(listed - exports)
                problems.append(f"index misses {missing[:3]}, lists absent {extra[:3]}")
                kinds.append("stale-index")
            temporary = [
                path for path in paths if Path(path).name.startswith(".") or path.endswith(".tmp")
            ]
            if temporary:
                problems.append(f"temporary files: {', '.join(temporary[:3])}")
                kinds.append("temporary")
            if problems:
                subject = _run(repo, ["git", "log", "-1", "--format=%s", commit]).stdout.strip()
                report.wrong_commits.append(
                    {
                        "commit": commit[:10],
                        "subject": subject,
                        "kinds": " ".join(kinds),
                        "problems": "; ".join(problems),
                    }
                )
        previous = exports


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="run in this (new) directory and keep it")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gitsess-staging-") as place:
        repo = args.keep or Path(place) / "repo"
        setup(repo)
        report = stress(repo, args.workers, seconds=args.seconds, seed=args.seed)
    summary = asdict(report)
    print(
        f"{report.workers} workers, {report.seconds} s: {report.commits} commits,"
        f" {len(report.wrong_commits)} wrong; {report.created} sessions created,"
        f" {len(report.lost)} lost; {len(report.crashes)} crashes"
    )
    for action, counts in sorted(report.steps.items()):
        print(f"  {action:12} " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for line, count in sorted(report.refusals.items(), key=lambda item: -item[1])[:8]:
        print(f"  refused {count:3}x {line}")
    for line, count in sorted(report.said.items(), key=lambda item: -item[1])[:8]:
        print(f"  said    {count:3}x {line}")
    for wrong in report.wrong_commits:
        print(f"  wrong {wrong['commit']} {wrong['subject']!r}: {wrong['problems']}")
    for name in report.lost:
        print(f"  lost {name}")
    for crash in report.crashes:
        print(f"  crash {crash}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
