"""`git sess mv`: a session under a new title, and every link to it following.

A session's id is its file name (date and slug), and other sessions link to
it by that id. Renaming it by hand leaves those links dangling; here the file
moves with `git mv` (so `git log --follow` finds its history), the links in
other sessions' frontmatter are rewritten in the form they were written in
(each where it stands: a block list stays one, quoting and comments stay),
and, when asked, so are mentions in their bodies.

Everything the rename changes is staged, so that `git commit` right after it
records a consistent rename (the commit hook refuses one that leaves a link
to a name the commit deletes). Only the rename's own edits are staged: each
edit is made twice, once to the work tree's file and once to the staged
version of it, as `git mv` moves a file in both. A user's unstaged edits in
the same files stay unstaged; a file git does not track stays untracked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gitsess.core import index as index_module
from gitsess.core.catalog import Catalog
from gitsess.core.errors import GitSessError, ValidationFailed
from gitsess.core.files import decode_utf8, read_bytes
from gitsess.core.frontmatter import body_of, edit_frontmatter
from gitsess.core.journal import Move, Stage, Write, run_journaled
from gitsess.core.links import normalize_link, resolve_link
from gitsess.core.model import Session, parse_export
from gitsess.core.names import slugify
from gitsess.core.repo import Repo, git_process
from gitsess.core.workspace import (
    LEGACY_INDEX_BACKUP,
    Workspace,
    check_index_readable,
    project_name,
    read_index_file,
    write_index,
)

BOM = "\ufeff"

Edit = Callable[[str], str]  # a version of a file's text -> that text with the rename's edit


@dataclass
class Renamed:
    old: Path
    new: Path
    links_rewritten: list[Path] = field(default_factory=list)  # frontmatter links
    text_rewritten: list[Path] = field(default_factory=list)  # mentions in bodies (--text)
    mentioned_in: list[Path] = field(default_factory=list)  # mentions left (no --text)
    staged: list[Path] = field(default_factory=list)  # files whose rename edits are staged
    kept_unstaged: list[Path] = field(default_factory=list)  # with the user's own edits left
    untracked: list[Path] = field(default_factory=list)  # changed in the work tree only
    not_staged: list[tuple[Path, str]] = field(default_factory=list)  # (file, why)


@dataclass
class _FileEdit:
    path: str  # relative to the top of the work tree, before the rename
    target: str  # after it (another path only for the session renamed)
    session_id: str  # the id of the session in it, after the rename
    text: str  # the work tree's new text
    edit: Edit  # the same change, for the staged version of the file


def rename_session(workspace: Workspace, ref: str, title: str, *, text: bool) -> Renamed:
    """Give the session `title`, move it to the id that title makes (same date),
    point every link (and with `text`, every mention) at the new id, and stage
    what changed."""
    with workspace.write_lock():
        return rename_locked(workspace, ref, title, text=text)


def rename_locked(workspace: Workspace, ref: str, title: str, *, text: bool) -> Renamed:
    """`rename_session` for a caller that holds the write lock already."""
    catalog = workspace.catalog()
    session, new_id = plan_rename(workspace, catalog, workspace.find(catalog, ref), title)
    title = " ".join(title.split())
    check_index_readable(workspace)
    old_path = workspace.repo.root / session.path
    new_path = workspace.sessions_path / new_id
    result = Renamed(old=old_path, new=new_path)

    def retitle(version: str) -> str:
        return retitled(version, _title_of(session.path, version), title)

    own = _read(workspace, session)
    edits = [_FileEdit(session.path, workspace.relative(new_path), new_id, retitle(own), retitle)]
    if new_id != session.id:
        edits += _plan_references(workspace, catalog, session, new_id, text, result)
    plan = _plan_staging(workspace, edits)
    # Planned whole, then journaled (journal.py): killed at any point, the rename is
    # finished by the next command, links, index and staging area alike.
    moves = [Move(session.path, edits[0].target)] if new_id != session.id else []
    writes = [Write(edit.target, _bytes(edit.text)) for edit in edits]
    writes += _index_writes(workspace, catalog, edits)
    stages = _stages(plan) + _staged_index(workspace, plan, old=session.id, new=new_id)
    run_journaled(workspace, "mv", moves, writes, stages)
    write_index(workspace, workspace.catalog())  # current already: remembered as such
    _report(workspace, plan, result)
    return result


def plan_rename(
    workspace: Workspace, catalog: Catalog, session: Session, title: str
) -> tuple[Session, str]:
    """The session and the id `title` gives it, or why it cannot be renamed."""
    blocking = [problem for problem in session.problems if problem.blocking]
    if blocking:
        raise GitSessError(f"{blocking[0].location}: {blocking[0].message}", blocking[0].hint)
    if session.legacy or not session.date:
        raise GitSessError(
            f"{session.path} has no frontmatter with a date to name it by",
            f"give it one first: git sess import {session.path}",
        )
    new_id = new_session_id(session.date, " ".join(title.split()))
    new_path = workspace.sessions_path / new_id
    if new_id != session.id and (new_id in catalog.by_id or new_path.exists()):
        raise ValidationFailed(
            f"{workspace.relative(new_path)} already exists",
            "choose another title, or rename that session first",
        )
    return session, new_id


def new_session_id(date: str, title: str) -> str:
    slug = slugify(title)
    if not slug:
        raise GitSessError(
            f"the title {title!r} has no letters or digits to name a file by",
            'give a title with words in it: git sess mv ID "What this session does"',
        )
    return f"session_{date.replace('-', '')}_{slug}.md"


def retitled(text: str, old_title: str, title: str) -> str:
    """`text` with the new title in the frontmatter and in the body's
    `# Session: <title>` (or `# <title>`) heading, when that said the old title."""
    head, body = _split_body(edit_frontmatter(text, {"title": title}))
    return head + retitled_heading(body, old_title, title)


def retitled_heading(body: str, old_title: str, title: str) -> str:
    """The first `# Session: <old_title>` (or `# <old_title>`) heading of `body`
    saying `title`; a heading that says anything else is the author's, and stays."""
    heading = re.compile(rf"^# (Session: )?{re.escape(old_title)}[ \t]*(?=\r?$)", re.M)
    return heading.sub(lambda m: f"# {m.group(1) or ''}{title}", body, count=1)


def _title_of(path: str, text: str) -> str:
    return parse_export(path, text.encode("utf-8", "surrogateescape")).title


def _plan_references(
    workspace: Workspace,
    catalog: Catalog,
    session: Session,
    new_id: str,
    text: bool,
    result: Renamed,
) -> list[_FileEdit]:
    """The edit of every other session that links to or mentions this one."""
    sessions_dir = workspace.config.sessions_dir
    mention = _mention_pattern(session.id)

    def relinked(other: Session, version: str) -> tuple[str, bool, bool]:
        """`version` of `other` pointing at the new id; whether links changed, and
        whether the body mentions the old id."""
        changes: dict[str, object] = {}

        def points_here(raw: str) -> bool:
            return resolve_link(raw, catalog.by_id, sessions_dir) == session.id

        if other.continuation_of and points_here(other.continuation_of):
            changes["continuation_of"] = _same_form(other.continuation_of, new_id)
        requires = [
            _same_form(raw, new_id) if points_here(raw) else raw
            for raw in other.prerequisite_sessions
        ]
        if requires != other.prerequisite_sessions:
            changes["prerequisite_sessions"] = requires
        # Each link is rewritten where it is written: quoting, comments and a block
        # list's layout stay.
        updated = edit_frontmatter(version, changes) if changes else version
        head, body = _split_body(updated)
        mentioned = bool(mention.search(body))
        if mentioned and text:
            updated = head + mention.sub(new_id.removesuffix(".md"), body)
        return updated, bool(changes), mentioned

    edits = []
    for other in catalog.sessions:
        if other.id == session.id:
            continue
        original = _read(workspace, other)  # mentions are looked for in every body
        updated, links, mentioned = relinked(other, original)
        path = workspace.repo.root / other.path
        if links:
            result.links_rewritten.append(path)
        if mentioned:
            (result.text_rewritten if text else result.mentioned_in).append(path)
        if updated == original:
            continue

        def edit(version: str, other: Session = other) -> str:
            staged = parse_export(other.path, version.encode("utf-8", "surrogateescape"), other.id)
            return relinked(staged, version)[0]

        edits.append(_FileEdit(other.path, other.path, other.id, updated, edit))
    return edits


def _split_body(text: str) -> tuple[str, str]:
    """(frontmatter with its delimiters, body)."""
    body = body_of(text)
    return text[: len(text) - len(body)], body


def _mention_pattern(session_id: str) -> re.Pattern[str]:
    """The id with or without `.md`, not as the start of a longer id (`x` in `x_2`)."""
    stem = re.escape(session_id.removesuffix(".md"))
    return re.compile(rf"(?<![\w-]){stem}(?![\w-])")


def _same_form(raw: str, new_id: str) -> str:
    """`new_id` written as `raw` was: with or without `.md`, with its directory prefix."""
    prefix = raw.strip()[: raw.strip().rfind("/") + 1]
    written = new_id if raw.strip().endswith(".md") else new_id.removesuffix(".md")
    return prefix + written


def _read(workspace: Workspace, session: Session) -> str:
    """The file's text; a byte order mark stays part of it, and is written back."""
    data = read_bytes(workspace.repo.root / session.path)
    bom = BOM if data.startswith(BOM.encode()) else ""
    return bom + decode_utf8(data, session.path)


# --- the staging area -----------------------------------------------------------------


@dataclass
class _StagePlan:
    add: dict[str, str] = field(default_factory=dict)  # path -> mode: staged as written
    blobs: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (mode, text)
    staged_texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (id, text)
    kept: list[str] = field(default_factory=list)
    untracked: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    index: tuple[str, str] | None = None  # the staged session_index.md: (mode, text)


def _plan_staging(workspace: Workspace, edits: list[_FileEdit]) -> _StagePlan:
    """What to stage for each edit, decided before anything is written.

    A file staged as the work tree has it gets the work tree's new text (`git
    add`); a file with edits of the user's not staged gets its staged version
    with the same edit, so their edits stay out of the commit.
    """
    repo = workspace.repo
    index_path = workspace.relative(workspace.index_path)
    entries = _index_entries(repo, [edit.path for edit in edits] + [index_path])
    conflicted = [edit.path for edit in edits if entries.get(edit.path, ("", "", "0"))[2] != "0"]
    if conflicted:
        raise GitSessError(
            f"{conflicted[0]} has unresolved merge conflicts",
            f"resolve them first (edit it, then git add {conflicted[0]}), and rename again",
        )
    tracked = [edit.path for edit in edits if edit.path in entries]
    differ = set()  # edited in the work tree since staged (`git diff` with no path: all)
    if tracked:
        differ = set(
            _z(repo.git("--literal-pathspecs", "diff", "--name-only", "-z", "--", *tracked))
        )
    plan = _StagePlan()
    for edit in edits:
        if edit.path not in entries:
            plan.untracked.append(edit.target)
        elif edit.path not in differ:
            plan.add[edit.target] = entries[edit.path][0]
            plan.staged_texts[edit.target] = (edit.session_id, edit.text)
        else:
            _plan_staged_version(repo, edit, entries[edit.path], plan)
    index_entry = entries.get(index_path)
    if index_entry is not None and index_entry[2] == "0":
        data = _read_blob(repo, index_entry[1])
        plan.index = (index_entry[0], data.decode("utf-8", "surrogateescape"))
    return plan


def _plan_staged_version(
    repo: Repo, edit: _FileEdit, entry: tuple[str, str, str], plan: _StagePlan
) -> None:
    mode, oid, _ = entry
    data = _read_blob(repo, oid)
    bom = BOM if data.startswith(BOM.encode()) else ""
    plan.kept.append(edit.target)
    try:
        staged = bom + decode_utf8(data, edit.path)
        updated = edit.edit(staged)
    except (GitSessError, ValueError) as error:
        why = error.message if isinstance(error, GitSessError) else str(error)
        plan.failed.append((edit.target, why or "it cannot be read"))
        return
    if updated != staged:
        plan.blobs[edit.target] = (mode, updated)
        plan.staged_texts[edit.target] = (edit.session_id, updated)


def _stages(plan: _StagePlan) -> list[Stage]:
    """The staging area's entry of every file the rename changes there: the work
    tree's new text (as `git add` stages it), or the staged version edited."""
    stages = [
        Stage(path, mode, _bytes(plan.staged_texts[path][1]), filtered=True)
        for path, mode in plan.add.items()
    ]
    stages += [Stage(path, mode, _bytes(text), False) for path, (mode, text) in plan.blobs.items()]
    return stages


def _index_writes(workspace: Workspace, catalog: Catalog, edits: list[_FileEdit]) -> list[Write]:
    """What `write_index` writes once the rename is done, known before it starts so
    that the journal holds it too: the index (and a hand-written one kept aside)."""
    current = read_index_file(workspace)
    edited = {edit.path: edit for edit in edits}
    sessions = [
        parse_export(edited[s.path].target, _bytes(edited[s.path].text), edited[s.path].session_id)
        if s.path in edited
        else s
        for s in catalog.sessions
    ]
    project = project_name(workspace, current)
    rendered = index_module.render_index(sessions, project, workspace.config.sessions_dir)
    if rendered == current:
        return []
    writes = []
    if current is not None and current.strip() and not index_module.is_generated(current):
        backup = workspace.relative(workspace.sessions_path / LEGACY_INDEX_BACKUP)
        writes.append(Write(backup, _bytes(current)))
    return [*writes, Write(workspace.relative(workspace.index_path), _bytes(rendered))]


def _staged_index(workspace: Workspace, plan: _StagePlan, *, old: str, new: str) -> list[Stage]:
    """The staged index with the rename's changes: the renamed session's entry
    under its new id, and the entries of the sessions whose staged links changed
    (the commit hook regenerates it from the staged exports anyway; without
    the hooks, this is what makes the commit consistent). An index that is not
    staged, or not generated, is left alone."""
    if plan.index is None:
        return []
    mode, text = plan.index
    entries = index_module.parse_entries(text)
    if entries is None:
        return []
    sessions_dir = workspace.config.sessions_dir
    listed = old in entries
    entries.pop(old, None)
    for path, (session_id, staged) in plan.staged_texts.items():
        if session_id in entries or (session_id == new and listed):
            session = parse_export(path, _bytes(staged), session_id)
            entries[session_id] = index_module.entry_of(session, sessions_dir)
    project = index_module.project_from_index(text) or workspace.repo.root.name
    rendered = index_module.assemble(
        index_module.index_order(entries.values()), project, sessions_dir
    )
    if rendered == text:
        return []
    return [Stage(workspace.relative(workspace.index_path), mode, _bytes(rendered), False)]


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _report(workspace: Workspace, plan: _StagePlan, result: Renamed) -> None:
    root = workspace.repo.root
    result.staged = [root / path for path in [*plan.add, *plan.blobs]]
    result.kept_unstaged = [root / path for path in plan.kept]
    result.untracked = [root / path for path in plan.untracked]
    result.not_staged = [(root / path, why) for path, why in plan.failed]


def _index_entries(repo: Repo, paths: list[str]) -> dict[str, tuple[str, str, str]]:
    """The staging area's (mode, blob id, stage) of each path it holds; for a
    conflicted one, a stage other than 0."""
    out = repo.git("--literal-pathspecs", "ls-files", "-s", "-z", "--", *paths)
    entries: dict[str, tuple[str, str, str]] = {}
    for record in _z(out):
        info, _, path = record.partition("\t")
        mode, oid, stage = info.split(" ")
        if entries.get(path, ("", "", "0"))[2] == "0":
            entries[path] = (mode, oid, stage)
    return entries


def _read_blob(repo: Repo, oid: str) -> bytes:
    return git_process(repo.root, ["cat-file", "blob", oid]).stdout


def _z(out: str) -> list[str]:
    return [item for item in out.split("\0") if item]


# --- links left behind ----------------------------------------------------------------


def rename_lookup(workspace: Workspace, catalog: Catalog) -> Callable[[str], str | None]:
    """For `check`: the session a dangling link's id was renamed to, by a commit
    in the history (`git sess mv` on another branch, a `git mv`), when that
    session is here; asked of git once, and only if some link dangles."""
    known: list[Mapping[str, str]] = []  # filled on the first question
    sessions_dir = workspace.config.sessions_dir

    def renamed_to(raw: str) -> str | None:
        if not known:
            known.append(_renames(workspace))
        renames = known[0]
        name = normalize_link(raw, sessions_dir)
        seen = set()
        while name is not None and name in renames and name not in seen:  # a → b → c
            seen.add(name)
            name = renames[name]
        return name if seen and name in catalog.by_id else None

    return renamed_to


def _renames(workspace: Workspace) -> Mapping[str, str]:
    """Old id -> new id of every rename in the sessions directory's history,
    the newest rename of an id kept."""
    prefix = workspace.config.sessions_dir + "/"
    args = ["log", "-M", "--diff-filter=R", "--name-status", "-z", "--format=", "--"]
    out = workspace.repo.git("--literal-pathspecs", *args, prefix, check=False)
    fields = out.split("\0")
    found: dict[str, str] = {}
    for position, status in enumerate(fields[:-2]):
        # Each rename is `R<score>`, its source and its target; commits are apart by
        # a line break, which git puts before the next status.
        if re.fullmatch(r"\n*R\d*", status):
            old, new = fields[position + 1], fields[position + 2]
            if old.startswith(prefix) and new.startswith(prefix):
                found.setdefault(old[len(prefix) :], new[len(prefix) :])
    return found
