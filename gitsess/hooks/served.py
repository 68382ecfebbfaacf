"""Starting, stopping and asking the repository's hook server (server.py): what the
in-process hook (to start one for the next hook) and `git sess server` need of it,
without the server's own machinery."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from gitsess.core.resident import server_log
from gitsess.core.socketclient import connect
from gitsess.hooks import client


def common_state_dir(state_dir: Path) -> Path:
    """git-sess's folder of the common git directory, from a worktree's own."""
    git_dir = state_dir.parent
    try:
        relative = (git_dir / "commondir").read_text().strip()
    except OSError:
        return state_dir
    return (git_dir / relative).resolve() / state_dir.name


def log(state_dir: Path, line: str) -> None:
    server_log(state_dir / client.LOG_NAME, line)


def start(state_dir: Path, setting: str | None = None) -> bool:
    """Start the repository's server in the background, unless turned off.
    `setting`: `git config sess.hookServer` as the caller read it already ('':
    unset); None: git is asked."""
    if os.environ.get(client.OFF_VARIABLE) == "0":
        return False
    if setting is None:
        done = subprocess.run(
            ["git", "config", "--get", "sess.hookServer"], capture_output=True, text=True
        )
        setting = done.stdout
    if setting.strip().lower() in client.OFF:
        return False
    try:
        subprocess.Popen(
            [sys.executable, "-m", client.MODULE, str(state_dir)],
            cwd=state_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
            env=_server_environment(),
        )
    except OSError as error:
        log(state_dir, f"cannot start the hook server: {error}")
        return False
    return True


def _server_environment() -> dict[str, str]:
    """The hook's environment without what belongs to this one git command (a
    `git -c` of it, its index file): each child gets its client's own anyway."""
    kept = ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM")
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GIT_") or name in kept
    }


def ask(state_dir: Path, command: str) -> bytes | None:
    payload = client.ADMIN + command.encode()
    try:
        sock = connect(str(state_dir / client.SOCKET_NAME), 30.0)
    except ConnectionRefusedError:
        with contextlib.suppress(OSError):
            os.unlink(state_dir / client.SOCKET_NAME)
        return None
    except OSError:
        return None
    try:
        sock.settimeout(30.0)
        sock.sendall(str(len(payload)).encode() + b"\n" + payload)
        chunks = []
        while chunk := sock.recv(1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        sock.close()


def stop(state_dir: Path) -> bool:
    """Ask the server to stop and wait until it has; whether one ran."""
    from gitsess.core.resident import wait_for_lock

    if ask(state_dir, "stop") is None:
        return False
    wait_for_lock(state_dir, client.LOCK_NAME)
    return True


def status(state_dir: Path) -> dict[str, Any] | None:
    import json

    answer = ask(state_dir, "status")
    try:
        found = json.loads(answer) if answer else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None
