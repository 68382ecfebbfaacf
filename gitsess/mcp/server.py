"""`git sess mcp`: the stdio MCP server, the one module that imports the MCP SDK.

Why the official SDK (`mcp`, an optional extra: `pip install 'git-sess[mcp]'`): it
follows the protocol's versions as they come, negotiates the one a client offers,
and owns the stdio transport (a malformed JSON-RPC line is skipped, the standard
descriptors are kept from anything a command or a subprocess prints). This module
only declares the tools and the prompt: what each does is tools.py's, which runs
the git sess command of its name.

A tool error is sent as `CallToolResult(is_error=True)` with the command's own
`git-sess: error: …` and `hint:` lines, verbatim (a raised ToolError would be
prefixed by the SDK).
"""

from __future__ import annotations

import inspect
import threading
from typing import Any, Literal

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.types import CallToolResult, TextContent, ToolAnnotations

from gitsess import __version__
from gitsess.mcp.tools import Answer, Tools

INSTRUCTIONS = """\
git-sess keeps this repository's session notes (exports) in .sessions/: what each \
session set out to do, did, decided, and what comes next. After a context reset, \
call `context` (or use the `resume` prompt) and read what it returns, in order. \
To find past work, call `search` (words, "phrases", OR, -word, title:, tag:, \
status:, type:, date:2025-11). Write with `new`, `checkpoint`, `update`, `link`."""

READING = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITING = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
Kind = Literal["all", "export", "checkpoint"]
REFUSED = -32000  # JSON-RPC's first code for a server's own errors


def _result(answer: Answer) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=answer.text)],
        structured_content=answer.data,
        is_error=answer.error,
    )


def _tool(server: MCPServer, annotations: ToolAnnotations, name: str | None = None) -> Any:
    """Register a tool, its description its docstring without the indentation."""

    def register(function: Any) -> Any:
        description = inspect.cleandoc(function.__doc__ or "")
        return server.tool(
            name=name, description=description, annotations=annotations, structured_output=False
        )(function)

    return register


def build(tools: Tools) -> MCPServer:
    """The server, its writing tools left out when it is read-only at start (and
    refused by tools.py if it becomes read-only later)."""
    server: MCPServer = MCPServer(
        "git-sess", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )

    @_tool(server, READING)
    def search(
        query: str = "",
        tags: list[str] | None = None,
        statuses: list[str] | None = None,
        types: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: Kind = "all",
        limit: int = 10,
    ) -> CallToolResult:
        """Ranked full-text search over the session exports and checkpoints, as
        `git sess search`: all words must match unless OR joins them; "a phrase",
        -word, distil*, title: tag: status: type: id: date:2025-11 or date:A..B.
        tags: all of them; statuses/types: any; since/until: YYYY-MM-DD. Returns
        the best hits first, each with its id, path, metadata and snippets."""
        return _result(
            tools.search(
                query,
                limit,
                kind,
                tag=tags or [],
                status=statuses or [],
                type=types or [],
                since=since,
                until=until,
            )
        )

    @_tool(server, READING)
    def show(session: str, commits: int = 0) -> CallToolResult:
        """One session (id, unique prefix or path): its metadata and text, as
        `git sess show --json`; commits: how many of the commits that carry it."""
        return _result(tools.show(session, commits))

    @_tool(server, READING)
    def context(session: str | None = None, budget: int | None = None) -> CallToolResult:
        """The reading list for picking up a session (default: the newest in
        progress), in order, the texts themselves, within `budget` tokens: what
        to read after a context reset (`git sess context`)."""
        return _result(tools.context(session, budget))

    @_tool(server, READING, name="list")
    def list_(
        tags: list[str] | None = None,
        statuses: list[str] | None = None,
        types: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> CallToolResult:
        """Every session, newest first, with filters (`git sess list --json`)."""
        return _result(
            tools.list_sessions(
                tag=tags or [], status=statuses or [], type=types or [], since=since, until=until
            )
        )

    @_tool(server, READING)
    def status(transcript: str | None = None) -> CallToolResult:
        """Where the assistant's context stands and what to do next (`git sess
        status --json`); transcript: a transcript's path or its session id
        (default: this repository's newest)."""
        return _result(tools.status(transcript))

    @server.prompt(description="The reading list to resume a conversation's work after a reset.")
    def resume(session: str = "", budget: str = "") -> str:
        """`git sess context [SESSION] [--budget BUDGET]`: what to read, in order."""
        answer = tools.context(session or None, int(budget) if budget.isdigit() else None)
        if answer.error:  # a prompt has no error result: a JSON-RPC error, the same text
            raise MCPError(REFUSED, answer.text)
        return answer.text

    if not tools.read_only():
        _writing_tools(server, tools)
    return server


def _writing_tools(server: MCPServer, tools: Tools) -> None:
    @_tool(server, WRITING)
    def new(
        title: str | None = None,
        type: str | None = None,
        status: str | None = None,
        tags: list[str] | None = None,
        requires: list[str] | None = None,
        continues: str | None = None,
        summary: str | None = None,
        from_transcript: str | None = None,
    ) -> CallToolResult:
        """Write a new session export from the template for its type (`git sess
        new`); from_transcript: a transcript's path, session id or "latest", to
        fill it in from the conversation."""
        return _result(
            tools.new(
                title,
                from_transcript,
                type=type,
                status=status,
                tag=tags or [],
                requires=requires or [],
                continues=continues,
                summary=summary,
            )
        )

    @_tool(server, WRITING)
    def checkpoint(
        description: str | None = None, from_transcript: str | None = None
    ) -> CallToolResult:
        """Write a checkpoint to resume from after a context reset (`git sess checkpoint`)."""
        return _result(tools.checkpoint(description, from_transcript))

    @_tool(server, WRITING)
    def update(
        session: str,
        status: str | None = None,
        type: str | None = None,
        title: str | None = None,
        summary: str | None = None,
        add_tags: list[str] | None = None,
        remove_tags: list[str] | None = None,
        requires: list[str] | None = None,
        continues: str | None = None,
        tokens: int | None = None,
        rename: bool = False,
    ) -> CallToolResult:
        """Change a session's metadata in place (`git sess update`)."""
        return _result(
            tools.update(
                session,
                status=status,
                type=type,
                title=title,
                summary=summary,
                add_tag=add_tags or [],
                remove_tag=remove_tags or [],
                requires=requires or [],
                continues=continues,
                tokens=tokens,
                rename=rename,
            )
        )

    @_tool(server, WRITING)
    def link(
        session: str, continues: str | None = None, requires: list[str] | None = None
    ) -> CallToolResult:
        """Link a session to the one it continues or the ones it requires (`git sess link`)."""
        return _result(tools.link(session, continues, requires or []))


def run(tools: Tools) -> None:
    """Serve on stdin and stdout until the client goes away (end of its input, or
    its end of our output closed: not an error, the client is simply gone)."""
    server = build(tools)
    threading.Thread(target=tools.warm, daemon=True).start()
    try:
        anyio.run(server.run_stdio_async)
    except BaseException as error:
        if not _client_gone(error):
            raise
    finally:
        tools.close()  # after the call under way: a write the client asked for lands whole


def _client_gone(error: BaseException) -> bool:
    """Whether `error` (or every error of a group of them) says the client went away."""
    inner = getattr(error, "exceptions", None)
    if inner:
        return all(_client_gone(one) for one in inner)
    return isinstance(
        error,
        (
            BrokenPipeError,
            ConnectionResetError,
            anyio.BrokenResourceError,
            anyio.ClosedResourceError,
        ),
    )
