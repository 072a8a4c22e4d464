"""The split tail against the local backend: picking runs, exact panes, focus, faults."""

from __future__ import annotations

from typing import Any

from textual.widgets import Label

from crownest_tui.api import Backoff, CrowNestClient, StreamOptions, StreamState
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.connection_bar import ConnectionBar
from crownest_tui.ui.widgets.log_view import LogView
from crownest_tui.ui.widgets.runs_table import split_selection
from crownest_tui.ui.widgets.status_badge import StatusBadge
from crownest_tui.ui.widgets.tail_pane import TailPane
from tests.faultproxy import FaultPlan, FaultProxy
from tests.local.support import make_archive, open_gate
from tests.ui.log_helpers import screen_text, wait_until

from .conftest import RecordingApp, client_for, new_suite, runs_screen, settle, suite_runs

FAST = StreamOptions(stall_timeout=1.0, backoff=Backoff(base=0.01, cap=0.05, first=0.0))
SPLIT = "Split tail"


def script(name: str, lines: int, delay: float, gate: str | None = None) -> str:
    """A run that writes ``lines`` numbered lines (every fourth to stderr), once
    ``gate`` exists in its workspace if given."""
    wait = f"while not os.path.exists({gate!r}): time.sleep(0.02)\n" if gate else ""
    return (
        "import os, sys, time\n"
        f"{wait}"
        f"for i in range({lines}):\n"
        "    out = sys.stderr if i % 4 == 0 else sys.stdout\n"
        f"    out.write(f'{name} line {{i}} \\x1b[33mü\\x1b[0m\\n')\n"
        "    out.flush()\n"
        f"    time.sleep({delay})\n"
    )


def expected(name: str, lines: int, stream: str) -> list[str]:
    return [f"{name} line {i} ü" for i in range(lines) if (i % 4 == 0) == (stream == "stderr")]


async def start_runs(
    client: CrowNestClient,
    suite: str,
    count: int,
    lines: int,
    delay: float,
    gate: str | None = None,
) -> list[str]:
    """Start ``count`` runs named r0, r1…; their ids, newest first (as the list shows)."""
    ids = []
    for index in range(count):
        name = f"r{index}"
        run = await client.create_run(
            command=f"python3 gen.py  # {name}", metadata={"suite": suite}
        )
        archive = make_archive({"gen.py": script(name, lines, delay, gate)})
        await client.upload_archive(run.id, archive)
        ids.append((await client.start_run(run.id)).id)
    return ids[::-1]


def transcript(view: LogView, stream: str) -> list[str]:
    t = view.transcript
    lines = [t.line(i) for i in range(t.committed)] + t.partials()
    return [plain_text(line.raw) for line in lines if line.stream == stream]


def ended(pane: TailPane) -> bool:
    """The pane has shown the end of the stream (and every batch before it)."""
    return pane.stream_status.state is StreamState.ENDED


def split_screen(app: RecordingApp) -> SplitTailScreen:
    screen = app.screen
    assert isinstance(screen, SplitTailScreen)
    return screen


def name_of(run_id: str, ids: list[str]) -> str:
    return f"r{len(ids) - 1 - ids.index(run_id)}"


def app_for(client: CrowNestClient, suite: str, **options: Any) -> RecordingApp:
    filters = RunFilters.build(metadata={"suite": suite})
    return RecordingApp(client, refresh_interval=0, filters=filters, **options)


async def test_marked_runs_open_exact_panes_with_focus_and_layout(
    backend: LocalBackendProcess,
) -> None:
    suite = new_suite()
    async with client_for(backend) as client:
        ids = await start_runs(client, suite, 3, 120, 0.005)
        app = app_for(client, suite)
        async with app.run_test(size=(180, 40)) as pilot:
            await settle(pilot)
            table = runs_screen(app).table
            assert table.shown_ids == ids
            await pilot.press("space", "down", "down", "space", "up", "space")
            assert table.picked == [ids[0], ids[2], ids[1]]
            line = table.render_line(1).text  # the first row shows its split mark
            assert line.lstrip().startswith("◆")
            await pilot.press("t")
            await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
            screen = split_screen(app)
            panes = screen.panes
            assert [p.run_id for p in panes] == [ids[0], ids[2], ids[1]]
            await wait_until(pilot, lambda: all(ended(p) for p in panes))
            await wait_until(pilot, lambda: all(p.run is not None for p in panes))
            for pane in panes:
                name = name_of(pane.run_id, ids)
                for stream in ("stdout", "stderr"):
                    assert transcript(pane.log_view, stream) == expected(name, 120, stream)
                assert pane.query_one(StatusBadge).status == "succeeded"
                assert str(pane.query_one(".pane-id", Label).render()) == pane.run_id
                assert name in str(pane.query_one(".pane-command", Label).render())
                assert "ended" in str(pane.query_one(ConnectionBar).render())

            assert screen.focused_pane is panes[0]
            await pilot.press("tab")
            assert screen.focused_pane is panes[1]
            await pilot.press("w")  # the log's own key acts on the focused pane only
            assert panes[1].log_view.wrap and not panes[0].log_view.wrap
            await pilot.press("tab", "tab")
            assert screen.focused_pane is panes[0]  # wraps around
            await pilot.press("shift+tab")
            assert screen.focused_pane is panes[2]
            await pilot.press("f")
            assert panes[2].log_view.follow

            assert not screen.has_class("-stacked")
            await pilot.press("v")
            assert screen.has_class("-stacked")
            assert panes[1].region.y > panes[0].region.y  # stacked: one below the other
            await pilot.press("v")
            await pilot.pause()
            assert panes[1].region.x > panes[0].region.x  # side by side again

            await pilot.press("escape")
            assert isinstance(app.screen, RunsScreen)
            assert table.picked == [ids[0], ids[2], ids[1]]  # the marks stay


async def test_how_many_runs_are_marked_decides(backend: LocalBackendProcess) -> None:
    filters = suite_runs(backend, 5, "running")
    app = RecordingApp(client_for(backend), refresh_interval=0, filters=filters)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        ids = table.shown_ids
        await pilot.press("t")
        assert app.said("Mark 2 to 4 runs") and isinstance(app.screen, RunsScreen)
        await pilot.press("space", "t")  # one mark, and the cursor is on it
        assert len([n for n in app.notes if n[0] == SPLIT]) == 2
        assert isinstance(app.screen, RunsScreen)
        await pilot.press("down", "space", "down", "space", "down", "space", "down", "space")
        assert table.picked == ids
        await pilot.press("t")
        assert app.said("5 runs are marked") and isinstance(app.screen, RunsScreen)
        await pilot.press("space", "up", "space", "up", "space")  # leaves ids[0], ids[1]
        assert table.picked == ids[:2]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Split tail marked")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
        assert [p.run_id for p in split_screen(app).panes] == ids[:2]
        await pilot.press("escape")
        await pilot.pause()

        table.move_cursor(1)
        await pilot.press("space")  # unmark ids[1]: one mark left
        assert table.picked == ids[:1]
        table.move_cursor(3)
        await pilot.press("t")  # one mark and another cursor row: both
        await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
        assert [p.run_id for p in split_screen(app).panes] == [ids[0], ids[3]]
        await pilot.press("escape")
        await pilot.pause()
    await app.client.aclose()


def test_split_selection_rules() -> None:
    assert split_selection([], "wsr_a") == ([], "Mark 2 to 4 runs with space, then press t.")
    assert split_selection(["wsr_a"], "wsr_a")[0] == []
    assert split_selection(["wsr_a"], "wsr_b") == (["wsr_a", "wsr_b"], None)
    assert split_selection(["wsr_a"], None)[0] == []
    four = [f"wsr_{i}" for i in range(4)]
    assert split_selection(four, "wsr_x") == (four, None)
    assert split_selection([*four, "wsr_y"], "wsr_x")[1] == (
        "5 runs are marked: the split tail shows at most 4."
    )


async def test_dropped_connections_reconnect_and_every_pane_stays_exact(
    backend: LocalBackendProcess,
) -> None:
    suite = new_suite()
    port = int(backend.url.rsplit(":", 1)[1])
    gate = "gate"  # the runs write once the panes follow them, however slow
    async with client_for(backend) as direct:  # the app is to start
        ids = await start_runs(direct, suite, 2, 80, 0.04, gate)
    async with (
        FaultProxy(port, FaultPlan.calm()) as proxy,
        CrowNestClient(
            backend.token, proxy.url, stream_options=FAST, max_attempts=50, backoff=FAST.backoff
        ) as client,
    ):
        app = app_for(client, suite)
        async with app.run_test(size=(180, 40)) as pilot:
            await settle(pilot)
            await pilot.press("space", "down", "space", "t")
            await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
            panes = split_screen(app).panes

            def live(pane: TailPane) -> bool:
                return pane.stream_status.state is StreamState.LIVE

            def delivered(pane: TailPane) -> int:
                return pane.stream_status.events_delivered

            await wait_until(pilot, lambda: all(live(p) for p in panes))
            for run_id in ids:
                open_gate(backend, run_id, gate)
            await wait_until(pilot, lambda: all(live(p) and delivered(p) > 5 for p in panes))
            assert proxy.drop_connections() >= 2
            await wait_until(pilot, lambda: all(ended(p) for p in panes))
            for pane in panes:
                assert pane.stream is not None
                status = pane.stream.status
                assert status.reconnects >= 1 and status.events_lost == 0
                name = name_of(pane.run_id, ids)
                for stream in ("stdout", "stderr"):
                    assert transcript(pane.log_view, stream) == expected(name, 80, stream)
                assert "0 lost" in str(pane.query_one(ConnectionBar).render())


async def test_leaving_while_output_flows_never_breaks_the_app(
    backend: LocalBackendProcess,
) -> None:
    """Escape from the split tail and from the detail screen mid-stream, again and again."""
    suite = new_suite()
    async with client_for(backend) as client:
        ids = await start_runs(client, suite, 2, 100_000, 0.002)  # minutes of output
        app = app_for(client, suite)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            await pilot.press("space", "down", "space")
            for _ in range(3):
                await pilot.press("t")
                await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
                panes = split_screen(app).panes

                def flowing(panes: list[TailPane] = panes) -> bool:
                    return all(p.log_view.transcript.committed > 0 for p in panes)

                await wait_until(pilot, flowing)
                await pilot.press("escape")
                await pilot.press("enter")
                await wait_until(pilot, lambda: not isinstance(app.screen, RunsScreen))
                await pilot.pause(0.05)
                await pilot.press("escape")
                await pilot.pause(0.05)
                assert isinstance(app.screen, RunsScreen) and app.is_running
            for run_id in ids:
                await client.cancel_run(run_id)


async def test_search_in_a_narrow_pane_shows_the_query_and_escape_closes_it_first(
    backend: LocalBackendProcess,
) -> None:
    """Four panes side by side at 80 columns: each bar is under 20 cells wide."""
    suite = new_suite()
    async with client_for(backend) as client:
        ids = await start_runs(client, suite, 4, 30, 0)
        app = app_for(client, suite)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(SplitTailScreen(client, ids))
            await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
            screen = split_screen(app)
            await wait_until(pilot, lambda: all(ended(p) for p in screen.panes))
            await pilot.press("slash", *"line 2")
            pane = screen.panes[0]
            assert pane.log_view.search_bar.input.has_focus
            bar = pane.log_view.search_bar.region
            row = screen_text(app)[bar.y][bar.x : bar.right]
            assert "line 2" in row, row
            await pilot.press("enter", "escape")
            assert app.screen is screen and not pane.log_view.search_bar.is_open
            await pilot.press("escape")
            assert isinstance(app.screen, RunsScreen)


FAILING_SCRIPT = (
    "import sys\n"
    "for n in range(30):\n"
    "    print(f'step {n} ok')\n"
    "print('Traceback (most recent call last):')\n"
    "print('  File \"app.py\", line 3, in <module>')\n"
    "print('ValueError: boom')\n"
    "sys.exit(1)\n"
)


async def test_e_goes_to_the_error_lines_in_each_pane(backend: LocalBackendProcess) -> None:
    """The split tail finds error lines as the detail screen does (the app's matcher)."""
    from crownest_tui.ui.messages import OpenSplit
    from tests.ui.test_detail import start_run

    async with client_for(backend) as client:
        ids = [
            await start_run(client, "python3 fail.py", {"fail.py": FAILING_SCRIPT}),
            await start_run(client, "python3 fail.py", {"fail.py": FAILING_SCRIPT}),
        ]
        app = RecordingApp(client, refresh_interval=0)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            app.post_message(OpenSplit(ids))
            await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
            screen = split_screen(app)
            await wait_until(pilot, lambda: len(screen.panes) == 2)
            await wait_until(pilot, lambda: all(ended(p) for p in screen.panes))
            first, second = (pane.log_view for pane in screen.panes)
            await pilot.press("g", "e")
            assert first.lines.current_error == 30  # the Traceback line
            assert second.lines.current_error is None  # only the focused pane moves
            await pilot.press("tab", "g", "e", "e")
            assert second.lines.current_error == 32  # ValueError: boom
