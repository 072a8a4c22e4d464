"""The search state of a log view: the match index, the current match, and moving."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.scan_thread import (
    THREAD_BACKLOG,
    THREAD_LINES,
    BackgroundScan,
    Every,
    Offload,
    Step,
)
from crownest_tui.ui.log.search import MatchIndex, SearchError, parse_query
from crownest_tui.ui.log.search_bar import SearchBar
from crownest_tui.ui.log.seek import Seek, seek_match
from crownest_tui.ui.log.spool import BLOCK
from crownest_tui.ui.log.transcript import Transcript

from ...text.format import format_count

SCAN_BUDGET = 0.004
"""Seconds of search indexing per frame (for short backlogs; long ones go to a thread)."""
SEEK_BUDGET = 0.02
"""Seconds a seek (``enter``, ``n``, ``N``) may take at once; longer ones go on in a
worker, a slice per turn of the event loop, so keys stay responsive."""
SETTLE_SECONDS = 0.2
"""A query typed this recently is still being typed: it is indexed on the frame, and
only gets worker processes once the typing pauses (not a start and a kill per key)."""
SEEK_GROUP = "log-search-seek"
SCAN_GROUP = "log-search-scan"


def count_matches(found: int, more: bool) -> str:
    """``1 match``, ``6 matches``, ``6+ matches`` (still indexing), ``no matches``."""
    if not found:
        return "no matches yet" if more else "no matches"
    if more:
        return f"{found:,}+ matches"
    return format_count(found, "match")


class SearchController:
    """Keeps the search of one log view: what matches, which match is current."""

    def __init__(
        self,
        transcript: Transcript,
        lines: LogLines,
        bar: SearchBar,
        show_match: Callable[[int], None],
    ) -> None:
        """``show_match(line)`` brings a match found by :meth:`go` into view (it may be
        called later, when a seek over a long transcript ends)."""
        self.transcript, self.lines, self.bar = transcript, lines, bar
        self.show_match = show_match
        self.matches: MatchIndex | None = None
        """Matching lines of the current query (None without a usable query)."""
        self._asked: tuple[str, bool] | None = None
        self._seeking = False
        self._scan = BackgroundScan(bar, SCAN_GROUP)
        self._status_at = -1  # lines scanned when the status was last shown
        self._progress = Every()
        self._asked_at = 0.0

    def set_query(self, text: str, regex: bool) -> None:
        """Search for ``text`` (empty clears); an invalid regex shows its error.

        The same query again (``enter`` after typing) keeps the index built so far, and
        says the typing is over (see :data:`SETTLE_SECONDS`)."""
        if self.matches is not None and self._asked == (text, regex):
            self._asked_at = 0.0
            return
        self._stop_seeking()
        self._scan.stop()
        self._asked, self._asked_at = (text, regex), time.monotonic()
        self.matches = None
        self.lines.current_match = None
        if text:
            try:
                self.matches = MatchIndex(parse_query(text, regex))
            except SearchError as error:
                self.bar.set_status(str(error), error=True)
        else:
            self.bar.set_status("")
        self.lines.matches = self.matches
        self.lines.invalidate()
        if self.matches is not None:
            self.scan_for(0.02)
            self.show_status()

    def scan_for(self, seconds: float) -> None:
        """Index more of the transcript for up to ``seconds``."""
        matches = self.matches
        if matches is None:
            return
        deadline = time.perf_counter() + seconds
        while not matches.scan(self.transcript) and time.perf_counter() < deadline:
            pass

    @property
    def indexing(self) -> bool:
        """Lines are left to index for the current query."""
        return self.matches is not None and self.matches.scanned < self.transcript.committed

    def on_frame(self) -> None:
        """Keep indexing new lines: a little each frame, or a long way in a thread."""
        matches = self.matches
        if matches is None:
            return
        behind = self.transcript.committed - matches.scanned
        settled = time.monotonic() - self._asked_at >= SETTLE_SECONDS
        if behind and not self._scan.running:
            if behind > THREAD_BACKLOG and settled:
                transcript = self.transcript

                def make_step() -> Step:
                    return lambda: matches.scan(transcript, THREAD_LINES // BLOCK)

                offload = Offload(
                    transcript.spool, matches.scanned, matches.job, matches.take_flags
                )
                self._scan.start(make_step, "index the search", offload, behind)
            else:
                self.scan_for(SCAN_BUDGET)
        if (matches.scanned != self._status_at or behind) and (
            not self.indexing or self._progress.due()  # a long scan: now and then
        ):
            self.show_status()

    def close(self) -> None:
        """Stop indexing (the view is going away)."""
        self._stop_seeking()
        self._scan.stop()

    def show_status(self) -> None:
        """Show ``k of n`` (``+`` while still indexing) in the search bar."""
        matches = self.matches
        if matches is None:
            return
        self._status_at = matches.scanned
        found = len(matches.lines)
        more = matches.scanned < self.transcript.committed
        current = self.lines.current_match
        if self._seeking:
            self.bar.set_status("searching…")
        elif current is None:
            self.bar.set_status(count_matches(found, more))
        elif current >= matches.scanned:  # found by a seek beyond the index
            self.bar.set_status(f"line {current + 1:,} · counting…")
        else:
            plus = "+" if more else ""
            self.bar.set_status(f"{matches.ordinal(current) + 1:,} of {found:,}{plus}")

    def restart(self) -> None:
        """Forget the current match: the next :meth:`go` starts from the view."""
        self._stop_seeking()
        self.lines.current_match = None

    def go(self, forward: bool, top_line: int | None) -> None:
        """Make the next (or previous) shown match current, from the current match or
        else from the view's top line (``enter`` finds the first at or after it);
        ``show_match`` gets its line. Searches the whole transcript, wrapping."""
        matches = self.matches
        if matches is None:
            return
        self._stop_seeking()
        current = self.lines.current_match
        if current is None:
            current = (top_line - 1 if forward else top_line + 1) if top_line is not None else -1
        seek = seek_match(matches, self.transcript, current, forward, self._shown)
        found, done = self._step(seek, SEEK_BUDGET)
        if done:
            self._arrive(found)
            return
        self._seeking = True
        self.show_status()
        self.bar.run_worker(
            self._finish(seek), exclusive=True, group=SEEK_GROUP, description="search the log"
        )

    async def _finish(self, seek: Seek) -> None:
        while True:
            await asyncio.sleep(0)
            found, done = self._step(seek, SEEK_BUDGET)
            if done:
                self._arrive(found)
                return

    @staticmethod
    def _step(seek: Seek, seconds: float) -> tuple[int | None, bool]:
        """Run ``seek`` for up to ``seconds``: (line found, finished)."""
        deadline = time.perf_counter() + seconds
        try:
            while True:
                next(seek)
                if time.perf_counter() >= deadline:
                    return None, False
        except StopIteration as stop:
            found: int | None = stop.value
            return found, True

    def _arrive(self, found: int | None) -> None:
        self._seeking = False
        if found is not None:
            self.lines.current_match = found
            self.lines.invalidate()
            self.show_match(found)
        self.show_status()

    def _shown(self, line: int) -> bool:
        return self.lines.passes(line, self.lines.stream_filter)

    def _stop_seeking(self) -> None:
        self._seeking = False
        self.bar.workers.cancel_group(self.bar, SEEK_GROUP)
