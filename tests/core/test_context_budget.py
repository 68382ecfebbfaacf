"""`git sess context --budget`: an earlier session loses its template comments and
empty sections first, then everything but the sections that carry its result, by
its type; exports written by `git sess new` from the packaged templates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from builders import export, new
from conftest import sess

FILLER = "\n".join(f"- detail {n} of the work, written out at length" for n in range(30))

# type -> (sections filled in: heading -> text, the headings kept longest)
CASES = {
    "research": (
        {
            "Questions": FILLER,
            "Findings": "- batch size 64 is 2.1x faster",
            "Recommendations": "- use batch size 64",
            "Next Steps": FILLER,
        },
        ("Findings", "Recommendations"),
    ),
    "bug": (
        {
            "Session Objectives": FILLER,
            "Symptoms": FILLER,
            "Root Cause": "- the cache key ignored the locale",
            "Fix": "- key on (path, locale)",
            "Verification": "- tests/test_cache.py::test_locale passes",
            "Technical Decisions": FILLER,
        },
        ("Root Cause", "Fix", "Verification"),
    ),
    "operation": (
        {"Operation": FILLER, "Progress": FILLER, "Results": "- 3 epochs, eval F1 0.91"},
        ("Results",),
    ),
    "roadmap": (
        {"Mission": FILLER, "Current Phase": "- phase 2: the importer", "Open Questions": FILLER},
        ("Current Phase",),
    ),
    "feature": (
        {
            "Session Objectives": FILLER,
            "Files Created": "- `ledger/export_csv.py` - the CSV writer",
            "Technical Decisions": "- csv module, not pandas",
            "Next Steps": "1. add JSON export",
            "Key Insights": "- rows are dicts already",
        },
        ("Technical Decisions", "Next Steps", "Key Insights"),
    ),
}


def fill(path: Path, sections: dict[str, str]) -> None:
    """Write under each heading what a person would, in place of the template's
    empty list item (its guidance comment stays, as people leave it)."""
    text = path.read_text()
    for heading, content in sections.items():
        pattern = rf"(#+ {re.escape(heading)}\n(?:<!--.*?-->\n)?)(?:-|1\.)\n"
        text, count = re.subn(pattern, lambda m, content=content: m[1] + content + "\n", text)
        assert count == 1, heading
    path.write_text(text)


def budgeted(repo: Path, budget: int | None) -> tuple[dict, str]:
    args = ("context", "target") + (("--budget", str(budget)) if budget else ())
    report = sess(repo, *args, "--format", "json")
    text = sess(repo, *args)
    assert report.code == 0 and text.code == 0, report.err + text.err
    return json.loads(report.out), text.out.split("<!-- git sess context: .sessions/")[1]


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_sections_that_carry_the_result_are_kept_longest(sessions: Path, kind: str) -> None:
    filled, kept = CASES[kind]
    earlier = new(sessions, f"Earlier {kind}", "--type", kind, "--date", "2026-01-01")
    fill(earlier, filled)
    new(sessions, "Target", "--continues", earlier.stem, "--date", "2026-01-02")
    full, _ = budgeted(sessions, None)

    # First what carries nothing: the template's comments and the sections left empty.
    trimmed, text = budgeted(sessions, full["tokens"] - 1)
    assert [s["form"] for s in trimmed["sessions"]] == ["trimmed", "full"]
    assert "<!--" not in text.split("\n", 1)[1]
    headings = re.findall(r"^#+ (.+)$", text, re.M)
    holding = {f"Session: Earlier {kind}"} | ({"Completed Work"} if kind == "feature" else set())
    assert sorted(headings) == sorted({*filled, *holding})  # the empty ones are gone
    assert "tail -f logs/run.log" not in text and "| 1 | | in-progress |" not in text

    # Then the target's, and only then all but the sections that carry the result.
    both, _ = budgeted(sessions, trimmed["tokens"] - 1)
    assert [s["form"] for s in both["sessions"]] == ["trimmed", "trimmed"]
    cut, text = budgeted(sessions, both["tokens"] - 1)
    assert [s["form"] for s in cut["sessions"]] == ["sections", "trimmed"]
    assert cut["tokens"] <= both["tokens"] - 1
    for heading, content in filled.items():
        assert (content in text) == (heading in kept), heading
    assert "detail 3 of the work" not in text
    assert text.split("\n", 1)[1].startswith(f"# Session: Earlier {kind}\n")


def test_headings_written_by_hand_match_by_their_words(sessions: Path) -> None:
    body = (
        f"## Investigation\n{FILLER}\n\n## Root Cause Analysis\n- the locale\n\n"
        "## The Fix\n- key on locale\n\n## 3. Verification\n```\n# all green\n```\n"
    )
    export(sessions, "session_20260101_cache_bug.md", "Cache bug", body, type="bug")
    new(sessions, "Target", "--continues", "session_20260101_cache_bug", "--date", "2026-01-02")
    report, _ = budgeted(sessions, None)
    while report["sessions"][0]["form"] != "sections":  # trimmed (the target's) first
        assert report["sessions"][0]["form"] in ("full", "trimmed"), report
        report, text = budgeted(sessions, report["tokens"] - 1)
    assert "detail 3" not in text
    for kept in ("## Root Cause Analysis", "## The Fix", "## 3. Verification", "# all green"):
        assert kept in text, kept
