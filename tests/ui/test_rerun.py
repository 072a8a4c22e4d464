"""``!`` runs a run again: from the folder the form launched it from (changed since),
or says why it cannot; Back is the default of its confirmation."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, Static

from crownest_tui.launch.remembered import recall
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.screens.confirm_rerun import ConfirmRerunScreen
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.widgets.log_view import LogView

from .conftest import runs_screen, settle, suite_app
from .log_helpers import wait_until
from .palette import run_command
from .test_new_run import fill, finished, new_run_form


def _log_lines(screen: RunDetailScreen) -> list[str]:
    log = screen.query_one("#log-view", LogView)
    return [log.transcript.line(i).raw for i in range(log.transcript.committed)]


async def test_rerun_from_the_detail_screen_packs_the_changed_folder(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "note.txt").write_text("before\n")
    async with new_run_form(backend) as (app, pilot, form):
        await fill(form, folder=str(folder), command="cat note.txt", metadata="suite=rerun")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: finished(app.screen), within=30)
        first = app.screen
        assert isinstance(first, RunDetailScreen)
        first_id, first_run = first.run_id, first.state.run
        assert first_run is not None and first_run.archive is not None
        source = recall(first.run_id)
        assert source is not None and source.path == folder.resolve()  # the form remembers

        (folder / "note.txt").write_text("after\n")
        await pilot.press("exclamation_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRerunScreen), within=30)
        assert app.focused is not None and app.focused.id == "back"
        assert isinstance(app.focused, Button)
        change = app.screen.query_one("#change", Static)
        text = str(change.render())
        assert f"changed since {first.run_id}: sha256 {first_run.archive.sha256[:12]} → " in text
        assert change.has_class("-changed")
        await pilot.press("enter")  # Back: nothing is started
        await pilot.pause()
        assert app.screen is first

        await pilot.press("exclamation_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmRerunScreen), within=30)
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RunDetailScreen) and app.screen is not first,
            within=30,
        )
        second = app.screen
        assert isinstance(second, RunDetailScreen)
        await wait_until(pilot, lambda: finished(second), within=30)
        await wait_until(pilot, lambda: bool(_log_lines(second)))
        assert _log_lines(second) == ["after"]
        run = second.state.run
        assert run is not None and run.metadata == {"suite": "rerun"}
        assert run.command == "cat note.txt"
        assert app.said(f"{second.run_id} started: {first_id} again")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is first  # the run it reran is underneath


async def test_rerun_in_the_list_explains_a_run_without_an_archive(
    backend: LocalBackendProcess,
) -> None:
    app = suite_app(backend, 1)  # made by a test hook: no archive anywhere
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmRerunScreen)
        assert app.said("this run's archive is not available here: launch it from its folder")
        assert runs_screen(app).table.row_count == 1
        app.notes.clear()
        await run_command(pilot, "run again", "Run again")  # the palette has it too
        await settle(pilot)
        assert app.said("this run's archive is not available here")
    await app.client.aclose()


async def test_read_only_does_not_rerun(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 1, read_only=True)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert app.said("Read-only")
        assert not app.said("Preparing")
    await app.client.aclose()
