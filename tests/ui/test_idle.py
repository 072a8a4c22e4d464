"""Idle means idle: clocks tick only while something counts, and only what changed is
repainted (bench/idle.py measures the CPU this saves)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from textual.app import App, ComposeResult
from textual.strip import Strip

from crownest_tui.api import StreamState, StreamStatus
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
