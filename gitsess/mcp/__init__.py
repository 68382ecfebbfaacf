"""`git sess mcp`: git-sess's tools for any assistant that speaks MCP (stdio).

`server` is the one module that imports the MCP SDK (an optional extra,
`pip install 'git-sess[mcp]'`); `tools` runs the git sess command behind each
tool. Nothing here is imported by any other command: the SDK costs seconds to
import, and only `git sess mcp` pays for it.
"""

from __future__ import annotations

from gitsess.core.errors import GitSessError

INSTALL_HINT = "pip install 'git-sess[mcp]' (the MCP SDK, an optional extra)"


def serve(read_only: bool = False) -> None:
    """Serve MCP on stdin and stdout until the client goes away."""
    try:
        from gitsess.mcp.server import run
    except ModuleNotFoundError as missing:  # the SDK, or a library it needs
        library = (missing.name or "gitsess").partition(".")[0]
        if library == "gitsess":
            raise
        raise GitSessError(
            f"git sess mcp needs the MCP Python SDK, which is not installed (no module {library})",
            INSTALL_HINT,
        ) from None
    from gitsess.mcp.tools import Tools

    run(Tools(read_only=read_only, log=_log))


def _log(line: str) -> None:
    """On the process's own stderr: never into the output of a command a tool runs
    (which has sys.stderr for its own while it runs, and the index's sync may log)."""
    import sys

    stream = sys.__stderr__
    if stream is not None:
        stream.write(f"git-sess mcp: {line}\n")
        stream.flush()
