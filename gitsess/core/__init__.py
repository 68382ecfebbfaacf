"""The core: sessions, their frontmatter, the catalog, the index, links and checks.

It knows nothing of git hooks, Whoosh or Claude Code; the wings below depend on it,
never the reverse."""
