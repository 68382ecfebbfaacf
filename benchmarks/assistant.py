"""The assistant side on a large transcript and a 10,000-session repository.

    .venv/bin/python benchmarks/assistant.py [--transcript-mb 1024] [--repeat 7] [--keep DIR]

Generates a Claude Code transcript of --transcript-mb MB (records shaped as in
tests/fixtures/claude_transcript.jsonl: requests, replies with usage and tool
calls, large tool results, a compaction every 2,000 records) for the corpus
repository, under a CLAUDE_CONFIG_DIR of its own. Then, each a complete process
timed as run.py does, and its peak resident memory (GNU time, a separate run):
- `git-sess status` on that transcript (target: < 0.3 s, < 100 MB);
- the full scan `new --from-transcript` makes (reported in MB/s);
- the SessionStart (startup, and compact: this conversation's notes first),
  UserPromptSubmit and PostCompact hooks, event JSON on stdin, in the
  10,000-session repository (target: <= 0.2 s each; PostCompact keeps a
  20 KB summary in a checkpoint: a new one each run after the first);
- `git-sess statusline`, Claude Code's status line JSON on stdin (target:
  <= 0.1 s; it runs on every redraw).
Ratios are against `python -c pass` (A) and `git status --porcelain` (B) from
the same run.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import compile_package, console_script, corpus, corpus_parser, log, set_up  # noqa: E402

SESSION_ID = "b0b0b0b0-1111-4222-8333-944445555666"
RECORDS_PER_COMPACTION = 2000


@dataclass
class Timing:
    label: str
    median_s: float
    min_s: float
    peak_mb: float
    target: str = ""


def write_transcript(path: Path, cwd: Path, megabytes: int) -> int:
    """A transcript of about `megabytes` MB; returns its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    output = "x" * 3000  # a tool result: most of a real transcript's bytes
    common = f'"cwd": {json.dumps(str(cwd))}, "sessionId": "{SESSION_ID}", "gitBranch": "main"'
    limit = megabytes * 1024 * 1024
    written = 0
    number = 0
    with path.open("w", encoding="utf-8") as handle:
        while written < limit:
            number += 1
            tokens = 20_000 + (number % RECORDS_PER_COMPACTION) * 60
            stamp = f"2026-03-02T{number // 3600 % 24:02d}:{number // 60 % 60:02d}:00.000Z"
            lines = [
                f'{{"type": "user", {common}, "timestamp": "{stamp}", "message": {{"content":'
                f' "Request {number}: go on with the refactor"}}}}',
                f'{{"type": "assistant", {common}, "timestamp": "{stamp}", "message": '
                f'{{"model": "claude-sonnet-4-6", "content": [{{"type": "tool_use", "name": '
                f'"Edit", "input": {{"file_path": "{cwd}/src/module_{number % 400}.py"}}}}, '
                f'{{"type": "tool_use", "name": "Bash", "input": {{"command": "pytest -q '
                f'tests/test_{number % 50}.py"}}}}], "usage": {{"input_tokens": 5, '
                f'"cache_creation_input_tokens": 900, "cache_read_input_tokens": {tokens}, '
                f'"output_tokens": 300}}}}}}',
                f'{{"type": "user", {common}, "timestamp": "{stamp}", "message": {{"content":'
                f' [{{"type": "tool_result", "tool_use_id": "t{number}", "content": '
                f'"{output}"}}]}}}}',
            ]
            if number % RECORDS_PER_COMPACTION == 0:
                lines.append(
                    f'{{"type": "system", "subtype": "compact_boundary", {common}, "timestamp": '
                    f'"{stamp}", "compactMetadata": {{"trigger": "auto", "preTokens": {tokens}}}}}'
                )
            text = "\n".join(lines) + "\n"
            handle.write(text)
            written += len(text)
    return path.stat().st_size


def run_once(argv: list[str], cwd: Path, stdin: bytes | None) -> float:
    """Wall seconds of one complete process."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, input=stdin or b"", capture_output=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(
            f"assistant.py: {' '.join(argv)} exited {done.returncode}: {done.stderr!r}"
        )
    return elapsed


def measure(
    label: str, argv: list[str], cwd: Path, repeat: int, stdin: bytes | None = None, target=""
) -> Timing:
    runs = [run_once(argv, cwd, stdin) for _ in range(repeat + 1)][1:]  # run 0 warms up
    return Timing(label, statistics.median(runs), min(runs), float("nan"), target)


def peak_memory_mb(argv: list[str], cwd: Path, stdin: bytes | None = None) -> float:
    """The peak resident memory of one run, measured by GNU time in isolation."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *argv], cwd=cwd, input=stdin or b"", capture_output=True
    )
    found = re.findall(rb"^(\d+)$", done.stderr, re.M)
    return int(found[-1]) / 1024 if found else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time the assistant side on a large transcript.")
    parser.add_argument("--transcript-mb", type=int, default=1024, help="transcript size in MB")
    args = parser.parse_args(argv)
    git_sess = console_script()
    compile_package()
    with corpus(args.sessions, args.keep) as repo, tempfile.TemporaryDirectory() as claude:
        set_up(repo, git_sess)
        os.environ["CLAUDE_CONFIG_DIR"] = claude
        slug = re.sub(r"[^A-Za-z0-9]", "-", str(repo))
        transcript = Path(claude) / "projects" / slug / f"{SESSION_ID}.jsonl"
        log(f"writing a {args.transcript_mb} MB transcript …")
        size = write_transcript(transcript, repo, args.transcript_mb)
        event = {"session_id": SESSION_ID, "transcript_path": str(transcript), "cwd": str(repo)}
        start = json.dumps({**event, "hook_event_name": "SessionStart", "source": "startup"})
        prompt = json.dumps({**event, "hook_event_name": "UserPromptSubmit", "prompt": "go on"})
        compacted = json.dumps({**event, "hook_event_name": "SessionStart", "source": "compact"})
        summary = "\n".join(f"{n}. What was done, decided and left to do." for n in range(480))
        post = {**event, "hook_event_name": "PostCompact", "trigger": "auto"}
        post_compact = json.dumps({**post, "compact_summary": summary})
        hook = [git_sess, "hook", "claude"]
        line = json.dumps(
            {
                **event,
                "model": {"id": "claude-sonnet-4-6", "display_name": "Sonnet 4.6"},
                "context_window": {
                    "context_window_size": 1_000_000,
                    "current_usage": {"input_tokens": 5, "cache_read_input_tokens": 141_000},
                },
            }
        )
        scan = [
            sys.executable,
            "-c",
            "import sys, pathlib; from gitsess.assistant.transcript import scan_transcript;"
            " scan_transcript(pathlib.Path(sys.argv[1]))",
            str(transcript),
        ]
        status = "git-sess status (the transcript)"
        # label, argv, stdin, target, timed runs; the first two are the baselines
        target, runs = "<= 0.2 s", args.repeat
        figures = [
            ("A: python -c pass", [sys.executable, "-c", "pass"], "", "", args.repeat),
            ("B: git status --porcelain", ["git", "status", "--porcelain"], "", "", args.repeat),
            (status, [git_sess, "status"], "", "< 0.3 s, < 100 MB", args.repeat),
            ("hook SessionStart", [*hook, "SessionStart"], start, "<= 0.2 s", args.repeat),
            ("hook SessionStart (compact)", [*hook, "SessionStart"], compacted, target, runs),
            ("hook UserPromptSubmit", [*hook, "UserPromptSubmit"], prompt, "<= 0.2 s", args.repeat),
            ("hook PostCompact", [*hook, "PostCompact"], post_compact, "<= 0.2 s", args.repeat),
            ("statusline", [git_sess, "statusline"], line, "<= 0.1 s", args.repeat),
            ("full scan (new --from-transcript)", scan, "", "", max(1, args.repeat // 3)),
        ]
        timings = []
        for label, command, stdin, target, repeat in figures:
            log(f"timing {label} …")
            timing = measure(label, command, repo, repeat, stdin.encode(), target)
            timing.peak_mb = peak_memory_mb(command, repo, stdin.encode())
            timings.append(timing)
    a, b = timings[0].median_s, timings[1].median_s
    mb = size / 1e6
    print(f"transcript {mb:,.0f} MB; {args.repeat} timed runs per figure after one warm-up;"
          f" load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    header = (
        f"{'figure':<36} {'median s':>9} {'min s':>7} {'x A':>6} {'x B':>6} {'peak MB':>8}  target"
    )
    print(header)
    print("-" * len(header))
    for t in timings:
        print(f"{t.label:<36} {t.median_s:>9.3f} {t.min_s:>7.3f} {t.median_s / a:>6.1f}"
              f" {t.median_s / b:>6.1f} {t.peak_mb:>8.1f}  {t.target}")  # fmt: skip
    print(f"full scan: {mb / timings[-1].median_s:,.0f} MB/s")
    if args.json:
        args.json.write_text(json.dumps([t.__dict__ for t in timings], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
