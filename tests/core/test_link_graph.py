"""The link graph: what a link may name, chains, prerequisites, cycles. In-process, no git.

The commands that walk it (link, context, graph, timeline, check) are tested end
to end in tests/core/test_links.py.
"""

from __future__ import annotations

import pytest
from builders import export_text, session_name

from gitsess.core.links import (
    Edge,
    chain_ends,
    cycles_through,
    find_cycles,
    format_cycle,
    link_graph,
    link_problems,
    normalize_link,
    resolve_link,
)
from gitsess.core.model import Session, parse_export

DIR = ".sessions"


def session(slug: str, date: str = "2026-01-01", *, after: str = "", needs: str = "") -> Session:
    extra = (f"continuation_of: {after}\n" if after else "") + (
        f"prerequisite_sessions: [{needs}]\n" if needs else ""
    )
    name = session_name(slug, date)
    return parse_export(f"{DIR}/{name}", export_text(slug, date=date, extra=extra).encode())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("session_20260101_a.md", "session_20260101_a.md"),
        ("session_20260101_a", "session_20260101_a.md"),
        (".sessions/session_20260101_a", "session_20260101_a.md"),
        ("./session_20260101_a.md", "session_20260101_a.md"),
        ("../secrets.md", None),
        ("/etc/passwd", None),
        # A folder of the sessions directory (issue 16: notes kept in subfolders).
        ("archive/session_20260101_a.md", "archive/session_20260101_a.md"),
        (".sessions/archive/x", "archive/x.md"),
        ("archive/../../secrets.md", None),
        ("archive/.hidden/x.md", None),
        ("/archive/x.md", None),
        (".hidden.md", None),
        ("a\\b.md", None),
    ],
)
def test_a_link_names_a_file_in_the_sessions_directory_or_nothing(
    raw: str, expected: str | None
) -> None:
    assert normalize_link(raw, DIR) == expected


def test_a_link_resolves_exactly_then_by_a_unique_case_folded_match() -> None:
    known = {"session_20260101_Data.md": 1, "session_20260101_x.md": 2, "session_20260101_X.md": 3}
    assert resolve_link("session_20260101_data", known, DIR) == "session_20260101_Data.md"
    assert resolve_link("session_20260101_x", known, DIR) == "session_20260101_x.md"
    assert resolve_link("SESSION_20260101_X", known, DIR) is None  # two match: neither
    assert resolve_link("session_20260101_gone", known, DIR) is None


def test_problems_name_unsafe_dangling_self_and_repeated_links() -> None:
    me = session_name("me")
    sessions = [
        session(
            "me",
            needs=f"../x.md, session_20260101_gone, {me}, {session_name('a')}, {session_name('a')}",
        ),  # fmt: skip
        session("a"),
    ]
    edges, problems = link_problems(sessions, DIR)
    assert edges == [Edge(me, session_name("a"), "requires")]
    said = [(p.level, p.message) for p in problems]
    assert said == [
        ("error", "link '../x.md' is not a session id"),
        ("error", "prerequisite_sessions names 'session_20260101_gone', which does not exist"),
        ("error", "prerequisite_sessions links the session to itself"),
        ("warning", f"prerequisite_sessions names {session_name('a')} twice"),
    ]
    assert all(p.line == 6 for p in problems)  # the key's own line in the file


def test_a_continuation_to_a_deleted_session_says_the_chain_is_cut() -> None:
    sessions = [session("b", "2026-01-02", after="session_20260101_a")]
    _, [problem] = link_problems(sessions, DIR, deleted={session_name("a"): True})
    assert "which this commit deletes: the session is cut off from its chain" in problem.message
    assert "git sess link" in (problem.hint or "")


def chain_of(count: int) -> list[Session]:
    sessions = [session("s0")]
    for n in range(1, count):
        sessions.append(session(f"s{n}", after=session_name(f"s{n - 1}")))
    return sessions


def test_a_chain_is_walked_from_any_member_first_to_last() -> None:
    sessions = chain_of(4)
    graph = link_graph(sessions, DIR)
    ids = [s.id for s in sessions]
    assert graph.chain(ids[2]) == ids
    assert graph.previous(ids[2]) == ids[1]
    assert graph.following(ids[2]) == [ids[3]]
    assert graph.backlinks(ids[0]) == [("continues", ids[1])]
    assert [s.id for s in chain_ends(sessions)] == [ids[3]]


def test_a_long_chain_needs_no_recursion() -> None:
    sessions = chain_of(1200)  # past Python's default recursion limit (1,000)
    graph = link_graph(sessions, DIR)
    assert len(graph.chain(sessions[600].id)) == 1200


def test_where_a_chain_forks_the_oldest_branch_is_followed() -> None:
    root = session("root", "2026-01-01")
    late = session("late", "2026-01-03", after=root.id)
    early = session("early", "2026-01-02", after=root.id)
    graph = link_graph([root, late, early], DIR)
    assert graph.chain(root.id) == [root.id, early.id]
    assert graph.following(root.id) == [early.id, late.id]


def test_prerequisites_come_before_what_requires_them() -> None:
    data = session("data", "2026-01-01")
    model = session("model", "2026-01-02", needs=data.id)
    api = session("api", "2026-01-02")
    app = session("app", "2026-01-03", needs=f"{model.id}, {api.id}")
    graph = link_graph([app, api, model, data], DIR)
    order = graph.prerequisites(app.id)
    assert set(order) == {data.id, model.id, api.id}
    assert order.index(data.id) < order.index(model.id)


def test_cycles_are_found_once_each_and_deterministically() -> None:
    edges = [Edge("a", "b", "requires"), Edge("b", "c", "requires"), Edge("c", "a", "continues")]
    edges += [Edge("x", "y", "requires"), Edge("y", "x", "requires"), Edge("c", "z", "requires")]
    cycles = find_cycles(["a", "b", "c", "x", "y", "z"], edges)
    assert cycles == find_cycles(["z", "y", "x", "c", "b", "a"], edges[::-1])
    assert len(cycles) == 2
    assert {frozenset(cycle) for cycle in cycles} == {frozenset("abc"), frozenset("xy")}
    assert all(cycle[0] == cycle[-1] for cycle in cycles)  # each a closed path
    assert format_cycle(["a", "b", "a"]) != format_cycle(["a", "c", "a"])


def test_cycles_through_walks_only_what_the_start_reaches() -> None:
    successors = {"a": ["b"], "b": ["a"], "c": ["d"], "d": ["c"], "e": ["a"]}
    asked: list[str] = []

    def walk(node: str) -> list[str]:
        asked.append(node)
        return successors[node]

    cycles = cycles_through(["a"], walk)
    assert [set(cycle) for cycle in cycles] == [{"a", "b"}]
    assert set(asked) == {"a", "b"}  # neither c, d nor e is walked
    assert cycles_through(["e"], walk) == []  # e reaches a cycle but is on none
