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


@pytest.mark.long
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


@pytest.mark.long
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


CHECKPOINT = "checkpoints/2024-03-01_101500_Before_compaction_ccp.md"


def _found(repo: Path, word: str) -> list[str]:
    result = sess(repo, "search", "--json", "--limit", "50", word)
    assert result.code in (0, 1), result.err
    assert "notice" not in result.err and "Traceback" not in result.err, result.err
    return [hit["path"] for hit in json.loads(result.out)]


def test_syncing_the_paths_a_watcher_reports(tmp_path, monkeypatch):
    repo = generated(tmp_path, 40)
    sessions = repo / ".sessions"
    (sessions / "checkpoints").mkdir()
    (sessions / CHECKPOINT).write_text(
        "---\ntitle: Before compaction\ndate: 2024-03-01\ntype: checkpoint\n---\n# Notes\n\nplain\n"
    )
    monkeypatch.chdir(repo)
    search.sync_index(open_workspace())
    index = store.SearchIndex(open_workspace())
    directory = index.path
    names = sorted(p.name for p in sessions.glob("session_2*.md"))
    listed = directory / "gitsess-documents-0.tsv"
    before = listed.stat()

    # edits of an export and a checkpoint, a deletion, a temporary file long gone
    (sessions / names[3]).write_text((sessions / names[3]).read_text() + "\nkestrel\n")
    (sessions / CHECKPOINT).write_text((sessions / CHECKPOINT).read_text() + "\nkestrel\n")
    (sessions / names[5]).unlink()
    gone = [names[5], f".{names[3]}.swp", "4913"]
    # files the catalog never lists (an editor's backup, git sess's own, a README)
    never = [f"{names[3]}~", "session_index.md", "README.md", "_draft.md"]
    for name in never:
        (sessions / name).write_text("---\ntitle: Not a session\n---\nkestrel\n")
    assert index.sync_paths([names[3], CHECKPOINT, *gone, *never, names[3]]) is True

    journal = (directory / "gitsess-journal-0.tsv").read_text().splitlines()
    assert [line.split("\t")[0] for line in journal] == [names[3], CHECKPOINT, names[5]]
    assert journal[-1].endswith("\t")
    assert listed.stat().st_mtime_ns == before.st_mtime_ns
    manifest = json.loads((directory / "gitsess-manifest.json").read_text())
    assert manifest["fingerprint"] == ""  # the next scan compares the documents again
    assert sorted(index.documents()) == sorted([n for n in names if n != names[5]] + [CHECKPOINT])
    assert sorted(_found(repo, "kestrel")) == [f".sessions/{CHECKPOINT}", f".sessions/{names[3]}"]
    stats = json.loads(sess(repo, "search", "--stats", "--json").out)
    assert stats["pending"] == 0 and stats["documents"] == 40
    # nothing changed: nothing written
    manifest_bytes = (directory / "gitsess-manifest.json").read_bytes()
    assert index.sync_paths([names[3], "nothing-here.md"]) is True
    assert (directory / "gitsess-manifest.json").read_bytes() == manifest_bytes


@pytest.mark.parametrize("case", ["new file", "now a link", "no index", "damaged"])
def test_what_syncing_paths_leaves_to_a_scan(tmp_path, monkeypatch, case):
    repo = generated(tmp_path, 20)
    sessions = repo / ".sessions"
    monkeypatch.chdir(repo)
    search.sync_index(open_workspace())
    index = store.SearchIndex(open_workspace())
    name = sorted(p.name for p in sessions.glob("session_2*.md"))[2]
    if case == "new file":
        name = "session_20991231_new.md"
        (sessions / name).write_text("---\ntitle: New\ndate: 2099-12-31\n---\nkestrel\n")
    elif case == "now a link":
        (sessions / name).unlink()
        (sessions / name).symlink_to(sorted(sessions.glob("session_2*.md"))[0])
    elif case == "no index":
        import shutil

        shutil.rmtree(index.path)
    else:
        toc = sorted(index.path.glob("*.toc"))[-1]
        toc.write_bytes(toc.read_bytes()[:-5])
    state = (
        sorted((p.name, p.stat().st_mtime_ns) for p in index.path.glob("*"))
        if (index.path.exists())
        else []
    )

    assert index.sync_paths([name]) is False
    after = (
        sorted((p.name, p.stat().st_mtime_ns) for p in index.path.glob("*"))
        if (index.path.exists())
        else []
    )
    assert after == state
    search.sync_index(open_workspace())  # what the caller does then
    stats = json.loads(sess(repo, "search", "--stats", "--json").out)
    assert stats["pending"] == 0
