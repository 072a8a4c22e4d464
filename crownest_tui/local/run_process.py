"""The processes of a run: its shell, supervised by the reaper, and the means to end them.

:class:`RunningCommand` starts ``/bin/sh -c LINE`` in a new session (so a new process
group, pgid = pid) with the run's environment (it includes ``CROWNEST_RUN_ID``), and
feeds its stdout/stderr to a sink as they come (:mod:`.capture`). On Linux ``LINE`` is
:func:`supervised`: the shell ``exec``s :mod:`.reaper`, a child subreaper that every
process of the run stays below (even one that escaped with ``setsid`` and ``env -i``),
and whose relay reads the command's output in write order; so the pid the executor
knows is the reaper's (in a sandbox, whose PID namespace ends the run's processes,
:mod:`.runtime` starts bwrap with :func:`relayed`: the relay alone). :func:`end_run`
ends a run through it
(SIGTERM; it ends every descendant, KILL after the grace period, and exits as the
command did), then sweeps as a backstop: the group, and every process found in
``/proc`` that shares the session or the group or carries the run's marker
(:func:`end_run_processes`, also used on its own when a restarted server ends what a
previous one left running).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from .capture import Capture, OutputSink
from .reaper import argv as reaper_argv
from .relay_process import argv as relay_argv

MARKER = "CROWNEST_RUN_ID"
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


class _Protocol(asyncio.SubprocessProtocol):
    """Only tells when the process has exited (its output goes to a :class:`Capture`)."""

    def __init__(self, exited: asyncio.Future[None]) -> None:
        self._exited = exited

    def process_exited(self) -> None:
        if not self._exited.done():
            self._exited.set_result(None)


class RunningCommand:
    """One command of a run; ``output`` gets ("stdout" | "stderr", bytes) as they come.

    ``framed``: the command line is :func:`supervised` (its output comes as the relay's
    frames); ``tty``: where it is not, a pseudo-terminal per stream, opened here.
    """

    def __init__(self, run_id: str, *, framed: bool = SUPERVISED, tty: bool = False) -> None:
        self.run_id = run_id
        self.pid: int | None = None
        self.framed = framed
        self.tty = tty
        self._transport: asyncio.SubprocessTransport | None = None
        self._capture: Capture | None = None
        self._exited: asyncio.Future[None] | None = None

    async def start(
        self, command: str, cwd: Path, env: Mapping[str, str], output: OutputSink
    ) -> int:
        loop = asyncio.get_running_loop()
        self._exited = loop.create_future()
        exited = self._exited
        capture = self._capture = Capture(output, framed=self.framed, tty=self.tty)
        stdout, stderr = capture.child_fds
        try:
            transport, _ = await loop.subprocess_exec(
                lambda: _Protocol(exited),
                "/bin/sh",
                "-c",
                command,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                cwd=str(cwd),
                env=dict(env),
                start_new_session=True,
            )
        except BaseException:
            capture.close()
            raise
        capture.start()
        self._transport = transport
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
        assert self._capture is not None and self._transport is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._capture.ended), pipe_timeout)
        self._capture.close()
        code = self._transport.get_returncode()
        self._transport.close()
        return code


def supervised(command: str, grace: float, *, tty: bool = False) -> str:
    """The shell line that runs ``command`` under the reaper (as is where unsupported)."""
    if not SUPERVISED:
        return command
    line = reaper_argv(sys.executable, os.getpid(), grace, command, tty=tty)
    return "exec " + " ".join(shlex.quote(part) for part in line)


def relayed(command: str, *, tty: bool = False) -> str:
    """The shell line that runs ``command`` with its output through the relay, and no
    reaper (a sandbox ends its processes itself); as is where unsupported."""
    if not SUPERVISED:
        return command
    line = relay_argv(sys.executable, os.getpid(), command, tty=tty)
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
