"""Claude Code's hooks (DESIGN.md §5): `git sess hook claude <Event>`.

Each reads the event's JSON on stdin and prints JSON on stdout, but PreCompact,
which prints nothing (SILENT: what it would say, the next hook says, through
hook_state.py). Whatever goes wrong inside, it exits 0 with valid JSON: a hook
that fails would put an error in front of the user on every prompt. What each
run did goes to a bounded log under the git directory (`git sess assistant log`).

This module is on the path of every prompt, so it imports neither click nor
GitPython; the console script reaches `main` without loading the command line.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitsess.assistant import hook_state
from gitsess.assistant.budget import WARNING_ZONES, Budget
from gitsess.assistant.hook_event import Event, Outcome, sent_by_codex
from gitsess.assistant.hook_log import append_log
from gitsess.assistant.hook_output import output_json, read_payload
from gitsess.assistant.locating import first_value
from gitsess.assistant.transcript import Scan, Tail, read_start, scan_for, tail_for
from gitsess.assistant.window import budget_for
from gitsess.core import clock
from gitsess.core.config import RECOVERY_MODES
from gitsess.core.errors import ExitCode, GitSessError, quote_path
from gitsess.core.workspace import Workspace, open_workspace

if TYPE_CHECKING:
    from gitsess.assistant.recovery import Artifact, Conversation

EVENTS = ("SessionStart", "PreCompact", "PostCompact", "UserPromptSubmit", "SessionEnd")
# SessionStart's `source`s: a new conversation, or one going on (DESIGN.md §5).
NEW_SOURCES = ("startup", "clear")
GOING_ON_SOURCES = ("resume", "compact", "fork")
# Claude Code replaces injected context over 10,000 characters by a 2 KB preview.
MAX_CONTEXT_CHARS = 9000
MAX_LISTED = 12


Adapter = Callable[[Event], Event]
Shaper = Callable[[str, dict[str, Any]], "dict[str, Any] | None"]
# What Claude Code does not show: PreCompact's output is appended to the
# instructions of the compaction (Claude Code 2.1.337), so it prints nothing.
SILENT = ("PreCompact",)


# --- the entry point ------------------------------------------------------------------


def main(argv: list[str], assistant: str = "claude") -> int:
    """`git sess hook claude EVENT`: always exit 0 and print one JSON object, or
    nothing where the event's output would not be shown. Codex's events (`hook
    codex`, or Codex running the plugin's hooks) are adapted and answered in the
    shapes Codex accepts (codex_shapes.py)."""
    name = argv[0] if argv else ""
    outcome, workspace, payload = Outcome(), None, {}
    error = None
    problems: list[GitSessError] = []  # settings that cannot be used: defaults taken
    try:
        payload = read_payload(sys.stdin)
    except Exception as failure:  # noqa: BLE001 - still log it, under the cwd's repository
        error = _described(failure)
    adapt, shape, silent = _assistant(assistant == "codex" or sent_by_codex(payload))
    try:
        workspace = open_workspace(Path(_text(payload, "cwd") or os.getcwd()), problems)
        if error is None:
            event = Event(name, payload)
            outcome = handle(workspace, adapt(event) if adapt else event, dry_run=False)
    except KeyboardInterrupt:
        error = "interrupted"
    except Exception as failure:  # noqa: BLE001 - the one exit point of every assistant hook
        error = error or _described(failure)
    if problems:
        outcome.warn(
            *(f"{p.message}: a safe default is used until it is fixed ({p.hint})" for p in problems)
        )
    output = None
    if name not in silent:
        if workspace is not None:
            _earlier(workspace, name, payload, outcome)
        output = shape(name, outcome.output) if shape else outcome.output
    elif workspace is not None:  # said by the next hook that may speak
        _later(workspace, payload, outcome)
    if output is not None:
        sys.stdout.write(output_json(output) + "\n")
    if workspace is not None:
        _log(workspace, name, outcome, error)
    # Not through `exit_with`: a Claude Code hook exits 0 with nothing on stderr
    # whatever happened (DESIGN.md §5); what went wrong is in `git sess assistant log`.
    return ExitCode.OK


def _assistant(codex: bool) -> tuple[Adapter | None, Shaper | None, tuple[str, ...]]:
    """How the event is adapted, the output shaped, and which events print nothing."""
    if not codex:
        return None, None, SILENT
    from gitsess.assistant.codex_shapes import SILENT as CODEX_SILENT
    from gitsess.assistant.codex_shapes import adapted, shaped

    return adapted, shaped, CODEX_SILENT


def _later(workspace: Workspace, payload: dict[str, Any], outcome: Outcome) -> None:
    """What a hook that prints nothing had to tell the user, kept for the next one."""
    try:
        hook_state.defer(workspace, _session(payload), [*outcome.notices, *outcome.warnings])
    except Exception as failure:  # noqa: BLE001 - the hook's own work is done: logged
        outcome.warnings.append(f"not kept for the next hook: {_described(failure)}")


def _earlier(workspace: Workspace, name: str, payload: dict[str, Any], outcome: Outcome) -> None:
    """What earlier hooks could not say, said first; a new conversation's start says
    what conversations that ended left too."""
    every = name == "SessionStart" and _text(payload, "source") in NEW_SOURCES
    try:
        outcome.tell(*hook_state.take(workspace, _session(payload), every=every), first=True)
    except Exception as failure:  # noqa: BLE001 - this hook's own output still goes out
        outcome.warnings.append(f"what earlier hooks left not read: {_described(failure)}")


def _session(payload: dict[str, Any]) -> str:
    return _text(payload, "session_id") or "?"


def _described(failure: BaseException) -> str:
    if isinstance(failure, GitSessError):
        return failure.message
    return f"{type(failure).__name__}: {failure}"


def _text(payload: dict[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) and value else None


def handle(workspace: Workspace, event: Event, *, dry_run: bool) -> Outcome:
    """Run one event's handler; `dry_run` writes nothing (`git sess assistant test`)."""
    handlers: dict[str, Callable[[Workspace, Event, bool], Outcome]] = {
        "SessionStart": _session_start,
        "PreCompact": _pre_compact,
        "PostCompact": _post_compact,
        "UserPromptSubmit": _user_prompt,
        "SessionEnd": _session_end,
    }
    handler = handlers.get(event.name)
    if handler is None:
        raise GitSessError(f"no hook for event {event.name!r}; git sess knows {', '.join(EVENTS)}")
    return handler(workspace, event, dry_run)


# --- the events -----------------------------------------------------------------------


def _session_start(workspace: Workspace, event: Event, dry_run: bool) -> Outcome:
    from gitsess.assistant.recovery import recovery_order

    conversation, how = _recovering(event)
    artifacts = recovery_order(workspace, conversation)
    compacted = event.get("source") == "compact"
    warnings: list[str] = []
    try:
        budget, tail = _budget(workspace, event)
    except GitSessError as error:  # the reading list matters more than the figure
        (budget, tail), warnings = (None, None), [error.message]
    if compacted and not dry_run:
        # the context is small again: the zones are due again
        hook_state.forget_warnings(workspace, event.get("session_id") or "?")
    if compacted:
        lines = [_compaction_line(tail)]
    else:
        lines = [
            f"git-sess: this repository keeps session notes in {workspace.config.sessions_dir}/."
        ]
    if artifacts:
        lines.append("Read these first, in this order:" if not compacted else "Read, in order:")
        lines += _listed(artifacts)
    else:
        lines.append("No session is in progress and there is no checkpoint to resume from.")
    if compacted:
        mode, problem = recovery_mode(workspace)
        lines.append(_recovery_instruction(mode, bool(artifacts)))
        warnings += [problem] if problem else []
    if budget is not None:
        lines.append(f"Context: {budget.tokens:,} tokens, {budget.summary()} (zone {budget.zone}).")
    outcome = Outcome(
        output=_context_output("SessionStart", "\n".join(lines)),
        did=f"{event.get('source') or 'start'}{how}: named {len(artifacts)} file(s) to read",
    )
    outcome.warn(*warnings)
    return outcome


def _recovering(event: Event) -> tuple[Conversation | None, str]:
    """The conversation whose work comes first, and what the log says of it.

    A compaction or a resume goes on with `session_id`'s own conversation. A fork
    is a new conversation holding a copy of another: Claude Code's payload does
    not name that one (2.1.214 and later say only `source: fork`), so it is read
    from `parent_session_id` if a payload ever carries it, else from the copy
    itself (the first records of the fork's transcript are the other
    conversation's, with its session id); failing both, a fork starts as a new
    conversation would.
    """
    from gitsess.assistant.recovery import Conversation

    source, session = event.get("source"), event.get("session_id")
    if source == "fork":
        session = event.get("parent_session_id") or _copied_from(event)
        if session is None:
            return None, " (forked from a conversation the payload does not name)"
    elif source not in GOING_ON_SOURCES:
        unknown = source is not None and source not in NEW_SOURCES
        return None, f" (a source git-sess does not know: {source!r}, taken as startup)" * unknown
    if session is None:
        return None, " (no session_id: this conversation's notes cannot be told apart)"
    return Conversation(session, _started(event)), ""


def _copied_from(event: Event) -> str | None:
    """The conversation a fork's transcript begins with, when it is another one."""
    path = event.transcript
    if path is None or not path.is_file():
        return None
    first = first_value(path, "sessionId")
    return first if first and first != event.get("session_id") else None


def _started(event: Event) -> dt.date | None:
    """The day the conversation began, from its transcript's first record."""
    path = event.transcript
    if path is None or not path.is_file():
        return None
    try:
        start = read_start(path)
    except GitSessError:
        return None
    return start.astimezone().date() if start else None


def _listed(artifacts: list[Artifact]) -> list[str]:
    """One numbered line each; past MAX_LISTED, the oldest of a long reading
    list are left out: the checkpoint and the session in progress never are."""
    numbered: list[tuple[int, Artifact | None]] = list(enumerate(artifacts, 1))
    left_out = len(numbered) - MAX_LISTED
    if left_out > 0:
        first = next(
            n
            for n, a in numbered
            if a is not None and a.role in ("prerequisite", "chain", "target")
        )
        kept = numbered[: first - 1] + numbered[first - 1 + left_out :]
        numbered = kept[: first - 1] + [(0, None)] + kept[first - 1 :]
    return [
        f"{n}. {quote_path(a.path)} ({a.label})"
        if a is not None
        else f"({left_out} earlier in the list left out: git sess context --format paths)"
        for n, a in numbered
    ]


def _compaction_line(tail: Tail | None) -> str:
    line = "git-sess: the context was just compacted"
    if tail is not None and tail.compaction_trigger:
        line += f" ({tail.compaction_trigger}"
        line += f", from {tail.compaction_peak:,} tokens)" if tail.compaction_peak else ")"
    return line + ". Only a summary of the earlier conversation is left."


def recovery_mode(workspace: Workspace) -> tuple[str, str | None]:
    """GITSESS_RECOVERY_MODE, else `git config sess.recoveryMode`, else manual; and
    what is wrong with the variable, which is then taken as the cautious mode."""
    raw = os.environ.get("GITSESS_RECOVERY_MODE", "")
    if not raw.strip():
        return workspace.config.recovery_mode, None
    if raw.strip().lower() in RECOVERY_MODES:
        return raw.strip().lower(), None
    return "manual", f"GITSESS_RECOVERY_MODE is {raw!r}, not auto or manual: recovering as manual"


def _recovery_instruction(mode: str, listed: bool) -> str:
    read = "read them, then" if listed else "there is nothing written to read, so from the summary"
    if mode == "manual":
        return (
            f"Recovery mode is manual: {read} report to the user what the work is,"
            " where it stands and what the next actions are, and wait for the user's"
            " go-ahead before changing anything."
        )
    where = (
        "where they leave it (the session's Next Steps, the checkpoint's Current Objectives"
        " and Technical State)"
        if listed
        else "where the summary leaves it"
    )
    return f"Recovery mode is auto: {read} continue the work {where}."


def _pre_compact(workspace: Workspace, event: Event, dry_run: bool) -> Outcome:
    from gitsess.assistant.checkpoints import CheckpointRequest, checkpoint_name, write_checkpoint

    trigger = event.get("trigger") or "auto"
    description = f"Before {trigger} compaction"
    scan = _scan(workspace, event)
    if dry_run:
        name = checkpoint_name(clock.now(), description)
        return Outcome(did=f"would write checkpoints/{name}")
    request = CheckpointRequest(
        description=description,
        scan=scan,
        trigger=trigger,
        conversation=event.get("session_id"),
        since=_started(event),
    )
    path = write_checkpoint(workspace, request)
    shown = workspace.relative(path)
    # Printed nothing (SILENT): the next hook that may speak says where it is.
    return Outcome(
        did=f"wrote {shown}",
        wrote=shown,
        notices=[f"checkpoint written before compaction: {shown}"],
    )


def _post_compact(workspace: Workspace, event: Event, dry_run: bool) -> Outcome:
    """Claude's own summary of the compaction, kept in this conversation's
    checkpoint. (PostCompact cannot add to the context: it prints nothing.)"""
    from gitsess.assistant.checkpoints import keep_compaction_summary
    from gitsess.assistant.recovery import Conversation

    summary, session = event.payload.get("compact_summary"), event.get("session_id")
    trigger = event.get("trigger") or "auto"
    if not isinstance(summary, str) or not summary.strip():
        return Outcome(did="nothing (the event holds no compact_summary)")
    if session is None:
        return Outcome(did="nothing (no session_id: whose checkpoint could not be told)")
    if dry_run:
        return Outcome(did=f"would keep {event.author}'s summary in this conversation's checkpoint")
    conversation = Conversation(session, _started(event))
    path, new = keep_compaction_summary(workspace, conversation, summary, trigger, event.author)
    shown = workspace.relative(path)
    return Outcome(
        did=f"kept {event.author}'s summary in {shown}" + (" (a new checkpoint)" if new else ""),
        wrote=shown,
    )


def _user_prompt(workspace: Workspace, event: Event, dry_run: bool) -> Outcome:
    budget, tail = _budget(workspace, event)
    session = event.get("session_id") or "?"
    if budget is None or budget.zone not in WARNING_ZONES:
        if budget is not None and not dry_run:
            hook_state.forget_warnings(workspace, session)  # compacted: the warnings are due again
        return Outcome(did=f"silent ({budget.zone if budget else 'no context figure'})")
    from gitsess.assistant.recovery import latest_checkpoint
    from gitsess.assistant.status import knowing_saves

    assert tail is not None  # a budget is only ever read from a tail
    # this conversation's checkpoint settles its warning, not another one's
    start, checkpoint = read_start(tail.path), latest_checkpoint(workspace, event.get("session_id"))
    budget = knowing_saves(workspace, budget, tail, start, checkpoint)
    if budget.settled:
        return Outcome(did=f"silent ({budget.zone}: {budget.advice})")
    if not dry_run and not hook_state.first_warning(workspace, session, budget.zone):
        return Outcome(did=f"silent ({budget.zone}, already warned)")
    text = f"git-sess: {budget.summary()} (zone {budget.zone}); before answering, {budget.advice}."
    return Outcome(output=_context_output("UserPromptSubmit", text), did=f"warned ({budget.zone})")


def _session_end(workspace: Workspace, event: Event, dry_run: bool) -> Outcome:
    if not workspace.config.checkpoint_on_end:
        return Outcome(did="nothing (git config sess.checkpointOnEnd is off)")
    from gitsess.assistant.checkpoints import CheckpointRequest, write_checkpoint

    if dry_run:
        return Outcome(did="would write a checkpoint")
    reason = event.get("reason") or "end"
    request = CheckpointRequest(description=f"Session {reason}", scan=_scan(workspace, event))
    shown = workspace.relative(write_checkpoint(workspace, request))
    return Outcome(did=f"wrote {shown}", wrote=shown)


# --- facts the events need ------------------------------------------------------------


def _budget(workspace: Workspace, event: Event) -> tuple[Budget | None, Tail | None]:
    path = event.transcript
    if path is None or not path.is_file():
        return None, None
    tail = tail_for(workspace.repo.root, str(path))
    return budget_for(workspace, tail, event.get("session_id")), tail


def _scan(workspace: Workspace, event: Event) -> Scan | None:
    path = event.transcript
    if path is None or not path.is_file():
        return None
    return scan_for(workspace.repo.root, str(path))


def _context_output(event: str, text: str) -> dict[str, Any]:
    bounded = _bounded(text)
    return {"hookSpecificOutput": {"hookEventName": event, "additionalContext": bounded}}


def _bounded(text: str, limit: int = MAX_CONTEXT_CHARS) -> str:
    """`text` cut at a line to at most `limit` characters (Python counts
    characters, as Claude Code's cap does), saying how much was left out."""
    if len(text) <= limit:
        return text
    lines = text.split("\n")
    kept: list[str] = []
    used = 0
    for line in lines:
        # The last line says what was left out: room for it is kept.
        if used + len(line) + 1 > limit - 100:
            break
        kept.append(line)
        used += len(line) + 1
    if not kept:  # one line longer than the limit: cut within it
        kept, used = [lines[0][: limit - 100]], limit - 100
    left = len(lines) - len(kept)
    note = f"[{left} more line(s), {len(text) - used:,} characters, left out:"
    return "\n".join([*kept, note + " git sess context --format paths lists them all]"])


# --- the log --------------------------------------------------------------------------


def _log(workspace: Workspace, event: str, outcome: Outcome, error: str | None) -> None:
    specific = outcome.output.get("hookSpecificOutput")
    injected = specific.get("additionalContext") if isinstance(specific, dict) else None
    entry = {
        "time": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "event": event,
        "did": outcome.did if error is None else "failed",
        "injected": injected or outcome.output.get("systemMessage"),
        "wrote": outcome.wrote,
        "warnings": outcome.warnings or None,
        "error": error,
    }
    append_log(workspace, entry)


# --- `git sess assistant test` --------------------------------------------------------


def rehearse(workspace: Workspace, transcript: Path) -> list[tuple[str, Outcome]]:
    """Each hook run on this transcript as Claude Code would, writing nothing."""
    tail = tail_for(workspace.repo.root, str(transcript))
    base = {
        "session_id": tail.session_id or transcript.stem,
        "transcript_path": str(transcript),
        "cwd": str(workspace.repo.root),
    }
    events = [
        Event("SessionStart", {**base, "hook_event_name": "SessionStart", "source": "startup"}),
        Event("SessionStart", {**base, "hook_event_name": "SessionStart", "source": "compact"}),
        Event("PreCompact", {**base, "hook_event_name": "PreCompact", "trigger": "auto"}),
        Event(
            "PostCompact",
            {**base, "hook_event_name": "PostCompact", "trigger": "auto", "compact_summary": "…"},
        ),
        Event("UserPromptSubmit", {**base, "hook_event_name": "UserPromptSubmit", "prompt": ""}),
        Event("SessionEnd", {**base, "hook_event_name": "SessionEnd", "reason": "exit"}),
    ]
    results = []
    for event in events:
        label = event.name + (f" ({event.get('source')})" if event.get("source") else "")
        results.append((label, handle(workspace, event, dry_run=True)))
    return results
