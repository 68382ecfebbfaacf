"""What `git sess mcp`'s tools do, without the SDK: each runs the git sess command of its name.

A tool call becomes the command line a user would type (every value as one
`--option=value` argument, the positional ones after `--`, so no value is ever taken
for an option), run in this process by `gitsess.cli.main` with its output captured.
So a tool parses and validates as the command does, takes the same locks, writes
through the same atomic writes, and fails with the command's own
`git-sess: error: …` and `hint:` lines: nothing here decides what a command decides.
A command that prints JSON (`--json`) gives the tool's structured content as well.

`search` runs the `search` command too, but answered as the resident search server
answers it (gitsess.search.answering_as): against the index this process holds
open and watched (gitsess.search.held), brought up to date before each query.

The commands share this process's standard streams and working directory, so calls
run one at a time; the SDK runs each in a worker thread of its own.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gitsess.core.errors import GitSessError, error_text, safe_json

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace
    from gitsess.search import HeldIndex, SearchRequest, SearchResult

WRITING = ("new", "checkpoint", "update", "link")
READ_ONLY_KEY = "sess.mcpReadOnly"


@dataclass(frozen=True)
class Answer:
    """A tool's answer: the text, the structured content (a JSON object), an error."""

    text: str
    data: dict[str, Any] | None = None
    error: bool = False


def options(**values: Any) -> list[str]:
    """`--name=value` for each value given (a list: once per item; True: the flag alone)."""
    argv: list[str] = []
    for name, value in values.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            argv.append(flag)
        elif isinstance(value, (list, tuple)):
            argv += [f"{flag}={item}" for item in value]
        else:
            argv.append(f"{flag}={value}")
    return argv


class Tools:
    """The tools of one server process, its held index and its read-only switch."""

    def __init__(self, read_only: bool = False, log: Callable[[str], None] | None = None):
        self.forced_read_only = read_only  # `git sess mcp --read-only`
        self.log = log or (lambda line: None)
        self.lock = threading.Lock()  # one command at a time: they share sys.stdout
        self._held: HeldIndex | None = None
        self._found: SearchResult | None = None
        self._workspace: Workspace | None = None
        self._config_key: tuple[Any, ...] | None = None

    # --- the switch

    def read_only(self) -> bool:
        """`--read-only`, or `git config sess.mcpReadOnly true`, read anew at each call.
        A configuration that cannot be read is not taken for either: the command
        run next fails on it with its own message (a value of sess.mcpReadOnly that
        is no boolean included: every command refuses it)."""
        if self.forced_read_only:
            return True
        from gitsess.core.workspace import open_workspace

        try:
            return open_workspace().config.mcp_read_only
        except GitSessError:
            return False

    # --- the tools

    def search(self, query: str, limit: int, kind: str, **filters: Any) -> Answer:
        argv = ["search", "--json", *options(limit=limit, kind=kind, **filters)]
        if query:
            argv += ["--", query]
        with self.lock:
            self._found = None
            from gitsess.search import answering_as

            with answering_as(_Resident(self)):
                code, out, err = self._run(argv)
            found, self._found = self._found, None
        if found is None:  # the command refused before it searched
            return self._answer(code, out, err)
        data = {
            "query": query,
            "total": found.total,
            "hits": [hit.public() for hit in found.hits],
            "suggestion": found.suggestion,
            "notices": found.notices,
        }
        return Answer(_json(data), data)

    def show(self, session: str, commits: int) -> Answer:
        return self.command(["show", "--json", *options(commits=commits), "--", session], "session")

    def context(self, session: str | None, budget: int | None) -> Answer:
        argv = ["context", *options(budget=budget)]
        return self.command([*argv, "--", session] if session else argv)

    def list_sessions(self, **filters: Any) -> Answer:
        return self.command(["list", "--json", *options(**filters)], "sessions")

    def status(self, transcript: str | None) -> Answer:
        return self.command(["status", "--json", *options(transcript=transcript)], "status")

    def new(self, title: str | None, from_transcript: str | None, **values: Any) -> Answer:
        argv = ["new", *options(from_transcript=from_transcript, **values)]
        return self.write([*argv, "--", title] if title else argv)

    def checkpoint(self, description: str | None, from_transcript: str | None) -> Answer:
        argv = ["checkpoint", *options(from_transcript=from_transcript)]
        return self.write([*argv, "--", description] if description else argv)

    def update(self, session: str, **values: Any) -> Answer:
        return self.write(["update", *options(**values), "--", session])

    def link(self, session: str, continues: str | None, requires: list[str]) -> Answer:
        return self.write(["link", *options(continues=continues, requires=requires), "--", session])

    # --- running a command

    def write(self, argv: list[str]) -> Answer:
        if self.read_only():
            why = "--read-only" if self.forced_read_only else f"git config {READ_ONLY_KEY} is true"
            return Answer(
                error_text(
                    f"{argv[0]}: this MCP server is read-only ({why})",
                    f"git config {READ_ONLY_KEY} false, then restart the MCP server",
                ),
                error=True,
            )
        return self.command(argv)

    def command(self, argv: list[str], key: str | None = None) -> Answer:
        with self.lock:
            code, out, err = self._run(argv)
        return self._answer(code, out, err, key)

    def _answer(self, code: int, out: str, err: str, key: str | None = None) -> Answer:
        if code != 0:
            return Answer((err or out).rstrip("\n"), error=True)
        data = None
        if key is not None:
            data = {key: json.loads(out)}
            out = _json(data)
        return Answer((out + err).rstrip("\n"), data)

    def _run(self, argv: list[str]) -> tuple[int, str, str]:
        """`git sess ARGV` in this process: its exit code, stdout and stderr."""
        from gitsess.cli import main

        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdin, sys.stdout, sys.stderr, sys.argv
        # stdin is the MCP client's: no command may read it
        sys.stdin, sys.stdout, sys.stderr = io.StringIO(), out, err
        sys.argv = ["git-sess", *argv]
        try:
            code = main(argv)
        finally:
            sys.stdin, sys.stdout, sys.stderr, sys.argv = saved
        return int(code), out.getvalue(), err.getvalue()

    # --- what the `search` command asks of a resident server (_Resident)

    def workspace(self) -> Workspace:
        """This repository's workspace, kept while git's configuration files stay as
        they were (as the search server keeps it): no git process per search."""
        from gitsess.core.config import load_config
        from gitsess.core.repo import discover
        from gitsess.core.resident import config_key
        from gitsess.core.workspace import Workspace

        repo = self._workspace.repo if self._workspace else discover()
        key = config_key(repo.state_dir.parent)
        if self._workspace is None or key != self._config_key:
            self._workspace = Workspace(repo=repo, config=load_config(repo.config()))
            self._config_key = key
        workspace = self._workspace
        if workspace.journal_path.exists():  # an interrupted import: finished first
            from gitsess.core.journal import finish_pending

            said = finish_pending(workspace)
            if said:
                sys.stderr.write(said + "\n")
        return workspace

    def held_search(self, workspace: Workspace, request: SearchRequest) -> SearchResult:
        from gitsess.search import hold_index

        held = self._held
        if held is not None and not held.serves(workspace):
            held.close()  # `git config sess.dir` moved the sessions: watch the new one
            held = None
        if held is None:
            workspace.catalog()  # no sessions directory: said as every command says it
            held = self._held = hold_index(workspace, self.log)
        self._found = held.search(workspace, request)
        return self._found

    def warm(self) -> None:
        """Open and watch the index now (the server calls this in a thread of its own,
        once it runs), so that the first search finds it synced; quiet when it cannot."""
        from gitsess.search import hold_index

        with self.lock:
            try:
                workspace = self.workspace()
                if self._held is None and workspace.sessions_path.is_dir():
                    self._held = hold_index(workspace, self.log)
            except GitSessError:
                pass  # not a repository, a bad setting: every tool call says it anyway
            except OSError as error:  # the first search tries again
                self.log(f"the search index is opened at the first search: {error}")

    def close(self) -> None:
        with self.lock:  # a call under way finishes first: its write lands whole
            if self._held is not None:
                self._held.close()
                self._held = None


class _Resident:
    """What the `search` command asks of the resident search server, answered by `tools`."""

    def __init__(self, tools: Tools):
        self.tools = tools

    def workspace(self) -> Workspace:
        return self.tools.workspace()

    def search(self, workspace: Workspace, request: SearchRequest) -> SearchResult:
        return self.tools.held_search(workspace, request)


def _json(data: Any) -> str:
    return safe_json(json.dumps(data, indent=2, ensure_ascii=False))
