"""The plain parts of the list: merging pages, quick filter, counts, backoff, formats."""

from __future__ import annotations

from datetime import timedelta

from crownest_tui.api.models import Page, WorkspaceRun
from crownest_tui.core.filters import RunFilters, quick_match
from crownest_tui.core.refresh import RefreshSchedule
from crownest_tui.core.run_list import RunList
from crownest_tui.text.format import format_duration, relative_time, status_label, truncate
from tests.ui.fakes import FROZEN_NOW, fixed_runs


def _page(runs: list[WorkspaceRun], more: bool, cursor: str | None = None) -> Page[WorkspaceRun]:
    return Page[WorkspaceRun](data=runs, has_more=more, next_cursor=cursor)


def test_refresh_puts_new_runs_on_top_and_keeps_older_pages() -> None:
    runs = fixed_runs()
    listed = RunList()
    listed.set_first_page(_page(runs[2:5], True, "c1"))
    listed.add_page(_page(runs[5:8], False))
    newer = runs[3].model_copy(update={"status": "canceled"})
    listed.merge_refresh(_page([runs[0], runs[1], runs[2], newer], True, "c-new"))
    assert [r.id for r in listed.runs] == [r.id for r in runs]
    assert listed.get(runs[3].id) == newer
    assert not listed.has_more  # the old cursor (end of the list) still stands


def test_refresh_that_misses_every_loaded_run_restarts() -> None:
    runs = fixed_runs()
    listed = RunList()
    listed.set_first_page(_page(runs[6:8], True, "old"))
    listed.merge_refresh(_page(runs[0:3], True, "new"))  # runs[3:6] are unknown
    assert [r.id for r in listed.runs] == [r.id for r in runs[0:3]]
    assert listed.next_cursor == "new" and listed.has_more


def test_refresh_under_a_status_group_keeps_older_matches() -> None:
    runs = fixed_runs()  # active: 0, 1, 2; terminal: 3 to 7
    listed = RunList(RunFilters.build(status="terminal"))
    listed.set_first_page(_page(runs[0:4], True, "c1"))
    listed.add_page(_page(runs[4:8], True, "c2"))
    listed.merge_refresh(_page(runs[0:4], True, "c-new"))  # no terminal run is in view
    assert [r.id for r in listed.runs] == [r.id for r in runs[3:8]]
    assert listed.next_cursor == "c2"


def test_quick_filter_narrows_and_widens() -> None:
    listed = RunList()
    listed.set_first_page(_page(fixed_runs(), False))
    names = {"prj_web": "storefront-web"}
    assert len(listed.visible("python3", names)) == 6
    assert [r.command for r in listed.visible("python3 b", names)] == [
        "python3 build.py --lines 2000",
        "python3 build.py --lines 100000000 --rate 2000",
    ]
    assert len(listed.visible("STOREFRONT", names)) == 4  # project name, any case
    assert len(listed.visible("kind=stuck", names)) == 1
    assert len(listed.visible("", names)) == 8
    assert quick_match(fixed_runs()[1], "FIX/FLAKY")


def test_status_groups_and_counts() -> None:
    listed = RunList(RunFilters.build(status="active"))
    listed.set_first_page(_page(fixed_runs(), False))
    assert [s for s, _ in listed.counts()] == ["awaiting_archive", "running"]
    assert listed.filters.server_status is None


def test_backoff_doubles_up_to_a_minute_and_resets() -> None:
    schedule = RefreshSchedule(5.0)
    assert schedule.next_delay() == 5.0
    delays = []
    for _ in range(9):
        schedule.failed()
        delays.append(schedule.next_delay())
    assert delays[:4] == [1.0, 2.0, 4.0, 8.0] and delays[-1] == 60.0
    schedule.succeeded()
    assert schedule.next_delay() == 5.0
    assert not schedule.toggle() and schedule.next_delay() is None
    assert RefreshSchedule(0).next_delay() is None


def test_formats_read_without_colour() -> None:
    assert status_label("failed") == "✘ failed"
    assert status_label("hibernating") == "? hibernating"  # unknown statuses as they are
    assert [format_duration(s) for s in (0.44, 12, 185, 7800)] == [
        "0.4s",
        "12s",
        "3m 05s",
        "2h 10m",
    ]
    assert relative_time(FROZEN_NOW - timedelta(minutes=3), FROZEN_NOW) == "3 minutes ago"
    assert relative_time(FROZEN_NOW + timedelta(minutes=3), FROZEN_NOW) == "now"
    assert truncate("a  b\nc", 10) == "a b c" and truncate("abcdefgh", 5) == "abcd…"


def test_text_from_the_api_is_made_inert() -> None:
    hostile = "echo hi\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m\rdone\n[bold]x"
    assert truncate(hostile, 80) == "echo hi done [bold]x"
    assert status_label("weird\x1b[31m\x07") == "? weird"
