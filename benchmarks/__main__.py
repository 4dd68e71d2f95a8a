"""`python -m benchmarks`: the same as `benchmarks/run.py`."""

from benchmarks.run import main

raise SystemExit(main())
