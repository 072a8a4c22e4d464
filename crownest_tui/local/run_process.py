"""The processes of a run: its shell, supervised by the reaper, and the means to end them.

:class:`RunningCommand` starts ``/bin/sh -c LINE`` in a new session (so a new process
group, pgid = pid) with the run's environment (it includes ``CROWNEST_RUN_ID``), and
feeds its stdout/stderr to a sink as they come. On Linux ``LINE`` is
:func:`supervised`: the shell ``exec``s :mod:`.reaper`, a child subreaper that every
process of the run stays below (even one that escaped with ``setsid`` and ``env -i``),
so the pid the executor knows is the reaper's (in a sandbox, :mod:`.runtime` wraps
``LINE`` in bwrap instead). :func:`end_run` ends a run through it
(SIGTERM; it ends every descendant, KILL after the grace period, and exits as the
command did), then sweeps as a backstop: the group, and every process found in
``/proc`` that shares the session or the group or carries the run's marker
(:func:`end_run_processes`, also used on its own when a restarted server ends what a
previous one left running).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shlex
import signal
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from .reaper import argv as reaper_argv

MARKER = "CROWNEST_RUN_ID"
OutputSink = Callable[[str, bytes], None]
PIPE_BYTES = 1024 * 1024
#: A read at least this big means the command is flooding: pause reading that long.
BUSY_READ_BYTES = 16 * 1024
BUSY_PAUSE = 0.005
#: Whether commands run under the reaper (it needs Linux's subreaper and /proc).
SUPERVISED = sys.platform.startswith("linux") and bool(sys.executable)
#: How long past the grace period the reaper may take before the backstop sweep.
REAPER_MARGIN = 2.0


def _proc_stat(pid: int) -> tuple[int, int] | None:
    """(pgid, sid) of a live process; None if it is gone or a zombie (already dead)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2 :].split()
    if fields[0] == b"Z":
        return None
    return int(fields[2]), int(fields[3])


def _has_marker(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def run_processes(run_id: str, pgid: int | None) -> set[int]:
    """Every live process that belongs to the run (Linux /proc; empty elsewhere)."""
    found: set[int] = set()
    marker = f"{MARKER}={run_id}".encode()
    me = os.getpid()
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        pid = int(entry)
        stat = _proc_stat(pid)
        if stat is None:
            continue
        if (pgid is not None and pgid in stat) or _has_marker(pid, marker):
            found.add(pid)
    return found


def signal_run(run_id: str, pgid: int | None, sig: signal.Signals) -> int:
    """Send ``sig`` to the run's group and every process of the run; returns how many."""
    if pgid is not None:
        with contextlib.suppress(OSError):
            os.killpg(pgid, sig)
    pids = run_processes(run_id, pgid)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
    return len(pids)


async def end_run_processes(run_id: str, pgid: int | None, grace: float) -> None:
    """TERM everything of the run, KILL what is still there after ``grace`` seconds."""
    if signal_run(run_id, pgid, signal.SIGTERM) == 0:
        return
    deadline = asyncio.get_running_loop().time() + grace
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
        if not run_processes(run_id, pgid):
            return
    for _ in range(20):
        if signal_run(run_id, pgid, signal.SIGKILL) == 0:
            return
        await asyncio.sleep(0.05)


def _resume(pipe: asyncio.ReadTransport) -> None:
    if not pipe.is_closing():
        pipe.resume_reading()


def _widen_pipe(pipe: asyncio.BaseTransport | None) -> None:
    """Give the pipe a 1 MiB buffer, so a brief pause of ours never blocks the command."""
    handle = pipe.get_extra_info("pipe") if pipe is not None else None
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if handle is not None and setsize is not None:
        with contextlib.suppress(OSError, ValueError):  # ValueError: already closed
            fcntl.fcntl(handle.fileno(), setsize, PIPE_BYTES)


class _Protocol(asyncio.SubprocessProtocol):
    """Feeds output to the sink; a pipe that is flooding is read every few ms, in bulk.

    After a big read the pipe is left alone for ``BUSY_PAUSE`` seconds: its (widened)
    buffer fills meanwhile without blocking the command, and the next read takes it
    all at once, instead of waking the server for every write the command makes.
    """

    def __init__(self, sink: OutputSink, exited: asyncio.Future[None]) -> None:
        self._sink = sink
        self._exited = exited
        self._transport: asyncio.SubprocessTransport | None = None
        self.pipes_open = 2
        self.pipes_closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.SubprocessTransport)
        self._transport = transport

    def pipe_data_received(self, fd: int, data: bytes | bytearray) -> None:
        self._sink("stdout" if fd == 1 else "stderr", bytes(data))
        if len(data) >= BUSY_READ_BYTES and self._transport is not None:
            pipe = self._transport.get_pipe_transport(fd)
            if isinstance(pipe, asyncio.ReadTransport) and pipe.is_reading():
                pipe.pause_reading()
                asyncio.get_running_loop().call_later(BUSY_PAUSE, _resume, pipe)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self.pipes_open -= 1
        if self.pipes_open == 0 and not self.pipes_closed.done():
            self.pipes_closed.set_result(None)

    def process_exited(self) -> None:
        if not self._exited.done():
            self._exited.set_result(None)


class RunningCommand:
    """One command of a run; ``output`` gets ("stdout" | "stderr", bytes) as they come."""

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self.pid: int | None = None
        self._transport: asyncio.SubprocessTransport | None = None
        self._protocol: _Protocol | None = None
        self._exited: asyncio.Future[None] | None = None

    async def start(
        self, command: str, cwd: Path, env: Mapping[str, str], output: OutputSink
    ) -> int:
        loop = asyncio.get_running_loop()
        self._exited = loop.create_future()
        exited = self._exited
        transport, protocol = await loop.subprocess_exec(
            lambda: _Protocol(output, exited),
            "/bin/sh",
            "-c",
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=str(cwd),
            env=dict(env),
            start_new_session=True,
        )
        self._transport, self._protocol = transport, protocol
        for fd in (1, 2):
            _widen_pipe(transport.get_pipe_transport(fd))
        self.pid = transport.get_pid()
        return self.pid

    async def wait(self, seconds: float | None) -> bool:
        """Wait for the shell to exit; False if ``seconds`` passed first."""
        assert self._exited is not None
        try:
            await asyncio.wait_for(asyncio.shield(self._exited), seconds)
        except TimeoutError:
            return False
        return True

    async def end(self, grace: float) -> None:
        """Stop the whole run (TERM, then KILL after ``grace``)."""
        await end_run_processes(self.run_id, self.pid, grace)
        await self.wait(grace + 1.0)

    async def finish(self, pipe_timeout: float = 2.0) -> int | None:
        """After the shell exited: kill what it left behind, drain the pipes, reap."""
        signal_run(self.run_id, self.pid, signal.SIGKILL)
        assert self._protocol is not None and self._transport is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._protocol.pipes_closed), pipe_timeout)
        code = self._transport.get_returncode()
        self._transport.close()
        return code


def supervised(command: str, grace: float) -> str:
    """The shell line that runs ``command`` under the reaper (as is where unsupported)."""
    if not SUPERVISED:
        return command
    line = reaper_argv(sys.executable, os.getpid(), grace, command)
    return "exec " + " ".join(shlex.quote(part) for part in line)


async def end_run(cmd: RunningCommand, grace: float) -> None:
    """End every process of the run: through its reaper, then the group/marker sweep."""
    if SUPERVISED and cmd.pid is not None:
        if not await cmd.wait(0):  # not reaped yet, so the pid is still the reaper's
            with contextlib.suppress(OSError):
                os.kill(cmd.pid, signal.SIGTERM)
            await cmd.wait(grace + REAPER_MARGIN)
        grace = min(grace, 0.5)  # the reaper is done (or stuck): the sweep is a backstop
    await cmd.end(grace)
