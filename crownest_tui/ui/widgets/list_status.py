"""The status line under the list: loaded count, more pages, auto-refresh, last update."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget


@dataclass(frozen=True)
class ListState:
    """What the status line reports (all plain values, computed by the screen)."""

    loaded: int = 0
    shown: int = 0
    has_more: bool = False
    loading: bool = False
    ever_loaded: bool = True
    refresh_every: float = 5.0
    paused: bool = False
    updated: str = ""
    filters: str = "no filters"


class ListStatus(Widget):
    """E.g. ``100 loaded · more available · auto-refresh 5 s · updated just now``.

    Rendered (not ``Static.update``) so the ticking "updated" repaints without layout.
    """

    DEFAULT_CSS = """
    ListStatus { height: 1; padding: 0 1; }
    """

    state: reactive[ListState] = reactive(ListState)
    """The figures shown."""

    def render(self) -> Content:
        state = self.state
        parts = [f"{state.loaded:,} loaded"]
        if state.shown != state.loaded:
            parts[0] = f"{state.shown:,} of {state.loaded:,} loaded shown"
        if state.loading:
            parts.append("loading…")
        elif not state.ever_loaded:
            parts.append("nothing loaded yet")
        else:
            parts.append("more available (scroll down)" if state.has_more else "all loaded")
        if state.refresh_every <= 0:
            parts.append("manual refresh (r)")
        elif state.paused:
            parts.append("auto-refresh paused (a)")
        else:
            parts.append(f"auto-refresh {state.refresh_every:g} s")
        if state.updated:
            parts.append(f"updated {state.updated}")
        parts.append(state.filters)
        return Content(" · ".join(parts))
