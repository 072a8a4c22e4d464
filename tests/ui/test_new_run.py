"""``n``: launch a run from a folder in the dashboard, then follow it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.new_run_form import NewRunForm, last_values_path, load_last_values
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.new_run import NewRunScreen
from crownest_tui.ui.widgets.log_view import LogView

from .conftest import RecordingApp, settle, suite_app


def project(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "hello.py").write_text("print('hello from the form')\n")
    return folder


def finished(screen: object) -> bool:
    """A detail screen whose run has ended."""
    return (
        isinstance(screen, RunDetailScreen)
        and screen.state.run is not None
        and screen.state.run.is_terminal
    )


async def fill(screen: NewRunScreen, **values: str) -> None:
    for name, value in values.items():
        screen.query_one(f"#{name}", Input).value = value


@contextlib.asynccontextmanager
async def new_run_form(
    backend: LocalBackendProcess,
) -> AsyncIterator[tuple[RecordingApp, Pilot[None], NewRunScreen]]:
    """The dashboard with the "new run" form open (``n``)."""
    app = suite_app(backend, 1)
    async with app.run_test(size=(140, 45)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewRunScreen)
        yield app, pilot, form


async def test_the_form_launches_a_run_and_opens_its_tail(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    async with new_run_form(backend) as (app, pilot, form):
        await fill(
            form,
            folder=str(folder),
            command="python3 hello.py",
            metadata="suite=form kind='a b'",
            timeout="2m",
        )
        await pilot.press("ctrl+s")
        for _ in range(500):
            await pilot.pause(0.02)
            if finished(app.screen):
                break
        detail = app.screen
        assert isinstance(detail, RunDetailScreen)
        run = detail.state.run
        assert run is not None and run.status == "succeeded"
        assert run.metadata == {"suite": "form", "kind": "a b"} and run.timeout_ms == 120_000
        log = detail.query_one("#log-view", LogView)
        for _ in range(200):
            if log.transcript.committed:
                break
            await pilot.pause(0.02)
        assert log.transcript.line(0).raw == "hello from the form"
    remembered = load_last_values()
    assert remembered.command == "python3 hello.py" and remembered.folder == str(folder)
    assert last_values_path().is_file()


async def test_bad_values_are_explained_on_the_form(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    folder = project(tmp_path)
    async with new_run_form(backend) as (app, pilot, form):
        values: dict[str, str]
        for values, field in [
            ({"folder": str(folder), "command": ""}, "command"),
            ({"command": "true", "timeout": "soon"}, "timeout"),
            ({"timeout": "", "project": "storefront"}, "project"),
            ({"project": "", "metadata": "novalue"}, "metadata"),
            ({"metadata": "", "folder": str(tmp_path / "missing")}, "folder"),
        ]:
            await fill(form, **values)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, NewRunScreen)
            assert form.focused is form.query_one(f"#{field}", Input)
        await pilot.press("escape")
        assert not isinstance(app.screen, NewRunScreen)


async def test_read_only_has_no_new_run(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 1, read_only=True)
    async with app.run_test() as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert not isinstance(app.screen, NewRunScreen)


def test_form_values_round_trip(tmp_path: Path) -> None:
    from crownest_tui.ui.new_run_form import save_last_values

    path = tmp_path / "state" / "new-run.json"
    form = NewRunForm(folder="/src", command="make", keep_sandbox=True, metadata="a=1")
    save_last_values(form, path)
    assert load_last_values(path) == form
    path.write_text("{broken")
    assert load_last_values(path) == NewRunForm()
