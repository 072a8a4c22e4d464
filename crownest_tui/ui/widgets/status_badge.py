"""A run status as glyph + word, coloured by a CSS class (readable without colour)."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from ...text.format import STATUS_CLASSES, status_class, status_label


class StatusBadge(Static):
    """Shows one status, e.g. ``▶ running``; its colour class follows the status."""

    DEFAULT_CSS = """
    StatusBadge { width: auto; }
    """

    status: reactive[str] = reactive("")
    """The run status shown (known or not)."""

    def __init__(self, status: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.set_reactive(StatusBadge.status, status)

    def on_mount(self) -> None:
        self.watch_status(self.status)

    def watch_status(self, status: str) -> None:
        self.remove_class(*STATUS_CLASSES)
        if status:
            self.add_class(status_class(status))
        self.update(Content(status_label(status) if status else ""))
