"""`git sess status` on a 1 GB Codex rollout (issue 21: <= 0.3 s, <= 100 MB).

    .venv/bin/python benchmarks/codex_status.py [--mb 1024] [--runs 7] [--others 300] [--keep DIR]

Generates, under a CODEX_HOME of its own, one rollout of --mb MB for a fresh
repository (lines shaped as tests/fixtures/codex/'s 0.171 fixture: a user
message, a turn_context, exec_command calls with 3 KB outputs, apply_patch
edits, token counts written twice, a token_usage_record and a world_state
line per turn, a compaction every 2,000 turns), and --others small rollouts
of other directories, so that `status` also finds the conversation among them.
Then farm-bench times `git-sess status` as a whole process (start-up included,
peak memory reported) against, in the same call, `python -c pass` (the
interpreter's floor), `tail -c 262144 <rollout>` (reading the end of the file
with no Python at all) and `git-sess status` with no rollout to read (the
command's own floor), pair by pair. The first run after generating fills the
cache of where each rollout began (codex_locating.py); the warm-up runs take it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" / "bin"
SESSION_ID = "019ac0d4-5e6f-7a81-9b2c-3d4e5f607182"
TURNS_PER_COMPACTION = 2000


def line(stamp: str, kind: str, payload: dict) -> str:
    return json.dumps({"timestamp": stamp, "type": kind, "payload": payload}) + "\n"


def write_rollout(path: Path, cwd: Path, megabytes: int) -> int:
    """A rollout of about `megabytes` MB; returns its size in bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    limit, written, turn = megabytes * 1024 * 1024, 0, 0
    output = "x" * 3000  # a command's output: most of a real rollout's bytes
    meta = {"id": SESSION_ID, "cwd": str(cwd), "cli_version": "0.171.0", "source": "cli"}
    meta["git"] = {"commit_hash": "a" * 40, "branch": "main"}
    with path.open("w", encoding="utf-8") as handle:
        written += handle.write(line("2026-11-28T14:20:03.231Z", "session_meta", meta))
        while written < limit:
            turn += 1
            stamp = f"2026-11-28T{turn // 3600 % 24:02d}:{turn // 60 % 60:02d}:{turn % 60:02d}.000Z"
            tokens = 20_000 + (turn % TURNS_PER_COMPACTION) * 100
            usage = {
                "input_tokens": tokens,
                "cached_input_tokens": tokens - 900,
                "output_tokens": 300,
            }
            count = {
                "type": "token_count",
                "info": {"last_token_usage": usage, "model_context_window": 258400},
            }
            call = json.dumps({"cmd": f"pytest -q tests/test_{turn % 50}.py", "workdir": str(cwd)})
            patch = f"*** Begin Patch\n*** Update File: src/module_{turn % 400}.py\n*** End Patch"
            lines = [
                line(
                    stamp,
                    "event_msg",
                    {"type": "user_message", "message": f"Request {turn}: go on"},
                ),
                line(
                    stamp,
                    "turn_context",
                    {"turn_id": f"t{turn}", "cwd": str(cwd), "model": "gpt-5.6-sol"},
                ),
                line(stamp, "world_state", {"kind": "workspace", "dirty_files": turn % 7}),
                line(
                    stamp,
                    "response_item",
                    {
                        "type": "function_call",
                        "name": "exec_command",
                        "arguments": call,
                        "call_id": f"c{turn}",
                    },
                ),
                line(
                    stamp,
                    "response_item",
                    {"type": "function_call_output", "call_id": f"c{turn}", "output": output},
                ),
                line(
                    stamp,
                    "response_item",
                    {
                        "type": "custom_tool_call",
                        "name": "apply_patch",
                        "input": patch,
                        "call_id": f"p{turn}",
                    },
                ),
                line(stamp, "token_usage_record", {"turn_id": f"t{turn}", "usage": usage}),
                line(stamp, "event_msg", count),
                line(stamp, "event_msg", count),  # Codex writes many twice
            ]
            if turn % TURNS_PER_COMPACTION == 0:
                lines.append(line(stamp, "compacted", {"message": "summary " * 200}))
                lines.append(line(stamp, "event_msg", {"type": "context_compacted"}))
            written += handle.write("".join(lines))
    return path.stat().st_size


def write_others(home: Path, count: int) -> None:
    """Rollouts of other directories, written later than the big one: `status`
    looks through them (their first line) before it reaches this repository's."""
    for number in range(count):
        sid = f"0199{number:04d}-0000-7000-8000-000000000000"
        path = (
            home
            / "sessions"
            / "2026"
            / "12"
            / "01"
            / f"rollout-2026-12-01T10-00-{number % 60:02d}-{sid}.jsonl"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "id": sid,
            "cwd": f"/home/dev/other_{number}",
            "cli_version": "0.171.0",
            "base_instructions": {"text": "You are Codex. " * 1500},
        }  # ~20 KB, as real ones
        path.write_text(
            line("2026-12-01T10:00:00.000Z", "session_meta", meta)
            + line("2026-12-01T10:00:01.000Z", "event_msg", {"type": "token_count", "info": None})
        )


def farm_bench(command: list[str], baseline: str, runs: int, cwd: Path, env: dict) -> str:
    done = subprocess.run(
        [
            "farm-bench",
            "-n",
            str(runs),
            "--warmup",
            "2",
            "--timeout",
            "600",
            "--vs",
            baseline,
            "--",
            *command,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--others", type=int, default=300)
    parser.add_argument(
        "--keep", type=Path, help="build here and keep it (else a temporary directory)"
    )
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="codex-status-"))
    python, script = VENV / "python", VENV / "git-sess"
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "gitsess")], check=True)
    repo, home = base / "repo", base / "codex-home"
    rollout = (
        home / "sessions" / "2026" / "11" / "28" / f"rollout-2026-11-28T14-20-03-{SESSION_ID}.jsonl"
    )
    env = {
        **os.environ,
        "CODEX_HOME": str(home),
        "HOME": str(base / "home"),
        "PYTHONDONTWRITEBYTECODE": "",
    }
    if not rollout.exists():
        repo.mkdir(parents=True, exist_ok=True)
        (base / "home").mkdir(exist_ok=True)
        subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
        subprocess.run([script, "init"], cwd=repo, env=env, check=True, capture_output=True)
        size = write_rollout(rollout, repo, args.mb)
        write_others(home, args.others)
        print(f"rollout: {size / 2**20:,.0f} MB, {args.others} other rollouts", flush=True)
    check = subprocess.run(
        [script, "status", "--json"], cwd=repo, env=env, capture_output=True, text=True
    )
    print("status says:", json.dumps(json.loads(check.stdout)["context"]), flush=True)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    command = [str(script), "status"]
    print(farm_bench(command, f"{python} -c pass", args.runs, repo, env), flush=True)
    print(farm_bench(command, f"tail -c 262144 {rollout}", args.runs, repo, env), flush=True)
    # The same command with no conversation to read: what reading the rollouts adds.
    (base / "empty").mkdir(exist_ok=True)
    floor = f"env CODEX_HOME={base / 'empty'} {script} status"
    print(farm_bench(command, floor, args.runs, repo, env), flush=True)
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    if args.keep is None:
        shutil.rmtree(base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
