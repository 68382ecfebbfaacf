"""Linking sessions: link, unlink, show --links, next, prev and context, on
hand-made graphs whose answers are known."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest
from builders import export, session_name
from conftest import GOLDEN, assert_one_line_error, assert_refused, git, sess, snapshot
from inprocess import both_ways


def name(slug: str, day: int) -> str:
    return session_name(slug, f"2026-01-{day:02d}")


def write(
    repo: Path,
    slug: str,
    day: int,
    *,
    continues: str | None = None,
    requires: tuple[str, ...] = (),
    status: str = "complete",
    body: str = "",
) -> Path:
    links = f"summary: what {slug} did\n"
    if requires:
        links += f"prerequisite_sessions: [{', '.join(requires)}]\n"
    if continues:
        links += f"continuation_of: {continues}\n"
    return export(
        repo,
        name(slug, day),
        slug.replace("_", " ").capitalize(),
        body or f"Work on {slug}.",
        date=f"2026-01-{day:02d}",
        status=status,
        extra=links,
        heading=slug,
    )


@pytest.fixture
def diamond(sessions: Path) -> Path:
    """base ← left, right ← top (diamond prerequisites); top ← top_2 ← top_3 (a chain);
    a second chain other ← other_2 that shares the prerequisite base."""
    write(sessions, "base", 1)
    write(sessions, "left", 2, requires=(name("base", 1),))
    write(sessions, "right", 3, requires=(name("base", 1),))
    write(sessions, "top", 4, requires=(name("right", 3), name("left", 2)))
    write(sessions, "top_2", 5, continues=name("top", 4))
    write(sessions, "top_3", 6, continues=name("top_2", 5), status="in-progress")
    write(sessions, "other", 7, requires=(name("base", 1),))
    write(sessions, "other_2", 8, continues=name("other", 7))
    return sessions


def long_chain(repo: Path, prefix: str, length: int) -> str:
    """`length` sessions, each continuing the one before; the id of the last."""
    previous = ""
    for number in range(length):
        path = repo / ".sessions" / f"session_20260101_{prefix}{number:04d}.md"
        link = f"continuation_of: {previous}\n" if previous else ""
        path.write_text(
            f"---\ntitle: {prefix}{number}\ndate: 2026-01-01\ntype: feature\nstatus: complete\n"
            f"{link}---\nbody {number}\n"
        )
        previous = path.name
    return previous


def paths(repo: Path, *args: str) -> list[str]:
    result = sess(repo, "context", *args, "--format", "paths")
    assert result.code == 0, result.err
    return [Path(line).name for line in result.out.splitlines()]


# --- context ------------------------------------------------------------------------


def test_context_reads_prerequisites_in_dependency_order_then_the_chain(diamond):
    expected = [
        name("base", 1),
        name("left", 2),
        name("right", 3),
        name("top", 4),
        name("top_2", 5),
        name("top_3", 6),
    ]
    # Picking up a chain needs what the chain stands on (issue 18): top, which
    # top_3 continues through top_2, requires left and right, which require base.
    assert paths(diamond, name("top_3", 6)) == expected
    assert paths(diamond, name("top", 4)) == expected[:4]


def test_context_reads_what_every_part_of_the_chain_requires(sessions):
    # T3 continues T2 continues T1; T1 requires DATA, which requires BASE.
    write(sessions, "base", 1)
    write(sessions, "data", 2, requires=(name("base", 1),))
    write(sessions, "t1", 3, requires=(name("data", 2),))
    write(sessions, "t2", 4, continues=name("t1", 3))
    write(sessions, "t3", 5, continues=name("t2", 4))
    assert paths(sessions, "t3") == [
        name("base", 1),
        name("data", 2),
        name("t1", 3),
        name("t2", 4),
        name("t3", 5),
    ]


def test_context_defaults_to_the_newest_session_in_progress(diamond):
    assert paths(diamond)[-1] == name("top_3", 6)


def test_context_of_a_second_chain_sharing_a_prerequisite(diamond):
    write(diamond, "other_3", 9, continues=name("other_2", 8), requires=(name("left", 2),))
    assert paths(diamond, "other_3") == [
        name("base", 1),
        name("left", 2),
        name("other", 7),
        name("other_2", 8),
        name("other_3", 9),
    ]


def test_context_markdown_holds_each_text_once(diamond):
    result = sess(diamond, "context", "top")
    assert result.code == 0
    for slug, day in (("base", 1), ("left", 2), ("right", 3), ("top", 4)):
        assert result.out.count(f"Work on {slug}.") == 1
        assert f".sessions/{name(slug, day)} (" in result.out
    assert result.out.index("Work on base.") < result.out.index("Work on top.")


def test_budget_shortens_oldest_first_to_sections_then_summaries(sessions):
    sections = (
        "## Completed Work\n" + "filler line\n" * 200 + "\n## Next Steps\n- do the next thing\n"
        "\n## Key Insights\n- the insight\n"
    )
    write(sessions, "first", 1, body=sections)
    write(sessions, "second", 2, continues=name("first", 1), body=sections)
    target = write(sessions, "third", 3, continues=name("second", 2), body="Short.")
    full = json.loads(sess(sessions, "context", "third", "--format", "json").out)
    total = full["tokens"]
    assert [s["form"] for s in full["sessions"]] == ["full", "full", "full"]

    def cut(budget: int) -> dict:
        result = sess(sessions, "context", "third", "--budget", str(budget), "--format", "json")
        assert result.code == 0, result.err
        return json.loads(result.out)

    one = cut(total - 1)
    assert [s["form"] for s in one["sessions"]] == ["sections", "full", "full"]
    both = cut(one["tokens"] - 1)
    assert [s["form"] for s in both["sessions"]] == ["sections", "sections", "full"]
    summaries = cut(both["tokens"] - 1)
    assert [s["form"] for s in summaries["sessions"]][-1] == "full"
    assert summaries["sessions"][0]["form"] == "summary"
    for report, budget in ((one, total - 1), (both, one["tokens"] - 1)):
        assert report["tokens"] <= budget
        assert report["tokens"] == sum(s["tokens"] for s in report["sessions"])
    # the estimate is characters / 4, rounded up, of exactly what is printed
    text = sess(sessions, "context", "third", "--budget", str(total - 1)).out
    assert "- do the next thing" in text and "- the insight" in text
    first_part = text.split(name("second", 2))[0]  # the first session, shortened
    assert "filler line" not in first_part and "- the insight" in first_part
    target_tokens = math.ceil(len(target.read_text()) / 4)
    assert one["sessions"][-1]["tokens"] == target_tokens


def test_budget_smaller_than_the_session_itself_gives_it_whole_and_warns(sessions):
    write(sessions, "first", 1)
    write(sessions, "second", 2, continues=name("first", 1), body="x" * 4000)
    result = sess(sessions, "context", "second", "--budget", "10")
    assert result.code == 0
    assert "x" * 4000 in result.out and "Work on first." not in result.out
    assert "over the budget of 10" in result.err
    assert f"left out to fit: {name('first', 1)}" in result.err


def test_context_without_a_session_in_progress(sessions):
    write(sessions, "done", 1)
    assert_one_line_error(sess(sessions, "context"), "no session is in progress")


# --- next, prev, show --links ------------------------------------------------------------


def test_next_and_prev_walk_a_chain(diamond):
    assert sess(diamond, "next", "top").out == name("top_2", 5) + "\n"
    assert sess(diamond, "prev", "top_3").out == name("top_2", 5) + "\n"
    first = sess(diamond, "prev", "top")  # the first of its chain: normal, exit 0
    assert (first.code, first.out) == (0, "")
    assert first.err == f"git-sess: {name('top', 4)} is the first of its chain\n"
    last = sess(diamond, "next", "top_3")  # the last of its chain: the same rule
    assert (last.code, last.out) == (0, "")
    assert last.err == f"git-sess: {name('top_3', 6)} is the last of its chain\n"


def test_next_and_prev_help_say_what_an_end_of_the_chain_prints(diamond):
    for command, end in (("next", "last"), ("prev", "first")):
        text = " ".join(sess(diamond, command, "--help").out.split())
        assert f"nothing, a note on stderr and exit 0 when it is the {end} of its chain" in text


def test_next_lists_every_branch_of_a_fork(diamond):
    write(diamond, "top_2_alt", 9, continues=name("top", 4))
    assert sess(diamond, "next", "top").out.split() == [name("top_2", 5), name("top_2_alt", 9)]


def test_show_links_chain_and_backlinks(diamond):
    result = sess(diamond, "show", "top_2", "--links", "--json")
    assert result.code == 0, result.err
    links = json.loads(result.out)["links"]
    assert links == {
        "continues": name("top", 4),
        "requires": [],
        "chain": [name("top", 4), name("top_2", 5), name("top_3", 6)],
        "backlinks": [{"kind": "continues", "id": name("top_3", 6)}],
    }
    base = json.loads(sess(diamond, "show", "base", "--links", "--json").out)["links"]
    assert [link["id"] for link in base["backlinks"]] == [
        name("left", 2),
        name("right", 3),
        name("other", 7),
    ]
    text = sess(diamond, "show", "top_2", "--links").out
    assert f"  * {name('top_2', 5)}" in text and "continued by  " + name("top_3", 6) in text


def test_chain_broken_by_a_deletion_is_reported_by_check(diamond):
    (diamond / ".sessions" / name("top_2", 5)).unlink()
    assert sess(diamond, "prev", "top_3").code == 1
    result = sess(diamond, "check")
    assert result.code == 1
    assert f"continuation_of names '{name('top_2', 5)}', which does not exist" in result.out
    assert "the session is cut off from its chain" in result.out
    assert f"git sess link {name('top_3', 6)} --continues ID" in result.out


def test_a_5000_session_chain(sessions):
    previous = long_chain(sessions, "c", 5000)
    result = sess(sessions, "show", "c2500", "--links", "--json")
    assert result.code == 0, result.err
    chain = json.loads(result.out)["links"]["chain"]
    assert len(chain) == 5000 and chain[0].endswith("c0000.md") and chain[-1].endswith("c4999.md")
    listed = paths(sessions, previous)
    assert len(listed) == 5000 and listed[-1] == previous


# --- link and unlink ----------------------------------------------------------------------


def test_link_and_unlink_change_only_the_link_keys(diamond):
    path = diamond / ".sessions" / name("other", 7)
    text = path.read_text().replace("summary:", "# a comment\nextra_key: kept\nsummary:")
    path.write_text(text)
    assert sess(diamond, "link", "other", "--continues", "top_3").code == 0
    assert sess(diamond, "link", "other", "--requires", name("left", 2)).code == 0
    linked = path.read_text()
    assert f"continuation_of: {name('top_3', 6)}" in linked
    assert (
        linked.replace(f"continuation_of: {name('top_3', 6)}\n", "").replace(
            f", {name('left', 2)}", ""
        )
        == text
    )
    assert sess(diamond, "unlink", "other", "top_3", "left").code == 0
    unlinked = path.read_text()
    assert "# a comment\nextra_key: kept\n" in unlinked
    assert name("top_3", 6) not in unlinked and name("left", 2) not in unlinked
    assert name("base", 1) in unlinked
    assert unlinked.endswith("# Session: other\n\nWork on other.\n")


@pytest.mark.parametrize(
    "written",
    [
        "session_20260101_base",
        ".sessions/session_20260101_base.md",
        "SESSION_20260101_BASE.MD",
        "base",
    ],
)
def test_links_written_any_way_name_the_same_session(sessions, written):
    write(sessions, "base", 1)
    write(sessions, "user", 2)
    assert sess(sessions, "link", "user", "--requires", written).code == 0
    result = json.loads(sess(sessions, "show", "base", "--links", "--json").out)
    assert result["links"]["backlinks"] == [{"kind": "requires", "id": name("user", 2)}]


def test_link_that_would_dangle_or_close_a_cycle_is_refused_and_changes_nothing(diamond):
    before = snapshot(diamond)
    assert_one_line_error(
        sess(diamond, "link", "base", "--requires", "nope"), "no session 'nope' to link to"
    )
    result = sess(diamond, "link", "base", "--continues", "top_2")
    assert_one_line_error(result, "cycle")
    assert (
        f"{name('base', 1)} → {name('top_2', 5)} → {name('top', 4)} → {name('left', 2)}"
        in result.err
        or name("right", 3) in result.err
    )
    assert_one_line_error(sess(diamond, "link", "base", "--requires", "base"), "itself")
    assert snapshot(diamond) == before


def test_unlink_removes_a_dangling_link_and_refuses_a_missing_one(diamond):
    (diamond / ".sessions" / name("top_2", 5)).unlink()
    assert sess(diamond, "unlink", "top_3", name("top_2", 5)).code == 0
    assert "continuation_of" not in (diamond / ".sessions" / name("top_3", 6)).read_text().replace(
        "continuation_of: null", ""
    )
    before = snapshot(diamond)
    assert_one_line_error(sess(diamond, "unlink", "top", "other"), "does not link to")
    assert snapshot(diamond) == before


def test_link_regenerates_the_index_with_the_link(diamond):
    assert sess(diamond, "link", "other", "--continues", "top_3").code == 0
    index = (diamond / ".sessions" / "session_index.md").read_text()
    assert f"continues `{name('top_3', 6)}`" in index
    git(diamond, "add", "-A")
    assert sess(diamond, "index", "--check").code == 0


# --- graph ------------------------------------------------------------------------------


@both_ways
@pytest.mark.parametrize("output", ["mermaid", "dot"])
def test_graph_matches_the_golden_file(diamond, output, sess_mode):
    (diamond / ".sessions" / name("right", 3)).write_text(
        (diamond / ".sessions" / name("right", 3))
        .read_text()
        .replace("title: Right", 'title: Right "quoted" <b> & C#1')
        .replace("status: complete", "status: blocked")
    )
    result = sess(diamond, "graph", "--format", output)
    assert result.code == 0, result.err
    golden = GOLDEN / f"graph_diamond.{'mmd' if output == 'mermaid' else 'dot'}"
    assert result.out == golden.read_text()


def test_graph_json_filters_and_root(diamond):
    def graph(*args: str) -> dict:
        result = sess(diamond, "graph", "--format", "json", *args)
        assert result.code == 0, result.err
        return json.loads(result.out)

    full = graph()
    assert len(full["nodes"]) == 8
    assert {"source": name("top_2", 5), "target": name("top", 4), "kind": "continues"} in full[
        "edges"
    ]
    assert sum(edge["kind"] == "requires" for edge in full["edges"]) == 5
    since = graph("--since", "2026-01-04")
    assert [node["id"] for node in since["nodes"]][0] == name("top", 4)
    assert all(edge["target"] != name("base", 1) for edge in since["edges"])
    write(diamond, "alone", 10)
    rooted = graph("--root", "other_2")
    assert [node["id"] for node in rooted["nodes"]][-1] == name("other_2", 8)
    assert name("alone", 10) not in {node["id"] for node in rooted["nodes"]}
    assert name("alone", 10) in {node["id"] for node in graph()["nodes"]}


def test_graph_of_a_5000_session_chain(sessions):
    long_chain(sessions, "g", 5000)
    result = sess(sessions, "graph", "--format", "json")
    assert result.code == 0, result.err
    found = json.loads(result.out)
    assert len(found["nodes"]) == 5000 and len(found["edges"]) == 4999
    assert sess(sessions, "graph", "--format", "dot").out.count(" -> ") == 4999


# --- mv ------------------------------------------------------------------------------


def test_mv_renames_and_rewrites_every_link_in_the_form_it_was_written(diamond):
    sessions_dir = diamond / ".sessions"
    write(
        diamond,
        "forms",
        9,
        requires=("session_20260101_base", ".sessions/SESSION_20260101_BASE.md"),
    )
    before = {path.name: path.read_text() for path in sessions_dir.glob("session_*.md")}
    result = sess(diamond, "mv", "base", "The foundation")
    assert result.code == 0, result.err
    new = name("the_foundation", 1)
    assert result.out.splitlines()[0] == f"renamed .sessions/{name('base', 1)} -> .sessions/{new}"
    assert not (sessions_dir / name("base", 1)).exists()
    moved = (sessions_dir / new).read_text()
    assert "title: The foundation\n" in moved and "# Session: base\n" in moved
    for slug, day in (("left", 2), ("right", 3), ("other", 7)):
        text = (sessions_dir / name(slug, day)).read_text()
        assert text == before[name(slug, day)].replace(name("base", 1), new)
    forms = (sessions_dir / name("forms", 9)).read_text()
    assert f"prerequisite_sessions: [{new.removesuffix('.md')}, .sessions/{new}]" in forms
    assert sess(diamond, "check").code == 0
    index = (sessions_dir / "session_index.md").read_text()
    assert new in index and name("base", 1) not in index


def test_mv_keeps_the_history_and_uncommitted_edits(diamond):
    git(diamond, "add", "-A")
    git(diamond, "commit", "-q", "-m", "the diamond")
    path = diamond / ".sessions" / name("top", 4)
    path.write_text(path.read_text() + "An edit not yet committed.\n")
    result = sess(diamond, "mv", "top", "Top of the diamond")
    assert result.code == 0, result.err
    new = name("top_of_the_diamond", 4)
    moved = (diamond / ".sessions" / new).read_text()
    assert "An edit not yet committed.\n" in moved and "title: Top of the diamond\n" in moved
    # The rename and its edits are staged, the edit not yet committed is not.
    staged = git(diamond, "diff", "--cached", "--name-status", "-M").splitlines()
    assert [line.split("\t")[0][0] for line in staged] == ["R", "M"]
    assert staged[0].endswith(f"\t.sessions/{name('top', 4)}\t.sessions/{new}")
    assert staged[1] == f"M\t.sessions/{name('top_2', 5)}"
    assert "title: Top of the diamond\n" in git(diamond, "show", f":.sessions/{new}")
    assert "An edit not yet committed." not in git(diamond, "show", f":.sessions/{new}")
    assert f"continuation_of: {new}" in (diamond / ".sessions" / name("top_2", 5)).read_text()
    git(diamond, "commit", "-q", "-a", "-m", "rename top")
    follow = git(diamond, "log", "--follow", "--format=%s", "--", f".sessions/{new}")
    assert follow.splitlines() == ["rename top", "the diamond"]


def test_mv_onto_an_existing_id_is_refused_and_changes_nothing(diamond):
    write(diamond, "clash", 4)
    before = snapshot(diamond)
    assert_one_line_error(
        sess(diamond, "mv", "top", "Clash"), f".sessions/{name('clash', 4)} already exists"
    )
    assert snapshot(diamond) == before


def test_mv_rewrites_mentions_in_bodies_only_with_text(diamond):
    stem = name("base", 1).removesuffix(".md")
    write(diamond, "notes", 9, body=f"See {stem} and {stem}.md, not {stem}_2.")
    notes = diamond / ".sessions" / name("notes", 9)
    before = notes.read_text()
    result = sess(diamond, "mv", "base", "Foundation")
    assert result.code == 0, result.err
    assert f"still mentioned in .sessions/{name('notes', 9)}" in result.err
    assert notes.read_text() == before
    result = sess(diamond, "mv", "left", "Left side", "--text")
    assert result.code == 0
    new_stem = name("foundation", 1).removesuffix(".md")
    write(diamond, "notes_2", 9, body=f"See {new_stem} and {new_stem}.md, not {new_stem}_2.")
    result = sess(diamond, "mv", "foundation", "Ground", "--text")
    assert result.code == 0, result.err
    ground = name("ground", 1).removesuffix(".md")
    text = (diamond / ".sessions" / name("notes_2", 9)).read_text()
    assert f"See {ground} and {ground}.md, not {new_stem}_2." in text
    assert f"rewrote mentions in .sessions/{name('notes_2', 9)}" in result.out


def test_mv_to_the_same_file_name_only_retitles(diamond):
    result = sess(diamond, "mv", "top", "TOP")
    assert result.code == 0, result.err
    assert result.out == f"retitled .sessions/{name('top', 4)} (its file name stays)\n"
    assert "title: TOP\n" in (diamond / ".sessions" / name("top", 4)).read_text()


def test_link_onto_a_prerequisite_list_written_as_a_string(diamond):
    path = diamond / ".sessions" / name("other_2", 8)
    path.write_text(
        path.read_text().replace("---\n#", f"prerequisite_sessions: {name('left', 2)}\n---\n#", 1)
    )
    result = sess(diamond, "link", "other_2", "--requires", "right")
    assert result.code == 0, result.err
    text = path.read_text()
    assert f"prerequisite_sessions: [{name('left', 2)}, {name('right', 3)}]" in text


def frontmatter_edit(path: Path, old: str, new: str) -> str:
    """Replace `old` with `new` in the file (once, and it must be there); the new text."""
    text = path.read_text()
    assert text.count(old) == 1, (old, text)
    path.write_text(text.replace(old, new))
    return path.read_text()


def test_mv_rewrites_each_link_where_it_is_written(diamond):
    """A block list stays a block list, each link keeps its quoting, comments stay."""
    sessions_dir = diamond / ".sessions"
    base, stem = name("base", 1), name("base", 1).removesuffix(".md")
    block = (
        "prerequisite_sessions:  # what it needs\n"
        f"  - {base}  # the base one\n"
        "  # and the one beside it\n"
        f'  - "{name("right", 3)}"\n'
        f"  - '{stem}'\n"
    )
    left = frontmatter_edit(
        sessions_dir / name("left", 2), f"prerequisite_sessions: [{base}]\n", block
    )
    top_2 = frontmatter_edit(
        sessions_dir / name("top_2", 5),
        f"continuation_of: {name('top', 4)}\n",
        f"continuation_of: {name('top', 4).removesuffix('.md')}  # picks up from top\n",
    )
    assert sess(diamond, "mv", "base", "Foundation").code == 0
    assert sess(diamond, "mv", "top", "Summit").code == 0
    new_stem = name("foundation", 1).removesuffix(".md")
    assert (sessions_dir / name("left", 2)).read_text() == left.replace(stem, new_stem)
    assert (sessions_dir / name("top_2", 5)).read_text() == top_2.replace(
        name("top", 4).removesuffix(".md"), name("summit", 4).removesuffix(".md")
    )
    assert sess(diamond, "check").code == 0


def test_link_and_unlink_edit_a_block_list_in_place(diamond):
    path = diamond / ".sessions" / name("top", 4)
    block = (
        "prerequisite_sessions:\n"
        f'  - "{name("right", 3)}"  # the right one\n'
        f"  - {name('left', 2)}\n"
        "continuation_of: null  # the first of its chain\n"
    )
    text = frontmatter_edit(
        path, f"prerequisite_sessions: [{name('right', 3)}, {name('left', 2)}]\n", block
    )
    assert sess(diamond, "link", "top", "--requires", "base", "--continues", "base").code == 0
    linked = text.replace(
        f"  - {name('left', 2)}\n", f"  - {name('left', 2)}\n  - {name('base', 1)}\n"
    ).replace("continuation_of: null", f"continuation_of: {name('base', 1)}")
    assert path.read_text() == linked
    assert sess(diamond, "unlink", "top", "left", "base").code == 0
    assert path.read_text() == text.replace(f"  - {name('left', 2)}\n", "")
    assert sess(diamond, "unlink", "top", "right").code == 0
    assert "prerequisite_sessions: []\ncontinuation_of: null  # the first" in path.read_text()


# --- timeline ------------------------------------------------------------------------


@pytest.fixture
def forked(diamond: Path) -> Path:
    """The diamond, with the top chain forking at top_2, a blocked session, and a
    title too long for one line."""
    write(diamond, "fork", 9, continues=name("top_2", 5), status="blocked")
    write(diamond, "long" + "_and_longer" * 8, 10, status="abandoned")
    return diamond


@both_ways
@pytest.mark.parametrize("charset", ["ascii", "unicode"])
def test_timeline_golden(forked, charset, sess_mode):
    result = sess(forked, "timeline", "--charset", charset)
    assert result.code == 0, result.err
    golden = GOLDEN / f"timeline_diamond.{charset}.txt"
    assert result.out == golden.read_text(encoding="utf-8")
    assert max(len(line) for line in result.out.splitlines()) <= 80


def test_timeline_is_ascii_when_not_a_terminal(forked):
    result = sess(forked, "timeline")
    assert result.out == (GOLDEN / "timeline_diamond.ascii.txt").read_text(encoding="utf-8")
    assert result.out.isascii()


def timeline_on_terminal(repo: Path, locale: dict[str, str]) -> str:
    """`git sess timeline` with its output on a pseudo-terminal, under `locale` alone
    (as a user's shell would set it), and what the terminal was sent."""
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LC_", "LANG", "PYTHONUTF8", "PYTHONCOERCECLOCALE"))
    }
    controller, terminal = os.openpty()
    try:
        done = subprocess.run(
            ["git", "sess", "timeline"],
            cwd=repo,
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
            env={**keep, **locale},
            timeout=120,
        )
        os.close(terminal)
        terminal = -1
        shown = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # Linux: EIO once the other side is closed and read out
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if terminal >= 0:
            os.close(terminal)
        os.close(controller)
    assert done.returncode == 0, done.stderr
    return shown.decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("locale", "charset"),
    [
        ({"LC_ALL": "C", "LANG": "C"}, "ascii"),
        ({"LANG": "C"}, "ascii"),  # Python sets LC_CTYPE=C.UTF-8 for itself (PEP 538)
        ({"LC_ALL": "POSIX"}, "ascii"),
        ({}, "ascii"),
        ({"LANG": "en_US.ISO-8859-1"}, "ascii"),
        ({"LC_ALL": "C", "LC_CTYPE": "C.UTF-8", "LANG": "C.UTF-8"}, "ascii"),
        ({"LANG": "en_US.UTF-8"}, "unicode"),
        ({"LC_CTYPE": "C.utf8", "LANG": "C"}, "unicode"),
        ({"LC_ALL": "de_DE.UTF-8@euro", "LANG": "C"}, "unicode"),
    ],
)
def test_timeline_on_a_terminal_follows_its_locale(forked, locale, charset):
    """Box-drawing characters only where the locale (LC_ALL, then LC_CTYPE, then
    LANG) names UTF-8, whatever encoding Python gives its own stdout."""
    golden = (GOLDEN / f"timeline_diamond.{charset}.txt").read_text(encoding="utf-8")
    assert timeline_on_terminal(forked, locale) == golden


def test_timeline_filters_cut_chains_where_they_leave_the_selection(forked):
    result = sess(forked, "timeline", "--since", "2026-01-05", "--charset", "ascii")
    assert result.code == 0, result.err
    assert result.out == (GOLDEN / "timeline_since.ascii.txt").read_text(encoding="utf-8")
    assert "2026-01-04" not in result.out


def test_link_to_a_legacy_export_and_duplicate_links(diamond):
    legacy = diamond / ".sessions" / "session_20251231_legacy_notes.md"
    legacy.write_text("# Session: legacy notes\n\nWritten by hand, no frontmatter.\n")
    result = sess(diamond, "link", "top_3", "--requires", "legacy_notes", "--requires", "legacy")
    assert result.code == 0, result.err
    text = (diamond / ".sessions" / name("top_3", 6)).read_text()
    assert "prerequisite_sessions: [session_20251231_legacy_notes.md]" in text  # once
    assert sess(diamond, "context", "top_3", "--format", "paths").out.splitlines()[0] == (
        ".sessions/session_20251231_legacy_notes.md"
    )
    assert_one_line_error(
        sess(diamond, "link", "legacy_notes", "--requires", "base"), "has no frontmatter"
    )


# --- continuations: one each, and earlier --------------------------------------------


def test_new_and_link_refuse_to_continue_a_session_dated_later(sessions):
    write(sessions, "later", 10)
    write(sessions, "earlier", 5)
    later = name("later", 10)
    assert_refused(
        sessions,
        ("new", "Before", "--date", "2026-01-05", "--continues", "later"),
        f"the new session (2026-01-05) cannot continue {later}, which is dated later",
        "give --date 2026-01-10 or later",
    )
    for command in ("link", "update"):
        assert_refused(
            sessions,
            (command, "earlier", "--continues", "later"),
            f"{name('earlier', 5)} (2026-01-05) cannot continue {later}",
            "fix the date of one of them",
        )
    same_day = sess(sessions, "new", "Same day", "--date", "2026-01-10", "--continues", "later")
    assert same_day.code == 0, same_day.err


def test_check_warns_of_a_continuation_dated_after_the_session(sessions):
    write(sessions, "later", 10)
    write(sessions, "earlier", 5, continues=name("later", 10))
    assert sess(sessions, "index").code == 0
    result = sess(sessions, "check")
    assert result.code == 0, result.out  # a warning: the links themselves are sound
    assert result.out.splitlines() == [
        f"warning: .sessions/{name('earlier', 5)}:7: continuation_of names"
        f" {name('later', 10)}, dated 2026-01-10, after this session (2026-01-05)",
        "  hint: a session continues an earlier one: fix the date of one of them, or drop"
        f" the link: git sess unlink {name('earlier', 5)} --continues {name('later', 10)}",
        "2 session(s) checked: 0 error(s), 1 warning(s)",
    ]


def test_link_refuses_to_replace_the_session_it_continues(diamond):
    top_3 = diamond / ".sessions" / name("top_3", 6)
    assert_refused(
        diamond,
        ("link", "top_3", "--continues", "top"),
        f"{name('top_3', 6)} already continues {name('top_2', 5)}",
        f"git sess unlink {name('top_3', 6)} --continues {name('top_2', 5)} first",
        f"git sess update {name('top_3', 6)} --continues {name('top', 4)}",
    )
    # The same link again, however it is named, changes nothing and succeeds.
    before = snapshot(diamond)
    for again in ("top_2", name("top_2", 5).removesuffix(".md"), name("top_2", 5)):
        result = sess(diamond, "link", "top_3", "--continues", again)
        assert result.code == 0, result.err
        assert "nothing changed" in result.out
    assert snapshot(diamond) == before
    # update sets it outright; a link to a deleted session is mended by link.
    assert sess(diamond, "update", "top_3", "--continues", "top").code == 0
    assert f"continuation_of: {name('top', 4)}\n" in top_3.read_text()
    (diamond / ".sessions" / name("top", 4)).unlink()
    assert sess(diamond, "link", "top_3", "--continues", "top_2").code == 0
    assert f"continuation_of: {name('top_2', 5)}\n" in top_3.read_text()
