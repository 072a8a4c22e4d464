"""LogView driven by keys: follow/pause/resume, jumps, search, wrap, times, filter, save."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.segment import Segment
from textual.pilot import Pilot

from crownest_tui.text.sanitize import plain_text
from crownest_tui.ui.log import OutputChunk
from crownest_tui.ui.log.render import STDERR_MARK, format_time
from crownest_tui.ui.widgets.log_view import LogView
from tests.ui.log_helpers import LogApp, numbered, screen_rows

SIZE = (60, 12)


async def settle(pilot: Pilot[None], view: LogView) -> None:
    view.flush()
    await pilot.pause()


def body(rows: list[str]) -> list[str]:
    return [row.rstrip() for row in rows]


async def test_follow_pauses_on_scroll_up_with_badge_and_resumes() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(numbered(50))
        await settle(pilot, view)
        assert body(screen_rows(view))[-1] == "  line 49"
        await pilot.press("up")
        await settle(pilot, view)
        assert not view.follow
        assert "paused" in screen_rows(view)[-1]
        view.append(numbered(5, start=50))
        await settle(pilot, view)
        assert view.new_lines == 5
        last = screen_rows(view)[-1]
        assert "+5 new lines" in last and "line 54" not in last
        await pilot.press("f")
        await settle(pilot, view)
        assert view.follow and view.new_lines == 0
        assert body(screen_rows(view))[-1] == "  line 54"
        view.append(numbered(3, start=55))
        await settle(pilot, view)
        assert body(screen_rows(view))[-1] == "  line 57"
        assert app.follow_changes == [False, True]


async def test_output_shows_at_the_next_frame_without_a_flush() -> None:
    """A write arms the view's frame; nothing else has to repaint it."""
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        await pilot.pause(0.1)  # idle: nothing to show
        view.append(numbered(3))
        await pilot.pause(0.1)
        assert body(screen_rows(view))[:3] == ["  line 0", "  line 1", "  line 2"]
        view.append(numbered(1, start=3))
        await pilot.pause(0.1)
        assert body(screen_rows(view))[3] == "  line 3"


async def test_a_horizontal_scrollbar_does_not_hide_the_last_line_while_following() -> None:
    app = LogApp()
    async with app.run_test(size=(40, 10)) as pilot:
        view = app.log_view
        view.append(numbered(30))
        await settle(pilot, view)
        view.append([OutputChunk("stdout", "x" * 200 + "\nlast line\n", 30)])
        for _ in range(4):  # drawn, widened, re-synced, laid out with the scrollbar
            await pilot.pause(0.05)
        lines = view.lines
        assert lines.show_horizontal_scrollbar
        assert lines.scroll_y == lines.max_scroll_y
        assert "  last line" in body(screen_rows(view))


async def test_a_frame_due_while_the_view_is_removed_is_harmless() -> None:
    """The frame a last write armed may fire after the view's children are gone (the
    split tail closing while output flows)."""
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        await pilot.pause(0.1)
        view.append(numbered(3))  # arms the frame
        await view.lines.remove()  # as removal does: the children go first
        await pilot.pause(0.1)  # the frame fires
        assert app.is_running and app.return_code is None


async def test_top_and_bottom_keys() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(numbered(100))
        await settle(pilot, view)
        for top_key, end_key in (("g", "G"), ("home", "end")):
            await pilot.press(top_key)
            await settle(pilot, view)
            assert body(screen_rows(view))[0] == "  line 0"
            assert not view.follow
            await pilot.press(end_key)
            await settle(pilot, view)
            assert view.follow
            assert body(screen_rows(view))[-1] == "  line 99"


async def test_stderr_has_a_gutter_mark_and_partial_lines_grow() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append([OutputChunk("stdout", "out\n", 1), OutputChunk("stderr", "err\n", 2)])
        view.append([OutputChunk("stdout", "build 1", 3)])
        await settle(pilot, view)
        rows = body(screen_rows(view))
        assert rows[:3] == ["  out", f"{STDERR_MARK} err", "  build 1"]
        view.append([OutputChunk("stdout", "0%\r\x1b[1mbuild 99%", 4)])
        await settle(pilot, view)
        assert body(screen_rows(view))[2] == "  build 99%"


async def test_search_highlights_and_moves_with_n_and_shift_n() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(
            [
                OutputChunk(
                    "stdout",
                    "".join(f"row {i} {'Needle' if i % 5 == 3 else 'hay'}\n" for i in range(100)),
                    1,
                )
            ]
        )
        await settle(pilot, view)
        await pilot.press("g", "slash", *"needle", "enter")
        await settle(pilot, view)
        assert view.lines.current_match == 3
        assert "1 of 20" in str(view.search_bar.query_one("#log-search-status").render())
        row = next(y for y, text in enumerate(screen_rows(view)) if "row 3 " in text)
        strip = view.lines.render_line(row)
        current = view.lines.get_component_rich_style("log-lines--current-match")
        assert any(seg.text == "Needle" and seg.style == current for seg in strip) or any(
            seg.text == "Needle" and seg.style is not None and seg.style.bgcolor == current.bgcolor
            for seg in strip
        )
        other = next(y for y, text in enumerate(screen_rows(view)) if "row 8 " in text)
        match = view.lines.get_component_rich_style("log-lines--match")
        assert any(
            seg.text == "Needle" and seg.style is not None and seg.style.bgcolor == match.bgcolor
            for seg in view.lines.render_line(other)
        )
        await pilot.press("n", "n")
        assert view.lines.current_match == 13
        await pilot.press("N")
        assert view.lines.current_match == 8
        await pilot.press("N", "N")  # wraps around to the last match
        assert view.lines.current_match == 98


async def test_regex_search_by_prefix_and_toggle() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(numbered(200))
        await settle(pilot, view)
        await pilot.press("slash", *"re:^line 1\\d5$", "enter")
        assert view.lines.current_match is not None
        assert view.lines.matches is not None
        assert view.lines.matches.lines.tolist() == list(range(105, 200, 10))
        await pilot.press("slash")
        view.search_bar.input.value = ""
        await pilot.press("ctrl+r", *"7{2}", "enter")
        assert view.lines.matches is not None and view.lines.matches.query.regex
        assert view.lines.matches.lines.tolist() == [77, 177]


async def test_invalid_regex_is_a_message_not_a_crash() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(numbered(20))
        await settle(pilot, view)
        await pilot.press("slash", *"re:(unclosed", "enter")
        await settle(pilot, view)
        status = view.search_bar.query_one("#log-search-status")
        assert "Invalid regular expression" in str(status.render())
        assert status.has_class("-error")
        assert view.lines.matches is None
        await pilot.press("n")
        assert app.is_running


async def test_wrap_toggles_with_w() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        long = "".join(f"{i % 10}" for i in range(130))
        view.append([OutputChunk("stdout", f"short\n{long}\nend\n", 1)])
        await settle(pilot, view)
        assert body(screen_rows(view))[:3] == ["  short", "  " + long[:58], "  end"]
        await pilot.press("w")
        await settle(pilot, view)
        assert view.wrap
        width = SIZE[0] - 2 - 1  # gutter, and the scrollbar is not shown
        rows = body(screen_rows(view))
        assert rows[0] == "  short"
        assert "".join(row[2:] for row in rows[1:4]).startswith(long[: width * 2])
        assert "end" in "".join(rows)
        await pilot.press("w")
        await settle(pilot, view)
        assert not view.wrap and body(screen_rows(view))[2] == "  end"


async def test_times_show_each_lines_event_time() -> None:
    moment = datetime(2024, 3, 4, 5, 6, 7, 891_000, tzinfo=UTC)
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(
            [OutputChunk("stdout", "timed\n", 1, moment), OutputChunk("stdout", "untimed\n", 2)]
        )
        await settle(pilot, view)
        assert body(screen_rows(view))[0] == "  timed"
        await pilot.press("t")
        await settle(pilot, view)
        stamp = format_time(int(moment.timestamp() * 1000))
        rows = body(screen_rows(view))
        assert rows[0] == f"  {stamp} timed"
        assert rows[1] == f"  {' ' * len(stamp)} untimed"


async def test_cycling_times_keeps_rendered_lines_and_the_scrollbar_follows_the_width() -> None:
    """The time column is a prefix of its own: ``t`` keeps the rendered bodies of the
    lines, and the screen is laid out again only when the column makes a line wider
    than the view (a horizontal scrollbar comes), or narrower again (it goes)."""
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view, lines = app.log_view, app.log_view.lines
        view.append(numbered(30))
        await settle(pilot, view)
        line = view.transcript.line(29)

        def kept() -> list[Segment]:  # the same objects while the rendered line is kept
            return [*lines.renderer.rows(29, line, app.console, current=False)[0]]

        rendered = kept()
        for mode in ("clock", "since", "delta", "off"):
            await pilot.press("t")
            await settle(pilot, view)
            assert view.time_mode == mode
            assert all(a is b for a, b in zip(kept(), rendered, strict=True))
            assert not lines.show_horizontal_scrollbar
            assert lines.max_scroll_x == 0
        wide = "w" * (SIZE[0] - 10)  # fits beside the gutter, not beside the times too
        view.append([OutputChunk("stdout", wide + "\n", 40)])
        await settle(pilot, view)
        await pilot.pause()
        assert not lines.show_horizontal_scrollbar
        await pilot.press("t")
        for _ in range(3):  # synced, laid out with the scrollbar
            await settle(pilot, view)
        assert lines.show_horizontal_scrollbar
        assert lines.max_scroll_x > 0
        assert lines.scroll_y == lines.max_scroll_y  # the last line still in sight
        assert any(row.endswith("w" * 20) for row in body(screen_rows(view)))
        for _ in range(3):
            await pilot.press("t")
        for _ in range(3):
            await settle(pilot, view)
        assert view.time_mode == "off"
        assert not lines.show_horizontal_scrollbar
        assert lines.max_scroll_x == 0


async def test_wrapped_lines_wrap_again_when_the_time_column_comes_and_goes() -> None:
    """Kept rows are for one body width: wrapped, the time column narrows it."""
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        text = "".join(f"{n:02d}" for n in range(50))  # 100 cells
        view.append([OutputChunk("stdout", text + "\nend\n", 1)])
        await pilot.press("w")
        await settle(pilot, view)

        def shown() -> list[str]:
            rows = [row.strip() for row in screen_rows(view)]
            return rows[: rows.index(next(r for r in rows if r.endswith("end"))) + 1]

        body_width = SIZE[0] - 2
        unwrapped = shown()
        assert [len(row) for row in unwrapped[:-1]] == [body_width, 100 - body_width]
        await pilot.press("t")
        await settle(pilot, view)
        timed = shown()
        assert len(timed) == 4 and "".join(row.strip() for row in timed[:-1]) == text
        await pilot.press("t", "t", "t")
        await settle(pilot, view)
        assert view.time_mode == "off" and shown() == unwrapped


async def test_stream_filter_cycles_with_o() -> None:
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(
            [
                OutputChunk("stdout", "o1\n", 1),
                OutputChunk("stderr", "e1\n", 2),
                OutputChunk("stdout", "o2\n", 3),
            ]
        )
        await settle(pilot, view)
        seen = []
        for _ in range(3):
            await pilot.press("o")
            await settle(pilot, view)
            seen.append((view.stream_filter, [r.strip() for r in screen_rows(view) if r.strip()]))
        assert seen == [  # the badge (last row) names the stream shown
            ("stdout", ["o1", "o2", "stdout only · o to change"]),
            ("stderr", [f"{STDERR_MARK} e1", "stderr only · o to change"]),
            ("all", ["o1", f"{STDERR_MARK} e1", "o2"]),
        ]


async def test_save_writes_the_whole_transcript_and_reports_the_path(tmp_path: Path) -> None:
    app = LogApp(save_directory=tmp_path)
    raw = "".join(f"\x1b[3{i % 8}mcoloured {i}\x1b[0m\x1b]52;c;eA==\x07\n" for i in range(300))
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append([OutputChunk("stdout", raw, 1), OutputChunk("stderr", "last\x1b[2J", 2)])
        await settle(pilot, view)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(app.saved) == 1
        saved = app.saved[0]
        assert saved.path.parent == tmp_path and saved.lines == 301
        expected = "".join(plain_text(line) + "\n" for line in [*raw.splitlines(), "last\x1b[2J"])
        assert saved.path.read_text(encoding="utf-8") == expected
        assert "\x1b" not in saved.path.read_text(encoding="utf-8")


async def save_three_lines(pilot: Pilot[None], app: LogApp) -> None:
    """Show three lines, press ``ctrl+s`` and wait for the save to end."""
    view = app.log_view
    view.append(numbered(3))
    await settle(pilot, view)
    await pilot.press("ctrl+s")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_save_goes_to_the_downloads_folder_not_the_current_one(
    tmp_path: Path, isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)  # under `launch .` this folder is packed next time
    app = LogApp()
    async with app.run_test(size=SIZE) as pilot:
        await save_three_lines(pilot, app)
        (saved,) = app.saved
        assert saved.path.parent == isolated_environment / "Downloads"
        assert saved.path.read_text() == "line 0\nline 1\nline 2\n"
        assert not any(project.iterdir())


async def test_a_failed_save_says_why_and_the_view_carries_on(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    failures: list[LogView.SaveFailed] = []

    class Host(LogApp):
        def on_log_view_save_failed(self, event: LogView.SaveFailed) -> None:
            failures.append(event)

    app = Host(save_directory=blocked / "logs")
    async with app.run_test(size=SIZE) as pilot:
        await save_three_lines(pilot, app)
        assert app.saved == [] and app.is_running
        (failure,) = failures
        assert failure.path == blocked / "logs" and "not a directory" in failure.error.lower()
