"""The search input of the log view: plain text or regex, with a status on the right."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label

from crownest_tui.ui.log.search import REGEX_PREFIX


class SearchBar(Horizontal):
    """A one-line search box. ``ctrl+r`` toggles regex; ``escape`` closes and clears.

    The input is Textual's compact one (no border): a bordered input is three rows
    tall, and in a one-row bar only its top border would show, hiding the query. The
    status gives way to the input when the bar is narrow (a split pane, an error).
    """

    DEFAULT_CSS = """
    SearchBar {
        height: 1;
        display: none;
        background: $panel;
        &.-open { display: block; }
        & > Label { padding: 0 1; color: $text-muted; text-wrap: nowrap; }
        & > #log-search-mode { background: $primary-muted; color: $text; }
        & > Input { width: 1fr; min-width: 12; padding: 0 0 0 1; }
        & > #log-search-status { max-width: 45%; text-overflow: ellipsis; }
        & > #log-search-status.-error { color: $text-error; text-style: bold; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "toggle_regex", "Regex", id="log.search.regex", tooltip="Toggle regex"),
        Binding("escape", "close", "Close search", id="log.search.close"),
    ]

    regex: reactive[bool] = reactive(False)
    """Whether the query is a regular expression (a ``re:`` prefix also makes it one)."""

    class Changed(Message):
        """The query changed (``submitted`` when enter was pressed)."""

        def __init__(self, text: str, regex: bool, submitted: bool) -> None:
            super().__init__()
            self.text = text
            self.regex = regex
            self.submitted = submitted

    class Closed(Message):
        """The search bar was closed with escape."""

    def compose(self) -> ComposeResult:
        yield Label("text", id="log-search-mode")
        yield Input(
            placeholder="search (re: or ctrl+r for regex)", id="log-search-input", compact=True
        )
        yield Label("", id="log-search-status", markup=False)

    @property
    def input(self) -> Input:
        """The text input."""
        return self.query_one(Input)

    @property
    def is_open(self) -> bool:
        """Whether the bar is shown (it stays open after ``enter``, with the status)."""
        return self.has_class("-open")

    def open(self) -> None:
        """Show the bar and focus the input now: ``Widget.focus`` waits for the message
        queue, and the keys typed right after ``/`` must already go to the input."""
        self.add_class("-open")
        self.screen.set_focus(self.input)

    def set_status(self, text: str, error: bool = False) -> None:
        """Show match counts, or an error message."""
        status = self.query_one("#log-search-status", Label)
        status.update(text)
        status.set_class(error, "-error")

    def watch_regex(self, regex: bool) -> None:
        if self.is_mounted:
            self._show_mode()
            self.post_message(self.Changed(self.input.value, regex, submitted=False))

    def _show_mode(self) -> None:
        regex = self.regex or self.input.value.startswith(REGEX_PREFIX)
        self.query_one("#log-search-mode", Label).update("regex" if regex else "text")

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex

    def action_close(self) -> None:
        self.remove_class("-open")
        self.input.value = ""
        self.post_message(self.Closed())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_mode()
        self.post_message(self.Changed(event.value, self.regex, submitted=False))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Changed(event.value, self.regex, submitted=True))
