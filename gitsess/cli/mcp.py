"""`git sess mcp`: the MCP server (gitsess.mcp), on stdin and stdout."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--read-only",
    is_flag=True,
    help="Offer no writing tool (as git config sess.mcpReadOnly true does).",
)
def mcp(read_only: bool) -> None:
    """Serve git-sess's tools to an assistant over MCP (stdio).

    Tools: search, show, context, list, status, and the writing tools new,
    checkpoint, update and link (left out with --read-only or git config
    sess.mcpReadOnly true); a prompt, resume, gives the reading list after a
    context reset. Each tool runs the git sess command of its name in this
    repository: the same checks, locks and messages. Needs the optional MCP
    SDK: pip install 'git-sess[mcp]'. Register it with an assistant through
    git sess assistant install --mcp.

    \b
    Example (what an assistant runs; you rarely do):
      git sess mcp
    """
    from gitsess.mcp import serve

    serve(read_only)


COMMANDS = (mcp,)
