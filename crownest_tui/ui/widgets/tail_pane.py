"""One pane of the split tail: a run's header, its connection line and its live log.

The pane follows its run with the same :class:`RunFeed` as the detail screen, so its
transcript is exact across disconnects (resumed by seq, never a line lost or doubled).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Label

from ...api.client import CrowNestClient
from ...api.errors import CrowNestError
from ...api.events import RunEvent
from ...api.models import WorkspaceRun
from ...api.stream import EventStream, StreamStatus
from ...text.format import safe_line
from ..detail_state import RunFeed
from ..log.chunk import OutputChunk
from ..messages import RunChanged
from .connection_bar import ConnectionBar
from .log_view import LogView
from .status_badge import StatusBadge


class TailPane(Vertical):
    """Follows one run: ``wsr_… ▶ running command``, the stream's state, the log."""

    def __init__(
        self,
        client: CrowNestClient,
        run_id: str,
        *,
        save_directory: Path | None = None,
        id: str | None = None,  # noqa: A002 (Textual's name)
    ) -> None:
        super().__init__(id=id, classes="tail-pane")
        self.client = client
        self.run_id = run_id
        self.feed = RunFeed(run_id)
        self.save_directory = save_directory
        self._shown: WorkspaceRun | None = None

    @property
    def stream(self) -> EventStream | None:
        return self.feed.stream

    @property
    def run(self) -> WorkspaceRun | None:
        """The latest copy of the run (``None`` while it loads)."""
        return self.feed.state.run

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-header"):
            badge = StatusBadge()
            badge.add_class("pane-status")
            yield badge
            yield Label(self.run_id, classes="pane-id", markup=False)
            yield Label("", classes="pane-command", markup=False)
        yield ConnectionBar(classes="pane-connection")
        yield LogView(save_name=self.run_id, save_directory=self.save_directory)

    def on_mount(self) -> None:
        self.load_run()
        self.follow_events()

    def reconnect(self) -> None:
        """Reconnect now (or restart a stream that failed)."""
        if self.feed.reconnect():
            self.follow_events()

    # -- workers ---------------------------------------------------------------------

    @work(exclusive=True, group="pane-run", description="load the run")
    async def load_run(self) -> None:
        try:
            run = await self.client.get_run(self.run_id)
        except CrowNestError as error:
            self.notify(error.message, title=f"{self.run_id}: {error.title}", severity="error")
            return
        self._set_run(run)

    @work(exclusive=True, group="pane-stream", description="follow the event stream")
    async def follow_events(self) -> None:
        try:
            await self.feed.follow(self.client, self._stream_status, self._ingest, self._set_run)
        except CrowNestError as error:
            self.notify(error.message, title=f"{self.run_id}: stream stopped", severity="error")

    # -- state changes ---------------------------------------------------------------

    def _stream_status(self, status: StreamStatus) -> None:
        # The stream closes while the pane is being removed.
        with contextlib.suppress(NoMatches):
            self.query_one(ConnectionBar).status = status

    def _ingest(
        self, output: list[OutputChunk], raw: list[OutputChunk], batch: list[RunEvent]
    ) -> None:
        try:
            if output:
                self.log_view.append(output)
            self._show_run()
        except NoMatches:
            return  # a batch arrived while the pane is being removed

    def _set_run(self, run: WorkspaceRun) -> None:
        self.feed.state.set_run(run)
        self.app.post_message(RunChanged(run))
        try:
            self._show_run()
        except NoMatches:
            return  # the pane is being removed

    def _show_run(self) -> None:
        run = self.feed.state.run
        if run is None or run is self._shown:
            return
        self._shown = run
        self.query_one(StatusBadge).status = str(run.status)
        self.query_one(".pane-command", Label).update(safe_line(run.command))
        self.set_class(run.is_terminal, "-ended")
