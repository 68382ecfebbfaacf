"""Bounded work per export (issue 19): what one huge pasted export costs.

    .venv/bin/python benchmarks/caps.py [--sessions 1000] [--big-mb 50] [--repeat 3] [--keep DIR]

Two repositories of the same generated corpus: one plus a single-line export
of `--big-mb` MB ("big"), one plus the same export cut to 1 MB ("ref"). Each
command runs in both, in turn (big, ref, big, ref...), whole process, timed
and its peak memory taken by `/usr/bin/time` (the largest resident set of the
process and its children); the table shows the medians and big/ref ratios.
With the cap (documents.INDEXED_BYTES, 1 MiB) the ratios should be near 1 for
everything that reads an export's text; what must read every byte (hashing a
changed file, parsing it once, the secret scan of the pre-commit hook) grows
with the file, and the table says so.

The big export holds `frontword` at its start and `tailword` at its end:
searched, the first is found in both, the second only in ref (in big it is
past the cap).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import console_script, log, make_corpus, run_checked, set_up  # noqa: E402

BIG_NAME = "session_20250601_huge_pasted_transcript.md"
WORDS = ["latency", "webhook", "retry", "queue", "cache", "shard", "deploy", "rollback"]


def write_export(path: Path, size: int, seed: int = 1) -> None:
    """A single-line export of `size` bytes: frontmatter, then one line of words
    (bare and numbered, so it has many distinct terms, as a pasted log does)."""
    rng = random.Random(seed)
    head = (
        "---\ntitle: Huge pasted transcript\ndate: 2025-06-01\ntype: feature\n"
        "status: complete\n---\n\n# Session: Huge pasted transcript\n\nfrontword "
    )
    chunk = " ".join(
        rng.choice(WORDS) + (str(rng.randint(0, 99999)) if rng.random() < 0.5 else "")
        for _ in range(20000)
    )
    tail = " tailword\n"
    room = size - len(head) - len(tail)
    body = (chunk + " ") * (room // (len(chunk) + 1) + 1)
    path.write_text(head + body[:room] + tail, encoding="utf-8")


@dataclass
class Command:
    label: str
    argv: list[str]
    prepare: Callable[[Path], None] | None = None  # untimed, before each run
    exits: tuple[int, ...] = (0,)


def commands(git_sess: str) -> list[Command]:
    def touch_big(repo: Path) -> None:
        # Another byte at the end: the file changed, so it is hashed and parsed again.
        with (repo / ".sessions" / BIG_NAME).open("ab") as file:
            file.write(b"x")

    def stage_big(repo: Path) -> None:
        touch_big(repo)
        run_checked(["git", "add", f".sessions/{BIG_NAME}"], repo)

    def drop_new(repo: Path) -> None:
        for path in (repo / ".sessions").glob("session_20250601_huge_pasted_transcript_*.md"):
            path.unlink()

    return [
        Command("reindex", [git_sess, "reindex"]),
        Command("search common word", [git_sess, "search", "latency"]),
        Command("search word in big file", [git_sess, "search", "frontword"]),
        # found in ref (1 MB is under the cap), not in big (past it)
        Command("search the last word", [git_sess, "search", "tailword"], exits=(0, 1)),
        Command("search after it changed", [git_sess, "search", "frontword"], touch_big),
        Command("check", [git_sess, "check"], exits=(0, 1)),
        Command("check after it changed", [git_sess, "check"], touch_big, exits=(0, 1)),
        Command("list", [git_sess, "list"]),
        Command("show", [git_sess, "show", BIG_NAME]),
        Command(
            "new (same title and date)",
            [git_sess, "new", "Huge pasted transcript", "--date", "2025-06-01"],
            drop_new,
        ),
        Command("git commit (pre-commit hook)", ["git", "commit", "-q", "-m", "edit"], stage_big),
    ]


def timed(argv: list[str], repo: Path, exits: tuple[int, ...]) -> tuple[float, int]:
    """(wall seconds, peak resident KB) of one whole run."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *argv],
        cwd=repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    *errors, figures = done.stderr.strip().splitlines()
    if done.returncode not in exits:
        raise SystemExit(
            f"caps.py: {' '.join(argv)} exited {done.returncode}:\n" + "\n".join(errors)
        )
    seconds, peak = figures.split()
    return float(seconds), int(peak)


def prepare_repo(base: Path, target: Path, size: int, git_sess: str) -> Path:
    shutil.copytree(base, target, symlinks=True)
    write_export(target / ".sessions" / BIG_NAME, size)
    set_up(target, git_sess)
    run_checked([git_sess, "hooks", "install"], target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--big-mb", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the corpus here (reused if present)")
    args = parser.parse_args(argv)
    git_sess = console_script()
    with tempfile.TemporaryDirectory(prefix="gitsess-caps-") as scratch:
        base = args.keep or Path(scratch) / "corpus"
        if not (base / ".sessions").is_dir():
            make_corpus(base, args.sessions)
        mb = 1024 * 1024
        repos = {
            "big": prepare_repo(base, Path(scratch) / "big", args.big_mb * mb, git_sess),
            "ref": prepare_repo(base, Path(scratch) / "ref", 1_000_000, git_sess),
        }
        log(f"{args.sessions} exports plus one of {args.big_mb} MB (big) or 1 MB (ref)")
        heads = ("big s", "ref s", "ratio", "big MB", "ref MB", "ratio")
        print(f"{'':32}" + "".join(f" {head:>7}" for head in heads))
        for command in commands(git_sess):
            runs: dict[str, list[tuple[float, int]]] = {"big": [], "ref": []}
            for number in range(args.repeat + 1):  # run 0: warm-up, not counted
                for name, repo in repos.items():
                    if command.prepare:
                        command.prepare(repo)
                    figure = timed(command.argv, repo, command.exits)
                    if number:
                        runs[name].append(figure)
            seconds = {name: statistics.median(s for s, _ in r) for name, r in runs.items()}
            peak = {name: statistics.median(p for _, p in r) / 1024 for name, r in runs.items()}
            print(
                f"{command.label:32} {seconds['big']:7.2f} {seconds['ref']:7.2f}"
                f" {seconds['big'] / seconds['ref']:7.2f} {peak['big']:7.0f} {peak['ref']:7.0f}"
                f" {peak['big'] / peak['ref']:7.2f}",
                flush=True,
            )
        for repo in repos.values():
            # Takes the search lock: waits for the refresh the post-commit hook
            # started in the background, which would write while the directory goes.
            run_checked([git_sess, "reindex"], repo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
