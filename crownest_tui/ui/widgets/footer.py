"""Textual's Footer, recomposed once for a burst of binding changes.

Textual's Footer queues a full recompose (every key widget removed, made again and
styled), to run after the next repaint, for each change of the screen's bindings, and
the changes come in bursts: five in a row while the dashboard starts (the screen is
pushed and resumed, focus moves, the terminal reports focus). That was a fifth of
the start-up time. Here a change asks for a recompose with ``refresh(recompose=True)``,
which Textual does once, with the bindings as they are then, at the next refresh.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """The key bindings of the screen (Textual's Footer, recomposed less often)."""

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # As Textual's Footer does (textual 8.2.8), but without a recompose per call.
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.refresh(recompose=True)
