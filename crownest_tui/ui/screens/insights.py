"""The Insights screen: the fleet at a glance, in a time window (``i`` in the list).

It pages through the window's runs in the background (a progress bar, then "based
on N runs"), keeps them between refreshes (:class:`WindowCache` fetches only new and
changed runs) and hands one :class:`Insights` down to its charts. ``[``/``]``
shorten or lengthen the window, ``t`` shows every chart's numbers as a table, and
``enter`` on a failure reason or exit code opens the runs list filtered by it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from ...api.client import CrowNestClient
from ...core.failures import failure_info
from ...core.filters import RunFilters
from ...core.insights import Insights, Window, summarize
from ...core.insights_fetch import WindowCache
from ...core.memory import FrozenHeap
from ...text.format import ago, safe_line
from ..palette_keys import ScreenKeyCommands
from ..stylesheets import stylesheet
from ..widgets.context_bar import ContextBar
from ..widgets.filter_bar import FilterBar
from ..widgets.insight_charts import ActivityChart, Chart, DurationChart, GroupsChart, percent
from ..widgets.insight_tables import FailuresPane, NowPane
from .filter_host import FilterBarScreen
from .runs_loading import Clock

TABS = ("activity", "groups", "durations", "failures", "now")
#: Refreshes never come faster than this (seconds): each one asks a few pages.
MIN_REFRESH = 10.0
#: Seconds between two repaints of the progress while paging.
PROGRESS_EVERY = 0.25
#: New records that make a load collect (and freeze) garbage; a refresh adds a few.
COLLECT_AFTER = 1000


def _tab_binding(index: int, tab: str, title: str) -> Binding:
    return Binding(
        str(index), f"tab('{tab}')", title, show=False, id=f"insights.tab_{tab}", tooltip=title
    )


class InsightsScreen(FilterBarScreen):
    """Charts of the runs of a window, under the list's server-side filters."""

    CSS_PATH = [stylesheet("insights")]
    COMMANDS = {ScreenKeyCommands}
    HELP_TITLE = "Insights"

    BINDINGS = [
        Binding("escape", "back", "Back", id="insights.back", tooltip="Back to the runs list"),
        Binding(
            "left_square_bracket",
            "window(-1)",
            "Shorter",
            id="insights.shorter",
            tooltip="Shorter time window (7d → 24h → 1h)",
        ),
        Binding(
            "right_square_bracket",
            "window(1)",
            "Longer",
            id="insights.longer",
            tooltip="Longer time window (1h → 24h → 7d)",
        ),
        Binding(
            "t",
            "numbers",
            "Numbers",
            id="insights.numbers",
            tooltip="The charts' numbers as tables (t again: the charts)",
        ),
        Binding("r", "refresh", "Refresh", show=False, id="insights.refresh"),
        _tab_binding(1, "activity", "Runs started and failure rate"),
        _tab_binding(2, "groups", "By project and template"),
        _tab_binding(3, "durations", "Duration histogram"),
        _tab_binding(4, "failures", "Top failure reasons and exit codes"),
        _tab_binding(5, "now", "Active runs now"),
        Binding("question_mark", "app.help", "Help", id="app.help"),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]
    HELP_SECTIONS = (
        ("Window and view", ("insights.shorter", "insights.longer", "insights.numbers")),
        ("Charts", tuple(f"insights.tab_{tab}" for tab in TABS)),
        ("Refresh and leave", ("insights.refresh", "insights.back")),
    )

    window: reactive[Window] = reactive(Window.DAY, init=False)
    """The time window the figures cover."""
    filters: reactive[RunFilters] = reactive(RunFilters, init=False)
    """The list's server-side filters, applied to the window's runs."""
    projects: reactive[dict[str, str]] = reactive(dict, init=False)
    """Known projects (id -> name)."""
    numbers: reactive[bool] = reactive(False, init=False)
    """Tables of numbers instead of charts."""

    class OpenList(Message):
        """Show the runs list with these filters (a failure row was opened)."""

        def __init__(self, filters: RunFilters) -> None:
            super().__init__()
            self.filters = filters

    def __init__(
        self,
        client: CrowNestClient,
        *,
        filters: RunFilters,
        window: Window = Window.DAY,
        clock: Clock,
        refresh_interval: float = 0.0,
        concurrency: int | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.clock = clock
        self.refresh_interval = refresh_interval
        self.concurrency = concurrency
        self.cache = WindowCache(filters)
        self.insights: Insights | None = None
        self.updated: datetime | None = None
        self.summary_text = Content("")
        """What the summary line says (the window, how many runs, the filters)."""
        self.set_reactive(InsightsScreen.window, window)
        self.set_reactive(InsightsScreen.filters, filters)

    def compose(self) -> ComposeResult:
        yield ContextBar()
        yield FilterBar(id="filter-bar").data_bind(InsightsScreen.filters, InsightsScreen.projects)
        yield Static(id="insights-summary")
        yield ProgressBar(id="insights-progress", show_eta=False)
        with TabbedContent(initial="activity", id="insights-tabs"):
            with TabPane("1 Runs", id="activity"):
                yield ActivityChart(id="activity-chart")
                yield DataTable(id="activity-table", classes="numbers", cursor_type="row")
            with TabPane("2 Projects", id="groups"):
                yield GroupsChart(id="groups-chart")
                yield DataTable(id="groups-table", classes="numbers", cursor_type="row")
            with TabPane("3 Durations", id="durations"):
                yield DurationChart(id="durations-chart")
                yield DataTable(id="durations-table", classes="numbers", cursor_type="row")
            with TabPane("4 Failures", id="failures"):
                yield FailuresPane()
            with TabPane("5 Now", id="now"):
                yield NowPane()
        yield Footer()

    def on_mount(self) -> None:
        for chart in self.query(Chart):
            chart.zone = self.clock().tzinfo
            self._table_of(chart).add_columns(*chart.COLUMNS)
        if self.refresh_interval > 0:
            self.set_interval(max(MIN_REFRESH, self.refresh_interval), self._refresh_due)
        self.load_projects()
        self.show()
        self.load()
        self.query_one("#insights-tabs Tabs").focus()

    # -- data ------------------------------------------------------------------------

    @work(exclusive=True, group="insights", exit_on_error=False, description="insights runs")
    async def load(self) -> None:
        bar = self.query_one("#insights-progress", ProgressBar)
        bar.update(total=100, progress=0)
        self.add_class("-loading")
        self.show_summary()
        since = self.window.span(self.clock().timestamp())[0]

        shown = [0.0]

        def progress(_fetched: int, share: float) -> None:
            # A repaint per page would slow the paging itself: a few a second.
            if (now := time.monotonic()) - shown[0] >= PROGRESS_EVERY:
                shown[0] = now
                bar.update(progress=round(share * 100))
                self.show_summary()

        before = len(self.cache.facts)
        await self.cache.fill(self.client, since, progress)
        heap = getattr(self.app, "frozen_heap", None)  # the app's one (gc is process-wide)
        if isinstance(heap, FrozenHeap) and len(self.cache.facts) - before >= COLLECT_AFTER:
            heap.after_load(self.cache.facts)  # thousands of long-lived records
        self.updated = self.clock()
        self.remove_class("-loading")
        self.show()

    @work(group="projects", exit_on_error=False, description="list projects")
    async def load_projects(self) -> None:
        self.projects = {p.id: safe_line(p.name) async for p in self.client.iter_projects()}
        self.show()

    def _refresh_due(self) -> None:
        if not any(w.group == "insights" and not w.is_finished for w in self.workers):
            self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed load keeps what was fetched and says why (the next refresh retries)."""
        worker, error = event.worker, event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        self.remove_class("-loading")
        info = failure_info(error, self.clock())
        title = "Insights not loaded" if worker.group == "insights" else "Projects not loaded"
        self.notify(info.message, title=title, severity="error", markup=False)
        self.show_summary()

    # -- showing -------------------------------------------------------------------------

    def show(self) -> None:
        """Summarize the cache for the window and hand the figures down."""
        now = self.clock().timestamp()
        insights = summarize(self.cache.facts.values(), self.window, now, self.concurrency)
        self.insights = insights
        for chart in self.query(Chart):
            chart.names = self.projects
            chart.insights = insights
            chart.refresh(layout=True)
            table = self._table_of(chart)
            table.clear()
            table.add_rows(chart.rows(insights))
        self.query_one(FailuresPane).show(insights)
        self.query_one(NowPane).show(insights, self.projects)
        self.show_summary()

    def _table_of(self, chart: Chart) -> DataTable[object]:
        """The table view of a chart (``activity-chart`` -> ``activity-table``)."""
        name = (chart.id or "").removesuffix("-chart")
        return self.query_one(f"#{name}-table", DataTable)

    def show_summary(self) -> None:
        insights = self.insights
        parts: list[str | tuple[str, str]] = [(f"Last {self.window.label}", "bold")]
        if self.has_class("-loading"):
            parts.append(f" · loading… {len(self.cache.facts):,} runs so far")
        elif insights is not None:
            parts += [
                f" · based on {insights.runs:,} runs",
                f" · {percent(insights.rate)} failed",
            ]
            if self.updated is not None:
                seconds = (self.clock() - self.updated).total_seconds()
                parts.append((f" · updated {ago(seconds)}", "dim"))
        parts.append((f" · {self.filters.describe()}", "dim"))
        self.summary_text = Content.assemble(*parts)
        self.query_one("#insights-summary", Static).update(self.summary_text)

    # -- reacting ------------------------------------------------------------------------

    def watch_window(self) -> None:
        self.show()
        self.load()

    def watch_filters(self, filters: RunFilters) -> None:
        self.cache = self.cache.with_filters(filters)
        self.show()
        self.load()

    def watch_numbers(self, numbers: bool) -> None:
        self.set_class(numbers, "-numbers")

    def set_filters(self, filters: RunFilters) -> None:
        """Apply new server-side filters (the filter bar uses this)."""
        self.filters = filters

    @on(DataTable.RowSelected, "#failures-table")
    def _failure_selected(self, event: DataTable.RowSelected) -> None:
        kind, _, value = str(event.row_key.value).partition(":")
        self.open_failure(kind, value)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """The rows of Failures and Now take the cursor keys and enter at once."""
        if event.pane.id in ("failures", "now"):
            self.query_one(f"#{event.pane.id}-table", DataTable).focus()

    def open_failure(self, kind: str, value: str) -> None:
        """The runs list, showing the failed runs with this reason or exit code."""
        filters = replace(self.filters, status="failed", failure=(kind, value))
        self.post_message(self.OpenList(filters))

    # -- actions -----------------------------------------------------------------------

    def action_window(self, delta: int) -> None:
        self.window = self.window.step(delta)

    def action_numbers(self) -> None:
        self.numbers = not self.numbers

    def action_refresh(self) -> None:
        self.load()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_back(self) -> None:
        self.dismiss()
