"""`git sess demo`: the main flow, run for real in a throwaway repository, and the
command that prints it."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

from gitsess.core.errors import ExitCode, GitSessError, printable, write_styled
from gitsess.core.repo import Repo, init_repository

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


def closing_advice(path: Path) -> str:
    """The demo's last words: where its repository is, and how to go on in it.

    "cd there" only helps when `git sess` works there, that is when git finds
    `git-sess` on PATH (not so after `.venv/bin/git-sess demo`): then say how.
    """
    advice = f"The demo repository is {path}; cd there to try more, rm -rf it when done."
    if shutil.which("git-sess") is not None:
        return advice
    here = Path(sys.executable).parent  # where pip put this installation's git-sess
    where = (
        f'export PATH="{here}:$PATH"'
        if (here / "git-sess").is_file()
        else "put the directory holding git-sess on your PATH"
    )
    return f"{advice}\ngit sess is not on your PATH, so git will not find it there: {where}"


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
    yield from _assistant_steps(repo)


def _assistant_steps(repo: Repo) -> Iterator[DemoStep]:
    """The assistant side, on a transcript shaped as Claude Code writes them (kept
    in .git/, so the user's own ~/.claude is never touched)."""
    transcript = repo.root / ".git" / "sample-transcript.jsonl"
    transcript.write_text(sample_transcript(repo.root), encoding="utf-8")
    yield DemoStep(
        "# .git/sample-transcript.jsonl: a Claude Code transcript (requests, replies with"
        " token usage, Read/Edit/Bash calls, one compaction)",
        "",
        0,
    )
    relative = transcript.relative_to(repo.root).as_posix()
    yield _run_git_sess(repo, ("status", "--transcript", relative))
    # Typed as shown: the event on stdin, as Claude Code sends it (with more fields).
    event = {"transcript_path": relative, "hook_event_name": "SessionStart", "source": "startup"}
    done = subprocess.run(
        [sys.executable, "-m", "gitsess", "hook", "claude", "SessionStart"],
        cwd=repo.root,
        input=json.dumps(event),
        capture_output=True,
        text=True,
    )
    shown = json.dumps(json.loads(done.stdout), indent=2, ensure_ascii=False)
    yield DemoStep(
        f"echo '{json.dumps(event)}' | git sess hook claude SessionStart",
        shown,
        done.returncode,
    )


SAMPLE_SESSION = "0d3c5e7a-1b2f-4c6d-9e8f-7a6b5c4d3e2f"
ASK = "Find why evaluation runs out of GPU memory"
CONTINUED = "This session is being continued from a previous conversation that ran out of context."


def sample_transcript(root: Path) -> str:
    def record(kind: str, time: str, **fields: object) -> str:
        base = {"type": kind, "cwd": str(root), "sessionId": SAMPLE_SESSION}
        base |= {"gitBranch": "main", "timestamp": f"2025-12-03T{time}Z"}
        return json.dumps({**base, **fields})

    def reply(time: str, tokens: int, *tools: tuple[str, dict[str, str]]) -> str:
        content = [{"type": "tool_use", "name": n, "input": i} for n, i in tools]
        usage = {
            "input_tokens": 5,
            "cache_creation_input_tokens": 1200,
            "cache_read_input_tokens": tokens - 1205,
            "output_tokens": 300,
        }
        message = {"model": "claude-sonnet-4-6", "content": content, "usage": usage}
        return record("assistant", time, message=message)

    evaluate = str(root / "eval.py")
    lines = [
        record("user", "09:00:00", message={"content": ASK}),
        reply("09:01:00", 41_500, ("Read", {"file_path": evaluate})),
        reply("09:20:00", 152_000, ("Edit", {"file_path": evaluate}),
              ("Bash", {"command": "python eval.py --batch-size 32"})),
        record("system", "09:30:00", subtype="compact_boundary",
               compactMetadata={"trigger": "auto", "preTokens": 158_400}),
        record("user", "09:30:01", isCompactSummary=True, message={"content": CONTINUED}),
        record("user", "09:31:00", message={"content": "Now write the memory notes up"}),
        reply("09:32:00", 36_800, ("Write", {"file_path": str(root / "MEMORY.md")})),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


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


@click.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
def demo(directory: str | None) -> None:
    """Run the main flow in a throwaway repository, printing every command.

    DIRECTORY must be new or empty; by default a temporary directory is used
    and left for you to explore.

    \b
    Example:
      git sess demo
    """
    path = prepare_directory(directory)
    for step in run_demo(path):
        if sys.stdout.isatty():  # bold past the output guard, as click.secho would
            write_styled(click.style(f"$ {printable(step.command)}", bold=True) + "\n")
        else:
            click.echo(f"$ {step.command}")
        if step.output:
            click.echo(step.output)
        click.echo("")
        if step.exit_code != ExitCode.OK:
            raise GitSessError(
                f"the demo step '{step.command}' failed (exit {step.exit_code})",
                f"look at the repository it left in {path}",
            )
    click.echo(closing_advice(path))


COMMANDS = (demo,)
