"""The filters of one log view: what is in force, scanning the spool, the chips.

Setting filters starts a :class:`~crownest_tui.ui.log.filters.FilterIndex` from the
first line: the first slice is scanned at once (first results show straight away),
the rest by the scan worker process (or in a thread, one slice per step), each
answer handed to the event loop. New lines while following are scanned on the frame.
The view maps its positions through the index (``LogLines.narrowing``) while any
filter is in force.
"""

from __future__ import annotations

import asyncio

from textual.widget import Widget

from crownest_tui.ui.log.filter_chips import FilterChips
from crownest_tui.ui.log.filters import FilterIndex, FilterSet, SliceFlags, scan_slice, slice_flags
from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.scan_job import Flags
from crownest_tui.ui.log.scan_thread import (
    THREAD_BACKLOG,
    THREAD_LINES,
    BackgroundScan,
    Every,
    Offload,
    Step,
)
from crownest_tui.ui.log.transcript import Transcript

FIRST_SLICE = THREAD_LINES
"""Lines scanned at once when filters change (the first screen of results)."""
FRAME_SLICE = 4_096
"""Most new lines scanned on one frame while following."""
SCAN_GROUP = "log-filter-scan"


class NarrowController:
    """Keeps the filters of one log view and the index they need."""

    def __init__(
        self, transcript: Transcript, lines: LogLines, chips: FilterChips, owner: Widget
    ) -> None:
        self.transcript, self.lines, self.chips = transcript, lines, chips
        self.filters = FilterSet()
        self.index: FilterIndex | None = None
        self._scan = BackgroundScan(owner, SCAN_GROUP)
        self._progress = Every()
        self._synced = True  # the view has been told of every slice taken

    def set_filters(self, filters: FilterSet) -> None:
        """Put ``filters`` in force (an empty set shows every line again)."""
        lines = self.lines
        top = lines.top_line()
        self._scan.stop()
        self.filters = filters
        self.index = FilterIndex(filters, self.transcript) if filters.active else None
        lines.narrowing = self.index
        if self.index is not None:
            self._scan_here(FIRST_SLICE)
        self._sync()
        self._progress.reset()
        lines.invalidate()
        if not lines.following and top is not None:
            lines.show_position(lines.rank(top))
        self.on_frame()

    @property
    def scanning(self) -> bool:
        """Lines are left to scan for the filters in force."""
        return self.index is not None and self.index.scanned < self.transcript.committed

    def on_frame(self) -> None:
        """Scan what arrived: a slice now, or a long way in the thread."""
        index = self.index
        if index is None:
            self.chips.show(self.filters, 0, None)
            return
        behind = self.transcript.committed - index.scanned
        if behind and not self._scan.running:
            if behind > THREAD_BACKLOG:

                def take(first: int, count: int, every: Flags, some: Flags) -> None:
                    self._take(index, slice_flags(first, count, every, some))

                offload = Offload(self.transcript.spool, index.scanned, index.filters.job, take)
                self._scan.start(
                    lambda: self._thread_step(index), "filter the log", offload, behind
                )
            else:
                self._scan_here(FRAME_SLICE)
        if index.scanned >= self.transcript.committed or self._progress.due():
            self._show(index)  # (a long scan: now and then)

    def _show(self, index: FilterIndex) -> None:
        """Tell the view of the slices taken, and the chips how far the scan is."""
        if not self._synced:
            self._sync()
        total = self.transcript.committed
        scanning = index.scanned / total if index.scanned < total else None
        self.chips.show(self.filters, index.hidden(), scanning)

    def close(self) -> None:
        """Stop scanning (the view is going away)."""
        self._scan.stop()

    def _scan_here(self, most: int) -> None:
        index = self.index
        assert index is not None
        last = min(index.scanned + most, self.transcript.committed)
        if last > index.scanned:
            self._take(index, scan_slice(self.transcript, index.filters, index.scanned, last))

    def _thread_step(self, index: FilterIndex) -> Step:
        """A thread step: scan the next slice, hand it to the event loop without
        waiting (slices arrive in order; one the index cannot take is dropped)."""
        transcript, loop = self.transcript, asyncio.get_running_loop()
        position = index.scanned

        def step() -> bool:
            nonlocal position
            last = min(position + THREAD_LINES, transcript.committed)
            if last <= position:
                return True
            flags = scan_slice(transcript, index.filters, position, last)
            position = last
            loop.call_soon_threadsafe(self._take, index, flags)
            return False

        return step

    def _take(self, index: FilterIndex, flags: SliceFlags) -> None:
        """Take a slice in; the view learns of it now when it catches up with the end,
        else at the next showing of progress (see :meth:`on_frame`)."""
        if index is self.index and self.lines.is_attached and index.add(flags):
            self._synced = False
            if index.scanned >= self.transcript.committed:
                self._show(index)

    def _sync(self) -> None:
        self._synced = True
        if self.lines.is_attached:
            self.lines.sync()
