"""``=``: a failing run compared with the last good run of the same command."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from crownest_tui.api import CrowNestClient
from crownest_tui.api.events import StdoutEvent
from crownest_tui.api.models import WorkspaceRun
from crownest_tui.core.compare import diff_logs, hunks, unified_rows
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.compare_log import ComparedLog
from crownest_tui.ui.screens.compare import CompareScreen
from crownest_tui.ui.widgets.diff_view import DiffView
from tests.local.support import make_archive
from tests.ui.log_helpers import screen_text, wait_until

from .conftest import RecordingApp, client_for, new_suite, runs_screen, settle

COMMAND = "python3 suite.py"


def only(suite_name: str) -> RunFilters:
    return RunFilters.build(metadata={"suite": suite_name})


def suite(failing: bool) -> str:
    """A pytest-like run: 300 tests with timings; one fails when ``failing``."""
    verdict = "FAILED" if failing else "PASSED"
    return (
        "import sys, time, uuid\n"
        "start = time.time()\n"
        "for i in range(300):\n"
        "    word = " + repr(verdict) + " if i == 150 else 'PASSED'\n"
        "    print(f'tests/test_mod.py::test_{i} {word} in {(time.time() - start) % 1:.3f}s'"
        " f' sandbox {uuid.uuid4()}')\n"
        + ("print('E   assert 1 == 2')\n" if failing else "")
        + "print(f'done at {time.strftime(\"%H:%M:%S\")}')\n"
        + ("sys.exit(1)\n" if failing else "")
    )


async def run_to_end(client: CrowNestClient, suite_name: str, failing: bool) -> str:
    run = await client.create_run(command=COMMAND, metadata={"suite": suite_name})
    await client.upload_archive(run.id, make_archive({"suite.py": suite(failing)}))
    await client.start_run(run.id)
    for _ in range(2400):  # two minutes: the machine may be busy
        current = await client.get_run(run.id)
        if current.is_terminal:
            return run.id
        await asyncio.sleep(0.05)
    raise AssertionError(f"{run.id} did not end")


async def press_compare(
    pilot: Pilot[None], app: RecordingApp, run_id: str, marked: str | None = None
) -> None:
    """Once the list has loaded: mark ``marked`` if given, press ``=`` on ``run_id``."""
    await settle(pilot)
    table = runs_screen(app).table
    if marked is not None:
        table.move_cursor(table.shown_ids.index(marked))
        await pilot.press("space")
    table.move_cursor(table.shown_ids.index(run_id))
    await pilot.press("equals_sign")
    await wait_until(pilot, lambda: isinstance(app.screen, CompareScreen))


async def test_equals_compares_a_failing_run_with_the_last_good_one(
    backend: LocalBackendProcess,
) -> None:
    name = new_suite()
    async with client_for(backend) as client:
        await run_to_end(client, name, failing=False)  # an older good run
        good = await run_to_end(client, name, failing=False)
        bad = await run_to_end(client, name, failing=True)
        app = RecordingApp(client, refresh_interval=0, filters=only(name))
        async with app.run_test(size=(120, 40)) as pilot:
            await press_compare(pilot, app, bad)
            screen = app.screen
            assert isinstance(screen, CompareScreen)
            diff = screen.query_one(DiffView)
            await wait_until(pilot, lambda: diff.change_count > 0, explain=lambda: "no diff")
            text = "\n".join(screen_text(app))
            assert f"- {good}" in text and f"+ {bad}" in text  # the newest good run is the base
            assert "Exit code" in text and "Archive sha256" in text  # facts that differ
            # Two changes, test 150 and the assertion after the last test; the timings,
            # uuids and the clock on every line are normalised away.
            assert diff.change_count == 2, text
            assert "1 line removed, 2 added" in text
            assert "- tests/test_mod.py::test_150 PASSED" in text
            assert "+ tests/test_mod.py::test_150 FAILED" in text
            assert "+ E   assert 1 == 2" in text
            assert "test_149" in text  # context
            assert "done at" in text  # context of the second change
            assert "▶ @@ -148" in text
            await pilot.press("right_square_bracket")
            await pilot.pause()
            assert "▶ @@ -298" in "\n".join(screen_text(app))
            await pilot.press("right_square_bracket")  # no third change: stays, and says so
            await pilot.pause()
            assert diff.current_change == 1
            await pilot.press("left_square_bracket")
            await pilot.pause()
            assert "▶ @@ -148" in "\n".join(screen_text(app))
            await pilot.press("escape")
            await wait_until(pilot, lambda: not isinstance(app.screen, CompareScreen))


async def test_equals_with_two_marked_runs_compares_them(backend: LocalBackendProcess) -> None:
    name = new_suite()
    async with client_for(backend) as client:
        first = await run_to_end(client, name, failing=True)
        second = await run_to_end(client, name, failing=True)
        app = RecordingApp(client, refresh_interval=0, filters=only(name))
        async with app.run_test(size=(120, 40)) as pilot:
            await press_compare(pilot, app, second, marked=first)
            await wait_until(pilot, lambda: "The logs are the same" in "\n".join(screen_text(app)))
            text = "\n".join(screen_text(app))
            assert f"- {first}" in text and f"+ {second}" in text  # the older one is the base


async def test_no_good_run_to_compare_with_says_how_to_pick_one(
    backend: LocalBackendProcess,
) -> None:
    name = new_suite()
    async with client_for(backend) as client:
        bad = await run_to_end(client, name, failing=True)
        app = RecordingApp(client, refresh_interval=0, filters=only(name))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.push_screen(CompareScreen(client, bad))
            await wait_until(
                pilot, lambda: "No earlier succeeded run" in "\n".join(screen_text(app))
            )
            assert "press =" in "\n".join(screen_text(app))


class DiffApp(App[None]):
    """The diff view alone, over two fixed logs (a snapshot needs fixed text)."""

    def __init__(self, base: list[str], other: list[str]) -> None:
        super().__init__()
        self.texts = base, other

    def compose(self) -> ComposeResult:
        yield DiffView()

    def on_mount(self) -> None:
        run = WorkspaceRun.model_validate(
            {
                "id": "wsr_snapshot",
                "orgId": "org_x",
                "projectId": "prj_x",
                "status": "failed",
                "command": "pytest",
                "createdAt": "2026-12-01T12:00:00Z",
            }
        )
        logs = []
        for text in self.texts:
            log = ComparedLog(run)
            log.feed([StdoutEvent(seq=1, data="".join(f"{line}\n" for line in text))])
            logs.append(log)
        base, other = logs
        changes = diff_logs(base.keys, other.keys, base.text, other.text)
        grouped = hunks(changes, len(base), len(other))
        self.query_one(DiffView).show(list(unified_rows(grouped)), grouped, base, other)


def test_the_diff_of_a_failing_and_a_passing_log(snap_compare: Any) -> None:
    passing = [f"10:00:{i:02d} test_{i} PASSED in 0.{i}1s" for i in range(12)] + ["12 passed"]
    failing = list(passing)
    failing[5] = "10:01:05 test_5 FAILED in 0.51s"
    failing.insert(6, "\x1b[31mE   assert 2 == 3\x1b[0m")
    failing[-1] = "11 passed, 1 failed"
    failing = [line.replace("10:00", "11:30") for line in failing]
    assert snap_compare(DiffApp(passing, failing), terminal_size=(60, 16))
