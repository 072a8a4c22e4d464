"""The failure summary above a failed run's log: one row folded, every fact on ``x``."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ...core.failure_summary import FailureSummary


def _row(text: str, style: str = "", hint: str = "") -> Table:
    """One row cut with an ellipsis, and a dim hint on its right."""
    row = Table.grid(padding=(0, 2), expand=True)
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(no_wrap=True)
    row.add_row(Text(text, style=style), Text(hint, style="dim"))
    return row


class FailureSummaryView(Static):
    """Shows ``summary`` (set by the screen; hidden while ``None``)."""

    DEFAULT_CSS = """
    FailureSummaryView {
        height: auto;
        max-height: 1;
        padding: 0 1;
        background: $error 12%;
        display: none;
    }
    FailureSummaryView.-shown { display: block; }
    FailureSummaryView.-expanded { max-height: 50%; overflow-y: auto; }
    """

    summary: reactive[FailureSummary | None] = reactive(None)
    """What to say; ``None`` for a run that did not fail."""
    expanded: reactive[bool] = reactive(False)
    """Every fact, the last stderr lines and the first error lines (``x``)."""

    def watch_summary(self, summary: FailureSummary | None) -> None:
        self.set_class(summary is not None, "-shown")
        self._show()

    def watch_expanded(self, expanded: bool) -> None:
        self.set_class(expanded, "-expanded")
        self._show()

    def _show(self) -> None:
        summary = self.summary
        if summary is None:
            self.update("")
            return
        self.update(self._expanded(summary) if self.expanded else self._folded(summary))

    def _folded(self, summary: FailureSummary) -> RenderableType:
        return _row(f"✗ {summary.folded()}", "bold", "F: more")

    def _expanded(self, summary: FailureSummary) -> RenderableType:
        parts: list[RenderableType] = []
        for index, (title, rows) in enumerate(summary.expanded()):
            parts.append(_row(title, "bold", "F: fewer" if index == 0 else ""))
            parts += [_row(f"  {row}") for row in rows]
        return Group(*parts)
