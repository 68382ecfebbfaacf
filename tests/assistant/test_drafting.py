"""Drafts from a transcript: a next part holds only what happened after the last
part, under a title of its own; no credential a command or request held reaches
the export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import SESSION_ID, fixture_lines, frontmatter, place_transcript, read_export
from conftest import assert_one_line_error, git, sess

from gitsess.assistant.drafting import context_line, next_part_title
from gitsess.assistant.shapes import Scan

FIRST_TITLE = "Add CSV export to the ledger report command"


def record(repo: Path, uuid: str, kind: str, content: object, **more: object) -> str:
    """A record of the fixture conversation, as Claude Code appends it."""
    message: dict[str, object] = {"role": kind, "content": content, **more}
    if kind == "assistant":
        message["model"] = "claude-sonnet-4-6"
    return json.dumps(
        {
            "type": kind,
            "uuid": uuid,
            "sessionId": SESSION_ID,
            "cwd": str(repo),
            "isSidechain": False,
            "timestamp": "2026-03-02T12:00:00.000Z",
            "message": message,
        }
    )


def prompt(repo: Path, uuid: str, text: str) -> str:
    return record(repo, uuid, "user", text)


def tool_reply(repo: Path, uuid: str, tokens: int, *calls: tuple[str, dict]) -> str:
    """An assistant reply at `tokens` of context that calls the tools given."""
    content = [
        {"type": "tool_use", "id": f"t-{uuid}-{n}", "name": name, "input": given}
        for n, (name, given) in enumerate(calls)
    ]
    usage = {
        "input_tokens": 10,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": tokens - 10,
        "output_tokens": 100,
    }
    return record(repo, uuid, "assistant", content, usage=usage)


def append(transcript: Path, *lines: str) -> None:
    with transcript.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def new_export(repo: Path, *args: str) -> Path:
    result = sess(repo, "new", "--from-transcript", *args)
    assert result.code == 0, result.err
    return repo / result.out.strip()


def section(body: str, heading: str) -> str:
    """The list under `heading` (up to the next heading), without template comments."""
    lines = body.split(f"{heading}\n", 1)[1].split("\n#", 1)[0].splitlines()
    return "\n".join(line for line in lines if not line.startswith("<!--"))


# --- the next part ----------------------------------------------------------------------


def test_a_next_part_drafts_only_what_happened_after_the_last(sessions: Path) -> None:
    transcript = place_transcript(sessions)
    first = new_export(sessions)
    assert frontmatter(first)["transcript_until"] == "a-09"  # the fixture's last record
    root = str(sessions)
    append(
        transcript,
        prompt(sessions, "u-10", "Now add a JSON export beside the CSV one"),
        tool_reply(
            sessions,
            "a-11",
            61_000,
            ("Write", {"file_path": f"{root}/ledger/export_json.py", "content": "import json"}),
            ("Write", {"file_path": f"{root}/tests/test_export_csv.py", "content": "x"}),
            ("Bash", {"command": "python -m pytest tests/test_export_json.py -q"}),
        ),
    )
    second = new_export(sessions, "--continues", first.stem)
    data, body = read_export(second)
    assert data["title"] == f"{FIRST_TITLE}, part 2"
    assert data["continuation_of"] == first.name
    assert data["transcript_until"] == "a-11"
    assert data["tokens"] == 61_100  # the context at the end of the new stretch
    objectives = section(body, "## Session Objectives").strip()
    assert objectives == "- Now add a JSON export beside the CSV one"
    assert section(body, "### Files Created").strip() == "- `ledger/export_json.py`"
    # Written in part 1 already: this part changed it, it did not create it.
    assert section(body, "### Files Modified").strip() == "- `tests/test_export_csv.py`"
    commands = [line for line in body.splitlines() if line.startswith("- `python")]
    assert commands == ["- `python -m pytest tests/test_export_json.py -q`"]
    listed = "\n".join(line for line in body.splitlines() if line.startswith("- "))
    for old in ("Add CSV export to the ledger", "Continue: add tests", "ledger/report.py"):
        assert old not in listed  # part 1's objectives, files and commands stay in part 1

    # The slug of part 1 names part 1 alone, and each part has a title of its own.
    shown = sess(sessions, "show", first.stem.split("_", 2)[2])
    assert shown.code == 0, shown.err
    assert shown.out.startswith(f"id:        {first.name}\n") and "part 2" not in shown.out
    append(transcript, prompt(sessions, "u-12", "yes, go on"), tool_reply(sessions, "a-13", 70_000))
    third = new_export(sessions, "--continues", second.stem)
    assert frontmatter(third)["title"] == f"{FIRST_TITLE}, part 3"
    assert "- yes, go on" in read_export(third)[1]
    assert "JSON export" not in read_export(third)[1]
    assert sess(sessions, "check").code == 0


def test_a_next_part_needs_something_new_and_a_lost_position_drafts_it_all(
    sessions: Path,
) -> None:
    transcript = place_transcript(sessions)
    first = new_export(sessions)
    append(transcript, json.dumps({"type": "summary", "summary": "CSV", "leafUuid": "a-09"}))
    assert_one_line_error(
        sess(sessions, "new", "--from-transcript", "--continues", first.stem),
        "nothing happened in this conversation since",
    )
    # A position no record has any more (the transcript was cut by hand): the
    # whole conversation is drafted again rather than nothing.
    text = first.read_text().replace("transcript_until: a-09", "transcript_until: a-gone")
    first.write_text(text)
    append(transcript, prompt(sessions, "u-10", "One more thing"))
    body = read_export(new_export(sessions, "--continues", first.stem))[1]
    assert "- Add CSV export to the ledger report command" in body
    assert "- One more thing" in body


def test_part_titles_count_on() -> None:
    assert next_part_title("CSV export") == "CSV export, part 2"
    assert next_part_title("CSV export, part 2") == "CSV export, part 3"
    assert next_part_title("CSV export, part 12") == "CSV export, part 13"
    assert next_part_title("Part 2 of the plan") == "Part 2 of the plan, part 2"


# --- no credentials ---------------------------------------------------------------------

SECRETS = {
    "Xk9fQ2mZ71": "psql postgres://app:Xk9fQ2mZ71@db/app -c 'select count(*) from users'",
    "My5qlPw!x": "mysql -u root -pMy5qlPw!x ledger < dump.sql",
    "rEd1sPass": "redis-cli -h cache -a rEd1sPass ping",
    "hunter2pg": "PGPASSWORD=hunter2pg psql -h db -U app",
    "s3cr3tFlag": "./deploy --db-password=s3cr3tFlag --env prod",
    "tok.abc-123": "curl -H 'Authorization: Bearer tok.abc-123' https://api.example.com/v1/me",
    "eyJzdWIiOiIxMjM0NTY3ODkwIn0": (
        "http GET :8000/me 'Cookie: session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0"
        ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'"
    ),
    "ghp_0123456789abcdefghijABCDEFGHIJ012345": (
        "git push https://ghp_0123456789abcdefghijABCDEFGHIJ012345@github.com/acme/ledger"
    ),
    "Gh7pass": "git clone https://deploy:Gh7pass@git.example.com/ledger.git",
}


def test_drafts_never_copy_a_credential(sessions: Path) -> None:
    root = str(sessions)
    lines = [
        prompt(sessions, "u-1", "Check the prod data with postgres://app:Xk9fQ2mZ71@db/app"),
        tool_reply(
            sessions,
            "a-2",
            40_000,
            *(("Bash", {"command": command}) for command in SECRETS.values()),
            ("Write", {"file_path": f"{root}/notes.md", "content": "PGPASSWORD=hunter2pg"}),
        ),
        prompt(sessions, "u-3", "Now export GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345"),
    ]
    place_transcript(sessions, lines)
    path = new_export(sessions)
    text = path.read_text()
    for secret in SECRETS:
        assert secret not in text, secret
        assert secret not in path.name
    assert frontmatter(path)["title"] == "Check the prod data with postgres://app:[redacted]@db/app"
    # What is left of each command still says what was run.
    for kept in (
        "psql postgres://app:[redacted]@db/app -c 'select count(*) from users'",
        "mysql -u root -p[redacted] ledger < dump.sql",
        "redis-cli -h cache -a [redacted] ping",
        "PGPASSWORD=[redacted] psql -h db -U app",
        "curl -H 'Authorization: Bearer [redacted]' https://api.example.com/v1/me",
    ):
        assert f"- `{kept}`" in text.splitlines(), kept
    assert "- Now export GITHUB_TOKEN=[redacted]" in text.splitlines()
    check = sess(sessions, "check")
    assert check.code == 0, check.out + check.err
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "export")  # nothing for a guard to stop


@pytest.mark.parametrize("cut", [462, 480])
def test_a_command_cut_at_the_readers_limit_loses_its_partial_word(
    sessions: Path, cut: int
) -> None:
    token = "ghp_0123456789abcdefghijABCDEFGHIJ012345"
    command = "echo " + "x" * (cut - 6) + " " + token  # the token straddles the 500th character
    place_transcript(
        sessions,
        [
            prompt(sessions, "u-1", "Long one"),
            tool_reply(sessions, "a-2", 1000, ("Bash", {"command": command})),
        ],
    )
    text = new_export(sessions).read_text()
    assert token[:20] not in text
    assert "- `echo xxx" in text


def test_the_fixture_still_drafts_as_before(sessions: Path) -> None:
    # Nothing in the sample conversation is a credential: redaction changes none of it.
    place_transcript(sessions, fixture_lines(sessions))
    text = new_export(sessions).read_text()
    assert "[redacted]" not in text


def test_a_next_part_takes_its_parts_type_unless_told(sessions: Path) -> None:
    transcript = place_transcript(sessions)
    first = new_export(sessions, "--type", "research")
    append(
        transcript,
        prompt(sessions, "u-10", "Compare two parsers"),
        tool_reply(sessions, "a-11", 61_000),
    )
    second = new_export(sessions, "--continues", first.stem)
    assert frontmatter(second)["type"] == "research"
    append(
        transcript, prompt(sessions, "u-12", "Fix the crash"), tool_reply(sessions, "a-13", 70_000)
    )
    third = new_export(sessions, "--continues", second.stem, "--type", "bug")
    assert frontmatter(third)["type"] == "bug"
    # The hint for a conversation exported already names it, as the advice does.
    again = sess(sessions, "new", "--from-transcript")
    assert f"git sess new --from-transcript {SESSION_ID} --continues {third.stem}" in again.err


# Credentials of the kinds the guard learned for issue 19, as commands carry them.
PASTED = {
    "sk_live_" + "4eC39HqLyjWDarjt" + "T1zdp7dcXk": "stripe charges list --api-key {}",
    "hf_" + "dTCXDQspaZZVqKeTzJcT" + "NlkcxnqYwBdrSy": "huggingface-cli login --token {}",
    "dckr_pat_" + "7t-3__WiyDJtB-lqu_vMtvh_9oN": "echo {} | docker login -u bot --password-stdin",
    "9rxpxp5" + "rmTS": "docker login registry.acme.io -u ci -p {}",
    "aQSuyC0" + "Viyxe": "curl -u admin:{} https://jenkins.acme.io/api/json",
    "1XkcsrykMxOM5E3V"
    + "DbSe9WKhJAPVQ4v7": "curl -H 'Authorization: Bearer {}' https://api.acme.io",
    "AIza" + "RC4VZ1d3pjosVri6Pnb87u1h9AJTVHK2wQe": "curl 'https://maps.example.com/geo?key={}'",
    "npm_" + "opGtKO9VOBHBP9BiWca0S2XTKPJ96q3UCiPp": "NPM_TOKEN={} npm publish",
}


def test_a_draft_masks_each_kind_and_the_guard_would_have_refused_the_raw_text(
    sessions: Path,
) -> None:
    commands = [template.format(secret) for secret, template in PASTED.items()]
    place_transcript(
        sessions,
        [
            prompt(sessions, "u-1", "Publish the release with " + commands[-1]),
            tool_reply(sessions, "a-2", 40_000, *(("Bash", {"command": c}) for c in commands)),
        ],
    )
    path = new_export(sessions)
    text = path.read_text()
    for secret in PASTED:
        assert secret not in text, secret
    assert "- `curl -u admin:[redacted] https://jenkins.acme.io/api/json`" in text.splitlines()
    assert sess(sessions, "check").code == 0
    git(sessions, "add", "-A")
    git(sessions, "commit", "-q", "-m", "export")  # the pre-commit guard lets it through
    # The same commands written by hand are what the guard is there to stop.
    raw = path.with_name("session_20250101_raw.md")
    raw.write_text(text + "\n".join(commands) + "\n")
    refused = sess(sessions, "check")
    assert refused.code == 1
    assert refused.out.count("looks like a credential") == len(PASTED)
    assert not any(secret in refused.out + refused.err for secret in PASTED)


def test_the_context_line_of_a_codex_scan_takes_codexs_compaction_point() -> None:
    codex = Scan(path=Path("rollout.jsonl"), context_tokens=226_870, assistant="codex")
    claude = Scan(path=Path("t.jsonl"), context_tokens=226_870)
    assert "(88%, export)" in (context_line(codex, 258_400) or "")  # 90 % of 272,000: 244,800
    assert "(88%, past)" in (context_line(claude, 258_400) or "")  # 77.5 % of the window
