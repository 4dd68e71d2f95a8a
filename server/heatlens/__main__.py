from heatlens.cli import main

raise SystemExit(main())
