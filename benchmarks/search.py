"""Timings of `git sess search` and its index on a generated corpus (issue 3).

    .venv/bin/python benchmarks/search.py [--sessions 10000] [--repeat 7] [--keep DIR] [--json OUT]
        [--builds 3] [--build-only]

`--keep DIR` generates the corpus into DIR, or reuses the one there (30,000
sessions take ~30 s to generate); `--build-only` times the build and the syncs
and skips the searches.

Figures, all from one run so the ratios hold on a noisy machine:
- the full build (`git-sess reindex`, whole process);
- the sync every search starts with, with nothing changed and after one
  edited export, timed inside a fresh process around the one call
  (`gitsess.search.sync_index`), with and without the Whoosh import it needs
  when something changed; and the same sync after one edit repeated inside one
  warm process (Whoosh imported, as in the resident search server), split into
  the freshness scan and the rest;
- whole-process searches (a common word, two words, a phrase, a tag filter,
  a rare word), each next to `git grep -l -i` and `rg -l -i` for the same
  thing, as ratios. The searches print ranked results with snippets, which
  the greps do not.

ripgrep must be installed: `benchmarks/setup.sh` installs it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (  # noqa: E402  (the sibling script)
    Figure,
    Result,
    compile_package,
    console_script,
    corpus,
    corpus_parser,
    editor,
    exports,
    log,
    machine,
    measure,
    set_up,
)

# (label, git-sess query, git grep arguments, rg arguments)
QUERIES = [
    ("common word", ["latency"], ["-e", "latency"], ["latency"]),
    # grep cannot rank; it lists files holding both words
    ("two words", ["latency", "webhook"], ["--all-match", "-e", "latency", "-e", "webhook"], None),
    ("phrase", ['"partial refunds"'], ["-e", "partial refunds"], ["partial refunds"]),
    ("tag filter", ["tag:ml"], ["-E", "-e", r"^tags:.*\bml\b"], [r"^tags:.*\bml\b"]),
    ("rare word", ["vendors"], ["-e", "vendors"], ["vendors"]),
]

SYNC_PROBE = """
import sys, time
from gitsess.core.workspace import open_workspace
from gitsess import search
workspace = open_workspace()
if sys.argv[1] == "whoosh-imported":
    import whoosh.index
started = time.perf_counter()
search.sync_index(workspace)
print(time.perf_counter() - started)
"""


WARM_PROBE = """
import os, statistics, sys, time
from pathlib import Path
from gitsess.core.workspace import open_workspace
from gitsess import search
from gitsess.search.documents import corpus
import whoosh.index, whoosh.writing
files = sorted(Path(".sessions").glob("session_2*.md"))
search.sync_index(open_workspace())
scans, syncs = [], []
for number in range(int(sys.argv[1]) + 1):
    path = files[(number * 97 + 13) % len(files)]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"- Warm benchmark edit {number}.\\n")
    workspace = open_workspace()
    started = time.perf_counter()
    corpus(workspace)  # the scan alone (it records what it saw)
    scanned = time.perf_counter()
    workspace = open_workspace()
    synced = time.perf_counter()
    search.sync_index(workspace)
    if number:
        scans.append(scanned - started)
        syncs.append(time.perf_counter() - synced)
# the same edits, with the edited file named, as a file-system watcher names it
from gitsess.search.store import SearchIndex
index = SearchIndex(open_workspace())
named = []
for number in range(int(sys.argv[1]) + 1):
    path = files[(number * 89 + 7) % len(files)]
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"- Warm benchmark edit {number}.\\n")
    started = time.perf_counter()
    assert index.sync_paths([path.name])
    if number:
        named.append(time.perf_counter() - started)
print(statistics.median(syncs), min(syncs), statistics.median(scans),
      statistics.median(named), min(named))
"""


@dataclass
class SyncResult:
    label: str
    median_s: float
    min_s: float
    runs_s: list[float]


def time_sync(repo: Path, mode: str, prepare: Callable[[], None] | None, repeat: int) -> SyncResult:
    runs = []
    for number in range(repeat + 1):
        if prepare:
            prepare()
        done = subprocess.run(
            [sys.executable, "-c", SYNC_PROBE, mode], cwd=repo, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SystemExit(f"search.py: the sync probe failed:\n{done.stderr}")
        if number:
            runs.append(float(done.stdout))
    edited = "one export edited" if prepare else "nothing changed"
    imported = ", Whoosh already imported" if mode == "whoosh-imported" else ""
    return SyncResult(f"sync, {edited}{imported}", statistics.median(runs), min(runs), runs)


def time_warm_sync(repo: Path, repeat: int) -> tuple[SyncResult, SyncResult, SyncResult]:
    done = subprocess.run(
        [sys.executable, "-c", WARM_PROBE, str(repeat)], cwd=repo, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"search.py: the warm sync probe failed:\n{done.stderr}")
    median, fastest, scan, named, named_fastest = map(float, done.stdout.split())
    return (
        SyncResult("sync, one export edited, warm process", median, fastest, []),
        SyncResult("  of which the freshness scan (median)", scan, scan, []),
        SyncResult("sync_paths of the one edited export, warm", named, named_fastest, []),
    )


@dataclass
class SearchRow:
    query: str
    files: int  # files git grep lists
    ours: Result
    grep: Result
    rg: Result | None


def time_searches(repo: Path, git_sess: str, rg: str, repeat: int) -> list[SearchRow]:
    rows = []
    for label, query, grep_args, rg_args in QUERIES:
        log(f"timing search: {label} …")
        grep_argv = ["git", "grep", "-l", "-i", *grep_args, "--", ".sessions"]
        listed = subprocess.run(grep_argv, cwd=repo, capture_output=True, text=True).stdout
        rows.append(
            SearchRow(
                query=f"{label} ({' '.join(query)})",
                files=len(listed.splitlines()),
                ours=measure(Figure(label, label, [git_sess, "search", *query]), repo, repeat),
                grep=measure(Figure(label, label, grep_argv), repo, repeat),
                rg=measure(
                    Figure(label, label, [rg, "-l", "-i", *rg_args, ".sessions"]), repo, repeat
                )
                if rg_args
                else None,
            )
        )
    return rows


def report(
    build: Result,
    syncs: list[SyncResult],
    baseline: Result,
    rows: list[SearchRow],
    after_edit: Result | None,
) -> None:
    print(
        f"full build (git-sess reindex): median {build.median_s:.1f} s, min {build.min_s:.1f} s"
        "   target: 10k <= 15 s, 30k <= 3.3 x 10k"
    )
    for sync in syncs:
        print(f"{sync.label:<52} {sync.median_s:.3f} s (min {sync.min_s:.3f})")
    print(f"{'python -c pass':<52} {baseline.median_s:.3f} s")
    if not rows:
        return
    header = (
        f"{'whole process, median s':<34} {'files':>6} {'git-sess':>9} {'git grep':>9}"
        f" {'rg':>7}  x grep   x rg"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        rg_time = f"{row.rg.median_s:>7.3f}" if row.rg else f"{'-':>7}"
        rg_ratio = f"{row.ours.median_s / row.rg.median_s:>5.2f}" if row.rg else f"{'-':>5}"
        print(
            f"{row.query:<34} {row.files:>6} {row.ours.median_s:>9.3f} {row.grep.median_s:>9.3f}"
            f" {rg_time}  {row.ours.median_s / row.grep.median_s:>5.2f}  {rg_ratio}"
        )
    if after_edit:
        print(f"{'search latency, one export edited':<34} {'':>6} {after_edit.median_s:>9.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time git-sess search on a generated corpus.")
    parser.add_argument("--builds", type=int, default=3, help="timed full builds (default 3)")
    parser.add_argument(
        "--build-only", action="store_true", help="time the build and the syncs, no searches"
    )
    args = parser.parse_args(argv)
    rg = shutil.which("rg")
    if rg is None and not args.build_only:
        raise SystemExit("search.py: ripgrep is not installed; run benchmarks/setup.sh")
    git_sess = console_script()
    compile_package()
    load_before = os.getloadavg()[0]
    with corpus(args.sessions, args.keep) as repo:
        set_up(repo, git_sess)
        log("timing the full build …")
        build = measure(Figure("build", "reindex", [git_sess, "reindex"]), repo, args.builds)
        log("timing the sync …")
        edit = editor(exports(repo))
        syncs = [
            time_sync(repo, "plain", None, args.repeat),
            time_sync(repo, "plain", edit, args.repeat),
            time_sync(repo, "whoosh-imported", edit, args.repeat),
            *time_warm_sync(repo, max(args.repeat, 15)),
        ]
        python = [sys.executable, "-c", "pass"]
        baseline = measure(Figure("python", "python", python), repo, args.repeat)
        rows: list[SearchRow] = []
        after_edit: Result | None = None
        if not args.build_only:
            assert rg is not None
            rows = time_searches(repo, git_sess, rg, args.repeat)
            log("timing a search right after an edit …")
            search_edited = Figure("edit", "edit", [git_sess, "search", "latency"], prepare=edit)
            after_edit = measure(search_edited, repo, args.repeat)
        sessions = len(exports(repo))
    print(
        f"{sessions} sessions; median of {args.repeat} (builds: {args.builds}) after one warm-up;"
        f" load average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    )
    report(build, syncs, baseline, rows, after_edit)
    if args.json:
        payload = {
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "sessions": sessions,
            "machine": machine(),
            "load_average_1min": {"start": load_before, "end": os.getloadavg()[0]},
            "build": asdict(build),
            "sync": [asdict(sync) for sync in syncs],
            "python": asdict(baseline),
            "searches": [asdict(row) for row in rows],
            "search_after_edit": asdict(after_edit) if after_edit else None,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
