"""The Insights charts read without colour (a pattern per result, labels and numbers),
share cells fairly, and draw in colours with AA contrast on every offered theme."""

from __future__ import annotations

from datetime import UTC

from hypothesis import given
from hypothesis import strategies as st
from textual.color import Color

from crownest_tui.core.insights import RESULTS, Bucket
from crownest_tui.local.process import LocalBackendProcess
from crownest_tui.ui.charts import PATTERNS, hbar, split_cells, stacked_columns, two_bars
from crownest_tui.ui.themes import AA_CONTRAST, contrast_ratio
from crownest_tui.ui.widgets.insight_charts import ActivityChart
from tests.insights_week import SeededWeek

from .fakes import FROZEN_NOW
from .insights_support import week, week_app

__all__ = ["week"]
START = FROZEN_NOW.timestamp()


@given(st.lists(st.integers(0, 500), min_size=4, max_size=4), st.integers(0, 40))
def test_cells_are_shared_out_exactly_and_no_result_vanishes(counts: list[int], cells: int) -> None:
    shares = split_cells(counts, cells)
    assert sum(shares) == (cells if sum(counts) else 0)
    if cells >= sum(1 for n in counts if n):
        assert all(share >= 1 for n, share in zip(counts, shares, strict=True) if n)
    assert all(share == 0 for n, share in zip(counts, shares, strict=True) if not n)


def test_bars_grow_in_eighths_and_never_past_their_width() -> None:
    assert hbar(1, 8, 1) == "▏" and hbar(4, 8, 1) == "▌" and hbar(8, 8, 1) == "█"
    assert hbar(50, 10, 5) == "█████" and hbar(0, 10, 5) == "" and hbar(1, 1000, 5) == "▏"
    lines = two_bars([("web", 10.0, 40.0, "10s / 40s")], 40)
    assert lines[0].plain.startswith("web") and "█" in lines[0].plain and "░" in lines[0].plain


def test_each_result_has_its_own_pattern_in_the_stacks() -> None:
    assert len(set(PATTERNS.values())) == len(RESULTS)
    buckets = [Bucket(START + i * 3600, 5, 3, 2, 1) for i in range(3)]
    lines = stacked_columns(buckets, 3600, 40, 11, {}, UTC)  # no colour at all
    column = [line.plain[3] for line in lines[:11]]
    assert column[::-1][:5] == ["█"] * 5  # succeeded at the bottom
    assert column[::-1][5:11] == ["▓"] * 3 + ["▒"] * 2 + ["░"]
    assert lines[0].plain.startswith("11┤")  # the peak on the axis
    assert "12:00" in lines[-3].plain  # time labels
    assert "0…40%" in lines[-1].plain  # the failure-rate scale, in words


async def test_chart_colours_have_aa_contrast_on_every_offered_theme(
    week: tuple[LocalBackendProcess, SeededWeek],
) -> None:
    backend, _seeded = week
    app = week_app(backend)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        chart = app.screen.query_one(ActivityChart)
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            background = Color.parse(app.theme_variables["background"])
            for result, style in chart.styles_by_result().items():
                color = Color.parse(style.split()[-1])
                ratio = contrast_ratio(color, background)
                assert ratio >= AA_CONTRAST, (theme, result, ratio)
