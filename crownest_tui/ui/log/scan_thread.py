"""Long scans of the spool (search, filters) off the event loop, so keys stay responsive.

A long scan goes to scan worker processes when it can
(:class:`~crownest_tui.ui.log.scan_split.SplitScan`: GILs of their own, one per core),
else to a thread. Each thread step is one bounded piece of C-level work (a slice of
:data:`THREAD_LINES` lines: a few milliseconds holding the GIL), so the event loop gets
its turn between steps. Short backlogs (new output while following) are scanned on the
frame instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from crownest_tui.ui.log.scan_job import ScanJob
from crownest_tui.ui.log.scan_process import Take
from crownest_tui.ui.log.scan_split import SplitScan
from crownest_tui.ui.log.spool import Spool

THREAD_LINES = 8_192
"""Lines a thread step scans (about half a megabyte of typical output)."""
THREAD_BACKLOG = 4 * THREAD_LINES
"""Lines behind the end beyond which a scan goes to the thread (or the worker)."""
WORKER_BACKLOG = 32 * THREAD_LINES
"""Lines behind the end beyond which the worker is worth its start (about 0.1 s of
CPU); shorter backlogs go to the thread."""

PROGRESS_SECONDS = 0.25
"""How often a long scan's progress is shown (counts, the view's size): each showing
repaints the screen, and at every frame that would take the time keys need."""

Step = Callable[[], bool]
"""Scans a little more; returns True when there is nothing left to scan."""


class Every:
    """Says yes at most once per :data:`PROGRESS_SECONDS` (until :meth:`reset`)."""

    def __init__(self) -> None:
        self._last = float("-inf")

    def due(self) -> bool:
        now = time.monotonic()
        if now - self._last < PROGRESS_SECONDS:
            return False
        self._last = now
        return True

    def reset(self) -> None:
        """The next :meth:`due` says yes."""
        self._last = float("-inf")


@dataclass(frozen=True)
class Offload:
    """What the worker process needs to do a scan instead of the thread: the spool, the
    first line to scan, the job, and where its flags go (on the event loop)."""

    spool: Spool
    first: int
    job: ScanJob
    take: Take


class BackgroundScan:
    """At most one scan (worker or thread) for one owner widget (a new start replaces it)."""

    def __init__(self, owner: Widget, group: str) -> None:
        self.owner, self.group = owner, group
        self._worker: Worker[None] | None = None
        self._process: SplitScan | None = None

    @property
    def running(self) -> bool:
        """Whether a scan is at work now."""
        if self._process is not None and self._process.running:
            return True
        worker = self._worker
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def start(
        self,
        make_step: Callable[[], Step],
        description: str,
        offload: Offload | None = None,
        backlog: int = 0,
    ) -> None:
        """Scan in worker processes (given ``offload``, for a ``backlog`` of at least
        :data:`WORKER_BACKLOG` lines) or else in a thread running ``make_step()``'s step
        until it says it is done (or :meth:`stop`). Should a worker fail, the thread
        goes on from wherever the answers handed over have brought the scan."""
        self.stop()
        if offload is not None and backlog >= WORKER_BACKLOG:

            def ended(ok: bool) -> None:
                self._process = None
                if not ok and self.owner.is_attached:
                    self._start_thread(make_step(), description)

            spool, job = offload.spool, offload.job
            self._process = SplitScan.start(spool, offload.first, job, offload.take, ended)
            if self._process is not None:
                return
        self._start_thread(make_step(), description)

    def _start_thread(self, step: Step, description: str) -> None:
        def scan() -> None:
            worker = get_current_worker()
            try:
                while not worker.is_cancelled and not step():
                    pass
            except (OSError, ValueError, RuntimeError):  # the spool or loop closed: view gone
                return

        self._worker = self.owner.run_worker(
            scan,
            thread=True,
            exclusive=True,
            group=self.group,
            description=description,
            exit_on_error=False,
        )

    def stop(self) -> None:
        """Kill the worker processes, or cancel the thread (it stops after its step)."""
        if self._process is not None:
            self._process.stop()
            self._process = None
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
