"""Whole-process `git sess search` answered by the resident search server (issue 20).

    .venv/bin/python benchmarks/search_server.py [--sessions 10000] [--repeat 7] [--keep DIR]
                                                 [--json OUT]

All figures come from one run, as ratios, on the generated corpus (benchmarks/README.md):
- A: `python -c pass`, the interpreter's floor;
- for each query form of the issue (common word, two words, phrase, tag filter, rare
  word): `git grep -l -i` for the same thing, then `git-sess search` (the console script
  by absolute path, ranked results with snippets) in-process (no server: what the first
  search of a worktree costs) and answered by a warm server;
- the first search after an edit: before each run one export (a different one each
  time) gets a line appended, then the search runs at once and must see it;
- the server's resident memory, from `git sess server status --json`.

The server is started the way a user's first search starts it, and stopped at the end.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
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
    state_dir,
)

# (label, git-sess query, git grep arguments): the forms of benchmarks/search.py
QUERIES = [
    ("common word", ["latency"], ["-e", "latency"]),
    ("two words", ["latency", "webhook"], ["--all-match", "-e", "latency", "-e", "webhook"]),
    ("phrase", ['"partial refunds"'], ["-e", "partial refunds"]),
    ("tag filter", ["tag:ml"], ["-E", "-e", r"^tags:.*\bml\b"]),
    ("rare word", ["vendors"], ["-e", "vendors"]),
]
SOCKET = "search.sock"


def start_server(repo: Path, git_sess: str) -> None:
    """As a user's first search does; then wait until it listens and has synced."""
    os.environ.pop("GITSESS_SEARCH_SERVER", None)
    subprocess.run([git_sess, "search", "latency"], cwd=repo, stdout=subprocess.DEVNULL)
    socket_path = state_dir(repo) / SOCKET
    deadline = time.monotonic() + 120
    while not socket_path.exists():
        if time.monotonic() > deadline:
            raise SystemExit("search_server.py: the server did not start (see its log)")
        time.sleep(0.05)
    subprocess.run([git_sess, "search", "latency"], cwd=repo, stdout=subprocess.DEVNULL)


def server_status(repo: Path, git_sess: str) -> dict:
    done = subprocess.run(
        [git_sess, "server", "status", "--json"], cwd=repo, capture_output=True, text=True
    )
    return json.loads(done.stdout) if done.returncode == 0 else {}


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time git-sess search answered by its resident server.")
    args = parser.parse_args(argv)
    git_sess = console_script()
    compile_package()
    started = dt.datetime.now(dt.timezone.utc)
    load_before = os.getloadavg()[0]
    with corpus(args.sessions, args.keep) as repo:
        set_up(repo, git_sess)
        subprocess.run([git_sess, "server", "stop"], cwd=repo, stdout=subprocess.DEVNULL)
        os.environ["GITSESS_SEARCH_SERVER"] = "0"  # phase 1: in-process, no server
        subprocess.run([git_sess, "reindex"], cwd=repo, stdout=subprocess.DEVNULL)
        floor = Figure("pass", "A: python -c pass", [sys.executable, "-c", "pass"])
        results: dict[str, Result] = {"pass": measure(floor, repo, args.repeat)}
        for label, query, grep in QUERIES:
            log(f"timing {label}: git grep, in-process …")
            results[f"grep {label}"] = measure(
                Figure(
                    f"grep {label}",
                    f"git grep: {label}",
                    ["git", "grep", "-l", "-i", *grep],
                    exits=(0, 1),
                ),
                repo,
                args.repeat,
            )
            results[f"in-process {label}"] = measure(
                Figure(
                    f"in-process {label}",
                    f"in-process: {label}",
                    [git_sess, "search", *query],
                    exits=(0, 1),
                ),
                repo,
                args.repeat,
            )
        start_server(repo, git_sess)  # phase 2: the server
        for label, query, _ in QUERIES:
            log(f"timing {label}: server …")
            results[f"server {label}"] = measure(
                Figure(
                    f"server {label}",
                    f"server: {label}",
                    [git_sess, "search", *query],
                    exits=(0, 1),
                ),
                repo,
                args.repeat,
            )
        log("timing the first search after an edit …")
        results["after edit"] = measure(
            Figure(
                "after edit",
                "server: first search after an edit",
                [git_sess, "search", "latency"],
                prepare=editor(exports(repo)),
                exits=(0, 1),
            ),
            repo,
            args.repeat,
        )
        status = server_status(repo, git_sess)
        subprocess.run([git_sess, "server", "stop"], cwd=repo, stdout=subprocess.DEVNULL)
    floor_s = results["pass"].median_s
    rows = []
    for label, _, _ in QUERIES:
        grep_s = results[f"grep {label}"].median_s
        served = results[f"server {label}"].median_s
        inside = results[f"in-process {label}"].median_s
        rows.append(
            (label, grep_s, served, inside, served / grep_s, inside / grep_s, served / floor_s)
        )
    after = results["after edit"].median_s
    common_grep = results["grep common word"].median_s
    print(
        f"\n{args.sessions:,} sessions, median of {args.repeat} runs, "
        f"{started:%Y-%m-%d %H:%M} UTC, load {load_before:.2f} → {os.getloadavg()[0]:.2f}"
    )
    print(f"A: python -c pass {floor_s * 1000:.1f} ms")
    print(
        "| query | git grep -l -i | server | in-process | server ÷ grep | in-process ÷ grep "
        "| server ÷ A |"
    )
    print("|---|---|---|---|---|---|---|")
    for label, grep_s, served, inside, ratio, ratio_inside, ratio_a in rows:
        print(
            f"| {label} | {grep_s * 1000:.1f} ms | {served * 1000:.1f} ms | "
            f"{inside * 1000:.0f} ms | {ratio:.2f} | {ratio_inside:.2f} | {ratio_a:.2f} |"
        )
    print(
        f"| first search after an edit (common word) | {common_grep * 1000:.1f} ms | "
        f"{after * 1000:.1f} ms | | {after / common_grep:.2f} | | {after / floor_s:.2f} |"
    )
    warm = results["server common word"].median_s
    print(f"first search after an edit ÷ the same search, warm: {after / warm:.2f}")
    print(
        f"server: {status.get('rss', 0) / 1e6:.0f} MB resident, watcher "
        f"{status.get('watcher')}, {status.get('documents')} documents"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "sessions": args.sessions,
                    "machine": machine(),
                    "results": {key: asdict(result) for key, result in results.items()},
                    "server": status,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
