"""The runs list screen: filter bar, table, summary, status line, and its actions.

Loading, paging, refreshing and failures live in :class:`RunsLoader` (its base).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Input, Static

from ...api.client import CrowNestClient
from ...api.models import WorkspaceRun
from ...core.bulk_cancel import Selection, split_by_state
from ...core.failures import Refusal, read_only_refusal, why_no_cancel
from ...core.filters import RunFilters
from ...core.run_list import ListOptions
from ...text.format import ago
from ..bindings import explain_refusal, key_for
from ..messages import OpenInsights, OpenRun
from ..widgets.context_bar import ContextBar
from ..widgets.error_banner import ErrorBanner
from ..widgets.filter_bar import FilterBar
from ..widgets.footer import Footer
from ..widgets.list_status import ListState, ListStatus
from ..widgets.run_columns import LEFT_HINT, PICK_GLYPH, RIGHT_HINT, WATCH_GLYPH
from ..widgets.runs_table import RunsTable
from ..widgets.summary_line import SummaryLine
from .filter_host import FilterBarScreen
from .runs_loading import Clock, RunsLoader

ALL_MARKED_ENDED = "Every marked run has already ended; nothing to cancel."

if TYPE_CHECKING:
    from ..launching import Launched


INSIGHTS_TIP = "Charts of the runs under these filters"


class RunsScreen(FilterBarScreen, RunsLoader):
    """The dashboard's main screen. It owns the loaded runs and hands them down."""

    OpenRun = OpenRun

    # The footer shows the essentials in short words (it must fit 80 columns with
    # ? and q); help (?, which shows the tooltips) and the palette list the rest.
    # Cancel and clear show only when they would do something; the error banner
    # names e itself.
    BINDINGS = [
        # A priority binding, like the log's search: keys typed in the same burst as
        # ``/`` must reach the filter, not the table's bindings.
        Binding("slash", "quick_filter", "Filter", id="runs.quick_filter", priority=True),
        Binding("n", "new_run", "New run", id="runs.new"),
        Binding(
            "c",
            "cancel_run",
            "Cancel",
            id="runs.cancel",
            tooltip="Cancel the run, or every marked run",
        ),
        Binding(
            "x", "clear_filters", "Clear", id="runs.clear_filters", tooltip="Clear every filter"
        ),
        Binding(
            "exclamation_mark",
            "rerun",
            "Run again",
            show=False,
            id="runs.rerun",
            tooltip="Run it again, its files packed anew",
        ),
        Binding("e", "error_details", "Error details", show=False, id="runs.error_details"),
        Binding("r", "refresh", "Refresh", show=False, id="runs.refresh"),
        Binding("a", "toggle_auto", "Auto-refresh", show=False, id="runs.toggle_auto"),
        Binding("i", "insights", "Insights", show=False, id="runs.insights", tooltip=INSIGHTS_TIP),
        Binding("escape", "leave_quick", "Leave filter", show=False, id="runs.leave_quick"),
        Binding("enter", "open_run", "Open", id="runs.open"),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    HELP_TITLE = "Runs list"
    HELP_SECTIONS = (
        (
            "Move",
            ("runs.up", "runs.down", "runs.page_up", "runs.page_down", "runs.first", "runs.last"),
        ),
        (
            "Columns",
            ("runs.columns_right", "runs.columns_left", "runs.columns_last", "runs.columns_first"),
        ),
        ("Open and follow", ("runs.open", "runs.watch", "runs.pick", "runs.split", "runs.compare")),
        ("Insights", ("runs.insights",)),
        ("Filter", ("runs.quick_filter", "runs.leave_quick", "runs.clear_filters")),
        ("Start and cancel", ("runs.new", "runs.rerun", "runs.cancel")),
        ("Refresh and errors", ("runs.refresh", "runs.toggle_auto", "runs.error_details")),
    )
    HELP_LEGEND = (
        (WATCH_GLYPH, "Watched: told when it ends (w)"),
        (PICK_GLYPH, "Marked for the split tail or a bulk cancel (space)"),
        (f"{LEFT_HINT} {RIGHT_HINT}", "Header: more columns that way"),
    )

    quick: reactive[str] = reactive("", init=False)
    """The client-side quick filter text."""

    def __init__(
        self, client: CrowNestClient, options: ListOptions | None = None, *, clock: Clock
    ) -> None:
        super().__init__(client, options or ListOptions(), clock=clock)
        self.read_only = self.options.read_only
        self._offered: tuple[bool, ...] = ()  # what the footer offers (refreshed on change)
        self._stale = False  # what changed while covered is shown when uncovered
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield ContextBar()
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
        self.set_focus(self.query_one(RunsTable))
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
            placeholder.update(self._how_to_start())
        placeholder.display = not visible
        self.table.set_class(not visible, "-empty")  # not the screen: no restyle of it all
        self.query_one(SummaryLine).counts = tuple(self.run_list.counts())
        banner = self.query_one(ErrorBanner)
        banner.last_success = "" if self.last_success is None else f"{self.last_success:%X}"
        banner.retry_note = self.schedule.retry_note()
        self._update_status(now, len(visible))
        self._sync_bindings()

    def _how_to_start(self) -> str:
        """The empty list's text: how to start a run, with the key in force."""
        shell = "crownest-tui launch DIR -- CMD"
        new = None if self.read_only else key_for(self, "runs.new")
        if new is None:
            return f"No runs yet. Start one from a shell:\n{shell}"
        return f"No runs yet. Press {new} for the new-run form, or from a shell:\n{shell}"

    def _sync_bindings(self) -> None:
        """Refresh the footer when check_action's answers change: the run under the
        cursor becomes (un)cancellable, filters come or go, a load fails or recovers."""
        offered = (
            self.check_action("cancel_run", ()) is True,
            self.check_action("clear_filters", ()) is True,
            self.failure is not None,
        )
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()

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

    @on(Input.Changed, "#quick")
    def _quick_changed(self, event: Input.Changed) -> None:
        self.quick = event.value

    @on(Input.Submitted, "#quick")
    def _quick_submitted(self) -> None:
        self.table.focus()

    @on(RunsTable.NearEnd)
    def _near_end(self) -> None:
        self.load_next_page()

    @on(RunsTable.Highlighted)
    @on(RunsTable.MarksChanged)
    def _highlighted(self) -> None:
        self._sync_bindings()

    @on(RunsTable.Selected)
    def _row_selected(self, event: RunsTable.Selected) -> None:
        event.stop()
        self.post_message(OpenRun(event.run_id))

    def apply_run(self, run: WorkspaceRun) -> None:
        """Show newer state of a loaded run in place (the app calls this on
        :class:`RunChanged`, from a cancel here or from the detail screen)."""
        if self.run_list.replace(run):
            self.table.update_run(run, self.clock())
            self.query_one(SummaryLine).counts = tuple(self.run_list.counts())
            self._sync_bindings()

    # -- actions ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            marked = self._marked()
            return self._cancellable() is not None or bool(marked and marked.active)
        if action in ("new_run", "rerun"):
            return not self.read_only
        if action == "error_details":
            return self.failure is not None
        if action == "clear_filters":
            return bool(self.quick) or not self.filters.is_empty
        return True

    def _cancellable(self) -> WorkspaceRun | None:
        """The run under the cursor when ``c`` would cancel it."""
        run = self.table.selected_run() if self.is_mounted else None
        if self.read_only or run is None or run.is_terminal:
            return None
        return run

    def _marked(self) -> Selection | None:
        """The marked runs (loaded ones) when ``c`` would cancel them instead."""
        if self.read_only or not self.is_mounted or not self.table.picked:
            return None
        found = {run_id: self.run_list.get(run_id) for run_id in self.table.picked}
        unlisted = [run_id for run_id, run in found.items() if run is None]
        return split_by_state((run for run in found.values() if run is not None), unlisted)

    def _why_no_cancel(self) -> Refusal | None:
        marked = self._marked()
        if marked is not None and not marked.active:
            return Refusal("Nothing to cancel", ALL_MARKED_ENDED)
        if marked is not None:
            return None
        return why_no_cancel(self.table.selected_run(), self.read_only)

    def _why_no_new_run(self) -> Refusal | None:
        return read_only_refusal("new runs are not launched") if self.read_only else None

    def _why_no_details(self) -> Refusal | None:
        if self.failure is None:
            return Refusal("No error", "Nothing has failed; e shows the last API error.")
        return None

    def on_key(self, event: events.Key) -> None:
        """A key whose action is off right now says why (read-only, a finished run,
        no error to show)."""
        refusals = {
            "runs.cancel": self._why_no_cancel,
            "runs.new": self._why_no_new_run,
            "runs.rerun": self._why_no_new_run,
            "runs.error_details": self._why_no_details,
        }
        if explain_refusal(self, event, refusals):
            event.stop()

    def action_refresh(self) -> None:
        self.refresh_now()

    def action_toggle_auto(self) -> None:
        on_now = self.toggle_auto_refresh()
        self.notify("Auto-refresh on" if on_now else "Auto-refresh paused", timeout=2, markup=False)

    def action_quick_filter(self) -> None:
        if isinstance(self.focused, Input):
            raise SkipAction()  # a ``/`` typed into a filter is part of its text
        quick = self.query_one("#quick", Input)
        quick.add_class("-shown")
        self.set_focus(quick)  # now: keys typed right after ``/`` belong to the filter

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
        marked = self._marked()
        if marked is not None:
            self._cancel_marked(marked)
            return
        run = self._cancellable()
        if run is None:
            return

        from .confirm_cancel import ConfirmCancelScreen  # the screens of actions load on use

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.cancel(run)

        project = self.projects.get(run.project_id)
        self.app.push_screen(ConfirmCancelScreen(run, project), confirmed)

    def _cancel_marked(self, marked: Selection) -> None:
        """One confirmation for every marked active run; the ended ones are named."""
        if not marked.active:
            self.notify(ALL_MARKED_ENDED, title="Nothing to cancel", markup=False)
            return
        from .bulk_cancel import BulkCancel
        from .confirm_bulk_cancel import ConfirmBulkCancelScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                BulkCancel(self, self.client, self.table, marked).start()

        self.app.push_screen(ConfirmBulkCancelScreen(marked), confirmed)

    def action_new_run(self) -> None:
        """Open the "new run" form with the last values; it launches the run, then
        the list puts its cursor on it and its detail screen opens."""
        if self.read_only:
            return
        # Imported here: the form loads the launcher (packing, git), which the list
        # does not need to start.
        from ..new_run_form import load_last_values, save_last_values
        from .new_run import NewRunScreen

        def launched(result: Launched | None) -> None:
            if result is None:
                return
            save_last_values(result.form)
            self.notify(f"{result.run.id} started", title="New run", markup=False)
            self.select_when_shown(result.run.id)
            self.post_message(OpenRun(result.run.id))

        self.app.push_screen(NewRunScreen(load_last_values(), self.client), launched)

    def action_rerun(self) -> None:
        """Run the run under the cursor again (asks first); the list then shows it."""
        run_id = self.table.selected_id
        if self.read_only or run_id is None:
            return
        from .rerunning import Rerun  # the launcher (packing, git): not at start-up

        def started(run: WorkspaceRun) -> None:
            self.select_when_shown(run.id)

        Rerun(self, self.client, run_id, started=started).start()

    def action_insights(self) -> None:
        self.post_message(OpenInsights(self.filters))

    def action_error_details(self) -> None:
        if self.failure is not None:
            from .error_details import ErrorDetailsScreen

            self.app.push_screen(ErrorDetailsScreen(self.failure))

    def set_filters(self, filters: RunFilters) -> None:
        """Apply new server-side filters (the palette uses this)."""
        self.filters = filters

    def select_when_shown(self, run_id: str) -> None:
        """Put the cursor on ``run_id`` once it is listed (a run just launched), and
        refresh so that it is."""
        self.table.select_when_shown(run_id)
        self.refresh_now()

    def select_run(self, run_id: str) -> bool:
        """Move the cursor to a loaded run (the palette's jump); False if not shown."""
        if not self.table.select_run(run_id):
            return False
        self.table.focus()
        return True
