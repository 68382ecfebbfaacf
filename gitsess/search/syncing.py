"""The search server's index kept in step with its watcher (server.py, watcher.py).

A change the watcher counts is synced at once in the background, and a query
that comes first syncs it itself (under the same lock): what the query sees
holds every change made before it. The files the watcher named are synced
alone (`SearchIndex.sync_paths`: read, hashed and indexed, a few milliseconds
whatever the corpus size); the scan of every export is kept for what the
watcher cannot name (a folder created, moved or removed; a queue overflow),
the first sync, a sync that failed, and an index another writer (a hook, a
reindex) wrote since. Those syncs commit one small segment each and merge
none, so each costs the same; once changes stop for QUIET seconds, the small
segments are merged in the background, so queries do not open ever more.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitsess.core.workspace import Workspace
    from gitsess.search.store import SearchIndex
    from gitsess.search.watcher import Watcher

MERGE_AFTER = 4  # one-document segments; Whoosh's MERGE_SMALL merges from 5 on
QUIET = 1.0  # seconds without a change before they are merged


class IndexSync:
    watcher: Watcher

    def __init__(self, log: Callable[[str], None]):
        self.log = log  # the server's log
        self.lock = threading.Lock()
        self.changed = threading.Event()  # set by the watcher's thread on each change
        self.synced = -1  # the watcher's generation the index was last brought up to date at
        self.token: str | None = None  # of the index's manifest, at that sync
        self.unmerged = 0  # commits since that merged no segment (sync_paths)
        self.notices: list[str] = []  # from background syncs, for the next answer
        self.documents = 0
        self.last_sync: float | None = None
        self._index: SearchIndex | None = None  # kept: it keeps the document list read

    def catch_up(self, workspace: Workspace) -> None:
        """Bring the index up to the watcher's generation; the caller holds the lock.
        The files the watcher named are synced alone while the index is the one this
        server last synced (its manifest's token); every export is scanned instead
        when the watcher could not name them, at the first sync, after a failed one,
        or when another writer wrote the index since."""
        from gitsess.search.store import SearchIndex

        generation, names = self.watcher.take()
        if self._index is None or self._index.workspace is not workspace:
            self._index = SearchIndex(workspace)
        index = self._index
        manifest = index.manifest()
        ours = manifest is not None and manifest.token == self.token
        if generation == self.synced and ours:
            return
        synced, self.synced = self.synced, -1  # until this sync is done: a scan next time
        alone = names is not None and synced >= 0 and ours and index.sync_paths(names)
        if not alone:
            index.bring_up_to_date()
            self.notices += index.notices
            index.notices = []
        manifest = index.manifest()
        token = None if manifest is None else manifest.token
        self.unmerged += alone and token != self.token
        self.token, self.synced, self.last_sync = token, generation, time.time()
        self.documents = len(index.documents(manifest))

    def merge(self) -> None:
        """Merge the one-document segments syncs left (SearchIndex.merge_small)."""
        from gitsess.core.errors import GitSessError

        with self.lock:
            index, self.unmerged = self._index, 0
            manifest = None if index is None else index.manifest()
            if index is None or manifest is None or manifest.token != self.token:
                return  # another writer wrote since: the next sync scans anyway
            try:
                index.merge_small()
            except (GitSessError, OSError) as error:
                self.log(f"merging segments failed: {error}")
            manifest = index.manifest()  # the same documents: still the index synced
            self.token = None if manifest is None else manifest.token

    def forever(self, workspace: Callable[[], Workspace | None]) -> None:
        """The background sync: as soon as anything changes, bring the index up to
        date; once changes stop for QUIET seconds, merge the segments syncs wrote."""
        from gitsess.core.errors import GitSessError

        while True:
            if not self.changed.wait(QUIET if self.unmerged >= MERGE_AFTER else None):
                self.merge()
                continue
            self.changed.clear()
            current = workspace()
            if current is None:
                continue
            with self.lock:
                try:
                    self.catch_up(current)
                except (GitSessError, OSError) as error:
                    self.log(f"background sync failed: {error}")
