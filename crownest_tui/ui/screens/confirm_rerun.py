"""Confirm before running a run again: what it runs, from where, and whether the
folder changed since; Back has the focus."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static

from ...launch.rerun import RerunPlan
from ...text.format import safe_line
from .confirm import ConfirmScreen


class ConfirmRerunScreen(ConfirmScreen):
    """Dismisses with ``True`` to start the rerun; ``y`` confirms, ``n``/``escape`` back."""

    DEFAULT_CSS = """
    ConfirmRerunScreen { align: center middle; background: $background 60%; }
    ConfirmRerunScreen #change.-changed { color: $text-warning; }
    """

    BINDINGS = [
        Binding("y", "confirm", "Run again", id="confirm_rerun.yes"),
        Binding("n", "back", "Back", id="confirm_rerun.no"),
        Binding("escape", "back", "Back", show=False, id="confirm_rerun.escape"),
    ]

    def __init__(self, plan: RerunPlan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        plan = self.plan
        source = "kept by the local backend" if plan.folder is None else str(plan.folder)
        with Vertical(id="dialog"):
            yield Label(f"Run {plan.run.id} again?", id="title", markup=False)
            for name, value in (
                ("Command", safe_line(plan.run.command)),
                ("Template", safe_line(plan.request.template or "")),
                ("Archive", source),
            ):
                with Horizontal(classes="field"):
                    yield Label(name, classes="name")
                    yield Static(value, markup=False)
            change = Static(plan.change_text, id="change", markup=False)
            change.set_class(bool(plan.changed), "-changed")
            yield change
            with Horizontal(id="buttons"):
                yield Button("Back (n)", id="back", variant="primary")
                yield Button("Run again (y)", id="confirm", variant="success")
