"""The run's status timeline: when each step began and how long it took."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ...api.models import is_terminal
from ...core.detail_state import TimelineStep
from ...text.format import format_duration, status_label
from ..themes import on_theme, themed_status_style


class TimelineView(Static):
    """Shows ``steps``; the step still in progress ticks with ``tick()``."""

    DEFAULT_CSS = """
    TimelineView { height: auto; padding: 0 1; }
    """

    steps: reactive[tuple[TimelineStep, ...]] = reactive(tuple)
    """The statuses the run went through, oldest first."""

    def __init__(self, clock: Callable[[], datetime], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.clock = clock

    def on_mount(self) -> None:
        on_theme(self, self.tick)

    def watch_steps(self) -> None:
        self.tick()

    def tick(self) -> None:
        if not self.steps:
            self.update("No status changes seen yet.")
            return
        now = self.clock()
        table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
        table.add_column("Status")
        table.add_column("Began (UTC)")
        table.add_column("Time in step", justify="right")
        for step in self.steps:
            style = themed_status_style(self, step.status)
            end = step.ended or now
            spent = format_duration((end - step.started).total_seconds())
            if step.ended is None and is_terminal(step.status):
                spent = "—"
            elif step.ended is None:
                spent += " …"
            table.add_row(
                Text(status_label(step.status), style=style),
                step.started.strftime("%H:%M:%S.%f")[:-3],
                spent,
            )
        self.update(table)
