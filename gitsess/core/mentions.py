"""Mentions of other notes in a hand-written note: the links it could have.

People name the note a session continues or needs in the words of the note:
`Continued from 2026-06-05-a.md`, `see [setup](docs/sessions/setup.md)`, `picked up
where the 2026-06-05 session left off`. Each mention is found with what it says of
the link (continues or requires); the import offers them as links, never adds them
(DESIGN.md §3.1, issue 16). Pure text: nothing here reads a file or knows the ids.

What names a note:
- a file name or path ending `.md`, in any naming scheme (`session_20251201_x.md`,
  `2026-06-05-a.md`, `001_claude_setup.md`, `docs/sessions/x.md`, `../x.md`);
- a dated name without `.md` (`2026-06-05-a`, `SESSION_SUMMARY_20241203`): the date
  and at least one word joined to it by `-` or `_`; an undated bare word never is;
- a name with spaces when it is plainly one: a markdown link's target (`%20`
  decoded), a wiki link `[[...]]`, a whole code span, or in running text one in the
  claude-sessions form `2025-07-16-1831-Title with spaces.md`;
- a session named by its date: "see session 2026-06-05", "the 2026-06-05 session",
  "the session of June 5, 2026".
Never: web addresses, images, a folder's own files (README.md, an index, a template),
repository documents (CLAUDE.md, CHANGELOG.md) or a version (`v2.0.md`).
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple
from urllib.parse import unquote

from gitsess.core.names import DATE_SPELLING, find_date, is_export_name, parse_date


class Mention(NamedTuple):
    """One note named in another."""

    text: str  # the note's file name or path as written (`.md` added), or an ISO date
    kind: str  # "continues" or "requires"
    form: str  # "file" (a name or path) or "date" ("see session 2026-06-05")


# --- what is no mention: blanked out before the names are looked for ----------

_URL = re.compile(r"\b(?:https?|ftp|file)://[^\s<>()\[\]`\"']+|\bwww\.[^\s<>()\[\]`\"']+", re.I)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")

# --- names in brackets and code: taken whole, spaces and all --------------------

_LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\((?P<target>[^)\n]+)\)")
_REFERENCE = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*(?P<target>\S+)", re.M)
_WIKI = re.compile(r"\[\[(?P<target>[^\]|#\n]+)(?:[|#][^\]\n]*)?\]\]")
_CODE = re.compile(r"`(?P<target>[^`\n]+)`")
_LINK_TITLE = re.compile(r"""\s+(?:"[^"]*"|'[^']*')$""")

# --- names in running text ------------------------------------------------------

# A token of a name's characters, with folders before it: `docs/sessions/x.md`,
# `./x.md`, `../x.md`, `~/notes/x.md`, `.sessions/x.md` (hidden folders too).
_TOKEN = re.compile(
    r"(?<![\w./%@+~-])"
    # only a token holding `.md` or a date can name a note: looked at in C, so the
    # words of a long note never reach Python
    r"(?=[\w./~-]*?(?:\.md|\d{4}))"
    r"(?:~/|/)?(?:\.{1,2}/)*(?:\.?[\w-][\w.-]*/)*[\w-][\w.-]*"
)
# The claude-sessions form, the one with spaces: `2025-07-16-1831-Title words.md`;
# it runs to the first `.md` and holds no other date nor the end of a sentence.
_SPACED = re.compile(
    r"(?<![\w./%@+~-])(?:[\w-][\w.-]*/)*\d{4}-\d{2}-\d{2}-\d{4}[-_ ]"
    r"(?:(?!\d{4}-\d{2}-\d{2}|[.!?:;,]\s)[^\n`\[\]()<>\"|*])*?\.md(?![\w-]|\.\w)",
)
_MD = re.compile(r"\.md$", re.I)
# A date in a name, at its edges or between `-`, `_` or `.`: `x_20251201`, `2026-06-05-a`.
_NAME_DATE = re.compile(r"(?:^|(?<=[-_.]))(\d{4})([-_]?)(\d{2})\2(\d{2})(?=$|[-_.])")
_VERSION = re.compile(r"v?\d+(?:\.\d+)*", re.I)
_PLACEHOLDER = re.compile(r"YYYY|MM-?DD|NNN|XXX|\{|<")  # `YYYY-MM-DD-slug.md` in a README
# Repository documents, not notes, whatever folder they are in (undated only).
_DOCUMENTS = frozenset(
    {"claude", "agents", "gemini", "copilot-instructions", "changelog", "contributing",
     "license", "security", "code_of_conduct", "readme", "index"}
)  # fmt: skip

# --- a session named by its date -------------------------------------------------

_SESSION_WORD = r"(?:sessions?|sitzung|séance|sesión|sessão|sessione|сесси[яиюей])"
_SESSION = re.compile(rf"\b{_SESSION_WORD}\b", re.I)
# After the word: `session of 2026-06-05`; before it (matched against the text just
# before the word): `the 2026-06-05 session`. Both only where the word is, so the
# long date pattern is never tried at every position of a long note.
_DATE_AFTER = re.compile(
    r"[ \t]+(?:(?:of|on|from|dated|du|vom|del|de)[ \t]+)?(?:the[ \t]+)?"
    rf"\(?(?P<date>{DATE_SPELLING})",
    re.I,
)
_DATE_BEFORE = re.compile(rf"(?P<date>{DATE_SPELLING})\)?(?:['’]s)?[ \t]+$", re.I)
_BEFORE_SPAN = 48  # the longest date spelling with its weekday fits
# A heading that is the session's own (`# Session 2026-06-05`, `## 2026-06-05 session`).
_OWN_HEADING = re.compile(rf"#+[ \t]+(?:{_SESSION_WORD}\b|\d)", re.I)

# --- what says the note continues the one it names ------------------------------

_CONTINUES = re.compile(
    r"\bcontinu(?:e|es|ed|ing|ation)\b"
    # `This follows x.md` (the name right after it, or after a few words in brackets:
    # `follows the sync roadmap (../x.md)`), not `follows the pattern of x.md`.
    r"|\bfollows[ \t]+(?=[`\[(]|\.{0,2}/|[\w-]*\d|$|(?:[\w.-]+[ \t]+){1,5}\($)"
    # the same in a few other languages: de, fr, es, pt, it, ru
    r"|\bfortsetzung\b|\bfortgesetzt\b|\bsuite[ \t]+(?:de|du)\b|\bcontinuaci[oó]n\b"
    r"|\bcontinua[cç][aã]o\b|\bcontinuazione\b|\bпродолжени[ея]\b"
    r"|\bpick(?:s|ed|ing)?[ \t]+(?:it[ \t]+)?up[ \t]+(?:from|where|on)\b"
    r"|\bfollow(?:s|ing)?[ \t]+(?:on[ \t]+from|up[ \t]+on)\b|\bfollow-?up[ \t]+(?:to|of|on)\b"
    r"|\bresum(?:es|ed|ing)\b|\bpart[ \t]+\d+[ \t]+of\b"
    r"|\b(?:previous|prior|last|earlier)[ \t]+sessions?\b"
    r"|^[ \t>*+-]*\**(?:previous|prev|parent|continues|continued[ \t]+from|前回|前のセッション"
    r"|上一次|上次|vorherige|précédente|anterior|предыдущая)\**[ \t]*[:：]",
    re.I | re.M,
)
# Words that say the note named is needed or related, not continued: after
# `Continued from a.md`, `see also b.md` is not continued.
_REQUIRES = re.compile(
    r"\b(?:see|also|cf|requires?|required|needs?|needed|depends?[ \t]+on|uses?|based[ \t]+on"
    r"|builds?[ \t]+on|related|refer[ \t]+to|like|same[ \t]+as)\b",
    re.I,
)
# The other way: the note named continues this one; no link of this note's.
_CONTINUED_BY = re.compile(
    r"\b(?:continue[sd]?|picked[ \t]+up)[ \t]+(?:in|by|at)\b|\bfollowed[ \t]+by\b"
    r"|\bnext[ \t]+(?:session|part)\b|^[ \t>*+-]*\**next\**[ \t]*[:：]",
    re.I | re.M,
)
_CONTINUED_BY_HEADING = re.compile(
    r"^[\W\d_]*(?:next[ \t]+(?:sessions?|part)|continued[ \t]+in)\b", re.I
)
_HEADING = re.compile(r"^#{2,6}[ \t]+(?P<heading>[^\n]*)", re.M)
_CONTINUES_HEADING = re.compile(
    r"^[\W\d_]*(?:(?:previous|prior|earlier|last)(?:[ \t]+(?:sessions?|work|notes?|parts?))?"
    r"[\W]*$|(?:previous|prior|earlier|last)[ \t]+sessions?\b|continu(?:ed|es|ation)\b"
    r"|picked[ \t]+up[ \t]+from|follows?[ \t]+(?:on[ \t]+)?from)",
    re.I,
)
# A clause ends at `.`, `;`, `!`, `?` or where a line ends a block (a hard-wrapped
# sentence goes on: `picks up from` / `2026-06-05-a.md`).
_CLAUSE_END = re.compile(r"[.;!?](?=\s|$)|\n(?=[ \t]*(?:[-*+>#|]|\d+[.)]|\n|$))")
_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+")


def mentions(text: str) -> list[Mention]:
    """The other notes `text` names, in order of first mention, each once (by its
    text); a note named as continued anywhere is continued."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found: list[tuple[int, int, str, str]] = []  # (where, what it says up to, text, form)
    blank = _blank(text, [match.span() for p in (_URL, _IMAGE) for match in p.finditer(text)])
    for pattern in (_LINK, _REFERENCE, _WIKI, _CODE):
        spans = []
        for match in pattern.finditer(blank):
            if (name := _target(match["target"], pattern)) is not None:
                # a link's own words say what it is: `[previous session](x.md)`
                said = match.start("target") if pattern is _LINK else match.start()
                found.append((match.start(), said, name, "file"))
                spans.append(match.span())
            elif pattern is _LINK:  # `[x](src/2026-06-05-a.py)`: its words may name one
                spans.append(match.span("target"))
        blank = _blank(blank, spans)
    for pattern, clean in ((_SPACED, str), (_TOKEN, lambda token: token.rstrip("."))):
        spans = []
        for match in pattern.finditer(blank):
            if name := _name(clean(match.group())):
                found.append((match.start(), match.start(), name, "file"))
                spans.append(match.span())
        blank = _blank(blank, spans)
    found += _dates(blank)
    found.sort()
    layout = _Layout(text)
    kinds: dict[str, Mention] = {}
    for where, said, name, form in found:
        kind = layout.kind(where, said)
        if kind is None:  # the note named continues this one: its link, not this one's
            continue
        if name not in kinds or kind == "continues":
            kinds[name] = Mention(name, kind, form)
    return list(kinds.values())


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans put out of reach, every position kept."""
    if not spans:
        return text
    parts, last = [], 0
    for start, end in sorted(spans):
        start = max(start, last)  # an image inside a web address's span
        parts += [text[last:start], " " * max(end - start, 0)]
        last = max(last, end)
    return "".join([*parts, text[last:]])


def _target(raw: str, pattern: re.Pattern[str]) -> str | None:
    """The note a link's target or a code span names, if it names one."""
    target = raw.strip()
    if pattern is _CODE:  # a whole code span: a name, or a dated name with spaces
        if " " in target and not re.match(r"\d{4}-?\d{2}-?\d{2}", target.rsplit("/", 1)[-1]):
            return None
        return _name(target)
    if pattern is _LINK:
        target = _LINK_TITLE.sub("", target)
        if target.startswith("<") and target.endswith(">"):
            target = target[1:-1]
    if re.match(r"[a-z][\w+.-]*:|#", target, re.I):  # mailto:, an anchor
        return None
    target = unquote(target.split("#", 1)[0].split("?", 1)[0]).strip()
    if pattern is _WIKI and target and not _MD.search(target):
        target += ".md"  # a wiki link names a note by its name without `.md`
    return _name(target)


def _name(raw: str) -> str | None:
    """`raw` as the name of a note (`.md` added when it was written without, `./`
    dropped), or None when it names none."""
    name = raw.removeprefix("./")
    base = name.rsplit("/", 1)[-1]
    if _MD.search(base):
        stem = base[:-3]
        dated = _NAME_DATE.search(stem) is not None and _dated_name(stem)
        if not stem or not dated and _not_a_note(stem):
            return None
        return name
    if "." in base or "\n" in base or not _dated_name(base):
        return None
    return f"{name}.md"


def _dated_name(stem: str) -> bool:
    """A name with a real date and a word besides: `2026-06-05-a`, not `2026-06-05`."""
    match = _NAME_DATE.search(stem)
    if match is None or parse_date(f"{match[1]}-{match[3]}-{match[4]}") is None:
        return False
    rest = stem[: match.start()] + stem[match.end() :]
    return any(char.isalpha() for char in rest)


def _not_a_note(stem: str) -> bool:
    """An undated name that is a folder's own file, a repository document, a
    version or a pattern: `README`, `SESSION_INDEX`, `handoff-template`, `CLAUDE`,
    `v2.0`, `YYYY-MM-DD-slug`."""
    return (
        not is_export_name(f"{stem}.md")
        or stem.lower() in _DOCUMENTS
        or _VERSION.fullmatch(stem) is not None
        or _PLACEHOLDER.search(stem) is not None
    )


def _dates(text: str) -> list[tuple[int, int, str, str]]:
    """Sessions named by their date, outside the note's own headings."""
    found = []
    for word in _SESSION.finditer(text):
        line_start = text.rfind("\n", 0, word.start()) + 1
        if _OWN_HEADING.match(text, line_start) or text.startswith("# ", line_start):
            continue
        after = _DATE_AFTER.match(text, word.end())
        window = max(line_start, word.start() - _BEFORE_SPAN)
        before = _DATE_BEFORE.search(text, window, word.start())
        for match in (after, before):
            if match is not None and (date := find_date(match["date"])):
                found.append((match.start("date"), match.start("date"), date, "date"))
    return found


class _Layout:
    """Where a note's clauses end and its sections start, found once for all of its
    mentions (a long log names hundreds)."""

    def __init__(self, text: str) -> None:
        self.text = text
        ends = list(_CLAUSE_END.finditer(text))
        self.clause_starts = [match.start() for match in ends]
        self.clause_ends = [match.end() for match in ends]
        headings = list(_HEADING.finditer(text))
        self.heading_starts = [match.start() for match in headings]
        self.headings = [match["heading"] for match in headings]

    def clause(self, where: int) -> tuple[int, int]:
        """Where the sentence or clause the mention at `where` is in starts and ends."""
        index = bisect.bisect_right(self.clause_ends, where)
        start = self.clause_ends[index - 1] if index else 0
        end = self.clause_starts[index] if index < len(self.clause_starts) else len(self.text)
        return start, end

    def heading(self, where: int) -> str | None:
        """The heading (`##` and deeper) of the section `where` is in."""
        index = bisect.bisect_left(self.heading_starts, where)
        return self.headings[index - 1] if index else None

    def lead_in(self, where: int) -> str:
        """The line that leads in to the mention's line or list: `Previous sessions:`
        over `- 2026-06-05-a.md`; empty when there is none."""
        text = self.text
        line_start = text.rfind("\n", 0, where) + 1
        item = _ITEM.match(text[line_start:where]) is not None
        while line_start:
            above_start = text.rfind("\n", 0, line_start - 1) + 1
            above = text[above_start : line_start - 1]
            if not (item and _ITEM.match(above)):
                above = above.strip(" \t*_#>")
                return above if above.endswith((":", "：")) else ""
            line_start = above_start
        return ""

    def kind(self, where: int, said: int) -> str | None:
        """What the note says of the one it names at `where`: the last word before
        it in its clause that tells (`continued from a.md, see also b.md`), else the
        line leading in to it (`**Previous sessions:**`), else its section (`##
        Continued from`): "continues", "requires", or None when the note named
        continues this one (`Continued in x.md`, `## Next session`)."""
        start, _ = self.clause(where)
        before = self.text[start:said]
        cues: list[tuple[int, int, str | None]] = [
            (match.start(), match.end(), kind)
            for kind, pattern in (
                ("continues", _CONTINUES),
                ("requires", _REQUIRES),
                (None, _CONTINUED_BY),
            )
            for match in pattern.finditer(before)
        ]
        if cues:
            return max(cues, key=lambda cue: cue[:2])[2]  # `continued in` over `continued`
        for context in (self.lead_in(where), self.heading(where)):
            if context and _CONTINUED_BY_HEADING.match(context):
                return None
            if context and (_CONTINUES_HEADING.match(context) or _CONTINUES.search(context)):
                return "continues"
        return "requires"
