"""Where the runs list's cursor is while runs arrive, at 80x24 (issue 12, point 5).

Runs are added above the loaded ones through the backend's test hook, as the demo's
seed does while the list is being looked at.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.new_run import NewRunScreen
from crownest_tui.ui.widgets.runs_table import RunsTable

from .conftest import RecordingApp, hook, runs_screen, settle, shown_ids, suite_app

SMALL = (80, 24)


def lit_rows(table: RunsTable) -> list[int]:
    """Rows on screen painted with the cursor's colours (what the user sees lit)."""
    cursor = table.get_component_rich_style("runs-table--cursor").bgcolor
    lit = []
    for y in range(1, table.body_height + 1):
        if any(s.style is not None and s.style.bgcolor == cursor for s in table.render_line(y)):
            lit.append(int(table.scroll_y) + y - 1)
    return lit


async def more_runs(pilot: Pilot[None], backend: LocalBackendProcess, filters: RunFilters) -> None:
    """New runs on top of the list, then a refresh (as the auto-refresh would)."""
    hook(backend, "bulk-runs", {"count": 4, "status": "running", "metadata": filters.metadata_dict})
    await pilot.press("r")
    await settle(pilot)


async def test_the_cursor_stays_on_the_top_row_until_the_user_moves_it(
    backend: LocalBackendProcess,
) -> None:
    app = suite_app(backend, 30)
    filters = app.options.filters
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        for _ in range(3):
            await more_runs(pilot, backend, filters)
            assert table.cursor_row == 0 and table.selected_id == shown_ids(app)[0]
            assert lit_rows(table) == [0]
        await pilot.press("enter")
        await pilot.pause()  # the run's stream stays open: no settling
        assert isinstance(app.screen, RunDetailScreen) and app.screen.run_id == shown_ids(app)[0]
    await app.client.aclose()


async def test_a_moved_cursor_follows_its_run_and_stays_lit(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 40)
    filters = app.options.filters
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        await pilot.press(*["down"] * 15)  # near the bottom of the view
        chosen = table.selected_id
        for rounds in range(1, 4):
            await more_runs(pilot, backend, filters)
            assert table.selected_id == chosen and table.cursor_row == 15 + 4 * rounds
            assert lit_rows(table) == [table.cursor_row]
        await pilot.press("home")  # back on top, and it stays there
        await more_runs(pilot, backend, filters)
        assert table.cursor_row == 0 and lit_rows(table) == [0]
    await app.client.aclose()


async def test_scrolling_the_view_brings_the_cursor_along(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 60)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        table.scroll_to(y=30, animate=False)  # what the mouse wheel does
        await pilot.pause()
        assert lit_rows(table) == [table.cursor_row] and table.cursor_row == 30
        await pilot.press("down")
        assert table.cursor_row == 31
    await app.client.aclose()


async def test_after_a_launch_and_escape_the_cursor_is_on_the_new_run(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "hello.py").write_text("print('hi')\n")
    app: RecordingApp = suite_app(backend, 30)
    suite = app.options.filters.metadata_dict["suite"]
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        await pilot.press(*["down"] * 5)  # the user is somewhere else in the list
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewRunScreen)
        for name, value in {
            "folder": str(folder),
            "command": "python3 hello.py",
            "metadata": f"suite={suite}",
        }.items():
            form.query_one(f"#{name}", Input).value = value
        await pilot.press("ctrl+s")
        for _ in range(500):
            if isinstance(app.screen, RunDetailScreen):
                break
            await pilot.pause(0.02)
        detail = app.screen
        assert isinstance(detail, RunDetailScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert table.selected_id == detail.run_id == shown_ids(app)[0]
        assert lit_rows(table) == [table.cursor_row]
    await app.client.aclose()
