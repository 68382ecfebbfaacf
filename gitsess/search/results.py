"""A query run on the index: ranked hits, their snippets, the did-you-mean."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.core.errors import GitSessError
from gitsess.core.workspace import Workspace
from gitsess.search.backend import (
    Damaged,
    best_matches,
    body_terms,
    filter_query,
    first_holding,
    frequency,
    guarded,
    matches_any,
    newest_matches,
    parse,
    terms_near,
)
from gitsess.search.documents import first_prose, read_indexed, searched_text
from gitsess.search.opened import OpenIndex
from gitsess.search.query import SearchRequest, respelled, translate_query
from gitsess.search.snippets import Vocabulary, passages

SNIPPETS_PER_HIT = 2
SNIPPET_CHARS = 160
SNIPPET_CONTEXT = 60  # characters of words before the first match and after the last

# What a snippet is made of: (text, whether it is a matched word).
Snippet = list[tuple[str, bool]]


@dataclass(frozen=True)
class Hit:
    id: str
    path: str  # relative to the top of the work tree
    score: float
    date: str | None
    title: str
    type: str
    status: str
    tags: list[str]
    kind: str
    snippets: list[Snippet]

    def public(self) -> dict[str, Any]:
        """The stable machine-readable form (`search --json`)."""
        return {
            "id": self.id,
            "path": self.path,
            "score": round(self.score, 4),
            "date": self.date,
            "title": self.title,
            "type": self.type,
            "status": self.status,
            "tags": self.tags,
            "kind": self.kind,
            "snippets": ["".join(text for text, _ in snippet) for snippet in self.snippets],
        }


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int  # matches in all, beyond the limit
    suggestion: str | None = None  # a corrected query that has matches
    notices: list[str] = field(default_factory=list)


def run_query(
    index_path: Path,
    workspace: Workspace,
    query_text: str,
    request: SearchRequest,
    opened: OpenIndex | None = None,
) -> SearchResult:
    """`request` on the index at `index_path`; `query_text` is its query translated.
    `opened`: the index kept open between queries (the server's); without it the
    index is opened for this query only. Raises Damaged when Whoosh cannot read
    the files (and `opened` lets them go)."""
    held = opened or OpenIndex()
    try:
        return _answer(held, index_path, workspace, query_text, request)
    except Damaged:
        held.close()
        raise
    finally:
        if opened is None:
            held.close()


def _answer(
    opened: OpenIndex,
    index_path: Path,
    workspace: Workspace,
    query_text: str,
    request: SearchRequest,
) -> SearchResult:
    # Everything that reads the index is guarded: damage shows up wherever
    # Whoosh first touches the broken bytes.
    searcher, vocabulary = opened.searcher(index_path)
    schema = searcher.schema
    text_query = parse(schema, query_text, request.query)
    filters = filter_query(request)
    if text_query is None and filters is None:
        raise GitSessError(
            "nothing to search for", "give words (git sess search webhook retries) or a filter"
        )
    if text_query is None:
        ranked = guarded(lambda: newest_matches(searcher, filters, request.limit))
    else:
        ranked = guarded(
            lambda: best_matches(searcher, text_query, filters, request.limit, opened.held)
        )
    marker = None
    if request.snippets:
        marker = _Marker(workspace, vocabulary, guarded(lambda: body_terms(searcher, text_query)))
    found = guarded(lambda: [_hit(hit, score, marker) for hit, score in ranked.items])
    suggestion = None
    if not found and text_query is not None:
        suggestion = _suggestion(searcher, workspace, schema, request, filters)
    return SearchResult(hits=found, total=ranked.total, suggestion=suggestion)


class _Marker:
    """The snippets of one query's hits."""

    def __init__(self, workspace: Workspace, vocabulary: Vocabulary, terms: frozenset[str]):
        self.workspace, self.vocabulary, self.terms = workspace, vocabulary, terms

    def snippets(self, hit: Any) -> list[Snippet]:
        """Up to two passages of the file around the matched words (the body is not
        stored in the index: it is read again, which costs no more and saves a third).
        Only the indexed part of the file is read: the matched words are in it."""
        try:
            data = read_indexed(self.workspace.sessions_path / hit["key"])
        except GitSessError:
            return []  # deleted since the search began
        summary = hit["summary"]
        found = self.vocabulary.passages(
            data, summary, self.terms, lambda: self._passages(data, summary)
        )
        return [list(parts) for parts in found]  # the remembered ones stay as they are

    def _passages(self, data: bytes, summary: str) -> list[Snippet]:
        # The text never held these (they were the highlighter's marks).
        body = _CONTROL.sub(" ", searched_text(summary, data))
        found = passages(
            body, self.vocabulary, self.terms, SNIPPET_CHARS, SNIPPET_CONTEXT, SNIPPETS_PER_HIT
        )
        if not found:  # matched in the title or tags only: show the summary or first prose
            first = summary or first_prose(data)
            return [[(_one_line(first)[:SNIPPET_CHARS], False)]] if first else []
        return [_tidied(parts) for parts in found]


_CONTROL = re.compile(r"[\x01-\x03]")


def _hit(hit: Any, score: float, marker: _Marker | None) -> Hit:
    fields = hit.fields()
    return Hit(
        id=fields["id"],
        path=fields["path"],
        score=score,
        date=fields["date"] or None,
        title=fields["title"],
        type=fields["type"],
        status=fields["status"],
        tags=[tag for tag in fields["tags"].split(",") if tag],
        kind=fields["kind"],
        snippets=marker.snippets(hit) if marker else [],
    )


def _tidied(parts: Snippet) -> Snippet:
    """One line, without white space at either end."""
    segments = [(_one_line(text), matched) for text, matched in parts]
    if segments:
        first, matched = segments[0]
        segments[0] = (first.lstrip(), matched)
        last, matched = segments[-1]
        segments[-1] = (last.rstrip(), matched)
    return segments


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- did you mean ------------------------------------------------------------


def _suggestion(
    searcher: Any, workspace: Workspace, schema: Any, request: SearchRequest, filters: Any
) -> str | None:
    """The query as typed, each word the index does not know replaced by the
    nearest one it does, offered only when the corrected query finds something."""
    analyzer = schema["body"].analyzer
    reader = searcher.reader()

    def nearest(word: str) -> str:
        stems = [token.text for token in analyzer(word)]
        if not stems or frequency(reader, stems[0]):  # a stop word, or known
            return word
        suggested = _nearest_term(reader, stems[0])
        return (suggested and _spelled(searcher, workspace, analyzer, suggested)) or word

    try:
        corrected = respelled(request.query, nearest)
        if corrected == request.query:
            return None
        query = parse(schema, translate_query(corrected), corrected)
        found = matches_any(searcher, query, filters)
    except Exception:  # a suggestion is a courtesy: never an error of its own
        return None
    return corrected if found else None


def _nearest_term(reader: Any, stem: str) -> str | None:
    """The indexed title or body term nearest to `stem` (two edits away at most,
    one for short words), the most frequent among equals. (Whoosh's own
    suggest() ranks by frequency alone, so a far common word beat a near rare one.)"""
    frequency = terms_near(reader, stem, 2 if len(stem) > 4 else 1)
    ranked = sorted(
        frequency, key=lambda term: (_edit_distance(stem, term), -frequency[term], term)
    )
    return ranked[0] if ranked else None


def _edit_distance(first: str, second: str) -> int:
    previous = list(range(len(second) + 1))
    for row, left in enumerate(first, 1):
        current = [row]
        for column, right in enumerate(second, 1):
            current.append(
                min(previous[column] + 1, current[-1] + 1, previous[column - 1] + (left != right))
            )
        previous = current
    return previous[-1]


def _spelled(searcher: Any, workspace: Workspace, analyzer: Any, stem: str) -> str | None:
    """The index holds stems (`overfit`): show the word a session wrote for it."""
    key = first_holding(searcher, stem)
    if key is None:
        return None
    text = read_indexed(workspace.sessions_path / key).decode("utf-8", errors="replace")
    for token in analyzer(text, chars=True):
        if token.text == stem:
            return text[token.startchar : token.endchar].lower()
    return None
