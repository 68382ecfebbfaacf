"""The client's side of a resident git-sess server's socket (core/resident.py is the
server's): connecting, and logging why a client went without an answer.

Imported by the clients that run before anything else of git-sess (the console
script's search client, the hook stubs' client), so it imports only `os` and
`_socket`, which the interpreter has loaded or built in anyway.
"""

from __future__ import annotations

import _socket
import os

LONGEST_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS


def client_log(path: str, line: str) -> None:
    """One line in a server's log at `path`; never fails."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, f"client {os.getpid()}: {line}\n".encode(errors="replace"))
        finally:
            os.close(descriptor)
    except OSError:
        pass


def connect(path: str, timeout: float) -> _socket.socket:
    """A connection to the server listening at `path`; OSError when there is none."""
    if os.stat(path).st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        if len(os.fsencode(path)) <= LONGEST_SOCKET_PATH:
            sock.connect(path)
        else:  # too long for sun_path: a path relative to the socket's directory
            here = os.open(".", os.O_RDONLY)
            try:
                os.chdir(os.path.dirname(path))
                sock.connect(os.path.basename(path))
            finally:
                os.fchdir(here)
                os.close(here)
    except BaseException:
        sock.close()
        raise
    return sock
