"""What the tests build: exports, repositories and Claude Code transcripts, made the
way an editor, `git sess` or Claude Code would make them. One version of each, shared
by every test file (`from builders import export, new`, like `from conftest import sess`).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from conftest import FIXTURES, git, sess

from gitsess.assistant.locating import project_slug

SESSIONS = ".sessions"

# --- exports written directly, as an editor would --------------------------------------


def session_name(slug: str, date: str = "2026-01-01") -> str:
    """The file name `git sess new` gives a session of that date and slug."""
    return f"session_{date.replace('-', '')}_{slug}.md"


def frontmatter_lines(
    title: str = "Work",
    *,
    date: str = "2026-01-01",
    type: str = "feature",
    status: str = "complete",
    tags: Iterable[str] | None = None,
    extra: str = "",
) -> str:
    """An export's frontmatter without its `---` lines: the four required keys, `tags`
    when given (an empty tuple writes `tags: []`), then `extra` (lines ending in a newline)."""
    lines = f"title: {title}\ndate: {date}\ntype: {type}\nstatus: {status}\n"
    if tags is not None:
        lines += f"tags: [{', '.join(tags)}]\n"
    return lines + extra


def export_text(
    title: str = "Work",
    body: str = "Text.",
    *,
    date: str = "2026-01-01",
    type: str = "feature",
    status: str = "complete",
    tags: Iterable[str] | None = None,
    extra: str = "",
    heading: str | None = None,
    markdown: str | None = None,
) -> str:
    """A whole export: the frontmatter, then `# Session: <heading or title>` over `body`,
    or instead of both the `markdown` given (written as it is)."""
    head = frontmatter_lines(title, date=date, type=type, status=status, tags=tags, extra=extra)
    if markdown is None:
        markdown = f"# Session: {title if heading is None else heading}\n\n{body}\n"
    return f"---\n{head}---\n{markdown}"


def write_export(repo: Path, name: str, text: str | bytes, directory: str = SESSIONS) -> Path:
    """Write `<directory>/<name>` byte for byte (str as UTF-8); its directory is made."""
    path = repo / directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def export(
    repo: Path,
    name: str,
    title: str = "Work",
    body: str = "Text.",
    *,
    date: str = "2026-01-01",
    type: str = "feature",
    status: str = "complete",
    tags: Iterable[str] | None = None,
    extra: str = "",
    heading: str | None = None,
    markdown: str | None = None,
    directory: str = SESSIONS,
) -> Path:
    """Write an export (or a checkpoint, with `directory`) directly: see `export_text`."""
    text = export_text(
        title,
        body,
        date=date,
        type=type,
        status=status,
        tags=tags,
        extra=extra,
        heading=heading,
        markdown=markdown,
    )
    return write_export(repo, name, text, directory)


def zoo_export(
    repo: Path, number: int, rng: random.Random, words: list[str], lengths: tuple[int, int],
    title: str, **fields: Any,
) -> Path:  # fmt: skip
    """Export `number` of a corpus of random words (the search tests'): a body of
    `words` drawn with `rng`, its length drawn from `lengths`."""
    body = " ".join(rng.choice(words) for _ in range(rng.randint(*lengths)))
    name = f"session_2025{number % 12 + 1:02d}{number % 28 + 1:02d}_zoo{number}.md"
    return export(repo, name, title, body, **fields)


def split_export(source: Path | str) -> tuple[str, str]:
    """(frontmatter YAML text, body) of an export (a path or its text) with `---` lines."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    assert text.startswith("---\n"), text[:80]
    yaml_text, separator, body = text[4:].partition("\n---\n")
    assert separator, text[:400]
    return yaml_text + "\n", body


def read_export(source: Path | str) -> tuple[dict, str]:
    """(frontmatter as data, body) of an export: a path or its text."""
    yaml_text, body = split_export(source)
    return yaml.safe_load(yaml_text), body


def frontmatter(source: Path | str) -> dict:
    """An export's frontmatter as data (safe-loaded, as git-sess reads it)."""
    return read_export(source)[0]


# --- through git sess and git -----------------------------------------------------------


def new(cwd: Path, title: str, *args: str) -> Path:
    """`git sess new` that must succeed; the absolute path of the one file it printed."""
    result = sess(cwd, "new", title, *args)
    assert result.code == 0, (result.out, result.err)
    printed = result.out.strip().splitlines()
    assert len(printed) == 1, result.out
    path = (cwd / printed[0]).resolve()
    assert path.is_file(), path
    return path


def state_dir(repo: Path) -> Path:
    """Where git-sess keeps its caches and locks: `git rev-parse --git-path gitsess`."""
    path = git(repo, "rev-parse", "--path-format=absolute", "--git-path", "gitsess").strip()
    return Path(path)


# The body the hooks prepare for the message of a commit that adds an export.
TEMPLATE_BODY = (
    "Session export with:\n"
    "- Implementation details\n"
    "- Technical decisions\n"
    "- Issues and solutions\n"
    "- Next steps\n"
)


def write_session(
    repo: Path, slug: str, status: str = "in-progress", date: str = "2026-03-01"
) -> str:
    """An export titled after `slug`; returns its id."""
    name = session_name(slug, date)
    title = slug.replace("_", " ").capitalize()
    write_export(repo, name, export_text(title, date=date, status=status))
    return name


def write_code(repo: Path, *names: str) -> None:
    """A one-line file of code at each path (from the top), its directory made."""
    for name in names:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {name}\n")


def git_commit(
    repo: Path, *args: str, editor: str | None = "true"
) -> subprocess.CompletedProcess[str]:
    """`git commit -q` as a user runs it, the hooks running; `editor`: GIT_EDITOR (`true`
    takes the prepared message as it is; None leaves git's own)."""
    env = {**os.environ, **({"GIT_EDITOR": editor} if editor else {})}
    return subprocess.run(
        ["git", "commit", "-q", *args], cwd=repo, capture_output=True, text=True, env=env
    )


def message(repo: Path, rev: str = "HEAD") -> str:
    """A commit's whole message, as `git log --format=%B` prints it."""
    return git(repo, "log", "-1", "--format=%B", rev)


def husky_stubs(repo: Path, hooks: Iterable[str]) -> Path:
    """husky >= 9's generated layout: `.husky/_` (ignored by git) with husky's `h` and,
    for each of `hooks`, a stub that runs the user's `.husky/<hook>` through it. The
    user's hooks and core.hooksPath are the caller's; returns the stubs' directory."""
    stubs = repo / ".husky" / "_"
    stubs.mkdir(parents=True)
    (stubs / ".gitignore").write_text("*\n")
    (stubs / "h").write_text(
        '#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n'
        '[ ! -f "$s" ] && exit 0\nsh -e "$s" "$@"\n'
    )
    for hook in hooks:
        (stubs / hook).write_text('#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n')
    for path in stubs.iterdir():
        path.chmod(0o755)
    return stubs


# --- Claude Code transcripts ------------------------------------------------------------

FIXTURE_CWD = "/home/dev/ledger_app"
SESSION_ID = "5b1e9c3a-2f47-4d0e-8a6b-91c2d3e4f5a6"


def fixture_lines(cwd: Path | str = FIXTURE_CWD) -> list[str]:
    """The fixture transcript's lines, recorded as if in `cwd`."""
    text = (FIXTURES / "claude_transcript.jsonl").read_text(encoding="utf-8")
    return text.replace(FIXTURE_CWD, str(cwd)).splitlines()


def place_transcript(
    repo: Path, lines: list[str] | None = None, session_id: str = SESSION_ID
) -> Path:
    """Put a transcript where Claude Code keeps this repository's (under $HOME)."""
    directory = Path(os.environ["HOME"]) / ".claude" / "projects" / project_slug(repo)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{session_id}.jsonl"
    path.write_text("\n".join(fixture_lines(repo) if lines is None else lines) + "\n")
    return path


def reply(tokens: int, *, sidechain: bool = False, cwd: str = FIXTURE_CWD) -> str:
    """An assistant record whose context is `tokens` (input side) plus 100 output."""
    return json.dumps(
        {
            "type": "assistant",
            "isSidechain": sidechain,
            "cwd": cwd,
            "sessionId": "s",
            "timestamp": "2026-03-02T11:00:00.000Z",
            "message": {
                "model": "claude-opus-4-5",
                "content": [{"type": "text", "text": "ok"}],
                "usage": {
                    "input_tokens": 10,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": tokens - 10,
                    "output_tokens": 100,
                },
            },
        }
    )


# --- Codex rollouts (tests/fixtures/codex/README.md) ------------------------------------

CODEX_FIXTURES = FIXTURES / "codex"
# The Codex version whose shapes each fixture has -> its file.
CODEX_ROLLOUTS = {
    "0.20": "rollout-2025-08-11T09-15-00-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl",
    "0.77": "rollout-2025-12-24T00-56-59-019b4d2e-7c1a-7d30-9f5e-2a6c8b1d4e70.jsonl",
    "0.142": "rollout-2026-09-14T08-02-11-0199a6f1-3d2b-7e80-b4c5-6a7d8e9f0a1b.jsonl",
    "0.150-resumed": "rollout-2026-10-05T17-40-00-0199b2c3-aa10-7b22-8c33-d4e5f6071829.jsonl",
    "0.171": "rollout-2026-11-28T14-20-03-019ac0d4-5e6f-7a81-9b2c-3d4e5f607182.jsonl",
    "0.128-overflow": "rollout-2026-05-19T10-04-31-019e2a11-4b5c-7d6e-8f90-a1b2c3d4e5f6.jsonl",
    "0.146-compacted": "rollout-2026-10-21T07-55-39-019c5b70-88d1-7a2e-b3f4-5a6b7c8d9e0f.jsonl",
    "0.171-overflow": "rollout-2026-12-01T16-42-09-019ad7e3-2c41-7f05-9a6b-0c1d2e3f4a5b.jsonl",
}
# A rollout Codex 0.171 compressed (`local_thread_store_compression`): zstd, not read.
CODEX_COMPRESSED = "rollout-2026-12-03T09-12-44-019ae1f0-7b6c-7d5e-a4f3-b2c1d0e9f8a7.jsonl.zst"


def rollout_lines(version: str, cwd: Path | str = FIXTURE_CWD) -> list[str]:
    """A fixture rollout's lines, recorded as if Codex ran in `cwd` (the last
    line of the 0.171 fixture is cut short: it has no newline)."""
    text = (CODEX_FIXTURES / CODEX_ROLLOUTS[version]).read_text(encoding="utf-8")
    return text.replace(FIXTURE_CWD, str(cwd)).split("\n")


def place_rollout(
    repo: Path, version: str = "0.77", lines: list[str] | None = None, *, archived: bool = False
) -> Path:
    """Put a fixture rollout where Codex keeps them ($CODEX_HOME, else ~/.codex):
    under sessions/YYYY/MM/DD/ by the time in its name, or archived_sessions/."""
    name = CODEX_ROLLOUTS.get(version, version)  # a version, or a fixture's own name
    home = Path(os.environ.get("CODEX_HOME") or Path(os.environ["HOME"]) / ".codex")
    year, month, day = name[len("rollout-") :].split("T")[0].split("-")
    directory = home / "archived_sessions" if archived else home / "sessions" / year / month / day
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if name.endswith(".zst"):
        path.write_bytes((CODEX_FIXTURES / name).read_bytes())
    else:
        path.write_text("\n".join(rollout_lines(version, repo) if lines is None else lines))
    return path
