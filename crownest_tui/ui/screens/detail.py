"""One run: header, live log, raw events, evidence and details; cancel from here too.

A :class:`RunFollower` (shared with the split tail's panes) loads the run and follows
its stream; the screen handles its messages and hands the parts down to its widgets.
The stream engine (``api.stream``) resumes by seq after any disconnect, so the log
gets every line exactly once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, TabbedContent, TabPane

from ...api.client import CrowNestClient
from ...api.errors import CrowNestError
from ...api.http import is_retryable
from ...api.models import RunStatus, WorkspaceRun
from ...core.detail_state import RunDetailState
from ...core.error_lines import ErrorMatcher
from ...core.failures import (
    cancel_failure_text,
    cancel_refusal,
    read_only_refusal,
    why_no_cancel,
)
from ...core.save_folder import SaveFolder
from ...text.format import format_duration, safe_line, status_label
from ..bindings import explain_refusal
from ..messages import OpenCompare, WatchRun
from ..palette_keys import ScreenKeyCommands
from ..run_follower import FollowsRun, RunFollower
from ..stylesheets import stylesheet
from ..watch import watcher_announces
from ..widgets.artifacts_table import ArtifactsTable
from ..widgets.connection_bar import ConnectionBar
from ..widgets.context_bar import ContextBar
from ..widgets.evidence_view import EvidenceView
from ..widgets.failure_summary import FailureSummaryView
from ..widgets.footer import Footer
from ..widgets.log_view import LogView
from ..widgets.quiet_badge import QuietBadge
from ..widgets.run_header import RunHeader
from ..widgets.timeline_view import TimelineView
from ..widgets.upload_bar import UploadBar
from .artifact_download import save_artifact
from .confirm_cancel import ConfirmCancelScreen
from .failure_triage import FailureTriage
from .rerunning import Rerun

Clock = Callable[[], datetime]
TABS = ("log", "events", "evidence", "details")
EVIDENCE_RETRY_SECONDS = 2.0
EVIDENCE_RETRIES = 30
RUN_RETRY_SECONDS = 2.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class RunDetailScreen(FollowsRun, Screen[None]):
    """Follow one run live (``crownest-tui open wsr_…`` or ``enter`` in the list)."""

    CSS_PATH = [stylesheet("detail")]
    COMMANDS = {ScreenKeyCommands}

    # The footer shows the essentials in short words (with the log's f and /, it fits
    # 80 columns with ? and q); the tabs show their digits, the connection line names R,
    # and help (?, which shows the tooltips) and the palette list the rest.
    BINDINGS = [
        Binding("escape", "back", "Back", id="detail.back", tooltip="Back to the runs list"),
        Binding("1", "tab('log')", "Log", show=False, id="detail.tab_log", tooltip="Log tab"),
        Binding(
            "2",
            "tab('events')",
            "Events",
            show=False,
            id="detail.tab_events",
            tooltip="Raw events tab",
        ),
        Binding(
            "3",
            "tab('evidence')",
            "Evidence",
            show=False,
            id="detail.tab_evidence",
            tooltip="Evidence Bundle tab",
        ),
        Binding(
            "4",
            "tab('details')",
            "Details",
            show=False,
            id="detail.tab_details",
            tooltip="Timeline, upload and artifacts tab",
        ),
        Binding("c", "cancel_run", "Cancel", id="detail.cancel", tooltip="Cancel the run"),
        Binding(
            "exclamation_mark",
            "rerun",
            "Run again",
            show=False,
            id="detail.rerun",
            tooltip="Run it again, its files packed anew",
        ),
        Binding(
            "i",
            "toggle_header",
            "All fields",
            show=False,
            id="detail.header",
            tooltip="Show every field of the run, or the two summary rows",
        ),
        Binding(
            "F",
            "toggle_failure",
            "Why it failed",
            show=False,
            id="detail.failure",
            tooltip="Failure summary: every fact and error line, or one row",
        ),
        Binding(
            "R",
            "reconnect",
            "Reconnect",
            show=False,
            id="detail.reconnect",
            tooltip="Reconnect the event stream now",
        ),
        Binding(
            "W,w",
            "watch",
            "Watch",
            show=False,
            id="detail.watch",
            tooltip="Watch the run: say when it ends, even after leaving",
        ),
        Binding(
            "d",
            "download",
            "Download",
            show=False,
            id="detail.download",
            tooltip="Download the selected artifact (Details tab)",
        ),
        Binding(
            "s", "toggle_sha", "Full sha256", show=False, id="detail.sha", tooltip="Full sha256"
        ),
        Binding(
            "j",
            "toggle_json",
            "Raw JSON",
            show=False,
            id="detail.json",
            tooltip="Evidence as raw JSON, or as fields",
        ),
        Binding(
            "equals_sign",
            "compare",
            "Compare",
            show=False,
            id="detail.compare",
            tooltip="Compare with the last good run of the same work",
        ),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        client: CrowNestClient,
        run_id: str,
        *,
        after_seq: int | None = None,
        at_seq: int | None = None,
        read_only: bool = False,
        bell: bool = False,
        clock: Clock | None = None,
        save_directory: Path | SaveFolder | None = None,
        project_names: Mapping[str, str] | None = None,
        error_matcher: ErrorMatcher | None = None,
    ) -> None:
        super().__init__()
        self.error_matcher = error_matcher or ErrorMatcher()
        self.project_names = project_names or {}
        self.client = client
        self.run_id = run_id
        self.after_seq = after_seq
        self.at_seq = at_seq  # the log opens at this event's line (``open … --at-seq``)
        self.read_only = read_only
        self.bell = bell
        self.clock = clock or _utc_now
        self.save_folder = SaveFolder.of(save_directory)
        self._seen_active = False  # only a run seen running gets a "run ended" toast
        self._ended = False
        self._evidence_tries = 0
        self._load_retries = 0
        self._failure_triage: FailureTriage | None = None

    @property
    def state(self) -> RunDetailState:
        return self.follower.state

    # -- layout ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ContextBar()
        yield RunFollower(self.client, self.run_id, after_seq=self.after_seq)
        yield RunHeader(self.clock, project_names=self.project_names, id="header")
        yield QuietBadge(self.clock, id="quiet")
        yield FailureSummaryView(id="failure")
        yield ConnectionBar(id="connection").data_bind(status=RunDetailScreen.stream_status)
        yield UploadBar(live_only=True, id="receiving")
        with TabbedContent(initial="log", id="tabs"):
            with TabPane("1 Log", id="log"):
                yield LogView(
                    id="log-view",
                    save_name=self.run_id,
                    save_directory=self.save_folder,
                    run_id=self.run_id,
                    error_matcher=self.error_matcher,
                )
            with TabPane("2 Events", id="events"):
                yield LogView(
                    id="events-view",
                    save_name=f"{self.run_id}-events",
                    save_directory=self.save_folder,
                )
            with TabPane("3 Evidence", id="evidence"), VerticalScroll(id="evidence-scroll"):
                yield EvidenceView(self.clock, id="evidence-view")
            with TabPane("4 Details", id="details"), VerticalScroll():
                yield Label("Status timeline", classes="section")
                yield TimelineView(self.clock, id="timeline")
                yield Label("Archive upload", classes="section")
                yield UploadBar(id="upload")
                yield Label("Artifacts (d downloads the selected one)", classes="section")
                yield ArtifactsTable(id="artifacts")
        yield Footer()

    @property
    def _triage(self) -> FailureTriage:
        """The failure summary's feeder (made on first use: messages may come first)."""
        if self._failure_triage is None:
            log, view = self.query_one("#log-view", LogView), self.query_one(FailureSummaryView)
            self._failure_triage = FailureTriage(log, view, self.clock)
            self._failure_triage.header = self.query_one(RunHeader)
        return self._failure_triage

    def on_mount(self) -> None:
        self.title = self.run_id
        # Durations count while the run is active; a finished run's screen sleeps.
        self._ticker = self.set_interval(1.0, self._tick, pause=True)
        self.set_focus(self.query_one("#log-view", LogView).lines)
        if self.at_seq is not None:
            self.query_one("#log-view", LogView).go_to_seq(self.at_seq)

    def _tick(self) -> None:
        self._triage.refresh()
        self.query_one(RunHeader).tick()
        self.query_one(QuietBadge).show(self.state.run)
        self.query_one(TimelineView).tick()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_failure":
            return self.query_one(FailureSummaryView).summary is not None
        if action == "cancel_run":  # hidden (and explained by on_key) when it cannot
            return why_no_cancel(self.state.run, self.read_only) is None
        if action == "rerun":
            return not self.read_only
        return True

    def on_key(self, event: events.Key) -> None:
        refusals = {
            "detail.cancel": lambda: why_no_cancel(self.state.run, self.read_only),
            "detail.rerun": lambda: (
                read_only_refusal("runs are not started") if self.read_only else None
            ),
        }
        if explain_refusal(self, event, refusals):
            event.stop()

    # -- the run's follower ----------------------------------------------------------

    def on_run_follower_batch(self, message: RunFollower.Batch) -> None:
        message.stop()
        if message.output:
            self.query_one("#log-view", LogView).append(message.output)
            self._triage.output_arrived()
        self.query_one("#events-view", LogView).append(message.raw)
        self.query_one(QuietBadge).saw(message.events)
        self.stream_status = message.status
        self.show_run()

    def on_run_follower_failed(self, message: RunFollower.Failed) -> None:
        """A load that failed says so once and is retried while it may work; a run
        that is not there (or not ours) says so in the header, never "Loading…"."""
        message.stop()
        error = message.error
        if message.stage == "load":
            if not self._load_retries:  # retries only change what the header says
                self.notify(error.message, title=error.title, severity="error", markup=False)
            self._cannot_show(error)
            if is_retryable(error):
                self._load_retries += 1
                self.set_timer(RUN_RETRY_SECONDS, self.follower.load)
            return
        title = f"Stream stopped: {error.title}"
        self.notify(error.message, title=title, severity="error", markup=False)
        if not is_retryable(error):
            self._cannot_show(error)

    def on_run_follower_loaded(self, message: RunFollower.Loaded) -> None:
        self.query_one(RunHeader).problem = None  # it loaded after all
        super().on_run_follower_loaded(message)

    def _cannot_show(self, error: CrowNestError) -> None:
        """Say in the header why the run is not shown, instead of loading forever."""
        header = self.query_one(RunHeader)
        if is_retryable(error):
            if header.run is None:
                header.problem = f"Cannot load {self.run_id} yet (retrying): {error.message}"
            return
        gone = "was not found" if error.status == 404 else "cannot be shown"
        header.problem = (
            f"{self.run_id} {gone}: {error.message} [{error.code}]. Escape goes to the runs list."
        )

    # -- workers: I/O only, results handed to the state and widgets -------------------

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
            self.notify(message, title=title, severity="error", timeout=8, markup=False)
            return
        self.notify(f"{self.run_id} is being canceled.", title="Cancel requested", markup=False)
        self.follower.take_run(run)
        self.run_changed(run)

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
                row.retention_expires_at = artifact.retention_expires_at
                row.deleted_at = artifact.deleted_at
                row.path = row.path or artifact.source_path or artifact.name
        self.show_run()

    @work(group="detail-download", description="download an artifact")
    async def download(self, artifact_id: str) -> None:
        try:
            saved = await save_artifact(self.client, artifact_id, self.save_folder)
        except (CrowNestError, OSError) as error:
            message = error.message if isinstance(error, CrowNestError) else str(error)
            title = f"Could not download {artifact_id}"
            self.notify(message, title=title, severity="error", markup=False)
            return
        where = saved.target.describe(saved.path)
        self.notify(
            f"Saved to {where}", title=f"Downloaded {artifact_id}", markup=False, timeout=10
        )

    # -- state changes -----------------------------------------------------------------

    def show_run(self) -> None:
        state = self.state
        run = state.run
        self.query_one(RunHeader).run = run
        self.query_one(QuietBadge).show(run)
        self._triage.run_shown(run)
        self.query_one(TimelineView).steps = tuple(state.timeline)
        for upload in self.query(UploadBar):
            upload.show_state(state)
        self.query_one(ArtifactsTable).show(list(state.artifacts.values()), state.artifact_errors)
        if run is not None:
            failed = run.status == RunStatus.FAILED
            self.query_one("#log-view", LogView).set_run_state(not run.is_terminal, failed)
            self.sub_title = status_label(run.status)
            if not run.is_terminal:
                self._ticker.resume()
                self._seen_active = True
            elif not self._ended:
                self._ticker.pause()
                self._ended = True
                self.refresh_bindings()  # c Cancel leaves the footer
                self.load_evidence()
                self.load_artifact_sizes(list(state.artifacts))
                if self._seen_active:
                    self._announce_end(run)

    def _announce_end(self, run: WorkspaceRun) -> None:
        if watcher_announces(self.app, self.run_id):
            return  # the app's watcher announces watched runs (once)
        duration = (
            "" if run.duration_ms is None else f" in {format_duration(run.duration_ms / 1000)}"
        )
        exit_text = "" if run.exit_code is None else f", exit code {run.exit_code}"
        self.notify(
            f"{run.id} {safe_line(str(run.status))}{duration}{exit_text}",
            title="Run ended",
            severity="information" if run.status == RunStatus.SUCCEEDED else "warning",
            markup=False,  # the status is the API's text
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
        elif pane == "evidence":
            self.query_one("#evidence-scroll", VerticalScroll).focus()  # keys scroll the JSON
        elif pane == "details":
            self.query_one(ArtifactsTable).focus()

    def action_compare(self) -> None:
        """``=``: this run beside the last good run of the same work."""
        self.post_message(OpenCompare(self.run_id))

    def action_cancel_run(self) -> None:
        run = self.state.run
        if run is None:
            self.notify("The run is still loading.", title="Cancel")
            return
        if run.is_terminal:
            self.notify(cancel_refusal(run), title="Nothing to cancel", markup=False)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.cancel()

        self.app.push_screen(ConfirmCancelScreen(run), confirmed)

    def action_rerun(self) -> None:
        """Run this run again (asks first); its detail screen opens over this one."""
        if not self.read_only:
            Rerun(self, self.client, self.run_id).start()

    def action_toggle_failure(self) -> None:
        """The failure summary: every fact, stderr and error line, or one row."""
        summary = self.query_one(FailureSummaryView)
        summary.expanded = not summary.expanded

    def action_toggle_header(self) -> None:
        """Every field of the run in the header, or only the two summary rows."""
        header = self.query_one(RunHeader)
        header.expanded = not header.expanded

    def action_reconnect(self) -> None:
        self.follower.reconnect()

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
