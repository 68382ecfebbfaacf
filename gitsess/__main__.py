from gitsess import run

raise SystemExit(run())
