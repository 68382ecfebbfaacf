"""Whole-process timings of git-sess on a generated corpus, against baselines from the same run.

    .venv/bin/python benchmarks/run.py [--sessions 10000] [--repeat 7] [--keep DIR] [--json OUT]

Every figure is the wall time of a complete process (start-up, imports, git
calls, work, exit), started the way a user's shell starts it: the console
script by absolute path, `<sys.prefix>/bin/git-sess`. Each figure gets one
untimed warm-up run, then --repeat timed runs; the median and the minimum are
reported. Ratios are against two baselines measured in the same run, so they
stay comparable on a noisy machine: A is `python -c pass` with the same
interpreter (the start-up floor of any Python command), B is
`git status --porcelain` in the corpus repository (a command people accept as
instant).
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402  (the sibling script, not an installed module)

INDEX_NAME = "session_index.md"


@dataclass
class Figure:
    key: str
    label: str
    argv: list[str]
    target_s: float | None = None
    prepare: Callable[[], None] | None = field(default=None, repr=False)  # before each run
    exits: tuple[int, ...] = (0,)  # exit codes that are not a failure of the run


@dataclass
class Result:
    key: str
    label: str
    command: str
    median_s: float
    min_s: float
    runs_s: list[float]
    target_s: float | None
    ratio_a: float | None = None
    ratio_b: float | None = None

    @property
    def verdict(self) -> str:
        if self.target_s is None:
            return ""
        return "met" if self.median_s <= self.target_s else "MISSED"


# --- the corpus -------------------------------------------------------------------


@contextmanager
def corpus(sessions: int, keep: Path | None) -> Iterator[Path]:
    """The corpus repository: --keep DIR if it holds one, else generated (in a temp dir)."""
    if keep is not None and (keep / ".sessions").is_dir():
        log(f"reusing the corpus in {keep}")
        yield keep
        return
    if keep is not None:
        yield make_corpus(keep, sessions)
        return
    with tempfile.TemporaryDirectory(prefix="gitsess-bench-") as scratch:
        yield make_corpus(Path(scratch) / "corpus", sessions)


def make_corpus(path: Path, sessions: int) -> Path:
    summary = generate(path, sessions)
    log(
        f"generated {summary.sessions} exports ({summary.legacy} legacy, "
        f"{summary.bytes / 1e6:.1f} MB) in {summary.seconds:.1f} s into {path}"
    )
    return path


def set_up(repo: Path, git_sess: str) -> None:
    """`git-sess init` and `index`, committed, so the repository starts clean."""
    for argv in ([git_sess, "init"], [git_sess, "index"]):
        run_checked(argv, repo)
    if run_checked(["git", "status", "--porcelain"], repo).strip():
        run_checked(["git", "add", "-A"], repo)
        run_checked(["git", "commit", "-q", "--no-verify", "-m", "git sess init"], repo)


def state_dir(repo: Path) -> Path:
    """Where git-sess keeps its metadata cache: `git rev-parse --git-path gitsess`."""
    return repo / run_checked(["git", "rev-parse", "--git-path", "gitsess"], repo).strip()


def exports(repo: Path) -> list[Path]:
    return sorted(p for p in (repo / ".sessions").glob("session_*.md") if p.name != INDEX_NAME)


def editor(files: list[Path]) -> Callable[[], None]:
    """Each call touches a different export and appends a line to it, as an edit would."""
    counter = iter(range(10**9))
    stride = max(1, len(files) // 97)

    def edit() -> None:
        number = next(counter)
        path = files[(number * stride) % len(files)]
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"- Benchmark edit {number}: one more line.\n")
        os.utime(path)

    return edit


# --- measuring --------------------------------------------------------------------


def figures(repo: Path, git_sess: str) -> list[Figure]:
    cache = state_dir(repo)
    return [
        Figure("baseline_a", "A: python -c pass", [sys.executable, "-c", "pass"]),
        Figure("baseline_b", "B: git status --porcelain", ["git", "status", "--porcelain"]),
        Figure("version", "git-sess --version", [git_sess, "--version"]),
        Figure(
            "index_cold",
            "git-sess index, cold (no cache)",
            [git_sess, "index"],
            target_s=2.0,
            prepare=lambda: shutil.rmtree(cache, ignore_errors=True),
        ),
        Figure("index_warm", "git-sess index, warm", [git_sess, "index"], target_s=0.15),
        Figure("list_json", "git-sess list --json, warm", [git_sess, "list", "--json"], 0.2),
        Figure("list", "git-sess list, warm", [git_sess, "list"]),
        Figure("check", "git-sess check, warm", [git_sess, "check"], exits=(0, 1)),
        Figure(
            "index_edit",
            "git-sess index, one export edited",
            [git_sess, "index"],
            prepare=editor(exports(repo)),
        ),
        # The link graph of every session (issue 5: "under a few seconds").
        Figure("graph", "git-sess graph (mermaid), warm", [git_sess, "graph"], 3.0),
        Figure("graph_dot", "git-sess graph --format dot", [git_sess, "graph", "--format", "dot"]),
        Figure("timeline", "git-sess timeline, warm", [git_sess, "timeline"], 3.0),
        Figure("context", "git-sess context (newest in progress)", [git_sess, "context"]),
        Figure(
            "show_links",
            "git-sess show --links, newest session",
            [git_sess, "show", exports(repo)[-1].name, "--links"],
        ),
    ]


def time_once(argv: list[str], cwd: Path, exits: tuple[int, ...]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - started
    if done.returncode not in exits:
        raise SystemExit(
            f"run.py: {' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}"
        )
    return elapsed


def measure(figure: Figure, repo: Path, repeat: int) -> Result:
    runs = []
    for number in range(repeat + 1):  # run 0 is the untimed warm-up
        if figure.prepare:
            figure.prepare()
        elapsed = time_once(figure.argv, repo, figure.exits)
        if number:
            runs.append(elapsed)
    return Result(
        key=figure.key,
        label=figure.label,
        command=" ".join([Path(figure.argv[0]).name, *figure.argv[1:]]),
        median_s=statistics.median(runs),
        min_s=min(runs),
        runs_s=runs,
        target_s=figure.target_s,
    )


def add_ratios(results: list[Result]) -> None:
    a, b = results[0].median_s, results[1].median_s
    for result in results:
        result.ratio_a = result.median_s / a
        result.ratio_b = result.median_s / b


# --- reporting --------------------------------------------------------------------


def table(
    results: list[Result],
    ratios: Callable[[Result], tuple[float | None, float | None]] | None = None,
    *,
    width: int = 36,
    second: str = "B",
    target_head: str = "target (10k)",
    cut: bool = False,
) -> str:
    """A row a figure: its label in `width` columns (cut to fit with `cut`), median,
    minimum, its ratios to baseline A and to the `second` baseline (by default those
    `add_ratios` set), and its target with the verdict."""
    header = (
        f"{'figure':<{width}} {'median s':>9} {'min s':>7} {'x A':>6} {'x ' + second:>6}"
        f"  {target_head}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        ratio_a, ratio_b = ratios(r) if ratios else (r.ratio_a, r.ratio_b)
        label = r.label[:width] if cut else r.label
        target = f"<= {r.target_s:g} s {r.verdict}" if r.target_s is not None else ""
        lines.append(
            f"{label:<{width}} {r.median_s:>9.3f} {r.min_s:>7.3f}"
            f" {ratio_a:>6.1f} {ratio_b:>6.1f}  {target}".rstrip()
        )
    return "\n".join(lines)


def check_summary(repo: Path, git_sess: str) -> dict[str, object]:
    """What `git-sess check --json` says about the corpus (it should be valid)."""
    done = subprocess.run(
        [git_sess, "check", "--json"], cwd=repo, capture_output=True, text=True, check=False
    )
    report = json.loads(done.stdout)
    messages: dict[str, int] = {}
    for problem in report["problems"]:
        kind = f"{problem['level']}: {problem['message'].split(':')[0]}"
        messages[kind] = messages.get(kind, 0) + 1
    return {
        "exit": done.returncode,
        "sessions": report["sessions"],
        "errors": report["errors"],
        "warnings": report["warnings"],
        "kinds": messages,
    }


def machine() -> dict[str, object]:
    git_version = run_checked(["git", "--version"], Path.cwd()).strip()
    return {
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "git": git_version,
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def source_stamp() -> str:
    """A hash of the installed gitsess package's source, to notice edits during a run."""
    spec = importlib.util.find_spec("gitsess")
    if spec is None or not spec.submodule_search_locations:
        return "unknown"
    digest = hashlib.sha1()
    for path in sorted(Path(spec.submodule_search_locations[0]).glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class RunFacts:
    """What a benchmark reports of its run beside the figures: the load average at its
    start and end, and whether the gitsess source changed meanwhile (the figures would
    then mix versions). Made before the timings; `end()` after them."""

    def __init__(self) -> None:
        self.stamp = source_stamp()
        self.load_start = os.getloadavg()[0]
        self.load_end = self.load_start
        self.changed = False

    def end(self) -> None:
        self.load_end = os.getloadavg()[0]
        self.changed = source_stamp() != self.stamp

    def load(self) -> str:
        return f"load average {self.load_start:.2f} at start, {self.load_end:.2f} at end"

    def warn_if_changed(self) -> None:
        if self.changed:
            print("warning: the gitsess source changed during the run; the figures mix versions")

    def as_json(self) -> dict[str, object]:
        """The keys every benchmark's JSON starts with."""
        return {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine(),
            "load_average_1min": {"start": self.load_start, "end": self.load_end},
            "gitsess_source": self.stamp,
            "source_changed_during_run": self.changed,
        }


# --- plumbing ---------------------------------------------------------------------


def run_checked(argv: list[str], cwd: Path) -> str:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"run.py: {' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
    return done.stdout


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def console_script() -> str:
    path = Path(sys.prefix) / "bin" / "git-sess"
    if not path.is_file():
        raise SystemExit(f"run.py: no {path}; install git-sess into this interpreter's environment")
    return str(path)


def compile_package() -> None:
    """Write gitsess's bytecode first, as an installed wheel has it: an editable
    install under PYTHONDONTWRITEBYTECODE=1 would otherwise compile on every run."""
    import gitsess

    compileall.compile_dir(Path(gitsess.__file__).parent, quiet=1)


def corpus_parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark takes: the corpus, the runs, the JSON output."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sessions", type=int, default=10_000, help="corpus size (default 10000)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure (default 7)")
    parser.add_argument("--keep", type=Path, help="generate into DIR and keep it, or reuse it")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the results as JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time git-sess on a generated corpus.")
    args = parser.parse_args(argv)
    git_sess = console_script()
    compile_package()
    facts = RunFacts()
    with corpus(args.sessions, args.keep) as repo:
        set_up(repo, git_sess)
        checked = check_summary(repo, git_sess)
        log(f"git-sess check: {checked['errors']} error(s), {checked['warnings']} warning(s)")
        results = []
        for figure in figures(repo, git_sess):
            log(f"timing {figure.label} …")
            results.append(measure(figure, repo, args.repeat))
        add_ratios(results)
        sessions = len(exports(repo))
    facts.end()
    print(
        f"{sessions} sessions, {args.repeat} timed runs per figure after one warm-up;"
        f" {facts.load()}"
    )
    print(table(results))
    facts.warn_if_changed()
    if args.json:
        payload = {
            **facts.as_json(),
            "sessions": sessions,
            "repeat": args.repeat,
            "check": checked,
            "figures": [asdict(result) for result in results],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
