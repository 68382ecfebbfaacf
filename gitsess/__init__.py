"""git-sess: session exports for long projects with AI coding assistants, kept in git.

The package is laid out by wing: `core` (sessions, frontmatter, catalog, index,
links, checks) knows nothing of the others; `hooks` (git), `search` (Whoosh),
`assistant` (Claude Code) and `cli` (click) depend on the core, never the reverse.
"""

__version__ = "0.1.0"
