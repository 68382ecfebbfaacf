"""`git sess demo`: the main flow, run for real in a throwaway repository."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gitsess.errors import GitSessError
from gitsess.repo import Repo, init_repository

# A fixed project name keeps the demo's index the same in every temporary directory.
DEMO_SETTINGS = {
    "user.name": "git-sess demo",
    "user.email": "demo@example.invalid",
    "sess.project": "demo",
}
LEGACY_NAME = "session_20251203_gpu_memory.md"
LEGACY_EXPORT = """\
# Session Log: GPU memory during evaluation
**Date:** 2025-12-03
**Status:** Complete
**Tokens:** 61,204/200,000 (31%)

## Objective
Continue session_20251202_distilbert_evaluation.md: stop the OOM at batch size 64.

## Notes
Gradient checkpointing halves activation memory; batch 64 now fits in 11 GB.
"""

TRAINING_NOTES = """\
## Session Objectives
- Fine-tune DistilBERT on the exported rows; beat the TF-IDF baseline (F1 0.81).

## Completed Work

### Files Created
- `train/distilbert.py` - training loop with early stopping

## Technical Decisions
- Learning rate 3e-5 with linear warm-up: 5e-5 overfitted after epoch 2.

## Issues Encountered
- Validation loss rose from epoch 3 (overfitting); early stopping on F1 fixed it.

## Next Steps
1. Evaluate on the held-out set.
"""

STEPS: list[tuple[str, ...]] = [
    ("init",),
    ("new", "Export training data", "--type", "operation", "--tag", "ml", "--tag", "data",
     "--status", "complete", "--date", "2025-11-30",
     "--summary", "Exported 1.2M labelled rows to parquet"),
    ("new", "DistilBERT training", "--type", "feature", "--tag", "ml", "--tag", "training",
     "--requires", "session_20251130_export_training_data", "--date", "2025-12-01",
     "--summary", "Fine-tune DistilBERT on the exported rows"),
    ("new", "DistilBERT evaluation", "--type", "research", "--tag", "ml",
     "--continues", "session_20251201_distilbert_training", "--date", "2025-12-02"),
    ("edit", "session_20251201_distilbert_training.md"),
    ("update", "session_20251201_distilbert_training", "--status", "complete",
     "--add-tag", "gpu"),
    ("list",),
    ("show", "20251202"),
    ("check",),
    ("import", "--dry-run"),
    ("import",),
    ("update", "session_20251203_gpu_memory", "--continues",
     "session_20251202_distilbert_evaluation", "--add-tag", "ml"),
    ("list", "--tag", "ml", "--status", "complete"),
    ("search", "overfitting"),
    ("search", "memory", "--since", "2025-12-02"),
    ("search", "distilbert evaluation", "--json", "--limit", "1"),
    ("index", "--check"),
]  # fmt: skip


@dataclass(frozen=True)
class DemoStep:
    command: str  # as a user would type it
    output: str
    exit_code: int


def prepare_directory(directory: str | None) -> Path:
    if directory is None:
        return Path(tempfile.mkdtemp(prefix="git-sess-demo-"))
    path = Path(directory).resolve()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise GitSessError(
            f"{directory} exists and is not an empty directory",
            "give a new or empty directory, or none for a temporary one",
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_demo(path: Path) -> Iterator[DemoStep]:
    """Yield each command of the tour with its real output, as it runs."""
    # The tour must show the defaults, whatever the user's own git config says
    # (sess.dir, commit.gpgsign, core.hooksPath …). This process only runs the demo.
    os.environ.update(GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1")
    repo, said = init_repository(path, DEMO_SETTINGS)
    yield DemoStep("git init -b main", said, 0)
    for step in STEPS:
        if step == ("import", "--dry-run"):
            (path / ".sessions" / LEGACY_NAME).write_text(LEGACY_EXPORT)
            yield DemoStep(
                f"cat > .sessions/{LEGACY_NAME}  # written by hand, without frontmatter",
                LEGACY_EXPORT.rstrip("\n"),
                0,
            )
        if step[0] == "edit":
            yield _fill_in(repo, step[1])
            continue
        yield _run_git_sess(repo, step)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "Add sessions")
    log = repo.git("log", "--stat", "--format=%s", "-1")
    yield DemoStep(
        'git add -A && git commit -m "Add sessions" && git log --stat -1', log.rstrip(), 0
    )


def _fill_in(repo: Repo, name: str) -> DemoStep:
    """What the user (or the assistant) does next: write the sections."""
    path = repo.root / ".sessions" / name
    text = path.read_text(encoding="utf-8")
    heading_end = text.index("\n## ") + 1
    path.write_text(text[:heading_end] + TRAINING_NOTES, encoding="utf-8")
    return DemoStep(f"$EDITOR .sessions/{name}  # fill in the sections", TRAINING_NOTES.rstrip(), 0)


def _run_git_sess(repo: Repo, args: tuple[str, ...]) -> DemoStep:
    done = subprocess.run(
        [sys.executable, "-m", "gitsess", *args],
        cwd=repo.root,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    output = (done.stdout + done.stderr).rstrip("\n")
    return DemoStep("git sess " + shlex.join(args), output, done.returncode)
