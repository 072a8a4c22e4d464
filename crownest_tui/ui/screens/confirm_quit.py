"""Quitting ``--demo`` ends its backend and every run in it: ask first when runs are active.

(``--local``'s backend runs on its own, so quitting it ends nothing: no question.)
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from ...api.client import CrowNestClient
from ...api.errors import CrowNestError
from ...core.active_runs import count_active_runs
from .confirm import ConfirmScreen

COUNT_TIMEOUT = 2.0
"""Seconds to learn whether runs are active; a backend that cannot say has nothing to end."""


class ConfirmQuitScreen(ConfirmScreen):
    """Says how many runs quitting would end; dismisses with ``True`` to quit.

    ``y`` (or ``q`` again) quits; ``n`` and ``escape`` back out. **Back** has the focus.
    """

    DEFAULT_CSS = """
    ConfirmQuitScreen {
        align: center middle;
        background: $background 60%;
    }
    ConfirmQuitScreen #dialog {
        border: thick $error;
    }
    ConfirmQuitScreen Label {
        width: 1fr;
    }
    """
    BINDINGS = [
        Binding("y", "confirm", "Quit", id="confirm_quit.yes"),
        Binding("q", "confirm", "Quit", show=False, id="confirm_quit.again"),
        Binding("n", "back", "Back", id="confirm_quit.no"),
        Binding("escape", "back", "Back", show=False, id="confirm_quit.escape"),
    ]

    def __init__(self, active: int) -> None:
        super().__init__()
        self.active = active

    def compose(self) -> ComposeResult:
        runs = "1 run is" if self.active == 1 else f"{self.active} runs are"
        with Vertical(id="dialog"):
            yield Label("Quit the demo?", id="title")
            yield Label(f"{runs} still active in the demo backend.", markup=False)
            yield Label(
                "Quitting ends them: the demo backend and its data go away with the "
                "dashboard (crownest-tui --local keeps runs going after you quit).",
                id="warning",
                markup=False,
            )
            with Horizontal(id="buttons"):
                yield Button("Back (n)", id="back", variant="primary")
                yield Button("Quit (y)", id="confirm", variant="error")


async def quit_demo(app: App[Any], client: CrowNestClient) -> None:
    """Quit, unless the demo (on ``client``) has active runs: then ask (asked already: quit)."""
    if isinstance(app.screen, ConfirmQuitScreen):
        app.exit()
        return
    try:
        active = await asyncio.wait_for(count_active_runs(client), COUNT_TIMEOUT)
    except (CrowNestError, TimeoutError):  # it does not answer: nothing left to protect
        active = 0
    if not active:
        app.exit()
        return

    def answered(quit_: bool | None) -> None:
        if quit_:
            app.exit()

    app.push_screen(ConfirmQuitScreen(active), answered)
