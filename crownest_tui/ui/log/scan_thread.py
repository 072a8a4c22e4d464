"""Long scans of the spool (search, filters) in a thread, so keys stay responsive.

Each step is one bounded piece of C-level work (a slice of :data:`THREAD_LINES`
lines: a few milliseconds holding the GIL), so the event loop gets its turn between
steps. Short backlogs (new output while following) are scanned on the frame instead.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

THREAD_LINES = 8_192
"""Lines a thread step scans (about half a megabyte of typical output)."""
THREAD_BACKLOG = 4 * THREAD_LINES
"""Lines behind the end beyond which a scan goes to the thread."""

Step = Callable[[], bool]
"""Scans a little more; returns True when there is nothing left to scan."""


class BackgroundScan:
    """At most one scanning thread for one owner widget (a new start replaces it)."""

    def __init__(self, owner: Widget, group: str) -> None:
        self.owner, self.group = owner, group
        self._worker: Worker[None] | None = None

    @property
    def running(self) -> bool:
        """Whether a scan thread is at work now."""
        worker = self._worker
        return worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def start(self, step: Step, description: str) -> None:
        """Run ``step`` in a thread until it says it is done (or :meth:`stop`)."""
        self.stop()

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
        """Cancel the scan thread (it stops after its current step)."""
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None
