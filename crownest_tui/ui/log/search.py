"""Search over the transcript: query parsing, an incremental match index, navigation.

A query is plain text unless it starts with ``re:`` or the search bar's regex toggle
is on. Either way it is *smart case*: all lower case matches any case. Matching is done
against the text as shown (escape sequences removed, ``\\r`` resolved, tabs expanded),
one line at a time, so a match never spans lines.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import compress
from threading import Lock

from crownest_tui.ui.log.line_scan import LinePattern, matching_lines
from crownest_tui.ui.log.scan_job import Flags, ScanJob
from crownest_tui.ui.log.spool import BLOCK
from crownest_tui.ui.log.transcript import Transcript

REGEX_PREFIX = "re:"


class SearchError(ValueError):
    """A query that cannot be used (an invalid regular expression)."""


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search query."""

    text: str
    """What the user typed."""
    regex: bool
    """True when ``text`` is a regular expression."""
    pattern: re.Pattern[str]
    """The compiled pattern, matched against one sanitized line at a time."""


def parse_query(text: str, regex: bool = False) -> Query:
    """Compile a query; raise :class:`SearchError` with a readable message if invalid."""
    source = text
    if source.startswith(REGEX_PREFIX):
        source, regex = source[len(REGEX_PREFIX) :], True
    flags = re.MULTILINE | (re.IGNORECASE if source == source.lower() else 0)
    if not regex:
        return Query(text, False, re.compile(re.escape(source), flags))
    try:
        return Query(text, True, re.compile(source, flags))
    except re.error as error:
        where = f" at position {error.pos}" if error.pos is not None else ""
        raise SearchError(f"Invalid regular expression{where}: {error.msg}") from None


def match_spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Non-empty match spans of ``pattern`` in one line of shown text."""
    return [match.span() for match in pattern.finditer(text) if match.end() > match.start()]


class MatchIndex:
    """Line numbers of complete lines that match a query, built incrementally."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self._pattern = LinePattern(query.pattern)
        self.job = ScanJob(any_of=(query.pattern,))
        """The scan the worker process does for this index (see :meth:`take_flags`)."""
        self.lines = array("q")
        self._lock = Lock()
        self.scanned = 0
        """Complete lines scanned so far (lines ``0 .. scanned - 1``)."""

    def scan(self, transcript: Transcript, max_blocks: int = 16) -> bool:
        """Scan up to ``max_blocks`` more blocks; return True when up to date."""
        total = transcript.spool.line_count
        if self.scanned >= total:
            return True
        start = self.scanned
        end_line = min(start + max_blocks * BLOCK - start % BLOCK, total)
        self.record(start, end_line, self.matching_lines(transcript, start, end_line))
        return end_line >= total

    def record(self, low: int, high: int, lines: list[int]) -> None:
        """Take the matches of lines ``low .. high - 1`` found by :meth:`matching_lines`
        into the index, as far as they continue it (a seek that reads on from the index,
        or the scan thread or worker: whichever comes second drops what it repeats)."""
        with self._lock:
            scanned = self.scanned
            if low <= scanned < high:
                self.lines.extend(lines[bisect_left(lines, scanned) :] if low < scanned else lines)
                self.scanned = high

    def take_flags(self, first: int, count: int, _all_of: Flags, any_of: Flags) -> None:
        """Take the scan worker's flags of ``count`` lines from ``first`` (of :attr:`job`)."""
        assert any_of is not None
        self.record(first, first + count, list(compress(range(first, first + count), any_of)))

    def matching_lines(self, transcript: Transcript, low: int, high: int) -> list[int]:
        """Matching complete lines in ``low .. high - 1``, read from the spool (the index
        is neither used nor changed: this answers for lines it has not reached)."""
        high = min(high, transcript.spool.line_count)
        if low >= high:
            return []
        first, last = low // BLOCK, -(-high // BLOCK)
        data = transcript.spool.read_blocks(first, last)
        found = matching_lines(data, first * BLOCK, self._pattern)
        return [line for line in found if low <= line < high]

    def next_after(self, line: int) -> int | None:
        """First matching line after ``line``."""
        index = bisect_right(self.lines, line)
        return self.lines[index] if index < len(self.lines) else None

    def previous_before(self, line: int) -> int | None:
        """Last matching line before ``line``."""
        index = bisect_left(self.lines, line)
        return self.lines[index - 1] if index else None

    def ordinal(self, line: int) -> int:
        """How many matching lines come before ``line``."""
        return bisect_left(self.lines, line)
