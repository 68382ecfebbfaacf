"""Ranked full-text search over the session exports (Whoosh)."""
