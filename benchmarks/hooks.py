"""Timings of the git hooks on a generated corpus: what they add to git's own commands.

    .venv/bin/python benchmarks/hooks.py [--sessions 10000] [--repeat 7] [--merge-repeat 3]
        [--keep DIR] [--json OUT]

(--sessions N: the corpus size, 1,000 / 10,000 / 30,000 in benchmarks/README.md;
--keep DIR: generate it there once and reuse it.)

Figures, all from one run so the differences hold on a noisy machine, each
a whole `git` process (its hooks included) with one untimed warm-up:
- `git commit -q -m x` of a one-line change to an unrelated file, without the
  hooks (`git sess hooks uninstall`) and with them (`git sess hooks install`);
- the same with an editor (`core.editor` is `sed -i 1s/^/x/`, no -m), so
  prepare-commit-msg has no message source;
- `git commit -q -m x` of a one-line change to one export's body (a different
  one each run), without and with the hooks: the index stays as it is;
- the same with the export's title changed instead: pre-commit writes a new
  index (the last one patched: hooks/commits.py) and stages it;
- `git merge -q --no-edit` of two branches that each added 50 new sessions to
  the corpus and changed one session they share (ours retitles it, theirs
  marks it blocked, so the merge commit is rebuilt with the merged entry),
  with the hooks and the index's merge driver, checked afterwards (no
  conflict, `git sess index --check` passes, the committed index lists all
  100 new sessions and the shared session with both changes);
- the baselines `python -c pass` and `git status --porcelain`.

"added" is the median with the hooks minus the median without them ("added
CPU": the same for the CPU time, user and system, of the git command and every
process it waited for, hooks included: on a shared machine under load it moves
far less than the wall time, so both are reported); the runs
without and with the hooks alternate (the hooks are uninstalled and installed
again between them, untimed), so both halves see the same moments of a shared
machine. Before each commit the script waits SETTLE_S, so the detached search
refresh a hook may start has finished and is not counted against the next run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import statistics
import string
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import TAGS, Spec, make_title, render_export, unique_id  # noqa: E402
from run import (  # noqa: E402  (the sibling scripts)
    Figure,
    Result,
    RunFacts,
    add_ratios,
    compile_package,
    console_script,
    corpus,
    corpus_parser,
    editor,
    exports,
    log,
    measure,
    run_checked,
    set_up,
    time_once,
)

UNRELATED = "code.txt"
INDEX = ".sessions/session_index.md"
NEW_PER_BRANCH = 50
SETTLE_S = 0.3  # before each commit: lets the hooks' detached refresh of the last one finish
COMMIT_EDITOR = "sed -i 1s/^/x/"


@dataclass
class Pair:
    label: str
    none: Result  # no hooks installed
    hooks: Result  # the hooks run in-process (GITSESS_HOOK_SERVER=0)
    target_added_s: float

    cpu_none_s: list[float] | None = None
    cpu_hooks_s: list[float] | None = None
    served: Result | None = None  # the hooks run by a warm hook server (the default)
    cpu_served_s: list[float] | None = None

    @property
    def added_s(self) -> float:
        return self.hooks.median_s - self.none.median_s

    @property
    def added_served_s(self) -> float:
        return self.served.median_s - self.none.median_s if self.served else float("nan")

    @property
    def added_cpu_s(self) -> float:
        return _added_cpu(self.cpu_none_s, self.cpu_hooks_s)

    @property
    def added_served_cpu_s(self) -> float:
        return _added_cpu(self.cpu_none_s, self.cpu_served_s)

    @property
    def verdict(self) -> str:
        return "met" if self.added_s <= self.target_added_s else "MISSED"

    @property
    def served_verdict(self) -> str:
        return "met" if self.added_served_s <= self.target_added_s else "MISSED"


def _added_cpu(none: list[float] | None, hooks: list[float] | None) -> float:
    if not none or not hooks:
        return float("nan")
    return statistics.median(hooks) - statistics.median(none)


@dataclass
class MergeRun:
    seconds: float
    exit: int
    conflicts: list[str]
    index_check_exit: int
    missing_ids: int  # new sessions the committed index does not list
    shared_merged: bool  # the committed index has both sides' change to the shared session
    clean_after: bool  # `git status --porcelain` printed nothing
    stderr: str

    @property
    def correct(self) -> bool:
        return (
            self.exit == 0
            and not self.conflicts
            and self.index_check_exit == 0
            and self.missing_ids == 0
            and self.shared_merged
            and self.clean_after
        )


@dataclass
class MergeResult:
    label: str
    median_s: float
    min_s: float
    runs: list[MergeRun]
    new_ids: int

    @property
    def correct(self) -> bool:
        return all(run.correct for run in self.runs)


# --- the repository ------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    return run_checked(["git", *args], repo)


def hooks(repo: Path, git_sess: str, install: bool) -> None:
    """Install or remove the hooks; the .gitattributes lines uninstall takes out are
    put back from HEAD, so the tree stays clean (without the driver's configuration
    they do nothing)."""
    run_checked([git_sess, "hooks", "install" if install else "uninstall"], repo)
    if not install:
        git(repo, "checkout", "-q", "HEAD", "--", ".gitattributes")
    if git(repo, "status", "--porcelain").strip():
        raise SystemExit(f"hooks.py: the tree is not clean after hooks {install=}")


def commit_index(repo: Path, git_sess: str) -> None:
    """`git sess index`, committed if it changed (after commits made without the hooks)."""
    run_checked([git_sess, "index"], repo)
    if git(repo, "status", "--porcelain").strip():
        git(repo, "add", INDEX)
        git(repo, "commit", "-q", "--no-verify", "-m", "git sess index")


def prepare_repo(repo: Path, git_sess: str) -> None:
    set_up(repo, git_sess)
    if not (repo / UNRELATED).exists():
        (repo / UNRELATED).write_text("code that has nothing to do with sessions\n")
        git(repo, "add", UNRELATED)
        git(repo, "commit", "-q", "-m", f"Add {UNRELATED}")
    hooks(repo, git_sess, install=True)
    commit_index(repo, git_sess)


def appender(repo: Path) -> Callable[[], None]:
    counter = iter(range(10**9))

    def append() -> None:
        time.sleep(SETTLE_S)
        with open(repo / UNRELATED, "a", encoding="utf-8") as handle:
            handle.write(f"line {next(counter)}\n")
        git(repo, "add", UNRELATED)

    return append


def export_editor(repo: Path) -> Callable[[], None]:
    edit = editor(exports(repo))  # one for both variants: every run edits a new export

    def edit_and_stage() -> None:
        time.sleep(SETTLE_S)
        edit()
        git(repo, "add", "-u", ".sessions")

    return edit_and_stage


def title_editor(repo: Path) -> Callable[[], None]:
    """Each call renames a different export (its `title:` line), so the index changes."""
    plain = tuple("\ntitle: " + letter for letter in string.ascii_letters)  # unquoted titles
    files = [  # reversed: not the ones export_editor appends to first
        path for path in exports(repo)[::-1] if any(key in path.read_text("utf-8") for key in plain)
    ]
    counter = iter(range(10**9))

    def retitle_and_stage() -> None:
        time.sleep(SETTLE_S)
        number = next(counter)
        path = files[(number * 89) % len(files)]
        text = path.read_text(encoding="utf-8")
        start = text.index("\ntitle: ") + len("\ntitle: ")
        path.write_text(f"{text[:start]}Retitled {number} {text[start:]}", encoding="utf-8")
        git(repo, "add", "-u", ".sessions")

    return retitle_and_stage


# --- the commit figures -----------------------------------------------------------------


def time_pairs(repo: Path, git_sess: str, repeat: int) -> list[Pair]:
    commit_m = ["git", "commit", "-q", "-m", "x"]
    commit_editor = ["git", "-c", f"core.editor={COMMIT_EDITOR}", "commit", "-q"]
    unrelated, edited = appender(repo), export_editor(repo)
    plans = [
        ("commit -m, unrelated file", commit_m, unrelated, 0.015),
        ("commit (editor), unrelated file", commit_editor, unrelated, 0.015),
        ("commit -m, one export's body", commit_m, edited, 0.1),
        ("commit -m, one export's title", commit_m, title_editor(repo), 0.1),
    ]
    pairs = []
    for label, argv, prepare, target in plans:
        log(f"timing {label}, without and with the hooks …")
        pairs.append(time_pair(repo, git_sess, label, argv, prepare, repeat, target))
    return pairs


VARIANTS = ("no hooks", "hooks", "hooks, served")  # in-process, then by a warm hook server


def time_pair(
    repo: Path,
    git_sess: str,
    label: str,
    argv: list[str],
    prepare: Callable[[], None],
    repeat: int,
    target: float,
) -> Pair:
    """Runs without the hooks, with them in-process and with them served by a warm hook
    server alternate, so all see the same moments of a shared machine; the first of each
    is a warm-up. The server is started untimed; the CPU of the children it forks (and
    its own) is counted from /proc, as theirs is not the git command's."""
    runs: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    cpu: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    for number in range(repeat + 1):
        for variant in VARIANTS:
            installed = variant != "no hooks"
            if variant == "hooks":
                commit_index(repo, git_sess)  # the index catches up with commits made without
            if variant != "hooks, served":
                hooks(repo, git_sess, install=installed)  # (uninstall stops the server)
            server = hook_server(repo) if variant == "hooks, served" else None
            os.environ[OFF_VARIABLE] = "1" if server else "0"
            prepare()
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            served_before = server_cpu(server)
            elapsed = time_once(argv, repo, (0,))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            used += server_cpu(server) - served_before
            os.environ[OFF_VARIABLE] = "0"
            if git(repo, "status", "--porcelain").strip():
                raise SystemExit(f"hooks.py: the tree is not clean after {label} ({variant})")
            if number:
                runs[variant].append(elapsed)
                cpu[variant].append(used)
    none, with_hooks, served = (
        Result(
            key=f"{label}: {variant}".replace(" ", "_"),
            label=f"{label}: {variant}",
            command=" ".join(argv),
            median_s=statistics.median(runs[variant]),
            min_s=min(runs[variant]),
            runs_s=runs[variant],
            target_s=None,
        )
        for variant in VARIANTS
    )
    return Pair(
        label, none, with_hooks, target, cpu["no hooks"], cpu["hooks"], served, cpu[VARIANTS[2]]
    )


OFF_VARIABLE = "GITSESS_HOOK_SERVER"  # "0": the hooks run in-process, start no server


def hook_server(repo: Path) -> int:
    """The pid of the repository's hook server, started (untimed) when none runs."""
    state = repo / git(repo, "rev-parse", "--git-common-dir").strip() / "gitsess"
    socket_path, lock = state / "hooks.sock", state / "hook-server.lock"
    if not socket_path.exists():
        subprocess.Popen(
            [sys.executable, "-m", "gitsess.hooks.hookserver", str(state.resolve())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={k: v for k, v in os.environ.items() if k != OFF_VARIABLE},
        )
        deadline = time.monotonic() + 60
        while not socket_path.exists():
            if time.monotonic() > deadline:
                raise SystemExit(f"hooks.py: no hook server listens in {state}")
            time.sleep(0.02)
    return int(lock.read_text().strip())


def server_cpu(pid: int | None) -> float:
    """CPU seconds of the hook server and of the children it has reaped (Linux /proc)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


# --- the merge --------------------------------------------------------------------------


def add_sessions(repo: Path, side: str, offset: int, used: set[str]) -> list[str]:
    """NEW_PER_BRANCH new exports dated from 2026 (after the corpus), one side on even
    days and the other on odd ones, so both add entries at the top of the index."""
    rng = random.Random(f"hooks-merge-{side}")
    ids = []
    for number in range(NEW_PER_BRANCH):
        date = dt.date(2026, 1, 1) + dt.timedelta(days=2 * number + offset)
        topic = "search indexer" if side == "ours" else "webhook dispatcher"
        title = f"{make_title(rng, 'feature', topic)} ({side} {number})"
        spec = Spec(
            id=unique_id(date, title, used),
            date=date,
            title=title,
            type="feature",
            status="complete",
            topic=topic,
            tags=[rng.choice(TAGS)],
            legacy=False,
        )
        (repo / ".sessions" / spec.id).write_text(render_export(rng, spec), encoding="utf-8")
        ids.append(spec.id)
    return ids


SHARED = "session_20250105_shared_by_both_branches.md"


def add_shared(repo: Path) -> None:
    """The session both merge branches change, committed before they part."""
    text = (
        "---\ntitle: Shared by both branches\ndate: 2025-01-05\ntype: feature\n"
        "status: in-progress\n---\n# Session: Shared by both branches\n\n"
        "## Objectives\n- change it on two branches\n"
    )
    (repo / ".sessions" / SHARED).write_text(text, encoding="utf-8")
    git(repo, "add", ".sessions")
    if git(repo, "status", "--porcelain").strip():  # a kept corpus may have it already
        git(repo, "commit", "-q", "-m", "a session both branches change")


def change_shared(path: Path, side: str) -> None:
    text = path.read_text(encoding="utf-8")
    if side == "ours":
        text = text.replace("title: Shared by both branches", "title: Shared and renamed")
    else:
        text = text.replace("status: in-progress", "status: blocked")
    path.write_text(text, encoding="utf-8")


def branches(repo: Path) -> tuple[str, list[str]]:
    """bench-theirs and bench-ours from HEAD, 50 new sessions each, committed with the
    hooks; bench-ours is left checked out. The commit to reset to, and the new ids."""
    add_shared(repo)
    base = git(repo, "rev-parse", "HEAD").strip()
    used = {path.name for path in exports(repo)}
    new_ids = []
    for side, offset in (("theirs", 1), ("ours", 0)):
        git(repo, "checkout", "-q", "-B", f"bench-{side}", base)
        new_ids += add_sessions(repo, side, offset, used)
        change_shared(repo / ".sessions" / SHARED, side)
        git(repo, "add", ".sessions")
        git(repo, "commit", "-q", "-m", f"{side}: {NEW_PER_BRANCH} new sessions")
        if git(repo, "status", "--porcelain").strip():
            raise SystemExit(f"hooks.py: the tree is not clean after committing {side}")
    return git(repo, "rev-parse", "HEAD").strip(), new_ids


def time_merge(repo: Path, git_sess: str, repeat: int) -> MergeResult:
    before, new_ids = branches(repo)
    runs = []
    for number in range(repeat + 1):  # run 0 is the untimed warm-up
        git(repo, "reset", "-q", "--hard", before)
        time.sleep(SETTLE_S)
        started = time.perf_counter()
        done = subprocess.run(
            ["git", "merge", "-q", "--no-edit", "bench-theirs"],
            cwd=repo,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        elapsed = time.perf_counter() - started
        conflicts = git(repo, "diff", "--name-only", "--diff-filter=U").split()
        check = subprocess.run(
            [git_sess, "index", "--check"], cwd=repo, capture_output=True, text=True
        )
        committed = subprocess.run(
            ["git", "show", f"HEAD:{INDEX}"], cwd=repo, capture_output=True, text=True
        ).stdout
        run = MergeRun(
            seconds=elapsed,
            exit=done.returncode,
            conflicts=conflicts,
            index_check_exit=check.returncode,
            missing_ids=sum(f"]({new_id})" not in committed for new_id in new_ids),
            shared_merged="Shared and renamed (feature, blocked)" in committed,
            clean_after=not git(repo, "status", "--porcelain").strip(),
            stderr=done.stderr + check.stderr,
        )
        if not run.correct:
            log(f"merge run {number}: {asdict(run)}")
        if number:
            runs.append(run)
    merging = ["git", "rev-parse", "-q", "--verify", "MERGE_HEAD"]
    if subprocess.run(merging, cwd=repo, stdout=subprocess.DEVNULL).returncode == 0:
        git(repo, "reset", "-q", "--hard", before)  # a merge left conflicted
    seconds = [run.seconds for run in runs]
    label = f"merge, {NEW_PER_BRANCH} + {NEW_PER_BRANCH} new, 1 changed by both: hooks"
    return MergeResult(label, statistics.median(seconds), min(seconds), runs, len(new_ids))


# --- reporting --------------------------------------------------------------------------


def table(baselines: list[Result], pairs: list[Pair], merge: MergeResult) -> str:
    header = (
        f"{'figure':<44} {'median s':>9} {'min s':>7} {'x A':>6} {'x B':>6}"
        f" {'added':>9} {'CPU':>7}  target"
    )
    lines = [header, "-" * len(header)]

    def row(result: Result, added: str = "", cpu: str = "", target: str = "") -> str:
        return (
            f"{result.label:<44} {result.median_s:>9.3f} {result.min_s:>7.3f}"
            f" {result.ratio_a:>6.1f} {result.ratio_b:>6.1f} {added:>9} {cpu:>7}  {target}"
        ).rstrip()

    lines += [row(result) for result in baselines]
    for pair in pairs:
        added = f"{pair.added_s * 1000:+.0f} ms"
        cpu = f"{pair.added_cpu_s * 1000:+.0f} ms"
        target = f"<= +{pair.target_added_s * 1000:g} ms {pair.verdict}"
        lines += [row(pair.none), row(pair.hooks, added, cpu, target)]
        if pair.served:
            added = f"{pair.added_served_s * 1000:+.0f} ms"
            cpu = f"{pair.added_served_cpu_s * 1000:+.0f} ms"
            target = f"<= +{pair.target_added_s * 1000:g} ms {pair.served_verdict}"
            lines.append(row(pair.served, added, cpu, target))
    a, b = baselines[0].median_s, baselines[1].median_s
    lines.append(
        f"{merge.label:<44} {merge.median_s:>9.3f} {merge.min_s:>7.3f}"
        f" {merge.median_s / a:>6.1f} {merge.median_s / b:>6.1f} {'':>9} {'':>7}"
        f"  index correct: {'yes' if merge.correct else 'NO'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time the git-sess hooks on a generated corpus.")
    parser.add_argument("--merge-repeat", type=int, default=3, help="timed merges (default 3)")
    args = parser.parse_args(argv)
    git_sess = console_script()
    compile_package()
    facts = RunFacts()
    with corpus(args.sessions, args.keep) as repo:
        prepare_repo(repo, git_sess)
        branch = git(repo, "branch", "--show-current").strip()
        log("timing the baselines …")
        baselines = [
            measure(Figure("baseline_a", "A: python -c pass", [sys.executable, "-c", "pass"]),
                    repo, args.repeat),
            measure(Figure("baseline_b", "B: git status --porcelain",
                           ["git", "status", "--porcelain"]), repo, args.repeat),
        ]  # fmt: skip
        pairs = time_pairs(repo, git_sess, args.repeat)
        add_ratios([*baselines, *(r for p in pairs for r in (p.none, p.hooks, p.served) if r)])
        log("timing the merge …")
        merge = time_merge(repo, git_sess, args.merge_repeat)
        run_checked([git_sess, "server", "stop"], repo)  # no hook server left behind
        git(repo, "checkout", "-q", branch)
        sessions = len(exports(repo))
    facts.end()
    print(
        f"{sessions} sessions, {args.repeat} timed runs per figure ({args.merge_repeat} merges)"
        f" after one warm-up; {facts.load()}"
    )
    print(table(baselines, pairs, merge))
    for run in merge.runs:
        if not run.correct or not run.clean_after:
            print(f"merge: {asdict(run)}")
    facts.warn_if_changed()
    if args.json:
        payload = {
            **facts.as_json(),
            "sessions": sessions,
            "repeat": args.repeat,
            "merge_repeat": args.merge_repeat,
            "settle_s": SETTLE_S,
            "baselines": [asdict(result) for result in baselines],
            "pairs": [
                {
                    "label": pair.label,
                    "none": asdict(pair.none),
                    "hooks": asdict(pair.hooks),
                    "added_s": pair.added_s,
                    "added_cpu_s": pair.added_cpu_s,
                    "cpu_none_s": pair.cpu_none_s,
                    "cpu_hooks_s": pair.cpu_hooks_s,
                    "target_added_s": pair.target_added_s,
                    "verdict": pair.verdict,
                    "served": asdict(pair.served) if pair.served else None,
                    "added_served_s": pair.added_served_s,
                    "added_served_cpu_s": pair.added_served_cpu_s,
                    "cpu_served_s": pair.cpu_served_s,
                    "served_verdict": pair.served_verdict,
                }
                for pair in pairs
            ],
            "merge": {**asdict(merge), "correct": merge.correct},
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
