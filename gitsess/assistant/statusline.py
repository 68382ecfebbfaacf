"""`git sess statusline`: the one line Claude Code shows under its prompt.

Claude Code runs the `statusLine` command of its settings on every redraw and
passes JSON on stdin: `session_id`, `transcript_path`, `cwd`, `model {id,
display_name}`, `workspace {current_dir, project_dir}` and `context_window`
(`context_window_size`, `current_usage {input_tokens,
cache_creation_input_tokens, cache_read_input_tokens, output_tokens}` from the
last reply, `used_percentage`; `total_input_tokens` counts the whole session,
not the context, and is not used). Any of them may be missing.

It prints one line (zone, context left until auto-compaction, time since the
last export), remembers the real window size of the conversation for the hooks
and `git sess status` (`window.py`), and always exits 0: a failing status line
would blank Claude Code's. It is reached without click (`gitsess.cli.run`) and
loads neither GitPython nor Whoosh.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from gitsess.assistant.budget import Budget
from gitsess.core.errors import GitSessError, clip

PREFIX = "git-sess"
EXPORT_CACHE = "statusline-export.json"
EXPORT_TTL = 60.0  # seconds the last export's time is kept without asking git
USAGE_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def main(stdin: Any = None, stdout: Any = None) -> int:
    """Print the status line; exit 0 whatever happens."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    try:
        line = status_line(read_payload(stdin))
    except KeyboardInterrupt:
        line = f"{PREFIX}: interrupted"
    except GitSessError as error:
        line = f"{PREFIX}: {error.message}"
    except Exception as failure:  # noqa: BLE001 - a status line never fails
        line = f"{PREFIX}: no status ({type(failure).__name__})"
    stdout.write(printable(line) + "\n")
    stdout.flush()
    return 0


def printable(text: str, limit: int = 200) -> str:
    """One line, its control characters made visible as everywhere else
    (a model name, a path or a message can quote a transcript's or a
    repository's), cut to `limit` columns but never inside an escape."""
    return clip(text.splitlines()[0] if text.strip() else "", limit, ellipsis="")


def read_payload(stream: Any) -> dict[str, Any]:
    raw = "" if stream.isatty() else stream.read()
    if not raw.strip():
        raise GitSessError("no status (Claude Code passes its status as JSON on stdin)")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise GitSessError("no status (stdin is not JSON)") from None
    if not isinstance(payload, dict):
        raise GitSessError("no status (stdin is not a JSON object)")
    return payload


def _text(mapping: Any, key: str) -> str | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) and value else None


def _count(mapping: Any, key: str) -> int | float | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    if isinstance(value, float) and not math.isfinite(value):  # JSON's 1e400 is inf
        return None
    return value


def window_size(payload: dict[str, Any]) -> int | None:
    size = _count(payload.get("context_window"), "context_window_size")
    return int(size) if size else None


def context_tokens(payload: dict[str, Any], size: int | None) -> int | None:
    """The context now: the last reply's input side, else the used share of the window."""
    window = payload.get("context_window")
    usage = window.get("current_usage") if isinstance(window, dict) else None
    parts = [_count(usage, key) for key in USAGE_KEYS]
    if any(part is not None for part in parts):
        return int(sum(part for part in parts if part is not None))
    used = _count(window, "used_percentage")
    if used is not None and size:
        return round(size * used / 100)
    return None


def status_line(payload: dict[str, Any]) -> str:
    from gitsess.assistant.window import remember, resolve_window
    from gitsess.core.workspace import open_workspace

    where = (
        _text(payload, "cwd")
        or _text(payload.get("workspace"), "current_dir")
        or _text(payload.get("workspace"), "project_dir")
        or os.getcwd()
    )
    workspace = open_workspace(Path(where), problems=[])
    session = _text(payload, "session_id")
    model = _text(payload.get("model"), "id")
    size = window_size(payload)
    state = workspace.repo.state_dir
    if size is not None and session:
        remember(state, session, "statusline", size, model)
    tokens = context_tokens(payload, size)
    tail = None
    if tokens is None:  # before the first reply, or an older Claude Code: the transcript
        tokens, tail = _from_transcript(payload, workspace.repo.root)
    config = workspace.config
    window = resolve_window(
        state,
        config.context_window if config.context_window_set else None,
        session,
        model or (tail.model if tail else None),
        None,
    )
    export = _last_export(workspace)
    if tokens is None:
        return f"{PREFIX}: no reply yet · last export {export}"
    budget = Budget(tokens, window.size)
    return (
        f"{PREFIX}: {budget.zone} · {budget.left:.0%} left until compaction"
        f" ({_short(budget.free)} tokens) · last export {export}"
    )


def _from_transcript(payload: dict[str, Any], root: Path) -> tuple[int | None, Any]:
    from gitsess.assistant.transcript import TranscriptError, read_tail

    raw = _text(payload, "transcript_path")
    path = Path(raw).expanduser() if raw else None
    if path is None or not path.is_file():
        return None, None
    try:
        tail = read_tail(path)
    except TranscriptError:
        return None, None
    return tail.context_tokens, tail


def _last_export(workspace: Any) -> str:
    """How long ago the last export was written. Finding it asks git twice (50 ms
    in a 10,000-session repository), too slow for every redraw: the answer is
    kept in the state directory while the sessions directory and the index are
    unchanged (a new, renamed, staged or committed export changes one of them),
    and at most EXPORT_TTL seconds (an export edited in place changes neither)."""
    from gitsess.assistant.recovery import latest_export
    from gitsess.assistant.status import ago
    from gitsess.core import clock
    from gitsess.core.files import write_atomic

    state = workspace.repo.state_dir
    key = [_mtime_ns(workspace.sessions_path), _mtime_ns(state.parent / "index")]
    cache = state / EXPORT_CACHE
    now = time.time()
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = None
    at = kept.get("at") if isinstance(kept, dict) else None
    if isinstance(at, int | float) and kept.get("key") == key and 0 <= now - at < EXPORT_TTL:
        raw, cut = kept.get("time"), kept.get("cut") is True
    else:
        found = latest_export(workspace)
        raw, cut = (found.time.isoformat(), found.cut) if found else (None, False)
        with contextlib.suppress(OSError):
            state.mkdir(parents=True, exist_ok=True)
            kept = {"key": key, "at": now, "time": raw, "cut": cut}
            write_atomic(cache, json.dumps(kept), durable=False)
    moment = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    # A shallow clone's history is cut there: the export may be older still.
    return ago(moment, clock.now()) + (" or earlier" if cut and moment else "")


def _mtime_ns(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _short(tokens: int) -> str:
    """`13.9K`, `612K`, `980`."""
    if tokens >= 100_000:
        return f"{tokens / 1000:.0f}K"
    if tokens >= 1000:
        return f"{tokens / 1000:.1f}K"
    return str(tokens)
