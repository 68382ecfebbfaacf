"""Timings of `git sess trace` and `show` on the corpus with a history of code commits.

    .venv/bin/python benchmarks/tracing.py [--sessions 10000] [--repeat 7] [--keep DIR]
        [--json OUT]

The corpus of generate.py is one commit of exports; here it gets the history a
project that commits exports with its code has, made deterministically (seed 1,
fixed dates, so the same commit ids every time) with `git fast-import`:
- one commit per export, in date order, adding it together with every file its
  Files Created / Files Modified lists name (each such file rewritten);
- after every fourth export, a code commit changing one of its files, with a
  `Session: <id>` trailer;
- after every tenth export, a code commit changing a file of the pool that
  names no session.
About 13,500 commits over ~290 code files. Then `git-sess init` and `index`
are committed, as run.py does.

Figures, each a whole process after one untimed warm-up (median of --repeat):
- A: `python -c pass`; L: `git log --oneline -- PATH` for the file traced,
  the baseline the ratios are taken against (issue 18);
- `trace PATH` warm, for the file most sessions list, as text and --json;
- `trace` of a file few sessions list, and of a folder (with `git log
  --oneline -- FOLDER` for it);
- `trace` right after one export was edited (a different one each run: one
  record of the trace cache read again), and with no trace cache at all;
- `show ID` of a session whose export has commits.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402  (the sibling scripts)
from run import (  # noqa: E402
    Figure,
    Result,
    RunFacts,
    compile_package,
    console_script,
    corpus_parser,
    editor,
    exports,
    log,
    measure,
    run_checked,
    set_up,
    state_dir,
)
from run import table as run_table  # noqa: E402

from gitsess.core.filelists import CREATED, MODIFIED, listed_files  # noqa: E402
from gitsess.core.history import FACTS as FACTS_CACHE  # noqa: E402
from gitsess.core.listindex import CACHE as LISTS_CACHE  # noqa: E402
from gitsess.core.sessionlog import LOG as SESSIONS_LOG  # noqa: E402

MARKER = ".git/gitsess-trace-corpus"  # the history below was built here
TRAILER_EVERY = 4
UNRELATED_EVERY = 10


def history(repo: Path, seed: int = 1) -> dict[str, int]:
    """Commit the exports as a project would have, with code, trailers and unrelated work."""
    rng = random.Random(seed)
    names = sorted(p.name for p in exports(repo))
    stream: list[bytes] = []
    pool: list[str] = []
    counts = collections.Counter[str]()
    commits = 0
    moment = int(dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc).timestamp())

    def commit(message: str, files: dict[str, bytes]) -> None:
        nonlocal commits, moment
        commits += 1
        moment += 600
        body = message.encode()
        stream.append(
            b"commit refs/heads/main\n"
            + f"mark :{commits}\n".encode()
            + f"committer git-sess benchmark <benchmark@example.invalid> {moment} +0000\n".encode()
            + f"data {len(body)}\n".encode()
            + body
            + b"\n"
            + (f"from :{commits - 1}\n".encode() if commits > 1 else b"")
        )
        for path, data in sorted(files.items()):
            stream.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")

    def code(path: str) -> bytes:
        counts[path] += 1
        return f"# {path}\n# change {counts[path]}\n".encode()

    for number, name in enumerate(names, start=1):
        export = repo / ".sessions" / name
        data = export.read_bytes()
        files = [p for p, kind in listed_files(data.decode()) if kind in (CREATED, MODIFIED)]
        files = [p for p in dict.fromkeys(files) if not p.endswith("/")]
        pool.extend(p for p in files if p not in counts)
        changed = {f".sessions/{name}": data, **{p: code(p) for p in files}}
        commit(f"Add session: {name}\n", changed)
        if number % TRAILER_EVERY == 0 and files:
            path = rng.choice(files)
            commit(f"Follow-up in {path}\n\nSession: {name}\n", {path: code(path)})
        if number % UNRELATED_EVERY == 0 and pool:
            path = rng.choice(pool)
            commit(f"Tidy {path}\n", {path: code(path)})
    stream.append(b"done\n")
    subprocess.run(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=repo,
        input=b"".join(stream),
        check=True,
    )
    run_checked(["git", "symbolic-ref", "HEAD", "refs/heads/main"], repo)
    run_checked(["git", "reset", "-q", "--hard", "main"], repo)
    (repo / MARKER).write_text(f"{commits}\n")
    return dict(counts)


def corpus_with_history(sessions: int, keep: Path | None, scratch: Path) -> Path:
    repo = keep or scratch / "corpus"
    if (repo / MARKER).is_file():
        log(f"reusing the corpus with history in {repo}")
        return repo
    if not (repo / ".sessions").is_dir():
        summary = generate(repo, sessions, commit=False)
        log(f"generated {summary.sessions} exports in {summary.seconds:.1f} s into {repo}")
    elif subprocess.run(["git", "rev-parse", "-q", "--verify", "HEAD"], cwd=repo).returncode == 0:
        raise SystemExit(f"tracing.py: {repo} has commits of its own; give a new --keep DIR")
    history(repo)
    log(f"committed {(repo / MARKER).read_text().strip()} commits")
    return repo


def listed_counts(repo: Path) -> collections.Counter[str]:
    counts = collections.Counter[str]()
    for path in exports(repo):
        counts.update({p for p, _ in listed_files(path.read_text(encoding="utf-8"))})
    return counts


def figures(repo: Path, git_sess: str) -> list[Figure]:
    counts = listed_counts(repo)
    ranked = [p for p, _ in counts.most_common() if (repo / p).is_file()]
    popular, rare = ranked[0], ranked[-1]
    folder = popular.rsplit("/", 1)[0]
    caches = [state_dir(repo) / name for name in (LISTS_CACHE, FACTS_CACHE)]
    shown = sorted(exports(repo))[len(exports(repo)) // 2].name
    log(f"tracing {popular} (listed {counts[popular]} times), {rare} ({counts[rare]}), {folder}/")
    return [
        Figure("baseline_a", "A: python -c pass", [sys.executable, "-c", "pass"]),
        Figure("baseline_l", f"L: git log --oneline -- {popular}", _git_log(popular)),
        Figure("trace", f"trace {popular}", [git_sess, "trace", popular], target_s=0.3),
        Figure("trace_json", "trace --json, same file", [git_sess, "trace", popular, "--json"]),
        Figure("baseline_rare", f"git log --oneline -- {rare}", _git_log(rare)),
        Figure("trace_rare", f"trace {rare}", [git_sess, "trace", rare], target_s=0.3),
        Figure("baseline_folder", f"git log --oneline -- {folder}", _git_log(folder)),
        Figure("trace_folder", f"trace {folder}", [git_sess, "trace", folder]),
        Figure(
            "trace_edit",
            "trace, one export edited",
            [git_sess, "trace", popular],
            prepare=editor(exports(repo)),
        ),
        Figure(
            "trace_cold",
            "trace, no trace caches (lists and commit facts)",
            [git_sess, "trace", popular],
            prepare=lambda: forget(caches),
        ),
        Figure(
            "baseline_show",
            f"git log --oneline -- .sessions/{shown}",
            _git_log(f".sessions/{shown}"),
        ),
        Figure("show", "show, its commits listed", [git_sess, "show", shown]),
        Figure(
            "show_new_commit",
            "show, a commit made since the last run",
            [git_sess, "show", shown],
            prepare=lambda: _empty_commit(repo),
        ),
        Figure(
            "show_cold",
            "show, no sessions log (its first run)",
            [git_sess, "show", shown],
            prepare=lambda: forget([state_dir(repo) / SESSIONS_LOG]),
        ),
        Figure("show_bare", "show --commits 0", [git_sess, "show", shown, "--commits", "0"]),
    ]


def _empty_commit(repo: Path) -> None:
    """A commit the sessions log has not seen (no hooks: only history moves)."""
    subprocess.run(
        ["git", "commit", "-q", "--no-verify", "--allow-empty", "-m", "Another day"],
        cwd=repo,
        check=True,
    )


def forget(caches: list[Path]) -> None:
    for cache in caches:
        cache.unlink(missing_ok=True)


def _git_log(path: str) -> list[str]:
    return ["git", "log", "--oneline", "--", path]


def table(results: list[Result], baselines: dict[str, float]) -> str:
    """run.py's table, the second ratio against each figure's git log (L)."""
    a = results[0].median_s
    return run_table(
        results,
        lambda r: (r.median_s / a, r.median_s / baselines[r.key]),
        width=48,
        second="L",
        target_head="target",
        cut=True,
    )


def with_changed_paths(repo: Path, plain: list[Figure]) -> list[Figure]:
    """The figures that walk history again, with git's changed-path filters written."""
    wanted = ("baseline_l", "trace", "baseline_show", "show")
    return [
        Figure(f"{f.key}_bloom", f"{f.label} (changed-path filters)", f.argv, f.target_s)
        for f in plain
        if f.key in wanted
    ]


def commit_graph(repo: Path, write: bool) -> None:
    if write:
        run_checked(["git", "commit-graph", "write", "--reachable", "--changed-paths"], repo)
        return
    for path in (repo / ".git" / "objects" / "info").glob("commit-graph*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time git-sess trace and show on a corpus with code history.")
    parser.add_argument(
        "--changed-paths",
        action="store_true",
        help="also time the walks with git's changed-path filters (commit-graph)",
    )
    args = parser.parse_args(argv)
    git_sess = console_script()
    compile_package()
    facts = RunFacts()
    with tempfile.TemporaryDirectory(prefix="gitsess-trace-") as scratch:
        repo = corpus_with_history(args.sessions, args.keep, Path(scratch))
        set_up(repo, git_sess)
        commit_graph(repo, write=False)  # as a clone has it: no changed-path filters
        plain = figures(repo, git_sess)
        results = []
        for figure in plain:
            log(f"timing {figure.label} …")
            results.append(measure(figure, repo, args.repeat))
        if args.changed_paths:
            commit_graph(repo, write=True)
            try:
                for figure in with_changed_paths(repo, plain):
                    log(f"timing {figure.label} …")
                    results.append(measure(figure, repo, args.repeat))
            finally:
                commit_graph(repo, write=False)
        commits = int(run_checked(["git", "rev-list", "--count", "HEAD"], repo))
    by_key = {r.key: r.median_s for r in results}
    # Each walk against the git log of the same path; the rest against the popular file's.
    against = {"trace_rare": "baseline_rare", "trace_folder": "baseline_folder"}
    against.update({"show": "baseline_show", "show_bare": "baseline_show"})
    against.update({"show_new_commit": "baseline_show", "show_cold": "baseline_show"})
    against.update({"trace_bloom": "baseline_l_bloom", "show_bloom": "baseline_show_bloom"})
    for key in ("baseline_rare", "baseline_folder", "baseline_show") + tuple(
        key for key in by_key if key.startswith("baseline_") and key.endswith("_bloom")
    ):
        against[key] = key
    baselines = {r.key: by_key[against.get(r.key, "baseline_l")] for r in results}
    facts.end()
    print(
        f"{len(results)} figures, {args.repeat} timed runs each after one warm-up;"
        f" {commits} commits; {facts.load()}"
    )
    print(table(results, baselines))
    facts.warn_if_changed()
    if args.json:
        payload = {
            **facts.as_json(),
            "commits": commits,
            "repeat": args.repeat,
            "figures": [
                {**asdict(r), "ratio_to_git_log": r.median_s / baselines[r.key]} for r in results
            ],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
