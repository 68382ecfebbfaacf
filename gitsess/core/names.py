"""Names, dates and slugs: what a file name says and what a title becomes as one.

A session's id is its file name, `session_YYYYMMDD_slug.md` (DESIGN.md §3.1). Pure
text functions, used by parsing, writing and renaming alike; nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

from gitsess.core.patterns import lazy

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
    `2025-12-01-1430-x.md`, `SESSION_SUMMARY_20251201.md`); for a path relative to
    the sessions directory, the file name's date first, else the nearest folder's
    (`2025-12-01/001_claude_setup.md`, `Session_2025-11-17_Desc/SESSION_SUMMARY.md`)."""
    for part in reversed(name.replace("\\", "/").split("/")):
        match = _NAME_DATE_PARTS.search(part)
        if match and (date := parse_date("-".join(match.groups()))):
            return date
    return None


_NAME_DATE_PARTS = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)")
_NAME_TIME = re.compile(
    r"(?<!\d)\d{4}[-_]?\d{2}[-_]?\d{2}[-_T](\d{2})[:]?(\d{2})(?:[:]?(\d{2}))?(?!\d)"
)


def time_from_name(name: str) -> str | None:
    """The time of day a file name holds after its date, as HHMMSS
    (`2025-12-01_103000_x_ccp.md`, `2025-12-01-1430-x.md`): what orders one
    day's checkpoints."""
    match = _NAME_TIME.search(name.replace("\\", "/").rsplit("/", 1)[-1])
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return match.group(1) + match.group(2) + (match.group(3) or "00")


# Month names as dates are written in notes, by language: the full name, then the
# usual abbreviations (an abbreviation may end in `.`, read after the name). Russian
# has the genitive of a date (`7 января`) and the nominative.
_MONTH_NAMES = {
    "en": ("january jan", "february feb", "march mar", "april apr", "may", "june jun",
           "july jul", "august aug", "september sept sep", "october oct",
           "november nov", "december dec"),
    "de": ("januar jänner jän", "februar", "märz maerz mär mrz", "april", "mai", "juni",
           "juli", "august", "september", "oktober okt", "november", "dezember dez"),
    "fr": ("janvier janv", "février fevrier févr fevr fév", "mars", "avril avr", "mai",
           "juin", "juillet juil", "août aout", "septembre", "octobre", "novembre",
           "décembre decembre déc"),
    "es": ("enero ene", "febrero", "marzo", "abril abr", "mayo", "junio", "julio",
           "agosto ago", "septiembre setiembre", "octubre", "noviembre", "diciembre dic"),
    "pt": ("janeiro", "fevereiro fev", "março marco", "abril", "maio", "junho", "julho",
           "agosto", "setembro set", "outubro out", "novembro", "dezembro dez"),
    "it": ("gennaio gen", "febbraio", "marzo", "aprile", "maggio mag", "giugno giu",
           "luglio lug", "agosto", "settembre", "ottobre ott", "novembre", "dicembre"),
    "ru": ("января январь янв", "февраля февраль февр фев", "марта март мар",
           "апреля апрель апр", "мая май", "июня июнь июн", "июля июль июл",
           "августа август авг", "сентября сентябрь сент сен", "октября октябрь окт",
           "ноября ноябрь нояб ноя", "декабря декабрь дек"),
}  # fmt: skip
_MONTHS = {
    month: number
    for names in _MONTH_NAMES.values()
    for number, spellings in enumerate(names, start=1)
    for month in spellings.split()
}
# Longest first, so `sept` is not read as `sep` followed by a `t`.
_ANY_MONTH = "|".join(sorted(_MONTHS, key=lambda month: (-len(month), month)))
_ENGLISH_MONTH = "|".join(
    sorted((m for names in _MONTH_NAMES["en"] for m in names.split()), key=len, reverse=True)
)
# What may stand between a day and its month, and a month and its year:
# `1st of March`, `7. Januar`, `1er mars`, `7 de enero de 2026`, `7 янв. 2026 г.`.
_DAY_MARK = r"(?:st|nd|rd|th|er|º|\.)?"
_OF = r"(?:of|de|del)"
# The spellings of a date read in a note; also what a title loses (legacy.py).
DATE_SPELLING = (
    r"(?<![\w.])(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?![\d])"
    rf"|\b(?P<nm>{_ENGLISH_MONTH})\.?\s+(?P<nd>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<ny>\d{{4}})\b"
    rf"|\b(?P<dd>\d{{1,2}}){_DAY_MARK}\s+(?:{_OF}\s+)?(?P<dm>{_ANY_MONTH})\.?,?\s+"
    rf"(?:{_OF}\s+)?(?P<dy>\d{{4}})(?!\d)"
    r"|(?<![\w/.])(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?!\d)"
    # Chinese and Japanese `2026年1月7日`, Korean `2026년 1월 7일`
    r"|(?<!\d)(?P<cy>\d{4})\s*[年년]\s*(?P<cm>\d{1,2})\s*[月월]\s*(?P<cd>\d{1,2})(?!\d)\s*[日일]?"
)


@functools.cache
def _date_pattern() -> re.Pattern[str]:
    """Compiled on first use: every month name in six languages takes ~1.5 ms."""
    return re.compile(DATE_SPELLING, re.I)


def find_date(text: str) -> str | None:
    """The first date written in the text, as ISO: `2025-12-27`, `Dec 27, 2025`,
    `Saturday, 27 December 2025`, `12/27/2025`, `27.12.2025`, and with the month's
    name in German, French, Spanish, Portuguese, Italian or Russian (`7. Januar
    2026`, `1er mars 2026`, `7 de enero de 2026`, `7 янв. 2026 г.`), or `2026年1月7日`.

    Slashed numbers are read month/day (US) and dotted ones day.month (most of
    Europe), unless that makes no date: `27/12/2025` is the 27th of December.
    """
    if not text.isascii():  # `März` may come decomposed (macOS file names, pasted text)
        text = unicodedata.normalize("NFC", text)
    for match in _date_pattern().finditer(text):
        if match["iy"]:
            year, month, day = int(match["iy"]), int(match["im"]), int(match["id"])
        elif match["nm"]:
            year, month, day = int(match["ny"]), _MONTHS[match["nm"].lower()], int(match["nd"])
        elif match["dm"]:
            year, month, day = int(match["dy"]), _MONTHS[match["dm"].lower()], int(match["dd"])
        elif match["cy"]:
            year, month, day = int(match["cy"]), int(match["cm"]), int(match["cd"])
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


# (lazy: compiled once by a resident hook server, not in each hook it forks)
_MD_SUFFIX = lazy(r"\.md$")
_SESSION_PREFIX = lazy(r"^session_")
_LEADING_DATE = lazy(r"^\d{4}-?\d{2}-?\d{2}(?:[-_ ]\d{4}(?=[-_ ]))?[-_ ]?")
_TRAILING_DATE = lazy(r"[-_ ]\d{4}-?\d{2}-?\d{2}$")


def title_from_name(name: str) -> str:
    """`session_20251201_distilbert_training.md` -> `Distilbert training`;
    `2025-07-16-1831-Build section 1.5.md` -> `Build section 1.5`; of a path, the
    file name's words."""
    stem = _MD_SUFFIX.sub("", name.replace("\\", "/").rsplit("/", 1)[-1])
    stem = _SESSION_PREFIX.sub("", stem)
    stem = _LEADING_DATE.sub("", stem)
    stem = _TRAILING_DATE.sub("", stem)
    words = stem.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def one_line(text: str | None) -> str | None:
    """Text folded to one line of single spaces; None when nothing is left."""
    if text is None:
        return None
    folded = " ".join(text.split())
    return folded or None


def is_utf8(name: str) -> bool:
    """Whether a file name is UTF-8: Python stands undecodable bytes of a name
    for surrogates, which encoding refuses."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_plain_name(name: str) -> bool:
    """A name that can be stored and printed as it is: UTF-8, no control characters."""
    return (name.isascii() and name.isprintable()) or (name.isprintable() and is_utf8(name))


def name_trouble(name: str) -> str:
    """Why a name that is not plain is left out: what to say of it."""
    if not is_utf8(name):
        return "is not valid UTF-8"
    return "holds control characters (a newline, a tab, an escape)"
