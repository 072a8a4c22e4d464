"""The one-line prompt a log view opens for search (``/``) and for filters (``&`` ``-`` ``C``).

Both are a mode label, Textual's compact input and a note on the right. The input is
the compact one (no border): a bordered input is three rows tall, and in a one-row bar
only its top border would show, hiding the text. The note gives way to the input when
the bar is narrow (a split pane, a long error).
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Input, Label

from crownest_tui.ui.log.search import REGEX_PREFIX


class PromptBar(Horizontal):
    """A mode label, a compact input and a note; ``toggle_regex`` flips regex mode.

    Subclasses name their parts (``MODE_ID``, ``INPUT_ID``, ``NOTE_ID``), say what the
    mode label reads (:meth:`mode_label`) and bind their keys (each binding has its own
    id, for the user's keymap).
    """

    DEFAULT_CSS = """
    PromptBar {
        height: 1;
        display: none;
        background: $panel;
        &.-open { display: block; }
        & > Label { padding: 0 1; color: $text-muted; text-wrap: nowrap; }
        & > .prompt-mode { background: $primary-muted; color: $text; }
        & > Input { width: 1fr; min-width: 12; padding: 0 0 0 1; }
        & > .prompt-note { max-width: 45%; text-overflow: ellipsis; }
        & > .prompt-note.-error { color: $text-error; text-style: bold; }
    }
    """
    MODE_ID: ClassVar[str]
    INPUT_ID: ClassVar[str]
    NOTE_ID: ClassVar[str]
    PLACEHOLDER: ClassVar[str] = ""

    regex: reactive[bool] = reactive(False)
    """Whether the text is a regular expression (a ``re:`` prefix also makes it one)."""

    def compose(self) -> ComposeResult:
        yield Label("", id=self.MODE_ID, classes="prompt-mode")
        yield Input(placeholder=self.PLACEHOLDER, id=self.INPUT_ID, compact=True)
        yield Label("", id=self.NOTE_ID, classes="prompt-note", markup=False)

    def on_mount(self) -> None:
        self.show_mode()

    @property
    def input(self) -> Input:
        """The text input."""
        return self.query_one(Input)

    @property
    def is_open(self) -> bool:
        """Whether the bar is shown."""
        return self.has_class("-open")

    @property
    def is_regex(self) -> bool:
        """Whether the text, as typed, will be read as a regular expression."""
        return self.regex or self.input.value.startswith(REGEX_PREFIX)

    def mode_label(self) -> str:
        """What the mode label reads now."""
        raise NotImplementedError

    def show_mode(self) -> None:
        self.query_one(f"#{self.MODE_ID}", Label).update(self.mode_label())

    def set_note(self, text: str, error: bool = False) -> None:
        """Show a status (counts) or, with ``error``, why the text cannot be used."""
        note = self.query_one(f"#{self.NOTE_ID}", Label)
        note.update(text)
        note.set_class(error, "-error")

    def reveal(self) -> None:
        """Show the bar and focus the input now: ``Widget.focus`` waits for the message
        queue, and the keys typed right after the key that opened it must go to the input."""
        self.add_class("-open")
        self.screen.set_focus(self.input)

    def hide(self) -> None:
        self.remove_class("-open")

    def watch_regex(self, regex: bool) -> None:
        if self.is_mounted:
            self.show_mode()

    def action_toggle_regex(self) -> None:
        self.regex = not self.regex

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show_mode()
