"""The detail screen's triage: keep the failure summary current, and open a failed run
at its first error line.

Only a run that had already failed when the screen opened jumps (someone watching a
run live keeps their place), and only while the log still follows (the reader has
not scrolled): the error index fills as output arrives, so the jump happens as soon
as the first error line is in, even while the rest of a long log is still replayed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.widget import Widget

from ...api.models import RunStatus, WorkspaceRun
from ...core.failure_summary import ERRORS_SHOWN, STDERR_TAIL, summarize
from ..log.excerpts import numbered, stderr_tail
from ..widgets.failure_summary import FailureSummaryView
from ..widgets.log_view import LogView


class FailureTriage:
    """Feeds one :class:`FailureSummaryView` from a run and its :class:`LogView`."""

    def __init__(
        self, log: LogView, view: FailureSummaryView, clock: Callable[[], datetime]
    ) -> None:
        self.log, self.view, self.clock = log, view, clock
        self.header: Widget | None = None
        """Loses its bottom border while the summary's row stands in for it."""
        self.opened_failed: bool | None = None
        """Whether the run had failed when first seen (``None`` until it is seen)."""
        self.jumped = False
        self._run: WorkspaceRun | None = None
        self._dirty = True

    def run_shown(self, run: WorkspaceRun | None) -> None:
        """A (fresher) copy of the run is shown."""
        if run is None:
            return
        if self.opened_failed is None:
            self.opened_failed = run.status == RunStatus.FAILED
        if run is not self._run:
            self._run, self._dirty = run, True
            self.refresh()
        self._open_at_first_error()

    def output_arrived(self) -> None:
        """A batch of output went into the log: new error lines are said at once, the
        rest (the last stderr lines) once a second."""
        self._dirty = True
        summary, index = self.view.summary, self.log.error_lines
        if summary is not None and index is not None and len(index) != summary.error_count:
            self.refresh()
        self._open_at_first_error()

    def refresh(self) -> None:
        """Say what is known now, if anything changed."""
        if not self._dirty:
            return
        self._dirty = False
        run, transcript, index = self._run, self.log.transcript, self.log.error_lines
        failed = run is not None and run.status == RunStatus.FAILED
        if self.header is not None:
            self.header.set_class(failed, "-failed")
        if run is None or not failed:
            self.view.summary = None
            return
        errors = numbered(transcript, index.lines(ERRORS_SHOWN)) if index is not None else []
        count = len(index) if index is not None else 0
        tail = stderr_tail(transcript, STDERR_TAIL)
        self.view.summary = summarize(run, self.clock(), tail, errors, count)

    def _open_at_first_error(self) -> None:
        if not self.opened_failed or self.jumped or not self.log.follow:
            return
        index = self.log.error_lines
        if index is not None and len(index) and self.log.show_first_error():
            self.jumped = True
