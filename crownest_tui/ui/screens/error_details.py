"""The whole story of an API failure: title, message, code, HTTP status, details."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ...core.failures import FailureInfo


class ErrorDetailsScreen(ModalScreen[None]):
    """Opened with ``e`` while the error banner shows."""

    BINDINGS = [Binding("escape,e,q", "close", "Close", id="error_details.close")]

    def __init__(self, failure: FailureInfo) -> None:
        super().__init__()
        self.failure = failure

    def compose(self) -> ComposeResult:
        failure = self.failure
        status = "no response" if failure.status is None else f"HTTP {failure.status}"
        lines = [
            f"When:    {failure.when}",
            f"Code:    {failure.code}",
            f"Status:  {status}",
            f"Message: {failure.message}",
        ]
        if failure.details:
            lines.append(f"Details: {failure.details}")
        with Vertical(id="dialog"):
            yield Label(failure.title, id="title", markup=False)
            yield Static("\n".join(lines), markup=False, id="body")
            yield Label("escape closes", id="hint")

    def action_close(self) -> None:
        self.dismiss(None)
