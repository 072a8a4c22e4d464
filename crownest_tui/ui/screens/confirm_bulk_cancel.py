"""Confirm before canceling the marked runs: one list, Back focused by default."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from ...core.bulk_cancel import Selection, skipped_text
from ...text.format import format_count, safe_line
from .confirm import ConfirmScreen

#: Runs listed by name; the rest are counted.
LISTED = 12


class ConfirmBulkCancelScreen(ConfirmScreen):
    """Lists the marked active runs (and names the ended ones it skips); dismisses with
    ``True`` to cancel them. ``y`` confirms; ``n`` and ``escape`` back out."""

    DEFAULT_CSS = """
    ConfirmBulkCancelScreen { align: center middle; background: $background 60%; }
    ConfirmBulkCancelScreen #dialog { border: thick $error; }
    ConfirmBulkCancelScreen .run { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    ConfirmBulkCancelScreen #skipped, ConfirmBulkCancelScreen #unlisted {
        margin-top: 1; color: $text-muted;
    }
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
            for run in self.selection.active[:LISTED]:
                row = f"{run.id}  {safe_line(run.status):<16} {safe_line(run.command)}"
                yield Static(row, classes="run", markup=False)
            if len(self.selection.active) > LISTED:
                more = format_count(len(self.selection.active) - LISTED, "more run")
                yield Static(f"… and {more}", id="more", markup=False)
            if self.selection.ended:
                yield Static(skipped_text(self.selection.ended), id="skipped", markup=False)
            if self.selection.unlisted:
                names = ", ".join(self.selection.unlisted)
                text = f"Not in the list now (filtered out), left alone: {names}"
                yield Static(text, id="unlisted", markup=False)
            yield Label("Their processes are stopped; this cannot be undone.", id="warning")
            with Horizontal(id="buttons"):
                yield Button("Back (n)", id="back", variant="primary")
                yield Button(f"Cancel {count} (y)", id="confirm", variant="error")
