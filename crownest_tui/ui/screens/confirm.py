"""A yes-or-back question whose safe answer, **Back**, has the focus (k9s' lesson)."""

from __future__ import annotations

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Button


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with ``True`` from the ``#confirm`` button (or ``action_confirm``) and
    ``False`` from ``#back`` (or ``action_back``). A subclass composes the question,
    with those two buttons, and binds its keys to the two actions."""

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.dismiss(False)
