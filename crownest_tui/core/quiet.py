"""Is a running run quiet? Nothing printed (heartbeats do not count) for a while.

A :class:`QuietWatch` hears a run's events and answers, for a moment, how long the run
has printed nothing, once that is at least the threshold (``[ui] quiet_after`` in the
config, 5 minutes by default, 0 for never). The time of the last output is its event's
own time, so a run opened after falling quiet shows it at once; before any output the
run's start counts. Only ``running`` runs are ever quiet: the others are waiting on
the platform, not on their command. Computed when asked (a screen's existing clock,
the watcher's poll), never on a timer of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from ..api.models import RunStatus, WorkspaceRun

if TYPE_CHECKING:  # the event models load with the first stream, not at start-up
    from ..api.events import RunEvent

DEFAULT_QUIET_AFTER = 300.0


@dataclass
class QuietWatch:
    """The last output time of one run, against ``threshold`` seconds (0: off)."""

    threshold: float = DEFAULT_QUIET_AFTER
    last_output: datetime | None = None

    def saw(self, events: list[RunEvent], received: datetime) -> bool:
        """Take a batch of events in seq order (``received`` stands in for a missing
        event time); True when it held output. Only its last output's time is read
        (times are parsed on first use, and batches can hold thousands)."""
        from ..api.events import StderrEvent, StdoutEvent  # loaded by then: events came

        for event in reversed(events):
            if isinstance(event, StdoutEvent | StderrEvent):
                when = event.created_at or received
                if self.last_output is None or when > self.last_output:
                    self.last_output = when
                return True
        return False

    def quiet_for(self, run: WorkspaceRun | None, now: datetime) -> float | None:
        """Seconds the running ``run`` has printed nothing, when at least the threshold."""
        if self.threshold <= 0 or run is None or run.status != RunStatus.RUNNING:
            return None
        since = max((t for t in (self.last_output, run.started_at) if t is not None), default=None)
        if since is None:
            return None
        quiet = (now - since).total_seconds()
        return quiet if quiet >= self.threshold else None


def quiet_text(seconds: float) -> str:
    """``Quiet for 5m`` (whole minutes, hours past 90 minutes; seconds under a minute)."""
    whole = int(seconds)
    if whole < 60:
        return f"Quiet for {whole}s"
    minutes = whole // 60
    if minutes < 90:
        return f"Quiet for {minutes}m"
    return f"Quiet for {minutes // 60}h {minutes % 60:02d}m"
