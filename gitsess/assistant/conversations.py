"""Which conversation a command means, of Claude Code's or of Codex's.

A path names its file, whichever assistant wrote it (the readers tell them
apart by their lines). A session id is looked for among both assistants'
files: ids are UUIDs, so it names one unless it is a short prefix of two.
With neither, the conversation is the newest written of this repository's:
the newest Claude Code transcript or the newest Codex rollout, whichever was
written last. A hook never needs this choice: its event names its own file.
"""

from __future__ import annotations

from pathlib import Path

from gitsess.assistant.codex_config import codex_home
from gitsess.assistant.codex_locating import find_rollout
from gitsess.assistant.codex_rollout import (
    CompressedRollout,
    is_rollout,
    meta_facts,
    refuse_compressed,
    session_meta,
)
from gitsess.assistant.locating import find_transcript, first_value, modified_time, names_a_file
from gitsess.assistant.records import TranscriptError


def find_conversation(root: Path, ref: str | None) -> Path:
    """The transcript or rollout `ref` names: a path, a session id (or a unique
    prefix of one), or `latest`/None for this work tree's newest of either."""
    if names_a_file(ref):
        return find_transcript(root, ref)
    found: list[Path] = []
    errors: list[TranscriptError] = []
    for finder in (find_transcript, find_rollout):
        try:
            found.append(finder(root, ref))
        except TranscriptError as error:
            errors.append(error)
    if ref and ref != "latest" and len(found) > 1:
        raise TranscriptError(
            f"more than one conversation with session id {ref!r}: {found[0]} and {found[1]}",
            "give the whole session id, or the file's path",
        )
    if found:
        return max(found, key=modified_time)
    return _nothing(errors, ref)


def _nothing(errors: list[TranscriptError], ref: str | None) -> Path:
    """Neither assistant's: Claude Code's message, which names where it looked,
    and Codex's folder beside it; a short id that names two files, or a
    compressed rollout, as it is."""
    ambiguous = next((e for e in errors if e.message.startswith("more than one")), None)
    ambiguous = ambiguous or next((e for e in errors if isinstance(e, CompressedRollout)), None)
    if ambiguous is not None:
        raise ambiguous
    first = errors[0]
    where = codex_home() / "sessions"
    hint = "run Claude Code or Codex here first, or name a transcript by its path"
    raise TranscriptError(
        f"{first.message}, nor a Codex rollout in {where}", first.hint if ref else hint
    )


def conversation_id(path: Path) -> str | None:
    """The session id a transcript or rollout names itself by."""
    if is_rollout(path):
        return meta_facts(session_meta(path))["session_id"]
    return first_value(path, "sessionId")


def find_rollout_named(root: Path, ref: str | None) -> Path:
    """The Codex rollout `ref` names (a path, a session id, a short one), or this
    repository's newest: a file that is not a rollout is refused."""
    if not names_a_file(ref):
        return find_rollout(root, ref)
    path = find_transcript(root, ref)
    refuse_compressed(path)
    if not is_rollout(path):
        raise TranscriptError(
            f"{path} is not a Codex rollout",
            "name a rollout-*.jsonl file under ~/.codex/sessions/, or leave --codex out",
        )
    return path
