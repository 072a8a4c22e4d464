"""No text from the API or a run is ever read as markup (issue 12 point 4).

A scripted server sends ``[b]``, ``[/x]`` and ``[link=…]`` in run ids, project names,
commands, metadata, statuses, error codes and messages. Every toast, banner and
dialog they reach shows them as written, and nothing raises ``MarkupError``. (Pilot
runs without toasts unless asked: these tests ask, and render every one.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from textual.app import App
from textual.command import CommandList
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from textual.widgets._toast import Toast

from crownest_tui.api import Backoff, CrowNestClient, StreamOptions
from crownest_tui.core.filters import RunFilters
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.screens.confirm_cancel import ConfirmCancelScreen
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.error_details import ErrorDetailsScreen
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.error_banner import ErrorBanner
from crownest_tui.ui.widgets.log_view import LogView
from tests.support import serve_app
from tests.ui.log_helpers import wait_until as wait_for

from .conftest import runs_screen, settle
from .hostile_server import (
    BROKEN,
    COMMAND,
    DOWN,
    DOWN_CODE,
    GONE,
    JOB_NAME,
    LIVE,
    OUTPUT,
    PROJECT,
    PROJECT_NAME,
    REFUSED,
    STOPPING,
    HostileServer,
)

SIZE = (200, 50)  # wide enough that no dialog line is cut


@pytest.fixture
async def hostile() -> AsyncIterator[tuple[HostileServer, CrowNestClient]]:
    server = HostileServer()
    async with serve_app(server.app()) as port:
        client = CrowNestClient(
            "cn_test_key",
            f"http://127.0.0.1:{port}",
            max_attempts=1,
            stream_options=StreamOptions(stall_timeout=60, backoff=Backoff(base=30, cap=30)),
        )
        async with client:
            yield server, client


def shown(widget: Widget) -> str:
    """What a widget draws, as plain text (rendering markup would raise here)."""
    return str(widget.render())


def toasts(app: App[None]) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def wait_until(pilot: Pilot[None], check: Callable[[], bool]) -> None:
    await wait_for(pilot, check, 20, explain=lambda: f"toasts: {toasts(pilot.app)}")


async def toast_says(pilot: Pilot[None], *parts: str) -> None:
    """Wait for a toast showing every one of ``parts``, literally."""
    await wait_until(pilot, lambda: any(all(p in t for p in parts) for t in toasts(pilot.app)))


def dialog_text(screen: Widget) -> str:
    """Every label and static text of a dialog, one per line."""
    return "\n".join(shown(widget) for widget in screen.query(Static))


def palette_prompts(app: App[None]) -> list[str]:
    options = app.screen.query_one(CommandList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_list_watch_cancel_banner_and_split_show_api_text_as_written(
    hostile: tuple[HostileServer, CrowNestClient],
) -> None:
    server, client = hostile
    app = CrowNestApp(client, refresh_interval=0, filters=RunFilters())
    app.watcher.interval = 0.2
    app.watcher.store_for = None  # nothing written to the user's state folder
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        assert table.shown_ids == [LIVE, BROKEN]

        await pilot.press("w")  # watch toast
        await toast_says(pilot, f"Watching {LIVE}: you will be told when it ends.")

        await pilot.press("c")  # confirm dialog: id, project, command as written
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmCancelScreen))
        text = dialog_text(app.screen)
        assert LIVE in text and PROJECT_NAME in text and COMMAND in text
        await pilot.press("y")  # cancel result
        await toast_says(pilot, f"{LIVE} is now {STOPPING}.")
        await pilot.press("c", "y")  # refused: the API's message
        await toast_says(pilot, f"{LIVE} had already finished: {REFUSED}")

        server.finish()  # the watched run ends: the watcher's toast
        await toast_says(pilot, f"{LIVE} failed in 1m 30s (exit 3) · {JOB_NAME}")

        server.fail_list = True  # the error banner and its details dialog
        await pilot.press("r")
        banner = runs_screen(app).query_one(ErrorBanner)
        await wait_until(pilot, lambda: DOWN in shown(banner))
        assert f"CrowNest error 503 ({DOWN_CODE}): {DOWN}" in shown(banner)
        await pilot.press("e")
        await wait_until(pilot, lambda: isinstance(app.screen, ErrorDetailsScreen))
        text = dialog_text(app.screen)
        assert f"CrowNest error 503 ({DOWN_CODE})" in text and f"Message: {DOWN}" in text
        assert f"Code:    {DOWN_CODE}" in text
        await pilot.press("escape")
        server.fail_list = False

        await pilot.press("ctrl+p", *"Filter project")  # the palette names the project
        want = f"Filter project: {PROJECT_NAME}\n{PROJECT}"  # the command, then its help
        await wait_until(pilot, lambda: want in palette_prompts(app))
        await pilot.press("escape")

        await pilot.press("space", "down", "space", "t")  # the split panes' toasts
        await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
        await toast_says(pilot, f"{BROKEN}: CrowNest error 404 (not_found)", GONE)
        await toast_says(pilot, f"{BROKEN}: stream stopped", GONE)
        assert app.is_running


class DetailHost(App[None]):
    def __init__(self, client: CrowNestClient, run_id: str) -> None:
        super().__init__()
        self.client, self.run_id = client, run_id

    def on_mount(self) -> None:
        self.push_screen(RunDetailScreen(self.client, self.run_id))


async def test_the_detail_screen_shows_api_text_as_written(
    hostile: tuple[HostileServer, CrowNestClient],
) -> None:
    server, client = hostile
    async with DetailHost(client, LIVE).run_test(size=SIZE, notifications=True) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, RunDetailScreen)
        log = screen.query_one("#log-view", LogView)
        await wait_until(pilot, lambda: log.transcript.committed == 1)
        assert log.transcript.line(0).raw == OUTPUT  # the run's output, kept as written

        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, ConfirmCancelScreen))
        assert LIVE in dialog_text(pilot.app.screen)
        await pilot.press("y")
        await toast_says(pilot, f"{LIVE} is being canceled.")
        await pilot.press("c", "y")
        await toast_says(pilot, f"{LIVE} had already finished: {REFUSED}")

        server.finish()
        await toast_says(pilot, f"{LIVE} failed in 1m 30s, exit code 3")

    async with DetailHost(client, BROKEN).run_test(size=SIZE, notifications=True) as pilot:
        await toast_says(pilot, GONE)
        titles = [n.title for n in pilot.app._notifications]
        assert "CrowNest error 404 (not_found)" in titles
        assert "Stream stopped: CrowNest error 404 (not_found)" in titles
        assert pilot.app.is_running
