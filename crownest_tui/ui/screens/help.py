"""``?``: the keys of the screen below, by task, with the list's legend and binding ids."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from ..help_sections import HelpEntry, HelpSection


class HelpScreen(ModalScreen[None]):
    """A table of keys, one titled group per task; remap any of them by its id."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("question_mark", "close", "Close", show=False, id="help.close_again"),
        Binding("q", "close", "Close", show=False, id="help.close_q"),
    ]

    def __init__(self, sections: list[HelpSection], title: str = "Keys") -> None:
        super().__init__()
        self.sections = sections
        self.heading = title

    @property
    def entries(self) -> list[HelpEntry]:
        """Every entry, in the order shown."""
        return [entry for section in self.sections for entry in section.entries]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, id="title")
            table: DataTable[str | Text] = DataTable(cursor_type="row", id="keys")
            table.add_columns("Key", "Action", "Binding id")
            for index, section in enumerate(self.sections):
                if index:
                    table.add_row("", "", "")
                table.add_row("", Text(section.title, style="bold underline"), "")
                for entry in section.entries:
                    style = "" if entry.enabled else "dim"
                    action = entry.description + ("" if entry.enabled else " (not now)")
                    table.add_row(
                        Text(entry.key, style=style),
                        Text(action, style=style),
                        Text(entry.binding_id, style="dim"),
                    )
            yield table
            yield Label(
                "escape closes · remap a key by its id in [keys] of config.toml",
                id="hint",
                markup=False,
            )

    def action_close(self) -> None:
        self.dismiss(None)
