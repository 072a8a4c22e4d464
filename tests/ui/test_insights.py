"""The Insights screen on a known week: i from the list, the window keys, the numbers
view, the footer at 80 columns, help, and opening a failure row into the list."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import DataTable, TabbedContent

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.core.insights import Window
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.help_sections import help_sections
from crownest_tui.ui.screens.insights import InsightsScreen
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.widgets.insight_charts import ActivityChart
from tests.insights_week import WEEK_NOW, SeededWeek, week_runs

from .conftest import RecordingApp, footer_keys, settle, shown_ids
from .insights_support import insights_open, insights_screen, week, week_app
from .palette import run_command

__all__ = ["week"]  # the fixture
Week = tuple[LocalBackendProcess, SeededWeek]


def _expected_runs(window: Window) -> int:
    start, end = window.span(WEEK_NOW.timestamp())
    created = (datetime.fromisoformat(run["createdAt"]) for run in week_runs(["p"] * 3))
    return sum(1 for moment in created if start <= moment.timestamp() < end)


def _window(screen: InsightsScreen) -> Window:
    return screen.window  # read afresh (mypy would keep an earlier assert's narrowing)


async def test_i_opens_insights_with_the_list_filters(week: Week) -> None:
    backend, _seeded = week
    app = week_app(backend, insights=None, filters=RunFilters.build(metadata={"branch": "main"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("i")
        await settle(pilot)
        screen = insights_screen(pilot)
        assert screen.filters == RunFilters.build(metadata={"branch": "main"})
        assert screen.insights is not None and 0 < screen.insights.runs < _expected_runs(Window.DAY)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)


async def test_the_palette_opens_insights_and_its_keys(week: Week) -> None:
    backend, _seeded = week
    app = week_app(backend, insights=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_command(pilot, "insights", "Insights")
        await settle(pilot)
        screen = insights_screen(pilot)
        await run_command(pilot, "active runs", "Active runs now")  # a key off the footer
        await pilot.pause()
        assert screen.query_one("#insights-tabs", TabbedContent).active == "now"


async def test_the_window_keys_change_the_window_and_the_figures(week: Week) -> None:
    async with insights_open(week[0], (80, 24)) as (pilot, screen):
        assert screen.insights is not None
        assert _window(screen) is Window.DAY and screen.insights.runs == _expected_runs(Window.DAY)
        assert f"based on {_expected_runs(Window.DAY)} runs" in str(screen.summary_text)
        fetched_for_a_day = screen.cache.fetched
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert _window(screen) is Window.WEEK
        assert screen.insights.runs == _expected_runs(Window.WEEK)
        assert len(screen.insights.buckets) == 28
        await pilot.press("right_square_bracket")  # the longest already: stays
        await settle(pilot)
        assert _window(screen) is Window.WEEK
        assert screen.cache.fetched > fetched_for_a_day  # the older pages, once
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert _window(screen) is Window.HOUR
        assert screen.insights.runs == _expected_runs(Window.HOUR)
        assert len(screen.insights.buckets) == 12
        assert "Last 1h" in str(screen.summary_text)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert _window(screen) is Window.HOUR


async def test_t_shows_the_numbers_of_each_chart(week: Week) -> None:
    async with insights_open(week[0], (80, 24)) as (pilot, screen):
        chart = screen.query_one(ActivityChart)
        table = screen.query_one("#activity-table", DataTable)
        assert chart.display and not table.display
        await pilot.press("t")
        await pilot.pause()
        assert table.display and not chart.display
        assert table.row_count == 24
        assert screen.insights is not None
        total = sum(int(str(table.get_row_at(i)[5])) for i in range(table.row_count))
        assert total == screen.insights.runs
        await pilot.press("2")
        await pilot.pause()
        groups = screen.query_one("#groups-table", DataTable)
        assert groups.display and groups.row_count == 6  # 3 projects, 3 templates
        await pilot.press("t")
        await pilot.pause()
        assert not groups.display


async def test_the_footer_fits_80_columns_and_help_lists_every_key(week: Week) -> None:
    async with insights_open(week[0], (80, 24)) as (pilot, screen):
        shown = footer_keys(pilot.app)
        assert shown["back"] == "esc Back" and shown["app.quit"] == "q Quit"
        assert shown["window(-1)"] == "[ Shorter" and shown["window(1)"] == "] Longer"
        assert shown["numbers"] == "t Numbers" and shown["app.help"] == "? Help"
        sections = help_sections(screen)
        titles = [section.title for section in sections]
        assert titles == [title for title, _ids in InsightsScreen.HELP_SECTIONS] + ["Anywhere"]
        entries = {e.binding_id: e for s in sections for e in s.entries}
        assert entries["insights.tab_now"].key == "5"


async def test_opening_a_failure_row_shows_those_runs_in_the_list(week: Week) -> None:
    async with insights_open(week[0], (100, 30)) as (pilot, screen):
        app = pilot.app
        assert isinstance(app, CrowNestApp)
        await pilot.press("4")
        await pilot.pause()
        table = screen.query_one("#failures-table", DataTable)
        keys = [row.key.value for row in table.ordered_rows]
        assert "reason:timeout" in keys and any(str(k).startswith("exit:") for k in keys)
        table.move_cursor(row=keys.index("reason:timeout"))
        await pilot.press("enter")
        await settle(pilot)
        runs = app.screen
        assert isinstance(runs, RunsScreen)
        assert runs.filters == RunFilters(status="failed", failure=("reason", "timeout"))
        everywhere = [r for r in week_runs(["p"] * 3) if r.get("failureReason") == "timeout"]
        assert sorted(shown_ids(app)) == sorted(r["id"] for r in everywhere)
        assert "reason=timeout" in runs.filters.describe()
        await pilot.press("x")  # clears it like any filter
        await settle(pilot)
        assert runs.filters.is_empty and len(shown_ids(app)) > len(everywhere)


async def test_an_unreachable_api_is_told_and_the_screen_keeps_working() -> None:
    client = CrowNestClient(api_key="cn_test_key", base_url="http://127.0.0.1:9", max_attempts=1)
    app = RecordingApp(client, refresh_interval=0, clock=lambda: WEEK_NOW, insights="24h")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = insights_screen(pilot)
        assert app.said("Insights not loaded")
        assert screen.insights is not None and screen.insights.runs == 0
        await pilot.press("right_square_bracket", "t")  # keys still work
        await settle(pilot)
        assert _window(screen) is Window.WEEK and screen.numbers
