"""Cancel from the list: confirmation, success, 403, terminal runs, read-only."""

from __future__ import annotations

import json
import uuid

from textual.widgets import Button

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.screens.confirm_cancel import ConfirmCancelScreen

from .conftest import RecordingApp, client_for, runs_screen, settle, suite_app, suite_runs


async def test_cancel_asks_first_and_updates_the_row(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 2, "running")
    client = app.client
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        run_id = table.selected_id
        assert run_id is not None
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmCancelScreen)
        assert app.focused is not None and app.focused.id == "back"
        assert isinstance(app.focused, Button)
        await pilot.press("enter")  # the focused default backs out
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmCancelScreen)
        assert (await client.get_run(run_id)).status == "running"

        await pilot.press("c", "n")
        await pilot.press("c", "escape")
        await pilot.pause()
        assert (await client.get_run(run_id)).status == "running"

        await pilot.press("c", "y")
        await settle(pilot)
        assert (await client.get_run(run_id)).status == "canceled"
        run = table.selected_run()
        assert run is not None and run.status == "canceled"
        assert app.said("is now canceled")

        await pilot.press("c")  # now terminal: explained, no modal
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmCancelScreen)
        assert app.said("is already canceled")
    await client.aclose()


async def test_terminal_run_cannot_be_canceled(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 2, "succeeded")
    client = app.client
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmCancelScreen)
        assert app.said("only active runs can be canceled")
    await client.aclose()


async def test_missing_cancel_scope_is_explained(backend: LocalBackendProcess) -> None:
    token = f"cn_local_reader_{uuid.uuid4().hex}"
    keys = {"keys": [{"name": "reader", "token": token, "scopes": ["workspace_run:read"]}]}
    (backend.state_dir / "keys.json").write_text(json.dumps(keys))
    filters = suite_runs(backend, 2, "running")
    client = client_for(backend, token)
    app = RecordingApp(client, refresh_interval=0, filters=filters)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        run_id = runs_screen(app).table.selected_id
        assert run_id is not None
        await pilot.press("c", "y")
        await settle(pilot)
        assert app.said("workspace_run:cancel")
        assert (await client.get_run(run_id)).status == "running"
    await client.aclose()


async def test_read_only_hides_cancel(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 2, "running", read_only=True)
    client = app.client
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        assert "c" not in screen.active_bindings
        run_id = screen.table.selected_id
        assert run_id is not None
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmCancelScreen)
        assert (await client.get_run(run_id)).status == "running"
    await client.aclose()
