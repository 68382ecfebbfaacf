__version__ = "0.1.0"


def run() -> int:
    """The console script's entry point: ^C while the command line is still being
    imported exits 130 like ^C anywhere else, instead of printing a traceback."""
    try:
        from gitsess.cli import main
    except KeyboardInterrupt:
        return 130
    return main()
