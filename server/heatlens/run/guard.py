"""heatlens's end of a run's reaper (reaper.py): start it with the target's argv, read what it reports,
tell it to stop the tree, and let it go.

The reaper holds the target's whole tree and outlives heatlens: if heatlens dies (even by SIGKILL) the
control pipe reaches end of file and the reaper kills every descendant and removes the run's directory.
"""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Callable, List, Mapping, Optional, Sequence, Tuple

from heatlens import prestart

REAPER = Path(prestart.REAPER)
START_TIMEOUT = 60.0  # seconds for the reaper to start the target (a loaded machine starts Python slowly)
STOP_MARGIN = 10.0  # seconds beyond the grace before a silent reaper counts as lost

Stopped = Tuple[int, float, int]  # (processes alive when the stop began, CPU seconds, peak RSS bytes)


class _Status(asyncio.Protocol):
    """Splits the reaper's status pipe into lines and hands them to the guard."""

    def __init__(self, guard: "Guard"):
        self.guard = guard
        self.pending = b""

    def data_received(self, data: bytes) -> None:
        self.pending += data
        while b"\n" in self.pending:
            line, self.pending = self.pending.split(b"\n", 1)
            self.guard._message(line.decode("utf-8", "replace").split(" ", 3))

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.guard._lost()


class Guard:
    """One run's reaper. `started` resolves to the target's pid (or raises OSError), `exited` to its exit
    code (negative: the signal), `stopped` to the reaper's report after `stop()`; None if it died."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.started: asyncio.Future[int] = loop.create_future()
        self.exited: asyncio.Future[Optional[int]] = loop.create_future()
        self.start_time: Optional[float] = None  # loop time when the target's pid came (its wall time starts)
        self.exit_time: Optional[float] = None
        self.stopped: asyncio.Future[Optional[Stopped]] = loop.create_future()
        self.ctl: Optional[int] = None
        self.argv0 = ""
        self.transport: Optional[asyncio.SubprocessTransport] = None

    @property
    def reaper_pid(self) -> int:
        assert self.transport is not None
        return self.transport.get_pid()

    def _message(self, words: List[str]) -> None:
        kind, args = words[0], words[1:]
        if kind == "pid" and not self.started.done():
            self.start_time = asyncio.get_running_loop().time()
            self.started.set_result(int(args[0]))
        elif kind == "error" and not self.started.done():
            self.started.set_exception(OSError(int(args[0]), " ".join(args[1:]), self.argv0))
        elif kind == "exit" and not self.exited.done():
            self.exit_time = asyncio.get_running_loop().time()
            self.exited.set_result(int(args[0]))
        elif kind == "stopped" and not self.stopped.done():
            self.stopped.set_result((int(args[0]), float(args[1]), int(args[2])))

    def _lost(self) -> None:
        """The status pipe closed: the reaper exited (or was killed); nothing more will be reported."""
        if not self.started.done():
            self.started.set_exception(OSError("the run's reaper process could not start the target"))
        if not self.exited.done():
            self.exit_time = asyncio.get_running_loop().time()
            self.exited.set_result(None)
        if not self.stopped.done():
            self.stopped.set_result(None)

    async def start(
        self, protocol_factory: Callable[[], asyncio.SubprocessProtocol], argv: Sequence[str], *,
        env: Mapping[str, str], cwd: str, limit_bytes: Optional[int], cleanup_dir: Optional[str],
        inline: bool = False,
    ) -> int:
        """Start the reaper, which starts argv; returns the target's pid. Raises OSError as Popen would.
        `inline`: argv is `sys.executable SCRIPT.py ...`, a stdlib-only script with main(argv), which the
        reaper runs in its forked child instead of starting another interpreter (reaper.py's --inline)."""
        loop = asyncio.get_running_loop()
        self.argv0 = argv[0] if argv else ""
        waiting = prestart.take()
        if waiting is not None:
            waiting = _hand_over(waiting, prestart.config_message(
                list(argv), dict(env), cwd, limit_bytes or 0, cleanup_dir or "-", inline))
        if waiting is not None:  # started while the CLI imported (prestart.py), now running this
            proc, ctl_w, st_r = waiting
            try:
                transport: Any = await _Adopted.connect(loop, proc, protocol_factory())
            except BaseException:
                os.close(ctl_w)  # end of file: it stops what it started and exits
                os.close(st_r)
                raise
        else:
            ctl_r, ctl_w = os.pipe()  # non-inheritable: only the reaper gets ctl_r (pass_fds), nobody else ctl_w
            st_r, st_w = os.pipe()
            args = [sys.executable, "-I", "-S", str(REAPER), str(ctl_r), str(st_w), str(limit_bytes or 0),
                    cleanup_dir or "-", *(["--inline"] if inline else []), "--", *argv]
            try:
                transport, _ = await loop.subprocess_exec(
                    protocol_factory, *args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, cwd=cwd, env=dict(env), start_new_session=True,
                    pass_fds=(ctl_r, st_w),
                )
            except BaseException:
                os.close(ctl_w)
                os.close(st_r)
                raise
            finally:
                os.close(ctl_r)
                os.close(st_w)
        self.transport, self.ctl = transport, ctl_w
        await loop.connect_read_pipe(lambda: _Status(self), os.fdopen(st_r, "rb", buffering=0))
        try:
            return await asyncio.wait_for(asyncio.shield(self.started), START_TIMEOUT)
        except asyncio.TimeoutError:
            self.kill_now()
            raise OSError(f"the run's reaper did not start {argv[0]} within {START_TIMEOUT:.0f} s") from None
        except OSError:
            await self.release()  # it exits by itself; wait, so that no loop closes under its transport
            raise
        except BaseException:
            self.kill_now()
            raise

    def _send(self, command: str) -> None:
        if self.ctl is None:
            return
        try:
            os.write(self.ctl, command.encode() + b"\n")
        except OSError:  # the reaper is gone
            pass

    async def stop(self, grace: float) -> Optional[Stopped]:
        """Have the reaper stop the whole tree (SIGTERM, `grace`, SIGKILL); its report, None if it is lost."""
        self._send(f"stop {grace}")
        try:
            return await asyncio.wait_for(asyncio.shield(self.stopped), grace + STOP_MARGIN)
        except asyncio.TimeoutError:
            return None

    def kill_now(self) -> None:
        """SIGKILL the tree at once and let the reaper go (used while the task is being cancelled)."""
        self._send("stop 0")
        self.release_now()

    def release_now(self) -> None:
        """Close the control pipe: the reaper stops what is left, removes the run's directory and exits."""
        if self.ctl is not None:
            os.close(self.ctl)
            self.ctl = None
        transport = self.transport
        if transport is not None:  # close the transport once the reaper exited (closing earlier kills it)
            if transport.get_returncode() is not None:
                transport.close()
            else:
                protocol = transport.get_protocol()
                exited = getattr(protocol, "exited", None)
                if isinstance(exited, asyncio.Future):
                    exited.add_done_callback(lambda _f: transport.close())

    async def release(self, timeout: float = 5.0) -> None:
        """`release_now` and wait (bounded) for the reaper to exit, so no event loop closes under it."""
        self.release_now()
        protocol = self.transport.get_protocol() if self.transport is not None else None
        exited = getattr(protocol, "exited", None)
        if isinstance(exited, asyncio.Future):
            try:
                await asyncio.wait_for(asyncio.shield(exited), timeout)
            except asyncio.TimeoutError:
                pass


def _hand_over(waiting: prestart.Started, config: bytes) -> Optional[prestart.Started]:
    """`waiting` once it has been sent the run; None (its pipes closed) if it is gone."""
    _, ctl_w, st_r = waiting
    try:
        while config:
            config = config[os.write(ctl_w, config):]
    except OSError:  # it died meanwhile: the caller starts a reaper as usual
        os.close(ctl_w)
        os.close(st_r)
        return None
    return waiting


class _Feed(asyncio.Protocol):
    """One of an adopted reaper's pipes, fed to the run's protocol as loop.subprocess_exec's would be."""

    def __init__(self, protocol: asyncio.SubprocessProtocol, fd: int):
        self.protocol, self.fd = protocol, fd

    def data_received(self, data: bytes) -> None:
        self.protocol.pipe_data_received(self.fd, data)

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.protocol.pipe_connection_lost(self.fd, exc)


class _Adopted:
    """The subprocess transport's part the guard and supervise use, for a reaper started before the event
    loop (prestart.py): its stdout and stderr read by the loop, its exit waited for in a thread."""

    def __init__(self, proc: "subprocess.Popen[bytes]", protocol: asyncio.SubprocessProtocol):
        self.proc, self.protocol = proc, protocol
        self.pipes: List[asyncio.BaseTransport] = []

    @classmethod
    async def connect(cls, loop: asyncio.AbstractEventLoop, proc: "subprocess.Popen[bytes]",
                      protocol: asyncio.SubprocessProtocol) -> "_Adopted":
        self = cls(proc, protocol)
        protocol.connection_made(self)  # type: ignore[arg-type]
        for fd, pipe in ((1, proc.stdout), (2, proc.stderr)):
            pipe_transport, _ = await loop.connect_read_pipe(functools.partial(_Feed, protocol, fd), pipe)
            self.pipes.append(pipe_transport)
        threading.Thread(target=self._wait, args=(loop,), name="heatlens-reaper-wait", daemon=True).start()
        return self

    def _wait(self, loop: asyncio.AbstractEventLoop) -> None:
        self.proc.wait()
        try:
            loop.call_soon_threadsafe(self.protocol.process_exited)
        except RuntimeError:  # the loop is closed: nobody waits for it any more
            pass

    def get_pid(self) -> int:
        return self.proc.pid

    def get_returncode(self) -> Optional[int]:
        return self.proc.returncode

    def get_protocol(self) -> asyncio.SubprocessProtocol:
        return self.protocol

    def close(self) -> None:
        for pipe in self.pipes:
            pipe.close()
