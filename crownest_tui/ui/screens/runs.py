"""The runs list screen: filter bar, table, summary, status line, and its actions.

Loading, paging, refreshing and failures live in :class:`RunsLoader` (its base).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static

from ...api.client import CrowNestClient
from ...api.models import WorkspaceRun
from ...text.format import ago
from ..failures import cancel_refusal
from ..filters import RunFilters
from ..messages import LaunchRequested, OpenRun, RunChanged
from ..run_list import ListOptions
from ..widgets.error_banner import ErrorBanner
from ..widgets.filter_bar import FilterBar
from ..widgets.footer import Footer
from ..widgets.list_status import ListState, ListStatus
from ..widgets.runs_table import RunsTable
from ..widgets.summary_line import SummaryLine
from .confirm_cancel import ConfirmCancelScreen
from .error_details import ErrorDetailsScreen
from .runs_loading import Clock, RunsLoader

if TYPE_CHECKING:
    from ..new_run_form import NewRunForm


class RunsScreen(RunsLoader):
    """The dashboard's main screen. It owns the loaded runs and hands them down."""

    OpenRun = OpenRun

    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="runs.refresh"),
        Binding("a", "toggle_auto", "Auto-refresh", id="runs.toggle_auto"),
        Binding("slash", "quick_filter", "Quick filter", id="runs.quick_filter"),
        Binding("escape", "leave_quick", "Leave filter", show=False, id="runs.leave_quick"),
        Binding("x", "clear_filters", "Clear filters", id="runs.clear_filters"),
        Binding("c", "cancel_run", "Cancel run", id="runs.cancel"),
        Binding("n", "new_run", "New run", id="runs.new"),
        Binding("enter", "open_run", "Open", id="runs.open"),
        Binding("e", "error_details", "Error details", id="runs.error_details"),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    quick: reactive[str] = reactive("", init=False)
    """The client-side quick filter text."""

    def __init__(
        self, client: CrowNestClient, options: ListOptions | None = None, *, clock: Clock
    ) -> None:
        super().__init__(client, options or ListOptions(), clock=clock)
        self.read_only = self.options.read_only
        self._stale = False  # what changed while covered is shown when uncovered
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ErrorBanner(id="banner")
        yield FilterBar(id="filter-bar").data_bind(RunsScreen.filters, RunsScreen.projects)
        yield Input(
            placeholder="quick filter: id, command, project, key=value", id="quick", compact=True
        )
        yield RunsTable(id="runs")
        yield Static("Loading runs…", id="placeholder")
        yield SummaryLine(id="summary")
        yield ListStatus(id="list-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#banner", ErrorBanner).data_bind(failure=RunsScreen.failure)
        self.query_one(RunsTable).focus()
        self._ticker = self.set_interval(1.0, self._tick, pause=self.asleep)
        self.load_projects()
        self.reload()

    @property
    def table(self) -> RunsTable:
        return self.query_one(RunsTable)

    # -- showing -----------------------------------------------------------------

    def _visible(self) -> list[WorkspaceRun]:
        return self.run_list.visible(self.quick, self.projects)

    def on_screen_suspend(self) -> None:
        """Covered by another screen: the list sleeps. No ticks, no auto-refresh, and
        the widgets are left alone until it is uncovered (Textual repaints the screen
        on top for any change underneath it)."""
        self.set_asleep(True)
        if self._ticker is not None:
            self._ticker.pause()

    def on_screen_resume(self) -> None:
        self.set_asleep(False)
        if self._ticker is not None:
            self._ticker.resume()
        if self._stale:
            self.show_runs()

    def show_runs(self) -> None:
        """Hand the runs, counts, banner and status down to the widgets."""
        if self.asleep:
            self._stale = True
            return
        self._stale = False
        now = self.clock()
        visible = self._visible()
        self.table.show(visible, self.projects, now)
        placeholder = self.query_one("#placeholder", Static)
        if not self.run_list.loaded:
            placeholder.update("Loading runs…" if self.failure is None else "No data yet.")
        elif not visible and (self.quick or not self.filters.is_empty):
            placeholder.update("No runs match these filters. x clears them.")
        elif not visible:
            placeholder.update("No runs yet.")
        placeholder.display = not visible
        self.set_class(not visible, "-empty")
        self.query_one(SummaryLine).counts = tuple(self.run_list.counts())
        banner = self.query_one(ErrorBanner)
        banner.last_success = "" if self.last_success is None else f"{self.last_success:%X}"
        banner.retry_note = self.schedule.retry_note()
        self._update_status(now, len(visible))

    def show_status(self) -> None:
        """Refresh the status line only."""
        if self.asleep:
            self._stale = True
            return
        self._update_status(self.clock(), self.table.row_count)

    def _update_status(self, now: datetime, shown: int) -> None:
        updated = (
            "" if self.last_success is None else ago((now - self.last_success).total_seconds())
        )
        self.query_one(ListStatus).state = ListState(
            loaded=len(self.run_list.runs),
            shown=shown,
            has_more=self.run_list.has_more,
            loading=self.busy("load"),
            ever_loaded=self.run_list.loaded,
            refresh_every=self.schedule.interval,
            paused=self.schedule.paused,
            updated=updated,
            filters=self.filters.describe(),
        )

    def _tick(self) -> None:
        now = self.clock()
        self.table.tick(now)
        self._update_status(now, self.table.row_count)

    # -- reacting ------------------------------------------------------------------

    def watch_filters(self) -> None:
        self.reload()

    def watch_quick(self) -> None:
        self.show_runs()

    @on(FilterBar.Changed)
    def _filters_changed(self, event: FilterBar.Changed) -> None:
        self.filters = event.filters

    @on(FilterBar.Invalid)
    def _filter_invalid(self, event: FilterBar.Invalid) -> None:
        self.notify(event.reason, title="Filter not applied", severity="warning", markup=False)

    @on(Input.Changed, "#quick")
    def _quick_changed(self, event: Input.Changed) -> None:
        self.quick = event.value

    @on(Input.Submitted, "#quick")
    def _quick_submitted(self) -> None:
        self.table.focus()

    @on(RunsTable.NearEnd)
    def _near_end(self) -> None:
        self.load_next_page()

    @on(RunsTable.Selected)
    def _row_selected(self, event: RunsTable.Selected) -> None:
        event.stop()
        self.post_message(OpenRun(event.run_id))

    def on_run_changed(self, message: RunChanged) -> None:
        message.stop()
        self.apply_run(message.run)

    def apply_run(self, run: WorkspaceRun) -> None:
        """Show newer state of a loaded run in place (from a cancel or the detail)."""
        if self.run_list.replace(run):
            self.table.update_run(run, self.clock())
            self.query_one(SummaryLine).counts = tuple(self.run_list.counts())

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cancel_run", "new_run") and self.read_only:
            return False
        if action == "error_details":
            return self.failure is not None
        return True

    def action_refresh(self) -> None:
        self.refresh_now()

    def action_toggle_auto(self) -> None:
        on_now = self.toggle_auto_refresh()
        self.notify("Auto-refresh on" if on_now else "Auto-refresh paused", timeout=2, markup=False)

    def action_quick_filter(self) -> None:
        quick = self.query_one("#quick", Input)
        quick.add_class("-shown")
        quick.focus()

    def action_leave_quick(self) -> None:
        """Leave the quick filter (clearing it), or leave the filter bar."""
        quick = self.query_one("#quick", Input)
        if quick.has_focus:
            quick.value = ""
            quick.remove_class("-shown")
        self.table.focus()

    def action_clear_filters(self) -> None:
        quick = self.query_one("#quick", Input)
        quick.value = ""
        quick.remove_class("-shown")
        self.quick = ""
        self.filters = RunFilters()
        self.table.focus()

    def action_open_run(self) -> None:
        run_id = self.table.selected_id
        if run_id is not None:
            self.post_message(OpenRun(run_id))

    def action_cancel_run(self) -> None:
        run = self.table.selected_run()
        if run is None or self.read_only:
            return
        if run.is_terminal:
            self.notify(cancel_refusal(run), title="Nothing to cancel", timeout=5, markup=False)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.cancel(run)

        project = self.projects.get(run.project_id)
        self.app.push_screen(ConfirmCancelScreen(run, project), confirmed)

    def action_new_run(self) -> None:
        """Open the "new run" form with the last values; the app launches it."""
        if self.read_only:
            return
        from ..new_run_form import load_last_values  # not at start-up: it loads the launcher
        from .new_run import NewRunScreen

        def filled(form: NewRunForm | None) -> None:
            if form is not None:
                self.post_message(LaunchRequested(form))

        self.app.push_screen(NewRunScreen(load_last_values()), filled)

    def action_error_details(self) -> None:
        if self.failure is not None:
            self.app.push_screen(ErrorDetailsScreen(self.failure))

    def set_filters(self, filters: RunFilters) -> None:
        """Apply new server-side filters (the palette uses this)."""
        self.filters = filters

    def select_run(self, run_id: str) -> bool:
        """Move the cursor to a loaded run (the palette's jump); False if not shown."""
        row = self.table.row_of(run_id)
        if row is None:
            return False
        self.table.move_cursor(row=row)
        self.table.focus()
        return True
