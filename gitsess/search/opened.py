"""The search index opened for queries, and kept open by the search server.

Opening the index costs each query the unpickling of its table of contents and of
each segment's reader (~3 ms at 1,000 sessions), and every cache a reader fills
(term infos, the analyzer's stems, the snippets' vocabulary) starts empty. The
server keeps one `OpenIndex` for its life; an in-process search opens one and
closes it after its query. Both run the same code.

An open searcher is used only while it is the index on disk: each query first reads
the index's generation (the directory, which a rebuild swaps for another, and its
newest table of contents, which each commit of Whoosh's writes anew; a directory
listing and two stats) and the index is opened anew when it moved. The snippets'
vocabulary is kept while the directory is the same (its schema is). So whatever
brings the index up to date (the server's sync, a hook, a `reindex` in another
process) needs to tell nobody: the next query sees it.
"""

from __future__ import annotations

import contextlib
import os
import re
from array import array
from pathlib import Path
from typing import Any

from gitsess.search.backend import guarded, lengths_in_memory, open_index, vocabulary
from gitsess.search.phrases import keep_phrases
from gitsess.search.postings import Held
from gitsess.search.snippets import Vocabulary

_TOC = re.compile(r"_MAIN_(\d+)\.toc")

Generation = tuple[int, ...]


def generation(path: Path) -> Generation | None:
    """What identifies the index at `path` as it is now: the directory, its newest
    table of contents and that file. None when there is no index there."""
    try:
        directory = os.stat(path)
        numbers = [int(m.group(1)) for m in map(_TOC.fullmatch, os.listdir(path)) if m]
        if not numbers:
            return None
        newest = max(numbers)
        toc = os.stat(path / f"_MAIN_{newest}.toc")
    except OSError:
        return None
    return (directory.st_dev, directory.st_ino, newest, toc.st_ino, toc.st_mtime_ns, toc.st_size)


class OpenIndex:
    """A searcher of the index at one path, opened when first needed and refreshed
    whenever the index on disk is no longer the one it reads."""

    def __init__(self, resident: bool = False) -> None:
        # In the server: worth work at each opening that only later queries repay.
        self.resident = resident
        self._generation: Generation | None = None
        self._directory: tuple[Path, Generation] | None = None  # the same one: same schema
        self._index: Any = None
        self._searcher: Any = None
        self._vocabulary: Vocabulary | None = None
        # The server's: each term's scored matches, while this index stays open.
        self.held: Held | None = Held() if resident else None

    def searcher(self, path: Path) -> tuple[Any, Vocabulary]:
        """The searcher of the index at `path` as it is now, and the vocabulary of
        its schema. Raises Damaged when Whoosh cannot read the files."""
        # Read before opening: an index changed in between is opened newer than
        # recorded, so it is only opened once more at the next query, never missed.
        now = generation(path)
        if self._searcher is not None and (now is None or now != self._generation):
            # Opened anew, not refreshed: Whoosh's refresh() keeps the reader of a
            # segment that only gained deletions, which then still finds deleted
            # documents (and it brings back segments a merge removed).
            same_directory = now is not None and (path, now[:2]) == self._directory
            kept = self._vocabulary if same_directory else None
            self.close()
            self._vocabulary = kept
        if self._searcher is None:
            self._index = open_index(path)
            self._searcher = guarded(self._index.searcher)
            if self.resident:
                guarded(lambda: lengths_in_memory(self._searcher, hold_lengths))
                keep_phrases(leaf for leaf, _ in self._searcher.leaf_searchers())
            if self._vocabulary is None:
                self._vocabulary = vocabulary(self._searcher.schema)
        self._generation = now
        self._directory = None if now is None else (path, now[:2])
        assert self._vocabulary is not None
        return self._searcher, self._vocabulary

    def close(self) -> None:
        """Let go of the files (also after damage: the next query opens them anew)."""
        searcher, self._searcher, self._index = self._searcher, None, None
        self._generation = self._directory = self._vocabulary = None
        if self.held is not None:
            self.held = Held()  # the scores of the index let go of
        if searcher is not None:
            with contextlib.suppress(Exception):  # damaged files: nothing more to release
                searcher.close()


def hold_lengths(reader: Any, names: list[str], column_type: Any) -> None:
    """Hold a segment's field lengths in memory (`names`: the lengths columns).

    BM25 divides by each matching document's field length, which Whoosh reads from
    the lengths column with a seek and a read per document and field: a third of
    the time of scoring a common word. One byte per document and field, read here
    in one go per column (the same bytes Whoosh reads one at a time), into the
    column cache of Whoosh's per-document reader. Only what this Whoosh has is
    touched: anything else is left as it was.
    """
    perdoc = getattr(reader, "_perdoc", None)
    readers = getattr(perdoc, "_readers", None)
    if perdoc is None or not isinstance(readers, dict):
        return
    for name in names:
        column = perdoc._cached_reader(name, column_type)
        try:
            count, size = column._count, column._fixedlen
            data = column._dbfile.get(column._basepos, count * size)
        except AttributeError:  # no column, or not the reader this was written for
            continue
        if size == 1 and len(data) == count:
            # Past the column's end Whoosh gives the default, 0.
            readers[name] = array("B", data) + array("B", bytes(max(0, column._doccount - count)))
