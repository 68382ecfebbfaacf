"""Names, dates and slugs: what a file name says and what a title becomes as one.

A session's id is its file name, `session_YYYYMMDD_slug.md` (DESIGN.md §3.1). Pure
text functions, used by parsing, writing and renaming alike; nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# git sess's own files in the sessions directory (DESIGN.md §3.1).
NOT_EXPORTS = frozenset({"session_index.md", "CONTEXT_MANAGEMENT.md", "README.md"})
SLUG_MAX = 60
# git sess's own folders in the sessions directory: never notes.
OWN_FOLDERS = frozenset({"checkpoints", "templates"})

# Words that make an undated file name one about the folder or about many sessions,
# not one session: its index, template, read-me, or a running list kept across them.
FOLDER_WORDS = frozenset(
    {"readme", "index", "template", "templates", "toc", "changelog", "contributing",
     "license", "backlog", "todo", "todos", "ideas", "glossary", "faq", "friction",
     "points"}
)  # fmt: skip
_NAME_DATE = re.compile(r"(?<!\d)\d{4}[-_]?\d{2}[-_]?\d{2}(?!\d)")
_NAME_WORDS = re.compile(r"[^\W_]+")


def is_export_name(name: str) -> bool:
    """A path relative to the sessions directory that is an export, or a note.

    The rule, case-insensitive, by the name alone (the pre-commit hook has no more):
    a `*.md` file in the directory or a folder of it (`archive/`, `2025-12-01/`,
    `Session_2025-11-17_Desc/`), except
    - hidden or private names, starting with `.` or `_` (`.current-session`,
      `_next-session-prompt-2.md`, drafts), and anything in such a folder;
    - git sess's own files (`session_index.md`, `CONTEXT_MANAGEMENT.md`, `README.md`)
      and folders (`checkpoints/`, `templates/`);
    - an undated name whose first or last word is a folder word (FOLDER_WORDS):
      `SESSION_INDEX.md`, `TEMPLATE.md`, `handoff-template.md`, `friction_points.md`.
    A name with a date (`YYYYMMDD`, `YYYY-MM-DD`) is always a note.
    """
    if "/" in name:
        folder, _, name = name.rpartition("/")
        if not is_note_folder(folder):
            return False
    if not name.endswith(".md") or not name or name[0] in "._":
        return False
    if _NAME_DATE.search(name):  # the common case first; none of git sess's own is dated
        return True
    lower = name.lower()
    words = _NAME_WORDS.findall(lower[:-3])
    return lower not in _OWN_FILES and not (
        words and (words[0] in FOLDER_WORDS or words[-1] in FOLDER_WORDS)
    )


def is_note_folder(folder: str) -> bool:
    """A folder (relative to the sessions directory) whose notes are sessions: not
    hidden or private at any level, and not git sess's own `checkpoints/` or
    `templates/` (checkpoints are read apart; templates are never notes)."""
    parts = folder.split("/")
    return (
        all(part and part[0] not in "._" for part in parts) and parts[0].lower() not in OWN_FOLDERS
    )


_OWN_FILES = frozenset(name.lower() for name in NOT_EXPORTS)


# Letters NFKD does not decompose into an ASCII base letter.
_ASCII_SPELLINGS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
     "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip


def ascii_spelling(text: str) -> str:
    """`Größe` -> `Grosse`, `café` -> `cafe`; what has no spelling is dropped."""
    spelled = text.translate(_ASCII_SPELLINGS)
    return unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()


def slugify(title: str) -> str:
    """Lower-case ASCII, non-alphanumerics folded to `_`, cut at a word boundary.

    ASCII only: such names need no quoting in git's output and survive file
    systems that normalise Unicode differently (macOS). The frontmatter keeps the
    full title.
    """
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_spelling(title).lower()).strip("_")
    if len(slug) > SLUG_MAX:
        cut = slug[:SLUG_MAX]
        slug = cut.rsplit("_", 1)[0] if "_" in cut[SLUG_MAX // 2 :] else cut
    return slug.strip("_") or "untitled"


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(raw: str) -> str | None:
    """YYYY-MM-DD only (Python 3.11's fromisoformat also takes 20260101 and week
    dates, 3.10's does not: the same file must mean the same on both)."""
    text = raw.strip()
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def date_from_name(name: str) -> str | None:
    """The date a file name holds (`session_20251201_x.md`, `2025-12-01-x.md`,
    `2025-12-01-1430-x.md`, `SESSION_SUMMARY_20251201.md`)."""
    match = re.search(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)", name)
    return parse_date("-".join(match.groups())) if match else None


_MONTHS = {
    month: number
    for number, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june",
         "jul july", "aug august", "sep sept september", "oct october", "nov november",
         "dec december"),
        start=1,
    )
    for month in names.split()
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# The spellings of a date read in a note; also what a title loses (legacy.py).
DATE_SPELLING = (
    r"(?<![\w.])(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?![\d])"
    rf"|\b(?P<nm>{_MONTH})\.?\s+(?P<nd>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ny>\d{{4}})\b"
    rf"|\b(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm>{_MONTH})\.?,?\s+(?P<dy>\d{{4}})\b"
    r"|(?<![\w/.])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)"
)
_DATE = re.compile(DATE_SPELLING, re.I)


def find_date(text: str) -> str | None:
    """The first date written in the text, as ISO: `2025-12-27`, `Dec 27, 2025`,
    `Saturday, 27 December 2025`, `12/27/2025`, `27.12.2025`.

    Slashed numbers are read month/day (US) and dotted ones day.month (most of
    Europe), unless that makes no date: `27/12/2025` is the 27th of December.
    """
    for match in _DATE.finditer(text):
        if match["iy"]:
            year, month, day = int(match["iy"]), int(match["im"]), int(match["id"])
        elif match["nm"]:
            year, month, day = int(match["ny"]), _MONTHS[match["nm"].lower()], int(match["nd"])
        elif match["dm"]:
            year, month, day = int(match["dy"]), _MONTHS[match["dm"].lower()], int(match["dd"])
        else:
            first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
            month, day = (first, second) if match["sep"] == "/" else (second, first)
            if month > 12:
                month, day = day, month
        try:
            return dt.date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


def title_from_name(name: str) -> str:
    """`session_20251201_distilbert_training.md` -> `Distilbert training`;
    `2025-07-16-1831-Build section 1.5.md` -> `Build section 1.5`."""
    stem = re.sub(r"\.md$", "", name)
    stem = re.sub(r"^session_", "", stem)
    stem = re.sub(r"^\d{4}-?\d{2}-?\d{2}(?:[-_ ]\d{4}(?=[-_ ]))?[-_ ]?", "", stem)
    stem = re.sub(r"[-_ ]\d{4}-?\d{2}-?\d{2}$", "", stem)
    words = stem.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def one_line(text: str | None) -> str | None:
    """Text folded to one line of single spaces; None when nothing is left."""
    if text is None:
        return None
    folded = " ".join(text.split())
    return folded or None
