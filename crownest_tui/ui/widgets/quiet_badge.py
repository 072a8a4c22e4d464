"""``Quiet for 5m``: shown beside a running run that has printed nothing for a while.

The detail screen and the split tail's panes feed it their follower's batches and
ask it again on the clock they already have (once a second); see
:mod:`crownest_tui.core.quiet`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from textual.app import App
from textual.widgets import Static

from ...api.events import RunEvent
from ...api.models import WorkspaceRun
from ...core.quiet import DEFAULT_QUIET_AFTER, QuietWatch, quiet_text


def quiet_threshold(app: App[Any]) -> float:
    """The app's ``quiet_after`` seconds (the config's), else the default."""
    value = getattr(app, "quiet_after", DEFAULT_QUIET_AFTER)
    return float(value) if isinstance(value, int | float) else DEFAULT_QUIET_AFTER


def _utc_now() -> datetime:
    return datetime.now(UTC)


class QuietBadge(Static):
    """Hidden unless the run is quiet; then ``Quiet for 5m`` in the warning colour."""

    DEFAULT_CSS = """
    QuietBadge { width: auto; height: 1; padding: 0 1; color: $text-warning;
                 text-style: bold; display: none; }
    QuietBadge.-quiet { display: block; }
    """

    def __init__(
        self,
        clock: Callable[[], datetime] = _utc_now,
        *,
        id: str | None = None,  # noqa: A002 (Textual's name)
        classes: str | None = None,
    ) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.clock = clock
        self.quiet = QuietWatch()
        self._run: WorkspaceRun | None = None
        self.text = ""

    def on_mount(self) -> None:
        self.quiet.threshold = quiet_threshold(self.app)

    def saw(self, events: list[RunEvent]) -> None:
        if self.quiet.saw(events, self.clock()):
            self.show(self._run)

    def show(self, run: WorkspaceRun | None) -> None:
        """Say (or stop saying) how long ``run`` has been quiet, as of now."""
        self._run = run
        seconds = self.quiet.quiet_for(run, self.clock())
        text = "" if seconds is None else quiet_text(seconds)
        if text != self.text:
            self.text = text
            self.update(text)
        self.set_class(seconds is not None, "-quiet")
