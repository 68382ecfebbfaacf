"""`python -m gitsess.hooks HOOK [ARGS]`: the command line written into `.git/hooks` stubs."""

from gitsess.hooks.run import main

raise SystemExit(main())
