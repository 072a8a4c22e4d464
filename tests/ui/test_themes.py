"""Themes: ours are offered, every offered theme keeps status text readable (WCAG AA
contrast, measured on the colours the widgets really render), status is never told
by colour alone, and a snapshot of the runs list in the ``crownest`` theme."""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from textual.color import Color
from textual.geometry import Region
from textual.pilot import Pilot

from crownest_tui.api.models import RunStatus
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.text.format import status_glyph, status_label
from crownest_tui.ui.app import CrowNestApp
from crownest_tui.ui.messages import OpenRun
from crownest_tui.ui.screens.confirm_cancel import ConfirmCancelScreen
from crownest_tui.ui.themes import AA_CONTRAST, contrast_ratio, readable, themed_status_style
from crownest_tui.ui.widgets.run_columns import status_component
from crownest_tui.ui.widgets.run_header import RunHeader
from crownest_tui.ui.widgets.runs_table import RunsTable
from crownest_tui.ui.widgets.status_badge import StatusBadge

from .conftest import settle, shown_ids, suite_app
from .fakes import FROZEN_NOW, FakeClient

STATUSES = [*(s.value for s in RunStatus), "hibernating"]  # the last one is unknown to us
OURS = ("crownest", "crownest-light")
REQUIRED = {*OURS, "textual-dark", "textual-light"}
SnapCompare = Callable[..., bool]


def _app(**kwargs: object) -> CrowNestApp:
    return CrowNestApp(
        FakeClient(),
        refresh_interval=0,
        clock=lambda: FROZEN_NOW,
        **kwargs,  # type: ignore[arg-type]
    )


def _color(style: Style, background: bool = False) -> Color:
    rich_color = style.bgcolor if background else style.color
    assert rich_color is not None
    return Color.from_rich_color(rich_color)


def test_contrast_ratio_matches_wcag() -> None:
    assert round(contrast_ratio(Color(0, 0, 0), Color(255, 255, 255)), 2) == 21.0
    assert (
        contrast_ratio(Color(119, 119, 119), Color(255, 255, 255))
        < AA_CONTRAST
        < (contrast_ratio(Color(118, 118, 118), Color(255, 255, 255)))
    )
    dark = [Color.parse("#12161C")]
    nudged = readable(Color.parse("#004578"), dark)
    assert contrast_ratio(nudged, dark[0]) >= AA_CONTRAST
    assert readable(Color.parse("#E3B25E"), dark) == Color.parse("#E3B25E")  # left alone


async def test_our_themes_are_offered_and_unverifiable_ones_are_not() -> None:
    app = _app(theme="crownest")
    async with app.run_test(size=(150, 32)) as pilot:
        await settle(pilot)
        assert set(app.available_themes) >= REQUIRED
        assert not {"ansi-dark", "ansi-light"} & set(app.available_themes)
        assert app.theme == "crownest" and app.current_theme.dark
        assert not app.available_themes["crownest-light"].dark


async def test_status_colours_meet_wcag_aa_on_every_theme() -> None:
    """For every offered theme and every status: the runs list's status cell (on
    plain, striped, watched and split-marked rows) and the cancel dialog's badge."""
    app = _app()
    failures: list[str] = []
    async with app.run_test(size=(150, 32)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RunsTable)
        assert table.has_focus
        for theme in OURS:  # ours keep statuses readable on the selected row too
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            cursor = table.rich_style + table.get_component_rich_style("runs-table--cursor")
            for status in STATUSES:
                cell = table.get_component_rich_style(status_component(status), partial=True)
                ratio = contrast_ratio(_color(cell), _color(cursor, background=True))
                if ratio < AA_CONTRAST:
                    failures.append(f"{theme} cursor row {status}: {ratio:.2f}")
        await pilot.press("c")  # the first run is running: the dialog shows its badge
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmCancelScreen)
        badge = dialog.query_one(StatusBadge)
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            row = table.rich_style
            rows = [row, row + table.get_component_rich_style("runs-table--even-row")]
            watched = table.get_component_rich_style("runs-table--watched", default=Style())
            picked = table.get_component_rich_style("runs-table--picked", default=Style())
            rows += [r + watched for r in rows] + [r + picked for r in rows]
            if theme in OURS:  # the table is not focused now: the blurred cursor
                rows.append(row + table.get_component_rich_style("runs-table--cursor"))
            for status in STATUSES:
                cell = table.get_component_rich_style(status_component(status), partial=True)
                for background in rows:
                    ratio = contrast_ratio(_color(cell), _color(background, background=True))
                    if ratio < AA_CONTRAST:
                        failures.append(f"{theme} list {status}: {ratio:.2f}")
                badge.status = status
                await pilot.pause()
                assert str(badge.render()) == status_label(status)
                shown = badge.rich_style
                ratio = contrast_ratio(_color(shown), _color(shown, background=True))
                if ratio < AA_CONTRAST:
                    failures.append(f"{theme} badge {status}: {ratio:.2f}")
    assert failures == []


def _text(lines: list[str]) -> str:
    return "\n".join(lines)


async def test_status_is_never_told_by_colour_alone(backend: LocalBackendProcess) -> None:
    """Every status has its own glyph, and the list and the detail show glyph + word."""
    glyphs = {status_glyph(s) for s in STATUSES}
    assert len(glyphs) == len(STATUSES)  # one glyph per status, "?" for unknown ones
    assert all(status_label(s).endswith(f" {s}") for s in STATUSES)

    app = _app()
    async with app.run_test(size=(150, 32)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RunsTable)
        client = app.client
        assert isinstance(client, FakeClient)
        for y, run in enumerate(client.runs, start=1):
            assert status_label(run.status) in table.render_line(y).text

    for status in ("succeeded", "failed", "canceled"):
        app = suite_app(backend, 1, status)
        async with app.run_test(size=(150, 40)) as pilot:
            await settle(pilot)
            app.post_message(OpenRun(shown_ids(app)[0]))
            await settle(pilot)
            header = app.screen.query_one(RunHeader)
            region = Region(0, 0, header.size.width, header.size.height)
            text = _text([strip.text for strip in header.render_lines(region)])
            assert status_label(status).upper() in text


def test_runs_list_in_crownest_theme(snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)

    assert snap_compare(_app(theme="crownest"), run_before=run_before, terminal_size=(150, 32))


def test_runs_list_in_crownest_light_theme(snap_compare: SnapCompare) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)

    app = _app(theme="crownest-light")
    assert snap_compare(app, run_before=run_before, terminal_size=(150, 32))


async def test_detail_status_colours_follow_the_theme(backend: LocalBackendProcess) -> None:
    """The detail header draws Rich text, not CSS: its status colour must come from the
    current theme (re-rendered on a switch) and stay readable on every offered theme."""
    app = suite_app(backend, 1, "canceled")
    failures: list[str] = []
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        app.post_message(OpenRun(shown_ids(app)[0]))
        await settle(pilot)
        header = app.screen.query_one(RunHeader)
        word = status_label("canceled").upper()
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            await pilot.pause()
            background = _color(header.rich_style, background=True)
            for status in STATUSES:
                style = Style.parse(themed_status_style(header, status) or "default")
                if style.color is None:
                    failures.append(f"{theme} {status}: no colour")
                    continue
                ratio = contrast_ratio(_color(style), background)
                if ratio < AA_CONTRAST:
                    failures.append(f"{theme} header {status}: {ratio:.2f}")
            region = Region(0, 0, header.size.width, 1)
            segments = [s for s in header.render_lines(region)[0] if word in s.text]
            expected = Style.parse(themed_status_style(header, "canceled")).color
            assert segments and segments[0].style is not None
            assert segments[0].style.color == expected, theme
    assert failures == []
