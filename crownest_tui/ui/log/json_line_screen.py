"""``p`` on a JSON log line: the object pretty-printed, keys coloured, in a dialog."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class JsonLineScreen(ModalScreen[None]):
    """Shows one JSON line pretty-printed; ``escape``, ``p`` or ``q`` close it."""

    DEFAULT_CSS = """
    JsonLineScreen {
        align: center middle;
        & > #dialog {
            width: 90%;
            height: 80%;
            border: round $primary;
            background: $surface;
            padding: 0 1;
        }
        & #json-title { color: $text-muted; width: 1fr; }
        & #json-body { height: 1fr; }
    }
    """
    BINDINGS = [
        Binding("escape,p,q", "dismiss", "Close", id="json_line.close"),
    ]

    def __init__(self, title: str, body: Text) -> None:
        """``body``: the pretty text (sanitized, never read as markup)."""
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="json-title", markup=False)
            with VerticalScroll(id="json-body"):
                yield Static(self.body, markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
