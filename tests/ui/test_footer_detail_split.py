"""The detail screen's and the split tail's footers fit 80 columns with ``? Help`` and
``q Quit``; the keys they leave out are in help and in the palette (issue 12, point 17)."""

from __future__ import annotations

from textual.screen import Screen

from crownest_tui.api import CrowNestClient
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.help_sections import help_sections
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.help import HelpScreen
from crownest_tui.ui.screens.split_tail import SplitTailScreen
from crownest_tui.ui.widgets.log_view import LogView
from crownest_tui.ui.widgets.run_header import RunHeader
from tests.local.support import make_archive
from tests.ui.log_helpers import wait_until

from .conftest import RecordingApp, client_for, footer_keys, new_suite, settle
from .palette import run_command

HEADER_TOGGLE = "Show every field of the run, or the two summary rows"
ESSENTIALS = {"app.help": "? Help", "app.quit": "q Quit", "search": "/ Search"}


async def start_active_runs(client: CrowNestClient, suite: str, count: int) -> list[str]:
    """``count`` runs that print a line and then wait (cancel them afterwards)."""
    ids = []
    for _ in range(count):
        run = await client.create_run(command="echo started; sleep 60", metadata={"suite": suite})
        await client.upload_archive(run.id, make_archive({"README": "hi\n"}))
        ids.append((await client.start_run(run.id)).id)
    return ids


def app_over(client: CrowNestClient, suite: str) -> RecordingApp:
    filters = RunFilters.build(metadata={"suite": suite})
    return RecordingApp(client, refresh_interval=0, filters=filters)


def assert_essentials(app: RecordingApp, **more: str) -> dict[str, str]:
    shown = footer_keys(app)
    for action, text in {**ESSENTIALS, **more}.items():
        assert shown.get(action) == text, (action, shown)
    return shown


async def test_the_detail_footer_fits_80_columns_on_every_tab(
    backend: LocalBackendProcess,
) -> None:
    suite = new_suite()
    async with client_for(backend) as client:
        (run_id,) = await start_active_runs(client, suite, 1)
        app = app_over(client, suite)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, RunDetailScreen))
            screen = app.screen
            assert isinstance(screen, RunDetailScreen)
            await wait_until(
                pilot, lambda: screen.state.run is not None and screen.state.run.status == "running"
            )
            await pilot.pause()
            shown = assert_essentials(
                app, back="esc Back", follow="f Follow", cancel_run="c Cancel"
            )
            assert "toggle_wrap" not in shown and "tab('log')" not in shown
            await pilot.press("slash", *"started", "enter")
            await wait_until(pilot, lambda: "close_search" in footer_keys(app))
            assert_essentials(app, close_search="esc Close", cancel_run="c Cancel")
            await pilot.press("escape")  # closes the search; the focus stays on the log
            await wait_until(pilot, lambda: "back" in footer_keys(app))
            assert "close_search" not in footer_keys(app)
            for tab in "234":
                await pilot.press(tab)
                await pilot.pause()
                shown = footer_keys(app)
                assert shown["app.help"] == "? Help" and shown["app.quit"] == "q Quit", tab
                assert shown["back"] == "esc Back" and shown["cancel_run"] == "c Cancel", tab
            await pilot.press("1")

            # What the footer leaves out: help lists it, with what it does...
            entries = {e.binding_id: e for s in help_sections(screen) for e in s.entries}
            assert entries["log.wrap"].description == "Wrap long lines on/off"
            assert entries["detail.header"].key == "i" and entries["detail.tab_events"].key == "2"
            assert entries["app.quit"].key == "q"
            # ...and the palette runs it.
            log = screen.query_one("#log-view", LogView)
            assert not log.wrap
            await run_command(pilot, "wrap long", "Wrap long lines on/off")
            assert log.wrap
            header = screen.query_one(RunHeader)
            assert not header.expanded
            await run_command(pilot, "every field", HEADER_TOGGLE)
            assert header.expanded
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
        await client.cancel_run(run_id)


async def test_the_split_tail_footer_fits_80_columns(backend: LocalBackendProcess) -> None:
    suite = new_suite()
    async with client_for(backend) as client:
        ids = await start_active_runs(client, suite, 2)
        app = app_over(client, suite)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.push_screen(SplitTailScreen(client, ids))
            await wait_until(pilot, lambda: isinstance(app.screen, SplitTailScreen))
            screen = app.screen
            assert isinstance(screen, SplitTailScreen)
            await wait_until(pilot, lambda: all(p.run is not None for p in screen.panes))
            await pilot.pause()
            shown = assert_essentials(
                app, back="esc Back", follow="f Follow", **{"focus_pane(1)": "tab Next pane"}
            )
            assert "toggle_layout" not in shown and "reconnect" not in shown
            await pilot.press("slash", *"started", "enter")
            await wait_until(pilot, lambda: "close_search" in footer_keys(app))
            assert_essentials(app, close_search="esc Close")
            await pilot.press("escape")
            await wait_until(pilot, lambda: "back" in footer_keys(app))

            entries = {e.binding_id: e for s in help_sections(screen) for e in s.entries}
            assert entries["split.layout"].description == "Panes side by side or stacked"
            assert entries["split.watch"].key == "W"
            assert not screen.stacked
            await run_command(pilot, "side by side", "Panes side by side or stacked")
            assert screen.stacked and screen.has_class("-stacked")
        for run_id in ids:
            await client.cancel_run(run_id)


NARROW_KEYS = {
    "log.filter_include": ("&", "Show only lines matching (filters stack)"),
    "log.filter_exclude": ("-", "Hide lines matching (filters stack)"),
    "log.filter_context": ("C", "Lines of context around filter matches"),
    "log.filter_drop": ("x", "Remove the last filter"),
    "log.filter_clear": ("X", "Remove every filter"),
    "log.mark": ("m", "Mark or unmark the line"),
    "log.next_mark": ("'", "Go to the next marked line"),
    "log.previous_mark": ('"', "Go to the previous marked line"),
    "log.copy": ("y", "Copy the line, or the marked range, to the clipboard"),
    "log.copy_reference": (
        "Y",
        "Copy a reference to the line (crownest-tui open RUN --at-seq N)",
    ),
    "log.times": ("t", "Time column: event time, since the start, since the previous line, off"),
}


async def test_the_find_and_narrow_keys_are_in_help_and_the_palette_not_the_footer(
    backend: LocalBackendProcess,
) -> None:
    suite = new_suite()
    async with client_for(backend) as client:
        ids = await start_active_runs(client, suite, 2)
        app = app_over(client, suite)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screens: list[Screen[None]] = [
                RunDetailScreen(client, ids[0]),
                SplitTailScreen(client, ids),
            ]
            for screen in screens:
                app.push_screen(screen)
                await wait_until(pilot, lambda: app.screen in screens)
                await pilot.pause()
                entries = {e.binding_id: e for s in help_sections(screen) for e in s.entries}
                for binding_id, (key, description) in NARROW_KEYS.items():
                    assert (entries[binding_id].key, entries[binding_id].description) == (
                        key,
                        description,
                    ), binding_id
                shown = footer_keys(app)
                assert not {"filter('include')", "mark", "copy_lines"} & set(shown)
                await pilot.press("ampersand", *"started", "enter")
                await pilot.pause()
                assert_essentials(app, back="esc Back", follow="f Follow")
                log = screen.query(LogView).first()
                assert log._narrow.filters.active
                await run_command(pilot, "remove every", "Remove every filter")
                assert not log._narrow.filters.active
                await pilot.press("escape")
                await wait_until(pilot, lambda: app.screen not in screens)
        for run_id in ids:
            await client.cancel_run(run_id)
