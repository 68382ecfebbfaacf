"""Timings of `git sess mcp` on a generated corpus (issue 21).

    .venv/bin/python benchmarks/mcp_roundtrip.py [--sessions 10000] [--repeat 21] [--keep DIR]

Figures, all from one run so the ratios hold on a noisy machine:
- server start: from spawning `git-sess mcp` to the answer to `initialize` (raw
  JSON-RPC on its stdin, read from its stdout), next to `python -c pass`, the
  SDK's import alone (`python -c "import mcp.server.mcpserver"`) and the CPU time of
  the whole start (/usr/bin/time, the server ended by the end of its input);
- `search` round trips measured by the client (the SDK's own stdio client) on a warm
  server, for each query form of search_server.py, after three untimed calls;
  next to `git grep -l -i` for the same thing and `git sess search` as whole
  processes, answered by the resident search server and in-process (no server).
The target (issue 21): every round trip <= 50 ms; the start <= 0.5 s.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# benchmarks/secrets.py would shadow the standard library's `secrets`, which the SDK imports:
# the SDK is imported before this directory goes back on the path.
HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != HERE]
import anyio  # noqa: E402
from mcp import ClientSession, StdioServerParameters, stdio_client  # noqa: E402

sys.path.insert(0, HERE)
from run import compile_package, console_script, corpus, corpus_parser, log, set_up  # noqa: E402
from search_server import QUERIES  # noqa: E402

# A client's first request, as raw JSON-RPC (what the SDK's client sends, less its options)
INITIALIZE = (
    b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion":'
    b' "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}}\n'
)


def start_once(git_sess: str, repo: Path) -> float:
    """Seconds from spawning the server to the answer to `initialize`."""
    started = time.perf_counter()
    server = subprocess.Popen(
        [git_sess, "mcp"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(INITIALIZE)
    server.stdin.flush()
    answer = server.stdout.readline()
    elapsed = time.perf_counter() - started
    assert json.loads(answer)["id"] == 1, answer
    server.stdin.close()
    server.wait(timeout=60)
    return elapsed


def process_once(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - started


def cpu_of_start(git_sess: str, repo: Path) -> str:
    """user + system seconds of a whole server life: start, initialize, end of input."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S", git_sess, "mcp"],
        cwd=repo,
        input=INITIALIZE,
        capture_output=True,
    )
    user, system = done.stderr.decode().split()[-2:]
    return f"{float(user) + float(system):.2f} s"


def median_ms(runs: list[float]) -> str:
    return f"{statistics.median(runs) * 1000:.1f} ms"


async def round_trips(git_sess: str, repo: Path, repeat: int) -> dict[str, list[float]]:
    server = StdioServerParameters(command=git_sess, args=["mcp"], cwd=str(repo))
    found: dict[str, list[float]] = {}
    with open(os.devnull, "w") as quiet:
        async with (
            stdio_client(server, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            for label, words, _ in QUERIES:
                arguments = {"query": " ".join(words)}
                for _ in range(3):  # warm: the index opened, its caches filled
                    result = await session.call_tool("search", arguments)
                    assert not result.is_error, result.content
                runs = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    result = await session.call_tool("search", arguments)
                    runs.append(time.perf_counter() - started)
                assert result.structured_content and result.structured_content["hits"], label
                found[label] = runs
    return found


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time git sess mcp: its start and its search round trips.")
    parser.set_defaults(repeat=21)
    args = parser.parse_args(argv)
    compile_package()
    git_sess = console_script()
    python = sys.executable
    with corpus(args.sessions, args.keep) as repo:
        set_up(repo, git_sess)
        log("bringing the search index up to date (untimed) …")
        subprocess.run([git_sess, "reindex"], cwd=repo, check=True, stdout=subprocess.DEVNULL)
        environ = {"GITSESS_SEARCH_SERVER": "0"}  # the in-process search, never the server's
        os.environ.update(environ)
        log("timing the start …")
        starts, passes, imports = [], [], []
        for _ in range(max(5, args.repeat // 3)):  # alternated: the same load for each
            passes.append(process_once([python, "-c", "pass"], repo))
            imports.append(process_once([python, "-c", "import mcp.server.mcpserver"], repo))
            starts.append(start_once(git_sess, repo))
        cpu = cpu_of_start(git_sess, repo)
        log("timing search round trips …")
        trips = anyio.run(round_trips, git_sess, repo, args.repeat)
        rows = []
        # the resident search server (issue 20) answering `git sess search`: started by a
        # first search, as a user's first search starts it; stopped at the end
        with_server = {k: v for k, v in os.environ.items() if k != "GITSESS_SEARCH_SERVER"}
        process_once([git_sess, "search", "latency"], repo, with_server)
        time.sleep(2)
        for label, words, grep in QUERIES:
            log(f"{label}: round trip median {median_ms(trips[label])}; the baselines …")
            process_once([git_sess, "search", *words], repo)  # untimed, as run.py does
            greps = [process_once(["git", "grep", "-l", "-i", *grep], repo) for _ in range(5)]
            cli = [process_once([git_sess, "search", *words], repo) for _ in range(3)]
            served = [
                process_once([git_sess, "search", *words], repo, with_server) for _ in range(5)
            ]
            rows.append((label, trips[label], greps, cli, served))
        load = os.getloadavg()
        print(
            f"\n{args.sessions:,} sessions; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        print("\n| start | median | ratio to `python -c pass` |\n|---|---|---|")
        print(f"| `python -c pass` | {median_ms(passes)} | 1 |")
        for name, runs in (("import the SDK alone", imports), ("`git sess mcp` start", starts)):
            ratio = statistics.median(runs) / statistics.median(passes)
            print(f"| {name} | {median_ms(runs)} | {ratio:.0f}× |")
        print(f"\nCPU (user + system) of a server's whole life, start to end of input: {cpu}")
        subprocess.run([git_sess, "server", "stop"], cwd=repo, env=with_server, check=False)
        print(
            "\n| query | MCP search round trip (median / max) | `git grep -l -i` | ratio |"
            " `git sess search` served (whole process) | in-process |\n|---|---|---|---|---|---|"
        )
        for label, runs, greps, cli, served in rows:
            ratio = statistics.median(runs) / statistics.median(greps)
            print(
                f"| {label} | {median_ms(runs)} / {max(runs) * 1000:.1f} ms | {median_ms(greps)}"
                f" | {ratio:.2f} | {median_ms(served)} | {median_ms(cli)} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
