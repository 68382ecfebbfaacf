"""The command line (click): parse, call one core function, print.

`run` is the console script's entry point. It imports nothing heavy itself:
Claude Code's hooks (`git-sess hook claude EVENT`, on every prompt) and its
status line (`git-sess statusline`, on every redraw) skip click.
"""

from __future__ import annotations

import sys

from gitsess.core.errors import ExitCode, exit_with


def run() -> int:
    """The console script's entry point: ^C while the command line is still being
    imported exits 130 like ^C anywhere else, instead of printing a traceback."""
    if sys.argv[1:3] == ["hook", "claude"]:
        # Claude Code runs this on every prompt: skip loading the command line.
        from gitsess.assistant.claude_hooks import main as run_assistant_hook

        return run_assistant_hook(sys.argv[3:])
    if sys.argv[1:] == ["statusline"]:
        # Claude Code runs this on every redraw of its status line: the same.
        from gitsess.assistant.statusline import main as run_statusline

        return run_statusline()
    try:
        from gitsess.cli.app import main
    except KeyboardInterrupt:
        return exit_with(ExitCode.INTERRUPTED)
    return main()
