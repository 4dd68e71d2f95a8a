"""The normalized, versioned profile model.

Every backend adapter converts its own output into a `Profile`; nothing downstream of an adapter sees a
backend's format. Times are seconds, memory is MB (2**20 bytes), lines are 1-based, and a function's line
is its `co_firstlineno` (the first decorator line). Serialized with cattrs + msgpack; `SCHEMA_VERSION`
is written with every profile and older versions are migrated on load.
"""

from __future__ import annotations

import enum
import math
from typing import Any, Callable, Dict, List, Optional

import attrs

SCHEMA_VERSION = 1


class FailureKind(str, enum.Enum):
    """How a run ended. `OK` is the only success."""

    OK = "ok"
    NONZERO_EXIT = "nonzero-exit"
    SYNTAX_ERROR = "syntax-error"
    IMPORT_ERROR = "import-error"
    EXCEPTION = "exception"
    SIGNAL = "signal"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out-of-memory"
    BACKEND_MISSING = "backend-missing"
    BACKEND_FAILED = "backend-failed"
    CANCELLED = "cancelled"
    TARGET_NOT_FOUND = "target-not-found"


@attrs.define
class Failure:
    kind: FailureKind = FailureKind.OK
    message: str = ""
    exit_code: Optional[int] = None
    signal: Optional[str] = None  # e.g. "SIGSEGV"
    exc_type: Optional[str] = None
    exc_message: Optional[str] = None
    file: Optional[str] = None
    line: Optional[int] = None
    install_command: Optional[str] = None  # for BACKEND_MISSING

    @property
    def ok(self) -> bool:
        return self.kind is FailureKind.OK


@attrs.define
class RunMeta:
    argv: List[str] = attrs.Factory(list)  # the target's argv as the user gave it
    target: str = ""  # display name: script path, "-m module" or "-c"
    interpreter: str = ""
    python_version: str = ""
    backend: str = ""
    backend_version: str = ""
    cwd: str = ""
    project_root: str = ""
    started_at: float = 0.0  # epoch seconds
    wall_time: float = 0.0
    cpu_time: float = 0.0  # user + system CPU of the target process tree
    exit_code: Optional[int] = None
    failure: Failure = attrs.Factory(Failure)
    git_commit: Optional[str] = None
    pid: Optional[int] = None
    sample_interval: Optional[float] = None
    peak_rss_mb: Optional[float] = None
    notes: List[str] = attrs.Factory(list)  # backend caveats worth telling the user
    # Where the backend knows them: seconds from the program's first line to its end (the rest of wall_time is
    # heatlens starting and ending it; cpu_time is then the program's CPU in that span), its main thread's wait
    # for a core in that span, how many times the sampler stopped the program to read it, and the seconds
    # heatlens stopped it to read the line its memory grew on.
    program_wall: Optional[float] = None
    core_wait: Optional[float] = None
    paused_reads: Optional[int] = None
    memory_stops: Optional[float] = None


@attrs.define
class LineStats:
    line: int
    cpu_python: float = 0.0  # seconds of CPU executing Python bytecode on this line
    cpu_native: float = 0.0  # seconds in native code (C extensions, builtins) called from this line
    cpu_system: float = 0.0  # seconds of kernel / waiting time attributed to this line
    # seconds in library, stdlib or native code called from this line, where this is the innermost line of
    # the program's own code on the stack (Scalene's "your line pays for what it calls"); not part of `cpu`,
    # which the library's own lines count (totals stay a sum of `cpu`)
    cpu_callees: float = 0.0
    wall: float = 0.0  # wall seconds, including time blocked (I/O, sleep) where the backend knows it
    samples: int = 0
    mem_alloc_mb: float = 0.0  # allocated here over the run
    mem_peak_mb: float = 0.0  # largest live amount from this line at any time
    mem_net_mb: float = 0.0  # still live at the end (allocated minus freed)
    gpu_share: Optional[float] = None  # fraction 0..1
    gpu_mem_mb: Optional[float] = None
    hits: Optional[int] = None  # executions, where known exactly

    @property
    def cpu(self) -> float:
        return self.cpu_python + self.cpu_native + self.cpu_system

    @property
    def cost(self) -> float:
        """What this line costs the program: its own CPU plus the library code it calls."""
        return self.cpu + self.cpu_callees

    @property
    def relative_error(self) -> Optional[float]:
        """Binomial-ish sampling uncertainty of this line's time (1/sqrt(n)); None without samples."""
        return 1.0 / math.sqrt(self.samples) if self.samples else None


@attrs.define
class FileProfile:
    path: str  # absolute, as the target ran it
    sha256: Optional[str] = None  # of the source bytes as run
    lines: List[LineStats] = attrs.Factory(list)  # sorted by line

    def by_line(self) -> Dict[int, LineStats]:
        return {s.line: s for s in self.lines}


@attrs.define
class FunctionStats:
    qualname: str
    file: str
    line: int  # co_firstlineno: the first decorator line
    self_time: float = 0.0
    total_time: float = 0.0
    calls: Optional[int] = None
    mem_alloc_mb: float = 0.0
    mem_peak_mb: float = 0.0
    callers: Dict[str, float] = attrs.Factory(dict)  # "file:line:qualname" of caller -> seconds
    callees: Dict[str, float] = attrs.Factory(dict)

    @property
    def key(self) -> str:
        return function_key(self.file, self.line, self.qualname)


def function_key(file: str, line: int, qualname: str) -> str:
    return f"{file}:{line}:{qualname}"


@attrs.define
class Frame:
    name: str  # qualified function name, or "module.func" for native functions
    file: str = ""  # "" for native frames
    line: int = 0  # first line of the function (co_firstlineno)
    native: bool = False


@attrs.define
class StackSample:
    """One distinct stack (root -> leaf, as indices into Profile.frames) and the time spent in its leaf."""

    frames: List[int]
    weight: float  # seconds
    thread: str = "MainThread"
    leaf_line: int = 0  # line executing in the leaf frame, where known


@attrs.define
class TimelineEvent:
    name: str
    start: float  # seconds since the run started
    duration: float
    file: str = ""
    line: int = 0
    thread: str = "MainThread"
    depth: int = 0
    args: Optional[Dict[str, str]] = None
    return_value: Optional[str] = None


@attrs.define
class ExceptionRecord:
    type: str
    message: str = ""
    file: str = ""
    line: int = 0
    count: int = 1
    time: float = 0.0  # seconds spent raising/handling, where known
    caught: bool = True


@attrs.define
class MemorySample:
    t: float  # seconds since start
    current_mb: float
    peak_mb: float = 0.0
    rss_mb: Optional[float] = None


@attrs.define
class LineMemoryTrack:
    """Live (traced) memory of one allocating line at each time of Profile.memory_snapshot_times: what the
    leak detector (heatlens.analysis.leaks) reads."""

    file: str
    line: int
    live_mb: List[float] = attrs.Factory(list)


@attrs.define
class ResourceSample:
    """The target's process tree seen from outside (psutil), one poll: see heatlens.analysis.resources."""

    t: float  # seconds since start
    rss_mb: float  # resident memory of the whole tree
    cpu_percent: float = 0.0  # CPU of the tree since the previous sample; 100 = one core busy
    threads: int = 0
    open_files: int = 0  # open file descriptors (files, pipes, sockets)
    processes: int = 1


@attrs.define
class GcStats:
    """Garbage collections of the run (gc.callbacks), per generation 0, 1, 2."""

    collections: List[int] = attrs.Factory(lambda: [0, 0, 0])
    pause_seconds: List[float] = attrs.Factory(lambda: [0.0, 0.0, 0.0])  # wall time spent collecting
    collected: List[int] = attrs.Factory(lambda: [0, 0, 0])  # unreachable objects found
    max_pause: float = 0.0  # seconds, the longest single collection


@attrs.define
class ImportRecord:
    """One module's import (its loader's exec_module): inclusive of what it imported, and without it."""

    module: str
    file: str = ""  # the module's origin
    seconds: float = 0.0
    self_seconds: float = 0.0
    importer_file: str = ""  # the first non-import-system frame that triggered it (an `import` line)
    importer_line: int = 0


@attrs.define
class ProcessInfo:
    """One process of the run (the target, or a child it started) as its own profiler saw it."""

    pid: int
    parent_pid: Optional[int] = None
    name: str = ""  # multiprocessing's name ("SpawnPoolWorker-1") where it has one
    start: str = "main"  # "main" (the target), "fork" or "exec" (a child)
    argv: List[str] = attrs.Factory(list)  # the process's command line
    cpu_time: float = 0.0  # its CPU seconds (user + system), measured by the process itself
    wall_time: float = 0.0
    samples: int = 0
    sampled_cpu: float = 0.0  # CPU seconds attributed to its lines (part of the combined line data)
    exit_code: Optional[int] = None
    complete: bool = True  # False: it was killed before its final write (its last periodic one is used)


@attrs.define
class Finding:
    """A measured anti-pattern or analysis result, anchored to a source range."""

    rule: str
    message: str
    file: str
    line: int  # 1-based first line
    end_line: int
    severity: str = "warning"  # "error" | "warning" | "information" | "hint"
    cost_seconds: float = 0.0
    cost_share: float = 0.0
    data: Dict[str, Any] = attrs.Factory(dict)


@attrs.define
class Profile:
    meta: RunMeta = attrs.Factory(RunMeta)
    files: List[FileProfile] = attrs.Factory(list)
    functions: List[FunctionStats] = attrs.Factory(list)
    frames: List[Frame] = attrs.Factory(list)
    stacks: List[StackSample] = attrs.Factory(list)
    timeline: List[TimelineEvent] = attrs.Factory(list)
    exceptions: List[ExceptionRecord] = attrs.Factory(list)
    memory_series: List[MemorySample] = attrs.Factory(list)
    resource_series: List[ResourceSample] = attrs.Factory(list)  # outside view of the process tree
    memory_snapshot_times: List[float] = attrs.Factory(list)  # seconds since start, one per tracemalloc snapshot
    line_memory_series: List[LineMemoryTrack] = attrs.Factory(list)  # per line, aligned with those times
    findings: List[Finding] = attrs.Factory(list)
    gc: Optional[GcStats] = None  # where the backend watches the collector (agent)
    imports: List[ImportRecord] = attrs.Factory(list)  # where the backend times imports (agent)
    extras: Dict[str, Any] = attrs.Factory(dict)  # named side data, e.g. {"pstats": bytes}
    processes: Optional[List[ProcessInfo]] = None  # the target and its profiled children, where known (agent)
    schema_version: int = SCHEMA_VERSION

    def file(self, path: str) -> Optional[FileProfile]:
        for f in self.files:
            if f.path == path:
                return f
        return None

    @property
    def total_cpu(self) -> float:
        """Sum of line CPU over all files: the denominator of every CPU share."""
        return sum(s.cpu for f in self.files for s in f.lines)


class SchemaError(ValueError):
    """A serialized profile that this version cannot read (newer, corrupt, or not a profile)."""


def _converter() -> Any:
    """One cattrs converter, built on first use: cattrs and msgpack cost a run that stores nothing ~30 ms."""
    global _CONVERTER
    if _CONVERTER is None:
        import cattrs

        _CONVERTER = cattrs.Converter()
    return _CONVERTER


_CONVERTER: Any = None

# Migrations from version N to N+1 on the unstructured dict. Add one per schema change.
MIGRATIONS: Dict[int, Callable[[Dict[str, Any]], Dict[str, Any]]] = {}


def to_dict(profile: Profile) -> Dict[str, Any]:
    return _converter().unstructure(profile)


def from_dict(data: Dict[str, Any]) -> Profile:
    if not isinstance(data, dict) or "meta" not in data:
        raise SchemaError("not a heatlens profile")
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise SchemaError(
            f"profile schema version {version} is newer than this heatlens ({SCHEMA_VERSION}); upgrade heatlens"
        )
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["schema_version"] = version
    try:
        return _converter().structure(data, Profile)
    except Exception as exc:  # cattrs raises ClassValidationError and friends
        raise SchemaError(f"corrupt profile: {exc}") from exc


def dumps(profile: Profile) -> bytes:
    import msgpack

    return msgpack.packb(to_dict(profile), use_bin_type=True)


def loads(blob: bytes) -> Profile:
    import msgpack

    try:
        data = msgpack.unpackb(blob, raw=False, strict_map_key=False)
    except Exception as exc:
        raise SchemaError(f"corrupt profile: {exc}") from exc
    return from_dict(data)
