"""The one-line prompt for a filter (``&`` include, ``-`` exclude) or context (``C``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Input, Label

from crownest_tui.ui.log.search import REGEX_PREFIX

PromptKind = Literal["include", "exclude", "context"]
PROMPTS: dict[PromptKind, tuple[str, str]] = {
    "include": ("& only", "show only lines matching (re: or ctrl+r for regex)"),
    "exclude": ("- hide", "hide lines matching (re: or ctrl+r for regex)"),
    "context": ("context", "lines around each match (0 for none)"),
}


class FilterBar(Horizontal):
    """Asks for one filter or the context size; ``enter`` applies, ``escape`` closes."""

    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        display: none;
        background: $panel;
        &.-open { display: block; }
        & > Label { padding: 0 1; color: $text-muted; text-wrap: nowrap; }
        & > #log-filter-kind { background: $primary-muted; color: $text; }
        & > Input { width: 1fr; min-width: 12; padding: 0 0 0 1; }
        & > #log-filter-error { max-width: 45%; color: $text-error; text-style: bold; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "toggle_regex", "Regex", id="log.filter.regex", tooltip="Toggle regex"),
        Binding("escape", "close", "Close filter", id="log.filter.close"),
    ]

    regex: reactive[bool] = reactive(False)
    """Whether the text is a regular expression (a ``re:`` prefix also makes it one)."""

    class Submitted(Message):
        """A filter (or context size) was entered."""

        def __init__(self, kind: PromptKind, text: str, regex: bool) -> None:
            super().__init__()
            self.kind, self.text, self.regex = kind, text, regex

    class Closed(Message):
        """The prompt was closed (after ``enter`` or with ``escape``)."""

    def __init__(self) -> None:
        super().__init__()
        self.kind: PromptKind = "include"

    def compose(self) -> ComposeResult:
        yield Label("", id="log-filter-kind")
        yield Input(id="log-filter-input", compact=True)
        yield Label("", id="log-filter-error", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    def open(self, kind: PromptKind, value: str = "") -> None:
        """Show the prompt for ``kind`` and focus it."""
        self.kind = kind
        field = self.input
        field.type = "integer" if kind == "context" else "text"
        field.placeholder = PROMPTS[kind][1]
        field.value = value
        self.show_error("")
        self._show_kind()
        self.add_class("-open")
        field.focus()

    def show_error(self, text: str) -> None:
        """Say why the entered text cannot be used (the prompt stays open)."""
        self.query_one("#log-filter-error", Label).update(text)

    def _show_kind(self) -> None:
        label = PROMPTS[self.kind][0]
        regex = self.regex or self.input.value.startswith(REGEX_PREFIX)
        if self.kind != "context" and regex:
            label += " regex"
        self.query_one("#log-filter-kind", Label).update(label)

    def watch_regex(self) -> None:
        if self.is_mounted:
            self._show_kind()

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex

    def action_close(self) -> None:
        self.remove_class("-open")
        self.post_message(self.Closed())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show_kind()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self.kind, event.value, self.regex))
