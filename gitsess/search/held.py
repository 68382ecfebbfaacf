"""The search index held open by a long-lived process other than the search server.

`git sess mcp` answers searches for as long as the assistant runs; it keeps what the
resident search server keeps (server.py): one `OpenIndex`, a `Watcher` on the sessions
directory and an `IndexSync` that syncs the files the watcher names, in the background
and before each query. `synced_search` is the query both run: its answer holds every
change made before it (the watcher's barrier), never a stale one.

Each holder watches with a cookie directory of its own (`mcp-cookies-<pid>-<n>` under the
worktree's git-sess state directory), so two of them and the search server never
clear each other's cookies; it is removed when the holder closes.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from gitsess.search.opened import OpenIndex
from gitsess.search.syncing import IndexSync
from gitsess.search.watcher import Watcher

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace
    from gitsess.search.query import SearchRequest
    from gitsess.search.results import SearchResult


_numbers = itertools.count(1)


def synced_search(
    watcher: Watcher,
    sync: IndexSync,
    opened: OpenIndex,
    workspace: Workspace,
    request: SearchRequest,
) -> SearchResult:
    """`gitsess.search.search` on an index first brought up to date with every change
    made before the query (the watcher's barrier), skipping the scan of the exports
    when the watcher could name what changed; scanning them when it could not."""
    from gitsess.search.searching import search

    generation = watcher.barrier()
    with sync.lock:
        fresh = None
        if generation is not None:
            sync.catch_up(workspace)  # the files the watcher named, alone
            fresh = sync.token
        result = search(workspace, request, fresh=fresh, opened=opened)
        result.notices = [*sync.notices, *result.notices]
        sync.notices = []
    return result


class HeldIndex:
    """The index of one workspace's sessions directory, open and watched until `close()`."""

    def __init__(self, workspace: Workspace, log: Callable[[str], None]):
        self.workspace = workspace
        self.opened = OpenIndex(resident=True)
        self.sync = IndexSync(log)
        cookies = f"mcp-cookies-{os.getpid()}-{next(_numbers)}"
        self._cookies = workspace.repo.state_dir / cookies
        root = str(workspace.sessions_path)
        state_dir = str(workspace.repo.state_dir)
        self.watcher = Watcher(root, state_dir, self.sync.changed.set, cookies=cookies)
        self.sync.watcher = self.watcher
        self.watcher.start()  # before the first sync: nothing between is missed
        if self.watcher.failed:
            log(f"no watcher: {self.watcher.failed}; scanning at each query")
        current = lambda: self.workspace  # noqa: E731 — the background sync's workspace
        threading.Thread(target=self.sync.forever, args=(current,), daemon=True).start()
        self.sync.changed.set()  # the first sync, in the background

    def serves(self, workspace: Workspace) -> bool:
        """Whether this holder watches `workspace`'s sessions directory (sess.dir may move)."""
        return workspace.sessions_path == self.workspace.sessions_path

    def search(self, workspace: Workspace, request: SearchRequest) -> SearchResult:
        self.workspace = workspace  # the configuration as last read
        return synced_search(self.watcher, self.sync, self.opened, workspace, request)

    def close(self) -> None:
        with self.sync.lock:
            self.opened.close()
        with contextlib.suppress(OSError):
            shutil.rmtree(self._cookies)
