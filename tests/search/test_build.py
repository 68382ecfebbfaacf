"""Builds that grow linearly (issue 20): a full build is written in batches,
each committed as segments of its own, so no writer's pool outgrows its limit
and spills; an update appends to a journal and folds it into a new document
list once it outgrows half of it. Real repositories, real Whoosh indexes; the
batch and journal sizes are lowered in this process so a small corpus needs
several of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, sess

from gitsess import search
from gitsess.core.workspace import open_workspace
from gitsess.search import backend, store

QUERIES = ("latency", "webhook signatures", "latency NOT tags:ml", "tags:ml training", "vendors")


def generated(tmp_path: Path, sessions: int) -> Path:
    repo = tmp_path / "corpus"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), str(repo)]
        + ["--sessions", str(sessions)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return repo


def results(repo: Path) -> dict[str, list[tuple[str, float]]]:
    """Every query's full ranking: ids and scores."""
    found = {}
    for query in QUERIES:
        result = sess(repo, "search", "--json", "--limit", "1000", query)
        assert result.code == 0 and result.err == "", result.err
        found[query] = [(hit["id"], round(hit["score"], 4)) for hit in json.loads(result.out)]
    return found


def test_batches_keep_the_order_and_stay_within_the_budget():
    documents = [{"key": str(n), "body": "x" * (n % 7) * 1000, "title": ""} for n in range(50)]
    budget = 20_000 + backend.POOL_PER_DOCUMENT
    cut = [list(batch) for batch in backend.batches(documents, budget)]

    assert [d for batch in cut for d in batch] == documents
    assert len(cut) > 5
    for batch in cut:
        assert sum(map(backend.pool_estimate, batch)) <= budget or len(batch) == 1
    # one document over the budget is a batch of its own; nothing is a batch of none
    huge = [{"body": "y" * 10**6}, {"body": ""}, {"body": "y" * 10**6}]
    assert [len(list(batch)) for batch in backend.batches(huge, 1000)] == [1, 1, 1]
    assert list(backend.batches([], 1000)) == []


@pytest.mark.parametrize("parallel", [False, True])
def test_a_build_in_batches_finds_what_one_batch_finds(tmp_path, monkeypatch, parallel):
    repo = generated(tmp_path, 260)
    assert sess(repo, "reindex").code == 0
    whole = results(repo)
    one = json.loads(sess(repo, "search", "--stats", "--json").out)

    # ~50 exports a batch: 5 or more batches, of one or two writer processes each
    monkeypatch.setattr(backend, "BATCH_POOL", 40 * 60_000)
    monkeypatch.setattr(backend, "BATCH_POOL_PARALLEL", 20 * 60_000)
    monkeypatch.setattr(backend, "PARALLEL_BUILD_MIN", 100 if parallel else 10**9)
    monkeypatch.chdir(repo)
    stats = search.reindex(open_workspace())

    assert stats.documents == one["documents"] == 260
    assert stats.segments >= one["segments"] + 4
    assert results(repo) == whole
    # later updates leave the batches' segments as they are, and stay right
    target = sorted((repo / ".sessions").glob("session_2*.md"))[7]
    target.write_text(target.read_text() + "\nkestrel\n")
    assert [hit["id"] for hit in json.loads(sess(repo, "search", "--json", "kestrel").out)] == [
        target.name
    ]
    after = json.loads(sess(repo, "search", "--stats", "--json").out)
    assert after["segments"] == stats.segments + 1


def test_the_journal_is_folded_into_a_new_document_list(tmp_path, monkeypatch):
    repo = generated(tmp_path, 30)
    monkeypatch.setattr(store, "JOURNAL_MIN", 0)
    monkeypatch.chdir(repo)
    search.sync_index(open_workspace())
    directory = store.SearchIndex(open_workspace()).path
    names = sorted((repo / ".sessions").glob("session_2*.md"))
    numbers = []
    for round_number in range(20):
        path = names[round_number]
        path.write_text(path.read_text() + f"\nkestrel{round_number}\n")
        search.sync_index(open_workspace())
        manifest = json.loads((directory / "gitsess-manifest.json").read_text())
        numbers.append(manifest["records"])
        records = sorted(p.name for p in directory.iterdir() if p.name.startswith("gitsess-"))
        expected = {f"gitsess-documents-{manifest['records']}.tsv", "gitsess-manifest.json"}
        if manifest["journal_size"]:
            expected.add(f"gitsess-journal-{manifest['records']}.tsv")
        assert set(records) == expected
    # 30 documents listed: a fold after every fifteen or so lines
    assert numbers[0] == 0 and numbers[-1] >= 1 and numbers == sorted(numbers)
    index = store.SearchIndex(open_workspace())
    assert len(index.documents()) == 30
    for round_number in range(20):
        found = sess(repo, "search", "--json", f"kestrel{round_number}")
        assert [hit["id"] for hit in json.loads(found.out)] == [names[round_number].name]
    assert sess(repo, "search", "kestrel0").err == ""
