"""Every screen says where you are (profile, API, read-only) on one line, and in
read-only mode ``c`` says why nothing happens (issue 12, point 7)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from crownest_tui.api.client import CrowNestClient
from crownest_tui.core.defaults import DEMO_SOURCE, LOCAL_SOURCE, local_source
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.local.service import ensure_service
from crownest_tui.profiles import api_label
from crownest_tui.ui.messages import OpenRun, OpenSplit
from crownest_tui.ui.screens.confirm_cancel import ConfirmCancelScreen
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.screens.welcome import WelcomeScreen

from .conftest import RecordingApp, context_line, runs_screen, settle, shown_ids, suite_app
from .fakes import FakeClient


async def wait_for(pilot: Pilot[None], kind: type[Any]) -> None:
    for _ in range(300):
        if isinstance(pilot.app.screen, kind):
            return
        await pilot.pause(0.02)
    raise AssertionError(f"{kind.__name__} never showed")


async def test_every_screen_names_the_profile_the_api_and_read_only(
    backend: LocalBackendProcess,
) -> None:
    app = suite_app(backend, 2, "running", read_only=True, profile="work")
    expected = f"profile work · {backend.url} · read-only"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert context_line(app) == expected
        first, second = shown_ids(app)
        app.post_message(OpenRun(first))
        await wait_for(pilot, RunDetailScreen)
        assert context_line(app) == expected
        await pilot.press("escape")
        app.post_message(OpenSplit([first, second]))
        await wait_for(pilot, SplitTailScreen)
        assert context_line(app) == expected
    await app.client.aclose()


async def test_the_welcome_screen_and_a_writable_profile_say_so_too() -> None:
    client = FakeClient()
    client.connection = replace(client.connection, credential=None)
    app = RecordingApp(client, refresh_interval=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        assert context_line(app) == "no profile · http://127.0.0.1:9"  # no "read-only"


def test_a_backend_the_app_started_is_named_local_or_demo() -> None:
    connection = FakeClient().connection
    assert api_label(replace(connection, base_url_source=DEMO_SOURCE)) == "demo"
    assert api_label(replace(connection, base_url_source=LOCAL_SOURCE)) == "local"
    hosted = replace(connection, base_url="https://api.crownest.dev/v1")
    assert api_label(hosted) == "https://api.crownest.dev"
    for source, label in ((LOCAL_SOURCE, "local"), (DEMO_SOURCE, "demo")):
        unsandboxed = local_source(source, sandboxed=False)
        assert (
            api_label(replace(connection, base_url_source=unsandboxed)) == f"{label} · unsandboxed"
        )
        assert local_source(source, sandboxed=True) == source


async def test_an_unsandboxed_local_backend_says_so_on_every_screen(service_dir: Path) -> None:
    connection = ensure_service(service_dir, options=("--no-sandbox",)).connection
    app = RecordingApp(CrowNestClient(connection=connection), refresh_interval=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert context_line(app) == "no profile · local · unsandboxed"
    await app.client.aclose()


async def test_read_only_c_explains_itself_in_the_list(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 2, "running", read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "c" not in runs_screen(app).active_bindings
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmCancelScreen)
        assert app.said("Read-only") and app.said("runs are not canceled")
        await pilot.press("n")
        await pilot.pause()
        assert app.said("new runs are not launched")
    await app.client.aclose()


async def test_read_only_c_explains_itself_in_the_detail(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 1, "running", read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.post_message(OpenRun(shown_ids(app)[0]))
        await wait_for(pilot, RunDetailScreen)
        await pilot.pause(0.2)
        assert "c" not in app.screen.active_bindings
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        assert app.said("Read-only") and app.said("runs are not canceled")
    await app.client.aclose()
