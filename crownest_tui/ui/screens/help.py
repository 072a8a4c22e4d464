"""``?``: every binding of the screen below, with its key, description and id."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label


@dataclass(frozen=True)
class HelpEntry:
    """One binding as help shows it."""

    key: str
    description: str
    binding_id: str


def help_entries(screen: Screen[object]) -> list[HelpEntry]:
    """The bindings active on ``screen`` (its own, its focused widget's and the app's)."""
    entries: dict[str, HelpEntry] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if not binding.description:
            continue
        display = screen.app.get_key_display(binding)
        entries[key] = HelpEntry(display, binding.description, binding.id or "")
    return sorted(entries.values(), key=lambda e: (e.binding_id == "", e.binding_id))


class HelpScreen(ModalScreen[None]):
    """A table of keys; remap any of them by its id in a keymap."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark", "close", "Close", show=False, id="help.close_again"),
        Binding("q", "close", "Close", show=False, id="help.close_q"),
    ]

    def __init__(self, entries: list[HelpEntry], title: str = "Keys") -> None:
        super().__init__()
        self.entries = entries
        self.heading = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, id="title")
            table: DataTable[str] = DataTable(cursor_type="row", id="keys")
            table.add_columns("Key", "Action", "Binding id")
            for entry in self.entries:
                table.add_row(entry.key, entry.description, entry.binding_id)
            yield table
            yield Label("escape closes · ids can be remapped in a keymap", id="hint")

    def action_close(self) -> None:
        self.dismiss(None)
