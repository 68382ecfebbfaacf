"""The credential scanner measured: recall and precision on the labelled corpus
(tests/fixtures/secrets/corpus.tsv) beside detect-secrets', and the scan's cost.

    .venv/bin/python benchmarks/secrets.py                      # the corpus figures
    .venv/bin/python benchmarks/secrets.py --speed DIR          # + find_secrets over DIR/.sessions
    .venv/bin/python benchmarks/secrets.py --speed DIR --check  # + git sess check, warm and cold
    .venv/bin/python benchmarks/secrets.py --corpus FILE        # a held-out corpus, same format

detect-secrets is not a dependency: `pip install detect-secrets` into the venv to
compare (it is skipped, and said so, when missing). It is run as its own scanner
is meant to be (every default plugin, every default filter, as `detect-secrets
scan` would), on each line alone, like ours.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "tests" / "fixtures" / "secrets" / "corpus.tsv"

Rows = list[tuple[str, str, str, str]]


def load(path: Path = CORPUS) -> Rows:
    rows = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw and not raw.startswith("#"):
            label, kind, value, line = raw.split("\t", 3)
            rows.append((label, kind, value, line))
    return rows


def score(rows: Rows, flags: Callable[[str], bool]) -> tuple[float, float, list[str]]:
    tp = fp = fn = 0
    wrong = []
    for label, kind, _value, line in rows:
        found = flags(line)
        if label == "secret" and found:
            tp += 1
        elif label == "secret":
            fn += 1
            wrong.append(f"missed  {kind}: {line[:100]}")
        elif found:
            fp += 1
            wrong.append(f"flagged {kind}: {line[:100]}")
    return tp / (tp + fn), tp / max(tp + fp, 1), wrong


def ours() -> Callable[[str], bool]:
    from gitsess.core.secrets import find_secrets

    return lambda line: bool(find_secrets(line))


def detect_secrets(rows: Rows) -> Callable[[str], bool] | None:
    """detect-secrets' verdict on each line, from one `scan_file` of them all:
    its default plugins and filters, as `detect-secrets scan` runs them."""
    try:
        from detect_secrets import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        notes = Path(scratch) / "notes.md"
        notes.write_text("".join(line + "\n" for *_, line in rows), encoding="utf-8")
        collection = SecretsCollection(root=scratch)
        with default_settings():
            collection.scan_file(str(notes))
        flagged_lines = {secret.line_number for _, secret in collection}
    flagged = {rows[number - 1][3] for number in flagged_lines}
    return lambda line: line in flagged


def speed(sessions: Path, repeat: int) -> None:
    from gitsess.core.secrets import find_secrets

    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sessions.glob("*.md")]
    size = sum(len(t) for t in texts)
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        found = sum(len(find_secrets(t)) for t in texts)
        runs.append(time.perf_counter() - started)
    print(
        f"find_secrets over {len(texts)} files ({size / 1e6:.1f} M characters): "
        f"median {statistics.median(runs):.3f} s, min {min(runs):.3f} s "
        f"({min(runs) / size * 1e9:.1f} ns a character), {found} finding(s)"
    )


def check(repo: Path, repeat: int) -> None:
    git_sess = str(Path(sys.prefix) / "bin" / "git-sess")
    state = (
        repo
        / subprocess.run(
            ["git", "rev-parse", "--git-path", "gitsess"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()
    )

    def timed(cold: bool) -> float:
        if cold:
            (state / "secrets.json").unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run([git_sess, "check"], cwd=repo, stdout=subprocess.DEVNULL)
        return time.perf_counter() - started

    timed(False)  # warm-up: the catalog cache and the secrets cache are current
    for name, cold in (("warm", False), ("cold (secrets.json removed)", True)):
        runs = [timed(cold) for _ in range(repeat)]
        print(
            f"git sess check, {name}: median {statistics.median(runs):.3f} s, min {min(runs):.3f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--speed", type=Path, metavar="DIR", help="a benchmark corpus (generate.py)"
    )
    parser.add_argument("--check", action="store_true", help="also time git sess check there")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="list each line scored wrong")
    parser.add_argument(
        "--corpus", type=Path, default=CORPUS, help="another labelled corpus (held out)"
    )
    args = parser.parse_args()
    rows = load(args.corpus)
    secrets = sum(1 for row in rows if row[0] == "secret")
    kinds = len({row[1] for row in rows if row[0] == "secret"})
    print(f"corpus: {len(rows)} lines, {secrets} credentials of {kinds} kinds")
    for name, scanner in (("git-sess", ours()), ("detect-secrets", detect_secrets(rows))):
        if scanner is None:
            print(f"{name}: not installed (pip install detect-secrets)")
            continue
        recall, precision, wrong = score(rows, scanner)
        print(f"{name}: recall {recall:.1%}, precision {precision:.1%}")
        if args.verbose:
            print("\n".join(f"  {line}" for line in wrong))
    if args.speed:
        speed(args.speed / ".sessions", args.repeat)
        if args.check:
            check(args.speed, args.repeat)


if __name__ == "__main__":
    main()
