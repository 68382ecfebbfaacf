__version__ = "0.1.0"


def run() -> int:
    """The console script's entry point: ^C while the command line is still being
    imported exits 130 like ^C anywhere else, instead of printing a traceback."""
    import sys

    if sys.argv[1:3] == ["hook", "claude"]:
        # Claude Code runs this on every prompt: skip loading the command line.
        from gitsess.assistant import main as run_assistant_hook

        return run_assistant_hook(sys.argv[3:])
    try:
        from gitsess.cli import main
    except KeyboardInterrupt:
        return 130
    return main()
