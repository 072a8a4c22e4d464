"""Textual's Footer, recomposed once for a burst of binding changes.

Textual's Footer queues a full recompose (every key widget removed, made again and
styled), to run after the next repaint, for each change of the screen's bindings, and
the changes come in bursts: five in a row while the dashboard starts (the screen is
pushed and resumed, focus moves, the terminal reports focus). That was a fifth of
the start-up time. Here a change asks for a recompose with ``refresh(recompose=True)``,
which Textual does once, with the bindings as they are then, at the next refresh.

A change that leaves the keys as they are (focus moving between widgets with the same
bindings, the screen resumed) does not recompose at all: the footer keeps the keys it
drew when they would all be made again the same.

Each key is also made with the footer's ``compact`` already set: Textual's keys start
compact and are then bound to the footer's (not compact), so every key had the class
added and removed again, each a restyle of the key and its parts, at every start.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """The key bindings of the screen (Textual's Footer, recomposed less often)."""

    _drawn: Hashable = None  # what the keys were made from at the last compose

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # As Textual's Footer does (textual 8.2.8), but without a recompose per call,
        # nor any when the keys would come out the same.
        self._bindings_ready = True
        here = screen.app.app_focus and self.is_attached and screen is self.screen
        if here and self._keys_from(screen) != self._drawn:
            self.refresh(recompose=True)

    def _keys_from(self, screen: Screen[Any]) -> Hashable:
        """Everything of ``screen``'s bindings that the keys are made from."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show or key == palette
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._drawn = self._keys_from(self.screen)
        # The keys as Textual makes them; those bound to the footer's ``compact`` start
        # with the value the binding gives them (no class change when they mount). The
        # palette's key is not bound: it stays compact.
        for widget in super().compose():
            bound = getattr(widget, "_reactive_connect", None) or {}
            if isinstance(widget, FooterKey) and "compact" in bound:
                widget.set_reactive(FooterKey.compact, self.compact)
            yield widget
