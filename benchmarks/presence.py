"""What the missing-hooks check (gitsess.hooks.presence) adds to a command.

    .venv/bin/python benchmarks/presence.py [--calls 2000] [--repeat 15] [--json OUT]

Issue 18's target: the check adds at most 5 ms to any command. Figures, all
from one run, in throwaway repositories (a few sessions: the check reads no
export, so the corpus size does not matter):

- the check's own cost, in process, as a tight loop of `after_command(["list"])`
  (`--calls` calls, median of `--repeat` loops) in four situations: a clone
  with its hooks and merge driver (the whole check, nothing to say); a clone
  without them whose note was given today (the stamp read, nothing said); the
  same from a directory five levels down; and a configuration with an
  `include`, where git is asked (`git config`, the slow path);
- the import of the check's modules in a fresh interpreter, after what any
  command has loaded (the command line, `gitsess.cli.options`, the workspace)
  and after the command line alone;
- whole processes: `git sess list` through `gitsess.cli.app.main` (which runs
  the check) and through the same function without it (`_run`), alternating,
  median of `--repeat`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import compile_package, machine, source_stamp  # noqa: E402  (the sibling script)

ENV = {"GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def git_sess(cwd: Path, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "gitsess", *args], cwd=cwd, check=True,
                   capture_output=True)  # fmt: skip


def repositories(top: Path) -> dict[str, Path]:
    """An origin with hooks and three sessions, a clone without hooks, and a
    clone whose configuration includes a file."""
    origin = top / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    git(origin, "config", "user.name", "bench")
    git(origin, "config", "user.email", "bench@example.invalid")
    git_sess(origin, "init")
    for title in ("First", "Second", "Third"):
        git_sess(origin, "new", title)
    git(origin, "add", "-A")
    git(origin, "commit", "-q", "-m", "sessions")
    git(top, "clone", "-q", str(origin), "clone")
    git(top, "clone", "-q", str(origin), "included")
    (top / "extra.inc").write_text("[sess]\n\tproject = bench\n")
    git(top / "included", "config", "include.path", str(top / "extra.inc"))
    deep = top / "clone" / "a" / "b" / "c" / "d" / "e"
    deep.mkdir(parents=True)
    return {"origin": origin, "clone": top / "clone", "deep": deep, "included": top / "included"}


LOOP = """
import json, statistics, sys, time
from pathlib import Path
from gitsess.hooks.presence import after_command, find
cwd, calls, repeat = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
said = after_command(["list"], cwd)  # gives the note once, if any: then the stamp is read
loops = []
for _ in range(repeat):
    start = time.perf_counter()
    for _ in range(calls):
        after_command(["list"], cwd)
    loops.append((time.perf_counter() - start) / calls)
print(json.dumps({"us": statistics.median(loops) * 1e6, "min_us": min(loops) * 1e6,
                  "missing": find(cwd) is not None, "first": said}))
"""

IMPORT = """
import sys, time
for name in sys.argv[1:]:
    __import__(name)
start = time.perf_counter()
import gitsess.hooks.presence
print((time.perf_counter() - start) * 1000)
"""

WHOLE = """
import sys
from gitsess.cli import app
sys.exit(app.{which}(["list"]))
"""


def in_process(cwd: Path, calls: int, repeat: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", LOOP, str(cwd), str(calls), str(repeat)],
                         cwd=cwd, check=True, capture_output=True, text=True).stdout  # fmt: skip
    return json.loads(out)


def import_ms(before: list[str], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", IMPORT, *before], check=True,
                             capture_output=True, text=True).stdout  # fmt: skip
        runs.append(float(out))
    return statistics.median(runs)


def whole(cwd: Path, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"main": [], "_run": []}
    for number in range(repeat + 1):
        for which in times:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", WHOLE.format(which=which)], cwd=cwd,
                           check=True, capture_output=True)  # fmt: skip
            if number:  # run 0 is the untimed warm-up
                times[which].append(time.perf_counter() - start)
    return {which: statistics.median(runs) for which, runs in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path, help="write the figures here")
    options = parser.parse_args(argv)
    compile_package()
    os.environ.update(ENV)
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="gitsess-presence-") as top:
        os.environ.update(HOME=top, GIT_CONFIG_GLOBAL=str(Path(top) / ".gitconfig"))
        repos = repositories(Path(top))
        loops = {
            "hooks and driver present": in_process(repos["origin"], options.calls, options.repeat),
            "missing, note given today": in_process(repos["clone"], options.calls, options.repeat),
            "missing, five levels down": in_process(repos["deep"], options.calls, options.repeat),
            "config with an include (asks git)": in_process(
                repos["included"], max(options.calls // 50, 10), options.repeat
            ),
        }
        imports = {
            "after a command's modules": import_ms(
                ["gitsess.cli.app", "gitsess.cli.options", "gitsess.core.workspace"],
                options.repeat,
            ),
            "after the command line alone": import_ms(["gitsess.cli.app"], options.repeat),
        }
        processes = whole(repos["origin"], options.repeat)
    print(f"load average {load:.2f} at start, {os.getloadavg()[0]:.2f} at end")
    print("the check in process (median per call)")
    for label, figure in loops.items():
        print(f"  {label:<36} {figure['us']:8.0f} us  (min {figure['min_us']:.0f})")
    print("importing gitsess.hooks.presence (median)")
    for label, ms in imports.items():
        print(f"  {label:<36} {ms:8.2f} ms")
    added = (processes["main"] - processes["_run"]) * 1000
    print("git sess list, whole process (median)")
    print(f"  with the check {processes['main']:.4f} s, without {processes['_run']:.4f} s:"
          f" {added:+.1f} ms, x{processes['main'] / processes['_run']:.3f}")  # fmt: skip
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "machine": machine(),
            "source": source_stamp(),
            "loops": loops,
            "imports_ms": imports,
            "whole_s": processes,
        }
        options.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
