""" "Quiet for …": a running run that prints nothing (heartbeats do not count), in the
detail header, the split tail's panes and, for a watched run, a toast (real runs,
a short threshold; the test backend sends a heartbeat every 0.3 s)."""

from __future__ import annotations

from textual.pilot import Pilot

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.messages import OpenRun, OpenSplit
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.quiet_badge import QuietBadge
from crownest_tui.ui.widgets.tail_pane import TailPane
from tests.local.support import make_archive

from .conftest import RecordingApp, client_for, new_suite, runs_screen, settle
from .log_helpers import wait_until

QUIET = "echo started; sleep 120"
CHATTY = "while true; do echo tick; sleep 0.1; done"


async def _start(client: CrowNestClient, command: str, suite: str) -> str:
    run = await client.create_run(command=command, metadata={"suite": suite})
    await client.upload_archive(run.id, make_archive({"README": "hi\n"}))
    return (await client.start_run(run.id)).id


async def _running(client: CrowNestClient, run_id: str, pilot: Pilot[None]) -> None:
    for _ in range(600):
        if (await client.get_run(run_id)).status == "running":
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{run_id} did not start")


async def _quiet_and_chatty(
    backend: LocalBackendProcess,
) -> tuple[CrowNestClient, RecordingApp, str, str]:
    """A client, an app with a 1.5 s threshold, a quiet run and a chatty one."""
    client = client_for(backend)
    suite = new_suite()
    quiet = await _start(client, QUIET, suite)
    chatty = await _start(client, CHATTY, suite)
    return (
        client,
        RecordingApp(client_for(backend), refresh_interval=0, quiet_after=1.5),
        quiet,
        chatty,
    )


async def _both_running(client: CrowNestClient, pilot: Pilot[None], *run_ids: str) -> None:
    for run_id in run_ids:
        await _running(client, run_id, pilot)


async def _cancel(client: CrowNestClient, *run_ids: str) -> None:
    for run_id in run_ids:
        await client.cancel_run(run_id)


def _quiet(badge: QuietBadge) -> bool:
    return badge.has_class("-quiet") and badge.text.startswith("Quiet for ")


async def test_the_detail_header_says_quiet_and_a_chatty_run_never_is(
    backend: LocalBackendProcess,
) -> None:
    client, app, quiet, chatty = await _quiet_and_chatty(backend)
    async with app.run_test(size=(120, 30)) as pilot:
        await _both_running(client, pilot, quiet, chatty)
        app.post_message(OpenRun(chatty))
        await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
        badge = app.screen.query_one(QuietBadge)
        await pilot.pause(3.5)  # well past the threshold, printing all along
        assert not badge.has_class("-quiet") and badge.text == ""

        await pilot.press("escape")
        app.post_message(OpenRun(quiet))
        await wait_until(
            pilot,
            lambda: isinstance(app.screen, RunDetailScreen) and app.screen.run_id == quiet,
        )
        badge = app.screen.query_one(QuietBadge)
        await wait_until(pilot, lambda: _quiet(badge), within=15)
        assert badge.display
        await _cancel(client, quiet, chatty)
        await wait_until(pilot, lambda: not badge.has_class("-quiet"), within=15)  # ended
    await client.aclose()
    await app.client.aclose()


async def test_split_panes_say_which_run_is_quiet(backend: LocalBackendProcess) -> None:
    client, app, quiet, chatty = await _quiet_and_chatty(backend)
    async with app.run_test(size=(150, 36)) as pilot:
        await _both_running(client, pilot, quiet, chatty)
        app.post_message(OpenSplit([quiet, chatty]))
        await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
        panes = {pane.run_id: pane for pane in app.screen.query(TailPane)}
        quiet_badge = panes[quiet].query_one(QuietBadge)
        await wait_until(pilot, lambda: _quiet(quiet_badge), within=15)
        assert not panes[chatty].query_one(QuietBadge).has_class("-quiet")
        await _cancel(client, quiet, chatty)
    await client.aclose()
    await app.client.aclose()


async def test_a_watched_run_going_quiet_is_announced_once(
    backend: LocalBackendProcess,
) -> None:
    client = client_for(backend)
    suite = new_suite()
    quiet = await _start(client, QUIET, suite)
    filters = RunFilters.build(metadata={"suite": suite})
    app = RecordingApp(client_for(backend), refresh_interval=0, filters=filters, quiet_after=1.0)
    app.watcher.interval = 0.2
    async with app.run_test(size=(140, 30)) as pilot:
        await _running(client, quiet, pilot)
        await settle(pilot)
        assert runs_screen(app).table.selected_id == quiet
        await pilot.press("w")  # watch it; stay on the list
        await wait_until(pilot, lambda: app.said("Watched run is quiet"), within=15)
        assert app.said(f"{quiet} is running but has printed nothing: quiet for")
        await pilot.pause(1.5)
        said = [note for note in app.notes if note[0] == "Watched run is quiet"]
        assert len(said) == 1  # once, not at every poll
        await client.cancel_run(quiet)
    await client.aclose()
    await app.client.aclose()
