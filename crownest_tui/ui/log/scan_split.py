"""A long scan split between scan worker processes, one per core, answered in order.

The spool's lines from the first to scan up to its end now are cut into :func:`parts`
ranges, each scanned by a :class:`~crownest_tui.ui.log.scan_process.WorkerScan` at
once. The first range's answers go straight to ``take``; a later range's wait until
every range before it has ended, then go over a few per turn of the event loop (so
handing over a long stretch at once does not stall keys). The workers run at a lower
priority than the app, so the app still gets a core when they are busy.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from functools import partial

from crownest_tui.ui.log.scan_job import Flags, ScanJob
from crownest_tui.ui.log.scan_process import Ended, Take, WorkerScan
from crownest_tui.ui.log.spool import Spool

MOST_WORKERS = 2
PART_LINES = 1 << 20
"""Fewest lines worth a worker of their own (about 0.2 s of scanning)."""
DRAIN_ANSWERS = 4
"""Answers of a later range handed over per turn of the event loop."""

Answer = tuple[int, int, Flags, Flags]


def parts(lines: int) -> int:
    """How many workers share a scan of ``lines`` lines: one per core this process may
    use (up to :data:`MOST_WORKERS`), each with at least :data:`PART_LINES` lines."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(MOST_WORKERS, cores, lines // PART_LINES))


class SplitScan:
    """Workers scanning consecutive ranges of the spool, answered in line order."""

    def __init__(self, take: Take, ended: Ended, count: int) -> None:
        self._take, self._ended = take, ended
        self._scans: list[WorkerScan] = []
        self._waiting: list[deque[Answer]] = [deque() for _ in range(count)]
        self._done = [False] * count
        self._current = 0  # the range being handed over
        self._pumping = False
        self.running = True

    @classmethod
    def start(
        cls, spool: Spool, first: int, job: ScanJob, take: Take, ended: Ended
    ) -> SplitScan | None:
        """Scan the spool from line ``first`` to its end now; None when no worker can."""
        lines = spool.line_count
        count = parts(lines - first)
        bounds = [first + (lines - first) * k // count for k in range(count)] + [lines]
        split = cls(take, ended, count)
        for part in range(count):
            answer, part_ended = partial(split._answer, part), partial(split._part_ended, part)
            scan = WorkerScan.start(spool, bounds[part], job, answer, part_ended, bounds[part + 1])
            if scan is None:
                split.stop()
                return None
            split._scans.append(scan)
        return split

    def stop(self) -> None:
        """Kill every worker (no more ``take``, no ``ended``)."""
        self.running = False
        for scan in self._scans:
            scan.stop()

    def _answer(self, part: int, first: int, count: int, every: Flags, some: Flags) -> None:
        if part == self._current and not self._waiting[part]:
            self._take(first, count, every, some)
        else:
            self._waiting[part].append((first, count, every, some))

    def _part_ended(self, part: int, ok: bool) -> None:
        if not self.running:
            return
        if not ok:
            self.stop()
            self._ended(False)
            return
        self._done[part] = True
        self._pump()

    def _pump(self) -> None:
        """Hand over what waits, a few answers a turn, moving on past ended ranges."""
        self._pumping = False
        given = 0
        while self.running:
            waiting = self._waiting[self._current]
            while waiting and given < DRAIN_ANSWERS:
                self._take(*waiting.popleft())
                given += 1
            if waiting or (given >= DRAIN_ANSWERS and self._done[self._current]):
                self._schedule()
                return
            if not self._done[self._current]:
                return  # its answers go straight to take from now on
            if self._current + 1 == len(self._done):
                self.running = False
                self._ended(True)
                return
            self._current += 1

    def _schedule(self) -> None:
        if not self._pumping:
            self._pumping = True
            asyncio.get_running_loop().call_soon(self._pump)
