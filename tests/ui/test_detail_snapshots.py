"""Snapshots of the run detail screen over a scripted server (fixed ids and times)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime

import pytest
from textual.app import App
from textual.pilot import Pilot

from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.log_view import LogView
from tests.api.scripted_server import RUN_ID, Misbehaviour, ScriptedRun, make_events
from tests.support import serve_app_in_thread

from .fakes import snapshot_client

SIZE = (130, 36)
FROZEN = datetime(2026, 11, 28, 10, 5, 0, tzinfo=UTC)
SnapCompare = Callable[..., bool]


class SnapshotHost(App[None]):
    # The fixed runs printed last long before "now" (frozen, or the wall clock for the
    # split), so they would read "Quiet for …"; quiet runs have tests/ui/test_quiet.py.
    quiet_after = 0.0

    def __init__(self, port: int, **options: object) -> None:
        super().__init__()
        self.client = snapshot_client(port, stall_timeout=30)
        self.options = options

    def on_mount(self) -> None:
        self.push_screen(
            RunDetailScreen(self.client, RUN_ID, clock=lambda: FROZEN, **self.options)  # type: ignore[arg-type]
        )


def scripted(**kwargs: object) -> ScriptedRun:
    events = make_events(40, random.Random(42))
    return ScriptedRun(events, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def live_server() -> Iterator[int]:
    run = scripted(misbehave=Misbehaviour(end_without_terminal=True, hold_open=True))
    run.run_status = "running"
    with serve_app_in_thread(run.app()) as port:
        yield port


@pytest.fixture
def finished_server() -> Iterator[int]:
    with serve_app_in_thread(scripted().app()) as port:
        yield port


@pytest.fixture
def failing_server() -> Iterator[int]:
    run = scripted(status=503)
    run.run_status = "running"
    with serve_app_in_thread(run.app()) as port:
        yield port


def until(
    check: Callable[[RunDetailScreen], bool], *keys: str
) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, RunDetailScreen)
        for _ in range(500):
            await pilot.pause(0.02)
            if check(screen):
                break
        else:
            raise AssertionError("the screen never got there")
        for view in screen.query(LogView):
            view.flush()  # what has arrived is on screen, whatever the frame timing
        await pilot.press(*keys)
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()

    return run_before


def streamed(count: int) -> Callable[[RunDetailScreen], bool]:
    return lambda s: s.stream_status.events_delivered >= count  # shown, not just received


def test_live_run(snap_compare: SnapCompare, live_server: int) -> None:
    app = SnapshotHost(live_server)
    assert snap_compare(app, run_before=until(streamed(39)), terminal_size=SIZE)


def test_finished_run_with_evidence(snap_compare: SnapCompare, finished_server: int) -> None:
    app = SnapshotHost(finished_server)
    done = lambda s: s.query_one("EvidenceView").evidence is not None  # noqa: E731
    assert snap_compare(app, run_before=until(done, "3"), terminal_size=SIZE)


def test_cancel_confirmation(snap_compare: SnapCompare, live_server: int) -> None:
    app = SnapshotHost(live_server)
    assert snap_compare(app, run_before=until(streamed(39), "c"), terminal_size=SIZE)


def test_reconnecting(snap_compare: SnapCompare, failing_server: int) -> None:
    app = SnapshotHost(failing_server)
    waiting = lambda s: s.stream_status.attempt >= 1  # noqa: E731
    assert snap_compare(app, run_before=until(waiting), terminal_size=SIZE)


def test_folded_header_at_80x24(snap_compare: SnapCompare, finished_server: int) -> None:
    """Two header rows: the log keeps two thirds of a small terminal."""
    app = SnapshotHost(finished_server)
    assert snap_compare(app, run_before=until(streamed(40)), terminal_size=(80, 24))


def test_expanded_header_at_80x24(snap_compare: SnapCompare, finished_server: int) -> None:
    """``i``: every field of the run."""
    app = SnapshotHost(finished_server)
    assert snap_compare(app, run_before=until(streamed(40), "i"), terminal_size=(80, 24))


def test_raw_json_evidence(snap_compare: SnapCompare, finished_server: int) -> None:
    """``j``: the bundle as indented, coloured JSON."""
    app = SnapshotHost(finished_server)
    done = lambda s: s.query_one("EvidenceView").evidence is not None  # noqa: E731
    assert snap_compare(app, run_before=until(done, "3", "j"), terminal_size=(80, 24))
