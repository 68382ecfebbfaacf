"""Session exports as data: parsing, legacy inference and byte-preserving edits.

The only module that imports python-frontmatter (and PyYAML under it). YAML is
only ever read with the safe loader (the C one when PyYAML has it).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from gitsess.core.files import describe_utf8_error

NOT_EXPORTS = frozenset({"session_index.md", "CONTEXT_MANAGEMENT.md", "README.md"})
KNOWN_KEYS = (
    "title",
    "date",
    "type",
    "status",
    "tags",
    "summary",
    "prerequisite_sessions",
    "continuation_of",
    "tokens",
    "token_limit",
)
REQUIRED_KEYS = ("title", "date", "type", "status")
# Keys whose line numbers later checks report (the rest are reported while parsing).
LOCATED_KEYS = ("type", "status", "prerequisite_sessions", "continuation_of")
SLUG_MAX = 60


@functools.cache
def _yaml() -> SimpleNamespace:
    """The YAML stack, imported on first use: warm runs read only the cache and skip it."""
    import frontmatter
    import yaml

    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class DatesAsText(safe_loader):  # type: ignore[misc, valid-type]
        """Safe loading, but dates stay text: `2026-02-30` is reported on its line by
        the date check instead of failing the whole frontmatter."""

    DatesAsText.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in safe_loader.yaml_implicit_resolvers.items()
    }
    return SimpleNamespace(
        handler=frontmatter.YAMLHandler(),
        loader=DatesAsText,
        # The pure-Python dumper: libyaml escapes emoji as "\U0001F680", and
        # writing one frontmatter is never on a path anyone waits on.
        dumper=yaml.SafeDumper,
        error=yaml.YAMLError,
    )


@dataclass
class Problem:
    """Something wrong with an export; `line` is 1-based in the file."""

    path: str
    line: int | None
    level: str  # "error" or "warning"
    message: str
    hint: str | None = None
    # `update` refuses while this is unfixed: the file is unreadable (not UTF-8,
    # empty, frontmatter not YAML) or a value could not be read, and rewriting
    # the frontmatter would silently drop it.
    blocking: bool = False
    # Every file a problem spans (the members of a link cycle), when more than `path`.
    involves: tuple[str, ...] = ()

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "level": self.level,
            "message": self.message,
            "hint": self.hint,
        }


@dataclass
class Session:
    id: str  # the file name, e.g. session_20251201_distilbert_training.md
    path: str  # relative to the top of the work tree, POSIX form
    title: str
    date: str | None  # ISO date
    type: str
    status: str
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    prerequisite_sessions: list[str] = field(default_factory=list)
    continuation_of: str | None = None
    tokens: int | None = None
    token_limit: int | None = None
    legacy: bool = False  # no frontmatter: every field was inferred from the text
    size: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, JSON-safe
    key_lines: dict[str, int] = field(default_factory=dict)  # frontmatter key -> file line
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(problem.level == "error" for problem in self.problems)

    @property
    def links(self) -> list[tuple[str, str]]:
        """(kind, raw target) pairs in the order they are written."""
        found = [("requires", target) for target in self.prerequisite_sessions]
        if self.continuation_of:
            found.append(("continues", self.continuation_of))
        return found

    def public(self) -> dict[str, Any]:
        """The stable machine-readable form (`list --json`)."""
        return {
            "id": self.id,
            "path": self.path,
            "date": self.date,
            "title": self.title,
            "type": self.type,
            "status": self.status,
            "tags": list(self.tags),
            "summary": self.summary,
            "prerequisite_sessions": list(self.prerequisite_sessions),
            "continuation_of": self.continuation_of,
            "tokens": self.tokens,
            "token_limit": self.token_limit,
            "legacy": self.legacy,
        }

    def to_record(self) -> list[Any]:
        """A compact cache record: the fields after id and path, in order."""
        return [
            self.title,
            self.date,
            self.type,
            self.status,
            self.tags,
            self.summary,
            self.prerequisite_sessions,
            self.continuation_of,
            self.tokens,
            self.token_limit,
            self.legacy,
            self.size,
            self.extra,
            self.key_lines,
            [[p.line, p.level, p.message, p.hint, p.blocking] for p in self.problems],
        ]

    @classmethod
    def from_record(cls, session_id: str, path: str, record: list[Any]) -> Session:
        *fields, problems = record
        session = cls(session_id, path, *fields)
        session.problems = [Problem(path, *problem) for problem in problems]
        return session


def json_array(items: list[dict[str, Any]]) -> str:
    """A JSON array, one object a line: greppable, and built with json's C encoder
    (`indent=` would switch to the pure-Python one, several times slower)."""
    import json

    encode = json.JSONEncoder(ensure_ascii=False).encode
    return "[\n" + ",\n".join(encode(item) for item in items) + "\n]" if items else "[]"


def newest_first(sessions: Iterable[Session]) -> list[Session]:
    """The order of `list` and the index: date descending (undated last), then id."""
    by_id = sorted(sessions, key=lambda s: s.id)
    return sorted(by_id, key=lambda s: s.date or "", reverse=True)


# --- reading -----------------------------------------------------------------


def parse_export(rel_path: str, data: bytes) -> Session:
    """Read one export. Never raises: what is wrong is recorded in `problems`."""
    session = _parse(rel_path, data)
    session.key_lines = {k: v for k, v in session.key_lines.items() if k in LOCATED_KEYS}
    return session


def _parse(rel_path: str, data: bytes) -> Session:
    name = rel_path.rsplit("/", 1)[-1]
    session = Session(
        id=name,
        path=rel_path,
        title=_title_from_name(name),
        date=_date_from_name(name),
        type="feature",
        status="in-progress",
        size=len(data),
    )
    if not data.strip():
        session.legacy = True
        _problem(
            session, None, "error", "empty file", "write the export or delete it", blocking=True
        )
        return session
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, message, hint = describe_utf8_error(data, exc, rel_path)
        _problem(session, line, "error", message, hint, blocking=True)
        text = data.decode("utf-8", "replace")
    if (conflict := _conflict_line(text)) is not None:
        _problem(
            session,
            conflict,
            "error",
            "unresolved merge conflict: the markers <<<<<<< ======= >>>>>>> are still in the file",
            "keep the text you want, delete the marker lines, then git add it",
            blocking=True,
        )
    try:
        block = split_frontmatter(text)
    except FrontmatterNotClosed:
        _problem(
            session,
            1,
            "error",
            "the frontmatter opened on this line is never closed",
            "add a line '---' after the last metadata line",
            blocking=True,
        )
        block = None
    if block is None:
        _infer_legacy(session, text)
        return session
    session.key_lines = _key_lines(block.yaml, first_line=2)
    _report_duplicate_keys(session, block.yaml)
    try:
        meta = _yaml().handler.load(block.yaml, Loader=_yaml().loader)
    except (ValueError, OverflowError, RecursionError) as exc:
        # Valid YAML syntax that cannot be built, e.g. `date: 2026-02-30`.
        message = f"frontmatter holds a value that cannot be read: {exc}"
        hint = "fix the value (dates are YYYY-MM-DD and must exist), or quote it"
        line = _impossible_date_line(block.yaml, first_line=2) or 2
        return _unreadable_frontmatter(session, line, message, hint, text[block.body_start :])
    except _yaml().error as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        # YAML notices an unclosed bracket or quote only lines later: name where it opened.
        start = getattr(exc, "context_mark", None)
        opened = "plain scalar" not in (getattr(exc, "context", None) or "")
        if opened and start is not None and mark is not None and start.line < mark.line:
            reason += f" ({exc.context} on line {start.line + 2})"
        message = f"frontmatter is not valid YAML: {reason}"
        hint = "fix the YAML between the two '---' lines (quote values that contain ': ')"
        return _unreadable_frontmatter(session, line, message, hint, text[block.body_start :])
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        message = f"frontmatter is a YAML {type(meta).__name__}, not a mapping of keys"
        hint = "write it as 'key: value' lines, e.g. 'title: My session'"
        return _unreadable_frontmatter(session, 2, message, hint, text[block.body_start :])
    _apply_mapping(session, meta, text[block.body_start :])
    return session


def _impossible_date_line(yaml_text: str, first_line: int) -> int | None:
    """The line of a date-shaped value that is no date (YAML says only "out of range")."""
    for number, line in enumerate(_lines(yaml_text), start=first_line):
        match = re.search(r":\s*(\d{4}-\d{1,2}-\d{1,2})\s*(#.*)?$", line)
        if match and parse_date(match.group(1)) is None:
            return number
    return None


def _unreadable_frontmatter(
    session: Session, line: int, message: str, hint: str, body: str
) -> Session:
    """Report the frontmatter, and still show what the body tells (list must not fail)."""
    _problem(session, line, "error", message, hint, blocking=True)
    _infer_legacy(session, body, keep_legacy_flag=False)
    return session


def _apply_mapping(session: Session, meta: dict[Any, Any], body: str) -> None:
    meta = {str(key): value for key, value in meta.items()}
    for key in REQUIRED_KEYS:
        if meta.get(key) in (None, ""):
            _problem(
                session,
                session.key_lines.get(key, 1),
                "error",
                f"missing required field '{key}'",
                f"add '{key}: …' to the frontmatter",
            )
    title = _text_field(session, "title", meta.get("title"))
    session.title = title or _title_from_text(body) or session.title
    session.date = _date_field(session, meta.get("date")) or session.date
    session.type = _text_field(session, "type", meta.get("type")) or session.type
    session.status = _text_field(session, "status", meta.get("status")) or session.status
    session.summary = _text_field(session, "summary", meta.get("summary"))
    session.tags = _list_field(session, "tags", meta.get("tags"))
    session.prerequisite_sessions = _list_field(
        session, "prerequisite_sessions", meta.get("prerequisite_sessions")
    )
    session.continuation_of = _continuation_field(session, meta.get("continuation_of"))
    session.tokens = _int_field(session, "tokens", meta.get("tokens"))
    session.token_limit = _int_field(session, "token_limit", meta.get("token_limit"))
    for key, value in meta.items():
        if key in KNOWN_KEYS:
            continue
        try:
            session.extra[key] = _plain(value, frozenset(), [PLAIN_VALUES_MAX])
        except Unstorable as unstorable:
            _problem(
                session,
                session.key_lines.get(key),
                "error",
                f"{key} {unstorable.reason}",
                unstorable.hint,
                blocking=True,
            )


def _text_field(session: Session, key: str, value: Any) -> str | None:
    """A one-line text value; a list or mapping where text belongs is an error."""
    if value is None or isinstance(value, (str, int, float, dt.date)):
        return _scalar_text(value)
    _problem(
        session,
        session.key_lines.get(key),
        "error",
        f"{key} must be text, not a YAML {type(value).__name__}",
        f"write it on one line: {key}: …",
        blocking=True,
    )
    return None


def _date_field(session: Session, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    parsed = parse_date(str(value))
    if parsed:
        return parsed
    _problem(
        session,
        session.key_lines.get("date"),
        "error",
        f"date {str(value)!r} is not a date",
        "write it as YYYY-MM-DD, e.g. date: 2025-12-01",
        blocking=True,
    )
    return None


def _list_field(session: Session, key: str, value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        items = [item for item in re.split(r"[,\s]+", value) if item]
        _problem(
            session,
            session.key_lines.get(key),
            "warning",
            f"{key} is a string; read as a list of {len(items)}",
            f"write it as a list: {key}: [{', '.join(items)}]",
        )
        return items
    if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        return [str(item).strip() for item in value if str(item).strip()]
    _problem(
        session,
        session.key_lines.get(key),
        "error",
        f"{key} must be a list of words",
        f"write it as {key}: [first, second]",
        blocking=True,
    )
    return []


def _continuation_field(session: Session, value: Any) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], str):
        _problem(
            session,
            session.key_lines.get("continuation_of"),
            "warning",
            "continuation_of is a list; a session continues exactly one other",
            f"write it as continuation_of: {value[0]}",
        )
        return value[0].strip()
    _problem(
        session,
        session.key_lines.get("continuation_of"),
        "error",
        "continuation_of must name one session id",
        "write it as continuation_of: session_YYYYMMDD_slug.md (or null)",
        blocking=True,
    )
    return None


def _int_field(session: Session, key: str, value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"\d[\d,_]*", value.strip()):
        return int(re.sub(r"[,_]", "", value))
    _problem(
        session,
        session.key_lines.get(key),
        "error",
        f"{key} must be a whole number of tokens, not {value!r}",
        f"write it as {key}: 85834",
        blocking=True,
    )
    return None


# --- legacy exports (no frontmatter) ------------------------------------------

_SESSION_TITLE = re.compile(r"^#\s+Session(?:\s+Log)?\s*:\s*(.+?)\s*$", re.M)
_ANY_TITLE = re.compile(r"^#\s+(.+?)\s*$", re.M)
_BOLD_FIELD = re.compile(r"^\*\*([A-Za-z][A-Za-z ]*?)(?:\*\*\s*:|\s*:\*\*)[ \t]*(.*?)[ \t]*$", re.M)
_SECTION = re.compile(r"^#{2,3}\s+(.+?)\s*$", re.M)
_MENTION = re.compile(r"\bsession_\d{8}_[A-Za-z0-9_]+(?:\.md)?")
_TYPE_BY_SECTION = (
    ("bug", ("root cause", "symptoms")),
    ("research", ("findings", "questions")),
    ("operation", ("commands to monitor",)),
    ("checkpoint", ("recovery instructions",)),
    ("reflection", ("what worked", "lessons")),
    ("roadmap", ("phases",)),
)
_OBJECTIVE_SECTIONS = ("session objectives", "objectives", "objective", "mission", "operation")


def _infer_legacy(session: Session, text: str, keep_legacy_flag: bool = True) -> None:
    """Fill a session's fields from a hand-written export's headings and bold lines."""
    session.legacy = keep_legacy_flag
    session.title = _title_from_text(text) or session.title
    fields = legacy_fields(text)
    if "date" in fields:
        session.date = parse_date(fields["date"][:10]) or session.date
    if "status" in fields:
        session.status = legacy_status(fields["status"])
    if "tokens" in fields:
        session.tokens, session.token_limit = _legacy_tokens(fields["tokens"])
    if "duration" in fields:
        session.extra["duration"] = fields["duration"]
    sections = [heading.lower() for heading in _SECTION.findall(text)]
    session.type = next(
        (kind for kind, names in _TYPE_BY_SECTION if any(s in names for s in sections)),
        "feature",
    )
    session.summary = _first_line_of_section(text, _OBJECTIVE_SECTIONS)
    if session.date is None and keep_legacy_flag:
        _problem(
            session,
            None,
            "error",
            "no date: none in the file name and no '**Date**:' line",
            "add a line '**Date**: YYYY-MM-DD' under the title",
        )


def legacy_fields(text: str) -> dict[str, str]:
    """`**Key**: value` and `**Key:** value` lines, keys lower-cased (first one wins)."""
    found: dict[str, str] = {}
    for key, value in _BOLD_FIELD.findall(text):
        found.setdefault(key.strip().lower(), value.strip())
    return found


def legacy_status(raw: str) -> str:
    words = raw.lower()
    if "incomplete" in words or "progress" in words or "ongoing" in words:
        return "in-progress"
    if any(word in words for word in ("complete", "done", "finished")):
        return "complete"
    if "block" in words:
        return "blocked"
    if any(word in words for word in ("abandon", "cancel", "dropped")):
        return "abandoned"
    return "in-progress"


def _legacy_tokens(raw: str) -> tuple[int | None, int | None]:
    match = re.match(r"\s*([\d][\d,_]*)\s*(?:/\s*([\d][\d,_]*))?", raw)
    if not match:
        return None, None
    used = int(re.sub(r"[,_]", "", match.group(1)))
    limit = int(re.sub(r"[,_]", "", match.group(2))) if match.group(2) else None
    return used, limit


def mentioned_sessions(text: str) -> list[str]:
    """Session ids named in the text, in order of first mention, with `.md`."""
    seen: dict[str, None] = {}
    for mention in _MENTION.findall(text):
        seen.setdefault(mention if mention.endswith(".md") else mention + ".md")
    return list(seen)


def _title_from_text(text: str) -> str | None:
    match = _SESSION_TITLE.search(text) or _ANY_TITLE.search(text)
    return _one_line(match.group(1).strip("# ")) if match else None


def _first_line_of_section(text: str, names: tuple[str, ...]) -> str | None:
    headings = list(_SECTION.finditer(text))
    for index, heading in enumerate(headings):
        if heading.group(1).lower() not in names:
            continue
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        for line in text[heading.end() : end].splitlines():
            line = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", line).strip()
            if line and not line.startswith(("#", "---", "<!--")):
                return _one_line(line)
    return None


# --- names, dates, slugs --------------------------------------------------------


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


def _date_from_name(name: str) -> str | None:
    match = re.search(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)", name)
    return parse_date("-".join(match.groups())) if match else None


def _title_from_name(name: str) -> str:
    stem = re.sub(r"\.md$", "", name)
    stem = re.sub(r"^session_", "", stem)
    stem = re.sub(r"^\d{4}-?\d{2}-?\d{2}_?", "", stem)
    words = stem.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def _one_line(text: str | None) -> str | None:
    if text is None:
        return None
    folded = " ".join(text.split())
    return folded or None


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return None
    return _one_line(str(value))


class Unstorable(ValueError):
    """A YAML value that safe loading builds but a JSON cache cannot hold."""

    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


PLAIN_VALUES_MAX = 10_000  # an alias-expanded value bigger than this is refused


PLAIN_DEPTH_MAX = 100  # deeper nesting is refused before Python's recursion limit


def _plain(value: Any, enclosing: frozenset[int], budget: list[int]) -> Any:
    """YAML values in a JSON-safe form (dates become ISO strings).

    Aliases are shared by safe loading but copied here, so a few hundred bytes
    of nested aliases could expand to gigabytes: `budget` caps the copy.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise Unstorable(
            f"expands to more than {PLAIN_VALUES_MAX:,} values (nested aliases?)",
            "write the value out, or drop it: exports hold notes, not data",
        )
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        raise Unstorable("holds binary data (!!binary)", "write it as text, or drop it")
    if isinstance(value, float) and not math.isfinite(value):
        raise Unstorable(f"is {value}, not a number", "quote it to keep it as text")
    if isinstance(value, (dict, list, tuple, set)):
        if len(enclosing) >= PLAIN_DEPTH_MAX:
            raise Unstorable(
                f"nests more than {PLAIN_DEPTH_MAX} levels deep", "flatten the value, or drop it"
            )
        if id(value) in enclosing:
            raise Unstorable(
                "holds a YAML alias that refers to itself",
                "replace the alias (*name) with the value it stands for",
            )
        inner = enclosing | {id(value)}
        if isinstance(value, dict):
            return {str(key): _plain(item, inner, budget) for key, item in value.items()}
        return [_plain(item, inner, budget) for item in value]
    return value


_CONFLICT = re.compile(r"^<{7}(?: |$)(?:.*\n)*?={7}$(?:.*\n)*?^>{7}(?: |$)", re.MULTILINE)


def _conflict_line(text: str) -> int | None:
    """The line of the first `<<<<<<<` that git's conflict markers follow through."""
    found = _CONFLICT.search(text) if "<<<<<<<" in text else None
    return text.count("\n", 0, found.start()) + 1 if found else None


def _problem(
    session: Session, line: int | None, level: str, message: str, hint: str, blocking: bool = False
) -> None:
    session.problems.append(Problem(session.path, line, level, message, hint, blocking))


# --- writing ------------------------------------------------------------------


class FrontmatterNotClosed(ValueError):
    pass


@dataclass(frozen=True)
class FrontmatterBlock:
    yaml: str  # the text between the delimiters
    yaml_start: int  # offset of the first YAML character
    yaml_end: int  # offset of the closing delimiter line
    body_start: int  # offset just after the closing delimiter line


_OPENING = re.compile(r"---[ \t]*(?:\r?\n|$)")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$\n?", re.M)


def body_of(text: str) -> str:
    """The text after the frontmatter: all of it when there is none, or when it
    is never closed (then nothing can be told apart)."""
    try:
        block = split_frontmatter(text)
    except FrontmatterNotClosed:
        return text
    return text[block.body_start :] if block else text


def split_frontmatter(text: str) -> FrontmatterBlock | None:
    """Locate a leading `---` … `---` block; None when the file has none."""
    opening = _OPENING.match(text)
    if not opening:
        return None
    closing = _CLOSING.search(text, opening.end())
    if closing is None:
        raise FrontmatterNotClosed
    return FrontmatterBlock(
        yaml=text[opening.end() : closing.start()],
        yaml_start=opening.end(),
        yaml_end=closing.start(),
        body_start=closing.end(),
    )


def render_frontmatter(values: dict[str, Any]) -> str:
    """A new frontmatter block; lists are written inline (`tags: [ml, training]`)."""
    return "---\n" + "".join(_render_key(key, value) for key, value in values.items()) + "---\n"


def edit_frontmatter(text: str, changes: dict[str, Any]) -> str:
    """Set keys in place; every other line, the key order and the body stay as they are.

    A key that is not there yet is added at the end of the frontmatter.
    """
    block = split_frontmatter(text)
    if block is None:
        raise ValueError("the file has no frontmatter")
    newline = "\r\n" if "\r\n" in text[: block.body_start] else "\n"
    lines = _lines(block.yaml)
    for key, value in changes.items():
        rendered = _render_key(key, value).replace("\n", newline)
        span = _key_span(lines, key)
        if span is None:
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += newline
            lines.append(rendered)
        else:
            lines[span[0] : span[1]] = [rendered]
    return text[: block.yaml_start] + "".join(lines) + text[block.yaml_end :]


def _render_key(key: str, value: Any) -> str:
    """One `key: value` line; a list is written inline, as `tags: [ml, training]`."""
    export = _yaml().handler.export
    options = {"Dumper": _yaml().dumper, "sort_keys": False, "width": 1_000_000}
    if isinstance(value, list):
        return f"{key}: {export(value, default_flow_style=True, **options)}\n"
    return export({key: value}, default_flow_style=False, **options) + "\n"


def _key_span(lines: list[str], key: str) -> tuple[int, int] | None:
    """The lines a top-level key occupies: its own and its indented/list continuation."""
    quoted = re.escape(key)
    pattern = re.compile(rf"(?:{quoted}|\"{quoted}\"|'{quoted}')\s*:(\s|$)")
    for start, line in enumerate(lines):
        if not pattern.match(line):
            continue
        end = start + 1
        while end < len(lines) and _continues_value(lines, end):
            end += 1
        return start, end
    return None


def _continues_value(lines: list[str], index: int) -> bool:
    line = lines[index]
    if line.startswith((" ", "\t", "- ")) or line.rstrip() == "-":
        return True
    if line.strip():
        return False
    # A blank line belongs to the value only if the value goes on after it.
    following = next((later for later in lines[index + 1 :] if later.strip()), "")
    return following.startswith((" ", "\t", "- "))


_KEY_LINE = re.compile(r"^([^\s#:'\"-][^:\n]*?)[ \t]*:(?:[ \t]|$)", re.M)


def _report_duplicate_keys(session: Session, yaml_text: str) -> None:
    """YAML keeps the last of two equal keys; `update` would rewrite the first."""
    seen: dict[str, int] = {}
    position, line = 0, 2
    for match in _KEY_LINE.finditer(yaml_text):
        line += yaml_text.count("\n", position, match.start())
        position = match.start()
        key = match.group(1)
        if key in seen:
            _problem(
                session,
                line,
                "error",
                f"{key} is set twice (lines {seen[key]} and {line}); YAML keeps the last",
                f"keep one '{key}:' line",
                blocking=True,
            )
        seen.setdefault(key, line)


def _key_lines(yaml_text: str, first_line: int) -> dict[str, int]:
    """The line of each top-level key, counted in the file."""
    found: dict[str, int] = {}
    position, line = 0, first_line
    for match in _KEY_LINE.finditer(yaml_text):
        line += yaml_text.count("\n", position, match.start())
        position = match.start()
        found.setdefault(match.group(1), line)
    return found


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def is_export_name(name: str) -> bool:
    """A file name (relative to the sessions directory) that is an export: directly
    in it, not hidden, not one of the files git sess keeps there."""
    return (
        name.endswith(".md")
        and "/" not in name
        and name not in NOT_EXPORTS
        and not name.startswith(".")
    )
