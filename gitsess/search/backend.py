"""Whoosh: the one module that imports it, each part where it is used.

A sync that only writes never loads the query parser, collectors or highlighter
(benchmarks/README.md, "Search"), so nothing of Whoosh is imported at the top of this
module. Only the classic 2.7 API is used: either distribution (`whoosh3`, `whoosh`) works.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitsess.core.errors import GitSessError
from gitsess.search import combined, postings, stems
from gitsess.search.batching import (
    BATCH_POOL,
    BATCH_POOL_PARALLEL,
    LIMIT_MB,
    LIMIT_MB_PARALLEL,
    batches,
)
from gitsess.search.interrupts import Interrupts
from gitsess.search.postings import Held
from gitsess.search.query import SearchRequest
from gitsess.search.snippets import Vocabulary

# Bump when the schema or the analysis changes. (The manifest also records the
# package's code stamp, so any upgrade rebuilds the index.)
SCHEMA_VERSION = 2
PARALLEL_BUILD_MIN = 2000  # below this, forking writer processes costs more than it saves
# Applied to each field's BM25 score when searching. (Index-time field boosts only raise
# the term frequency, which BM25 saturates: a title match then weighed barely more.)
FIELD_WEIGHTS = {"title": 3.0, "tags": 2.0, "body": 1.0}

Progress = Callable[[int, int], None]  # (documents written, documents in all)


class Damaged(Exception):
    """The index cannot be used as it is (the message says why): rebuild it."""


def whoosh_version() -> str:
    import whoosh  # the package itself is one small module

    return str(whoosh.versionstring())


def guarded(action: Callable[[], Any]) -> Any:
    """Run a Whoosh call; anything it raises means the files are not what it wrote.

    Damaged files surface as a dozen unrelated exception types from eight
    modules (pickle, struct, EOFError, Whoosh's own...), so all are caught here.
    """
    try:
        return action()
    except (GitSessError, KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:
        from whoosh.index import LockError

        if isinstance(exc, LockError):  # held despite our lock: not damage
            raise GitSessError(
                "another program holds the Whoosh lock of the search index",
                "wait for it to finish, then run the command again",
            ) from exc
        raise Damaged(f"{type(exc).__name__}: {exc}".rstrip(": ")) from exc


def open_index(path: Path) -> Any:
    import whoosh.index

    return guarded(lambda: whoosh.index.open_dir(str(path)))


# --- writing -----------------------------------------------------------------


def update_index(
    path: Path, deleted: list[str], changed: Iterable[dict[str, Any]], merge: bool = True
) -> None:
    """Delete and (re)write documents by key in the index at `path`, in one commit.
    `merge=False`: the commit writes its own segment and merges none (Whoosh's
    MERGE_SMALL otherwise merges the small segments earlier updates wrote, now and
    then, costing ten times a one-document commit); `merge_small` does that later."""
    from whoosh.analysis import StemFilter

    ix = open_index(path)
    writer = guarded(lambda: ix.writer(timeout=5.0, compound=False))
    try:
        stems.share(writer.schema, StemFilter)
        for key in deleted:
            guarded(functools.partial(writer.delete_by_term, "key", key))
        for document in changed:
            guarded(functools.partial(writer.update_document, **document))
    except BaseException:
        writer.cancel()
        raise
    guarded(functools.partial(writer.commit, merge=merge))


def merge_small(path: Path) -> None:
    """Merge the small segments of the index at `path` (Whoosh's MERGE_SMALL: the
    large segments a build wrote are left as they are), in a commit of no document."""
    ix = open_index(path)
    writer = guarded(lambda: ix.writer(timeout=5.0, compound=False))
    guarded(writer.commit)


def create_index(
    path: Path, documents: Iterable[dict[str, Any]], count: int, progress: Progress | None
) -> None:
    """A new index in the empty directory `path`, of `documents` (`count` of them).

    Written in batches, each committed as segments of its own and never merged
    (benchmarks/README.md, "Builds grow linearly"): a writer's pool of postings
    that outgrows `limitmb` spills to run files, each posting pickled, read back
    and merged one at a time in Python, half as much again per posting. One
    pool per writer process for the whole corpus spilled past ~10,000 exports
    (30,000 took 4.25 times as long as 10,000); a batch is closed before its
    pools reach the limit, so every batch costs the same and memory is bounded.
    """
    import whoosh.index

    ix = whoosh.index.create_in(str(path), _schema())
    # Measured on 10,000 exports: two writer processes each writing a segment
    # take 13 s; one process needs 512 MB of pool to stay under 30 s.
    procs = min(2, os.cpu_count() or 1) if count >= PARALLEL_BUILD_MIN else 1
    report = _counted(progress, count)
    for batch in batches(documents, procs * (BATCH_POOL_PARALLEL if procs > 1 else BATCH_POOL)):
        if procs > 1:
            _write_in_parallel(ix, batch, report, procs)
        else:
            _write_batch(ix, batch, report)


def _counted(progress: Progress | None, count: int) -> Callable[[], None]:
    done = 0

    def report() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, count)

    return report


def _write_batch(ix: Any, documents: Iterable[dict[str, Any]], report: Callable[[], None]) -> None:
    writer = ix.writer(limitmb=LIMIT_MB, compound=False)
    try:
        for document in documents:
            writer.add_document(**document)
            report()
        writer.commit(merge=False)
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


def _write_in_parallel(
    ix: Any, documents: Iterable[dict[str, Any]], report: Callable[[], None], procs: int
) -> None:
    """Whoosh's multi-process writer: this process hands batches of documents to
    `procs` writer processes through multiprocessing queues, then joins them;
    each writes one segment."""
    with Interrupts() as interrupts:
        writer = ix.writer(
            procs=procs, multisegment=True, limitmb=LIMIT_MB_PARALLEL, compound=False
        )
        try:
            started = False  # every writer process, and the job queue's feeder thread
            for document in documents:
                if started:
                    writer.add_document(**document)
                else:
                    with interrupts.held():
                        writer.add_document(**document)
                    started = len(writer.tasks) >= procs
                report()
            if started:
                writer.commit(merge=False)
            else:
                with interrupts.held():
                    writer.commit(merge=False)
        except BaseException:
            interrupts.ignored = True  # a second ^C must not cut the cleanup short
            # First: they read the job files that cancel() deletes.
            _end_writer_processes(writer)
            with contextlib.suppress(Exception):
                writer.cancel()
            raise


def _end_writer_processes(writer: Any) -> None:
    """Whoosh's cancel() only flags its writer processes in this process: left
    running they wait for work forever. End them, and never wait at exit for the
    queues' feeder threads: multiprocessing joins them then, and one that was
    never told to stop keeps the process from exiting."""
    tasks = list(getattr(writer, "tasks", []))
    for task in tasks:
        if task.is_alive():
            task.terminate()  # SIGTERM: their handler is the default, it ends them at once
    for task in tasks:
        task.join(2)
        if task.is_alive():
            task.kill()
            task.join()
    for queue in (writer.jobqueue, writer.resultqueue):
        queue.cancel_join_thread()
        queue.close()


def _schema() -> Any:
    from whoosh import analysis, fields
    from whoosh.lang.porter2 import stem

    # Porter2 (Snowball English): Porter left `overfit` and `overfitting` apart.
    # Full case folding after lower-casing: `STRASSE` finds `Straße`.
    words = (
        analysis.RegexTokenizer()
        | analysis.LowercaseFilter()
        | analysis.CharsetFilter(_case_folds())
        | analysis.StopFilter()
        | analysis.StemFilter(stemfn=stem)
    )
    # Tags match exactly (no case folding, no stemming), but a word the text
    # fields drop ("the", "and") must not become a clause only a tag can meet.
    tags = analysis.KeywordAnalyzer(commas=True) | analysis.StopFilter(minsize=1)
    return fields.Schema(
        key=fields.ID(unique=True, stored=True, sortable=True),
        id=fields.ID(stored=True),
        title=fields.TEXT(analyzer=words, stored=True),
        tags=fields.KEYWORD(analyzer=tags, commas=True, scorable=True, stored=True),
        summary=fields.STORED(),
        body=fields.TEXT(analyzer=words),
        status=fields.ID(stored=True),
        type=fields.ID(stored=True),
        kind=fields.ID(stored=True),
        date=fields.ID(stored=True, sortable=True),
        moment=fields.ID(stored=True, sortable=True),  # date, then time of day
        path=fields.STORED(),
    )


def _case_folds() -> dict[int, str]:
    """The lower-case characters whose case folding differs (ß, ſ, ς, ligatures…).
    Built only with a new index: the analyzer, with this table, is saved in it."""
    return {
        code: char.casefold()
        for code in range(0x10000)
        for char in [chr(code)]
        if char.lower() == char != char.casefold()
    }


# --- searching ---------------------------------------------------------------


def parse(schema: Any, query_text: str, as_typed: str) -> Any:
    """Whoosh's query for our (translated) query text; None when there are no words."""
    if not query_text.strip():
        return None
    from whoosh import qparser

    parser = qparser.MultifieldParser(list(FIELD_WEIGHTS), schema, fieldboosts=FIELD_WEIGHTS)
    parser.add_plugin(qparser.FieldAliasPlugin({"tags": ["tag"]}))
    try:
        return parser.parse(query_text)
    except Exception as exc:  # the parser's errors have no common type
        raise GitSessError(
            f"cannot read the query {as_typed!r}: {exc}",
            "git sess search --help shows the query language",
        ) from None


def filter_query(request: SearchRequest) -> Any:
    """The request's options (--tag, --status, --type, --since, --until, --kind)."""
    from whoosh import query

    wanted: list[Any] = [query.Term("tags", tag) for tag in request.tags]
    if request.statuses:
        wanted.append(query.Or([query.Term("status", s) for s in request.statuses]))
    if request.types:
        wanted.append(query.Or([query.Term("type", t) for t in request.types]))
    if request.since or request.until:
        wanted.append(query.TermRange("date", request.since, request.until))
    if request.kind != "all":
        wanted.append(query.Term("kind", request.kind))
    return query.And(wanted) if wanted else None


@dataclass
class Ranked:
    """Whoosh hits in our order."""

    items: list[tuple[Any, float]]
    total: int  # matches in all, beyond the limit


def best_matches(
    searcher: Any, text_query: Any, filters: Any, limit: int, held: Held | None = None
) -> Ranked:
    """`held`: the scored postings kept while the index stays open (postings.py);
    with them, words joined by AND, OR and NOT are combined as sets (combined.py)."""
    count = limit * 2 + 10
    results, total = _candidates(searcher, text_query, filters, count, held)
    ordered = _ordered(results)
    last = _rank(ordered[limit - 1])[0] if len(ordered) >= limit else None
    if total > len(ordered) and last is not None and _rank(ordered[-1])[0] == last:
        # The candidates are the best by exact score, ties cut by docnum, which
        # depends on the index's history: a match left out may tie with the last
        # one shown and be newer. Then every match that ties competes.
        results, total = _candidates(searcher, text_query, filters, total, held)
        ordered = _tied(searcher, text_query, results.top_n, -last, limit)
    return Ranked(ordered[:limit], total)


def _tied(
    searcher: Any, text_query: Any, top_n: list[tuple[float, int]], least: float, limit: int
) -> list[tuple[Any, float]]:
    """The `limit` best of the matches in `top_n` (score, docnum) scored at least
    `least` (rounded as _rank rounds), in _rank's order: each one's moment and key
    read from the index's columns, no stored fields (a tag can tie thousands)."""
    from whoosh.searching import Results

    reader = searcher.reader()
    moments, keys = reader.column_reader("moment"), reader.column_reader("key")
    pairs = [pair for pair in top_n if round(pair[0], 6) >= least]
    pairs.sort(key=lambda pair: keys[pair[1]])  # stable sorts: the last one decides first
    pairs.sort(key=lambda pair: moments[pair[1]], reverse=True)
    pairs.sort(key=lambda pair: -round(pair[0], 6))
    return [(hit, hit.score) for hit in Results(searcher, text_query, pairs[:limit])]


def _candidates(
    searcher: Any, text_query: Any, filters: Any, count: int, held: Held | None
) -> tuple[Any, int]:
    """The `count` best matches by exact score (Whoosh's order) and how many match."""
    from whoosh.searching import Results

    found = None
    if held is not None:
        found = combined.best(searcher, text_query, filters, count, held, _kinds())
    if found is not None:
        return Results(searcher, text_query, found[0]), found[1]
    collector = _top_collector(count, filters)
    if held is not None:
        text_query = _holding(text_query, held)
    searcher.search_with_collector(text_query, collector)
    results = collector.results()
    return results, len(results)


def _ordered(results: Any) -> list[tuple[Any, float]]:
    """Best first; ties broken by date and time (newest first), then id, so the same
    files rank the same whatever the index's history."""
    return sorted(((hit, hit.score) for hit in results), key=_rank)


def _rank(pair: tuple[Any, float]) -> tuple[float, str, str]:
    hit, score = pair
    return (-round(score, 6), _descending(hit["moment"]), hit["key"])


@functools.cache
def _kinds() -> combined.Kinds:
    from whoosh import matching, query, util
    from whoosh.scoring import WeightLengthScorer

    reading = (matching.FilterMatcher, WeightLengthScorer)
    m = matching
    return combined.Kinds(
        query.Term, query.And, query.Or, query.Not, query.Require,
        postings.classes(query.Term, m.ListMatcher, m.WrappingMatcher, reading)[1],
        m.WrappingMatcher, type(m.NullMatcher), m.UnionMatcher, m.IntersectionMatcher,
        m.ArrayUnionMatcher, m.InverseMatcher, m.RequireMatcher,
        util.make_weighted_tree, reading,
    )  # fmt: skip


def _holding(text_query: Any, held: Held) -> Any:
    from whoosh import matching, query

    reading = _kinds().reading
    held_term, _ = postings.classes(
        query.Term, matching.ListMatcher, matching.WrappingMatcher, reading
    )
    kinds = (query.And, query.Or, query.Not, query.AndNot, query.AndMaybe, query.Require)
    return postings.held_terms(text_query, held, query.Term, held_term, kinds)


def newest_matches(searcher: Any, filters: Any, limit: int) -> Ranked:
    """Filters alone: every match, newest first."""
    from whoosh import sorting

    order = [sorting.FieldFacet("moment", reverse=True), sorting.FieldFacet("key")]
    results = searcher.search(filters, limit=limit, sortedby=order)
    return Ranked([(hit, 0.0) for hit in results], len(results))


def matches_any(searcher: Any, text_query: Any, filters: Any) -> bool:
    collector = _top_collector(1, filters)
    searcher.search_with_collector(text_query, collector)
    return len(collector.results()) > 0


def _top_collector(limit: int, filters: Any) -> Any:
    from whoosh import collectors

    faster_phrases()
    from whoosh.matching import AndNotMatcher, ArrayUnionMatcher

    postings.parts_that_fit(ArrayUnionMatcher)
    postings.exclusions_from_the_first(AndNotMatcher)
    # The default collector's matcher replacement drops documents that belong
    # in the top N (and undercounts); this configuration is exact.
    top = collectors.TopCollector(limit=limit, usequality=False, replace=0)
    return collectors.FilterCollector(top, allow=filters) if filters is not None else top


def _descending(date: str) -> str:
    return "".join(chr(0x10FFFF - ord(char)) for char in date)


def vocabulary(schema: Any) -> Vocabulary:
    """The body field's words as its analyzer makes them, for snippets: the
    tokenizer's pattern, and the term of one word (the filters of our analyzer
    work word by word, so a word alone becomes what it becomes in a text)."""
    analyzer = schema["body"].analyzer
    tokenizer = analyzer.items[0]  # _schema(): a RegexTokenizer, then word filters

    def term(word: str) -> str | None:
        # As Whoosh's highlighter analyzed the text: stop words kept, to be told apart.
        for token in analyzer(word, mode="index", removestops=False):
            return str(token.text)
        return None

    return Vocabulary(tokenizer.expression, term)


def lengths_in_memory(searcher: Any, hold: Callable[[Any, list[str], Any], None]) -> None:
    """Every document's field lengths held in memory, for a searcher kept open, by
    `hold` (gitsess.search.opened.hold_lengths says why and how; given, not
    imported: that module imports this one)."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

    for leaf, _ in searcher.leaf_searchers():
        hold(leaf.reader(), [_lenfield(field) for field in FIELD_WEIGHTS], LENGTHS_COLUMN)


def faster_phrases() -> None:
    """Phrases matched on positions as numbers (gitsess.search.phrases says why)."""
    from whoosh.matching.mcore import ListMatcher
    from whoosh.matching.wrappers import FilterMatcher
    from whoosh.query.spans import Span, SpanNear2
    from whoosh.scoring import WeightLengthScorer

    from gitsess.search.phrases import install

    install(SpanNear2, Span, FilterMatcher, ListMatcher, WeightLengthScorer)


def body_terms(searcher: Any, text_query: Any) -> frozenset[str]:
    """The terms of `text_query` a body can match (prefixes and ranges expanded to
    the indexed terms): the words a snippet marks, as Whoosh's highlighter chose them."""
    if text_query is None:
        return frozenset()
    field = searcher.schema["body"]
    found = text_query.existing_terms(searcher.reader(), fieldname="body", expand=True)
    return frozenset(field.from_bytes(term) for _, term in found)


def terms_near(reader: Any, stem: str, reach: int) -> dict[str, int]:
    """The indexed title and body terms within `reach` edits of `stem`, each with
    the number of documents holding it."""
    near = {term for field in ("title", "body") for term in reader.terms_within(field, stem, reach)}
    return {term: frequency(reader, term) for term in near}


def frequency(reader: Any, term: str) -> int:
    return sum(reader.doc_frequency(field, term) for field in ("title", "body"))


def first_holding(searcher: Any, term: str) -> str | None:
    """The key of a document whose title or body holds `term`."""
    from whoosh.query import Or, Term

    for docnum in searcher.docs_for_query(Or([Term("title", term), Term("body", term)])):
        return str(searcher.stored_fields(docnum)["key"])
    return None
