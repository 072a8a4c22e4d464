"""The app shell: welcome screen without a credential, help, open-run hook, palette."""

from __future__ import annotations

from typing import Any

from textual.geometry import Region
from textual.widgets import Markdown, Static

from crownest_tui.api import CrowNestClient, Page, WorkspaceRun
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.keymap import known_binding_ids
from crownest_tui.ui.messages import OpenRun
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.help import HelpScreen
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.screens.welcome import WelcomeScreen
from crownest_tui.ui.widgets.run_header import RunHeader

from .conftest import (
    RecordingApp,
    client_for,
    runs_screen,
    settle,
    shown_ids,
    suite_app,
    suite_runs,
)
from .fakes import FakeClient, fixed_runs


async def test_no_credential_shows_the_welcome_screen() -> None:
    client = CrowNestClient(base_url="http://127.0.0.1:9")
    assert not client.has_credential
    app = RecordingApp(client)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        text = app.screen.query_one(Markdown).source
        for needed in ("CROWNEST_API_KEY", "CROWNEST_BEARER_TOKEN", "crownest-tui --demo"):
            assert needed in text
        assert "official CrowNest CLI" in text
        await pilot.press("q")
    assert app.return_code == 0
    await client.aclose()


async def test_help_lists_every_binding_with_its_id(backend: LocalBackendProcess) -> None:
    client = client_for(backend)
    app = RecordingApp(client, refresh_interval=0)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        ids = {entry.binding_id for entry in app.screen.entries}
        wanted = {"runs.refresh", "runs.toggle_auto", "runs.quick_filter", "runs.clear_filters"}
        assert wanted | {"runs.cancel", "runs.open", "app.help", "app.quit"} <= ids
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
    await client.aclose()


class CountingClient(FakeClient):
    """Counts the list calls it serves."""

    calls = 0

    async def list_runs(self, **query: Any) -> Page[WorkspaceRun]:
        self.calls += 1
        return await super().list_runs(**query)


class OpeningApp(RecordingApp):
    """Records the runs it is asked to open instead of opening them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.opened: list[str] = []

    def on_open_run(self, message: OpenRun) -> None:
        self.opened.append(message.run_id)


async def test_enter_asks_the_app_to_open_the_run(backend: LocalBackendProcess) -> None:
    filters = suite_runs(backend, 2)
    client = client_for(backend)
    app = OpeningApp(client, refresh_interval=0, filters=filters)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.opened == [shown_ids(app)[1]]
    await client.aclose()


async def test_enter_opens_the_detail_screen_and_escape_comes_back(
    backend: LocalBackendProcess,
) -> None:
    app = suite_app(backend, 2)
    client = app.client
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down")
        selected = shown_ids(app)[1]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen) and app.screen.run_id == selected
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
        assert runs_screen(app).table.selected_id == selected
    await client.aclose()


async def test_the_app_can_start_on_a_run(backend: LocalBackendProcess) -> None:
    filters = suite_runs(backend, 1)
    client = client_for(backend)
    (run_id,) = [r.id async for r in client.iter_runs(metadata=dict(filters.metadata))]
    app = CrowNestApp(client, refresh_interval=0, filters=filters, open_run=OpenRun(run_id, 0))
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RunDetailScreen)
        assert app.screen.run_id == run_id and app.screen.after_seq == 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RunsScreen)
    await client.aclose()


async def test_palette_jumps_to_a_run_and_toggles_refresh(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 30, refresh_interval=5)
    client = app.client
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        target = shown_ids(app)[17]
        await pilot.press("ctrl+p", *target, "enter")
        await pilot.pause(0.3)
        await pilot.pause()
        assert runs_screen(app).table.selected_id == target
        await pilot.press("ctrl+p", *"toggle auto", "enter")
        await pilot.pause(0.3)
        assert runs_screen(app).schedule.paused
        await pilot.press("ctrl+p", *"status: failed", "enter")
        await pilot.pause(0.3)
        await settle(pilot)
        assert runs_screen(app).filters.status == "failed"
    await client.aclose()


async def test_keys_are_remapped_by_binding_id() -> None:
    client = CountingClient()
    app = RecordingApp(client, refresh_interval=0, keymap={"runs.refresh": "f5"}, theme="nope")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        calls = client.calls
        await pilot.press("r")
        await settle(pilot)
        assert client.calls == calls
        await pilot.press("f5")
        await settle(pilot)
        assert client.calls == calls + 1
        assert app.said("unknown theme")
    await client.aclose()


async def test_an_unknown_binding_id_is_reported_like_an_unknown_theme() -> None:
    keymap = {"runs.refesh": "f5", "runs.cancel": "K", "nonsense": "f9"}
    app = RecordingApp(FakeClient(), refresh_interval=0, keymap=keymap, theme="nope")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert ("Configuration", "unknown theme 'nope' (ignored)") in app.notes
        assert (
            "Configuration",
            "unknown binding id 'runs.refesh' (ignored; did you mean 'runs.refresh'?)",
        ) in app.notes
        assert ("Configuration", "unknown binding id 'nonsense' (ignored)") in app.notes
        assert not app.said("'runs.cancel'")  # a real id: remapped, no warning
    await app.client.aclose()


def test_every_binding_id_of_the_ui_is_known() -> None:
    known = known_binding_ids()
    assert {"runs.refresh", "runs.columns_right", "detail.cancel", "log.search"} <= known
    assert {"split.layout", "help.close", "app.quit", "new_run.launch"} <= known


async def test_hostile_text_from_the_api_never_reaches_the_terminal() -> None:
    hostile = fixed_runs()[0].model_copy(
        update={
            "command": "make\x1b]52;c;cHduZWQ=\x07 all\x1b[2J\n[bold]",
            "metadata": {"k\x1b]0;title\x07": "v\x9b31m"},
            "status": "odd\x1b[5m",
        }
    )
    client = FakeClient(runs=[hostile])
    app = RecordingApp(client, refresh_interval=0)
    async with app.run_test(size=(200, 30)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        line = "".join(segment.text for segment in table.render_line(1))
        assert "make all [bold]" in line and "k=v" in line and "? odd" in line
        assert not any(ch in line for ch in "\x1b\x07\x9b\n")
        await pilot.press("c")  # an unknown status counts as active
        await pilot.pause()
        shown = app.screen.query_one("#command", Static).render()
        assert "\x1b" not in str(shown)
    await client.aclose()


async def test_header_names_the_project_the_list_knows(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 1)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        run_id = shown_ids(app)[0]
        run = await app.client.get_run(run_id)
        name = runs_screen(app).projects[run.project_id]
        await pilot.press("enter")
        await settle(pilot)
        header = app.screen.query_one(RunHeader)

        def header_text() -> str:
            region = Region(0, 0, header.size.width, header.size.height)
            return "\n".join(strip.text for strip in header.render_lines(region))

        assert f" · {name} · " in header_text()  # folded: the name only
        await pilot.press("i")  # every field, the project's id too
        await pilot.pause()
        assert f"{name} ({run.project_id})" in header_text()
