"""References to moved notes, rewritten so nothing dangles.

When `import` moves or renames notes, other files name them the ways people write
a note's name: its path from the top of the repository (`docs/sessions/x.md`), a
path relative to the file that names it (`archive/x.md`, `./x.md`, `../x.md`, also
URL-encoded in a markdown link: `x%20y.md`), or its bare file name (`x.md`, and a
dated name without `.md`). Each is rewritten to the same form of the new place,
in one pass, so no replacement is ever replaced again.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from urllib.parse import quote

from gitsess.core.names import date_from_name

# A name starts after a space, a bracket, a quote, a colon or the line's start (so
# `./x.md` or `docs/x.md` is not also matched as `x.md`), and ends before a word
# character, a slash or a dash (so `x.md` is not the start of `x.md.bak` or `x-2.md`).
_BEFORE_CHARS = re.compile(r"(?<=[\w./\\%-])")  # matches where a name may not start
_AFTER_CHARS = re.compile(r"[\w/%-]|\.\w")  # matches where a name may not end


class Rewriter:
    """Rewrites references to the moved files (`moves`: old path -> new path, from
    the top of the work tree) in any number of texts. `base`: the sessions
    directory, when the moved files are in it: a path written from a folder above
    the file (`2025-12-01/x.md` in `2025-12-02/y.md`, from the collection's top)
    then names the note by its new id, its path from `base`.

    Built once for all the files of an operation: it first finds which moved
    files a text names at all (one pattern of every file name and dated stem,
    compiled once), and builds the replacements for those alone, so a thousand
    notes naming each other cost a thousand scans, not a million."""

    def __init__(self, moves: Mapping[str, str], base: str | None = None) -> None:
        self.moves = {old: new for old, new in moves.items() if old != new}
        self.base = base
        self.by_name: dict[str, list[str]] = {}  # a spelling of a name -> moved paths
        for old in self.moves:
            name = posixpath.basename(old)
            spellings = {name, quote(name, errors="surrogateescape"), name.replace(" ", "%20")}
            if date_from_name(name.removesuffix(".md")):
                spellings.add(name.removesuffix(".md"))
            for spelling in spellings:
                self.by_name.setdefault(spelling, []).append(old)
        names = sorted(self.by_name, key=len, reverse=True)
        self.finder = re.compile("|".join(map(re.escape, names))) if names else None

    def rewrite(self, text: str, here_old: str, here_new: str | None = None) -> str:
        """`text`, of the file that was at `here_old` and is now at `here_new`, with
        every reference to a moved file pointing at its new place."""
        if self.finder is None:
            return text
        named = {old for match in self.finder.finditer(text) for old in self.by_name[match[0]]}
        if not named:
            return text
        moves = {old: self.moves[old] for old in named}
        here_new = here_new or here_old
        replacements = _replacements(moves, here_old, here_new, self._same_name(named))
        if self.base is not None:
            for written, meant in _from_folders_above(moves, here_old, self.base).items():
                replacements.setdefault(written, meant)
        if not replacements:
            return text
        # Every form written ends with a spelling of the name the finder finds: each
        # find is tried against the forms, longest first, reading back from its end.
        forms = sorted(replacements, key=len, reverse=True)
        parts, last = [], 0
        for match in self.finder.finditer(text):
            end = match.end()
            for written in forms:
                start = end - len(written)
                if (
                    start >= last
                    and written.endswith(match[0])
                    and text.startswith(written, start)
                    and _BEFORE_CHARS.match(text, start) is None
                    and _AFTER_CHARS.match(text, end) is None
                ):
                    parts += [text[last:start], replacements[written]]
                    last = end
                    break
        return "".join([*parts, text[last:]]) if parts else text

    def _same_name(self, named: set[str]) -> set[str]:
        """Of the files named, those whose bare name another moved file shares."""
        return {old for old in named if len(self.by_name.get(posixpath.basename(old), [])) > 1}


def rewrite_references(
    text: str,
    moves: Mapping[str, str],
    here_old: str,
    here_new: str | None = None,
    base: str | None = None,
) -> str:
    """One text's references rewritten (see Rewriter, for many texts)."""
    return Rewriter(moves, base).rewrite(text, here_old, here_new)


def _from_folders_above(moves: Mapping[str, str], here_old: str, base: str) -> dict[str, str]:
    found: dict[str, str] = {}
    folder = posixpath.dirname(posixpath.dirname(here_old))  # the file's own: _replacements
    while folder:
        for old, new in moves.items():
            written = posixpath.relpath(old, folder)
            if "/" in written and not written.startswith("../"):
                meant = posixpath.relpath(new, base)
                if written != meant:
                    found.setdefault(written, meant)
        folder = posixpath.dirname(folder)
    return found


def _replacements(
    moves: Mapping[str, str], here_old: str, here_new: str, shared: set[str]
) -> dict[str, str]:
    old_dir, new_dir = posixpath.dirname(here_old), posixpath.dirname(here_new)
    found: dict[str, str] = {}
    basenames: dict[str, list[tuple[str, str]]] = {}
    for old, new in moves.items():
        forms = {old: new}  # from the top of the work tree
        relative_old = posixpath.relpath(old, old_dir or ".")
        relative_new = posixpath.relpath(new, new_dir or ".")
        forms[relative_old] = relative_new
        forms["./" + relative_old] = (
            relative_new if relative_new.startswith("../") else "./" + relative_new
        )
        for written, meant in list(forms.items()):
            # A markdown link's target: all of it percent-encoded, or only its spaces
            # (`2026-01-15%20итоги.md`); `errors`: a name that is not UTF-8 (its
            # undecodable bytes stand as surrogates) is quoted byte for byte.
            forms[quote(written, errors="surrogateescape")] = quote(meant, errors="surrogateescape")
            forms[written.replace(" ", "%20")] = meant.replace(" ", "%20")
        for written, meant in forms.items():
            if written != meant:
                found.setdefault(written, meant)
        basenames.setdefault(posixpath.basename(old), []).append((old, new))
    for name, pairs in basenames.items():
        # A bare file name names the note only when one moved note has it; it is
        # rewritten only if the name itself changed (a folder move keeps it).
        new_name = posixpath.basename(pairs[0][1])
        if len(pairs) > 1 or pairs[0][0] in shared or new_name == name:
            continue
        found.setdefault(name, new_name)
        stem, new_stem = name.removesuffix(".md"), new_name.removesuffix(".md")
        if date_from_name(stem):  # `2026-06-05-a` names a note; `retro` names anything
            found.setdefault(stem, new_stem)
    return found
