"""Which transcript lines a log view shows, and in what position.

A *line map* turns a view position into a transcript line number and back. The base
map is the stream filter (:class:`StreamLines`); layers that hide more lines (folded
sections, see :mod:`~crownest_tui.ui.log.folds`) take the map below them and
answer in its terms, so layers stack: each needs only ``count``, ``rank`` and
``select`` of the one beneath, and its ``key`` (which changes whenever the lower map
would answer differently for lines it already had).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

from crownest_tui.core.chunk import StreamFilter
from crownest_tui.ui.log.transcript import Transcript


class LineMap(Protocol):
    """Complete lines shown, by position."""

    @property
    def key(self) -> Hashable:
        """Changes when the map shows a different choice of the lines it has."""
        ...

    def count(self) -> int:
        """Complete lines shown."""
        ...

    def rank(self, index: int) -> int:
        """Position of line ``index`` (of the next shown line, when it is hidden)."""
        ...

    def select(self, position: int) -> int:
        """The line at ``position`` (``0 <= position < count()``)."""
        ...


@dataclass(frozen=True, slots=True)
class StreamLines:
    """The lines of the streams a filter shows (``all``, ``stdout``, ``stderr``)."""

    transcript: Transcript
    streams: StreamFilter

    @property
    def key(self) -> Hashable:
        return self.streams

    def count(self) -> int:
        return self.transcript.count(self.streams)

    def rank(self, index: int) -> int:
        return self.transcript.rank(self.streams, index)

    def select(self, position: int) -> int:
        return self.transcript.select(self.streams, position)
