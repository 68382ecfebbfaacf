"""Full-text search: a Whoosh index kept in step with the exports.

The index lives in `git rev-parse --git-path gitsess/search` (per worktree,
never in the work tree). This is the only module that imports Whoosh, and only
the classic 2.7 API is used, so either distribution (`whoosh3` or `whoosh`)
works unchanged.

Freshness: every search first compares the exports (the catalog's scan: file
signatures, content hashes only for files whose signature changed) with what
the index holds, recorded in the index directory next to Whoosh's files. When
nothing changed, no lock is taken and nothing is written.

Safety:
- Whoosh keeps its schema as a pickle, so an index is opened only when our own
  manifest, written after each commit, says git-sess built it with this schema
  and this Whoosh version.
- Writers take `search.lock` (bounded wait, clear message); readers never take
  it. Incremental writes go through Whoosh's own commit (the table of contents
  is renamed into place); full builds are written next to the live index and
  swapped in, so a reader sees either the old index or the new one.
- The manifest lags the index, never leads it (it is written after Whoosh
  commits), and every update is idempotent, so a writer killed at any moment
  leaves something the next run completes. Files that no longer have the size
  and mtime the manifest recorded, a table of contents with another hash, or
  files that make Whoosh raise are rebuilt with a notice.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitsess.core.cache import code_stamp
from gitsess.core.catalog import Catalog
from gitsess.core.errors import GitSessError
from gitsess.core.files import exclusive_lock, read_bytes, write_atomic
from gitsess.core.model import Session, body_of, parse_date, parse_export
from gitsess.core.workspace import CHECKPOINTS_DIR, Workspace

# Bump when the schema or the analysis changes. (The manifest also records the
# package's code stamp, so any upgrade rebuilds the index.)
SCHEMA_VERSION = 1
INDEX_DIR = "search"
LOCK_NAME = "search.lock"
BUILD_LEFTOVERS = (f"{INDEX_DIR}.new-*", f"{INDEX_DIR}.old-*")  # a build's two directories
MANIFEST = "gitsess-manifest.json"
DOCUMENTS = "gitsess-documents.tsv"
LOCK_TIMEOUT = 60.0  # a full build of 10,000 exports takes ~15 s on two CPUs
PARALLEL_BUILD_MIN = 2000  # below this, forking writer processes costs more than it saves
REBUILD_MIN = 200  # more changes than this (and a fifth of the index): rebuild instead
SNIPPETS_PER_HIT = 2
SNIPPET_CHARS = 160
# Applied to each field's BM25 score when searching. (Index-time field boosts
# only raise the term frequency, which BM25 saturates: a title match then
# weighed barely more than a body match.)
FIELD_WEIGHTS = {"title": 3.0, "tags": 2.0, "body": 1.0}

# What a snippet is made of: (text, whether it is a matched word).
Snippet = list[tuple[str, bool]]
Progress = Callable[[int, int], None]  # (documents written, documents in all)


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


@dataclass(frozen=True)
class Stats:
    path: Path
    documents: int
    size: int  # bytes on disk
    segments: int
    built_ns: int  # last full build
    updated_ns: int  # last change written
    pending: int  # exports changed since (the next search applies them)
    schema: int
    whoosh: str

    def public(self) -> dict[str, Any]:
        """`search --stats --json`"""
        return {**self.__dict__, "path": str(self.path)}


# --- what the index must hold ------------------------------------------------


@dataclass
class Corpus:
    """The exports and checkpoints as they are now: document key -> content hash.

    A key is the path inside the sessions directory (`name.md` or
    `checkpoints/name.md`), so an export and a checkpoint never collide.
    """

    digests: dict[str, str]
    fingerprint: str
    catalogs: dict[str, Catalog]  # key prefix -> catalog

    def session(self, key: str, sessions_path: Path) -> tuple[Session, bytes]:
        prefix, _, name = key.rpartition("/")
        catalog = self.catalogs[prefix]
        data = read_bytes(sessions_path / key)
        return catalog.scan.parsed.get(name) or parse_export(
            f"{catalog.sessions_dir}/{name}", data
        ), data


def _corpus(workspace: Workspace) -> Corpus:
    catalogs = {"": workspace.catalog(), CHECKPOINTS_DIR: workspace.checkpoint_catalog()}
    digests = {
        f"{prefix}/{name}" if prefix else name: digest
        for prefix, catalog in catalogs.items()
        for name, digest in catalog.scan.hashes.items()
    }
    fingerprint = "+".join(catalog.fingerprint for catalog in catalogs.values())
    return Corpus(digests=digests, fingerprint=fingerprint, catalogs=catalogs)


def _document(key: str, session: Session, data: bytes) -> dict[str, Any]:
    is_checkpoint = key.startswith(CHECKPOINTS_DIR + "/") or session.type == "checkpoint"
    return {
        "key": key,
        "id": session.id,
        "title": session.title,
        "tags": ",".join(session.tags),
        "body": _searched_text(session.summary, data),
        "summary": session.summary or "",
        "status": session.status,
        "type": session.type,
        "kind": "checkpoint" if is_checkpoint else "export",
        "date": session.date or "",
        "path": session.path,
    }


def _searched_text(summary: str | None, data: bytes) -> str:
    """The body field: the summary, then the text. Snippets are cut from the same."""
    return "\n".join(filter(None, [summary, body_text(data)]))


def body_text(data: bytes) -> str:
    """The text searched and quoted: the file without its frontmatter, template
    guidance (HTML comments) and bare markdown markers, which every export
    shares and which would only add noise to scores and snippets. Undecodable
    bytes become U+FFFD, so a file that is partly not UTF-8 is still found."""
    return _MARKERS.sub("", _COMMENT.sub(" ", _decoded_body(data)))


def _decoded_body(data: bytes) -> str:
    return body_of(data.decode("utf-8", errors="replace"))


_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# The `# Session: Title` line repeats the title field; other headings (and
# comments in code blocks) keep their words, without the marker.
_MARKERS = re.compile(
    r"^[ \t]*(?:#[ \t]+Session(?:[ \t]+Log)?[ \t]*:.*|#{1,6}[ \t]+|(?:[-*+]|\d+\.)[ \t]*$)",
    re.M,
)


# --- the index on disk -------------------------------------------------------


@dataclass
class Manifest:
    """What git-sess knows of the index it built, written after each commit."""

    schema: int
    whoosh: str
    code: str  # the package's stamp: new code may derive documents differently
    sessions_dir: str
    generation: int
    files: dict[str, list[int]]  # Whoosh file name -> [size, mtime_ns], for that generation
    toc_sha256: str  # the table of contents: the pickle Whoosh reads first
    fingerprint: str
    built_ns: int
    updated_ns: int


class Damaged(Exception):
    """The index cannot be used as it is (the message says why): rebuild it."""


class SearchIndex:
    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.state_dir = workspace.repo.state_dir
        self.path = self.state_dir / INDEX_DIR
        self.notices: list[str] = []

    # Reading: no lock, never blocks.

    def manifest(self) -> Manifest | None:
        """Our record of the live index, or None when there is none we can trust."""
        try:
            raw = json.loads((self.path / MANIFEST).read_bytes())
            manifest = Manifest(**raw)
            files = {
                str(name): [int(size), int(mtime)] for name, (size, mtime) in raw["files"].items()
            }
        except (OSError, ValueError, TypeError, AttributeError):
            return None
        manifest.files = files
        if (
            manifest.schema != SCHEMA_VERSION
            or manifest.whoosh != _whoosh_version()
            or manifest.code != code_stamp()
            or manifest.sessions_dir != self.workspace.config.sessions_dir
        ):
            return None
        return manifest

    def check_intact(self, manifest: Manifest) -> None:
        """Raise Damaged unless the files are the ones the manifest recorded.

        Whoosh's files never change once written, so a size or mtime that moved
        means damage. A generation the manifest does not name is never opened:
        a writer died after committing, or something else wrote it; it is
        rebuilt under the lock (a writer still committing is waited for).
        """
        latest = _latest_generation(self.path)
        if latest != manifest.generation:
            raise Damaged(f"generation {latest} is not the recorded {manifest.generation}")
        for name, (size, mtime) in manifest.files.items():
            try:
                stat = os.stat(self.path / name)
            except OSError:
                raise Damaged(f"{name} is missing") from None
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                raise Damaged(f"{name} changed after it was written")
        if _sha256(self.path / _toc_name(latest)) != manifest.toc_sha256:
            raise Damaged(f"{_toc_name(latest)} is not the one written")

    def documents(self) -> dict[str, str]:
        try:
            text = (self.path / DOCUMENTS).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return {}
        rows = (line.split("\t") for line in text.split("\n") if line)
        return {row[0]: row[1] for row in rows if len(row) == 2}

    # Writing: under the lock.

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        timeout = self.workspace.config.lock_timeout or LOCK_TIMEOUT
        with exclusive_lock(
            self.state_dir / LOCK_NAME,
            timeout,
            activity="updating the search index",
            hint="wait for it to finish (git sess search --stats shows the index), then run"
            " the command again",
        ):
            yield

    def sync(self, corpus: Corpus) -> None:
        """Bring the index up to date with `corpus`; the caller holds the lock."""
        if not self.path.exists():
            self._recover_swap()
        self._remove_leftovers()
        manifest = self.manifest()
        if manifest is None:
            self.build(corpus, None, reason=self._missing_reason())
            return
        try:
            self.check_intact(manifest)
            self._apply_changes(corpus, manifest)
        except Damaged as damage:
            self.build(corpus, None, reason=f"the search index was damaged ({damage})")

    def _missing_reason(self) -> str | None:
        if not self.path.exists():
            return None  # a first build needs no notice
        if not (self.path / MANIFEST).exists():
            return "the search index was not one git-sess wrote"
        return (
            "the search index was written for another sessions directory or by another"
            " version of git-sess or Whoosh"
        )

    def _recover_swap(self) -> None:
        """A build killed between its two renames left the index beside its place:
        the new one if it was complete (its manifest is written last), else the old."""
        for pattern in BUILD_LEFTOVERS:
            for candidate in sorted(self.path.parent.glob(pattern)):
                if (candidate / MANIFEST).is_file():
                    os.rename(candidate, self.path)
                    return

    def _remove_leftovers(self) -> None:
        """Directories of builds that were killed (a live build holds the lock)."""
        import shutil

        for pattern in BUILD_LEFTOVERS:
            for leftover in self.path.parent.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)

    def _apply_changes(self, corpus: Corpus, manifest: Manifest) -> None:
        changed, deleted = _differences(self.documents(), corpus)
        if len(changed) + len(deleted) > max(REBUILD_MIN, len(corpus.digests) // 5):
            # e.g. a checkout of a distant branch: one document at a time in one
            # process is slower than a parallel build, and holds the lock longer
            self.build(corpus, None, reason=None)
            return
        if changed or deleted:
            import whoosh.index

            ix = _guarded(lambda: whoosh.index.open_dir(str(self.path)))
            writer = _guarded(lambda: ix.writer(timeout=5.0, compound=False))
            try:
                for key in deleted:
                    _guarded(lambda key=key: writer.delete_by_term("key", key))
                for key in changed:
                    session, data = corpus.session(key, self.workspace.sessions_path)
                    document = _document(key, session, data)
                    _guarded(lambda document=document: writer.update_document(**document))
            except BaseException:
                writer.cancel()
                raise
            _guarded(writer.commit)
            _fault_point("after-commit")
        _write_records(self.path, corpus, manifest.built_ns)

    def build(self, corpus: Corpus, progress: Progress | None, reason: str | None) -> None:
        """Write a whole new index beside the live one, then swap it in."""
        import shutil

        if reason:
            self.notices.append(f"{reason}; rebuilt it")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._remove_leftovers()
        fresh = self.path.with_name(f"{INDEX_DIR}.new-{os.getpid()}")
        retired = self.path.with_name(f"{INDEX_DIR}.old-{os.getpid()}")
        try:
            fresh.mkdir()
            _write_index(fresh, self._documents(corpus), len(corpus.digests), progress)
            _write_records(fresh, corpus, time.time_ns())
            if self.path.exists():
                os.rename(self.path, retired)
            _fault_point("between-renames")
            os.rename(fresh, self.path)
        except OSError as exc:
            raise GitSessError(
                f"cannot write the search index in {self.path.parent}: {exc.strerror or exc}",
                f"make {self.path.parent} writable, then: git sess reindex",
            ) from exc
        finally:
            shutil.rmtree(fresh, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)

    def _documents(self, corpus: Corpus) -> Iterator[dict[str, Any]]:
        """Every document, its fields from the catalog's metadata cache."""
        for prefix, catalog in corpus.catalogs.items():
            for session in catalog.sessions:
                key = f"{prefix}/{session.id}" if prefix else session.id
                data = read_bytes(self.workspace.sessions_path / key)
                yield _document(key, session, data)


def _differences(indexed: dict[str, str], corpus: Corpus) -> tuple[list[str], list[str]]:
    """(documents new or changed since they were indexed, documents deleted)"""
    changed = [key for key, digest in corpus.digests.items() if indexed.get(key) != digest]
    deleted = [key for key in indexed if key not in corpus.digests]
    return changed, deleted


def _fault_point(name: str) -> None:
    """Tests kill the process here, at moments a timer cannot hit reliably."""
    if os.environ.get("GIT_SESS_TEST_KILL_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _write_index(
    path: Path, documents: Iterator[dict[str, Any]], count: int, progress: Progress | None
) -> None:
    import whoosh.index

    ix = whoosh.index.create_in(str(path), _schema())
    # Measured on 10,000 exports: two writer processes each writing a segment
    # take 13 s; one process needs 512 MB of pool to stay under 30 s.
    procs = min(2, os.cpu_count() or 1) if count >= PARALLEL_BUILD_MIN else 1
    options: dict[str, Any] = {"limitmb": 256 if procs > 1 else 512, "compound": False}
    if procs > 1:
        options.update(procs=procs, multisegment=True)
    with _interrupts_kept_from_children():
        writer = ix.writer(**options)
        try:
            for done, document in enumerate(documents, 1):
                writer.add_document(**document)
                if progress:
                    progress(done, count)
                if done == count // 2:
                    _fault_point("mid-build")
            writer.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                writer.cancel()
            _stop_writer_processes(writer)
            raise


def _stop_writer_processes(writer: Any) -> None:
    """Whoosh's cancel() only flags its writer processes in this process; left
    running they wait for work forever and keep this one from exiting."""
    import multiprocessing

    for task in getattr(writer, "tasks", []):
        if isinstance(task, multiprocessing.Process) and task.is_alive():
            task.terminate()
            task.join(5)


@contextlib.contextmanager
def _interrupts_kept_from_children() -> Iterator[None]:
    """Writer processes are forked while documents are added; ^C reaches them too
    (the whole foreground group gets it). They inherit this handler, which raises
    only in this process: it cancels the build, the children print nothing."""
    import signal

    parent = os.getpid()

    def interrupted(signum: int, frame: Any) -> None:
        if os.getpid() == parent:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _write_records(path: Path, corpus: Corpus, built_ns: int) -> None:
    """The document list, then the manifest: both describe what Whoosh committed."""
    rows = "".join(f"{key}\t{digest}\n" for key, digest in sorted(corpus.digests.items()))
    write_atomic(path / DOCUMENTS, rows, durable=False)
    generation = _latest_generation(path)
    files = {
        entry.name: [stat.st_size, stat.st_mtime_ns]
        for entry in os.scandir(path)
        if entry.is_file() and _is_whoosh_file(entry.name)
        for stat in [entry.stat()]
    }
    manifest = Manifest(
        schema=SCHEMA_VERSION,
        whoosh=_whoosh_version(),
        code=code_stamp(),
        sessions_dir=corpus.catalogs[""].sessions_dir,
        generation=generation,
        files=files,
        toc_sha256=_sha256(path / _toc_name(generation)),
        fingerprint=corpus.fingerprint,
        built_ns=built_ns,
        updated_ns=time.time_ns(),
    )
    write_atomic(path / MANIFEST, json.dumps(manifest.__dict__, sort_keys=True), durable=False)


_TOC = re.compile(r"_MAIN_(\d+)\.toc")


def _latest_generation(path: Path) -> int:
    try:
        names = os.listdir(path)
    except OSError:
        return -1
    return max((int(m.group(1)) for m in map(_TOC.fullmatch, names) if m), default=-1)


def _toc_name(generation: int) -> str:
    return f"_MAIN_{generation}.toc"


def _sha256(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _is_whoosh_file(name: str) -> bool:
    return not name.startswith("gitsess-") and name != "MAIN_WRITELOCK"


# --- Whoosh ------------------------------------------------------------------


def _whoosh_version() -> str:
    import whoosh  # the package itself is one small module

    return whoosh.versionstring()


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


def _guarded(action: Callable[[], Any]) -> Any:
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


# --- searching ---------------------------------------------------------------


def search(workspace: Workspace, request: SearchRequest) -> SearchResult:
    """Ranked matches for `request`, on an index first brought up to date."""
    query_text = translate_query(request.query)
    index = SearchIndex(workspace)
    for attempt in range(3):
        _bring_up_to_date(index)
        try:
            result = _run_query(index, query_text, request)
        except Damaged as damage:
            if attempt == 0:
                continue  # a writer may have swapped or cleaned files under us: look again
            if attempt == 1:
                with index.lock():
                    reason = f"the search index was damaged ({damage})"
                    index.build(_corpus(workspace), None, reason)
                continue
            raise GitSessError(
                f"the search index at {index.path} cannot be read even after a rebuild ({damage})",
                f"remove it (rm -r {index.path}) and run git sess reindex",
            ) from None
        result.notices = index.notices
        return result
    raise AssertionError("unreachable")


def _bring_up_to_date(index: SearchIndex) -> None:
    corpus = _corpus(index.workspace)
    manifest = index.manifest()
    if manifest is not None and manifest.fingerprint == corpus.fingerprint:
        try:
            index.check_intact(manifest)
            return
        except Damaged:
            pass  # sync() below rebuilds it, under the lock
    with index.lock():
        index.sync(corpus)


def index_exists(workspace: Workspace) -> bool:
    """Whether a search index has been built here (the hooks only refresh one)."""
    return (SearchIndex(workspace).path / MANIFEST).is_file()


def sync_index(workspace: Workspace) -> list[str]:
    """Bring the index up to date without searching (what every search does first)."""
    index = SearchIndex(workspace)
    _bring_up_to_date(index)
    return index.notices


def reindex(workspace: Workspace, progress: Progress | None = None) -> Stats:
    index = SearchIndex(workspace)
    with index.lock():
        index.build(_corpus(workspace), progress, reason=None)
    return index_stats(workspace)


def index_stats(workspace: Workspace) -> Stats:
    """The live index as it is; builds it first only when there is none."""
    index = SearchIndex(workspace)
    manifest = index.manifest()
    if manifest is None:
        _bring_up_to_date(index)
        manifest = index.manifest()
        assert manifest is not None
    indexed = index.documents()
    changed, deleted = _differences(indexed, _corpus(workspace))
    return Stats(
        path=index.path,
        documents=len(indexed),
        size=sum(size for size, _ in manifest.files.values()),
        segments=sum(name.endswith(".trm") for name in manifest.files),
        built_ns=manifest.built_ns,
        updated_ns=manifest.updated_ns,
        pending=len(changed) + len(deleted),
        schema=SCHEMA_VERSION,
        whoosh=manifest.whoosh,
    )


def _run_query(index: SearchIndex, query_text: str, request: SearchRequest) -> SearchResult:
    # Whoosh is imported where it is used: a sync that only writes never loads
    # the query parser, collectors and highlighter.
    import whoosh.index
    import whoosh.query

    ix = _guarded(lambda: whoosh.index.open_dir(str(index.path)))
    text_query = _parse(ix.schema, query_text, request.query)
    filters = _filters(whoosh.query, request)
    if text_query is None and filters is None:
        raise GitSessError(
            "nothing to search for", "give words (git sess search webhook retries) or a filter"
        )
    with _guarded(ix.searcher) as searcher:
        # Everything that reads the index is guarded: damage shows up wherever
        # Whoosh first touches the broken bytes.
        found, total = _guarded(
            lambda: _collect(searcher, index.workspace, text_query, filters, request)
        )
        suggestion = None
        if not found and text_query is not None:
            suggestion = _suggestion(searcher, index.workspace, ix.schema, request, filters)
    return SearchResult(hits=found, total=total, suggestion=suggestion)


def _parse(schema: Any, query_text: str, as_typed: str) -> Any:
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


def _collect(
    searcher: Any, workspace: Workspace, text_query: Any, filters: Any, request: SearchRequest
) -> tuple[list[Hit], int]:
    if text_query is None:
        ranked, total = _newest(searcher, filters, request.limit)
    else:
        ranked, total = _ranked(searcher, text_query, filters, request.limit)
    hits = [_hit(workspace, hit, score, ranked, request.snippets) for hit, score in ranked.items]
    return hits, total


@dataclass
class _Ranked:
    """Whoosh hits in our order, with the results object that highlights them."""

    items: list[tuple[Any, float]]
    results: Any


def _ranked(searcher: Any, text_query: Any, filters: Any, limit: int) -> tuple[_Ranked, int]:
    collector = _top_collector(limit * 2 + 10, filters)
    searcher.search_with_collector(text_query, collector)
    results = collector.results()
    # Ties are broken by docnum, which depends on the index's history: break
    # them by date (newest first), then id, so the same files rank the same.
    ordered = sorted(
        ((hit, hit.score) for hit in results),
        key=lambda pair: (-round(pair[1], 6), _descending(pair[0]["date"]), pair[0]["key"]),
    )
    return _Ranked(ordered[:limit], results), len(results)


def _top_collector(limit: int, filters: Any) -> Any:
    from whoosh import collectors

    # The default collector's matcher replacement drops documents that belong
    # in the top N (and undercounts); this configuration is exact.
    top = collectors.TopCollector(limit=limit, usequality=False, replace=0)
    return collectors.FilterCollector(top, allow=filters) if filters is not None else top


def _newest(searcher: Any, filters: Any, limit: int) -> tuple[_Ranked, int]:
    """Filters alone: every match, newest first."""
    from whoosh import sorting

    order = [sorting.FieldFacet("date", reverse=True), sorting.FieldFacet("key")]
    results = searcher.search(filters, limit=limit, sortedby=order)
    return _Ranked([(hit, 0.0) for hit in results], results), len(results)


def _descending(date: str) -> str:
    return "".join(chr(0x10FFFF - ord(char)) for char in date)


def _filters(query: Any, request: SearchRequest) -> Any:
    wanted = [query.Term("tags", tag) for tag in request.tags]
    if request.statuses:
        wanted.append(query.Or([query.Term("status", s) for s in request.statuses]))
    if request.types:
        wanted.append(query.Or([query.Term("type", t) for t in request.types]))
    if request.since or request.until:
        wanted.append(query.TermRange("date", request.since, request.until))
    if request.kind != "all":
        wanted.append(query.Term("kind", request.kind))
    return query.And(wanted) if wanted else None


def _hit(workspace: Workspace, hit: Any, score: float, ranked: _Ranked, snippets: bool) -> Hit:
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
        snippets=_snippets(workspace, hit, ranked) if snippets else [],
    )


_MARK_ON, _MARK_OFF, _BETWEEN = "\x01", "\x02", "\x03"


def _snippets(workspace: Workspace, hit: Any, ranked: _Ranked) -> list[Snippet]:
    """Up to two passages of the file around the matched words (the body is not
    stored in the index: it is read again, which costs no more and saves a third)."""
    try:
        data = read_bytes(workspace.sessions_path / hit["key"])
    except GitSessError:
        return []  # deleted since the search began
    body = re.sub(r"[\x01-\x03]", " ", _searched_text(hit["summary"], data))
    from whoosh import highlight

    ranked.results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60)
    ranked.results.formatter = _segment_formatter_class()()
    marked = hit.highlights("body", text=body, top=SNIPPETS_PER_HIT)
    if not marked:  # matched in the title or tags only: show the summary or first prose
        first = hit["summary"] or _first_prose(data)
        return [[(_one_line(first)[:SNIPPET_CHARS], False)]] if first else []
    return [_segments(fragment) for fragment in marked.split(_BETWEEN) if fragment.strip()]


def _first_prose(data: bytes) -> str:
    """The first line of the body that a person wrote: not a heading, a bare
    list marker or template guidance."""
    body = _COMMENT.sub(" ", _decoded_body(data))
    for line in body.splitlines():
        words = line.strip().lstrip("-*+").strip()
        if words and not line.lstrip().startswith("#") and not re.fullmatch(r"\d+\.", words):
            return words
    return ""


def _segments(fragment: str) -> Snippet:
    segments: Snippet = []
    for part in re.split(f"({_MARK_ON}[^{_MARK_OFF}]*{_MARK_OFF})", fragment):
        if part.startswith(_MARK_ON):
            segments.append((_one_line(part[1:-1]), True))
        elif part:
            segments.append((_one_line(part), False))
    if segments:
        first, matched = segments[0]
        segments[0] = (first.lstrip(), matched)
        last, matched = segments[-1]
        segments[-1] = (last.rstrip(), matched)
    return segments


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@functools.cache
def _segment_formatter_class() -> type:
    from whoosh import highlight

    class SegmentFormatter(highlight.Formatter):  # type: ignore[misc, name-defined]
        """Marks matched words with control characters, split apart by `_segments`."""

        between = _BETWEEN

        def format_token(self, text: str, token: Any, replace: bool = False) -> str:
            return _MARK_ON + highlight.get_text(text, token, replace) + _MARK_OFF

    return SegmentFormatter


_PLAIN_WORD = re.compile(r'(?<![\w:*"-])([^\W\d_]{3,})(?![\w:*])')
_OPERATORS = frozenset({"AND", "OR", "NOT", "TO"})


def _suggestion(
    searcher: Any, workspace: Workspace, schema: Any, request: SearchRequest, filters: Any
) -> str | None:
    """The query as typed, each word the index does not know replaced by the
    nearest one it does, offered only when the corrected query finds something."""
    analyzer = schema["body"].analyzer
    reader = searcher.reader()

    def nearest(match: re.Match[str]) -> str:
        word = match.group(1)
        stems = [token.text for token in analyzer(word)]
        if word in _OPERATORS or not stems:  # not stems: a stop word
            return word
        if any(reader.doc_frequency(field, stems[0]) for field in ("title", "body")):
            return word
        suggested = _nearest_term(reader, stems[0])
        return (suggested and _spelled(searcher, workspace, analyzer, suggested)) or word

    try:
        corrected = _PLAIN_WORD.sub(nearest, request.query)
        if corrected == request.query:
            return None
        query = _parse(schema, translate_query(corrected), corrected)
        collector = _top_collector(1, filters)
        searcher.search_with_collector(query, collector)
        found = len(collector.results())
    except Exception:  # a suggestion is a courtesy: never an error of its own
        return None
    return corrected if found else None


def _nearest_term(reader: Any, stem: str) -> str | None:
    """The indexed title or body term nearest to `stem` (two edits away at most,
    one for short words), the most frequent among equals. (Whoosh's own
    suggest() ranks by frequency alone, so a far common word beat a near rare one.)"""
    reach = 2 if len(stem) > 4 else 1
    candidates = {
        term for field in ("title", "body") for term in reader.terms_within(field, stem, reach)
    }
    frequency = {
        term: reader.doc_frequency("title", term) + reader.doc_frequency("body", term)
        for term in candidates
    }
    ranked = sorted(
        candidates, key=lambda term: (_edit_distance(stem, term), -frequency[term], term)
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
    from whoosh.query import Or, Term

    for docnum in searcher.docs_for_query(Or([Term("title", stem), Term("body", stem)])):
        key = searcher.stored_fields(docnum)["key"]
        text = read_bytes(workspace.sessions_path / key).decode("utf-8", errors="replace")
        for token in analyzer(text, chars=True):
            if token.text == stem:
                return text[token.startchar : token.endchar].lower()
        break
    return None


# --- the query language ------------------------------------------------------

# Rewritten before Whoosh parses the query, outside quoted phrases only:
# `-word` (NOT word), `date:` ranges and partial dates, `id:` without `.md`.
_REWRITES = re.compile(
    r'(?P<phrase>"[^"]*"?)'
    r"|(?:(?<=[\s(])|^)-(?=[^\s-])"
    r"|\bdate:(?P<date>[^\s)]*)"
    r"|\bid:(?P<id>[^\s)]+)"
    r"|(?<![\w:])(?P<field>[^\W\d]\w*):(?=\S)"
)
FIELDS = ("title", "tags", "tag", "status", "type", "id", "date", "kind")
_DATE_PART = re.compile(r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-\d{2})?)?")


def translate_query(text: str) -> str:
    """Our query language in Whoosh's syntax."""

    def rewrite(match: re.Match[str]) -> str:
        if match.group("phrase") is not None:
            return match.group(0)
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
        if match.group("id") is not None:
            ident = match.group("id")
            needs_suffix = not ident.endswith(".md") and not re.search(r"[*?]", ident)
            return f"id:{ident}.md" if needs_suffix else match.group(0)
        return "NOT "

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
