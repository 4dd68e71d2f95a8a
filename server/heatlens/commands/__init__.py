"""One module per CLI subcommand; each defines `register(subparsers)` that sets `func(args) -> int`."""
