"""The search state of a log view: the match index, the current match, and moving."""

from __future__ import annotations

import time

from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.search import MatchIndex, SearchError, parse_query
from crownest_tui.ui.log.search_bar import SearchBar
from crownest_tui.ui.log.transcript import Transcript

SCAN_BUDGET = 0.004
"""Seconds of search indexing per frame."""


class SearchController:
    """Keeps the search of one log view: what matches, which match is current."""

    def __init__(self, transcript: Transcript, lines: LogLines, bar: SearchBar) -> None:
        self.transcript, self.lines, self.bar = transcript, lines, bar
        self.matches: MatchIndex | None = None
        """Matching lines of the current query (None without a usable query)."""

    def set_query(self, text: str, regex: bool) -> None:
        """Search for ``text`` (empty clears); an invalid regex shows its error."""
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
        """Keep indexing new lines, a little each frame."""
        if self.indexing:
            self.scan_for(SCAN_BUDGET)
            self.show_status()

    def show_status(self) -> None:
        """Show ``k of n`` (``+`` while still indexing) in the search bar."""
        matches = self.matches
        if matches is None:
            return
        found = len(matches.lines)
        more = "+" if matches.scanned < self.transcript.committed else ""
        current = self.lines.current_match
        if not found:
            self.bar.set_status(f"no matches{more}")
        elif current is None:
            self.bar.set_status(f"{found:,}{more} matches")
        else:
            self.bar.set_status(f"{matches.ordinal(current) + 1:,} of {found:,}{more}")

    def go(self, forward: bool, top_line: int | None) -> int | None:
        """Make the next (or previous) shown match current and return its line."""
        matches, lines = self.matches, self.lines
        if matches is None:
            return None
        self.scan_for(0.05)
        current = lines.current_match
        if current is None:
            current = (top_line - 1 if forward else top_line + 1) if top_line is not None else -1
        found = self._find(matches, current, forward)
        if found is None:  # wrap around
            found = self._find(matches, -1 if forward else self.transcript.committed, forward)
        if found is not None:
            lines.current_match = found
            lines.invalidate()
        self.show_status()
        return found

    def _find(self, matches: MatchIndex, start: int, forward: bool) -> int | None:
        streams = self.lines.stream_filter
        line: int | None = start
        while True:
            assert line is not None
            line = matches.next_after(line) if forward else matches.previous_before(line)
            if line is None or streams == "all" or self.transcript.stream_of(line) == streams:
                return line
