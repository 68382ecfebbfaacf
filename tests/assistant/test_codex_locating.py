"""Finding Codex rollouts: $CODEX_HOME, live and archived, this repository's
newest by the time it was written, a session id or a short one; compressed
ones (`.jsonl.zst`) named, never read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from builders import CODEX_COMPRESSED, CODEX_ROLLOUTS, place_rollout, rollout_lines
from conftest import assert_refused

from gitsess.assistant.codex_locating import (
    find_rollout,
    repository_rollouts,
    rollout_files,
    rollout_id,
)
from gitsess.assistant.records import TranscriptError


def aged(path: Path, seconds_ago: int) -> Path:
    moment = path.stat().st_mtime - seconds_ago
    os.utime(path, (moment, moment))
    return path


def test_this_repositorys_rollouts_newest_written_first(repo: Path, tmp_path: Path) -> None:
    old = aged(place_rollout(repo, "0.77"), 3600)
    resumed = place_rollout(repo, "0.150-resumed")  # begun long ago, written to now
    archived = aged(place_rollout(repo, "0.142", archived=True), 60)
    other = tmp_path / "other"
    other.mkdir()
    place_rollout(other, "0.171")  # another repository's
    assert "archived_sessions" in str(archived)
    assert repository_rollouts(repo) == [resumed, archived, old]
    assert find_rollout(repo, None) == resumed
    assert find_rollout(repo, "latest") == resumed
    assert len(rollout_files()) == 4


def test_a_conversation_started_in_a_sub_directory_is_the_repositorys(repo: Path) -> None:
    (repo / "src").mkdir()
    path = place_rollout(repo / "src", "0.142")
    assert repository_rollouts(repo) == [path]


def test_codex_home_names_where_they_are(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    place_rollout(repo, "0.77")  # under ~/.codex: not looked at once CODEX_HOME says otherwise
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex"))
    assert repository_rollouts(repo) == []
    path = place_rollout(repo, "0.171")
    assert str(path).startswith(str(tmp_path / "codex" / "sessions" / "2026" / "11" / "28"))
    assert find_rollout(repo, None) == path


def test_a_session_id_whole_or_short(repo: Path) -> None:
    path = place_rollout(repo, "0.142")
    place_rollout(repo, "0.150-resumed")
    whole = "0199a6f1-3d2b-7e80-b4c5-6a7d8e9f0a1b"
    assert rollout_id(path) == whole
    assert find_rollout(repo, whole) == path
    assert find_rollout(repo, "0199a6") == path
    with pytest.raises(TranscriptError, match="more than one rollout with session id '0199'"):
        find_rollout(repo, "0199")
    with pytest.raises(TranscriptError, match="no rollout with session id 'nope'"):
        find_rollout(repo, "nope")
    with pytest.raises(TranscriptError, match="no rollout with session id"):
        find_rollout(repo, "*")  # a glob character is a character


def test_no_rollout_at_all_says_where_it_looked(repo: Path) -> None:
    with pytest.raises(TranscriptError, match=r"no Codex rollout for this repository in .*\.codex"):
        find_rollout(repo, None)


def test_files_that_are_not_rollouts_are_passed_over(repo: Path) -> None:
    day = Path(os.environ["HOME"]) / ".codex" / "sessions" / "2026" / "01" / "02"
    day.mkdir(parents=True)
    (day / "rollout-2026-01-02T10-00-00-empty.jsonl").write_text("")
    (day / "rollout-2026-01-02T10-00-01-junk.jsonl").write_bytes(b"\xff\xfe not json\n")
    (day / "rollout-2026-01-02T10-00-02-dir.jsonl").mkdir()
    path = aged(place_rollout(repo, "0.77"), 7200)
    assert repository_rollouts(repo) == [path]
    assert sorted(CODEX_ROLLOUTS)  # every fixture has a version name


def test_where_each_rollout_began_is_remembered_and_a_bad_cache_is_read_as_empty(
    repo: Path,
) -> None:
    path = place_rollout(repo, "0.77")
    assert repository_rollouts(repo) == [path]
    cache = Path(os.environ["HOME"]) / ".cache" / "git-sess" / "codex-rollout-dirs.json"
    assert json.loads(cache.read_text())["cwds"] == {str(path): str(repo)}
    cache.write_text(json.dumps({"cwds": {str(path): "/somewhere/else"}}))
    assert repository_rollouts(repo) == []  # the remembered word is taken: no line read
    for junk in ("{not json", "[]", '{"cwds": 3}', '{"cwds": {"x": 1}}'):
        cache.write_text(junk)
        assert repository_rollouts(repo) == [path]
    assert json.loads(cache.read_text())["cwds"][str(path)] == str(repo)


COMPRESSED_ID = "019ae1f0-7b6c-7d5e-a4f3-b2c1d0e9f8a7"


def test_a_compressed_rollout_is_never_the_newest_nor_a_crash(repo: Path) -> None:
    plain = aged(place_rollout(repo, "0.77"), 3600)
    compressed = place_rollout(repo, CODEX_COMPRESSED)  # newer, but its lines cannot be read
    assert rollout_id(compressed) == COMPRESSED_ID
    assert rollout_files() == [plain]
    assert find_rollout(repo, None) == plain


@pytest.mark.parametrize("ref", [COMPRESSED_ID, COMPRESSED_ID[:13]])
def test_a_compressed_rollout_named_by_id_is_refused_by_name(repo: Path, ref: str) -> None:
    path = place_rollout(repo, CODEX_COMPRESSED)
    with pytest.raises(TranscriptError, match="is a compressed Codex rollout") as raised:
        find_rollout(repo, ref)
    assert str(path) in raised.value.message
    assert f"zstd -d {path}" in (raised.value.hint or "")


def test_once_decompressed_beside_itself_the_jsonl_is_the_one(repo: Path) -> None:
    path = place_rollout(repo, CODEX_COMPRESSED)
    plain = path.with_name(path.name.removesuffix(".zst"))
    # what `zstd -d` writes: the 0.171 overflow fixture's lines, under this id
    text = "\n".join(rollout_lines("0.171-overflow", repo))
    plain.write_text(text.replace("019ad7e3-2c41-7f05-9a6b-0c1d2e3f4a5b", COMPRESSED_ID))
    assert find_rollout(repo, COMPRESSED_ID) == plain
    assert find_rollout(repo, None) == plain


@pytest.mark.parametrize("how", ["path", "id", "renamed"])
def test_status_says_what_a_compressed_rollout_is_and_what_to_do(
    sessions: Path, tmp_path: Path, how: str
) -> None:
    path = place_rollout(sessions, CODEX_COMPRESSED)
    if how == "renamed":  # its bytes tell it, whatever its name
        path = path.rename(tmp_path / "rollout.jsonl")
    ref = COMPRESSED_ID if how == "id" else str(path)
    assert_refused(
        sessions,
        ("status", "--transcript", ref),
        f"{path} is a compressed Codex rollout (.jsonl.zst)",
        "hint: decompress it (`zstd -d",
    )
    assert_refused(sessions, ("new", "--from-transcript", ref), "is a compressed Codex rollout")
