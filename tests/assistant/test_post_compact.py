"""PostCompact: Claude's own summary of a compaction kept in this conversation's
checkpoint, so that the reading list after the compaction holds it."""

from __future__ import annotations

from pathlib import Path

from builders import place_transcript, reply
from conftest import sess, snapshot
from test_assistant import context_of, event, run_hook
from test_assistant import pre_compact as run_pre_compact

ALICE = "aaaaaaaa-1111-4222-8333-444455556666"
BOB = "bbbbbbbb-1111-4222-8333-444455556666"
SUMMARY = "1. Primary Request:\n## Refactor the loader\n---\nNext: run the tests \x1b[31mnow\x1b[0m"
NOW = {"GIT_SESS_NOW": "2026-03-02T12:00:00+00:00"}
LATER = {"GIT_SESS_NOW": "2026-03-02T12:05:00+00:00"}


def post_compact(repo: Path, session: str, env: dict, **more: object) -> dict:
    payload = {
        **event(repo, "PostCompact", None, trigger="auto", session_id=session),
        "compact_summary": SUMMARY,
        **more,
    }
    return run_hook(repo, "PostCompact", payload, env=env)


def pre_compact(repo: Path, session: str, env: dict) -> Path:
    payload = event(repo, "PreCompact", None, trigger="auto", session_id=session)
    return run_pre_compact(repo, payload, env)


def test_the_summary_goes_into_the_checkpoint_written_before_the_compaction(
    sessions: Path,
) -> None:
    alice = pre_compact(sessions, ALICE, NOW)
    bob = pre_compact(sessions, BOB, NOW)  # another conversation, the same second
    before = bob.read_text()
    # It cannot add to the context; it tells the user what PreCompact could not say.
    shown = f"git-sess: checkpoint written before compaction: .sessions/checkpoints/{alice.name}"
    assert post_compact(sessions, ALICE, LATER) == {"systemMessage": shown}
    text = alice.read_text()
    assert "## Claude's summary of the compaction" in text
    assert "> ## Refactor the loader\n> ---\n" in text  # quoted: the checkpoint keeps its shape
    assert "\x1b" not in text and "\\x1b[31mnow" in text
    assert bob.read_text() == before
    assert len(list(alice.parent.iterdir())) == 2
    log = sess(sessions, "assistant", "log", "-n", "1").out
    assert f"kept Claude's summary in .sessions/checkpoints/{alice.name}" in log
    # The reading list after the compaction names it first.
    payload = event(sessions, "SessionStart", None, source="compact", session_id=ALICE)
    lines = context_of(run_hook(sessions, "SessionStart", payload)).splitlines()
    assert (
        lines[2] == f"1. .sessions/checkpoints/{alice.name} (this conversation's latest checkpoint)"
    )


def test_without_a_checkpoint_of_this_compaction_a_new_one_holds_the_summary(
    sessions: Path,
) -> None:
    old = pre_compact(sessions, ALICE, {"GIT_SESS_NOW": "2026-03-01T12:00:00+00:00"})
    before = old.read_text()
    post_compact(sessions, ALICE, LATER)  # the day after: not this compaction's
    assert old.read_text() == before
    new = old.parent / "2026-03-02_120500_After_auto_compaction_ccp.md"
    text = new.read_text()
    assert f"transcript: {ALICE}" in text and "trigger: auto" in text
    assert "## Claude's summary of the compaction" in text
    # A second compaction's summary does not go into the first's checkpoint either.
    post_compact(sessions, ALICE, {"GIT_SESS_NOW": "2026-03-02T12:06:00+00:00"})
    assert new.read_text() == text
    assert (old.parent / "2026-03-02_120600_After_auto_compaction_ccp.md").is_file()


def test_a_checkpoint_written_by_hand_is_not_taken_for_the_compactions(sessions: Path) -> None:
    line = reply(1000, cwd=str(sessions)).replace('"sessionId": "s"', f'"sessionId": "{ALICE}"')
    transcript = place_transcript(sessions, [line], ALICE)
    assert sess(sessions, "checkpoint", "--from-transcript", env=NOW).code == 0
    hand = next((sessions / ".sessions" / "checkpoints").iterdir())
    assert f"transcript: {ALICE}" in hand.read_text()  # this conversation's, by hand
    post_compact(sessions, ALICE, LATER, transcript_path=str(transcript))
    names = sorted(p.name for p in (sessions / ".sessions" / "checkpoints").iterdir())
    assert names[-1] == "2026-03-02_120500_After_auto_compaction_ccp.md"
    assert len(names) == 2


def test_post_compact_without_a_summary_or_a_session_changes_nothing(sessions: Path) -> None:
    written = pre_compact(sessions, ALICE, NOW)
    before = snapshot(sessions)
    for more in ({"compact_summary": None}, {"compact_summary": "  "}, {"session_id": None}):
        said = post_compact(sessions, ALICE, LATER, **more)
        assert snapshot(sessions) == before
        if more == {"compact_summary": None}:  # the first to speak says where PreCompact wrote
            assert said["systemMessage"].endswith(
                f"compaction: .sessions/checkpoints/{written.name}"
            )
        else:
            assert said == {}
    log = sess(sessions, "assistant", "log", "-n", "3").out
    assert log.count("PostCompact      nothing (the event holds no compact_summary)") == 2
    assert "nothing (no session_id" in log


def test_a_credential_claude_quoted_in_its_summary_is_redacted(sessions: Path) -> None:
    checkpoint = pre_compact(sessions, ALICE, NOW)
    secret = "Ran `psql postgres://app:Xk9pQ2@db/app` and PGPASSWORD=hunter2 for the migration."
    post_compact(sessions, ALICE, LATER, compact_summary=secret)
    text = checkpoint.read_text()
    assert "## Claude's summary of the compaction" in text
    assert "Xk9pQ2" not in text and "hunter2" not in text
    assert "postgres://app:[redacted]@db/app" in text
