"""The assistant wing: Claude Code's transcripts, hooks, settings, budget and recovery."""
