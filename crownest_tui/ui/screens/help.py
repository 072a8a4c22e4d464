"""``?``: the keys of the screen below, by task, with the list's legend and binding ids."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from ..help_sections import HelpEntry, HelpSection

SCROLLBAR = 2
"""The table's vertical scrollbar (there are always more keys than rows)."""
MIN_ACTION = 16
"""Below this the actions would wrap into a column of single words."""


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
        self._action_width = 0

    @property
    def entries(self) -> list[HelpEntry]:
        """Every entry, in the order shown."""
        return [entry for section in self.sections for entry in section.entries]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.heading, id="title")
            yield DataTable[str | Text](cursor_type="row", id="keys")
            yield Label(
                "escape closes · remap a key by its id in [keys] of config.toml",
                id="hint",
                markup=False,
            )

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """Lay the table out for its width: keys and ids whole (an id is what a user
        types into config.toml), the actions wrapped in what is left."""
        table = self.query_one("#keys", DataTable)
        entries = self.entries
        key_width = max((cell_len(entry.key) for entry in entries), default=3)
        id_width = max((cell_len(entry.binding_id) for entry in entries), default=10)
        key_width, id_width = max(key_width, 3), max(id_width, len("Binding id"))
        # the dialog's width, not the table's: that one loses the scrollbar once shown
        inside = self.query_one("#dialog").content_region.width - table.styles.gutter.width
        spare = inside - SCROLLBAR - 6 * table.cell_padding
        action_width = max(MIN_ACTION, spare - key_width - id_width)
        if self._action_width == action_width and table.row_count:
            return
        self._action_width = action_width
        row = table.cursor_row
        table.clear(columns=True)
        table.add_column("Key", width=key_width)
        table.add_column("Action", width=action_width)
        table.add_column("Binding id", width=id_width)
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
                    height=None,  # a long action wraps
                )
        table.move_cursor(row=min(row, table.row_count - 1))

    def action_close(self) -> None:
        self.dismiss(None)
