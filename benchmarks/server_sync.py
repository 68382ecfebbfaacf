"""Where the search server's sync after one edit spends its time (issue 20).

    .venv/bin/python benchmarks/server_sync.py --keep DIR [--sessions 10000] [--repeat 15]

In one warm process (Whoosh imported, as in the server), on the kept corpus with
its index built (`git sess reindex` first), each round appends a line to one export
(a different one each time), then times one way of bringing the index up to date;
the ways alternate round by round, so the load of a shared machine falls on each alike:
- `scan`: `sync_index`, the scan of every export then the update (what the server
  did for every change before it synced the files its watcher names);
- `by name, before`: `SearchIndex.sync_paths` of the edited file as it was first
  written: a SearchIndex made anew (the document list read again) and a commit
  that merges small segments when Whoosh's MERGE_SMALL says so;
- `by name, now`: the server's way (syncing.py): one SearchIndex kept (the list read
  once, then only the journal lines appended), a commit that merges nothing, and
  the small segments merged once the edits stop (here: untimed after each round,
  two segments later; once more, timed, at the end).
Then the parts of `by name, now`, timed one by one in the same rounds.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import corpus_parser, exports  # noqa: E402  (the sibling script)


def main(argv: list[str] | None = None) -> int:
    args = corpus_parser("Time the search server's sync after one edit.").parse_args(argv)
    if args.keep is None or not (args.keep / ".sessions").is_dir():
        raise SystemExit(
            "server_sync.py: --keep DIR must hold a corpus (search_server.py makes one)"
        )
    os.chdir(args.keep)
    from gitsess.core.workspace import open_workspace
    from gitsess.search import backend, records, store, sync_index

    workspace = open_workspace()
    sync_index(workspace)
    kept = store.SearchIndex(workspace)
    files = exports(args.keep)
    stride = max(1, len(files) // 97)
    count = iter(range(10**9))

    def edit_one() -> list[str]:
        """A line appended to a different export each time, as run.editor does."""
        number = next(count)
        path = files[(number * stride + 5) % len(files)]
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"- Server sync benchmark edit {number}.\n")
        return [path.name]

    def before(names: list[str]) -> None:
        merging = store.update_index
        store.update_index = lambda path, deleted, documents, merge=True: merging(  # type: ignore[assignment]
            path, deleted, documents, True
        )
        try:
            assert store.SearchIndex(workspace).sync_paths(names)
        finally:
            store.update_index = merging

    ways = {
        "scan": lambda names: sync_index(workspace),
        "by name, before": before,
        "by name, now": lambda names: kept.sync_paths(names),
    }
    times: dict[str, list[float]] = {way: [] for way in ways}
    parts: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        for way, sync in ways.items():
            names = edit_one()
            started = time.perf_counter()
            sync(names)
            times[way].append(time.perf_counter() - started)
        _time_parts(kept, workspace, edit_one(), parts, backend, records)
        kept.merge_small()  # untimed, as the server does once edits stop (syncing.QUIET)
    merged = time.perf_counter()
    kept.merge_small()
    merged = time.perf_counter() - merged
    print(f"{args.sessions:,} sessions, {args.repeat} rounds, load {os.getloadavg()[0]:.2f}")
    print("| way | median | min | max |\n|---|---|---|---|")
    for label, runs in [*times.items(), *parts.items()]:
        print(
            f"| {label} | {statistics.median(runs) * 1000:.1f} ms | {min(runs) * 1000:.1f} ms "
            f"| {max(runs) * 1000:.1f} ms |"
        )
    print(f"merging the small segments once, after: {merged * 1000:.0f} ms")
    return 0


def _time_parts(index, workspace, names, parts, backend, records) -> None:  # noqa: ANN001
    """sync_paths's steps, one by one, as it runs them."""

    def timed(label: str, action):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        value = action()
        parts.setdefault(f"  {label}", []).append(time.perf_counter() - started)
        return value

    with index.lock():
        manifest = timed("manifest read and files checked", index._trusted)
        indexed = timed("document list (kept)", lambda: index.documents(manifest))
        written, documents, deleted = timed(
            "file read, hashed, parsed", lambda: records.named_changes(workspace, indexed, names)
        )
        ix = timed("Whoosh: open the index", lambda: backend.open_index(index.path))
        writer = timed("Whoosh: writer", lambda: ix.writer(timeout=5.0, compound=False))
        timed("Whoosh: update_document", lambda: [writer.update_document(**d) for d in documents])
        timed("Whoosh: commit (no merge)", lambda: writer.commit(merge=False))
        timed(
            "journal line and manifest",
            lambda: index._record(manifest, written, deleted, "", lambda: {**indexed, **written}),
        )


if __name__ == "__main__":
    raise SystemExit(main())
