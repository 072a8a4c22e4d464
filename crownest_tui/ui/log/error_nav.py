"""Moving between a log view's error lines (``e`` / ``E``), found as output arrives.

The index (:class:`~crownest_tui.core.error_lines.ErrorIndex`) is fed by the
transcript's line hook, so a jump is a binary search whatever the log's length.
Lines the stream filter hides are stepped over.
"""

from __future__ import annotations

from crownest_tui.core.chunk import StreamFilter
from crownest_tui.core.error_lines import ErrorIndex, ErrorMatcher
from crownest_tui.ui.log.lines import LogLines
from crownest_tui.ui.log.transcript import SEPARATOR, Transcript


class ErrorNavigator:
    """The error lines of one log view, and which one was jumped to last."""

    def __init__(self, transcript: Transcript, matcher: ErrorMatcher) -> None:
        """Indexes ``transcript`` from now on (before the view is mounted, so no early
        batch goes unindexed); :meth:`attach` gives it the lines it moves."""
        self.transcript = transcript
        self.index = ErrorIndex(matcher)
        transcript.on_lines = self._index_lines
        self._lines: LogLines | None = None

    def attach(self, lines: LogLines) -> None:
        """The view's lines: they mark the error lines, and jumps move them."""
        self._lines = lines
        lines.errors = self.index

    @property
    def lines(self) -> LogLines:
        assert self._lines is not None, "attach() the lines first"
        return self._lines

    def _index_lines(self, first: int, records: str) -> None:
        flags = self.transcript.stderr_flags
        self.index.add(first, records, flags, prefix_end=SEPARATOR)

    def _shown(self, line: int, streams: StreamFilter) -> bool:
        return self.lines.passes(line, streams)

    def in_view(self, line: int) -> bool:
        """Whether complete line ``line`` is on screen now."""
        lines, top = self.lines, self.lines.top_line()
        if top is None:
            return False
        first, position = lines.rank(top), lines.rank(line)  # through folds
        return first <= position < first + max(1, lines.size.height)

    def _anchor(self) -> int | None:
        """Where a jump starts: the error jumped to last while it is in view, else the
        top line of the view."""
        current = self.lines.current_error
        if current is not None and self.in_view(current):
            return current
        return self.lines.top_line()

    def step(self, forward: bool) -> tuple[int | None, bool]:
        """The next (or previous) shown error line from the anchor, wrapping at the
        ends; and whether it wrapped. ``None`` when no shown line is an error line."""
        streams = self.lines.stream_filter
        anchor = self._anchor()
        current = self.lines.current_error
        if anchor is None:
            start = -1 if forward else self.transcript.committed
        elif anchor == current:
            start = anchor
        else:  # from the top line: the first at or after it (or before it)
            start = anchor - 1 if forward else anchor
        found = self._scan(start, forward, streams)
        if found is not None:
            return found, False
        wrapped = self._scan(-1 if forward else self.transcript.committed, forward, streams)
        return wrapped, wrapped is not None

    def _scan(self, start: int, forward: bool, streams: StreamFilter) -> int | None:
        index = self.index
        line: int | None = start
        while line is not None:
            line = index.after(line) if forward else index.before(line)
            if line is not None and self._shown(line, streams):
                return line
        return None

    def first(self) -> int | None:
        """The first error line the stream filter shows."""
        return self._scan(-1, True, self.lines.stream_filter)
