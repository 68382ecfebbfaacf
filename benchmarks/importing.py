"""`git sess import` of a whole hand-kept collection, against moving it with git alone.

    .venv/bin/python benchmarks/importing.py [--notes 1000] [--repeat 5] [--json OUT]

The collection is the hand-written notes of a generated corpus (`generate.py`,
no frontmatter), laid out as people keep them: `docs/sessions/` with a dated
folder per month, an `archive/` folder and a README linking every note, all
committed. Before every run the work tree and the index are put back as
committed (`git reset --hard`, `git clean`), so each run imports the same thing.

Baselines from the same run: A is `python -c pass`; C is `git mv docs/sessions
.sessions`, the least a tool can do to bring the files in (one git process, no
reading). The figures: `import --dry-run` (reads and plans everything, writes
nothing), `import` (moves with `git mv`, reads, writes the frontmatter, rewrites
the README, journals, writes the index), and `import --rename`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402  (the sibling scripts)
from run import (  # noqa: E402
    Figure,
    compile_package,
    console_script,
    corpus_parser,
    log,
    measure,
    run_checked,
    table,
)


def collection(repo: Path, notes: int) -> None:
    """A repository whose docs/sessions/ holds `notes` hand-written notes."""
    source = repo.parent / "corpus"
    generate(source, notes * 12, commit=False)  # about one note in eleven is hand-written
    legacy = [p for p in sorted((source / ".sessions").glob("*.md")) if not _has_frontmatter(p)]
    if len(legacy) < notes:
        raise SystemExit(f"importing.py: only {len(legacy)} hand-written notes were generated")
    run_checked(["git", "init", "-q", "-b", "main", str(repo)], repo.parent)
    folder = repo / "docs" / "sessions"
    links = []
    for number, path in enumerate(legacy[:notes]):
        # `session_20251203_x.md` -> `2025-12/2025-12-03-x.md`, some in archive/
        stamp, slug = path.stem.split("_", 2)[1:]
        day = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:]}"
        where = "archive" if number % 10 == 0 else day[:7]
        target = folder / where / f"{day}-{slug}.md"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        links.append(f"- [{slug}]({where}/{target.name})\n")
    (folder / "README.md").write_text("# Our session notes\n\n" + "".join(links))
    shutil.rmtree(source)
    run_checked(["git", "add", "-A"], repo)
    run_checked(["git", "commit", "-q", "-m", "notes kept by hand"], repo)


def _has_frontmatter(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == b"---\n"


def restore(repo: Path) -> None:
    """Back to the commit: files, index, and no state of a previous run."""
    run_checked(["git", "reset", "-q", "--hard", "HEAD"], repo)
    run_checked(["git", "clean", "-q", "-fdx"], repo)
    shutil.rmtree(repo / ".git" / "gitsess", ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time git sess import of a hand-kept collection.")
    parser.add_argument("--notes", type=int, default=1000, help="notes in the collection")
    args = parser.parse_args(argv)
    git_sess = console_script()
    compile_package()
    with tempfile.TemporaryDirectory() as temporary:
        repo = Path(temporary) / "repo"
        repo.mkdir()
        collection(repo, args.notes)
        log(f"a collection of {args.notes} notes in {repo}/docs/sessions")

        def reset() -> None:
            restore(repo)

        figures = [
            Figure("a", "A: python -c pass", [sys.executable, "-c", "pass"]),
            Figure("c", "C: git mv docs/sessions .sessions", ["git", "mv", "docs/sessions",
                   ".sessions"], prepare=reset),  # fmt: skip
            Figure("dry", "import --dry-run docs/sessions",
                   [git_sess, "import", "--dry-run", "docs/sessions"], prepare=reset),
            Figure("import", "import docs/sessions",
                   [git_sess, "import", "docs/sessions"], prepare=reset),
            Figure("rename", "import --rename docs/sessions",
                   [git_sess, "import", "--rename", "docs/sessions"], prepare=reset),
        ]  # fmt: skip
        results = []
        for figure in figures:
            log(f"timing {figure.label} …")
            results.append(measure(figure, repo, args.repeat))
        a, c = results[0].median_s, results[1].median_s
        for result in results:
            result.ratio_a, result.ratio_b = result.median_s / a, result.median_s / c
        restore(repo)
        done = subprocess.run([git_sess, "import", "docs/sessions"], cwd=repo, capture_output=True)
        listed = json.loads(run_checked([git_sess, "list", "--json"], repo))
    print(table(results).replace("x B", "x C"))
    print(f"\n{len(listed)} of {args.notes} notes listed after an import (exit {done.returncode})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        rows = [result.__dict__ for result in results]
        args.json.write_text(json.dumps({"notes": args.notes, "results": rows}, indent=2))
    return 0 if len(listed) == args.notes and done.returncode == 0 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
