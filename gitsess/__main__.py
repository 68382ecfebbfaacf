from gitsess.cli import main

raise SystemExit(main())
