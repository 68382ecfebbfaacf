"""`python -m gitsess …`: Claude Code's settings call `python -m gitsess hook claude EVENT`."""

from gitsess.cli import run

raise SystemExit(run())
