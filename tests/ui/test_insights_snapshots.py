"""Snapshots of each Insights chart over the known week (seeded through the local
backend's test hooks) at its frozen time: runs per bucket, the failure rate,
projects and templates, durations, failures, active runs, and the numbers view."""

from __future__ import annotations

from collections.abc import Callable

from crownest_tui.local.process import LocalBackendProcess
from tests.insights_week import SeededWeek

from .insights_support import week, week_app
from .test_snapshots import _then

__all__ = ["week"]  # the fixture
SnapCompare = Callable[..., bool]
Week = tuple[LocalBackendProcess, SeededWeek]
SIZE = (120, 34)


def test_runs_per_hour_and_failure_rate(snap_compare: SnapCompare, week: Week) -> None:
    assert snap_compare(week_app(week[0]), run_before=_then(), terminal_size=SIZE)


def test_runs_per_six_hours_over_the_week(snap_compare: SnapCompare, week: Week) -> None:
    app = week_app(week[0], insights="7d")
    assert snap_compare(app, run_before=_then(), terminal_size=SIZE)


def test_runs_per_five_minutes_at_80x24(snap_compare: SnapCompare, week: Week) -> None:
    app = week_app(week[0], insights="1h")
    assert snap_compare(app, run_before=_then(), terminal_size=(80, 24))


def test_projects_and_templates(snap_compare: SnapCompare, week: Week) -> None:
    app = week_app(week[0], insights="7d")
    assert snap_compare(app, run_before=_then("2"), terminal_size=SIZE)


def test_duration_histogram(snap_compare: SnapCompare, week: Week) -> None:
    app = week_app(week[0], insights="7d")
    assert snap_compare(app, run_before=_then("3"), terminal_size=SIZE)


def test_failure_reasons_and_exit_codes(snap_compare: SnapCompare, week: Week) -> None:
    app = week_app(week[0], insights="7d")
    assert snap_compare(app, run_before=_then("4"), terminal_size=SIZE)


def test_active_runs_now(snap_compare: SnapCompare, week: Week) -> None:
    assert snap_compare(week_app(week[0]), run_before=_then("5"), terminal_size=SIZE)


def test_numbers_of_the_runs_chart(snap_compare: SnapCompare, week: Week) -> None:
    assert snap_compare(week_app(week[0]), run_before=_then("t"), terminal_size=SIZE)


def test_numbers_of_projects_and_templates(snap_compare: SnapCompare, week: Week) -> None:
    app = week_app(week[0], insights="7d")
    assert snap_compare(app, run_before=_then("2", "t"), terminal_size=SIZE)
