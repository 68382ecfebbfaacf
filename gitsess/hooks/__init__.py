"""The git wing: hook stubs installed and run, the commit work, the staged tree, repair.

Kept light: git runs this on every commit, so nothing here imports click,
GitPython or Whoosh."""
