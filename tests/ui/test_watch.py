"""Watching runs against the local backend: marks, the end toast, bell, notify-send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.core.watchlist import end_text
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.notify import DesktopNotifier
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.widgets.log_view import LogView
from crownest_tui.ui.widgets.runs_table import RunsTable
from tests.local.support import make_archive, open_gate
from tests.ui.log_helpers import wait_until

from .conftest import RecordingApp, client_for, new_suite, runs_screen, settle, suite_runs

ENDED = "Watched run ended"


class WatchApp(RecordingApp):
    """Records bells too; polls the watched runs often."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bells = 0
        self.watcher.interval = 0.2

    def bell(self) -> None:
        self.bells += 1
        super().bell()


def fake_notify_send(tmp_path: Path) -> tuple[DesktopNotifier, Path]:
    """A ``notify-send`` that appends its argv (NUL-separated, one call a line)."""
    record = tmp_path / "notify-send.calls"
    script = tmp_path / "notify-send"
    script.write_text(f'#!/bin/sh\nprintf "%s\\0" "$0" "$@" >> "{record}"\necho >> "{record}"\n')
    script.chmod(0o755)
    return DesktopNotifier(str(script)), record


def calls(record: Path) -> list[list[str]]:
    if not record.exists():
        return []
    lines = record.read_bytes().split(b"\0\n")
    return [line.decode().split("\0") for line in lines if line]


class Gate:
    """A file in the run's workspace that the run waits for (a run sees only its own
    workspace): :meth:`touch` lets it go on."""

    NAME = "gate"

    def __init__(self, backend: LocalBackendProcess) -> None:
        self.backend = backend
        self.run_id = ""

    def touch(self) -> None:
        open_gate(self.backend, self.run_id, self.NAME)


async def gated_run(
    client: CrowNestClient, suite: str, gate: Gate, tail: str = "echo done", **fields: Any
) -> str:
    """A real run that waits for ``gate`` to exist, then runs ``tail`` and ends."""
    command = f"while [ ! -e {gate.NAME} ]; do sleep 0.05; done; {tail}"
    metadata = {"suite": suite, "name": "gated job"}
    run = await client.create_run(command=command, metadata=metadata, **fields)
    gate.run_id = run.id
    await client.upload_archive(run.id, make_archive({"README": "hi\n"}))
    started = await client.start_run(run.id)
    return started.id


def row_text(table: RunsTable, run_id: str) -> str:
    """What the table draws for a run's row (it must be in view)."""
    row = table.row_of(run_id)
    assert row is not None
    return table.render_line(row + 1 - int(table.scroll_y)).text


def watch_app(backend: LocalBackendProcess, suite: str, **options: Any) -> WatchApp:
    filters = RunFilters.build(metadata={"suite": suite})
    return WatchApp(client_for(backend), refresh_interval=0, filters=filters, **options)


async def open_detail(pilot: Pilot[None], app: WatchApp) -> RunDetailScreen:
    """Open the cursor's run (``enter``) and wait until its detail screen has it."""
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
    screen = app.screen
    assert isinstance(screen, RunDetailScreen)
    await wait_until(pilot, lambda: screen.state.run is not None)
    return screen


async def test_w_marks_a_row_and_the_mark_survives_refresh_and_filters(
    backend: LocalBackendProcess,
) -> None:
    filters = suite_runs(backend, 3, "running")
    app = WatchApp(client_for(backend), refresh_interval=0, filters=filters)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        first = table.selected_id
        assert first is not None
        assert "◉" not in row_text(table, first)
        await pilot.press("w")
        assert table.watched == {first} and first in app.watchlist
        assert row_text(table, first).lstrip().startswith("◉")
        assert app.said(f"Watching {first}")

        await pilot.press("r")  # a refresh brings new copies of every run
        await settle(pilot)
        assert row_text(table, first).lstrip().startswith("◉")

        other = table.shown_ids[-1]
        await pilot.press("slash", *other[-6:], "enter")  # quick filter: only the other
        await settle(pilot)
        assert table.shown_ids == [other]
        assert "◉" not in row_text(table, other)
        await pilot.press("slash", "escape")  # the quick filter cleared
        await settle(pilot)
        assert row_text(table, first).lstrip().startswith("◉")
        screen = runs_screen(app)
        screen.set_filters(RunFilters.build(status="terminal", metadata=filters.metadata))
        await settle(pilot)
        assert table.row_count == 0
        screen.set_filters(filters)  # a server-side filter change, and back
        await settle(pilot)
        assert row_text(table, first).lstrip().startswith("◉")

        table.move_cursor(table.row_of(first) or 0)
        await pilot.press("w")
        assert first not in app.watchlist and table.watched == frozenset()
        assert "◉" not in row_text(table, first)
        assert app.said(f"No longer watching {first}")
    await app.client.aclose()


async def test_a_watched_run_ending_is_announced_with_bell_and_notify_send(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    suite = new_suite()
    gate = Gate(backend)
    notifier, record = fake_notify_send(tmp_path)
    async with client_for(backend) as client:
        run_id = await gated_run(client, suite, gate, "echo done")
        app = watch_app(backend, suite, bell=True)
        app.watcher.notifier = notifier
        async with app.run_test(size=(160, 30)) as pilot:
            await settle(pilot)
            table = runs_screen(app).table
            assert table.selected_id == run_id
            await pilot.press("w")
            assert run_id in app.watchlist
            await pilot.pause(0.5)  # a few polls while it runs: nothing to say yet
            assert not app.said(ENDED) and app.bells == 0
            gate.touch()
            await wait_until(pilot, lambda: app.said(ENDED))
            await wait_until(pilot, lambda: len(calls(record)) == 1)
            run = await client.get_run(run_id)
            assert run.status == "succeeded"
            text = end_text(run)
            assert text.startswith(f"{run_id} succeeded in ")
            assert text.endswith(" · gated job")
            assert (ENDED, text) in app.notes
            assert app.bells == 1
            (argv,) = calls(record)
            assert argv[1:] == ["--app-name=CrowNest", "--", "CrowNest", text]
            assert backend.token not in " ".join(argv)
            assert run_id not in app.watchlist  # an ended run is no longer watched
            assert "◉" not in row_text(table, run_id)


async def test_w_in_the_detail_screen_watches_after_it_is_closed(
    backend: LocalBackendProcess, tmp_path: Path
) -> None:
    suite = new_suite()
    gate = Gate(backend)
    notifier, record = fake_notify_send(tmp_path)
    async with client_for(backend) as client:
        run_id = await gated_run(client, suite, gate, "exit 3")
        app = watch_app(backend, suite)  # bell off
        app.watcher.notifier = notifier
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            await open_detail(pilot, app)
            await pilot.press("W")
            assert run_id in app.watchlist
            await pilot.press("escape")
            assert isinstance(app.screen, RunsScreen)
            assert row_text(runs_screen(app).table, run_id).lstrip().startswith("◉")
            gate.touch()
            await wait_until(pilot, lambda: app.said(ENDED))
            message = next(m for t, m in app.notes if t == ENDED)
            assert message.startswith(f"{run_id} failed in ") and "(exit 3)" in message
            assert app.bells == 0
            await wait_until(pilot, lambda: len(calls(record)) == 1)


async def test_watching_from_an_open_detail_screen_announces_once(
    backend: LocalBackendProcess,
) -> None:
    suite = new_suite()
    gate = Gate(backend)
    async with client_for(backend) as client:
        run_id = await gated_run(client, suite, gate)
        app = watch_app(backend, suite, bell=True)
        app.watcher.notifier = DesktopNotifier(None)  # no desktop notifications
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            screen = await open_detail(pilot, app)
            await wait_until(
                pilot, lambda: screen.state.run is not None and screen.state.run.status == "running"
            )
            await pilot.press("W")
            assert run_id in app.watchlist
            gate.touch()
            await wait_until(
                pilot, lambda: screen.state.run is not None and screen.state.run.is_terminal
            )
            await wait_until(pilot, lambda: app.said(ENDED))
            await settle(pilot)
            ended = [n for n in app.notes if n[0] in (ENDED, "Run ended")]
            assert ended == [(ENDED, ended[0][1])]  # the watcher's toast, not two
            assert app.bells == 1


async def test_unwatched_runs_end_quietly(backend: LocalBackendProcess, tmp_path: Path) -> None:
    suite = new_suite()
    gate = Gate(backend)
    notifier, record = fake_notify_send(tmp_path)
    async with client_for(backend) as client:
        run_id = await gated_run(client, suite, gate)
        app = watch_app(backend, suite, bell=True)
        app.watcher.notifier = notifier
        async with app.run_test(size=(160, 30)) as pilot:
            await settle(pilot)
            await pilot.press("w", "w")  # watch, then unwatch
            assert run_id not in app.watchlist
            gate.touch()
            await wait_until(pilot, lambda: app.said("No longer watching"))
            for _ in range(200):
                if (await client.get_run(run_id)).is_terminal:
                    break
                await pilot.pause(0.05)
            await pilot.press("r")
            await settle(pilot)
            app.watcher.poll()
            await settle(pilot)
            table = runs_screen(app).table
            run = table.selected_run()
            assert run is not None and run.status == "succeeded"  # the list saw it end
            assert not app.said(ENDED) and app.bells == 0 and calls(record) == []


async def test_watching_a_run_that_has_ended_says_so(backend: LocalBackendProcess) -> None:
    filters = suite_runs(backend, 1, "failed")
    app = WatchApp(client_for(backend), refresh_interval=0, filters=filters, bell=True)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        run_id = runs_screen(app).table.selected_id
        await pilot.press("w")
        assert app.said(f"{run_id} already failed")
        assert run_id not in app.watchlist and app.bells == 0
    await app.client.aclose()


async def test_unwatch_all_from_the_palette_and_the_list_persists(
    backend: LocalBackendProcess,
) -> None:
    filters = suite_runs(backend, 3, "running")
    app = WatchApp(client_for(backend), refresh_interval=0, filters=filters)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        await pilot.press("w", "down", "w")
        watched = set(app.watchlist.ids)
        assert len(watched) == 2
    await app.client.aclose()

    again = WatchApp(client_for(backend), refresh_interval=0, filters=filters)
    async with again.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        assert set(again.watchlist.ids) == watched  # kept per API origin
        table = runs_screen(again).table
        assert all(row_text(table, run_id).lstrip().startswith("◉") for run_id in watched)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Unwatch all")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert len(again.watchlist) == 0 and table.watched == frozenset()
        assert again.said("Stopped watching 2 runs")
    await again.client.aclose()


async def test_notify_send_gets_one_inert_line_and_its_failures_are_ignored(
    tmp_path: Path,
) -> None:
    notifier, record = fake_notify_send(tmp_path)
    assert await notifier.send("wsr_1 failed\x1b]0;pwned\x07\nrm -rf ~\t" + "x" * 300)
    ((_, *args),) = calls(record)
    assert args[:3] == ["--app-name=CrowNest", "--", "CrowNest"]
    assert args[3].startswith("wsr_1 failed rm -rf ~ xxx") and args[3].endswith("…")
    assert len(args[3]) == 200 and "\x1b" not in args[3]
    failing = tmp_path / "failing"
    failing.write_text("#!/bin/sh\nexit 7\n")
    failing.chmod(0o755)
    assert not await DesktopNotifier(str(failing)).send("wsr_1 succeeded")
    assert not await DesktopNotifier(str(tmp_path / "missing")).send("wsr_1 succeeded")
    assert DesktopNotifier(None).argv("wsr_1") is None


async def test_w_watches_from_the_detail_screen_where_the_log_has_not_taken_it(
    backend: LocalBackendProcess,
) -> None:
    """In the detail screen ``w`` is the focused log's wrap; on the other tabs (and
    with ``W`` anywhere) it watches the run."""
    suite = new_suite()
    async with client_for(backend) as client:
        gate = Gate(backend)
        run_id = await gated_run(client, suite, gate, "exit 0")
        app = watch_app(backend, suite)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            screen = await open_detail(pilot, app)
            log = screen.query_one("#log-view", LogView)
            wrapped = log.wrap
            await pilot.press("w")  # the log has focus: wrap
            assert log.wrap is not wrapped and run_id not in app.watchlist
            await pilot.press("3", "w")  # the Evidence tab: watch
            assert run_id in app.watchlist
            gate.touch()
