"""The query language people type, and what a search asks for.

Words (all must match unless OR joins them), NOT, `-word`, "phrases", prefixes
(`distil*`), fields (`title:` `tag:` `tags:` `status:` `type:` `id:` `kind:`)
and dates (`date:2025-11`, `date:A..B`, `date:>A`). `translate_query` rewrites
what Whoosh's parser does not know into its syntax; this module is pure text
and never imports Whoosh.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gitsess.core.errors import GitSessError
from gitsess.core.names import parse_date


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    tags: tuple[str, ...] = ()  # all of them
    statuses: tuple[str, ...] = ()  # any of them
    types: tuple[str, ...] = ()  # any of them
    since: str | None = None
    until: str | None = None
    kind: str = "all"
    limit: int = 10
    snippets: bool = True  # `--files` prints none: no need to read and highlight the files


FIELDS = ("title", "tags", "tag", "status", "type", "id", "date", "kind")

# `-word` excludes the word (NOT word): a minus that begins a word (at the start,
# after white space or an opening parenthesis) and touches what follows:
# `-refunds`, `-"partial refunds"`, `-(a OR b)`, `-tag:ml`. A minus inside a word
# (`x-ray`), a lone one (`a - b`), a double one (`--x`) and one inside a phrase
# are text.
_MINUS = r"(?:(?<=[\s(])|^)-(?=[^\s-])"

# Rewritten before Whoosh parses the query, outside quoted phrases only:
# `-word` (NOT word), `date:` ranges and partial dates, `id:` without `.md`.
_REWRITES = re.compile(
    r'(?P<phrase>"[^"]*"?)'
    rf"|(?P<minus>{_MINUS})"
    r"|\bdate:(?P<date>[^\s)]*)"
    r"|\bid:(?P<id>[^\s)]+)"
    r"|(?<![\w:])(?P<field>[^\W\d]\w*):(?=\S)"
)
_DATE_PART = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-\d{2})?)?")


def excludes(word: str) -> bool:
    """Whether `word`, one word of a query as typed, is `-word`: it excludes.

    The command line asks this of each argument, so that `-refunds` reaches the
    query as typed instead of being taken for an option; `translate_query`
    gives it its meaning.
    """
    return re.match(_MINUS, word) is not None


def translate_query(text: str) -> str:
    """Our query language in Whoosh's syntax."""

    def rewrite(match: re.Match[str]) -> str:
        if match.group("phrase") is not None:
            return match.group(0)
        if match.group("minus") is not None:
            return "NOT "
        if match.group("date") is not None:
            return _date_query(match.group("date"))
        if match.group("field") is not None:
            if match.group("field") not in FIELDS:
                raise GitSessError(
                    f"the query names a field git sess does not search: {match.group(0)}",
                    f"fields are {', '.join(name + ':' for name in FIELDS)}; quote text"
                    " that holds a colon as a phrase",
                )
            return match.group(0)
        ident = match.group("id")
        needs_suffix = not ident.endswith(".md") and not re.search(r"[*?]", ident)
        return f"id:{ident}.md" if needs_suffix else match.group(0)

    return _REWRITES.sub(rewrite, text)


def _date_query(raw: str) -> str:
    """`date:2025-11-01`, `date:2025-11` (the month), `date:A..B`, `date:>A`, `date:<=B`."""
    comparison = re.fullmatch(r"(>=|<=|>|<)(.*)", raw)
    if comparison:
        operator, value = comparison.groups()
        _check_date(value, raw)
        bound = {
            ">": f"{{{_upper(value)} TO]",
            ">=": f"[{value} TO]",
            "<": f"[TO {value}}}",
            "<=": f"[TO {_upper(value)}]",
        }[operator]
        return f"date:{bound}"
    start, dots, end = raw.partition("..")
    if not dots:
        _check_date(raw, raw)
        return f"date:[{raw} TO {_upper(raw)}]"
    if not start and not end:
        _check_date("", raw)
    for value in (start, end):
        if value:
            _check_date(value, raw)
    if start and end and start > end:
        raise GitSessError(f"date:{raw} ends before it starts", f"write date:{end}..{start}")
    return f"date:[{start + ' ' if start else ''}TO{' ' + _upper(end) if end else ''}]"


def _upper(value: str) -> str:
    """The last string a date in `value`'s year, month or day can be (`~` sorts after digits)."""
    return value if len(value) == 10 else value + "~"


def _check_date(value: str, raw: str) -> None:
    complete = len(value) == 10
    if not _DATE_PART.fullmatch(value) or (complete and parse_date(value) is None):
        raise GitSessError(
            f"date:{raw} is not a date the query language knows",
            "write date:2025-11-01, date:2025-11, date:2025-11-01..2025-12-31 or date:>2025-11-01",
        )


# A word a did-you-mean may replace: three letters or more, not touching a colon
# (a field or its value), a `*` (a prefix), a `-` (excluded) or an opening quote.
_PLAIN_WORD = re.compile(r'(?<![\w:*"-])([^\W\d_]{3,})(?![\w:*])')
_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})


def respelled(text: str, respell: Callable[[str], str]) -> str:
    """The query as typed, each plain word (not an operator) replaced by `respell(word)`."""

    def replace(match: re.Match[str]) -> str:
        word = match.group(1)
        return word if word in _OPERATORS else respell(word)

    return _PLAIN_WORD.sub(replace, text)
