"""A long scan run by the scan worker process, its answers taken on the event loop.

:class:`WorkerScan` starts :mod:`~crownest_tui.ui.log.scan_worker` over what the spool
holds now (flushed; lines that come later are the caller's), with the spool's file
descriptor inherited, and reads its answers with ``loop.add_reader``: no thread, and a
read never waits. Each read's complete messages are joined and handed over at once.

The worker never outlives its use: :meth:`WorkerScan.stop` kills it (a new query, the
view gone), an exit hook kills any left when the app quits, and if the app dies the
worker's next write fails and it ends. Where a worker cannot start or run (no
interpreter to start, a loop without ``add_reader``, an early exit), ``start`` gives
None or ``ended(False)`` and the caller scans in a thread instead.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import crownest_tui
from crownest_tui.ui.log.scan_job import Flags, ScanJob
from crownest_tui.ui.log.scan_worker import CHUNK_BYTES, HEADER, make_idle
from crownest_tui.ui.log.spool import Spool

Take = Callable[[int, int, Flags, Flags], None]
"""Takes the flags of ``count`` lines from ``first``: ``(first, count, all_of, any_of)``."""
Ended = Callable[[bool], None]
"""Called once when the worker has finished: True when it answered for every line."""

READ_BYTES = 1 << 16
"""Most bytes taken from the worker's pipe in one turn of the event loop."""
PIPE_BYTES = 1 << 20
"""The pipe's buffer, when the system allows (the worker then rarely waits on it)."""
REAP_SECONDS = 0.02
WORKER_NICE = 5
"""How much lower the worker's CPU priority is than the app's where it cannot run at
``SCHED_IDLE`` (see :func:`~crownest_tui.ui.log.scan_worker.lower_priority`): when they
contend for a core, the keys win."""
WORKER_CHUNK_BYTES = CHUNK_BYTES
"""Bytes of records the worker scans at once (tests make it small)."""
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from crownest_tui.ui.log.scan_worker import main; raise SystemExit(main())"
)
"""``-I`` (isolated: no current directory, no PYTHON* variables on the path), then our
own package first, wherever the app imported it from."""
_ENV_KEPT = ("PATH", "LD_LIBRARY_PATH", "TMPDIR", "LANG", "LC_ALL", "SYSTEMROOT")
"""All the worker gets of the environment (nothing else it needs, no credentials)."""

_live: set[subprocess.Popen[bytes]] = set()


@atexit.register
def _kill_live() -> None:
    """Kill workers still running when the app's process ends."""
    for process in list(_live):
        _kill(process)


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(OSError):
            process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(1)
    _live.discard(process)


def _reap(process: subprocess.Popen[bytes], loop: asyncio.AbstractEventLoop, tries: int) -> None:
    """Collect an ended (or killed) worker's exit without waiting on the event loop."""
    if process.poll() is None and tries:
        with contextlib.suppress(RuntimeError):  # the loop closed: the exit hook kills it
            loop.call_later(REAP_SECONDS, _reap, process, loop, tries - 1)
            return
    _kill(process)


def live_workers() -> list[int]:
    """Process ids of the workers running now (for tests: none may be left behind)."""
    return [process.pid for process in _live if process.poll() is None]


def _command() -> list[str]:
    root = Path(crownest_tui.__file__).resolve().parent.parent
    return [sys.executable, "-I", "-c", _BOOT, str(root)]


class WorkerScan:
    """One scan worker process and the reading of its answers."""

    available: ClassVar[bool] = True
    """False once a worker could not start or run (scans use the thread from then on)."""

    def __init__(
        self,
        process: subprocess.Popen[bytes],
        loop: asyncio.AbstractEventLoop,
        take: Take,
        ended: Ended,
        job: ScanJob,
    ) -> None:
        self._process, self._loop, self._groups = process, loop, job.groups
        self._take, self._ended, self._job = take, ended, job
        assert process.stdout is not None
        self._out = process.stdout.fileno()
        self._buffer = bytearray()
        self.running = True
        """Until it has ended, failed or been stopped."""

    @classmethod
    def start(
        cls,
        spool: Spool,
        first: int,
        job: ScanJob,
        take: Take,
        ended: Ended,
        last: int | None = None,
    ) -> WorkerScan | None:
        """Scan the spool's lines from ``first`` to ``last`` (its end now, if None) in a
        worker; None when no worker can run here (or there is nothing to scan)."""
        if not cls.available or getattr(sys, "frozen", False) or os.name != "posix":
            return None  # (no interpreter to start; no inherited fds or add_reader)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        start, end, lines = spool.extent(first)
        if last is not None and last < lines:
            end = spool.extent(last)[0]
        if start >= end:
            return None
        request = {
            "fd": spool.fileno,
            "start": start,
            "end": end,
            "first": first,
            "chunk": WORKER_CHUNK_BYTES,
            "nice": WORKER_NICE,
            "job": job.to_json(),
        }
        try:
            process = subprocess.Popen(
                _command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # never onto the app's screen
                pass_fds=(spool.fileno,),
                env={key: os.environ[key] for key in _ENV_KEPT if key in os.environ},
            )
        except OSError:
            cls.available = False
            return None
        _live.add(process)
        make_idle(process.pid)  # at once: its interpreter's start-up is no key's wait
        scan = cls(process, loop, take, ended, job)
        try:
            assert process.stdin is not None
            process.stdin.write(json.dumps(request).encode())
            process.stdin.close()
            os.set_blocking(scan._out, False)
            _widen_pipe(scan._out)
            loop.add_reader(scan._out, scan._readable)
        except (OSError, NotImplementedError):
            cls.available = False
            scan._close()
            return None
        return scan

    def stop(self) -> None:
        """Stop reading and kill the worker (no more ``take``, no ``ended``)."""
        if self.running:
            self.running = False
            self._close()

    def _close(self) -> None:
        with contextlib.suppress(ValueError, OSError, RuntimeError):
            self._loop.remove_reader(self._out)
        process = self._process
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
        assert process.stdout is not None
        process.stdout.close()
        _reap(process, self._loop, 50)

    def _readable(self) -> None:
        try:
            data = os.read(self._out, READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the worker ended before its end message
            self._end(False)
            return
        self._buffer += data
        done = self._deliver()
        if done:
            self._end(True)

    def _deliver(self) -> bool:
        """Hand over the complete messages read so far, joined; True at the end message."""
        buffer, groups, size = self._buffer, self._groups, HEADER.size
        at, first, total, done = 0, -1, 0, False
        every: list[bytes] = []
        some: list[bytes] = []
        while len(buffer) - at >= size:
            line, count = HEADER.unpack_from(buffer, at)
            if not count:
                done = True
                at += size
                break
            if len(buffer) - at < size + groups * count:
                break
            if first < 0:
                first = line
            body = at + size
            if self._job.all_of:
                every.append(bytes(buffer[body : body + count]))
                body += count
            if self._job.any_of:
                some.append(bytes(buffer[body : body + count]))
            total += count
            at += size + groups * count
        del buffer[:at]
        if total:
            self._take(
                first, total, b"".join(every) if every else None, b"".join(some) if some else None
            )
        return done

    def _end(self, ok: bool) -> None:
        if not self.running:
            return
        self.running = False
        self._close()
        if not ok:
            WorkerScan.available = False
        self._ended(ok)


def _widen_pipe(fd: int) -> None:
    """Make the pipe's buffer :data:`PIPE_BYTES` where the system allows (Linux)."""
    with contextlib.suppress(OSError, AttributeError, ImportError):
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
