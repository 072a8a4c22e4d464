"""The footer keeps the essentials at 80 columns and offers c only when it would
cancel; help is ordered by task with the list's legend (issue 12, point 17)."""

from __future__ import annotations

from textual.widgets import Static
from textual.widgets._footer import FooterKey

from crownest_tui.api import CrowNestError
from crownest_tui.core.filters import RunFilters
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.help_sections import help_sections
from crownest_tui.ui.screens.detail import RunDetailScreen
from crownest_tui.ui.screens.help import HelpScreen
from crownest_tui.ui.screens.runs import RunsScreen
from crownest_tui.ui.widgets.footer import Footer
from crownest_tui.ui.widgets.run_columns import PICK_GLYPH, WATCH_GLYPH

from .conftest import RecordingApp, footer_keys, runs_screen, settle, suite_app
from .fakes import FROZEN_NOW, FakeClient, fixed_runs


def app_over(client: FakeClient | None = None, **options: object) -> RecordingApp:
    return RecordingApp(
        client or FakeClient(), refresh_interval=0, clock=lambda: FROZEN_NOW, **options
    )


async def test_help_and_quit_show_in_the_footer_at_80_columns() -> None:
    client = FakeClient()
    app = app_over(client, filters=RunFilters.build(metadata={"branch": "main"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        client.fail = CrowNestError("Try again later.", code="unavailable", status=503)
        await pilot.press("r")  # the most crowded footer: a failure, filters, an active run
        await settle(pilot)
        shown = footer_keys(app)
        assert shown["app.help"] == "? Help" and shown["app.quit"] == "q Quit"
        assert shown["cancel_run"] == "c Cancel" and shown["clear_filters"] == "x Clear"
        assert {"select", "quick_filter", "new_run", "command_palette"} <= set(shown)


async def test_c_is_offered_only_for_a_run_it_would_cancel() -> None:
    app = app_over()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = runs_screen(app).table
        statuses = [run.status for run in fixed_runs()]
        assert statuses[0] == "running" and statuses[3] == "succeeded"
        assert "cancel_run" in footer_keys(app)
        await pilot.press("down", "down", "down")
        await pilot.pause()
        selected = table.selected_run()
        assert selected is not None and selected.is_terminal
        assert "cancel_run" not in footer_keys(app)
        await pilot.press("c")  # still explains why nothing happens
        await pilot.pause()
        assert app.said("only active runs can be canceled")
        await pilot.press("home")
        await pilot.pause()
        assert "cancel_run" in footer_keys(app)


async def test_the_footer_keeps_its_keys_while_the_bindings_stay_the_same() -> None:
    app = app_over()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        keys = list(footer.query(FooterKey))
        assert "cancel_run" in footer_keys(app)
        await pilot.press("down")  # another running run: the bindings are checked again
        await settle(pilot)
        footer.bindings_changed(app.screen)  # as Textual signals a change
        await settle(pilot)
        assert list(footer.query(FooterKey)) == keys  # the same widgets, not made again
        await pilot.press("down", "down")  # a finished run: no c
        await settle(pilot)
        assert "cancel_run" not in footer_keys(app)
        assert not set(footer.query(FooterKey)) & set(keys)


async def test_e_without_an_error_says_there_is_none() -> None:
    app = app_over()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert app.said("Nothing has failed")


async def test_help_is_ordered_by_task_with_the_legend() -> None:
    app = app_over()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        titles = [section.title for section in help_screen.sections]
        declared = [title for title, _ids in RunsScreen.HELP_SECTIONS]
        assert titles == [*declared, "Anywhere", "In the list"]  # every key has its task
        entries = {entry.binding_id: entry for entry in help_screen.entries if entry.binding_id}
        ordered = [entry.binding_id for entry in help_screen.entries if entry.binding_id]
        assert ordered != sorted(ordered)
        assert entries["runs.up"].key == "↑ k" and entries["runs.split"].key == "t"
        assert not entries["runs.error_details"].enabled  # listed (dimmed): no failure now
        keys = [entry.key for entry in help_screen.entries]
        assert "^p" in keys and "super+c" not in keys
        described = [entry.description for entry in help_screen.entries]
        assert "Copy selected text" not in described and "Focus Next" not in described
        legend = help_screen.sections[-1].entries
        assert [entry.key for entry in legend][:2] == [WATCH_GLYPH, PICK_GLYPH]


async def test_help_lists_a_key_only_for_the_binding_that_takes_it(
    backend: LocalBackendProcess,
) -> None:
    app = suite_app(backend, 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        for _ in range(200):
            if isinstance(app.screen, RunDetailScreen):
                break
            await pilot.pause(0.02)
        entries = {e.binding_id: e for s in help_sections(app.screen) for e in s.entries}
        assert entries["log.wrap"].key == "w"  # the focused log takes w...
        assert entries["detail.watch"].key == "W"  # ...so the screen's watch is W only
        assert entries["log.follow"].key == "f end G"


async def test_the_empty_list_says_how_to_start_a_run() -> None:
    app = app_over(FakeClient(runs=[]))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#placeholder", Static).render())
        assert "Press n for the new-run form" in text
        assert "crownest-tui launch DIR -- CMD" in text


async def test_the_empty_list_in_read_only_mode_offers_only_the_shell() -> None:
    app = app_over(FakeClient(runs=[]), read_only=True, keymap={"runs.new": "N"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = str(app.screen.query_one("#placeholder", Static).render())
        assert "Press" not in text and "crownest-tui launch DIR -- CMD" in text
