"""Where a warm search server's answer goes, step by step (issue 20).

    .venv/bin/python benchmarks/server_answer.py [--sessions 1000] [--repeat 21] [--keep DIR]

In this process: a search server (gitsess.search.server.Resident, its watcher and
background sync) on the corpus, then for each query form of search_server.py the
request a client sends, answered `--repeat` times after three untimed answers. For
each: the median answer, and the median time spent in each step (the functions named
below, timed by wrapping them): the watcher's barrier, the index checked or brought up
to date (`search` less `run_query`), the query's own work (`run_query` less the rest:
parsing, the open index), scoring (`best_matches`), the hits' stored fields, their
snippets, printing, the missing-hooks note; "other" is the rest (the command line,
the workspace, the code-stamp check, the environment swap). No socket and no client process: what
the server itself spends.

`--cold`: before each timed answer the server forgets the scored postings and the
passages it keeps (gitsess.search.postings, Vocabulary.passages), so each answer costs
what a query not asked before costs; without it, a query asked again (what
search_server.py times).
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import compile_package, console_script, corpus, corpus_parser, log, set_up  # noqa: E402
from search_server import QUERIES  # noqa: E402

STEPS = [
    ("gitsess.search.watcher", "Watcher", "barrier", "barrier"),
    ("gitsess.search.searching", None, "search", "index check"),
    ("gitsess.search.results", None, "run_query", "query"),
    ("gitsess.search.results", None, "best_matches", "scoring"),
    ("gitsess.search.results", None, "_hit", "fields"),
    ("gitsess.search.results", "_Marker", "snippets", "snippets"),
    ("gitsess.cli.search", None, "_print_hits", "printing"),
    ("gitsess.cli.app", None, "_note_missing_hooks", "hooks note"),
]


def timed(spent: dict[str, list[float]], label: str, function: Callable[..., Any]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label][-1] += time.perf_counter() - started

    return wrapper


def main(argv: list[str] | None = None) -> int:
    import importlib

    parser = corpus_parser("Time each step of a warm search server's answer.")
    parser.set_defaults(sessions=1000, repeat=21)
    parser.add_argument("--cold", action="store_true", help="forget what queries keep")
    args = parser.parse_args(argv)
    compile_package()
    from gitsess.search import client, server

    spent: dict[str, list[float]] = defaultdict(lambda: [0.0])
    for module_name, owner, name, label in STEPS:
        module = importlib.import_module(module_name)
        holder = getattr(module, owner) if owner else module
        setattr(holder, name, timed(spent, label, getattr(holder, name)))
    with corpus(args.sessions, args.keep) as repo:
        set_up(repo, console_script())
        state_dir = Path(client.find_state_dir(str(repo)) or "")
        resident = server.Resident(state_dir, repo.resolve())
        resident.watcher.start()
        current = lambda: resident._workspace  # noqa: E731 — as server.serve does
        threading.Thread(target=resident.sync.forever, args=(current,), daemon=True).start()
        resident.sync.changed.set()
        resident.search(resident.workspace(), _request("latency"))  # waits for the sync
        kept = "nothing kept between answers" if args.cold else "each query asked again"
        print(f"\n{args.sessions:,} sessions, median of {args.repeat}, {kept}, load {_load()}")
        print("| query | answer | " + " | ".join(label for *_, label in STEPS) + " | other |")
        print("|---" * (len(STEPS) + 3) + "|")
        for label, query, _ in QUERIES:
            payload = client.request(["search", *query], str(repo))
            for _ in range(3):
                resident.answer(payload)
            totals, steps = [], defaultdict(list)
            for _ in range(args.repeat):
                spent.clear()
                if args.cold:
                    _forget(resident)
                started = time.perf_counter()
                resident.answer(payload)
                totals.append(time.perf_counter() - started)
                own = {key: value[-1] for key, value in spent.items()}
                # Each step's own time: the ones inside it taken out.
                own["index check"] = own.get("index check", 0) - own.get("query", 0)
                own["fields"] = own.get("fields", 0) - own.get("snippets", 0)
                own["query"] = (
                    own.get("query", 0)
                    - own.get("scoring", 0)
                    - own.get("fields", 0)
                    - own.get("snippets", 0)
                )
                accounted = sum(own.get(key, 0) for *_, key in STEPS)
                own["other"] = totals[-1] - accounted
                for key, value in own.items():
                    steps[key].append(value)
            cells = [f"{statistics.median(steps[key]) * 1000:.1f}" for *_, key in STEPS]
            cells.append(f"{statistics.median(steps['other']) * 1000:.1f}")
            answer = statistics.median(totals) * 1000
            print(f"| {label} | {answer:.1f} ms | " + " | ".join(cells) + " |")
        log("done")
    return 0


def _forget(resident: Any) -> None:
    """What the server keeps from one query for the next: its scored postings and
    phrase matches, and the passages its vocabulary remembers (the vocabulary's words stay: they are
    the corpus's, not a query's)."""
    from gitsess.search.phrases import keep_phrases
    from gitsess.search.postings import Held

    opened = resident.opened
    opened.held = Held()
    if opened._searcher is not None:
        keep_phrases(leaf for leaf, _ in opened._searcher.leaf_searchers())
    if opened._vocabulary is not None:
        opened._vocabulary._passages.clear()
        opened._vocabulary._passages_bytes = 0


def _request(query: str) -> Any:
    from gitsess.search import SearchRequest

    return SearchRequest(query=query)


def _load() -> str:
    import os

    return f"{os.getloadavg()[0]:.2f}"


if __name__ == "__main__":
    raise SystemExit(main())
