"""The one-line prompt for a filter (``&`` include, ``-`` exclude) or context (``C``)."""

from __future__ import annotations

from typing import ClassVar, Literal

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from crownest_tui.ui.log.prompt_bar import PromptBar

PromptKind = Literal["include", "exclude", "context"]
PROMPTS: dict[PromptKind, tuple[str, str]] = {
    "include": ("& only", "show only lines matching (re: or ctrl+r for regex)"),
    "exclude": ("- hide", "hide lines matching (re: or ctrl+r for regex)"),
    "context": ("context", "lines around each match (0 for none)"),
}


class FilterPrompt(PromptBar):
    """Asks for one filter or the context size; ``enter`` applies, ``escape`` closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "toggle_regex", "Regex", id="log.filter.regex", tooltip="Toggle regex"),
        Binding("escape", "close", "Close filter", id="log.filter.close"),
    ]
    MODE_ID = "log-filter-kind"
    INPUT_ID = "log-filter-input"
    NOTE_ID = "log-filter-error"

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

    def mode_label(self) -> str:
        label = PROMPTS[self.kind][0]
        return f"{label} regex" if self.kind != "context" and self.is_regex else label

    def open(self, kind: PromptKind, value: str = "") -> None:
        """Show the prompt for ``kind``, focused."""
        self.kind = kind
        field = self.input
        field.type = "integer" if kind == "context" else "text"
        field.placeholder = PROMPTS[kind][1]
        field.value = value
        self.set_note("")  # no error (yet) for the new prompt
        self.show_mode()
        self.reveal()

    def show_error(self, text: str) -> None:
        """Say why the entered text cannot be used (the prompt stays open)."""
        self.set_note(text, error=True)

    def action_close(self) -> None:
        self.hide()
        self.post_message(self.Closed())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(self.kind, event.value, self.regex))
