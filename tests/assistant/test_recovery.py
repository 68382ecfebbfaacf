"""Recovery per conversation: SessionStart puts this conversation's last export and
latest checkpoint first, never another conversation's work; its output stays under
Claude Code's character cap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import export, place_transcript, reply, session_name
from conftest import git, sess
from test_assistant import context_of, event, pre_compact, run_hook

ALICE = "aaaaaaaa-1111-4222-8333-444455556666"
BOB = "bbbbbbbb-1111-4222-8333-444455556666"
DAY = "2026-03-02"


def conversation_export(repo: Path, slug: str, conversation: str, **more: str) -> Path:
    """An export `git sess new --from-transcript` would write for `conversation`."""
    extra = f"transcript: {conversation}\n" + more.pop("extra", "")
    return export(
        repo, session_name(slug, DAY), slug.title(), date=DAY, status="in-progress", extra=extra
    )


def checkpoint(repo: Path, name: str, conversation: str | None, time: str) -> Path:
    folder = repo / ".sessions" / "checkpoints"
    folder.mkdir(exist_ok=True)
    owner = f"transcript: {conversation}\n" if conversation else ""
    path = folder / name
    path.write_text(f"---\ntitle: x\ntype: checkpoint\n{owner}time: '{time}'\n---\n# x\n")
    return path


def listed(output: dict) -> list[str]:
    return [line for line in context_of(output).splitlines() if line[:1].isdigit()]


def start(repo: Path, session: str, source: str, transcript: Path | None = None, **more) -> dict:
    payload = event(repo, "SessionStart", transcript, source=source, session_id=session, **more)
    return run_hook(repo, "SessionStart", payload)


@pytest.fixture
def two_conversations(sessions: Path) -> Path:
    """Alice's and Bob's conversations in one repository, and a teammate's note
    written later the same day (the newest in progress)."""
    base = export(sessions, session_name("base", "2026-03-01"), "Base", date="2026-03-01")
    conversation_export(sessions, "alice_one", ALICE)
    links = f"continuation_of: session_20260302_alice_one\nprerequisite_sessions: [{base.stem}]\n"
    conversation_export(sessions, "alice_two", ALICE, extra=links)
    conversation_export(sessions, "bob_work", BOB)
    export(sessions, session_name("zz_teammate", DAY), "Teammate", date=DAY, status="in-progress")
    checkpoint(sessions, f"{DAY}_100000_Alice_ccp.md", ALICE, f"{DAY}T10:00:00+00:00")
    checkpoint(sessions, f"{DAY}_110000_Bob_ccp.md", BOB, f"{DAY}T11:00:00+00:00")
    checkpoint(sessions, f"{DAY}_120000_Someone_ccp.md", None, f"{DAY}T12:00:00+00:00")
    return sessions


@pytest.mark.parametrize("source", ["compact", "resume"])
def test_a_conversation_gets_its_own_work_first_and_no_one_elses(
    two_conversations: Path, source: str
) -> None:
    lines = listed(start(two_conversations, ALICE, source))
    assert lines[0].endswith("_alice_two.md (this conversation's last export)"), lines
    assert lines[1].endswith("_Alice_ccp.md (this conversation's latest checkpoint)")
    assert lines[2].endswith("_base.md (prerequisite)")
    assert lines[3].endswith("_alice_one.md (earlier in the chain)")
    assert len(lines) == 4
    text = "\n".join(lines)
    for other in ("bob", "Bob", "teammate", "Someone"):
        assert other not in text


def test_the_other_conversation_gets_its_own_too_and_the_cache_never_mixes_them(
    two_conversations: Path,
) -> None:
    for _ in range(2):  # the second round answers from the caches
        alice = listed(start(two_conversations, ALICE, "compact"))
        bob = listed(start(two_conversations, BOB, "compact"))
        assert alice[0].endswith("_alice_two.md (this conversation's last export)")
        assert bob[0].endswith("_bob_work.md (this conversation's last export)")
        assert bob[1].endswith("_Bob_ccp.md (this conversation's latest checkpoint)")
        assert len(bob) == 2 and "alice" not in "\n".join(bob).lower()


def test_a_conversation_with_a_checkpoint_alone_gets_that_and_not_the_newest_work(
    two_conversations: Path,
) -> None:
    carol = "cccccccc-1111-4222-8333-444455556666"
    checkpoint(two_conversations, f"{DAY}_090000_Carol_ccp.md", carol, f"{DAY}T09:00:00+00:00")
    lines = listed(start(two_conversations, carol, "compact"))
    assert [line.split(". ", 1)[1] for line in lines] == [
        f".sessions/checkpoints/{DAY}_090000_Carol_ccp.md (this conversation's latest checkpoint)"
    ]


def test_a_conversation_with_nothing_gets_the_work_in_progress_as_before(
    two_conversations: Path,
) -> None:
    lines = listed(start(two_conversations, "dddddddd-new", "compact"))
    assert lines[0].endswith("_Someone_ccp.md (latest checkpoint)")  # of any conversation
    assert lines[-1].endswith("_zz_teammate.md (the session in progress)")


def test_startup_and_clear_are_new_conversations(two_conversations: Path) -> None:
    for source in ("startup", "clear"):
        lines = listed(start(two_conversations, ALICE, source))
        assert lines[-1].endswith("_zz_teammate.md (the session in progress)")
        assert "this conversation" not in "\n".join(lines)


def test_a_fork_starts_anew_unless_the_payload_names_its_conversation(
    two_conversations: Path,
) -> None:
    forked = "eeeeeeee-fork"
    lines = listed(start(two_conversations, forked, "fork"))
    assert lines[-1].endswith("_zz_teammate.md (the session in progress)")
    log = sess(two_conversations, "assistant", "log", "-n", "1").out
    assert "fork (forked from a conversation the payload does not name)" in log
    lines = listed(start(two_conversations, forked, "fork", parent_session_id=BOB))
    assert lines[0].endswith("_bob_work.md (this conversation's last export)")
    # The fork's transcript begins with the copy of Bob's conversation: that tells it.
    copied = {**json.loads(reply(40_000, cwd=str(two_conversations))), "sessionId": BOB}
    copy = place_transcript(two_conversations, [json.dumps(copied)], forked)
    lines = listed(start(two_conversations, forked, "fork", copy))
    assert lines[0].endswith("_bob_work.md (this conversation's last export)")


@pytest.mark.parametrize(
    ("payload", "said"),
    [
        ({"source": "rewind"}, "a source git-sess does not know: 'rewind', taken as startup"),
        ({"source": "compact", "session_id": None}, "no session_id"),
        ({"source": "compact", "session_id": 7}, "no session_id"),
    ],
)
def test_a_payload_that_does_not_say_whose_falls_back_and_logs_why(
    two_conversations: Path, payload: dict, said: str
) -> None:
    whole = {**event(two_conversations, "SessionStart", None), **payload}
    out = run_hook(two_conversations, "SessionStart", whole)
    assert listed(out)[-1].endswith("_zz_teammate.md (the session in progress)")
    assert said in sess(two_conversations, "assistant", "log", "-n", "1").out


def test_the_conversation_is_told_from_its_transcript_date_on(sessions: Path) -> None:
    # Exports dated before the conversation began (less a day's margin) are not read.
    transcript = place_transcript(sessions, [reply(1000, cwd=str(sessions))], ALICE)
    export(
        sessions,
        session_name("old", "2025-01-01"),
        "Old",
        date="2025-01-01",
        extra=f"transcript: {ALICE}\n",
    )
    conversation_export(sessions, "alice_now", ALICE)
    lines = listed(start(sessions, ALICE, "compact", transcript))
    assert lines[0].endswith("_alice_now.md (this conversation's last export)")


def test_a_new_checkpoint_lists_this_conversations_work(two_conversations: Path) -> None:
    transcript = place_transcript(two_conversations, [reply(1000, cwd=str(two_conversations))])
    payload = event(two_conversations, "PreCompact", transcript, trigger="auto", session_id=BOB)
    text = pre_compact(two_conversations, payload).read_text()
    assert f"transcript: {BOB}" in text
    assert "2. Read `.sessions/session_20260302_bob_work.md` (this conversation's last export)" in (
        text
    )
    assert "alice" not in text and "teammate" not in text


def test_two_conversations_checkpointing_in_one_second_keep_apart(sessions: Path) -> None:
    fixed = {"GIT_SESS_NOW": "2026-03-02T12:00:00+00:00"}
    written = []
    for session in (ALICE, BOB):
        payload = event(sessions, "PreCompact", None, trigger="auto", session_id=session)
        written.append(pre_compact(sessions, payload, fixed).relative_to(sessions).as_posix())
    assert [Path(p).name for p in written] == [
        "2026-03-02_120000_Before_auto_compaction_ccp.md",
        "2026-03-02_120000_Before_auto_compaction_ccp_2.md",
    ]
    for path, session in zip(written, (ALICE, BOB), strict=True):
        assert f"transcript: {session}" in (sessions / path).read_text()
    bob = listed(start(sessions, BOB, "compact"))
    assert bob == [f"1. {written[1]} (this conversation's latest checkpoint)"]
    alice = listed(start(sessions, ALICE, "compact"))
    assert alice == [f"1. {written[0]} (this conversation's latest checkpoint)"]


def test_recovery_is_manual_unless_asked_for_auto(sessions: Path) -> None:
    payload = event(sessions, "SessionStart", None, source="compact")
    assert "Recovery mode is manual" in context_of(run_hook(sessions, "SessionStart", payload))
    git(sessions, "config", "sess.recoveryMode", "auto")
    assert "Recovery mode is auto" in context_of(run_hook(sessions, "SessionStart", payload))
    manual = {"GITSESS_RECOVERY_MODE": "manual"}
    out = run_hook(sessions, "SessionStart", payload, env=manual)
    assert "Recovery mode is manual" in context_of(out)


def test_injected_context_stays_under_claude_codes_character_cap(sessions: Path) -> None:
    # A sessions directory 1,000 characters deep, of 2-byte characters: counted in
    # bytes, each line would be twice as long as it is in characters.
    directory = "/".join(["ü" * 100] * 10)
    git(sessions, "config", "sess.dir", directory)
    assert sess(sessions, "init", "--no-hooks").code == 0
    previous = ""
    for number in range(14):
        date = f"2026-01-{number + 1:02d}"
        link = f"continuation_of: {previous}\n" if previous else ""
        name = session_name(f"step_{number}", date)
        export(sessions, name, f"Step {number}", date=date, status="in-progress", extra=link,
               directory=directory)  # fmt: skip
        previous = Path(name).stem
    out = run_hook(sessions, "SessionStart", event(sessions, "SessionStart", None))
    injected = context_of(out)
    assert 6000 < len(injected) <= 9000  # characters, with a margin below 10,000
    last = injected.splitlines()[-1]
    assert last.startswith("[") and last.endswith(
        "left out: git sess context --format paths lists them all]"
    )
    assert "step_13.md (the session in progress)" not in injected  # the tail went first
