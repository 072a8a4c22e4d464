"""Quitting ``--demo`` ends its backend's runs: ``q`` asks first when runs are active,
and only then (``--local``'s backend runs on its own: ``q`` just quits)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Label

from crownest_tui.ui.screens.confirm_quit import ConfirmQuitScreen
from crownest_tui.ui.screens.runs import RunsScreen
from tests.conftest import BackendFactory
from tests.local.support import client_for as http_for
from tests.local.support import start_run, wait_for
from tests.ui.conftest import RecordingApp, client_for, settle


async def press_q(pilot: Pilot[None]) -> Screen[object]:
    """Press ``q`` once the app has settled; the screen it leads to."""
    await settle(pilot)
    await pilot.press("q")
    await settle(pilot)
    return pilot.app.screen


async def test_q_in_the_demo_with_active_runs_asks_first(make_backend: BackendFactory) -> None:
    backend = make_backend()
    async with http_for(backend) as http:
        run = await start_run(http, "sleep 60")
        await wait_for(http, run["id"], lambda run: run["status"] == "running")
        app = RecordingApp(client_for(backend), refresh_interval=0, demo=True)
        async with app.run_test(size=(120, 40)) as pilot:
            question = await press_q(pilot)
            assert isinstance(question, ConfirmQuitScreen)
            text = " ".join(str(label.render()) for label in question.query(Label))
            assert "1 run is still active" in text and "Quitting ends them" in text
            assert question.focused is not None and question.focused.id == "back"
            await pilot.press("n")
            await settle(pilot)
            assert isinstance(app.screen, RunsScreen) and app.is_running
            assert isinstance(await press_q(pilot), ConfirmQuitScreen)
            await pilot.press("y")
            await pilot.pause()
            assert not app.is_running
        assert app.return_code == 0
        # q on the question quits too.
        app = RecordingApp(client_for(backend), refresh_interval=0, demo=True)
        async with app.run_test(size=(120, 40)) as pilot:
            assert isinstance(await press_q(pilot), ConfirmQuitScreen)
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running
        await http.post(f"/v1/workspace-runs/{run['id']}/cancel")


async def quits_at_once(app: RecordingApp) -> bool:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        return not app.is_running


async def test_q_quits_at_once_without_active_runs_or_outside_the_demo(
    make_backend: BackendFactory,
) -> None:
    backend = make_backend()
    for demo in (True, False):
        assert await quits_at_once(RecordingApp(client_for(backend), refresh_interval=0, demo=demo))
    async with http_for(backend) as http:
        run = await start_run(http, "sleep 60")
        await wait_for(http, run["id"], lambda run: run["status"] == "running")
        # Not the demo (--local, or a hosted CrowNest): runs go on, nothing to ask.
        assert await quits_at_once(RecordingApp(client_for(backend), refresh_interval=0))
        await http.post(f"/v1/workspace-runs/{run['id']}/cancel")
