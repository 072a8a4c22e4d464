"""The row that says which filters are in force, and how many lines they hide."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from crownest_tui.ui.log.filters import FilterSet

from ...text.format import format_count


def chips_text(filters: FilterSet, hidden: int, scanning: float | None) -> Text:
    """``& error  - debug  ±2  1,234 lines hidden`` (text is never read as markup)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for line_filter in filters.filters:
        text.append(f" {line_filter.chip} ", "reverse")
        text.append(" ")
    if filters.context:
        text.append(f"±{filters.context} ", "bold")
    text.append(f" {format_count(hidden, 'line')} hidden", "dim")
    if scanning is not None:
        text.append(f" · scanning {scanning:.0%}", "dim italic")
    text.append("  x drops the last, X clears", "dim")
    return text


class FilterChips(Widget):
    """Shown while filters are in force (``x`` drops the last one, ``X`` clears).

    One row of a fixed size, so a new text repaints this row only: a ``Static``'s
    ``update`` lays the whole screen out again, four times a second while a scan runs
    (a full repaint that keys wait behind).
    """

    DEFAULT_CSS = """
    FilterChips {
        height: 1;
        display: none;
        background: $panel;
        color: $text;
        &.-active { display: block; }
    }
    """

    _shown: Text | None = None

    def show(self, filters: FilterSet, hidden: int, scanning: float | None) -> None:
        """Say what is in force (hidden when no filter is)."""
        self.set_class(filters.active, "-active")
        text = chips_text(filters, hidden, scanning) if filters.active else None
        if text is not None and text != self._shown:
            self._shown = text
            self.refresh()

    def render(self) -> Text:
        return self._shown or Text()
