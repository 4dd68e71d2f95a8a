"""One typed schema of run options and editor settings, and the one way to validate and normalise them.

Every option is declared once here (name, type, default, allowed values, description, CLI flag, setting
key). Derived from it: the argparse options of run-like commands (`add_arguments`), the language
server's settings parsing (`lsp/settings.py` via `check`), the VS Code manifest's
`contributes.configuration`, the docs' settings table (`options_manifest.py`, checked by tests), and the
one options object the pipeline takes (`ProfileOptions`).

Timeouts: seconds; 0 (or "none"/"off" on the command line) means no limit, on every path.
"""

from __future__ import annotations

import argparse
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import attrs

from heatlens.defaults import DEFAULT_INTERVAL, DEFAULT_TIMEOUT  # noqa: F401  (part of the schema)

INTERVAL_RANGE = (1e-4, 1.0)
MEMORY_MODES = ("off", "sampled", "full")
# The registry's names (heatlens.backends.BACKENDS, checked by tests/test_options.py), listed here so that
# parsing a setting or building the manifest never imports every backend.
BACKEND_NAMES = ("auto", "agent", "pyspy", "scalene", "pyinstrument", "cprofile", "viztracer")


# ---- command-line value parsers (argparse `type=`): a bad value is a usage error (exit 2) ------------

_SIZE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?)(b?)\s*$", re.IGNORECASE)


def parse_size_mb(text: str) -> int:
    """"2GiB", "1.5G", "512MB", "300" (MiB) -> MiB. KiB/MiB/GiB and bare K/M/G are binary, KB/MB/GB decimal."""
    m = _SIZE.match(text)
    if not m or (m.group(3) and not m.group(2)) or (m.group(4) and not m.group(2)):
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (try 512MiB or 2GiB)")
    number, unit = float(m.group(1)), m.group(2).lower()
    decimal = bool(m.group(4)) and not m.group(3)
    power = "kmgt".index(unit) + 1 if unit else 2
    size = number * (1000 if decimal else 1024) ** power if unit else number * (1 << 20)
    mb = int(round(size / (1 << 20)))
    if mb < 1:
        raise argparse.ArgumentTypeError(f"size too small: {text!r}")
    return mb


def parse_interval(text: str) -> float:
    """A sampling interval: seconds, or with a unit ("5ms", "200us")."""
    t = text.strip().lower()
    scale = 1e-3 if t.endswith("ms") else 1e-6 if t.endswith("us") else 1.0
    try:
        value = float(t[:-2] if scale != 1.0 else t.rstrip("s")) * scale
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an interval: {text!r} (e.g. 0.005, 5ms)") from None
    if not INTERVAL_RANGE[0] <= value <= INTERVAL_RANGE[1]:
        raise argparse.ArgumentTypeError("the sampling interval must be between 100us and 1s")
    return value


def parse_timeout(text: str) -> Optional[float]:
    """Seconds; "0", "none" or "off" means no limit (None)."""
    if text.strip().lower() in ("0", "none", "off"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the timeout cannot be negative")
    return timeout_limit(value)


def parse_backend(name: str) -> str:
    """A backend name, checked before anything runs: a typo must not surface as another failure."""
    if name in BACKEND_NAMES:
        return name
    from heatlens import backends  # a backend registered outside the static list (rare): ask the registry

    if name in backends.BACKENDS:
        return name
    raise argparse.ArgumentTypeError(f"unknown backend {name!r}; known: auto, {', '.join(sorted(backends.BACKENDS))}")


def timeout_limit(value: Optional[float]) -> Optional[float]:
    """THE timeout normalisation: seconds, with None, 0 (or less) meaning no limit -> None."""
    return float(value) if value is not None and value > 0 else None


def memory_limit(value: Optional[int]) -> Optional[int]:
    """MiB of address space; None or 0 means no limit -> None."""
    return int(value) if value else None


# ---- the schema -----------------------------------------------------------------------------------------


@attrs.frozen
class Option:
    name: str  # the Python attribute (Settings, ProfileOptions)
    kind: str  # JSON type: "string" | "number" | "integer" | "boolean" | "array" (of strings)
    default: Any
    description: str  # markdown, one sentence or two; the manifest and the docs show it
    choices: Tuple[str, ...] = ()
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    setting: Optional[str] = None  # key under `heatlens.` (dotted for nested); None: command line only
    side: str = "server"  # "server": the language server reads it; "client": only the VS Code client does
    manifest: bool = True  # declared in package.json (False: set by the client itself, e.g. clientCommands)
    scope: Optional[str] = None  # package.json scope, where it is not the default ("window")
    cli: Optional[str] = None  # flag of run-like commands; None: editor only
    cli_dest: Optional[str] = None  # argparse dest where it is not `name` (kept stable for old callers)
    cli_type: Optional[Callable[[str], Any]] = None
    cli_default: Any = "<same>"  # where the command line's default differs in form (None: not given)
    metavar: Optional[str] = None
    cli_help: Optional[str] = None  # where the command line needs other words than `description`

    @property
    def dest(self) -> str:
        return self.cli_dest or self.name


OPTIONS: Tuple[Option, ...] = (
    Option("python", "string", "", "Interpreter that runs the profiled program. Empty: the interpreter selected "
           "in the Python extension, else `python3` on `PATH`.", setting="python", scope="machine-overridable",
           cli="--python", metavar="P", cli_help="interpreter that runs the target (default: this one)"),
    Option("server_python", "string", "", "Interpreter with `heatlens` installed that runs the Heatlens language "
           "server. Empty: a private environment that the extension creates in its storage on first use from the "
           "wheel it ships.", setting="serverPython", side="client", scope="machine-overridable"),
    Option("backend", "string", "auto", "Default profiler backend. `auto` picks the best one available in the target "
           "interpreter; `agent` is the built-in zero-install line sampler.", choices=BACKEND_NAMES,
           setting="backend", cli="--backend", cli_type=parse_backend,
           cli_help="profiler backend (default: auto, the best one available)"),
    Option("args", "array", [], "Arguments passed to the profiled program.", setting="args", side="client"),
    Option("timeout", "number", DEFAULT_TIMEOUT, "Seconds before the profiled program is stopped (0: no limit).",
           minimum=0, setting="timeout", cli="--timeout", cli_type=parse_timeout, metavar="S",
           cli_help=f"stop the target after S seconds (default {DEFAULT_TIMEOUT:g}; 0: no limit)"),
    Option("memory_limit_mb", "number", 0, "Address-space limit for the profiled program in MiB (0: none).",
           minimum=0, setting="memoryLimitMb", cli="--memory-limit", cli_dest="memory_limit", cli_type=parse_size_mb,
           cli_default=None, metavar="SIZE", cli_help="address-space limit for the target, e.g. 2GiB"),
    Option("memory", "string", "sampled", "Memory attribution: `sampled` (resident-memory steps read on exact "
           "lines from outside: transient peaks, kept memory, leaks; cheap), `full` (the in-process agent with "
           "tracemalloc: each allocation's own traceback; several times slower), or `off`.", choices=MEMORY_MODES,
           setting="memory", cli="--memory", cli_help="memory attribution (default: sampled)"),
    Option("sample_interval", "number", DEFAULT_INTERVAL, "Seconds between samples of the samplers (agent, "
           "py-spy, pyinstrument, Scalene), e.g. 0.005 for 5 ms. At the default py-spy samples every 4 ms (250 Hz, "
           "pausing the program for each consistent read) for the first 2 s, then every 10 ms; any other value is used "
           "as given, to the end. The agent's CPU timer ticks at the kernel's rate (4 ms at HZ=250).", minimum=INTERVAL_RANGE[0], maximum=INTERVAL_RANGE[1], setting="sampleInterval",
           cli="--interval", cli_dest="interval", cli_type=parse_interval, metavar="T",
           cli_help="sampling interval of the samplers (agent, py-spy, pyinstrument), e.g. 5ms (default 1ms, "
           "py-spy 4ms, 10ms after 2 s; the agent's CPU timer ticks at the kernel's rate, 4 ms at HZ=250)"),
    Option("exceptions", "boolean", False, "Count caught exceptions per line on Python < 3.12 too (a trace hook: "
           "slows call-heavy code several times). Python 3.12+ counts them at no cost.", setting="exceptions",
           cli="--exceptions", cli_help="count caught exceptions per line on Python < 3.12 too (agent trace hook: "
           "slows calls)"),
    Option("children", "boolean", True, "Profile the target's Python child processes too (`multiprocessing`, "
           "`subprocess` of Python), merged into the run.", setting="children", cli="--no-children",
           cli_help="do not profile the target's Python child processes (agent; on by default)"),
    Option("env_allow", "array", [], "Names (or globs, e.g. `MYAPP_*`) of the editor's environment variables the "
           "profiled program gets. Empty: all of them, as when you run it yourself, secrets included. With a list: "
           "only those, plus what a program needs to start (`PATH`, `HOME`, `LANG`, `TMPDIR`, `VIRTUAL_ENV`, "
           "`PYTHONPATH`, …).", setting="envAllow", cli="--env-allow", cli_default=None, metavar="NAME",
           cli_help="pass only these environment variables (names or globs; repeatable) to the program, plus what "
           "it needs to start (PATH, HOME, LANG, ...); default: all of them"),
    Option("project_root", "string", None, "What counts as your code (default: the working directory).",
           cli="--project-root", metavar="D", cli_help="what counts as your code (default: the working directory)"),
    Option("probe_args", "boolean", False, "Then run the program once more under the argument probe for its hot "
           "repeated-call findings (offers lru_cache only on that evidence).", cli="--probe-args",
           cli_help="then run the program once more under the argument probe for its hot repeated-call findings "
           "(offers lru_cache only on that evidence)"),
    Option("heat_threshold", "number", 0.01, "Smallest CPU share (0..1) of a line that gets heat.",
           minimum=0, maximum=1, setting="heatThreshold"),
    Option("hint_threshold", "number", 0.02, "Smallest CPU share (0..1) of a line that gets an inlay hint.",
           minimum=0, maximum=1, setting="hintThreshold"),
    Option("user_code", "array", [], "Extra globs of files counted as your code besides the workspace folders.",
           setting="userCode"),
    Option("store_path", "string", "", "SQLite file that keeps the runs. Empty: `.heatlens/heatlens.db` in the "
           "workspace.", setting="storePath"),
    Option("warning_share", "number", 0.02, "Measured share above which an anti-pattern finding is a warning.",
           minimum=0, maximum=1, setting="diagnostics.warningShare"),
    Option("info_share", "number", 0.005, "Measured share above which an anti-pattern finding is reported at all "
           "(as information); not above `warningShare` (else both go back to their defaults). A change re-grades the "
           "open documents' findings without a new run.", minimum=0, maximum=1, setting="diagnostics.infoShare"),
    Option("client_commands", "boolean", False, "The client implements `heatlens.profileFile` itself (set by the "
           "client, not by users).", setting="clientCommands", manifest=False),
    Option("heat_enabled", "boolean", True, "Paint measured heat onto source lines (also: Heatlens: Toggle heat).",
           setting="heat.enabled", side="client"),
    Option("trace_server", "string", "off", "Log the LSP messages between VS Code and the Heatlens server.",
           choices=("off", "messages", "verbose"), setting="trace.server", side="client"),
)

BY_NAME: Dict[str, Option] = {o.name: o for o in OPTIONS}
BY_SETTING: Dict[str, Option] = {o.setting: o for o in OPTIONS if o.setting}


def server_settings() -> List[Option]:
    """The settings the language server reads, in declaration order."""
    return [o for o in OPTIONS if o.setting and o.side == "server"]


def default(name: str) -> Any:
    value = BY_NAME[name].default
    return list(value) if isinstance(value, list) else value


def check(option: Option, value: Any) -> Any:
    """A JSON value (a setting) checked against the schema and normalised to its Python type; raises
    ValueError with a message a user can act on."""
    if option.kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if option.kind == "string":
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        if option.choices and value not in option.choices:
            raise ValueError(f"must be one of {', '.join(option.choices)}, got {value!r}")
        return value
    if option.kind == "array":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of strings, got {value!r}")
        return list(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValueError(f"expected a number, got {value!r}")
    if option.minimum is not None and value < option.minimum:
        raise ValueError(f"must be at least {option.minimum:g}, got {value}")
    if option.maximum is not None and value > option.maximum:
        raise ValueError(f"must be at most {option.maximum:g}, got {value}")
    return int(value) if option.kind == "integer" or type(option.default) is int else float(value)


# ---- the command line -------------------------------------------------------------------------------------

RUN_OPTIONS = ("backend", "timeout", "memory_limit_mb", "python", "project_root", "memory", "sample_interval",
               "probe_args", "env_allow", "children", "exceptions")


def add_arguments(parser: argparse.ArgumentParser, names: Sequence[str] = RUN_OPTIONS) -> None:
    """The argparse options of `names` (a run-like command picks the ones it has)."""
    for name in names:
        o = BY_NAME[name]
        assert o.cli is not None, f"{name} has no command-line flag"
        helptext = o.cli_help or o.description
        cli_default = o.default if o.cli_default == "<same>" else o.cli_default
        if o.kind == "boolean":
            parser.add_argument(o.cli, dest=o.dest, action="store_false" if o.default else "store_true", help=helptext)
        elif o.kind == "array":
            parser.add_argument(o.cli, dest=o.dest, action="append", default=cli_default, metavar=o.metavar, help=helptext)
        else:
            parser.add_argument(o.cli, dest=o.dest, type=o.cli_type or str, default=cli_default, metavar=o.metavar,
                                choices=o.choices if o.choices and o.cli_type is None else None, help=helptext)


# ---- the one options object ---------------------------------------------------------------------------------


@attrs.define
class ProfileOptions:
    """What one profiled run needs, normalised: the same object from the CLI, the editor and the API."""

    backend: str = "auto"
    timeout: Optional[float] = DEFAULT_TIMEOUT  # None: no limit
    memory_limit_mb: Optional[int] = None
    project_root: Optional[str] = None
    memory: str = "sampled"
    sample_interval: float = DEFAULT_INTERVAL
    exceptions: bool = False
    children: bool = True
    env_allow: Optional[List[str]] = None  # None: the whole environment
    probe_args: bool = False
    warning_share: float = 0.02  # findings' grading thresholds (share of the run's CPU)
    info_share: float = 0.005

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "ProfileOptions":
        """From a run-like command's parsed arguments (those it lacks keep their defaults)."""
        got = {o.name: getattr(args, o.dest) for o in OPTIONS if o.cli and o.name in _FIELDS and hasattr(args, o.dest)}
        return cls.normalised(**got)

    @classmethod
    def from_settings(cls, settings: Any, **overrides: Any) -> "ProfileOptions":
        """From the editor's Settings (lsp/settings.py), with a request's overrides (None: not given)."""
        got = {name: getattr(settings, name) for name in _FIELDS if hasattr(settings, name)}
        diagnostics = getattr(settings, "diagnostics", None)
        if diagnostics is not None:
            got.update(warning_share=diagnostics.warning_share, info_share=diagnostics.info_share)
        got.update({k: v for k, v in overrides.items() if v is not None and v != ""})
        return cls.normalised(**got)

    @classmethod
    def normalised(cls, **values: Any) -> "ProfileOptions":
        """The one normalisation: 0 timeout / memory limit = none, [] env_allow = all, "" backend = auto."""
        if "timeout" in values:
            values["timeout"] = timeout_limit(values["timeout"])
        if "memory_limit_mb" in values:
            values["memory_limit_mb"] = memory_limit(values["memory_limit_mb"])
        if "env_allow" in values:
            values["env_allow"] = list(values["env_allow"]) or None if values["env_allow"] is not None else None
        if not values.get("backend", "auto"):
            values["backend"] = "auto"
        if values.get("memory", "sampled") not in MEMORY_MODES:
            raise ValueError(f"memory must be one of {', '.join(MEMORY_MODES)}, got {values['memory']!r}")
        return cls(**values)

    def run_options(self, stream: Optional[Callable[[str, bytes], None]] = None) -> Any:
        """The runner's RunOptions (heatlens.run)."""
        from heatlens.backends.base import BackendOptions
        from heatlens.run import RunOptions

        return RunOptions(
            backend=self.backend, timeout=self.timeout, memory_limit_mb=self.memory_limit_mb,
            project_root=self.project_root, stream=stream, env_allow=self.env_allow,
            backend_options=BackendOptions(memory=self.memory, exceptions=self.exceptions, children=self.children,
                                           sample_interval=self.sample_interval),
        )


_FIELDS = tuple(a.name for a in attrs.fields(ProfileOptions))
