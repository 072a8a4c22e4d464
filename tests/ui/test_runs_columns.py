"""The runs table's columns fit the width by priority, and the rest are reachable."""

from __future__ import annotations

from crownest_tui.ui.widgets.run_columns import COLUMNS, SCROLLING, layout_columns
from crownest_tui.ui.widgets.runs_table import RunsTable

from .conftest import RecordingApp, settle
from .fakes import FROZEN_NOW, FakeClient

FIRST_FIVE = ["mark", "status", "id", "command", "created", "duration"]


def widths(total: int, offset: int = 0) -> dict[str, int]:
    return {column.key: width for column, width in layout_columns(total, offset).shown}


def test_narrow_tables_keep_status_run_command_age_and_duration() -> None:
    layout = layout_columns(77)  # 80 columns less the padding and the scrollbar
    assert layout.keys == FIRST_FIVE
    assert layout.hidden_left == 0 and layout.hidden_right == len(SCROLLING) - 3
    shown = sum(width + column.gap for column, width in layout.shown) - layout.shown[-1][0].gap
    assert shown == 77 - 2  # the last two cells carry the header's "→"


def test_spare_width_goes_to_command() -> None:
    wide, wider = widths(197), widths(247)
    assert list(wide) == [column.key for column in COLUMNS]  # 200 columns: all of them
    assert wider["command"] - wide["command"] == 50
    assert {k: v for k, v in wider.items() if k != "command"} == {
        k: v for k, v in wide.items() if k != "command"
    }
    assert wide["command"] > wide["metadata"]


def test_shifting_reveals_the_hidden_columns_one_by_one() -> None:
    keys = layout_columns(77, 1).keys
    assert keys[:3] == ["mark", "status", "id"] and "command" not in keys
    span = layout_columns(77, 1).span("exit")
    assert keys[-1] == "exit" and span is not None and span[1] == 12  # whole
    assert "project" in layout_columns(77, 3).keys
    last = layout_columns(77, len(SCROLLING) - 1)
    assert last.keys[-1] == "metadata" and last.hidden_right == 0


def test_why_is_shown_wide_enough_for_its_longest_cause_or_not_at_all() -> None:
    for total in range(77, 200):
        why = widths(total).get("exit")
        assert why is None or why >= len("timeout 1.5s"), total
    assert "exit" in widths(117) and "template" not in widths(117)  # 120 columns


async def test_right_and_ctrl_pagedown_reach_every_column_at_80_columns() -> None:
    app = RecordingApp(FakeClient(), refresh_interval=0, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RunsTable)
        assert table.columns.keys[:6] == FIRST_FIVE and table.columns.hidden_right
        seen = set(table.columns.keys)
        for _ in SCROLLING:
            await pilot.press("right")
            seen |= set(table.columns.keys)
        assert seen == {"mark", "status", "id", *(c.key for c in SCROLLING)}
        assert table.columns.hidden_right == 0
        await pilot.press("right")  # nothing more to show: stays
        assert table.columns.hidden_right == 0 and table.columns.keys[-1] == "metadata"
        await pilot.press("ctrl+pageup")
        assert table.columns.keys[:6] == FIRST_FIVE and table.columns.hidden_right
        await pilot.press("ctrl+pagedown")
        assert table.columns.keys[-1] == "metadata"
        await pilot.press("left")
        assert table.columns.hidden_left == table.column_offset > 0


async def test_widening_shifts_back_the_columns_that_fit_anyway() -> None:
    app = RecordingApp(FakeClient(), refresh_interval=0, clock=lambda: FROZEN_NOW)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(RunsTable)
        await pilot.press("right", "right")
        assert table.column_offset == 2
        await pilot.resize_terminal(200, 50)
        await pilot.pause()
        assert table.column_offset == 0 and table.columns.keys == [c.key for c in COLUMNS]
