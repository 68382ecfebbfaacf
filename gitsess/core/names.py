"""Names, dates and slugs: what a file name says and what a title becomes as one.

A session's id is its file name, `session_YYYYMMDD_slug.md` (DESIGN.md §3.1). Pure
text functions, used by parsing, writing and renaming alike; nothing here reads a file.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

# In the sessions directory, yet no exports (DESIGN.md §3.1).
NOT_EXPORTS = frozenset({"session_index.md", "CONTEXT_MANAGEMENT.md", "README.md"})
SLUG_MAX = 60


def is_export_name(name: str) -> bool:
    """A file name (relative to the sessions directory) that is an export: directly
    in it, not hidden, not one of the files git sess keeps there."""
    return (
        name.endswith(".md")
        and "/" not in name
        and name not in NOT_EXPORTS
        and not name.startswith(".")
    )


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
    """The date a file name holds (`session_20251201_x.md`, `2025-12-01-x.md`)."""
    match = re.search(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)", name)
    return parse_date("-".join(match.groups())) if match else None


def title_from_name(name: str) -> str:
    """`session_20251201_distilbert_training.md` -> `Distilbert training`."""
    stem = re.sub(r"\.md$", "", name)
    stem = re.sub(r"^session_", "", stem)
    stem = re.sub(r"^\d{4}-?\d{2}-?\d{2}_?", "", stem)
    words = stem.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def one_line(text: str | None) -> str | None:
    """Text folded to one line of single spaces; None when nothing is left."""
    if text is None:
        return None
    folded = " ".join(text.split())
    return folded or None
