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
  processes, answered by the resident search server and in-process (no server);
- two cold forms beside them, so that nothing the server keeps between queries can
  stand in for speed: a word of the corpus the server has not been asked before,
  at each call, and two such words together (COLD_FORMS).
The target (issue 21): every round trip <= 50 ms; the start <= 0.5 s.

`--against VENV CORPUS`: instead, the round trips of this checkout's server and of
another's (VENV: its virtual environment, CORPUS: its own copy of the corpus, as its
index is its code's), call by call in turn, each form in one run, with each server's
CPU time per call (its /proc stat): before and after a change, under the same load.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
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


COLD_FORMS = ("cold word", "cold two words")
WORD = re.compile(rb"\b[a-z]{5,}\b")


def cold_words(repo: Path, count: int) -> list[str]:
    """`count` words of the corpus, none of the warm forms', in between 5 and 60 % of a
    sample of its exports (words a user could well ask about), most frequent first."""
    exports = sorted((repo / ".sessions").glob("session_*.md"))[::25]
    frequency: dict[bytes, int] = {}
    for path in exports:
        for word in set(WORD.findall(path.read_bytes().lower())):
            frequency[word] = frequency.get(word, 0) + 1
    used = {word.encode() for _, words, _ in QUERIES for word in words}
    low, high = len(exports) * 0.05, len(exports) * 0.6
    fitting = [w for w, n in frequency.items() if low <= n <= high and w not in used]
    fitting.sort(key=lambda word: (-frequency[word], word))
    if len(fitting) < count:
        raise SystemExit(f"mcp_roundtrip.py: {len(fitting)} words for {count} cold queries")
    return [word.decode() for word in fitting[:count]]


def forms(repo: Path, calls: int) -> list[tuple[str, list[str]]]:
    """Each form and the query of each of its `calls` calls: the warm forms ask the
    same query each time; the cold ones, words never asked before in that server."""
    words = iter(cold_words(repo, calls * 3))
    found = [(label, [" ".join(query)] * calls) for label, query, _ in QUERIES]
    found.append((COLD_FORMS[0], [next(words) for _ in range(calls)]))
    found.append((COLD_FORMS[1], [f"{next(words)} {next(words)}" for _ in range(calls)]))
    return found


def server_pid(venv: Path) -> int:
    """The `git sess mcp` child of this process started from `venv`."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == os.getpid() and str(venv).encode() in b" ".join(argv) and b"mcp" in argv:
            return int(entry)
    raise SystemExit(f"mcp_roundtrip.py: no server of {venv} found")


def cpu_seconds(pid: int) -> float:
    """Time process `pid` has spent on a CPU so far, all its threads (the scheduler's
    nanoseconds: /proc/PID/stat counts in 10 ms ticks)."""
    spent = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with contextlib.suppress(OSError):  # a thread that just ended
            spent += int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
    return spent / 1e9


async def round_trips(git_sess: str, repo: Path, repeat: int) -> dict[str, list[float]]:
    server = StdioServerParameters(command=git_sess, args=["mcp"], cwd=str(repo))
    found: dict[str, list[float]] = {}
    with open(os.devnull, "w") as quiet:
        async with (
            stdio_client(server, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            for label, queries in forms(repo, repeat + 3):
                for query in queries[:3]:  # warm: the index opened, its caches filled
                    result = await session.call_tool("search", {"query": query})
                    assert not result.is_error, result.content
                runs = []
                for query in queries[3:]:
                    started = time.perf_counter()
                    result = await session.call_tool("search", {"query": query})
                    runs.append(time.perf_counter() - started)
                assert result.structured_content and result.structured_content["hits"], label
                found[label] = runs
    return found


async def paired_round_trips(
    servers: list[tuple[Path, Path]], repeat: int
) -> list[dict[str, tuple[list[float], list[float]]]]:
    """For each server (its venv, its corpus): each form's round trips and server CPU
    per call, the servers called in turn, call by call."""
    from contextlib import AsyncExitStack

    found: list[dict[str, tuple[list[float], list[float]]]] = [{} for _ in servers]
    with open(os.devnull, "w") as quiet:
        async with AsyncExitStack() as stack:
            sessions = []
            for venv, repo in servers:
                command = StdioServerParameters(
                    command=str(venv / "bin" / "git-sess"), args=["mcp"], cwd=str(repo)
                )
                read, write = await stack.enter_async_context(stdio_client(command, errlog=quiet))
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                sessions.append((session, server_pid(venv)))
            for label, queries in forms(servers[0][1], repeat + 3):
                for number, query in enumerate(queries):
                    for which, (session, pid) in enumerate(sessions):
                        cpu = cpu_seconds(pid)
                        started = time.perf_counter()
                        result = await session.call_tool("search", {"query": query})
                        wall = time.perf_counter() - started
                        assert not result.is_error, result.content
                        if number >= 3:  # the first three: untimed
                            walls, cpus = found[which].setdefault(label, ([], []))
                            walls.append(wall)
                            cpus.append(cpu_seconds(pid) - cpu)
    return found


def compare(venv: Path, base: Path, base_repo: Path, repo: Path, repeat: int) -> None:
    """`--against`: this checkout's server and another's, call by call in turn."""
    git_sess = str(venv / "bin" / "git-sess")
    subprocess.run(
        [str(base / "bin" / "python"), "-m", "compileall", "-q", str(base.parent / "gitsess")],
        check=False,
        stdout=subprocess.DEVNULL,
    )
    for python_env, corpus_repo in ((venv, repo), (base, base_repo)):
        log(f"bringing the search index of {corpus_repo} up to date (untimed) …")
        command = [str(python_env / "bin" / "git-sess"), "reindex"]
        subprocess.run(command, cwd=corpus_repo, check=True, stdout=subprocess.DEVNULL)
    log("timing search round trips, the two servers in turn …")
    after, before = anyio.run(paired_round_trips, [(venv, repo), (base, base_repo)], repeat)
    load = os.getloadavg()
    print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {git_sess} against {base}")
    print(
        "\n| query | round trip before (median / max) | after | after ÷ before"
        " | server CPU per call before | after |\n|---|---|---|---|---|---|"
    )
    for label, (walls, cpus) in after.items():
        old_walls, old_cpus = before[label]
        ratio = statistics.median(walls) / statistics.median(old_walls)
        print(
            f"| {label} | {median_ms(old_walls)} / {max(old_walls) * 1000:.1f} ms"
            f" | {median_ms(walls)} / {max(walls) * 1000:.1f} ms | {ratio:.2f}"
            f" | {median_ms(old_cpus)} | {median_ms(cpus)} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = corpus_parser("Time git sess mcp: its start and its search round trips.")
    parser.set_defaults(repeat=21)
    parser.add_argument(
        "--against", nargs=2, type=Path, metavar=("VENV", "CORPUS"), help="see the docstring"
    )
    args = parser.parse_args(argv)
    compile_package()
    git_sess = console_script()
    python = sys.executable
    with corpus(args.sessions, args.keep) as repo:
        set_up(repo, git_sess)
        if args.against:
            base, base_repo = (path.resolve() for path in args.against)
            compare(Path(sys.prefix), base, base_repo, repo.resolve(), args.repeat)
            return 0
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
        for label in COLD_FORMS:
            log(f"{label}: round trip median {median_ms(trips[label])}")
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
        for label in COLD_FORMS:  # no baseline of its own: new words at each call
            runs = trips[label]
            print(f"| {label} | {median_ms(runs)} / {max(runs) * 1000:.1f} ms | | | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
