"""What the view asks of the layer that maps its positions to transcript lines.

:class:`~crownest_tui.ui.log.transcript.Transcript` answers for the stream filter
alone; a filter (:class:`~crownest_tui.ui.log.filters.FilterIndex`) answers for the
lines it keeps. The view holds one and never needs to know which.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from crownest_tui.core.chunk import StreamFilter
from crownest_tui.ui.log.transcript import Line


class ViewMap(Protocol):
    """View positions ↔ complete transcript lines, under a stream filter."""

    def count(self, streams: StreamFilter) -> int:
        """Complete lines shown."""
        ...

    def rank(self, streams: StreamFilter, index: int) -> int:
        """Position of line ``index`` among the shown lines."""
        ...

    def select(self, streams: StreamFilter, position: int) -> int:
        """The line shown at ``position``."""
        ...

    def partials_shown(self, streams: StreamFilter) -> Sequence[Line]:
        """The partial lines shown after the complete ones."""
        ...
