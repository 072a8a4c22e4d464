"""One run: header, live log, raw events, evidence and details; cancel from here too.

The screen owns the run's :class:`RunFeed` (event stream + state, shared with the split
tail's panes) and the worker that follows it; widgets get their parts handed down. The
stream engine (``api.stream``) resumes by seq after any disconnect, so the log gets
every line exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Label, ProgressBar, TabbedContent, TabPane

from ...api.client import CrowNestClient
from ...api.errors import CrowNestError
from ...api.events import RunEvent
from ...api.models import WorkspaceRun
from ...api.stream import EventStream, StreamStatus
from ...text.format import format_duration, status_label
from ..detail_state import RunDetailState, RunFeed
from ..failures import cancel_failure_text, cancel_refusal
from ..log.chunk import OutputChunk
from ..messages import RunChanged, WatchRun
from ..stylesheets import stylesheet
from ..widgets.artifacts_table import ArtifactsTable
from ..widgets.connection_bar import ConnectionBar
from ..widgets.evidence_view import EvidenceView
from ..widgets.footer import Footer
from ..widgets.log_view import LogView
from ..widgets.run_header import RunHeader
from ..widgets.timeline_view import TimelineView
from .artifact_download import save_artifact
from .confirm_cancel import ConfirmCancelScreen

Clock = Callable[[], datetime]
TABS = ("log", "events", "evidence", "details")
EVIDENCE_RETRY_SECONDS = 2.0
EVIDENCE_RETRIES = 30


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RunDetailScreen(Screen[None]):
    """Follow one run live (``crownest-tui open wsr_…`` or ``enter`` in the list)."""

    CSS_PATH = [stylesheet("detail")]

    BINDINGS = [
        Binding("escape", "back", "Back", id="detail.back"),
        Binding("1", "tab('log')", "Log", id="detail.tab_log"),
        Binding("2", "tab('events')", "Events", id="detail.tab_events"),
        Binding("3", "tab('evidence')", "Evidence", id="detail.tab_evidence"),
        Binding("4", "tab('details')", "Details", id="detail.tab_details"),
        Binding("c", "cancel_run", "Cancel run", id="detail.cancel"),
        Binding("R", "reconnect", "Reconnect", id="detail.reconnect"),
        Binding("W,w", "watch", "Watch", show=False, id="detail.watch"),
        Binding("d", "download", "Download artifact", show=False, id="detail.download"),
        Binding("s", "toggle_sha", "Full sha256", show=False, id="detail.sha"),
        Binding("j", "toggle_json", "Raw JSON", show=False, id="detail.json"),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", show=False, id="app.quit"),
    ]

    def __init__(
        self,
        client: CrowNestClient,
        run_id: str,
        *,
        after_seq: int | None = None,
        read_only: bool = False,
        bell: bool = False,
        clock: Clock | None = None,
        save_directory: Path | None = None,
        project_names: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.project_names = project_names or {}
        self.client = client
        self.run_id = run_id
        self.after_seq = after_seq
        self.read_only = read_only
        self.bell = bell
        self.clock = clock or _utc_now
        self.save_directory = save_directory
        self.feed = RunFeed(run_id, after_seq)
        self._seen_active = False  # only a run seen running gets a "run ended" toast
        self._ended = False
        self._evidence_tries = 0

    @property
    def state(self) -> RunDetailState:
        return self.feed.state

    @property
    def stream(self) -> EventStream | None:
        """The event stream being followed (the latest one after a restart)."""
        return self.feed.stream

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield RunHeader(self.clock, project_names=self.project_names, id="header")
        yield ConnectionBar(id="connection")
        with TabbedContent(initial="log", id="tabs"):
            with TabPane("1 Log", id="log"):
                yield LogView(
                    id="log-view", save_name=self.run_id, save_directory=self.save_directory
                )
            with TabPane("2 Events", id="events"):
                yield LogView(
                    id="events-view",
                    save_name=f"{self.run_id}-events",
                    save_directory=self.save_directory,
                )
            with TabPane("3 Evidence", id="evidence"), VerticalScroll():
                yield EvidenceView(self.clock, id="evidence-view")
            with TabPane("4 Details", id="details"), VerticalScroll():
                yield Label("Status timeline", classes="section")
                yield TimelineView(self.clock, id="timeline")
                yield Label("Archive upload", classes="section")
                yield ProgressBar(id="upload", show_eta=False)
                yield Label("Artifacts (d downloads the selected one)", classes="section")
                yield ArtifactsTable(id="artifacts")
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.run_id
        # Durations count while the run is active; a finished run's screen sleeps.
        self._ticker = self.set_interval(1.0, self._tick, pause=True)
        self.load_run()
        self.follow_events()
        self.query_one("#log-view", LogView).lines.focus()

    def _tick(self) -> None:
        self.query_one(RunHeader).tick()
        self.query_one(TimelineView).tick()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "cancel_run" and self.read_only)

    # -- workers: I/O only, results handed to the state and widgets -------------------

    @work(exclusive=True, group="detail-run", description="load the run")
    async def load_run(self) -> None:
        try:
            run = await self.client.get_run(self.run_id)
        except CrowNestError as error:
            self.notify(error.message, title=error.title, severity="error")
            return
        self._set_run(run)

    @work(exclusive=True, group="detail-stream", description="follow the event stream")
    async def follow_events(self) -> None:
        try:
            await self.feed.follow(self.client, self._stream_status, self._ingest, self._set_run)
        except CrowNestError as error:
            self.notify(error.message, title=f"Stream stopped: {error.title}", severity="error")

    @work(exclusive=True, group="detail-evidence", description="fetch the evidence")
    async def load_evidence(self) -> None:
        view = self.query_one(EvidenceView)
        try:
            view.evidence = await self.client.evidence(self.run_id)
        except CrowNestError as error:
            self._evidence_tries += 1
            if self._evidence_tries < EVIDENCE_RETRIES and error.status in (404, None, 429, 503):
                view.waiting = "The run has ended; waiting for its Evidence Bundle…"
                self.set_timer(EVIDENCE_RETRY_SECONDS, self.load_evidence)
            else:
                view.waiting = f"Evidence could not be fetched: {error.message}"

    @work(exclusive=True, group="detail-cancel", description="cancel the run")
    async def cancel(self) -> None:
        try:
            run = await self.client.cancel_run(self.run_id)
        except CrowNestError as error:
            title, message = cancel_failure_text(error, self.run_id)
            self.notify(message, title=title, severity="error", timeout=8)
            return
        self.notify(f"{self.run_id} is being cancelled.", title="Cancel requested")
        self._set_run(run)

    @work(group="detail-artifacts", description="fetch artifact sizes")
    async def load_artifact_sizes(self, artifact_ids: list[str]) -> None:
        for artifact_id in artifact_ids:
            try:
                artifact = await self.client.get_artifact(artifact_id)
            except CrowNestError:
                continue  # the size stays unknown; the row still downloads
            row = self.state.artifacts.get(artifact_id)
            if row is not None:
                row.size_bytes = artifact.size_bytes
                row.path = row.path or artifact.source_path or artifact.name
        self._show_state()

    @work(group="detail-download", description="download an artifact")
    async def download(self, artifact_id: str) -> None:
        try:
            path = await save_artifact(self.client, artifact_id, self.save_directory or Path.cwd())
        except (CrowNestError, OSError) as error:
            message = error.message if isinstance(error, CrowNestError) else str(error)
            self.notify(message, title=f"Could not download {artifact_id}", severity="error")
            return
        self.notify(f"Saved to {path}", title=f"Downloaded {artifact_id}")

    # -- state changes -----------------------------------------------------------------

    def _stream_status(self, status: StreamStatus) -> None:
        # The stream closes while the screen is being removed.
        with contextlib.suppress(NoMatches):
            self.query_one(ConnectionBar).status = status

    def _ingest(
        self, output: list[OutputChunk], raw: list[OutputChunk], batch: list[RunEvent]
    ) -> None:
        try:
            if output:
                self.query_one("#log-view", LogView).append(output)
            self.query_one("#events-view", LogView).append(raw)
        except NoMatches:
            return  # a batch arrived while the screen is being removed
        self._show_state()

    def _set_run(self, run: WorkspaceRun) -> None:
        self.state.set_run(run)
        self._show_state()
        self.app.post_message(RunChanged(run))

    def _show_state(self) -> None:
        # The screen may be being removed (escape while the stream delivers).
        with contextlib.suppress(NoMatches):
            self._show_widgets()

    def _show_widgets(self) -> None:
        state = self.state
        run = state.run
        self.query_one(RunHeader).run = run
        self.query_one(TimelineView).steps = tuple(state.timeline)
        upload = self.query_one(ProgressBar)
        if state.archive_size:
            upload.update(total=state.archive_size, progress=state.received_bytes or 0)
        self.query_one(ArtifactsTable).show(list(state.artifacts.values()), state.artifact_errors)
        if run is not None:
            self.sub_title = status_label(run.status)
            if not run.is_terminal:
                self._ticker.resume()
                self._seen_active = True
            elif not self._ended:
                self._ticker.pause()
                self._ended = True
                self.load_evidence()
                self.load_artifact_sizes(list(state.artifacts))
                if self._seen_active:
                    self._announce_end(run)

    def _announce_end(self, run: WorkspaceRun) -> None:
        if self.run_id in getattr(self.app, "watchlist", ()):
            return  # the app's watcher announces watched runs (once)
        duration = (
            "" if run.duration_ms is None else f" in {format_duration(run.duration_ms / 1000)}"
        )
        exit_text = "" if run.exit_code is None else f", exit code {run.exit_code}"
        self.notify(
            f"{run.id} {run.status}{duration}{exit_text}",
            title="Run ended",
            severity="information" if run.status == "succeeded" else "warning",
        )
        if self.bell:
            self.app.bell()

    # -- actions -----------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    @on(TabbedContent.TabActivated)
    def _focus_tab(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.id
        if pane == "log":
            self.query_one("#log-view", LogView).lines.focus()
        elif pane == "events":
            self.query_one("#events-view", LogView).lines.focus()
        elif pane == "details":
            self.query_one(ArtifactsTable).focus()

    def action_cancel_run(self) -> None:
        run = self.state.run
        if run is None:
            self.notify("The run is still loading.", title="Cancel")
            return
        if run.is_terminal:
            self.notify(cancel_refusal(run), title="Nothing to cancel")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.cancel()

        self.app.push_screen(ConfirmCancelScreen(run), confirmed)

    def action_reconnect(self) -> None:
        if self.feed.reconnect():
            self.follow_events()

    def action_watch(self) -> None:
        """Watch this run (or stop): the app says when it ends, even after escape."""
        self.post_message(WatchRun(self.run_id, self.state.run))

    def action_download(self) -> None:
        artifact = self.query_one(ArtifactsTable).selected_artifact()
        if artifact is None:
            self.notify("Select an artifact in the Details tab (4) first.", title="Download")
            return
        self.download(artifact)

    def action_toggle_sha(self) -> None:
        header = self.query_one(RunHeader)
        header.full_sha = not header.full_sha

    def action_toggle_json(self) -> None:
        view = self.query_one(EvidenceView)
        view.raw = not view.raw
