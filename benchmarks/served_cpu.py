"""A served `git sess search` at 1,000 sessions, before and after, alternating (issue 20).

    .venv/bin/python benchmarks/served_cpu.py BEFORE_VENV BEFORE_CORPUS AFTER_VENV AFTER_CORPUS
                                              [--repeat 15]

Two trees (each with its own environment and its own copy of one corpus, which
search_server.py --keep made) answer the same queries, runs alternating, so both
see the same machine. Beside the wall time, the CPU time: the client's (its rusage)
and its server's (the sum over the server's threads of /proc/PID/task/*/schedstat,
read before and after each run), so a busy shared machine disturbs the figures
less. `python -c pass` of each environment is timed the same way (A). Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_server import QUERIES  # noqa: E402


def server_pid(venv: Path, corpus: Path) -> int:
    git_sess = str(venv / "bin" / "git-sess")
    for _ in range(600):
        subprocess.run([git_sess, "search", "latency"], cwd=corpus, capture_output=True)
        done = subprocess.run(
            [git_sess, "server", "status", "--json"], cwd=corpus, capture_output=True, text=True
        )
        if done.returncode == 0:
            return int(json.loads(done.stdout)["pid"])
        time.sleep(0.1)
    raise SystemExit(f"served_cpu.py: no server for {corpus}")


def server_cpu(pid: int) -> float:
    """Seconds of CPU the server's threads have run (schedstat: nanoseconds)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as handle:
                total += int(handle.read().split()[0])
        except OSError:
            continue  # a thread that ended
    return total / 1e9


def once(argv: list[str], cwd: Path, pid: int | None) -> tuple[float, float, float]:
    """Wall, client CPU and server CPU of one run, in seconds."""
    before = server_cpu(pid) if pid else 0.0
    started = time.perf_counter()
    child = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    after = server_cpu(pid) if pid else 0.0
    return wall, usage.ru_utime + usage.ru_stime, after - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trees", nargs=4, type=Path)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sides = {"before": args.trees[0:2], "after": args.trees[2:4]}
    pids = {name: server_pid(venv, corpus) for name, (venv, corpus) in sides.items()}
    print(f"load {os.getloadavg()[0]:.2f}; {args.repeat} runs each, alternating; medians")
    print(
        "| | before wall | before CPU (client + server) | after wall | after CPU "
        "| CPU after ÷ before |"
    )
    print("|---|---|---|---|---|---|")
    forms = [("A: python -c pass", None), *((label, query) for label, query, _ in QUERIES)]
    floor: dict[str, float] = {}
    for label, query in forms:
        figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in sides}
        for _ in range(args.repeat + 1):  # the first of each: untimed
            for name, (venv, corpus) in sides.items():
                if query is None:
                    argv, pid = [str(venv / "bin" / "python"), "-c", "pass"], None
                else:
                    argv, pid = [str(venv / "bin" / "git-sess"), "search", *query], pids[name]
                wall, client, server = once(argv, corpus, pid)
                figures[name].append((wall, client + server, server))
        cells = []
        medians = {}
        for name in sides:
            runs = figures[name][1:]
            wall = statistics.median(run[0] for run in runs)
            cpu = statistics.median(run[1] for run in runs)
            served = statistics.median(run[2] for run in runs)
            medians[name] = cpu
            if query is None:
                floor[name] = cpu
            ratio = f" ({cpu / floor[name]:.2f} A)" if query is not None else ""
            of_which = f", server {served * 1000:.1f}" if query is not None else ""
            cells += [f"{wall * 1000:.1f} ms", f"{cpu * 1000:.1f} ms{ratio}{of_which}"]
        change = medians["after"] / medians["before"]
        print(f"| {label} | " + " | ".join(cells) + f" | {change:.2f} |")
    print(f"load {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
