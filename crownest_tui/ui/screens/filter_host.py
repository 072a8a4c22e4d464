"""The base of a screen that shows the :class:`FilterBar`: what it does with the bar's
messages, in one place (the runs list and Insights both have the bar)."""

from __future__ import annotations

from textual import on
from textual.screen import Screen

from ...core.filters import RunFilters
from ..widgets.filter_bar import FilterBar


class FilterBarScreen(Screen[None]):
    """A change in the bar becomes :meth:`set_filters`; a refused one, a warning."""

    def set_filters(self, filters: RunFilters) -> None:
        """Apply new server-side filters (the subclass's job)."""
        raise NotImplementedError

    @on(FilterBar.Changed)
    def _filters_changed(self, event: FilterBar.Changed) -> None:
        self.set_filters(event.filters)

    @on(FilterBar.Invalid)
    def _filter_invalid(self, event: FilterBar.Invalid) -> None:
        self.notify(event.reason, title="Filter not applied", severity="warning", markup=False)
