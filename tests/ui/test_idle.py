"""Idle means idle: clocks tick only while something counts, and only what changed is
repainted (bench/idle.py measures the CPU this saves)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from rich.color import Color
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip

from crownest_tui.api import StreamState, StreamStatus
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.format import format_duration
from crownest_tui.ui.widgets.connection_bar import ConnectionBar
from crownest_tui.ui.widgets.run_header import RunHeader
from crownest_tui.ui.widgets.runs_table import RunsTable

from .conftest import RecordingApp, runs_screen, settle
from .fakes import FROZEN_NOW, FakeClient, fixed_runs
from .log_helpers import wait_until
from .test_detail import DetailHost, client_of, detail, start_run, stream_ended


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def record_painted_lines(table: RunsTable) -> tuple[list[int], Callable[[int], Strip]]:
    """From now on, the line numbers ``table`` paints; and its own ``render_line``."""
    painted: list[int] = []
    render_line = table.render_line

    def recording(y: int) -> Strip:
        painted.append(y)
        return render_line(y)

    table.render_line = recording  # type: ignore[method-assign]
    return painted, render_line


async def test_the_list_repaints_only_the_rows_whose_times_changed() -> None:
    clock = Clock(FROZEN_NOW)
    app = RecordingApp(FakeClient(), clock=clock, refresh_interval=0)
    async with app.run_test(size=(160, 20)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        painted, _ = record_painted_lines(table)
        clock.now += timedelta(seconds=2)  # relative "created" times stay the same
        await pilot.pause(1.3)  # one tick at least
        runs = fixed_runs()
        running = {row + 1 for row, run in enumerate(runs) if run.status == "running"}
        assert painted and set(painted) <= running  # line 0 is the header
        started = runs[0].started_at
        assert started is not None
        duration = format_duration((clock.now - started).total_seconds())
        assert duration in table.render_line(1).text


def record_refreshed_regions(table: RunsTable) -> list[Region]:
    """From now on, the regions of ``table`` asked to repaint (``[]`` when it all is)."""
    regions: list[Region] = []
    refresh = table.refresh

    def recording(*asked: Region, **options: bool) -> RunsTable:
        regions.extend(asked or [Region(0, 0, 0, 0)])
        return refresh(*asked, **options)

    table.refresh = recording  # type: ignore[method-assign]
    return regions


async def test_a_tick_repaints_only_the_cells_that_changed() -> None:
    """Textual writes a repainted region's line only up to its end: a tick asks for
    the duration cells, not the rows (fewer bytes to the terminal every second)."""
    clock = Clock(FROZEN_NOW)
    app = RecordingApp(FakeClient(), clock=clock, refresh_interval=0)
    async with app.run_test(size=(160, 20)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        regions = record_refreshed_regions(table)
        clock.now += timedelta(seconds=2)
        await pilot.pause(1.3)
        span = table.columns.span("duration")
        assert span is not None
        running = [row for row, run in enumerate(fixed_runs()) if run.status == "running"]
        wanted = {Region(span[0], row + 1, span[1], 1) for row in running}
        assert regions and set(regions) == wanted


async def test_finished_runs_ages_move_on_the_minute() -> None:
    """Finished rows are not looked at every second, yet their age is right to the
    minute it shows."""
    clock = Clock(FROZEN_NOW)
    app = RecordingApp(FakeClient(), clock=clock, refresh_interval=0)
    async with app.run_test(size=(160, 20)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        painted, render_line = record_painted_lines(table)
        runs = fixed_runs()
        clock.now += timedelta(seconds=59)
        await pilot.pause(1.3)
        running = {row + 1 for row, run in enumerate(runs) if run.status == "running"}
        assert set(painted) <= running  # ages still read 3m, 10m, …
        clock.now += timedelta(seconds=1)
        await pilot.pause(1.3)
        assert set(painted) == set(range(1, len(runs) + 1))
        for row, run in enumerate(runs, start=1):
            minutes = int((clock.now - run.created_at).total_seconds() // 60)
            assert f"  {minutes}m " in render_line(row).text


async def test_the_why_cell_turns_to_a_warning_even_when_its_text_stays() -> None:
    """Past 80% of its timeout a running run's Why cell is a warning; over an hour its
    text moves by the minute, so the colour can change on its own."""
    started = FROZEN_NOW - timedelta(hours=1, minutes=41, seconds=30)
    run = fixed_runs()[0].model_copy(
        update={"started_at": started, "timeout_ms": 127 * 60_000}  # warning at 1h41m36s
    )
    clock = Clock(FROZEN_NOW)
    app = RecordingApp(FakeClient([run]), clock=clock, refresh_interval=0)
    async with app.run_test(size=(160, 20)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        app.set_focus(None)  # the plain row's colours, not the cursor's
        await pilot.pause()
        regions = record_refreshed_regions(table)
        warning = table.get_component_rich_style("runs-table--why-warning", partial=True)

        def why_colour() -> Color | None:
            cell = next(s for s in table.render_line(1) if "1h41m / 2h07m" in s.text)
            return None if cell.style is None else cell.style.color

        assert why_colour() != warning.color
        clock.now += timedelta(seconds=10)
        await pilot.pause(1.3)
        exit_span = table.columns.span("exit")
        assert exit_span is not None and Region(exit_span[0], 1, exit_span[1], 1) in regions
        assert why_colour() == warning.color


async def test_a_refresh_repaints_only_the_runs_that_changed() -> None:
    client = FakeClient()
    app = RecordingApp(client, clock=Clock(FROZEN_NOW), refresh_interval=0)
    async with app.run_test(size=(160, 20)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        painted, render_line = record_painted_lines(table)
        await pilot.press("r")
        await settle(pilot)
        assert painted == []  # the same runs again (new copies): nothing to repaint
        shown = render_line(5).text  # the fifth run (line 0 is the header)
        client.runs = list(client.runs)
        client.runs[4] = client.runs[4].model_copy(update={"exit_code": 3})
        await pilot.press("r")
        await settle(pilot)
        assert set(painted) == {5}
        assert render_line(5).text == shown.replace(" 1    ", " 3    ", 1) != shown


async def test_a_refresh_that_brings_the_same_bytes_changes_nothing(
    backend: LocalBackendProcess,
) -> None:
    """Over real HTTP: an auto-refresh whose answer is byte for byte the last one
    merges, diffs and repaints nothing; only "updated" is new (still "just now")."""
    tag = (("idle", f"same{time.monotonic_ns()}"),)
    async with client_of(backend) as client:
        run_id = await start_run(client, "true", metadata=dict(tag))
        async for _ in client.stream_events(run_id):
            pass  # until it has ended: its state no longer changes
        app = RecordingApp(client, filters=RunFilters(metadata=tag), refresh_interval=0)
        async with app.run_test(size=(160, 20)) as pilot:
            await settle(pilot)
            screen = runs_screen(app)
            assert screen.table.shown_ids == [run_id]
            version, updated = screen.run_list.version, screen.last_success
            painted, _ = record_painted_lines(screen.table)
            await pilot.press("r")
            await settle(pilot)
            assert screen.last_success is not None and updated is not None
            assert screen.last_success > updated
            assert screen.run_list.version == version and painted == []
            await start_run(client, "true", metadata=dict(tag))
            await pilot.press("r")
            await settle(pilot)
            assert screen.run_list.version != version and len(screen.table.shown_ids) == 2


async def test_the_reconnect_countdown_ticks_only_while_reconnecting() -> None:
    class BarApp(App[None]):
        def compose(self) -> ComposeResult:
            yield ConnectionBar()

    app = BarApp()
    async with app.run_test() as pilot:
        bar = app.query_one(ConnectionBar)
        retry_at = time.monotonic() + 3.0
        bar.status = StreamStatus(StreamState.RECONNECTING, attempt=1, retry_at=retry_at)
        await pilot.pause()
        assert "next try in 3s" in str(bar.render())
        await pilot.pause(1.2)
        assert "next try in 2s" in str(bar.render())
        bar.status = StreamStatus(StreamState.LIVE)
        await pilot.pause()
        shown = str(bar.render())
        assert "live" in shown
        bar.update("not re-rendered")
        await pilot.pause(1.2)
        assert str(bar.render()) == "not re-rendered"


async def test_a_finished_runs_detail_stops_its_clock(backend: LocalBackendProcess) -> None:
    async with client_of(backend) as client:
        run_id = await start_run(client, "sleep 5; echo done")
        async with DetailHost(client, run_id).run_test() as pilot:
            screen = detail(pilot)
            header = screen.query_one(RunHeader)
            ticks: list[float] = []
            tick = header.tick

            def counting() -> None:
                ticks.append(time.monotonic())
                tick()

            header.tick = counting  # type: ignore[method-assign]
            await wait_until(pilot, lambda: bool(ticks), within=5)  # counting while active
            await wait_until(pilot, lambda: stream_ended(screen))
            run = screen.state.run
            assert run is not None and run.is_terminal
            await pilot.pause(0.1)
            ticks.clear()
            await pilot.pause(1.5)
            assert not ticks
