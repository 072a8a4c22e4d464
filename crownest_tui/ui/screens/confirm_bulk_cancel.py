"""Confirm before canceling the marked runs: one list, Back focused by default."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from ...core.bulk_cancel import Selection, skipped_text
from ...text.format import format_count, safe_line
from .confirm import ConfirmScreen

#: Characters of a command shown in the list (the row is one line).
COMMAND_CHARS = 40


class ConfirmBulkCancelScreen(ConfirmScreen):
    """Lists the marked active runs (and names the ended ones it skips); dismisses with
    ``True`` to cancel them. ``y`` confirms; ``n`` and ``escape`` back out."""

    DEFAULT_CSS = """
    ConfirmBulkCancelScreen { align: center middle; background: $background 60%; }
    ConfirmBulkCancelScreen #dialog { border: thick $error; }
    ConfirmBulkCancelScreen #runs { height: auto; max-height: 12; }
    ConfirmBulkCancelScreen #skipped { margin-top: 1; color: $text-muted; }
    """

    BINDINGS = [
        Binding("y", "confirm", "Cancel runs", id="confirm_bulk_cancel.yes"),
        Binding("n", "back", "Back", id="confirm_bulk_cancel.no"),
        Binding("escape", "back", "Back", show=False, id="confirm_bulk_cancel.escape"),
    ]

    def __init__(self, selection: Selection) -> None:
        super().__init__()
        self.selection = selection

    def compose(self) -> ComposeResult:
        count = format_count(len(self.selection.active), "marked run")
        with Vertical(id="dialog"):
            yield Label(f"Cancel {count}?", id="title", markup=False)
            with VerticalScroll(id="runs"):
                for run in self.selection.active:
                    command = safe_line(run.command)
                    if len(command) > COMMAND_CHARS:
                        command = command[: COMMAND_CHARS - 1] + "…"
                    row = f"{run.id}  {safe_line(run.status):<16} {command}"
                    yield Static(row, classes="run", markup=False)
            if self.selection.ended:
                yield Static(skipped_text(self.selection.ended), id="skipped", markup=False)
            yield Label("Their processes are stopped; this cannot be undone.", id="warning")
            with Horizontal(id="buttons"):
                yield Button("Back (n)", id="back", variant="primary")
                yield Button(f"Cancel {count} (y)", id="confirm", variant="error")
