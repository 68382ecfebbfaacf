"""`git sess mcp` end to end: a real server process, driven by the MCP SDK's own stdio
client (and, for what no well-behaved client sends, raw bytes on its stdin)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from builders import SESSION_ID, new, place_transcript, write_session
from conftest import git, sess
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.shared.exceptions import MCPError

WRITING = {"new", "checkpoint", "update", "link"}
READING = {"search", "show", "context", "list", "status"}


@asynccontextmanager
async def client(repo: Path, *args: str) -> AsyncIterator[ClientSession]:
    """A session of the SDK's client with `git sess mcp ARGS` started in `repo`."""
    server = StdioServerParameters(
        command=sys.executable,
        args=["-m", "gitsess", "mcp", *args],
        env=dict(os.environ),
        cwd=str(repo),
    )
    with open(os.devnull, "w") as quiet:  # the server's stderr: nothing the tests read
        async with (
            stdio_client(server, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def drive(repo: Path, script: Callable[[ClientSession], Awaitable[Any]], *args: str) -> Any:
    async def main() -> Any:
        async with client(repo, *args) as session:
            return await script(session)

    return anyio.run(main)


def text(result: Any) -> str:
    assert len(result.content) == 1
    return result.content[0].text


def cli_error(repo: Path, *args: str) -> str:
    """What the command line says on stderr for `git sess ARGS`, which must fail."""
    done = sess(repo, *args)
    assert done.code != 0
    return done.err.rstrip("\n")


def test_every_tool_and_the_prompt(sessions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_SESS_NOW", "2026-03-02T12:00:00Z")  # status says the time
    first = write_session(sessions, "csv_export_fix")
    place_transcript(sessions)

    async def script(session: ClientSession) -> dict[str, Any]:
        said: dict[str, Any] = {}
        said["tools"] = {tool.name for tool in (await session.list_tools()).tools}
        said["search"] = await session.call_tool("search", {"query": "csv export"})
        said["tagged"] = await session.call_tool("search", {"query": "", "tags": ["nope"]})
        said["show"] = await session.call_tool("show", {"session": first})
        said["list"] = await session.call_tool("list", {"statuses": ["in-progress"]})
        said["new"] = await session.call_tool(
            "new", {"title": "Refund webhooks", "tags": ["payments"], "continues": first}
        )
        # never stale: the export written a moment ago is found at once
        said["found"] = await session.call_tool("search", {"query": "refund", "tags": ["payments"]})
        said["drafted"] = await session.call_tool(
            "new", {"title": "From the conversation", "from_transcript": SESSION_ID}
        )
        said["update"] = await session.call_tool(
            "update", {"session": "refund", "status": "complete", "add_tags": ["done"]}
        )
        said["link"] = await session.call_tool("link", {"session": "from_the", "requires": [first]})
        said["checkpoint"] = await session.call_tool("checkpoint", {"description": "halfway"})
        said["context"] = await session.call_tool("context", {"session": "from_the"})
        said["prompt"] = await session.get_prompt("resume", {"session": "from_the"})
        said["status"] = await session.call_tool("status", {"transcript": SESSION_ID})
        return said

    said = drive(sessions, script)
    assert said["tools"] == READING | WRITING
    assert all(
        not result.is_error for key, result in said.items() if key not in ("tools", "prompt")
    )

    hits = said["search"].structured_content
    assert [hit["id"] for hit in hits["hits"]] == [first] and hits["total"] == 1
    assert "csv" in hits["hits"][0]["title"].lower() and hits["hits"][0]["snippets"]
    assert json.loads(text(said["search"])) == hits  # the text is the same JSON
    assert said["tagged"].structured_content["hits"] == []
    assert said["show"].structured_content["session"]["id"] == first
    assert said["show"].structured_content == {
        "session": json.loads(sess(sessions, "show", "--json", "--commits", "0", first).out)
    }
    assert [s["id"] for s in said["list"].structured_content["sessions"]] == [first]
    status = said["status"].structured_content["status"]
    assert status == json.loads(sess(sessions, "status", "--json", "--transcript", SESSION_ID).out)
    found = said["found"].structured_content["hits"]
    assert [hit["title"] for hit in found] == ["Refund webhooks"]

    listed = {s["title"]: s for s in json.loads(sess(sessions, "list", "--json").out)}
    assert listed["Refund webhooks"]["status"] == "complete"
    assert listed["Refund webhooks"]["tags"] == ["payments", "done"]
    assert listed["Refund webhooks"]["continuation_of"] == first
    assert listed["From the conversation"]["prerequisite_sessions"] == [first]
    assert list((sessions / ".sessions" / "checkpoints").glob("*.md"))
    assert sess(sessions, "check").code == 0
    context = sess(sessions, "context", "from_the").out.rstrip("\n")
    assert text(said["context"]) == context
    assert said["prompt"].messages[0].content.text == context


def test_errors_are_the_commands_own_messages(sessions: Path) -> None:
    write_session(sessions, "only_one")

    async def script(session: ClientSession) -> dict[str, Any]:
        return {
            "missing": await session.call_tool("show", {"session": "no_such_session"}),
            "date": await session.call_tool("search", {"query": "x", "since": "2025-13-01"}),
            "unknown": await session.call_tool("rm_rf", {}),
            "types": await session.call_tool("search", {"query": ["not", "a", "string"]}),
            "limit": await session.call_tool("search", {"query": "x", "limit": "many"}),
            "status": await session.call_tool("update", {"session": "only", "status": "nonsense"}),
            "option": await session.call_tool("new", {"title": "--help"}),
        }

    said = drive(sessions, script)
    for key in ("missing", "date", "unknown", "types", "limit", "status"):
        assert said[key].is_error, key
        assert "Traceback" not in text(said[key]), key
    assert text(said["missing"]) == cli_error(sessions, "show", "no_such_session")
    assert text(said["date"]) == cli_error(sessions, "search", "--since", "2025-13-01", "x")
    assert text(said["status"]) == cli_error(sessions, "update", "only", "--status", "nonsense")
    assert text(said["missing"]).startswith("git-sess: error: ")
    assert "\nhint: " in text(said["missing"])
    assert "rm_rf" in text(said["unknown"])
    assert "query" in text(said["types"]) and "limit" in text(said["limit"])
    # a value is never taken for an option: "--help" is a title like any other
    assert not said["option"].is_error
    assert "--help" in {s["title"] for s in json.loads(sess(sessions, "list", "--json").out)}


def test_a_repository_without_a_sessions_directory_says_so(repo: Path) -> None:
    async def script(session: ClientSession) -> list[Any]:
        results = [
            await session.call_tool("search", {"query": "anything"}),
            await session.call_tool("list", {}),
            await session.call_tool("context", {}),
            await session.call_tool("new", {"title": "Nowhere"}),
        ]
        with pytest.raises(MCPError) as refused:  # a prompt answers with a JSON-RPC error
            await session.get_prompt("resume", {})
        return [*results, refused.value.error.message]

    expected = cli_error(repo, "list")
    assert "no sessions directory" in expected
    *results, prompt = drive(repo, script)
    assert prompt == expected
    for result in results:
        assert result.is_error
        assert text(result) == expected
    assert not (repo / ".sessions").exists()


def test_read_only_hides_and_refuses_the_writing_tools(sessions: Path) -> None:
    write_session(sessions, "kept")
    git(sessions, "config", "sess.mcpReadOnly", "true")

    async def listed(session: ClientSession) -> set[str]:
        return {tool.name for tool in (await session.list_tools()).tools}

    assert drive(sessions, listed) == READING
    git(sessions, "config", "sess.mcpReadOnly", "false")
    assert drive(sessions, listed, "--read-only") == READING

    async def switched(session: ClientSession) -> Any:
        assert await listed(session) == READING | WRITING
        git(sessions, "config", "sess.mcpReadOnly", "true")  # while the server runs
        return await session.call_tool("new", {"title": "Refused"})

    before = sorted(os.listdir(sessions / ".sessions"))
    refused = drive(sessions, switched)
    assert refused.is_error
    assert text(refused).startswith("git-sess: error: new: this MCP server is read-only")
    assert "\nhint: git config sess.mcpReadOnly false" in text(refused)
    assert sorted(os.listdir(sessions / ".sessions")) == before


# --- what no well-behaved client sends ------------------------------------------------

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def line(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode() + b"\n"


def call(number: int, tool: str, arguments: dict[str, Any]) -> bytes:
    params = {"name": tool, "arguments": arguments}
    return line({"jsonrpc": "2.0", "id": number, "method": "tools/call", "params": params})


def raw_server(repo: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitsess", "mcp"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def answers_until(server: subprocess.Popen[bytes], last: int) -> dict[Any, Any]:
    """The server's messages by id, read until the answer to request `last`; every
    line it writes must be JSON-RPC."""
    assert server.stdout is not None
    answers: dict[Any, Any] = {}
    while last not in answers:
        raw = server.stdout.readline()
        assert raw, "the server ended before answering"
        message = json.loads(raw)
        answers[message.get("id")] = message
    return answers


def test_malformed_json_rpc_is_skipped_and_the_server_keeps_serving(sessions: Path) -> None:
    write_session(sessions, "still_here")
    server = raw_server(sessions)
    assert server.stdin is not None and server.stderr is not None
    garbage = [
        b"\xff\xfe\x00 not utf-8\n",
        b"{not json at all\n",
        b"[]\n",
        b'{"jsonrpc": "2.0"}\n',
        b'{"jsonrpc": "2.0", "id": 7, "method": 42}\n',
        b"\n",
    ]
    stdin = b"".join([line(INITIALIZE), *garbage[:3], line(INITIALIZED), *garbage[3:]])
    server.stdin.write(stdin + call(2, "list", {}))
    server.stdin.flush()
    answers = answers_until(server, 2)
    server.stdin.close()  # end of input: the server ends, cleanly
    assert server.wait(timeout=120) == 0
    assert answers[1]["result"]["serverInfo"]["name"] == "git-sess"
    listed = answers[2]["result"]["structuredContent"]["sessions"]
    assert [s["title"] for s in listed] == ["Still here"]
    assert b"Traceback" not in server.stderr.read()


def test_a_client_that_disconnects_mid_call_leaves_nothing_broken(sessions: Path) -> None:
    server = raw_server(sessions)
    assert server.stdin is not None and server.stdout is not None and server.stderr is not None
    server.stdin.write(line(INITIALIZE) + line(INITIALIZED))
    server.stdin.flush()
    answers_until(server, 1)
    server.stdin.write(call(2, "new", {"title": "Written as the client left"}))
    server.stdin.flush()
    server.stdin.close()  # gone before the answer is read, its end of our output closed
    server.stdout.close()
    assert server.wait(timeout=120) == 0
    assert b"Traceback" not in server.stderr.read()
    # The call was cancelled before it began, or it ran to its end: never half a write.
    listed = json.loads(sess(sessions, "list", "--json").out)
    assert [s["title"] for s in listed] in ([], ["Written as the client left"])
    assert sess(sessions, "check").code == 0
    leftovers = [name for name in os.listdir(sessions / ".sessions") if not name.endswith(".md")]
    assert leftovers == [] or leftovers == ["checkpoints"], leftovers


def test_two_servers_writing_at_once(sessions: Path) -> None:
    new(sessions, "Before both")
    count = 6

    async def writer(label: str, found: dict[str, Any]) -> None:
        async with client(sessions) as session:
            await session.call_tool("search", {"query": "before"})  # the index held open
            for number in range(count):
                result = await session.call_tool("new", {"title": f"{label} {number} wrote"})
                assert not result.is_error, text(result)
            found[label] = await session.call_tool("search", {"query": "wrote", "limit": 50})

    async def main() -> dict[str, Any]:
        found: dict[str, Any] = {}
        async with anyio.create_task_group() as group:
            group.start_soon(writer, "alpha", found)
            group.start_soon(writer, "beta", found)
        return found

    found = anyio.run(main)
    titles = {f"{label} {n} wrote" for label in ("alpha", "beta") for n in range(count)}
    listed = {s["title"] for s in json.loads(sess(sessions, "list", "--json").out)}
    assert listed == titles | {"Before both"}
    assert sess(sessions, "check").code == 0
    # each server's index holds its own writes and the other's, once each
    for label in ("alpha", "beta"):
        own = {hit["title"] for hit in found[label].structured_content["hits"]}
        assert {t for t in titles if t.startswith(label)} <= own
    searched = json.loads(sess(sessions, "search", "wrote", "--json", "--limit", "50").out)
    assert sorted(hit["title"] for hit in searched) == sorted(titles)


@pytest.mark.parametrize("missing", ["mcp", "anyio"])
def test_without_the_sdk_it_says_how_to_install_it(
    sessions: Path, tmp_path: Path, missing: str
) -> None:
    # As in an installation without the extra: the module cannot be imported.
    hider = tmp_path / "hider"
    hider.mkdir()
    (hider / "sitecustomize.py").write_text(f"import sys\nsys.modules[{missing!r}] = None\n")
    done = sess(sessions, "mcp", env={"PYTHONPATH": str(hider)})
    assert done.code == 1
    assert done.err.splitlines() == [
        f"git-sess: error: git sess mcp needs the MCP Python SDK, which is not installed"
        f" (no module {missing})",
        "hint: pip install 'git-sess[mcp]' (the MCP SDK, an optional extra)",
    ]
    assert done.out == ""
