"""Legacy exports: the notes people write by hand, without frontmatter (DESIGN.md §3.1).

People write the same facts in many ways, and this module reads the common ones
(docs/files.md, "Notes without frontmatter"):
- the title is the first `# ` heading (`# Session: X` wins), without the labels,
  dates and times around the words: `# Session Handoff — 2026-05-05 — X` is `X`;
- fields are labelled lines: `**Date**: x`, `**Date:** x`, `**Status: x**`, the same
  as a list item or quote, `Date: x` before the first section, or a `## Status` /
  `## Date` heading (with the value after a colon or on the next line);
- the note's own field wins over one deeper down: a line that is not indented
  over a sub-item, a shallower section over a deeper one (an embedded decision
  record's `**Status**` under `###`), then the first;
- the type is told by the file name's words, a `Hotfix:` title, or the sections;
- the other notes it names, and whether it continues or requires them, are read
  by `mentions` (mentions.py).
Only the text is read here; the model turns what is found into a Session.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import NamedTuple

from gitsess.core.names import DATE_SPELLING, date_from_name, find_date, one_line, parse_date
from gitsess.core.patterns import lazy

_SESSION_TITLE = lazy(r"^#[ \t]+Session(?:[ \t]+Log)?[ \t]*:[ \t]*(.+?)\s*$", re.M)
_ANY_TITLE = lazy(r"^#[ \t]+(.+?)\s*$", re.M)
_HEADING = lazy(r"^(#{1,6})[ \t]+([^\n]*)", re.M)
# `**Key**: v`, `**Key:** v`, `**Key: v**`, also as `- ` item or `> ` quote, indented.
_BOLD_FIELD = lazy(
    r"^(?P<indent>[ \t]*)(?:[-*+>][ \t]+)?\*\*(?P<key>[^\W\d_]+(?:[ \t]+[^\W\d_]+)*)"
    r"(?:\*\*[ \t]*[:：]|[ \t]*[:：][ \t]*\*\*|[ \t]*[:：][ \t]*(?P<inner>[^*\n]+?)[ \t]*\*\*)"
    r"[ \t]*(?P<value>.*?)[ \t]*$",
    re.M,
)
_PLAIN_FIELD = lazy(
    r"^(?:[-*+>][ \t]+)?(?P<key>[^\W\d_]+(?:[ \t]+[^\W\d_]+){0,2})[ \t]*[:：][ \t]*(.+)$"
)
_HEADING_MARKS = lazy(r"^[\W\d_]+|[\s:]+$")  # numbers, emoji, a colon
_LIST_MARK = lazy(r"^\s*(?:[-*+>]|\d+[.)])\s+")
_ITEM_MARK = lazy(r"^\s*(?:[-*+]|\d+[.)])\s+")  # a new item: not a quote's `>`
_CHECKBOX = lazy(r"^\[[ xX]\]\s+")
_NOT_PROSE = ("#", "---", "<!--", "|", "```", "***")
_LINE_END = lazy(r"[.!?:;。！？：][*_`\"')\]]*$")
_WRAPPED = 50  # a line this long that ends mid-sentence was wrapped, not ended
# A sentence ends at `.`, `!` or `?` after a word, before a space and a capital
# (any script's), a digit or an opening mark; or after a CJK full stop.
_SENTENCE_END = lazy(r"(?<=[\w)\]`*%][.!?])\s+(?=\S)|(?<=[。！？])(?=\S)")
_SENTENCE_START = "\"'([*`"
_MENTION = lazy(r"\bsession_\d{8}_[A-Za-z0-9_]+(?:\.md)?")

# Labels of a note's date, in English and the languages' own word for it.
DATE_KEYS = frozenset(
    {"date", "session date", "date started", "started", "start date", "created",
     "created on", "created at", "дата", "datum", "fecha", "data", "dato", "tarih",
     "päivämäärä", "ημερομηνία", "日付", "日期", "날짜", "תאריך", "تاريخ"}
)  # fmt: skip
STATUS_KEYS = frozenset(
    {"status", "session status", "state", "статус", "estado", "stato", "statut", "état",
     "stand", "zustand", "ステータス", "状態", "状态", "狀態", "상태", "durum", "tila"}
)  # fmt: skip
_DONE_KEYS = frozenset({"completed", "finished", "closed", "resolved", "date completed"})
_WANTED = DATE_KEYS | STATUS_KEYS | _DONE_KEYS

# The first status word in a value decides (`Blocked until X is done` is blocked);
# English, and the most common word for done in a few other languages.
_STATUS_WORDS = lazy(
    r"(?P<progress>incomplete|in[ -]?progress|ongoing|wip|active|open|started|partial|🚧"
    r"|proposed|draft)"  # a decision record's words too: proposed, accepted, rejected
    r"|(?P<complete>complet|finished|closed|resolved|fixed|merged|shipped|released|done|✅|✔"
    r"|accepted|approved"
    r"|fertig|erledigt|abgeschlossen|terminé|terminado|hecho|concluído|готово|завершен"
    r"|выполнено|完了|完成)"
    r"|(?P<blocked>block|on[ -]?hold|paused|waiting|stuck|⛔|🛑)"
    r"|(?P<abandoned>abandon|cancel|dropped|won'?t fix|superseded|obsolete|rejected|deprecated)",
    re.I,
)
# "Almost done", "done except the docs": not done yet.
_UNFINISHED = lazy(
    r"\b(?:almost|nearly|mostly|partially|partly|not(?: yet)?)\s+(?:done|complete|finished)"
    r"|\b(?:done|complete|completed|finished)\b,?\s+(?:except|but|apart from|save for)\b",
    re.I,
)

# Words in a file name (split at `-`, `_`, spaces) that tell the type.
_TYPE_BY_NAME = {
    "bug": "bug", "bugfix": "bug", "hotfix": "bug", "fix": "bug", "bugs": "bug",
    "roadmap": "roadmap", "research": "research", "investigation": "research",
    "spike": "research", "retro": "reflection", "retrospective": "reflection",
    "reflection": "reflection",
}  # fmt: skip
_BUG_TITLE = lazy(r"^(?:hot ?fix|bug ?fix|bug|fix)\b\s*[:—–-]", re.I)
# Sections that tell the type (a heading starting with these words); the type with
# most of them wins, on a tie the first here.
_TYPE_BY_SECTION = (
    ("bug", ("root cause", "symptoms?", "fix", "the fix", "bug", "steps to reproduce")),
    ("research", ("findings", "key findings", "questions", "research", "recommendations")),
    ("operation", ("commands to monitor",)),
    ("checkpoint", ("recovery instructions",)),
    ("reflection", ("what worked", "what went well", "lessons", "reflection", "retrospective")),
    ("roadmap", ("phases", "milestones", "roadmap")),
    ("feature", ("implementation", "changes made", "files modified", "files changed")),
)
_SECTION_KIND = lazy(
    "|".join(f"(?P<{kind}>(?:{'|'.join(words)})(?![^ :]))" for kind, words in _TYPE_BY_SECTION)
)
_SUMMARY_SECTIONS = (
    ("session objectives", "objectives", "objective", "goals", "goal", "mission", "operation",
     "summary", "session summary", "executive summary", "session overview", "overview", "tl;dr"),
    ("context", "background"),
)  # fmt: skip

# Words that label a title rather than say what it is about, with up to two words
# before them: `Session Handoff —`, `Sprint Summary:`, `Dev Log:`, `Title:`,
# `Issue #7:`; in English and a few other languages (`Sitzung:`, `Сессия:`).
_LABEL_WORDS = (
    "session", "handoff", "summary", "title", "recap", "log", "notes?", "report", "issue",
    "sitzung", "zusammenfassung", "notizen", "protokoll",  # de
    "séance", "seance", "résumé", "compte[ -]rendu",  # fr
    "sesión", "sesion", "resumen", "notas", "sessão", "sessao", "resumo",  # es, pt
    "sessione", "riepilogo",  # it
    "сессия", "сеанс", "заметки", "итоги", "резюме", "отчёт", "отчет",  # ru
    "セッション", "会话", "會話", "세션",  # ja, zh, ko
)  # fmt: skip
_LABEL = lazy(
    r"^(?:[^\W\d_]+[ \t]+){0,2}?"
    rf"(?:(?:{'|'.join(_LABEL_WORDS)})\b[ \t]*)+"
    r"(?:#?\d+\b[ \t]*)?(?:[:：|—–-]+[ \t]*|(?=\d))",
    re.I,
)
# What a title starts with to say what kind of note it is, before a colon: `Hotfix:`,
# `ADR 0001:`, `Decision:`; or an adr-tools number, `3. `. Stripped too: the type
# is read from the title as written.
_KIND_PREFIX = lazy(
    r"^(?:(?:hot[ -]?fix|bug[ -]?fix|fix|bug|adr|decision|rfc|ticket|roadmap|retro(?:spective)?"
    r"|post-?mortem|incident|spike)\b[ \t]*#?[\d.-]*[ \t]*[:：]"
    r"|\d{1,4}\.(?=[ \t]+\D))[ \t]*",
    re.I,
)
_SIGNS = lazy(r"^[^\w\s(\[\"'`#*]+[ \t]+")
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?[ \t]*)?"
_TIME = (
    r"(?:[ \t,T]*(?:at[ \t]+)?\d{1,2}:\d{2}(?::\d{2})?(?:[ \t]*[ap]\.?m\.?)?"
    r"(?:[ \t]*(?:utc|gmt|z))?|-\d{4}(?!\d))?"
)


@functools.cache
def _around_dates() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A date (and time) at the start of a title and at its end. Compiled on first
    use: with every month name they take ~3 ms, which hooks that never read a
    hand-written title should not pay."""
    leading = rf"^[(\[]?{_WEEKDAY}(?:{DATE_SPELLING}){_TIME}[)\]]?[ \t]*(?:[:|—–-]+[ \t]*)?"
    trailing = rf"[ \t]*(?:[:|—–,-]+[ \t]*)?[(\[]?{_WEEKDAY}(?:{DATE_SPELLING}){_TIME}[)\]]?$"
    return re.compile(leading, re.I), re.compile(trailing, re.I)


class LegacyFacts(NamedTuple):
    """What a hand-written export tells of itself; None where it says nothing."""

    title: str | None
    date: str | None  # ISO
    status: str | None
    tokens: int | None
    token_limit: int | None
    duration: str | None
    type: str  # by its name, title or sections; feature when they tell nothing
    summary: str | None  # the first sentence of its goal, summary or context


class _Field(NamedTuple):
    rank: tuple[int, int]  # (indented, section depth): lower is the note's own
    position: int
    key: str
    value: str


def read_legacy(text: str, name: str | None = None) -> LegacyFacts:
    """The facts of a hand-written export, from its headings and labelled lines; the
    file name, when given, tells the date (after a labelled one) and the type."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    headings = [
        (m.start(), len(m.group(1)), heading)
        for m in _HEADING.finditer(text)
        if (heading := m.group(2).rstrip(" \t#"))
    ]
    bold = _bold_fields(text)
    fields = _fields(text, headings, bold)
    first: dict[str, str] = {}
    for _, _, key, value in bold:
        first.setdefault(key, value)
    tokens, token_limit = legacy_tokens(first["tokens"]) if "tokens" in first else (None, None)
    raw_title = _title_line(text)
    title = clean_title(raw_title) if raw_title else None
    return LegacyFacts(
        title=title,
        date=_as_before(text, fields) or _date(fields, text, headings, raw_title, name),
        status=_status(fields),
        tokens=tokens,
        token_limit=token_limit,
        duration=first.get("duration"),
        type=_type(headings, raw_title, name),
        summary=_summary(text, headings),
    )


def legacy_fields(text: str) -> dict[str, str]:
    """Bold `**Key**: value` lines in any of their spellings, keys lower-cased
    (first one wins)."""
    found: dict[str, str] = {}
    for _, _, key, value in _bold_fields(text):
        found.setdefault(key, value)
    return found


def _bold_fields(text: str) -> list[tuple[int, bool, str, str]]:
    """(where, indented, key, value) of each bold field line."""
    found = []
    for match in _BOLD_FIELD.finditer(text):
        value = match["value"] if match["inner"] is None else f"{match['inner']} {match['value']}"
        key = match["key"].strip().lower()
        found.append((match.start(), bool(match["indent"]), key, value.strip()))
    return found


def _fields(
    text: str, headings: list[tuple[int, int, str]], bold: list[tuple[int, bool, str, str]]
) -> list[_Field]:
    """Every labelled line, with how deep in the note it sits."""
    starts = [start for start, _, _ in headings]
    levels = [level for _, level, _ in headings]

    def depth(position: int) -> int:  # the level of the heading it is under; 1 above all
        index = bisect.bisect_left(starts, position) - 1
        return levels[index] if index >= 0 else 1

    found = [
        _Field((int(indented), depth(start)), start, key, value)
        for start, indented, key, value in bold
        if key in _WANTED
    ]
    header_end = next((start for start, level, _ in headings if level > 1), len(text))
    offset = 0
    for line in text[:header_end].split("\n"):  # `Date: x` counts before the first section only
        plain = _PLAIN_FIELD.match(line)
        if plain and plain["key"].lower() in DATE_KEYS | STATUS_KEYS:
            found.append(_Field((0, 1), offset, plain["key"].lower(), plain.group(2).strip()))
        offset += len(line) + 1
    for index, (start, level, heading) in enumerate(headings):
        key, _, value = heading.partition(":")
        key = key.strip().lower()
        if level > 1 and key in _WANTED:
            if not value.strip():  # the value is the next line with words
                end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
                value = next((s for s in _content_lines(text, start, end)), "")
            found.append(_Field((0, 1), start, key, value.strip()))
    found.sort(key=lambda field: (field.rank, field.position))
    return found


def _as_before(text: str, fields: list[_Field]) -> str | None:
    """The date read before the other spellings were: the first `**Date**` line at
    the start of a line, when it starts YYYY-MM-DD (so no such date ever changes),
    and is the note's own (not under a `###` of an embedded decision record)."""
    own = [
        field
        for field in fields
        if field.key == "date" and _own(field) and text.startswith("**", field.position)
    ]
    first = min(own, key=lambda field: field.position).value if own else ""
    return parse_date(first[:10])


def _own(field: _Field) -> bool:
    """A line of the note itself: not indented under an item, nor in a `###` section."""
    indented, depth = field.rank
    return not indented and depth <= 2


def _date(
    fields: list[_Field],
    text: str,
    headings: list[tuple[int, int, str]],
    raw_title: str | None,
    name: str | None,
) -> str | None:
    """The note's own labelled date, else its file name's (or folder's), the title's,
    a date line of its own before the first section, or a labelled date deeper down
    (a decision record's `### …` `**Date**` is the decision's, not the note's)."""
    dates = [field for field in fields if field.key in DATE_KEYS]
    for field in dates:
        if _own(field) and (date := _read_date(field.value)):
            return date
    if name and (date := date_from_name(name)):
        return date
    if raw_title and (date := find_date(raw_title)):
        return date
    header_end = next((start for start, level, _ in headings if level > 1), len(text))
    for line in text[:header_end].split("\n"):
        if not line.startswith("#") and len(line) <= 48 and (date := find_date(line)):
            return date
    return next(filter(None, (_read_date(field.value) for field in dates)), None)


def _read_date(value: str) -> str | None:
    return parse_date(value[:10]) or find_date(value)


def _status(fields: list[_Field]) -> str | None:
    """The note's own status: the shallowest line naming a known status, else the
    shallowest status line at all; `**Completed**: <date>` is complete."""
    shallowest: str | None = None
    for field in fields:
        if field.key in _DONE_KEYS and field.value:
            return "complete"
        if field.key not in STATUS_KEYS:
            continue
        if (word := status_word(field.value)) is not None:
            return word
        shallowest = shallowest or field.value
    return None if shallowest is None else legacy_status(shallowest)


def status_word(raw: str) -> str | None:
    """The status the first status word of `raw` names; None when none does."""
    if _UNFINISHED.search(raw):
        return "in-progress"
    match = _STATUS_WORDS.search(raw)
    if match is None:
        return None
    kind = match.lastgroup or ""
    return "in-progress" if kind == "progress" else kind


def legacy_status(raw: str) -> str:
    return status_word(raw) or "in-progress"


def legacy_tokens(raw: str) -> tuple[int | None, int | None]:
    """`77,895/200,000 (38%)` -> (77895, 200000); the limit is optional."""
    match = re.match(r"\s*([\d][\d,_]*)\s*(?:/\s*([\d][\d,_]*))?", raw)
    if not match:
        return None, None
    used = int(re.sub(r"[,_]", "", match.group(1)))
    limit = int(re.sub(r"[,_]", "", match.group(2))) if match.group(2) else None
    return used, limit


def mentioned_sessions(text: str) -> list[str]:
    """Ids in git sess's own form (`session_YYYYMMDD_slug`) named in the text, in
    order of first mention, with `.md`; `mentions` reads every other form too."""
    seen: dict[str, None] = {}
    for mention in _MENTION.findall(text):
        seen.setdefault(mention if mention.endswith(".md") else mention + ".md")
    return list(seen)


def title_from_text(text: str) -> str | None:
    """`# Session: X`, `# Session Log: X`, else the first `# ` heading, cleaned."""
    raw = _title_line(text)
    return clean_title(raw) if raw else None


def _title_line(text: str) -> str | None:
    match = _SESSION_TITLE.search(text) or _ANY_TITLE.search(text)
    return one_line(match.group(1).strip("# ")) if match else None


def clean_title(raw: str) -> str | None:
    """The words of a title without the labels, dates and times around them:
    `Session Handoff — 2026-05-05 — Setup`, `Setup - 2025-01-16 16:47`, `Issue #7:
    Setup`, `Sitzung: Setup`, `Hotfix: Setup` and `ADR 0001: Setup` are `Setup` (the
    type is read from the title as written).
    None when nothing but labels and dates is left (the file name's words then)."""
    title = raw.replace("**", "").strip()
    # An emoji or other sign before the words (`🎯 Session: 2026-03-09 — X`) stays
    # in front of them, the labels and dates after it are dropped as anywhere.
    sign = _SIGNS.match(title)
    if sign and sign.end() < len(title):
        rest = clean_title(title[sign.end() :])
        return one_line(f"{sign.group().strip()} {rest}") if rest else None
    leading_date, trailing_date = _around_dates()
    while True:
        before = title
        title = _LABEL.sub("", title, count=1)
        title = leading_date.sub("", title, count=1)
        title = _KIND_PREFIX.sub("", title, count=1)
        title = trailing_date.sub("", title, count=1).strip(" \t:：|—–-")
        if title == before or not title:
            break
    return one_line(title)


def _type(headings: list[tuple[int, int, str]], title: str | None, name: str | None) -> str:
    if name:
        words = re.findall(r"[^\W_]+", name.rsplit("/", 1)[-1].lower().removesuffix(".md"))
        for word in words:
            if word in _TYPE_BY_NAME:
                return _TYPE_BY_NAME[word]
    if title and _BUG_TITLE.match(title):
        return "bug"
    counts = dict.fromkeys((kind for kind, _ in _TYPE_BY_SECTION), 0)
    for _, level, heading in headings:
        if level > 1 and (match := _SECTION_KIND.match(_plain_heading(heading))):
            counts[match.lastgroup or "feature"] += 1
    best = max(counts, key=lambda kind: counts[kind])  # the first of the most
    return best if counts[best] else "feature"


def _plain_heading(heading: str) -> str:
    """`🔍 2. Root Cause Analysis:` -> `root cause analysis`."""
    return _HEADING_MARKS.sub("", heading.lower())


def _summary(text: str, headings: list[tuple[int, int, str]]) -> str | None:
    """The first sentence under a goal or summary section, else under the context."""
    for names in _SUMMARY_SECTIONS:
        for index, (start, level, heading) in enumerate(headings):
            if level < 2 or _plain_heading(heading) not in names:
                continue
            end = headings[index + 1][0] if index + 1 < len(headings) else len(text)
            for paragraph in _paragraphs(text, start, end):
                if not _is_field(paragraph[0]):  # `**Start Time**: 16:47` is no summary
                    return one_line(_first_sentence(_sentence_lines(paragraph)))
    return None


def _paragraphs(text: str, start: int, end: int) -> list[list[str]]:
    """The paragraphs and list items after the heading at `start`, each as its lines
    with words (list marks and checkboxes dropped); a blank line, a new item or a
    line that is no prose (table, fence, rule, field) ends one."""
    paragraphs: list[list[str]] = []
    current: list[str] | None = None
    for raw in text[start:end].split("\n")[1:]:
        line = _LIST_MARK.sub("", raw).strip()
        if not line or line.startswith(_NOT_PROSE):
            current = None
            continue
        line = _CHECKBOX.sub("", line)
        if current is None or _ITEM_MARK.match(raw) or _is_field(line):
            current = [line]
            paragraphs.append(current)
        else:
            current.append(line)
    return paragraphs


def _sentence_lines(paragraph: list[str]) -> str:
    """The lines that hold a hard-wrapped paragraph's first sentence, joined: a line
    ending without `.`, `!` or `?` goes on when the next line looks like the same
    sentence (starts in lower case, or follows a long, wrapped line)."""
    joined = paragraph[0]
    for before, line in zip(paragraph, paragraph[1:], strict=False):
        ended = _first_sentence(joined) != joined or _LINE_END.search(before)
        if ended or (line[:1].isupper() and len(before) < _WRAPPED):
            break
        joined = f"{joined} {line}"
    return joined


def _content_lines(text: str, start: int, end: int) -> list[str]:
    """The lines with words after the heading at `start`, list marks dropped."""
    lines = []
    for raw in text[start:end].split("\n")[1:]:
        line = _LIST_MARK.sub("", raw).strip()
        if line and not line.startswith(_NOT_PROSE):
            lines.append(line)
    return lines


def _is_field(line: str) -> bool:
    plain = _PLAIN_FIELD.match(line)
    return bool(_BOLD_FIELD.match(line)) or (plain is not None and plain["key"].lower() in _WANTED)


def _first_sentence(line: str) -> str:
    for cut in _SENTENCE_END.finditer(line):
        after = line[cut.end()]
        if after.isupper() or after.isdigit() or after in _SENTENCE_START or not cut.group():
            return line[: cut.start()]
    return line
