"""Bulk cancel from the list: space marks, c asks once for every marked active run."""

from __future__ import annotations

import asyncio

from textual.widgets import Button, Label, Static

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.screens.confirm_bulk_cancel import ConfirmBulkCancelScreen
from tests.local.support import make_archive

from .conftest import RecordingApp, client_for, new_suite, runs_screen, settle, suite_app
from .log_helpers import wait_until


async def _start(client: CrowNestClient, command: str, suite: str) -> str:
    run = await client.create_run(command=command, metadata={"suite": suite})
    await client.upload_archive(run.id, make_archive({"README": "hi\n"}))
    return (await client.start_run(run.id)).id


async def _ended(client: CrowNestClient, run_id: str) -> bool:
    return (await client.get_run(run_id)).is_terminal


async def _wait_ended(client: CrowNestClient, run_id: str, within: float = 20.0) -> None:
    for _ in range(int(within / 0.05)):
        if await _ended(client, run_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{run_id} did not end")


async def test_bulk_cancel_of_five_marked_runs_two_of_them_ended(
    backend: LocalBackendProcess,
) -> None:
    suite = new_suite()
    client = client_for(backend)
    done = [await _start(client, "true", suite) for _ in range(2)]
    for run_id in done:
        await _wait_ended(client, run_id)
    running = [await _start(client, "sleep 60", suite) for _ in range(3)]
    app = RecordingApp(
        client_for(backend), refresh_interval=0, filters=RunFilters.build(metadata={"suite": suite})
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        assert screen.table.row_count == 5
        for _ in range(5):
            await pilot.press("space", "down")
        assert sorted(screen.table.picked) == sorted([*done, *running])
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmBulkCancelScreen))
        assert app.focused is not None and app.focused.id == "back"
        assert isinstance(app.focused, Button)
        listed = " ".join(str(row.render()) for row in app.screen.query(".run").results(Static))
        assert all(run_id in listed for run_id in running)
        assert not any(run_id in listed for run_id in done)
        skipped = str(app.screen.query_one("#skipped", Static).render())
        assert all(f"{run_id} (succeeded)" in skipped for run_id in done)

        await pilot.press("enter")  # Back is the default: nothing happens
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmBulkCancelScreen)
        assert not any([await _ended(client, run_id) for run_id in running])

        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmBulkCancelScreen))
        await pilot.press("y")
        await settle(pilot)
        for run_id in running:
            assert (await client.get_run(run_id)).status == "canceled"
        assert app.said("Canceling 3 runs")
        assert app.said("Bulk cancel: 3 canceled")
        assert app.said("2 marked runs had already ended: skipped")
        assert all(app.said(f"{run_id} canceled") for run_id in running)
        assert screen.table.picked == []  # every marked run was dealt with
        shown = {run.id: run.status for run in screen.run_list.runs}
        assert all(shown[run_id] == "canceled" for run_id in running)
    await client.aclose()
    await app.client.aclose()


async def test_marks_that_all_ended_cancel_nothing(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    client = client_for(backend)
    run_id = await _start(client, "true", suite)
    await _wait_ended(client, run_id)
    app = RecordingApp(
        client_for(backend), refresh_interval=0, filters=RunFilters.build(metadata={"suite": suite})
    )
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space", "c")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmBulkCancelScreen)
        assert app.said("Every marked run has already ended")
    await client.aclose()
    await app.client.aclose()


async def test_a_long_bulk_cancel_says_how_far_it_is(backend: LocalBackendProcess) -> None:
    app = suite_app(backend, 25, "running")  # records only: cancel ends them at once
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        for _ in range(25):
            await pilot.press("space", "down")
        assert len(screen.table.picked) == 25
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmBulkCancelScreen))
        assert str(app.screen.query_one("#title", Label).render()) == "Cancel 25 marked runs?"
        assert len(app.screen.query(".run")) == 12  # named; the rest are counted
        assert str(app.screen.query_one("#more", Static).render()) == "… and 13 more runs"
        await pilot.press("y")
        await settle(pilot)
        assert app.said("10 of 25 done…") and app.said("20 of 25 done…")
        assert app.said("Bulk cancel: 25 canceled")
        assert app.said("… and 17 more runs")
        assert all(run.status == "canceled" for run in screen.run_list.runs)
    await app.client.aclose()


async def test_marked_runs_filtered_out_since_are_named_and_left_alone(
    backend: LocalBackendProcess,
) -> None:
    app = suite_app(backend, 2, "running")  # metadata suite=…, n=0 / n=1
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = runs_screen(app)
        await pilot.press("space", "down", "space")
        marked = {run.metadata["n"]: run.id for run in screen.run_list.runs}
        screen.set_filters(RunFilters.build(metadata={**screen.filters.metadata_dict, "n": "0"}))
        await settle(pilot)
        assert [run.id for run in screen.run_list.runs] == [marked["0"]]
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmBulkCancelScreen))
        unlisted = str(app.screen.query_one("#unlisted", Static).render())
        assert unlisted == f"Not in the list now (filtered out), left alone: {marked['1']}"
        await pilot.press("y")
        await settle(pilot)
        assert (await app.client.get_run(marked["0"])).status == "canceled"
        assert (await app.client.get_run(marked["1"])).status == "running"
        assert screen.table.picked == [marked["1"]]  # still marked: nothing was done to it
    await app.client.aclose()
