"""The command line (click): parse, call one core function, print.

`run` is the console script's entry point. It imports nothing heavy itself:
Claude Code's hooks (`git-sess hook claude EVENT`, on every prompt) and its
status line (`git-sess statusline`, on every redraw) skip click, and so does a
`git sess search` that the resident search server answers.
"""

from __future__ import annotations

import sys


def run() -> int:
    """The console script's entry point: ^C while the command line is still being
    imported exits 130 like ^C anywhere else, instead of printing a traceback."""
    if sys.argv[1:2] == ["search"]:
        # The resident search server answers, when there is one (gitsess.search.client):
        # this process then imports nothing more than the client.
        from gitsess.search.client import fast_path

        code = fast_path(sys.argv[1:])
        if code is not None:
            return code
    if sys.argv[1:3] == ["hook", "claude"]:
        # Claude Code runs this on every prompt: skip loading the command line.
        from gitsess.assistant.claude_hooks import main as run_assistant_hook

        return run_assistant_hook(sys.argv[3:])
    if sys.argv[1:3] == ["hook", "codex"]:  # Codex's hooks: the same, in Codex's shapes
        from gitsess.assistant.codex_hooks import main as run_codex_hook

        return run_codex_hook(sys.argv[3:])
    if sys.argv[1:] == ["statusline"]:
        # Claude Code runs this on every redraw of its status line: the same.
        from gitsess.assistant.statusline import main as run_statusline

        return run_statusline()
    from gitsess.core.errors import ExitCode, exit_with

    try:
        from gitsess.cli.app import main
    except KeyboardInterrupt:
        return exit_with(ExitCode.INTERRUPTED)
    return main()


def main(argv: list[str]) -> int:
    """`git sess ARGV` run in this process, its exit code returned: what the search
    server runs for each client (never the fast path: that would ask itself)."""
    from gitsess.cli.app import main as run_command_line

    return run_command_line(argv)
