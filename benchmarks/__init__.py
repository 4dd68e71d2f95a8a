"""heatlens benchmarks: overhead, attribution accuracy, editor latency and store (run.py is the entry point)."""
