"""What a merge left unresolved in the sessions directory, for `git sess check`.

git marks a conflicted path as unmerged in its staging area (stages 1–3: the
common ancestor, ours, theirs) until `git add` resolves it, and writes its
conflict markers into the file. An export's markers are reported where it is
read (gitsess.core.model); this adds what only git knows, the unmerged paths,
and the index file's conflict, which would otherwise read as merely "out of
date": in a clone without the merge driver it is what every merge of two
branches that each added a session ends in.
"""

from __future__ import annotations

from collections.abc import Mapping

from gitsess.core.errors import printable
from gitsess.core.model import Problem
from gitsess.core.repo import Repo

MARKER = "<<<<<<<"  # the first of git's conflict markers, at the start of a line
# git status's words for each combination of stages present.
_KINDS = {
    frozenset({1, 2, 3}): "both modified",
    frozenset({2, 3}): "both added",
    frozenset({1, 2}): "deleted by them",
    frozenset({1, 3}): "deleted by us",
    frozenset({2}): "added by us",
    frozenset({3}): "added by them",
    frozenset({1}): "both deleted",
}
# The model's own report of an export that still holds the markers.
_MARKERS_REPORTED = "unresolved merge conflict"


def unmerged_paths(repo: Repo, directory: str) -> dict[str, frozenset[int]]:
    """Each unmerged path under `directory` (relative to the top of the work
    tree) with the stages git holds for it; empty outside a conflict."""
    out = repo.git("--literal-pathspecs", "ls-files", "-u", "-z", "--", directory, check=False)
    stages: dict[str, set[int]] = {}
    for record in filter(None, out.split("\0")):
        meta, _, path = record.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[2].isdigit():
            stages.setdefault(path, set()).add(int(fields[2]))
    return {path: frozenset(found) for path, found in stages.items()}


def kind(stages: frozenset[int]) -> str:
    return _KINDS.get(stages, "unmerged")


def marker_line(text: str | None) -> int | None:
    """The line of the first conflict marker; for the generated index, where no
    line ever starts with `<<<<<<<` otherwise, that alone is a conflict."""
    if not text or MARKER not in text:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(MARKER):
            return number
    return None


def index_conflict(
    relative: str, text: str | None, unmerged: Mapping[str, frozenset[int]]
) -> Problem | None:
    """The index file (at `relative`) as a conflict: unmerged, or holding markers."""
    line = marker_line(text)
    stages = unmerged.get(relative)
    if stages is None and line is None:
        return None
    how = (
        f"a merge left it unmerged ({kind(stages)})"
        if stages is not None
        else "a merge left its conflict markers in it"
    )
    return Problem(
        relative,
        line,
        "error",
        f"conflicted: {how}; it is generated, never merged by hand",
        f"resolve it now: git sess index && git add {relative}; git sess init sets up the"
        " merge driver that merges the index without conflicts",
    )


def conflict_alone(problems: list[Problem]) -> list[Problem]:
    """The problems without those of a file that still holds conflict markers,
    but its conflict: broken YAML, a key set twice, a summary too long are what
    the two sides' lines read as together, gone once the conflict is resolved."""
    marked = {p.path for p in problems if p.message.startswith(_MARKERS_REPORTED)}
    return [p for p in problems if p.path not in marked or p.message.startswith(_MARKERS_REPORTED)]


def stale_index_hint(unmerged: Mapping[str, frozenset[int]]) -> str:
    """How to mend an index out of date: regenerating it while a merge leaves
    paths unresolved would only index one moment of the conflict, so resolve
    first (the hooks, or check afterwards, take it from there)."""
    if not unmerged:
        return "git sess index"
    return (
        "resolve the merge conflicts in the sessions directory first (check names each);"
        " the index follows them: run git sess check again then"
    )


def unmerged_problems(
    unmerged: Mapping[str, frozenset[int]], reported: list[Problem], index: str
) -> list[Problem]:
    """An unmerged path other than the index that `reported` does not already
    show as conflicted (an export with its markers still in it)."""
    marked = {p.path for p in reported if p.message.startswith(_MARKERS_REPORTED)}
    found = []
    for path, stages in sorted(unmerged.items()):
        if path == index or path in marked:
            continue
        if 2 in stages and 3 in stages:
            fix = f"once it reads as it should: git add {path}"
        else:  # one side deleted it, or a rename left it on one side only
            fix = f"keep it: git add {path}; or drop it: git rm {path}"
        found.append(
            Problem(
                printable(path),
                None,
                "error",
                f"unresolved merge conflict: git still holds it unmerged ({kind(stages)})",
                fix,
            )
        )
    return found
