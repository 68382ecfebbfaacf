"""Watching the sessions directory for the search server: the one module that imports watchdog.

Why watchdog: it is the maintained, cross-platform file-system watcher for Python
(inotify on Linux, FSEvents on macOS, kqueue on the BSDs, ReadDirectoryChangesW on
Windows), with wheels for every platform, and on Linux it reads one shared inotify
descriptor in one thread, so events reach their callbacks in the order the kernel
queued them.

That order is what makes an answer never stale. An edit queues its events before the
client even connects; at each query the server creates a *cookie* file in a directory
of its own, watched through the same descriptor (the way `git fsmonitor--daemon`
does), and waits until the cookie's event arrives: by then every event queued before
it has been counted. The count (`generation`) is what the server compares with the
generation its index was last brought up to date at.

Where that order cannot be had (another platform's watcher: no shared, ordered queue;
the inotify watch limit reached; a queue overflow; the sessions directory removed or
moved), the watcher says why in `failed` and the server scans the files at each query,
as an in-process search does.
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

COOKIE_DIR = "server-cookies"
COOKIE_TIMEOUT = 2.0  # seconds; an event takes microseconds: past this, scan instead
WATCHED = (
    "IN_MODIFY",
    "IN_ATTRIB",
    "IN_CLOSE_WRITE",
    "IN_MOVED_FROM",
    "IN_MOVED_TO",
    "IN_CREATE",
    "IN_DELETE",
    "IN_DELETE_SELF",
    "IN_MOVE_SELF",
    "IN_DONT_FOLLOW",
)


class Watcher:
    """Counts changes under `root` (recursively); `barrier()` waits until every change
    made before it is counted. Call `changed` on each change (from the watcher's thread)."""

    def __init__(
        self, root: str, state_dir: str, changed: Callable[[], None], cookies: str = COOKIE_DIR
    ):
        self.root = root
        # One directory per watching process: each clears its own at start.
        self.cookies = os.path.join(state_dir, cookies)
        self.changed = changed
        self.generation = 0
        # The files changed since the last take(), as paths under root; None when
        # only a scan can tell what changed (a folder created, moved or removed).
        self._names: set[str] | None = set()
        self.failed: str | None = None  # why there is no watching: the server scans instead
        self._condition = threading.Condition()
        self._cookie_seen = 0
        self._cookie_numbers = itertools.count(1)
        self._fd: Any = None
        self._constants: Any = None
        self._paths: dict[int, str] = {}  # watch descriptor -> directory
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        return f"stat scan ({self.failed})" if self.failed else "inotify (watchdog)"

    def start(self) -> None:
        if not sys.platform.startswith("linux"):
            self.failed = "no ordered watcher on this platform"
            return
        try:
            from watchdog.observers.inotify_c import InotifyConstants, InotifyFD
        except Exception as error:  # not installed, or no inotify in this libc
            self.failed = f"watchdog unavailable: {error}"
            return
        self._constants = InotifyConstants
        remote = _network_file_system(self.root)
        if remote:
            self.failed = f"a network file system ({remote}): changes from elsewhere go unseen"
            return
        try:
            self._fd = InotifyFD.get_instance()
            os.makedirs(self.cookies, exist_ok=True)
            for name in os.listdir(self.cookies):  # a previous server's
                os.unlink(os.path.join(self.cookies, name))
            self._add(self.cookies, _Cookies(self))
            self._watch_tree(self.root)
        except OSError as error:
            self.failed = _why(error)

    def _watch_tree(self, top: str) -> None:
        """Watch `top` and every folder under it, never through a symbolic link."""
        for directory, subdirectories, _ in os.walk(top):
            self._add(directory, _Sessions(self))
            subdirectories[:] = [
                name for name in subdirectories if not os.path.islink(os.path.join(directory, name))
            ]

    def _mask(self) -> int:
        mask = 0
        for name in WATCHED:
            mask |= getattr(self._constants, name)
        return mask

    def _add(self, directory: str, callback: Any) -> None:
        wd = self._fd.add_callback(os.fsencode(directory), self._mask(), callback, id(callback))
        with self._lock:
            self._paths[wd] = directory

    # called by watchdog's thread, in the kernel's order

    def saw_change(self, event: Any) -> None:
        with self._condition:
            self.generation += 1
            self._note(event)
        if event.is_create and event.is_directory or event.is_moved_to and event.is_directory:
            with self._lock:
                parent = self._paths.get(event.wd)
            if parent is not None:
                new = os.path.join(parent, os.fsdecode(event.name))
                try:
                    self._watch_tree(new)
                except OSError as error:
                    self.fail(_why(error))
        if (event.is_delete_self or event.is_move_self) and self._path_of(event.wd) == self.root:
            self.fail("the sessions directory was removed or moved")
        self.changed()

    def _note(self, event: Any) -> None:
        """Keep the name of the file `event` is about (the caller holds the condition)."""
        parent = self._path_of(event.wd)
        if self._names is None:
            return
        if event.is_directory or not event.name or parent is None:
            self._names = None  # a folder's events: what is in it only a scan can tell
            return
        path = os.path.join(parent, os.fsdecode(event.name))
        self._names.add(os.path.relpath(path, self.root))

    def saw_cookie(self, name: bytes) -> None:
        try:
            number = int(name.decode("ascii"))
        except ValueError:
            return
        with self._condition:
            self._cookie_seen = max(self._cookie_seen, number)
            self._condition.notify_all()

    def forget(self, wd: int) -> None:
        with self._lock:
            self._paths.pop(wd, None)

    def fail(self, reason: str) -> None:
        with self._condition:
            if not self.failed:
                self.failed = reason
            self.generation += 1
            self._names = None
            self._condition.notify_all()
        self.changed()

    def _path_of(self, wd: int) -> str | None:
        with self._lock:
            return self._paths.get(wd)

    # called by the server's thread

    def take(self) -> tuple[int, list[str] | None]:
        """The generation, and the files changed since the last call (paths under
        root, in order), or None for them when only a scan can tell."""
        with self._condition:
            names = None if self._names is None else sorted(self._names)
            self._names = set()
            return self.generation, names

    def barrier(self) -> int | None:
        """The generation once every change made before this call is counted; None
        when that cannot be known (no watching, or the cookie did not come back)."""
        if self.failed:
            return None
        number = next(self._cookie_numbers)
        path = os.path.join(self.cookies, str(number))
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.unlink(path)
        except OSError:
            return None
        with self._condition:
            if not self._condition.wait_for(
                lambda: self._cookie_seen >= number or self.failed is not None, COOKIE_TIMEOUT
            ):
                return None
            return None if self.failed else self.generation


class _Sessions:
    """A watchdog callback for one directory under the sessions directory."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher

    def on_event(self, event: Any) -> None:
        if event.is_ignored:
            return
        self.watcher.saw_change(event)

    def on_watch_deleted(self, wd: int) -> None:
        self.watcher.forget(wd)

    def on_queue_overflow(self) -> None:
        self.watcher.fail("the inotify queue overflowed")

    def on_events_lost(self) -> None:
        self.watcher.fail("the inotify queue overflowed")


class _Cookies(_Sessions):
    """The callback for the server's cookie directory."""

    def on_event(self, event: Any) -> None:
        if event.is_create:
            self.watcher.saw_cookie(event.name)


NETWORK = (
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "lustre",
    "fuse.sshfs",
    "fuse.rclone",
    "davfs",
    "fuse.s3fs",
    "virtiofs",
)


def _network_file_system(path: str) -> str | None:
    """The type of the network file system holding `path` (Linux), else None."""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as handle:
            mounts = [line.split() for line in handle]
    except OSError:
        return None
    real = os.path.realpath(path)
    best, kind = "", ""
    for fields in mounts:
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind if kind in NETWORK else None


def _why(error: OSError) -> str:
    import errno

    if error.errno == errno.ENOSPC:
        return "the inotify watch limit is reached (fs.inotify.max_user_watches)"
    if error.errno == errno.EMFILE:
        return "the inotify instance limit is reached (fs.inotify.max_user_instances)"
    return f"cannot watch: {error.strerror or error}"
