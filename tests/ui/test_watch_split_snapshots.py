"""Snapshots: the runs list with watched and marked rows, and the split tail (fixed data,
frozen clock; the panes stream from a small fixed-runs server over real HTTP)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from textual.app import App
from textual.pilot import Pilot

from crownest_tui.api import StreamState
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.tail_pane import TailPane
from tests.support import serve_app_in_thread

from .conftest import settle
from .fakes import FROZEN_NOW, FakeClient, snapshot_client

SnapCompare = Callable[..., bool]
CREATED = "2026-11-28T11:50:00Z"


def _run(run_id: str, status: str, command: str, exit_code: int | None) -> dict[str, Any]:
    return {
        "id": run_id,
        "orgId": "org_demo",
        "projectId": "prj_web",
        "status": status,
        "command": command,
        "metadata": {"branch": "main"},
        "templateSlug": "python-node",
        "createdAt": CREATED,
        "exitCode": exit_code,
        "durationMs": None if exit_code is None else 42_000,
    }


def _events(run: dict[str, Any], lines: list[tuple[str, str]], live: bool) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"type": "status", "seq": 1, "createdAt": CREATED, "status": "running"}
    ]
    for stream, text in lines:
        seq = len(events) + 1
        events.append({"type": stream, "seq": seq, "createdAt": CREATED, "data": text + "\n"})
    if not live:
        seq = len(events) + 1
        events.append({"type": "terminal", "seq": seq, "createdAt": CREATED, "workspaceRun": run})
    return events


def _fixed_runs() -> dict[str, tuple[dict[str, Any], list[dict[str, Any]], bool]]:
    """Four runs: id -> (run, events, live)."""
    build = [("stdout", f"[{i:02d}/30] compiling module_{i}.py") for i in range(1, 31)]
    tests = [
        ("stderr" if i % 7 == 0 else "stdout", f"test_case_{i} {'FAILED' if i % 7 == 0 else 'ok'}")
        for i in range(1, 25)
    ]
    lint = [("stdout", f"src/file_{i}.py: \x1b[32mclean\x1b[0m") for i in range(1, 12)]
    deploy = [("stdout", f"uploading chunk {i} of 40 ✓") for i in range(1, 19)]
    specs = [
        ("wsr_split0build", "running", "python3 build.py --lines 2000", None, build, True),
        ("wsr_split1tests", "failed", "python3 run_tests.py --fail-every 7", 1, tests, False),
        ("wsr_split2lint", "succeeded", "python3 lint.py", 0, lint, False),
        ("wsr_split3deploy", "running", "sh deploy.sh production", None, deploy, True),
    ]
    runs = {}
    for run_id, status, command, exit_code, lines, live in specs:
        run = _run(run_id, status, command, exit_code)
        runs[run_id] = (run, _events(run, lines, live), live)
    return runs


def fixed_runs_server() -> Starlette:
    """Serves :func:`_fixed_runs`: the run, its replay page and its live stream."""
    runs = _fixed_runs()

    async def get_run(request: Request) -> Response:
        run = runs.get(request.path_params["run_id"])
        if run is None:
            return JSONResponse({"error": {"code": "not_found", "message": "no"}}, 404)
        return JSONResponse({"workspaceRun": run[0]})

    async def events(request: Request) -> Response:
        found = runs.get(request.path_params["run_id"])
        if found is None:
            return JSONResponse({"error": {"code": "not_found", "message": "no"}}, 404)
        _, run_events, live = found
        after = int(request.query_params.get("afterSeq", "0"))
        todo = [e for e in run_events if e["seq"] > after]
        if request.query_params.get("stream") != "true":
            return JSONResponse({"data": todo, "hasMore": False, "nextSeq": after + len(todo)})

        async def body() -> AsyncIterator[bytes]:
            for event in todo:
                yield f"id: {event['seq']}\ndata: {json.dumps(event)}\n\n".encode()
            if live:
                await asyncio.Event().wait()  # a live run: the stream stays open

        return StreamingResponse(body(), media_type="text/event-stream")

    return Starlette(
        routes=[
            Route("/v1/workspace-runs/{run_id}", get_run),
            Route("/v1/workspace-runs/{run_id}/events", events),
        ]
    )


@pytest.fixture
def runs_server() -> Iterator[int]:
    with serve_app_in_thread(fixed_runs_server()) as port:
        yield port


class SplitHost(App[None]):
    """Just the split tail over a real client."""

    # The fixed runs printed last long before "now" (frozen, or the wall clock for the
    # split), so they would read "Quiet for …"; quiet runs have tests/ui/test_quiet.py.
    quiet_after = 0.0

    def __init__(self, port: int, run_ids: list[str]) -> None:
        super().__init__()
        self.client = snapshot_client(port, stall_timeout=120)
        self.run_ids = run_ids

    def on_mount(self) -> None:
        self.push_screen(SplitTailScreen(self.client, self.run_ids))


def _caught_up(pane: TailPane) -> bool:
    status = pane.stream_status  # what the pane has shown, not just received
    if pane.run is None:
        return False
    run_events = _fixed_runs()[pane.run_id][1]
    if pane.run.is_terminal:
        return status.state is StreamState.ENDED
    return status.events_delivered == len(run_events)


def _split_ready(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, SplitTailScreen)
        for _ in range(500):
            await pilot.pause(0.02)
            if all(_caught_up(pane) for pane in screen.panes):
                break
        else:
            raise AssertionError("the panes never caught up")
        await pilot.press(*keys)
        await pilot.pause(0.1)
        for pane in screen.panes:
            pane.log_view.flush()  # what has arrived is on screen, whatever the frame
        await pilot.pause(0.1)
        await pilot.wait_for_scheduled_animations()

    return run_before


def test_split_two_side_by_side(snap_compare: SnapCompare, runs_server: int) -> None:
    app = SplitHost(runs_server, ["wsr_split0build", "wsr_split1tests"])
    assert snap_compare(app, run_before=_split_ready("tab"), terminal_size=(150, 36))


def test_split_three_stacked(snap_compare: SnapCompare, runs_server: int) -> None:
    app = SplitHost(runs_server, ["wsr_split1tests", "wsr_split2lint", "wsr_split3deploy"])
    assert snap_compare(app, run_before=_split_ready("v"), terminal_size=(150, 45))


def test_list_with_watched_and_marked_rows(snap_compare: SnapCompare) -> None:
    app = CrowNestApp(FakeClient(), refresh_interval=0, clock=lambda: FROZEN_NOW)
    app.watcher.interval = 3600  # no poll during the snapshot

    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        # watch rows 0 and 2, mark rows 0, 1 and 4 for the split, cursor on row 5
        await pilot.press("w", "space", "down", "space", "down", "w", "down", "down", "space")
        await pilot.press("down")
        await settle(pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(150, 32))
