"""One pane of the split tail: a run's header, its connection line and its live log.

The pane follows its run with the same :class:`RunFollower` as the detail screen, so
its transcript is exact across disconnects (resumed by seq, never a line lost or
doubled).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from ...api.client import CrowNestClient
from ...api.models import RunStatus, WorkspaceRun
from ...core.error_lines import ErrorMatcher
from ...core.save_folder import SaveFolder
from ...text.format import safe_line
from ..run_follower import FollowsRun, RunFollower
from .connection_bar import ConnectionBar
from .log_view import LogView
from .quiet_badge import QuietBadge
from .status_badge import StatusBadge


class TailPane(FollowsRun, Vertical):
    """Follows one run: ``wsr_… ▶ running command``, the stream's state, the log."""

    def __init__(
        self,
        client: CrowNestClient,
        run_id: str,
        *,
        save_directory: Path | SaveFolder | None = None,
        error_matcher: ErrorMatcher | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
    ) -> None:
        """``error_matcher``: which lines are error lines (``e``/``E``; None: none)."""
        super().__init__(id=id, classes="tail-pane")
        self.client = client
        self.run_id = run_id
        self.save_directory = save_directory
        self.error_matcher = error_matcher
        self._shown: WorkspaceRun | None = None

    @property
    def run(self) -> WorkspaceRun | None:
        """The latest copy of the run (``None`` while it loads)."""
        return self.follower.state.run

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)

    def compose(self) -> ComposeResult:
        yield RunFollower(self.client, self.run_id)
        with Horizontal(classes="pane-header"):
            badge = StatusBadge()
            badge.add_class("pane-status")
            yield badge
            yield Label(self.run_id, classes="pane-id", markup=False)
            yield Label("", classes="pane-command", markup=False)
            yield QuietBadge(classes="pane-quiet")
        yield ConnectionBar(classes="pane-connection").data_bind(status=TailPane.stream_status)
        yield LogView(
            save_name=self.run_id,
            save_directory=self.save_directory,
            run_id=self.run_id,
            error_matcher=self.error_matcher,
        )

    def tick(self) -> None:
        """Re-render the quiet badge: every second while the run is active (a pane
        of an ended run sleeps)."""
        self.query_one(QuietBadge).show(self.run)

    def on_mount(self) -> None:
        self._ticker = self.set_interval(1.0, self.tick, pause=True)

    def reconnect(self) -> None:
        """Reconnect now (or restart a stream that failed)."""
        self.follower.reconnect()

    # -- the run's follower ----------------------------------------------------------

    def on_run_follower_batch(self, message: RunFollower.Batch) -> None:
        message.stop()
        if message.output:
            self.log_view.append(message.output)
        self.query_one(QuietBadge).saw(message.events)
        self.stream_status = message.status
        self.show_run()

    def on_run_follower_failed(self, message: RunFollower.Failed) -> None:
        message.stop()
        error = message.error
        what = error.title if message.stage == "load" else "stream stopped"
        self.notify(error.message, title=f"{self.run_id}: {what}", severity="error", markup=False)

    def show_run(self) -> None:
        run = self.run
        if run is None or run is self._shown:
            return
        self._shown = run
        self.log_view.set_run_state(not run.is_terminal, run.status == RunStatus.FAILED)
        self.query_one(StatusBadge).status = str(run.status)
        self.query_one(".pane-command", Label).update(safe_line(run.command))
        self.set_class(run.is_terminal, "-ended")
        if run.status == RunStatus.RUNNING:
            self._ticker.resume()
        else:
            self._ticker.pause()
            self.tick()
