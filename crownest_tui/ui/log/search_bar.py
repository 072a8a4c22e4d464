"""The search input of the log view: plain text or regex, with a status on the right."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from crownest_tui.ui.log.prompt_bar import PromptBar


class SearchBar(PromptBar):
    """A one-line search box. ``ctrl+r`` toggles regex; ``escape`` closes and clears.

    It stays open after ``enter``, showing the match counts.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "toggle_regex", "Regex", id="log.search.regex", tooltip="Toggle regex"),
        Binding("escape", "close", "Close search", id="log.search.close"),
    ]
    MODE_ID = "log-search-mode"
    INPUT_ID = "log-search-input"
    NOTE_ID = "log-search-status"
    PLACEHOLDER = "search (re: or ctrl+r for regex)"

    class Changed(Message):
        """The query changed (``submitted`` when enter was pressed)."""

        def __init__(self, text: str, regex: bool, submitted: bool) -> None:
            super().__init__()
            self.text = text
            self.regex = regex
            self.submitted = submitted

    class Closed(Message):
        """The search bar was closed with escape."""

    def mode_label(self) -> str:
        return "regex" if self.is_regex else "text"

    def open(self) -> None:
        """Show the bar, focused."""
        self.reveal()

    _status: tuple[str, bool] = ("", False)

    def set_status(self, text: str, error: bool = False) -> None:
        """Show match counts, or an error message."""
        if (text, error) != self._status:  # (an update lays the screen out)
            self._status = (text, error)
            self.set_note(text, error)

    def watch_regex(self, regex: bool) -> None:
        super().watch_regex(regex)
        if self.is_mounted:
            self.post_message(self.Changed(self.input.value, regex, submitted=False))

    def action_close(self) -> None:
        self.hide()
        self.input.value = ""
        self.post_message(self.Closed())

    def on_input_changed(self, event: Input.Changed) -> None:
        super().on_input_changed(event)
        self.post_message(self.Changed(event.value, self.regex, submitted=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Changed(event.value, self.regex, submitted=True))
