"""^C while Whoosh's writer processes run (gitsess.search.backend's parallel build)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any


class Interrupts:
    """SIGINT (^C) while writer processes run.

    ^C reaches the whole foreground process group: the writer processes
    inherit this handler, which does nothing there (this process ends them).
    Here it raises KeyboardInterrupt, except while Whoosh starts a writer
    process or the job queue's feeder thread (the first batches): an exception
    there leaves a process no Process object knows, so none can end it, or a
    feeder thread that multiprocessing joins at exit without ever telling it to
    stop, a hang (issue 15). There the interrupt waits until the call returns.
    Only the main thread gets signals: a build in another (a server's sync, an
    MCP tool) leaves the handler as it is.
    """

    def __init__(self) -> None:
        self.parent = os.getpid()
        self.holding = False
        self.pending = False
        self.ignored = False
        self.previous: Any = None

    def __enter__(self) -> Interrupts:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._interrupted)
        return self

    def __exit__(self, *exc_info: object) -> None:
        import signal

        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    def _interrupted(self, signum: int, frame: Any) -> None:
        if os.getpid() != self.parent or self.ignored:
            return
        if self.holding:
            self.pending = True
            return
        self.ignored = True
        raise KeyboardInterrupt

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.pending and not self.ignored:
            self.ignored = True
            raise KeyboardInterrupt
