"""Confirm before canceling a run; the safe choice has the focus (reused by detail)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from ...api.models import WorkspaceRun
from ...text.format import safe_line
from ..widgets.status_badge import StatusBadge
from .confirm import ConfirmScreen


class ConfirmCancelScreen(ConfirmScreen):
    """Shows the run's id, command and project; dismisses with ``True`` to cancel it.

    ``y`` confirms; ``n`` and ``escape`` back out. **Back** is focused by default.
    """

    BINDINGS = [
        Binding("y", "confirm", "Cancel run", id="confirm_cancel.yes"),
        Binding("n", "back", "Back", id="confirm_cancel.no"),
        Binding("escape", "back", "Back", show=False, id="confirm_cancel.escape"),
    ]

    def __init__(self, run: WorkspaceRun, project_name: str | None = None) -> None:
        super().__init__()
        self.run = run
        self.project_name = project_name

    def compose(self) -> ComposeResult:
        project = safe_line(self.run.project_id)
        if self.project_name and self.project_name != self.run.project_id:
            project = f"{safe_line(self.project_name)} ({project})"
        with Vertical(id="dialog"):
            yield Label("Cancel this run?", id="title")
            with Horizontal(classes="field"):
                yield Label("Run", classes="name")
                yield Label(safe_line(self.run.id), markup=False)
            with Horizontal(classes="field"):
                yield Label("Status", classes="name")
                yield StatusBadge(self.run.status)
            with Horizontal(classes="field"):
                yield Label("Project", classes="name")
                yield Label(project, markup=False)
            with Horizontal(classes="field"):
                yield Label("Command", classes="name")
                yield Static(safe_line(self.run.command), id="command", markup=False)
            yield Label("Its processes are stopped; this cannot be undone.", id="warning")
            with Horizontal(id="buttons"):
                yield Button("Back (n)", id="back", variant="primary")
                yield Button("Cancel run (y)", id="confirm", variant="error")
