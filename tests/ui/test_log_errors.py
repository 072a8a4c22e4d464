"""Error lines in the log view: found as output arrives, marked in the gutter, reached
with ``e`` / ``E`` (the search bar keeps its own keys)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from crownest_tui.core.error_lines import ErrorMatcher
from crownest_tui.core.failure_summary import NumberedLine
from crownest_tui.text.sanitize import is_inert
from crownest_tui.ui.log import OutputChunk
from crownest_tui.ui.log.excerpts import numbered, stderr_tail
from crownest_tui.ui.log.render import ERROR_MARKS, STDERR_MARK
from crownest_tui.ui.log.transcript import Transcript
from crownest_tui.ui.widgets.log_view import LogView
from tests.ui.log_helpers import screen_rows

SIZE = (60, 12)
MARK, CURRENT = ERROR_MARKS[1], ERROR_MARKS[2]


class ErrorLogApp(App[None]):
    """A LogView that looks for error lines (as the detail screen's does)."""

    def compose(self) -> ComposeResult:
        yield LogView(error_matcher=ErrorMatcher(["^BUILD BROKE"]))

    @property
    def log_view(self) -> LogView:
        return self.query_one(LogView)


def build_log() -> list[OutputChunk]:
    """200 lines: a traceback, its exception (cut in two by a stderr error line, which
    completes first), a user pattern's line; chunks cut lines, as the network does."""
    rows = [f"step {n} ok" for n in range(200)]
    rows[40] = "Traceback (most recent call last):"
    rows[41] = "ValueError: boom"
    rows[150] = "BUILD BROKE at step 150"
    out = "".join(row + "\n" for n, row in enumerate(rows) if n != 120)
    cut = out.index("Value") + 3
    return [
        OutputChunk("stdout", out[:cut], 1),
        OutputChunk("stderr", "warning: disk error on /dev/sdz\n", 2),
        OutputChunk("stdout", out[cut:], 3),
    ]


async def loaded(app: ErrorLogApp, pilot: Pilot[None]) -> LogView:
    """The view with :func:`build_log` in it, on screen."""
    view = app.log_view
    view.append(build_log())
    view.flush()
    await pilot.pause()
    return view


def rows_of(view: LogView) -> list[str]:
    return [row.rstrip() for row in screen_rows(view)]


async def test_error_lines_are_marked_and_e_and_shift_e_move_between_them() -> None:
    app = ErrorLogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = await loaded(app, pilot)
        index = view.error_lines
        assert index is not None
        # The stderr line came between two halves of the exception line: it is line 41.
        stderr_line = next(i for i in range(200) if view.transcript.stream_of(i) == "stderr")
        assert stderr_line == 41 and index.lines() == [40, 41, 42, 150]
        await pilot.press("g")
        await pilot.press("e")
        assert view.lines.current_error == 40 and not view.follow
        rows = rows_of(view)
        assert f" {CURRENT}Traceback (most recent call last):" in rows
        assert f" {MARK}ValueError: boom" in rows
        assert "  step 39 ok" in rows  # ordinary lines keep a blank gutter
        await pilot.press("e")
        assert view.lines.current_error == stderr_line
        assert f"{STDERR_MARK}{CURRENT}warning: disk error on /dev/sdz" in rows_of(view)
        await pilot.press("e", "e")
        assert view.lines.current_error == 150
        await pilot.press("e")  # wraps to the first
        assert view.lines.current_error == 40
        await pilot.press("E")  # and back to the last
        assert view.lines.current_error == 150
        await pilot.press("E", "E")
        assert view.lines.current_error == stderr_line


async def test_jumps_skip_what_the_stream_filter_hides_and_start_from_the_view() -> None:
    app = ErrorLogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = await loaded(app, pilot)
        await pilot.press("o")  # stdout only
        await pilot.press("g", "e", "e", "e")
        assert view.lines.current_error == 150  # the stderr error is not shown
        await pilot.press("o", "o")  # all streams again
        view.lines.scroll_programmatically(100)  # scrolled away: the next is after the view
        await pilot.pause()
        await pilot.press("e")
        assert view.lines.current_error is not None and view.lines.current_error > 100


async def test_typing_e_in_the_search_bar_searches_and_first_error_opens_there() -> None:
    app = ErrorLogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append(build_log())
        assert view.show_first_error()
        assert view.lines.current_error == 40
        await pilot.press("slash", *"step 1E", "escape")
        assert view.lines.current_error == 40  # the e/E keys went to the search bar


async def test_a_log_without_errors_says_so_and_stays_put() -> None:
    app = ErrorLogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = app.log_view
        view.append([OutputChunk("stdout", "".join(f"fine {n}\n" for n in range(50)), 1)])
        view.flush()
        await pilot.pause()
        assert not view.show_first_error()
        await pilot.press("e")
        assert view.lines.current_error is None and view.follow
        assert any("No error lines" in str(n.message) for n in app._notifications)


def test_excerpts_for_the_summary_are_inert_and_keep_indentation() -> None:
    transcript = Transcript()
    try:
        transcript.append(
            [
                OutputChunk("stderr", "\x1b]52;c;cGF5bG9hZA==\x07Error: \x1b[31mred\x1b[0m\n", 1),
                OutputChunk("stdout", "E   assert\t1 == 2\x1b[2J\n", 2),
                OutputChunk("stderr", "   \n", 3),  # blank: skipped
                OutputChunk("stderr", "half a line\x1b]0;title", 4),  # partial, last
            ]
        )
        tail = stderr_tail(transcript, 5)
        assert tail == ["Error: red", "half a line"]
        assert numbered(transcript, [1]) == [NumberedLine(1, "E   assert      1 == 2")]
        assert all(is_inert(text) and "\x1b" not in text for text in tail)
    finally:
        transcript.close()


async def test_e_skips_error_lines_the_filters_hide() -> None:
    app = ErrorLogApp()
    async with app.run_test(size=SIZE) as pilot:
        view = await loaded(app, pilot)
        await pilot.press("minus", *"Traceback", "enter")  # hide line 40
        await pilot.pause()
        await pilot.press("g", "e")
        assert view.lines.current_error == 41  # the first error line still shown
        await pilot.press("E")
        assert view.lines.current_error == 150  # wrapped, past the hidden line 40
