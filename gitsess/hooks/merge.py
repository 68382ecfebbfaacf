"""Git's merge driver for session_index.md: entries merged by session, never a conflict."""

from __future__ import annotations

from pathlib import Path

from gitsess.core.errors import ExitCode
from gitsess.core.files import write_atomic
from gitsess.core.workspace import open_workspace


def merge_index(base: Path, ours: Path, theirs: Path, shown_path: str) -> int:
    """Git's merge driver: write the merge of the three into `ours`; 0 when clean."""
    from gitsess.core import index as index_module

    texts = [path.read_bytes().decode("utf-8", "replace") for path in (base, ours, theirs)]
    parsed = [index_module.parse_entries(text) for text in texts]
    if parsed[1] is None or parsed[2] is None:  # a hand-written index: merge as text
        from gitsess.core.repo import git_process

        done = git_process(
            ours.parent,
            [
                "merge-file",
                "-L",
                "ours",
                "-L",
                "base",
                "-L",
                "theirs",
                str(ours),
                str(base),
                str(theirs),
            ],
            check=False,
        )
        # git takes a driver's non-zero exit for conflicts left in `ours`
        return ExitCode.OK if done.returncode == 0 else ExitCode.ERROR
    entries = index_module.merge_entries(parsed[0] or {}, parsed[1], parsed[2])
    workspace = open_workspace()
    project = index_module.project_from_index(texts[1]) or workspace.repo.root.name
    merged = index_module.assemble(entries, project, workspace.config.sessions_dir)
    write_atomic(ours, merged.encode("utf-8"))
    return ExitCode.OK
