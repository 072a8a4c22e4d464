"""Counts by status among the loaded runs, e.g. ``✔ succeeded 30 · ▶ running 2``."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ...text.format import format_count, status_label


class SummaryLine(Widget):
    """One line of ``glyph status count`` pairs; the screen sets :attr:`counts`.

    A plain ``render`` (not ``Static.update``) so a change repaints one line without
    a layout pass.
    """

    DEFAULT_CSS = """
    SummaryLine { height: 1; padding: 0 1; }
    """

    counts: reactive[tuple[tuple[str, int], ...]] = reactive(())
    """(status, count) pairs in display order."""

    def render(self) -> Content:
        counts = self.counts
        if not counts:
            return Content("no runs loaded")
        total = sum(n for _, n in counts)
        parts = [format_count(total, "run"), *(f"{status_label(s)} {n:,}" for s, n in counts)]
        return Content(" · ".join(parts))
