"""The defaults every layer shares, defined once: the option schema (heatlens/options.py) re-exports them,
and the runner, the backends and the jobs below it take their defaults from here."""

DEFAULT_TIMEOUT = 300.0  # seconds before the target is stopped; 0 = no limit
DEFAULT_INTERVAL = 0.001  # seconds between samples of the in-process samplers (py-spy: DEFAULT_RATE)
