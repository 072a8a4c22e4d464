"""Idle means idle: clocks tick only while something counts, and only what changed is
repainted (bench/idle.py measures the CPU this saves)."""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from crownest_tui.api import StreamState, StreamStatus
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.widgets.connection_bar import ConnectionBar
from crownest_tui.ui.widgets.run_header import RunHeader

from .log_helpers import wait_until
from .test_detail import DetailHost, client_of, detail, start_run, stream_ended


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
