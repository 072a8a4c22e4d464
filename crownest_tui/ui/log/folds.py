"""Folded sections as a line map: a folded section shows only its header line.

:class:`FoldedLines` sits on a lower :class:`~crownest_tui.ui.log.line_map.LineMap`
(the stream filter, or any filter stacked on it) and hides, in transcript lines:
the body of each folded section, the end marker of each open one and stray marker
lines. A folded section whose header the lower map does not show (``o`` shows stderr
only, or a filter leaves the header out) is laid out open: its lines that the lower
map keeps must not vanish behind a header nobody can see, or unfold.

Hidden lines are kept as sorted, disjoint intervals with the number of lower
positions each one hides, so ``select`` and ``rank`` are two bisections whatever the
size of the log; memory is a few numbers per hidden interval.

Rebuilding is incremental: sections before the outermost open one (and before
Buildkite's last ``---``, open only while it is the last) can only change when a fold
or the run's state changes, so while output streams only the open tail is laid out
again, once a frame (:meth:`FoldedLines.update`).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Hashable

from crownest_tui.core.fold_state import FoldState
from crownest_tui.core.sections import SectionIndex
from crownest_tui.ui.log.line_map import LineMap


class FoldedLines:
    """The lines of a lower map that folded sections leave in sight."""

    def __init__(self, index: SectionIndex, state: FoldState) -> None:
        self.index, self.state = index, state
        self.lower: LineMap | None = None
        self._full_key: tuple[Hashable, ...] = ()
        self._tail_key: tuple[int, int] = (-1, -1)
        # The stable prefix: the intervals of sections ``0 .. _stable - 1`` and of the
        # stray markers before line ``_stable_line``, laid out once.
        self._stable, self._stable_line = 0, 0
        self._prefix = _Intervals()
        self._all = _Intervals()
        self.generation = 0
        """Bumped whenever the hidden lines change."""

    @property
    def key(self) -> Hashable:
        return (self.lower.key if self.lower else None, self.generation)

    @property
    def active(self) -> bool:
        """True when any line is hidden."""
        return self._all.hidden > 0

    def over(self, lower: LineMap) -> FoldedLines:
        """This map on top of ``lower``: laid out again at once if ``lower`` or a fold
        changed; new sections are taken in by :meth:`update` (once a frame)."""
        if (lower.key, self.state.generation) != self._full_key or self.lower is None:
            self.lower = lower
            self._reset()
            self.update()
        self.lower = lower
        return self

    def update(self) -> bool:
        """Take in what the section index found since; True when the view changed."""
        if self.lower is None:
            return False
        index = self.index
        tail_key = (index.generation, index.lines if index.open else -1)
        if tail_key == self._tail_key:
            return False
        self._tail_key = tail_key
        before = self.generation
        self._rebuild(self.lower)
        return self.generation != before

    def _reset(self) -> None:
        assert self.lower is not None
        self._full_key = (self.lower.key, self.state.generation)
        self._stable, self._stable_line = 0, 0
        self._prefix = _Intervals()
        self._tail_key = (-1, -1)

    # -- laying out the hidden intervals ---------------------------------------------

    def _rebuild(self, lower: LineMap) -> None:
        index = self.index
        sections, lines = index.sections, index.lines
        boundary = sections[index.open[0]].start if index.open else lines
        dash = index.last_expanded_dash()  # open only while it is the last one
        while dash >= 0 and sections[dash].parent >= 0:
            dash = sections[dash].parent  # the whole of its outermost section may change
        if dash >= 0:
            boundary = min(boundary, sections[dash].start)
        stable = bisect_left(index.starts, boundary)
        if stable > self._stable or boundary > self._stable_line:
            # sections that can no longer change join the prefix
            merged = self._intervals(self._stable, stable, self._stable_line, boundary)
            self._prefix.extend(merged, lower)
            self._stable, self._stable_line = stable, boundary
        laid = self._prefix.copy()
        laid.extend(self._intervals(stable, len(sections), boundary, lines + 1), lower)
        if laid != self._all:
            self.generation += 1
        self._all = laid

    def _intervals(self, first: int, last: int, low: int, high: int) -> list[tuple[int, int]]:
        """Merged hidden intervals of sections ``first .. last - 1`` and of the stray
        markers on lines ``low .. high - 1``."""
        index, folded = self.index, self.state.folded
        sections, lines = index.sections, index.lines
        found: list[tuple[int, int]] = []
        covered = -1  # lines below this are inside a folded section already
        for number in range(first, last):
            section = sections[number]
            if section.start < covered:
                continue
            end = section.end(lines)
            if folded(number) and self._shows(section.start):
                if end > section.start:
                    found.append((section.start + 1, end + 1))
                covered = end + 1
            elif section.marker:
                found.append((end, end + 1))
        strays = index.hidden_lines
        for position in range(bisect_left(strays, low), bisect_left(strays, high)):
            found.append((strays[position], strays[position] + 1))
        found.sort()
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        return merged

    def _shows(self, line: int) -> bool:
        """Whether the lower map shows ``line``."""
        lower = self.lower
        assert lower is not None
        position = lower.rank(line)
        return position < lower.count() and lower.select(position) == line

    # -- the map ---------------------------------------------------------------------

    def count(self) -> int:
        assert self.lower is not None
        return self.lower.count() - self._all.hidden

    def hides(self, line: int) -> bool:
        """True when ``line`` is folded away (or is a hidden marker)."""
        laid = self._all
        found = bisect_right(laid.starts, line) - 1
        return found >= 0 and line < laid.ends[found]

    def rank(self, index: int) -> int:
        assert self.lower is not None
        laid = self._all
        found = bisect_right(laid.starts, index) - 1
        if found < 0:
            return self.lower.rank(index)
        if index < laid.ends[found]:  # hidden: where its fold is
            return max(0, laid.visible_at[found] - 1)
        return self.lower.rank(index) - laid.hidden_through(found)

    def select(self, position: int) -> int:
        assert self.lower is not None
        laid = self._all
        found = bisect_right(laid.visible_at, position) - 1
        if found < 0:
            return self.lower.select(position)
        return self.lower.select(position + laid.hidden_through(found))


class _Intervals:
    """Sorted, disjoint hidden intervals ``[start, end)`` of transcript lines, with the
    lower positions hidden before each and the view position just after each."""

    __slots__ = ("after", "ends", "hidden", "starts", "visible_at")

    def __init__(self) -> None:
        self.starts, self.ends = array("q"), array("q")
        self.after = array("q")  # lower positions hidden up to the end of each
        self.visible_at = array("q")  # view position of the first line after each
        self.hidden = 0

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Intervals)
            and self.hidden == other.hidden
            and self.starts == other.starts
            and self.ends == other.ends
        )

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> _Intervals:
        copied = _Intervals()
        copied.starts, copied.ends = array("q", self.starts), array("q", self.ends)
        copied.after, copied.visible_at = array("q", self.after), array("q", self.visible_at)
        copied.hidden = self.hidden
        return copied

    def extend(self, intervals: list[tuple[int, int]], lower: LineMap) -> None:
        """Append intervals that all lie after the ones held."""
        rank, hidden = lower.rank, self.hidden
        for start, end in intervals:
            low = rank(start)
            self.starts.append(start)
            self.ends.append(end)
            self.visible_at.append(low - hidden)
            hidden += rank(end) - low
            self.after.append(hidden)
        self.hidden = hidden

    def hidden_through(self, found: int) -> int:
        """Lower positions hidden by interval ``found`` and those before it."""
        return self.after[found]
