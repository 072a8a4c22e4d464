"""Find the next (or previous) match from a line, over the whole transcript.

The :class:`~crownest_tui.ui.log.search.MatchIndex` is built from the first line on,
a little each frame; on a long log it may not have reached the line the user is
looking at. A seek answers from the index where it has been and reads the spool
directly beyond it, a slice at a time: it is a generator that yields between slices,
so a caller can spread a long seek over several turns of the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable

from crownest_tui.ui.log.search import MatchIndex
from crownest_tui.ui.log.spool import BLOCK
from crownest_tui.ui.log.transcript import Transcript

SLICE_LINES = 64 * BLOCK
"""Lines read from the spool between two yields."""

Seek = Generator[None, None, int | None]
"""Yields while working; returns the line found, or None when no line matches."""


def seek_match(
    matches: MatchIndex,
    transcript: Transcript,
    start: int,
    forward: bool,
    accept: Callable[[int], bool],
) -> Seek:
    """The first accepted match after ``start`` (before it when not ``forward``),
    wrapping around the ends; ``start`` itself is found last, after a full turn."""
    total = transcript.committed
    if forward:
        ranges = [(start + 1, total), (0, min(start + 1, total))]
    else:
        ranges = [(0, min(start, total)), (max(start, 0), total)]
    for low, high in ranges:
        found = yield from _first_in(matches, transcript, max(low, 0), high, forward, accept)
        if found is not None:
            return found
    return None


def _first_in(
    matches: MatchIndex,
    transcript: Transcript,
    low: int,
    high: int,
    forward: bool,
    accept: Callable[[int], bool],
) -> Seek:
    """The first (or last) accepted match in ``low .. high - 1``."""
    known = min(matches.scanned, high)  # lines below this are answered by the index
    indexed = _indexed(matches, low, known, forward)
    unknown = max(low, known)
    if forward:
        found = _accepted(indexed, accept)
        if found is not None:
            return found
        for first in range(unknown, high, SLICE_LINES):
            last = min(first + SLICE_LINES, high)
            lines = matches.matching_lines(transcript, first, last)
            matches.record(first, last, lines)  # read on from the index: it grows too
            found = _accepted(lines, accept)
            if found is not None:
                return found
            yield
        return None
    for last in range(high, unknown, -SLICE_LINES):
        lines = matches.matching_lines(transcript, max(unknown, last - SLICE_LINES), last)
        found = _accepted(reversed(lines), accept)
        if found is not None:
            return found
        yield
    return _accepted(indexed, accept)


def _indexed(matches: MatchIndex, low: int, high: int, forward: bool) -> Iterable[int]:
    """Indexed matches in ``low .. high - 1``, nearest to the seek's start first."""
    lines = matches.lines
    first, last = matches.ordinal(low), matches.ordinal(high)
    positions = range(first, last) if forward else range(last - 1, first - 1, -1)
    return (lines[position] for position in positions)


def _accepted(lines: Iterable[int], accept: Callable[[int], bool]) -> int | None:
    return next((line for line in lines if accept(line)), None)
