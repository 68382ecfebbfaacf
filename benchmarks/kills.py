"""SIGKILL at random points: does any leave a state that needs a hand repair?

    .venv/bin/python benchmarks/kills.py [--tries 30] [--seed 1] [--only mv,import]
        [--keep DIR] [--json OUT]

Issue 19: SIGKILL during `git sess mv` of a much-linked session left dozens of
dangling links that running mv again did not repair. For each scenario below
this script builds a repository once, runs the command once uninterrupted (the
clean state, and how long the command takes), then `--tries` times: copies the
repository, starts the command, sends SIGKILL after a random delay between 0 and
the clean run's duration, runs the next command a user would run, and checks.

Scenarios (each in a process group of its own; odd tries kill the whole group,
git's child processes included, as a closed terminal or the OOM killer's cgroup
kill would; even tries kill the git-sess process alone, its git children left to
finish):

- mv: `git-sess mv base_work Foundation --text` of a session 60 others link to
  (requires, continues, mentions), one edited and not staged, one never added;
  next: `git-sess list`;
- import: `git-sess import docs/sessions` of 150 hand-kept notes and a README
  linking them; next: `git-sess list`;
- reindex: `git-sess reindex` of 200 sessions; next: `git-sess search decision`;
- commit: a hooked `git commit` of 12 new and 6 changed exports (the pre-commit
  hook checks them and stages the index); next: `git-sess list`, then the
  `git commit` again when HEAD did not move (what a user does).

A try needs a hand repair when, after the next command: it exits non-zero or
prints a traceback; a journal is left; `git-sess check` fails (a dangling link,
an invalid export, a stale index); the files, the staging area (`git ls-files
-s`) and HEAD's tree are neither as before the command nor as its clean run left
them (a half-renamed file, a staging area that disagrees with the work tree); or
a search finds other sessions than after the clean run (a broken search index).
The table also counts the kills that landed while the command was running
("killed") and, of those, the ones that landed midway, after it had changed
something (a journal there, or files neither as before nor as the clean run):
those are the ones a recovery had to finish.
git's own `.git/index.lock`, which git leaves when it is SIGKILLed while holding
it (any git command does), is counted apart, then removed, and the checks go on.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import compile_package, console_script, log, run_checked  # noqa: E402  (the sibling scripts)

GIT_SESS = console_script()
ENV = {
    **os.environ,
    "PATH": f"{Path(GIT_SESS).parent}{os.pathsep}{os.environ['PATH']}",
    "GIT_AUTHOR_DATE": "2026-06-01T12:00:00Z",  # the same commit in every try
    "GIT_COMMITTER_DATE": "2026-06-01T12:00:00Z",
}
ENV.pop("GIT_SESS_FAULT_STEP", None)


def sess(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GIT_SESS, *args], cwd=repo, env=ENV, capture_output=True, text=True, check=False
    )


def git(repo: Path, *args: str) -> str:
    return run_checked(["git", *args], repo)


def export(title: str, date: str, extra: str = "", body: str = "") -> str:
    head = f"title: {title}\ndate: {date}\ntype: feature\nstatus: complete\n{extra}"
    text = body or "What was done, and why, in a few sentences of prose."
    return f"---\n{head}---\n# Session: {title}\n\n{text}\n\nA decision with its reason.\n"


def write(repo: Path, relative: str, text: str) -> None:
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def new_repository(repo: Path, hooks: bool = False) -> Path:
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Kills")
    git(repo, "config", "user.email", "kills@example.com")
    write(repo, "README.md", "project\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-q", "-m", "initial")
    init = sess(repo, "init", *([] if hooks else ["--no-hooks"]))
    if init.returncode != 0:
        raise SystemExit(f"kills.py: git sess init failed: {init.stderr}")
    return repo


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", message)


def day(number: int) -> str:
    return f"2025-{1 + number // 28:02}-{1 + number % 28:02}"


# --- the scenarios ---------------------------------------------------------------------


def build_mv(repo: Path) -> None:
    new_repository(repo)
    base = "session_20250101_base_work.md"
    write(repo, f".sessions/{base}", export("Base work", "2025-01-01"))
    for n in range(1, 61):
        name = f".sessions/session_{day(n).replace('-', '')}_linked_{n:02}.md"
        kind = n % 3
        extra = (
            f"prerequisite_sessions: [{base}]\n"
            if kind == 0
            else f"continuation_of: {base[:-3]}\n"
            if kind == 1 and n < 40
            else ""
        )
        write(repo, name, export(f"Linked {n:02}", day(n), extra, f"Built on {base[:-3]}."))
    assert sess(repo, "index").returncode == 0
    untracked = repo / ".sessions" / "session_20250103_linked_02.md"
    kept = untracked.read_bytes()
    untracked.unlink()
    commit_all(repo, "sessions")
    untracked.write_bytes(kept)
    edited = repo / ".sessions" / "session_20250104_linked_03.md"
    edited.write_text(edited.read_text() + "\nThe user's own line, not staged.\n")


def build_import(repo: Path) -> None:
    new_repository(repo)
    links = []
    for n in range(150):
        name = f"docs/sessions/{day(n)}-topic-{n:02}.md"
        write(repo, name, f"# Session: Topic {n:02}\n**Date**: {day(n)}\n\nNotes on topic {n}.\n")
        links.append(f"- [Topic {n:02}]({Path(name).name})\n")
    write(repo, "docs/sessions/README.md", "# Our notes\n\n" + "".join(links))
    commit_all(repo, "notes kept by hand")


def build_reindex(repo: Path) -> None:
    new_repository(repo)
    for n in range(200):
        words = "decision" if n % 7 == 0 else "choice"
        body = f"Session {n} about the parser, with a {words} on caching."
        write(
            repo,
            f".sessions/session_{day(n % 300).replace('-', '')}_work_{n:03}.md",
            export(f"Work {n:03}", day(n % 300), body=body),
        )
    assert sess(repo, "index").returncode == 0
    commit_all(repo, "sessions")
    sess(repo, "reindex")


def build_commit(repo: Path) -> None:
    new_repository(repo, hooks=True)
    for n in range(30):
        write(
            repo,
            f".sessions/session_{day(n).replace('-', '')}_old_{n:02}.md",
            export(f"Old {n:02}", day(n)),
        )
    assert sess(repo, "index").returncode == 0
    commit_all(repo, "sessions")
    for n in range(30, 42):
        write(
            repo,
            f".sessions/session_{day(n).replace('-', '')}_new_{n:02}.md",
            export(f"New {n:02}", day(n)),
        )
    for n in range(6):
        path = repo / ".sessions" / f"session_{day(n).replace('-', '')}_old_{n:02}.md"
        path.write_text(path.read_text() + "\nAnother decision, added later.\n")
    git(repo, "add", "-A")


@dataclass(frozen=True)
class Scenario:
    name: str
    build: Callable[[Path], None]
    command: list[str]
    next_command: list[str]
    retry_if_head_unmoved: bool = False  # the commit: run it again, as a user does
    search: str | None = None


SCENARIOS = [
    Scenario("mv", build_mv, [GIT_SESS, "mv", "base_work", "Foundation", "--text"], ["list"]),
    Scenario("import", build_import, [GIT_SESS, "import", "docs/sessions"], ["list"]),
    Scenario(
        "reindex", build_reindex, [GIT_SESS, "reindex"], ["search", "decision"], search="decision"
    ),
    Scenario(
        "commit",
        build_commit,
        ["git", "commit", "-q", "-m", "More sessions"],
        ["list"],
        retry_if_head_unmoved=True,
    ),
]


# --- one try ---------------------------------------------------------------------------


def state(repo: Path) -> tuple[object, ...]:
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return files, git(repo, "ls-files", "-s"), git(repo, "rev-parse", "HEAD^{tree}")


def searched(repo: Path, word: str) -> str:
    done = sess(repo, "search", word, "--json")
    return done.stdout if done.returncode == 0 else f"exit {done.returncode}: {done.stderr}"


@dataclass
class Outcome:
    killed: bool  # the command was still running when the signal came
    midway: bool = False  # it had changed something and not finished (a journal, or files
    # neither as before nor as a clean run): the kills that test recovery
    problems: list[str] = field(default_factory=list)
    git_lock: bool = False  # git's own index.lock was left


def try_once(
    scenario: Scenario,
    template: Path,
    work: Path,
    delay: float,
    group: bool,
    clean: tuple,
    before: tuple,
    clean_search: str | None,
) -> Outcome:
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(template, work, symlinks=True)
    process = subprocess.Popen(
        scenario.command,
        cwd=work,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    time.sleep(delay)
    killed = process.poll() is None
    if killed:
        try:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.send_signal(signal.SIGKILL)
        except ProcessLookupError:
            killed = False
    process.wait()
    if not group:  # its children (git) finish on their own: wait for them
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
    journal = work / ".git" / "gitsess" / "journal.json"
    outcome = Outcome(killed, midway=journal.exists() or state(work) not in (clean, before))
    lock = work / ".git" / "index.lock"
    if lock.exists():
        outcome.git_lock = True
        lock.unlink()  # the hand repair git itself asks for ("remove the file manually")
    problems = outcome.problems
    after = sess(work, *scenario.next_command)
    if after.returncode != 0 or "Traceback" in after.stderr:
        problems.append(f"next command: exit {after.returncode}: {after.stderr.strip()[:200]}")
    if scenario.retry_if_head_unmoved and git(work, "rev-parse", "HEAD^{tree}") == before[2]:
        retry = subprocess.run(scenario.command, cwd=work, env=ENV, capture_output=True, text=True)
        if retry.returncode != 0:
            problems.append(
                f"the commit again: exit {retry.returncode}: {retry.stderr.strip()[:200]}"
            )
    if journal.exists():
        problems.append("a journal is left")
    check = sess(work, "check")
    if check.returncode != 0:
        problems.append(f"check: {(check.stdout + check.stderr).strip()[:300]}")
    now = state(work)
    if now not in (clean, before) and not (scenario.retry_if_head_unmoved and now == clean):
        problems.append(describe(now, clean, before))
    if clean_search is not None and searched(work, scenario.search or "") != clean_search:
        problems.append("a search finds other sessions than after a clean run")
    return outcome


def describe(now: tuple, clean: tuple, before: tuple) -> str:
    """Which files differ from the clean run's and from before, briefly."""
    files, _, _ = now
    differ = sorted(p for p in set(files) | set(clean[0]) if files.get(p) != clean[0].get(p))
    parts = ["neither as before nor as a clean run"]
    parts.append(f"{len(differ)} files differ from the clean run ({', '.join(differ[:3])})")
    if now[1] != clean[1] and now[1] != before[1]:
        parts.append("the staging area matches neither")
    return "; ".join(parts)


def run_scenario(
    scenario: Scenario, place: Path, tries: int, rng: random.Random
) -> dict[str, object]:
    template = place / scenario.name / "template"
    scenario.build(template)
    sess(template, "list")  # caches as a user's repository has them
    before = state(template)
    clean_repo = place / scenario.name / "clean"
    shutil.copytree(template, clean_repo, symlinks=True)
    started = time.monotonic()
    done = subprocess.run(scenario.command, cwd=clean_repo, env=ENV, capture_output=True, text=True)
    duration = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"kills.py: the clean {scenario.name} failed: {done.stderr}")
    sess(clean_repo, *scenario.next_command)
    clean = state(clean_repo)
    clean_search = searched(clean_repo, scenario.search) if scenario.search else None
    log(f"{scenario.name}: clean run {duration:.2f} s; {tries} tries")
    outcomes = []
    for number in range(tries):
        delay = rng.uniform(0, duration)
        outcome = try_once(
            scenario,
            template,
            place / scenario.name / "try",
            delay,
            number % 2 == 1,
            clean,
            before,
            clean_search,
        )
        outcomes.append((delay, outcome))
        if outcome.problems:
            log(f"  try {number + 1} (after {delay:.3f} s): " + " | ".join(outcome.problems))
    return {
        "scenario": scenario.name,
        "clean_seconds": round(duration, 3),
        "tries": tries,
        "killed_while_running": sum(o.killed for _, o in outcomes),
        "killed_midway": sum(o.midway for _, o in outcomes),
        "needed_hand_repair": sum(bool(o.problems) for _, o in outcomes),
        "git_index_lock_left": sum(o.git_lock for _, o in outcomes),
        "problems": [
            {"delay": round(d, 3), "problems": o.problems} for d, o in outcomes if o.problems
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tries", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--keep", type=Path, help="build in DIR (emptied first) and keep it")
    parser.add_argument("--json", type=Path, help="write the counts to this file")
    args = parser.parse_args(argv)
    wanted = [s for s in SCENARIOS if not args.only or s.name in args.only.split(",")]
    compile_package()
    rng = random.Random(args.seed)
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
        args.keep.mkdir(parents=True)
        results = [run_scenario(s, args.keep, args.tries, rng) for s in wanted]
    else:
        with tempfile.TemporaryDirectory(prefix="gitsess-kills-") as place:
            results = [run_scenario(s, Path(place), args.tries, rng) for s in wanted]
    print(
        f"{'scenario':<10}{'tries':>7}{'killed':>8}{'midway':>8}{'hand repair':>13}{'git lock':>10}"
    )
    for r in results:
        print(
            f"{r['scenario']:<10}{r['tries']:>7}{r['killed_while_running']:>8}{r['killed_midway']:>8}"
            f"{r['needed_hand_repair']:>13}{r['git_index_lock_left']:>10}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any(r["needed_hand_repair"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
